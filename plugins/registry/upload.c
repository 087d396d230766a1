/* docker registry plugin: blob uploads (mount, monolithic, chunked),
 * manifest PUT and the push-permission check. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/util/digest.h"
#include "plugins/registry/auth.h"
#include "plugins/registry/docker.h"
#include "plugins/registry/http.h"

/* Map an upload failure, recognising the registry's digest complaint. */
static int
upload_error (struct kn_docker_repo *r, const struct kn_docker_resp *resp, const char *what, struct kn_error **err)
{
  if (resp->status == 400 && resp->body && strstr (resp->body, "DIGEST_INVALID"))
    return kn_error_make (err, KN_EDIGEST, 0, "%s: the registry computed another digest (DIGEST_INVALID)", what);
  if (resp->status == 401 || resp->status == 403)
    return kn_docker_auth_error (r, resp, what, err);
  return kn_docker_http_error (resp, what, err);
}

/* POST an upload start (optionally a mount).  Returns 1 when the blob was
 * mounted (201), 0 with *location (new) for an upload session, or < 0. */
static int
start_upload (struct kn_docker_repo *r, const char *query, const char *scope, char **location, const char *what,
              struct kn_error **err)
{
  struct kn_docker_resp resp = { 0 };
  kn_cleanup_free char *url = kn_xasprintf ("/v2/%s/blobs/uploads/%s", r->repository, query ? query : "");
  struct kn_docker_req rq = { .method = "POST", .url = url, .scope = scope };
  int ret = kn_docker_http_do (r->http, &rq, &resp, err);

  if (ret < 0)
    return kn_error_wrap (err, "%s: start upload", what);
  if (resp.status == 201 && query)
    ret = 1;
  else if (resp.status == 202 && resp.location)
    {
      *location = kn_docker_http_resolve (r->http, resp.location);
      ret = 0;
    }
  else if (resp.status == 202)
    ret = kn_error_make (err, KN_EPROTO, 0, "%s: start upload: 202 without Location", what);
  else
    {
      kn_cleanup_free char *w = kn_xasprintf ("%s: start upload", what);
      ret = upload_error (r, &resp, w, err);
    }
  kn_docker_resp_clear (&resp);
  return ret;
}

/* LOCATION with QUERY appended ("&digest=..." or "?digest=..."). */
static char *
with_query (const char *location, const char *key, const char *value)
{
  return kn_xasprintf ("%s%s%s=%s", location, strchr (location, '?') ? "&" : "?", key, value);
}

/* 1 when RESP says the upload session is gone or no longer matches what the
 * registry holds (a registry restarted mid-chunk answers 404
 * BLOB_UPLOAD_INVALID: "upload resumed at wrong offset"). */
static int
session_lost (const struct kn_docker_resp *resp)
{
  return resp->status == 404 && resp->body
         && (strstr (resp->body, "BLOB_UPLOAD_INVALID") || strstr (resp->body, "BLOB_UPLOAD_UNKNOWN"));
}

/* Open a new upload session in place of a lost one: *location replaced, *off = 0.
 * Returns 0, or < 0 (restarts exhausted or the POST failed). */
static int
restart_upload (struct kn_docker_repo *r, char **location, uint64_t *off, unsigned *restarts, const char *what,
                struct kn_error **err)
{
  kn_cleanup_free char *fresh = NULL;
  int ret;

  if ((*restarts)++ >= 3)
    return kn_error_make (err, KN_EPROTO, 0, "%s: the upload session was lost %u times", what, *restarts);
  kn_log (KN_LOG_WARN, "docker: %s: the upload session was lost at byte %llu; starting over", what,
          (unsigned long long)*off);
  ret = start_upload (r, NULL, r->scope, &fresh, what, err);
  if (ret < 0)
    return ret;
  free (*location);
  *location = KN_STEAL (fresh);
  *off = 0;
  return 0;
}

static int
monolithic (struct kn_docker_repo *r, const struct kn_blob_source *src, const char *start_location, const char *what,
            struct kn_error **err)
{
  kn_cleanup_free char *location = kn_xstrdup (start_location);
  unsigned restarts = 0;
  uint64_t off = 0;
  struct kn_docker_resp resp = { 0 };
  static const char *const hdrs[] = { "Content-Type: application/octet-stream", NULL };
  int ret;

  for (;;)
    {
      kn_cleanup_free char *url = with_query (location, "digest", src->digest);
      struct kn_docker_req rq = { .method = "PUT",
                                  .url = url,
                                  .scope = r->scope,
                                  .headers = hdrs,
                                  .body = src,
                                  .body_offset = 0,
                                  .body_len = src->size };
      ret = kn_docker_http_do (r->http, &rq, &resp, err);
      if (ret < 0)
        return kn_error_wrap (err, "%s: PUT", what);
      if (!session_lost (&resp))
        break;
      /* A retried PUT after a registry restart: the blob may have landed. */
      uint64_t size = 0;
      kn_docker_resp_clear (&resp);
      if (kn_docker_stat_blob (&r->base, src->digest, &size, NULL) == 0 && size == src->size)
        return 0;
      if ((ret = restart_upload (r, &location, &off, &restarts, what, err)) < 0)
        return ret;
    }
  if (resp.status != 201 && resp.status != 204 && resp.status != 200)
    ret = upload_error (r, &resp, what, err);
  kn_docker_resp_clear (&resp);
  return ret;
}

