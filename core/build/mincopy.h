/* A minimal COPY (stopgap until the copy helper's kn_copy_run lands): local
 * sources (globs), files, directories (their contents), symlinks kept as
 * links, .dockerignore applied to context sources, numeric --chown,
 * octal --chmod, heredoc contents.  Every path written is reported to
 * RECORD (root-relative). */
#ifndef KN_CORE_BUILD_MINCOPY_H
#define KN_CORE_BUILD_MINCOPY_H

#include <stdbool.h>
#include <stdint.h>

#include <kaniko/error.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/instructions.h"

struct kn_mincopy_request {
  const char *src_root;
  bool from_context;
  const char *const *sources;
  const struct kn_df_source_content *contents;
  size_t n_contents;
  const char *dest;
  const char *workdir;
  const char *dest_root;
  const struct kn_ignore *ignore;
  const char *chown;
  const char *chmod;
  int64_t reproducible_epoch;
  int (*record) (void *payload, const char *path, struct kn_error **err);
  void *record_payload;
};

/* Run the copy REQ.  Returns 0 or < 0 naming the source or destination. */
int kn_mincopy_run (const struct kn_mincopy_request *req, struct kn_error **err);

#endif
