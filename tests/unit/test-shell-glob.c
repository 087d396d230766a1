/* Unit tests: Go-compatible Clean, filepath.Match and the regex engine, and
 * .dockerignore parsing/loading edge cases. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/glob.h"

Test (glob, clean)
{
  static const char *const cases[][2] = {
    { "", "." },       { "abc", "abc" },          { "abc/", "abc" },        { "a//b", "a/b" },
    { "/../a", "/a" }, { "../../a/..", "../.." }, { "a/./b/../c", "a/c" },  { "/", "/" },
    { "./", "." },     { "a/..", "." },           { "/a/b/../../..", "/" }, { "..", ".." },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      kn_cleanup_free char *c = kn_glob_clean_path (cases[i][0]);
      cr_expect_str_eq (c, cases[i][1], "Clean(%s)", cases[i][0]);
    }
}

Test (glob, filepath_match)
{
  struct kn_error *err = NULL;
  cr_expect_eq (kn_glob_match ("*.go", "a.go", &err), 1);
  cr_expect_eq (kn_glob_match ("*.go", "d/a.go", &err), 0);
  cr_expect_eq (kn_glob_match ("[a-c]?", "bz", &err), 1);
  cr_expect_eq (kn_glob_match ("a*", "x[", &err), 0);
  cr_assert_null (err);
  /* the whole pattern is validated even after a mismatch */
  cr_expect_eq (kn_glob_match ("x*[", "abc", &err), -KN_EINVAL);
  kn_error_release (&err);
}

static int
find (const char *re_s, const char *s, size_t m[2])
{
  struct kn_glob_regex *re = NULL;
  struct kn_error *err = NULL;
  int r;
  cr_assert_eq (kn_glob_regex_compile (re_s, &re, &err), 0, "%s: %s", re_s, err ? err->msg : "");
  r = kn_glob_regex_find (re, s, strlen (s), 0, m);
  kn_glob_regex_free (re);
  return r;
}

Test (glob, regex_leftmost_first)
{
  size_t m[2];
  cr_assert_eq (find ("a.*?b", "xaabab", m), 1);
  cr_expect_eq (m[0], 1);
  cr_expect_eq (m[1], 4);
  cr_assert_eq (find ("a.*b", "xaabab", m), 1);
  cr_expect_eq (m[1], 6);
  cr_expect_eq (find ("^a.b$", "a\nb", m), 0, ". must not match a newline");
  cr_expect_eq (find ("^a[^x]b$", "a\nb", m), 1, "a negated class matches a newline");
  cr_expect_eq (find ("^[[:digit:]]+\\d\\x41$", "12A", m), 1);
  cr_expect_eq (find ("\\bfoo\\b", "a foo.", m), 1);
}

Test (glob, regex_errors)
{
  static const char *const bad[] = { "[l-O]", "a**", "*a", "(a", "a)", "\\", "[a", "\\1", "[[:foo:]]" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct kn_glob_regex *re = NULL;
      struct kn_error *err = NULL;
      cr_expect_eq (kn_glob_regex_compile (bad[i], &re, &err), -KN_EINVAL, "%s should not compile", bad[i]);
      cr_expect_null (re);
      kn_error_release (&err);
    }
}

Test (glob, replace_all_empty_matches)
{
  struct kn_glob_regex *re = NULL;
  struct kn_error *err = NULL;
  kn_cleanup_free char *a = NULL;
  kn_cleanup_free char *b = NULL;
  cr_assert_eq (kn_glob_regex_compile ("x*", &re, &err), 0);
  a = kn_glob_regex_replace_all (re, "abxd", "-");
  cr_expect_str_eq (a, "-a-b-d-");
  b = kn_glob_regex_replace_all (re, "", "<$0$$${0}$x${y>");
  cr_expect_str_eq (b, "<$${y>");
  kn_glob_regex_free (re);
}

static int
ig_match (const char *const *pats, const char *path)
{
  struct kn_ignore *ig = kn_ignore_new (pats, (size_t)-1);
  struct kn_error *err = NULL;
  int r = kn_ignore_matches (ig, path, &err);
  kn_error_free (err);
  kn_ignore_free (ig);
  return r;
}

Test (dockerignore, matches_semantics)
{
  static const char *const p1[] = { "node_modules", NULL };
  static const char *const p2[] = { "*/tmp", NULL };
  static const char *const p3[] = { "*", "!keep", "[l-O]", NULL };
  static const char *const p4[] = { "!x", "[l-O]", NULL };
  cr_expect_eq (ig_match (p1, "node_modules/a/b"), 1);
  cr_expect_eq (ig_match (p1, "./node_modules/../node_modules/x"), 1);
  cr_expect_eq (ig_match (p1, "src/node_modules"), 0);
  cr_expect_eq (ig_match (p2, "a/tmp/x/y"), 1);
  /* Matches() only tries the parent with as many components as the pattern */
  cr_expect_eq (ig_match (p1, "."), 0);
  /* a malformed pattern only fails when it is evaluated */
  cr_expect_eq (ig_match (p3, "a"), 1);
  cr_expect_eq (ig_match (p3, "keep"), -KN_EINVAL);
  cr_expect_eq (ig_match (p4, "a"), -KN_EINVAL);
}

