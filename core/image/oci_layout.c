/* OCI layout writer: see oci_layout.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/image/outputs.h"
#include "core/image/validate.h"
#include "core/util/digest.h"

#define MAX_DOC (8 * 1024 * 1024)

/* ---- provider over a layout ---- */

struct file_reader {
  struct kn_reader base;
  int fd;
};

static ssize_t
file_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct file_reader *f = (struct file_reader *) r;
  for (;;)
    {
      ssize_t n = read (f->fd, buf, len);
      if (n >= 0)
        return n;
      if (errno != EINTR)
        return kn_error_make (err, KN_EIO, errno, "read blob");
    }
}

static void
file_free (struct kn_reader *r)
{
  struct file_reader *f = (struct file_reader *) r;
  close (f->fd);
  free (f);
}

static char *
blob_path (const char *dir, const char *digest)
{
  const char *colon = strchr (digest, ':');
  if (colon == NULL)
    return kn_xasprintf ("%s/blobs/invalid/%s", dir, digest);
  return kn_xasprintf ("%s/blobs/%.*s/%s", dir, (int) (colon - digest), digest, colon + 1);
}

static int
layout_open (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err)
{
  const char *dir = payload;
  kn_cleanup_free char *p = NULL;
  struct file_reader *f;
  int fd, ret;
  if ((ret = kn_digest_validate (digest, err)) < 0)
    return ret;
  p = blob_path (dir, digest);
  fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open blob `%s`", p);
  f = kn_xcalloc (1, sizeof *f);
  f->base.read = file_read;
  f->base.free = file_free;
  f->fd = fd;
  *out = &f->base;
  return 0;
}

void
kn_oci_layout_blob_provider (const char *dir, struct kn_blob_provider *out)
{
  out->open = layout_open;
  out->payload = (void *) dir;
}

int
kn_blob_read_small (const struct kn_blob_provider *blobs, const char *digest, size_t max, char **data, size_t *len,
                    struct kn_error **err)
{
  struct kn_reader *r = NULL;
  kn_cleanup_free char *buf = NULL;
  size_t n = 0, cap = 4096;
  char got[KN_DIGEST_STR_LEN];
  int ret = blobs->open (blobs->payload, digest, &r, err);
  if (ret < 0)
    return ret;
  buf = kn_xmalloc (cap + 1);
  for (;;)
    {
      ssize_t k;
      if (n == cap)
        {
          if (cap >= max)
            {
              kn_reader_free (r);
              return kn_error_make (err, KN_EINVAL, 0, "blob %s: larger than %zu bytes", digest, max);
            }
          cap *= 2;
          buf = kn_xrealloc (buf, cap + 1);
        }
      k = kn_reader_read (r, buf + n, cap - n, err);
      if (k < 0)
        {
          kn_reader_free (r);
          return (int) k;
        }
      if (k == 0)
        break;
      n += (size_t) k;
    }
  kn_reader_free (r);
  buf[n] = '\0';
  kn_digest_buffer (buf, n, got);
  if (strcmp (got, digest) != 0)
    return kn_error_make (err, KN_EDIGEST, 0, "blob %s: content has digest %s", digest, got);
  *len = n;
  *data = KN_STEAL (buf);
  return 0;
}

/* ---- writing ---- */

static int
ensure_layout (const char *dir, struct kn_error **err)
{
  kn_cleanup_free char *blobs = kn_xasprintf ("%s/blobs/sha256", dir);
  kn_cleanup_free char *header = kn_xasprintf ("%s/oci-layout", dir);
  struct stat st;
  int ret = kn_image_mkdir_p (blobs, 0755, err);
  if (ret < 0)
    return ret;
  if (stat (header, &st) == 0)
    {
      kn_cleanup_free char *data = NULL;
      kn_cleanup_close int fd = open (header, O_RDONLY | O_CLOEXEC);
      ssize_t n;
      if (fd < 0)
        return kn_error_make (err, KN_EIO, errno, "open `%s`", header);
      data = kn_xmalloc (4096);
      n = read (fd, data, 4095);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "read `%s`", header);
      if ((ret = kn_image_validate_layout_header (data, (size_t) n, err)) < 0)
        return kn_error_wrap (err, "`%s`", header);
      return 0;
    }
  return kn_image_write_file_atomic (header, KN_OCI_LAYOUT_FILE_CONTENT, strlen (KN_OCI_LAYOUT_FILE_CONTENT), 0644,
                                     err);
}

/* Store LEN bytes already in memory as a blob. */
static int
put_blob_mem (const char *dir, const char *digest, const void *data, size_t len, struct kn_error **err)
{
  kn_cleanup_free char *p = blob_path (dir, digest);
  struct stat st;
  if (stat (p, &st) == 0 && (size_t) st.st_size == len)
    return 0;
  return kn_image_write_file_atomic (p, data, len, 0644, err);
}

