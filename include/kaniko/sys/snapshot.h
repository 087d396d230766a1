/* kaniko — snapshotter plugins (plugin-author tier).
 *
 * A snapshotter tells which paths of a stage root changed since the last
 * snapshot.  "full", "redo" and "time" walk the root and compare with the
 * previous state; "overlay" mounts an overlayfs whose upper directory holds
 * the changes, so nothing is walked.  Selected by --snapshot-mode. */
#ifndef KANIKO_SYS_SNAPSHOT_H
#define KANIKO_SYS_SNAPSHOT_H

#include <kaniko/sys/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_SNAPSHOTTER_VERSION 1

enum kn_change_kind {
  KN_CHANGE_ADD = 1, /* added or modified: the entry (not its children) goes into the layer */
  KN_CHANGE_DELETE,  /* deleted: a whiteout .wh.<name> */
  KN_CHANGE_OPAQUE   /* directory replaced: .wh..wh..opq, then its new contents as ADDs */
};

/* The change set of one step, owned by the core. Paths are relative to the
 * root, without a leading "/" ("etc/passwd"). */
struct kn_changeset;

/* Record one change; the core sorts and de-duplicates. */
KN_EXPORT void kn_changeset_add (struct kn_changeset *cs, const char *path, enum kn_change_kind kind);

struct kn_snapshot_params {
  unsigned size;               /* sizeof (struct kn_snapshot_params) */
  const char *root;            /* the stage root (absolute) */
  const char *state_dir;       /* a private directory for the snapshotter's state */
  const char *const *ignore;   /* NULL-terminated root-relative paths never snapshotted */
  const struct kn_plugin_config *config;
  const struct kn_cancel *cancel;
};

/* An open snapshot session (embed first in your own struct). */
struct kn_snapshot {
  const struct kn_snapshotter *snapshotter;
};

struct kn_snapshotter {
  unsigned version;  /* KN_SNAPSHOTTER_VERSION */
  const char *name;  /* "overlay" */
  /* Mandatory: start tracking P->root; the current content is the baseline. */
  int (*open) (struct kn_snapshot **out, const struct kn_snapshot_params *p, struct kn_error **err);
  /* Optional: called before a step that may write anywhere (RUN).  Sets
   * *exec_root (malloc'd) to the directory the step must use as its root
   * (overlay: the merged mount), or NULL for P->root itself. */
  int (*begin) (struct kn_snapshot *s, char **exec_root, struct kn_error **err);
  /* Optional: a step that knows what it wrote (COPY/ADD) reports PATH
   * (root-relative) so no walk is needed. */
  int (*record) (struct kn_snapshot *s, const char *path, struct kn_error **err);
  /* Mandatory: add every change since the last diff (or open) to CS; the
   * new state becomes the baseline. */
  int (*diff) (struct kn_snapshot *s, struct kn_changeset *cs, struct kn_error **err);
  /* Mandatory: stop tracking and release (unmount what was mounted). */
  void (*close) (struct kn_snapshot *s);
};

#define KN_SNAPSHOTTER_INIT { KN_SNAPSHOTTER_VERSION, NULL, NULL, NULL, NULL, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
