/* Conformance of the Dockerfile parser against BuildKit's own test data
 * ($KN_CORPORA_DIR/buildkit-dockerfile-parser, see its README section 1):
 * AST dumps, negative cases, heredoc extraction, heredoc words and lines,
 * JSON arrays, parseWords, line numbers, empty-continuation warnings and
 * AST->instruction errors.  Prints "N passed, N failed"; exit 77 (skip)
 * without the corpus. */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/dump.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/parser.h"
#include "tests/conformance/corpus.h"

static int passed, failed;
static const char *dir;

static void
check (bool ok, const char *fmt, ...)
{
  if (ok)
    {
      passed++;
      return;
    }
  failed++;
  va_list ap;
  va_start (ap, fmt);
  fprintf (stderr, "FAIL: ");
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
}

static char *
path_of (const char *a, const char *b)
{
  return kn_xasprintf ("%s/%s", a, b);
}

static struct kn_df_ast *
parse_path (const char *path, struct kn_error **err)
{
  struct kn_df_ast *ast = NULL;
  if (kn_df_parse_file (path, &ast, err) < 0)
    return NULL;
  return ast;
}

static json_object *
load_json (const char *name)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/extracted/%s", dir, name);
  json_object *o = json_object_from_file (p);
  if (o == NULL)
    check (false, "cannot read %s", p);
  return o;
}

static const char *
jstr (json_object *o, const char *key)
{
  json_object *v;
  return json_object_object_get_ex (o, key, &v) ? json_object_get_string (v) : NULL;
}

static json_object *
jget (json_object *o, const char *key)
{
  json_object *v = NULL;
  json_object_object_get_ex (o, key, &v);
  return v;
}

static void
test_dumps (void)
{
  kn_cleanup_free char *tf = path_of (dir, "testfiles");
  DIR *d = opendir (tf);
  struct dirent *e;
  int n = 0;
  check (d != NULL, "no testfiles folder");
  while (d && (e = readdir (d)))
    {
      if (e->d_name[0] == '.')
        continue;
      kn_cleanup_free char *df = kn_xasprintf ("%s/%s/Dockerfile", tf, e->d_name);
      kn_cleanup_free char *rf = kn_xasprintf ("%s/%s/result", tf, e->d_name);
      kn_cleanup_free char *want = corpus_slurp (rf, NULL);
      struct kn_error *err = NULL;
      struct kn_df_ast *ast = parse_path (df, &err);
      n++;
      if (ast == NULL)
        {
          check (false, "testfiles/%s: %s", e->d_name, err->msg);
          kn_error_free (err);
          continue;
        }
      kn_cleanup_free char *got = kn_df_ast_dump (ast);
      check (want && strcmp (got, want) == 0, "testfiles/%s: dump differs:\n--- got\n%s--- want\n%s", e->d_name, got,
             want ? want : "(missing)");
      kn_df_ast_free (ast);
    }
  if (d)
    closedir (d);
  check (n == 33, "expected 33 testfiles, found %d", n);
}

static void
test_negative (void)
{
  kn_cleanup_free char *tf = path_of (dir, "testfiles-negative");
  DIR *d = opendir (tf);
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir (d)))
    {
      if (e->d_name[0] == '.')
        continue;
      kn_cleanup_free char *df = kn_xasprintf ("%s/%s/Dockerfile", tf, e->d_name);
      struct kn_error *err = NULL;
      struct kn_df_ast *ast = parse_path (df, &err);
      n++;
      check (ast == NULL && err && strstr (err->msg, "Dockerfile:") != NULL,
             "testfiles-negative/%s must fail with a located error", e->d_name);
      kn_error_free (err);
      kn_df_ast_free (ast);
    }
  if (d)
    closedir (d);
  check (n == 4, "expected 4 negative cases, found %d", n);
}

