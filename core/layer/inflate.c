/* Layer decompression thread: see inflate.h. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include <kaniko/sys/util.h>

#include "core/layer/inflate.h"
#include "core/layer/ring.h"

#define OUT_BUF (256 * 1024)
#define OUT_NBUF 4
#define IN_BUF (128 * 1024)

enum codec
{
  CODEC_GZIP,
  CODEC_ZSTD
};

struct kn_inflater {
  struct kn_ring *ring;
  struct kn_reader *src;
  const char *name;
  enum codec codec;
  pthread_t thread;
  /* The thread's side. */
  unsigned char *in;
  size_t in_pos, in_len; /* unread input is in[in_pos, in_len) */
  int eof;
  unsigned char *out; /* the ring buffer being filled, NULL when aborted */
  size_t out_len;
  int ret;              /* < 0: the thread failed (read after the ring says so) */
  struct kn_error *err; /* ... with this error, handed out once */
  /* The caller's side. */
  int holding; /* a popped buffer is not released yet */
  int done;    /* the end or the error was returned */
};

/* Move the unread input to the front and read more from the source.
 * Returns 0 (f->eof set at the end of the source) or < 0. */
static int
fill (struct kn_inflater *f)
{
  size_t left = f->in_len - f->in_pos;
  if (left > 0 && f->in_pos > 0)
    memmove (f->in, f->in + f->in_pos, left);
  f->in_pos = 0;
  f->in_len = left;
  ssize_t n = kn_reader_read (f->src, f->in + left, IN_BUF - left, &f->err);
  if (n < 0)
    return (int) n;
  if (n == 0)
    f->eof = 1;
  f->in_len += (size_t) n;
  return 0;
}

/* Publish the full (or final) output buffer and take the next one;
 * returns 0, or 1 when the reader gave up (the thread stops quietly). */
static int
flush_out (struct kn_inflater *f, int final)
{
  if (f->out_len > 0 || final)
    {
      if (f->out_len > 0)
        kn_ring_push (f->ring, f->out_len);
      f->out_len = 0;
      f->out = NULL;
    }
  if (final)
    return 0;
  f->out = kn_ring_acquire (f->ring);
  return f->out == NULL;
}

static int
corrupt (struct kn_inflater *f, const char *what, const char *detail)
{
  return kn_error_make (&f->err, KN_EPROTO, 0, "%s: %s", what, detail);
}

