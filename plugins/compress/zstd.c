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

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#define ZS_DEFAULT_LEVEL 3
#define ZS_CHUNK (2 * 1024 * 1024)
#define ZS_AUTO_THREADS 8
#define ZS_MAX_THREADS 32

enum zs_job_state
{
  JOB_FREE = 0,
  JOB_QUEUED,
  JOB_DONE
};

struct zs_job
{
  unsigned char *in;
  size_t in_len;
  unsigned char *out;
  size_t out_len;
  size_t zret; /* ZSTD_compress2's result when it is an error, else 0 */
  enum zs_job_state state;
};

struct zs_writer
{
  struct kn_writer base;
  struct kn_writer *sink;
  int level;
  unsigned nworkers; /* 0 = compress on the caller's thread */
  size_t nslots;
  struct zs_job *slots;
  uint64_t seq_fill, seq_taken, seq_written;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  pthread_t *threads;
  unsigned nstarted;
  int quit;
  ZSTD_CCtx *cctx; /* for compression on the caller's thread */
  int closed;
  int failed; /* sticky: the code of the first error */
};

static ZSTD_CCtx *
zs_cctx_new (int level)
{
  ZSTD_CCtx *c = ZSTD_createCCtx ();
  if (c == NULL)
    kn_oom ();
  /* The level was validated in zs_new_writer; these cannot fail. */
  ZSTD_CCtx_setParameter (c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter (c, ZSTD_c_checksumFlag, 1);
  return c;
}

static void
zs_compress_job (ZSTD_CCtx *c, struct zs_job *job)
{
  size_t cap = ZSTD_compressBound (ZS_CHUNK);
  if (job->out == NULL)
    job->out = kn_xmalloc (cap);
  size_t r = ZSTD_compress2 (c, job->out, cap, job->in, job->in_len);
  job->zret = ZSTD_isError (r) ? r : 0;
  job->out_len = ZSTD_isError (r) ? 0 : r;
}

static void *
zs_worker (void *arg)
{
  struct zs_writer *zw = arg;
  ZSTD_CCtx *c = zs_cctx_new (zw->level);
  pthread_mutex_lock (&zw->mu);
  for (;;)
    {
      while (!zw->quit && zw->seq_taken == zw->seq_fill)
        pthread_cond_wait (&zw->cv_work, &zw->mu);
      if (zw->quit)
        break;
      struct zs_job *job = &zw->slots[zw->seq_taken % zw->nslots];
      zw->seq_taken++;
      pthread_mutex_unlock (&zw->mu);
      zs_compress_job (c, job);
      pthread_mutex_lock (&zw->mu);
      job->state = JOB_DONE;
      pthread_cond_broadcast (&zw->cv_done);
    }
  pthread_mutex_unlock (&zw->mu);
  ZSTD_freeCCtx (c);
  return NULL;
}

static int
zs_fail (struct zs_writer *zw, int ret)
{
  if (zw->failed == 0)
    zw->failed = ret < 0 ? -ret : KN_EINTERNAL;
  return ret;
}

/* Send the next finished frame to the sink (WAIT: block until it is done).
 * Returns 1 when a frame was written, 0 when none was ready, < 0 on error. */
static int
zs_write_one (struct zs_writer *zw, int wait, struct kn_error **err)
{
  if (zw->seq_written == zw->seq_fill)
    return 0;
  struct zs_job *job = &zw->slots[zw->seq_written % zw->nslots];
  pthread_mutex_lock (&zw->mu);
  while (wait && job->state != JOB_DONE)
    pthread_cond_wait (&zw->cv_done, &zw->mu);
  int done = job->state == JOB_DONE;
  pthread_mutex_unlock (&zw->mu);
  if (!done)
    return 0;
  if (job->zret != 0)
    return zs_fail (zw, kn_error_make (err, KN_EINTERNAL, 0, "zstd: compress: %s", ZSTD_getErrorName (job->zret)));
  int r = kn_writer_write (zw->sink, job->out, job->out_len, err);
  if (r < 0)
    return zs_fail (zw, kn_error_wrap (err, "zstd"));
  job->state = JOB_FREE;
  zw->seq_written++;
  return 1;
}

static int
zs_start_workers (struct zs_writer *zw, struct kn_error **err)
{
  zw->threads = kn_xcalloc (zw->nworkers, sizeof *zw->threads);
  for (unsigned i = 0; i < zw->nworkers; i++)
    {
      int r = pthread_create (&zw->threads[i], NULL, zs_worker, zw);
      if (r != 0)
        {
          if (zw->nstarted > 0)
            break; /* run with fewer workers */
          return zs_fail (zw, kn_error_make (err, KN_EIO, r, "zstd: start worker thread"));
        }
      zw->nstarted++;
    }
  return 0;
}

/* Hand the chunk being filled to the workers (or compress it here) and start the next. */
static int
zs_submit (struct zs_writer *zw, int last, struct kn_error **err)
{
  struct zs_job *job = &zw->slots[zw->seq_fill % zw->nslots];
  if (zw->nworkers > 0 && zw->nstarted == 0 && !(last && zw->seq_fill == 0))
    {
      int r = zs_start_workers (zw, err);
      if (r < 0)
        return r;
    }
  if (zw->nstarted == 0)
    {
      if (zw->cctx == NULL)
        zw->cctx = zs_cctx_new (zw->level);
      zs_compress_job (zw->cctx, job);
      job->state = JOB_DONE;
      zw->seq_fill++;
    }
  else
    {
      pthread_mutex_lock (&zw->mu);
      job->state = JOB_QUEUED;
      zw->seq_fill++;
      pthread_cond_signal (&zw->cv_work);
      pthread_mutex_unlock (&zw->mu);
    }
  int r;
  while ((r = zs_write_one (zw, 0, err)) > 0)
    ;
  if (r < 0)
    return r;
  while (zw->seq_fill - zw->seq_written >= zw->nslots)
    if ((r = zs_write_one (zw, 1, err)) < 0)
      return r;
  struct zs_job *next = &zw->slots[zw->seq_fill % zw->nslots];
  if (next->in == NULL)
    next->in = kn_xmalloc (ZS_CHUNK);
  next->in_len = 0;
  return 0;
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
  const unsigned char *p = buf;
  while (len > 0)
    {
      struct zs_job *job = &zw->slots[zw->seq_fill % zw->nslots];
      size_t n = ZS_CHUNK - job->in_len;
      if (n > len)
        n = len;
      memcpy (job->in + job->in_len, p, n);
      job->in_len += n;
      p += n;
      len -= n;
      if (job->in_len == ZS_CHUNK && (r = zs_submit (zw, 0, err)) < 0)
        return r;
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
  /* The last, partial chunk; an empty stream still gets one (empty) frame. */
  struct zs_job *job = &zw->slots[zw->seq_fill % zw->nslots];
  if ((job->in_len > 0 || zw->seq_fill == 0) && (r = zs_submit (zw, 1, err)) < 0)
    return r;
  while ((r = zs_write_one (zw, 1, err)) > 0)
    ;
  if (r < 0)
    return r;
  zw->closed = 1;
  return 0;
}

static void
zs_writer_free (struct kn_writer *w)
{
  struct zs_writer *zw = (struct zs_writer *) w;
  if (zw->nstarted > 0)
    {
      pthread_mutex_lock (&zw->mu);
      zw->quit = 1;
      pthread_cond_broadcast (&zw->cv_work);
      pthread_mutex_unlock (&zw->mu);
      for (unsigned i = 0; i < zw->nstarted; i++)
        pthread_join (zw->threads[i], NULL);
    }
  free (zw->threads);
  ZSTD_freeCCtx (zw->cctx);
  for (size_t i = 0; i < zw->nslots; i++)
    {
      free (zw->slots[i].in);
      free (zw->slots[i].out);
    }
  free (zw->slots);
  pthread_mutex_destroy (&zw->mu);
  pthread_cond_destroy (&zw->cv_work);
  pthread_cond_destroy (&zw->cv_done);
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
  zw->nworkers = threads > 1 ? threads : 0;
  zw->nslots = zw->nworkers ? (size_t) zw->nworkers + 2 : 1;
  pthread_mutex_init (&zw->mu, NULL);
  pthread_cond_init (&zw->cv_work, NULL);
  pthread_cond_init (&zw->cv_done, NULL);
  zw->slots = kn_xcalloc (zw->nslots, sizeof *zw->slots);
  zw->slots[0].in = kn_xmalloc (ZS_CHUNK);
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
