/* BuildKit-compatible shell word expansion (see shell.h).  The input is read
 * as a stream of runes the way Go's text/scanner does (invalid UTF-8 becomes
 * U+FFFD, a leading BOM is skipped); variable values are inserted as bytes.
 * Patterns of ${VAR#pat} and friends are turned into the same regular
 * expressions BuildKit builds and run with the engine in glob.c. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/glob.h"
#include "core/dockerfile/shell.h"

#define R_EOF ((int32_t)-1)

struct strvec
{
  char **v;
  size_t n, cap;
};

struct words
{
  struct kn_glob_buf cur;
  struct strvec out;
  bool in_word;
};

struct sw
{
  const struct kn_shell_lex *lex;
  int32_t escape;
  uint32_t *rs;
  size_t n, i;
  bool raw_escapes;
  struct strvec matched, unmatched;
  char *errmsg;
};

/* ------------------------------------------------------------------ */
/* small containers                                                     */

static void
buf_add_str (struct kn_glob_buf *b, const char *s)
{
  kn_glob_buf_add (b, s, strlen (s));
}

static void
buf_add_rune (struct kn_glob_buf *b, int32_t r)
{
  char tmp[4];
  size_t n = kn_glob_encode_rune (r < 0 ? KN_RUNE_ERROR : (uint32_t)r, tmp);
  kn_glob_buf_add (b, tmp, n);
}

/* Take the string out of a buffer ("" when it never grew). */
static char *
buf_steal (struct kn_glob_buf *b)
{
  char *p = b->p ? b->p : kn_xstrdup ("");
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}

static void
strvec_push (struct strvec *v, char *s)
{
  if (v->n + 2 > v->cap)
    {
      v->cap = v->cap ? 2 * v->cap : 8;
      v->v = kn_xrealloc (v->v, v->cap * sizeof *v->v);
    }
  v->v[v->n++] = s;
  v->v[v->n] = NULL;
}

static void
strvec_add_unique (struct strvec *v, const char *s)
{
  for (size_t i = 0; i < v->n; i++)
    if (strcmp (v->v[i], s) == 0)
      return;
  strvec_push (v, kn_xstrdup (s));
}

