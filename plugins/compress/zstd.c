/* zstd compressor plugin (libzstd).
 *
 * Writer: the input is cut into 2 MiB chunks, each compressed into its own
 * zstd frame (content size and checksum included) by a pool of worker
 * threads, one ZSTD_CCtx per worker; frames are written in order.  A zstd
 * stream of several frames is standard: `zstd -d`, Go's klauspost decoder
 * and containerd read it as one.  We do not use libzstd's own ZSTD_c_nbWorkers:
 * with libzstd 1.5.4 its output varies from run to run (jobs reuse pooled
 * contexts; measured: same input, same parameters, different bytes), which
 * would break reproducible layer digests.  Here the bytes depend only on the
 * data and the level, never on the number of threads or on scheduling
 * (opts->threads: 0 = the number of CPUs, at most ZS_AUTO_THREADS; 1 =
 * compress on the caller's thread).  Memory: at most threads + 2 chunks in
 * flight, each about 4 MiB (input and output); a stream shorter than one
 * chunk is compressed on the caller's thread with one chunk of memory.
 * Default level 3 (libzstd's default).
 *
 * Reader: ZSTD_DStream over one or more frames (skippable frames included);
 * the window is capped at libzstd's default limit (128 MiB).  Truncated or
 * corrupt input is KN_EPROTO. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#include "plugins/compress/pipeline.h"

#define ZS_DEFAULT_LEVEL 3
#define ZS_CHUNK (2 * 1024 * 1024)
#define ZS_AUTO_THREADS 8
#define ZS_MAX_THREADS 32

struct zs_job
{
  struct kn_cpipe_job base; /* out holds one zstd frame */
  size_t zret; /* ZSTD_compress2's result when it is an error, else 0 */
};

struct zs_writer
{
  struct kn_writer base;
  struct kn_cpipe pipe;
  struct kn_writer *sink;
  int level;
};

/* A compression context at the writer's level (the per-thread compressor). */
static void *
zs_cctx_new (struct kn_cpipe *p)
{
  struct zs_writer *zw = p->codec;
  ZSTD_CCtx *c = ZSTD_createCCtx ();
  if (c == NULL)
    kn_oom ();
  /* The level was validated in zs_new_writer; these cannot fail. */
  ZSTD_CCtx_setParameter (c, ZSTD_c_compressionLevel, zw->level);
  ZSTD_CCtx_setParameter (c, ZSTD_c_checksumFlag, 1);
  return c;
}

static void
zs_cctx_free (void *ctx)
{
  ZSTD_freeCCtx (ctx);
}

static void
zs_compress_job (struct kn_cpipe *p, void *ctx, struct kn_cpipe_job *base)
{
  (void) p;
  struct zs_job *job = (struct zs_job *) base;
  size_t cap = ZSTD_compressBound (ZS_CHUNK);
  if (base->out == NULL)
    base->out = kn_xmalloc (cap);
  size_t r = ZSTD_compress2 (ctx, base->out, cap, base->in, base->in_len);
  job->zret = ZSTD_isError (r) ? r : 0;
  base->out_len = ZSTD_isError (r) ? 0 : r;
}

/* Send a finished frame to the sink. */
static int
zs_emit (struct kn_cpipe *p, struct kn_cpipe_job *base, uint64_t seq, struct kn_error **err)
{
  (void) seq;
  struct zs_writer *zw = p->codec;
  struct zs_job *job = (struct zs_job *) base;
  if (job->zret != 0)
    return kn_error_make (err, KN_EINTERNAL, 0, "zstd: compress: %s", ZSTD_getErrorName (job->zret));
  int r = kn_writer_write (zw->sink, base->out, base->out_len, err);
  if (r < 0)
    return kn_error_wrap (err, "zstd");
  return 0;
}

static const struct kn_cpipe_ops zs_pipe_ops = {
  .name = "zstd",
  .job_size = sizeof (struct zs_job),
  .block = ZS_CHUNK,
  .ctx_new = zs_cctx_new,
  .ctx_free = zs_cctx_free,
  .compress = zs_compress_job,
  .emit = zs_emit,
};

static int
zs_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  return kn_cpipe_write (&zw->pipe, buf, len, err);
}

static int
zs_close (struct kn_writer *w, struct kn_error **err)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  /* The last, partial chunk; an empty stream still gets one (empty) frame. */
  int r = kn_cpipe_finish (&zw->pipe, 0, err);
  if (r != 0)
    return r < 0 ? r : 0;
  zw->pipe.closed = 1;
  return 0;
}

static void
zs_writer_free (struct kn_writer *w)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  kn_cpipe_destroy (&zw->pipe);
  free (zw);
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
      if (threads > ZS_AUTO_THREADS)
        threads = ZS_AUTO_THREADS;
    }
  if (threads > ZS_MAX_THREADS)
    threads = ZS_MAX_THREADS;

  struct zs_writer *zw = kn_xcalloc (1, sizeof *zw);
  zw->base.write = zs_write;
  zw->base.close = zs_close;
  zw->base.free = zs_writer_free;
  zw->sink = sink;
  zw->level = level;
  unsigned nworkers = threads > 1 ? threads : 0;
  kn_cpipe_init (&zw->pipe, &zs_pipe_ops, zw, nworkers, nworkers ? (size_t) nworkers + 2 : 1);
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
