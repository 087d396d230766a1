#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/layer/changeset.h"
#include "plugins/snapshot/state.h"

void
kn_snapstate_clear (struct kn_snapstate *st)
{
  if (st == NULL)
    return;
  free (st->v);
  free (st->pool);
  memset (st, 0, sizeof *st);
}

void
kn_snapstate_move (struct kn_snapstate *dst, struct kn_snapstate *src)
{
  kn_snapstate_clear (dst);
  *dst = *src;
  memset (src, 0, sizeof *src);
}

struct kn_snapstate_entry *
kn_snapstate_append (struct kn_snapstate *st, const char *path)
{
  size_t len = strlen (path) + 1;
  if (st->n == st->cap)
    {
      st->cap = st->cap ? st->cap + st->cap / 2 : 1024;
      st->v = kn_xrealloc (st->v, st->cap * sizeof *st->v);
    }
  if (st->pool_len + len > st->pool_cap)
    {
      size_t cap = st->pool_cap ? st->pool_cap + st->pool_cap / 2 : 64 * 1024;
      while (cap < st->pool_len + len)
        cap *= 2;
      if (cap > UINT32_MAX)
        kn_oom (); /* 4 GiB of paths: not a tree we can snapshot */
      st->pool = kn_xrealloc (st->pool, cap);
      st->pool_cap = cap;
    }
  memcpy (st->pool + st->pool_len, path, len);
  struct kn_snapstate_entry *e = &st->v[st->n++];
  memset (e, 0, sizeof *e);
  e->path = (uint32_t) st->pool_len;
  st->pool_len += len;
  return e;
}

/* qsort has no context argument: the pool being sorted. */
static __thread const char *sort_pool;

static int
entry_cmp (const void *a, const void *b)
{
  const struct kn_snapstate_entry *x = a, *y = b;
  return kn_layer_path_cmp (sort_pool + x->path, sort_pool + y->path);
}

void
kn_snapstate_sort (struct kn_snapstate *st)
{
  size_t i;
  for (i = 1; i < st->n; i++)
    if (kn_layer_path_cmp (st->pool + st->v[i - 1].path, st->pool + st->v[i].path) >= 0)
      break;
  if (i >= st->n)
    return;
  sort_pool = st->pool;
  qsort (st->v, st->n, sizeof *st->v, entry_cmp);
  sort_pool = NULL;
}

size_t
kn_snapstate_find_index (const struct kn_snapstate *st, const char *path)
{
  size_t lo = 0, hi = st->n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      int c = kn_layer_path_cmp (st->pool + st->v[mid].path, path);
      if (c == 0)
        return mid;
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (size_t) -1;
}

const struct kn_snapstate_entry *
kn_snapstate_find (const struct kn_snapstate *st, const char *path)
{
  size_t i = kn_snapstate_find_index (st, path);
  return i == (size_t) -1 ? NULL : &st->v[i];
}

int
kn_snap_path_has_prefix (const char *path, const char *prefix)
{
  size_t n = strlen (prefix);
  if (n == 0)
    return 1;
  return strncmp (path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t
kn_snapstate_skip_subtree (const struct kn_snapstate *st, size_t i)
{
  const char *p = st->pool + st->v[i].path;
  size_t n = strlen (p);
  size_t k = i + 1;
  while (k < st->n)
    {
      const char *q = st->pool + st->v[k].path;
      if (strncmp (q, p, n) != 0 || q[n] != '/')
        break;
      k++;
    }
  return k;
}

static int
str_cmp (const void *a, const void *b)
{
  return kn_layer_path_cmp (*(char *const *) a, *(char *const *) b);
}

char **
kn_snap_ignore_new (const char *const *ignore, size_t *n)
{
  size_t cap = 0, k = 0;
  while (ignore && ignore[cap])
    cap++;
  char **v = kn_xcalloc (cap + 1, sizeof *v);
  for (size_t i = 0; i < cap; i++)
    {
      char *c = kn_layer_path_clean (ignore[i]);
      if (c == NULL || c[0] == '\0')
        free (c);
      else
        v[k++] = c;
    }
  qsort (v, k, sizeof *v, str_cmp);
  *n = k;
  return v;
}

int
kn_snap_ignored (char *const *ignore, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (kn_snap_path_has_prefix (path, ignore[i]))
      return 1;
  return 0;
}

int
kn_snap_pathlist_record (struct kn_snap_pathlist *l, const char *who, const char *path, struct kn_error **err)
{
  char *clean = kn_layer_path_clean (path);
  if (clean == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "%s: recorded path %s leaves the root", who, path);
  if (clean[0] == '\0')
    {
      free (clean);
      return 0;
    }
  if (l->n == l->cap)
    {
      l->cap = l->cap ? l->cap * 2 : 16;
      l->v = kn_xrealloc (l->v, l->cap * sizeof *l->v);
    }
  l->v[l->n++] = clean;
  return 0;
}

void
kn_snap_pathlist_clear (struct kn_snap_pathlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->v[i]);
  l->n = 0;
}
