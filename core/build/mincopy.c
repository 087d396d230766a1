#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/kanikodir.h"
#include "core/build/mincopy.h"
#include "core/layer/changeset.h"

struct cp {
  const struct kn_mincopy_request *r;
  uid_t uid;
  gid_t gid;
  int chown;
  mode_t mode;
  int chmod;
};

static int
record (struct cp *c, const char *abs, struct kn_error **err)
{
  size_t n = strlen (c->r->dest_root);
  const char *rel = abs + n;
  while (*rel == '/')
    rel++;
  if (*rel == '\0' || c->r->record == NULL)
    return 0;
  return c->r->record (c->r->record_payload, rel, err);
}

static int
finish (struct cp *c, const char *dst, const struct stat *st, struct kn_error **err)
{
  uid_t u = c->chown ? c->uid : 0;
  gid_t g = c->chown ? c->gid : 0;
  if (lchown (dst, u, g) < 0 && errno != EPERM)
    return kn_error_make (err, KN_EIO, errno, "chown %s", dst);
  if (!S_ISLNK (st->st_mode))
    {
      mode_t m = c->chmod ? c->mode : (st->st_mode & 07777);
      if (chmod (dst, m) < 0)
        return kn_error_make (err, KN_EIO, errno, "chmod %s", dst);
    }
  struct timespec ts[2] = { st->st_mtim, st->st_mtim };
  if (c->r->reproducible_epoch >= 0)
    ts[0].tv_sec = ts[1].tv_sec = c->r->reproducible_epoch, ts[0].tv_nsec = ts[1].tv_nsec = 0;
  utimensat (AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
  return record (c, dst, err);
}

/* Create the missing parents of DST (inside dest_root) as root-owned 0755 directories. */
static int
make_parents (struct cp *c, const char *dst, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xstrdup (dst);
  size_t rl = strlen (c->r->dest_root);
  for (char *s = p + rl + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        struct stat st;
        if (lstat (p, &st) < 0)
          {
            if (mkdir (p, 0755) < 0)
              return kn_error_make (err, KN_EIO, errno, "mkdir %s", p + rl);
            if (c->chown)
              lchown (p, c->uid, c->gid);
            if (record (c, p, err) < 0)
              return -KN_EIO;
          }
        else if (!S_ISDIR (st.st_mode))
          return kn_error_make (err, KN_EINVAL, 0, "COPY: %s is not a directory", p + rl);
        *s = '/';
      }
  return 0;
}

static int ignored (struct cp *c, const char *src, struct kn_error **err)
{
  if (!c->r->from_context || c->r->ignore == NULL)
    return 0;
  size_t n = strlen (c->r->src_root);
  const char *rel = src + n;
  while (*rel == '/')
    rel++;
  if (*rel == '\0')
    return 0;
  return kn_ignore_matches (c->r->ignore, rel, err);
}

static int copy_any (struct cp *c, const char *src, const char *dst, struct kn_error **err);

static int
copy_file (struct cp *c, const char *src, const char *dst, const struct stat *st, struct kn_error **err)
{
  kn_cleanup_close int in = open (src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "COPY: open %s", src);
  unlink (dst);
  kn_cleanup_close int out = open (dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0)
    return kn_error_make (err, KN_EIO, errno, "COPY: create %s", dst);
  char buf[65536];
  ssize_t n;
  while ((n = read (in, buf, sizeof buf)) > 0)
    for (ssize_t off = 0; off < n;)
      {
        ssize_t w = write (out, buf + off, (size_t) (n - off));
        if (w < 0)
          return kn_error_make (err, errno == ENOSPC ? KN_ENOSPC : KN_EIO, errno, "COPY: write %s", dst);
        off += w;
      }
  if (n < 0)
    return kn_error_make (err, KN_EIO, errno, "COPY: read %s", src);
  return finish (c, dst, st, err);
}

static int
copy_dir_contents (struct cp *c, const char *src, const char *dst, struct kn_error **err)
{
  kn_cleanup_dir DIR *d = opendir (src);
  if (d == NULL)
    return kn_error_make (err, KN_EIO, errno, "COPY: open directory %s", src);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      names = kn_xrealloc (names, (n + 1) * sizeof *names);
      names[n++] = kn_xstrdup (e->d_name);
    }
  int ret = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (ret == 0)
        {
          kn_cleanup_free char *s = kn_xasprintf ("%s/%s", src, names[i]);
          kn_cleanup_free char *t = kn_xasprintf ("%s/%s", dst, names[i]);
          ret = copy_any (c, s, t, err);
        }
      free (names[i]);
    }
  free (names);
  return ret;
}

