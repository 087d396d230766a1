/* Layer applier: see applier.h. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/layer/applier.h"
#include "core/layer/changeset.h"
#include "core/layer/inflate.h"
#include "core/layer/pathset.h"
#include "core/layer/resolve.h"
#include "core/util/cancel.h"

#define READ_CHUNK (128 * 1024)
#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_NAME ".wh..wh..opq"

struct dir_meta {
  char *path;
  mode_t mode;
  struct timespec mtime;
};

struct actx {
  struct archive *a;
  struct kn_reader *src;
  struct kn_error *src_err;
  const char *name;
  const char *root;
  int rootfd;
  int same_owner;
  int devices;
  const struct kn_layer_apply_opts *opts;
  struct kn_layer_apply_stats stats;
  struct kn_pathset *written; /* paths this layer created */
  struct dir_meta *dirs;      /* directory metadata applied at the end */
  size_t ndirs, capdirs;
  struct dir_meta *restore;   /* lower directories made writable (not root) */
  size_t nrestore, caprestore;
  int unprivileged;
  char *buf;
  size_t head_len;            /* bytes of the stream's start in BUF not handed to libarchive yet */
  struct kn_inflater *inf;    /* gzip and zstd are inflated by a thread */
  char *parent;               /* the last parent directory resolved ... */
  int parentfd;               /* ... and its fd (-1: none) */
};

static la_ssize_t
la_read (struct archive *a, void *cd, const void **out)
{
  struct actx *c = cd;
  if (c->inf)
    {
      ssize_t n = kn_inflater_read (c->inf, out, &c->src_err);
      if (n < 0)
        {
          archive_set_error (a, EIO, "layer decompression failed");
          return -1;
        }
      return n;
    }
  if (c->head_len)
    {
      *out = c->buf;
      ssize_t n = (ssize_t) c->head_len;
      c->head_len = 0;
      return n;
    }
  ssize_t n = kn_reader_read (c->src, c->buf, READ_CHUNK, &c->src_err);
  if (n < 0)
    {
      archive_set_error (a, EIO, "layer source failed");
      return -1;
    }
  *out = c->buf;
  return n;
}

/* An error naming the layer and ENTRY from a libarchive failure. */
static int
archive_fail (struct actx *c, const char *entry, struct kn_error **err)
{
  if (c->src_err)
    {
      *err = c->src_err;
      c->src_err = NULL;
      return kn_error_wrap (err, "layer %s: entry %s", c->name, entry);
    }
  return kn_error_make (err, KN_EPROTO, 0, "layer %s: entry %s: %s", c->name, entry,
                        archive_error_string (c->a) ? archive_error_string (c->a) : "corrupt archive");
}

static int
sys_fail (struct actx *c, const char *entry, int errnum, const char *what, struct kn_error **err)
{
  return kn_error_make (err, kn_error_code_from_errno (errnum), errnum, "layer %s: entry %s: %s", c->name, entry,
                        what);
}

static int
wrap (struct actx *c, const char *entry, struct kn_error **err)
{
  return kn_error_wrap (err, "layer %s: entry %s", c->name, entry);
}

/* Without privileges a read-only directory of a lower layer must be made
 * writable to change its entries; its mode is restored at the end. */
static void
ensure_writable (struct actx *c, int dirfd, const char *path)
{
  struct stat st;
  if (!c->unprivileged || fstat (dirfd, &st) < 0 || (st.st_mode & 0300) == 0300)
    return;
  if (fchmod (dirfd, (st.st_mode & 07777) | 0700) < 0)
    return;
  if (c->nrestore == c->caprestore)
    c->restore = kn_xrealloc (c->restore, (c->caprestore = c->caprestore ? c->caprestore * 2 : 16) * sizeof *c->restore);
  struct dir_meta *m = &c->restore[c->nrestore++];
  m->path = kn_xstrdup (path);
  m->mode = st.st_mode & 07777;
  m->mtime = st.st_mtim;
}

/* ---- whiteouts ---- */

