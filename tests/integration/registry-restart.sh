#!/bin/sh
# Issue 5 fault test: the registry stops mid-push and comes back ~1 s later on
# the same port and data directory, twice: during a chunked upload (2 MB
# PATCHes) and during a monolithic PUT.  The push (four ~50 MB layers, a
# config and a manifest, through the docker registry plugin's vtable:
# registry-tool) must finish thanks to its retries (connection refused /
# reset -> backoff; a session the restarted registry no longer accepts ->
# 404 BLOB_UPLOAD_INVALID -> the upload starts over), skopeo must then see
# the image, every blob copied back (skopeo copy to a dir: layout) must match
# its digest, and so must every blob in the registry's store.
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

# push_through_restart REPO [CHUNK]: push the image to REPO in the background
# (chunked with CHUNK-byte PATCHes, else one monolithic PUT per blob; up to 12
# retries per request, backoff 200 ms doubling to 6.4 s), stop the registry
# while the second layer is being uploaded, restart it 1 s later on the same
# port and data directory, and expect the push to finish.
push_through_restart () {
  repo=$1 chunk=${2:+--chunk $2} pause=${2:+0.3}
  uploads=$DATA/docker/registry/v2/repositories/$repo/_uploads
  : >push.out; : >push.err
  (
    set -e
    for i in $(seq $LAYERS); do
      "$TOOL" --insecure --retries 12 --backoff 200 $chunk push-blob "$R" "$repo" "layer$i.tar" >>push.out 2>>push.err
    done
    "$TOOL" --insecure --retries 12 --backoff 200 push-blob "$R" "$repo" config.json >>push.out 2>>push.err
    "$TOOL" --insecure --retries 12 --backoff 200 push-manifest "$R" "$repo" v1 \
      application/vnd.oci.image.manifest.v1+json manifest.json >>push.out 2>>push.err
  ) &
  PUSH=$!
  KN_PIDS="$KN_PIDS $PUSH"
  i=0
  until [ -s push.out ] && [ -n "$(ls "$uploads" 2>/dev/null)" ]; do
    i=$((i + 1)); [ $i -lt 1200 ] || fail "$repo: the push did not start"
    kill -0 $PUSH 2>/dev/null || { OUT=$(cat push.out); ERR=$(cat push.err); fail "$repo: push ended before the stop"; }
    sleep 0.02
  done
  sleep ${pause:-0}
  "$KN_LAB_DIR/stop-registry.sh" "$DATA" >/dev/null
  kill -0 $PUSH 2>/dev/null || { OUT=$(cat push.out); ERR=$(cat push.err); fail "$repo: push ended before the registry stopped"; }
  ok "$repo: registry stopped mid-push ($(grep -c . push.out) blob(s) pushed)"
  sleep 1
  "$KN_LAB_DIR/start-registry.sh" "$PORT" "$DATA" >/dev/null
  ok "$repo: registry restarted on port $PORT"
  RC=0
  wait $PUSH || RC=$?
  KN_PIDS=""
  OUT=$(cat push.out); ERR=$(cat push.err)
  expect_ok "$repo: push finished after the restart"
  echo "$ERR" | grep -q "retrying in" || fail "$repo: no retry was logged: the registry was not stopped mid-request"
  ok "$repo: $(echo "$ERR" | grep -c "retrying in") retries, $(echo "$ERR" | grep -c "starting over") upload(s) started over"
  check_image "$repo"
}

# check_image REPO: skopeo sees the image and every blob copied back matches.
check_image () {
  skopeo inspect --tls-verify=false "docker://$R/$1:v1" >inspect.json 2>&1 || { cat inspect.json; fail "skopeo inspect"; }
  [ "$(jq -r .Digest inspect.json)" = "$(sha manifest.json)" ] || fail "skopeo sees another manifest digest"
  [ "$(jq '.Layers | length' inspect.json)" = $LAYERS ] || fail "skopeo sees $(jq '.Layers | length' inspect.json) layers"
  ok "skopeo inspect sees the image"

  # dir: keeps every blob as it is (an oci: layout would recompress the layers).
  skopeo copy -q --src-tls-verify=false "docker://$R/$1:v1" dir:back-${1##*/} >copy.log 2>&1 || { cat copy.log; fail "skopeo copy"; }
  n=0
  for d in $(jq -r '.config.digest, .layers[].digest' manifest.json); do
    f=back-${1##*/}/${d#sha256:}
    [ -f "$f" ] || fail "blob $d missing from the copy"
    [ "$(sha "$f")" = "$d" ] || fail "blob $d pulled back has digest $(sha "$f")"
    n=$((n + 1))
  done
  [ $n = $((LAYERS + 1)) ] || fail "$n blobs checked"
  for i in $(seq $LAYERS); do cmp -s "layer$i.tar" "back-${1##*/}/$(sha "layer$i.tar" | cut -d: -f2)" || fail "layer $i differs"; done
  ok "every blob pulled back matches its digest ($n blobs)"
}

push_through_restart t/chunked 2000000
push_through_restart t/mono

# The registry's own store: every blob it committed has the digest it is filed under.
n=0
for f in "$DATA"/docker/registry/v2/blobs/sha256/*/*/data; do
  want=$(basename "$(dirname "$f")")
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$want" ] || fail "registry store: blob $want is corrupt"
  n=$((n + 1))
done
[ $n -ge $((LAYERS + 2)) ] || fail "registry store holds $n blobs"
ok "registry store: $n blobs, none corrupt"
