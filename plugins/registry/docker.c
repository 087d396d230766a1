/* The "docker" registry plugin: OCI distribution v2 over libcurl.  This file
 * holds the vtable, open/close and the plugin descriptor; the transfers are
 * in download.c and upload.c, HTTP in http.c, authentication in auth.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/util.h>

#include "plugins/registry/auth.h"
#include "plugins/registry/docker.h"
#include "plugins/registry/http.h"

static const char *
docker_option (const struct kn_plugin_config *cfg, const char *key)
{
  if (cfg == NULL)
    return NULL;
  return kn_plugin_config_get (cfg, key);
}

/* Parse "123", "64k", "32M", "1G" into *out. */
static int
parse_size (const char *key, const char *s, uint64_t *out, struct kn_error **err)
{
  char *end;
  unsigned long long v = strtoull (s, &end, 10);
  if (end == s)
    return kn_error_make (err, KN_EINVAL, 0, "docker: option %s=\"%s\": not a size", key, s);
  switch (*end)
    {
    case 'k':
    case 'K':
      v <<= 10;
      end++;
      break;
    case 'm':
    case 'M':
      v <<= 20;
      end++;
      break;
    case 'g':
    case 'G':
      v <<= 30;
      end++;
      break;
    default:
      break;
    }
  if (*end == 'i' || *end == 'B')
    end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
  if (*end != '\0' || v == 0)
    return kn_error_make (err, KN_EINVAL, 0, "docker: option %s=\"%s\": not a size", key, s);
  *out = v;
  return 0;
}

/* The API host for a registry name (Docker Hub's registry lives elsewhere). */
static const char *
api_host (const char *location)
{
  if (strcmp (location, "docker.io") == 0 || strcmp (location, "index.docker.io") == 0)
    return "registry-1.docker.io";
  return location;
}

/* The name credentials are asked for. */
static const char *
cred_host (const char *location)
{
  if (strcmp (location, "docker.io") == 0 || strcmp (location, "registry-1.docker.io") == 0)
    return "index.docker.io";
  return location;
}

static int
docker_open (struct kn_repo **out, const struct kn_repo_params *p, struct kn_error **err)
{
  struct kn_docker_repo *r;
  const char *v;
  int ret;

  if (p == NULL || p->size < sizeof (struct kn_repo_params))
    return kn_error_make (err, KN_EABI, 0, "docker: repository parameters too old");
  if (p->location == NULL || p->location[0] == '\0' || strchr (p->location, '/'))
    return kn_error_make (err, KN_EINVAL, 0, "docker: invalid registry \"%s\"", p->location ? p->location : "");
  if (p->repository == NULL || p->repository[0] == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "docker: %s: empty repository name", p->location);

  {
    const char *files[][2] = { { "registry certificate", p->ca_file },
                               { "client certificate", p->client_cert },
                               { "client key", p->client_key } };
    for (size_t i = 0; i < 3; i++)
      if (files[i][1] && access (files[i][1], R_OK) < 0)
        return kn_error_make (err, KN_EINVAL, errno, "docker: %s: %s %s", p->location, files[i][0], files[i][1]);
    if ((p->client_cert == NULL) != (p->client_key == NULL))
      return kn_error_make (err, KN_EINVAL, 0, "docker: %s: a client certificate needs its key and vice versa",
                            p->location);
  }

  r = kn_xcalloc (1, sizeof *r);
  r->base.registry = &kn_docker_registry;
  r->repository = kn_xstrdup (p->repository);
  r->for_push = p->for_push;
  r->scope = kn_docker_scope (p->repository, p->for_push);
  r->chunk_threshold = KN_DOCKER_DEFAULT_CHUNK_THRESHOLD;
  r->chunk_size = KN_DOCKER_DEFAULT_CHUNK_SIZE;
  r->http = kn_docker_http_new (api_host (p->location));
  r->http->insecure = p->insecure;
  r->http->skip_tls_verify = p->skip_tls_verify;
  r->http->ca_file = kn_xstrdup (p->ca_file);
  r->http->client_cert = kn_xstrdup (p->client_cert);
  r->http->client_key = kn_xstrdup (p->client_key);
  r->http->retries = p->retries;
  r->http->cancel = p->cancel;
  r->http->auth = kn_docker_auth_new (cred_host (p->location), p->get_credential, p->credential_payload,
                                      kn_docker_http_tokens (r->http));

  if ((v = docker_option (p->config, "chunk-threshold")) != NULL
      && (ret = parse_size ("chunk-threshold", v, &r->chunk_threshold, err)) < 0)
    goto fail;
  if ((v = docker_option (p->config, "chunk-size")) != NULL
      && (ret = parse_size ("chunk-size", v, &r->chunk_size, err)) < 0)
    goto fail;
  *out = &r->base;
  return 0;
fail:
  kn_docker_registry.close (&r->base);
  return ret;
}

static void
docker_close (struct kn_repo *base)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  if (r == NULL)
    return;
  kn_log (KN_LOG_DEBUG, "docker: %s/%s: %lu HTTP requests", r->http->host, r->repository, r->http->n_requests);
  kn_docker_http_free (r->http);
  free (r->repository);
  free (r->scope);
  free (r);
}

int
kn_docker_auth_error (struct kn_docker_repo *r, const struct kn_docker_resp *resp, const char *what,
                      struct kn_error **err)
{
  int used = kn_docker_auth_used_credentials (r->http->auth);
  if (resp->status == 401)
    return kn_error_make (err, KN_EAUTH, 0, "%s: unauthorized: %s", what,
                          used ? "the registry refused the credentials"
                               : "authentication required (no credentials found)");
  if (resp->status == 403)
    return kn_error_make (err, KN_EPERM, 0, "%s: denied (HTTP 403)%s", what, used ? "" : " (no credentials found)");
  return kn_docker_http_error (resp, what, err);
}

void
kn_docker_repo_set_chunking (struct kn_repo *base, uint64_t threshold, uint64_t chunk_size)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  r->chunk_threshold = threshold;
  r->chunk_size = chunk_size ? chunk_size : KN_DOCKER_DEFAULT_CHUNK_SIZE;
}

unsigned long
kn_docker_repo_requests (struct kn_repo *base)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  return __atomic_load_n (&r->http->n_requests, __ATOMIC_RELAXED);
}

void
kn_docker_repo_set_backoff (struct kn_repo *base, unsigned ms)
{
  struct kn_docker_repo *r = (struct kn_docker_repo *)base;
  r->http->backoff_ms = ms;
}

static const char *const docker_transports[] = { "docker", NULL };

const struct kn_registry kn_docker_registry = {
  .version = KN_REGISTRY_VERSION,
  .name = "docker",
  .transports = docker_transports,
  .open = docker_open,
  .check_push = kn_docker_check_push,
  .get_manifest = kn_docker_get_manifest,
  .put_manifest = kn_docker_put_manifest,
  .stat_blob = kn_docker_stat_blob,
  .get_blob = kn_docker_get_blob,
  .put_blob = kn_docker_put_blob,
  .close = docker_close,
};

KN_PLUGIN_DEFINE (docker, "docker", PACKAGE_VERSION, "OCI distribution v2 registries over libcurl", NULL,
                  kn_docker_http_cleanup,
                  KN_FEATURE (KN_KIND_REGISTRY, &kn_docker_registry));
