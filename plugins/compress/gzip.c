/* gzip compressor plugin (zlib).
 *
 * Writer: pigz-style parallel deflate.  The input is cut into independent
 * 128 KiB blocks; each block is raw-deflated by a worker thread with the last
 * 32 KiB of the previous block as its dictionary and ends with a sync flush
 * (the last one with Z_FINISH), so the blocks concatenate into ONE deflate
 * stream.  The CRC-32 of the member is combined from the per-block CRCs with
 * crc32_combine().  The result is a single ordinary gzip member that any
 * gunzip reads.  The bytes produced depend only on the data and the level,
 * never on the number of threads (1 thread = the same blocks compressed on the
 * caller's thread), so layer digests are reproducible across machines.
 * Memory is bounded: 2 * threads + 2 blocks in flight.
 *
 * Default level: 1 (gzip.BestSpeed).  go-containerregistry's
 * tarball.LayerFromOpener defaults compressionLevel to gzip.BestSpeed and the
 * Go kaniko only overrides it when --compression-level > 0; we do the same.
 * The header matches Go's compress/gzip: MTIME 0, XFL 4 at level 1 / 2 at
 * level 9, OS 255 (unknown).
 *
 * Reader: zlib inflate of one or more concatenated members (multi-member
 * files as written by `cat a.gz b.gz`), 64 KiB input buffer.  Truncated or
 * corrupt input, and trailing bytes that are not another member, are KN_EPROTO. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#define GZ_BLOCK (128 * 1024)
#define GZ_DICT (32 * 1024)
#define GZ_IN_BUF (64 * 1024)
#define GZ_DEFAULT_LEVEL 1
#define GZ_MAX_THREADS 64

enum gz_job_state
{
  JOB_FREE = 0,
  JOB_QUEUED,
  JOB_DONE
};

struct gz_job
{
  unsigned char *in;
  size_t in_len;
  unsigned char *dict;
  size_t dict_len;
  unsigned char *out;
  size_t out_len, out_cap;
  uLong crc;
  int last;
  int zret; /* zlib result of the worker, Z_OK when fine */
  enum gz_job_state state;
};

struct gz_writer
{
  struct kn_writer base;
  struct kn_writer *sink;
  int level;
  unsigned nworkers; /* 0 = compress on the caller's thread */
  size_t nslots;
  struct gz_job *slots;
  uint64_t seq_fill;    /* the job the caller is filling */
  uint64_t seq_taken;   /* the next job a worker takes (jobs < seq_fill are queued) */
  uint64_t seq_written; /* the next job whose output goes to the sink */
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  pthread_t *threads;
  unsigned nstarted;
  int quit;
  z_stream zs; /* for compression on the caller's thread */
  int zs_init;
  uLong crc;
  uint64_t total;
  int closed;
  int failed; /* sticky: the code of the first error */
};

static unsigned
gz_ncpus (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned) n : 1;
}

