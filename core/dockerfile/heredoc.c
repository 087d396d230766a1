/* Here-document detection: see heredoc.h.  The lexer is a minimal model of
 * BuildKit's shell.Lex with an empty environment and SkipUnsetEnv, which is
 * all heredoc detection uses; variable expansion proper lives in shell.c. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

#define LEX_EOF (-1)

struct lex
{
  const char *s;
  size_t n, pos;
  bool raw_quotes;
  bool raw_escapes;
};

struct words
{
  struct kn_df_buf word;
  char **v;
  size_t n;
  bool in_word;
};

static int32_t
peek (struct lex *lx)
{
  size_t w;
  if (lx->pos >= lx->n)
    return LEX_EOF;
  return (int32_t)kn_df_utf8_decode (lx->s + lx->pos, lx->n - lx->pos, &w);
}

static int32_t
next (struct lex *lx)
{
  size_t w;
  int32_t r;
  if (lx->pos >= lx->n)
    return LEX_EOF;
  r = (int32_t)kn_df_utf8_decode (lx->s + lx->pos, lx->n - lx->pos, &w);
  lx->pos += w;
  return r;
}

static void
add_rune (struct kn_df_buf *b, int32_t r)
{
  char tmp[4];
  kn_df_buf_add (b, tmp, kn_df_utf8_encode ((uint32_t)(r < 0 ? KN_DF_RUNE_ERROR : r), tmp));
}

static void
words_push (struct words *w)
{
  w->v = kn_xrealloc (w->v, (w->n + 2) * sizeof *w->v);
  w->v[w->n++] = kn_df_buf_steal (&w->word);
  w->v[w->n] = NULL;
  w->in_word = false;
}

static void
words_add_raw_rune (struct words *w, int32_t r)
{
  add_rune (&w->word, r);
  w->in_word = true;
}

static void
words_add_rune (struct words *w, int32_t r)
{
  bool sp = kn_df_uis_space ((uint32_t)r);
  if (sp && w->in_word)
    {
      if (w->word.len != 0)
        words_push (w);
    }
  else if (!sp)
    words_add_raw_rune (w, r);
}

static void
words_add_string (struct words *w, const char *s, size_t n)
{
  size_t i = 0, width;
  while (i < n)
    {
      words_add_rune (w, (int32_t)kn_df_utf8_decode (s + i, n - i, &width));
      i += width;
    }
}

static void
words_add_raw_string (struct words *w, const char *s, size_t n)
{
  kn_df_buf_add (&w->word, s, n);
  w->in_word = true;
}

static void
words_finish (struct words *w)
{
  if (w->word.len > 0)
    words_push (w);
}

static void
words_free (struct words *w)
{
  kn_strv_free (w->v);
  kn_df_buf_free (&w->word);
  memset (w, 0, sizeof *w);
}

static int stop_on (struct lex *lx, int32_t stop, bool raw_escapes, struct kn_df_buf *result, struct words *w,
                    struct kn_error **err);

static int
single_quote (struct lex *lx, struct kn_df_buf *out, struct kn_error **err)
{
  int32_t ch = next (lx);
  if (lx->raw_quotes)
    add_rune (out, ch);
  for (;;)
    {
      ch = next (lx);
      if (ch == LEX_EOF)
        return kn_error_make (err, KN_EINVAL, 0, "unexpected end of statement while looking for matching single-quote");
      if (ch == '\'')
        {
          if (lx->raw_quotes)
            add_rune (out, ch);
          return 0;
        }
      add_rune (out, ch);
    }
}

static int dollar (struct lex *lx, struct kn_df_buf *out, struct kn_error **err);

static int
double_quote (struct lex *lx, struct kn_df_buf *out, struct kn_error **err)
{
  int32_t ch = next (lx);
  if (lx->raw_quotes)
    add_rune (out, ch);
  for (;;)
    {
      int32_t p = peek (lx);
      if (p == LEX_EOF)
        return kn_error_make (err, KN_EINVAL, 0, "unexpected end of statement while looking for matching double-quote");
      if (p == '"')
        {
          ch = next (lx);
          if (lx->raw_quotes)
            add_rune (out, ch);
          return 0;
        }
      if (p == '$')
        {
          int r = dollar (lx, out, err);
          if (r < 0)
            return r;
          continue;
        }
      ch = next (lx);
      if (ch == '\\')
        {
          if (lx->raw_escapes)
            add_rune (out, ch);
          p = peek (lx);
          if (p == LEX_EOF)
            continue;
          if (p == '"' || p == '$' || p == '\\')
            ch = next (lx);
        }
      add_rune (out, ch);
    }
}

static void
name (struct lex *lx, struct kn_df_buf *out)
{
  for (;;)
    {
      int32_t ch = peek (lx);
      if (ch == LEX_EOF)
        return;
      if (out->len == 0 && kn_df_uis_digit ((uint32_t)ch))
        {
          while (peek (lx) != LEX_EOF && kn_df_uis_digit ((uint32_t)peek (lx)))
            add_rune (out, next (lx));
          return;
        }
      if (out->len == 0 && ch > 0 && ch < 128 && strchr ("@*#?-$!0", ch))
        {
          add_rune (out, next (lx));
          return;
        }
      if (!kn_df_uis_letter ((uint32_t)ch) && !kn_df_uis_digit ((uint32_t)ch) && ch != '_')
        return;
      add_rune (out, next (lx));
    }
}

static int
sub_word (struct lex *lx, int32_t stop, bool raw_escapes, struct kn_df_buf *out, const char *missing,
          struct kn_error **err)
{
  struct words w = { 0 };
  struct kn_error *sub = NULL;
  int r = stop_on (lx, stop, raw_escapes, out, &w, &sub);
  words_free (&w);
  if (r < 0)
    {
      if (peek (lx) == LEX_EOF)
        {
          kn_error_free (sub);
          return kn_error_make (err, KN_EINVAL, 0, "%s", missing);
        }
      if (err && *err == NULL)
        *err = sub;
      else
        kn_error_free (sub);
      return r;
    }
  return 0;
}

static int
dollar (struct lex *lx, struct kn_df_buf *out, struct kn_error **err)
{
  struct kn_df_buf nm = { 0 }, word = { 0 }, chs = { 0 };
  int32_t ch;
  int r = 0;

  next (lx);
  if (peek (lx) != '{')
    {
      name (lx, &nm);
      kn_df_buf_addc (out, '$');
      if (nm.len)
        kn_df_buf_add (out, nm.p, nm.len);
      kn_df_buf_free (&nm);
      return 0;
    }
  next (lx);
  ch = peek (lx);
  if (ch == LEX_EOF)
    return kn_error_make (err, KN_EINVAL, 0, "syntax error: missing '}'");
  if (ch == '{' || ch == '}' || ch == ':')
    return kn_error_make (err, KN_EINVAL, 0, "syntax error: bad substitution");
  name (lx, &nm);
  ch = next (lx);
  add_rune (&chs, ch);
  switch (ch)
    {
    case '}':
      kn_df_buf_adds (out, "${");
      kn_df_buf_add (out, nm.p ? nm.p : "", nm.len);
      kn_df_buf_addc (out, '}');
      break;
    case ':':
      ch = next (lx);
      add_rune (&chs, ch);
      /* Go's fallthrough runs the body whatever CH is */
      __attribute__ ((fallthrough));
    case '+':
    case '-':
    case '?':
    case '#':
    case '%':
      r = sub_word (lx, '}', ch == '#' || ch == '%', &word, "syntax error: missing '}'", err);
      if (r < 0)
        break;
      kn_df_buf_adds (out, "${");
      kn_df_buf_add (out, nm.p ? nm.p : "", nm.len);
      kn_df_buf_add (out, chs.p, chs.len);
      kn_df_buf_add (out, word.p ? word.p : "", word.len);
      kn_df_buf_addc (out, '}');
      break;
    case '/':
      {
        struct kn_df_buf repl = { 0 };
        if (peek (lx) == '/')
          next (lx);
        r = sub_word (lx, '/', true, &word, "syntax error: missing '/' in ${}", err);
        if (r == 0)
          r = sub_word (lx, '}', true, &repl, "syntax error: missing '}'", err);
        if (r == 0)
          {
            kn_df_buf_adds (out, "${");
            kn_df_buf_add (out, nm.p ? nm.p : "", nm.len);
            kn_df_buf_addc (out, '/');
            kn_df_buf_add (out, word.p ? word.p : "", word.len);
            kn_df_buf_addc (out, '/');
            kn_df_buf_add (out, repl.p ? repl.p : "", repl.len);
            kn_df_buf_addc (out, '}');
          }
        kn_df_buf_free (&repl);
        break;
      }
    default:
      r = kn_error_make (err, KN_EINVAL, 0, "unsupported modifier (%s) in substitution", chs.p);
      break;
    }
  kn_df_buf_free (&nm);
  kn_df_buf_free (&word);
  kn_df_buf_free (&chs);
  return r;
}

