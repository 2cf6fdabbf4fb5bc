#!/usr/bin/env bash
# Usage: test/cluster/with-cluster.sh CMD [ARGS...]
# Starts a fresh cluster in its own folder (test/.run/clusters/run-<pid>, so parallel runs and a
# `make cluster` never collide), exports TOKEN_CHAOS_KUBECONFIG, TOKEN_CHAOS_HELM and
# TOKEN_CHAOS_CLUSTER_DIR, runs CMD, always tears the cluster down, and exits with CMD's code.
# The folder (logs included) is removed when CMD succeeds and kept for inspection when it fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

[[ $# -gt 0 ]] || {
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
}

export TOKEN_CHAOS_CLUSTER_DIR="$root/test/.run/clusters/run-$$"
export TOKEN_CHAOS_KUBECONFIG="$TOKEN_CHAOS_CLUSTER_DIR/admin.kubeconfig"
export TOKEN_CHAOS_HELM="${TOKEN_CHAOS_CACHE:-$root/.cache}/bin/helm"

rc=0
teardown() {
  "$here/down.sh" || echo "[cluster] WARNING: teardown of $TOKEN_CHAOS_CLUSTER_DIR failed" >&2
  if [[ $rc -eq 0 ]]; then
    rm -rf "$TOKEN_CHAOS_CLUSTER_DIR"
  else
    echo "[cluster] logs kept in $TOKEN_CHAOS_CLUSTER_DIR" >&2
  fi
}
trap teardown EXIT
# Turn signals into a normal exit so the EXIT trap tears down exactly once.
trap 'rc=130; exit 130' INT
trap 'rc=143; exit 143' TERM

"$here/up.sh" || {
  rc=$?
  echo "[cluster] could not start the cluster (exit $rc)" >&2
  exit "$rc"
}
"$@" || rc=$?
exit "$rc"
