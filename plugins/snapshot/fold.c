#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "plugins/snapshot/fold.h"
#include "plugins/snapshot/state.h"

#define OVL_XATTR_PREFIX "trusted.overlay."

struct fold_ctx {
  const char *upper;
  const char *root;
  char *const *ignore;
  size_t n_ignore;
  struct kn_changeset *cs;
  char *path; /* root-relative path of the entry at hand */
  size_t cap;
  const struct kn_cancel *cancel;
  unsigned long visited;
};

/* Every 256 entries, -KN_ECANCELED when the fold was asked to stop. */
static int
fold_cancelled (struct fold_ctx *c, struct kn_error **err)
{
  if ((++c->visited & 255) == 0 && kn_cancel_requested (c->cancel))
    return kn_error_make (err, KN_ECANCELED, 0, "overlay: fold of %s cancelled", c->upper);
  return 0;
}

/* The names in DIRFD (without "." and ".."), a NULL-terminated vector. */
static int
list_dir (int dirfd, char ***out, struct kn_error **err)
{
  int fd = dup (dirfd);
  if (fd < 0)
    return kn_error_make (err, KN_EIO, errno, "dup");
  kn_cleanup_dir DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return kn_error_make (err, KN_EIO, errno, "fdopendir");
    }
  rewinddir (d);
  size_t n = 0, cap = 16;
  char **v = kn_xmalloc (cap * sizeof *v);
  struct dirent *de;
  errno = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n + 1 == cap)
        v = kn_xrealloc (v, (cap *= 2) * sizeof *v);
      v[n++] = kn_xstrdup (de->d_name);
    }
  v[n] = NULL;
  if (errno != 0)
    {
      int e = errno;
      kn_strv_free (v);
      return kn_error_make (err, KN_EIO, e, "readdir");
    }
  *out = v;
  return 0;
}

int
kn_snapfold_remove (int dirfd, const char *name, struct kn_error **err)
{
  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return kn_error_make (err, KN_EIO, errno, "remove %s", name);
  kn_cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, KN_EIO, errno, "open %s", name);
  /* Never remove through a mount point (a stale merged dir shows the root). */
  struct stat pst, st;
  int mount_root = 0;
#ifdef STATX_ATTR_MOUNT_ROOT
  struct statx sx;
  if (statx (fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
      && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    mount_root = 1;
#endif
  if (fstat (dirfd, &pst) == 0 && fstat (fd, &st) == 0 && pst.st_dev != st.st_dev)
    mount_root = 1;
  if (mount_root)
    return kn_error_make (err, KN_EPERM, 0, "remove %s: a mount point", name);
  kn_cleanup_strv char **names = NULL;
  int rc = list_dir (fd, &names, err);
  if (rc < 0)
    return kn_error_wrap (err, "%s", name);
  for (size_t i = 0; names[i]; i++)
    {
      rc = kn_snapfold_remove (fd, names[i], err);
      if (rc < 0)
        return kn_error_wrap (err, "%s", name);
    }
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return kn_error_make (err, KN_EIO, errno, "remove %s", name);
  return 0;
}

int
kn_snapfold_empty (const char *path, struct kn_error **err)
{
  kn_cleanup_close int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : kn_error_make (err, KN_EIO, errno, "open %s", path);
  kn_cleanup_strv char **names = NULL;
  int rc = list_dir (fd, &names, err);
  for (size_t i = 0; rc == 0 && names[i]; i++)
    rc = kn_snapfold_remove (fd, names[i], err);
  if (rc < 0)
    return kn_error_wrap (err, "empty %s", path);
  return 0;
}

static void
ctx_set_path (struct fold_ctx *c, size_t plen, const char *name)
{
  size_t nl = strlen (name);
  size_t need = plen + 1 + nl + 1;
  if (need > c->cap)
    {
      while (need > c->cap)
        c->cap *= 2;
      c->path = kn_xrealloc (c->path, c->cap);
    }
  size_t l = plen;
  if (l)
    c->path[l++] = '/';
  memcpy (c->path + l, name, nl + 1);
}

static void
report (struct fold_ctx *c, enum kn_change_kind kind)
{
  if (c->n_ignore && kn_snap_ignored (c->ignore, c->n_ignore, c->path))
    return;
  kn_changeset_add (c->cs, c->path, kind);
}

static int
is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == makedev (0, 0);
}