/* GET the upload session's status: *have = bytes the registry holds, and
 * the session's new location.  Returns 0, 1 when the session is lost (see
 * session_lost; no error set), or < 0. */
static int
upload_status (struct kn_docker_repo *r, char **location, uint64_t *have, const char *what, struct kn_error **err)
{
  struct kn_docker_resp resp = { 0 };
  struct kn_docker_req rq = { .method = "GET", .url = *location, .scope = r->scope };
  int ret = kn_docker_http_do (r->http, &rq, &resp, err);
  if (ret < 0)
    return kn_error_wrap (err, "%s: upload status", what);
  if (session_lost (&resp))
    {
      kn_docker_resp_clear (&resp);
      return 1;
    }
  if (resp.status != 204 && resp.status != 202)
    {
      ret = upload_error (r, &resp, what, err);
      kn_docker_resp_clear (&resp);
      return ret;
    }
  /* "Range: 0-<last>" (bytes held = last + 1), or "0-0" for an empty session. */
  *have = 0;
  if (resp.range)
    {
      const char *dash = strchr (resp.range, '-');
      unsigned long long last = dash ? strtoull (dash + 1, NULL, 10) : 0;
      *have = last ? last + 1 : 0;
    }
  if (resp.location)
    {
      free (*location);
      *location = kn_docker_http_resolve (r->http, resp.location);
    }
  kn_docker_resp_clear (&resp);
  return 0;
}

static int
chunked (struct kn_docker_repo *r, const struct kn_blob_source *src, const char *start_location, const char *what,
         struct kn_error **err)
{
  kn_cleanup_free char *location = kn_xstrdup (start_location);
  uint64_t off = 0;
  unsigned resyncs = 0;
  unsigned restarts = 0;
  int ret;

again:
  while (off < src->size)
    {
      struct kn_docker_resp resp = { 0 };
      uint64_t len = src->size - off < r->chunk_size ? src->size - off : r->chunk_size;
      kn_cleanup_free char *crange
          = kn_xasprintf ("Content-Range: %llu-%llu", (unsigned long long)off, (unsigned long long)(off + len - 1));
      const char *hdrs[] = { "Content-Type: application/octet-stream", crange, NULL };
      struct kn_docker_req rq = { .method = "PATCH",
                                  .url = location,
                                  .scope = r->scope,
                                  .headers = hdrs,
                                  .body = src,
                                  .body_offset = off,
                                  .body_len = len };
      ret = kn_docker_http_do (r->http, &rq, &resp, err);
      if (ret < 0)
        return kn_error_wrap (err, "%s: PATCH bytes %llu-%llu", what, (unsigned long long)off,
                              (unsigned long long)(off + len - 1));
      if (resp.status == 416 && resyncs++ < 3)
        {
          /* The server has another offset (part of a chunk arrived before a
           * retry): ask where the session stands and continue from there. */
          uint64_t have = 0;
          kn_docker_resp_clear (&resp);
          ret = upload_status (r, &location, &have, what, err);
          if (ret < 0)
            return ret;
          if (ret == 1)
            {
              if ((ret = restart_upload (r, &location, &off, &restarts, what, err)) < 0)
                return ret;
              continue;
            }
          if (have > src->size)
            return kn_error_make (err, KN_EPROTO, 0, "%s: the registry has %llu bytes of %llu", what,
                                  (unsigned long long)have, (unsigned long long)src->size);
          off = have;
          continue;
        }
      if (session_lost (&resp))
        {
          kn_docker_resp_clear (&resp);
          if ((ret = restart_upload (r, &location, &off, &restarts, what, err)) < 0)
            return ret;
          continue;
        }
      if (resp.status != 202 && resp.status != 204)
        {
          ret = upload_error (r, &resp, what, err);
          kn_docker_resp_clear (&resp);
          return ret;
        }
      if (resp.location)
        {
          free (location);
          location = kn_docker_http_resolve (r->http, resp.location);
        }
      kn_docker_resp_clear (&resp);
      off += len;
      kn_log (KN_LOG_DEBUG, "docker: %s: %llu/%llu bytes sent", what, (unsigned long long)off,
              (unsigned long long)src->size);
    }
  {
    struct kn_docker_resp resp = { 0 };
    kn_cleanup_free char *url = with_query (location, "digest", src->digest);
    struct kn_docker_req rq = { .method = "PUT", .url = url, .scope = r->scope };
    ret = kn_docker_http_do (r->http, &rq, &resp, err);
    if (ret < 0)
      return kn_error_wrap (err, "%s: PUT (commit)", what);
    if (session_lost (&resp))
      {
        /* The commit may have landed before the connection dropped. */
        uint64_t size = 0;
        kn_docker_resp_clear (&resp);
        if (kn_docker_stat_blob (&r->base, src->digest, &size, NULL) == 0 && size == src->size)
          return 0;
        if ((ret = restart_upload (r, &location, &off, &restarts, what, err)) < 0)
          return ret;
        goto again;
      }
    if (resp.status != 201 && resp.status != 204 && resp.status != 200)
      ret = upload_error (r, &resp, what, err);
    kn_docker_resp_clear (&resp);
  }
  return ret;
}

