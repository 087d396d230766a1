/* The engine's stage plan (until the stages helper's kn_plan is merged):
 * the instructions split at FROM, meta ARGs (before the first FROM, with
 * --build-arg overrides) expanded into each FROM, stage names, the stage an
 * instruction's --from names, --target, which stages are built and which
 * need their base filesystem on disk. */
#ifndef KN_CORE_BUILD_PLAN_H
#define KN_CORE_BUILD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <kaniko/build.h>
#include <kaniko/error.h>

#include "core/dockerfile/instructions.h"

struct kn_bstage {
  size_t index;
  char *name;                              /* lower-cased AS name, or NULL */
  const struct kn_df_instruction *from;
  char *base;                              /* FROM after meta-ARG expansion */
  int base_stage;                          /* earlier stage used as base, or -1 */
  bool scratch;
  char *platform;                          /* expanded --platform, or NULL */
  const struct kn_df_instruction **ins;    /* instructions after FROM */
  size_t n_ins;
  bool needed;                             /* built */
  bool need_root;                          /* its filesystem must be complete on disk (RUN, --chown, --from) */
};

struct kn_bplan {
  struct kn_bstage *stages;
  size_t n;
  size_t target;
  char **meta;        /* meta ARGs "K=V" (build args applied), NULL-terminated */
  char **build_args;  /* --build-arg as "K=V" (bare keys from the environment), NULL-terminated */
};

/* Build the plan of LIST for O (target, build args, skip-unused-stages).
 * FILE names the Dockerfile in messages.  Returns 0 and *OUT (free with
 * kn_bplan_free) or < 0 ("FILE:LINE: ..."). */
int kn_bplan_new (const struct kn_df_instructions *list, const struct kn_build_options *o, const char *file,
                  char escape, struct kn_bplan **out, struct kn_error **err);

/* The stage that NAME (a stage name, case-insensitive, or an index) names
 * among the stages before CURRENT, or -1 when it names none. */
int kn_bplan_stage_ref (const struct kn_bplan *p, size_t current, const char *name);

/* Free P (NULL is fine). */
void kn_bplan_free (struct kn_bplan *p);

#endif
