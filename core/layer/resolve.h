/* In-root path resolution: every path of a layer is resolved inside a root
 * directory as if the root were "/" (chroot semantics), so neither "..",
 * absolute symlinks nor symlinked parents can reach outside it.  Uses
 * openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) when the kernel has it and
 * an equivalent component-by-component O_NOFOLLOW walk otherwise. */
#ifndef KN_CORE_LAYER_RESOLVE_H
#define KN_CORE_LAYER_RESOLVE_H

#include <kaniko/error.h>

enum kn_resolve_flags {
  KN_RESOLVE_CREATE = 1 << 0,   /* create missing directories (mode 0755) */
  KN_RESOLVE_NOFOLLOW = 1 << 1  /* refuse any symlink on the way (-KN_EPERM) */
};

/* Open directory PATH (root-relative, may be "" for the root) below ROOTFD,
 * resolving symlinks inside the root.  Returns a new O_DIRECTORY fd (>= 0) or
 * a negative code (-KN_ENOTFOUND, -KN_EPERM, -KN_EIO) with *err naming PATH. */
int kn_resolve_dir (int rootfd, const char *path, int flags, struct kn_error **err);

/* Split PATH into its parent directory, opened with kn_resolve_dir() (fd
 * returned), and its last component (*base, malloc'd, never "", "." or "..").
 * PATH must be a cleaned root-relative path (kn_layer_path_clean). */
int kn_resolve_parent (int rootfd, const char *path, int flags, char **base, struct kn_error **err);

/* Remove NAME in DIRFD and everything below it without following symlinks.
 * A missing NAME is fine.  Returns 0 or a negative code. */
int kn_resolve_remove_all (int dirfd, const char *name, struct kn_error **err);

/* Force (1) or stop forcing (0) the portable walk instead of openat2 (tests). */
void kn_resolve_force_walk (int on);

/* 1 when openat2 with RESOLVE_IN_ROOT is used, else 0. */
int kn_resolve_have_openat2 (void);

#endif
