#!/bin/sh
# The docker registry plugin over TLS: a self-signed registry is trusted with
# ca_file (--registry-certificate), refused without it, reachable with
# skip_tls_verify; then mutual TLS (client certificate) against a registry
# that requires one.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
command -v openssl >/dev/null || kn_skip "openssl is not installed"

start_registry tls TLS=1
R=127.0.0.1:$PORT
CA=$DATA/tls/registry.crt
cd "$WORKDIR"
head -c 300000 /dev/urandom >blob.bin

tool --ca "$CA" push-blob "$R" t/tls blob.bin
expect_ok "push over TLS with the registry CA"
tool --ca "$CA" --chunk 100000 push-blob "$R" t/tls2 blob.bin
expect_ok "chunked push over TLS"
tool --ca "$CA" blob "$R" t/tls "$(sha blob.bin)" back.bin
expect_ok "pull over TLS with the registry CA"
cmp -s blob.bin back.bin || fail "blob differs"

tool --retries 3 blob "$R" t/tls "$(sha blob.bin)" x.bin
expect_fail "TLS without the CA"; expect_err "EIO"; expect_err "certificate"
# https, then the http fallback go-containerregistry allows for loopback hosts; no retries
[ "$(requests)" = 2 ] || fail "a certificate error is not retried: $(requests) requests"
tool --retries 3 --insecure blob "$R" t/tls "$(sha blob.bin)" x.bin
expect_fail "TLS without the CA, --insecure (http fallback is no TLS bypass)"
tool --skip-tls-verify blob "$R" t/tls "$(sha blob.bin)" x.bin
expect_ok "TLS with skip_tls_verify"
tool --ca /nonexistent/ca.crt blob "$R" t/tls "$(sha blob.bin)" x.bin
expect_fail "TLS with a missing CA file"; expect_err "EINVAL"; expect_err "/nonexistent/ca.crt"

# --- mutual TLS: restart the registry requiring client certificates
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj /CN=kn-client-ca \
  -keyout client-ca.key -out client-ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj /CN=kn-client -keyout client.key -out client.csr 2>/dev/null
openssl x509 -req -in client.csr -CA client-ca.crt -CAkey client-ca.key -CAcreateserial -days 2 \
  -out client.crt 2>/dev/null
"$KN_LAB_DIR/stop-registry.sh" "$DATA" >/dev/null
printf '    clientcas:\n      - %s\n' "$WORKDIR/client-ca.crt" >>"$DATA/registry.yml"
setsid docker-registry serve "$DATA/registry.yml" >>"$DATA/registry.log" 2>&1 </dev/null &
echo $! >"$DATA/registry.pid"
i=0
until [ -n "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert client.crt --key client.key "https://$R/v2/" | grep 200)" ]; do
  i=$((i + 1)); [ $i -lt 100 ] || fail "mTLS registry did not start"; sleep 0.1
done
tool --ca "$CA" --cert client.crt --key client.key blob "$R" t/tls "$(sha blob.bin)" m.bin
expect_ok "mTLS pull with a client certificate"
cmp -s blob.bin m.bin || fail "blob differs"
tool --ca "$CA" --cert client.crt --key client.key --chunk 100000 push-blob "$R" t/mtls blob.bin
expect_ok "mTLS chunked push with a client certificate"
tool --ca "$CA" blob "$R" t/tls "$(sha blob.bin)" m2.bin
expect_fail "mTLS without a client certificate"; expect_err "EIO"
echo "all passed"