/* BuildKit's processPossibleHeredoc: `<<`, an optional `-` and the blanks
 * after it stay in one word, so `<< EOF` and `<<- EOF` are single words. */
static void
possible_heredoc (struct lex *lx, struct kn_df_buf *out)
{
  next (lx);
  if (peek (lx) != '<')
    {
      kn_df_buf_addc (out, '<');
      return;
    }
  next (lx);
  kn_df_buf_adds (out, "<<");
  if (peek (lx) == '-')
    {
      next (lx);
      kn_df_buf_addc (out, '-');
    }
  while (peek (lx) == ' ' || peek (lx) == '\t' || peek (lx) == '\r')
    add_rune (out, next (lx));
}

static int
stop_on (struct lex *lx, int32_t stop, bool raw_escapes, struct kn_df_buf *result, struct words *w,
         struct kn_error **err)
{
  bool saved = lx->raw_escapes;
  int r = 0;
  lx->raw_escapes = raw_escapes;
  while (peek (lx) != LEX_EOF)
    {
      int32_t ch = peek (lx);
      if (stop != LEX_EOF && ch == stop)
        {
          next (lx);
          words_finish (w);
          goto out;
        }
      if (ch == '$' || ch == '<' || ch == '\'' || ch == '"')
        {
          struct kn_df_buf tmp = { 0 };
          if (ch == '$')
            r = dollar (lx, &tmp, err);
          else if (ch == '<')
            possible_heredoc (lx, &tmp);
          else if (ch == '\'')
            r = single_quote (lx, &tmp, err);
          else
            r = double_quote (lx, &tmp, err);
          if (r < 0)
            {
              kn_df_buf_free (&tmp);
              goto out;
            }
          kn_df_buf_add (result, tmp.p ? tmp.p : "", tmp.len);
          if (ch == '$')
            words_add_string (w, tmp.p ? tmp.p : "", tmp.len);
          else
            words_add_raw_string (w, tmp.p ? tmp.p : "", tmp.len);
          kn_df_buf_free (&tmp);
          continue;
        }
      ch = next (lx);
      if (ch == '\\')
        {
          if (lx->raw_escapes)
            {
              words_add_raw_rune (w, ch);
              add_rune (result, ch);
            }
          ch = next (lx);
          if (ch == LEX_EOF)
            break;
          words_add_raw_rune (w, ch);
        }
      else
        words_add_rune (w, ch);
      add_rune (result, ch);
    }
  if (stop != LEX_EOF)
    {
      char s[8] = { 0 };
      kn_df_utf8_encode ((uint32_t)stop, s);
      r = kn_error_make (err, KN_EINVAL, 0, "unexpected end of statement while looking for matching %s", s);
      goto out;
    }
  words_finish (w);
out:
  lx->raw_escapes = saved;
  return r;
}

