#!/bin/sh
# Cancelling a build with a signal: SIGINT during a RUN whose command (and a
# background child of it) sleeps, SIGTERM during a large COPY, SIGHUP then
# SIGINT (a second signal during the clean-up), SIGINT during a RUN with
# --snapshot-mode=overlay, and three signals (immediate exit, then the next
# build cleans up).  Each time: exit status 128 + signal within a few
# seconds, one log line "build cancelled by SIG... during step N (...)", no
# process of the RUN left, no mount left under the kaniko dir, no run
# directory, no partial --oci-layout-path / --tar-path / --digest-file, every
# blob of the store whole; then the same build runs to completion and gives
# the digest of an uninterrupted build (--reproducible).
set -eu
. "$(dirname "$0")/build-lib.sh"
need busybox sha256sum pgrep

ctx="$tmp/ctx"
kdir="$tmp/kaniko"
out="$tmp/out"
mkdir -p "$ctx" "$out"
cp "$(command -v busybox)" "$ctx/busybox"
# The RUN sleeps only while the secret says so: the cancelled build and the
# rebuild are the same build (secrets are in no layer, config or history).
# The sleeps carry unusual durations so pgrep finds them and nothing else.
cat > "$ctx/Dockerfile" <<'DF'
FROM scratch
COPY busybox /bin/busybox
RUN --mount=type=secret,id=slow,target=/slow ["/bin/busybox", "sh", "-c", "if [ \"$(/bin/busybox cat /slow)\" = yes ]; then /bin/busybox sleep 6071 & /bin/busybox sleep 6072; fi; echo done > /done.txt"]
COPY big.bin /big.bin
DF
# base64 of random bytes (KN_CANCEL_BIG_MB of them): gzip has work to do on
# all of it (random bytes would be stored as they are), so copying and
# compressing it takes a moment.
head -c "${KN_CANCEL_BIG_MB:-100}000000" /dev/urandom | base64 -w 76 > "$ctx/big.bin"

# The digest of an uninterrupted build, in its own kaniko dir.
echo no > "$tmp/slow"
"$KANIKO" build --kaniko-dir "$tmp/kaniko-ref" --context "$ctx" --no-push --reproducible \
  --secret "id=slow,src=$tmp/slow" --digest-file "$tmp/ref-digest" > "$tmp/ref.log" 2>&1 \
  || { cat "$tmp/ref.log"; grep -q "cannot work here" "$tmp/ref.log" && { echo "SKIP: no RUN runner here"; exit 77; }; fail "reference build"; }
ref=$(cat "$tmp/ref-digest")
case $ref in sha256:*) ;; *) fail "reference digest: '$ref'" ;; esac

# start PATTERN [FLAGS...]: start the build in the background (outputs in
# $out), wait for PATTERN in its log; sets $pid.
start() {
  pattern=$1
  shift
  : > "$tmp/cancel.log"
  "$KANIKO" build --kaniko-dir "$kdir" --context "$ctx" --no-push --reproducible --secret "id=slow,src=$tmp/slow" \
    --oci-layout-path "$out/layout" --tar-path "$out/image.tar" --digest-file "$out/digest" "$@" \
    > "$tmp/cancel.log" 2>&1 &
  pid=$!
  wait_for_log "$pid" "$tmp/cancel.log" "$pattern"
}

# stop SIGNAL STATUS LOG-PATTERN [SIGNAL2]: see stop_build in build-lib.sh.
stop() { stop_build "$@"; }

# Nothing of the cancelled build is left.
check_clean() {
  sleep 0.2
  left=$(pgrep -f "sleep 607[12]" || true)
  if [ -n "$left" ]; then
    pgrep -af "sleep 607[12]" || true
    kill -9 $left 2>/dev/null || true
    fail "$1: processes of the RUN are still running"
  fi
  if grep -F " $kdir/" /proc/self/mountinfo; then
    fail "$1: mounts left under the kaniko dir"
  fi
  [ -z "$(ls -A "$kdir/builds")" ] || fail "$1: run directories left: $(ls "$kdir/builds")"
  [ -z "$(ls -A "$out")" ] || fail "$1: partial outputs left: $(ls -A "$out")"
  check_store "$1" "$kdir"
}

