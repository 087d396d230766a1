/* HTTP(S) downloads for ADD through libcurl. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/util.h>

#include "core/build/fetch.h"

bool
kn_fetch_is_url (const char *word)
{
  return strncmp (word, "http://", 7) == 0 || strncmp (word, "https://", 8) == 0;
}

bool
kn_fetch_is_git (const char *word)
{
  if (strncmp (word, "git://", 6) == 0 || strncmp (word, "git@", 4) == 0 || strncmp (word, "ssh://", 6) == 0)
    return true;
  if (!kn_fetch_is_url (word))
    return false;
  size_t n = strcspn (word, "#?");
  return n >= 4 && strncmp (word + n - 4, ".git", 4) == 0;
}

char *
kn_fetch_filename (const char *url)
{
  const char *p = strstr (url, "://");
  p = p ? p + 3 : url;
  size_t plen = strcspn (p, "?#");
  kn_cleanup_free char *path = kn_xstrndup (p, plen);
  char *slash = strchr (path, '/');
  if (!slash)
    return kn_xstrdup ("__unnamed__");
  char *end = path + strlen (path);
  while (end > slash && end[-1] == '/')
    *--end = '\0';
  char *base = strrchr (path, '/');
  if (!base || base[1] == '\0')
    return kn_xstrdup ("__unnamed__");
  return kn_xstrdup (base + 1);
}

struct sink
{
  int fd;
  struct kn_hasher *h;
  uint64_t size;
  int errnum;
  const struct kn_cancel *cancel;
};

static size_t
on_data (char *ptr, size_t size, size_t nmemb, void *ud)
{
  struct sink *s = ud;
  size_t len = size * nmemb, done = 0;
  while (done < len)
    {
      ssize_t n = write (s->fd, ptr + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          s->errnum = errno;
          return 0;
        }
      done += (size_t)n;
    }
  kn_hasher_update (s->h, ptr, len);
  s->size += len;
  return len;
}

static int
on_progress (void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
  (void)dt, (void)dn, (void)ut, (void)un;
  struct sink *s = ud;
  return kn_cancel_requested (s->cancel) ? 1 : 0;
}

int
kn_fetch_url (const char *url, int fd, const struct kn_cancel *cancel, struct kn_fetch_result *res,
              struct kn_error **err)
{
  CURL *h = curl_easy_init ();
  if (!h)
    return kn_error_make (err, KN_EINTERNAL, 0, "GET %s: cannot initialise libcurl", url);
  struct sink s = { fd, kn_hasher_new (), 0, 0, cancel };
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_FILETIME, 1L);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_USERAGENT, "kaniko/" PACKAGE_VERSION);
  curl_easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt (h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (h, CURLOPT_XFERINFODATA, &s);
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, 60L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME, 300L);
  CURLcode rc = curl_easy_perform (h);
  long status = 0;
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t ft = -1;
  curl_easy_getinfo (h, CURLINFO_FILETIME_T, &ft);
  curl_easy_cleanup (h);
  int r = 0;
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    r = kn_error_make (err, KN_ECANCELED, 0, "GET %s: cancelled", url);
  else if (rc == CURLE_WRITE_ERROR && s.errnum)
    r = kn_error_make (err, kn_error_code_from_errno (s.errnum), s.errnum, "GET %s: write", url);
  else if (rc != CURLE_OK)
    r = kn_error_make (err, KN_EIO, 0, "GET %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror (rc));
  else if (status < 200 || status > 299)
    r = kn_error_make (err, KN_EIO, 0, "GET %s: HTTP status %ld", url, status);
  if (r < 0)
    {
      kn_hasher_free (s.h);
      return r;
    }
  kn_hasher_finish (s.h, res->digest);
  res->size = s.size;
  res->mtime = ft >= 0 ? (int64_t)ft : -1;
  return 0;
}
