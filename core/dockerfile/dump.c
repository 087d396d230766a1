/* AST dump and Go quoting: see dump.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/dump.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

static void
quote_into (struct kn_df_buf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  char tmp[16];
  size_t i = 0, w;

  kn_df_buf_addc (b, '"');
  while (i < n)
    {
      uint32_t r = kn_df_utf8_decode (s + i, n - i, &w);
      if (w == 1 && r == KN_DF_RUNE_ERROR)
        {
          unsigned char c = (unsigned char)s[i];
          tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hex[c >> 4], tmp[3] = hex[c & 15];
          kn_df_buf_add (b, tmp, 4);
          i++;
          continue;
        }
      i += w;
      if (r == '"' || r == '\\')
        {
          kn_df_buf_addc (b, '\\');
          kn_df_buf_addc (b, (char)r);
          continue;
        }
      if (kn_df_uis_print (r))
        {
          kn_df_buf_add (b, s + i - w, w);
          continue;
        }
      switch (r)
        {
        case '\a':
          kn_df_buf_adds (b, "\\a");
          continue;
        case '\b':
          kn_df_buf_adds (b, "\\b");
          continue;
        case '\f':
          kn_df_buf_adds (b, "\\f");
          continue;
        case '\n':
          kn_df_buf_adds (b, "\\n");
          continue;
        case '\r':
          kn_df_buf_adds (b, "\\r");
          continue;
        case '\t':
          kn_df_buf_adds (b, "\\t");
          continue;
        case '\v':
          kn_df_buf_adds (b, "\\v");
          continue;
        default:
          break;
        }
      if (r < ' ' || r == 0x7f)
        {
          tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hex[r >> 4], tmp[3] = hex[r & 15];
          kn_df_buf_add (b, tmp, 4);
        }
      else if (r < 0x10000)
        {
          snprintf (tmp, sizeof tmp, "\\u%04x", (unsigned)r);
          kn_df_buf_adds (b, tmp);
        }
      else
        {
          snprintf (tmp, sizeof tmp, "\\U%08x", (unsigned)r);
          kn_df_buf_adds (b, tmp);
        }
    }
  kn_df_buf_addc (b, '"');
}

char *
kn_df_quote (const char *s, size_t n)
{
  struct kn_df_buf b = { 0 };
  quote_into (&b, s, n);
  return kn_df_buf_steal (&b);
}

char *
kn_df_lower (const char *s, size_t n)
{
  struct kn_df_buf b = { 0 };
  bool ascii = true;
  size_t i, w;
  char tmp[4];

  for (i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80)
      ascii = false;
  if (ascii)
    {
      kn_df_buf_add (&b, s, n);
      for (i = 0; i < n; i++)
        if (b.p[i] >= 'A' && b.p[i] <= 'Z')
          b.p[i] = (char)(b.p[i] + 32);
      return kn_df_buf_steal (&b);
    }
  for (i = 0; i < n; i += w)
    {
      uint32_t r = kn_df_utf8_decode (s + i, n - i, &w);
      kn_df_buf_add (&b, tmp, kn_df_utf8_encode (kn_df_uto_lower (r), tmp));
    }
  return kn_df_buf_steal (&b);
}

static void
dump_into (struct kn_df_buf *out, const struct kn_df_node *n)
{
  struct kn_df_buf b = { 0 };
  char *lower = kn_df_lower (n->value, n->value_len);
  size_t a, len;

  kn_df_buf_adds (&b, lower);
  free (lower);
  if (n->n_flags > 0)
    {
      kn_df_buf_adds (&b, " [");
      for (size_t i = 0; i < n->n_flags; i++)
        {
          if (i)
            kn_df_buf_addc (&b, ' ');
          quote_into (&b, n->flags[i], strlen (n->flags[i]));
        }
      kn_df_buf_addc (&b, ']');
    }
  for (size_t i = 0; i < n->n_children; i++)
    {
      kn_df_buf_addc (&b, '(');
      dump_into (&b, n->children[i]);
      kn_df_buf_adds (&b, ")\n");
    }
  for (const struct kn_df_node *a2 = n->next; a2; a2 = a2->next)
    {
      kn_df_buf_addc (&b, ' ');
      if (a2->n_children > 0)
        dump_into (&b, a2);
      else
        quote_into (&b, a2->value, a2->value_len);
    }
  /* strings.TrimSpace */
  a = kn_df_skip_space (b.p ? b.p : "", b.len);
  len = kn_df_rtrim_space_len (b.p ? b.p + a : "", b.len - a);
  kn_df_buf_add (out, b.p ? b.p + a : "", len);
  kn_df_buf_free (&b);
}

char *
kn_df_node_dump (const struct kn_df_node *n)
{
  struct kn_df_buf b = { 0 };
  dump_into (&b, n);
  return kn_df_buf_steal (&b);
}

char *
kn_df_ast_dump (const struct kn_df_ast *ast)
{
  struct kn_df_buf b = { 0 };
  for (size_t i = 0; ast && ast->root && i < ast->root->n_children; i++)
    {
      kn_df_buf_addc (&b, '(');
      dump_into (&b, ast->root->children[i]);
      kn_df_buf_adds (&b, ")\n");
    }
  return kn_df_buf_steal (&b);
}
