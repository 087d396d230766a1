/* The "docker-config" credential provider: Docker's config.json as kaniko
 * reads it ($DOCKER_CONFIG, ~/.docker, /kaniko/.docker): credHelpers, auths
 * (auth, username/password, identitytoken, registrytoken) and credsStore. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/credential.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/util.h>

#include "plugins/credential/docker-config.h"


char *
kn_dockercfg_key_host (const char *key)
{
  const char *p = key;
  size_t n;
  if (strncasecmp (p, "https://", 8) == 0)
    p += 8;
  else if (strncasecmp (p, "http://", 7) == 0)
    p += 7;
  n = strcspn (p, "/");
  char *h = kn_xstrndup (p, n);
  for (char *c = h; *c; c++)
    *c = (char)tolower ((unsigned char)*c);
  return h;
}

int
kn_dockercfg_is_hub (const char *host)
{
  return strcasecmp (host, "index.docker.io") == 0 || strcasecmp (host, "registry-1.docker.io") == 0
         || strcasecmp (host, "docker.io") == 0;
}

static int
file_exists (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

char *
kn_dockercfg_path (const char *dir)
{
  const char *env = getenv ("DOCKER_CONFIG");
  const char *home = getenv ("HOME");
  char *p;

  if (dir && dir[0])
    return kn_xasprintf ("%s/config.json", dir);
  if (env && env[0])
    {
      p = kn_xasprintf ("%s/config.json", env);
      if (file_exists (p))
        return p;
      free (p);
    }
  if (home && home[0])
    {
      p = kn_xasprintf ("%s/.docker/config.json", home);
      if (file_exists (p))
        return p;
      free (p);
    }
  p = kn_xstrdup ("/kaniko/.docker/config.json");
  if (file_exists (p))
    return p;
  free (p);
  return NULL;
}

/* True when config key KEY is meant for HOST. */
static int
key_matches (const char *key, const char *host)
{
  kn_cleanup_free char *kh = kn_dockercfg_key_host (key);
  if (strcasecmp (kh, host) == 0)
    return 1;
  return kn_dockercfg_is_hub (kh) && kn_dockercfg_is_hub (host);
}

/* The member of object OBJ whose key is meant for HOST (exact key first). */
static struct json_object *
find_entry (struct json_object *obj, const char *host)
{
  struct json_object *v = NULL;
  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    return NULL;
  if (kn_dockercfg_is_hub (host) && json_object_object_get_ex (obj, KN_DOCKERCFG_HUB_KEY, &v))
    return v;
  if (json_object_object_get_ex (obj, host, &v))
    return v;
  json_object_object_foreach (obj, key, val)
  {
    if (key_matches (key, host))
      return val;
  }
  return NULL;
}