static int
run_gzip (struct kn_inflater *f)
{
  z_stream zs;
  memset (&zs, 0, sizeof zs);
  if (inflateInit2 (&zs, 16 + MAX_WBITS) != Z_OK)
    kn_oom ();
  int ret = 0;
  if (flush_out (f, 0))
    goto out;
  for (;;)
    {
      if (f->in_pos == f->in_len && !f->eof && (ret = fill (f)) < 0)
        goto out;
      zs.next_in = f->in + f->in_pos;
      zs.avail_in = (uInt) (f->in_len - f->in_pos);
      zs.next_out = f->out + f->out_len;
      zs.avail_out = (uInt) (OUT_BUF - f->out_len);
      int r = inflate (&zs, Z_NO_FLUSH);
      f->in_pos = f->in_len - zs.avail_in;
      f->out_len = OUT_BUF - zs.avail_out;
      if (r == Z_STREAM_END)
        {
          /* Another member follows, or the stream ends here. */
          while (f->in_len - f->in_pos < 3 && !f->eof)
            if ((ret = fill (f)) < 0)
              goto out;
          const unsigned char *p = f->in + f->in_pos;
          if (f->in_len - f->in_pos < 3 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
            break;
          inflateReset (&zs);
        }
      else if (r == Z_BUF_ERROR)
        {
          /* No progress: the input ran out. */
          if (f->in_pos == f->in_len && f->eof)
            {
              ret = corrupt (f, "gzip", "unexpected end of compressed data (truncated)");
              goto out;
            }
        }
      else if (r != Z_OK)
        {
          ret = corrupt (f, "gzip", zs.msg ? zs.msg : "corrupt compressed data");
          goto out;
        }
      if (f->out_len == OUT_BUF && flush_out (f, 0))
        goto out;
    }
  flush_out (f, 1);
out:
  inflateEnd (&zs);
  return ret;
}

static int
run_zstd (struct kn_inflater *f)
{
  ZSTD_DStream *ds = ZSTD_createDStream ();
  if (ds == NULL)
    kn_oom ();
  int ret = 0;
  size_t last = 1; /* 0 once a frame ended and was flushed */
  if (ZSTD_isError (ZSTD_initDStream (ds)))
    {
      ret = corrupt (f, "zstd", "cannot initialise the decoder");
      goto out;
    }
  if (flush_out (f, 0))
    goto out;
  for (;;)
    {
      if (f->in_pos == f->in_len && !f->eof && (ret = fill (f)) < 0)
        goto out;
      if (f->in_pos == f->in_len && f->eof && last == 0)
        break;
      ZSTD_inBuffer in = { f->in, f->in_len, f->in_pos };
      ZSTD_outBuffer o = { f->out, OUT_BUF, f->out_len };
      size_t before = o.pos;
      size_t r = ZSTD_decompressStream (ds, &o, &in);
      f->in_pos = in.pos;
      f->out_len = o.pos;
      if (ZSTD_isError (r))
        {
          ret = corrupt (f, "zstd", ZSTD_getErrorName (r));
          goto out;
        }
      last = r;
      if (f->out_len == OUT_BUF)
        {
          if (flush_out (f, 0))
            goto out;
          continue;
        }
      if (f->in_pos == f->in_len && f->eof && r != 0 && o.pos == before)
        {
          ret = corrupt (f, "zstd", "unexpected end of compressed data (truncated)");
          goto out;
        }
    }
  flush_out (f, 1);
out:
  ZSTD_freeDStream (ds);
  return ret;
}

static void *
inflate_main (void *arg)
{
  struct kn_inflater *f = arg;
  int ret = f->codec == CODEC_GZIP ? run_gzip (f) : run_zstd (f);
  if (ret < 0)
    {
      f->ret = ret;
      kn_ring_abort (f->ring);
    }
  else
    kn_ring_finish (f->ring);
  return NULL;
}

int
kn_inflater_start (struct kn_inflater **out, struct kn_reader *src, const unsigned char *head, size_t len,
                   const char *name, struct kn_error **err)
{
  enum codec codec;
  if (len >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8)
    codec = CODEC_GZIP;
  else if (len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
    codec = CODEC_ZSTD;
  else
    return 0;
  struct kn_inflater *f = kn_xcalloc (1, sizeof *f);
  f->ring = kn_ring_new (OUT_NBUF, OUT_BUF);
  f->src = src;
  f->name = name;
  f->codec = codec;
  f->in = kn_xmalloc (IN_BUF > len ? IN_BUF : len);
  memcpy (f->in, head, len);
  f->in_len = len;
  int r = pthread_create (&f->thread, NULL, inflate_main, f);
  if (r != 0)
    {
      kn_ring_free (f->ring);
      free (f->in);
      free (f);
      return kn_error_make (err, KN_EIO, r, "layer %s: start the decompression thread", name);
    }
  *out = f;
  return 1;
}

ssize_t
kn_inflater_read (struct kn_inflater *f, const void **out, struct kn_error **err)
{
  if (f->holding)
    {
      kn_ring_release (f->ring);
      f->holding = 0;
    }
  if (f->done)
    return f->done < 0 ? kn_error_make (err, KN_EPROTO, 0, "layer %s: decompression already failed", f->name) : 0;
  size_t len = 0;
  const unsigned char *p = kn_ring_pop (f->ring, &len);
  if (p != NULL)
    {
      f->holding = 1;
      *out = p;
      return (ssize_t) len;
    }
  if (f->ret < 0)
    {
      f->done = -1;
      *err = f->err;
      f->err = NULL;
      return f->ret;
    }
  f->done = 1;
  return 0;
}

void
kn_inflater_free (struct kn_inflater *f)
{
  if (f == NULL)
    return;
  kn_ring_abort (f->ring);
  pthread_join (f->thread, NULL);
  kn_ring_free (f->ring);
  kn_error_free (f->err);
  free (f->in);
  free (f);
}
