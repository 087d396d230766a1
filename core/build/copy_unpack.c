/* ADD of a local tar archive: detection from the bytes and extraction into
 * the destination directory with in-root checks (no whiteouts). */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/copy_int.h"
#include "core/layer/changeset.h"
#include "core/util/cancel.h"

#define CHUNK (128 * 1024)

static struct archive *
new_reader (void)
{
  struct archive *a = archive_read_new ();
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_bzip2 (a);
  archive_read_support_filter_xz (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  return a;
}

int
kn_copy_is_archive (int fd)
{
  if (lseek (fd, 0, SEEK_SET) < 0)
    return 0;
  struct archive *a = new_reader ();
  struct archive_entry *e;
  int ok = archive_read_open_fd (a, fd, CHUNK) == ARCHIVE_OK && archive_read_next_header (a, &e) == ARCHIVE_OK;
  archive_read_free (a);
  lseek (fd, 0, SEEK_SET);
  return ok;
}

struct data_fill
{
  struct archive *a;
  struct archive_entry *e;
  const char *name, *entry;
  la_int64_t size;
};

static int
fill_from_archive (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime;
  struct data_fill *d = payload;
  const void *buf;
  size_t size;
  la_int64_t off;
  for (;;)
    {
      int r = archive_read_data_block (d->a, &buf, &size, &off);
      if (r == ARCHIVE_EOF)
        {
          /* a sparse file may end with a hole */
          if (d->size > 0 && ftruncate (fd, (off_t)d->size) < 0)
            return kn_error_make (err, KN_EIO, errno, "%s: entry %s: truncate", d->name, d->entry);
          return 0;
        }
      if (r < ARCHIVE_WARN)
        return kn_error_make (err, KN_EPROTO, 0, "%s: entry %s: %s", d->name, d->entry, archive_error_string (d->a));
      while (size > 0)
        {
          ssize_t n = pwrite (fd, buf, size, off);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              return kn_error_make (err, kn_error_code_from_errno (errno), errno, "%s: entry %s: write", d->name,
                                    d->entry);
            }
          buf = (const char *)buf + n;
          size -= (size_t)n;
          off += n;
        }
    }
}

/* xattrs of the entry (SCHILY.xattr.*); failures ignored like BuildKit/Docker. */
static int
set_xattrs (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime, (void)err;
  struct data_fill *d = payload;
  const char *name;
  const void *value;
  size_t size;
  archive_entry_xattr_reset (d->e);
  while (archive_entry_xattr_next (d->e, &name, &value, &size) == ARCHIVE_OK)
    fsetxattr (fd, name, value, size, 0);
  return 0;
}

static int
extract_entry (struct kn_copy_ctx *c, struct archive *a, struct archive_entry *e, const char *name,
               const char *dest_dir, struct kn_error **err)
{
  const char *ename = archive_entry_pathname (e);
  if (!ename)
    return kn_error_make (err, KN_EPROTO, 0, "%s: entry without a name", name);
  kn_cleanup_free char *clean = kn_layer_path_clean (ename[0] == '/' ? ename + 1 : ename);
  if (!clean)
    return kn_error_make (err, KN_EPERM, 0, "%s: entry %s: path escapes the destination", name, ename);
  if (clean[0] == '\0')
    return 0;
  kn_cleanup_free char *lex = kn_copy_join (dest_dir, clean);
  /* The parent is resolved (symlinks inside the root followed, missing
     directories created); the last component is never followed. */
  kn_cleanup_free char *target = NULL;
  struct stat st;
  int r = kn_copy_resolve (c, c->dst_rootfd, lex, KN_COPY_R_MKPARENTS, &target, &st, err);
  if (r < 0)
    return kn_error_wrap (err, "%s: entry %s", name, ename);
  if (target[0] == '\0')
    return 0;
  mode_t mode = archive_entry_mode (e);
  uid_t uid = c->chown_set ? c->uid : (uid_t)archive_entry_uid (e);
  gid_t gid = c->chown_set ? c->gid : (gid_t)archive_entry_gid (e);
  struct timespec mt = { archive_entry_mtime (e), archive_entry_mtime_nsec (e) };
  mt = kn_copy_mtime (c, mt);
  const char *hl = archive_entry_hardlink (e);
  if (hl)
    {
      kn_cleanup_free char *hclean = kn_layer_path_clean (hl[0] == '/' ? hl + 1 : hl);
      if (!hclean)
        return kn_error_make (err, KN_EPERM, 0, "%s: entry %s: link target %s escapes the destination", name, ename,
                              hl);
      kn_cleanup_free char *hlex = kn_copy_join (dest_dir, hclean);
      kn_cleanup_free char *htarget = NULL;
      struct stat hst;
      r = kn_copy_resolve (c, c->dst_rootfd, hlex, 0, &htarget, &hst, err);
      if (r < 0)
        return kn_error_wrap (err, "%s: entry %s", name, ename);
      if (hst.st_mode == 0 || S_ISDIR (hst.st_mode))
        return kn_error_make (err, KN_EPROTO, 0, "%s: entry %s: bad hardlink target %s", name, ename, hl);
      if (strcmp (htarget, target) == 0)
        return 0;
      if (st.st_mode != 0)
        {
          if (S_ISDIR (st.st_mode))
            return kn_error_make (err, KN_EINVAL, EISDIR, "%s: entry %s", name, ename);
          unlinkat (c->dst_rootfd, target, 0);
        }
      if (linkat (c->dst_rootfd, htarget, c->dst_rootfd, target, 0) < 0)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "%s: entry %s: link", name, ename);
      return kn_copy_record (c, target, err);
    }
  switch (mode & S_IFMT)
    {
    case S_IFDIR:
      return kn_copy_make_dir (c, target, mode, uid, gid, mt, true, err);
    case S_IFLNK:
      return kn_copy_write_symlink (c, target, archive_entry_symlink (e) ? archive_entry_symlink (e) : "", uid, gid, mt,
                                    err);
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
      return kn_copy_write_node (c, target, mode, archive_entry_rdev (e), uid, gid, mt, err);
    case S_IFREG:
    case 0:
      {
        struct data_fill d = { a, e, name, ename, archive_entry_size (e) };
        return kn_copy_write_file (c, target, mode, uid, gid, mt, fill_from_archive, set_xattrs, &d, err);
      }
    default:
      return 0;
    }
}

int
kn_copy_extract (struct kn_copy_ctx *c, int fd, const char *name, const char *dest_dir, struct kn_error **err)
{
  if (lseek (fd, 0, SEEK_SET) < 0)
    return kn_error_make (err, KN_EIO, errno, "%s: seek", name);
  struct archive *a = new_reader ();
  int r = 0;
  c->replace_dirs = true;
  if (archive_read_open_fd (a, fd, CHUNK) != ARCHIVE_OK)
    {
      r = kn_error_make (err, KN_EPROTO, 0, "%s: %s", name, archive_error_string (a));
      goto out;
    }
  for (;;)
    {
      if (kn_cancel_requested (c->req->cancel))
        {
          r = kn_error_make (err, KN_ECANCELED, 0, "%s: cancelled", name);
          break;
        }
      struct archive_entry *e;
      int ar = archive_read_next_header (a, &e);
      if (ar == ARCHIVE_EOF)
        break;
      if (ar < ARCHIVE_WARN)
        {
          r = kn_error_make (err, KN_EPROTO, 0, "%s: %s", name, archive_error_string (a));
          break;
        }
      r = extract_entry (c, a, e, name, dest_dir, err);
      if (r < 0)
        break;
    }
out:
  c->replace_dirs = false;
  archive_read_free (a);
  return r;
}
