#!/bin/sh
# bench/layer.sh — the layer writer against tar|gzip -1 and tar|zstd -3 -T2.
# Builds a tree of KN_BENCH_FILES files (default 20000) totalling
# KN_BENCH_BYTES bytes (default 1 GiB, base64 text so it compresses), then
# prints wall and CPU time, throughput and peak RSS of each.  Our writer
# also fsyncs the blob into a content store (the pipes write to /dev/null),
# so compare CPU time on a busy machine.  Not part of make check.
#   KN_BENCH_FILES=2000 KN_BENCH_BYTES=100000000 bench/layer.sh [BUILDDIR]
set -eu
BUILD=${1:-${KN_TOP_BUILDDIR:-$(dirname "$0")/../_build}}
BENCH=$BUILD/bench/layer-bench
[ -x "$BENCH" ] || { echo "build first: make -C $BUILD bench/layer-bench" >&2; exit 1; }
FILES=${KN_BENCH_FILES:-20000}
BYTES=${KN_BENCH_BYTES:-1073741824}
DIRS=100
[ "$FILES" -lt "$DIRS" ] && DIRS=$FILES
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kn-layer-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
ROOT=$WORK/root
mkdir -p "$ROOT"

echo "building $FILES files, $BYTES bytes in $ROOT ..."
per_dir_files=$((FILES / DIRS))
per_dir_bytes=$((BYTES / DIRS))
i=0
while [ $i -lt $DIRS ]; do
  mkdir -p "$ROOT/d$i"
  # 3 random bytes -> 4 base64 characters: about 25% saved by compression
  head -c $((per_dir_bytes * 3 / 4)) /dev/urandom | base64 -w 76 >"$WORK/chunk"
  split -a 5 -d -n "$per_dir_files" "$WORK/chunk" "$ROOT/d$i/f"
  i=$((i + 1))
done
rm -f "$WORK/chunk"
sync
du -sh "$ROOT"

TIME=
[ -x /usr/bin/time ] && TIME="/usr/bin/time -f %e:%U:%S:%M"

run() {
  label=$1; shift
  if [ -n "$TIME" ]; then
    out=$( { $TIME sh -c "$*" >/dev/null; } 2>&1 | tail -1)
    secs=$(echo "$out" | cut -d: -f1); usr=$(echo "$out" | cut -d: -f2)
    sys=$(echo "$out" | cut -d: -f3); rss=$(echo "$out" | cut -d: -f4)
    mibs=$(awk -v b="$BYTES" -v s="$secs" 'BEGIN { if (s > 0) printf "%.1f", b / 1048576 / s; else print "inf" }')
    cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf '%-22s %7ss wall %7ss cpu %8s MiB/s  peak RSS %s KiB\n' "$label" "$secs" "$cpu" "$mibs" "$rss"
  else
    start=$(date +%s.%N); sh -c "$*" >/dev/null; end=$(date +%s.%N)
    printf '%-22s %8.2fs\n' "$label" "$(echo "$end - $start" | bc)"
  fi
}

# Warm the page cache once so every contender reads from memory.
tar -cf - -C "$ROOT" . >/dev/null

run "tar | gzip -1" "tar -cf - -C '$ROOT' . | gzip -1"
run "tar | zstd -3 -T2" "tar -cf - -C '$ROOT' . | zstd -q -3 -T2"
run "ours none" "'$BENCH' '$ROOT' '$WORK/store-none' none"
run "ours gzip -1" "'$BENCH' '$ROOT' '$WORK/store-gz' gzip 1"
run "ours zstd -3 T2" "'$BENCH' '$ROOT' '$WORK/store-zst' zstd 3 2"
echo "details (ours, from getrusage):"
for c in none gzip zstd; do
  rm -rf "$WORK/store-$c"
  "$BENCH" "$ROOT" "$WORK/store-$c" $c $( [ $c = gzip ] && echo 1 ) $( [ $c = zstd ] && echo 3 2 )
done
