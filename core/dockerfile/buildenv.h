/* The variable scope of a stage while it executes: the image's Env plus ENV
 * instructions, the stage's ARGs (declared in the stage; --build-arg values,
 * defaults, meta ARG values for `ARG NAME`), the proxy build args, and
 * BuildKit's per-instruction word expansion
 * (frontend/dockerfile/instructions Expand, dockerfile2llb dispatch*). */
#ifndef KN_CORE_DOCKERFILE_BUILDENV_H
#define KN_CORE_DOCKERFILE_BUILDENV_H

#include <kaniko/error.h>

#include "core/dockerfile/instructions.h"
#include "core/dockerfile/stages.h"

struct kn_buildenv;

/* New scope for stage STAGE of P (P must outlive it), starting from the base
 * image config's Env IMAGE_ENV ("K=V", NULL-terminated, may be NULL).
 * Returns 0 and *out (free with kn_buildenv_free) or a negative code. */
int kn_buildenv_new (const struct kn_build_plan *p, size_t stage, const char *const *image_env,
                     struct kn_buildenv **out, struct kn_error **err);
/* Free E (NULL is fine). */
void kn_buildenv_free (struct kn_buildenv *e);
/* BuildKit: a stage whose base is another stage inherits that stage's ARGs.
 * Copy the ARG scope of PARENT (the base stage's final scope) into E; call it
 * right after kn_buildenv_new, before any instruction. */
void kn_buildenv_inherit (struct kn_buildenv *e, const struct kn_buildenv *parent);
/* Apply one ARG definition DEF as written (unexpanded; kn_buildenv_expand_instruction
 * leaves ARG alone): the value is the --build-arg, else the default expanded
 * in the current scope, else (no default) the meta ARG of that name, else
 * unset.  Returns 0 or a negative code (bad default). */
int kn_buildenv_arg (struct kn_buildenv *e, const struct kn_df_argdef *def, struct kn_error **err);
/* Apply an expanded instruction INS (from kn_buildenv_expand_instruction) to
 * the scope: each ARG definition (kn_buildenv_arg), each ENV pair
 * (kn_buildenv_set_env); other kinds do nothing.  Returns 0 or a negative
 * code with *err naming "FILE:LINE". */
int kn_buildenv_apply (struct kn_buildenv *e, const struct kn_df_instruction *ins, struct kn_error **err);
/* Set ENV KEY=VALUE (already expanded). */
void kn_buildenv_set_env (struct kn_buildenv *e, const char *key, const char *value);
/* Expand WORD in the current scope (BuildKit ProcessWord): 0 and a new *out, or -KN_EINVAL. */
int kn_buildenv_expand (const struct kn_buildenv *e, const char *word, char **out, struct kn_error **err);
/* Expand and split WORD (BuildKit ProcessWords): 0 and a new NULL-terminated *out. */
int kn_buildenv_expand_words (const struct kn_buildenv *e, const char *word, char ***out, struct kn_error **err);
/* A copy of INS with every field BuildKit expands expanded in the current
 * scope: ADD/COPY sources, dest, --chown, --chmod, ADD --checksum, expandable
 * heredoc contents (quotes kept); ENV and LABEL keys and values (all pairs
 * against the scope before the instruction); EXPOSE (expanded and split into
 * words); VOLUME, USER, WORKDIR, STOPSIGNAL; RUN --mount values (re-parsed
 * and checked).  ARG, RUN/CMD/ENTRYPOINT/SHELL command lines, HEALTHCHECK,
 * ONBUILD, MAINTAINER and FROM are copied unchanged.  COPY --from is
 * expanded too (the plan rejects a --from holding '$').  Errors name
 * "FILE:LINE".  Free *out with kn_df_instruction_free. */
int kn_buildenv_expand_instruction (const struct kn_buildenv *e, const struct kn_df_instruction *ins,
                                    struct kn_df_instruction **out, struct kn_error **err);
/* NULL-terminated "K=V" views (owned by E, valid until the next change of E): */
/* For RUN: ENV, then the stage's ARGs with a value that no ENV overrides, then
 * the proxy --build-args (HTTP_PROXY, ...) neither of them sets. */
const char *const *kn_buildenv_run_env (struct kn_buildenv *e);
/* ENV only (base image Env + ENV instructions): goes into the image config. */
const char *const *kn_buildenv_image_env (struct kn_buildenv *e);
/* The environment words are expanded against: ARG values, then ENV (ENV wins). */
const char *const *kn_buildenv_expand_env (struct kn_buildenv *e);
/* The stage's ARGs that have a value, "K=V" in declaration order (for cache keys and history). */
const char *const *kn_buildenv_args (struct kn_buildenv *e);
/* Value of variable KEY as expansion sees it, or NULL when unset (owned by E). */
const char *kn_buildenv_get (const struct kn_buildenv *e, const char *key);

#endif
