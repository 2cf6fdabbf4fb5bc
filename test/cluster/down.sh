#!/usr/bin/env bash
# Stops the cluster in TOKEN_CHAOS_CLUSTER_DIR (default test/.run/cluster): kube-apiserver, then
# etcd, each with SIGTERM and SIGKILL after TOKEN_CHAOS_STOP_TIMEOUT seconds (default 10).
# Data and logs stay in the folder until the next up.sh.
set -euo pipefail
# shellcheck source=test/cluster/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

if [[ ! -d "$cluster_dir" ]]; then
  say "no cluster folder at $cluster_dir: nothing to stop"
  exit 0
fi
stop kube-apiserver
stop etcd