# The same build again runs to completion with the reference digest.
rebuild() {
  what=$1
  shift
  echo no > "$tmp/slow"
  kbuild --context "$ctx" --no-push --reproducible --secret "id=slow,src=$tmp/slow" \
    --oci-layout-path "$out/layout" --tar-path "$out/image.tar" --digest-file "$out/digest" "$@" \
    || { cat "$tmp/log"; fail "rebuild after $what"; }
  [ "$(cat "$out/digest")" = "$ref" ] || fail "rebuild after $what: digest $(cat "$out/digest"), want $ref"
  [ -s "$out/image.tar" ] && [ -f "$out/layout/index.json" ] || fail "rebuild after $what: outputs missing"
  [ -z "$(ls -A "$kdir/builds")" ] || fail "rebuild after $what: run directories left"
  rm -rf "$out" && mkdir -p "$out"
}

# 1. SIGINT while the RUN (and a background child) sleeps.
echo yes > "$tmp/slow"
start 'RUN --mount=type=secret'
i=0
until pgrep -f "sleep 6072" > /dev/null; do
  [ $i -lt 200 ] || fail "the RUN never started sleeping"
  sleep 0.05
  i=$((i + 1))
done
stop INT 130 'step 2 (RUN --mount=type=secret'
check_clean "SIGINT during RUN"
rebuild "SIGINT during RUN"

# 2. SIGTERM during the large COPY (its copy, compression or storing).
echo no > "$tmp/slow"
start 'COPY big.bin'
sleep 0.2
stop TERM 143 'step 3 (COPY big.bin /big.bin)'
check_clean "SIGTERM during COPY"
rebuild "SIGTERM during COPY"

# 3. SIGHUP and SIGINT at once (two equal signals sent together may merge
# into one): the second arrives during the clean-up and changes nothing;
# the status is the first one's (129).
echo yes > "$tmp/slow"
start 'RUN --mount=type=secret'
sleep 0.5
stop HUP 129 'step 2 (RUN' INT
grep -q "cleaning up" "$tmp/cancel.log" || fail "the second signal was not acknowledged"
check_clean "two SIGINTs"
rebuild "two SIGINTs"

# 4. The overlay snapshotter (or its fallback): the overlay mounted for the
# RUN must be gone after the cancel.
echo yes > "$tmp/slow"
start 'RUN --mount=type=secret' --snapshot-mode=overlay
i=0
until pgrep -f "sleep 6072" > /dev/null; do
  [ $i -lt 200 ] || fail "overlay: the RUN never started sleeping"
  sleep 0.05
  i=$((i + 1))
done
if grep -q "overlay:.*instead" "$tmp/cancel.log"; then
  echo "note: overlayfs is not usable here, the overlay snapshotter fell back to walking"
else
  grep -qF " $kdir/" /proc/self/mountinfo || fail "overlay: no overlay mounted during the RUN"
fi
stop INT 130 'step 2 (RUN'
check_clean "SIGINT during RUN (overlay)"
rebuild "SIGINT during RUN (overlay)" --snapshot-mode=overlay

# 5. Three signals at once exit at once (129: SIGHUP is delivered first),
# as if killed: the RUN dies with the build (its parent-death signal), and
# the next build detaches the overlay the dead one left mounted, removes its
# run directory, and gives the same digest.
echo yes > "$tmp/slow"
start 'RUN --mount=type=secret' --snapshot-mode=overlay
i=0
until pgrep -f "sleep 6072" > /dev/null; do
  [ $i -lt 200 ] || fail "3 signals: the RUN never started sleeping"
  sleep 0.05
  i=$((i + 1))
done
kill -HUP "$pid"
kill -INT "$pid"
kill -TERM "$pid"
set +e
wait "$pid"
status=$?
set -e
[ "$status" = 129 ] || { cat "$tmp/cancel.log"; fail "3 signals: exit status $status, want 129"; }
sleep 0.3
[ -z "$(pgrep -f "sleep 607[12]" || true)" ] || fail "3 signals: processes of the RUN are still running"
rm -rf "$out" && mkdir -p "$out"
left=$(grep -cF " $kdir/" /proc/self/mountinfo || true)
rebuild "three signals" --snapshot-mode=overlay
echo "3 signals: exit 129 at once; $left mount(s) left by the dead build; the next build: $(grep -o 'Detaching.*' "$tmp/log" || echo 'no detach')"
if grep -F " $kdir/" /proc/self/mountinfo; then
  fail "3 signals: mounts left under the kaniko dir after the next build"
fi
check_clean "the build after three signals"

echo PASS
