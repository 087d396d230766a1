/* Helpers shared by the COPY/ADD unit tests: temp trees and a recorder. */
#ifndef KN_TEST_COPY_UTIL_H
#define KN_TEST_COPY_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/copy.h"

struct tree
{
  char *top, *ctx, *root, *outside;
};

static inline int
rm_cb (const char *p, const struct stat *st, int flag, struct FTW *f)
{
  (void)st, (void)flag, (void)f;
  remove (p);
  return 0;
}

static inline void
rm_rf (const char *p)
{
  nftw (p, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *
tmk (const struct tree *t, const char *base, const char *rel)
{
  (void)t;
  return kn_xasprintf ("%s/%s", base, rel);
}

/* mkdir -p of BASE/REL */
static inline void
mkdirs (const char *base, const char *rel)
{
  char *p = kn_xasprintf ("%s/%s", base, rel);
  for (char *s = p + strlen (base) + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        mkdir (p, 0755);
        *s = '/';
      }
  mkdir (p, 0755);
  free (p);
}

static inline void
put (const char *base, const char *rel, const char *data, mode_t mode)
{
  char *p = kn_xasprintf ("%s/%s", base, rel);
  char *s = strrchr (p, '/');
  *s = '\0';
  mkdirs (base, p + strlen (base) + (strlen (p) > strlen (base) ? 1 : 0));
  *s = '/';
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, mode);
  cr_assert (fd >= 0, "create %s", p);
  cr_assert_eq (write (fd, data, strlen (data)), (ssize_t)strlen (data));
  fchmod (fd, mode);
  close (fd);
  free (p);
}

static inline char *
slurp (const char *base, const char *rel)
{
  char *p = kn_xasprintf ("%s/%s", base, rel);
  FILE *f = fopen (p, "r");
  free (p);
  if (!f)
    return NULL;
  char *buf = kn_xcalloc (1, 65536);
  size_t n = fread (buf, 1, 65535, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

static inline int
lst (const char *base, const char *rel, struct stat *st)
{
  char *p = kn_xasprintf ("%s/%s", base, rel);
  int r = lstat (p, st);
  free (p);
  return r;
}

static inline bool
exists (const char *base, const char *rel)
{
  struct stat st;
  return lst (base, rel, &st) == 0;
}

static inline struct tree
tree_new (void)
{
  struct tree t;
  char tmpl[] = "/tmp/kn-copy-XXXXXX";
  const char *td = getenv ("TMPDIR");
  char *base = td && *td ? kn_xasprintf ("%s/kn-copy-XXXXXX", td) : kn_xstrdup (tmpl);
  cr_assert_not_null (mkdtemp (base));
  t.top = base;
  t.ctx = kn_xasprintf ("%s/ctx", base);
  t.root = kn_xasprintf ("%s/root", base);
  t.outside = kn_xasprintf ("%s/outside", base);
  mkdir (t.ctx, 0755);
  mkdir (t.root, 0755);
  mkdir (t.outside, 0755);
  return t;
}

static inline void
tree_free (struct tree *t)
{
  rm_rf (t->top);
  free (t->top);
  free (t->ctx);
  free (t->root);
  free (t->outside);
}

/* Paths passed to record, in order. */
struct rec
{
  char *v[256];
  size_t n;
};

static inline int
rec_cb (void *p, const char *path, struct kn_error **err)
{
  (void)err;
  struct rec *r = p;
  if (r->n < 256)
    r->v[r->n++] = kn_xstrdup (path);
  return 0;
}

static inline bool
rec_has (const struct rec *r, const char *path)
{
  for (size_t i = 0; i < r->n; i++)
    if (strcmp (r->v[i], path) == 0)
      return true;
  return false;
}

static inline void
rec_free (struct rec *r)
{
  for (size_t i = 0; i < r->n; i++)
    free (r->v[i]);
  r->n = 0;
}

static inline struct kn_copy_request
req_new (const struct tree *t, const char *const *sources, const char *dest)
{
  struct kn_copy_request q;
  memset (&q, 0, sizeof q);
  q.src_root = t->ctx;
  q.from_context = true;
  q.sources = sources;
  q.dest = dest;
  q.workdir = "/";
  q.dest_root = t->root;
  q.unpack = -1;
  q.reproducible_epoch = -1;
  return q;
}

/* Run REQ expecting success. */
static inline void
run_ok (const struct kn_copy_request *q)
{
  struct kn_error *e = NULL;
  int r = kn_copy_run (q, &e);
  cr_assert_eq (r, 0, "kn_copy_run: %s", e ? e->msg : "?");
}

/* Run REQ expecting failure; returns the message (caller frees). */
static inline char *
run_fail (const struct kn_copy_request *q)
{
  struct kn_error *e = NULL;
  int r = kn_copy_run (q, &e);
  cr_assert_lt (r, 0, "kn_copy_run succeeded unexpectedly");
  cr_assert_not_null (e);
  char *m = kn_xstrdup (e->msg);
  kn_error_free (e);
  return m;
}

#endif
