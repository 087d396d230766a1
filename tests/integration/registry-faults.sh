#!/bin/sh
# The docker registry plugin against a misbehaving registry
# (tests/fixtures/registry/fault-server.py): corrupt blobs and manifests are
# rejected, dropped connections resume with Range, 429 Retry-After is obeyed,
# redirects are followed; then Bearer token auth (scope caching, refresh on
# 401, identity token refresh-token grant, refused credentials).
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"

cd "$WORKDIR"
head -c 400000 /dev/urandom >blob.bin
D=$(sha blob.bin)
start_fault_server --blob "$WORKDIR/blob.bin"
F=127.0.0.1:$FPORT
LOG=$WORKDIR/fault-$FPORT.log

tool --insecure blob "$F" good "$D" out.bin
expect_ok "good blob"; cmp -s blob.bin out.bin || fail "good blob differs"

tool --insecure --retries 3 blob "$F" corrupt "$D" out.bin
expect_fail "corrupt blob"; expect_err "EDIGEST"; expect_err "content has digest"
[ "$(grep -c "^GET /v2/corrupt/blobs" "$LOG")" = 1 ] || fail "a digest mismatch was retried"

tool --insecure --retries 2 blob "$F" drop "$D" out.bin
expect_ok "dropped connection resumed"
cmp -s blob.bin out.bin || fail "resumed blob differs"
grep -q "^GET /v2/drop/blobs/$D 206 range=200000" "$LOG" || { cat "$LOG"; fail "no Range request after the drop"; }
ok "resumed with Range: bytes=200000-"

tool --insecure --retries 2 blob "$F" norange "$D" out.bin
expect_ok "dropped connection, server ignores Range"
cmp -s blob.bin out.bin || fail "blob differs when the server ignores Range"

start=$(date +%s)
tool --insecure --retries 2 --backoff 10 blob "$F" busy "$D" out.bin
expect_ok "429 then success"
[ $(( $(date +%s) - start )) -ge 1 ] || fail "Retry-After: 1 was not obeyed"
cmp -s blob.bin out.bin || fail "blob differs after 429"
[ "$(grep -c "^GET /v2/busy/blobs" "$LOG")" = 2 ] || fail "429 retries"
ok "Retry-After obeyed"
tool --insecure --retries 0 blob "$F" busy "$D" out.bin
expect_ok "busy is only busy once"

tool --insecure --retries 1 --backoff 10 blob "$F" unavailable "$D" out.bin
expect_fail "503 twice with one retry"; expect_err "HTTP 503"
tool --insecure --retries 1 --backoff 10 blob "$F" unavailable "$D" out.bin
expect_ok "503 then success after backoff"; cmp -s blob.bin out.bin || fail "blob differs after 503"
[ "$(grep -c "^GET /v2/unavailable/blobs" "$LOG")" = 3 ] || fail "503 retries"

tool --insecure blob "$F" redirect "$D" out.bin
expect_ok "redirected blob"; cmp -s blob.bin out.bin || fail "redirected blob differs"

head -c 100000 /dev/urandom >chunky.bin
tool --insecure --retries 2 --backoff 10 --chunk 30000 push-blob "$F" patchdrop chunky.bin
expect_ok "chunked upload after a dropped PATCH"
grep -q "^PATCH .* 416 " "$LOG" && grep -q "^GET /v2/patchdrop/blobs/uploads/.* 204 " "$LOG" || { cat "$LOG"; fail "no resync"; }
tool --insecure blob "$F" patchdrop "$(sha chunky.bin)" chunky.back
expect_ok "pull the resynced upload"; cmp -s chunky.bin chunky.back || fail "resynced upload differs"

M=$(curl -s "http://$F/v2/good/manifests/v1" | sha256sum | cut -d' ' -f1)
tool --insecure manifest "$F" good "sha256:$M" m.json
expect_ok "manifest by digest"
tool --insecure manifest "$F" corrupt "sha256:$M" m.json
expect_fail "manifest whose body does not match the digest"; expect_err "EDIGEST"
tool --insecure manifest "$F" lying "sha256:$M" m.json
expect_fail "manifest with a lying Docker-Content-Digest"; expect_err "Docker-Content-Digest"
tool --insecure manifest "$F" lying v1 m.json
expect_ok "by tag the content's digest counts"