/* ProcessWords(src) of a Lex with escape '\\', an empty environment and
 * SkipUnsetEnv.  Returns the words (possibly an empty vector) or NULL with
 * *err set. */
static char **
lex_words (const char *src, bool raw_quotes, bool raw_escapes, struct kn_error **err)
{
  struct lex lx = { .s = src, .n = strlen (src), .raw_quotes = raw_quotes, .raw_escapes = raw_escapes };
  struct kn_df_buf result = { 0 };
  struct words w = { 0 };
  char **v;
  int r = stop_on (&lx, LEX_EOF, raw_escapes, &result, &w, err);
  kn_df_buf_free (&result);
  if (r < 0)
    {
      words_free (&w);
      kn_error_wrap (err, "failed to process \"%s\"", src);
      return NULL;
    }
  v = w.v ? w.v : kn_xcalloc (1, sizeof (char *));
  w.v = NULL;
  words_free (&w);
  return v;
}

char **
kn_df_heredoc_line_words (const char *line)
{
  struct kn_error *e = NULL;
  char **v = lex_words (line, true, true, &e);
  kn_error_free (e);
  return v;
}

static bool
is_re_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static size_t
count_quotes (const char *s)
{
  size_t k = 0;
  for (; *s; s++)
    k += *s == '\'' || *s == '"';
  return k;
}

