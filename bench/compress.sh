#!/bin/sh
# Throughput and ratio of the compressor plugins (gzip, zstd) at several
# thread counts, next to the gzip and zstd commands, on one input file.
#
#   bench/compress.sh [INPUT] [BUILD_DIR]
#
# INPUT defaults to a 256 MiB tar of /usr (or whatever is readable); the
# build directory (for config.h and version.h) defaults to ./_build.  The
# driver is compiled from the plugin sources with -DKN_PLUGIN_BUILTIN.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$src/_build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

input=${1:-}
if [ -z "$input" ]; then
  input=$tmp/input.tar
  tar -cf - -C / usr 2>/dev/null | head -c $((256 * 1024 * 1024)) > "$input" || true
fi
size=$(stat -c %s "$input")

cat > "$tmp/bench.c" <<'EOF'
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <kaniko/sys/compressor.h>
const struct kn_plugin_desc *kn_plugin_gzip_get_desc (void);
const struct kn_plugin_desc *kn_plugin_zstd_get_desc (void);
struct count { struct kn_writer base; unsigned long long n; };
static int count_write (struct kn_writer *w, const void *b, size_t l, struct kn_error **e)
{ ((struct count *) w)->n += l; return 0; }
int main (int argc, char **argv)
{
  const struct kn_plugin_desc *d = strcmp (argv[1], "gzip") == 0 ? kn_plugin_gzip_get_desc () : kn_plugin_zstd_get_desc ();
  const struct kn_compressor *c = d->features[0].vtable;
  struct kn_compress_opts o = KN_COMPRESS_OPTS_INIT;
  o.level = atoi (argv[2]); o.threads = (unsigned) atoi (argv[3]);
  int fd = open (argv[4], O_RDONLY);
  struct count sink = { { count_write, NULL, NULL }, 0 };
  struct kn_writer *w; struct kn_error *err = NULL;
  if (fd < 0 || c->new_writer (&w, &sink.base, &o, &err) < 0) return 1;
  static char buf[1 << 20]; ssize_t n; unsigned long long in = 0;
  struct timespec t0, t1; clock_gettime (CLOCK_MONOTONIC, &t0);
  while ((n = read (fd, buf, sizeof buf)) > 0) { in += n; if (kn_writer_write (w, buf, n, &err) < 0) return 1; }
  if (kn_writer_close (w, &err) < 0) return 1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu = (double) clock () / CLOCKS_PER_SEC;
  printf ("%-5s level %2d threads %2s  %7.1f MB/s  (%6.1f MB per CPU-second)  ratio %.3f\n", argv[1], o.level,
          argv[3], in / s / 1e6, in / cpu / 1e6, (double) sink.n / in);
  kn_writer_free (w);
  return 0;
}
EOF
${CC:-cc} -O2 -DKN_PLUGIN_BUILTIN -I"$build" -I"$build/include" -I"$src/include" -I"$src" \
  "$tmp/bench.c" "$src/plugins/compress/gzip.c" "$src/plugins/compress/zstd.c" \
  "$src/core/util/stream.c" "$src/core/util/error.c" -lz -lzstd -lpthread -o "$tmp/bench"

echo "input: $input ($size bytes), $(nproc) CPUs"
for t in 1 2 4 0; do "$tmp/bench" gzip 1 $t "$input"; done
"$tmp/bench" gzip 6 0 "$input"
for t in 1 2 4 0; do "$tmp/bench" zstd 3 $t "$input"; done

tool () { # name command...
  name=$1; shift
  t0=$(date +%s.%N); out=$("$@" < "$input" | wc -c); t1=$(date +%s.%N)
  awk -v n="$name" -v s="$size" -v o="$out" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%-28s %7.1f MB/s  ratio %.3f\n", n, s / (b - a) / 1e6, o / s }'
}
tool "gzip -1 (command)" gzip -1 -c
command -v pigz > /dev/null && tool "pigz -1 (command)" pigz -1 -c
tool "zstd -3 -T0 (command)" zstd -q -3 -T0 -c
