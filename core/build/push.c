#include "config.h"

#include <string.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/parallel.h"
#include "core/build/push.h"
#include "core/image/json.h"
#include "core/image/mediatype.h"
#include "core/image/reference.h"
#include "core/util/cancel.h"

static int
parse_dest (const char *d, struct kn_reference *r, struct kn_error **err)
{
  const char *s = strncmp (d, "docker://", 9) == 0 ? d + 9 : d;
  int ret = kn_reference_parse_normalized (s, r, err);
  if (ret < 0)
    return kn_error_wrap (err, "--destination %s", d);
  return 0;
}

int
kn_build_push_check (const struct kn_breg *b, struct kn_error **err)
{
  for (size_t i = 0; i < b->o->destinations.n; i++)
    {
      const char *d = b->o->destinations.v[i];
      struct kn_reference r = { 0 };
      struct kn_repo *repo = NULL;
      int ret = parse_dest (d, &r, err);
      if (ret < 0)
        return ret;
      ret = kn_breg_open (b, r.domain, r.path, 1, &repo, err);
      if (ret == 0 && repo->registry->check_push)
        ret = repo->registry->check_push (repo, err);
      if (repo)
        repo->registry->close (repo);
      kn_reference_clear (&r);
      if (ret < 0)
        return kn_error_wrap (err, "checking push permission for %s", d);
    }
  return 0;
}

static int
push_blob (struct kn_repo *repo, struct kn_store *store, const char *digest, const char *mount_from,
           struct kn_error **err)
{
  struct kn_blob_source *src = NULL;
  int ret = kn_store_blob_source (store, digest, &src, err);
  if (ret < 0)
    return ret;
  ret = repo->registry->put_blob (repo, src, mount_from, err);
  kn_store_blob_source_free (src);
  if (ret < 0)
    return kn_error_wrap (err, "blob %s", digest);
  return 0;
}

/* Blobs are uploaded by up to this many workers, each with its own repository. */
#define PUSH_WORKERS 4

struct blob_job {
  const struct kn_breg *b;
  struct kn_store *store;
  const struct kn_reference *r;
  const char **digests;
  const char *mount_from;
};

static int
blob_item (size_t i, void **state, void *payload, struct kn_error **err)
{
  struct blob_job *j = payload;
  if (*state == NULL)
    {
      struct kn_repo *repo = NULL;
      int ret = kn_breg_open (j->b, j->r->domain, j->r->path, 1, &repo, err);
      if (ret < 0)
        return ret;
      *state = repo;
    }
  return push_blob (*state, j->store, j->digests[i], j->mount_from, err);
}

static void
blob_done (void *state, void *payload)
{
  (void) payload;
  struct kn_repo *repo = state;
  if (repo)
    repo->registry->close (repo);
}

static int
push_one (const struct kn_breg *b, struct kn_store *store, const struct kn_bimage *img, const struct kn_bmanifest *m,
          const struct kn_reference *r, struct kn_error **err)
{
  struct kn_repo *repo = NULL;
  int ret = kn_breg_open (b, r->domain, r->path, 1, &repo, err);
  if (ret < 0)
    return ret;
  const char *mount_from = NULL;
  if (img->base_registry && img->base_repository && strcmp (img->base_registry, r->domain) == 0
      && strcmp (img->base_repository, r->path) != 0)
    mount_from = img->base_repository;
  {
    /* Layers (foreign ones are never pushed), then the config. */
    const char **digests = kn_xcalloc (img->m.n_layers + 1, sizeof *digests);
    size_t n = 0;
    for (size_t i = 0; i < img->m.n_layers; i++)
      if (!kn_mt_is_foreign (img->m.layers[i].media_type))
        digests[n++] = img->m.layers[i].digest;
    struct blob_job job = { b, store, r, digests, mount_from };
    struct kn_par_ops ops = { blob_item, blob_done, &job };
    ret = kn_par_run (n, PUSH_WORKERS, &ops, err);
    free (digests);
  }
  if (ret == 0)
    ret = push_blob (repo, store, m->config_digest, NULL, err);
  if (ret == 0)
    {
      const char *ref = r->tag ? r->tag : r->digest ? r->digest : KN_REF_DEFAULT_TAG;
      ret = repo->registry->put_manifest (repo, ref, m->media_type, m->data, m->len, err);
      if (ret < 0)
        kn_error_wrap (err, "manifest %s", ref);
    }
  repo->registry->close (repo);
  return ret;
}

int
kn_build_push (const struct kn_breg *b, struct kn_store *store, const struct kn_bimage *img,
               const struct kn_bmanifest *m, char ***pushed, struct kn_error **err)
{
  const struct kn_build_options *o = b->o;
  for (size_t i = 0; i < o->destinations.n; i++)
    {
      const char *d = o->destinations.v[i];
      struct kn_reference r = { 0 };
      int ret = parse_dest (d, &r, err);
      if (ret < 0)
        return ret;
      long delay = o->push_retry_initial_delay_ms > 0 ? o->push_retry_initial_delay_ms : 1000;
      int attempts = o->push_retry > 0 ? o->push_retry + 1 : 1;
      for (int a = 0; a < attempts; a++)
        {
          if (a > 0)
            {
              kn_log (KN_LOG_WARN, "Pushing %s failed: %s; retrying in %ld ms (%d/%d)", d, (*err)->msg, delay, a,
                      attempts - 1);
              kn_error_release (err);
              if (kn_cancel_sleep (b->cancel, delay))
                {
                  ret = kn_error_make (err, KN_ECANCELED, 0, "cancelled while waiting to retry");
                  break;
                }
              double next = (double) delay * (o->push_retry_backoff_multiplier > 0 ? o->push_retry_backoff_multiplier : 2.0);
              delay = (long) next;
              if (o->push_retry_max_delay_ms > 0 && delay > o->push_retry_max_delay_ms)
                delay = o->push_retry_max_delay_ms;
            }
          ret = push_one (b, store, img, m, &r, err);
          if (ret == 0 || ret == -KN_EAUTH || ret == -KN_EPERM || ret == -KN_EINVAL || ret == -KN_ECANCELED
              || kn_cancel_requested (b->cancel))
            break;
        }
      if (ret == -KN_EEXIST && o->push_ignore_immutable_tag_errors)
        {
          kn_log (KN_LOG_WARN, "Pushing %s: %s (ignored: --push-ignore-immutable-tag-errors)", d, (*err)->msg);
          kn_error_release (err);
          ret = 0;
        }
      if (ret < 0)
        {
          kn_reference_clear (&r);
          return kn_error_wrap (err, "push %s", d);
        }
      kn_cleanup_free char *name = kn_reference_repository_name (&r);
      kn_cleanup_free char *line = kn_xasprintf ("%s@%s", name, m->digest);
      kn_log (KN_LOG_INFO, "Pushed %s", line);
      kn_strv_push (pushed, line);
      kn_reference_clear (&r);
    }
  return 0;
}