static int
copy_any (struct cp *c, const char *src, const char *dst, struct kn_error **err)
{
  struct stat st;
  int ig = ignored (c, src, err);
  if (ig < 0)
    return ig;
  if (lstat (src, &st) < 0)
    return kn_error_make (err, KN_ENOTFOUND, errno, "COPY: %s", src);
  if (ig > 0 && !S_ISDIR (st.st_mode))
    return 0;
  if (S_ISDIR (st.st_mode))
    {
      struct stat dt;
      if (lstat (dst, &dt) == 0 && !S_ISDIR (dt.st_mode))
        unlink (dst);
      if (mkdir (dst, 0755) < 0 && errno != EEXIST)
        return kn_error_make (err, KN_EIO, errno, "COPY: mkdir %s", dst);
      int ret = copy_dir_contents (c, src, dst, err);
      if (ret < 0)
        return ret;
      if (ig > 0)
        return 0;
      return finish (c, dst, &st, err);
    }
  if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlink (src, target, sizeof target - 1);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "COPY: readlink %s", src);
      target[n] = '\0';
      unlink (dst);
      if (symlink (target, dst) < 0)
        return kn_error_make (err, KN_EIO, errno, "COPY: symlink %s", dst);
      return finish (c, dst, &st, err);
    }
  if (S_ISREG (st.st_mode))
    return copy_file (c, src, dst, &st, err);
  return kn_error_make (err, KN_ENOTSUP, 0, "COPY: %s: unsupported file type", src);
}

static int
parse_ids (struct cp *c, struct kn_error **err)
{
  if (c->r->chown && *c->r->chown)
    {
      char *end;
      unsigned long u = strtoul (c->r->chown, &end, 10);
      unsigned long g = u;
      if (end == c->r->chown || (*end && *end != ':'))
        return kn_error_make (err, KN_ENOTSUP, 0, "COPY --chown=%s: only numeric ids are supported yet", c->r->chown);
      if (*end == ':')
        {
          const char *gs = end + 1;
          g = strtoul (gs, &end, 10);
          if (end == gs || *end)
            return kn_error_make (err, KN_ENOTSUP, 0, "COPY --chown=%s: only numeric ids are supported yet",
                                  c->r->chown);
        }
      c->uid = (uid_t) u;
      c->gid = (gid_t) g;
      c->chown = 1;
    }
  if (c->r->chmod && *c->r->chmod)
    {
      char *end;
      unsigned long m = strtoul (c->r->chmod, &end, 8);
      if (*end || m > 07777)
        return kn_error_make (err, KN_ENOTSUP, 0, "COPY --chmod=%s: only octal modes are supported yet", c->r->chmod);
      c->mode = (mode_t) m;
      c->chmod = 1;
    }
  return 0;
}

