/* The Dockerfile parser's main loop (BuildKit's parser.Parse): see parser.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/directives.h"
#include "core/dockerfile/dump.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/parser.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

struct scanner
{
  const char *data;
  size_t len, pos;
  const char *tok; /* current physical line, newline included */
  size_t tok_len;
};

/* bufio.Scanner's limit: a line (without its final '\n') longer than
 * KN_DF_MAX_LINE bytes is an error. */
static bool
too_long (const char *tok, size_t n)
{
  if (n > 0 && tok[n - 1] == '\n')
    n--;
  return n > KN_DF_MAX_LINE;
}

static bool
scan (struct scanner *sc)
{
  const char *nl;
  if (sc->pos >= sc->len)
    return false;
  sc->tok = sc->data + sc->pos;
  nl = memchr (sc->tok, '\n', sc->len - sc->pos);
  sc->tok_len = nl ? (size_t)(nl - sc->tok) + 1 : sc->len - sc->pos;
  sc->pos += sc->tok_len;
  return true;
}

/* bytes.TrimRight(s, "\r\n") */
static size_t
trim_newline (const char *s, size_t n)
{
  while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
    n--;
  return n;
}

static bool
is_comment (const char *s, size_t n)
{
  size_t i = kn_df_skip_space (s, n);
  return i < n && s[i] == '#';
}

/* processLine: trim the newline (and leading blanks on an instruction's first
 * line), feed the directive parser, blank out comments.  Sets *out and *out_len
 * to the processed text (pointing into S). */
static int
process_line (struct kn_df_directives *d, const char *s, size_t n, bool strip_left, const char **out, size_t *out_len,
              struct kn_error **err)
{
  int r;
  n = trim_newline (s, n);
  if (strip_left)
    {
      size_t k = kn_df_skip_space (s, n);
      s += k;
      n -= k;
    }
  r = kn_df_directives_line (d, s, n, err);
  if (r < 0)
    return r;
  *out = s;
  *out_len = is_comment (s, n) ? 0 : n;
  return r;
}

/* trimContinuationCharacter: `([^E])E[ \t]*$|^E[ \t]*$`.  Returns true
 * (end of line) when there is no continuation; otherwise shortens *n. */
static bool
trim_continuation (const char *s, size_t *n, int escape)
{
  size_t e = *n;
  while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
    e--;
  if (e == 0 || s[e - 1] != (char)escape)
    return true;
  if (e >= 2 && s[e - 2] == (char)escape)
    return true;
  *n = e - 1;
  return false;
}

static int
located (struct kn_error **err, const char *name, int line, int code)
{
  kn_error_wrap (err, "%s:%d", name, line);
  return code;
}

static bool
can_contain_heredoc (const struct kn_df_node *n)
{
  kn_cleanup_free char *lower = kn_df_lower (n->value, n->value_len);
  kn_cleanup_free char *lower2 = NULL;
  if (strcmp (lower, "onbuild") == 0 && n->next && n->next->n_children > 0)
    {
      n = n->next->children[0];
      lower2 = kn_df_lower (n->value, n->value_len);
    }
  const char *l = lower2 ? lower2 : lower;
  if (strcmp (l, "add") != 0 && strcmp (l, "copy") != 0 && strcmp (l, "run") != 0)
    return false;
  return !n->json;
}

static void
add_warning (struct kn_df_ast *ast, const char *line, int lineno)
{
  struct kn_df_warning *w;
  ast->warnings = kn_xrealloc (ast->warnings, (ast->n_warnings + 1) * sizeof *ast->warnings);
  w = &ast->warnings[ast->n_warnings++];
  w->message = kn_xasprintf ("Empty continuation line found in: %s", line);
  w->detail = kn_xstrdup ("Empty continuation lines will become errors in a future release");
  w->url = kn_xstrdup ("https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/");
  w->line = lineno;
}

static int
read_heredocs (struct scanner *sc, struct kn_df_node *child, const char *line, const char *name, int start_line,
               int *current_line, struct kn_error **err)
{
  struct kn_df_heredoc *docs = NULL;
  size_t nd = 0;
  int r = kn_df_heredocs_from_line (line, &docs, &nd, err);
  if (r < 0)
    return located (err, name, start_line, r);
  for (size_t i = 0; i < nd; i++)
    {
      struct kn_df_buf content = { 0 };
      size_t name_len = strlen (docs[i].name);
      bool terminated = false;
      while (scan (sc))
        {
          const char *t = sc->tok;
          size_t n = trim_newline (t, sc->tok_len);
          (*current_line)++;
          if (docs[i].chomp)
            while (n > 0 && *t == '\t')
              t++, n--;
          if (n == name_len && memcmp (t, docs[i].name, n) == 0)
            {
              terminated = true;
              break;
            }
          kn_df_buf_add (&content, sc->tok, sc->tok_len);
        }
      docs[i].content = kn_df_buf_steal (&content);
      if (!terminated)
        {
          for (size_t j = 0; j < nd; j++)
            {
              free (docs[j].name);
              free (docs[j].content);
            }
          free (docs);
          kn_error_make (err, KN_EINVAL, 0, "unterminated heredoc");
          return located (err, name, start_line, -KN_EINVAL);
        }
    }
  child->heredocs = docs;
  child->n_heredocs = nd;
  return 0;
}

