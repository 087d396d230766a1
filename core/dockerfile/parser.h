/* The Dockerfile parser: bytes -> syntax tree, with BuildKit's behaviour
 * (frontend/dockerfile/parser): BOM, CRLF, comments, parser directives,
 * line continuations with the active escape token, empty continuation
 * lines (warnings), heredocs, JSON vs shell forms and --flags. */
#ifndef KANIKO_DOCKERFILE_PARSER_H
#define KANIKO_DOCKERFILE_PARSER_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/dockerfile/ast.h"

/* Longest physical line BuildKit's scanner accepts. */
#define KN_DF_MAX_LINE 65535

/* Parse LEN bytes of DATA.  NAME (e.g. "Dockerfile") prefixes error
 * messages: "NAME:LINE: message".  Returns 0 and *out (free with
 * kn_df_ast_free), or a negative code with *err set. */
KN_EXPORT int kn_df_parse (const char *name, const char *data, size_t len, struct kn_df_ast **out,
                           struct kn_error **err);

/* Read and parse the file at PATH (errors are prefixed with PATH).  Returns
 * 0 and *out, or a negative code with *err set. */
KN_EXPORT int kn_df_parse_file (const char *path, struct kn_df_ast **out, struct kn_error **err);

#endif
