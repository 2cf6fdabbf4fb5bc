#!/usr/bin/env bash
# Stops kube-apiserver alone and starts it again with the same flags, port, certificates and etcd,
# then waits for /readyz. Clients keep working with the same kubeconfig.
set -euo pipefail
# shellcheck source=test/cluster/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

[[ -f "$cluster_dir/kube-apiserver.args" ]] || die "no cluster in $cluster_dir (run up.sh first)"
alive etcd || die "etcd is not running in $cluster_dir"
started=$(now_ms)
stop kube-apiserver
# The old process is gone, but give the kernel a moment if the port is still held.
port="$(apiserver_port)"
for _ in $(seq 1 50); do
  ss -Htln "sport = :$port" 2>/dev/null | grep -q . || break
  sleep 0.1
done
start_apiserver
wait_apiserver_ready
say "kube-apiserver restarted on port $port in $(($(now_ms) - started))ms (pid $(cat "$cluster_dir/kube-apiserver.pid"))"