Test (dockerignore, parse_readall)
{
  static const char text[] = "\xef\xbb\xbf# c\r\n  /a/../b/  \r\n\n!  ./c\n #notcomment\n\t\n!";
  struct kn_ignore *ig = NULL;
  struct kn_error *err = NULL;
  const char *const *p;
  cr_assert_eq (kn_dockerignore_parse (text, sizeof text - 1, &ig, &err), 0);
  p = kn_ignore_patterns (ig);
  cr_assert_str_eq (p[0], "b");
  cr_assert_str_eq (p[1], "!c");
  cr_assert_str_eq (p[2], "#notcomment");
  cr_assert_str_eq (p[3], "!");
  cr_assert_null (p[4]);
  cr_expect_eq (kn_ignore_matches (ig, "b", &err), -KN_EINVAL, "a lone ! is rejected by the matcher");
  cr_expect (strstr (err->msg, "illegal exclusion pattern") != NULL);
  kn_error_release (&err);
  kn_ignore_free (ig);
}

Test (dockerignore, parse_long_line)
{
  size_t n = 64 * 1024;
  kn_cleanup_free char *text = kn_xmalloc (n + 1);
  struct kn_ignore *ig = NULL;
  struct kn_error *err = NULL;
  memset (text, 'a', n);
  text[n] = '\0';
  cr_expect_eq (kn_dockerignore_parse (text, n, &ig, &err), -KN_EINVAL);
  cr_expect_null (ig);
  kn_error_release (&err);
  cr_expect_eq (kn_dockerignore_parse (text, n - 1, &ig, &err), 0);
  kn_ignore_free (ig);
}

static void
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  cr_assert_not_null (f);
  fputs (text, f);
  fclose (f);
}

Test (dockerignore, load_order)
{
  char dir[] = "/tmp/kn-dockerignore-XXXXXX";
  kn_cleanup_free char *p1 = NULL;
  kn_cleanup_free char *p2 = NULL;
  struct kn_ignore *ig = NULL;
  struct kn_error *err = NULL;

  cr_assert_not_null (mkdtemp (dir));
  cr_assert_eq (kn_dockerignore_load (dir, "Dockerfile", &ig, &err), 0);
  cr_expect_null (kn_ignore_patterns (ig)[0], "no ignore file gives an empty list");
  kn_ignore_free (ig);

  p1 = kn_xasprintf ("%s/.dockerignore", dir);
  write_file (p1, "ctx\n");
  cr_assert_eq (kn_dockerignore_load (dir, "Dockerfile", &ig, &err), 0);
  cr_expect_str_eq (kn_ignore_patterns (ig)[0], "ctx");
  kn_ignore_free (ig);

  p2 = kn_xasprintf ("%s/Dockerfile.dockerignore", dir);
  write_file (p2, "specific\n");
  cr_assert_eq (kn_dockerignore_load (dir, "Dockerfile", &ig, &err), 0);
  cr_expect_str_eq (kn_ignore_patterns (ig)[0], "specific");
  kn_ignore_free (ig);

  unlink (p2);
  unlink (p1);
  rmdir (dir);
}

Test (glob, utf8_like_go)
{
  uint32_t r;
  cr_expect_eq (kn_glob_decode_rune ("\xed\xa0\x80", 3, &r), 1, "surrogates are invalid");
  cr_expect_eq (r, KN_RUNE_ERROR);
  cr_expect_eq (kn_glob_decode_rune ("\xc0\x80", 2, &r), 1, "overlong forms are invalid");
  cr_expect_eq (kn_glob_decode_rune ("\xf0\x9f\x98\x80", 4, &r), 4);
  cr_expect_eq (r, 0x1F600);
  cr_expect_eq (kn_glob_decode_rune ("\xe2\x82", 2, &r), 1, "truncated sequences are invalid");
  cr_expect (kn_glob_is_letter (0xD55C), "Hangul is a letter");
  cr_expect (kn_glob_is_digit (0x0661), "ARABIC-INDIC DIGIT ONE is a digit");
  cr_expect (!kn_glob_is_letter ('_'));
  cr_expect (kn_glob_is_space (0x3000) && kn_glob_is_space (0x85) && !kn_glob_is_space (0x200B));
}

Test (glob, trim_space)
{
  size_t start, n = kn_glob_trim_space ("\xc2\xa0 a b\t\xe3\x80\x80", 10, &start);
  cr_expect_eq (start, 3);
  cr_expect_eq (n, 3);
  n = kn_glob_trim_space (" \t ", 3, &start);
  cr_expect_eq (n, 0);
}

Test (glob, filepath_match_escapes_and_classes)
{
  struct kn_error *err = NULL;
  cr_expect_eq (kn_glob_match ("a\\*b", "a*b", &err), 1);
  cr_expect_eq (kn_glob_match ("a\\*b", "axb", &err), 0);
  cr_expect_eq (kn_glob_match ("[α-ω]x", "βx", &err), 1);
  cr_expect_eq (kn_glob_match ("[^α-ω]x", "βx", &err), 0);
  cr_expect_eq (kn_glob_match ("*/b", "a/b", &err), 1);
  cr_expect_eq (kn_glob_match ("*", "a/b", &err), 0);
  cr_assert_null (err);
}
