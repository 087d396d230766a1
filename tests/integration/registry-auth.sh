#!/bin/sh
# The docker registry plugin against an htpasswd (Basic auth) registry, with
# credentials from the docker-config provider: auths (base64 "auth", scheme
# and path in the key), credHelpers; a wrong password fails clearly, without
# a retry storm and without showing the secret; no credentials fails too.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"

start_registry auth AUTH=kaniko:correct-horse
R=127.0.0.1:$PORT
cd "$WORKDIR"
head -c 100000 /dev/urandom >blob.bin
export DOCKER_CONFIG=$WORKDIR/dc
mkdir -p "$DOCKER_CONFIG"
b64 () { printf '%s' "$1" | base64 | tr -d '\n'; }

# --- no config at all: anonymous, refused
tool --insecure --retries 3 push-blob "$R" t/auth blob.bin
expect_fail "push without credentials"; expect_err "EAUTH"; expect_err "authentication required"
[ "$(requests)" -le 3 ] || fail "$(requests) requests without credentials"

# --- right password in auths (key with scheme and path)
printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}' "$R" "$(b64 kaniko:correct-horse)" >"$DOCKER_CONFIG/config.json"
KN_TEST_VERBOSE=1 tool --insecure push-blob "$R" t/auth blob.bin
expect_ok "push with Basic credentials from config.json"
case "$OUT$ERR" in *correct-horse*|*"$(b64 kaniko:correct-horse)"*) fail "the password reached the debug log" ;; esac
echo "$ERR" | grep -q "^\[debug\] docker: PUT " || fail "no debug log"
echo "$ERR" | grep -qx "credential-calls 1" || fail "credentials asked more than once"
tool --insecure blob "$R" t/auth "$(sha blob.bin)" back.bin
expect_ok "pull with Basic credentials"
cmp -s blob.bin back.bin || fail "blob differs"
tool --insecure check-push "$R" t/auth
expect_ok "check push with credentials"

# --- wrong password: clear error, no retry storm, secret not shown
printf '{"auths":{"%s":{"username":"kaniko","password":"wrong-battery"}}}' "$R" >"$DOCKER_CONFIG/config.json"
KN_TEST_VERBOSE=1 tool --insecure --retries 5 blob "$R" t/auth "$(sha blob.bin)" back.bin
expect_fail "pull with a wrong password"; expect_err "EAUTH"; expect_err "refused the credentials"
# https probe, http ping (401), one request with the credentials (401)
[ "$(requests)" -le 3 ] || fail "wrong password: $(requests) requests (retry storm)"
case "$OUT$ERR" in *wrong-battery*|*"$(b64 kaniko:wrong-battery)"*) fail "the password leaked" ;; esac
ok "wrong password: $(requests) requests, secret not shown"
tool --insecure --retries 5 check-push "$R" t/auth
expect_fail "check push with a wrong password"; expect_err "EAUTH"

# --- credHelpers with the test helper on PATH
printf '{"credHelpers":{"%s":"test"},"auths":{"%s":{"auth":"%s"}}}' "$R" "$R" "$(b64 kaniko:wrong)" >"$DOCKER_CONFIG/config.json"
PATH=$FIX:$PATH KN_TEST_HELPER_USER=kaniko KN_TEST_HELPER_PASS=correct-horse \
  tool --insecure blob "$R" t/auth "$(sha blob.bin)" back2.bin
expect_ok "pull with credentials from docker-credential-test"
PATH=$FIX:$PATH KN_TEST_HELPER_USER=kaniko KN_TEST_HELPER_PASS=nope \
  tool --insecure blob "$R" t/auth "$(sha blob.bin)" back2.bin
expect_fail "helper with a wrong password"; expect_err "refused the credentials"
case "$OUT$ERR" in *nope*) fail "the helper's secret leaked" ;; esac
echo "all passed"
