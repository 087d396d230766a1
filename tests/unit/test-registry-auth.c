/* Unit tests of the docker registry plugin's authentication helpers:
 * WWW-Authenticate parsing, scope strings, base64, error mapping, and the
 * Bearer token cache shared by the auth states of one host (against a tiny
 * token server on a loopback socket). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "plugins/registry/auth.h"
#include "plugins/registry/docker.h"
#include "plugins/registry/http.h"

Test (registry_auth, bearer_challenge)
{
  struct kn_docker_challenge c;
  struct kn_error *err = NULL;
  cr_assert_eq (
      kn_docker_challenge_parse ("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                 "scope=\"repository:library/busybox:pull\"",
                                 &c, &err),
      0);
  cr_assert_eq (c.scheme, KN_DOCKER_AUTH_BEARER);
  cr_assert_str_eq (c.realm, "https://auth.docker.io/token");
  cr_assert_str_eq (c.service, "registry.docker.io");
  cr_assert_str_eq (c.scope, "repository:library/busybox:pull");
  cr_assert_null (c.error);
  kn_docker_challenge_clear (&c);
}

Test (registry_auth, bearer_error_and_spaces)
{
  struct kn_docker_challenge c;
  cr_assert_eq (kn_docker_challenge_parse ("  bearer  realm = \"http://h/t\" , error=\"insufficient_scope\", "
                                           "scope=\"repository:a/b:pull,push repository:c:pull\"",
                                           &c, NULL),
                0);
  cr_assert_eq (c.scheme, KN_DOCKER_AUTH_BEARER);
  cr_assert_str_eq (c.realm, "http://h/t");
  cr_assert_str_eq (c.error, "insufficient_scope");
  cr_assert_str_eq (c.scope, "repository:a/b:pull,push repository:c:pull");
  cr_assert_null (c.service);
  kn_docker_challenge_clear (&c);
}

Test (registry_auth, basic_and_escapes)
{
  struct kn_docker_challenge c;
  cr_assert_eq (kn_docker_challenge_parse ("Basic realm=\"lab \\\"registry\\\"\"", &c, NULL), 0);
  cr_assert_eq (c.scheme, KN_DOCKER_AUTH_BASIC);
  cr_assert_str_eq (c.realm, "lab \"registry\"");
  kn_docker_challenge_clear (&c);
}

Test (registry_auth, unquoted_values_and_unknown_scheme)
{
  struct kn_docker_challenge c;
  cr_assert_eq (kn_docker_challenge_parse ("Bearer realm=https://x/token,service=x", &c, NULL), 0);
  cr_assert_str_eq (c.realm, "https://x/token");
  cr_assert_str_eq (c.service, "x");
  kn_docker_challenge_clear (&c);
  cr_assert_eq (kn_docker_challenge_parse ("Negotiate", &c, NULL), 0);
  cr_assert_eq (c.scheme, KN_DOCKER_AUTH_NONE);
  kn_docker_challenge_clear (&c);
  /* Two challenges in one header: the first one is parsed. */
  cr_assert_eq (kn_docker_challenge_parse ("Basic realm=\"r\", Bearer realm=\"t\"", &c, NULL), 0);
  cr_assert_eq (c.scheme, KN_DOCKER_AUTH_BASIC);
  cr_assert_str_eq (c.realm, "r");
  kn_docker_challenge_clear (&c);
}

Test (registry_auth, malformed)
{
  struct kn_docker_challenge c;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_docker_challenge_parse ("Bearer realm=\"unterminated", &c, &err), -KN_EPROTO);
  cr_assert_not_null (err);
  cr_assert (strstr (err->msg, "WWW-Authenticate") != NULL);
  kn_error_free (err);
  err = NULL;
  cr_assert_eq (kn_docker_challenge_parse ("", &c, &err), -KN_EPROTO);
  kn_error_free (err);
}

Test (registry_auth, scopes)
{
  char *s = kn_docker_scope ("library/busybox", 0);
  cr_assert_str_eq (s, "repository:library/busybox:pull");
  free (s);
  s = kn_docker_scope ("a/b/c", 1);
  cr_assert_str_eq (s, "repository:a/b/c:pull,push");
  free (s);
}