int
kn_oci_layout_put_blob (const char *dir, const char *digest, int64_t size, const struct kn_blob_provider *blobs,
                        struct kn_error **err)
{
  kn_cleanup_free char *p = NULL;
  kn_cleanup_free char *tmp = NULL;
  kn_cleanup_close int fd = -1;
  struct kn_reader *r = NULL;
  struct kn_writer *fw, *dw;
  struct stat st;
  char got[KN_DIGEST_STR_LEN];
  uint64_t n = 0;
  int64_t copied;
  int ret;
  if ((ret = kn_digest_validate (digest, err)) < 0)
    return ret;
  p = blob_path (dir, digest);
  if (stat (p, &st) == 0 && (size < 0 || st.st_size == size))
    return 0;
  if ((ret = blobs->open (blobs->payload, digest, &r, err)) < 0)
    return ret;
  tmp = kn_xasprintf ("%s/.kn-ingest-XXXXXX", dir);
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    {
      kn_reader_free (r);
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create `%s`", tmp);
    }
  fw = kn_writer_new_fd (fd);
  dw = kn_digest_writer_new (fw);
  copied = kn_stream_copy (r, dw, err);
  kn_reader_free (r);
  kn_digest_writer_result (dw, got, &n);
  kn_writer_free (dw);
  kn_writer_free (fw);
  if (copied < 0)
    {
      unlink (tmp);
      return kn_error_wrap (err, "copy blob %s", digest);
    }
  if (strcmp (got, digest) != 0)
    {
      unlink (tmp);
      return kn_error_make (err, KN_EDIGEST, 0, "blob %s: content has digest %s", digest, got);
    }
  if (size >= 0 && (int64_t) n != size)
    {
      unlink (tmp);
      return kn_error_make (err, KN_EDIGEST, 0, "blob %s: %llu bytes, want %lld", digest, (unsigned long long) n,
                            (long long) size);
    }
  if (fchmod (fd, 0644) < 0 || fsync (fd) < 0 || rename (tmp, p) < 0)
    {
      int e = errno;
      unlink (tmp);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "store blob `%s`", p);
    }
  {
    kn_cleanup_free char *bdir = kn_xasprintf ("%s/blobs/sha256", dir);
    kn_cleanup_close int dfd = open (bdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
      (void) fsync (dfd);
  }
  return 0;
}

static int add_doc (const char *dir, const char *media_type, const void *data, size_t len,
                    const struct kn_blob_provider *blobs, int depth, struct kn_error **err);

static int
add_manifest_blobs (const char *dir, const void *data, size_t len, const struct kn_blob_provider *blobs,
                    struct kn_error **err)
{
  struct kn_manifest m = { 0 };
  int ret = kn_manifest_parse (data, len, 0, &m, err);
  if (ret < 0)
    return ret;
  ret = kn_oci_layout_put_blob (dir, m.config.digest, m.config.size, blobs, err);
  for (size_t i = 0; ret == 0 && i < m.n_layers; i++)
    {
      struct kn_error *e = NULL;
      ret = kn_oci_layout_put_blob (dir, m.layers[i].digest, m.layers[i].size, blobs, &e);
      if (ret == -KN_ENOTFOUND && kn_mt_is_foreign (m.layers[i].media_type))
        {
          kn_error_free (e);
          ret = 0;
        }
      else if (ret < 0)
        {
          *err = e;
          ret = kn_error_wrap (err, "layer %zu", i);
        }
    }
  kn_manifest_clear (&m);
  return ret;
}

static int
add_doc (const char *dir, const char *media_type, const void *data, size_t len, const struct kn_blob_provider *blobs,
         int depth, struct kn_error **err)
{
  char digest[KN_DIGEST_STR_LEN];
  int ret;
  if (depth > 8)
    return kn_error_make (err, KN_EINVAL, 0, "index nesting too deep");
  if (kn_mt_kind (media_type) == KN_MT_KIND_INDEX)
    {
      struct kn_index x = { 0 };
      if ((ret = kn_index_parse (data, len, 0, &x, err)) < 0)
        return ret;
      for (size_t i = 0; ret == 0 && i < x.n_manifests; i++)
        {
          kn_cleanup_free char *child = NULL;
          size_t clen = 0;
          if ((ret = kn_blob_read_small (blobs, x.manifests[i].digest, MAX_DOC, &child, &clen, err)) < 0)
            break;
          ret = add_doc (dir, x.manifests[i].media_type, child, clen, blobs, depth + 1, err);
        }
      kn_index_clear (&x);
      if (ret < 0)
        return ret;
    }
  else if (kn_mt_kind (media_type) == KN_MT_KIND_MANIFEST)
    {
      if ((ret = add_manifest_blobs (dir, data, len, blobs, err)) < 0)
        return ret;
    }
  else
    return kn_error_make (err, KN_ENOTSUP, 0, "cannot add a document of type \"%s\" to an OCI layout",
                          media_type ? media_type : "");
  kn_digest_buffer (data, len, digest);
  return put_blob_mem (dir, digest, data, len, err);
}

