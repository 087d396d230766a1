#include "config.h"

#include <string.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/cachedir.h"
#include "core/build/parallel.h"
#include "core/build/pull.h"
#include "core/image/index.h"
#include "core/image/mediatype.h"
#include "core/image/platform.h"
#include "core/util/cancel.h"

#define MAX_DOC (4 * 1024 * 1024)

static int
get_doc (struct kn_repo *r, const char *reference, char **data, size_t *len, char **mt, char **digest,
         struct kn_error **err)
{
  struct kn_writer *w = kn_writer_new_mem ();
  int ret = r->registry->get_manifest (r, reference, NULL, w, mt, digest, err);
  if (ret == 0)
    {
      size_t n = 0;
      const void *d = kn_writer_mem_data (w, &n);
      *data = kn_xmalloc (n + 1);
      memcpy (*data, d, n);
      (*data)[n] = '\0';
      *len = n;
    }
  kn_writer_free (w);
  return ret;
}

static int
fetch_blob (const struct kn_breg *b, struct kn_repo *r, struct kn_store *store, const char *digest,
            struct kn_error **err)
{
  int attempts = b->o->image_download_retry > 0 ? b->o->image_download_retry + 1 : 1;
  int ret = 0;
  if (kn_store_has (store, digest))
    return 0;
  for (int a = 0; a < attempts; a++)
    {
      struct kn_writer *w = NULL;
      if (a > 0)
        {
          kn_log (KN_LOG_WARN, "Retrying download of %s (%d/%d)", digest, a, attempts - 1);
          kn_error_release (err);
          if (kn_cancel_sleep (b->cancel, 1000))
            return kn_error_make (err, KN_ECANCELED, 0, "blob %s: cancelled", digest);
        }
      ret = kn_store_ingest_begin (store, &w, err);
      if (ret < 0)
        return ret;
      ret = r->registry->get_blob (r, digest, 0, w, err);
      if (ret == 0)
        ret = kn_store_ingest_commit (w, digest, NULL, NULL, err);
      kn_writer_free (w);
      if (ret == 0 || ret == -KN_ENOTFOUND || ret == -KN_EAUTH || kn_cancel_requested (b->cancel))
        break;
    }
  if (ret < 0)
    return kn_error_wrap (err, "blob %s", digest);
  return 0;
}

static int
read_store_small (struct kn_store *store, const char *digest, char **data, size_t *len, struct kn_error **err)
{
  struct kn_reader *r = NULL;
  uint64_t size = 0;
  int ret = kn_store_open_blob (store, digest, &r, &size, err);
  if (ret < 0)
    return ret;
  if (size > MAX_DOC)
    {
      kn_reader_free (r);
      return kn_error_make (err, KN_EINVAL, 0, "blob %s: too large for a config (%llu bytes)", digest,
                            (unsigned long long) size);
    }
  char *buf = kn_xmalloc (size + 1);
  size_t got = 0;
  while (got < size)
    {
      ssize_t n = kn_reader_read (r, buf + got, size - got, err);
      if (n < 0)
        {
          free (buf);
          kn_reader_free (r);
          return (int) n;
        }
      if (n == 0)
        break;
      got += (size_t) n;
    }
  kn_reader_free (r);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return 0;
}

/* Layers are fetched by up to this many workers, each with its own repository. */
#define PULL_WORKERS 4

struct layer_job {
  const struct kn_breg *b;
  struct kn_store *store;
  const struct kn_pull_candidate *c;
  const struct kn_manifest *m;
};

static int
layer_item (size_t i, void **state, void *payload, struct kn_error **err)
{
  struct layer_job *j = payload;
  const struct kn_descriptor *l = &j->m->layers[i];
  if (kn_mt_is_foreign (l->media_type) || kn_store_has (j->store, l->digest))
    return 0;
  if (*state == NULL)
    {
      struct kn_repo *r = NULL;
      int ret = kn_breg_open (j->b, j->c->location, j->c->repository, 0, &r, err);
      if (ret < 0)
        return ret;
      *state = r;
    }
  return fetch_blob (j->b, *state, j->store, l->digest, err);
}

static void
layer_done (void *state, void *payload)
{
  (void) payload;
  struct kn_repo *r = state;
  if (r)
    r->registry->close (r);
}

