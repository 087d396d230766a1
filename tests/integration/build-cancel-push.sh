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
  i=0
  until grep -q "$pattern" "$tmp/cancel.log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/cancel.log"; fail "the build ended before '$pattern'"; }
    [ $i -lt 1200 ] || { kill -9 "$pid"; fail "the build never reached '$pattern'"; }
    sleep 0.05
    i=$((i + 1))
  done
}

# stop SIGNAL STATUS LOG-PATTERN: signal the build, check status, time, log line.
stop() {
  t0=$(date +%s%N)
  kill "-$1" "$pid"
  (
    n=0
    while kill -0 "$pid" 2>/dev/null; do
      [ $n -lt 200 ] || { kill -9 "$pid"; exit 0; }
      sleep 0.1
      n=$((n + 1))
    done
  ) &
  watchdog=$!
  set +e
  wait "$pid"
  status=$?
  set -e
  wait "$watchdog" 2>/dev/null || true
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "SIG$1: exit $status after $ms ms: $(grep -o 'build cancelled.*' "$tmp/cancel.log" || true)"
  [ "$status" = "$2" ] || { cat "$tmp/cancel.log"; fail "SIG$1: exit status $status, want $2"; }
  ! grep -qE 'ERROR: (Leak|Address)Sanitizer|runtime error:' "$tmp/cancel.log" \
    || { cat "$tmp/cancel.log"; fail "SIG$1: sanitizer report"; }
  [ "$ms" -lt "${KN_CANCEL_MAX_MS:-4000}" ] || fail "SIG$1: took $ms ms to stop"
  [ "$(grep -c 'build cancelled by' "$tmp/cancel.log")" = 1 ] || { cat "$tmp/cancel.log"; fail "not one 'build cancelled by' line"; }
  grep -q "build cancelled by SIG$1 during $3" "$tmp/cancel.log" \
    || { cat "$tmp/cancel.log"; fail "no 'build cancelled by SIG$1 during $3' line"; }
  [ -z "$(ls -A "$kdir/builds")" ] || fail "SIG$1: run directories left: $(ls "$kdir/builds")"
}

check_store() {
  [ -z "$(ls -A "$kdir/ingest" 2>/dev/null)" ] || fail "$1: ingest leftovers: $(ls -A "$kdir/ingest")"
  for b in "$kdir"/blobs/sha256/*; do
    [ -f "$b" ] || continue
    [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || fail "$1: half-written blob $b"
  done
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
check_store "SIGTERM during push"

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
check_store "SIGINT during pull"
printf 'FROM %s/cancel/push:v1\nCOPY busybox /bin/busybox2\n' "$REG" > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push || { cat "$tmp/log"; fail "build after the cancelled pull"; }
check_store "the build after the cancelled pull"

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
