/* docker registry plugin: HTTP transport over libcurl (easy handles sharing
 * one connection/DNS/TLS-session cache per registry host), retries with
 * backoff and Retry-After, and the authentication retry on 401. */
#ifndef KN_PLUGIN_DOCKER_HTTP_H
#define KN_PLUGIN_DOCKER_HTTP_H

#include <pthread.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

struct kn_docker_auth;
struct kn_docker_share;
struct kn_docker_tokens;

/* Transport settings and state for one registry host (shared by one repository's calls). */
struct kn_docker_http
{
  char *host;   /* "host[:port]" as used in URLs */
  char *scheme; /* "https" or "http" once pinged, else NULL */
  int insecure; /* fall back to http:// when https fails */
  int skip_tls_verify;
  char *ca_file, *client_cert, *client_key;
  unsigned retries;    /* extra attempts for transient failures */
  unsigned backoff_ms; /* first backoff delay (doubles per attempt) */
  const struct kn_cancel *cancel;
  struct kn_docker_share *share;
  struct kn_docker_auth *auth; /* owned; may be NULL (no authentication) */
  unsigned long n_requests;    /* HTTP requests sent (for tests and logs) */
  int pinged;
  pthread_mutex_t lock;
};

/* One request.  URL is absolute or a path ("/v2/...") on the registry. */
struct kn_docker_req
{
  const char *method; /* GET HEAD PUT POST PATCH DELETE */
  const char *url;
  const char *scope;                 /* auth scope ("repository:a/b:pull"), or NULL */
  const char *const *headers;        /* NULL-terminated "Name: value" list, or NULL */
  const struct kn_blob_source *body; /* request body (reopened on retries), or NULL */
  uint64_t body_offset, body_len;
  struct kn_writer *sink; /* receives a 2xx body; NULL: kept in resp->body */
  uint64_t sink_skip;     /* on a 200 (Range ignored), drop this many leading bytes */
  int follow_redirects;
  int no_auth; /* do not add credentials (token server calls add their own) */
  int no_retry;
};

/* The response of the last attempt.  Free with kn_docker_resp_clear(). */
struct kn_docker_resp
{
  long status;
  char *location, *content_type, *docker_digest, *range;
  char **www_authenticate; /* NULL-terminated */
  size_t n_www;
  long retry_after;       /* seconds, or -1 */
  int64_t content_length; /* -1 when unknown */
  char *body;             /* error bodies, or the 2xx body without a sink (NUL-terminated) */
  size_t body_len;
  uint64_t sink_bytes; /* bytes written to the sink */
  int transient;       /* set with a transport error that a resume may fix */
};

/* Largest body kept in memory (manifests, token and error documents). */
#define KN_DOCKER_MAX_BODY (4u << 20)

/* A new transport for HOST ("host[:port]"); never NULL.  Free with kn_docker_http_free(). */
struct kn_docker_http *kn_docker_http_new (const char *host);
/* The Bearer token cache of H's host (shared by every transport of the host,
 * alive as long as H); give it to kn_docker_auth_new. */
struct kn_docker_tokens *kn_docker_http_tokens (struct kn_docker_http *h);
/* Free H, its auth state and its reference to the share (NULL-safe). */
void kn_docker_http_free (struct kn_docker_http *h);

/* Free the per-host share handles (connections, ping results) no
 * repository uses any more; the plugin's fini calls it. */
void kn_docker_http_cleanup (void);

/* True for hosts reached over http after https fails even without
 * --insecure (go-containerregistry's rule): localhost, 127/8, [::1], RFC 1918. */
int kn_docker_http_local_host (const char *host);

/* Ping /v2/ once per host and process (choosing https or, for insecure
 * registries, http; the result is kept in the host's share) and prime H's
 * auth state from the challenge.  Returns 0 or < 0 with *err set. */
int kn_docker_http_ping (struct kn_docker_http *h, struct kn_error **err);

/* Perform RQ, retrying transient failures and answering one 401 challenge.
 * Returns 0 when a response arrived (any status: look at resp->status) or
 * < 0 with *err set on a transport failure.  RESP is the caller's (zeroed). */
int kn_docker_http_do (struct kn_docker_http *h, const struct kn_docker_req *rq, struct kn_docker_resp *resp,
                       struct kn_error **err);

/* Free the members of RESP and zero it. */
void kn_docker_resp_clear (struct kn_docker_resp *resp);

/* Make an error for an unexpected response: code from the status (404 ->
 * ENOTFOUND, 401 -> EAUTH, 403 -> EPERM, ...), message WHAT + status + the
 * registry's error codes from the body.  Returns the negative code. */
int kn_docker_http_error (const struct kn_docker_resp *resp, const char *what, struct kn_error **err);

/* A request body over memory the caller keeps alive. */
struct kn_docker_mem
{
  struct kn_blob_source src;
  const void *buf;
};
/* Make M a source reading LEN bytes of BUF (use &m->src as the request body). */
void kn_docker_mem_source (struct kn_docker_mem *m, const void *buf, size_t len);

/* Resolve a Location header against H's base URL; returns a new string. */
char *kn_docker_http_resolve (struct kn_docker_http *h, const char *location);

#endif
