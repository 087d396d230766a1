/* --context-sub-path resolution shared by the "dir" and "tar" context sources. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kaniko/sys/util.h>

#include "contexts/subpath.h"

/* True when PATH is ROOT or below it (both absolute real paths). */
static int
subpath_is_inside (const char *root, const char *path)
{
  size_t n = strlen (root);
  if (strcmp (root, "/") == 0)
    return 1;
  return strncmp (path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
kn_context_apply_sub_path (const char *url, const char *root, const char *sub, const char *shown_root, char **out,
                           struct kn_error **err)
{
  if (sub == NULL || *sub == '\0')
    {
      *out = kn_xstrdup (root);
      return 0;
    }
  kn_cleanup_free char *joined = kn_xasprintf ("%s/%s", root, sub);
  kn_cleanup_free char *real = realpath (joined, NULL);
  if (real == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "context %s: sub-path \"%s\"", url, sub);
  if (!subpath_is_inside (root, real))
    {
      if (shown_root != NULL)
        return kn_error_make (err, KN_EPERM, 0, "context %s: sub-path \"%s\" leaves the context directory %s", url,
                              sub, shown_root);
      return kn_error_make (err, KN_EPERM, 0, "context %s: sub-path \"%s\" leaves the context directory", url, sub);
    }
  struct stat st;
  if (stat (real, &st) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "context %s: sub-path \"%s\"", url, sub);
  if (!S_ISDIR (st.st_mode))
    return kn_error_make (err, KN_EINVAL, 0, "context %s: sub-path \"%s\" is not a directory", url, sub);
  *out = KN_STEAL (real);
  return 0;
}
