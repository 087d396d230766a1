/* --cache-dir lookups for base images and "kaniko warm" (cachedir.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/assemble.h"
#include "core/build/cachedir.h"
#include "core/build/kanikodir.h"
#include "core/build/pull.h"
#include "core/build/registry.h"
#include "core/image/json.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/util/cancel.h"

#define MAX_DOC (4 * 1024 * 1024)

char *
kn_cachedir_key (const struct kn_reference *ref)
{
  kn_cleanup_free char *name = kn_reference_name (ref);
  if (ref->digest)
    return kn_xasprintf ("%s@%s", name, ref->digest);
  return kn_xasprintf ("%s:%s", name, kn_reference_tag_or_default (ref));
}

/* The entry of IDX for REF: by name, else (digest references) by digest. */
static const struct kn_descriptor *
find_entry (const struct kn_index *idx, const struct kn_reference *ref)
{
  kn_cleanup_free char *key = kn_cachedir_key (ref);
  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      const char *n = kn_strmap_get (&idx->manifests[i].annotations, KN_ANNOTATION_REF_NAME);
      if (n && strcmp (n, key) == 0 && kn_mt_kind (idx->manifests[i].media_type) == KN_MT_KIND_MANIFEST)
        return &idx->manifests[i];
    }
  if (ref->digest)
    for (size_t i = 0; i < idx->n_manifests; i++)
      if (strcmp (idx->manifests[i].digest, ref->digest) == 0
          && kn_mt_kind (idx->manifests[i].media_type) == KN_MT_KIND_MANIFEST)
        return &idx->manifests[i];
  return NULL;
}

/* Copy blob DIGEST from the layout BLOBS into STORE unless present. */
static int
copy_blob (const struct kn_blob_provider *blobs, struct kn_store *store, const char *digest, struct kn_error **err)
{
  if (kn_store_has (store, digest))
    return 0;
  struct kn_reader *r = NULL;
  int ret = blobs->open (blobs->payload, digest, &r, err);
  if (ret < 0)
    return ret;
  ret = kn_store_put (store, r, digest, NULL, NULL, err);
  kn_reader_free (r);
  if (ret < 0)
    return kn_error_wrap (err, "blob %s", digest);
  return 0;
}

static int
load_entry (const char *dir, const struct kn_descriptor *d, const struct kn_platform *want, struct kn_store *store,
            struct kn_bimage *out, struct kn_error **err)
{
  struct kn_blob_provider blobs;
  kn_oci_layout_blob_provider (dir, &blobs);
  kn_cleanup_free char *data = NULL;
  size_t len = 0;
  int ret = kn_blob_read_small (&blobs, d->digest, MAX_DOC, &data, &len, err);
  if (ret < 0)
    return ret;
  if ((ret = kn_manifest_parse (data, len, 0, &out->m, err)) < 0)
    return ret;
  free (out->m.media_type);
  out->m.media_type = kn_xstrdup (d->media_type);
  out->docker = kn_mt_is_docker (d->media_type);
  {
    kn_cleanup_free char *cfg = NULL;
    size_t cl = 0;
    if ((ret = kn_blob_read_small (&blobs, out->m.config.digest, MAX_DOC, &cfg, &cl, err)) < 0)
      return ret;
    if ((ret = kn_config_parse (cfg, cl, 0, &out->c, err)) < 0)
      return ret;
  }
  struct kn_platform have = { 0 };
  have.os = out->c.os;
  have.architecture = out->c.architecture;
  have.variant = out->c.variant;
  if (have.os && have.architecture && !kn_platform_match (want, &have))
    {
      kn_cleanup_free char *h = kn_platform_format (&have);
      kn_cleanup_free char *w = kn_platform_format (want);
      return kn_error_make (err, KN_ENOTFOUND, 0, "cached for %s, not %s", h, w);
    }
  if (out->c.diff_ids && kn_strv_len (out->c.diff_ids) != out->m.n_layers)
    return kn_error_make (err, KN_EINVAL, 0, "image config has %zu diff_ids for %zu layers",
                          kn_strv_len (out->c.diff_ids), out->m.n_layers);
  if ((ret = copy_blob (&blobs, store, out->m.config.digest, err)) < 0)
    return ret;
  for (size_t i = 0; i < out->m.n_layers; i++)
    {
      const struct kn_descriptor *l = &out->m.layers[i];
      if (kn_mt_is_foreign (l->media_type))
        continue;
      if ((ret = copy_blob (&blobs, store, l->digest, err)) < 0)
        return ret;
    }
  return 0;
}

