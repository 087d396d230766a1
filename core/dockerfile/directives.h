/* Parser directives (`# escape=`, `# syntax=`, `# check=`): BuildKit's
 * DirectiveParser.  They count only in the comment lines before the first
 * line that is not a directive; keys are case-insensitive; each may appear
 * once. */
#ifndef KN_DOCKERFILE_DIRECTIVES_H
#define KN_DOCKERFILE_DIRECTIVES_H

#include <stdbool.h>
#include <stddef.h>

#include <kaniko/error.h>

struct kn_df_directives
{
  bool done;
  int escape;   /* '\\' or '`' */
  char *syntax; /* owned */
  char *check;  /* owned */
  bool seen_escape, seen_syntax, seen_check;
};

/* Initialise D with the default escape token. */
void kn_df_directives_init (struct kn_df_directives *d);
/* Release the strings D owns. */
void kn_df_directives_clear (struct kn_df_directives *d);
/* Look at one line (newline already trimmed, N bytes): records a directive
 * or ends directive processing.  Returns 1 when the line was a directive,
 * 0 when not, negative with *err set for a repeated directive or a bad
 * escape token (message without location). */
int kn_df_directives_line (struct kn_df_directives *d, const char *line, size_t n, struct kn_error **err);

#endif
