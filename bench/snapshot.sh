#!/bin/sh
# bench/snapshot.sh — time one diff after changing KN_BENCH_CHANGED (default
# 1000) of KN_BENCH_FILES (default 100000) files, for each snapshotter in
# KN_BENCH_MODES (default "full overlay").  "full" walks and stats every file
# (rehashing only the changed ones); "overlay" reads only its upper directory.
# Needs root for overlay (otherwise it falls back to full).  Not part of
# make check.
#   KN_BENCH_FILES=20000 bench/snapshot.sh [BUILDDIR]
set -eu
BUILD=${1:-${KN_TOP_BUILDDIR:-$(dirname "$0")/../_build}}
BENCH=$BUILD/bench/snapshot-bench
[ -x "$BENCH" ] || { echo "build first: make -C $BUILD bench/snapshot-bench" >&2; exit 1; }
FILES=${KN_BENCH_FILES:-100000}
CHANGED=${KN_BENCH_CHANGED:-1000}
for mode in ${KN_BENCH_MODES:-full overlay}; do
  echo "warm: $("$BENCH" "$mode" "$FILES" "$CHANGED")"
  # Cold caches before the diff make the walk's cost visible (root only).
  [ "$(id -u)" = 0 ] && echo "cold: $(KN_BENCH_COLD=1 "$BENCH" "$mode" "$FILES" "$CHANGED")"
done
