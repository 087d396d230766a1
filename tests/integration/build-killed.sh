#!/bin/sh
# A build killed with SIGKILL (during a RUN, then during a big COPY) and run
# again with the same --kaniko-dir and --oci-layout-path succeeds: every blob
# of the content store matches its digest (nothing half-written), no ingest
# temporary file is left, the dead runs' directories are gone, and the OCI
# layout is valid (skopeo reads it: busybox, big.bin and done.txt layers; the
# sleep changes no file).
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo jq busybox sha256sum

ctx="$tmp/ctx"
kdir="$tmp/kaniko"
mkdir -p "$ctx"
cp "$(command -v busybox)" "$ctx/busybox"
# base64 of random bytes: gzip has work to do on all of it (random bytes
# would be stored as they are), so writing its layer takes a moment.
head -c 36000000 /dev/urandom | base64 -w 76 > "$ctx/big.bin"
cat > "$ctx/Dockerfile" <<'DF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sleep", "3"]
COPY big.bin /big.bin
RUN ["/bin/busybox", "sh", "-c", "echo done > /done.txt"]
DF

# start_and_kill PATTERN DELAY: start the build, SIGKILL it DELAY seconds
# after its log shows PATTERN; sets $killed to its pid.
start_and_kill() {
  : > "$tmp/killed.log"
  "$KANIKO" build --kaniko-dir "$kdir" --context "$ctx" --no-push --oci-layout-path "$tmp/layout" \
    > "$tmp/killed.log" 2>&1 &
  killed=$!
  wait_for_log "$killed" "$tmp/killed.log" "$1"
  sleep "$2"
  kill -0 "$killed" 2>/dev/null || { cat "$tmp/killed.log"; fail "the build ended before the kill"; }
  [ -n "$(ls -d "$kdir/builds/run-$killed-"* 2>/dev/null)" ] || fail "no run directory for pid $killed"
  kill -9 "$killed"
  wait "$killed" 2>/dev/null || true
  echo "killed $killed at '$1'; ingest: $(ls -A "$kdir/ingest" 2>/dev/null | tr '\n' ' ')"
  [ -n "$(ls -d "$kdir/builds/run-$killed-"* 2>/dev/null)" ] || fail "the killed run left no directory to clean"
}

# The store holds blobs, all of them whole, and nothing is left in ingest.
check_killed_store() {
  [ -n "$(ls -A "$kdir/blobs/sha256" 2>/dev/null)" ] || fail "the store is empty"
  check_store "the rebuild after the kill" "$kdir"
}

check_layout() {
  skopeo inspect "oci:$tmp/layout:latest" > "$tmp/inspect.json" || fail "skopeo cannot read the OCI layout"
  [ "$(jq '.Layers | length' "$tmp/inspect.json")" = 3 ] || fail "layers: $(jq -c .Layers "$tmp/inspect.json")"
  for b in "$tmp"/layout/blobs/sha256/*; do
    [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || fail "bad blob $b in the layout"
  done
}

rebuild() {
  kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/layout" || { cat "$tmp/log"; fail "build after $1"; }
  [ -z "$(ls -d "$kdir/builds/run-$killed-"* 2>/dev/null)" ] || fail "the run directory of killed pid $killed is still there"
  [ -z "$(ls -A "$kdir/builds")" ] || fail "run directories left: $(ls "$kdir/builds")"
  check_killed_store
  check_layout
}

# Killed during the RUN's sleep.
start_and_kill 'RUN \["/bin/busybox", "sleep"' 0.5
rebuild "a kill during RUN"
first=$(jq -r '.manifests[0].digest' "$tmp/layout/index.json")

# Killed while the big COPY is read, compressed and stored.
start_and_kill 'COPY big.bin' "${KN_KILL_DELAY:-0.5}"
rebuild "a kill during COPY"

# A run whose pid is not a live process is removed by the next build
# even when nothing else about it is known (a fake dead run directory).
fake=$(ls -d "$kdir"/builds 2>/dev/null)/run-999999999-abcdef
mkdir -p "$fake/stages/0/root/dir"
chmod 0555 "$fake/stages/0/root/dir"
# ... and a half-written blob a killed writer left in the store's ingest dir.
head -c 4096 "$ctx/big.bin" > "$kdir/ingest/Xk1lld.tmp"
rebuild "a stale run directory"
[ ! -e "$fake" ] || fail "stale run directory $fake not removed"
[ -n "$first" ] || fail "no manifest in the layout"
echo "PASS"
