/* Go's time.ParseDuration: see instructions.h. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/dockerfile/instructions.h"

static const struct
{
  const char *name;
  uint64_t ns;
} units[] = {
  { "ns", 1ULL },           { "us", 1000ULL },      { "\xC2\xB5s", 1000ULL }, /* U+00B5 micro sign */
  { "\xCE\xBCs", 1000ULL },                                                   /* U+03BC Greek mu */
  { "ms", 1000000ULL },     { "s", 1000000000ULL }, { "m", 60ULL * 1000000000ULL }, { "h", 3600ULL * 1000000000ULL },
};

int
kn_df_parse_duration (const char *orig, int64_t *out, struct kn_error **err)
{
  const char *s = orig;
  uint64_t d = 0;
  bool neg = false;

  *out = 0;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if (strcmp (s, "0") == 0)
    return 0;
  if (*s == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
  while (*s)
    {
      uint64_t v = 0, f = 0, scale = 1, unit = 0;
      bool pre, post = false, overflow = false;
      const char *start = s, *u;
      size_t ulen;

      if (!(*s == '.' || (*s >= '0' && *s <= '9')))
        return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
      while (*s >= '0' && *s <= '9')
        {
          if (v > (UINT64_C (1) << 63) / 10)
            return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
          v = v * 10 + (uint64_t)(*s - '0');
          if (v > (UINT64_C (1) << 63))
            return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
          s++;
        }
      pre = s != start;
      if (*s == '.')
        {
          const char *fs = ++s;
          while (*s >= '0' && *s <= '9')
            {
              if (!overflow)
                {
                  if (f > (UINT64_C (1) << 63) / 10)
                    overflow = true;
                  else
                    {
                      uint64_t y = f * 10 + (uint64_t)(*s - '0');
                      if (y > (UINT64_C (1) << 63))
                        overflow = true;
                      else
                        {
                          f = y;
                          scale *= 10;
                        }
                    }
                }
              s++;
            }
          post = s != fs;
        }
      if (!pre && !post)
        return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
      u = s;
      while (*s && *s != '.' && !(*s >= '0' && *s <= '9'))
        s++;
      ulen = (size_t)(s - u);
      if (ulen == 0)
        return kn_error_make (err, KN_EINVAL, 0, "time: missing unit in duration \"%s\"", orig);
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen (units[i].name) == ulen && memcmp (units[i].name, u, ulen) == 0)
          unit = units[i].ns;
      if (unit == 0)
        return kn_error_make (err, KN_EINVAL, 0, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)ulen, u, orig);
      if (v > (UINT64_C (1) << 63) / unit)
        return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
      v *= unit;
      if (f > 0)
        {
          v += (uint64_t)((double)f * ((double)unit / (double)scale));
          if (v > (UINT64_C (1) << 63))
            return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
        }
      d += v;
      if (d > (UINT64_C (1) << 63))
        return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
    }
  if (neg)
    {
      *out = d == (UINT64_C (1) << 63) ? INT64_MIN : -(int64_t)d;
      return 0;
    }
  if (d > INT64_MAX)
    return kn_error_make (err, KN_EINVAL, 0, "time: invalid duration \"%s\"", orig);
  *out = (int64_t)d;
  return 0;
}
