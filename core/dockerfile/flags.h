/* Instruction --flags (BuildKit's BFlags): each instruction declares the
 * flags it knows; parsing rejects unknown, repeated and malformed ones. */
#ifndef KN_DOCKERFILE_FLAGS_H
#define KN_DOCKERFILE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include <kaniko/error.h>

enum kn_df_flag_type
{
  KN_DF_FLAG_BOOL,
  KN_DF_FLAG_STRING,
  KN_DF_FLAG_STRINGS
};

struct kn_df_flag
{
  const char *name;
  enum kn_df_flag_type type;
  const char *def; /* default value of string flags */
  bool used;
  bool bool_value;
  const char *value;   /* points into the node's flag words (string flags) */
  const char **values; /* strings flags: NULL-terminated, owned array */
  size_t n_values;
};

/* Parse FLAGS (words like "--from=x") against the N definitions in DEFS.
 * Returns 0, or negative with *err set ("unknown flag: --boo"). */
int kn_df_flags_parse (struct kn_df_flag *defs, size_t n, char *const *flags, size_t n_flags, struct kn_error **err);
/* Levenshtein distance between A and B (bytes). */
size_t kn_df_edit_distance (const char *a, const char *b);

/* Free the arrays kn_df_flags_parse allocated in DEFS. */
void kn_df_flags_clear (struct kn_df_flag *defs, size_t n);

#endif
