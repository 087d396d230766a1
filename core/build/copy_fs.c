/* COPY/ADD file-system primitives: in-root resolution with canonical paths
 * and the writers of directories, files, symlinks and nodes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/copy_int.h"
#include "core/layer/resolve.h"

#define MAX_LINKS 40

char *
kn_copy_join (const char *a, const char *b)
{
  if (a[0] == '\0')
    return kn_xstrdup (b);
  if (b[0] == '\0')
    return kn_xstrdup (a);
  return kn_xasprintf ("%s/%s", a, b);
}

int
kn_copy_record (struct kn_copy_ctx *c, const char *path, struct kn_error **err)
{
  if (!c->req->record || path[0] == '\0' || c->quiet)
    return 0;
  c->nrecorded++;
  return c->req->record (c->req->record_payload, path, err);
}

struct timespec
kn_copy_mtime (const struct kn_copy_ctx *c, struct timespec t)
{
  if (c->req->reproducible_epoch >= 0 && t.tv_sec >= c->req->reproducible_epoch)
    {
      t.tv_sec = c->req->reproducible_epoch;
      t.tv_nsec = 0;
    }
  return t;
}

static struct timespec
now_mtime (const struct kn_copy_ctx *c)
{
  struct timespec t;
  clock_gettime (CLOCK_REALTIME, &t);
  return kn_copy_mtime (c, t);
}

/* Directory modes are set at the end so that a read-only directory can
 * still be filled without privileges; mtimes after every write below. */
static void
push_dirtime (struct kn_copy_ctx *c, const char *path, mode_t mode, struct timespec t)
{
  if (c->ndirs == c->capdirs)
    c->dirs = kn_xrealloc (c->dirs, (c->capdirs = c->capdirs ? c->capdirs * 2 : 16) * sizeof *c->dirs);
  c->dirs[c->ndirs].path = kn_xstrdup (path);
  c->dirs[c->ndirs].mode = mode & 07777;
  c->dirs[c->ndirs++].mtime = t;
}

void
kn_copy_finish_dirs (struct kn_copy_ctx *c, bool apply)
{
  for (size_t i = c->ndirs; i-- > 0;)
    {
      if (apply)
        {
          /* reopened without following any symlink: a later entry may have
             replaced a directory on the way */
          struct kn_error *e = NULL;
          int fd = kn_resolve_dir (c->dst_rootfd, c->dirs[i].path, KN_RESOLVE_NOFOLLOW, &e);
          kn_error_free (e);
          if (fd >= 0)
            {
              struct timespec ts[2] = { c->dirs[i].mtime, c->dirs[i].mtime };
              if (fchmod (fd, c->dirs[i].mode) < 0 || futimens (fd, ts) < 0)
                {
                  /* best effort, like Docker */
                }
              close (fd);
            }
        }
      free (c->dirs[i].path);
    }
  free (c->dirs);
  c->dirs = NULL;
  c->ndirs = c->capdirs = 0;
}

/* Open the parent of canonical PATH (no symlink allowed on the way). */
static int
open_parent (struct kn_copy_ctx *c, int rootfd, const char *path, char **base, struct kn_error **err)
{
  (void)c;
  return kn_resolve_parent (rootfd, path, KN_RESOLVE_NOFOLLOW, base, err);
}

void
kn_copy_forget_parent (struct kn_copy_ctx *c)
{
  if (c->pdir_fd >= 0)
    close (c->pdir_fd);
  c->pdir_fd = -1;
  free (c->pdir);
  c->pdir = NULL;
}

/* The parent directory of canonical PATH in the dest root, opened without
 * following symlinks and kept open for the next entry of the same
 * directory (a tree copy writes siblings one after the other): the fd is
 * borrowed, never closed by the caller.  *BASE points into PATH. */
static int
dest_parent (struct kn_copy_ctx *c, const char *path, const char **base, struct kn_error **err)
{
  const char *slash = strrchr (path, '/');
  size_t plen = slash ? (size_t)(slash - path) : 0;
  *base = slash ? slash + 1 : path;
  if (c->pdir && strlen (c->pdir) == plen && strncmp (c->pdir, path, plen) == 0)
    return c->pdir_fd;
  kn_copy_forget_parent (c);
  kn_cleanup_free char *b = NULL;
  int fd = kn_resolve_parent (c->dst_rootfd, path, KN_RESOLVE_NOFOLLOW, &b, err);
  if (fd < 0)
    return fd;
  struct stat st;
  c->pdir = kn_xstrndup (path, plen);
  c->pdir_fd = fd;
  c->pdir_setgid = fstat (fd, &st) < 0 || (st.st_mode & S_ISGID);
  return fd;
}

