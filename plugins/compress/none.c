/* "none" compressor plugin: the identity.  Layers stay plain tar
 * (media type suffix ""), for registries on a fast local network where
 * compression costs more than it saves. */
#include "config.h"

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

struct none_writer
{
  struct kn_writer base;
  struct kn_writer *sink;
  int closed;
  int failed; /* sticky: the code of the first error */
};

static int
none_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct none_writer *nw = (struct none_writer *) w;
  if (nw->failed)
    return kn_error_make (err, nw->failed, 0, "none: writer already failed");
  if (nw->closed)
    return kn_error_make (err, KN_EINVAL, 0, "none: write after close");
  int r = kn_writer_write (nw->sink, buf, len, err);
  if (r < 0)
    nw->failed = -r;
  return r;
}

static int
none_close (struct kn_writer *w, struct kn_error **err)
{
  struct none_writer *nw = (struct none_writer *) w;
  if (nw->failed)
    return kn_error_make (err, nw->failed, 0, "none: writer already failed");
  nw->closed = 1;
  return 0;
}

static void
none_writer_free (struct kn_writer *w)
{
  free (w);
}

static int
none_new_writer (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
                 struct kn_error **err)
{
  struct none_writer *nw = kn_xcalloc (1, sizeof *nw);
  nw->base.write = none_write;
  nw->base.close = none_close;
  nw->base.free = none_writer_free;
  nw->sink = sink;
  *out = &nw->base;
  return 0;
}

struct none_reader
{
  struct kn_reader base;
  struct kn_reader *src;
};

static ssize_t
none_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  return kn_reader_read (((struct none_reader *) r)->src, buf, len, err);
}

static void
none_reader_free (struct kn_reader *r)
{
  free (r);
}

static int
none_new_reader (struct kn_reader **out, struct kn_reader *source, struct kn_error **err)
{
  struct none_reader *nr = kn_xcalloc (1, sizeof *nr);
  nr->base.read = none_read;
  nr->base.free = none_reader_free;
  nr->src = source;
  *out = &nr->base;
  return 0;
}

static const struct kn_compressor none_compressor = {
  .version = KN_COMPRESSOR_VERSION,
  .name = "none",
  .media_suffix = "",
  .detect = NULL,
  .new_writer = none_new_writer,
  .new_reader = none_new_reader,
};

KN_PLUGIN_DEFINE (none, "none", "1.0.0", "no compression (plain tar layers)", NULL, NULL,
                  KN_FEATURE (KN_KIND_COMPRESSOR, &none_compressor));
