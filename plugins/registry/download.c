/* docker registry plugin: manifest and blob downloads (verified, resumable). */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/util/digest.h"
#include "plugins/registry/docker.h"
#include "plugins/registry/http.h"

/* What we accept when the caller has no preference: without an Accept list
 * docker-registry 2.8 answers 404 for OCI manifests and rewrites Docker
 * schema 2 into schema 1. */
static const char *const default_accept[] = {
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  NULL,
};

static int
is_digest (const char *reference)
{
  return strchr (reference, ':') != NULL;
}

/* The media type of a manifest: Content-Type, else the document's own. */
static char *
manifest_media_type (const char *content_type, const char *body, size_t len)
{
  struct json_object *doc, *v;
  char *mt = NULL;

  if (content_type && content_type[0])
    {
      size_t n = strcspn (content_type, "; \t");
      if (!(n == 16 && strncmp (content_type, "application/json", n) == 0)
          && !(n == 10 && strncmp (content_type, "text/plain", n) == 0)
          && !(n == 24 && strncmp (content_type, "application/octet-stream", n) == 0))
        return kn_xstrndup (content_type, n);
    }
  doc = json_tokener_parse (body ? body : "");
  (void)len;
  if (doc && json_object_object_get_ex (doc, "mediaType", &v) && json_object_get_string_len (v))
    mt = kn_xstrdup (json_object_get_string (v));
  else if (doc && json_object_object_get_ex (doc, "schemaVersion", &v) && json_object_get_int (v) == 1)
    mt = kn_xstrdup ("application/vnd.docker.distribution.manifest.v1+json");
  else if (doc && json_object_object_get_ex (doc, "manifests", &v))
    mt = kn_xstrdup ("application/vnd.oci.image.index.v1+json");
  else
    mt = kn_xstrdup ("application/vnd.oci.image.manifest.v1+json");
  json_object_put (doc);
  return mt;
}

int
kn_docker_get_manifest (struct kn_repo *base, const char *reference, const char *const *accept, struct kn_writer *sink,
                        char **media_type, char **digest, struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  struct kn_docker_resp resp = { 0 };
  kn_cleanup_free char *url = NULL;
  kn_cleanup_free char *accept_hdr = NULL;
  kn_cleanup_free char *what
      = kn_xasprintf ("manifest %s/%s%s%s", r->http->host, r->repository, is_digest (reference) ? "@" : ":", reference);
  const char *hdrs[2] = { NULL, NULL };
  char computed[KN_DIGEST_STR_LEN];
  int ret;

  if (is_digest (reference) && (ret = kn_digest_validate (reference, err)) < 0)
    return kn_error_wrap (err, "%s", what);
  if (accept == NULL || accept[0] == NULL)
    accept = default_accept;
  accept_hdr = kn_xstrdup ("Accept: ");
  for (size_t i = 0; accept[i]; i++)
    {
      char *n = kn_xasprintf ("%s%s%s", accept_hdr, i ? ", " : "", accept[i]);
      free (accept_hdr);
      accept_hdr = n;
    }
  hdrs[0] = accept_hdr;
  url = kn_xasprintf ("/v2/%s/manifests/%s", r->repository, reference);
  struct kn_docker_req rq = { .method = "GET", .url = url, .scope = r->scope, .headers = hdrs, .follow_redirects = 1 };
  ret = kn_docker_http_do (r->http, &rq, &resp, err);
  if (ret < 0)
    return kn_error_wrap (err, "GET %s", what);
  if (resp.status == 404)
    ret = kn_error_make (err, KN_ENOTFOUND, 0, "%s: not found", what);
  else if (resp.status == 401 || resp.status == 403)
    ret = kn_docker_auth_error (r, &resp, what, err);
  else if (resp.status != 200)
    ret = kn_docker_http_error (&resp, what, err);
  if (ret < 0)
    goto out;

  kn_digest_buffer (resp.body ? resp.body : "", resp.body_len, computed);
  if (is_digest (reference) && strcmp (computed, reference) != 0)
    {
      ret = kn_error_make (err, KN_EDIGEST, 0, "%s: content has digest %s", what, computed);
      goto out;
    }
  if (is_digest (reference) && resp.docker_digest && strcmp (resp.docker_digest, reference) != 0)
    {
      ret = kn_error_make (err, KN_EDIGEST, 0, "%s: Docker-Content-Digest is %s", what, resp.docker_digest);
      goto out;
    }
  if (!is_digest (reference) && resp.docker_digest && strcmp (resp.docker_digest, computed) != 0)
    kn_log (KN_LOG_WARN, "docker: %s: Docker-Content-Digest %s differs from the content's %s", what, resp.docker_digest,
            computed);
  if (sink && (ret = kn_writer_write (sink, resp.body ? resp.body : "", resp.body_len, err)) < 0)
    {
      kn_error_wrap (err, "%s", what);
      goto out;
    }
  if (media_type)
    *media_type = manifest_media_type (resp.content_type, resp.body, resp.body_len);
  if (digest)
    *digest = kn_xstrdup (computed);
  ret = 0;
out:
  kn_docker_resp_clear (&resp);
  return ret;
}

