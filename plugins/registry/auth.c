/* docker registry plugin: authentication, see auth.h. */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "plugins/registry/auth.h"
#include "plugins/registry/http.h"

/* ---- base64 (GnuTLS) ---- */

char *
kn_docker_base64 (const void *buf, size_t len)
{
  gnutls_datum_t in = { (unsigned char *)buf, (unsigned)len }, out = { NULL, 0 };
  char *s;
  if (gnutls_base64_encode2 (&in, &out) < 0)
    kn_oom ();
  s = kn_xstrndup ((const char *)out.data, out.size);
  gnutls_free (out.data);
  return s;
}

char *
kn_docker_base64_decode (const char *s, size_t *len)
{
  gnutls_datum_t in = { (unsigned char *)s, (unsigned)strlen (s) }, out = { NULL, 0 };
  char *r;
  if (in.size == 0)
    {
      if (len)
        *len = 0;
      return kn_xstrdup ("");
    }
  if (gnutls_base64_decode2 (&in, &out) < 0)
    return NULL;
  r = kn_xmalloc (out.size + 1);
  memcpy (r, out.data, out.size);
  r[out.size] = '\0';
  if (len)
    *len = out.size;
  gnutls_memset (out.data, 0, out.size);
  gnutls_free (out.data);
  return r;
}

/* ---- WWW-Authenticate ---- */

void
kn_docker_challenge_clear (struct kn_docker_challenge *c)
{
  free (c->realm);
  free (c->service);
  free (c->scope);
  free (c->error);
  memset (c, 0, sizeof *c);
}

static int
is_token_char (char c)
{
  return c && (isalnum ((unsigned char)c) || strchr ("!#$%&'*+-.^_`|~", c));
}

int
kn_docker_challenge_parse (const char *header, struct kn_docker_challenge *out, struct kn_error **err)
{
  const char *p = header;
  size_t n;

  memset (out, 0, sizeof *out);
  while (*p == ' ' || *p == '\t')
    p++;
  for (n = 0; is_token_char (p[n]); n++)
    ;
  if (n == 0)
    return kn_error_make (err, KN_EPROTO, 0, "malformed WWW-Authenticate header \"%s\"", header);
  if (n == 5 && strncasecmp (p, "Basic", 5) == 0)
    out->scheme = KN_DOCKER_AUTH_BASIC;
  else if (n == 6 && strncasecmp (p, "Bearer", 6) == 0)
    out->scheme = KN_DOCKER_AUTH_BEARER;
  p += n;
  for (;;)
    {
      const char *key;
      size_t klen;
      char *val;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (*p == '\0')
        return 0;
      key = p;
      for (klen = 0; is_token_char (p[klen]); klen++)
        ;
      if (klen == 0)
        goto bad;
      p += klen;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p != '=')
        return 0; /* the next challenge ("Basic realm=x, Bearer ...") or token68: stop */
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          size_t cap = strlen (p) + 1, len = 0;
          val = kn_xmalloc (cap);
          for (p++; *p && *p != '"'; p++)
            {
              if (*p == '\\' && p[1])
                p++;
              val[len++] = *p;
            }
          val[len] = '\0';
          if (*p != '"')
            {
              free (val);
              goto bad;
            }
          p++;
        }
      else
        {
          size_t vlen;
          for (vlen = 0; p[vlen] && p[vlen] != ',' && p[vlen] != ' ' && p[vlen] != '\t'; vlen++)
            ;
          val = kn_xstrndup (p, vlen);
          p += vlen;
        }
#define KEY(name) (klen == sizeof (name) - 1 && strncasecmp (key, name, klen) == 0)
      if (KEY ("realm"))
        free (out->realm), out->realm = val;
      else if (KEY ("service"))
        free (out->service), out->service = val;
      else if (KEY ("scope"))
        free (out->scope), out->scope = val;
      else if (KEY ("error"))
        free (out->error), out->error = val;
      else
        free (val);