static const char *
get_str (struct json_object *o, const char *key)
{
  struct json_object *v;
  if (!json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  return json_object_get_string_len (v) ? json_object_get_string (v) : NULL;
}

/* Fill OUT from an auths entry.  Returns 0, -KN_ENOTFOUND (empty entry) or < 0. */
static int
from_auth_entry (struct json_object *e, const char *path, const char *host, struct kn_credential *out,
                 struct kn_error **err)
{
  const char *auth = get_str (e, "auth");
  memset (out, 0, sizeof *out);
  if (!json_object_is_type (e, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "%s: auths entry for %s is not an object", path, host);
  if (auth)
    {
      gnutls_datum_t in = { (unsigned char *)auth, (unsigned)strlen (auth) }, dec = { NULL, 0 };
      char *colon;
      kn_cleanup_free char *pair = NULL;
      if (gnutls_base64_decode2 (&in, &dec) < 0)
        return kn_error_make (err, KN_EINVAL, 0, "%s: auths entry for %s: \"auth\" is not base64", path, host);
      pair = kn_xstrndup ((const char *)dec.data, dec.size);
      gnutls_memset (dec.data, 0, dec.size);
      gnutls_free (dec.data);
      colon = strchr (pair, ':');
      if (colon == NULL)
        {
          explicit_bzero (pair, strlen (pair));
          return kn_error_make (err, KN_EINVAL, 0, "%s: auths entry for %s: \"auth\" is not user:password", path, host);
        }
      *colon = '\0';
      out->username = kn_xstrdup (pair);
      out->password = kn_xstrdup (colon + 1);
      explicit_bzero (colon + 1, strlen (colon + 1));
    }
  else
    {
      out->username = kn_xstrdup (get_str (e, "username"));
      out->password = kn_xstrdup (get_str (e, "password"));
    }
  out->identity_token = kn_xstrdup (get_str (e, "identitytoken"));
  out->registry_token = kn_xstrdup (get_str (e, "registrytoken"));
  if (out->identity_token
      && (out->password == NULL || out->password[0] == '\0'
          || (out->username && strcmp (out->username, "<token>") == 0)))
    {
      /* docker login with an identity token stores the user as "<token>". */
      kn_credential_clear (&(struct kn_credential){ .username = out->username, .password = out->password });
      out->username = NULL;
      out->password = NULL;
    }
  if (out->username == NULL && out->password == NULL && out->identity_token == NULL && out->registry_token == NULL)
    return -KN_ENOTFOUND;
  return 0;
}

static int
run_helper (const char *helper, const char *host, struct kn_credential *out, struct kn_error **err)
{
  const char *url = kn_dockercfg_is_hub (host) ? KN_DOCKERCFG_HUB_KEY : host;
  return kn_dockercfg_helper_get (helper, url, out, err);
}

int
kn_dockercfg_lookup (const char *path, const char *host, struct kn_credential *out, struct kn_error **err)
{
  struct json_object *doc, *helpers = NULL, *auths = NULL, *e;
  const char *store = NULL;
  int ret = -KN_ENOTFOUND;

  memset (out, 0, sizeof *out);
  errno = 0;
  doc = json_object_from_file (path);
  if (doc == NULL)
    {
      if (!file_exists (path))
        return -KN_ENOTFOUND;
      return kn_error_make (err, KN_EINVAL, 0, "%s: not valid JSON: %s", path, json_util_get_last_err ());
    }
  if (!json_object_is_type (doc, json_type_object))
    {
      json_object_put (doc);
      return kn_error_make (err, KN_EINVAL, 0, "%s: not a JSON object", path);
    }
  json_object_object_get_ex (doc, "credHelpers", &helpers);
  json_object_object_get_ex (doc, "auths", &auths);
  store = get_str (doc, "credsStore");

  /* 1. a per-registry helper */
  e = find_entry (helpers, host);
  if (e && json_object_is_type (e, json_type_string) && json_object_get_string_len (e))
    {
      ret = run_helper (json_object_get_string (e), host, out, err);
      if (ret != -KN_ENOTFOUND)
        goto out;
    }
  /* 2. inline credentials */
  e = find_entry (auths, host);
  if (e)
    {
      ret = from_auth_entry (e, path, host, out, err);
      if (ret != -KN_ENOTFOUND)
        goto out;
      kn_credential_clear (out);
    }
  /* 3. the default store */
  if (store)
    ret = run_helper (store, host, out, err);
out:
  if (ret < 0)
    kn_credential_clear (out);
  json_object_put (doc);
  return ret;
}

static int
dockercfg_get (const char *host, const struct kn_plugin_config *config, struct kn_credential *out,
               struct kn_error **err)
{
  const char *dir = config ? kn_plugin_config_get (config, "config") : NULL;
  kn_cleanup_free char *path = kn_dockercfg_path (dir);
  int ret;

  memset (out, 0, sizeof *out);
  if (path == NULL)
    return -KN_ENOTFOUND;
  ret = kn_dockercfg_lookup (path, host, out, err);
  if (ret < 0 && ret != -KN_ENOTFOUND)
    return kn_error_wrap (err, "docker-config: %s", host);
  return ret;
}

static const struct kn_credential_provider dockercfg_provider = {
  .version = KN_CREDENTIAL_VERSION,
  .name = "docker-config",
  .get = dockercfg_get,
};

KN_PLUGIN_DEFINE (docker_config, "docker-config", PACKAGE_VERSION,
                  "Docker config.json credentials (auths, credHelpers, credsStore)", NULL, NULL,
                  KN_FEATURE (KN_KIND_CREDENTIAL, &dockercfg_provider));
