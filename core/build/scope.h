/* The variables of a stage while it runs (the engine's own scope until the
 * stages helper's kn_buildenv is merged): ARGs in scope and the image ENV,
 * and BuildKit word expansion over them (ENV wins over an ARG of the same
 * name). */
#ifndef KN_CORE_BUILD_SCOPE_H
#define KN_CORE_BUILD_SCOPE_H

#include <kaniko/error.h>

#include "core/dockerfile/instructions.h"

struct kn_scope {
  char **args;        /* "K=V" ARGs declared in this stage, NULL-terminated */
  char **env;         /* "K=V" image ENV, NULL-terminated */
  char **all;         /* args then env (expansion view), rebuilt on change */
  char escape;        /* the Dockerfile's escape token */
};

/* Set KEY=VALUE in the vector *V (replacing an existing KEY). */
void kn_scope_vset (char ***v, const char *key, const char *value);

/* The value of KEY in V, or NULL. */
const char *kn_scope_vget (char *const *v, const char *key);

/* Start a scope over the image ENV (copied; may be NULL). */
void kn_scope_init (struct kn_scope *s, char *const *image_env, char escape);

/* Declare an ARG: its default is expanded; a build arg or a meta ARG
 * (BUILD_ARGS, META: "K=V" vectors, may be NULL) overrides it.  Returns 0 or < 0. */
int kn_scope_arg (struct kn_scope *s, const struct kn_df_argdef *def, char *const *build_args, char *const *meta,
                  struct kn_error **err);

/* Set an ENV variable. */
void kn_scope_set_env (struct kn_scope *s, const char *key, const char *value);

/* Expand WORD (BuildKit ProcessWord) into *OUT.  Returns 0 or -KN_EINVAL. */
int kn_scope_expand (struct kn_scope *s, const char *word, char **out, struct kn_error **err);

/* Free the members of S. */
void kn_scope_clear (struct kn_scope *s);

#endif
