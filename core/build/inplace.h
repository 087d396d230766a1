/* --runner=inplace: kaniko's own-container mode, where the stages are built
 * on the machine's real root "/".  The ignore list (what is never snapshotted
 * nor wiped), the wipe between stages and at --cleanup (Go kaniko's
 * util.DeleteFilesystem), and the container check behind --force. */
#ifndef KN_CORE_BUILD_INPLACE_H
#define KN_CORE_BUILD_INPLACE_H

#include <stdbool.h>

#include <kaniko/build.h>
#include <kaniko/error.h>

/* Whether this process looks like it runs in a container (the checks of Go
 * kaniko's container-runtime detection: /.dockerenv, /run/.containerenv, the
 * "container" environment variable, a runtime named in /proc/1/cgroup or
 * /proc/self/cgroup). */
bool kn_inplace_in_container (void);

/* Paths never snapshotted (root-relative, clean): what the runners mount
 * (proc, sys, dev), var/run unless --ignore-var-run=false, and every
 * --ignore-path.  A NULL-terminated vector the caller frees (kn_strv_free). */
char **kn_build_ignore_list (const struct kn_build_options *o);

/* The root-relative paths (no leading "/", malloc'd NULL-terminated vector)
 * that an in-place build of "/" never snapshots nor wipes: proc, sys, dev,
 * var/run (with --ignore-var-run), every --ignore-path, every mount point of
 * /proc/self/mountinfo other than "/", and the absolute paths KEEP (the
 * kaniko dir, the build context, the outputs; NULL entries are skipped, the
 * vector ends at N). */
char **kn_inplace_ignore_list (const struct kn_build_options *o, const char *const *keep, size_t n);

/* Delete everything under ROOT ("/" for a build) except the root-relative
 * paths of IGNORE and their ancestors, never descending into another
 * filesystem (a mount point missing from IGNORE is kept).  Returns the
 * number of entries removed or < 0 (the first failure, after trying the
 * rest). */
int kn_inplace_wipe (const char *root, char *const *ignore, struct kn_error **err);

#endif