static int
set_meta (struct kn_copy_ctx *c, int dfd, const char *base, const char *path, mode_t mode, uid_t uid, gid_t gid,
          bool no_mode, struct kn_error **err)
{
  if (c->privileged && fchownat (dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chown /%s", path);
  if (!no_mode && fchmodat (dfd, base, mode & 07777, 0) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chmod /%s", path);
  return 0;
}

static int
mkdir_one (struct kn_copy_ctx *c, int rootfd, const char *path, struct kn_error **err)
{
  kn_cleanup_free char *base = NULL;
  kn_cleanup_close int dfd = open_parent (c, rootfd, path, &base, err);
  if (dfd < 0)
    return dfd;
  if (mkdirat (dfd, base, 0700) < 0 && errno != EEXIST)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mkdir /%s", path);
  int r = set_meta (c, dfd, base, path, 0700, c->chown_set ? c->uid : 0, c->chown_set ? c->gid : 0, false, err);
  if (r < 0)
    return r;
  push_dirtime (c, path, 0755, now_mtime (c));
  return kn_copy_record (c, path, err);
}

int
kn_copy_resolve (struct kn_copy_ctx *c, int rootfd, const char *path, int flags, char **canon_out, struct stat *st,
                 struct kn_error **err)
{
  kn_cleanup_free char *rest = kn_xstrdup (path);
  kn_cleanup_free char *canon = kn_xstrdup ("");
  int links = 0;
  memset (st, 0, sizeof *st);
  if (fstat (rootfd, st) < 0)
    return kn_error_make (err, KN_EIO, errno, "stat /");
  for (;;)
    {
      char *p = rest;
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      char *slash = strchr (p, '/');
      kn_cleanup_free char *comp = slash ? kn_xstrndup (p, (size_t)(slash - p)) : kn_xstrdup (p);
      char *after = slash ? slash : p + strlen (p);
      while (*after == '/')
        after++;
      bool last = *after == '\0';
      memmove (rest, after, strlen (after) + 1);
      if (strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        {
          char *s = strrchr (canon, '/');
          if (s)
            *s = '\0';
          else
            canon[0] = '\0';
          if (fstatat (rootfd, canon[0] ? canon : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
            return kn_error_make (err, KN_EIO, errno, "stat /%s", canon);
          continue;
        }
      kn_cleanup_free char *cand = kn_copy_join (canon, comp);
      if (fstatat (rootfd, cand, st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno != ENOENT)
            return kn_error_make (err, kn_error_code_from_errno (errno), errno, "lstat /%s", cand);
          if (last && !(flags & KN_COPY_R_MKLAST))
            {
              memset (st, 0, sizeof *st);
              free (canon);
              canon = KN_STEAL (cand);
              break;
            }
          if (!(flags & (last ? KN_COPY_R_MKLAST : KN_COPY_R_MKPARENTS)))
            return kn_error_make (err, KN_ENOTFOUND, ENOENT, "lstat /%s", cand);
          int r = mkdir_one (c, rootfd, cand, err);
          if (r < 0)
            return r;
          if (fstatat (rootfd, cand, st, AT_SYMLINK_NOFOLLOW) < 0)
            return kn_error_make (err, KN_EIO, errno, "lstat /%s", cand);
        }
      if (S_ISLNK (st->st_mode) && (!last || (flags & KN_COPY_R_FOLLOW)))
        {
          if (++links > MAX_LINKS)
            return kn_error_make (err, KN_EINVAL, ELOOP, "resolve %s", path);
          char target[PATH_MAX];
          ssize_t n = readlinkat (rootfd, cand, target, sizeof target - 1);
          if (n < 0)
            return kn_error_make (err, KN_EIO, errno, "readlink /%s", cand);
          target[n] = '\0';
          if (target[0] == '/')
            canon[0] = '\0';
          char *nrest = kn_xasprintf ("%s/%s", target, rest);
          free (rest);
          rest = nrest;
          if (fstatat (rootfd, canon[0] ? canon : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
            return kn_error_make (err, KN_EIO, errno, "stat /%s", canon);
          continue;
        }
      if (!last && !S_ISDIR (st->st_mode))
        {
          return kn_error_make (err, KN_EINVAL, ENOTDIR, "/%s", cand);
        }
      free (canon);
      canon = KN_STEAL (cand);
    }
  *canon_out = KN_STEAL (canon);
  return 0;
}

/* Forget the hardlink records whose first copy was canonical PATH or below it
 * (PATH is being replaced: its inode number may come back for another file). */
static void
forget_links (struct kn_copy_ctx *c, const char *path)
{
  size_t n = strlen (path);
  for (size_t i = 0; i < c->nlinks;)
    {
      const char *d = c->links[i].dst;
      if (strncmp (d, path, n) == 0 && (d[n] == '\0' || d[n] == '/'))
        {
          free (c->links[i].dst);
          c->links[i] = c->links[--c->nlinks];
        }
      else
        i++;
    }
}

/* Remove whatever is at BASE in DFD unless it is a directory and KEEP_DIR. 1 when a directory was kept. */
static int
clear_entry (struct kn_copy_ctx *c, int dfd, const char *base, const char *path, bool keep_dir, struct kn_error **err)
{
  struct stat st;
  if (fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return kn_error_make (err, KN_EIO, errno, "lstat /%s", path);
    }
  if (S_ISDIR (st.st_mode))
    {
      if (keep_dir)
        return 1;
      if (!c->replace_dirs)
        return kn_error_make (err, KN_EINVAL, EISDIR, "cannot replace to directory /%s with file", path);
      forget_links (c, path);
      /* the cached parent may lie below the removed tree */
      int keep = dup (dfd);
      kn_copy_forget_parent (c);
      int r = keep < 0 ? kn_error_make (err, KN_EIO, errno, "replace /%s", path) : kn_resolve_remove_all (keep, base, err);
      if (keep >= 0)
        close (keep);
      return r < 0 ? kn_error_wrap (err, "replace /%s", path) : 0;
    }
  if (keep_dir && !c->replace_dirs)
    return kn_error_make (err, KN_EINVAL, ENOTDIR, "cannot copy to non-directory: /%s", path);
  forget_links (c, path);
  if (unlinkat (dfd, base, 0) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "replace /%s", path);
  return 0;
}

/* Get canonical PATH of the dest root ready to be written: its parent
 * opened (borrowed fd, returned), *BASE its last component, and whatever
 * was there removed, except a directory when KEEP_DIR (*KEPT then set; may
 * be NULL otherwise).  Returns the parent fd or a negative code. */
static int
prepare_dest (struct kn_copy_ctx *c, const char *path, const char **base, bool keep_dir, bool *kept,
              struct kn_error **err)
{
  int dfd = dest_parent (c, path, base, err);
  if (dfd < 0)
    return dfd;
  int r = clear_entry (c, dfd, *base, path, keep_dir, err);
  if (r < 0)
    return r;
  if (r == 1)
    {
      /* clear_entry never drops the cache when it keeps a directory */
      if (kept)
        *kept = true;
      return dfd;
    }
  if (kept)
    *kept = false;
  /* a removed directory dropped the cache: open the parent again */
  return c->pdir_fd == dfd ? dfd : dest_parent (c, path, base, err);
}

int
kn_copy_make_dir (struct kn_copy_ctx *c, const char *path, mode_t mode, uid_t uid, gid_t gid, struct timespec mtime,
                  bool force_meta, struct kn_error **err)
{
  if (path[0] == '\0')
    return 0;
  const char *base = NULL;
  bool kept = false;
  int dfd = prepare_dest (c, path, &base, true, &kept, err);
  if (dfd < 0)
    return dfd;
  if (!kept && mkdirat (dfd, base, 0700) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mkdir /%s", path);
  if (!kept || force_meta)
    {
      int r = set_meta (c, dfd, base, path, (mode & 07777) | 0700, uid, gid, false, err);
      if (r < 0)
        return r;
      push_dirtime (c, path, mode, mtime);
    }
  return kn_copy_record (c, path, err);
}

int
kn_copy_write_file (struct kn_copy_ctx *c, const char *path, mode_t mode, uid_t uid, gid_t gid, struct timespec mtime,
                    kn_copy_fill_fn fill, kn_copy_fill_fn post, void *payload, struct kn_error **err)
{
  const char *base = NULL;
  /* the common case first: nothing there yet (no lstat to clear it) */
  int dfd = dest_parent (c, path, &base, err);
  if (dfd < 0)
    return dfd;
  kn_cleanup_close int fd = openat (dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    {
      dfd = prepare_dest (c, path, &base, false, NULL, err);
      if (dfd < 0)
        return dfd;
      fd = openat (dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create /%s", path);
  int r = fill (payload, fd, &mtime, err);
  if (r < 0)
    {
      unlinkat (dfd, base, 0);
      return r;
    }
  /* a new file is ours already: no chown to our own ids (unless the
     directory is setgid, which hands its group down) */
  bool owned = uid == c->euid && gid == c->egid && !c->pdir_setgid && c->pdir_fd == dfd;
  if (c->privileged && !owned && fchown (fd, uid, gid) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chown /%s", path);
  if (fchmod (fd, mode & 07777) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chmod /%s", path);
  if (post && (r = post (payload, fd, &mtime, err)) < 0)
    return r;
  struct timespec ts[2] = { mtime, mtime };
  if (futimens (fd, ts) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "utimes /%s", path);
  return kn_copy_record (c, path, err);
}

int
kn_copy_write_hardlink (struct kn_copy_ctx *c, const char *path, const char *first, dev_t ddev, ino_t dino,
                        struct kn_error **err)
{
  if (strcmp (path, first) == 0)
    return 0;
  kn_cleanup_free char *fbase = NULL;
  struct kn_error *ignored = NULL;
  kn_cleanup_close int fdfd = open_parent (c, c->dst_rootfd, first, &fbase, &ignored);
  if (fdfd < 0)
    {
      kn_error_free (ignored);
      return 0;
    }
  struct stat st;
  if (fstatat (fdfd, fbase, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode) || st.st_dev != ddev
      || st.st_ino != dino)
    return 0;
  const char *base = NULL;
  int dfd = prepare_dest (c, path, &base, false, NULL, err);
  if (dfd < 0)
    return dfd;
  if (linkat (fdfd, fbase, dfd, base, 0) < 0)
    {
      if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP)
        return 0;
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "link /%s to /%s", path, first);
    }
  int r = kn_copy_record (c, path, err);
  return r < 0 ? r : 1;
}

int
kn_copy_write_symlink (struct kn_copy_ctx *c, const char *path, const char *target, uid_t uid, gid_t gid,
                       struct timespec mtime, struct kn_error **err)
{
  const char *base = NULL;
  int dfd = prepare_dest (c, path, &base, false, NULL, err);
  if (dfd < 0)
    return dfd;
  if (symlinkat (target, dfd, base) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "symlink /%s", path);
  int r = set_meta (c, dfd, base, path, 0777, uid, gid, true, err);
  if (r < 0)
    return r;
  struct timespec ts[2] = { mtime, mtime };
  utimensat (dfd, base, ts, AT_SYMLINK_NOFOLLOW);
  return kn_copy_record (c, path, err);
}

int
kn_copy_write_node (struct kn_copy_ctx *c, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid,
                    struct timespec mtime, struct kn_error **err)
{
  if (!S_ISFIFO (mode) && !c->privileged)
    return 0;
  const char *base = NULL;
  int dfd = prepare_dest (c, path, &base, false, NULL, err);
  if (dfd < 0)
    return dfd;
  if (mknodat (dfd, base, (mode & S_IFMT) | 0600, dev) < 0)
    {
      if (errno == EPERM)
        return 0;
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mknod /%s", path);
    }
  int r = set_meta (c, dfd, base, path, mode, uid, gid, false, err);
  if (r < 0)
    return r;
  struct timespec ts[2] = { mtime, mtime };
  utimensat (dfd, base, ts, AT_SYMLINK_NOFOLLOW);
  return kn_copy_record (c, path, err);
}