static void
test_heredoc_extract (void)
{
  json_object *j = load_json ("heredoc-extract.json");
  if (!j)
    return;
  kn_cleanup_free char *df = kn_xasprintf ("%s/extracted/%s", dir, jstr (j, "dockerfile"));
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = parse_path (df, &err);
  json_object *cases = jget (j, "cases");
  check (ast != NULL, "heredoc-extract: parse: %s", err ? err->msg : "");
  kn_error_release (&err);
  for (size_t i = 0; ast && i < json_object_array_length (cases); i++)
    {
      json_object *c = json_object_array_get_idx (cases, i);
      int idx = json_object_get_int (jget (c, "ast_child_index"));
      json_object *hds = jget (c, "heredocs");
      const struct kn_df_node *node;
      size_t want_n = hds ? json_object_array_length (hds) : 0;
      if ((size_t)idx >= ast->root->n_children)
        {
          check (false, "heredoc-extract: no child %d", idx);
          continue;
        }
      node = ast->root->children[idx];
      bool ok = node->n_heredocs == want_n;
      for (size_t k = 0; ok && k < want_n; k++)
        {
          json_object *h = json_object_array_get_idx (hds, k);
          const struct kn_df_heredoc *g = &node->heredocs[k];
          ok = strcmp (g->name, jstr (h, "Name")) == 0
               && g->fd == (uint64_t)json_object_get_int64 (jget (h, "FileDescriptor"))
               && g->expand == json_object_get_boolean (jget (h, "Expand"))
               && g->chomp == json_object_get_boolean (jget (h, "Chomp"))
               && strcmp (g->content, jstr (h, "Content")) == 0;
        }
      check (ok, "heredoc-extract: child %d (%s): got %zu heredocs%s%s", idx, jstr (c, "comment"), node->n_heredocs,
             node->n_heredocs ? ", first " : "", node->n_heredocs ? node->heredocs[0].name : "");
    }
  kn_df_ast_free (ast);
  json_object_put (j);

  /* JSON form never has heredocs */
  kn_cleanup_free char *jf = kn_xasprintf ("%s/extracted/heredoc-json-form.Dockerfile", dir);
  ast = parse_path (jf, &err);
  check (ast != NULL && ast->root->n_children == 4, "heredoc-json-form: parse");
  kn_error_release (&err);
  for (size_t i = 1; ast && i <= 3 && i < ast->root->n_children; i++)
    check (ast->root->children[i]->n_heredocs == 0, "heredoc-json-form: child %zu has heredocs", i);
  kn_df_ast_free (ast);
}

static void
test_heredoc_word (void)
{
  json_object *j = load_json ("heredoc-word.json");
  if (!j)
    return;
  const char *groups[] = { "valid_name_EOF", "error", "not_heredoc" };
  for (int g = 0; g < 3; g++)
    {
      json_object *a = jget (j, groups[g]);
      for (size_t i = 0; i < json_object_array_length (a); i++)
        {
          const char *w = json_object_get_string (json_object_array_get_idx (a, i));
          struct kn_df_heredoc h;
          struct kn_error *err = NULL;
          int r = kn_df_heredoc_parse_word (w, &h, &err);
          if (g == 0)
            check (r == 1 && strcmp (h.name, "EOF") == 0, "heredoc-word: %s should be heredoc EOF (r=%d)", w, r);
          else if (g == 1)
            check (r < 0, "heredoc-word: %s should be an error (r=%d)", w, r);
          else
            check (r == 0, "heredoc-word: %s should not be a heredoc (r=%d)", w, r);
          if (r == 1)
            free (h.name);
          kn_error_free (err);
        }
    }
  json_object_put (j);
}

static void
test_heredoc_line (void)
{
  json_object *j = load_json ("heredoc-line.json");
  if (!j)
    return;
  json_object *cases = jget (j, "cases");
  for (size_t i = 0; i < json_object_array_length (cases); i++)
    {
      json_object *c = json_object_array_get_idx (cases, i);
      json_object *names = jget (c, "heredocNames");
      const char *line = jstr (c, "line");
      struct kn_df_heredoc *h = NULL;
      size_t n = 0, want = names ? json_object_array_length (names) : 0;
      struct kn_error *err = NULL;
      int r = kn_df_heredocs_from_line (line, &h, &n, &err);
      bool ok = r == 0 && n == want;
      for (size_t k = 0; ok && k < n; k++)
        ok = strcmp (h[k].name, json_object_get_string (json_object_array_get_idx (names, k))) == 0;
      check (ok, "heredoc-line: %s: got %zu names", line, n);
      for (size_t k = 0; k < n; k++)
        free (h[k].name);
      free (h);
      kn_error_free (err);
    }
  json_object_put (j);
}

