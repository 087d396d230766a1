/* zstd compressor plugin (libzstd).
 *
 * Writer: one ZSTD_CCtx in streaming mode with ZSTD_c_nbWorkers worker
 * threads (opts->threads, 0 = the number of CPUs, at most ZS_MAX_THREADS).
 * At least one worker is always used: libzstd's output is the same for every
 * nbWorkers >= 1 (but differs from nbWorkers = 0), so layer digests do not
 * depend on the machine.  The job size is fixed (ZS_JOB_SIZE) to bound the
 * memory held by the workers.  Default level 3 (libzstd's default); frames
 * carry a content checksum.
 *
 * Reader: ZSTD_DStream over one or more frames (skippable frames included);
 * the window is capped at libzstd's default limit (128 MiB).  Truncated or
 * corrupt input is KN_EPROTO. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include <kaniko/log.h>
#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#define ZS_DEFAULT_LEVEL 3
#define ZS_MAX_THREADS 16
#define ZS_JOB_SIZE (2 * 1024 * 1024)

struct zs_writer
{
  struct kn_writer base;
  struct kn_writer *sink;
  ZSTD_CCtx *cctx;
  unsigned char *out;
  size_t out_cap;
  int closed;
  int failed;
};

static int
zs_fail (struct zs_writer *zw, int ret)
{
  if (zw->failed == 0)
    zw->failed = ret < 0 ? -ret : KN_EINTERNAL;
  return ret;
}

/* Run one ZSTD_compressStream2 step and send what it produced to the sink.
 * Returns libzstd's "remaining" hint (>= 0) or < 0 on error. */
static int64_t
zs_step (struct zs_writer *zw, ZSTD_inBuffer *in, ZSTD_EndDirective mode, struct kn_error **err)
{
  ZSTD_outBuffer out = { zw->out, zw->out_cap, 0 };
  size_t rem = ZSTD_compressStream2 (zw->cctx, &out, in, mode);
  if (ZSTD_isError (rem))
    return zs_fail (zw, kn_error_make (err, KN_EINTERNAL, 0, "zstd: compress: %s", ZSTD_getErrorName (rem)));
  if (out.pos > 0)
    {
      int r = kn_writer_write (zw->sink, zw->out, out.pos, err);
      if (r < 0)
        return zs_fail (zw, kn_error_wrap (err, "zstd"));
    }
  return (int64_t) (rem > INT64_MAX ? INT64_MAX : rem);
}

static int
zs_check_usable (struct zs_writer *zw, struct kn_error **err)
{
  if (zw->failed)
    return kn_error_make (err, zw->failed, 0, "zstd: writer already failed");
  if (zw->closed)
    return kn_error_make (err, KN_EINVAL, 0, "zstd: write after close");
  return 0;
}

static int
zs_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  int r = zs_check_usable (zw, err);
  if (r < 0)
    return r;
  ZSTD_inBuffer in = { buf, len, 0 };
  while (in.pos < in.size)
    {
      int64_t s = zs_step (zw, &in, ZSTD_e_continue, err);
      if (s < 0)
        return (int) s;
    }
  return 0;
}

static int
zs_close (struct kn_writer *w, struct kn_error **err)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  if (zw->closed && !zw->failed)
    return 0;
  int r = zs_check_usable (zw, err);
  if (r < 0)
    return r;
  ZSTD_inBuffer in = { NULL, 0, 0 };
  for (;;)
    {
      int64_t s = zs_step (zw, &in, ZSTD_e_end, err);
      if (s < 0)
        return (int) s;
      if (s == 0)
        break;
    }
  zw->closed = 1;
  return 0;
}

static void
zs_writer_free (struct kn_writer *w)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  ZSTD_freeCCtx (zw->cctx);
  free (zw->out);
  free (zw);
}

static int
zs_set (ZSTD_CCtx *cctx, ZSTD_cParameter p, int v, const char *what, struct kn_error **err)
{
  size_t r = ZSTD_CCtx_setParameter (cctx, p, v);
  if (ZSTD_isError (r))
    return kn_error_make (err, KN_EINVAL, 0, "zstd: %s %d: %s", what, v, ZSTD_getErrorName (r));
  return 0;
}

static int
zs_new_writer (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
               struct kn_error **err)
{
  int level = ZS_DEFAULT_LEVEL;
  unsigned threads = 0;
  if (opts != NULL && opts->size >= offsetof (struct kn_compress_opts, level) + sizeof opts->level)
    level = opts->level;
  if (opts != NULL && opts->size >= offsetof (struct kn_compress_opts, threads) + sizeof opts->threads)
    threads = opts->threads;
  if (level == -1)
    level = ZS_DEFAULT_LEVEL;
  if (level < ZSTD_minCLevel () || level > ZSTD_maxCLevel ())
    return kn_error_make (err, KN_EINVAL, 0, "zstd: compression level %d out of range %d-%d", level,
                          ZSTD_minCLevel (), ZSTD_maxCLevel ());
  if (threads == 0)
    {
      long n = sysconf (_SC_NPROCESSORS_ONLN);
      threads = n > 0 ? (unsigned) n : 1;
    }
  if (threads > ZS_MAX_THREADS)
    threads = ZS_MAX_THREADS;

