/* kaniko — credential-provider plugins (plugin-author tier).
 *
 * Providers are asked in order for the credentials of a registry host; the
 * first that answers wins.  A provider that has nothing for a host returns
 * -KN_ENOTFOUND without setting an error (passthrough).  Secrets never reach
 * logs or error messages. */
#ifndef KANIKO_SYS_CREDENTIAL_H
#define KANIKO_SYS_CREDENTIAL_H

#include <kaniko/sys/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_CREDENTIAL_VERSION 1

/* Credentials for one registry.  All members are malloc'd or NULL. */
struct kn_credential {
  char *username;
  char *password;        /* or a personal token used as password */
  char *identity_token;  /* OAuth2 refresh token ("identitytoken") */
  char *registry_token;  /* bearer token to send as is ("registrytoken") */
};

/* Zero and free every member of C (the struct itself is the caller's). */
KN_EXPORT void kn_credential_clear (struct kn_credential *c);

struct kn_credential_provider {
  unsigned version;  /* KN_CREDENTIAL_VERSION */
  const char *name;  /* "docker-config" */
  /* Mandatory: fill OUT for HOST ("index.docker.io", "127.0.0.1:5000").
   * Returns 0, -KN_ENOTFOUND (no error set) when it has nothing, or another
   * negative code with *err set. */
  int (*get) (const char *host, const struct kn_plugin_config *config, struct kn_credential *out,
              struct kn_error **err);
};

#define KN_CREDENTIAL_PROVIDER_INIT { KN_CREDENTIAL_VERSION, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
