#!/usr/bin/env bash
# Benchmark of the gRPC ext_authz data plane, with ghz (a real gRPC load generator, built from
# its pinned Go module into .cache/bin) in a separate process, on loopback only:
#   - a bare grpc-js Check server that answers OK with no logic (bench/bare-server.ts),
#   - the authz-server (`token-chaos authz`, standalone) with 1, 100 and 1,000 experiments,
#     for a request no experiment matches (pass-through), and with 1,000 loaded for each fault.
# Two phases: throughput (closed loop, as fast as the server answers) and latency at a fixed
# rate (half of the bare server's throughput). Every run is bounded in time (-z) and count (-n).
# Prints the README tables. Total runtime about four minutes.
#
# Usage: bench/authz-grpc.sh
# Tuning (environment): BENCH_DURATION (3s), BENCH_WARMUP (1s), BENCH_CONCURRENCY (16),
#   BENCH_ROUNDS (5), BENCH_LOG_LEVEL (info: fault decisions are logged, as in production),
#   BENCH_NODE_OPTIONS (default: the V8 flags `token-chaos authz` starts itself with,
#   AUTHZ_V8_FLAGS in cli/v8-flags.ts, given to both servers so they run on the same heap),
#   BENCH_PIN (1: servers on CPU 0, ghz on CPU 1 with GOMAXPROCS=1, when there are 2+ CPUs),
#   BENCH_OUT.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"

duration="${BENCH_DURATION:-3s}"
[[ "$duration" =~ ^[0-9]+s$ ]] || {
  echo "BENCH_DURATION must be whole seconds, e.g. 3s" >&2
  exit 2
}
warmup="${BENCH_WARMUP:-1s}"
concurrency="${BENCH_CONCURRENCY:-16}"
log_level="${BENCH_LOG_LEVEL:-info}"
rounds="${BENCH_ROUNDS:-5}"
authz_v8_flags="$(node -e 'import("./cli/v8-flags.ts").then((m) => process.stdout.write(m.AUTHZ_V8_FLAGS))')"
export NODE_OPTIONS="${BENCH_NODE_OPTIONS:-$authz_v8_flags}"
server_cpu=()
ghz_cpu=()
if [[ "${BENCH_PIN:-1}" == 1 ]] && command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
  server_cpu=(taskset -c 0)
  ghz_cpu=(env GOMAXPROCS=1 taskset -c 1)
fi
out="${BENCH_OUT:-$root/.cache/bench/authz-$(date +%Y%m%d-%H%M%S)}"
max_requests=500000
# Hard bound on any single ghz run, whatever happens.
hard_limit=60

say() { printf '[bench] %s\n' "$*" >&2; }
die() {
  printf '[bench] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---- ghz, built from the pinned module ------------------------------------------------------
ghz_dir="$root/bench/tools/ghz"
ghz="$root/.cache/bin/ghz"
command -v go >/dev/null 2>&1 || die "go is not on PATH (needed once, to build ghz)"
stamp="$( { go version; cat "$ghz_dir/go.mod" "$ghz_dir/go.sum" "$ghz_dir/tools.go"; } | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$ghz" || "$(cat "$ghz.stamp" 2>/dev/null || true)" != "$stamp" ]]; then
  say "building ghz from $ghz_dir (first time: downloads modules)"
  mkdir -p "$(dirname "$ghz")"
  (cd "$ghz_dir" && GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$ghz.tmp" github.com/bojand/ghz/cmd/ghz)
  mv -f "$ghz.tmp" "$ghz"
  printf '%s\n' "$stamp" >"$ghz.stamp"
fi

# ---- fixtures and servers ---------------------------------------------------------------------
mkdir -p "$out"
say "results in $out"
node bench/authz-fixtures.ts "$out" >/dev/null

pids=()
declare -A pid_of
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Starts a server whose stdout carries a {"listening":...} line; the rest of stdout (logs) is
# read and dropped so the server never blocks on a full pipe.
start() {
  local name="$1"
  shift
  "$@" 2>"$out/$name.stderr" > >(
    grep -m1 '^{"listening"' >"$out/$name.port"
    cat >/dev/null
  ) &
  pids+=("$!")
  pid_of[$name]=$!
}
start bare "${server_cpu[@]}" node bench/bare-server.ts 0
for n in 1 100 1000; do
  start "authz-$n" "${server_cpu[@]}" node bin/token-chaos.ts authz --experiments "$out/exp-$n" \
    --grpc-port 0 --http-port 0 --metrics-port 0 --log-level "$log_level"
done

port_of() {
  local name="$1"
  for _ in $(seq 1 600); do
    if [[ -s "$out/$name.port" ]]; then
      node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).listening.grpc))' "$out/$name.port"
      return 0
    fi
    sleep 0.2
  done
  cat "$out/$name.stderr" >&2
  die "$name did not start within 120 s"
}
declare -A port
for name in bare authz-1 authz-100 authz-1000; do port[$name]="$(port_of "$name")"; done
say "listening: bare ${port[bare]}, authz ${port[authz-1]} / ${port[authz-100]} / ${port[authz-1000]}"

