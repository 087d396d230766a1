/* docker-archive writer: see docker_archive.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <kaniko/sys/util.h>

#include "core/image/docker_archive.h"
#include "core/image/index.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/image/reference.h"
#include "core/util/digest.h"

#define CHUNK (128 * 1024)

struct tarw {
  struct archive *a;
  char **written; /* digests already in the archive */
};

static int
aerr (struct tarw *t, struct kn_error **err, const char *what)
{
  return kn_error_make (err, KN_EIO, archive_errno (t->a) > 0 ? archive_errno (t->a) : 0, "write tar entry %s: %s",
                        what, archive_error_string (t->a) ? archive_error_string (t->a) : "unknown error");
}

static int
header (struct tarw *t, const char *name, int64_t size, int dir, struct kn_error **err)
{
  struct archive_entry *e = archive_entry_new ();
  int r;
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm (e, dir ? 0755 : 0644);
  archive_entry_set_size (e, dir ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  r = archive_write_header (t->a, e);
  archive_entry_free (e);
  if (r != ARCHIVE_OK)
    return aerr (t, err, name);
  return 0;
}

static int
entry_mem (struct tarw *t, const char *name, const void *data, size_t len, struct kn_error **err)
{
  int ret = header (t, name, (int64_t) len, 0, err);
  if (ret < 0)
    return ret;
  if (len && archive_write_data (t->a, data, len) != (ssize_t) len)
    return aerr (t, err, name);
  return 0;
}

/* Stream blob DIGEST of SIZE bytes into entry NAME, verifying it. */
static int
entry_blob (struct tarw *t, const char *name, const char *digest, int64_t size, const struct kn_blob_provider *blobs,
            struct kn_error **err)
{
  struct kn_reader *r = NULL;
  kn_cleanup_free char *buf = NULL;
  struct kn_hasher *h;
  char got[KN_DIGEST_STR_LEN];
  int64_t total = 0;
  int ret;
  for (size_t i = 0; t->written && t->written[i]; i++)
    if (strcmp (t->written[i], digest) == 0)
      return 0;
  if ((ret = blobs->open (blobs->payload, digest, &r, err)) < 0)
    return ret;
  if ((ret = header (t, name, size, 0, err)) < 0)
    {
      kn_reader_free (r);
      return ret;
    }
  buf = kn_xmalloc (CHUNK);
  h = kn_hasher_new ();
  for (;;)
    {
      ssize_t n = kn_reader_read (r, buf, CHUNK, err);
      if (n < 0)
        {
          ret = (int) n;
          break;
        }
      if (n == 0)
        break;
      if (total + n > size)
        {
          ret = kn_error_make (err, KN_EDIGEST, 0, "blob %s: more than %lld bytes", digest, (long long) size);
          break;
        }
      kn_hasher_update (h, buf, (size_t) n);
      if (archive_write_data (t->a, buf, (size_t) n) != n)
        {
          ret = aerr (t, err, name);
          break;
        }
      total += n;
    }
  kn_reader_free (r);
  if (ret < 0)
    {
      kn_hasher_free (h);
      return ret;
    }
  kn_hasher_finish (h, got);
  if (total != size)
    return kn_error_make (err, KN_EDIGEST, 0, "blob %s: %lld bytes, want %lld", digest, (long long) total,
                          (long long) size);
  if (strcmp (got, digest) != 0)
    return kn_error_make (err, KN_EDIGEST, 0, "blob %s: content has digest %s", digest, got);
  kn_strv_push (&t->written, digest);
  return 0;
}

static const char *
hex_of (const char *digest)
{
  const char *c = strchr (digest, ':');
  return c ? c + 1 : digest;
}

static char *
entry_name (enum kn_docker_archive_style style, const char *digest, int is_layer)
{
  if (style == KN_DOCKER_ARCHIVE_LEGACY)
    return is_layer ? kn_xasprintf ("%s.tar.gz", hex_of (digest)) : kn_xstrdup (digest);
  return kn_xasprintf ("blobs/sha256/%s", hex_of (digest));
}

int
kn_docker_archive_repo_tag (const char *destination, char **out, struct kn_error **err)
{
  struct kn_reference r = { 0 };
  int ret = kn_reference_parse_normalized (destination, &r, err);
  if (ret < 0)
    return ret;
  if (r.digest)
    {
      kn_reference_clear (&r);
      return kn_error_make (err, KN_EINVAL, 0, "repository tag \"%s\": a digest reference has no tag", destination);
    }
  *out = r.tag ? kn_xstrdup (destination) : kn_xasprintf ("%s:%s", destination, KN_REF_DEFAULT_TAG);
  kn_reference_clear (&r);
  return 0;
}

static int
write_all_entries (struct tarw *t, const struct kn_docker_archive_image *images, size_t n,
                   enum kn_docker_archive_style style, const struct kn_blob_provider *blobs, struct kn_error **err)
{
  struct kn_jw mj;
  struct kn_index idx = { 0 };
  int ret = 0;
  kn_jw_init (&mj);
  kn_jw_arr_begin (&mj);
  idx.schema_version = 2;
  idx.media_type = kn_xstrdup (KN_MT_OCI_INDEX);
  if (style == KN_DOCKER_ARCHIVE_OCI
      && ((ret = header (t, "blobs/", 0, 1, err)) < 0 || (ret = header (t, "blobs/sha256/", 0, 1, err)) < 0))
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      struct kn_manifest m = { 0 };
      kn_cleanup_free char *cfg_name = NULL;
      char digest[KN_DIGEST_STR_LEN];
      kn_cleanup_free char *mt = NULL;
      if ((ret = kn_manifest_parse (images[i].manifest, images[i].manifest_len, 0, &m, err)) < 0)
        goto out;
      mt = kn_xstrdup (images[i].media_type ? images[i].media_type
                                            : (m.media_type ? m.media_type : KN_MT_OCI_MANIFEST));
      cfg_name = entry_name (style, m.config.digest, 0);
      ret = entry_blob (t, cfg_name, m.config.digest, m.config.size, blobs, err);
      kn_jw_obj_begin (&mj);
      kn_jw_key (&mj, "Config");
      kn_jw_str (&mj, cfg_name);
      kn_jw_key (&mj, "RepoTags");
      kn_jw_strv (&mj, images[i].repo_tags && images[i].repo_tags[0] ? images[i].repo_tags : NULL);
      kn_jw_key (&mj, "Layers");
      kn_jw_arr_begin (&mj);
      for (size_t l = 0; ret == 0 && l < m.n_layers; l++)
        {
          kn_cleanup_free char *ln = entry_name (style, m.layers[l].digest, 1);
          ret = entry_blob (t, ln, m.layers[l].digest, m.layers[l].size, blobs, err);
          if (ret < 0)
            ret = kn_error_wrap (err, "layer %zu", l);
          kn_jw_str (&mj, ln);
        }
      kn_jw_arr_end (&mj);
      kn_jw_obj_end (&mj);
      kn_manifest_clear (&m);
      if (ret < 0)
        goto out;
      if (style == KN_DOCKER_ARCHIVE_OCI)
        {
          kn_cleanup_free char *mn = NULL;
          struct kn_descriptor d = { 0 };
          size_t ntags = kn_strv_len (images[i].repo_tags);
          kn_digest_buffer (images[i].manifest, images[i].manifest_len, digest);
          mn = entry_name (style, digest, 0);
          int dup = 0;
          for (size_t k = 0; t->written && t->written[k]; k++)
            if (strcmp (t->written[k], digest) == 0)
              dup = 1;
          if (!dup)
            {
              if ((ret = entry_mem (t, mn, images[i].manifest, images[i].manifest_len, err)) < 0)
                goto out;
              kn_strv_push (&t->written, digest);
            }
          d.media_type = kn_xstrdup (mt);
          d.size = (int64_t) images[i].manifest_len;
          d.digest = kn_xstrdup (digest);
          for (size_t k = 0; k < (ntags ? ntags : 1); k++)
            {
              kn_strmap_clear (&d.annotations);
              if (ntags)
                {
                  struct kn_reference r = { 0 };
                  struct kn_error *e = NULL;
                  if (kn_reference_parse_normalized (images[i].repo_tags[k], &r, &e) == 0)
                    {
                      kn_cleanup_free char *full = kn_reference_string (&r);
                      kn_strmap_set (&d.annotations, "io.containerd.image.name", full);
                      if (r.tag)
                        kn_strmap_set (&d.annotations, KN_ANNOTATION_REF_NAME, r.tag);
                    }
                  kn_error_free (e);
                  kn_reference_clear (&r);
                }
              kn_index_add (&idx, &d);
            }
          kn_descriptor_clear (&d);
        }
    }
  kn_jw_arr_end (&mj);
  if (style == KN_DOCKER_ARCHIVE_OCI)
    {
      size_t len = 0;
      kn_cleanup_free char *ij = kn_index_write (&idx, &len);
      if ((ret = entry_mem (t, "index.json", ij, len, err)) < 0)
        goto out;
    }
  if ((ret = entry_mem (t, "manifest.json", mj.buf, mj.len, err)) < 0)
    goto out;
  if (style == KN_DOCKER_ARCHIVE_OCI)
    ret = entry_mem (t, "oci-layout", KN_OCI_LAYOUT_FILE_CONTENT, strlen (KN_OCI_LAYOUT_FILE_CONTENT), err);
out:
  kn_jw_free (&mj);
  kn_index_clear (&idx);
  return ret;
}

