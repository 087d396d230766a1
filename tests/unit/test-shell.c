/* Unit tests: BuildKit word expansion edge cases beyond the corpus. */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/shell.h"

static char *
expand (const struct kn_shell_lex *lex, const char *word)
{
  char *out = NULL;
  struct kn_error *err = NULL;
  int ret = kn_shell_process_word (lex, word, &out, &err);
  cr_assert_eq (ret, 0, "%s: %s", word, err ? err->msg : "");
  return out;
}

static char *
expand_err (const struct kn_shell_lex *lex, const char *word)
{
  char *out = NULL, *msg;
  struct kn_error *err = NULL;
  int ret = kn_shell_process_word (lex, word, &out, &err);
  cr_assert_eq (ret, -KN_EINVAL, "%s: expected an error, got \"%s\"", word, out ? out : "");
  cr_assert_null (out);
  msg = kn_xstrdup (err->msg);
  kn_error_free (err);
  return msg;
}

#define EXPECT(lex, in, want)                                                                                          \
  do                                                                                                                   \
    {                                                                                                                  \
      kn_cleanup_free char *got_ = expand ((lex), (in));                                                               \
      cr_expect_str_eq (got_, (want), "%s", (in));                                                                     \
    }                                                                                                                  \
  while (0)

static const char *const env1[] = { "A=1", "B=two words", "A=3", "EMPTY=", "NOEQ", "P=/usr/local/bin", NULL };

Test (shell, last_duplicate_wins_and_bare_name_is_set)
{
  struct kn_shell_lex lex = { .env = env1 };
  EXPECT (&lex, "$A", "3");
  EXPECT (&lex, "${NOEQ-unset}", "");
  EXPECT (&lex, "${NOEQ?}", "");
  EXPECT (&lex, "${EMPTY:-d}", "d");
}

Test (shell, skip_unset_env)
{
  struct kn_shell_lex lex = { .env = env1, .skip_unset_env = 1 };
  EXPECT (&lex, "$X-$A", "$X-3");
  EXPECT (&lex, "${X}", "${X}");
  EXPECT (&lex, "${X:-def}", "${X:-def}");
  EXPECT (&lex, "${X:?boom}", "${X:?boom}");
  EXPECT (&lex, "${X//a/b}", "${X/a/b}");
  EXPECT (&lex, "${A:-def}", "3");
}

Test (shell, raw_quotes)
{
  struct kn_shell_lex lex = { .env = env1, .raw_quotes = 1 };
  EXPECT (&lex, "'a b'\"$A\"", "'a b'\"3\"");
}

Test (shell, backtick_escape)
{
  struct kn_shell_lex lex = { .escape = '`', .env = env1 };
  EXPECT (&lex, "C:\\dir`$A", "C:\\dir$A");
  EXPECT (&lex, "\"a`\"b\"", "a\"b");
}

Test (shell, trim_and_replace)
{
  struct kn_shell_lex lex = { .env = env1 };
  EXPECT (&lex, "${P#*/}", "usr/local/bin");
  EXPECT (&lex, "${P##*/}", "bin");
  EXPECT (&lex, "${P%/*}", "/usr/local");
  EXPECT (&lex, "${P%%/*}", "");
  EXPECT (&lex, "${P/local/opt}", "/usr/opt/bin");
  EXPECT (&lex, "${P//\\//:}", ":usr:local:bin");
  /* The replacement keeps its escapes; only the replace-all form expands
   * $0 (Go's ReplaceAllString), the single form inserts it as is. */
  EXPECT (&lex, "${P//l?c/[\\$0]}", "/usr/[\\loc]al/bin");
  EXPECT (&lex, "${P/l?c/[\\$0]}", "/usr/[\\$0]al/bin");
  EXPECT (&lex, "${B// /_}", "two_words");
  EXPECT (&lex, "${B//?/}", "");
}