static void
test_json_arrays (void)
{
  json_object *j = load_json ("json-arrays.json");
  if (!j)
    return;
  json_object *valid = jget (j, "valid"), *bad = jget (j, "not_string_array");
  for (size_t i = 0; i < json_object_array_length (valid); i++)
    {
      json_object *c = json_object_array_get_idx (valid, i);
      json_object *exp = jget (c, "expect");
      struct kn_df_node *n = NULL;
      struct kn_error *err = NULL;
      int r = kn_df_parse_json_array (jstr (c, "input"), &n, &err);
      bool ok = r == 1;
      size_t k = 0;
      for (struct kn_df_node *a = n; ok && a; a = a->next, k++)
        {
          json_object *e = json_object_array_get_idx (exp, k);
          ok = e && (size_t)json_object_get_string_len (e) == a->value_len
               && memcmp (json_object_get_string (e), a->value, a->value_len) == 0;
        }
      check (ok && k == json_object_array_length (exp), "json-arrays: %s", jstr (c, "input"));
      kn_df_node_free (n);
      kn_error_free (err);
    }
  for (size_t i = 0; i < json_object_array_length (bad); i++)
    {
      const char *in = json_object_get_string (json_object_array_get_idx (bad, i));
      struct kn_df_node *n = NULL;
      struct kn_error *err = NULL;
      int r = kn_df_parse_json_array (in, &n, &err);
      check (r < 0 && err, "json-arrays: %s must be a hard error", in);
      kn_error_release (&err);
      kn_df_node_free (n);
      /* and through the parser: CMD with such an array fails */
      kn_cleanup_free char *df = kn_xasprintf ("CMD %s\n", in);
      struct kn_df_ast *ast = NULL;
      r = kn_df_parse ("Dockerfile", df, strlen (df), &ast, &err);
      check (r < 0, "json-arrays: CMD %s must not parse", in);
      kn_error_free (err);
      kn_df_ast_free (ast);
    }
  json_object_put (j);
}

static void
test_parse_words (void)
{
  json_object *j = load_json ("parse-words.json");
  if (!j)
    return;
  json_object *cases = jget (j, "cases");
  for (size_t i = 0; i < json_object_array_length (cases); i++)
    {
      json_object *c = json_object_array_get_idx (cases, i);
      const char *in = json_object_get_string (json_object_array_get_idx (jget (c, "input"), 0));
      json_object *exp = jget (c, "expect");
      kn_cleanup_strv char **w = kn_df_parse_words (in, '\\');
      size_t k = 0;
      bool ok = true;
      for (; w[k]; k++)
        if (k >= json_object_array_length (exp)
            || strcmp (w[k], json_object_get_string (json_object_array_get_idx (exp, k))) != 0)
          ok = false;
      check (ok && k == json_object_array_length (exp), "parse-words: %s", in);
    }
  json_object_put (j);
}

static void
test_line_numbers (void)
{
  json_object *j = load_json ("line-numbers.json");
  if (!j)
    return;
  kn_cleanup_free char *df = kn_xasprintf ("%s/extracted/%s", dir, jstr (j, "dockerfile"));
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = parse_path (df, &err);
  json_object *astj = jget (j, "ast"), *lines = jget (j, "children_lines");
  check (ast != NULL, "line-numbers: parse");
  kn_error_free (err);
  if (ast)
    {
      check (ast->root->start_line == json_object_get_int (jget (astj, "StartLine"))
                 && ast->root->end_line == json_object_get_int (jget (astj, "EndLine"))
                 && (int)ast->root->n_children == json_object_get_int (jget (astj, "children")),
             "line-numbers: root %d-%d (%zu children)", ast->root->start_line, ast->root->end_line,
             ast->root->n_children);
      for (size_t i = 0; i < json_object_array_length (lines) && i < ast->root->n_children; i++)
        {
          json_object *p = json_object_array_get_idx (lines, i);
          const struct kn_df_node *n = ast->root->children[i];
          check (n->start_line == json_object_get_int (json_object_array_get_idx (p, 0))
                     && n->end_line == json_object_get_int (json_object_array_get_idx (p, 1)),
                 "line-numbers: child %zu is %d-%d", i, n->start_line, n->end_line);
        }
    }
  kn_df_ast_free (ast);
  json_object_put (j);
}