Test (registry_auth, base64)
{
  char *e = kn_docker_base64 ("user:pa:ss", 10);
  size_t n = 0;
  cr_assert_str_eq (e, "dXNlcjpwYTpzcw==");
  char *d = kn_docker_base64_decode (e, &n);
  cr_assert_eq (n, 10);
  cr_assert_str_eq (d, "user:pa:ss");
  free (e);
  free (d);
  cr_assert_null (kn_docker_base64_decode ("not base64!", NULL));
}

Test (registry_auth, error_mapping)
{
  struct kn_docker_resp resp = { 0 };
  struct kn_error *err = NULL;
  resp.status = 404;
  resp.body = kn_xstrdup ("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
  cr_assert_eq (kn_docker_http_error (&resp, "manifest x:y", &err), -KN_ENOTFOUND);
  cr_assert_str_eq (err->msg, "manifest x:y: HTTP 404: MANIFEST_UNKNOWN: manifest unknown");
  kn_error_free (err);
  err = NULL;
  resp.status = 503;
  free (resp.body);
  resp.body = kn_xstrdup ("<html>busy</html>");
  cr_assert_eq (kn_docker_http_error (&resp, "x", &err), -KN_EIO);
  cr_assert_str_eq (err->msg, "x: HTTP 503");
  kn_error_free (err);
  kn_docker_resp_clear (&resp);
}

static int
cred_none (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  (*(int *)payload)++;
  (void)host, (void)out, (void)err;
  return -KN_ENOTFOUND;
}

static int
cred_basic (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  (*(int *)payload)++;
  (void)err;
  cr_assert_str_eq (host, "reg.example:5000");
  out->username = kn_xstrdup ("alice");
  out->password = kn_xstrdup ("s3cret");
  return 0;
}

Test (registry_auth, lazy_credentials_basic)
{
  int calls = 0;
  char *hdr = NULL;
  struct kn_docker_auth *a = kn_docker_auth_new ("reg.example:5000", cred_basic, &calls, NULL);
  /* Anonymous until the server asks. */
  cr_assert_eq (kn_docker_auth_header (a, NULL, "repository:x:pull", &hdr, NULL), 0);
  cr_assert_null (hdr);
  cr_assert_eq (calls, 0);
  char *www[] = { (char *)"Basic realm=\"lab\"", NULL };
  cr_assert_eq (kn_docker_auth_challenge (a, NULL, www, "repository:x:pull", NULL), 1);
  cr_assert_eq (calls, 1);
  cr_assert_eq (kn_docker_auth_header (a, NULL, "repository:x:pull", &hdr, NULL), 0);
  cr_assert_str_eq (hdr, "Authorization: Basic YWxpY2U6czNjcmV0");
  free (hdr);
  /* Refused again: nothing more to try, and the helper is not asked twice. */
  cr_assert_eq (kn_docker_auth_challenge (a, NULL, www, "repository:x:pull", NULL), 0);
  cr_assert_eq (calls, 1);
  cr_assert (kn_docker_auth_used_credentials (a));
  kn_docker_auth_free (a);
}

Test (registry_auth, no_credentials)
{
  int calls = 0;
  char *hdr = NULL;
  struct kn_docker_auth *a = kn_docker_auth_new ("h", cred_none, &calls, NULL);
  char *www[] = { (char *)"Basic realm=\"lab\"", NULL };
  cr_assert_eq (kn_docker_auth_prime (a, www, NULL), 0);
  cr_assert_eq (calls, 1);
  cr_assert_eq (kn_docker_auth_header (a, NULL, NULL, &hdr, NULL), 0);
  cr_assert_null (hdr);
  cr_assert_eq (kn_docker_auth_challenge (a, NULL, www, NULL, NULL), 0);
  cr_assert_not (kn_docker_auth_used_credentials (a));
  kn_docker_auth_free (a);
}

/* ---- a token server: answers every request with {"token":"T<n>"} ---- */

struct token_server
{
  int fd;
  int port;
  _Atomic int requests;    /* requests answered */
  char authz[8][128];      /* Authorization header of each (or "") */
  pthread_t thread;
};

static void *
token_server_run (void *payload)
{
  struct token_server *ts = payload;
  for (;;)
    {
      int c = accept (ts->fd, NULL, NULL);
      if (c < 0)
        return NULL;
      char req[4096];
      size_t len = 0;
      ssize_t n;
      while (len < sizeof req - 1 && (n = read (c, req + len, sizeof req - 1 - len)) > 0)
        {
          len += (size_t)n;
          req[len] = '\0';
          if (strstr (req, "\r\n\r\n"))
            break;
        }
      req[len] = '\0';
      int i = ts->requests++;
      if (i < 8)
        {
          const char *a = strstr (req, "\r\nAuthorization: ");
          ts->authz[i][0] = '\0';
          if (a)
            sscanf (a + 2, "Authorization: %127[^\r]", ts->authz[i]);
        }
      char body[64], resp[256];
      int bl = snprintf (body, sizeof body, "{\"token\":\"T%d\",\"expires_in\":300}", i + 1);
      int rl = snprintf (resp, sizeof resp,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                         "Connection: close\r\n\r\n%s",
                         bl, body);
      if (write (c, resp, (size_t)rl) != rl)
        cr_log_warn ("token server: short write");
      close (c);
    }
}

static void
token_server_start (struct token_server *ts)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t sl = sizeof sa;
  memset (ts, 0, sizeof *ts);
  ts->fd = socket (AF_INET, SOCK_STREAM, 0);
  cr_assert_geq (ts->fd, 0);
  cr_assert_eq (bind (ts->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  cr_assert_eq (listen (ts->fd, 8), 0);
  cr_assert_eq (getsockname (ts->fd, (struct sockaddr *)&sa, &sl), 0);
  ts->port = ntohs (sa.sin_port);
  cr_assert_eq (pthread_create (&ts->thread, NULL, token_server_run, ts), 0);
}

static void
token_server_stop (struct token_server *ts)
{
  shutdown (ts->fd, SHUT_RDWR);
  close (ts->fd);
  pthread_join (ts->thread, NULL);
}

static int
cred_named (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  (void)host, (void)err;
  if (payload == NULL)
    return -KN_ENOTFOUND;
  out->username = kn_xstrdup (payload);
  out->password = kn_xstrdup ("pw");
  return 0;
}

/* A Bearer auth state for the token server, caching in CACHE; its header for SCOPE. */
static char *
bearer_header (struct token_server *ts, struct kn_docker_http *h, struct kn_docker_tokens *cache, const char *user,
               const char *scope)
{
  struct kn_docker_auth *a = kn_docker_auth_new ("reg.example", cred_named, (void *)user, cache);
  char *www[2] = { kn_xasprintf ("Bearer realm=\"http://127.0.0.1:%d/token\",service=\"svc\"", ts->port), NULL };
  struct kn_error *err = NULL;
  char *hdr = NULL;
  cr_assert_eq (kn_docker_auth_prime (a, www, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (kn_docker_auth_header (a, h, scope, &hdr, &err), 0, "%s", err ? err->msg : "");
  cr_assert_not_null (hdr);
  kn_docker_auth_free (a);
  free (www[0]);
  return hdr;
}

/* The auth states of one host share tokens per (credentials, scope): the
 * repositories of one push ask once; other credentials, another scope or a
 * private cache ask again. */
Test (registry_auth, bearer_tokens_shared_per_credentials)
{
  struct token_server ts;
  token_server_start (&ts);
  struct kn_docker_http *h = kn_docker_http_new ("127.0.0.1:1");
  h->retries = 0;
  struct kn_docker_tokens *cache = kn_docker_http_tokens (h);
  const char *push = "repository:a/b:pull,push";
  struct
  {
    const char *user, *scope;
    int private_cache;
    const char *want;
    int requests;
  } steps[] = {
    { "alice", push, 0, "Authorization: Bearer T1", 1 },
    { "alice", push, 0, "Authorization: Bearer T1", 1 },  /* another repository of the push */
    { "bob", push, 0, "Authorization: Bearer T2", 2 },    /* other credentials */
    { "alice", "repository:a/b:pull", 0, "Authorization: Bearer T3", 3 },
    { "alice", push, 1, "Authorization: Bearer T4", 4 },  /* a private cache */
    { NULL, push, 0, "Authorization: Bearer T5", 5 },     /* anonymous */
    { NULL, push, 0, "Authorization: Bearer T5", 5 },
    { "bob", push, 0, "Authorization: Bearer T2", 5 },
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    {
      struct kn_docker_tokens *own = steps[i].private_cache ? kn_docker_tokens_new () : NULL;
      char *hdr = bearer_header (&ts, h, own ? own : cache, steps[i].user, steps[i].scope);
      cr_expect_str_eq (hdr, steps[i].want, "step %zu", i);
      cr_expect_eq (ts.requests, steps[i].requests, "step %zu: token requests", i);
      free (hdr);
      kn_docker_tokens_free (own);
    }
  /* alice:pw and bob:pw went to the token server with Basic auth; anonymous without. */
  cr_expect_str_eq (ts.authz[0], "Basic YWxpY2U6cHc=");
  cr_expect_str_eq (ts.authz[1], "Basic Ym9iOnB3");
  cr_expect_str_eq (ts.authz[4], "");
  kn_docker_http_free (h);
  token_server_stop (&ts);
}

Test (registry_auth, resolve_location)
{
  struct kn_docker_http *h = kn_docker_http_new ("r:5000");
  char *u = kn_docker_http_resolve (h, "/v2/a/blobs/uploads/x?_state=1");
  cr_assert_str_eq (u, "https://r:5000/v2/a/blobs/uploads/x?_state=1");
  free (u);
  u = kn_docker_http_resolve (h, "http://other/x");
  cr_assert_str_eq (u, "http://other/x");
  free (u);
  kn_docker_http_free (h);
}

const struct kn_plugin_desc *kn_plugin_docker_get_desc (void);

Test (registry_plugin, descriptor_and_vtable)
{
  const struct kn_plugin_desc *d = kn_plugin_docker_get_desc ();
  cr_assert_eq (d->abi_major, KN_PLUGIN_ABI_MAJOR);
  cr_assert_eq (d->desc_size, sizeof (struct kn_plugin_desc));
  cr_assert_str_eq (d->name, "docker");
  cr_assert_eq (d->n_features, 1);
  cr_assert_eq (d->features[0].kind, KN_KIND_REGISTRY);
  const struct kn_registry *v = d->features[0].vtable;
  cr_assert_eq (v->version, KN_REGISTRY_VERSION);
  cr_assert_str_eq (v->name, "docker");
  cr_assert_str_eq (v->transports[0], "docker");
  cr_assert_null (v->transports[1]);
  cr_assert (v->open && v->check_push && v->get_manifest && v->put_manifest && v->stat_blob && v->get_blob
             && v->put_blob && v->close);
}

Test (registry_plugin, open_validates)
{
  const struct kn_registry *v = &kn_docker_registry;
  struct kn_repo_params p = { .size = sizeof p, .location = "reg.example:5000", .repository = "a/b" };
  struct kn_repo *r = NULL;
  struct kn_error *err = NULL;

  /* No network traffic at open. */
  cr_assert_eq (v->open (&r, &p, &err), 0);
  cr_assert_eq (kn_docker_repo_requests (r), 0);
  v->close (r);

  p.location = "reg.example/x";
  cr_assert_eq (v->open (&r, &p, &err), -KN_EINVAL);
  kn_error_release (&err);
  p.location = "reg.example";
  p.repository = "";
  cr_assert_eq (v->open (&r, &p, &err), -KN_EINVAL);
  kn_error_release (&err);
  p.repository = "a";
  p.ca_file = "/nonexistent/ca.pem";
  cr_assert_eq (v->open (&r, &p, &err), -KN_EINVAL);
  cr_assert (strstr (err->msg, "/nonexistent/ca.pem") != NULL);
  kn_error_release (&err);
  p.ca_file = NULL;
  p.client_cert = "/dev/null";
  cr_assert_eq (v->open (&r, &p, &err), -KN_EINVAL);
  kn_error_release (&err);
  p.client_cert = NULL;
  p.size = 8;
  cr_assert_eq (v->open (&r, &p, &err), -KN_EABI);
  kn_error_release (&err);
}

Test (registry_auth, local_hosts)
{
  const char *yes[] = { "localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3",       "[::1]:5000",
                        "10.0.0.1",  "172.16.0.1:443", "172.31.255.255", "192.168.1.1:5000" };
  const char *no[] = { "registry.example",   "8.8.8.8",          "172.32.0.1", "192.169.0.1", "127.0.0.1.example.com",
                       "[2001:db8::1]:5000", "localhost.example" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    cr_assert (kn_docker_http_local_host (yes[i]), "%s", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    cr_assert_not (kn_docker_http_local_host (no[i]), "%s", no[i]);
}
