/* The compact state of a tree for the walking snapshotters: one fixed-size
 * record per entry (no per-entry heap object) in an array sorted in layer
 * order, the paths packed in one string pool.  About 90 bytes plus the path
 * per entry: 100,000 files take ~13 MB. */
#ifndef KN_PLUGINS_SNAPSHOT_STATE_H
#define KN_PLUGINS_SNAPSHOT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>

#define KN_SNAPSTATE_HASH_LEN 32

/* One entry of a tree, as seen by lstat (statx). */
struct kn_snapstate_entry {
  uint64_t ino;
  int64_t size;
  int64_t mtime_ns;
  int64_t ctime_ns;
  int64_t btime_ns; /* birth time, 0 when the filesystem does not say */
  uint32_t path;    /* offset of the root-relative path in the pool */
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t nlink;
  /* SHA-256 of the content (regular files, "full" only) or of the symlink
   * target; zero otherwise. */
  uint8_t hash[KN_SNAPSTATE_HASH_LEN];
};

struct kn_snapstate {
  struct kn_snapstate_entry *v;
  size_t n, cap;
  char *pool;
  size_t pool_len, pool_cap;
};

/* Release the memory of ST and reset it to empty (NULL-safe). */
void kn_snapstate_clear (struct kn_snapstate *st);

/* Move SRC into DST (DST's old content is freed, SRC becomes empty). */
void kn_snapstate_move (struct kn_snapstate *dst, struct kn_snapstate *src);

/* Append an entry for PATH (copied into the pool); returns it so the caller
 * fills the other members (zeroed). */
struct kn_snapstate_entry *kn_snapstate_append (struct kn_snapstate *st, const char *path);

/* The path of entry E of ST. */
static inline const char *
kn_snapstate_path (const struct kn_snapstate *st, const struct kn_snapstate_entry *e)
{
  return st->pool + e->path;
}

/* Sort ST in layer order unless it already is (a walk emits in order). */
void kn_snapstate_sort (struct kn_snapstate *st);

/* The entry for PATH in the sorted ST, or NULL. */
const struct kn_snapstate_entry *kn_snapstate_find (const struct kn_snapstate *st, const char *path);

/* The index of PATH in the sorted ST, or (size_t) -1. */
size_t kn_snapstate_find_index (const struct kn_snapstate *st, const char *path);

/* Index just past entry I and every entry below it (its subtree) in sorted ST. */
size_t kn_snapstate_skip_subtree (const struct kn_snapstate *st, size_t i);

/* The paths a session was asked to record (kn_snapshot record()). */
struct kn_snap_pathlist
{
  char **v; /* cleaned root-relative paths, owned */
  size_t n, cap;
};

/* Clean PATH (kn_layer_path_clean) and append it to L; the root itself is
 * ignored.  Returns 0, or -KN_EINVAL ("WHO: recorded path ... leaves the
 * root") when PATH climbs out of the root. */
int kn_snap_pathlist_record (struct kn_snap_pathlist *l, const char *who, const char *path, struct kn_error **err);

/* Free the paths in L and empty it (L->v itself is kept for reuse). */
void kn_snap_pathlist_clear (struct kn_snap_pathlist *l);

/* True when PATH equals PREFIX or lies below it. */
int kn_snap_path_has_prefix (const char *path, const char *prefix);

/* A cleaned, sorted copy of the NULL-terminated IGNORE list (the root and
 * paths climbing out dropped); *N gets the count.  Free with kn_strv_free. */
char **kn_snap_ignore_new (const char *const *ignore, size_t *n);

/* True when PATH equals an entry of IGNORE (N entries) or lies below one. */
int kn_snap_ignored (char *const *ignore, size_t n, const char *path);

#endif