static void
gz_deflate_init (z_stream *zs, int level)
{
  memset (zs, 0, sizeof *zs);
  int r = deflateInit2 (zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (r != Z_OK)
    kn_oom (); /* the only failure with valid parameters is Z_MEM_ERROR */
}

/* Raw-deflate one block with ZS (already initialised); sets out/out_len/crc/zret. */
static void
gz_compress_job (z_stream *zs, struct gz_job *job)
{
  deflateReset (zs);
  job->zret = Z_OK;
  if (job->dict_len > 0)
    {
      int r = deflateSetDictionary (zs, job->dict, (uInt) job->dict_len);
      if (r != Z_OK)
        {
          job->zret = r;
          return;
        }
    }
  zs->next_in = job->in;
  zs->avail_in = (uInt) job->in_len;
  job->out_len = 0;
  int flush = job->last ? Z_FINISH : Z_SYNC_FLUSH;
  for (;;)
    {
      if (job->out_cap - job->out_len < 64)
        {
          job->out_cap *= 2;
          job->out = kn_xrealloc (job->out, job->out_cap);
        }
      zs->next_out = job->out + job->out_len;
      zs->avail_out = (uInt) (job->out_cap - job->out_len);
      int r = deflate (zs, flush);
      job->out_len = job->out_cap - zs->avail_out;
      if (r == Z_STREAM_END)
        break;
      if (r != Z_OK && r != Z_BUF_ERROR)
        {
          job->zret = r;
          return;
        }
      if (!job->last && zs->avail_out != 0)
        break; /* sync flush complete */
    }
  job->crc = crc32 (crc32 (0L, Z_NULL, 0), job->in, (uInt) job->in_len);
}

static void *
gz_worker (void *arg)
{
  struct gz_writer *gw = arg;
  z_stream zs;
  gz_deflate_init (&zs, gw->level);
  pthread_mutex_lock (&gw->mu);
  for (;;)
    {
      while (!gw->quit && gw->seq_taken == gw->seq_fill)
        pthread_cond_wait (&gw->cv_work, &gw->mu);
      if (gw->quit)
        break;
      struct gz_job *job = &gw->slots[gw->seq_taken % gw->nslots];
      gw->seq_taken++;
      pthread_mutex_unlock (&gw->mu);
      gz_compress_job (&zs, job);
      pthread_mutex_lock (&gw->mu);
      job->state = JOB_DONE;
      pthread_cond_broadcast (&gw->cv_done);
    }
  pthread_mutex_unlock (&gw->mu);
  deflateEnd (&zs);
  return NULL;
}

static int
gz_fail (struct gz_writer *gw, int ret)
{
  if (gw->failed == 0)
    gw->failed = ret < 0 ? -ret : KN_EINTERNAL;
  return ret;
}

static int
gz_sink_write (struct gz_writer *gw, const void *buf, size_t len, struct kn_error **err)
{
  int r = kn_writer_write (gw->sink, buf, len, err);
  if (r < 0)
    return gz_fail (gw, kn_error_wrap (err, "gzip"));
  return 0;
}

/* Send the output of the next finished job to the sink (WAIT: block until it is done).
 * Returns 1 when a job was written, 0 when none was ready, < 0 on error. */
static int
gz_write_one (struct gz_writer *gw, int wait, struct kn_error **err)
{
  if (gw->seq_written == gw->seq_fill)
    return 0;
  struct gz_job *job = &gw->slots[gw->seq_written % gw->nslots];
  pthread_mutex_lock (&gw->mu);
  while (wait && job->state != JOB_DONE)
    pthread_cond_wait (&gw->cv_done, &gw->mu);
  int done = job->state == JOB_DONE;
  pthread_mutex_unlock (&gw->mu);
  if (!done)
    return 0;
  if (job->zret != Z_OK)
    return gz_fail (gw, kn_error_make (err, KN_EINTERNAL, 0, "gzip: deflate failed (zlib error %d)", job->zret));
  if (gw->seq_written == 0)
    {
      /* RFC 1952 header, as Go's compress/gzip writes it. */
      unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255 };
      hdr[8] = gw->level == 9 ? 2 : gw->level == 1 ? 4 : 0;
      int r = gz_sink_write (gw, hdr, sizeof hdr, err);
      if (r < 0)
        return r;
    }
  int r = gz_sink_write (gw, job->out, job->out_len, err);
  if (r < 0)
    return r;
  gw->crc = crc32_combine (gw->crc, job->crc, (z_off_t) job->in_len);
  gw->total += job->in_len;
  job->state = JOB_FREE;
  gw->seq_written++;
  return 1;
}

static int
gz_start_workers (struct gz_writer *gw, struct kn_error **err)
{
  gw->threads = kn_xcalloc (gw->nworkers, sizeof *gw->threads);
  for (unsigned i = 0; i < gw->nworkers; i++)
    {
      int r = pthread_create (&gw->threads[i], NULL, gz_worker, gw);
      if (r != 0)
        {
          if (gw->nstarted > 0)
            break; /* run with fewer workers */
          return gz_fail (gw, kn_error_make (err, KN_EIO, r, "gzip: start worker thread"));
        }
      gw->nstarted++;
    }
  return 0;
}

/* Hand the job being filled to the workers (or compress it here) and start the next. */
static int
gz_submit (struct gz_writer *gw, int last, struct kn_error **err)
{
  struct gz_job *job = &gw->slots[gw->seq_fill % gw->nslots];
  job->last = last;
  job->dict_len = 0;
  if (gw->seq_fill > 0)
    {
      /* Every block before the last one is full. */
      const struct gz_job *prev = &gw->slots[(gw->seq_fill - 1) % gw->nslots];
      memcpy (job->dict, prev->in + GZ_BLOCK - GZ_DICT, GZ_DICT);
      job->dict_len = GZ_DICT;
    }
  if (gw->nworkers > 0 && gw->nstarted == 0 && !(last && gw->seq_fill == 0))
    {
      int r = gz_start_workers (gw, err);
      if (r < 0)
        return r;
    }
  if (gw->nstarted == 0)
    {
      if (!gw->zs_init)
        {
          gz_deflate_init (&gw->zs, gw->level);
          gw->zs_init = 1;
        }
      gz_compress_job (&gw->zs, job);
      job->state = JOB_DONE;
      gw->seq_fill++;
    }
  else
    {
      pthread_mutex_lock (&gw->mu);
      job->state = JOB_QUEUED;
      gw->seq_fill++;
      pthread_cond_signal (&gw->cv_work);
      pthread_mutex_unlock (&gw->mu);
    }
  /* Write what is ready without waiting, then make room for the next job. */
  int r;
  while ((r = gz_write_one (gw, 0, err)) > 0)
    ;
  if (r < 0)
    return r;
  while (gw->seq_fill - gw->seq_written >= gw->nslots)
    if ((r = gz_write_one (gw, 1, err)) < 0)
      return r;
  gw->slots[gw->seq_fill % gw->nslots].in_len = 0;
  return 0;
}

