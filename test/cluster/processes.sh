# Shared by up.sh, down.sh and restart-apiserver.sh (sourced, not run): where a cluster lives and
# how its processes are started, probed and stopped. Every process is found through the pid file
# its start wrote, and checked against its binary before a signal is sent, so nothing else is hit.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${TOKEN_CHAOS_CACHE:-$root/.cache}"
bindir="$cache/bin"
# One folder per cluster: pki, data, logs, pids, ports and the admin kubeconfig.
cluster_dir="${TOKEN_CHAOS_CLUSTER_DIR:-$root/test/.run/cluster}"
ready_timeout="${TOKEN_CHAOS_READY_TIMEOUT:-90}"
stop_timeout="${TOKEN_CHAOS_STOP_TIMEOUT:-10}"

say() { printf '[cluster] %s\n' "$*"; }
die() {
  printf '[cluster] ERROR: %s\n' "$*" >&2
  exit 1
}

# free_ports N: N distinct free TCP ports on 127.0.0.1, picked below the kernel's ephemeral range
# (32768+) so outgoing connections cannot take them between the pick and the bind.
free_ports() {
  local picked=() p tries=0 used=" "
  if command -v ss >/dev/null 2>&1; then
    used+="$(ss -Htan | awk '{ sub(/.*:/, "", $4); printf "%s ", $4 }')"
  fi
  while ((${#picked[@]} < $1)); do
    ((tries++ < 500)) || die "no free port found in 20000-32767"
    p=$((20000 + RANDOM % 12768))
    [[ " ${picked[*]} $used" == *" $p "* ]] && continue
    # Without ss, at least make sure nothing listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    picked+=("$p")
  done
  printf '%s\n' "${picked[*]}"
}

now_ms() { date +%s%3N; }

# alive NAME: the pid in NAME.pid is running and is really our NAME binary.
alive() {
  local pidfile="$cluster_dir/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1 | grep -q "/$1\$"
}

log_tail() {
  printf -- '--- last lines of %s ---\n' "$1" >&2
  tail -n "${2:-25}" "$1" >&2 || true
}

# stop NAME: SIGTERM, then SIGKILL after stop_timeout seconds; removes the pid file.
stop() {
  local name="$1" pidfile="$cluster_dir/$1.pid"
  if ! alive "$name"; then
    rm -f "$pidfile"
    return 0
  fi
  local pid deadline
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + stop_timeout * 1000))
  while alive "$name" && (($(now_ms) < deadline)); do sleep 0.1; done
  if alive "$name"; then
    say "$name (pid $pid) ignored SIGTERM for ${stop_timeout}s: sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(($(now_ms) + 5000))
    while alive "$name" && (($(now_ms) < deadline)); do sleep 0.1; done
    alive "$name" && die "$name (pid $pid) is still running after SIGKILL"
  fi
  rm -f "$pidfile"
  say "stopped $name (pid $pid)"
}

# start NAME ARGS...: runs the cached binary in the background, output to NAME.log.
start() {
  local name="$1"
  shift
  local bin="$bindir/$name"
  [[ -x "$bin" ]] || die "$bin is missing: run test/cluster/build.sh (make cluster-build) first"
  # Background jobs of a non-interactive shell ignore SIGINT, so Ctrl-C in the caller leaves
  # teardown to the caller's trap instead of killing the servers half-way.
  nohup "$bin" "$@" >>"$cluster_dir/$name.log" 2>&1 </dev/null &
  local pid=$!
  printf '%s\n' "$pid" >"$cluster_dir/$name.pid"
  # Until nohup has exec'd the binary, /proc shows nohup's command line and `alive` would call
  # the new process dead; wait (bounded) for the exec so later probes see the real binary.
  local deadline=$(($(now_ms) + 5000))
  until alive "$name"; do
    kill -0 "$pid" 2>/dev/null || return 0
    (($(now_ms) < deadline)) || return 0
    sleep 0.02
  done
}

# wait_for NAME WHAT COMMAND...: polls COMMAND until it succeeds, NAME dies or the bound passes.
wait_for() {
  local name="$1" what="$2"
  shift 2
  local deadline=$(($(now_ms) + ready_timeout * 1000))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      log_tail "$cluster_dir/$name.log"
      die "$name exited before $what"
    fi
    if (($(now_ms) > deadline)); then
      log_tail "$cluster_dir/$name.log"
      die "$name: no $what within ${ready_timeout}s (log: $cluster_dir/$name.log)"
    fi
    sleep 0.2
  done
}

apiserver_port() {
  # shellcheck disable=SC1091
  source "$cluster_dir/ports.env"
  printf '%s\n' "$APISERVER_PORT"
}

# readyz_ok: /readyz answers "ok" (readable anonymously, via the public-info-viewer role).
readyz_ok() {
  local url
  url="https://127.0.0.1:$(apiserver_port)/readyz"
  if command -v curl >/dev/null 2>&1; then
    [[ "$(curl -sk --max-time 2 "$url")" == "ok" ]]
  else
    [[ "$(kubectl --kubeconfig "$cluster_dir/admin.kubeconfig" --request-timeout=2s get --raw /readyz)" == "ok" ]]
  fi
}

start_apiserver() {
  local args=()
  mapfile -t args <"$cluster_dir/kube-apiserver.args"
  start kube-apiserver "${args[@]}"
}

wait_apiserver_ready() {
  wait_for kube-apiserver "ok from /readyz" readyz_ok
}
