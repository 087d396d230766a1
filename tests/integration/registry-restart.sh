#!/bin/sh
# Issue 5 fault test: the registry stops mid-push and comes back ~1 s later on
# the same port and data directory.  The push (four ~50 MB layers, chunked
# upload, through the docker registry plugin's vtable: registry-tool) must
# finish thanks to its retries (connection refused / reset -> backoff; a
# half-received chunk -> 416 -> upload status -> resume), skopeo must then see
# the image, and every blob copied back (skopeo copy to a dir: layout) must
# match its digest, as must every blob in the registry's store.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
command -v skopeo >/dev/null || kn_skip "skopeo is not installed"

cd "$WORKDIR"
LAYERS=4
LAYER_MB=${KN_RESTART_LAYER_MB:-50}

# --- an image: LAYERS tar layers of random data, a config, a manifest
i=1
while [ $i -le $LAYERS ]; do
  mkdir -p "l$i"
  head -c $((LAYER_MB * 1000000)) /dev/urandom >"l$i/data$i.bin"
  tar -cf "layer$i.tar" -C "l$i" "data$i.bin"
  rm -rf "l$i"
  i=$((i + 1))
done
diff_ids=$(for i in $(seq $LAYERS); do sha "layer$i.tar"; done | jq -R . | jq -sc .)
jq -nc --argjson d "$diff_ids" \
  '{architecture:"amd64", os:"linux", config:{}, rootfs:{type:"layers", diff_ids:$d}}' >config.json
layers=$(for i in $(seq $LAYERS); do
  jq -nc --arg d "$(sha "layer$i.tar")" --argjson s "$(stat -c %s "layer$i.tar")" \
    '{mediaType:"application/vnd.oci.image.layer.v1.tar", digest:$d, size:$s}'
done | jq -sc .)
jq -nc --arg c "$(sha config.json)" --argjson cs "$(stat -c %s config.json)" --argjson l "$layers" \
  '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
    config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$c, size:$cs}, layers:$l}' >manifest.json

start_registry reg
R=127.0.0.1:$PORT
UPLOADS=$DATA/docker/registry/v2/repositories/t/big/_uploads

# --- push in the background: small chunks so the push lasts a few seconds;
# up to 12 retries per request, backoff 200 ms doubling to 6.4 s.
(
  set -e
  for i in $(seq $LAYERS); do
    "$TOOL" --insecure --retries 12 --backoff 200 --chunk 2000000 push-blob "$R" t/big "layer$i.tar" \
      >>push.out 2>>push.err
  done
  "$TOOL" --insecure --retries 12 --backoff 200 push-blob "$R" t/big config.json >>push.out 2>>push.err
  "$TOOL" --insecure --retries 12 --backoff 200 push-manifest "$R" t/big v1 \
    application/vnd.oci.image.manifest.v1+json manifest.json >>push.out 2>>push.err
) &
PUSH=$!
KN_PIDS="$KN_PIDS $PUSH"

# Stop the registry once the second layer's upload is under way.
i=0
until [ -s push.out ] && [ -n "$(ls "$UPLOADS" 2>/dev/null)" ]; do
  i=$((i + 1)); [ $i -lt 600 ] || fail "the push did not start"
  kill -0 $PUSH 2>/dev/null || { OUT=$(cat push.out); ERR=$(cat push.err); fail "push ended before the stop"; }
  sleep 0.05
done
sleep 0.3
"$KN_LAB_DIR/stop-registry.sh" "$DATA" >/dev/null
kill -0 $PUSH 2>/dev/null || { OUT=$(cat push.out); ERR=$(cat push.err); fail "push ended before the registry stopped"; }
ok "registry stopped mid-push ($(grep -c . push.out) blob(s) pushed)"
sleep 1
"$KN_LAB_DIR/start-registry.sh" "$PORT" "$DATA" >/dev/null
ok "registry restarted on port $PORT"

RC=0
wait $PUSH || RC=$?
KN_PIDS=""
OUT=$(cat push.out); ERR=$(cat push.err)
expect_ok "push finished after the restart"
echo "$ERR" | grep -q "retrying in" || fail "no retry was logged: the registry was not stopped mid-request"
ok "retries: $(echo "$ERR" | grep -c "retrying in") logged"

skopeo inspect --tls-verify=false "docker://$R/t/big:v1" >inspect.json 2>&1 || { cat inspect.json; fail "skopeo inspect"; }
[ "$(jq -r .Digest inspect.json)" = "$(sha manifest.json)" ] || fail "skopeo sees another manifest digest"
[ "$(jq '.Layers | length' inspect.json)" = $LAYERS ] || fail "skopeo sees $(jq '.Layers | length' inspect.json) layers"
ok "skopeo inspect sees the image"

# dir: keeps every blob as it is (an oci: layout would recompress the layers).
skopeo copy -q --src-tls-verify=false "docker://$R/t/big:v1" dir:back >copy.log 2>&1 || { cat copy.log; fail "skopeo copy"; }
n=0
for d in $(jq -r '.config.digest, .layers[].digest' manifest.json); do
  f=back/${d#sha256:}
  [ -f "$f" ] || fail "blob $d missing from the copy"
  [ "$(sha "$f")" = "$d" ] || fail "blob $d pulled back has digest $(sha "$f")"
  n=$((n + 1))
done
[ $n = $((LAYERS + 1)) ] || fail "$n blobs checked"
for i in $(seq $LAYERS); do cmp -s "layer$i.tar" "back/$(sha "layer$i.tar" | cut -d: -f2)" || fail "layer $i differs"; done
ok "every blob pulled back matches its digest ($n blobs)"

# The registry's own store: every blob it committed has the digest it is filed under.
n=0
for f in "$DATA"/docker/registry/v2/blobs/sha256/*/*/data; do
  want=$(basename "$(dirname "$f")")
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$want" ] || fail "registry store: blob $want is corrupt"
  n=$((n + 1))
done
[ $n -ge $((LAYERS + 2)) ] || fail "registry store holds $n blobs"
ok "registry store: $n blobs, none corrupt"