static int
apply_whiteout (struct actx *c, const char *parent, const char *target, const char *entry, struct kn_error **err)
{
  if (target[0] == '\0' || strcmp (target, ".") == 0 || strcmp (target, "..") == 0)
    return kn_error_make (err, KN_EINVAL, 0, "layer %s: entry %s: malformed whiteout", c->name, entry);
  struct kn_error *e = NULL;
  kn_cleanup_close int dirfd = kn_resolve_dir (c->rootfd, parent, 0, &e);
  if (dirfd < 0)
    {
      /* Nothing there to delete. */
      kn_error_free (e);
      return 0;
    }
  c->stats.whiteouts++;
  ensure_writable (c, dirfd, parent);
  if (kn_resolve_remove_all (dirfd, target, err) < 0)
    return wrap (c, entry, err);
  return 0;
}

static int
apply_opaque (struct actx *c, const char *parent, const char *entry, struct kn_error **err)
{
  kn_cleanup_close int dirfd = kn_resolve_dir (c->rootfd, parent, KN_RESOLVE_CREATE, err);
  if (dirfd < 0)
    return wrap (c, entry, err);
  int dup_fd = dup (dirfd);
  if (dup_fd < 0)
    return sys_fail (c, entry, errno, "dup", err);
  kn_cleanup_dir DIR *d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return sys_fail (c, entry, errno, "read directory", err);
    }
  /* Collect first: removing while reading may skip entries. */
  size_t n = 0, cap = 16;
  kn_cleanup_strv char **doomed = kn_xcalloc (cap + 1, sizeof *doomed);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      kn_cleanup_free char *rel = parent[0] ? kn_xasprintf ("%s/%s", parent, de->d_name) : kn_xstrdup (de->d_name);
      if (kn_pathset_has (c->written, rel))
        continue;
      if (n == cap)
        {
          doomed = kn_xrealloc (doomed, (2 * cap + 1) * sizeof *doomed);
          memset (doomed + cap, 0, (cap + 1) * sizeof *doomed);
          cap *= 2;
        }
      doomed[n++] = kn_xstrdup (de->d_name);
    }
  if (n > 0)
    ensure_writable (c, dirfd, parent);
  for (size_t i = 0; i < n; i++)
    if (kn_resolve_remove_all (dirfd, doomed[i], err) < 0)
      return wrap (c, entry, err);
  c->stats.whiteouts++;
  return 0;
}

/* ---- metadata ---- */

static void
set_xattrs (struct actx *c, struct archive_entry *e, int fd, const char *entry)
{
  const char *name;
  const void *value;
  size_t size;
  if (archive_entry_xattr_reset (e) == 0)
    return;
  while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (fd < 0)
        {
          kn_log (KN_LOG_DEBUG, "layer %s: entry %s: xattr %s not set on this file type", c->name, entry, name);
          continue;
        }
      if (fsetxattr (fd, name, value, size, 0) < 0)
        kn_log (KN_LOG_WARN, "layer %s: entry %s: cannot set xattr %s: %s", c->name, entry, name, strerror (errno));
    }
}

static int
set_owner (struct actx *c, int dirfd, const char *base, struct archive_entry *e, const char *entry,
           struct kn_error **err)
{
  if (!c->same_owner)
    return 0;
  uid_t uid = (uid_t) archive_entry_uid (e);
  gid_t gid = (gid_t) archive_entry_gid (e);
  if (fchownat (dirfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == EINVAL || errno == EPERM)
        {
          kn_log (KN_LOG_WARN, "layer %s: entry %s: cannot chown to %u:%u: %s", c->name, entry, (unsigned) uid,
                  (unsigned) gid, strerror (errno));
          return 0;
        }
      return sys_fail (c, entry, errno, "chown", err);
    }
  return 0;
}

static void
defer_dir (struct actx *c, const char *path, struct archive_entry *e)
{
  if (c->ndirs == c->capdirs)
    c->dirs = kn_xrealloc (c->dirs, (c->capdirs = c->capdirs ? c->capdirs * 2 : 64) * sizeof *c->dirs);
  struct dir_meta *m = &c->dirs[c->ndirs++];
  m->path = kn_xstrdup (path);
  m->mode = archive_entry_perm (e) & 07777;
  m->mtime.tv_sec = archive_entry_mtime (e);
  m->mtime.tv_nsec = archive_entry_mtime_nsec (e);
}