int
kn_df_heredoc_parse_word (const char *word, struct kn_df_heredoc *out, struct kn_error **err)
{
  const char *p = word, *digits = word, *rest;
  uint64_t fd = 0;
  bool chomp = false, overflow = false;
  kn_cleanup_strv char **words = NULL;
  kn_cleanup_strv char **raw = NULL;
  size_t nw = 0, nr = 0;

  memset (out, 0, sizeof *out);
  while (*p >= '0' && *p <= '9')
    {
      if (fd > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
        overflow = true;
      else
        fd = fd * 10 + (uint64_t)(*p - '0');
      p++;
    }
  if (overflow)
    fd = UINT64_MAX;
  (void)digits;
  if (p[0] != '<' || p[1] != '<')
    return 0;
  p += 2;
  if (*p == '-')
    {
      chomp = true;
      p++;
    }
  while (is_re_space (*p))
    p++;
  rest = p;
  if (strchr (rest, '<') != NULL)
    return 0;
  if (*rest == '\0')
    return 0;

  words = lex_words (rest, false, false, err);
  if (words == NULL)
    return -KN_EINVAL;
  for (nw = 0; words[nw]; nw++)
    ;
  if (nw != 1)
    return 0;
  raw = lex_words (rest, true, false, err);
  if (raw == NULL)
    return -KN_EINVAL;
  for (nr = 0; raw[nr]; nr++)
    ;
  if (nr != nw)
    return kn_error_make (err, KN_EINTERNAL, 0, "internal lexing of heredoc produced inconsistent results: %s", rest);

  out->name = kn_xstrdup (words[0]);
  out->fd = fd;
  out->chomp = chomp;
  out->expand = count_quotes (words[0]) == count_quotes (raw[0]);
  return 1;
}

int
kn_df_heredocs_from_line (const char *line, struct kn_df_heredoc **out, size_t *n, struct kn_error **err)
{
  kn_cleanup_strv char **words = kn_df_heredoc_line_words (line);
  struct kn_df_heredoc *docs = NULL;
  size_t nd = 0;

  *out = NULL;
  *n = 0;
  for (size_t i = 0; words && words[i]; i++)
    {
      struct kn_df_heredoc h;
      int r = kn_df_heredoc_parse_word (words[i], &h, err);
      if (r < 0)
        {
          for (size_t j = 0; j < nd; j++)
            free (docs[j].name);
          free (docs);
          return r;
        }
      if (r == 0)
        continue;
      docs = kn_xrealloc (docs, (nd + 1) * sizeof *docs);
      docs[nd++] = h;
    }
  *out = docs;
  *n = nd;
  return 0;
}
