/* layer-bench: time the layer writer on a tree (bench/layer.sh drives it).
 *   layer-bench ROOT STORE none|gzip|zstd [LEVEL [THREADS]]
 * Prints digest, diff_id, sizes, seconds, MiB/s of tar and the peak RSS. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include <kaniko/sys/util.h>

#include "core/layer/store.h"
#include "core/layer/writer.h"

/* Stand-in compressors over zlib and libzstd (the plugins live elsewhere). */
struct bz {
  struct kn_writer base;
  struct kn_writer *sink;
  z_stream z;
  ZSTD_CCtx *zc;
  unsigned char out[1 << 17];
};

static int
gz_pump (struct bz *g, int flush, struct kn_error **err)
{
  do
    {
      g->z.next_out = g->out;
      g->z.avail_out = sizeof g->out;
      if (deflate (&g->z, flush) == Z_STREAM_ERROR)
        return kn_error_make (err, KN_EIO, 0, "deflate");
      size_t n = sizeof g->out - g->z.avail_out;
      int r = n ? kn_writer_write (g->sink, g->out, n, err) : 0;
      if (r < 0)
        return r;
    }
  while (g->z.avail_out == 0);
  return 0;
}

static int
gz_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct bz *g = (struct bz *) w;
  g->z.next_in = (unsigned char *) buf;
  g->z.avail_in = (uInt) len;
  return gz_pump (g, Z_NO_FLUSH, err);
}

static int
gz_close (struct kn_writer *w, struct kn_error **err)
{
  return gz_pump ((struct bz *) w, Z_FINISH, err);
}

static void
gz_free (struct kn_writer *w)
{
  deflateEnd (&((struct bz *) w)->z);
  free (w);
}

static int
gz_new (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *o, struct kn_error **err)
{
  struct bz *g = kn_xcalloc (1, sizeof *g);
  g->base.write = gz_write;
  g->base.close = gz_close;
  g->base.free = gz_free;
  g->sink = sink;
  deflateInit2 (&g->z, o->level < 0 ? 6 : o->level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  *out = &g->base;
  return 0;
}

static int
zs_pump (struct bz *g, const void *buf, size_t len, ZSTD_EndDirective mode, struct kn_error **err)
{
  ZSTD_inBuffer in = { buf, len, 0 };
  for (;;)
    {
      ZSTD_outBuffer out = { g->out, sizeof g->out, 0 };
      size_t left = ZSTD_compressStream2 (g->zc, &out, &in, mode);
      if (ZSTD_isError (left))
        return kn_error_make (err, KN_EIO, 0, "zstd: %s", ZSTD_getErrorName (left));
      int r = out.pos ? kn_writer_write (g->sink, g->out, out.pos, err) : 0;
      if (r < 0)
        return r;
      if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
        return 0;
    }
}

static int
zs_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  return zs_pump ((struct bz *) w, buf, len, ZSTD_e_continue, err);
}

static int
zs_close (struct kn_writer *w, struct kn_error **err)
{
  return zs_pump ((struct bz *) w, NULL, 0, ZSTD_e_end, err);
}

static void
zs_free (struct kn_writer *w)
{
  ZSTD_freeCCtx (((struct bz *) w)->zc);
  free (w);
}

static int
zs_new (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *o, struct kn_error **err)
{
  struct bz *g = kn_xcalloc (1, sizeof *g);
  g->base.write = zs_write;
  g->base.close = zs_close;
  g->base.free = zs_free;
  g->sink = sink;
  g->zc = ZSTD_createCCtx ();
  ZSTD_CCtx_setParameter (g->zc, ZSTD_c_compressionLevel, o->level < 0 ? 3 : o->level);
  ZSTD_CCtx_setParameter (g->zc, ZSTD_c_nbWorkers, (int) o->threads);
  *out = &g->base;
  return 0;
}

static const struct kn_compressor bench_gzip = { KN_COMPRESSOR_VERSION, "gzip", "gzip", NULL, gz_new, NULL };
static const struct kn_compressor bench_zstd = { KN_COMPRESSOR_VERSION, "zstd", "zstd", NULL, zs_new, NULL };

int
main (int argc, char **argv)
{
  if (argc < 4)
    {
      fprintf (stderr, "usage: %s ROOT STORE none|gzip|zstd [LEVEL [THREADS]]\n", argv[0]);
      return 2;
    }
  struct kn_compress_opts copts = KN_COMPRESS_OPTS_INIT;
  if (argc > 4)
    copts.level = atoi (argv[4]);
  copts.threads = argc > 5 ? (unsigned) atoi (argv[5]) : 0;
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.compressor = strcmp (argv[3], "gzip") == 0 ? &bench_gzip : strcmp (argv[3], "zstd") == 0 ? &bench_zstd : NULL;
  o.compress_opts = &copts;
  o.reproducible = 1;
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  if (kn_store_open (&s, argv[2], &err) < 0)
    {
      fprintf (stderr, "%s\n", err->msg);
      return 1;
    }
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  struct kn_layer_info info;
  int ret = kn_layer_write_full (s, argv[1], &o, &info, &err);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  if (ret < 0)
    {
      fprintf (stderr, "%s\n", err->msg);
      return 1;
    }
  double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  printf ("ours-%s entries=%llu tar=%llu blob=%llu secs=%.2f MiB/s=%.1f maxrss_kib=%ld\n  digest=%s\n  diff_id=%s\n",
          argv[3], (unsigned long long) info.entries, (unsigned long long) info.tar_size,
          (unsigned long long) info.size, secs, (double) info.tar_size / 1048576.0 / secs, ru.ru_maxrss, info.digest,
          info.diff_id);
  kn_store_free (s);
  return 0;
}
