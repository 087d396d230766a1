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
 * A block that looks random (already compressed files, random data) is
 * written as stored deflate blocks instead of being deflated for nothing
 * (gz_looks_incompressible): 45 MB/s becomes memory speed on such data.
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

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#include "plugins/compress/pipeline.h"

#define GZ_BLOCK (128 * 1024)
#define GZ_DICT (32 * 1024)
#define GZ_IN_BUF (64 * 1024)
#define GZ_DEFAULT_LEVEL 1
#define GZ_MAX_THREADS 64
/* Random-looking blocks of at least GZ_STORE_MIN bytes are stored, not
   deflated (gz_looks_incompressible). */
#define GZ_STORE_MIN (16 * 1024)

struct gz_job
{
  struct kn_cpipe_job base; /* out holds the raw deflate output */
  unsigned char *dict;
  size_t dict_len;
  size_t out_cap;
  uLong crc;
  int zret; /* zlib result of the worker, Z_OK when fine */
};

struct gz_writer
{
  struct kn_writer base;
  struct kn_cpipe pipe;
  struct kn_writer *sink;
  int level;
  uLong crc;
  uint64_t total;
};

static unsigned
gz_ncpus (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned) n : 1;
}

/* A raw-deflate stream at the writer's level (the per-thread compressor). */
static void *
gz_ctx_new (struct kn_cpipe *p)
{
  struct gz_writer *gw = p->codec;
  z_stream *zs = kn_xmalloc (sizeof *zs);
  memset (zs, 0, sizeof *zs);
  int r = deflateInit2 (zs, gw->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (r != Z_OK)
    kn_oom (); /* the only failure with valid parameters is Z_MEM_ERROR */
  return zs;
}

static void
gz_ctx_free (void *ctx)
{
  deflateEnd (ctx);
  free (ctx);
}

/* True when the N bytes at IN look random (random or already compressed
 * data): their byte collision entropy is within log2(1.01) of 8 bits, so
 * deflate would spend its time to save nothing and the block is written as
 * stored deflate blocks (level 0), as zstd does for incompressible input.
 * Depends on the bytes only, so the output stays reproducible.  Uniform bytes
 * give sum(count^2) = n^2/256 + n on average; the test allows 1% above the
 * n^2/256 part. */
static bool
gz_looks_incompressible (const unsigned char *in, size_t n)
{
  if (n < GZ_STORE_MIN)
    return false;
  uint64_t count[256] = { 0 };
  for (size_t k = 0; k < n; k++)
    count[in[k]]++;
  uint64_t sum2 = 0;
  for (int b = 0; b < 256; b++)
    sum2 += count[b] * count[b];
  uint64_t nn = (uint64_t) n;
  return sum2 * 256 * 100 <= nn * nn * 101 + nn * 256 * 100;
}

/* Raw-deflate one block with ZS (already initialised); sets out/out_len/crc/zret. */
static void
gz_compress_job (struct kn_cpipe *p, void *ctx, struct kn_cpipe_job *base)
{
  z_stream *zs = ctx;
  struct gz_job *job = (struct gz_job *) base;
  if (base->out == NULL)
    {
      /* Upper bound of one block's raw deflate output (stored blocks at worst). */
      job->out_cap = GZ_BLOCK + GZ_BLOCK / 8 + 256;
      base->out = kn_xmalloc (job->out_cap);
    }
  deflateReset (zs);
  job->zret = Z_OK;
  struct gz_writer *gw = p->codec;
  int level = gz_looks_incompressible (base->in, base->in_len) ? 0 : gw->level;
  if (deflateParams (zs, level, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      job->zret = Z_STREAM_ERROR;
      return;
    }
  if (job->dict_len > 0 && level != 0)
    {
      int r = deflateSetDictionary (zs, job->dict, (uInt) job->dict_len);
      if (r != Z_OK)
        {
          job->zret = r;
          return;
        }
    }
  zs->next_in = base->in;
  zs->avail_in = (uInt) base->in_len;
  base->out_len = 0;
  int flush = base->last ? Z_FINISH : Z_SYNC_FLUSH;
  for (;;)
    {
      if (job->out_cap - base->out_len < 64)
        {
          job->out_cap *= 2;
          base->out = kn_xrealloc (base->out, job->out_cap);
        }
      zs->next_out = base->out + base->out_len;
      zs->avail_out = (uInt) (job->out_cap - base->out_len);
      int r = deflate (zs, flush);
      base->out_len = job->out_cap - zs->avail_out;
      if (r == Z_STREAM_END)
        break;
      if (r != Z_OK && r != Z_BUF_ERROR)
        {
          job->zret = r;
          return;
        }
      if (!base->last && zs->avail_out != 0)
        break; /* sync flush complete */
    }
  job->crc = crc32 (crc32 (0L, Z_NULL, 0), base->in, (uInt) base->in_len);
}

/* The dictionary of a block: the last 32 KiB of the previous (full) one. */
static void
gz_prepare (struct kn_cpipe *p, struct kn_cpipe_job *base, const struct kn_cpipe_job *prev)
{
  (void) p;
  struct gz_job *job = (struct gz_job *) base;
  job->dict_len = 0;
  if (prev != NULL)
    {
      if (job->dict == NULL)
        job->dict = kn_xmalloc (GZ_DICT);
      memcpy (job->dict, prev->in + GZ_BLOCK - GZ_DICT, GZ_DICT);
      job->dict_len = GZ_DICT;
    }
}

static void
gz_job_free (struct kn_cpipe_job *base)
{
  free (((struct gz_job *) base)->dict);
}

static int
gz_sink_write (struct gz_writer *gw, const void *buf, size_t len, struct kn_error **err)
{
  int r = kn_writer_write (gw->sink, buf, len, err);
  if (r < 0)
    return kn_cpipe_fail (&gw->pipe, kn_error_wrap (err, "gzip"));
  return 0;
}

/* Send the output of finished job SEQ to the sink (the header before the first). */
static int
gz_emit (struct kn_cpipe *p, struct kn_cpipe_job *base, uint64_t seq, struct kn_error **err)
{
  struct gz_writer *gw = p->codec;
  struct gz_job *job = (struct gz_job *) base;
  if (job->zret != Z_OK)
    return kn_error_make (err, KN_EINTERNAL, 0, "gzip: deflate failed (zlib error %d)", job->zret);
  if (seq == 0)
    {
      /* RFC 1952 header, as Go's compress/gzip writes it. */
      unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255 };
      hdr[8] = gw->level == 9 ? 2 : gw->level == 1 ? 4 : 0;
      int r = gz_sink_write (gw, hdr, sizeof hdr, err);
      if (r < 0)
        return r;
    }
  int r = gz_sink_write (gw, base->out, base->out_len, err);
  if (r < 0)
    return r;
  gw->crc = crc32_combine (gw->crc, job->crc, (z_off_t) base->in_len);
  gw->total += base->in_len;
  return 0;
}

static const struct kn_cpipe_ops gz_pipe_ops = {
  .name = "gzip",
  .job_size = sizeof (struct gz_job),
  .block = GZ_BLOCK,
  .ctx_new = gz_ctx_new,
  .ctx_free = gz_ctx_free,
  .compress = gz_compress_job,
  .prepare = gz_prepare,
  .emit = gz_emit,
  .job_free = gz_job_free,
};

static int
gz_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  return kn_cpipe_write (&gw->pipe, buf, len, err);
}

static int
gz_close (struct kn_writer *w, struct kn_error **err)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  /* The last block is always submitted (even empty): it carries Z_FINISH. */
  int r = kn_cpipe_finish (&gw->pipe, 1, err);
  if (r != 0)
    return r < 0 ? r : 0;
  unsigned char trailer[8];
  for (int i = 0; i < 4; i++)
    {
      trailer[i] = (unsigned char) (gw->crc >> (8 * i));
      trailer[4 + i] = (unsigned char) (gw->total >> (8 * i));
    }
  if ((r = gz_sink_write (gw, trailer, sizeof trailer, err)) < 0)
    return r;
  gw->pipe.closed = 1;
  return 0;
}

static void
gz_writer_free (struct kn_writer *w)
{
  struct gz_writer *gw = (struct gz_writer *) w;
  kn_cpipe_destroy (&gw->pipe);
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
  gw->crc = crc32 (0L, Z_NULL, 0);
  unsigned nworkers = threads > 1 ? threads : 0;
  kn_cpipe_init (&gw->pipe, &gz_pipe_ops, gw, nworkers, nworkers ? 2 * (size_t) nworkers + 2 : 2);
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
