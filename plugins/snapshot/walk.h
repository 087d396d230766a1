/* The walking snapshotters ("full", "redo", "time"): walk the stage root
 * (openat/statx, never following symlinks, never crossing into another
 * mount, skipping the ignored paths), compare with the state kept from the
 * previous walk and report the differences.
 *
 *   full  type, mode, owner, mtime, inode, content (SHA-256 of regular
 *         files), symlink target.  A file whose (size, mtime, ctime, inode)
 *         equal the baseline's is not read again: any write to its content
 *         changes its mtime and ctime, so the hash cannot differ (a
 *         documented deviation from kaniko, which rereads every file).
 *         Entries whose times lie within 2 s of the start of the walk that
 *         recorded them are "racy" (coarse timestamps) and always reread.
 *   redo  type, mode, owner, size, mtime, inode, symlink target.
 *   time  type, mtime, symlink target (kaniko: mtime only).
 *
 * In every mode a directory whose inode or birth time changed was deleted
 * and recreated: OPAQUE plus ADDs for its whole content. */
#ifndef KN_PLUGINS_SNAPSHOT_WALK_H
#define KN_PLUGINS_SNAPSHOT_WALK_H

#include <kaniko/sys/snapshot.h>

enum kn_snapwalk_mode {
  KN_SNAPWALK_FULL = 0,
  KN_SNAPWALK_REDO,
  KN_SNAPWALK_TIME
};

/* Open a walking session of MODE on P->root (the first walk is the
 * baseline); *OUT is freed by kn_snapwalk_close().  Returns 0 or < 0. */
int kn_snapwalk_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, enum kn_snapwalk_mode mode,
                      struct kn_error **err);

/* Remember PATH (root-relative) so the next diff reports it even when
 * unchanged; the next diff still walks the whole root.  Returns 0 or < 0. */
int kn_snapwalk_record (struct kn_snapshot *s, const char *path, struct kn_error **err);

/* Walk the root, add the changes since the last diff (or open) and the
 * recorded paths to CS, and make the new state the baseline.  On error the
 * baseline stays.  Returns 0 or < 0 with *err naming the path. */
int kn_snapwalk_diff (struct kn_snapshot *s, struct kn_changeset *cs, struct kn_error **err);

/* Free a session opened by kn_snapwalk_open() (NULL-safe). */
void kn_snapwalk_close (struct kn_snapshot *s);

/* Number of entries in the baseline of S (for tests and logs). */
size_t kn_snapwalk_count (struct kn_snapshot *s);

#endif
