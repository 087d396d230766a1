/* --chmod values: octal or symbolic (chmod(1) clauses without umask). */
#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/copy.h"

struct clause
{
  unsigned who;   /* bits of 07777 the clause may touch (0 = all, like 'a') */
  char op;        /* '+', '-', '=' */
  unsigned perm;  /* rwx as 0777 pattern for each class, plus s/t */
  bool X;         /* 'X': x when a directory or some x bit set */
  char copy_from; /* 'u', 'g', 'o' or 0 */
};

struct kn_copy_chmod
{
  bool octal;
  mode_t mode;
  struct clause *c;
  size_t n;
};

static int
parse_symbolic (const char *s, struct kn_copy_chmod *m, struct kn_error **err)
{
  const char *p = s;
  for (;;)
    {
      unsigned who = 0;
      for (; *p && strchr ("ugoa", *p); p++)
        who |= *p == 'u' ? 04700u : *p == 'g' ? 02070u : *p == 'o' ? 01007u : 07777u;
      if (!*p || !strchr ("+-=", *p))
        return kn_error_make (err, KN_EINVAL, 0, "invalid chmod parameter %s", s);
      while (*p && strchr ("+-=", *p))
        {
          struct clause c = { who, *p++, 0, false, 0 };
          if (*p && strchr ("ugo", *p))
            c.copy_from = *p++;
          else
            for (; *p && strchr ("rwxXst", *p); p++)
              switch (*p)
                {
                case 'r':
                  c.perm |= 0444;
                  break;
                case 'w':
                  c.perm |= 0222;
                  break;
                case 'x':
                  c.perm |= 0111;
                  break;
                case 'X':
                  c.X = true;
                  break;
                case 's':
                  c.perm |= 06000;
                  break;
                case 't':
                  c.perm |= 01000;
                  break;
                }
          m->c = kn_xrealloc (m->c, (m->n + 1) * sizeof *m->c);
          m->c[m->n++] = c;
        }
      if (*p == '\0')
        return 0;
      if (*p != ',')
        return kn_error_make (err, KN_EINVAL, 0, "invalid chmod parameter %s", s);
      p++;
    }
}

int
kn_copy_chmod_parse (const char *s, struct kn_copy_chmod **out, struct kn_error **err)
{
  struct kn_copy_chmod *m = kn_xcalloc (1, sizeof *m);
  if (s[0] >= '0' && s[0] <= '9')
    {
      unsigned long v = 0;
      const char *p = s;
      for (; *p >= '0' && *p <= '7'; p++)
        v = v * 8 + (unsigned long)(*p - '0');
      if (*p != '\0' || p - s > 12 || v > 07777)
        {
          free (m);
          return kn_error_make (err, KN_EINVAL, 0,
                                "invalid chmod parameter: '%s'. it should be octal string and between 0 and 07777", s);
        }
      m->octal = true;
      m->mode = (mode_t)v;
    }
  else
    {
      int r = parse_symbolic (s, m, err);
      if (r < 0)
        {
          kn_copy_chmod_free (m);
          return r;
        }
    }
  *out = m;
  return 0;
}

static unsigned
class_bits (mode_t mode, char from)
{
  unsigned v = from == 'u' ? (mode >> 6) & 7 : from == 'g' ? (mode >> 3) & 7 : mode & 7;
  return v * 0111;
}

mode_t
kn_copy_chmod_apply (const struct kn_copy_chmod *spec, mode_t mode, bool is_dir)
{
  if (!spec)
    return mode & 07777;
  if (spec->octal)
    return spec->mode;
  mode &= 07777;
  for (size_t i = 0; i < spec->n; i++)
    {
      const struct clause *c = &spec->c[i];
      unsigned who = c->who ? c->who : 07777;
      unsigned perm = c->copy_from ? class_bits (mode, c->copy_from) : c->perm;
      if (c->X && (is_dir || (mode & 0111)))
        perm |= 0111;
      perm &= who;
      if (c->op == '+')
        mode |= perm;
      else if (c->op == '-')
        mode &= ~perm;
      else
        mode = (mode & ~(who & 07777)) | perm;
    }
  return mode & 07777;
}

void
kn_copy_chmod_free (struct kn_copy_chmod *spec)
{
  if (!spec)
    return;
  free (spec->c);
  free (spec);
}