/* The absolute path of the current entry in the upper directory. */
static char *
upper_path (struct fold_ctx *c)
{
  return kn_xasprintf ("%s/%s", c->upper, c->path);
}

/* Remove overlay's private attributes of the current upper entry. */
static int
strip_overlay_xattrs (struct fold_ctx *c, struct kn_error **err)
{
  kn_cleanup_free char *p = upper_path (c);
  char buf[8192];
  ssize_t n = llistxattr (p, buf, sizeof buf);
  if (n < 0)
    {
      if (errno == ENOTSUP || errno == ENOENT)
        return 0;
      if (errno != ERANGE)
        return kn_error_make (err, KN_EIO, errno, "list attributes of %s", p);
      n = llistxattr (p, NULL, 0);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "list attributes of %s", p);
      kn_cleanup_free char *big = kn_xmalloc ((size_t) n + 1);
      n = llistxattr (p, big, (size_t) n);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "list attributes of %s", p);
      for (char *k = big; k < big + n; k += strlen (k) + 1)
        if (strncmp (k, OVL_XATTR_PREFIX, strlen (OVL_XATTR_PREFIX)) == 0 && lremovexattr (p, k) < 0
            && errno != ENODATA)
          return kn_error_make (err, KN_EIO, errno, "remove attribute %s of %s", k, p);
      return 0;
    }
  for (char *k = buf; k < buf + n; k += strlen (k) + 1)
    if (strncmp (k, OVL_XATTR_PREFIX, strlen (OVL_XATTR_PREFIX)) == 0 && lremovexattr (p, k) < 0 && errno != ENODATA)
      return kn_error_make (err, KN_EIO, errno, "remove attribute %s of %s", k, p);
  return 0;
}

static int
is_opaque (struct fold_ctx *c)
{
  kn_cleanup_free char *p = upper_path (c);
  char v[4];
  ssize_t n = lgetxattr (p, OVL_XATTR_PREFIX "opaque", v, sizeof v);
  return n == 1 && v[0] == 'y';
}

/* Copy the extended attributes of SFD onto DFD (overlay's excluded); when
 * SYNC, also remove those DFD has and SFD has not. */
static int
copy_xattrs (int sfd, int dfd, int sync, const char *what, struct kn_error **err)
{
  ssize_t n = flistxattr (sfd, NULL, 0);
  if (n < 0)
    return errno == ENOTSUP ? 0 : kn_error_make (err, KN_EIO, errno, "list attributes of %s", what);
  kn_cleanup_free char *names = kn_xmalloc ((size_t) n + 1);
  n = flistxattr (sfd, names, (size_t) n);
  if (n < 0)
    return kn_error_make (err, KN_EIO, errno, "list attributes of %s", what);
  for (char *k = names; k < names + n; k += strlen (k) + 1)
    {
      if (strncmp (k, OVL_XATTR_PREFIX, strlen (OVL_XATTR_PREFIX)) == 0)
        continue;
      ssize_t vl = fgetxattr (sfd, k, NULL, 0);
      if (vl < 0)
        continue;
      kn_cleanup_free char *val = kn_xmalloc ((size_t) vl + 1);
      vl = fgetxattr (sfd, k, val, (size_t) vl);
      if (vl < 0)
        continue;
      if (sync)
        {
          /* Unchanged values are not rewritten (no journal traffic). */
          char cur[256];
          ssize_t cl = fgetxattr (dfd, k, cur, sizeof cur);
          if (cl == vl && memcmp (cur, val, (size_t) vl) == 0)
            continue;
        }
      if (fsetxattr (dfd, k, val, (size_t) vl, 0) < 0)
        kn_log (KN_LOG_WARN, "overlay: cannot set attribute %s on %s: %s", k, what, strerror (errno));
    }
  if (!sync)
    return 0;
  ssize_t m = flistxattr (dfd, NULL, 0);
  if (m <= 0)
    return 0;
  kn_cleanup_free char *dnames = kn_xmalloc ((size_t) m + 1);
  m = flistxattr (dfd, dnames, (size_t) m);
  for (char *k = dnames; m > 0 && k < dnames + m; k += strlen (k) + 1)
    {
      int found = 0;
      for (char *s = names; s < names + n; s += strlen (s) + 1)
        if (strcmp (s, k) == 0)
          found = 1;
      if (!found && fremovexattr (dfd, k) < 0 && errno != ENODATA)
        kn_log (KN_LOG_DEBUG, "overlay: cannot remove attribute %s of %s: %s", k, what, strerror (errno));
    }
  return 0;
}

