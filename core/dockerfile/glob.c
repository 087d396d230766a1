/* Go-compatible path cleaning and path/filepath.Match (see glob.h). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/glob.h"

/* ------------------------------------------------------------------ */
/* filepath.Clean                                                      */

char *
kn_glob_clean_path (const char *path)
{
  size_t n = strlen (path), r = 0, w = 0, dotdot = 0;
  bool rooted;
  char *out;

  if (n == 0)
    return kn_xstrdup (".");
  rooted = path[0] == '/';
  out = kn_xmalloc (n + 2);
  if (rooted)
    {
      out[w++] = '/';
      r = 1;
      dotdot = 1;
    }
  while (r < n)
    {
      if (path[r] == '/')
        r++;
      else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))
        r++;
      else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/'))
        {
          r += 2;
          if (w > dotdot)
            {
              w--;
              while (w > dotdot && out[w] != '/')
                w--;
            }
          else if (!rooted)
            {
              if (w > 0)
                out[w++] = '/';
              out[w++] = '.';
              out[w++] = '.';
              dotdot = w;
            }
        }
      else
        {
          if ((rooted && w != 1) || (!rooted && w != 0))
            out[w++] = '/';
          for (; r < n && path[r] != '/'; r++)
            out[w++] = path[r];
        }
    }
  if (w == 0)
    out[w++] = '.';
  out[w] = '\0';
  return out;
}

/* ------------------------------------------------------------------ */
/* filepath.Match (Unix: '/' separator, '\\' escapes)                  */

static int
bad_pattern (struct kn_error **err, const char *pattern)
{
  return kn_error_make (err, KN_EINVAL, 0, "syntax error in pattern `%s`", pattern);
}

/* Split off a leading run of '*' and the chunk up to the next unbracketed
 * '*'.  Go's scanChunk. */
static void
scan_chunk (const char **pattern, bool *star, const char **chunk, size_t *chunk_len)
{
  const char *p = *pattern;
  bool inrange = false;
  size_t i;

  *star = false;
  while (*p == '*')
    {
      p++;
      *star = true;
    }
  for (i = 0; p[i]; i++)
    {
      if (p[i] == '\\')
        {
          if (p[i + 1])
            i++;
        }
      else if (p[i] == '[')
        inrange = true;
      else if (p[i] == ']')
        inrange = false;
      else if (p[i] == '*' && !inrange)
        break;
    }
  *chunk = p;
  *chunk_len = i;
  *pattern = p + i;
}

/* Go's getEsc: one (possibly escaped) character of a bracket expression. */
static int
get_esc (const char **chunk, const char *end, uint32_t *r)
{
  const char *c = *chunk;
  size_t w;

  if (c == end || *c == '-' || *c == ']')
    return -1;
  if (*c == '\\')
    {
      c++;
      if (c == end)
        return -1;
    }
  w = kn_glob_decode_rune (c, (size_t)(end - c), r);
  if (*r == KN_RUNE_ERROR && w == 1)
    return -1;
  c += w;
  if (c == end)
    return -1;
  *chunk = c;
  return 0;
}

/* Go's matchChunk: 1 match (rest in *rest), 0 no match, -1 bad pattern.  The
 * chunk is always parsed to its end so that syntax errors are reported. */
static int
match_chunk (const char *chunk, size_t chunk_len, const char *s, const char **rest)
{
  const char *c = chunk, *end = chunk + chunk_len;
  bool failed = false;

  while (c < end)
    {
      if (!failed && *s == '\0')
        failed = true;
      switch (*c)
        {
        case '[':
          {
            uint32_t r = 0, lo, hi;
            bool negated = false, match = false;
            int nrange = 0;
            if (!failed)
              s += kn_glob_decode_rune (s, strlen (s), &r);
            c++;
            if (c < end && *c == '^')
              {
                negated = true;
                c++;
              }
            for (;;)
              {
                if (c < end && *c == ']' && nrange > 0)
                  {
                    c++;
                    break;
                  }
                if (get_esc (&c, end, &lo) < 0)
                  return -1;
                hi = lo;
                if (*c == '-')
                  {
                    c++;
                    if (get_esc (&c, end, &hi) < 0)
                      return -1;
                  }
                if (lo <= r && r <= hi)
                  match = true;
                nrange++;
              }
            if (match == negated)
              failed = true;
            break;
          }
        case '?':
          if (!failed)
            {
              uint32_t r;
              if (*s == '/')
                failed = true;
              s += kn_glob_decode_rune (s, strlen (s), &r);
            }
          c++;
          break;
        case '\\':
          c++;
          if (c == end)
            return -1;
          /* fall through */
        default:
          if (!failed)
            {
              if (*c != *s)
                failed = true;
              s++;
            }
          c++;
          break;
        }
    }
  if (failed)
    return 0;
  *rest = s;
  return 1;
}

int
kn_glob_match (const char *pattern, const char *name, struct kn_error **err)
{
  const char *p = pattern;

  while (*p)
    {
      bool star;
      const char *chunk, *t = NULL;
      size_t chunk_len;
      int ok;

      scan_chunk (&p, &star, &chunk, &chunk_len);
      if (star && chunk_len == 0)
        return strchr (name, '/') == NULL;
      ok = match_chunk (chunk, chunk_len, name, &t);
      if (ok == 1 && (*t == '\0' || *p != '\0'))
        {
          name = t;
          continue;
        }
      if (ok < 0)
        return bad_pattern (err, pattern);
      if (star)
        {
          size_t i;
          bool next = false;
          for (i = 0; name[i] && name[i] != '/'; i++)
            {
              ok = match_chunk (chunk, chunk_len, name + i + 1, &t);
              if (ok == 1)
                {
                  if (*p == '\0' && *t != '\0')
                    continue;
                  name = t;
                  next = true;
                  break;
                }
              if (ok < 0)
                return bad_pattern (err, pattern);
            }
          if (next)
            continue;
        }
      /* No match: still check that the rest of the pattern is well formed. */
      while (*p)
        {
          scan_chunk (&p, &star, &chunk, &chunk_len);
          if (match_chunk (chunk, chunk_len, "", &t) < 0)
            return bad_pattern (err, pattern);
        }
      return 0;
    }
  return *name == '\0';
}

