/* docker registry plugin: registry authentication (WWW-Authenticate
 * challenges, Basic, Bearer tokens cached per scope and shared per host, OAuth2 refresh-token
 * grant for identity tokens).  Credentials are asked for lazily and never
 * appear in logs or error messages. */
#ifndef KN_PLUGIN_DOCKER_AUTH_H
#define KN_PLUGIN_DOCKER_AUTH_H

#include <kaniko/error.h>
#include <kaniko/sys/credential.h>

struct kn_docker_http;

enum kn_docker_auth_scheme
{
  KN_DOCKER_AUTH_NONE = 0,
  KN_DOCKER_AUTH_BASIC,
  KN_DOCKER_AUTH_BEARER
};

/* One parsed challenge ("Bearer realm=...,service=...,scope=..."). */
struct kn_docker_challenge
{
  enum kn_docker_auth_scheme scheme; /* NONE: a scheme we do not speak */
  char *realm, *service, *scope, *error;
};

/* Callback that produces credentials for a host (see struct kn_repo_params). */
typedef int (*kn_docker_cred_fn) (void *payload, const char *host, struct kn_credential *out, struct kn_error **err);

/* Parse one WWW-Authenticate header value into OUT (caller frees with
 * kn_docker_challenge_clear).  Returns 0, or -KN_EPROTO with *err set when
 * the header is malformed. */
int kn_docker_challenge_parse (const char *header, struct kn_docker_challenge *out, struct kn_error **err);
/* Free the members of C and zero it. */
void kn_docker_challenge_clear (struct kn_docker_challenge *c);

/* The scope for REPOSITORY: "repository:REPO:pull" or ":pull,push" (new string). */
char *kn_docker_scope (const char *repository, int push);

/* Bearer tokens cached per (credentials, scope), shared by the auth states
 * of one registry host: the repositories of one push (check, blob workers,
 * manifest) ask the token server once per scope.  Tokens are reused only by
 * auth states whose credential source gave the same credentials. */
struct kn_docker_tokens;
/* A new, empty token cache (free with kn_docker_tokens_free). */
struct kn_docker_tokens *kn_docker_tokens_new (void);
/* Free C, wiping the tokens (NULL-safe).  No auth state may use it any more. */
void kn_docker_tokens_free (struct kn_docker_tokens *c);

/* New auth state for HOST asking credentials from FN(PAYLOAD, HOST) when
 * needed, caching tokens in TOKENS (borrowed, must outlive the state; NULL:
 * a private cache). */
struct kn_docker_auth *kn_docker_auth_new (const char *host, kn_docker_cred_fn fn, void *payload,
                                           struct kn_docker_tokens *tokens);
/* Free A, wiping cached secrets (NULL-safe). */
void kn_docker_auth_free (struct kn_docker_auth *a);

/* Learn the registry's scheme from the /v2/ ping's challenges (WWW, NULL-terminated, may be NULL). */
int kn_docker_auth_prime (struct kn_docker_auth *a, char *const *www, struct kn_error **err);

/* The "Authorization: ..." header to send for SCOPE, fetching a token when
 * needed.  *OUT is NULL when the request goes anonymously.  Returns 0 or < 0. */
int kn_docker_auth_header (struct kn_docker_auth *a, struct kn_docker_http *h, const char *scope, char **out,
                           struct kn_error **err);

/* React to a 401 carrying challenges WWW for SCOPE: returns 1 when the
 * request should be retried (new credentials or token), 0 when nothing more
 * can be tried, < 0 with *err set on failure. */
int kn_docker_auth_challenge (struct kn_docker_auth *a, struct kn_docker_http *h, char *const *www, const char *scope,
                              struct kn_error **err);

/* True when A has sent credentials (Basic or a token obtained with them). */
int kn_docker_auth_used_credentials (struct kn_docker_auth *a);

/* Base64 (standard alphabet, padded) of LEN bytes; new string. */
char *kn_docker_base64 (const void *buf, size_t len);
/* Decode standard base64 S into a new NUL-terminated buffer; NULL when malformed. */
char *kn_docker_base64_decode (const char *s, size_t *len);

#endif
