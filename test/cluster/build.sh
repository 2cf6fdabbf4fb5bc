#!/usr/bin/env bash
# Builds the real components the test cluster runs (kube-apiserver, etcd, helm) from the pinned
# Go modules under test/cluster/tools into the cache folder (default .cache/bin, override with
# TOKEN_CHAOS_CACHE). A binary is rebuilt only when its module files (or the Go version) change;
# Go's own module and build caches make a rebuild on the same machine mostly a link.
#
# Usage: test/cluster/build.sh [kube-apiserver|etcd|helm]...   (default: all three)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="$root/test/cluster/tools"
cache="${TOKEN_CHAOS_CACHE:-$root/.cache}"
bindir="$cache/bin"
logdir="$cache/build-logs"
# go.sum is committed: never let a build rewrite it.
export GOFLAGS="-mod=readonly -buildvcs=false"

say() { printf '[cluster-build] %s\n' "$*"; }
die() {
  printf '[cluster-build] ERROR: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go 1.24 or newer (https://go.dev/dl/)"
mkdir -p "$bindir" "$logdir"
# The progress ticker must not outlive the script, even on Ctrl-C.
ticker=""
trap '[[ -z "$ticker" ]] || kill "$ticker" 2>/dev/null || true' EXIT

# name -> module folder and Go package to build
declare -A module=([kube-apiserver]=kube [etcd]=etcd [helm]=helm)
declare -A package=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [etcd]=tokenchaos.dev/cluster/etcd
  [helm]=helm.sh/helm/v3/cmd/helm
)

modver() { (cd "$tools/${module[$1]}" && go list -m -f '{{.Version}}' "$2"); }

# Version stamps the upstream release builds set with -ldflags, so /version, `helm version` and
# helm's .Capabilities.KubeVersion report the pinned releases instead of placeholders.
# Only link flags: the compile cache stays shared with plain `go build`.
ldflags_of() {
  case "$1" in
  kube-apiserver)
    local v maj min p flags=""
    v="$(modver kube-apiserver k8s.io/kubernetes)"
    maj="${v#v}" && maj="${maj%%.*}"
    min="${v#v*.}" && min="${min%%.*}"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      flags+=" -X $p.gitVersion=$v -X $p.gitMajor=$maj -X $p.gitMinor=$min -X $p.gitTreeState=clean"
    done
    printf '%s\n' "${flags# }"
    ;;
  helm)
    local v kv kmin p flags=""
    v="$(modver helm helm.sh/helm/v3)"
    # helm derives its default Kubernetes version from client-go v0.X.Y => 1.X
    kv="$(modver helm k8s.io/client-go)"
    kmin="${kv#v0.}" && kmin="${kmin%%.*}"
    flags="-X helm.sh/helm/v3/internal/version.version=$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
      flags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kmin"
    done
    printf '%s\n' "$flags"
    ;;
  *) printf '\n' ;;
  esac
}

stamp_of() {
  local dir="$tools/${module[$1]}"
  {
    go version
    printf '%s\n' "$2"
    cat "$dir/go.mod" "$dir/go.sum"
    cat "$dir"/*.go
  } | sha256sum | cut -d' ' -f1
}

# Prints elapsed time and compiled-package count every 15 s while a build runs.
progress() {
  local name="$1" log="$2" total="$3" start="$4"
  while sleep 15; do
    local n
    n=$(grep -c . "$log" 2>/dev/null || true)
    say "$name: $(($(date +%s) - start))s elapsed, ${n:-0} packages compiled (graph: $total)"
  done
}

build_one() {
  local name="$1"
  local dir="$tools/${module[$name]}" pkg="${package[$name]}"
  local out="$bindir/$name" stampfile="$bindir/.$name.stamp" log="$logdir/$name.log"
  local want flags
  flags="$(ldflags_of "$name")" || die "$name: cannot read module versions in $dir"
  want="$(stamp_of "$name" "$flags")"
  if [[ -x "$out" && -f "$stampfile" && "$(cat "$stampfile")" == "$want" ]]; then
    say "$name: up to date ($out)"
    return 0
  fi
  local start
  start=$(date +%s)
  say "$name: resolving $pkg (downloads modules on first use)"
  if ! (cd "$dir" && go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "$pkg") \
    >"$log.deps" 2>"$log.list"; then
    cat "$log.list" >&2
    die "$name: cannot resolve $pkg in $dir (see above)"
  fi
  local total
  total=$(grep -c . "$log.deps" || true)
  say "$name: compiling (about $total non-standard packages; log: $log)"
  : >"$log"
  progress "$name" "$log" "$total" "$start" &
  ticker=$!
  local rc=0
  (cd "$dir" && go build -v -ldflags "$flags" -o "$out.tmp" "$pkg") 2>"$log" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  ticker=""
  if [[ $rc -ne 0 ]]; then
    rm -f "$out.tmp"
    printf '%s\n' "--- last lines of $log ---" >&2
    tail -n 30 "$log" >&2
    die "$name: go build failed (exit $rc) after $(($(date +%s) - start))s"
  fi
  mv -f "$out.tmp" "$out"
  printf '%s\n' "$want" >"$stampfile"
  say "$name: built in $(($(date +%s) - start))s -> $out"
}

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(etcd kube-apiserver helm)
for n in "${names[@]}"; do
  [[ -n "${module[$n]:-}" ]] || die "unknown binary '$n' (expected kube-apiserver, etcd or helm)"
  build_one "$n"
done