int
kn_oci_layout_read_index (const char *dir, struct kn_index *out, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/index.json", dir);
  kn_cleanup_free char *buf = NULL;
  kn_cleanup_close int fd = open (p, O_RDONLY | O_CLOEXEC);
  size_t n = 0, cap = 4096;
  int ret;
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open `%s`", p);
  buf = kn_xmalloc (cap);
  for (;;)
    {
      ssize_t k;
      if (n == cap)
        {
          if (cap >= MAX_DOC)
            return kn_error_make (err, KN_EINVAL, 0, "`%s` is too large", p);
          cap *= 2;
          buf = kn_xrealloc (buf, cap);
        }
      k = read (fd, buf + n, cap - n);
      if (k < 0 && errno == EINTR)
        continue;
      if (k < 0)
        return kn_error_make (err, KN_EIO, errno, "read `%s`", p);
      if (k == 0)
        break;
      n += (size_t) k;
    }
  ret = kn_index_parse (buf, n, 0, out, err);
  if (ret < 0)
    return kn_error_wrap (err, "`%s`", p);
  return 0;
}

int
kn_oci_layout_add (const char *dir, const char *media_type, const void *data, size_t len, const char *ref_name,
                   const struct kn_blob_provider *blobs, struct kn_error **err)
{
  struct kn_index x = { 0 };
  struct kn_descriptor d = { 0 };
  kn_cleanup_free char *mt = NULL;
  kn_cleanup_free char *index_path = kn_xasprintf ("%s/index.json", dir);
  kn_cleanup_free char *out = NULL;
  char digest[KN_DIGEST_STR_LEN];
  size_t out_len = 0, keep = 0;
  kn_cleanup_close int lock_fd = -1;
  int ret;

  if (media_type == NULL)
    {
      json_object *obj = NULL;
      if ((ret = kn_json_parse (data, len, "document", &obj, err)) < 0)
        return ret;
      ret = kn_json_get_str (obj, "mediaType", "document", &mt, err);
      json_object_put (obj);
      if (ret < 0)
        return ret;
      if (mt == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "document without \"mediaType\": pass its media type");
      media_type = mt;
    }
  if ((ret = ensure_layout (dir, err)) < 0)
    return kn_error_wrap (err, "OCI layout `%s`", dir);
  if ((ret = add_doc (dir, media_type, data, len, blobs, 0, err)) < 0)
    return kn_error_wrap (err, "OCI layout `%s`", dir);

  /* Serialise read-modify-write of index.json between concurrent writers. */
  lock_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd < 0 || flock (lock_fd, LOCK_EX) < 0)
    return kn_error_make (err, KN_EIO, errno, "OCI layout `%s`: lock", dir);
  if (access (index_path, F_OK) == 0)
    {
      if ((ret = kn_oci_layout_read_index (dir, &x, err)) < 0)
        return kn_error_wrap (err, "OCI layout `%s`", dir);
    }
  else
    x.schema_version = 2;
  free (x.media_type);
  x.media_type = kn_xstrdup (KN_MT_OCI_INDEX);

  kn_digest_buffer (data, len, digest);
  /* Drop entries this one replaces: same name, or the same unnamed digest. */
  for (size_t i = 0; i < x.n_manifests; i++)
    {
      struct kn_descriptor *e = &x.manifests[i];
      const char *name = kn_strmap_get (&e->annotations, KN_ANNOTATION_REF_NAME);
      int drop = 0;
      if (ref_name && name && strcmp (name, ref_name) == 0)
        drop = 1;
      if (!ref_name && !name && e->digest && strcmp (e->digest, digest) == 0)
        drop = 1;
      if (drop)
        kn_descriptor_clear (e);
      else
        x.manifests[keep++] = *e;
    }
  x.n_manifests = keep;

  d.media_type = kn_xstrdup (media_type);
  d.size = (int64_t) len;
  d.digest = kn_xstrdup (digest);
  if (ref_name)
    kn_strmap_set (&d.annotations, KN_ANNOTATION_REF_NAME, ref_name);
  kn_index_add (&x, &d);
  kn_descriptor_clear (&d);
  out = kn_index_write (&x, &out_len);
  kn_index_clear (&x);
  ret = kn_image_write_file_atomic (index_path, out, out_len, 0644, err);
  if (ret < 0)
    return kn_error_wrap (err, "OCI layout `%s`", dir);
  return 0;
}