Test (shell, errors_have_clear_messages)
{
  struct kn_shell_lex lex = { .env = env1 };
  kn_cleanup_free char *m1 = expand_err (&lex, "${UNSET:?must be set}");
  kn_cleanup_free char *m2 = expand_err (&lex, "${A");
  kn_cleanup_free char *m3 = expand_err (&lex, "${A#\\x}");
  kn_cleanup_free char *m4 = expand_err (&lex, "${A:#x}");
  kn_cleanup_free char *m5 = expand_err (&lex, "${UNSET?}");
  cr_expect (strstr (m1, "UNSET: must be set") != NULL, "%s", m1);
  cr_expect (strstr (m1, "failed to process \"${UNSET:?must be set}\"") != NULL, "%s", m1);
  cr_expect (strstr (m2, "missing '}'") != NULL, "%s", m2);
  cr_expect (strstr (m3, "invalid escape") != NULL, "%s", m3);
  cr_expect (strstr (m4, "unsupported modifier (:#)") != NULL, "%s", m4);
  cr_expect (strstr (m5, "UNSET: is not allowed to be unset") != NULL, "%s", m5);
}

Test (shell, words_split_on_variable_whitespace_only_unquoted)
{
  struct kn_shell_lex lex = { .env = env1 };
  kn_cleanup_strv char **w = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_shell_process_words (&lex, "x$B \"$B\" '' y\\ z", &w, &err), 0);
  cr_assert_str_eq (w[0], "xtwo");
  cr_assert_str_eq (w[1], "words");
  cr_assert_str_eq (w[2], "two words");
  cr_assert_str_eq (w[3], "y z");
  cr_assert_null (w[4]);
}

Test (shell, empty_input_gives_no_words)
{
  struct kn_shell_lex lex = { 0 };
  kn_cleanup_strv char **w = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_shell_process_words (&lex, "   ", &w, &err), 0);
  cr_assert_null (w[0]);
  EXPECT (&lex, "", "");
}

Test (shell, unicode_names_and_invalid_utf8)
{
  static const char *const env[] = { "한국=ko", "x\xff=bad", NULL };
  struct kn_shell_lex lex = { .env = env };
  EXPECT (&lex, "$한국!", "ko!");
  /* invalid bytes read as U+FFFD, like Go's text/scanner */
  EXPECT (&lex, "a\xff", "a\xef\xbf\xbd");
  /* a leading byte-order mark is skipped */
  EXPECT (&lex, "\xef\xbb\xbf$한국", "ko");
}

Test (shell, matches_sets)
{
  struct kn_shell_lex lex = { .env = env1 };
  kn_cleanup_free char *out = NULL;
  kn_cleanup_strv char **m = NULL;
  kn_cleanup_strv char **u = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_shell_process_word_matches (&lex, "$Z${A}${Z:-$B}$A", &out, &m, &u, &err), 0);
  cr_assert_str_eq (out, "3two words3");
  cr_assert_str_eq (m[0], "A");
  cr_assert_str_eq (m[1], "B");
  cr_assert_null (m[2]);
  cr_assert_str_eq (u[0], "Z");
  cr_assert_null (u[1]);
}

Test (shell, skip_unset_keeps_bad_modifier_of_unset_variable)
{
  /* BuildKit reads the word before it checks the modifier, so an unset
   * variable is printed back while a set one fails. */
  struct kn_shell_lex lex = { .env = env1, .skip_unset_env = 1 };
  kn_cleanup_free char *m = NULL;
  EXPECT (&lex, "${X:YYY}", "${X:YYY}");
  m = expand_err (&lex, "${A:YYY}");
  cr_expect (strstr (m, "unsupported modifier (:Y)") != NULL, "%s", m);
}

Test (shell, quotes_inside_patterns)
{
  static const char *const env[] = { "V=a*b*c", NULL };
  struct kn_shell_lex lex = { .env = env };
  /* quotes are removed before the pattern is built, so '*' is still a glob */
  EXPECT (&lex, "${V#'*'}", "a*b*c");
  EXPECT (&lex, "${V#*\\*}", "b*c");
  EXPECT (&lex, "${V##*\\*}", "c");
  EXPECT (&lex, "${V%\\**}", "a*b");
  EXPECT (&lex, "${V%%\\**}", "a");
}