# ---- runs -------------------------------------------------------------------------------------
: >"$out/runs.tsv"
request() {
  node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' \
    "$out/requests.json" "$1"
}
# ghz_run PORT DATA BOUND [flags...]: BOUND is "-z 1s" style or "-n 1234" style.
ghz_run() {
  local p="$1" data="$2"
  shift 2
  timeout "$hard_limit" "${ghz_cpu[@]}" "$ghz" --insecure \
    --proto proto/envoy/service/auth/v3/external_auth.proto --import-paths proto \
    --call envoy.service.auth.v3.Authorization.Check -d "$data" \
    --connections 1 -c "$concurrency" --count-errors "$@" "127.0.0.1:$p"
}
rps_of() {
  node -e 'process.stdout.write(String(Math.round(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).rps)))' "$1"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clk_tck="$(getconf CLK_TCK)"
# run LABEL SERVER EXPERIMENTS SCENARIO PHASE [ghz flags...]
# A warm-up bounded by time measures the pace; the measured run is then bounded by count
# (about BENCH_DURATION at that pace), so no request is cut off mid-flight when time runs out,
# and `timeout` bounds it in time as well. Around the measured run it records the server's CPU
# time (from /proc: what a check costs, whatever else the machine runs) and, for the
# authz-server, its own decision-time histogram.
run() {
  local label="$1" server="$2" experiments="$3" scenario="$4" phase="$5"
  shift 5
  local data n t0 t1 pid="${pid_of[$server]}"
  data="$(request "$scenario")"
  ghz_run "${port[$server]}" "$data" -z "$warmup" "$@" -O json >"$out/$label.warmup.json"
  n=$(($(rps_of "$out/$label.warmup.json") * ${duration%s}))
  ((n < 500)) && n=500
  ((n > max_requests)) && n=$max_requests
  node bench/server-probe.ts "$out/$server.port" hist >"$out/$label.hist0.json"
  t0="$(cpu_ticks "$pid")"
  ghz_run "${port[$server]}" "$data" -n "$n" "$@" -O json >"$out/$label.json"
  t1="$(cpu_ticks "$pid")"
  node bench/server-probe.ts "$out/$server.port" hist >"$out/$label.hist1.json"
  local target="authz-server"
  [[ "$server" == bare ]] && target="bare"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$target" "$experiments" "$scenario" "$phase" \
    "$(awk -v a="$t0" -v b="$t1" -v h="$clk_tck" 'BEGIN { print (b - a) / h }')" >>"$out/runs.tsv"
  say "$label: $(rps_of "$out/$label.json") requests/s"
}

# The comparison that matters most, interleaved over rounds so that the machine's other load
# falls on all of them alike.
for round in $(seq 1 "$rounds"); do
  run "max-bare-r$round" bare - pass-through max
  for n in 1 100 1000; do run "max-pass-$n-r$round" "authz-$n" "$n" pass-through max; done
done
for scenario in expire-edge expire-upstream revoke scope-edge scope-upstream tamper \
  corrupt-signature rotate malformed strip delay-20ms error deny; do
  run "max-$scenario" authz-1000 1000 "$scenario" max
done

rate="$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).rps; process.stdout.write(String(Math.max(100, Math.floor(r / 2))))' "$out/max-bare-r1.json")"
say "fixed-rate phase at $rate requests/s"
run rate-bare bare - pass-through rate -r "$rate"
for n in 1 100 1000; do run "rate-pass-$n" "authz-$n" "$n" pass-through rate -r "$rate"; done
# Delay accuracy: a 20 ms delay at a rate the concurrency holds without queueing.
run rate-delay-20ms authz-1000 1000 delay-20ms rate -r 400

# Resident memory of each authz-server after its runs, from its own /metrics.
: >"$out/memory.tsv"
for n in 1 100 1000; do
  printf '%s\t%s\n' "$n" "$(node bench/server-probe.ts "$out/authz-$n.port" rss)" >>"$out/memory.tsv"
done

node bench/ghz-report.ts "$out" | tee "$out/report.md"
say "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); concurrency $concurrency, $duration per run, $rounds rounds; pinned: ${server_cpu[*]:-no}; NODE_OPTIONS=$NODE_OPTIONS"