#undef KEY
    }
bad:
  kn_docker_challenge_clear (out);
  return kn_error_make (err, KN_EPROTO, 0, "malformed WWW-Authenticate header \"%s\"", header);
}

char *
kn_docker_scope (const char *repository, int push)
{
  return kn_xasprintf ("repository:%s:%s", repository, push ? "pull,push" : "pull");
}

/* ---- state ---- */

/* A Bearer token for one scope, obtained with the credentials whose
 * fingerprint is CRED_KEY. */
struct token
{
  struct token *next;
  char *cred_key;
  char *scope;
  char *value;
  time_t expires;
};

/* Tokens shared by every auth state of one registry host (see auth.h). */
struct kn_docker_tokens
{
  pthread_mutex_t lock; /* held across a token request, so one request serves all waiters */
  struct token *list;
};

enum
{
  CRED_UNASKED = 0,
  CRED_HAVE,
  CRED_NONE
};

struct kn_docker_auth
{
  pthread_mutex_t lock;
  char *host;
  kn_docker_cred_fn fn;
  void *payload;
  int cred_state;
  struct kn_credential cred;
  enum kn_docker_auth_scheme scheme;
  char *realm, *service;
  struct kn_docker_tokens *tokens; /* shared, or OWN_TOKENS */
  int own_tokens;
  /* Fingerprint of the credentials as the credential source gave them
   * (SHA-256 hex), or "anonymous": tokens are shared only between equal keys. */
  char cred_key[65];
  int used_credentials;
};

struct kn_docker_tokens *
kn_docker_tokens_new (void)
{
  struct kn_docker_tokens *c = kn_xcalloc (1, sizeof *c);
  pthread_mutex_init (&c->lock, NULL);
  return c;
}

static void
token_free (struct token *t)
{
  free (t->cred_key);
  free (t->scope);
  if (t->value)
    explicit_bzero (t->value, strlen (t->value));
  free (t->value);
  free (t);
}

void
kn_docker_tokens_free (struct kn_docker_tokens *c)
{
  if (c == NULL)
    return;
  while (c->list)
    {
      struct token *t = c->list;
      c->list = t->next;
      token_free (t);
    }
  pthread_mutex_destroy (&c->lock);
  free (c);
}

struct kn_docker_auth *
kn_docker_auth_new (const char *host, kn_docker_cred_fn fn, void *payload, struct kn_docker_tokens *tokens)
{
  struct kn_docker_auth *a = kn_xcalloc (1, sizeof *a);
  pthread_mutex_init (&a->lock, NULL);
  a->host = kn_xstrdup (host);
  a->fn = fn;
  a->payload = payload;
  a->own_tokens = tokens == NULL;
  a->tokens = tokens ? tokens : kn_docker_tokens_new ();
  strcpy (a->cred_key, "anonymous");
  return a;
}

/* Remove the token of A's credentials for SCOPE (tokens lock held). */
static void
drop_token (struct kn_docker_auth *a, const char *scope)
{
  for (struct token **pp = &a->tokens->list; *pp; pp = &(*pp)->next)
    if (strcmp ((*pp)->scope, scope) == 0 && strcmp ((*pp)->cred_key, a->cred_key) == 0)
      {
        struct token *t = *pp;
        *pp = t->next;
        token_free (t);
        return;
      }
}

void
kn_docker_auth_free (struct kn_docker_auth *a)
{
  if (a == NULL)
    return;
  if (a->own_tokens)
    kn_docker_tokens_free (a->tokens);
  kn_credential_clear (&a->cred);
  free (a->host);
  free (a->realm);
  free (a->service);
  pthread_mutex_destroy (&a->lock);
  free (a);
}

int
kn_docker_auth_used_credentials (struct kn_docker_auth *a)
{
  int r;
  pthread_mutex_lock (&a->lock);
  r = a->used_credentials;
  pthread_mutex_unlock (&a->lock);
  return r;
}

