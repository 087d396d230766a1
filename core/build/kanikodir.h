/* The kaniko directory of one build (--kaniko-dir): the content store
 * (DIR/blobs/sha256, DIR/ingest, shared by builds), and a private run
 * directory DIR/builds/run-<pid>-XXXXXX holding stages/<n>/root, context/
 * and tmp/, removed when the build ends (and by a later build when the
 * process that made it is gone). */
#ifndef KN_CORE_BUILD_KANIKODIR_H
#define KN_CORE_BUILD_KANIKODIR_H

#include <stddef.h>

#include <kaniko/error.h>

#include "core/layer/store.h"

struct kn_kdir {
  char *root;             /* the kaniko dir */
  char *run;              /* DIR/builds/run-XXXXXX */
  char *tmp;              /* RUN/tmp */
  struct kn_store *store; /* the content store at ROOT */
};

/* Create (as needed) and open the kaniko dir ROOT into *K.  Returns 0 or < 0. */
int kn_kdir_open (struct kn_kdir *k, const char *root, struct kn_error **err);

/* Remove the run directory (unless KEEP) and free K's members. */
void kn_kdir_close (struct kn_kdir *k, int keep);

/* Create and return (malloc'd) RUN/stages/<N>/root. */
int kn_kdir_stage_root (struct kn_kdir *k, size_t n, char **out, struct kn_error **err);

/* Create and return (malloc'd) a new empty directory RUN/NAME. */
int kn_kdir_subdir (struct kn_kdir *k, const char *name, char **out, struct kn_error **err);

/* Remove PATH recursively (read-only directories are opened up first);
 * a missing PATH is fine.  Returns 0 or < 0. */
int kn_kdir_rm_rf (const char *path, struct kn_error **err);

/* Detach (lazily) every mount of this process's mount namespace below DIR,
 * deepest first, with a warning each: a run directory is removed only once
 * nothing is mounted in it (a cancelled step, or a killed build's overlay).
 * Best effort. */
void kn_kdir_detach_mounts (const char *dir);

/* mkdir -p PATH with MODE.  Returns 0 or < 0. */
int kn_kdir_mkdir_p (const char *path, unsigned mode, struct kn_error **err);

#endif
