#!/bin/sh
# The docker registry plugin against Debian's docker-registry configured with
# `auth: token`: the realm is tests/fixtures/registry/token-issuer.py (RS256
# JWTs with the signing certificate in "x5c"), credentials come from a docker
# config.json.  Push a blob, a config and a manifest and pull them back; the
# issuer sees one token request per tool run (one scope); a wrong password
# fails with a clear auth error and without a retry storm.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
command -v openssl >/dev/null || kn_skip "openssl is not installed"

cd "$WORKDIR"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=kn-token-issuer" \
  -keyout issuer.key -out issuer.crt 2>/dev/null || fail "openssl req"
TPORT=$(free_port)
python3 "$FIX/token-issuer.py" --port "$TPORT" --key issuer.key --cert issuer.crt \
  --issuer kn-test-issuer --users kaniko:correct-horse --log tokens.log 2>issuer.err &
KN_PIDS="$KN_PIDS $!"

PORT=$(free_port)
R=127.0.0.1:$PORT
mkdir -p reg
cat >reg/registry.yml <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORKDIR/reg
http:
  addr: $R
  secret: kn-token-$PORT
auth:
  token:
    realm: http://127.0.0.1:$TPORT/token
    service: kn-test-registry
    issuer: kn-test-issuer
    rootcertbundle: $WORKDIR/issuer.crt
YML
docker-registry serve reg/registry.yml >reg/registry.log 2>&1 </dev/null &
KN_PIDS="$KN_PIDS $!"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$R/v2/" || true)" = 401 ] \
      && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TPORT/token" || true)" = 401 ]; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat reg/registry.log issuer.err; fail "registry or issuer did not start"; }
  sleep 0.1
done
curl -s -D - -o /dev/null "http://$R/v2/" | grep -qi "^www-authenticate: Bearer realm=\"http://127.0.0.1:$TPORT/token\"" \
  || fail "the registry does not ask for a Bearer token"

export DOCKER_CONFIG=$WORKDIR/dc
mkdir -p "$DOCKER_CONFIG"
b64 () { printf '%s' "$1" | base64 | tr -d '\n'; }
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(b64 kaniko:correct-horse)" >"$DOCKER_CONFIG/config.json"
tokens () { grep -c "^$1 " tokens.log 2>/dev/null || true; }

# --- push a layer, a config and a manifest with the right password
head -c 300000 /dev/urandom >layer.bin
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >config.json
: >tokens.log
tool --insecure push-blob "$R" t/token layer.bin
expect_ok "push a blob with a Bearer token"
[ "$OUT" = "$(sha layer.bin)" ] || fail "pushed digest $OUT"
[ "$(tokens 200)" = 1 ] || fail "$(tokens 200) token requests for one push, want 1: $(cat tokens.log)"
grep -q "^200 kaniko .*repository:t/token:.*push" tokens.log || fail "no push scope asked: $(cat tokens.log)"
case "$OUT$ERR" in *correct-horse*|*"$(b64 kaniko:correct-horse)"*) fail "the password leaked" ;; esac
ok "one token request for the blob push"
tool --insecure push-blob "$R" t/token config.json
expect_ok "push the config"
jq -n --arg c "$(sha config.json)" --argjson cs "$(stat -c %s config.json)" \
      --arg l "$(sha layer.bin)" --argjson ls "$(stat -c %s layer.bin)" \
  '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
    config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$c, size:$cs},
    layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$l, size:$ls}]}' >app.json
: >tokens.log
tool --insecure push-manifest "$R" t/token v1 application/vnd.oci.image.manifest.v1+json app.json
expect_ok "push the manifest"
[ "$(tokens 200)" = 1 ] || fail "$(tokens 200) token requests for the manifest push: $(cat tokens.log)"

