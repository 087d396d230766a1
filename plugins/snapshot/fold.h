/* Folding an overlayfs upper directory into its lower directory (the stage
 * root) while reporting what it holds: entries => ADD, a directory with
 * trusted.overlay.opaque=y over an existing directory => OPAQUE (its content
 * ADD), whiteouts (character devices 0/0) => DELETE.  Entries are renamed
 * into the root (copied when the two are on different filesystems); overlay's
 * own trusted.overlay.* attributes never reach the root.  The overlay must be
 * unmounted.  The cost is proportional to the size of the upper directory. */
#ifndef KN_PLUGINS_SNAPSHOT_FOLD_H
#define KN_PLUGINS_SNAPSHOT_FOLD_H

#include <stddef.h>

#include <kaniko/sys/snapshot.h>

/* Move the content of UPPER into ROOT, applying whiteouts, and add the
 * changes to CS (ignored paths, N_IGNORE cleaned entries of IGNORE, are
 * folded but never reported).  UPPER is left empty or with emptied
 * directories.  Stops with KN_ECANCELED when CANCEL (may be NULL) is
 * requested (ROOT is then partly folded: the build is being abandoned).
 * Returns 0 or < 0 with *err naming the entry. */
int kn_snapfold (const char *upper, const char *root, char *const *ignore, size_t n_ignore, struct kn_changeset *cs,
                 const struct kn_cancel *cancel, struct kn_error **err);

/* Remove NAME of DIRFD and, for a directory, everything below it (not
 * following symlinks); a missing NAME is fine.  Returns 0 or < 0. */
int kn_snapfold_remove (int dirfd, const char *name, struct kn_error **err);

/* Remove everything inside the directory PATH (PATH stays).  Returns 0 or < 0. */
int kn_snapfold_empty (const char *path, struct kn_error **err);

#endif
