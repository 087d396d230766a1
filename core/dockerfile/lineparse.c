/* Per-instruction argument rules (BuildKit's line_parsers.go and
 * split_command.go): see lineparse.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/dump.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

/* Go's regexp [\t\v\f\r ]. */
static bool
ws_byte (char c)
{
  return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' ';
}

/* unicode.IsSpace(rune(b)) of a single byte (Latin-1 view, as Go's
 * byte-wise loops do). */
static bool
latin1_space (unsigned char b)
{
  return b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r' || b == ' ' || b == 0x85 || b == 0xA0;
}

/* Append rune(b) as Go's string(rune(b)) would: bytes >= 0x80 become U+0080..U+00FF. */
static void
add_latin1 (struct kn_df_buf *b, unsigned char c)
{
  char tmp[4];
  kn_df_buf_add (b, tmp, kn_df_utf8_encode (c, tmp));
}

static void
strv_push (char ***v, size_t *n, char *s)
{
  *v = kn_xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

char **
kn_df_parse_words (const char *rest, int escape)
{
  enum
  {
    IN_SPACES,
    IN_WORD,
    IN_QUOTE
  } phase
      = IN_SPACES;
  size_t len = strlen (rest), pos, w = 0, nv = 0;
  struct kn_df_buf word = { 0 };
  char **v = kn_xcalloc (1, sizeof *v);
  uint32_t quote = 0, ch = 0;
  bool blank_ok = false;

  for (pos = 0; pos <= len; pos += w)
    {
      if (pos != len)
        ch = kn_df_utf8_decode (rest + pos, len - pos, &w);
      if (phase == IN_SPACES)
        {
          if (pos == len)
            break;
          if (kn_df_uis_space (ch))
            continue;
          phase = IN_WORD;
        }
      if ((phase == IN_WORD || phase == IN_QUOTE) && pos == len)
        {
          if (blank_ok || word.len > 0)
            strv_push (&v, &nv, kn_df_buf_steal (&word));
          break;
        }
      if (phase == IN_WORD)
        {
          if (kn_df_uis_space (ch))
            {
              phase = IN_SPACES;
              if (blank_ok || word.len > 0)
                strv_push (&v, &nv, kn_df_buf_steal (&word));
              kn_df_buf_reset (&word);
              blank_ok = false;
              continue;
            }
          if (ch == '\'' || ch == '"')
            {
              quote = ch;
              blank_ok = true;
              phase = IN_QUOTE;
            }
          if (ch == (uint32_t)escape)
            {
              if (pos + w == len)
                continue;
              kn_df_buf_addc (&word, (char)ch);
              pos += w;
              ch = kn_df_utf8_decode (rest + pos, len - pos, &w);
            }
          {
            char tmp[4];
            kn_df_buf_add (&word, tmp, kn_df_utf8_encode (ch, tmp));
          }
          continue;
        }
      /* IN_QUOTE */
      if (ch == quote)
        phase = IN_WORD;
      if (ch == (uint32_t)escape && quote != '\'')
        {
          if (pos + w == len)
            {
              phase = IN_WORD;
              continue;
            }
          pos += w;
          kn_df_buf_addc (&word, (char)escape);
          ch = kn_df_utf8_decode (rest + pos, len - pos, &w);
        }
      {
        char tmp[4];
        kn_df_buf_add (&word, tmp, kn_df_utf8_encode (ch, tmp));
      }
    }
  kn_df_buf_free (&word);
  return v;
}

/* extractBuilderFlags: leading words starting with "--" (byte-wise, '\\'
 * escapes, quotes removed).  Sets *flags and returns the offset of the rest
 * of the line (or LEN when everything was flags). */
static size_t
extract_flags (const char *line, char ***flags, size_t *n_flags)
{
  enum
  {
    IN_SPACES,
    IN_WORD,
    IN_QUOTE
  } phase
      = IN_SPACES;
  size_t len = strlen (line), pos;
  struct kn_df_buf word = { 0 };
  unsigned char quote = 0, ch = 0;
  bool blank_ok = false;

  *flags = NULL;
  *n_flags = 0;
  for (pos = 0; pos <= len; pos++)
    {
      if (pos != len)
        ch = (unsigned char)line[pos];
      if (phase == IN_SPACES)
        {
          if (pos == len)
            break;
          if (latin1_space (ch))
            continue;
          if (ch != '-' || pos + 1 == len || line[pos + 1] != '-')
            {
              kn_df_buf_free (&word);
              return pos;
            }
          phase = IN_WORD;
        }
      if ((phase == IN_WORD || phase == IN_QUOTE) && pos == len)
        {
          if (!(word.len == 2 && memcmp (word.p, "--", 2) == 0) && (blank_ok || word.len > 0))
            strv_push (flags, n_flags, kn_df_buf_steal (&word));
          break;
        }
      if (phase == IN_WORD)
        {
          if (latin1_space (ch))
            {
              phase = IN_SPACES;
              if (word.len == 2 && memcmp (word.p, "--", 2) == 0)
                {
                  kn_df_buf_free (&word);
                  return pos;
                }
              if (blank_ok || word.len > 0)
                strv_push (flags, n_flags, kn_df_buf_steal (&word));
              kn_df_buf_reset (&word);
              blank_ok = false;
              continue;
            }
          if (ch == '\'' || ch == '"')
            {
              quote = ch;
              blank_ok = true;
              phase = IN_QUOTE;
              continue;
            }
          if (ch == '\\')
            {
              if (pos + 1 == len)
                continue;
              pos++;
              ch = (unsigned char)line[pos];
            }
          add_latin1 (&word, ch);
          continue;
        }
      if (ch == quote)
        {
          phase = IN_WORD;
          continue;
        }
      if (ch == '\\')
        {
          if (pos + 1 == len)
            {
              phase = IN_WORD;
              continue;
            }
          pos++;
          ch = (unsigned char)line[pos];
        }
      add_latin1 (&word, ch);
    }
  kn_df_buf_free (&word);
  return len;
}

/* strings.TrimSpace into a new string. */
static char *
trim_space_dup (const char *s, size_t n)
{
  size_t a = kn_df_skip_space (s, n);
  size_t b = kn_df_rtrim_space_len (s + a, n - a);
  return kn_xstrndup (s + a, b);
}

static struct kn_df_node *
node_s (const char *s)
{
  return kn_df_node_new (s, strlen (s));
}

/* reWhitespace.Split(rest, -1) into a node chain; NULL for "". */
static struct kn_df_node *
whitespace_list (const char *rest)
{
  struct kn_df_node *head = NULL, **tail = &head;
  const char *p = rest, *start = rest;
  if (*rest == '\0')
    return NULL;
  for (;;)
    {
      if (*p == '\0' || ws_byte (*p))
        {
          struct kn_df_node *n = kn_df_node_new (start, (size_t)(p - start));
          *tail = n;
          tail = &n->next;
          if (*p == '\0')
            break;
          while (ws_byte (*p))
            p++;
          start = p;
          if (*p == '\0')
            {
              /* a trailing separator yields a final empty field */
              *tail = node_s ("");
              break;
            }
          continue;
        }
      p++;
    }
  return head;
}

static struct kn_df_node *
kv_node (const char *k, size_t kn, const char *v, size_t vn, const char *sep)
{
  struct kn_df_node *a = kn_df_node_new (k, kn);
  a->next = kn_df_node_new (v, vn);
  a->next->next = node_s (sep);
  return a;
}

static int
parse_name_val (const char *rest, const char *key, int escape, struct kn_df_node **out, struct kn_error **err)
{
  kn_cleanup_strv char **words = kn_df_parse_words (rest, escape);
  struct kn_df_node *head = NULL, **tail = &head;

  *out = NULL;
  if (words[0] == NULL)
    return 0;
  if (strchr (words[0], '=') == NULL)
    {
      const char *p = rest, *q;
      while (*p && !ws_byte (*p))
        p++;
      if (*p == '\0')
        return kn_error_make (err, KN_EINVAL, 0, "%s must have two arguments", key);
      q = p;
      while (ws_byte (*q))
        q++;
      *out = kv_node (rest, (size_t)(p - rest), q, strlen (q), "");
      return 0;
    }
  for (size_t i = 0; words[i]; i++)
    {
      const char *eq = strchr (words[i], '=');
      struct kn_df_node *n;
      if (eq == NULL)
        {
          kn_cleanup_free char *q = kn_df_quote (words[i], strlen (words[i]));
          kn_df_node_free (head);
          return kn_error_make (err, KN_EINVAL, 0, "Syntax error - can't find = in %s. Must be of the form: name=value",
                                q);
        }
      n = kv_node (words[i], (size_t)(eq - words[i]), eq + 1, strlen (eq + 1), "=");
      *tail = n;
      tail = &n->next->next->next;
    }
  *out = head;
  return 0;
}

static int
parse_maybe_json (const char *rest, struct kn_df_node **out, bool *json, struct kn_error **err)
{
  int r;
  *out = NULL;
  if (*rest == '\0')
    return 0;
  r = kn_df_parse_json_array (rest, out, err);
  if (r < 0)
    return r;
  if (r == 1)
    {
      *json = true;
      return 0;
    }
  *out = node_s (rest);
  return 0;
}

static int
parse_maybe_json_to_list (const char *rest, struct kn_df_node **out, bool *json, struct kn_error **err)
{
  int r = kn_df_parse_json_array (rest, out, err);
  if (r < 0)
    return r;
  if (r == 1)
    {
      *json = true;
      return 0;
    }
  *out = whitespace_list (rest);
  return 0;
}

static int
parse_health (const char *rest, struct kn_df_node **out, bool *json, struct kn_error **err)
{
  size_t len = strlen (rest), sep = 0, nx;
  struct kn_df_node *cmd = NULL, *typ;
  int r;

  *out = NULL;
  while (sep < len && !latin1_space ((unsigned char)rest[sep]))
    sep++;
  nx = sep;
  while (nx < len && latin1_space ((unsigned char)rest[nx]))
    nx++;
  if (sep == 0)
    return 0;
  r = parse_maybe_json (rest + nx, &cmd, json, err);
  if (r < 0)
    return r;
  typ = kn_df_node_new (rest, sep);
  typ->next = cmd;
  *out = typ;
  return 0;
}

int
kn_df_node_from_line (const char *line, int escape, struct kn_df_node **out, struct kn_error **err)
{
  kn_cleanup_free char *trimmed = trim_space_dup (line, strlen (line));
  kn_cleanup_free char *args = NULL;
  char **flags = NULL;
  size_t n_flags = 0, cmd_len;
  struct kn_df_node *node, *next = NULL;
  bool json = false;
  const char *p = trimmed;
  kn_cleanup_free char *lower = NULL;
  int r = 0;

  *out = NULL;
  while (*p && !ws_byte (*p))
    p++;
  cmd_len = (size_t)(p - trimmed);
  if (*p)
    {
      size_t off;
      while (ws_byte (*p))
        p++;
      off = extract_flags (p, &flags, &n_flags);
      args = trim_space_dup (p + off, strlen (p + off));
    }
  else
    args = kn_xstrdup ("");
  node = kn_df_node_new (trimmed, cmd_len);
  lower = kn_df_lower (node->value, node->value_len);
  node->original = kn_xstrdup (line);
  node->flags = flags;
  node->n_flags = n_flags;

  if (strcmp (lower, "add") == 0 || strcmp (lower, "copy") == 0 || strcmp (lower, "volume") == 0)
    r = parse_maybe_json_to_list (args, &next, &json, err);
  else if (strcmp (lower, "cmd") == 0 || strcmp (lower, "entrypoint") == 0 || strcmp (lower, "run") == 0
           || strcmp (lower, "shell") == 0)
    r = parse_maybe_json (args, &next, &json, err);
  else if (strcmp (lower, "arg") == 0)
    {
      kn_cleanup_strv char **words = kn_df_parse_words (args, escape);
      struct kn_df_node **tail = &next;
      for (size_t i = 0; words[i]; i++)
        {
          *tail = node_s (words[i]);
          tail = &(*tail)->next;
        }
    }
  else if (strcmp (lower, "env") == 0)
    r = parse_name_val (args, "ENV", escape, &next, err);
  else if (strcmp (lower, "label") == 0)
    r = parse_name_val (args, "LABEL", escape, &next, err);
  else if (strcmp (lower, "expose") == 0 || strcmp (lower, "from") == 0)
    next = whitespace_list (args);
  else if (strcmp (lower, "healthcheck") == 0)
    r = parse_health (args, &next, &json, err);
  else if (strcmp (lower, "maintainer") == 0 || strcmp (lower, "stopsignal") == 0 || strcmp (lower, "user") == 0
           || strcmp (lower, "workdir") == 0)
    next = *args ? node_s (args) : NULL;
  else if (strcmp (lower, "onbuild") == 0)
    {
      if (*args)
        {
          struct kn_df_node *child = NULL;
          r = kn_df_node_from_line (args, escape, &child, err);
          if (r == 0)
            {
              next = node_s ("");
              kn_df_node_add_child (next, child);
            }
        }
    }
  else
    next = node_s (""); /* unknown instruction: parseIgnore */

  if (r < 0)
    {
      kn_df_node_free (node);
      kn_df_node_free (next);
      return r;
    }
  node->next = next;
  node->json = json;
  *out = node;
  return 0;
}