static void
strvec_clear (struct strvec *v)
{
  for (size_t i = 0; i < v->n; i++)
    free (v->v[i]);
  free (v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Hand a vector out sorted and NULL-terminated (an empty one is {NULL}). */
static char **
strvec_steal_sorted (struct strvec *v)
{
  char **out;
  if (v->v == NULL)
    return kn_xcalloc (1, sizeof (char *));
  qsort (v->v, v->n, sizeof *v->v, cmp_str);
  out = v->v;
  v->v = NULL;
  v->n = v->cap = 0;
  return out;
}

/* ------------------------------------------------------------------ */
/* word splitting (BuildKit's wordsStruct)                              */

static void
words_add_raw_char (struct words *w, int32_t ch)
{
  if (w == NULL)
    return;
  buf_add_rune (&w->cur, ch);
  w->in_word = true;
}

static void
words_add_char (struct words *w, int32_t ch)
{
  bool space;
  if (w == NULL)
    return;
  space = ch >= 0 && kn_glob_is_space ((uint32_t)ch);
  if (space && w->in_word)
    {
      if (w->cur.len != 0)
        {
          strvec_push (&w->out, buf_steal (&w->cur));
          w->in_word = false;
        }
    }
  else if (!space)
    words_add_raw_char (w, ch);
}

static void
words_add_string (struct words *w, const char *s, size_t len)
{
  size_t i = 0;
  if (w == NULL)
    return;
  while (i < len)
    {
      uint32_t r;
      i += kn_glob_decode_rune (s + i, len - i, &r);
      words_add_char (w, (int32_t)r);
    }
}

static void
words_add_raw_string (struct words *w, const char *s, size_t len)
{
  if (w == NULL)
    return;
  kn_glob_buf_add (&w->cur, s, len);
  w->in_word = true;
}

static void
words_finish (struct words *w)
{
  if (w->cur.len > 0)
    {
      strvec_push (&w->out, buf_steal (&w->cur));
      w->in_word = false;
    }
}

/* ------------------------------------------------------------------ */
/* scanner                                                              */

static uint32_t *
decode_runes (const char *s, size_t *n, bool skip_bom)
{
  size_t len = strlen (s), i = 0;
  uint32_t *rs = kn_xmalloc ((len + 1) * sizeof *rs);
  *n = 0;
  while (i < len)
    {
      i += kn_glob_decode_rune (s + i, len - i, &rs[*n]);
      if (skip_bom && *n == 0 && rs[0] == 0xFEFF)
        {
          skip_bom = false;
          continue;
        }
      skip_bom = false;
      (*n)++;
    }
  return rs;
}

static int32_t
peek (const struct sw *sw)
{
  return sw->i < sw->n ? (int32_t)sw->rs[sw->i] : R_EOF;
}

static int32_t
next (struct sw *sw)
{
  return sw->i < sw->n ? (int32_t)sw->rs[sw->i++] : R_EOF;
}

static int sw_fail (struct sw *sw, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
sw_fail (struct sw *sw, const char *fmt, ...)
{
  va_list ap;
  if (sw->errmsg == NULL)
    {
      va_start (ap, fmt);
      sw->errmsg = kn_xvasprintf (fmt, ap);
      va_end (ap);
    }
  return -1;
}

/* Look a name up (the last "K=V" wins) and record it as matched/unmatched. */
static const char *
get_env (struct sw *sw, const char *name, bool *set)
{
  const char *const *env = sw->lex->env;
  size_t nlen = strlen (name), count = 0;

  if (env)
    while (env[count])
      count++;
  while (count-- > 0)
    {
      const char *e = env[count];
      const char *eq = strchr (e, '=');
      size_t klen = eq ? (size_t)(eq - e) : strlen (e);
      if (klen == nlen && memcmp (e, name, nlen) == 0)
        {
          *set = true;
          strvec_add_unique (&sw->matched, name);
          return eq ? eq + 1 : "";
        }
    }
  *set = false;
  strvec_add_unique (&sw->unmatched, name);
  return "";
}

/* ------------------------------------------------------------------ */
/* ${VAR#pat} and friends                                               */

/* BuildKit's convertShellPatternToRegex: '*' -> .* (or .*?), '?' -> ., '\'
 * escapes *, ? and \ (and is dropped before } and /), regex metacharacters
 * are quoted. */
static int
pattern_to_regex (struct sw *sw, const char *pattern, bool greedy, bool anchored, struct kn_glob_regex **re)
{
  size_t n, i = 0;
  kn_cleanup_free uint32_t *rs = decode_runes (pattern, &n, true);
  struct kn_glob_buf out = { 0 };
  struct kn_error *err = NULL;
  int ret;

  buf_add_str (&out, anchored ? "^" : "");
  while (i < n)
    {
      int32_t tok = (int32_t)rs[i++];
      switch (tok)
        {
        case '*':
          buf_add_str (&out, greedy ? ".*" : ".*?");
          continue;
        case '?':
          buf_add_str (&out, ".");
          continue;
        case '\\':
          if (i < n && (rs[i] == '}' || rs[i] == '/'))
            continue;
          buf_add_str (&out, "\\");
          tok = i < n ? (int32_t)rs[i++] : R_EOF;
          if (tok != '*' && tok != '?' && tok != '\\')
            {
              struct kn_glob_buf e = { 0 };
              buf_add_rune (&e, tok);
              sw_fail (sw, "invalid pattern (%s) in substitution: invalid escape '\\%s'", pattern, e.p);
              free (e.p);
              free (out.p);
              return -1;
            }
          break;
        case '[':
        case ']':
        case '{':
        case '}':
        case '.':
        case '+':
        case '(':
        case ')':
        case '|':
        case '^':
        case '$':
          buf_add_str (&out, "\\");
          break;
        default:
          break;
        }
      buf_add_rune (&out, tok);
    }
  ret = kn_glob_regex_compile (out.p, re, &err);
  free (out.p);
  if (ret < 0)
    {
      sw_fail (sw, "invalid pattern (%s) in substitution: %s", pattern, err->msg);
      kn_error_free (err);
      return -1;
    }
  return 0;
}

static int
trim_prefix (struct sw *sw, const char *pattern, const char *value, bool greedy, char **res)
{
  struct kn_glob_regex *re = NULL;
  size_t m[2];

  if (pattern_to_regex (sw, pattern, greedy, true, &re) < 0)
    return -1;
  if (kn_glob_regex_find (re, value, strlen (value), 0, m))
    value += m[1];
  kn_glob_regex_free (re);
  *res = kn_xstrdup (value);
  return 0;
}

/* Reverse a string rune by rune (invalid bytes become U+FFFD, as Go's
 * []rune conversion does). */
static char *
reverse_runes (const char *s)
{
  size_t n;
  kn_cleanup_free uint32_t *rs = decode_runes (s, &n, false);
  struct kn_glob_buf b = { 0 };
  kn_glob_buf_add (&b, "", 0);
  while (n-- > 0)
    buf_add_rune (&b, (int32_t)rs[n]);
  return buf_steal (&b);
}

/* Reverse a pattern keeping "\x" escape pairs in order (BuildKit's
 * reversePattern). */
static char *
reverse_pattern (const char *s)
{
  size_t n, i = 0;
  kn_cleanup_free uint32_t *rs = decode_runes (s, &n, false);
  kn_cleanup_free uint32_t *out = kn_xmalloc ((n + 1) * sizeof *out);
  struct kn_glob_buf b = { 0 };

  while (i < n)
    {
      size_t oi = n - 1 - i;
      if (rs[i] == '\\' && i != n - 1)
        {
          out[oi - 1] = rs[i];
          out[oi] = rs[i + 1];
          i += 2;
        }
      else
        {
          out[oi] = rs[i];
          i++;
        }
    }
  kn_glob_buf_add (&b, "", 0);
  for (i = 0; i < n; i++)
    buf_add_rune (&b, (int32_t)out[i]);
  return buf_steal (&b);
}

static int
trim_suffix (struct sw *sw, const char *pattern, const char *value, bool greedy, char **res)
{
  kn_cleanup_free char *rp = reverse_pattern (pattern);
  kn_cleanup_free char *rv = reverse_runes (value);
  kn_cleanup_free char *t = NULL;

  if (trim_prefix (sw, rp, rv, greedy, &t) < 0)
    return -1;
  *res = reverse_runes (t);
  return 0;
}

/* ------------------------------------------------------------------ */
/* the lexer proper                                                     */

static int process_stop_on (struct sw *sw, int32_t stop, bool raw_escapes, struct kn_glob_buf *result, struct words *words);

static int
process_single_quote (struct sw *sw, struct kn_glob_buf *out)
{
  int32_t ch = next (sw);
  kn_glob_buf_add (out, "", 0);
  if (sw->lex->raw_quotes)
    buf_add_rune (out, ch);
  for (;;)
    {
      ch = next (sw);
      if (ch == R_EOF)
        return sw_fail (sw, "unexpected end of statement while looking for matching single-quote");
      if (ch == '\'')
        {
          if (sw->lex->raw_quotes)
            buf_add_rune (out, ch);
          return 0;
        }
      buf_add_rune (out, ch);
    }
}

static int process_dollar (struct sw *sw, struct kn_glob_buf *out);

static int
process_double_quote (struct sw *sw, struct kn_glob_buf *out)
{
  int32_t ch = next (sw);
  kn_glob_buf_add (out, "", 0);
  if (sw->lex->raw_quotes)
    buf_add_rune (out, ch);
  for (;;)
    {
      int32_t p = peek (sw);
      if (p == R_EOF)
        return sw_fail (sw, "unexpected end of statement while looking for matching double-quote");
      if (p == '"')
        {
          ch = next (sw);
          if (sw->lex->raw_quotes)
            buf_add_rune (out, ch);
          return 0;
        }
      if (p == '$')
        {
          if (process_dollar (sw, out) < 0)
            return -1;
          continue;
        }
      ch = next (sw);
      if (ch == sw->escape)
        {
          int32_t q;
          if (sw->raw_escapes)
            buf_add_rune (out, ch);
          q = peek (sw);
          if (q == R_EOF)
            continue; /* a trailing escape is dropped */
          if (q == '"' || q == '$' || q == sw->escape)
            ch = next (sw);
        }
      buf_add_rune (out, ch);
    }
}

static bool
is_special_param (int32_t ch)
{
  return ch == '@' || ch == '*' || ch == '#' || ch == '?' || ch == '-' || ch == '$' || ch == '!' || ch == '0';
}

/* A parameter name: digits, one special character, or letters/digits/_. */
static char *
process_name (struct sw *sw)
{
  struct kn_glob_buf name = { 0 };
  kn_glob_buf_add (&name, "", 0);
  while (peek (sw) != R_EOF)
    {
      int32_t ch = peek (sw);
      if (name.len == 0 && kn_glob_is_digit ((uint32_t)ch))
        {
          while (peek (sw) != R_EOF && kn_glob_is_digit ((uint32_t)peek (sw)))
            buf_add_rune (&name, next (sw));
          break;
        }
      if (name.len == 0 && is_special_param (ch))
        {
          buf_add_rune (&name, next (sw));
          break;
        }
      if (!kn_glob_is_letter ((uint32_t)ch) && !kn_glob_is_digit ((uint32_t)ch) && ch != '_')
        break;
      buf_add_rune (&name, next (sw));
    }
  return buf_steal (&name);
}

static int
process_modifier (struct sw *sw, const char *name, int32_t ch, const char *chs, bool null_is_unset, struct kn_glob_buf *out)
{
  bool raw = ch == '#' || ch == '%', set;
  struct kn_glob_buf wb = { 0 };
  kn_cleanup_free char *word = NULL;
  const char *value, *w;

  if (null_is_unset && raw)
    return sw_fail (sw, "unsupported modifier (%s) in substitution", chs);
  if (process_stop_on (sw, '}', raw, &wb, NULL) < 0)
    {
      free (wb.p);
      if (peek (sw) == R_EOF)
        {
          free (sw->errmsg);
          sw->errmsg = NULL;
          return sw_fail (sw, "syntax error: missing '}'");
        }
      return -1;
    }
  word = buf_steal (&wb);
  value = get_env (sw, name, &set);
  if (sw->lex->skip_unset_env && !set)
    {
      buf_add_str (out, "${");
      buf_add_str (out, name);
      buf_add_str (out, chs);
      buf_add_str (out, word);
      buf_add_str (out, "}");
      return 0;
    }
  switch (ch)
    {
    case '-':
      buf_add_str (out, (!set || (null_is_unset && *value == '\0')) ? word : value);
      return 0;
    case '+':
      buf_add_str (out, (!set || (null_is_unset && *value == '\0')) ? "" : word);
      return 0;
    case '?':
      if (!set)
        return sw_fail (sw, "%s: %s", name, *word ? word : "is not allowed to be unset");
      if (null_is_unset && *value == '\0')
        return sw_fail (sw, "%s: %s", name, *word ? word : "is not allowed to be empty");
      buf_add_str (out, value);
      return 0;
    case '%':
    case '#':
      {
        bool greedy = false;
        char *res = NULL;
        w = word;
        if (*w == (char)ch)
          {
            greedy = true;
            w++;
          }
        if ((ch == '%' ? trim_suffix (sw, w, value, greedy, &res) : trim_prefix (sw, w, value, greedy, &res)) < 0)
          return -1;
        buf_add_str (out, res);
        free (res);
        return 0;
      }
    default:
      return sw_fail (sw, "unsupported modifier (%s) in substitution", chs);
    }
}

static int
process_replace (struct sw *sw, const char *name, struct kn_glob_buf *out)
{
  bool all = false, set;
  struct kn_glob_buf pb = { 0 }, rb = { 0 };
  kn_cleanup_free char *pattern = NULL;
  kn_cleanup_free char *repl = NULL;
  struct kn_glob_regex *re = NULL;
  const char *value;
  size_t m[2];

  if (peek (sw) == '/')
    {
      next (sw);
      all = true;
    }
  if (process_stop_on (sw, '/', true, &pb, NULL) < 0)
    {
      free (pb.p);
      if (peek (sw) == R_EOF)
        {
          free (sw->errmsg);
          sw->errmsg = NULL;
          return sw_fail (sw, "syntax error: missing '/' in ${}");
        }
      return -1;
    }
  pattern = buf_steal (&pb);
  if (process_stop_on (sw, '}', true, &rb, NULL) < 0)
    {
      free (rb.p);
      if (peek (sw) == R_EOF)
        {
          free (sw->errmsg);
          sw->errmsg = NULL;
          return sw_fail (sw, "syntax error: missing '}'");
        }
      return -1;
    }
  repl = buf_steal (&rb);
  value = get_env (sw, name, &set);
  if (sw->lex->skip_unset_env && !set)
    {
      /* BuildKit prints a single '/' here even for "//". */
      buf_add_str (out, "${");
      buf_add_str (out, name);
      buf_add_str (out, "/");
      buf_add_str (out, pattern);
      buf_add_str (out, "/");
      buf_add_str (out, repl);
      buf_add_str (out, "}");
      return 0;
    }
  if (pattern_to_regex (sw, pattern, true, false, &re) < 0)
    return -1;
  if (all)
    {
      char *r = kn_glob_regex_replace_all (re, value, repl);
      buf_add_str (out, r);
      free (r);
    }
  else if (kn_glob_regex_find (re, value, strlen (value), 0, m))
    {
      kn_glob_buf_add (out, value, m[0]);
      buf_add_str (out, repl);
      buf_add_str (out, value + m[1]);
    }
  else
    buf_add_str (out, value);
  kn_glob_regex_free (re);
  return 0;
}

static int
process_dollar (struct sw *sw, struct kn_glob_buf *out)
{
  kn_cleanup_free char *name = NULL;
  struct kn_glob_buf chs = { 0 };
  int32_t ch;
  bool set;
  const char *value;
  int ret;

  next (sw);
  kn_glob_buf_add (out, "", 0);
  if (peek (sw) != '{')
    {
      name = process_name (sw);
      if (*name == '\0')
        {
          buf_add_str (out, "$");
          return 0;
        }
      value = get_env (sw, name, &set);
      if (!set && sw->lex->skip_unset_env)
        {
          buf_add_str (out, "$");
          buf_add_str (out, name);
        }
      else
        buf_add_str (out, value);
      return 0;
    }
  next (sw);
  ch = peek (sw);
  if (ch == R_EOF)
    return sw_fail (sw, "syntax error: missing '}'");
  if (ch == '{' || ch == '}' || ch == ':')
    return sw_fail (sw, "syntax error: bad substitution");
  name = process_name (sw);
  ch = next (sw);
  buf_add_rune (&chs, ch);
  switch (ch)
    {
    case '}':
      free (chs.p);
      value = get_env (sw, name, &set);
      if (!set && sw->lex->skip_unset_env)
        {
          buf_add_str (out, "${");
          buf_add_str (out, name);
          buf_add_str (out, "}");
        }
      else
        buf_add_str (out, value);
      return 0;
    case ':':
      ch = next (sw);
      buf_add_rune (&chs, ch);
      ret = process_modifier (sw, name, ch, chs.p, true, out);
      free (chs.p);
      return ret;
    case '+':
    case '-':
    case '?':
    case '#':
    case '%':
      ret = process_modifier (sw, name, ch, chs.p, false, out);
      free (chs.p);
      return ret;
    case '/':
      free (chs.p);
      return process_replace (sw, name, out);
    case R_EOF:
      free (chs.p);
      return sw_fail (sw, "syntax error: missing '}'");
    default:
      ret = sw_fail (sw, "unsupported modifier (%s) in substitution", chs.p);
      free (chs.p);
      return ret;
    }
}

/* Process runes until stop (R_EOF = the end of the input). */
static int
process_stop_on (struct sw *sw, int32_t stop, bool raw_escapes, struct kn_glob_buf *result, struct words *words)
{
  bool saved = sw->raw_escapes;
  int ret = 0;

  sw->raw_escapes = raw_escapes;
  kn_glob_buf_add (result, "", 0);
  while (peek (sw) != R_EOF)
    {
      int32_t ch = peek (sw);
      if (stop != R_EOF && ch == stop)
        {
          next (sw);
          sw->raw_escapes = saved;
          return 0;
        }
      if (ch == '$' || ch == '\'' || ch == '"')
        {
          struct kn_glob_buf tmp = { 0 };
          ret = ch == '$'    ? process_dollar (sw, &tmp)
                : ch == '\'' ? process_single_quote (sw, &tmp)
                             : process_double_quote (sw, &tmp);
          if (ret < 0)
            {
              free (tmp.p);
              sw->raw_escapes = saved;
              return -1;
            }
          kn_glob_buf_add (result, tmp.p, tmp.len);
          if (ch == '$')
            words_add_string (words, tmp.p, tmp.len);
          else
            words_add_raw_string (words, tmp.p, tmp.len);
          free (tmp.p);
          continue;
        }
      ch = next (sw);
      if (ch == sw->escape)
        {
          if (sw->raw_escapes)
            {
              words_add_raw_char (words, ch);
              buf_add_rune (result, ch);
            }
          ch = next (sw);
          if (ch == R_EOF)
            break;
          words_add_raw_char (words, ch);
        }
      else
        words_add_char (words, ch);
      buf_add_rune (result, ch);
    }
  sw->raw_escapes = saved;
  if (stop != R_EOF)
    {
      struct kn_glob_buf s = { 0 };
      buf_add_rune (&s, stop);
      sw_fail (sw, "unexpected end of statement while looking for matching %s", s.p);
      free (s.p);
      return -1;
    }
  return 0;
}

/* Run the lexer over word; result/words/matches are optional outputs. */
static int
run (const struct kn_shell_lex *lex, const char *word, char **result, char ***words, char ***matched, char ***unmatched,
     struct kn_error **err)
{
  struct sw sw = { .lex = lex, .escape = lex->escape ? (unsigned char)lex->escape : '\\' };
  struct kn_glob_buf res = { 0 };
  struct words w = { 0 };
  int ret;

  sw.rs = decode_runes (word, &sw.n, true);
  ret = process_stop_on (&sw, R_EOF, false, &res, words ? &w : NULL);
  free (sw.rs);
  if (ret < 0)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "failed to process \"%s\": %s", word, sw.errmsg);
      free (sw.errmsg);
      free (res.p);
      free (w.cur.p);
      strvec_clear (&w.out);
      strvec_clear (&sw.matched);
      strvec_clear (&sw.unmatched);
      return ret;
    }
  if (result)
    *result = buf_steal (&res);
  free (res.p);
  if (words)
    {
      words_finish (&w);
      *words = w.out.v ? w.out.v : kn_xcalloc (1, sizeof (char *));
      w.out.v = NULL;
    }
  free (w.cur.p);
  if (matched)
    *matched = strvec_steal_sorted (&sw.matched);
  if (unmatched)
    *unmatched = strvec_steal_sorted (&sw.unmatched);
  strvec_clear (&sw.matched);
  strvec_clear (&sw.unmatched);
  return 0;
}

int
kn_shell_process_word (const struct kn_shell_lex *lex, const char *word, char **out, struct kn_error **err)
{
  return run (lex, word, out, NULL, NULL, NULL, err);
}

int
kn_shell_process_words (const struct kn_shell_lex *lex, const char *word, char ***out, struct kn_error **err)
{
  return run (lex, word, NULL, out, NULL, NULL, err);
}

int
kn_shell_process_word_matches (const struct kn_shell_lex *lex, const char *word, char **out, char ***matched,
                               char ***unmatched, struct kn_error **err)
{
  return run (lex, word, out, NULL, matched, unmatched, err);
}
