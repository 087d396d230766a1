/* JSON arrays of strings, decoded with Go's encoding/json semantics (what
 * BuildKit uses for exec form): strict syntax, trailing blanks only, invalid
 * UTF-8 and lone surrogates become U+FFFD, "\u0000" is kept.  A tiny
 * purpose-built decoder because the fallback rules (syntax error => shell
 * form, non-string element => hard error) and the replacement rules must
 * match Go byte for byte. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

#define JSON_MAX_DEPTH 10000

static size_t
skip_ws (const char *s, size_t i)
{
  while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
    i++;
  return i;
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Validate a string starting at s[i] == '"'; returns the index after it or 0. */
static size_t
scan_string (const char *s, size_t i)
{
  i++;
  for (;;)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == '"')
        return i + 1;
      if (c < 0x20)
        return 0; /* includes the terminating NUL */
      if (c == '\\')
        {
          char e = s[i + 1];
          if (e == 'u')
            {
              for (int k = 2; k < 6; k++)
                if (hexval (s[i + k]) < 0)
                  return 0;
              i += 6;
              continue;
            }
          if (!strchr ("\"\\/bfnrt", e) || e == '\0')
            return 0;
          i += 2;
          continue;
        }
      i++;
    }
}

static size_t
scan_number (const char *s, size_t i)
{
  if (s[i] == '-')
    i++;
  if (s[i] == '0')
    i++;
  else if (s[i] >= '1' && s[i] <= '9')
    while (s[i] >= '0' && s[i] <= '9')
      i++;
  else
    return 0;
  if (s[i] == '.')
    {
      i++;
      if (!(s[i] >= '0' && s[i] <= '9'))
        return 0;
      while (s[i] >= '0' && s[i] <= '9')
        i++;
    }
  if (s[i] == 'e' || s[i] == 'E')
    {
      i++;
      if (s[i] == '+' || s[i] == '-')
        i++;
      if (!(s[i] >= '0' && s[i] <= '9'))
        return 0;
      while (s[i] >= '0' && s[i] <= '9')
        i++;
    }
  return i;
}

/* Go decodes numbers into float64: one out of its range makes Unmarshal
 * fail (so the line falls back to shell form rather than erroring). */
static bool
number_overflows (const char *s, size_t n)
{
  char buf[512];
  char *end;
  double v;
  if (n >= sizeof buf)
    {
      /* long literals: overflow only with a big exponent or many digits */
      kn_cleanup_free char *big = kn_xstrndup (s, n);
      errno = 0;
      v = strtod (big, &end);
      return errno == ERANGE && isinf (v);
    }
  memcpy (buf, s, n);
  buf[n] = '\0';
  errno = 0;
  v = strtod (buf, &end);
  return errno == ERANGE && isinf (v);
}

/* Validate one JSON text that is a value; iterative over containers.
 * Returns true when S is exactly one value plus blanks and Go's Unmarshal
 * into []interface{} would succeed. */
static bool
valid_json (const char *s)
{
  kn_cleanup_free char *stack = kn_xmalloc (JSON_MAX_DEPTH + 1);
  size_t depth = 0, i = skip_ws (s, 0);

  for (;;)
    {
      /* expect a value at s[i] */
      char c = s[i];
      if (c == '[' || c == '{')
        {
          if (depth >= JSON_MAX_DEPTH)
            return false;
          stack[depth++] = c;
          i = skip_ws (s, i + 1);
          if ((c == '[' && s[i] == ']') || (c == '{' && s[i] == '}'))
            {
              depth--;
              i++;
              goto after_value;
            }
          if (c == '{')
            {
              if (s[i] != '"' || (i = scan_string (s, i)) == 0)
                return false;
              i = skip_ws (s, i);
              if (s[i] != ':')
                return false;
              i = skip_ws (s, i + 1);
            }
          continue;
        }
      if (c == '"')
        i = scan_string (s, i);
      else if (c == '-' || (c >= '0' && c <= '9'))
        {
          size_t start = i;
          i = scan_number (s, i);
          if (i != 0 && number_overflows (s + start, i - start))
            return false;
        }
      else if (strncmp (s + i, "true", 4) == 0)
        i += 4;
      else if (strncmp (s + i, "false", 5) == 0)
        i += 5;
      else if (strncmp (s + i, "null", 4) == 0)
        i += 4;
      else
        return false;
      if (i == 0)
        return false;
    after_value:
      i = skip_ws (s, i);
      if (depth == 0)
        return s[i] == '\0';
      if (s[i] == ',')
        {
          i = skip_ws (s, i + 1);
          if (stack[depth - 1] == '{')
            {
              if (s[i] != '"' || (i = scan_string (s, i)) == 0)
                return false;
              i = skip_ws (s, i);
              if (s[i] != ':')
                return false;
              i = skip_ws (s, i + 1);
            }
          continue;
        }
      if ((stack[depth - 1] == '[' && s[i] == ']') || (stack[depth - 1] == '{' && s[i] == '}'))
        {
          depth--;
          i++;
          goto after_value;
        }
      return false;
    }
}