  struct zs_writer *zw = kn_xcalloc (1, sizeof *zw);
  zw->cctx = ZSTD_createCCtx ();
  if (zw->cctx == NULL)
    kn_oom ();
  zw->base.write = zs_write;
  zw->base.close = zs_close;
  zw->base.free = zs_writer_free;
  zw->sink = sink;
  zw->out_cap = ZSTD_CStreamOutSize ();
  zw->out = kn_xmalloc (zw->out_cap);
  int r;
  if ((r = zs_set (zw->cctx, ZSTD_c_compressionLevel, level, "compression level", err)) < 0
      || (r = zs_set (zw->cctx, ZSTD_c_checksumFlag, 1, "checksum flag", err)) < 0)
    {
      zs_writer_free (&zw->base);
      return r;
    }
  size_t zr = ZSTD_CCtx_setParameter (zw->cctx, ZSTD_c_nbWorkers, (int) threads);
  if (ZSTD_isError (zr))
    kn_log (KN_LOG_DEBUG, "zstd: libzstd without thread support (%s): compressing on one thread",
            ZSTD_getErrorName (zr));
  else if ((r = zs_set (zw->cctx, ZSTD_c_jobSize, ZS_JOB_SIZE, "job size", err)) < 0)
    {
      zs_writer_free (&zw->base);
      return r;
    }
  *out = &zw->base;
  return 0;
}

/* ---- reader ---- */

struct zs_reader
{
  struct kn_reader base;
  struct kn_reader *src;
  ZSTD_DStream *ds;
  unsigned char *in_buf;
  size_t in_cap;
  ZSTD_inBuffer in;
  int src_eof;
  size_t last; /* last ZSTD_decompressStream result: 0 = a frame ended and was flushed */
  int failed;
};

static ssize_t
zs_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct zs_reader *zr = (struct zs_reader *) r;
  if (zr->failed)
    return kn_error_make (err, zr->failed, 0, "zstd: reader already failed");
  if (len == 0)
    return 0;
  ZSTD_outBuffer out = { buf, len, 0 };
  for (;;)
    {
      if (zr->in.pos == zr->in.size && !zr->src_eof)
        {
          if (out.pos > 0)
            return (ssize_t) out.pos; /* do not block with data in hand */
          ssize_t n = kn_reader_read (zr->src, zr->in_buf, zr->in_cap, err);
          if (n < 0)
            {
              zr->failed = (int) -n;
              return n;
            }
          if (n == 0)
            zr->src_eof = 1;
          zr->in.src = zr->in_buf;
          zr->in.size = (size_t) n;
          zr->in.pos = 0;
        }
      if (zr->in.pos == zr->in.size && zr->src_eof && zr->last == 0)
        return (ssize_t) out.pos; /* clean end after a complete frame */
      size_t before = out.pos;
      size_t ret = ZSTD_decompressStream (zr->ds, &out, &zr->in);
      if (ZSTD_isError (ret))
        {
          zr->failed = KN_EPROTO;
          return kn_error_make (err, KN_EPROTO, 0, "zstd: corrupt compressed data: %s", ZSTD_getErrorName (ret));
        }
      zr->last = ret;
      if (out.pos == out.size)
        return (ssize_t) out.pos;
      if (zr->in.pos == zr->in.size && zr->src_eof && ret != 0 && out.pos == before)
        {
          zr->failed = KN_EPROTO;
          return kn_error_make (err, KN_EPROTO, 0, "zstd: unexpected end of compressed data (truncated)");
        }
    }
}

static void
zs_reader_free (struct kn_reader *r)
{
  struct zs_reader *zr = (struct zs_reader *) r;
  ZSTD_freeDStream (zr->ds);
  free (zr->in_buf);
  free (zr);
}

static int
zs_new_reader (struct kn_reader **out, struct kn_reader *source, struct kn_error **err)
{
  struct zs_reader *zr = kn_xcalloc (1, sizeof *zr);
  zr->ds = ZSTD_createDStream ();
  if (zr->ds == NULL)
    kn_oom ();
  size_t ret = ZSTD_initDStream (zr->ds);
  if (ZSTD_isError (ret))
    {
      ZSTD_freeDStream (zr->ds);
      free (zr);
      return kn_error_make (err, KN_EINTERNAL, 0, "zstd: init: %s", ZSTD_getErrorName (ret));
    }
  zr->base.read = zs_read;
  zr->base.free = zs_reader_free;
  zr->src = source;
  zr->in_cap = ZSTD_DStreamInSize ();
  zr->in_buf = kn_xmalloc (zr->in_cap);
  zr->last = 1; /* no frame yet: an empty input is truncated */
  *out = &zr->base;
  return 0;
}

static int
zs_detect (const unsigned char *head, size_t len)
{
  return len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd;
}

static const struct kn_compressor zstd_compressor = {
  .version = KN_COMPRESSOR_VERSION,
  .name = "zstd",
  .media_suffix = "zstd",
  .detect = zs_detect,
  .new_writer = zs_new_writer,
  .new_reader = zs_new_reader,
};

KN_PLUGIN_DEFINE (zstd, "zstd", "1.0.0", "zstd compression (libzstd, worker threads)", NULL, NULL,
                  KN_FEATURE (KN_KIND_COMPRESSOR, &zstd_compressor));