int
kn_cachedir_lookup (const char *dir, const struct kn_reference *ref, const struct kn_platform *want,
                    struct kn_store *store, struct kn_bimage *out)
{
  struct kn_error *err = NULL;
  struct kn_index idx = { 0 };
  if (dir == NULL || *dir == '\0')
    return 0;
  kn_cleanup_free char *key = kn_cachedir_key (ref);
  int ret = kn_oci_layout_read_index (dir, &idx, &err);
  if (ret == -KN_ENOTFOUND)
    {
      kn_log (KN_LOG_DEBUG, "Cache dir %s holds no OCI layout; not looking there for %s", dir, key);
      kn_error_free (err);
      return 0;
    }
  if (ret < 0)
    {
      kn_log (KN_LOG_WARN, "Cache dir %s: %s; pulling %s from the registry", dir, err->msg, key);
      kn_error_free (err);
      return 0;
    }
  const struct kn_descriptor *d = find_entry (&idx, ref);
  if (d == NULL)
    {
      kn_log (KN_LOG_INFO, "No cached image for %s in %s", key, dir);
      kn_index_clear (&idx);
      return 0;
    }
  kn_bimage_clear (out);
  ret = load_entry (dir, d, want, store, out, &err);
  if (ret < 0)
    {
      kn_log (KN_LOG_WARN, "Cache dir %s: %s@%s: %s; pulling from the registry", dir, key, d->digest, err->msg);
      kn_error_free (err);
      kn_bimage_clear (out);
      kn_index_clear (&idx);
      return 0;
    }
  out->base_registry = kn_xstrdup (ref->domain);
  out->base_repository = kn_xstrdup (ref->path);
  kn_log (KN_LOG_INFO, "Using base image from cache dir %s: %s@%s (%zu layers)", dir, key, d->digest,
          out->m.n_layers);
  kn_index_clear (&idx);
  return 1;
}

/* Pull one image into a temporary store STORE and add it to the layout DIR. */
static int
warm_one (const struct kn_breg *b, struct kn_store *store, const char *dir, const char *image, struct kn_error **err)
{
  struct kn_image_ref iref = { 0 };
  int ret = kn_image_ref_parse (image, &iref, err);
  if (ret < 0)
    return ret;
  if (iref.transport != KN_TRANSPORT_DOCKER)
    {
      kn_image_ref_clear (&iref);
      return kn_error_make (err, KN_EINVAL, 0, "%s: only registry references can be warmed", image);
    }
  kn_cleanup_free char *key = kn_cachedir_key (&iref.ref);
  kn_cleanup_free char *name = kn_reference_name (&iref.ref);
  struct kn_bimage img = { 0 };
  struct kn_pull_info info = { 0 };
  ret = kn_build_pull_info (b, store, image, b->o->custom_platform, 0, &img, &info, err);
  if (ret == 0)
    {
      struct kn_blob_provider blobs;
      kn_build_store_provider (store, &blobs);
      kn_cleanup_free char *doc = NULL;
      size_t len = 0;
      ret = kn_blob_read_small (&blobs, info.manifest_digest, MAX_DOC, &doc, &len, err);
      if (ret == 0)
        ret = kn_oci_layout_add (dir, info.media_type, doc, len, key, &blobs, err);
      /* The digest the reference resolved to names the same image. */
      if (ret == 0 && iref.ref.digest == NULL && info.resolved_digest)
        {
          kn_cleanup_free char *by_digest = kn_xasprintf ("%s@%s", name, info.resolved_digest);
          ret = kn_oci_layout_add (dir, info.media_type, doc, len, by_digest, &blobs, err);
        }
      if (ret == 0)
        kn_log (KN_LOG_INFO, "Cached %s (%s, manifest %s, %zu layers) in %s", key, info.resolved_digest,
                info.manifest_digest, img.m.n_layers, dir);
      else
        kn_error_wrap (err, "cache dir %s", dir);
    }
  kn_bimage_clear (&img);
  kn_pull_info_clear (&info);
  kn_image_ref_clear (&iref);
  return ret;
}

int
kn_build_warm (const struct kn_build_options *o, struct kn_plugins *plugins, const char *const *images,
               const struct kn_cancel *cancel, struct kn_error **err)
{
  const char *dir = o->cache_dir;
  if (dir == NULL || *dir == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "--cache-dir must not be empty");
  int ret = kn_kdir_mkdir_p (dir, 0755, err);
  if (ret < 0)
    return kn_error_wrap (err, "cache dir %s", dir);
  /* Blobs are pulled into a private store inside DIR (same filesystem), then
   * copied into the layout, whose files are each written atomically. */
  kn_cleanup_free char *tmp = kn_xasprintf ("%s/.warm-%ld-XXXXXX", dir, (long) getpid ());
  if (mkdtemp (tmp) == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "cache dir %s: temporary directory", dir);
  struct kn_store *store = NULL;
  ret = kn_store_open (&store, tmp, err);
  if (ret == 0)
    {
      struct kn_breg b = { 0 };
      b.o = o;
      b.plugins = plugins;
      b.cancel = cancel;
      for (size_t i = 0; images && images[i] && ret == 0; i++)
        {
          if (kn_cancel_requested (cancel))
            {
              ret = kn_error_make (err, KN_ECANCELED, 0, "warm cancelled before %s", images[i]);
              break;
            }
          kn_log (KN_LOG_INFO, "Warming %s", images[i]);
          ret = warm_one (&b, store, dir, images[i], err);
          if (ret < 0 && kn_cancel_requested (cancel))
            {
              kn_log (KN_LOG_DEBUG, "The cancelled warm stopped with: %s", err && *err ? (*err)->msg : "?");
              kn_error_release (err);
              ret = kn_error_make (err, KN_ECANCELED, 0, "warm cancelled while pulling %s", images[i]);
            }
          else if (ret < 0)
            kn_error_wrap (err, "warm %s", images[i]);
        }
      kn_store_free (store);
    }
  struct kn_error *e2 = NULL;
  if (kn_kdir_rm_rf (tmp, &e2) < 0)
    {
      kn_log (KN_LOG_WARN, "%s", e2->msg);
      kn_error_free (e2);
    }
  return ret;
}