static void
test_empty_continuation (void)
{
  json_object *j = load_json ("empty-continuation-warnings.json");
  if (!j)
    return;
  kn_cleanup_free char *df = kn_xasprintf ("%s/extracted/%s", dir, jstr (j, "dockerfile"));
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = parse_path (df, &err);
  json_object *exp = jget (j, "expect"), *contains = jget (exp, "warning_contains");
  check (ast != NULL, "empty-continuation: parse");
  kn_error_free (err);
  if (ast)
    {
      check ((int)ast->n_warnings == json_object_get_int (jget (exp, "warning_count")),
             "empty-continuation: %zu warnings", ast->n_warnings);
      for (size_t i = 0; i < json_object_array_length (contains) && i < ast->n_warnings; i++)
        {
          json_object *subs = json_object_array_get_idx (contains, i);
          for (size_t k = 0; k < json_object_array_length (subs); k++)
            {
              const char *s = json_object_get_string (json_object_array_get_idx (subs, k));
              check (strstr (ast->warnings[i].message, s) != NULL, "empty-continuation: warning %zu (%s) lacks %s", i,
                     ast->warnings[i].message, s);
            }
          check (ast->warnings[i].line > 0, "empty-continuation: warning %zu has no line", i);
        }
    }
  kn_df_ast_free (ast);
  json_object_put (j);
}

static void
test_instruction_errors (void)
{
  json_object *j = load_json ("instruction-errors.json");
  if (!j)
    return;
  json_object *cases = jget (j, "cases"), *extra = jget (j, "extra");
  for (size_t i = 0; i < json_object_array_length (cases) + json_object_array_length (extra); i++)
    {
      bool is_extra = i >= json_object_array_length (cases);
      json_object *c = is_extra ? json_object_array_get_idx (extra, i - json_object_array_length (cases))
                                : json_object_array_get_idx (cases, i);
      const char *src = jstr (c, "dockerfile"), *want = jstr (c, "error_contains");
      struct kn_error *err = NULL;
      struct kn_df_ast *ast = NULL;
      struct kn_df_instruction *ins = NULL;
      int r = kn_df_parse ("Dockerfile", src, strlen (src), &ast, &err);
      check (r == 0, "instruction-errors: %s: parse must succeed: %s", src, err ? err->msg : "");
      kn_error_release (&err);
      if (r < 0)
        continue;
      r = kn_df_instruction_from_node (ast->root->children[0], "Dockerfile", &ins, &err);
      if (want)
        check (r < 0 && strstr (err->msg, want) != NULL && strncmp (err->msg, "Dockerfile:1: ", 14) == 0,
               "instruction-errors: %s: want error containing \"%s\", got \"%s\"", src, want,
               err ? err->msg : "(none)");
      else
        {
          json_object *t = jget (c, "expect_health_test");
          bool ok = r == 0 && ins->health.n_test == json_object_array_length (t);
          for (size_t k = 0; ok && k < ins->health.n_test; k++)
            ok = strcmp (ins->health.test[k], json_object_get_string (json_object_array_get_idx (t, k))) == 0;
          check (ok, "instruction-errors: %s: health test", src);
        }
      kn_error_free (err);
      kn_df_instruction_free (ins);
      kn_df_ast_free (ast);
    }
  json_object_put (j);
}

int
main (void)
{
  kn_cleanup_free char *d = corpus_require_or_exit ("buildkit-dockerfile-parser", NULL);
  dir = d;
  struct
  {
    const char *name;
    void (*fn) (void);
  } sections[] = {
    { "testfiles dumps", test_dumps },
    { "testfiles-negative", test_negative },
    { "heredoc extraction", test_heredoc_extract },
    { "heredoc words", test_heredoc_word },
    { "heredoc lines", test_heredoc_line },
    { "JSON arrays", test_json_arrays },
    { "parseWords", test_parse_words },
    { "line numbers", test_line_numbers },
    { "empty continuation warnings", test_empty_continuation },
    { "instruction errors", test_instruction_errors },
  };
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    {
      int p0 = passed, f0 = failed;
      sections[i].fn ();
      printf ("%-28s %d passed, %d failed\n", sections[i].name, passed - p0, failed - f0);
    }
  printf ("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