/* OUT = SHA-256 (hex) of the fields of C, each followed by a NUL. */
static void
cred_fingerprint (const struct kn_credential *c, char out[65])
{
  const char *f[] = { c->username, c->password, c->identity_token, c->registry_token };
  size_t len = 0, off = 0;
  unsigned char md[32];
  for (size_t i = 0; i < 4; i++)
    len += (f[i] ? strlen (f[i]) : 0) + 1;
  char *buf = kn_xmalloc (len);
  for (size_t i = 0; i < 4; i++)
    {
      size_t n = f[i] ? strlen (f[i]) : 0;
      memcpy (buf + off, f[i] ? f[i] : "", n);
      buf[off + n] = '\0';
      off += n + 1;
    }
  if (gnutls_hash_fast (GNUTLS_DIG_SHA256, buf, len, md) < 0)
    memset (md, 0, sizeof md); /* cannot happen with GnuTLS's built-in SHA-256 */
  explicit_bzero (buf, len);
  free (buf);
  for (size_t i = 0; i < 32; i++)
    snprintf (out + 2 * i, 3, "%02x", md[i]);
}

/* Ask for credentials once (lock held).  Returns 0 (maybe none) or < 0. */
static int
load_credentials (struct kn_docker_auth *a, struct kn_error **err)
{
  int ret;
  if (a->cred_state != CRED_UNASKED)
    return 0;
  a->cred_state = CRED_NONE;
  if (a->fn == NULL)
    return 0;
  ret = a->fn (a->payload, a->host, &a->cred, err);
  if (ret == -KN_ENOTFOUND)
    {
      kn_credential_clear (&a->cred);
      return 0;
    }
  if (ret < 0)
    {
      kn_credential_clear (&a->cred);
      a->cred_state = CRED_UNASKED;
      return kn_error_wrap (err, "credentials for %s", a->host);
    }
  if (a->cred.username || a->cred.password || a->cred.identity_token || a->cred.registry_token)
    {
      a->cred_state = CRED_HAVE;
      cred_fingerprint (&a->cred, a->cred_key);
    }
  kn_log (KN_LOG_DEBUG, "docker: credentials for %s: %s", a->host,
          a->cred_state == CRED_HAVE ? "found" : "none (anonymous)");
  return 0;
}

static int
have_basic (struct kn_docker_auth *a)
{
  return a->cred_state == CRED_HAVE && a->cred.username && a->cred.username[0];
}

static char *
basic_header (struct kn_docker_auth *a)
{
  kn_cleanup_free char *pair = kn_xasprintf ("%s:%s", a->cred.username, a->cred.password ? a->cred.password : "");
  kn_cleanup_free char *b64 = kn_docker_base64 (pair, strlen (pair));
  char *h = kn_xasprintf ("Authorization: Basic %s", b64);
  explicit_bzero (pair, strlen (pair));
  explicit_bzero (b64, strlen (b64));
  return h;
}

static void
adopt_challenge (struct kn_docker_auth *a, const struct kn_docker_challenge *c)
{
  a->scheme = c->scheme;
  if (c->realm)
    {
      free (a->realm);
      a->realm = kn_xstrdup (c->realm);
    }
  if (c->service)
    {
      free (a->service);
      a->service = kn_xstrdup (c->service);
    }
}

/* Pick the challenge we prefer from WWW (Bearer over Basic).  Returns 0 and
 * fills OUT (scheme NONE when nothing usable), or < 0. */
static int
pick_challenge (char *const *www, struct kn_docker_challenge *out, struct kn_error **err)
{
  memset (out, 0, sizeof *out);
  for (size_t i = 0; www && www[i]; i++)
    {
      struct kn_docker_challenge c;
      int ret = kn_docker_challenge_parse (www[i], &c, err);
      if (ret < 0)
        {
          kn_docker_challenge_clear (out);
          return ret;
        }
      if (c.scheme > out->scheme)
        {
          kn_docker_challenge_clear (out);
          *out = c;
        }
      else
        kn_docker_challenge_clear (&c);
    }
  return 0;
}

