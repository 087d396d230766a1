/* Change sets: see changeset.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/layer/changeset.h"

struct cs_entry {
  char *path;
  enum kn_change_kind kind;
  size_t seq;
};

struct kn_changeset {
  struct cs_entry *v;
  size_t n, cap;
  size_t seq;
  int sorted;
};

struct kn_changeset *
kn_changeset_new (void)
{
  struct kn_changeset *cs = kn_xcalloc (1, sizeof *cs);
  cs->sorted = 1;
  return cs;
}

void
kn_changeset_free (struct kn_changeset *cs)
{
  if (cs == NULL)
    return;
  for (size_t i = 0; i < cs->n; i++)
    free (cs->v[i].path);
  free (cs->v);
  free (cs);
}

char *
kn_layer_path_clean (const char *path)
{
  size_t len = strlen (path);
  char *out = kn_xmalloc (len + 1);
  size_t o = 0;
  const char *p = path;
  while (*p)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      const char *e = strchr (p, '/');
      size_t n = e ? (size_t) (e - p) : strlen (p);
      if (n == 1 && p[0] == '.')
        ;
      else if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          if (o == 0)
            {
              free (out);
              return NULL;
            }
          while (o > 0 && out[o - 1] != '/')
            o--;
          if (o > 0)
            o--; /* the separator */
        }
      else
        {
          if (o > 0)
            out[o++] = '/';
          memcpy (out + o, p, n);
          o += n;
        }
      p += n;
    }
  out[o] = '\0';
  return out;
}

void
kn_changeset_add (struct kn_changeset *cs, const char *path, enum kn_change_kind kind)
{
  if (kind != KN_CHANGE_ADD && kind != KN_CHANGE_DELETE && kind != KN_CHANGE_OPAQUE)
    {
      kn_log (KN_LOG_WARN, "changeset: %s: unknown change kind %d ignored", path, (int) kind);
      return;
    }
  char *clean = kn_layer_path_clean (path);
  if (clean == NULL)
    {
      kn_log (KN_LOG_WARN, "changeset: \"%s\" leaves the root; ignored", path);
      return;
    }
  if (clean[0] == '\0')
    {
      /* The root itself is never an entry of a layer. */
      free (clean);
      return;
    }
  if (cs->n == cs->cap)
    {
      cs->cap = cs->cap ? cs->cap * 2 : 64;
      cs->v = kn_xrealloc (cs->v, cs->cap * sizeof *cs->v);
    }
  cs->v[cs->n++] = (struct cs_entry) { clean, kind, cs->seq++ };
  cs->sorted = 0;
}

int
kn_layer_path_cmp (const char *a, const char *b)
{
  const unsigned char *x = (const unsigned char *) a, *y = (const unsigned char *) b;
  while (*x && *x == *y)
    x++, y++;
  /* End of string < '/' < any other byte. */
  int cx = *x == '\0' ? 0 : *x == '/' ? 1 : *x + 1;
  int cy = *y == '\0' ? 0 : *y == '/' ? 1 : *y + 1;
  return cx - cy;
}

static int
entry_cmp (const void *x, const void *y)
{
  const struct cs_entry *a = x, *b = y;
  int c = kn_layer_path_cmp (a->path, b->path);
  if (c)
    return c;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* 1 when DESC lies strictly below directory ANC. */
static int
is_below (const char *anc, const char *desc)
{
  size_t n = strlen (anc);
  return strncmp (anc, desc, n) == 0 && desc[n] == '/';
}

void
kn_changeset_sort (struct kn_changeset *cs)
{
  if (cs->sorted)
    return;
  qsort (cs->v, cs->n, sizeof *cs->v, entry_cmp);
  size_t o = 0;
  const char *deleted = NULL; /* the last deleted directory kept */
  for (size_t i = 0; i < cs->n;)
    {
      /* Merge the run of equal paths (in recording order). */
      size_t j = i;
      enum kn_change_kind kind = cs->v[i].kind;
      for (j = i + 1; j < cs->n && strcmp (cs->v[j].path, cs->v[i].path) == 0; j++)
        {
          enum kn_change_kind k = cs->v[j].kind;
          if (k == KN_CHANGE_DELETE)
            kind = KN_CHANGE_DELETE;
          else if (k == KN_CHANGE_OPAQUE || (k == KN_CHANGE_ADD && kind == KN_CHANGE_OPAQUE))
            kind = KN_CHANGE_OPAQUE;
          else
            kind = KN_CHANGE_ADD;
        }
      for (size_t k = i + 1; k < j; k++)
        free (cs->v[k].path);
      if (deleted && is_below (deleted, cs->v[i].path))
        {
          /* Below a deleted path: the whiteout already covers it. */
          free (cs->v[i].path);
        }
      else
        {
          cs->v[o] = cs->v[i];
          cs->v[o].kind = kind;
          if (kind == KN_CHANGE_DELETE)
            deleted = cs->v[o].path;
          o++;
        }
      i = j;
    }
  cs->n = o;
  cs->sorted = 1;
}

size_t
kn_changeset_count (struct kn_changeset *cs)
{
  kn_changeset_sort (cs);
  return cs->n;
}

const char *
kn_changeset_get (struct kn_changeset *cs, size_t i, enum kn_change_kind *kind)
{
  kn_changeset_sort (cs);
  if (i >= cs->n)
    return NULL;
  if (kind)
    *kind = cs->v[i].kind;
  return cs->v[i].path;
}

int
kn_changeset_iterate (struct kn_changeset *cs, kn_changeset_fn fn, void *payload)
{
  kn_changeset_sort (cs);
  for (size_t i = 0; i < cs->n; i++)
    {
      int ret = fn (cs->v[i].path, cs->v[i].kind, payload);
      if (ret < 0)
        return ret;
    }
  return 0;
}
