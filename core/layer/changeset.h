/* The change set of one snapshot: root-relative paths with a kind (add,
 * delete, opaque), normalised, sorted parents-before-children and
 * de-duplicated.  struct kn_changeset and kn_changeset_add are declared in
 * <kaniko/sys/snapshot.h> for snapshotter plugins. */
#ifndef KN_CORE_LAYER_CHANGESET_H
#define KN_CORE_LAYER_CHANGESET_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/snapshot.h>

/* A new empty change set (never NULL); free with kn_changeset_free(). */
KN_EXPORT struct kn_changeset *kn_changeset_new (void);

/* Free CS and its paths (NULL-safe). */
KN_EXPORT void kn_changeset_free (struct kn_changeset *cs);

/* Sort CS component-wise ("a" < "a/b" < "a-b"), merge duplicates (a later
 * ADD/DELETE of a path wins; OPAQUE stays unless deleted later) and drop
 * entries below a deleted directory.  Idempotent; iterate/get sort first. */
KN_EXPORT void kn_changeset_sort (struct kn_changeset *cs);

/* Number of entries (after sorting). */
KN_EXPORT size_t kn_changeset_count (struct kn_changeset *cs);

/* Entry I (0 <= I < count) of the sorted set: its path (owned by CS) and kind in *KIND. */
KN_EXPORT const char *kn_changeset_get (struct kn_changeset *cs, size_t i, enum kn_change_kind *kind);

/* Callback of kn_changeset_iterate(): returns 0 to go on, < 0 to stop with that value. */
typedef int (*kn_changeset_fn) (const char *path, enum kn_change_kind kind, void *payload);

/* Call FN for every entry in sorted order.  Returns 0, or FN's first negative value. */
KN_EXPORT int kn_changeset_iterate (struct kn_changeset *cs, kn_changeset_fn fn, void *payload);

/* Compare two root-relative paths component-wise (end of string < '/' < any
 * other byte, so a directory's subtree directly follows it), the order of
 * layer entries; shared with the snapshotters.  Returns <0, 0 or >0 like strcmp. */
KN_EXPORT int kn_layer_path_cmp (const char *a, const char *b);

/* Lexically clean PATH ("/a//./b/" -> "a/b", "a/../b" -> "b"); returns a new
 * string ("" for the root itself), or NULL when PATH climbs above the root.
 * Shared with the snapshotters. */
KN_EXPORT char *kn_layer_path_clean (const char *path);

#endif
