/* Parser directives: see directives.h.  The matching follows the regexp
 * ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ (Go's \s: [\t\n\f\r ]). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/directives.h"

void
kn_df_directives_init (struct kn_df_directives *d)
{
  memset (d, 0, sizeof *d);
  d->escape = '\\';
}

void
kn_df_directives_clear (struct kn_df_directives *d)
{
  free (d->syntax);
  free (d->check);
  d->syntax = d->check = NULL;
}

static bool
re_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool
is_alpha (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
kn_df_directives_line (struct kn_df_directives *d, const char *s, size_t n, struct kn_error **err)
{
  size_t i = 1, key, key_len, v, vend;
  char keybuf[16];

  if (d->done)
    return 0;
  if (n == 0 || s[0] != '#')
    goto not_directive;
  while (i < n && re_space (s[i]))
    i++;
  if (i >= n || !is_alpha (s[i]))
    goto not_directive;
  key = i;
  while (i < n && (is_alpha (s[i]) || (s[i] >= '0' && s[i] <= '9')))
    i++;
  key_len = i - key;
  while (i < n && re_space (s[i]))
    i++;
  if (i >= n || s[i] != '=')
    goto not_directive;
  i++;
  if (i >= n)
    goto not_directive; /* (.+?) needs one character */
  v = i;
  while (v < n && re_space (s[v]))
    v++;
  if (v == n)
    v = n - 1; /* only blanks: the lazy group takes the last one */
  vend = n;
  while (vend > v + 1 && re_space (s[vend - 1]))
    vend--;
  if (memchr (s + v, '\n', vend - v) != NULL)
    goto not_directive; /* '.' does not match a newline */
  if (key_len >= sizeof keybuf)
    goto not_directive;
  for (size_t k = 0; k < key_len; k++)
    keybuf[k] = (char)(s[key + k] | 0x20);
  keybuf[key_len] = '\0';

  if (strcmp (keybuf, "escape") == 0)
    {
      if (d->seen_escape)
        return kn_error_make (err, KN_EINVAL, 0, "only one escape parser directive can be used");
      d->seen_escape = true;
      if (vend - v != 1 || (s[v] != '\\' && s[v] != '`'))
        return kn_error_make (err, KN_EINVAL, 0, "invalid escape token '%.*s' does not match ` or \\", (int)(vend - v),
                              s + v);
      d->escape = s[v];
      return 1;
    }
  if (strcmp (keybuf, "syntax") == 0)
    {
      if (d->seen_syntax)
        return kn_error_make (err, KN_EINVAL, 0, "only one syntax parser directive can be used");
      d->seen_syntax = true;
      d->syntax = kn_xstrndup (s + v, vend - v);
      return 1;
    }
  if (strcmp (keybuf, "check") == 0)
    {
      if (d->seen_check)
        return kn_error_make (err, KN_EINVAL, 0, "only one check parser directive can be used");
      d->seen_check = true;
      d->check = kn_xstrndup (s + v, vend - v);
      return 1;
    }
not_directive:
  d->done = true;
  return 0;
}