/* Directories last, deepest first: their mtimes survive their children. */
static void
apply_dir_meta (struct actx *c, struct dir_meta *v, size_t n)
{
  for (size_t i = n; i-- > 0;)
    {
      struct dir_meta *m = &v[i];
      struct kn_error *e = NULL;
      int fd = kn_resolve_dir (c->rootfd, m->path, 0, &e);
      if (fd >= 0)
        {
          struct timespec ts[2] = { m->mtime, m->mtime };
          if (fchmod (fd, m->mode) < 0)
            kn_log (KN_LOG_WARN, "layer %s: entry %s: chmod: %s", c->name, m->path, strerror (errno));
          futimens (fd, ts);
          close (fd);
        }
      kn_error_free (e);
    }
}

/* Lower directories get their modes back, then this layer's directories
 * get theirs (they win where both apply). */
static void
finish_dirs (struct actx *c)
{
  apply_dir_meta (c, c->restore, c->nrestore);
  apply_dir_meta (c, c->dirs, c->ndirs);
}

/* ---- entries ---- */

static int
write_data (struct actx *c, int fd, struct archive_entry *e, const char *entry, struct kn_error **err)
{
  const void *buf;
  size_t len;
  la_int64_t off, end = 0;
  for (;;)
    {
      int r = archive_read_data_block (c->a, &buf, &len, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return archive_fail (c, entry, err);
      if (len == 0)
        continue;
      const char *p = buf;
      while (len > 0)
        {
          ssize_t n = pwrite (fd, p, len, (off_t) off);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return sys_fail (c, entry, errno, "write", err);
          p += n;
          off += n;
          len -= (size_t) n;
        }
      if (off > end)
        end = off;
      if (c->opts->cancel && c->opts->cancel->requested)
        return kn_error_make (err, KN_ECANCELED, 0, "layer %s: cancelled", c->name);
    }
  /* A sparse file may end in a hole. */
  if (end != archive_entry_size (e) && ftruncate (fd, (off_t) archive_entry_size (e)) < 0)
    return sys_fail (c, entry, errno, "truncate", err);
  return 0;
}

static int
make_hardlink (struct actx *c, int dirfd, const char *base, const char *path, const char *link,
               const char *entry, struct kn_error **err)
{
  kn_cleanup_free char *target = kn_layer_path_clean (link);
  if (target == NULL || target[0] == '\0')
    return kn_error_make (err, KN_EPERM, 0, "layer %s: entry %s: hardlink to \"%s\" leaves the root", c->name,
                          entry, link);
  if (strcmp (target, path) == 0)
    return 0;
  kn_cleanup_free char *tbase = NULL;
  struct kn_error *e = NULL;
  kn_cleanup_close int tdir = kn_resolve_parent (c->rootfd, target, 0, &tbase, &e);
  struct stat st;
  if (tdir < 0 || fstatat (tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      kn_error_free (e);
      return kn_error_make (err, KN_EPERM, 0, "layer %s: entry %s: hardlink target \"%s\" is not in the root",
                            c->name, entry, link);
    }
  if (S_ISDIR (st.st_mode))
    return kn_error_make (err, KN_EPERM, 0, "layer %s: entry %s: hardlink to directory \"%s\"", c->name, entry,
                          link);
  if (linkat (tdir, tbase, dirfd, base, 0) < 0)
    return sys_fail (c, entry, errno, "hardlink", err);
  return 0;
}

static void
drop_parent (struct actx *c)
{
  free (c->parent);
  c->parent = NULL;
  if (c->parentfd >= 0)
    close (c->parentfd);
  c->parentfd = -1;
}

/* The directory PARENT resolved in the root (created when missing), cached
 * for the following entries of the same directory; the fd stays owned by C.
 * Returns the fd or < 0. */
static int
parent_dir (struct actx *c, const char *parent, struct kn_error **err)
{
  if (c->parent && strcmp (c->parent, parent) == 0)
    return c->parentfd;
  drop_parent (c);
  int fd = kn_resolve_dir (c->rootfd, parent, KN_RESOLVE_CREATE, err);
  if (fd < 0)
    return fd;
  ensure_writable (c, fd, parent);
  c->parent = kn_xstrdup (parent);
  c->parentfd = fd;
  return fd;
}

static int
apply_entry (struct actx *c, struct archive_entry *e, struct kn_error **err)
{
  const char *entry = archive_entry_pathname (e);
  if (entry == NULL)
    return kn_error_make (err, KN_EPROTO, 0, "layer %s: entry without a name", c->name);
  kn_cleanup_free char *path = kn_layer_path_clean (entry);
  if (path == NULL)
    return kn_error_make (err, KN_EPERM, 0, "layer %s: entry %s: path leaves the root", c->name, entry);
  if (path[0] == '\0')
    return 0; /* the root itself keeps its own metadata */
  const char *slash = strrchr (path, '/');
  const char *base = slash ? slash + 1 : path;
  kn_cleanup_free char *parent = slash ? kn_xstrndup (path, (size_t) (slash - path)) : kn_xstrdup ("");

  /* Only an entry in another directory can replace, remove or empty the
   * cached parent (an entry of P changes P/name, never P itself). */
  if (c->parent && strcmp (c->parent, parent) != 0)
    drop_parent (c);
  if (strncmp (base, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) == 0)
    {
      if (strcmp (base, OPAQUE_NAME) == 0)
        return apply_opaque (c, parent, entry, err);
      if (strncmp (base, WHITEOUT_PREFIX WHITEOUT_PREFIX, 2 * strlen (WHITEOUT_PREFIX)) == 0)
        return 0; /* other aufs metadata (.wh..wh.plnk, ...) */
      return apply_whiteout (c, parent, base + strlen (WHITEOUT_PREFIX), entry, err);
    }

  int dirfd = parent_dir (c, parent, err);
  if (dirfd < 0)
    return wrap (c, entry, err);

  const char *link = archive_entry_hardlink (e);
  mode_t type = archive_entry_filetype (e);
  mode_t perm = archive_entry_perm (e) & 07777;
  struct stat st;
  /* Files and directories are created first and what is in the way is
   * looked at on EEXIST only (one syscall less per entry). */
  int fast = !link && (type == AE_IFREG || type == 0 || type == AE_IFDIR);
  int exists = 0;
  if (fast)
    goto create;
  exists = fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;

  if (type == AE_IFSOCK)
    {
      c->stats.skipped++;
      return 0;
    }
  if ((type == AE_IFCHR || type == AE_IFBLK) && !link && !c->devices)
    {
      kn_log (KN_LOG_WARN, "layer %s: entry %s: device node not permitted here; skipped", c->name, entry);
      c->stats.skipped++;
      return 0;
    }
  /* Replace whatever is there, except a directory by a directory (Docker). */
  if (exists && !(type == AE_IFDIR && !link && S_ISDIR (st.st_mode)))
    {
      if (link)
        {
          kn_cleanup_free char *t = kn_layer_path_clean (link);
          if (t && strcmp (t, path) == 0)
            return 0;
        }
      if (kn_resolve_remove_all (dirfd, base, err) < 0)
        return wrap (c, entry, err);
      exists = 0;
    }

create:;
  kn_cleanup_close int fd = -1;
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime (e);
  ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec (e);
  int ret;

  if (link)
    {
      if ((ret = make_hardlink (c, dirfd, base, path, link, entry, err)) < 0)
        return ret;
      kn_pathset_add (c->written, path, NULL);
      c->stats.entries++;
      return 0;
    }
  switch (type)
    {
    case AE_IFDIR:
      if (!exists && mkdirat (dirfd, base, 0700) < 0)
        {
          /* A directory stays (Docker); anything else is replaced. */
          if (errno != EEXIST || fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return sys_fail (c, entry, errno, "mkdir", err);
          if (!S_ISDIR (st.st_mode))
            {
              if (kn_resolve_remove_all (dirfd, base, err) < 0)
                return wrap (c, entry, err);
              if (mkdirat (dirfd, base, 0700) < 0)
                return sys_fail (c, entry, errno, "mkdir", err);
            }
        }
      fd = openat (dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return sys_fail (c, entry, errno, "open directory", err);
      if ((ret = set_owner (c, dirfd, base, e, entry, err)) < 0)
        return ret;
      set_xattrs (c, e, fd, entry);
      defer_dir (c, path, e);
      break;
    case AE_IFREG:
    case 0:
      fd = openat (dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        {
          if (kn_resolve_remove_all (dirfd, base, err) < 0)
            return wrap (c, entry, err);
          fd = openat (dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
      if (fd < 0)
        return sys_fail (c, entry, errno, "create", err);
      if ((ret = write_data (c, fd, e, entry, err)) < 0)
        return ret;
      if ((ret = set_owner (c, dirfd, base, e, entry, err)) < 0)
        return ret;
      set_xattrs (c, e, fd, entry);
      if (fchmod (fd, perm) < 0)
        return sys_fail (c, entry, errno, "chmod", err);
      futimens (fd, ts);
      break;
    case AE_IFLNK:
      if (symlinkat (archive_entry_symlink (e) ? archive_entry_symlink (e) : "", dirfd, base) < 0)
        return sys_fail (c, entry, errno, "symlink", err);
      if ((ret = set_owner (c, dirfd, base, e, entry, err)) < 0)
        return ret;
      set_xattrs (c, e, -1, entry);
      utimensat (dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
      break;
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      {
        dev_t dev = makedev (archive_entry_rdevmajor (e), archive_entry_rdevminor (e));
        int r = type == AE_IFIFO ? mkfifoat (dirfd, base, 0600) : mknodat (dirfd, base, type | 0600, dev);
        if (r < 0)
          {
            if (type != AE_IFIFO && (errno == EPERM || errno == EACCES))
              {
                kn_log (KN_LOG_WARN, "layer %s: entry %s: cannot create device node: %s; skipped", c->name, entry,
                        strerror (errno));
                c->stats.skipped++;
                return 0;
              }
            return sys_fail (c, entry, errno, "mknod", err);
          }
        if ((ret = set_owner (c, dirfd, base, e, entry, err)) < 0)
          return ret;
        set_xattrs (c, e, -1, entry);
        if (fchmodat (dirfd, base, perm, 0) < 0)
          return sys_fail (c, entry, errno, "chmod", err);
        utimensat (dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
        break;
      }
    default:
      kn_log (KN_LOG_WARN, "layer %s: entry %s: unsupported type 0%o; skipped", c->name, entry, (unsigned) type);
      c->stats.skipped++;
      return 0;
    }
  kn_pathset_add (c->written, path, NULL);
  c->stats.entries++;
  return 0;
}

/* Whether the entry NAME (a whiteout counts as the path it deletes) is in
 * or below one of SKIP. */
static bool
skipped (const char *const *skip, const char *name)
{
  kn_cleanup_free char *p = kn_layer_path_clean (name);
  if (p == NULL)
    return false;
  char *b = strrchr (p, '/');
  b = b ? b + 1 : p;
  if (strcmp (b, OPAQUE_NAME) == 0)
    *(b > p ? b - 1 : b) = '\0';
  else if (strncmp (b, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) == 0)
    memmove (b, b + strlen (WHITEOUT_PREFIX), strlen (b + strlen (WHITEOUT_PREFIX)) + 1);
  for (size_t i = 0; skip[i]; i++)
    {
      size_t l = strlen (skip[i]);
      if (l && strncmp (p, skip[i], l) == 0 && (p[l] == '\0' || p[l] == '/'))
        return true;
    }
  return false;
}

int
kn_layer_apply (const char *root, struct kn_reader *layer, const struct kn_layer_apply_opts *opts,
                struct kn_layer_apply_stats *stats, struct kn_error **err)
{
  struct kn_layer_apply_opts defaults = KN_LAYER_APPLY_OPTS_INIT;
  if (opts == NULL)
    opts = &defaults;
  struct actx c = { .src = layer, .root = root, .opts = opts, .parentfd = -1 };
  c.name = opts->name ? opts->name : "layer";
  c.same_owner = opts->same_owner < 0 ? geteuid () == 0 : opts->same_owner;
  c.devices = !opts->no_devices;
  c.unprivileged = geteuid () != 0;
  int ret = 0;

  c.rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.rootfd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "layer %s: open root %s", c.name, root);
  c.buf = kn_xmalloc (READ_CHUNK);
  c.written = kn_pathset_new ();
  /* The start of the stream: gzip and zstd are inflated on a thread. */
  while (c.head_len < 4)
    {
      ssize_t n = kn_reader_read (layer, c.buf + c.head_len, READ_CHUNK - c.head_len, err);
      if (n < 0)
        {
          ret = (int) n;
          kn_error_wrap (err, "layer %s", c.name);
          goto out;
        }
      if (n == 0)
        break;
      c.head_len += (size_t) n;
    }
  if ((ret = kn_inflater_start (&c.inf, layer, (const unsigned char *) c.buf, c.head_len, c.name, err)) < 0)
    goto out;
  if (ret > 0)
    c.head_len = 0;
  ret = 0;
  const char *const *skip = opts->size >= offsetof (struct kn_layer_apply_opts, skip) + sizeof opts->skip
                                ? opts->skip : NULL;
  c.a = archive_read_new ();
  /* Compression is detected from the bytes.  Only filters libarchive runs in
   * process: a hostile layer must not start external programs. */
  archive_read_support_filter_gzip (c.a);
  archive_read_support_filter_zstd (c.a);
  archive_read_support_filter_xz (c.a);
  archive_read_support_filter_bzip2 (c.a);
  archive_read_support_format_tar (c.a);
  archive_read_support_format_empty (c.a);
  if (archive_read_open2 (c.a, &c, NULL, la_read, NULL, NULL) != ARCHIVE_OK)
    {
      ret = archive_fail (&c, "(start)", err);
      goto out;
    }
  for (;;)
    {
      struct archive_entry *e;
      int r = archive_read_next_header (c.a, &e);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          ret = archive_fail (&c, "(next header)", err);
          goto out;
        }
      if (opts->cancel && opts->cancel->requested)
        {
          ret = kn_error_make (err, KN_ECANCELED, 0, "layer %s: cancelled", c.name);
          goto out;
        }
      if (skip && skipped (skip, archive_entry_pathname (e)))
        {
          c.stats.skipped++;
          continue;
        }
      if ((ret = apply_entry (&c, e, err)) < 0)
        goto out;
    }
out:
  drop_parent (&c);
  finish_dirs (&c);
  archive_read_free (c.a);
  kn_inflater_free (c.inf);
  kn_error_free (c.src_err);
  close (c.rootfd);
  kn_pathset_free (c.written);
  for (size_t i = 0; i < c.ndirs; i++)
    free (c.dirs[i].path);
  free (c.dirs);
  for (size_t i = 0; i < c.nrestore; i++)
    free (c.restore[i].path);
  free (c.restore);
  free (c.buf);
  if (stats)
    *stats = c.stats;
  return ret;
}

int
kn_layer_apply_blob (struct kn_store *store, const char *digest, const char *root,
                     const struct kn_layer_apply_opts *opts, struct kn_layer_apply_stats *stats,
                     struct kn_error **err)
{
  struct kn_reader *r = NULL;
  int ret = kn_store_open_blob (store, digest, &r, NULL, err);
  if (ret < 0)
    return ret;
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  if (opts)
    o = *opts;
  if (o.name == NULL)
    o.name = digest;
  ret = kn_layer_apply (root, r, &o, stats, err);
  kn_reader_free (r);
  return ret;
}