static int
gz_check_usable (struct gz_writer *gw, struct kn_error **err)
{
  if (gw->failed)
    return kn_error_make (err, gw->failed, 0, "gzip: writer already failed");
  if (gw->closed)
    return kn_error_make (err, KN_EINVAL, 0, "gzip: write after close");
  return 0;
}

static int
gz_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  int r = gz_check_usable (gw, err);
  if (r < 0)
    return r;
  const unsigned char *p = buf;
  while (len > 0)
    {
      struct gz_job *job = &gw->slots[gw->seq_fill % gw->nslots];
      size_t n = GZ_BLOCK - job->in_len;
      if (n > len)
        n = len;
      memcpy (job->in + job->in_len, p, n);
      job->in_len += n;
      p += n;
      len -= n;
      if (job->in_len == GZ_BLOCK && (r = gz_submit (gw, 0, err)) < 0)
        return r;
    }
  return 0;
}

static int
gz_close (struct kn_writer *w, struct kn_error **err)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  if (gw->closed && !gw->failed)
    return 0;
  int r = gz_check_usable (gw, err);
  if (r < 0)
    return r;
  if ((r = gz_submit (gw, 1, err)) < 0)
    return r;
  while ((r = gz_write_one (gw, 1, err)) > 0)
    ;
  if (r < 0)
    return r;
  unsigned char trailer[8];
  for (int i = 0; i < 4; i++)
    {
      trailer[i] = (unsigned char) (gw->crc >> (8 * i));
      trailer[4 + i] = (unsigned char) (gw->total >> (8 * i));
    }
  if ((r = gz_sink_write (gw, trailer, sizeof trailer, err)) < 0)
    return r;
  gw->closed = 1;
  return 0;
}

static void
gz_writer_free (struct kn_writer *w)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  if (gw->nstarted > 0)
    {
      pthread_mutex_lock (&gw->mu);
      gw->quit = 1;
      pthread_cond_broadcast (&gw->cv_work);
      pthread_mutex_unlock (&gw->mu);
      for (unsigned i = 0; i < gw->nstarted; i++)
        pthread_join (gw->threads[i], NULL);
    }
  free (gw->threads);
  if (gw->zs_init)
    deflateEnd (&gw->zs);
  for (size_t i = 0; i < gw->nslots; i++)
    {
      free (gw->slots[i].in);
      free (gw->slots[i].dict);
      free (gw->slots[i].out);
    }
  free (gw->slots);
  pthread_mutex_destroy (&gw->mu);
  pthread_cond_destroy (&gw->cv_work);
  pthread_cond_destroy (&gw->cv_done);
  free (gw);
}

static int
gz_new_writer (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
               struct kn_error **err)
{
  int level = GZ_DEFAULT_LEVEL;
  unsigned threads = 0;
  if (opts != NULL && opts->size >= offsetof (struct kn_compress_opts, level) + sizeof opts->level)
    level = opts->level;
  if (opts != NULL && opts->size >= offsetof (struct kn_compress_opts, threads) + sizeof opts->threads)
    threads = opts->threads;
  if (level == -1)
    level = GZ_DEFAULT_LEVEL;
  if (level < 0 || level > 9)
    return kn_error_make (err, KN_EINVAL, 0, "gzip: compression level %d out of range 0-9", level);
  if (threads == 0)
    threads = gz_ncpus ();
  if (threads > GZ_MAX_THREADS)
    threads = GZ_MAX_THREADS;

  struct gz_writer *gw = kn_xcalloc (1, sizeof *gw);
  gw->base.write = gz_write;
  gw->base.close = gz_close;
  gw->base.free = gz_writer_free;
  gw->sink = sink;
  gw->level = level;
  gw->nworkers = threads > 1 ? threads : 0;
  gw->nslots = gw->nworkers ? 2 * (size_t) gw->nworkers + 2 : 2;
  gw->crc = crc32 (0L, Z_NULL, 0);
  pthread_mutex_init (&gw->mu, NULL);
  pthread_cond_init (&gw->cv_work, NULL);
  pthread_cond_init (&gw->cv_done, NULL);
  /* Upper bound of one block's raw deflate output (stored blocks at worst). */
  size_t out_cap = GZ_BLOCK + GZ_BLOCK / 8 + 256;
  gw->slots = kn_xcalloc (gw->nslots, sizeof *gw->slots);
  for (size_t i = 0; i < gw->nslots; i++)
    {
      gw->slots[i].in = kn_xmalloc (GZ_BLOCK);
      gw->slots[i].dict = kn_xmalloc (GZ_DICT);
      gw->slots[i].out = kn_xmalloc (out_cap);
      gw->slots[i].out_cap = out_cap;
    }
  *out = &gw->base;
  return 0;
}