int
kn_docker_auth_prime (struct kn_docker_auth *a, char *const *www, struct kn_error **err)
{
  struct kn_docker_challenge c;
  int ret = pick_challenge (www, &c, err);
  if (ret < 0)
    return ret;
  pthread_mutex_lock (&a->lock);
  if (c.scheme == KN_DOCKER_AUTH_BEARER && c.realm == NULL)
    ret = kn_error_make (err, KN_EPROTO, 0, "registry %s: Bearer challenge without realm", a->host);
  else
    {
      adopt_challenge (a, &c);
      /* The server demands credentials: ask for them now. */
      if (c.scheme != KN_DOCKER_AUTH_NONE)
        ret = load_credentials (a, err);
    }
  pthread_mutex_unlock (&a->lock);
  kn_docker_challenge_clear (&c);
  return ret;
}

/* Append "&scope=..." for every space-separated scope in SCOPES to *Q. */
static void
append_scopes (CURL *c, char **q, const char *scopes)
{
  kn_cleanup_free char *copy = kn_xstrdup (scopes ? scopes : "");
  char *save = NULL;
  for (char *s = strtok_r (copy, " ", &save); s; s = strtok_r (NULL, " ", &save))
    {
      char *e = curl_easy_escape (c, s, 0);
      char *n = kn_xasprintf ("%s&scope=%s", *q, e);
      curl_free (e);
      free (*q);
      *q = n;
    }
}

/* Ask the token server for SCOPES (lock held).  Returns 0 with *out (new) or < 0. */
static int
fetch_token (struct kn_docker_auth *a, struct kn_docker_http *h, const char *scopes, char **out, int *expires_in,
             struct kn_error **err)
{
  struct kn_docker_resp resp = { 0 };
  kn_cleanup_free char *query = NULL;
  kn_cleanup_free char *url = NULL;
  kn_cleanup_free char *authz = NULL;
  struct json_object *doc = NULL, *v;
  const char *tok = NULL;
  int ret, oauth = 0;
  CURL *c = curl_easy_init ();

  if (c == NULL)
    kn_oom ();
  {
    char *svc = curl_easy_escape (c, a->service ? a->service : "", 0);
    query = kn_xasprintf ("service=%s", svc);
    curl_free (svc);
  }
  append_scopes (c, &query, scopes);

