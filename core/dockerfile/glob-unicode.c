/* The glob/regex/.dockerignore view of the Go-compatible UTF-8 and Unicode
 * helpers: thin adapters over core/dockerfile/unicode.h (utf8.DecodeRune /
 * EncodeRune and unicode.IsLetter / IsDigit / IsSpace, Unicode 15.0), which
 * holds the one decoder and the one set of class tables. */
#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/glob.h"
#include "core/dockerfile/unicode.h"

_Static_assert (KN_RUNE_ERROR == KN_DF_RUNE_ERROR, "one replacement rune");

int
kn_glob_is_letter (uint32_t r)
{
  return kn_df_uis_letter (r);
}

int
kn_glob_is_digit (uint32_t r)
{
  return kn_df_uis_digit (r);
}

int
kn_glob_is_space (uint32_t r)
{
  return kn_df_uis_space (r);
}

size_t
kn_glob_decode_rune (const char *s, size_t len, uint32_t *r)
{
  if (len == 0)
    {
      *r = KN_RUNE_ERROR;
      return 0;
    }
  size_t width;
  *r = kn_df_utf8_decode (s, len, &width);
  return width;
}

size_t
kn_glob_encode_rune (uint32_t r, char out[4])
{
  return kn_df_utf8_encode (r, out);
}

size_t
kn_glob_trim_space (const char *s, size_t len, size_t *start)
{
  size_t i = 0, end = 0;
  int seen = 0;
  *start = 0;
  while (i < len)
    {
      uint32_t r;
      size_t w = kn_glob_decode_rune (s + i, len - i, &r);
      if (!kn_glob_is_space (r))
        {
          if (!seen)
            *start = i;
          seen = 1;
          end = i + w;
        }
      i += w;
    }
  if (!seen)
    {
      *start = len;
      return 0;
    }
  return end - *start;
}

void
kn_glob_buf_add (struct kn_glob_buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      b->cap = (b->len + n + 1) * 2;
      b->p = kn_xrealloc (b->p, b->cap);
    }
  if (n)
    memcpy (b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void
kn_glob_buf_add_rune (struct kn_glob_buf *b, uint32_t r)
{
  char tmp[4];
  kn_glob_buf_add (b, tmp, kn_glob_encode_rune (r, tmp));
}