static uint32_t
get_u4 (const char *s)
{
  uint32_t r = 0;
  for (int k = 0; k < 4; k++)
    r = (r << 4) | (uint32_t)hexval (s[k]);
  return r;
}

/* Decode the (already validated) string at s[i] == '"' into B; returns the index after it. */
static size_t
decode_string (const char *s, size_t i, struct kn_df_buf *b)
{
  char tmp[4];
  i++;
  for (;;)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == '"')
        return i + 1;
      if (c == '\\')
        {
          char e = s[i + 1];
          uint32_t r;
          switch (e)
            {
            case 'b':
              kn_df_buf_addc (b, '\b');
              i += 2;
              continue;
            case 'f':
              kn_df_buf_addc (b, '\f');
              i += 2;
              continue;
            case 'n':
              kn_df_buf_addc (b, '\n');
              i += 2;
              continue;
            case 'r':
              kn_df_buf_addc (b, '\r');
              i += 2;
              continue;
            case 't':
              kn_df_buf_addc (b, '\t');
              i += 2;
              continue;
            case 'u':
              r = get_u4 (s + i + 2);
              i += 6;
              if (r >= 0xD800 && r <= 0xDFFF)
                {
                  if (r < 0xDC00 && s[i] == '\\' && s[i + 1] == 'u' && hexval (s[i + 2]) >= 0 && hexval (s[i + 3]) >= 0
                      && hexval (s[i + 4]) >= 0 && hexval (s[i + 5]) >= 0)
                    {
                      uint32_t r2 = get_u4 (s + i + 2);
                      if (r2 >= 0xDC00 && r2 <= 0xDFFF)
                        {
                          r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                          i += 6;
                          kn_df_buf_add (b, tmp, kn_df_utf8_encode (r, tmp));
                          continue;
                        }
                    }
                  r = KN_DF_RUNE_ERROR;
                }
              kn_df_buf_add (b, tmp, kn_df_utf8_encode (r, tmp));
              continue;
            default: /* " \ / */
              kn_df_buf_addc (b, e);
              i += 2;
              continue;
            }
        }
      if (c < 0x80)
        {
          kn_df_buf_addc (b, (char)c);
          i++;
          continue;
        }
      {
        size_t w;
        uint32_t r = kn_df_utf8_decode (s + i, strlen (s + i), &w);
        if (r == KN_DF_RUNE_ERROR && w == 1)
          kn_df_buf_add (b, tmp, kn_df_utf8_encode (KN_DF_RUNE_ERROR, tmp));
        else
          kn_df_buf_add (b, s + i, w);
        i += w;
      }
    }
}

int
kn_df_parse_json_array (const char *rest, struct kn_df_node **out, struct kn_error **err)
{
  struct kn_df_node *head = NULL, **tail = &head;
  size_t i = kn_df_skip_space (rest, strlen (rest));
  const char *s = rest + i;

  *out = NULL;
  if (s[0] != '[')
    return 0;
  if (!valid_json (s))
    return 0;
  i = skip_ws (s, 1);
  if (s[i] == ']')
    return 1;
  for (;;)
    {
      struct kn_df_buf b = { 0 };
      struct kn_df_node *n;
      if (s[i] != '"')
        {
          kn_df_node_free (head);
          return kn_error_make (err, KN_EINVAL, 0,
                                "when using JSON array syntax, arrays must be comprised of strings only");
        }
      i = decode_string (s, i, &b);
      n = kn_df_node_new (b.p ? b.p : "", b.len);
      kn_df_buf_free (&b);
      *tail = n;
      tail = &n->next;
      i = skip_ws (s, i);
      if (s[i] == ']')
        break;
      i = skip_ws (s, i + 1); /* ',' */
    }
  *out = head;
  return 1;
}
