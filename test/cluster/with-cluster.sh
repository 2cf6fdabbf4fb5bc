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
  # Quiet on success so the command's own summary stays the last thing printed.
  "$here/down.sh" >/dev/null || echo "[cluster] WARNING: teardown of $TOKEN_CHAOS_CLUSTER_DIR failed" >&2
  if [[ $rc -eq 0 ]]; then
    rm -rf "$TOKEN_CHAOS_CLUSTER_DIR"
  else
    echo "[cluster] logs kept in $TOKEN_CHAOS_CLUSTER_DIR" >&2
  fi
}
trap teardown EXIT
# CMD runs in the background so a signal to this script is handled at once (bash defers traps
# until a foreground command ends): the signal is passed on to CMD, then the EXIT trap tears down.
child=""
on_signal() {
  rc=$1
  if [[ -n "$child" ]]; then
    kill -TERM "$child" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$child" 2>/dev/null || true
  fi
  exit "$rc"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

"$here/up.sh" || {
  rc=$?
  echo "[cluster] could not start the cluster (exit $rc)" >&2
  exit "$rc"
}
# An explicit redirection keeps CMD's stdin (background jobs otherwise read /dev/null).
"$@" <&0 &
child=$!
wait "$child" || rc=$?
exit "$rc"
