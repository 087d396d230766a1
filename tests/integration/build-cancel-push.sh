#!/bin/sh
# Cancelling a build while it talks to a registry: a private docker-registry
# behind a slow TCP relay (python3, ~1 MB/s each way), so that a transfer is
# surely in progress when the signal comes.  SIGTERM during the push of the
# built image: exit 143 within a few seconds, "build cancelled by SIGTERM
# during the push", no manifest under the tag, no digest file, no run
# directory; then the same build pushed directly succeeds with the digest of
# an uninterrupted build (--reproducible).  SIGINT while the base image's
# layer is pulled: exit 130, the content store holds only whole blobs and no
# ingest file, and the build run again succeeds.  SIGTERM during `kaniko
# warm`: exit 143, no entry and no temporary files in the cache dir.
set -eu
. "$(dirname "$0")/build-lib.sh"
need busybox sha256sum python3 curl
start_registry

# relay: 127.0.0.1:$RELAY -> $REG, at most ~1 MB/s in each direction.
cat > "$tmp/relay.py" <<'PY'
import socket, sys, threading, time
target_port = int(sys.argv[1])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print(ls.getsockname()[1], flush=True)
def pump(a, b):
    try:
        while True:
            d = a.recv(16384)
            if not d:
                break
            b.sendall(d)
            time.sleep(0.015)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", target_port))
    threading.Thread(target=pump, args=(c, s), daemon=True).start()
    threading.Thread(target=pump, args=(s, c), daemon=True).start()
PY
python3 "$tmp/relay.py" "${REG##*:}" > "$tmp/relay.port" 2> "$tmp/relay.err" &
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null || true; cleanup' EXIT
i=0
until [ -s "$tmp/relay.port" ]; do
  [ $i -lt 100 ] || fail "the relay did not start: $(cat "$tmp/relay.err")"
  sleep 0.05
  i=$((i + 1))
done
RELAY=127.0.0.1:$(cat "$tmp/relay.port")

ctx="$tmp/ctx"
kdir="$tmp/kaniko"
mkdir -p "$ctx"
cp "$(command -v busybox)" "$ctx/busybox"
head -c 12000000 /dev/urandom > "$ctx/big.bin"
cat > "$ctx/Dockerfile" <<'DF'
FROM scratch
COPY busybox /bin/busybox
COPY big.bin /big.bin
DF

# The digest of an uninterrupted build.
"$KANIKO" build --kaniko-dir "$tmp/kaniko-ref" --context "$ctx" --no-push --reproducible \
  --digest-file "$tmp/ref-digest" > "$tmp/ref.log" 2>&1 || { cat "$tmp/ref.log"; fail "reference build"; }
ref=$(cat "$tmp/ref-digest")

# start PATTERN ARGS...: the build in the background; wait for PATTERN in its log.
start() {
  pattern=$1
  shift
  "$KANIKO" build --kaniko-dir "$kdir" "$@" > "$tmp/cancel.log" 2>&1 &
  pid=$!
  wait_for_log "$pid" "$tmp/cancel.log" "$pattern" 1200
}

# stop SIGNAL STATUS LOG-PATTERN: stop_build, then no run directory is left.
stop() {
  stop_build "$@"
  [ -z "$(ls -A "$kdir/builds")" ] || fail "SIG$1: run directories left: $(ls "$kdir/builds")"
}


manifest_status() {
  curl -s -o /dev/null -w '%{http_code}' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/$1/manifests/$2"
}

# 1. SIGTERM during the push (12 MB through the slow relay).
start 'Built image' --context "$ctx" --reproducible --destination "$RELAY/cancel/push:v1" --digest-file "$tmp/digest"
sleep 1
stop TERM 143 'the push'
[ "$(manifest_status cancel/push v1)" = 404 ] || fail "a manifest was pushed by the cancelled build"
[ ! -e "$tmp/digest" ] || fail "the cancelled build wrote its digest file"
check_store "SIGTERM during push" "$kdir"

kbuild --context "$ctx" --reproducible --destination "$REG/cancel/push:v1" --digest-file "$tmp/digest" \
  || { cat "$tmp/log"; fail "push after the cancelled push"; }
[ "$(cat "$tmp/digest")" = "$ref" ] || fail "pushed digest $(cat "$tmp/digest"), want $ref"
[ "$(manifest_status cancel/push v1)" = 200 ] || fail "the rebuilt image is not in the registry"

# 2. SIGINT while the base's 12 MB layer is pulled through the relay (into
# an empty store, so the layer is really fetched).
rm -rf "$kdir"
printf 'FROM %s/cancel/push:v1\nCOPY busybox /bin/busybox2\n' "$RELAY" > "$ctx/Dockerfile"
start 'Retrieving image manifest' --context "$ctx" --no-push
sleep 1.5
stop INT 130 'stage 0 (FROM'
check_store "SIGINT during pull" "$kdir"
printf 'FROM %s/cancel/push:v1\nCOPY busybox /bin/busybox2\n' "$REG" > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push || { cat "$tmp/log"; fail "build after the cancelled pull"; }
check_store "the build after the cancelled pull" "$kdir"

# 3. kaniko warm: SIGTERM while the base is pulled into the cache dir.
"$KANIKO" warm --image "$RELAY/cancel/push:v1" --cache-dir "$tmp/cache" > "$tmp/warm.log" 2>&1 &
pid=$!
i=0
until grep -q "Warming" "$tmp/warm.log"; do
  [ $i -lt 200 ] || { kill -9 "$pid"; fail "warm never started"; }
  sleep 0.05
  i=$((i + 1))
done
sleep 1
kill -TERM "$pid"
set +e
wait "$pid"
status=$?
set -e
[ "$status" = 143 ] || { cat "$tmp/warm.log"; fail "warm: exit status $status, want 143"; }
grep -q "kaniko warm cancelled by SIGTERM" "$tmp/warm.log" || { cat "$tmp/warm.log"; fail "warm: no cancel line"; }
[ -z "$(ls -A "$tmp/cache" | grep -v -e '^oci-layout$' -e '^index.json$' -e '^blobs$' || true)" ] \
  || fail "warm left temporary files: $(ls -A "$tmp/cache")"
[ ! -e "$tmp/cache/index.json" ] || ! grep -q cancel/push "$tmp/cache/index.json" \
  || fail "the cancelled warm added an entry"
echo "warm: exit 143: $(grep -o 'kaniko warm cancelled.*' "$tmp/warm.log")"

echo PASS
