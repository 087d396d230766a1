/* COPY/ADD sources: Go filepath.Match globs per path component, resolved
 * inside the source root, with .dockerignore'd paths invisible. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/copy_sources.h"
#include "core/dockerfile/glob.h"
#include "core/layer/resolve.h"

bool
kn_copy_has_meta (const char *s)
{
  return strpbrk (s, "*?[\\") != NULL;
}

int
kn_copy_ignored (struct kn_copy_ctx *c, const char *path, struct kn_error **err)
{
  if (!c->req->from_context || !c->req->ignore || path[0] == '\0')
    return 0;
  return kn_ignore_matches (c->req->ignore, path, err);
}

struct mlist
{
  char **v;
  size_t n, cap;
};

static void
mlist_add (struct mlist *m, char *s)
{
  if (m->n + 1 >= m->cap)
    m->v = kn_xrealloc (m->v, (m->cap = m->cap ? m->cap * 2 : 8) * sizeof *m->v);
  m->v[m->n++] = s;
  m->v[m->n] = NULL;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
expand (struct kn_copy_ctx *c, const char *prefix, char **comps, size_t i, size_t n, struct mlist *out,
        struct kn_error **err)
{
  if (i == n)
    {
      mlist_add (out, kn_xstrdup (prefix));
      return 0;
    }
  if (!kn_copy_has_meta (comps[i]))
    {
      kn_cleanup_free char *next = kn_copy_join (prefix, comps[i]);
      return expand (c, next, comps, i + 1, n, out, err);
    }
  /* list the directory PREFIX (resolved inside the source root) */
  kn_cleanup_free char *canon = NULL;
  struct stat st;
  struct kn_error *e = NULL;
  if (kn_copy_resolve (c, c->src_rootfd, prefix, KN_COPY_R_FOLLOW, &canon, &st, &e) < 0 || !S_ISDIR (st.st_mode))
    {
      kn_error_free (e);
      return 0;
    }
  int dfd = kn_resolve_dir (c->src_rootfd, canon, KN_RESOLVE_NOFOLLOW, &e);
  if (dfd < 0)
    {
      kn_error_free (e);
      return 0;
    }
  kn_cleanup_dir DIR *d = fdopendir (dfd);
  if (!d)
    {
      close (dfd);
      return kn_error_make (err, KN_EIO, errno, "open /%s", canon);
    }
  struct mlist names = { 0 };
  struct dirent *de;
  int r = 0;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      int m = kn_glob_match (comps[i], de->d_name, err);
      if (m < 0)
        {
          r = m;
          break;
        }
      if (m)
        mlist_add (&names, kn_xstrdup (de->d_name));
    }
  if (names.n)
    qsort (names.v, names.n, sizeof *names.v, cmp_str);
  for (size_t k = 0; r == 0 && k < names.n; k++)
    {
      kn_cleanup_free char *lex = kn_copy_join (prefix, names.v[k]);
      kn_cleanup_free char *cpath = kn_copy_join (canon, names.v[k]);
      int ig = kn_copy_ignored (c, cpath, err);
      if (ig < 0)
        r = ig;
      else if (!ig)
        r = expand (c, lex, comps, i + 1, n, out, err);
    }
  for (size_t k = 0; k < names.n; k++)
    free (names.v[k]);
  free (names.v);
  return r;
}

int
kn_copy_expand_source (struct kn_copy_ctx *c, const char *clean, char ***matches, size_t *n, struct kn_error **err)
{
  kn_cleanup_free char *dup = kn_xstrdup (clean);
  struct mlist comps = { 0 };
  for (char *save = NULL, *t = strtok_r (dup, "/", &save); t; t = strtok_r (NULL, "/", &save))
    mlist_add (&comps, t);
  struct mlist out = { 0 };
  int r = expand (c, "", comps.v, 0, comps.n, &out, err);
  free (comps.v);
  if (r < 0)
    {
      for (size_t k = 0; k < out.n; k++)
        free (out.v[k]);
      free (out.v);
      return r;
    }
  if (!out.v)
    out.v = kn_xcalloc (1, sizeof *out.v);
  *matches = out.v;
  *n = out.n;
  return 0;
}
