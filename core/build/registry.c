#include "config.h"

#include <string.h>
#include <strings.h>

#include <kaniko/log.h>
#include <kaniko/sys/credential.h>
#include <kaniko/sys/util.h>

#include "core/build/registry.h"

static int
in_list (const struct kn_build_strv *l, const char *host)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcasecmp (l->v[i], host) == 0)
      return 1;
  return 0;
}

static const char *
map_get (const struct kn_build_map *m, const char *key)
{
  const char *v = NULL;
  for (size_t i = 0; i < m->n; i++)
    if (strcasecmp (m->v[i].key, key) == 0)
      v = m->v[i].value;
  return v;
}

static int
get_credential (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  const struct kn_breg *b = payload;
  for (size_t i = 0;; i++)
    {
      const struct kn_credential_provider *p = kn_plugins_nth (b->plugins, KN_KIND_CREDENTIAL, i);
      if (p == NULL)
        return -KN_ENOTFOUND;
      const struct kn_plugin_info *owner = kn_plugins_owner (b->plugins, p);
      int ret = p->get (host, owner ? owner->config : NULL, out, err);
      if (ret == -KN_ENOTFOUND)
        {
          kn_credential_clear (out);
          continue;
        }
      if (ret < 0)
        return kn_error_wrap (err, "credentials for %s (%s)", host, p->name);
      kn_log (KN_LOG_DEBUG, "Credentials for %s from %s", host, p->name);
      return 0;
    }
}

int
kn_breg_open (const struct kn_breg *b, const char *location, const char *repository, int for_push,
              struct kn_repo **out, struct kn_error **err)
{
  const struct kn_build_options *o = b->o;
  const struct kn_registry *reg = NULL;
  int ret = kn_plugins_find_registry (b->plugins, "docker", &reg, err);
  if (ret < 0)
    return ret;
  struct kn_repo_params p = { 0 };
  p.size = sizeof p;
  p.location = location;
  p.repository = repository;
  p.for_push = for_push;
  p.insecure = (for_push ? o->insecure : o->insecure_pull) || in_list (&o->insecure_registries, location);
  p.skip_tls_verify = (for_push ? o->skip_tls_verify : o->skip_tls_verify_pull)
                      || in_list (&o->skip_tls_verify_registries, location);
  p.ca_file = map_get (&o->registry_certificates, location);
  kn_cleanup_free char *cert = NULL;
  const char *cc = map_get (&o->registry_client_certs, location);
  if (cc)
    {
      cert = kn_xstrdup (cc);
      char *comma = strchr (cert, ',');
      if (comma == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "--registry-client-cert %s=%s: want CERT,KEY", location, cc);
      *comma = '\0';
      p.client_cert = cert;
      p.client_key = comma + 1;
    }
  p.retries = (unsigned) (for_push ? (o->push_retry > 0 ? o->push_retry : 0)
                                   : (o->image_download_retry > 0 ? o->image_download_retry : 0));
  p.get_credential = get_credential;
  p.credential_payload = (void *) b;
  p.cancel = b->cancel;
  const struct kn_plugin_info *owner = kn_plugins_owner (b->plugins, reg);
  p.config = owner ? owner->config : NULL;
  ret = reg->open (out, &p, err);
  if (ret < 0)
    return kn_error_wrap (err, "%s/%s", location, repository);
  return 0;
}

static void
push_candidate (struct kn_pull_candidate **v, size_t *n, const char *target, const char *path, int mirror)
{
  /* TARGET is "host[:port][/prefix]". */
  const char *slash = strchr (target, '/');
  *v = kn_xrealloc (*v, (*n + 1) * sizeof **v);
  struct kn_pull_candidate *c = &(*v)[(*n)++];
  c->location = slash ? kn_xstrndup (target, (size_t) (slash - target)) : kn_xstrdup (target);
  c->repository = slash && slash[1] ? kn_xasprintf ("%s/%s", slash + 1, path) : kn_xstrdup (path);
  c->mirror = mirror;
}

struct kn_pull_candidate *
kn_breg_candidates (const struct kn_breg *b, const struct kn_reference *ref, size_t *n)
{
  const struct kn_build_options *o = b->o;
  struct kn_pull_candidate *v = NULL;
  *n = 0;
  const char *domain = ref->domain;
  int hub = strcmp (domain, KN_REF_DEFAULT_DOMAIN) == 0 || strcmp (domain, KN_REF_LEGACY_DOMAIN) == 0;
  /* One --registry-map entry is one mirror: the CLI splits "a=m1;a=m2" (flag,
   * KANIKO_REGISTRY_MAP or --config) into entries. */
  for (size_t i = 0; i < o->registry_maps.n; i++)
    {
      const char *k = o->registry_maps.v[i].key;
      if (strcasecmp (k, domain) == 0
          || (hub && (strcmp (k, KN_REF_DEFAULT_DOMAIN) == 0 || strcmp (k, KN_REF_LEGACY_DOMAIN) == 0)))
        push_candidate (&v, n, o->registry_maps.v[i].value, ref->path, 1);
    }
  if (hub)
    for (size_t i = 0; i < o->registry_mirrors.n; i++)
      push_candidate (&v, n, o->registry_mirrors.v[i], ref->path, 1);
  if (*n == 0 || !o->skip_default_registry_fallback)
    push_candidate (&v, n, domain, ref->path, 0);
  return v;
}

void
kn_breg_candidates_free (struct kn_pull_candidate *c, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (c[i].location);
      free (c[i].repository);
    }
  free (c);
}