# --- pull everything back
: >tokens.log
tool --insecure manifest "$R" t/token v1 back.json
expect_ok "pull the manifest"
[ "$OUT" = "application/vnd.oci.image.manifest.v1+json $(sha app.json)" ] || fail "manifest: $OUT"
cmp -s app.json back.json || fail "manifest body differs"
[ "$(tokens 200)" = 1 ] || fail "$(tokens 200) token requests for a pull: $(cat tokens.log)"
grep -q "^200 kaniko repository:t/token:pull$" tokens.log || fail "pull scope: $(cat tokens.log)"
tool --insecure blob "$R" t/token "$(sha layer.bin)" layer.back
expect_ok "pull the layer"; cmp -s layer.bin layer.back || fail "layer differs"
tool --insecure blob "$R" t/token "$(sha config.json)" config.back
expect_ok "pull the config"; cmp -s config.json config.back || fail "config differs"
[ "$(tokens 200)" = 3 ] || fail "$(tokens 200) token requests for three pulls (one per run): $(cat tokens.log)"
if command -v skopeo >/dev/null; then
  skopeo inspect --tls-verify=false --creds kaniko:correct-horse "docker://$R/t/token:v1" >inspect.json 2>&1 \
    || { cat inspect.json; fail "skopeo inspect"; }
  [ "$(jq -r .Digest inspect.json)" = "$(sha app.json)" ] || fail "skopeo sees another digest"
  ok "skopeo sees the pushed manifest"
fi

# --- kaniko build --destination to the token registry
if [ -x "${KANIKO:-}" ] && command -v skopeo >/dev/null; then
  mkdir ctx
  for f in a b c; do echo "built with a token: $f" >ctx/$f.txt; done
  printf 'FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nCOPY c.txt /c.txt\n' >ctx/Dockerfile
  : >tokens.log
  "$KANIKO" build --kaniko-dir "$WORKDIR/kaniko" --context ctx --destination "$R/t/built:v1" \
    --digest-file "$WORKDIR/digest" >build.log 2>&1 || { cat build.log; fail "kaniko build --destination"; }
  # The repositories of one push (the push check, the parallel blob
  # workers, the config and manifest) share their host's tokens: one token
  # for pull,push, and one more when cancelling the push check's upload
  # (DELETE) makes the registry ask for the delete scope too.
  [ "$(tokens 200)" = 2 ] || fail "the build asked $(tokens 200) tokens, want 2: $(cat tokens.log)"
  [ "$(sed -n 1p tokens.log)" = "200 kaniko repository:t/built:pull,push" ] || fail "first token: $(cat tokens.log)"
  [ "$(sed -n 2p tokens.log)" = "200 kaniko repository:t/built:pull,push repository:t/built:delete" ] \
    || fail "second token: $(cat tokens.log)"
  [ "$(tokens 401)" = 0 ] || fail "the build's token requests were refused: $(cat tokens.log)"
  build_tokens=$(tokens 200)
  skopeo inspect --tls-verify=false --creds kaniko:correct-horse "docker://$R/t/built:v1" >inspect.json 2>&1 \
    || { cat inspect.json; fail "skopeo inspect the built image"; }
  [ "$(jq -r .Digest inspect.json)" = "$(cat "$WORKDIR/digest")" ] || fail "built digest"
  ok "kaniko build --destination with a Bearer token ($build_tokens token requests for 3 layers, the config and the manifest)"
fi

# --- wrong password: clear error, few requests, secret not shown
printf '{"auths":{"%s":{"username":"kaniko","password":"wrong-battery"}}}' "$R" >"$DOCKER_CONFIG/config.json"
: >tokens.log
tool --insecure --retries 5 blob "$R" t/token "$(sha layer.bin)" bad.bin
expect_fail "pull with a wrong password"; expect_err "EAUTH"
[ "$(tokens 401)" -ge 1 ] && [ "$(tokens 401)" -le 2 ] || fail "wrong password: $(tokens 401) refused token requests: $(cat tokens.log)"
[ "$(tokens 200)" = 0 ] || fail "a token was issued for a wrong password"
[ "$(requests)" -le 4 ] || fail "wrong password: $(requests) registry requests (retry storm)"
case "$OUT$ERR" in *wrong-battery*|*"$(b64 kaniko:wrong-battery)"*) fail "the password leaked" ;; esac
ok "wrong password: $(tokens 401) token request(s), $(requests) registry requests: $(echo "$ERR" | grep '^error')"
tool --insecure --retries 5 push-blob "$R" t/token layer.bin
expect_fail "push with a wrong password"; expect_err "EAUTH"

# --- no credentials at all: anonymous token refused
rm -f "$DOCKER_CONFIG/config.json"
tool --insecure --retries 5 manifest "$R" t/token v1
expect_fail "pull without credentials"; expect_err "EAUTH"
[ "$(requests)" -le 4 ] || fail "no credentials: $(requests) requests"
echo "all passed"