int
kn_mincopy_run (const struct kn_mincopy_request *req, struct kn_error **err)
{
  struct cp c = { .r = req };
  int ret = parse_ids (&c, err);
  if (ret < 0)
    return ret;

  /* Destination: absolute inside the root, relative to WORKDIR otherwise. */
  kn_cleanup_free char *joined = req->dest[0] == '/' ? kn_xstrdup (req->dest)
                                                     : kn_xasprintf ("%s/%s", req->workdir ? req->workdir : "/", req->dest);
  kn_cleanup_free char *clean = kn_layer_path_clean (joined);
  if (clean == NULL)
    return kn_error_make (err, KN_EPERM, 0, "COPY: destination %s leaves the root", req->dest);
  size_t dl = strlen (req->dest);
  bool dest_dir = dl > 0 && (req->dest[dl - 1] == '/' || strcmp (req->dest, ".") == 0 || (dl >= 2 && strcmp (req->dest + dl - 2, "/.") == 0));
  kn_cleanup_free char *dst = *clean ? kn_xasprintf ("%s/%s", req->dest_root, clean) : kn_xstrdup (req->dest_root);

  /* Expand the sources (globs) relative to the source root. */
  char **files = NULL;
  size_t nf = 0;
  for (size_t i = 0; req->sources && req->sources[i]; i++)
    {
      kn_cleanup_free char *rel = kn_layer_path_clean (req->sources[i]);
      if (rel == NULL)
        {
          ret = kn_error_make (err, KN_EPERM, 0, "COPY: source %s is outside the build context", req->sources[i]);
          goto out;
        }
      kn_cleanup_free char *pat = *rel ? kn_xasprintf ("%s/%s", req->src_root, rel) : kn_xstrdup (req->src_root);
      glob_t g;
      int gr = glob (pat, GLOB_NOSORT | GLOB_NOESCAPE * 0, NULL, &g);
      if (gr == GLOB_NOMATCH || g.gl_pathc == 0)
        {
          if (gr == 0)
            globfree (&g);
          ret = kn_error_make (err, KN_ENOTFOUND, 0, "COPY: no source files were specified (%s not found in %s)",
                               req->sources[i], req->from_context ? "the build context" : "the stage");
          goto out;
        }
      for (size_t k = 0; k < g.gl_pathc; k++)
        {
          files = kn_xrealloc (files, (nf + 1) * sizeof *files);
          files[nf++] = kn_xstrdup (g.gl_pathv[k]);
        }
      globfree (&g);
    }
  if (nf + req->n_contents > 1)
    dest_dir = true;
  {
    struct stat st;
    if (stat (dst, &st) == 0 && S_ISDIR (st.st_mode))
      dest_dir = true;
  }
  if (dest_dir)
    {
      kn_cleanup_free char *probe = kn_xasprintf ("%s/x", dst);
      if ((ret = make_parents (&c, probe, err)) < 0)
        goto out;
    }
  else if ((ret = make_parents (&c, dst, err)) < 0)
    goto out;

  for (size_t i = 0; i < nf; i++)
    {
      struct stat st;
      if (lstat (files[i], &st) < 0)
        {
          ret = kn_error_make (err, KN_ENOTFOUND, errno, "COPY: %s", files[i]);
          goto out;
        }
      if (S_ISDIR (st.st_mode))
        {
          struct stat dt;
          if (lstat (dst, &dt) < 0)
            {
              if (mkdir (dst, 0755) < 0)
                {
                  ret = kn_error_make (err, KN_EIO, errno, "COPY: mkdir %s", dst);
                  goto out;
                }
              if ((ret = finish (&c, dst, &st, err)) < 0)
                goto out;
            }
          if ((ret = copy_dir_contents (&c, files[i], dst, err)) < 0)
            goto out;
          continue;
        }
      const char *base = strrchr (files[i], '/');
      kn_cleanup_free char *t = dest_dir ? kn_xasprintf ("%s/%s", dst, base ? base + 1 : files[i]) : kn_xstrdup (dst);
      if ((ret = copy_any (&c, files[i], t, err)) < 0)
        goto out;
    }
  for (size_t i = 0; i < req->n_contents; i++)
    {
      const struct kn_df_source_content *sc = &req->contents[i];
      kn_cleanup_free char *t = dest_dir ? kn_xasprintf ("%s/%s", dst, sc->path) : kn_xstrdup (dst);
      unlink (t);
      kn_cleanup_close int fd = open (t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
      size_t len = strlen (sc->data);
      if (fd < 0 || write (fd, sc->data, len) != (ssize_t) len)
        {
          ret = kn_error_make (err, KN_EIO, errno, "COPY: write %s", t);
          goto out;
        }
      struct stat st = { 0 };
      st.st_mode = S_IFREG | 0644;
      clock_gettime (CLOCK_REALTIME, &st.st_mtim);
      if ((ret = finish (&c, t, &st, err)) < 0)
        goto out;
    }
out:
  for (size_t i = 0; i < nf; i++)
    free (files[i]);
  free (files);
  return ret;
}
