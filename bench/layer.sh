#!/bin/sh
# bench/layer.sh (issue 4) — the layer writer with the real gzip and zstd
# compressor plugins against `tar -cf - | gzip -1` and `tar -cf - | zstd -3
# -T2`, and the layer applier against GNU `tar -x` of the same blob.
# A tree of KN_BENCH_FILES files (default 20000) in 100 directories totalling
# KN_BENCH_BYTES bytes (default 256 MiB; the full run is 1 GiB:
# KN_BENCH_BYTES=1073741824), base64 of random bytes so it compresses ~25%.
# Every contender writes its output to a file on the same file system as the
# tree ($TMPDIR); ours also fsyncs the blob into a content store.
# Targets: zstd layers >= 80% of the zstd -T2 pipeline's throughput (time
# ratio <= 1.25), gzip layers at least as fast as gzip -1 (ratio <= 1),
# apply >= 80% of tar -x (ratio <= 1.25), peak RSS < 64 MiB for ours.
# Every case runs KN_BENCH_REPS times (default 3), ours and the reference
# alternating so both see the same load; the table shows the median time of
# each (and the largest RSS), the details line every run.
#   [KN_BENCH_FILES=N] [KN_BENCH_BYTES=N] [KN_BENCH_THREADS=N] [KN_BENCH_REPS=N] bench/layer.sh
. "$(dirname "$0")/bench-lib.sh"
need tar gzip zstd split base64

BENCH=$KN_TOP_BUILDDIR/bench/layer-bench
[ -x "$BENCH" ] || die "build first: make -C $KN_TOP_BUILDDIR bench/layer-bench"
FILES=${KN_BENCH_FILES:-20000}
BYTES=${KN_BENCH_BYTES:-268435456}
# Our gzip plugin deflates in parallel (threads 0 = one per CPU); gzip -1 is
# single-threaded, so the gzip case is also shown with one thread.
THREADS=${KN_BENCH_THREADS:-0}
REPS=${KN_BENCH_REPS:-3}
DIRS=100
[ "$FILES" -lt "$DIRS" ] && DIRS=$FILES
ROOT=$WORK/root
mkdir -p "$ROOT"

echo "layer.sh: $FILES files, $BYTES bytes, $(nproc) CPUs, $REPS runs per case, work dir $WORK ($(df -T "$WORK" | awk 'NR == 2 { print $2 }')), load $(cut -d' ' -f1-3 /proc/loadavg)"
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
# Warm the page cache once so every contender reads from memory.
tar -cf - -C "$ROOT" . >/dev/null

# blob NAME: the path of the blob ours wrote (from layer-bench's output).
blob() { sed -n 's/^  path=//p' "$WORK/$1.out"; }

# run NAME REP CMD...: measure CMD as NAME's run number REP.
run() {
  n=$1 r=$2; shift 2
  measure "${n}_$r" "$@"
  eval "echo \$${n}_${r}_t \$${n}_${r}_m" >> "$WORK/$n.runs"
  cp "$WORK/${n}_$r.out" "$WORK/$n.out"
}
# summarise NAME: NAME_t = the median time of its runs, NAME_m = the largest RSS.
summarise() {
  s=$1
  set -- $(sort -n "$WORK/$s.runs" | awk '{ t[NR] = $1; if ($2 > m) m = $2 } END { print t[int((NR + 1) / 2)], m }')
  eval "${s}_t=$1 ${s}_m=$2"
}

# Each repetition writes into a fresh store (no rename over an earlier,
# identical blob); the last one's blobs are applied below.
rep=1
while [ $rep -le "$REPS" ]; do
  rm -rf "$WORK/store" "$WORK/store1"
  run ref_gzip $rep sh -c "tar -cf - -C '$ROOT' . | gzip -1 >'$WORK/ref.tar.gz'"
  run ours_gzip $rep "$BENCH" write "$ROOT" "$WORK/store" gzip 1 "$THREADS"
  run ours_gzip1 $rep "$BENCH" write "$ROOT" "$WORK/store1" gzip 1 1
  run ref_zstd $rep sh -c "tar -cf - -C '$ROOT' . | zstd -q -3 -T2 >'$WORK/ref.tar.zst'"
  run ours_zstd $rep "$BENCH" write "$ROOT" "$WORK/store" zstd 3 2
  run ours_none $rep "$BENCH" write "$ROOT" "$WORK/store" none
  rm -f "$WORK/ref.tar.gz" "$WORK/ref.tar.zst"
  rep=$((rep + 1))
done
rm -rf "$WORK/store1"
for n in ref_gzip ours_gzip ours_gzip1 ref_zstd ours_zstd ours_none; do summarise $n; done
GZ=$(blob ours_gzip) ZS=$(blob ours_zstd) NO=$(blob ours_none)

# apply: the same blob, into a fresh directory each time; GNU tar picks the
# decompressor itself (gzip -d / zstd -d as a second process).
apply() {
  kind=$1 file=$2 rep=1
  while [ $rep -le "$REPS" ]; do
    # Who goes first alternates: creating files right after 20,000 were
    # deleted costs more on some file systems (ext4 without a journal
    # skips recently deleted inodes), and the first run follows no deletion.
    for who in $( [ $((rep % 2)) = 1 ] && echo ref ours || echo ours ref); do
      rm -rf "$WORK/x"; mkdir "$WORK/x"
      if [ $who = ref ]; then
        run "ref_x$kind" $rep tar -xf "$file" -C "$WORK/x"
      else
        run "ours_x$kind" $rep "$BENCH" apply "$file" "$WORK/x"
      fi
    done
    rep=$((rep + 1))
  done
  rm -rf "$WORK/x"
  summarise "ref_x$kind"
  summarise "ours_x$kind"
}
apply gzip "$GZ"
apply zstd "$ZS"
apply none "$NO"

header "layer.sh (issue 4): $FILES files, $((BYTES / 1048576)) MiB"
row "write gzip -1 (threads=$THREADS) vs tar|gzip -1" ours_gzip ref_gzip 1 64
row "write gzip -1 (1 thread) vs tar|gzip -1" ours_gzip1 ref_gzip - 64
row "write zstd -3 T2 vs tar|zstd -3 -T2" ours_zstd ref_zstd 1.25 64
row "write none vs tar|zstd -3 -T2" ours_none ref_zstd - 64
row "apply gzip vs tar -xzf" ours_xgzip ref_xgzip 1.25 64
row "apply zstd vs tar --zstd -xf" ours_xzstd ref_xzstd 1.25 64
row "apply none vs tar -xf" ours_xnone ref_xnone 1.25 64
echo "details (ours, last run):"
for n in ours_gzip ours_gzip1 ours_zstd ours_none; do head -1 "$WORK/$n.out"; done
for n in ours_xgzip ours_xzstd ours_xnone; do tail -1 "$WORK/$n.out"; done
echo "every run (seconds):"
for n in ref_gzip ours_gzip ours_gzip1 ref_zstd ours_zstd ours_none ref_xgzip ours_xgzip ref_xzstd ours_xzstd \
  ref_xnone ours_xnone; do
  printf '  %-11s %s\n' "$n" "$(awk '{ printf "%s ", $1 }' "$WORK/$n.runs")"
done
echo "$PASSES PASS, $MISSES MISS"