int
kn_df_parse (const char *name, const char *data, size_t len, struct kn_df_ast **out, struct kn_error **err)
{
  struct scanner sc = { .data = data, .len = len };
  struct kn_df_directives d;
  struct kn_df_ast *ast;
  struct kn_df_buf buf = { 0 };
  int current_line = 0, r = 0;
  const char *nul;

  *out = NULL;
  if (name == NULL)
    name = "Dockerfile";
  if (data == NULL)
    data = "", len = 0;
  nul = memchr (data, '\0', len);
  if (nul != NULL)
    {
      int line = 1;
      for (const char *p = data; p < nul; p++)
        line += *p == '\n';
      return kn_error_make (err, KN_EINVAL, 0, "%s:%d: NUL byte in Dockerfile", name, line);
    }
  kn_df_directives_init (&d);
  ast = kn_xcalloc (1, sizeof *ast);
  ast->root = kn_df_node_new ("", 0);
  ast->root->start_line = -1;

  while (scan (&sc))
    {
      const char *t = sc.tok, *p;
      size_t tn = sc.tok_len, pn;
      int start_line;
      bool eol, has_empty = false;
      struct kn_df_node *child = NULL;

      if (too_long (t, tn))
        {
          r = kn_error_make (err, KN_EINVAL, 0, "%s:%d: dockerfile line greater than max allowed size of %d", name,
                             current_line + 1, KN_DF_MAX_LINE);
          goto fail;
        }
      if (current_line == 0 && tn >= 3 && memcmp (t, "\xEF\xBB\xBF", 3) == 0)
        t += 3, tn -= 3;
      r = process_line (&d, t, tn, true, &p, &pn, err);
      if (r < 0)
        {
          located (err, name, current_line + 1, r);
          goto fail;
        }
      current_line++;
      start_line = current_line;
      eol = trim_continuation (p, &pn, d.escape);
      if (eol && pn == 0)
        continue;
      kn_df_buf_reset (&buf);
      kn_df_buf_add (&buf, p, pn);

      while (!eol && scan (&sc))
        {
          if (too_long (sc.tok, sc.tok_len))
            {
              r = kn_error_make (err, KN_EINVAL, 0, "%s:%d: dockerfile line greater than max allowed size of %d", name,
                                 current_line + 1, KN_DF_MAX_LINE);
              goto fail;
            }
          r = process_line (&d, sc.tok, sc.tok_len, false, &p, &pn, err);
          if (r < 0)
            {
              located (err, name, current_line + 1, r);
              goto fail;
            }
          current_line++;
          if (is_comment (sc.tok, sc.tok_len))
            continue;
          if (kn_df_skip_space (p, pn) == pn)
            {
              has_empty = true;
              continue;
            }
          eol = trim_continuation (p, &pn, d.escape);
          kn_df_buf_add (&buf, p, pn);
        }
      if (buf.p == NULL)
        kn_df_buf_add (&buf, "", 0);

      if (has_empty)
        add_warning (ast, buf.p, current_line);

      r = kn_df_node_from_line (buf.p, d.escape, &child, err);
      if (r < 0)
        {
          located (err, name, start_line, r);
          goto fail;
        }
      if (can_contain_heredoc (child) && strstr (buf.p, "<<") != NULL)
        {
          r = read_heredocs (&sc, child, buf.p, name, start_line, &current_line, err);
          if (r < 0)
            {
              kn_df_node_free (child);
              goto fail;
            }
        }
      child->start_line = start_line;
      child->end_line = current_line;
      if (ast->root->start_line < 0)
        ast->root->start_line = start_line;
      ast->root->end_line = current_line;
      kn_df_node_add_child (ast->root, child);
    }

  if (ast->root->start_line < 0)
    {
      r = kn_error_make (err, KN_EINVAL, 0, "%s:%d: file with no instructions", name,
                         current_line > 0 ? current_line : 1);
      goto fail;
    }
  ast->escape = d.escape;
  ast->syntax = KN_STEAL (d.syntax);
  ast->check = KN_STEAL (d.check);
  kn_df_directives_clear (&d);
  kn_df_buf_free (&buf);
  *out = ast;
  return 0;

fail:
  kn_df_directives_clear (&d);
  kn_df_buf_free (&buf);
  kn_df_ast_free (ast);
  return r;
}

int
kn_df_parse_file (const char *path, struct kn_df_ast **out, struct kn_error **err)
{
  kn_cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct kn_df_buf b = { 0 };
  char chunk[65536];
  int r;

  *out = NULL;
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", path);
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          kn_df_buf_free (&b);
          return kn_error_make (err, KN_EIO, e, "read %s", path);
        }
      if (n == 0)
        break;
      kn_df_buf_add (&b, chunk, (size_t)n);
    }
  r = kn_df_parse (path, b.p ? b.p : "", b.len, out, err);
  kn_df_buf_free (&b);
  return r;
}