int
kn_docker_stat_blob (struct kn_repo *base, const char *digest, uint64_t *size, struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  struct kn_docker_resp resp = { 0 };
  kn_cleanup_free char *url = NULL;
  kn_cleanup_free char *what = kn_xasprintf ("blob %s/%s@%s", r->http->host, r->repository, digest);
  int ret;

  if ((ret = kn_digest_validate (digest, err)) < 0)
    return kn_error_wrap (err, "%s", what);
  url = kn_xasprintf ("/v2/%s/blobs/%s", r->repository, digest);
  struct kn_docker_req rq = { .method = "HEAD", .url = url, .scope = r->scope, .follow_redirects = 1 };
  ret = kn_docker_http_do (r->http, &rq, &resp, err);
  if (ret < 0)
    return kn_error_wrap (err, "HEAD %s", what);
  if (resp.status == 200)
    {
      if (size)
        *size = resp.content_length >= 0 ? (uint64_t)resp.content_length : 0;
      ret = 0;
    }
  else if (resp.status == 404)
    ret = -KN_ENOTFOUND;
  else if (resp.status == 401 || resp.status == 403)
    ret = kn_docker_auth_error (r, &resp, what, err);
  else
    ret = kn_docker_http_error (&resp, what, err);
  kn_docker_resp_clear (&resp);
  return ret;
}

int
kn_docker_get_blob (struct kn_repo *base, const char *digest, uint64_t offset, struct kn_writer *sink,
                    struct kn_error **err)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  kn_cleanup_free char *url = NULL;
  kn_cleanup_free char *what = kn_xasprintf ("blob %s/%s@%s", r->http->host, r->repository, digest);
  struct kn_writer *dw = NULL;
  uint64_t got = 0;
  unsigned resumes = 0;
  int ret;

  if ((ret = kn_digest_validate (digest, err)) < 0)
    return kn_error_wrap (err, "%s", what);
  url = kn_xasprintf ("/v2/%s/blobs/%s", r->repository, digest);
  if (offset == 0)
    dw = kn_digest_writer_new (sink);
  for (;;)
    {
      struct kn_docker_resp resp = { 0 };
      struct kn_error *e = NULL;
      kn_cleanup_free char *range = NULL;
      const char *hdrs[2] = { NULL, NULL };
      struct kn_docker_req rq = {
        .method = "GET", .url = url, .scope = r->scope, .headers = hdrs, .sink = dw ? dw : sink, .follow_redirects = 1
      };
      if (offset + got > 0)
        {
          range = kn_xasprintf ("Range: bytes=%llu-", (unsigned long long)(offset + got));
          hdrs[0] = range;
          rq.sink_skip = offset + got;
        }
      ret = kn_docker_http_do (r->http, &rq, &resp, &e);
      got += resp.sink_bytes;
      if (ret < 0 && resp.transient && resp.sink_bytes > 0 && resumes < r->http->retries + 3)
        {
          /* The connection dropped after some data: resume from where it stopped. */
          kn_log (KN_LOG_WARN, "docker: %s: %s; resuming at byte %llu", what, e->msg,
                  (unsigned long long)(offset + got));
          kn_error_free (e);
          kn_docker_resp_clear (&resp);
          resumes++;
          continue;
        }
      if (ret < 0)
        {
          if (err && *err == NULL)
            *err = e;
          else
            kn_error_free (e);
          kn_error_wrap (err, "GET %s", what);
        }
      else if (resp.status == 404)
        ret = kn_error_make (err, KN_ENOTFOUND, 0, "%s: not found", what);
      else if (resp.status == 416 && offset > 0)
        ret = kn_error_make (err, KN_EINVAL, 0, "%s: offset %llu is past the end", what, (unsigned long long)offset);
      else if (resp.status == 401 || resp.status == 403)
        ret = kn_docker_auth_error (r, &resp, what, err);
      else if (resp.status != 200 && resp.status != 206)
        ret = kn_docker_http_error (&resp, what, err);
      kn_docker_resp_clear (&resp);
      break;
    }
  if (ret == 0 && dw)
    {
      char computed[KN_DIGEST_STR_LEN];
      uint64_t n = 0;
      kn_digest_writer_result (dw, computed, &n);
      if (strcmp (computed, digest) != 0)
        ret = kn_error_make (err, KN_EDIGEST, 0, "%s: content has digest %s (%llu bytes)", what, computed,
                             (unsigned long long)n);
    }
  kn_writer_free (dw);
  return ret;
}
