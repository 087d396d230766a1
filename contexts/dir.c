/* "dir" context source: serves dir:///path and plain paths ("/src", "."),
 * i.e. a local directory used as is (nothing is copied).  The result is the
 * absolute real path of the directory, or of --context-sub-path inside it;
 * a sub-path that leaves the context (through ".." or a symlink) is refused. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kaniko/sys/context.h>
#include <kaniko/sys/util.h>

#include "contexts/subpath.h"

static int
dir_fetch (const struct kn_context_request *req, char **out_dir, struct kn_error **err)
{
  const char *path = req->location && *req->location ? req->location : req->url;
  if (path == NULL || *path == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "context: empty directory path");
  const char *url = req->url ? req->url : path;
  kn_cleanup_free char *root = realpath (path, NULL);
  if (root == NULL)
    {
      int e = errno;
      if (e == ENOENT)
        return kn_error_make (err, KN_ENOTFOUND, 0, "context %s: directory %s does not exist", url, path);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "context %s: directory %s", url, path);
    }
  struct stat st;
  if (stat (root, &st) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "context %s: directory %s", url, path);
  if (!S_ISDIR (st.st_mode))
    return kn_error_make (err, KN_EINVAL, 0, "context %s: %s is not a directory", url, path);
  return kn_context_apply_sub_path (url, root, req->sub_path, root, out_dir, err);
}

static const char *const dir_schemes[] = { "dir", "", NULL };

static const struct kn_context_source dir_source = {
  .version = KN_CONTEXT_VERSION,
  .name = "dir",
  .schemes = dir_schemes,
  .fetch = dir_fetch,
};

KN_PLUGIN_DEFINE (dir, "dir", "1.0.0", "build context from a local directory (dir:// or a plain path)", NULL, NULL,
                  KN_FEATURE (KN_KIND_CONTEXT, &dir_source));
