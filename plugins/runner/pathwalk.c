/* Paths inside a root: resolve with openat2(RESOLVE_IN_ROOT) so that no
 * symlink or ".." leads outside it, and create missing components.  Used by
 * the parent (mount targets) and by the cloned child, so nothing here
 * allocates. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plugins/runner/sandbox.h"

int
kn_sb_open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how;
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  memset (&how, 0, sizeof how);
  how.flags = (unsigned long long) (flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do
    fd = syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : (int) fd;
}

/* Create NAME in directory DIRFD as a directory or an empty file with MODE. */
static int
make_entry (int dirfd, const char *name, int is_dir, mode_t mode)
{
  if (is_dir)
    return mkdirat (dirfd, name, mode) < 0 ? -errno : 0;
  int fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return -errno;
  close (fd);
  return 0;
}

int
kn_sb_mkpath (int rootfd, const char *path, int last_dir, mode_t mode, kn_sb_created_fn created, void *data)
{
  char buf[PATH_MAX];
  size_t len = strlen (path);
  if (path[0] != '/' || len >= sizeof buf)
    return -EINVAL;

  /* buf holds the prefix walked so far ("/a/b"); the parent directory stays open. */
  int parent = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
  if (parent < 0)
    return -errno;
  size_t blen = 0;
  const char *p = path;
  buf[0] = '\0';
  for (;;)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        return parent; /* PATH is the root itself, or ended with '/' after the last component */
      const char *end = strchrnul (p, '/');
      size_t n = (size_t) (end - p);
      const char *rest = end;
      while (*rest == '/')
        rest++;
      int last = *rest == '\0';
      if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        {
          close (parent);
          return -EINVAL; /* targets are plain absolute paths */
        }
      buf[blen] = '/';
      memcpy (buf + blen + 1, p, n);
      blen += n + 1;
      buf[blen] = '\0';

      int fd = kn_sb_open_in_root (rootfd, buf, O_PATH);
      if (fd == -ENOENT)
        {
          char name[NAME_MAX + 1];
          int is_dir = last ? last_dir : 1;
          if (n > NAME_MAX)
            {
              close (parent);
              return -ENAMETOOLONG;
            }
          memcpy (name, p, n);
          name[n] = '\0';
          int r = make_entry (parent, name, is_dir, last ? mode : 0755);
          if (r < 0)
            {
              close (parent);
              return r; /* EEXIST here: a dangling symlink */
            }
          if (created)
            created (data, parent, name, buf, is_dir);
          fd = kn_sb_open_in_root (rootfd, buf, O_PATH);
        }
      close (parent);
      if (fd < 0 || last)
        return fd;
      parent = fd;
      p = end;
    }
}
