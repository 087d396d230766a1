/* The build plan of a Dockerfile: stages, their bases and dependencies, the
 * target, meta ARGs (ARGs before the first FROM) and --build-arg handling,
 * with BuildKit's rules (frontend/dockerfile/dockerfile2llb/convert.go). */
#ifndef KN_CORE_DOCKERFILE_STAGES_H
#define KN_CORE_DOCKERFILE_STAGES_H

#include <stdbool.h>
#include <stddef.h>

#include <kaniko/error.h>

#include "core/dockerfile/instructions.h"

/* One stage: FROM and the instructions up to the next FROM. */
struct kn_stage
{
  size_t index;
  char *name;                           /* lower-cased AS name, or NULL */
  const struct kn_df_instruction *from; /* the FROM instruction (owned by the instruction list) */
  char *base;     /* FROM image after meta-ARG expansion ("scratch", "busybox:1.36", a stage name) */
  int base_stage; /* index of the earlier stage used as base, or -1 */
  bool scratch;   /* base is "scratch" */
  char *platform; /* expanded --platform or NULL */
  const struct kn_df_instruction **ins; /* the stage's instructions after FROM */
  size_t n_ins;
  size_t *deps; /* earlier stages it needs: base, COPY --from, RUN --mount from= (sorted, unique) */
  size_t n_deps;
  bool needed; /* needed to build the target */
};

struct kn_plan_opts
{
  const char *file;              /* Dockerfile name for messages (NULL = "Dockerfile") */
  const char *const *build_args; /* "K=V", or "K" = take from the process environment; NULL-terminated or NULL */
  const char *target;            /* NULL = last stage */
  bool skip_unused;              /* only stages the target needs are needed (else all up to the target) */
  const char *target_platform;   /* "linux/amd64" (TARGETPLATFORM/OS/ARCH/VARIANT); NULL = build platform */
  const char *build_platform;    /* BUILDPLATFORM/OS/ARCH/VARIANT; NULL = this machine */
  char escape;                   /* the Dockerfile's escape token ('\\' or '`'; 0 = '\\') */
};

struct kn_build_plan
{
  struct kn_stage *stages;
  size_t n;
  size_t target;
  char **meta_env;   /* effective meta ARGs "K=V" incl. the automatic platform args, NULL-terminated */
  char **warnings;   /* e.g. unused --build-arg, NULL-terminated */
  char **build_args; /* the effective --build-arg values "K=V" (last wins, "K" resolved), NULL-terminated */
  char *file;        /* Dockerfile name used in messages */
  char escape;       /* escape token for expansion */
};

/* Names of the automatic platform args and the proxy args (NULL-terminated). */
extern const char *const kn_plan_platform_args[];
extern const char *const kn_plan_proxy_args[];

/* Build the plan of LIST (all instructions of a Dockerfile, which must outlive
 * the plan) with options O.  Returns 0 and *out (free with kn_plan_free), or a
 * negative code with *err set ("Dockerfile:7: ..."). */
int kn_plan_new (const struct kn_df_instructions *list, const struct kn_plan_opts *o, struct kn_build_plan **out,
                 struct kn_error **err);
/* Free a plan (NULL is fine). */
void kn_plan_free (struct kn_build_plan *p);
/* Resolve COPY --from / RUN --mount from= seen in stage CURRENT: *stage is the
 * stage index (by case-insensitive name or decimal index), or -1 when the
 * value is not a stage (an image reference).  Returns 0, or -KN_EINVAL for a
 * reference to the current or a later stage or an invalid index. */
int kn_plan_stage_ref (const struct kn_build_plan *p, size_t current, const char *name_or_index, int *stage,
                       struct kn_error **err);
/* Value of --build-arg KEY in P, or NULL when it was not given (owned by P). */
const char *kn_plan_build_arg (const struct kn_build_plan *p, const char *key);
/* Value of meta ARG KEY in P (incl. platform args), or NULL when unset (owned by P). */
const char *kn_plan_meta_arg (const struct kn_build_plan *p, const char *key);

/* Helpers on NULL-terminated "K=V" vectors. */
/* Value of KEY in V (last occurrence), or NULL. */
const char *kn_envv_get (char *const *v, const char *key);
/* Set KEY=VALUE in *V (replacing the first occurrence in place, else appending); *n is the count. */
void kn_envv_set (char ***v, size_t *n, const char *key, const char *value);

#endif
