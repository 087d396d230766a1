/* ADD <http(s) url>: download with libcurl into a file descriptor while
 * hashing (sha256), with the remote file name and Last-Modified time. */
#ifndef KN_CORE_BUILD_FETCH_H
#define KN_CORE_BUILD_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/sys/plugin.h>

#include "core/util/digest.h"

struct kn_fetch_result
{
  int64_t mtime;                  /* Last-Modified (seconds), or -1 when absent */
  uint64_t size;                  /* bytes written */
  char digest[KN_DIGEST_STR_LEN]; /* "sha256:<hex>" of the body */
};

/* 1 when WORD is an http:// or https:// URL. */
bool kn_fetch_is_url (const char *word);

/* 1 when WORD names a git repository (git://, git@host:, ssh://, or an
 * http(s) URL whose path ends with ".git", optionally followed by "#ref"). */
bool kn_fetch_is_git (const char *word);

/* The file name ADD gives a download of URL: the last component of the URL
 * path ("__unnamed__" when empty, as BuildKit).  New string. */
char *kn_fetch_filename (const char *url);

/* GET URL (redirects followed) and write the body to FD.  A non-2xx status is
 * -KN_EIO ("GET <url>: 404 Not Found"); CANCEL (may be NULL) aborts with
 * -KN_ECANCELED. Returns 0 and fills *RES. */
int kn_fetch_url (const char *url, int fd, const struct kn_cancel *cancel, struct kn_fetch_result *res,
                  struct kn_error **err);

#endif
