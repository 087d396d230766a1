/* Go-compatible UTF-8 and Unicode helpers: see unicode.h. */
#include "config.h"

#include "core/dockerfile/unicode.h"

uint32_t
kn_df_utf8_decode (const char *str, size_t n, size_t *width)
{
  const unsigned char *s = (const unsigned char *)str;
  unsigned char b0 = s[0];
  unsigned char lo = 0x80, hi = 0xBF;
  size_t need;
  uint32_t r;

  *width = 1;
  if (b0 < 0x80)
    return b0;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    need = 2, r = b0 & 0x1F;
  else if (b0 >= 0xE0 && b0 <= 0xEF)
    {
      need = 3, r = b0 & 0x0F;
      if (b0 == 0xE0)
        lo = 0xA0;
      else if (b0 == 0xED)
        hi = 0x9F;
    }
  else if (b0 >= 0xF0 && b0 <= 0xF4)
    {
      need = 4, r = b0 & 0x07;
      if (b0 == 0xF0)
        lo = 0x90;
      else if (b0 == 0xF4)
        hi = 0x8F;
    }
  else
    return KN_DF_RUNE_ERROR;
  if (n < need)
    return KN_DF_RUNE_ERROR;
  if (s[1] < lo || s[1] > hi)
    return KN_DF_RUNE_ERROR;
  r = (r << 6) | (s[1] & 0x3F);
  for (size_t i = 2; i < need; i++)
    {
      if (s[i] < 0x80 || s[i] > 0xBF)
        return KN_DF_RUNE_ERROR;
      r = (r << 6) | (s[i] & 0x3F);
    }
  *width = need;
  return r;
}

uint32_t
kn_df_utf8_decode_last (const char *str, size_t n, size_t *width)
{
  const unsigned char *s = (const unsigned char *)str;
  size_t start, lim;
  uint32_t r;

  *width = 1;
  if (s[n - 1] < 0x80)
    return s[n - 1];
  lim = n >= 4 ? n - 4 : 0;
  for (start = n - 1; start > lim; start--)
    if ((s[start] & 0xC0) != 0x80)
      break;
  r = kn_df_utf8_decode (str + start, n - start, width);
  if (start + *width != n)
    {
      *width = 1;
      return KN_DF_RUNE_ERROR;
    }
  return r;
}

size_t
kn_df_utf8_encode (uint32_t r, char *buf)
{
  unsigned char *b = (unsigned char *)buf;
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
    r = KN_DF_RUNE_ERROR;
  if (r < 0x80)
    {
      b[0] = (unsigned char)r;
      return 1;
    }
  if (r < 0x800)
    {
      b[0] = (unsigned char)(0xC0 | (r >> 6));
      b[1] = (unsigned char)(0x80 | (r & 0x3F));
      return 2;
    }
  if (r < 0x10000)
    {
      b[0] = (unsigned char)(0xE0 | (r >> 12));
      b[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
      b[2] = (unsigned char)(0x80 | (r & 0x3F));
      return 3;
    }
  b[0] = (unsigned char)(0xF0 | (r >> 18));
  b[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
  b[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
  b[3] = (unsigned char)(0x80 | (r & 0x3F));
  return 4;
}

static bool
in_ranges (const struct kn_df_urange *t, size_t n, uint32_t r)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (r < t[mid].lo)
        hi = mid;
      else if (r > t[mid].hi)
        lo = mid + 1;
      else
        return true;
    }
  return false;
}

bool
kn_df_uis_space (uint32_t r)
{
  switch (r)
    {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
    }
}

bool
kn_df_uis_print (uint32_t r)
{
  return in_ranges (kn_df_uprint, kn_df_uprint_len, r);
}

bool
kn_df_uis_letter (uint32_t r)
{
  if (r < 0x80)
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  return in_ranges (kn_df_uletter, kn_df_uletter_len, r);
}

bool
kn_df_uis_digit (uint32_t r)
{
  if (r < 0x80)
    return r >= '0' && r <= '9';
  return in_ranges (kn_df_udigit, kn_df_udigit_len, r);
}

uint32_t
kn_df_uto_lower (uint32_t r)
{
  size_t lo = 0, hi = kn_df_ulowers_len;
  if (r < 0x80)
    return (r >= 'A' && r <= 'Z') ? r + 32 : r;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (r < kn_df_ulowers[mid].from)
        hi = mid;
      else if (r > kn_df_ulowers[mid].from)
        lo = mid + 1;
      else
        return kn_df_ulowers[mid].to;
    }
  return r;
}

size_t
kn_df_skip_space (const char *s, size_t n)
{
  size_t i = 0, w;
  while (i < n)
    {
      uint32_t r = kn_df_utf8_decode (s + i, n - i, &w);
      if (!kn_df_uis_space (r))
        break;
      i += w;
    }
  return i;
}

size_t
kn_df_rtrim_space_len (const char *s, size_t n)
{
  size_t w;
  while (n > 0)
    {
      uint32_t r = kn_df_utf8_decode_last (s, n, &w);
      if (!kn_df_uis_space (r))
        break;
      n -= w;
    }
  return n;
}
