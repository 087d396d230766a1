/* An out-of-tree kaniko plugin: a credential provider that answers for one
 * registry host with a user name and password given as plugin options:
 *
 *   kaniko build --plugin-dir $PWD \
 *     --plugin-opt static-creds.host=registry.example.com \
 *     --plugin-opt static-creds.username=ci \
 *     --plugin-opt static-creds.password-file=/run/secrets/registry ...
 *
 * Build it against an installed kaniko:
 *   cc -shared -fPIC $(pkg-config --cflags kaniko) static-creds.c \
 *      -o static-creds.so $(pkg-config --libs kaniko)
 */
#include <stdio.h>
#include <string.h>

#include <kaniko/sys/credential.h>
#include <kaniko/sys/util.h>

/* Read the first line of PATH into a new string, or NULL. */
static char *
read_secret (const char *path)
{
  kn_cleanup_fclose FILE *f = fopen (path, "re");
  char buf[4096];
  if (f == NULL || fgets (buf, sizeof buf, f) == NULL)
    return NULL;
  buf[strcspn (buf, "\r\n")] = '\0';
  return kn_xstrdup (buf);
}

static int
static_get (const char *host, const struct kn_plugin_config *cfg, struct kn_credential *out, struct kn_error **err)
{
  const char *want = kn_plugin_config_get (cfg, "host");
  const char *user = kn_plugin_config_get (cfg, "username");
  const char *file = kn_plugin_config_get (cfg, "password-file");
  if (want == NULL || strcmp (want, host) != 0 || user == NULL || file == NULL)
    return -KN_ENOTFOUND; /* not ours: the next provider is asked */
  char *secret = read_secret (file);
  if (secret == NULL)
    return kn_error_make (err, KN_EAUTH, 0, "static-creds: cannot read the password file for %s", host);
  out->username = kn_xstrdup (user);
  out->password = secret;
  return 0;
}

static const struct kn_credential_provider static_provider = {
  .version = KN_CREDENTIAL_VERSION,
  .name = "static-creds",
  .get = static_get,
};

KN_PLUGIN_DEFINE (static_creds, "static-creds", "1.0.0", "credentials for one host from plugin options", NULL, NULL,
                  KN_FEATURE (KN_KIND_CREDENTIAL, &static_provider));
