/* The layer applier: extracts a layer stream (gzip, zstd, xz, bzip2 or plain
 * tar, detected from its bytes) onto a root directory, applying whiteouts and
 * opaque directories, hardlinks, ownership, modes, xattrs and mtimes.  Every
 * path is resolved inside the root (see resolve.h): nothing outside the root
 * is ever written, whatever the layer holds. */
#ifndef KN_CORE_LAYER_APPLIER_H
#define KN_CORE_LAYER_APPLIER_H

#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

#include "core/layer/store.h"

struct kn_layer_apply_opts {
  unsigned size;                  /* sizeof (struct kn_layer_apply_opts) */
  const char *name;               /* the layer in messages ("sha256:..."); NULL: "layer" */
  int same_owner;                 /* -1: when running as root; 0: never chown; 1: always */
  int no_devices;                 /* 1: never create device nodes (skipped with a warning) */
  const struct kn_cancel *cancel; /* may be NULL */
  const char *const *skip;        /* root-relative paths never written nor whited out (below them too): NULL-ended */
};

#define KN_LAYER_APPLY_OPTS_INIT { sizeof (struct kn_layer_apply_opts), NULL, -1, 0, NULL, NULL }

/* Counters of one application (may be ignored). */
struct kn_layer_apply_stats {
  uint64_t entries;   /* entries extracted */
  uint64_t whiteouts; /* whiteouts and opaque markers applied */
  uint64_t skipped;   /* entries skipped (devices not permitted, sockets) */
};

/* Apply the layer read from LAYER (not owned) onto ROOT.  STATS may be NULL.
 * A path or hardlink leaving the root is -KN_EPERM; a corrupt or truncated
 * stream -KN_EPROTO; messages name the layer and the entry.  On error the
 * root may hold part of the layer (but nothing was written outside it). */
KN_EXPORT int kn_layer_apply (const char *root, struct kn_reader *layer, const struct kn_layer_apply_opts *opts,
                              struct kn_layer_apply_stats *stats, struct kn_error **err);

/* kn_layer_apply() of the blob DIGEST of STORE (opts->name defaults to DIGEST). */
KN_EXPORT int kn_layer_apply_blob (struct kn_store *store, const char *digest, const char *root,
                                   const struct kn_layer_apply_opts *opts, struct kn_layer_apply_stats *stats,
                                   struct kn_error **err);

#endif
