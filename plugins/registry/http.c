/* docker registry plugin: HTTP transport, see http.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>
#include <kaniko/version.h>

#include "plugins/registry/auth.h"
#include "plugins/registry/http.h"

/* ---- one curl share handle per registry host ---- */

struct kn_docker_share
{
  struct kn_docker_share *next;
  char *host;
  unsigned refs;
  CURLSH *sh;
  pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
  /* The /v2/ ping result, shared by every repository of the host (and by
   * the push workers): scheme that answered ("https"/"http", NULL until a
   * ping succeeded) and the WWW-Authenticate challenge of its 401 (or NULL). */
  pthread_mutex_t ping_lock;
  char *scheme;
  char **challenge;
  /* Bearer tokens of the host, shared by its repositories' auth states. */
  struct kn_docker_tokens *tokens;
};

static pthread_mutex_t shares_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kn_docker_share *shares;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once (void)
{
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

static void
share_lock (CURL *c, curl_lock_data data, curl_lock_access access, void *payload)
{
  struct kn_docker_share *s = payload;
  (void)c;
  (void)access;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_lock (&s->locks[data]);
}

static void
share_unlock (CURL *c, curl_lock_data data, void *payload)
{
  struct kn_docker_share *s = payload;
  (void)c;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_unlock (&s->locks[data]);
}

static struct kn_docker_share *
share_get (const char *host)
{
  struct kn_docker_share *s;
  pthread_once (&curl_once, curl_init_once);
  pthread_mutex_lock (&shares_lock);
  for (s = shares; s; s = s->next)
    if (strcmp (s->host, host) == 0)
      break;
  if (s == NULL)
    {
      s = kn_xcalloc (1, sizeof *s);
      s->host = kn_xstrdup (host);
      for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init (&s->locks[i], NULL);
      pthread_mutex_init (&s->ping_lock, NULL);
      s->tokens = kn_docker_tokens_new ();
      s->sh = curl_share_init ();
      if (s->sh == NULL)
        kn_oom ();
      curl_share_setopt (s->sh, CURLSHOPT_LOCKFUNC, share_lock);
      curl_share_setopt (s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
      curl_share_setopt (s->sh, CURLSHOPT_USERDATA, s);
      curl_share_setopt (s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt (s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
      curl_share_setopt (s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
      s->next = shares;
      shares = s;
    }
  s->refs++;
  pthread_mutex_unlock (&shares_lock);
  return s;
}

static void
share_free (struct kn_docker_share *s)
{
  curl_share_cleanup (s->sh);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy (&s->locks[i]);
  pthread_mutex_destroy (&s->ping_lock);
  free (s->scheme);
  kn_strv_free (s->challenge);
  kn_docker_tokens_free (s->tokens);
  free (s->host);
  free (s);
}

/* Drop a reference.  The share outlives its last repository (so the next
 * repository of the host reuses its connections and ping result); unused
 * shares are freed by kn_docker_http_cleanup(). */
static void
share_put (struct kn_docker_share *s)
{
  if (s == NULL)
    return;
  pthread_mutex_lock (&shares_lock);
  s->refs--;
  pthread_mutex_unlock (&shares_lock);
}

void
kn_docker_http_cleanup (void)
{
  struct kn_docker_share **pp;
  pthread_mutex_lock (&shares_lock);
  for (pp = &shares; *pp;)
    {
      struct kn_docker_share *s = *pp;
      if (s->refs == 0)
        {
          *pp = s->next;
          share_free (s);
        }
      else
        pp = &s->next;
    }
  pthread_mutex_unlock (&shares_lock);
}

/* ---- transport ---- */

/* Hand E to the caller's ERR (set once) or free it. */
static void
propagate (struct kn_error **err, struct kn_error *e)
{
  if (err && *err == NULL)
    *err = e;
  else
    kn_error_free (e);
}

static int
mem_open (void *payload, uint64_t offset, struct kn_reader **out, struct kn_error **err)
{
  struct kn_docker_mem *m = payload;
  (void)err;
  *out = kn_reader_new_mem ((const char *)m->buf + offset, (size_t)(m->src.size - offset));
  return 0;
}

void
kn_docker_mem_source (struct kn_docker_mem *m, const void *buf, size_t len)
{
  memset (m, 0, sizeof *m);
  m->src.open = mem_open;
  m->src.payload = m;
  m->src.size = len;
  m->buf = buf;
}

struct kn_docker_http *
kn_docker_http_new (const char *host)
{
  struct kn_docker_http *h = kn_xcalloc (1, sizeof *h);
  h->host = kn_xstrdup (host);
  h->share = share_get (host);
  h->backoff_ms = 1000;
  pthread_mutex_init (&h->lock, NULL);
  return h;
}

struct kn_docker_tokens *
kn_docker_http_tokens (struct kn_docker_http *h)
{
  return h->share->tokens;
}

void
kn_docker_http_free (struct kn_docker_http *h)
{
  if (h == NULL)
    return;
  kn_docker_auth_free (h->auth);
  share_put (h->share);
  free (h->host);
  free (h->scheme);
  free (h->ca_file);
  free (h->client_cert);
  free (h->client_key);
  pthread_mutex_destroy (&h->lock);
  free (h);
}

void
kn_docker_resp_clear (struct kn_docker_resp *resp)
{
  free (resp->location);
  free (resp->content_type);
  free (resp->docker_digest);
  free (resp->range);
  kn_strv_free (resp->www_authenticate);
  free (resp->body);
  memset (resp, 0, sizeof *resp);
}

char *
kn_docker_http_resolve (struct kn_docker_http *h, const char *location)
{
  if (strncmp (location, "http://", 7) == 0 || strncmp (location, "https://", 8) == 0)
    return kn_xstrdup (location);
  if (location[0] == '/' && location[1] == '/')
    return kn_xasprintf ("%s:%s", h->scheme ? h->scheme : "https", location);
  return kn_xasprintf ("%s://%s%s%s", h->scheme ? h->scheme : "https", h->host, location[0] == '/' ? "" : "/",
                       location);
}

#define KN_DOCKER_SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static int system_ca_present;
static pthread_once_t system_ca_once = PTHREAD_ONCE_INIT;

static void
system_ca_probe (void)
{
  system_ca_present = access (KN_DOCKER_SYSTEM_CA_BUNDLE, R_OK) == 0;
}

/* The system CA bundle file (Debian's ca-certificates), or NULL. */
static const char *
system_ca_bundle (void)
{
  pthread_once (&system_ca_once, system_ca_probe);
  return system_ca_present ? KN_DOCKER_SYSTEM_CA_BUNDLE : NULL;
}

/* State of one attempt, shared with the curl callbacks. */
struct xfer
{
  const struct kn_docker_req *rq;
  struct kn_docker_resp *resp;
  struct kn_reader *body;
  uint64_t body_left;
  struct kn_error *cb_err; /* error raised inside a callback */
  const struct kn_cancel *cancel;
  int body_too_large;
  uint64_t skipped;
};

static char *
trim_dup (const char *s, size_t n)
{
  while (n && isspace ((unsigned char)*s))
    s++, n--;
  while (n && isspace ((unsigned char)s[n - 1]))
    n--;
  return kn_xstrndup (s, n);
}

static size_t
on_header (char *buf, size_t size, size_t nitems, void *payload)
{
  struct xfer *x = payload;
  struct kn_docker_resp *r = x->resp;
  size_t n = size * nitems;
  const char *colon;

  if (n >= 5 && strncmp (buf, "HTTP/", 5) == 0)
    {
      /* A new response (after 100-continue or a redirect): forget the old headers. */
      const char *sp = memchr (buf, ' ', n);
      uint64_t skip_bytes = r->sink_bytes;
      char *body = r->body;
      size_t body_len = r->body_len;
      r->body = NULL;
      kn_docker_resp_clear (r);
      r->body = body;
      r->body_len = body_len;
      r->sink_bytes = skip_bytes;
      r->retry_after = -1;
      r->content_length = -1;
      r->status = sp ? strtol (sp + 1, NULL, 10) : 0;
      return n;
    }
  colon = memchr (buf, ':', n);
  if (colon == NULL)
    return n;
  size_t klen = (size_t)(colon - buf);
  char *val = trim_dup (colon + 1, n - klen - 1);
#define IS(name) (klen == sizeof (name) - 1 && strncasecmp (buf, name, klen) == 0)
  if (IS ("Location"))
    free (r->location), r->location = KN_STEAL (val);
  else if (IS ("Content-Type"))
    free (r->content_type), r->content_type = KN_STEAL (val);
  else if (IS ("Docker-Content-Digest"))
    free (r->docker_digest), r->docker_digest = KN_STEAL (val);
  else if (IS ("Range"))
    free (r->range), r->range = KN_STEAL (val);
  else if (IS ("Retry-After"))
    {
      char *end;
      long v = strtol (val, &end, 10);
      if (end != val && *end == '\0' && v >= 0)
        r->retry_after = v;
    }
  else if (IS ("Content-Length"))
    r->content_length = strtoll (val, NULL, 10);
  else if (IS ("WWW-Authenticate"))
    {
      r->www_authenticate = kn_xrealloc (r->www_authenticate, (r->n_www + 2) * sizeof (char *));
      r->www_authenticate[r->n_www++] = KN_STEAL (val);
      r->www_authenticate[r->n_www] = NULL;
    }
#undef IS
  free (val);
  return n;
}

static size_t
on_write (char *buf, size_t size, size_t nmemb, void *payload)
{
  struct xfer *x = payload;
  struct kn_docker_resp *r = x->resp;
  size_t n = size * nmemb;
  int ok = r->status >= 200 && r->status < 300;

  if (ok && x->rq->sink)
    {
      size_t off = 0;
      /* A server ignoring Range sends 200 and everything: skip what the caller has. */
      if (r->status == 200 && x->skipped < x->rq->sink_skip)
        {
          uint64_t want = x->rq->sink_skip - x->skipped;
          off = want < n ? (size_t)want : n;
          x->skipped += off;
        }
      if (off < n)
        {
          if (kn_writer_write (x->rq->sink, buf + off, n - off, &x->cb_err) < 0)
            return 0;
          r->sink_bytes += n - off;
        }
      return n;
    }
  size_t limit = ok ? KN_DOCKER_MAX_BODY : 64 * 1024;
  if (r->body_len + n > limit)
    {
      if (ok)
        {
          x->body_too_large = 1;
          return 0;
        }
      return n; /* an error document: keep its beginning */
    }
  r->body = kn_xrealloc (r->body, r->body_len + n + 1);
  memcpy (r->body + r->body_len, buf, n);
  r->body_len += n;
  r->body[r->body_len] = '\0';
  return n;
}

static size_t
on_read (char *buf, size_t size, size_t nitems, void *payload)
{
  struct xfer *x = payload;
  size_t n = size * nitems;
  ssize_t got;
  if (x->body_left == 0)
    return 0;
  if (n > x->body_left)
    n = (size_t)x->body_left;
  got = kn_reader_read (x->body, buf, n, &x->cb_err);
  if (got < 0)
    return CURL_READFUNC_ABORT;
  if (got == 0)
    {
      kn_error_make (&x->cb_err, KN_EIO, 0, "request body ended %llu bytes early", (unsigned long long)x->body_left);
      return CURL_READFUNC_ABORT;
    }
  x->body_left -= (uint64_t)got;
  return (size_t)got;
}

/* curl rewinds the body when it resends a request on a new connection. */
static int
on_seek (void *payload, curl_off_t offset, int origin)
{
  struct xfer *x = payload;
  struct kn_reader *nr = NULL;
  if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->rq->body_len || x->rq->body == NULL)
    return CURL_SEEKFUNC_CANTSEEK;
  kn_error_release (&x->cb_err);
  if (x->rq->body->open (x->rq->body->payload, x->rq->body_offset + (uint64_t)offset, &nr, &x->cb_err) < 0)
    return CURL_SEEKFUNC_FAIL;
  kn_reader_free (x->body);
  x->body = nr;
  x->body_left = x->rq->body_len - (uint64_t)offset;
  return CURL_SEEKFUNC_OK;
}

static int
on_progress (void *payload, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
  struct xfer *x = payload;
  (void)dt, (void)dn, (void)ut, (void)un;
  return x->cancel && kn_cancel_requested (x->cancel) ? 1 : 0;
}

static int
curl_transient (CURLcode rc)
{
  switch (rc)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return 1;
    default:
      return 0;
    }
}

static int
status_transient (long status)
{
  return status == 429 || status == 408 || status == 500 || status == 502 || status == 503 || status == 504;
}

static const char *
tls_hint (CURLcode rc)
{
  switch (rc)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return " (certificate not trusted: pass --registry-certificate or --skip-tls-verify)";
    case CURLE_SSL_CONNECT_ERROR:
      return " (TLS handshake failed: a plain-HTTP registry needs --insecure, one that requires a client "
             "certificate needs --registry-client-cert)";
    case CURLE_SSL_CERTPROBLEM:
      return " (client certificate problem)";
    default:
      return "";
    }
}

/* One attempt.  Returns 0 with resp filled, or < 0 with *err set. */
static int
attempt (struct kn_docker_http *h, const struct kn_docker_req *rq, const char *url, const char *auth_header,
         struct kn_docker_resp *resp, struct kn_error **err)
{
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *hdrs = NULL;
  struct xfer x = { .rq = rq, .resp = resp, .cancel = h->cancel };
  CURL *c;
  CURLcode rc;
  int ret = 0;

  kn_docker_resp_clear (resp);
  resp->retry_after = -1;
  resp->content_length = -1;
  c = curl_easy_init ();
  if (c == NULL)
    kn_oom ();
  if (rq->body)
    {
      ret = rq->body->open (rq->body->payload, rq->body_offset, &x.body, err);
      if (ret < 0)
        {
          curl_easy_cleanup (c);
          return ret;
        }
      x.body_left = rq->body_len;
    }

  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_SHARE, h->share->sh);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "kaniko/" PACKAGE_VERSION);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, 120L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt (c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (rq->follow_redirects)
    {
      curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt (c, CURLOPT_MAXREDIRS, 10L);
    }
  if (h->skip_tls_verify)
    {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (h->ca_file)
    curl_easy_setopt (c, CURLOPT_CAINFO, h->ca_file); /* added to the default CA path */
  else if (!h->skip_tls_verify && system_ca_bundle ())
    {
      /* One bundle file instead of the build's CA directory, which
       * libcurl-gnutls reads file by file (~600 files) on every handshake. */
      curl_easy_setopt (c, CURLOPT_CAINFO, system_ca_bundle ());
      curl_easy_setopt (c, CURLOPT_CAPATH, NULL);
    }
  if (h->client_cert)
    curl_easy_setopt (c, CURLOPT_SSLCERT, h->client_cert);
  if (h->client_key)
    curl_easy_setopt (c, CURLOPT_SSLKEY, h->client_key);

  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (c, CURLOPT_XFERINFODATA, &x);

  if (strcmp (rq->method, "HEAD") == 0)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  else if (strcmp (rq->method, "POST") == 0)
    {
      curl_easy_setopt (c, CURLOPT_POST, 1L);
      curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
      if (rq->body)
        {
          curl_easy_setopt (c, CURLOPT_READFUNCTION, on_read);
          curl_easy_setopt (c, CURLOPT_READDATA, &x);
          curl_easy_setopt (c, CURLOPT_SEEKFUNCTION, on_seek);
          curl_easy_setopt (c, CURLOPT_SEEKDATA, &x);
        }
      else
        curl_easy_setopt (c, CURLOPT_POSTFIELDS, "");
    }
  else if (strcmp (rq->method, "PUT") == 0 || strcmp (rq->method, "PATCH") == 0)
    {
      curl_easy_setopt (c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
      curl_easy_setopt (c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (c, CURLOPT_READDATA, &x);
      curl_easy_setopt (c, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt (c, CURLOPT_SEEKDATA, &x);
      if (strcmp (rq->method, "PATCH") == 0)
        curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, "PATCH");
    }
  else if (strcmp (rq->method, "GET") != 0)
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, rq->method);

  hdrs = curl_slist_append (hdrs, "Expect:");
  for (size_t i = 0; rq->headers && rq->headers[i]; i++)
    hdrs = curl_slist_append (hdrs, rq->headers[i]);
  if (auth_header)
    hdrs = curl_slist_append (hdrs, auth_header);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hdrs);

  __atomic_add_fetch (&h->n_requests, 1, __ATOMIC_RELAXED);
  rc = curl_easy_perform (c);

  if (rc == CURLE_OK)
    {
      long code = 0;
      curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &code);
      if (code)
        resp->status = code;
      kn_log (KN_LOG_DEBUG, "docker: %s %s -> %ld", rq->method, url, resp->status);
    }
  else if (x.cb_err)
    {
      ret = -x.cb_err->code;
      propagate (err, x.cb_err);
      x.cb_err = NULL;
      kn_error_wrap (err, "%s %s", rq->method, url);
    }
  else if (rc == CURLE_ABORTED_BY_CALLBACK)
    ret = kn_error_make (err, KN_ECANCELED, 0, "%s %s: cancelled", rq->method, url);
  else if (x.body_too_large)
    ret = kn_error_make (err, KN_EPROTO, 0, "%s %s: response larger than %u bytes", rq->method, url,
                         KN_DOCKER_MAX_BODY);
  else
    {
      kn_log (KN_LOG_DEBUG, "docker: %s %s -> %s", rq->method, url, curl_easy_strerror (rc));
      /* A TLS alert (a server demanding a client certificate, say) is no network hiccup. */
      int alert = strstr (errbuf, "TLS fatal alert") != NULL;
      const char *hint = alert ? " (the server ended the TLS session: does it require a client certificate "
                                 "(--registry-client-cert)?)"
                               : tls_hint (rc);
      resp->transient = curl_transient (rc) && !alert;
      ret = kn_error_make (err, KN_EIO, 0, "%s %s: %s%s%s%s", rq->method, url, curl_easy_strerror (rc),
                           errbuf[0] ? " (" : "", errbuf, errbuf[0] ? ")" : "");
      if (err && *err && hint[0])
        {
          char *m = kn_xasprintf ("%s%s", (*err)->msg, hint);
          free ((*err)->msg);
          (*err)->msg = m;
        }
    }
  kn_error_free (x.cb_err);
  curl_slist_free_all (hdrs);
  kn_reader_free (x.body);
  curl_easy_cleanup (c);
  if (ret < 0)
    {
      /* A failed attempt (aborted, cancelled, cut off) keeps only what a
       * resume needs: callers do not clear the headers of a failure. */
      uint64_t sink_bytes = resp->sink_bytes;
      int transient = resp->transient;
      kn_docker_resp_clear (resp);
      resp->sink_bytes = sink_bytes;
      resp->transient = transient;
    }
  return ret;
}

static int
sleep_ms (struct kn_docker_http *h, unsigned long ms, struct kn_error **err)
{
  while (ms)
    {
      unsigned long step = ms > 100 ? 100 : ms;
      struct timespec ts = { (time_t)(step / 1000), (long)(step % 1000) * 1000000L };
      if (h->cancel && kn_cancel_requested (h->cancel))
        return kn_error_make (err, KN_ECANCELED, 0, "cancelled while waiting to retry");
      nanosleep (&ts, NULL);
      ms -= step;
    }
  return 0;
}

int
kn_docker_http_do (struct kn_docker_http *h, const struct kn_docker_req *rq, struct kn_docker_resp *resp,
                   struct kn_error **err)
{
  kn_cleanup_free char *url = NULL;
  unsigned tries = 0;
  int auth_retried = 0;
  int ret;

  if (rq->url[0] == '/')
    {
      ret = kn_docker_http_ping (h, err);
      if (ret < 0)
        return ret;
    }
  url = kn_docker_http_resolve (h, rq->url);
  for (;;)
    {
      kn_cleanup_free char *auth_header = NULL;
      struct kn_error *e = NULL;
      unsigned long wait_ms;

      if (h->auth && !rq->no_auth)
        {
          ret = kn_docker_auth_header (h->auth, h, rq->scope, &auth_header, err);
          if (ret < 0)
            return ret;
        }
      ret = attempt (h, rq, url, auth_header, resp, &e);
      if (auth_header)
        explicit_bzero (auth_header, strlen (auth_header));
      if (ret == 0 && resp->status == 401 && h->auth && !rq->no_auth && !auth_retried)
        {
          auth_retried = 1;
          ret = kn_docker_auth_challenge (h->auth, h, resp->www_authenticate, rq->scope, err);
          if (ret < 0)
            {
              kn_docker_resp_clear (resp);
              return ret;
            }
          if (ret > 0)
            continue;
          return 0;
        }
      if (ret < 0 && (!resp->transient || resp->sink_bytes > 0 || rq->no_retry || tries >= h->retries))
        {
          propagate (err, e);
          return ret;
        }
      if (ret == 0 && (!status_transient (resp->status) || rq->no_retry || tries >= h->retries || resp->sink_bytes > 0))
        return 0;
      /* Transient: back off (or obey Retry-After) and try again. */
      wait_ms = (unsigned long)h->backoff_ms << (tries < 5 ? tries : 5);
      if (ret == 0 && resp->retry_after >= 0)
        wait_ms = (unsigned long)(resp->retry_after > 60 ? 60 : resp->retry_after) * 1000UL;
      kn_log (KN_LOG_WARN, "docker: %s %s: %s; retrying in %lu ms (%u/%u)", rq->method, url, e ? e->msg : "server busy",
              wait_ms, tries + 1, h->retries);
      kn_error_free (e);
      tries++;
      ret = sleep_ms (h, wait_ms, err);
      if (ret < 0)
        {
          kn_docker_resp_clear (resp);
          return ret;
        }
    }
}

int
kn_docker_http_local_host (const char *host)
{
  kn_cleanup_free char *name = NULL;
  unsigned a, b, c, d;
  char tail;

  if (host[0] == '[')
    return strncmp (host, "[::1]", 5) == 0;
  name = kn_xstrndup (host, strcspn (host, ":"));
  if (strcmp (name, "localhost") == 0)
    return 1;
  if (sscanf (name, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return 0;
  return a == 127 || a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168);
}

static char **
strv_dup (char *const *v)
{
  size_t n = 0;
  char **out;
  while (v && v[n])
    n++;
  if (n == 0)
    return NULL;
  out = kn_xcalloc (n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = kn_xstrdup (v[i]);
  return out;
}

/* Ping /v2/ of H's host (https, then http when N_SCHEMES is 2) and record
 * the scheme and challenge in the host's share.  Called with the share's
 * ping_lock held.  Returns 0 or < 0 with *err set. */
static int
ping_host (struct kn_docker_http *h, size_t n_schemes, struct kn_error **err)
{
  static const char *const schemes[] = { "https", "http" };
  struct kn_docker_share *s = h->share;
  struct kn_error *first = NULL;
  int ret;

  for (size_t i = 0; i < n_schemes; i++)
    {
      struct kn_docker_resp resp = { 0 };
      struct kn_error *e = NULL;
      kn_cleanup_free char *url = kn_xasprintf ("%s://%s/v2/", schemes[i], h->host);
      struct kn_docker_req rq = { .method = "GET", .url = url, .no_auth = 1, .no_retry = i + 1 < n_schemes };
      ret = kn_docker_http_do (h, &rq, &resp, &e);
      if (ret < 0)
        {
          if (first == NULL)
            first = e;
          else
            kn_error_free (e);
          kn_docker_resp_clear (&resp);
          continue;
        }
      kn_error_free (e);
      if (resp.status == 200 || resp.status == 401 || resp.status == 404)
        {
          free (s->scheme);
          s->scheme = kn_xstrdup (schemes[i]);
          kn_strv_free (s->challenge);
          s->challenge = resp.status == 401 ? strv_dup (resp.www_authenticate) : NULL;
          kn_docker_resp_clear (&resp);
          kn_error_free (first);
          return 0;
        }
      ret = kn_docker_http_error (&resp, "", &e);
      kn_docker_resp_clear (&resp);
      if (first == NULL)
        first = e;
      else
        kn_error_free (e);
    }
  if (first == NULL)
    return kn_error_make (err, KN_EIO, 0, "registry %s: no answer", h->host);
  ret = -first->code;
  propagate (err, first);
  kn_error_wrap (err, "registry %s", h->host);
  return ret;
}

int
kn_docker_http_ping (struct kn_docker_http *h, struct kn_error **err)
{
  struct kn_docker_share *s = h->share;
  kn_cleanup_strv char **challenge = NULL;
  int ret = 0;
  /* Like go-containerregistry: http is tried after https for insecure
   * registries and for loopback and private (RFC 1918) addresses. */
  size_t n_schemes = h->insecure || kn_docker_http_local_host (h->host) ? 2 : 1;

  pthread_mutex_lock (&h->lock);
  if (h->pinged)
    {
      pthread_mutex_unlock (&h->lock);
      return 0;
    }
  /* One ping per host: the other repositories (and workers) wait for it
   * and reuse its answer, unless it chose http and this one may not. */
  pthread_mutex_lock (&s->ping_lock);
  if (s->scheme == NULL || (n_schemes < 2 && strcmp (s->scheme, "https") != 0))
    ret = ping_host (h, n_schemes, err);
  if (ret == 0)
    {
      free (h->scheme);
      h->scheme = kn_xstrdup (s->scheme);
      challenge = strv_dup (s->challenge);
    }
  pthread_mutex_unlock (&s->ping_lock);
  if (ret == 0 && h->auth && challenge)
    {
      ret = kn_docker_auth_prime (h->auth, challenge, err);
      if (ret < 0)
        kn_error_wrap (err, "ping %s", h->host);
    }
  if (ret == 0)
    h->pinged = 1;
  pthread_mutex_unlock (&h->lock);
  return ret;
}

static int
status_code (long status)
{
  switch (status)
    {
    case 401:
      return KN_EAUTH;
    case 403:
      return KN_EPERM;
    case 404:
      return KN_ENOTFOUND;
    case 400:
    case 405:
    case 411:
    case 413:
    case 416:
      return KN_EINVAL;
    default:
      return status >= 500 || status == 429 ? KN_EIO : KN_EPROTO;
    }
}

int
kn_docker_http_error (const struct kn_docker_resp *resp, const char *what, struct kn_error **err)
{
  kn_cleanup_free char *detail = NULL;
  struct json_object *doc = resp->body ? json_tokener_parse (resp->body) : NULL;
  struct json_object *errors;

  /* {"errors":[{"code":"...","message":"..."}]} */
  if (doc && json_object_object_get_ex (doc, "errors", &errors) && json_object_is_type (errors, json_type_array))
    {
      for (size_t i = 0; i < json_object_array_length (errors) && i < 4; i++)
        {
          struct json_object *e = json_object_array_get_idx (errors, i), *code, *msg;
          const char *c = json_object_object_get_ex (e, "code", &code) ? json_object_get_string (code) : NULL;
          const char *m = json_object_object_get_ex (e, "message", &msg) ? json_object_get_string (msg) : NULL;
          char *n = kn_xasprintf ("%s%s%s%s%s", detail ? detail : "", detail ? "; " : "", c ? c : "",
                                  c && m ? ": " : "", m ? m : "");
          free (detail);
          detail = n;
        }
    }
  json_object_put (doc);
  return kn_error_make (err, status_code (resp->status), 0, "%s%sHTTP %ld%s%s", what, what[0] ? ": " : "", resp->status,
                        detail ? ": " : "", detail ? detail : "");
}
