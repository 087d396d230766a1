/* Turning one logical Dockerfile line into an instruction node: splitting
 * off the instruction word and its --flags, then the per-instruction
 * argument rules of BuildKit's line parsers (JSON or shell form, key=value
 * pairs, whitespace lists, ONBUILD nesting). */
#ifndef KN_DOCKERFILE_LINEPARSE_H
#define KN_DOCKERFILE_LINEPARSE_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/dockerfile/ast.h"

/* Build the node for LINE (newNodeFromLine) with escape token ESCAPE.
 * Returns 0 and *out (caller frees), or negative with *err set (message
 * without location). */
int kn_df_node_from_line (const char *line, int escape, struct kn_df_node **out, struct kn_error **err);

/* Quote-aware word split that keeps quotes and escapes (parseWords).
 * Returns a NULL-terminated vector the caller frees with kn_strv_free. */
KN_EXPORT char **kn_df_parse_words (const char *rest, int escape);

/* Parse REST as a JSON array of strings with Go's encoding/json rules.
 * Returns 1 with *out set to the element chain (NULL for []), 0 when REST is
 * not a JSON array (caller falls back to shell form), or negative with *err
 * set when the array holds a non-string (a hard error). */
KN_EXPORT int kn_df_parse_json_array (const char *rest, struct kn_df_node **out, struct kn_error **err);

#endif
