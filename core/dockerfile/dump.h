/* BuildKit's AST dump (`Node.Dump()`), the format of the parser corpus's
 * `result` files, and Go's strconv.Quote. */
#ifndef KN_DOCKERFILE_DUMP_H
#define KN_DOCKERFILE_DUMP_H

#include <stddef.h>

#include <kaniko/export.h>

#include "core/dockerfile/ast.h"

/* Go's strconv.Quote of S[0..N). Returns a new string the caller frees. */
KN_EXPORT char *kn_df_quote (const char *s, size_t n);
/* Go's strings.ToLower of S[0..N). Returns a new string the caller frees. */
char *kn_df_lower (const char *s, size_t n);
/* Dump of one node, e.g. `run "echo hi"`. Returns a new string. */
KN_EXPORT char *kn_df_node_dump (const struct kn_df_node *n);
/* Dump of a whole file: one `(...)` line per instruction, each ending in
 * "\n" (byte-identical to the corpus `result` files). Returns a new string. */
KN_EXPORT char *kn_df_ast_dump (const struct kn_df_ast *ast);

#endif