/* Pull from one candidate. */
static int
pull_from (const struct kn_breg *b, struct kn_store *store, const struct kn_pull_candidate *c,
           const struct kn_reference *ref, const struct kn_platform *want, struct kn_bimage *out,
           struct kn_pull_info *info, struct kn_error **err)
{
  struct kn_repo *r = NULL;
  int ret = kn_breg_open (b, c->location, c->repository, 0, &r, err);
  if (ret < 0)
    return ret;
  kn_cleanup_free char *data = NULL;
  kn_cleanup_free char *mt = NULL;
  kn_cleanup_free char *digest = NULL;
  size_t len = 0;
  const char *id = kn_reference_identifier (ref);
  ret = get_doc (r, id, &data, &len, &mt, &digest, err);
  if (ret < 0)
    goto out;
  if (kn_mt_kind (mt) == KN_MT_KIND_INDEX)
    {
      struct kn_index idx = { 0 };
      ret = kn_index_parse (data, len, 0, &idx, err);
      if (ret < 0)
        goto out;
      int sel = kn_index_select (&idx, want, err);
      if (sel < 0)
        {
          kn_index_clear (&idx);
          ret = sel;
          goto out;
        }
      kn_cleanup_free char *child = kn_xstrdup (idx.manifests[sel].digest);
      kn_index_clear (&idx);
      if (info && digest)
        info->resolved_digest = kn_xstrdup (digest);
      free (data);
      free (mt);
      free (digest);
      data = mt = digest = NULL;
      ret = get_doc (r, child, &data, &len, &mt, &digest, err);
      if (ret < 0)
        goto out;
    }
  if (kn_mt_kind (mt) != KN_MT_KIND_MANIFEST)
    {
      ret = kn_error_make (err, KN_ENOTSUP, 0, "manifest %s: unsupported media type %s", id, mt ? mt : "(none)");
      goto out;
    }
  ret = kn_manifest_parse (data, len, 0, &out->m, err);
  if (ret < 0)
    goto out;
  free (out->m.media_type);
  out->m.media_type = kn_xstrdup (mt);
  out->docker = kn_mt_is_docker (mt);
  if (info)
    {
      /* The manifest as served (its digest is the image's), for the cache dir. */
      struct kn_reader *mr = kn_reader_new_mem (data, len);
      char md[KN_DIGEST_STR_LEN];
      ret = kn_store_put (store, mr, digest, md, NULL, err);
      kn_reader_free (mr);
      if (ret < 0)
        goto out;
      info->manifest_digest = kn_xstrdup (md);
      info->manifest_size = (int64_t) len;
      info->media_type = kn_xstrdup (mt);
      if (info->resolved_digest == NULL)
        info->resolved_digest = kn_xstrdup (md);
    }
  if ((ret = fetch_blob (b, r, store, out->m.config.digest, err)) < 0)
    goto out;
  {
    kn_cleanup_free char *cfg = NULL;
    size_t cl = 0;
    if ((ret = read_store_small (store, out->m.config.digest, &cfg, &cl, err)) < 0)
      goto out;
    if ((ret = kn_config_parse (cfg, cl, 0, &out->c, err)) < 0)
      goto out;
  }
  if (out->c.diff_ids && kn_strv_len (out->c.diff_ids) != out->m.n_layers)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "image config has %zu diff_ids for %zu layers",
                           kn_strv_len (out->c.diff_ids), out->m.n_layers);
      goto out;
    }
  {
    struct layer_job job = { b, store, c, &out->m };
    struct kn_par_ops ops = { layer_item, layer_done, &job };
    if ((ret = kn_par_run (out->m.n_layers, PULL_WORKERS, &ops, err)) < 0)
      goto out;
  }
  out->base_registry = kn_xstrdup (c->location);
  out->base_repository = kn_xstrdup (c->repository);
  kn_log (KN_LOG_INFO, "Retrieved %s/%s@%s (%zu layers)", c->location, c->repository, digest ? digest : id,
          out->m.n_layers);
out:
  r->registry->close (r);
  return ret;
}

void
kn_pull_info_clear (struct kn_pull_info *info)
{
  free (info->manifest_digest);
  free (info->resolved_digest);
  free (info->media_type);
  memset (info, 0, sizeof *info);
}

int
kn_build_pull (const struct kn_breg *b, struct kn_store *store, const char *name, const char *platform,
               struct kn_bimage *out, struct kn_error **err)
{
  return kn_build_pull_info (b, store, name, platform, 1, out, NULL, err);
}

int
kn_build_pull_info (const struct kn_breg *b, struct kn_store *store, const char *name, const char *platform,
                    int use_cache, struct kn_bimage *out, struct kn_pull_info *info, struct kn_error **err)
{
  struct kn_image_ref iref = { 0 };
  struct kn_platform want = { 0 };
  int ret = kn_image_ref_parse (name, &iref, err);
  if (ret < 0)
    return kn_error_wrap (err, "base image %s", name);
  if (iref.transport != KN_TRANSPORT_DOCKER)
    {
      kn_image_ref_clear (&iref);
      return kn_error_make (err, KN_ENOTSUP, 0, "base image %s: not supported yet: the %s transport", name,
                            kn_transport_name (iref.transport));
    }
  ret = kn_platform_parse (platform, &want, err);
  if (ret < 0)
    {
      kn_image_ref_clear (&iref);
      return ret;
    }
  if (use_cache)
    {
      ret = kn_cachedir_lookup (b->o->cache_dir, &iref.ref, &want, store, out);
      if (ret > 0)
        {
          kn_image_ref_clear (&iref);
          kn_platform_clear (&want);
          out->base_name = kn_xstrdup (name);
          return 0;
        }
    }
  size_t n = 0;
  struct kn_pull_candidate *c = kn_breg_candidates (b, &iref.ref, &n);
  kn_log (KN_LOG_INFO, "Retrieving image manifest %s", name);
  for (size_t i = 0; i < n; i++)
    {
      kn_bimage_clear (out);
      if (info)
        kn_pull_info_clear (info);
      ret = pull_from (b, store, &c[i], &iref.ref, &want, out, info, err);
      if (ret == 0 || kn_cancel_requested (b->cancel))
        break;
      if (i + 1 < n)
        {
          kn_log (KN_LOG_WARN, "Pulling %s from %s failed: %s; trying %s", name, c[i].location, (*err)->msg,
                  c[i + 1].location);
          kn_error_release (err);
        }
    }
  kn_breg_candidates_free (c, n);
  kn_image_ref_clear (&iref);
  kn_platform_clear (&want);
  if (ret < 0)
    {
      kn_bimage_clear (out);
      return kn_error_wrap (err, "base image %s", name);
    }
  out->base_name = kn_xstrdup (name);
  return 0;
}