# --- Bearer tokens
export DOCKER_CONFIG=$WORKDIR/dc
mkdir -p "$DOCKER_CONFIG"
start_fault_server --blob "$WORKDIR/blob.bin" --bearer tokuser:tokpass --refresh-token r3fresh
B=127.0.0.1:$FPORT
BLOG=$WORKDIR/fault-$FPORT.log
printf '{"auths":{"%s":{"auth":"%s"}}}' "$B" "$(printf tokuser:tokpass | base64)" >"$DOCKER_CONFIG/config.json"

tool --insecure blob "$B" good "$D" out.bin
expect_ok "bearer pull"; cmp -s blob.bin out.bin || fail "bearer blob differs"
grep -q "^GET /token?service=fault&scope=repository%3Agood%3Apull 200 TOKEN basic repository:good:pull" "$BLOG" \
  || { cat "$BLOG"; fail "token request"; }
ok "token fetched with Basic for repository:good:pull"

: >"$BLOG"
head -c 150000 /dev/urandom >up.bin
tool --insecure --chunk 50000 push-blob "$B" good up.bin
expect_ok "bearer chunked push"
[ "$(grep -c TOKEN "$BLOG")" = 1 ] || { cat "$BLOG"; fail "token not cached across the upload"; }
ok "one token for HEAD, POST, 3 PATCH, PUT"
grep -q "TOKEN basic repository:good:pull,push" "$BLOG" || fail "push scope"

: >"$BLOG"
tool --insecure push-blob "$B" other up.bin good
expect_ok "bearer mount"
grep -q "TOKEN basic repository:good:pull repository:other:pull,push" "$BLOG" || { cat "$BLOG"; fail "mount scope"; }
grep -q "^POST /v2/other/blobs/uploads/?mount=$(sha up.bin)&from=good 201 MOUNT" "$BLOG" || { cat "$BLOG"; fail "no mount"; }
ok "mount asks for both repositories"

: >"$BLOG"
tool --insecure blob "$B" expire "$D" out.bin
expect_ok "token refused once, refreshed"
[ "$(grep -c TOKEN "$BLOG")" = 2 ] || { cat "$BLOG"; fail "no refresh after 401"; }

tool --insecure check-push "$B" good
expect_ok "bearer check push"

printf '{"auths":{"%s":{"auth":"%s"}}}' "$B" "$(printf tokuser:bad | base64)" >"$DOCKER_CONFIG/config.json"
tool --insecure --retries 4 blob "$B" good "$D" out.bin
expect_fail "bearer with a wrong password"; expect_err "EAUTH"; expect_err "token server"
[ "$(requests)" -le 3 ] || fail "$(requests) requests"

: >"$BLOG"
printf '{"auths":{"%s":{"identitytoken":"r3fresh"}}}' "$B" >"$DOCKER_CONFIG/config.json"
KN_TEST_VERBOSE=1 tool --insecure blob "$B" good "$D" out.bin
expect_ok "identity token (refresh-token grant)"
case "$OUT$ERR" in *tok[0-9]*) fail "a bearer token reached the debug log" ;; esac
grep -q "^POST /token 200 TOKEN refresh_token repository:good:pull" "$BLOG" || { cat "$BLOG"; fail "grant"; }
case "$OUT$ERR" in *r3fresh*) fail "refresh token leaked" ;; esac
printf '{"auths":{"%s":{"identitytoken":"stale"}}}' "$B" >"$DOCKER_CONFIG/config.json"
tool --insecure blob "$B" good "$D" out.bin
expect_fail "stale identity token"; expect_err "EAUTH"
case "$OUT$ERR" in *stale*) fail "identity token leaked" ;; esac

rm "$DOCKER_CONFIG/config.json"
tool --insecure blob "$B" good "$D" out.bin
expect_fail "bearer without credentials"; expect_err "anonymous"
echo "all passed"
