/* --context-sub-path resolution shared by the "dir" and "tar" context
 * sources (compiled into each module, or once into the builtin set). */
#ifndef KN_CONTEXTS_SUBPATH_H
#define KN_CONTEXTS_SUBPATH_H

#include <kaniko/error.h>

/* *OUT = the real path of SUB inside ROOT (a copy of ROOT when SUB is NULL or
 * empty); the caller frees it.  Refuses (KN_EPERM) a SUB that leaves ROOT
 * through ".." or a symlink, and (KN_EINVAL) one that is not a directory.
 * URL names the context in messages; SHOWN_ROOT, when not NULL, is appended
 * to the "leaves the context directory" message.  Returns 0 or -KN_E*. */
int kn_context_apply_sub_path (const char *url, const char *root, const char *sub, const char *shown_root, char **out,
                               struct kn_error **err);

#endif