  if (a->cred_state == CRED_HAVE && a->cred.identity_token)
    {
      /* OAuth2 refresh-token grant (docker login's identity token). */
      char *rt = curl_easy_escape (c, a->cred.identity_token, 0);
      kn_cleanup_free char *form
          = kn_xasprintf ("grant_type=refresh_token&client_id=kaniko&refresh_token=%s&%s", rt, query);
      static const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
      struct kn_docker_mem body;
      struct kn_docker_req rq = { .method = "POST", .url = a->realm, .headers = hdrs, .no_auth = 1 };
      explicit_bzero (rt, strlen (rt));
      curl_free (rt);
      kn_docker_mem_source (&body, form, strlen (form));
      rq.body = &body.src;
      rq.body_len = strlen (form);
      ret = kn_docker_http_do (h, &rq, &resp, err);
      explicit_bzero (form, strlen (form));
      if (ret < 0)
        goto out;
      oauth = 1;
      a->used_credentials = 1;
      if (resp.status == 404 || resp.status == 405)
        oauth = 0; /* no OAuth2 endpoint: fall back to GET */
    }
  if (!oauth)
    {
      const char *hdrs[2] = { NULL, NULL };
      struct kn_docker_req rq = { .method = "GET", .no_auth = 1, .headers = hdrs };
      url = kn_xasprintf ("%s%s%s", a->realm, strchr (a->realm, '?') ? "&" : "?", query);
      rq.url = url;
      if (have_basic (a))
        {
          authz = basic_header (a);
          hdrs[0] = authz;
          a->used_credentials = 1;
        }
      kn_docker_resp_clear (&resp);
      ret = kn_docker_http_do (h, &rq, &resp, err);
      if (authz)
        explicit_bzero (authz, strlen (authz));
      if (ret < 0)
        goto out;
    }
  if (resp.status == 401 || resp.status == 403)
    {
      ret = kn_error_make (err, KN_EAUTH, 0, "token server %s refused %s for %s (HTTP %ld)", a->realm,
                           a->cred_state == CRED_HAVE ? "the credentials" : "anonymous access", scopes, resp.status);
      goto out;
    }
  if (resp.status != 200)
    {
      ret = kn_docker_http_error (&resp, "token server", err);
      goto out;
    }
  doc = resp.body ? json_tokener_parse (resp.body) : NULL;
  if (doc && json_object_object_get_ex (doc, "token", &v) && json_object_get_string_len (v))
    tok = json_object_get_string (v);
  else if (doc && json_object_object_get_ex (doc, "access_token", &v) && json_object_get_string_len (v))
    tok = json_object_get_string (v);
  if (tok == NULL)
    {
      ret = kn_error_make (err, KN_EPROTO, 0, "token server %s: response has no token", a->realm);
      goto out;
    }
  *out = kn_xstrdup (tok);
  *expires_in = 60;
  if (json_object_object_get_ex (doc, "expires_in", &v) && json_object_get_int (v) > 0)
    *expires_in = json_object_get_int (v);
  if (json_object_object_get_ex (doc, "refresh_token", &v) && json_object_get_string_len (v)
      && a->cred_state == CRED_HAVE)
    {
      if (a->cred.identity_token)
        explicit_bzero (a->cred.identity_token, strlen (a->cred.identity_token));
      free (a->cred.identity_token);
      a->cred.identity_token = kn_xstrdup (json_object_get_string (v));
    }
  ret = 0;
out:
  if (doc)
    {
      /* Wipe the token text held by the parser and the raw body. */
      json_object_put (doc);
    }
  if (resp.body)
    explicit_bzero (resp.body, resp.body_len);
  kn_docker_resp_clear (&resp);
  curl_easy_cleanup (c);
  return ret;
}

/* The cached, unexpired token of A's credentials for SCOPE or NULL (both locks held). */
static struct token *
find_token (struct kn_docker_auth *a, const char *scope)
{
  time_t now = time (NULL);
  for (struct token *t = a->tokens->list; t; t = t->next)
    if (strcmp (t->scope, scope) == 0 && strcmp (t->cred_key, a->cred_key) == 0)
      return t->expires > now ? t : NULL;
  return NULL;
}

/* Fetch and cache a token for SCOPE, asking the token server for SCOPES.
 * A's lock and the tokens lock held, credentials loaded.  On success the
 * new token heads a->tokens->list. */
static int
refresh_token (struct kn_docker_auth *a, struct kn_docker_http *h, const char *scope, const char *scopes,
               struct kn_error **err)
{
  char *value = NULL;
  int expires_in = 0, ret;
  struct token *t;

  drop_token (a, scope);
  ret = fetch_token (a, h, scopes, &value, &expires_in, err);
  if (ret < 0)
    return ret;
  t = kn_xcalloc (1, sizeof *t);
  t->cred_key = kn_xstrdup (a->cred_key);
  t->scope = kn_xstrdup (scope);
  t->value = value;
  t->expires = time (NULL) + (expires_in > 30 ? expires_in - 10 : expires_in);
  t->next = a->tokens->list;
  a->tokens->list = t;
  kn_log (KN_LOG_DEBUG, "docker: token for %s on %s (expires in %d s)", scope, a->host, expires_in);
  return 0;
}