/* Give the directory RFD the owner, mode, attributes and times of UFD. */
static int
copy_dir_meta (int ufd, int rfd, const char *what, struct kn_error **err)
{
  struct stat st;
  if (fstat (ufd, &st) < 0)
    return kn_error_make (err, KN_EIO, errno, "stat %s", what);
  struct stat rst;
  if (fstat (rfd, &rst) < 0)
    return kn_error_make (err, KN_EIO, errno, "stat %s", what);
  if ((rst.st_uid != st.st_uid || rst.st_gid != st.st_gid) && fchown (rfd, st.st_uid, st.st_gid) < 0
      && errno != EPERM)
    return kn_error_make (err, KN_EIO, errno, "chown %s", what);
  /* chown may clear set-id bits: compare the mode afterwards. */
  if (fstat (rfd, &rst) == 0 && (rst.st_mode & 07777) != (st.st_mode & 07777) && fchmod (rfd, st.st_mode & 07777) < 0)
    return kn_error_make (err, KN_EIO, errno, "chmod %s", what);
  int rc = copy_xattrs (ufd, rfd, 1, what, err);
  if (rc < 0)
    return rc;
  struct timespec ts[2] = { st.st_atim, st.st_mtim };
  if (futimens (rfd, ts) < 0)
    return kn_error_make (err, KN_EIO, errno, "set times of %s", what);
  return 0;
}

