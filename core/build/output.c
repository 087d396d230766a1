#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/kanikodir.h"
#include "core/build/output.h"
#include "core/image/docker_archive.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/image/outputs.h"
#include "core/image/reference.h"
#include "core/util/cancel.h"

/* Blob readers that stop with KN_ECANCELED once the build is cancelled. */
struct cancel_provider {
  struct kn_blob_provider inner;
  const struct kn_cancel *cancel;
};

struct cancel_reader {
  struct kn_reader base;
  struct kn_reader *inner;
  const struct kn_cancel *cancel;
  const char *what;
};

static ssize_t
cancel_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct cancel_reader *cr = (struct cancel_reader *) r;
  if (kn_cancel_requested (cr->cancel))
    return kn_error_make (err, KN_ECANCELED, 0, "copy of %s: cancelled", cr->what);
  return kn_reader_read (cr->inner, buf, len, err);
}

static void
cancel_free (struct kn_reader *r)
{
  struct cancel_reader *cr = (struct cancel_reader *) r;
  kn_reader_free (cr->inner);
  free ((char *) cr->what);
  free (cr);
}

static int
cancel_open (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err)
{
  struct cancel_provider *p = payload;
  if (kn_cancel_requested (p->cancel))
    return kn_error_make (err, KN_ECANCELED, 0, "copy of %s: cancelled", digest);
  struct kn_reader *in = NULL;
  int ret = p->inner.open (p->inner.payload, digest, &in, err);
  if (ret < 0)
    return ret;
  struct cancel_reader *cr = kn_xcalloc (1, sizeof *cr);
  cr->base.read = cancel_read;
  cr->base.free = cancel_free;
  cr->inner = in;
  cr->cancel = p->cancel;
  cr->what = kn_xstrdup (digest);
  *out = &cr->base;
  return 0;
}

int
kn_build_write_outputs (const struct kn_build_options *o, struct kn_store *store, const struct kn_bmanifest *m,
                        const struct kn_cancel *cancel, struct kn_error **err)
{
  struct cancel_provider cp;
  struct kn_blob_provider blobs = { cancel_open, &cp };
  int ret;
  kn_build_store_provider (store, &cp.inner);
  cp.cancel = cancel;
  if (o->oci_layout_path && *o->oci_layout_path)
    {
      struct stat st;
      int existed = lstat (o->oci_layout_path, &st) == 0 || errno != ENOENT;
      /* Named after the first destination's tag, so `skopeo inspect oci:DIR:TAG` finds it. */
      kn_cleanup_free char *ref_name = NULL;
      if (o->destinations.n == 0)
        ref_name = kn_xstrdup ("latest");
      else
        {
          struct kn_reference r = { 0 };
          struct kn_error *e = NULL;
          if (kn_reference_parse_normalized (o->destinations.v[0], &r, &e) == 0)
            ref_name = kn_xstrdup (kn_reference_tag_or_default (&r));
          kn_error_free (e);
          kn_reference_clear (&r);
        }
      /* An OCI layout holds OCI media types (skopeo's and umoci's lookups
       * by name skip Docker ones): a Docker schema 2 image is converted,
       * same config and layer blobs, so its manifest digest differs. */
      kn_cleanup_free char *conv = NULL;
      size_t conv_len = 0;
      char conv_digest[KN_DIGEST_STR_LEN];
      const char *mt = m->media_type, *data = m->data, *dg = m->digest;
      size_t len = m->len;
      if (kn_mt_is_docker (m->media_type))
        {
          struct kn_manifest in = { 0 }, out = { 0 };
          ret = kn_manifest_parse (m->data, m->len, 0, &in, err);
          if (ret == 0)
            ret = kn_manifest_convert (&in, 0, &out, err);
          kn_manifest_clear (&in);
          if (ret < 0)
            {
              kn_manifest_clear (&out);
              return kn_error_wrap (err, "--oci-layout-path %s", o->oci_layout_path);
            }
          conv = kn_manifest_write (&out, &conv_len);
          kn_manifest_clear (&out);
          kn_digest_buffer (conv, conv_len, conv_digest);
          mt = KN_MT_OCI_MANIFEST;
          data = conv;
          len = conv_len;
          dg = conv_digest;
        }
      ret = kn_oci_layout_add (o->oci_layout_path, mt, data, len, ref_name, &blobs, err);
      if (ret < 0)
        {
          /* A layout this build started holds no image: remove it.  One
           * that existed keeps its entries (every file there is atomic). */
          struct kn_error *e = NULL;
          if (!existed && kn_kdir_rm_rf (o->oci_layout_path, &e) < 0)
            kn_log (KN_LOG_WARN, "%s", e->msg);
          kn_error_free (e);
          return kn_error_wrap (err, "--oci-layout-path %s", o->oci_layout_path);
        }
      kn_log (KN_LOG_INFO, "Wrote %s to OCI layout %s", dg, o->oci_layout_path);
    }
  if (o->tar_path && *o->tar_path)
    {
      char **tags = NULL;
      for (size_t i = 0; i < o->destinations.n; i++)
        {
          char *t = NULL;
          if ((ret = kn_docker_archive_repo_tag (o->destinations.v[i], &t, err)) < 0)
            {
              kn_strv_free (tags);
              return kn_error_wrap (err, "--tar-path");
            }
          kn_strv_push (&tags, t);
          free (t);
        }
      struct kn_docker_archive_image img = { m->media_type, m->data, m->len, tags };
      ret = kn_docker_archive_write (o->tar_path, &img, 1, KN_DOCKER_ARCHIVE_OCI, &blobs, err);
      kn_strv_free (tags);
      if (ret < 0)
        return kn_error_wrap (err, "--tar-path %s", o->tar_path);
      kn_log (KN_LOG_INFO, "Wrote %s to tarball %s", m->digest, o->tar_path);
    }
  return 0;
}

int
kn_build_write_digest_files (const struct kn_build_options *o, const struct kn_bmanifest *m, struct kn_error **err)
{
  int ret;
  if (o->digest_file && *o->digest_file && (ret = kn_outputs_write_digest_file (o->digest_file, m->digest, err)) < 0)
    return kn_error_wrap (err, "--digest-file");
  if (o->image_name_with_digest_file && *o->image_name_with_digest_file
      && (ret = kn_outputs_write_image_name_file (o->image_name_with_digest_file, o->destinations.v, m->digest, 0,
                                                  err))
             < 0)
    return kn_error_wrap (err, "--image-name-with-digest-file");
  if (o->image_name_tag_with_digest_file && *o->image_name_tag_with_digest_file
      && (ret = kn_outputs_write_image_name_file (o->image_name_tag_with_digest_file, o->destinations.v, m->digest,
                                                  1, err))
             < 0)
    return kn_error_wrap (err, "--image-name-tag-with-digest-file");
  return 0;
}
