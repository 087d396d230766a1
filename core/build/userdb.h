/* User and group lookup inside a root filesystem (its /etc/passwd and
 * /etc/group, read without leaving the root), as BuildKit resolves
 * COPY --chown and runc resolves USER. */
#ifndef KN_CORE_BUILD_USERDB_H
#define KN_CORE_BUILD_USERDB_H

#include <stddef.h>
#include <sys/types.h>

#include <kaniko/error.h>

/* "user[:group]" for --chown: each part a name (looked up in ROOT) or a
 * number.  A name alone gives the user's primary group, a number alone the
 * same number as gid (BuildKit).  Returns 0 or -KN_EINVAL/-KN_ENOTFOUND
 * ("unable to find user x: no matching entries in passwd file"). */
int kn_userdb_resolve_chown (const char *root, const char *spec, uid_t *uid, gid_t *gid, struct kn_error **err);

/* USER "user[:group]" for a process: uid, primary gid (passwd entry, 0 for an
 * unknown numeric uid, or the explicit group) and the supplementary groups of
 * the user from /etc/group (*groups malloc'd, caller frees; may be NULL when
 * *n_groups is 0).  Returns 0 or a negative code. */
int kn_userdb_resolve_user (const char *root, const char *user, uid_t *uid, gid_t *gid, gid_t **groups,
                            size_t *n_groups, struct kn_error **err);

#endif
