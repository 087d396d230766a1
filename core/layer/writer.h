/* The layer writer: streams the entries of a change set (or of a whole
 * tree) as a sorted PAX tar (parents before children, whiteouts, hardlinks,
 * symlinks, devices, fifos, xattrs) through an optional compressor into the
 * content store, computing diff_id and digest in one pass with constant
 * memory:  tar -> digest (diff_id) -> compressor -> store ingest (digest). */
#ifndef KN_CORE_LAYER_WRITER_H
#define KN_CORE_LAYER_WRITER_H

#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/compressor.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

#include "core/layer/changeset.h"
#include "core/layer/store.h"
#include "core/util/digest.h"

struct kn_layer_write_opts {
  unsigned size;                                /* sizeof (struct kn_layer_write_opts) */
  const struct kn_compressor *compressor;       /* NULL: an uncompressed tar */
  const struct kn_compress_opts *compress_opts; /* NULL: the compressor's defaults */
  int reproducible;                             /* clamp every mtime to EPOCH */
  int64_t epoch;                                /* seconds since 1970 (SOURCE_DATE_EPOCH, 0 for kaniko's --reproducible) */
  const char *const *ignore;                    /* NULL-terminated root-relative paths (and their subtrees) left out */
  const struct kn_cancel *cancel;               /* may be NULL */
  int64_t root_uid;                             /* rootless builds: this owner is recorded as 0 (-1: none) */
  int64_t root_gid;                             /* ... and this group (-1: none) */
};

#define KN_LAYER_WRITE_OPTS_INIT { sizeof (struct kn_layer_write_opts), NULL, NULL, 0, 0, NULL, NULL, -1, -1 }

/* What a layer write produced. */
struct kn_layer_info {
  char digest[KN_DIGEST_STR_LEN];  /* of the stored (compressed) blob */
  char diff_id[KN_DIGEST_STR_LEN]; /* of the uncompressed tar */
  uint64_t size;                   /* bytes of the stored blob */
  uint64_t tar_size;               /* bytes of the uncompressed tar */
  uint64_t entries;                /* tar entries written */
};

/* Write the changes CS of ROOT as a layer blob into STORE; OUT gets digest,
 * diff_id and sizes.  Paths below a symlinked parent are skipped.  Returns 0
 * or < 0 with *err naming the root and the entry. */
KN_EXPORT int kn_layer_write (struct kn_store *store, const char *root, struct kn_changeset *cs,
                              const struct kn_layer_write_opts *opts, struct kn_layer_info *out, struct kn_error **err);

/* Write every entry below ROOT (not ROOT itself) as a layer blob into STORE,
 * as kn_layer_write() does. */
KN_EXPORT int kn_layer_write_full (struct kn_store *store, const char *root, const struct kn_layer_write_opts *opts,
                                   struct kn_layer_info *out, struct kn_error **err);

/* Stream the uncompressed tar of CS (NULL: the whole tree) of ROOT into SINK
 * (not owned, not closed); opts->compressor is ignored.  *entries (may be
 * NULL) gets the entry count.  Returns 0 or < 0. */
KN_EXPORT int kn_layer_write_tar (struct kn_writer *sink, const char *root, struct kn_changeset *cs,
                                  const struct kn_layer_write_opts *opts, uint64_t *entries, struct kn_error **err);

#endif