int
kn_docker_put_blob (struct kn_repo *base, const struct kn_blob_source *src, const char *mount_from,
                    struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  kn_cleanup_free char *what = NULL;
  kn_cleanup_free char *location = NULL;
  uint64_t size = 0;
  int ret;

  if (src == NULL || src->digest == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "docker: put_blob without a digest");
  what = kn_xasprintf ("push blob %s/%s@%s", r->http->host, r->repository, src->digest);
  if ((ret = kn_digest_validate (src->digest, err)) < 0)
    return kn_error_wrap (err, "%s", what);

  ret = kn_docker_stat_blob (base, src->digest, &size, err);
  if (ret == 0)
    {
      kn_log (KN_LOG_DEBUG, "docker: %s: already present", what);
      return 0;
    }
  if (ret != -KN_ENOTFOUND)
    return ret;

  if (mount_from && mount_from[0] && strcmp (mount_from, r->repository) != 0)
    {
      kn_cleanup_free char *query = kn_xasprintf ("?mount=%s&from=%s", src->digest, mount_from);
      kn_cleanup_free char *scope = kn_xasprintf ("%s repository:%s:pull", r->scope, mount_from);
      struct kn_error *e = NULL;
      ret = start_upload (r, query, scope, &location, what, &e);
      if (ret == 1)
        {
          kn_log (KN_LOG_DEBUG, "docker: %s: mounted from %s", what, mount_from);
          return 0;
        }
      if (ret < 0)
        {
          /* No mount (no access to the source repository, say): upload instead. */
          kn_log (KN_LOG_DEBUG, "docker: %s: mount from %s failed: %s", what, mount_from, e->msg);
          kn_error_free (e);
        }
    }
  if (location == NULL && (ret = start_upload (r, NULL, r->scope, &location, what, err)) < 0)
    return ret;
  if (src->size > r->chunk_threshold)
    return chunked (r, src, location, what, err);
  return monolithic (r, src, location, what, err);
}

int
kn_docker_put_manifest (struct kn_repo *base, const char *reference, const char *media_type, const void *data,
                        size_t len, struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  struct kn_docker_resp resp = { 0 };
  struct kn_docker_mem body;
  kn_cleanup_free char *url = kn_xasprintf ("/v2/%s/manifests/%s", r->repository, reference);
  kn_cleanup_free char *ctype = kn_xasprintf ("Content-Type: %s", media_type);
  kn_cleanup_free char *what = kn_xasprintf ("push manifest %s/%s%s%s", r->http->host, r->repository,
                                             strchr (reference, ':') ? "@" : ":", reference);
  const char *hdrs[] = { ctype, NULL };
  int ret;

  if (strchr (reference, ':'))
    {
      char computed[KN_DIGEST_STR_LEN];
      if ((ret = kn_digest_validate (reference, err)) < 0)
        return kn_error_wrap (err, "%s", what);
      kn_digest_buffer (data, len, computed);
      if (strcmp (computed, reference) != 0)
        return kn_error_make (err, KN_EDIGEST, 0, "%s: content has digest %s", what, computed);
    }
  kn_docker_mem_source (&body, data, len);
  struct kn_docker_req rq
      = { .method = "PUT", .url = url, .scope = r->scope, .headers = hdrs, .body = &body.src, .body_len = len };
  ret = kn_docker_http_do (r->http, &rq, &resp, err);
  if (ret < 0)
    return kn_error_wrap (err, "%s", what);
  if (resp.status != 201 && resp.status != 200 && resp.status != 202 && resp.status != 204)
    ret = upload_error (r, &resp, what, err);
  kn_docker_resp_clear (&resp);
  return ret;
}

int
kn_docker_check_push (struct kn_repo *base, struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  kn_cleanup_free char *what = kn_xasprintf ("check push access to %s/%s", r->http->host, r->repository);
  kn_cleanup_free char *location = NULL;
  kn_cleanup_free char *scope = kn_docker_scope (r->repository, 1);
  struct kn_docker_resp resp = { 0 };
  int ret = start_upload (r, NULL, scope, &location, what, err);

  if (ret < 0)
    return ret;
  /* Cancel the session we opened; a registry without DELETE lets it expire. */
  struct kn_docker_req rq = { .method = "DELETE", .url = location, .scope = scope, .no_retry = 1 };
  struct kn_error *e = NULL;
  if (kn_docker_http_do (r->http, &rq, &resp, &e) < 0)
    {
      kn_log (KN_LOG_DEBUG, "docker: %s: cancel upload: %s", what, e->msg);
      kn_error_free (e);
    }
  kn_docker_resp_clear (&resp);
  return 0;
}