int
kn_docker_archive_write (const char *path, const struct kn_docker_archive_image *images, size_t n,
                         enum kn_docker_archive_style style, const struct kn_blob_provider *blobs,
                         struct kn_error **err)
{
  kn_cleanup_free char *tmp = kn_xasprintf ("%s.tmp-XXXXXX", path);
  kn_cleanup_close int fd = mkostemp (tmp, O_CLOEXEC);
  struct tarw t = { 0 };
  int ret;
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create `%s`", tmp);
  t.a = archive_write_new ();
  archive_write_set_format_pax_restricted (t.a);
  archive_write_set_bytes_in_last_block (t.a, 1);
  if (archive_write_open_fd (t.a, fd) != ARCHIVE_OK)
    {
      ret = aerr (&t, err, path);
      goto fail;
    }
  if ((ret = write_all_entries (&t, images, n, style, blobs, err)) < 0)
    goto fail;
  if (archive_write_close (t.a) != ARCHIVE_OK)
    {
      ret = aerr (&t, err, path);
      goto fail;
    }
  archive_write_free (t.a);
  kn_strv_free (t.written);
  if (fchmod (fd, 0644) < 0 || fsync (fd) < 0 || rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "write docker archive `%s`", path);
    }
  return 0;
fail:
  archive_write_free (t.a);
  kn_strv_free (t.written);
  unlink (tmp);
  return kn_error_wrap (err, "docker archive `%s`", path);
}
