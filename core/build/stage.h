/* Running the stages of a build: the base of each stage (scratch, an earlier
 * stage, or a pulled image, its layers applied to the stage root only when
 * the stage needs its filesystem), then every instruction in order:
 * metadata instructions edit the config and add an empty_layer history
 * entry, COPY/ADD (and WORKDIR creating a directory) write into the root and
 * become one layer each. */
#ifndef KN_CORE_BUILD_STAGE_H
#define KN_CORE_BUILD_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <kaniko/build.h>
#include <kaniko/error.h>
#include <kaniko/sys/compressor.h>
#include <kaniko/sys/snapshot.h>

#include "core/build/image.h"
#include "core/build/kanikodir.h"
#include "core/build/registry.h"
#include "core/dockerfile/buildenv.h"
#include "core/dockerfile/stages.h"
#include "core/build/source.h"

/* The state of one stage. */
struct kn_bstage_state {
  bool done;
  char *root;            /* RUN/stages/<n>/root */
  bool root_complete;    /* the root holds the whole image filesystem */
  struct kn_bimage img;  /* the image built so far */
  struct kn_buildenv *env; /* its variables (children inherit its ARGs) */
  struct kn_snapshot *snap; /* the snapshot session of its RUN steps, or NULL */
  struct kn_changeset *pending; /* --single-snapshot: the changes of every step so far */
};

/* Everything the stages share. */
struct kn_bctx {
  const struct kn_build_options *o;
  struct kn_plugins *plugins;
  struct kn_kdir *kd;
  struct kn_build_source *src;
  struct kn_build_plan *plan;
  bool *need_root;                    /* per stage: its root must hold the whole filesystem */
  bool *needed_later;                 /* per stage: COPY --from / RUN --mount from= of a later stage */
  bool inplace;                       /* --runner=inplace: the stages are built on "/" */
  const char *snapshot_mode;          /* the snapshotter RUNs use (--snapshot-mode, default full) */
  bool wiped_once;                    /* inplace: a stage ran on "/" (the next one wipes it first) */
  struct kn_breg reg;
  const struct kn_compressor *comp;   /* --compression (NULL: none) */
  struct kn_compress_opts copts;
  int64_t epoch;                      /* reproducible time (seconds), or -1 */
  char *created;                      /* RFC 3339 time for config and history */
  struct kn_bstage_state *states;     /* one per plan stage */
  struct kn_bstage_state *images;     /* images named by COPY --from / --mount from= (unpacked) */
  char **image_names;                 /* their references, parallel to IMAGES */
  size_t n_images;
  const struct kn_cancel *cancel;     /* SIGINT/SIGTERM/SIGHUP (may be NULL) */
  char *doing;                        /* what the build does now, for the cancel message */
};

/* The root of image NAME (COPY --from=NAME that names no stage), pulled for
 * the stage's platform and unpacked once per build.  Returns 0 and *ROOT
 * (owned by C) or < 0. */
int kn_bstage_image_root (struct kn_bctx *c, const char *name, const char **root, struct kn_error **err);

/* Make the root of the built stage SS hold its whole filesystem (its
 * layers applied to it now if not yet: a stage built in place on "/" moved
 * to a private root).  Returns 0 or < 0. */
int kn_bstage_fill_root (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_error **err);

/* The ignore list of an in-place build (kn_inplace_ignore_list with the
 * kaniko dir, the context and the outputs kept).  Malloc'd vector. */
char **kn_bstage_inplace_ignore (struct kn_bctx *c);

/* Snapshot CS of stage state SS's root as one new layer of its image, with
 * the history entry CREATED_BY (NULL: the --single-snapshot layer).  With
 * --single-snapshot CS is kept for one layer at the end of the stage.
 * Returns 0 or < 0. */
int kn_bstage_add_layer (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_changeset *cs, const char *created_by,
                         struct kn_error **err);

/* COPY --link: write CS of the directory SCRATCH (the copy made into an
 * empty directory) as the stage's next layer, apply that layer to SS's root,
 * history CREATED_BY (with --single-snapshot the paths join the stage's one
 * layer instead).  Returns 0 or < 0. */
int kn_bstage_add_link_layer (struct kn_bctx *c, struct kn_bstage_state *ss, const char *scratch, struct kn_changeset *cs,
                              const char *created_by, struct kn_error **err);

/* Append a history entry to IMG (EMPTY: no layer). */
void kn_bstage_add_history (struct kn_bctx *c, struct kn_bimage *img, const char *created_by, int empty);

/* Build stage I of C->plan (its dependencies must be built).  Returns 0 or
 * < 0 with *ERR naming the Dockerfile line. */
int kn_bstage_run (struct kn_bctx *c, size_t i, struct kn_error **err);

/* Which stages of C->plan need their whole filesystem on disk (RUN, COPY
 * --chown by name, COPY --from or RUN --mount from= by a later stage): fills
 * C->need_root.  Returns 0 or < 0 (a bad --from). */
int kn_bstage_plan_roots (struct kn_bctx *c, struct kn_error **err);

/* Apply the metadata instruction INS (expanded by kn_buildenv_expand_instruction)
 * to the config CFG, ENV also to E; *CMD_SET tracks whether CMD was set in
 * this stage.  Returns 0, or 1 when INS is not a metadata instruction. */
int kn_bmeta_apply (struct kn_image_config *cfg, const struct kn_df_instruction *ins, struct kn_buildenv *e,
                    bool *cmd_set);

#endif
