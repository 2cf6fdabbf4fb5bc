#!/usr/bin/env bash
# Starts a fresh local cluster: etcd and kube-apiserver on 127.0.0.1 with free ports, RBAC,
# ServiceAccount token issuance, a self-signed serving certificate and an admin client
# certificate (CN=token-chaos-admin, O=system:masters) signed by a throwaway CA.
#
# Everything lives in TOKEN_CHAOS_CLUSTER_DIR (default test/.run/cluster); the admin kubeconfig
# is written to <dir>/admin.kubeconfig. Stop it with test/cluster/down.sh.
# There is no controller-manager: no default ServiceAccounts are created, nothing garbage
# collects, and deleted namespaces may stay Terminating. Tests create what they need.
set -euo pipefail
# shellcheck source=test/cluster/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

started=$(now_ms)
command -v openssl >/dev/null 2>&1 || die "openssl is required (apt-get install openssl)"
for b in etcd kube-apiserver; do
  [[ -x "$bindir/$b" ]] || die "$bindir/$b is missing: run test/cluster/build.sh (make cluster-build) first"
done

# A fresh cluster every time: stop whatever this folder still runs, then wipe it.
if alive kube-apiserver || alive etcd; then
  say "a cluster is still running in $cluster_dir: stopping it first"
  "$(dirname "${BASH_SOURCE[0]}")/down.sh"
fi
case "$cluster_dir" in
/ | "$root" | "$HOME" | "") die "refusing to wipe $cluster_dir: set TOKEN_CHAOS_CLUSTER_DIR to a folder of its own" ;;
esac
rm -rf "$cluster_dir"
mkdir -p "$cluster_dir/pki" "$cluster_dir/serving" "$cluster_dir/etcd"
pki="$cluster_dir/pki"

# On any failure, leave nothing running behind.
trap 'rc=$?; if [[ $rc -ne 0 ]]; then stop kube-apiserver || true; stop etcd || true; fi' EXIT

read -r etcd_port etcd_peer_port apiserver_port < <(free_ports 3)
cat >"$cluster_dir/ports.env" <<EOF
ETCD_PORT=$etcd_port
ETCD_PEER_PORT=$etcd_peer_port
APISERVER_PORT=$apiserver_port
EOF

# etcd first, so its start overlaps with the key generation below.
start etcd --data-dir "$cluster_dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port"

# Keys and certificates, generated in parallel with each other and with etcd's start.
(
  # Client CA and the admin identity (system:masters is bound to cluster-admin by RBAC).
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 30 -subj "/CN=token-chaos-test-client-ca" &&
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -keyout "$pki/admin.key" -out "$pki/admin.csr" -subj "/O=system:masters/CN=token-chaos-admin" &&
    openssl x509 -req -in "$pki/admin.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -CAcreateserial -out "$pki/admin.crt" -days 30 \
      -extfile <(printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n')
) >"$cluster_dir/pki-admin.log" 2>&1 &
admin_pki=$!
# ServiceAccount token signing key (RSA, as kube-apiserver expects by default).
(
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" &&
    openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
) >"$cluster_dir/pki-sa.log" 2>&1 &
sa_pki=$!
wait "$admin_pki" || {
  log_tail "$cluster_dir/pki-admin.log"
  die "generating the client CA and admin certificate with openssl failed"
}
wait "$sa_pki" || {
  log_tail "$cluster_dir/pki-sa.log"
  die "generating the ServiceAccount signing key with openssl failed"
}

issuer="https://kubernetes.default.svc.cluster.local"
cat >"$cluster_dir/kube-apiserver.args" <<EOF
--etcd-servers=http://127.0.0.1:$etcd_port
--bind-address=127.0.0.1
--advertise-address=127.0.0.1
--secure-port=$apiserver_port
--cert-dir=$cluster_dir/serving
--client-ca-file=$pki/ca.crt
--authorization-mode=RBAC
--service-account-issuer=$issuer
--service-account-key-file=$pki/sa.pub
--service-account-signing-key-file=$pki/sa.key
--api-audiences=$issuer
--service-cluster-ip-range=10.0.0.0/24
--endpoint-reconciler-type=none
--allow-privileged=true
--profiling=false
EOF

wait_for etcd "its ready line" grep -q "etcd ready on" "$cluster_dir/etcd.log"
start_apiserver
# The key is written after the certificate, so once it exists the certificate is complete.
wait_for kube-apiserver "a serving certificate" test -s "$cluster_dir/serving/apiserver.key"

b64() { base64 -w0 <"$1"; }
kubeconfig="$cluster_dir/admin.kubeconfig"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: token-chaos-local
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority-data: $(b64 "$cluster_dir/serving/apiserver.crt")
users:
- name: token-chaos-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: token-chaos-local
  context: {cluster: token-chaos-local, user: token-chaos-admin}
current-context: token-chaos-local
EOF
chmod 600 "$kubeconfig"

wait_apiserver_ready
elapsed_ms=$(($(now_ms) - started))
say "ready in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s: kube-apiserver https://127.0.0.1:$apiserver_port (pid $(cat "$cluster_dir/kube-apiserver.pid")), etcd 127.0.0.1:$etcd_port (pid $(cat "$cluster_dir/etcd.pid"))"
say "kubeconfig: $kubeconfig"
say "try: kubectl --kubeconfig $kubeconfig get --raw /version"
