/* Dockerfile word expansion: BuildKit's shell lexer (frontend/dockerfile/
 * shell).  Expands $VAR, ${VAR}, ${VAR:-w} ${VAR-w} ${VAR:+w} ${VAR+w}
 * ${VAR:?msg} ${VAR?msg} ${VAR#pat} ${VAR##pat} ${VAR%pat} ${VAR%%pat}
 * ${VAR/pat/rep} ${VAR//pat/rep}, removes quotes and escapes, and optionally
 * splits the result into words. */
#ifndef KN_CORE_DOCKERFILE_SHELL_H
#define KN_CORE_DOCKERFILE_SHELL_H

#include <kaniko/error.h>

/* Lexer settings; a zero-initialised struct with escape '\\' is the default. */
struct kn_shell_lex
{
  char escape;            /* '\\' or '`' (0 means '\\') */
  int raw_quotes;         /* keep quotes (BuildKit RawQuotes) */
  int skip_unset_env;     /* leave $UNSET as is (BuildKit SkipUnsetEnv) */
  const char *const *env; /* NULL-terminated "K=V"; for duplicates the last wins; NULL = empty */
};

/* Expand one word (BuildKit ProcessWord): variables replaced, quotes and
 * escapes removed, no splitting.  Returns 0 and a new string in *out, or
 * -KN_EINVAL with a message such as `failed to process "${A": syntax error:
 * missing '}'`. */
int kn_shell_process_word (const struct kn_shell_lex *lex, const char *word, char **out, struct kn_error **err);

/* Expand and split into words (BuildKit ProcessWords): unquoted whitespace,
 * including whitespace produced by variables, separates words.  Returns 0 and
 * a new NULL-terminated vector (free with kn_strv_free), or -KN_EINVAL. */
int kn_shell_process_words (const struct kn_shell_lex *lex, const char *word, char ***out, struct kn_error **err);

/* Like kn_shell_process_word, and also report the names of the variables the
 * word referenced that were set (*matched) and unset (*unmatched), each a new
 * sorted NULL-terminated vector without duplicates.  matched/unmatched may be
 * NULL. */
int kn_shell_process_word_matches (const struct kn_shell_lex *lex, const char *word, char **out, char ***matched,
                                   char ***unmatched, struct kn_error **err);

#endif
