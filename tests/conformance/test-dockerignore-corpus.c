/* Conformance: moby/patternmatcher and ignorefile tables read from
 * $KN_CORPORA_DIR/dockerignore-patternmatcher. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/glob.h"
#include "tests/conformance/corpus.h"

#define IGNORE_DIR "dockerignore-patternmatcher"

/* Split s on TAB into at most max fields (in place); returns the count. */
static int
split_tabs (char *s, char **f, int max)
{
  int n = 0;
  f[n++] = s;
  while (n < max && (s = strchr (s, '\t')))
    {
      *s++ = '\0';
      f[n++] = s;
    }
  return n;
}

/* Split the " ;; "-joined pattern list (an empty field is no pattern). */
static char **
split_patterns (const char *field)
{
  size_t cap = 4, n = 0;
  char **v = kn_xcalloc (cap + 1, sizeof (char *));
  const char *p = field;
  if (*field == '\0')
    return v;
  for (;;)
    {
      const char *sep = strstr (p, " ;; ");
      if (n + 1 >= cap)
        {
          cap *= 2;
          v = kn_xrealloc (v, (cap + 1) * sizeof (char *));
        }
      v[n++] = sep ? kn_xstrndup (p, (size_t)(sep - p)) : kn_xstrdup (p);
      v[n] = NULL;
      if (sep == NULL)
        break;
      p = sep + 4;
    }
  return v;
}

/* Run one table whose rows are patterns, path, expected (true/false/error). */
static void
run_table (const char *rel, int pattern_col, int path_col, int expected_col, int error_col, bool or_parent, int *passed,
           int *failed)
{
  kn_cleanup_free char *path = corpus_require (IGNORE_DIR, rel);
  kn_cleanup_free char *data = corpus_read (path, NULL);
  char *save = NULL;
  bool header = true;

  for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[6] = { NULL };
      int nf;
      bool want_err, want;
      kn_cleanup_strv char **pats = NULL;
      struct kn_ignore *ig;
      struct kn_error *err = NULL;
      int ret;

      if (line[0] == '#')
        continue;
      if (header)
        {
          header = false;
          continue;
        }
      nf = split_tabs (line, f, 6);
      cr_assert_gt (nf, expected_col, "%s: short row", rel);
      want_err = strcmp (f[expected_col], "error") == 0
                 || (error_col >= 0 && error_col < nf && strcmp (f[error_col], "ErrBadPattern") == 0);
      want = strcmp (f[expected_col], "true") == 0;
      pats = split_patterns (f[pattern_col]);
      ig = kn_ignore_new ((const char *const *)pats, (size_t)-1);
      ret = or_parent ? kn_ignore_matches_or_parent (ig, f[path_col], &err) : kn_ignore_matches (ig, f[path_col], &err);
      if (want_err ? ret >= 0 : (ret < 0 || (ret == 1) != want))
        {
          (*failed)++;
          fprintf (stderr, "FAIL %s: patterns [%s] path [%s]: expected %s, got %s\n", rel, f[pattern_col], f[path_col],
                   want_err ? "error"
                   : want   ? "true"
                            : "false",
                   ret < 0 ? err->msg
                   : ret   ? "true"
                           : "false");
        }
      else
        (*passed)++;
      kn_error_free (err);
      kn_ignore_free (ig);
    }
}

/* matches.tsv was verified upstream through MatchesOrParentMatches (BuildKit
 * semantics): every row must pass that way. */
Test (dockerignore_corpus, matches)
{
  int passed = 0, failed = 0;
  run_table ("matches.tsv", 0, 1, 2, -1, true, &passed, &failed);
  printf ("matches.tsv (MatchesOrParentMatches): %d passed, %d failed\n", passed, failed);
  cr_expect_eq (passed + failed, 72, "matches.tsv: expected 72 rows");
  cr_assert_eq (failed, 0, "matches.tsv: %d passed, %d failed", passed, failed);
}

/* Through the deprecated Matches() that kaniko calls, a row may differ only
 * by that function's documented rule: a parent is tried only with as many
 * components as the pattern has, so a pattern deeper than the file's parent
 * cannot match through it.  Such rows must give false under Matches(). */
Test (dockerignore_corpus, matches_kaniko_semantics)
{
  kn_cleanup_free char *path = corpus_require (IGNORE_DIR, "matches.tsv");
  kn_cleanup_free char *data = corpus_read (path, NULL);
  char *save = NULL;
  bool header = true;
  int agree = 0, explained = 0, failed = 0;

  for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[4] = { NULL };
      kn_cleanup_strv char **pats = NULL;
      struct kn_ignore *ig;
      struct kn_error *err = NULL;
      int a, b;
      size_t file_depth = 0, pat_depth = 0;

      if (line[0] == '#')
        continue;
      if (header)
        {
          header = false;
          continue;
        }
      cr_assert_eq (split_tabs (line, f, 4), 4);
      pats = split_patterns (f[0]);
      ig = kn_ignore_new ((const char *const *)pats, (size_t)-1);
      a = kn_ignore_matches (ig, f[1], &err);
      kn_error_release (&err);
      b = kn_ignore_matches_or_parent (ig, f[1], &err);
      kn_error_release (&err);
      kn_ignore_free (ig);
      if (a == b)
        {
          agree++;
          continue;
        }
      {
        kn_cleanup_free char *clean = kn_glob_clean_path (f[1]);
        for (const char *c = clean; *c; c++)
          file_depth += *c == '/';
        for (size_t i = 0; pats[i]; i++)
          {
            size_t d = 1;
            for (const char *c = pats[i]; *c; c++)
              d += *c == '/';
            pat_depth = d > pat_depth ? d : pat_depth;
          }
      }
      if (a == 0 && b == 1 && pat_depth > file_depth)
        {
          explained++;
          printf ("matches.tsv: Matches() differs as documented for [%s] [%s]: false\n", f[0], f[1]);
        }
      else
        {
          failed++;
          fprintf (stderr, "FAIL matches.tsv: Matches() %d vs MatchesOrParentMatches() %d for [%s] [%s]\n", a, b, f[0],
                   f[1]);
        }
    }
  printf ("matches.tsv (Matches): %d agree, %d differ by the single-parent rule, %d failed\n", agree, explained,
          failed);
  cr_expect_eq (agree + explained + failed, 72);
  cr_assert_eq (failed, 0);
}

