/* Readers and writers over fds and memory: see include/kaniko/sys/stream.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/sys/stream.h>
#include <kaniko/sys/util.h>

#define COPY_CHUNK (128 * 1024)

int
kn_writer_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  if (len == 0)
    return 0;
  return w->write (w, buf, len, err);
}

int
kn_writer_close (struct kn_writer *w, struct kn_error **err)
{
  if (w == NULL || w->close == NULL)
    return 0;
  return w->close (w, err);
}

void
kn_writer_free (struct kn_writer *w)
{
  if (w && w->free)
    w->free (w);
}

ssize_t
kn_reader_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  return r->read (r, buf, len, err);
}

void
kn_reader_free (struct kn_reader *r)
{
  if (r && r->free)
    r->free (r);
}

int64_t
kn_stream_copy (struct kn_reader *r, struct kn_writer *w, struct kn_error **err)
{
  kn_cleanup_free char *buf = kn_xmalloc (COPY_CHUNK);
  int64_t total = 0;
  for (;;)
    {
      ssize_t n = r->read (r, buf, COPY_CHUNK, err);
      if (n < 0)
        return n;
      if (n == 0)
        return total;
      int ret = w->write (w, buf, (size_t) n, err);
      if (ret < 0)
        return ret;
      total += n;
    }
}

/* ---- fd ---- */

struct fd_writer {
  struct kn_writer base;
  int fd;
};

static int
fd_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct fd_writer *fw = (struct fd_writer *) w;
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fw->fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write to fd %d", fw->fd);
        }
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static void
fd_writer_free (struct kn_writer *w)
{
  free (w);
}

struct kn_writer *
kn_writer_new_fd (int fd)
{
  struct fd_writer *fw = kn_xcalloc (1, sizeof *fw);
  fw->base.write = fd_write;
  fw->base.free = fd_writer_free;
  fw->fd = fd;
  return &fw->base;
}

struct fd_reader {
  struct kn_reader base;
  int fd;
};

static ssize_t
fd_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct fd_reader *fr = (struct fd_reader *) r;
  for (;;)
    {
      ssize_t n = read (fr->fd, buf, len);
      if (n >= 0)
        return n;
      if (errno != EINTR)
        return kn_error_make (err, KN_EIO, errno, "read from fd %d", fr->fd);
    }
}

static void
fd_reader_free (struct kn_reader *r)
{
  free (r);
}

struct kn_reader *
kn_reader_new_fd (int fd)
{
  struct fd_reader *fr = kn_xcalloc (1, sizeof *fr);
  fr->base.read = fd_read;
  fr->base.free = fd_reader_free;
  fr->fd = fd;
  return &fr->base;
}

/* ---- memory ---- */

struct mem_reader {
  struct kn_reader base;
  const unsigned char *buf;
  size_t len, pos;
};

static ssize_t
mem_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct mem_reader *mr = (struct mem_reader *) r;
  size_t left = mr->len - mr->pos;
  if (len > left)
    len = left;
  memcpy (buf, mr->buf + mr->pos, len);
  mr->pos += len;
  return (ssize_t) len;
}

struct kn_reader *
kn_reader_new_mem (const void *buf, size_t len)
{
  struct mem_reader *mr = kn_xcalloc (1, sizeof *mr);
  mr->base.read = mem_read;
  mr->base.free = fd_reader_free;
  mr->buf = buf;
  mr->len = len;
  return &mr->base;
}

struct mem_writer {
  struct kn_writer base;
  char *buf;
  size_t len, cap;
};

static int
mem_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct mem_writer *mw = (struct mem_writer *) w;
  if (mw->len + len + 1 > mw->cap)
    {
      size_t cap = mw->cap ? mw->cap : 256;
      while (cap < mw->len + len + 1)
        cap *= 2;
      mw->buf = kn_xrealloc (mw->buf, cap);
      mw->cap = cap;
    }
  memcpy (mw->buf + mw->len, buf, len);
  mw->len += len;
  mw->buf[mw->len] = '\0';
  return 0;
}

static void
mem_writer_free (struct kn_writer *w)
{
  struct mem_writer *mw = (struct mem_writer *) w;
  free (mw->buf);
  free (mw);
}

struct kn_writer *
kn_writer_new_mem (void)
{
  struct mem_writer *mw = kn_xcalloc (1, sizeof *mw);
  mw->base.write = mem_write;
  mw->base.free = mem_writer_free;
  return &mw->base;
}

const void *
kn_writer_mem_data (struct kn_writer *w, size_t *len)
{
  struct mem_writer *mw = (struct mem_writer *) w;
  if (len)
    *len = mw->len;
  return mw->buf ? mw->buf : "";
}
