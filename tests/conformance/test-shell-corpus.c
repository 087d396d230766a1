/* Conformance: BuildKit's shell lexer tables (envVarTest, wordsTest and the
 * tables extracted from lex_test.go) read from $KN_CORPORA_DIR. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/shell.h"
#include "tests/conformance/corpus.h"

#define LEXER_DIR "buildkit-shell-lexer"

/* Go strings.TrimSpace for ASCII space (the corpus uses only that). */
static char *
trim (char *s)
{
  char *e;
  while (*s && isspace ((unsigned char)*s))
    s++;
  e = s + strlen (s);
  while (e > s && isspace ((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

Test (shell_corpus, env_var_test)
{
  kn_cleanup_free char *path = corpus_require (LEXER_DIR, "envVarTest");
  kn_cleanup_free char *data = corpus_read (path, NULL);
  static const char *const env[] = { "PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL=", NULL };
  struct kn_shell_lex lex = { .escape = '\\', .env = env };
  int passed = 0, failed = 0, skipped = 0;
  char *save = NULL;

  for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[3], *p = line, *bar;
      kn_cleanup_free char *got = NULL;
      struct kn_error *err = NULL;
      int ret, i;

      if (line[0] == '#')
        continue;
      line = trim (line);
      if (*line == '\0')
        continue;
      p = line;
      for (i = 0; i < 2; i++)
        {
          bar = strchr (p, '|');
          cr_assert_not_null (bar, "bad envVarTest line: %s", line);
          *bar = '\0';
          f[i] = trim (p);
          p = bar + 1;
        }
      cr_assert_null (strchr (p, '|'), "bad envVarTest line (more than 3 fields)");
      f[2] = trim (p);
      if (strcmp (f[0], "W") == 0)
        {
          skipped++;
          continue;
        }
      cr_assert (strcmp (f[0], "A") == 0 || strcmp (f[0], "U") == 0, "bad platform %s", f[0]);
      ret = kn_shell_process_word (&lex, f[1], &got, &err);
      if (strcmp (f[2], "error") == 0)
        {
          if (ret < 0)
            passed++;
          else
            {
              failed++;
              fprintf (stderr, "FAIL envVarTest %s: expected an error, got \"%s\"\n", f[1], got);
            }
        }
      else if (ret < 0)
        {
          failed++;
          fprintf (stderr, "FAIL envVarTest %s: unexpected error: %s\n", f[1], err->msg);
        }
      else if (strcmp (got, f[2]) != 0)
        {
          failed++;
          fprintf (stderr, "FAIL envVarTest %s: expected \"%s\", got \"%s\"\n", f[1], f[2], got);
        }
      else
        passed++;
      kn_error_free (err);
    }
  printf ("envVarTest: %d passed, %d failed (%d Windows-only lines not run)\n", passed, failed, skipped);
  cr_expect_gt (passed, 200, "envVarTest: too few rows read");
  cr_assert_eq (failed, 0, "envVarTest: %d passed, %d failed", passed, failed);
}

Test (shell_corpus, words_test)
{
  kn_cleanup_free char *path = corpus_require (LEXER_DIR, "wordsTest");
  kn_cleanup_free char *data = corpus_read (path, NULL);
  char *env[64] = { NULL };
  size_t nenv = 0;
  int passed = 0, failed = 0;
  char *save = NULL;

  for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct kn_shell_lex lex = { .escape = '\\', .env = (const char *const *)env };
      char *input, *expected, *bar;
      size_t blank = strspn (line, " \t\r\v\f");
      kn_cleanup_strv char **got = NULL;
      kn_cleanup_strv char **want = NULL;
      struct kn_error *err = NULL;
      size_t nwant = 0;
      bool ok;
      int ret;

      if (line[0] == '#' || line[blank] == '\0')
        continue;
      if (strncmp (line, "ENV ", 4) == 0)
        {
          char *v = line + 4;
          while (*v == ' ')
            v++;
          cr_assert_lt (nenv, 63);
          env[nenv++] = kn_xstrdup (v);
          continue;
        }
      bar = strchr (line, '|');
      cr_assert_not_null (bar, "bad wordsTest line: %s", line);
      *bar = '\0';
      input = trim (line);
      expected = bar + 1;
      while (*expected == ' ')
        expected++;
      ret = kn_shell_process_words (&lex, input, &got, &err);
      if (strcmp (expected, "error") == 0)
        {
          ok = ret < 0;
          if (!ok)
            fprintf (stderr, "FAIL wordsTest %s: expected an error\n", input);
        }
      else if (ret < 0)
        {
          ok = false;
          fprintf (stderr, "FAIL wordsTest %s: unexpected error: %s\n", input, err->msg);
        }
      else
        {
          char *s2 = NULL, *w;
          size_t i;
          want = kn_xcalloc (strlen (expected) + 2, sizeof (char *));
          /* strings.Split keeps empty fields */
          for (w = expected;; w = s2 + 1)
            {
              s2 = strchr (w, ',');
              want[nwant++] = s2 ? kn_xstrndup (w, (size_t)(s2 - w)) : kn_xstrdup (w);
              if (s2 == NULL)
                break;
            }
          for (i = 0; got[i] && i < nwant && strcmp (got[i], want[i]) == 0; i++)
            ;
          ok = got[i] == NULL && i == nwant;
          if (!ok)
            {
              fprintf (stderr, "FAIL wordsTest %s: expected %s, got:", input, expected);
              for (i = 0; got[i]; i++)
                fprintf (stderr, " [%s]", got[i]);
              fprintf (stderr, "\n");
            }
        }
      kn_error_free (err);
      if (ok)
        passed++;
      else
        failed++;
    }
  for (size_t i = 0; i < nenv; i++)
    free (env[i]);
  printf ("wordsTest: %d passed, %d failed\n", passed, failed);
  cr_expect_gt (passed, 20, "wordsTest: too few rows read");
  cr_assert_eq (failed, 0, "wordsTest: %d passed, %d failed", passed, failed);
}

/* "K=V" vector from a JSON object. */
static char **
env_from_json (json_object *envs)
{
  size_t n = envs ? (size_t)json_object_object_length (envs) : 0, i = 0;
  char **env = kn_xcalloc (n + 1, sizeof (char *));
  if (envs)
    {
      json_object_object_foreach (envs, k, v) { env[i++] = kn_xasprintf ("%s=%s", k, json_object_get_string (v)); }
    }
  return env;
}

/* Compare a sorted NULL-terminated vector with a JSON array of names. */
static bool
same_set (char **got, json_object *want)
{
  size_t n = want ? json_object_array_length (want) : 0, i;
  size_t ngot = 0;
  while (got[ngot])
    ngot++;
  if (ngot != n)
    return false;
  for (i = 0; i < n; i++)
    {
      const char *w = json_object_get_string (json_object_array_get_idx (want, i));
      bool found = false;
      for (size_t j = 0; j < ngot; j++)
        found = found || strcmp (got[j], w) == 0;
      if (!found)
        return false;
    }
  return true;
}

static void
run_json_table (const char *rel, int *passed, int *failed)
{
  kn_cleanup_free char *path = corpus_require (LEXER_DIR, rel);
  json_object *root = json_object_from_file (path), *cases;
  size_t n;

  cr_assert_not_null (root, "parse %s", path);
  cr_assert (json_object_object_get_ex (root, "cases", &cases), "%s: no cases", path);
  n = json_object_array_length (cases);
  for (size_t i = 0; i < n; i++)
    {
      json_object *c = json_object_array_get_idx (cases, i), *o;
      const char *input, *expected = NULL, *contains = NULL;
      bool want_err = false, ok = true;
      kn_cleanup_strv char **env = NULL;
      kn_cleanup_strv char **matched = NULL;
      kn_cleanup_strv char **unmatched = NULL;
      kn_cleanup_free char *got = NULL;
      struct kn_error *err = NULL;
      struct kn_shell_lex lex = { .escape = '\\' };
      int ret;

      json_object_object_get_ex (c, "input", &o);
      input = json_object_get_string (o);
      env = env_from_json (json_object_object_get_ex (c, "envs", &o) ? o : NULL);
      lex.env = (const char *const *)env;
      if (json_object_object_get_ex (c, "error", &o))
        want_err = json_object_get_boolean (o);
      if (json_object_object_get_ex (c, "error_contains", &o))
        {
          want_err = true;
          contains = json_object_get_string (o);
        }
      if (json_object_object_get_ex (c, "expected", &o))
        expected = json_object_get_string (o);
      ret = kn_shell_process_word_matches (&lex, input, &got, &matched, &unmatched, &err);
      if (want_err)
        {
          ok = ret < 0 && (contains == NULL || strstr (err->msg, contains) != NULL);
          if (!ok)
            fprintf (stderr, "FAIL %s %s: expected an error%s%s, got %s\n", rel, input, contains ? " containing " : "",
                     contains ? contains : "", ret < 0 ? err->msg : got);
        }
      else if (ret < 0)
        {
          ok = false;
          fprintf (stderr, "FAIL %s %s: unexpected error: %s\n", rel, input, err->msg);
        }
      else
        {
          json_object *wm = NULL, *wu = NULL;
          ok = expected == NULL || strcmp (got, expected) == 0;
          if (!ok)
            fprintf (stderr, "FAIL %s %s: expected \"%s\", got \"%s\"\n", rel, input, expected, got);
          if (json_object_object_get_ex (c, "matched", &wm) && !same_set (matched, wm))
            {
              ok = false;
              fprintf (stderr, "FAIL %s %s: matched set differs\n", rel, input);
            }
          if (json_object_object_get_ex (c, "unmatched", &wu) && !same_set (unmatched, wu))
            {
              ok = false;
              fprintf (stderr, "FAIL %s %s: unmatched set differs\n", rel, input);
            }
        }
      kn_error_free (err);
      if (ok)
        (*passed)++;
      else
        (*failed)++;
    }
  json_object_put (root);
}

Test (shell_corpus, process_with_matches)
{
  int passed = 0, failed = 0;
  run_json_table ("extracted/process-with-matches.json", &passed, &failed);
  printf ("process-with-matches.json: %d passed, %d failed\n", passed, failed);
  cr_expect_gt (passed, 40, "process-with-matches.json: too few rows read");
  cr_assert_eq (failed, 0, "process-with-matches.json: %d passed, %d failed", passed, failed);
}

Test (shell_corpus, mandatory_and_platform)
{
  int passed = 0, failed = 0;
  run_json_table ("extracted/mandatory-and-platform.json", &passed, &failed);
  printf ("mandatory-and-platform.json: %d passed, %d failed\n", passed, failed);
  cr_expect_gt (passed, 8, "mandatory-and-platform.json: too few rows read");
  cr_assert_eq (failed, 0, "mandatory-and-platform.json: %d passed, %d failed", passed, failed);
}
