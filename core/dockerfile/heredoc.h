/* Here-document detection, BuildKit's rules: a line of RUN/COPY/ADD is split
 * into words by a shell-like lexer that keeps quotes, escapes and unset
 * variables; each word matching `^(\d*)<<(-?)\s*([^<]*)$` names a heredoc
 * whose delimiter is lexed twice (quotes removed / kept) to learn whether any
 * part was quoted (then the body is not expanded). */
#ifndef KN_DOCKERFILE_HEREDOC_H
#define KN_DOCKERFILE_HEREDOC_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/dockerfile/ast.h"

/* Parse one word as a heredoc marker (ParseHeredoc). Returns 1 and fills *out
 * (caller frees out->name) when it is one, 0 when it is not, or a negative
 * code (unterminated quote in the delimiter, ...). */
KN_EXPORT int kn_df_heredoc_parse_word (const char *word, struct kn_df_heredoc *out, struct kn_error **err);

/* Find the heredoc markers of LINE in order (heredocsFromLine). *out gets a
 * new array (NULL when none; names set, contents NULL) and *n its length. */
KN_EXPORT int kn_df_heredocs_from_line (const char *line, struct kn_df_heredoc **out, size_t *n, struct kn_error **err);

/* Split LINE into words the way the heredoc detector does (quotes, escapes and
 * $vars kept). Returns a NULL-terminated vector the caller frees with
 * kn_strv_free, or NULL when the line does not lex (unterminated quote). */
char **kn_df_heredoc_line_words (const char *line);

#endif