Test (dockerignore_corpus, match_filepath)
{
  int passed = 0, failed = 0;
  run_table ("match-filepath.tsv", 0, 1, 2, 3, false, &passed, &failed);
  printf ("match-filepath.tsv: %d passed, %d failed\n", passed, failed);
  cr_expect_eq (passed + failed, 54, "match-filepath.tsv: expected 54 rows");
  cr_assert_eq (failed, 0, "match-filepath.tsv: %d passed, %d failed", passed, failed);
}

Test (dockerignore_corpus, matches_misc)
{
  int passed = 0, failed = 0;
  run_table ("matches-misc.tsv", 0, 1, 2, -1, false, &passed, &failed);
  printf ("matches-misc.tsv: %d passed, %d failed\n", passed, failed);
  cr_expect_eq (passed + failed, 12, "matches-misc.tsv: expected 12 rows");
  cr_assert_eq (failed, 0, "matches-misc.tsv: %d passed, %d failed", passed, failed);
}

Test (dockerignore_corpus, ignorefile_readall)
{
  kn_cleanup_free char *in = corpus_require (IGNORE_DIR, "ignorefile-readall.dockerignore");
  kn_cleanup_free char *js = corpus_require (IGNORE_DIR, "ignorefile-readall.json");
  size_t len, n, i;
  kn_cleanup_free char *text = corpus_read (in, &len);
  json_object *root = json_object_from_file (js), *want;
  struct kn_ignore *ig = NULL;
  struct kn_error *err = NULL;
  const char *const *got;
  int passed = 0, failed = 0;

  cr_assert_not_null (root);
  cr_assert (json_object_object_get_ex (root, "expected_patterns", &want));
  cr_assert_eq (kn_dockerignore_parse (text, len, &ig, &err), 0, "parse: %s", err ? err->msg : "");
  got = kn_ignore_patterns (ig);
  n = json_object_array_length (want);
  for (i = 0; i < n; i++)
    {
      const char *w = json_object_get_string (json_object_array_get_idx (want, i));
      if (got[i] && strcmp (got[i], w) == 0)
        passed++;
      else
        {
          failed++;
          fprintf (stderr, "FAIL ignorefile-readall: pattern %zu: expected \"%s\", got \"%s\"\n", i, w,
                   got[i] ? got[i] : "(none)");
        }
      if (got[i] == NULL)
        break;
    }
  if (got[i < n ? i : n] != NULL)
    {
      failed++;
      fprintf (stderr, "FAIL ignorefile-readall: extra patterns\n");
    }
  printf ("ignorefile-readall: %d passed, %d failed\n", passed, failed);
  kn_ignore_free (ig);
  json_object_put (root);
  cr_assert_eq (failed, 0, "ignorefile-readall: %d passed, %d failed", passed, failed);
}

/* compile.tsv: how each pattern is classified and which regexp it becomes. */
Test (dockerignore_corpus, compile)
{
  kn_cleanup_free char *path = corpus_require (IGNORE_DIR, "compile.tsv");
  kn_cleanup_free char *data = corpus_read (path, NULL);
  char *save = NULL;
  bool header = true;
  int passed = 0, failed = 0;

  for (char *line = strtok_r (data, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[4] = { NULL };
      const char *pats[2] = { NULL, NULL }, *kind = NULL, *re = NULL;
      struct kn_ignore *ig;
      if (line[0] == '#')
        continue;
      if (header)
        {
          header = false;
          continue;
        }
      cr_assert_geq (split_tabs (line, f, 4), 2);
      pats[0] = f[0];
      ig = kn_ignore_new (pats, 1);
      if (kn_ignore_pattern_info (ig, 0, &kind, &re) == 0 && strcmp (kind, f[1]) == 0
          && strcmp (re, f[2] ? f[2] : "") == 0)
        passed++;
      else
        {
          failed++;
          fprintf (stderr, "FAIL compile.tsv [%s]: expected %s %s, got %s %s\n", f[0], f[1], f[2] ? f[2] : "",
                   kind ? kind : "(error)", re ? re : "");
        }
      kn_ignore_free (ig);
    }
  printf ("compile.tsv: %d passed, %d failed\n", passed, failed);
  cr_expect_gt (passed, 15, "compile.tsv: too few rows read");
  cr_assert_eq (failed, 0, "compile.tsv: %d passed, %d failed", passed, failed);
}