int
kn_docker_auth_header (struct kn_docker_auth *a, struct kn_docker_http *h, const char *scope, char **out,
                       struct kn_error **err)
{
  int ret = 0;
  struct token *t;
  const char *key = scope ? scope : "";

  *out = NULL;
  pthread_mutex_lock (&a->lock);
  switch (a->scheme)
    {
    case KN_DOCKER_AUTH_NONE:
      break;
    case KN_DOCKER_AUTH_BASIC:
      ret = load_credentials (a, err);
      if (ret == 0 && have_basic (a))
        {
          *out = basic_header (a);
          a->used_credentials = 1;
        }
      break;
    case KN_DOCKER_AUTH_BEARER:
      ret = load_credentials (a, err);
      if (ret < 0)
        break;
      if (a->cred_state == CRED_HAVE && a->cred.registry_token)
        {
          *out = kn_xasprintf ("Authorization: Bearer %s", a->cred.registry_token);
          a->used_credentials = 1;
          break;
        }
      /* The other repositories of the host (and the push workers) wait
       * for one token request and use its answer. */
      pthread_mutex_lock (&a->tokens->lock);
      t = find_token (a, key);
      if (t == NULL)
        {
          ret = refresh_token (a, h, key, key, err);
          t = ret == 0 ? find_token (a, key) : NULL;
          if (ret == 0 && t == NULL) /* a token that expires at once: use it for this request */
            t = a->tokens->list;
        }
      if (t)
        *out = kn_xasprintf ("Authorization: Bearer %s", t->value);
      pthread_mutex_unlock (&a->tokens->lock);
      break;
    }
  pthread_mutex_unlock (&a->lock);
  return ret;
}

int
kn_docker_auth_challenge (struct kn_docker_auth *a, struct kn_docker_http *h, char *const *www, const char *scope,
                          struct kn_error **err)
{
  struct kn_docker_challenge c;
  const char *key = scope ? scope : "";
  int ret = pick_challenge (www, &c, err);

  if (ret < 0)
    return ret;
  pthread_mutex_lock (&a->lock);
  switch (c.scheme)
    {
    case KN_DOCKER_AUTH_NONE:
      ret = 0;
      break;
    case KN_DOCKER_AUTH_BASIC:
      {
        int sent = a->scheme == KN_DOCKER_AUTH_BASIC && have_basic (a);
        adopt_challenge (a, &c);
        ret = load_credentials (a, err);
        if (ret == 0)
          ret = !sent && have_basic (a) ? 1 : 0;
      }
      break;
    case KN_DOCKER_AUTH_BEARER:
      if (c.realm == NULL)
        {
          ret = kn_error_make (err, KN_EPROTO, 0, "registry %s: Bearer challenge without realm", a->host);
          break;
        }
      if (a->cred_state == CRED_HAVE && a->cred.registry_token && a->scheme == KN_DOCKER_AUTH_BEARER)
        {
          ret = 0; /* the registry token was refused: nothing else to try */
          break;
        }
      adopt_challenge (a, &c);
      ret = load_credentials (a, err);
      if (ret < 0)
        break;
      {
        /* Ask for the scope the server names too (insufficient_scope). */
        kn_cleanup_free char *scopes = NULL;
        if (c.scope && strcmp (c.scope, key) != 0)
          scopes = kn_xasprintf ("%s%s%s", key, key[0] ? " " : "", c.scope);
        else
          scopes = kn_xstrdup (key);
        pthread_mutex_lock (&a->tokens->lock);
        ret = refresh_token (a, h, key, scopes, err);
        pthread_mutex_unlock (&a->tokens->lock);
        if (ret == 0)
          ret = 1;
      }
      break;
    }
  pthread_mutex_unlock (&a->lock);
  kn_docker_challenge_clear (&c);
  return ret;
}