static int
copy_fd_data (int sfd, int dfd, const char *what, struct kn_error **err)
{
  for (;;)
    {
      ssize_t r = copy_file_range (sfd, NULL, dfd, NULL, 1 << 30, 0);
      if (r == 0)
        return 0;
      if (r > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
        return kn_error_make (err, KN_EIO, errno, "copy %s", what);
      break;
    }
  char buf[65536];
  for (;;)
    {
      ssize_t r = read (sfd, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return kn_error_make (err, KN_EIO, errno, "read %s", what);
      if (r == 0)
        return 0;
      for (ssize_t o = 0; o < r;)
        {
          ssize_t w = write (dfd, buf + o, (size_t) (r - o));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return kn_error_make (err, KN_EIO, errno, "write %s", what);
          o += w;
        }
    }
}

/* Copy NAME of SFD (any type, recursively) to NAME of DFD, which must not
 * exist: the slow path when upper and root are on different filesystems. */
static int
copy_tree (int sfd, int dfd, const char *name, const char *what, struct kn_error **err)
{
  struct stat st;
  if (fstatat (sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return kn_error_make (err, KN_EIO, errno, "stat %s", what);
  if (S_ISDIR (st.st_mode))
    {
      if (mkdirat (dfd, name, 0700) < 0)
        return kn_error_make (err, KN_EIO, errno, "mkdir %s", what);
      kn_cleanup_close int s = openat (sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      kn_cleanup_close int d = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return kn_error_make (err, KN_EIO, errno, "open %s", what);
      kn_cleanup_strv char **names = NULL;
      int rc = list_dir (s, &names, err);
      if (rc < 0)
        return kn_error_wrap (err, "%s", what);
      for (size_t i = 0; names[i]; i++)
        {
          kn_cleanup_free char *sub = kn_xasprintf ("%s/%s", what, names[i]);
          rc = copy_tree (s, d, names[i], sub, err);
          if (rc < 0)
            return rc;
        }
      return copy_dir_meta (s, d, what, err);
    }
  if (S_ISREG (st.st_mode))
    {
      kn_cleanup_close int s = openat (sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0)
        return kn_error_make (err, KN_EIO, errno, "open %s", what);
      kn_cleanup_close int d = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (d < 0)
        return kn_error_make (err, KN_EIO, errno, "create %s", what);
      int rc = copy_fd_data (s, d, what, err);
      if (rc < 0)
        return rc;
      if (fchown (d, st.st_uid, st.st_gid) < 0 && errno != EPERM)
        return kn_error_make (err, KN_EIO, errno, "chown %s", what);
      if (fchmod (d, st.st_mode & 07777) < 0)
        return kn_error_make (err, KN_EIO, errno, "chmod %s", what);
      rc = copy_xattrs (s, d, 0, what, err);
      if (rc < 0)
        return rc;
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      if (futimens (d, ts) < 0)
        return kn_error_make (err, KN_EIO, errno, "set times of %s", what);
      return 0;
    }
  if (S_ISLNK (st.st_mode))
    {
      char target[4097];
      ssize_t n = readlinkat (sfd, name, target, sizeof target - 1);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "readlink %s", what);
      target[n] = '\0';
      if (symlinkat (target, dfd, name) < 0)
        return kn_error_make (err, KN_EIO, errno, "symlink %s", what);
    }
  else if (mknodat (dfd, name, st.st_mode, st.st_rdev) < 0)
    return kn_error_make (err, KN_EIO, errno, "mknod %s", what);
  if (fchownat (dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
    return kn_error_make (err, KN_EIO, errno, "chown %s", what);
  if (!S_ISLNK (st.st_mode) && fchmodat (dfd, name, st.st_mode & 07777, 0) < 0)
    return kn_error_make (err, KN_EIO, errno, "chmod %s", what);
  struct timespec ts[2] = { st.st_atim, st.st_mtim };
  if (utimensat (dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return kn_error_make (err, KN_EIO, errno, "set times of %s", what);
  return 0;
}

/* Move NAME from UFD to RFD (whose NAME, if any, is not a directory). */
static int
move_entry (struct fold_ctx *c, int ufd, int rfd, const char *name, struct kn_error **err)
{
  if (renameat (ufd, name, rfd, name) == 0)
    return 0;
  if (errno != EXDEV)
    return kn_error_make (err, KN_EIO, errno, "move %s/%s to %s/%s", c->upper, c->path, c->root, c->path);
  if (unlinkat (rfd, name, 0) < 0 && errno != ENOENT)
    return kn_error_make (err, KN_EIO, errno, "replace %s/%s", c->root, c->path);
  int rc = copy_tree (ufd, rfd, name, c->path, err);
  if (rc < 0)
    return kn_error_wrap (err, "copy %s into %s", c->upper, c->root);
  return kn_snapfold_remove (ufd, name, err);
}

/* A subtree of the upper directory that replaces whatever the root has:
 * report every entry as added, drop whiteouts, strip overlay attributes. */
static int
prepare_tree (struct fold_ctx *c, int ufd, size_t plen, struct kn_error **err)
{
  kn_cleanup_strv char **names = NULL;
  int rc = list_dir (ufd, &names, err);
  if (rc < 0)
    return kn_error_wrap (err, "%s/%s", c->upper, c->path);
  for (size_t i = 0; names[i]; i++)
    {
      if ((rc = fold_cancelled (c, err)) < 0)
        return rc;
      ctx_set_path (c, plen, names[i]);
      size_t nlen = strlen (c->path);
      struct stat st;
      if (fstatat (ufd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        return kn_error_make (err, KN_EIO, errno, "stat %s/%s", c->upper, c->path);
      if (is_whiteout (&st))
        {
          if (unlinkat (ufd, names[i], 0) < 0)
            return kn_error_make (err, KN_EIO, errno, "remove %s/%s", c->upper, c->path);
          continue;
        }
      report (c, KN_CHANGE_ADD);
      rc = strip_overlay_xattrs (c, err);
      if (rc < 0)
        return rc;
      if (S_ISDIR (st.st_mode))
        {
          kn_cleanup_close int fd = openat (ufd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            return kn_error_make (err, KN_EIO, errno, "open %s/%s", c->upper, c->path);
          rc = prepare_tree (c, fd, nlen, err);
          if (rc < 0)
            return rc;
        }
      c->path[plen] = '\0';
    }
  return 0;
}

/* Fold the upper directory UFD into the root directory RFD (both at c->path,
 * PLEN long). */
static int
fold_dir (struct fold_ctx *c, int ufd, int rfd, size_t plen, struct kn_error **err)
{
  kn_cleanup_strv char **names = NULL;
  int rc = list_dir (ufd, &names, err);
  if (rc < 0)
    return kn_error_wrap (err, "%s/%s", c->upper, c->path);
  for (size_t i = 0; names[i]; i++)
    {
      const char *name = names[i];
      if ((rc = fold_cancelled (c, err)) < 0)
        return rc;
      ctx_set_path (c, plen, name);
      size_t nlen = strlen (c->path);
      struct stat ust, rst;
      if (fstatat (ufd, name, &ust, AT_SYMLINK_NOFOLLOW) < 0)
        return kn_error_make (err, KN_EIO, errno, "stat %s/%s", c->upper, c->path);
      if (is_whiteout (&ust))
        {
          report (c, KN_CHANGE_DELETE);
          rc = kn_snapfold_remove (rfd, name, err);
          if (rc < 0)
            return kn_error_wrap (err, "%s", c->root);
          if (unlinkat (ufd, name, 0) < 0)
            return kn_error_make (err, KN_EIO, errno, "remove %s/%s", c->upper, c->path);
          c->path[plen] = '\0';
          continue;
        }
      int have_r = fstatat (rfd, name, &rst, AT_SYMLINK_NOFOLLOW) == 0;
      if (!have_r && errno != ENOENT)
        return kn_error_make (err, KN_EIO, errno, "stat %s/%s", c->root, c->path);
      int r_dir = have_r && S_ISDIR (rst.st_mode);
      if (S_ISDIR (ust.st_mode) && r_dir && !is_opaque (c))
        {
          /* Merge into the existing directory. */
          report (c, KN_CHANGE_ADD);
          kn_cleanup_close int cu = openat (ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          kn_cleanup_close int cr = openat (rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (cu < 0 || cr < 0)
            return kn_error_make (err, KN_EIO, errno, "open %s/%s", cu < 0 ? c->upper : c->root, c->path);
          rc = fold_dir (c, cu, cr, nlen, err);
          if (rc < 0)
            return rc;
          c->path[nlen] = '\0';
          kn_cleanup_free char *what = kn_xasprintf ("%s/%s", c->root, c->path);
          rc = copy_dir_meta (cu, cr, what, err);
          if (rc < 0)
            return rc;
        }
      else if (S_ISDIR (ust.st_mode))
        {
          /* New, opaque (replacing a directory) or replacing a non-directory. */
          report (c, r_dir ? KN_CHANGE_OPAQUE : KN_CHANGE_ADD);
          rc = strip_overlay_xattrs (c, err);
          if (rc < 0)
            return rc;
          kn_cleanup_close int cu = openat (ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (cu < 0)
            return kn_error_make (err, KN_EIO, errno, "open %s/%s", c->upper, c->path);
          rc = prepare_tree (c, cu, nlen, err);
          if (rc < 0)
            return rc;
          c->path[nlen] = '\0';
          if (have_r)
            {
              rc = kn_snapfold_remove (rfd, name, err);
              if (rc < 0)
                return kn_error_wrap (err, "%s", c->root);
            }
          rc = move_entry (c, ufd, rfd, name, err);
          if (rc < 0)
            return rc;
        }
      else
        {
          report (c, KN_CHANGE_ADD);
          rc = strip_overlay_xattrs (c, err);
          if (rc < 0)
            return rc;
          if (r_dir)
            {
              rc = kn_snapfold_remove (rfd, name, err);
              if (rc < 0)
                return kn_error_wrap (err, "%s", c->root);
            }
          rc = move_entry (c, ufd, rfd, name, err);
          if (rc < 0)
            return rc;
        }
      c->path[plen] = '\0';
    }
  return 0;
}

int
kn_snapfold (const char *upper, const char *root, char *const *ignore, size_t n_ignore, struct kn_changeset *cs,
             const struct kn_cancel *cancel, struct kn_error **err)
{
  kn_cleanup_close int ufd = open (upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ufd < 0)
    return kn_error_make (err, KN_EIO, errno, "overlay: open %s", upper);
  kn_cleanup_close int rfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return kn_error_make (err, KN_EIO, errno, "overlay: open %s", root);
  struct fold_ctx c
      = { .upper = upper, .root = root, .ignore = ignore, .n_ignore = n_ignore, .cs = cs, .cancel = cancel };
  c.cap = 4096;
  c.path = kn_xmalloc (c.cap);
  c.path[0] = '\0';
  int rc = fold_dir (&c, ufd, rfd, 0, err);
  free (c.path);
  if (rc < 0)
    return kn_error_wrap (err, "overlay: fold %s into %s", upper, root);
  return 0;
}