/* ---- reader ---- */

enum gz_read_state
{
  RD_MEMBER = 0, /* inside a member (also before the first one) */
  RD_BETWEEN,    /* a member ended; another one or the end may follow */
  RD_END
};

struct gz_reader
{
  struct kn_reader base;
  struct kn_reader *src;
  z_stream zs;
  unsigned char *in;
  int src_eof;
  enum gz_read_state state;
  int failed;
};

static ssize_t
gz_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct gz_reader *gr = (struct gz_reader *) r;
  if (gr->failed)
    return kn_error_make (err, gr->failed, 0, "gzip: reader already failed");
  if (gr->state == RD_END || len == 0)
    return 0;
  if (len > UINT32_MAX)
    len = UINT32_MAX;
  gr->zs.next_out = buf;
  gr->zs.avail_out = (uInt) len;
  for (;;)
    {
      size_t produced = len - gr->zs.avail_out;
      if (gr->zs.avail_in == 0 && !gr->src_eof)
        {
          if (produced > 0)
            return (ssize_t) produced; /* do not block with data in hand */
          ssize_t n = kn_reader_read (gr->src, gr->in, GZ_IN_BUF, err);
          if (n < 0)
            {
              gr->failed = (int) -n;
              return n;
            }
          if (n == 0)
            gr->src_eof = 1;
          gr->zs.next_in = gr->in;
          gr->zs.avail_in = (uInt) n;
        }
      if (gr->state == RD_BETWEEN)
        {
          if (gr->zs.avail_in == 0)
            {
              if (gr->src_eof)
                {
                  gr->state = RD_END;
                  return (ssize_t) produced;
                }
              continue;
            }
          inflateReset (&gr->zs);
          gr->state = RD_MEMBER;
        }
      int zr = inflate (&gr->zs, Z_NO_FLUSH);
      produced = len - gr->zs.avail_out;
      if (zr == Z_STREAM_END)
        gr->state = RD_BETWEEN;
      else if (zr == Z_BUF_ERROR)
        {
          if (gr->zs.avail_in == 0 && gr->src_eof)
            {
              gr->failed = KN_EPROTO;
              return kn_error_make (err, KN_EPROTO, 0, "gzip: unexpected end of compressed data (truncated)");
            }
        }
      else if (zr == Z_MEM_ERROR)
        kn_oom ();
      else if (zr != Z_OK)
        {
          gr->failed = KN_EPROTO;
          return kn_error_make (err, KN_EPROTO, 0, "gzip: corrupt compressed data: %s",
                                gr->zs.msg ? gr->zs.msg : "invalid data");
        }
      if (gr->zs.avail_out == 0)
        return (ssize_t) produced;
    }
}

static void
gz_reader_free (struct kn_reader *r)
{
  struct gz_reader *gr = (struct gz_reader *) r;
  inflateEnd (&gr->zs);
  free (gr->in);
  free (gr);
}

static int
gz_new_reader (struct kn_reader **out, struct kn_reader *source, struct kn_error **err)
{
  struct gz_reader *gr = kn_xcalloc (1, sizeof *gr);
  int r = inflateInit2 (&gr->zs, 16 + 15);
  if (r == Z_MEM_ERROR)
    kn_oom ();
  if (r != Z_OK)
    {
      free (gr);
      return kn_error_make (err, KN_EINTERNAL, 0, "gzip: inflateInit2 failed (zlib error %d)", r);
    }
  gr->base.read = gz_read;
  gr->base.free = gz_reader_free;
  gr->src = source;
  gr->in = kn_xmalloc (GZ_IN_BUF);
  *out = &gr->base;
  return 0;
}

static int
gz_detect (const unsigned char *head, size_t len)
{
  return len >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

static const struct kn_compressor gzip_compressor = {
  .version = KN_COMPRESSOR_VERSION,
  .name = "gzip",
  .media_suffix = "gzip",
  .detect = gz_detect,
  .new_writer = gz_new_writer,
  .new_reader = gz_new_reader,
};

KN_PLUGIN_DEFINE (gzip, "gzip", "1.0.0", "gzip compression (zlib, parallel deflate)", NULL, NULL,
                  KN_FEATURE (KN_KIND_COMPRESSOR, &gzip_compressor));
