/* In-root path resolution: see resolve.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/layer/resolve.h"

#define MAX_SYMLINKS 40

/* 1 unknown, 2 available, 0 not available. */
static int openat2_state = 1;
static int force_walk;

void
kn_resolve_force_walk (int on)
{
  force_walk = on;
}

static int
sys_openat2 (int dirfd, const char *path, struct open_how *how)
{
#ifdef SYS_openat2
  return (int) syscall (SYS_openat2, dirfd, path, how, sizeof *how);
#else
  errno = ENOSYS;
  return -1;
#endif
}

int
kn_resolve_have_openat2 (void)
{
  if (force_walk)
    return 0;
  if (openat2_state == 1)
    {
      struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                              .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
      int fd = sys_openat2 (AT_FDCWD, "/", &how);
      if (fd >= 0)
        {
          close (fd);
          openat2_state = 2;
        }
      else
        openat2_state = (errno == ENOSYS || errno == EPERM || errno == EINVAL || errno == E2BIG) ? 0 : 2;
    }
  return openat2_state == 2;
}

static int
errno_error (struct kn_error **err, int errnum, const char *what, const char *path)
{
  int code = kn_error_code_from_errno (errnum);
  if (errnum == ELOOP || errnum == EXDEV)
    code = KN_EPERM;
  return kn_error_make (err, code, errnum, "%s \"%s\" in the root", what, path);
}

/* The portable walk: a stack of directory fds from the root down. */
static int
walk (int rootfd, const char *path, int flags, struct kn_error **err)
{
  size_t cap = 16, depth = 0;
  kn_cleanup_free int *stack = kn_xmalloc (cap * sizeof *stack);
  kn_cleanup_free char *rest = kn_xstrdup (path);
  char *p = rest;
  int links = 0, ret;

  stack[0] = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (stack[0] < 0)
    return errno_error (err, errno, "open root for", path);

  for (;;)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      char *slash = strchr (p, '/');
      char *next = slash ? slash + 1 : p + strlen (p);
      if (slash)
        *slash = '\0';
      if (strcmp (p, ".") == 0)
        {
          p = next;
          continue;
        }
      if (strcmp (p, "..") == 0)
        {
          if (depth > 0)
            close (stack[depth--]);
          p = next;
          continue;
        }
      int fd = openat (stack[depth], p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && (flags & KN_RESOLVE_CREATE))
        {
          if (mkdirat (stack[depth], p, 0755) < 0 && errno != EEXIST)
            {
              ret = errno_error (err, errno, "create directory", path);
              goto fail;
            }
          fd = openat (stack[depth], p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      if (fd >= 0)
        {
          if (depth + 1 == cap)
            {
              cap *= 2;
              stack = kn_xrealloc (stack, cap * sizeof *stack);
            }
          stack[++depth] = fd;
          p = next;
          continue;
        }
      int saved = errno;
      struct stat st;
      if ((saved == ELOOP || saved == ENOTDIR) && fstatat (stack[depth], p, &st, AT_SYMLINK_NOFOLLOW) == 0
          && S_ISLNK (st.st_mode))
        {
          if (flags & KN_RESOLVE_NOFOLLOW)
            {
              ret = kn_error_make (err, KN_EPERM, 0, "\"%s\": symlink \"%s\" on the way", path, p);
              goto fail;
            }
          if (++links > MAX_SYMLINKS)
            {
              ret = errno_error (err, ELOOP, "resolve", path);
              goto fail;
            }
          char target[PATH_MAX];
          ssize_t n = readlinkat (stack[depth], p, target, sizeof target - 1);
          if (n < 0)
            {
              ret = errno_error (err, errno, "read symlink in", path);
              goto fail;
            }
          target[n] = '\0';
          if (target[0] == '/')
            while (depth > 0)
              close (stack[depth--]);
          char *joined = kn_xasprintf ("%s/%s", target, slash ? next : "");
          free (rest);
          rest = joined;
          p = rest;
          continue;
        }
      ret = errno_error (err, saved, "resolve", path);
      goto fail;
    }

  for (size_t i = 0; i < depth; i++)
    close (stack[i]);
  return stack[depth];

fail:
  for (size_t i = 0; i <= depth; i++)
    close (stack[i]);
  return ret;
}

int
kn_resolve_dir (int rootfd, const char *path, int flags, struct kn_error **err)
{
  if (kn_resolve_have_openat2 ())
    {
      struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                              .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
      if (flags & KN_RESOLVE_NOFOLLOW)
        how.resolve |= RESOLVE_NO_SYMLINKS;
      for (int tries = 0; tries < 8; tries++)
        {
          int fd = sys_openat2 (rootfd, path[0] ? path : ".", &how);
          if (fd >= 0)
            return fd;
          if (errno == EAGAIN || errno == EINTR)
            continue;
          if (errno == ENOENT && (flags & KN_RESOLVE_CREATE))
            break; /* the walk creates what is missing */
          if (errno == ELOOP && (flags & KN_RESOLVE_NOFOLLOW))
            return kn_error_make (err, KN_EPERM, 0, "\"%s\": symlink on the way", path);
          if (errno == ENOSYS)
            {
              openat2_state = 0;
              break;
            }
          return errno_error (err, errno, "resolve", path);
        }
    }
  return walk (rootfd, path, flags, err);
}

int
kn_resolve_parent (int rootfd, const char *path, int flags, char **base, struct kn_error **err)
{
  const char *slash = strrchr (path, '/');
  const char *name = slash ? slash + 1 : path;
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return kn_error_make (err, KN_EINVAL, 0, "\"%s\": not a path to an entry", path);
  kn_cleanup_free char *parent = slash ? kn_xstrndup (path, (size_t) (slash - path)) : kn_xstrdup ("");
  int fd = kn_resolve_dir (rootfd, parent, flags, err);
  if (fd < 0)
    return fd;
  *base = kn_xstrdup (name);
  return fd;
}

int
kn_resolve_remove_all (int parentfd, const char *name, struct kn_error **err)
{
  struct stat st;
  if (fstatat (parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "stat \"%s\"", name);
    }
  if (S_ISDIR (st.st_mode))
    {
      int fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open directory \"%s\"", name);
      kn_cleanup_dir DIR *d = fdopendir (fd);
      if (d == NULL)
        {
          close (fd);
          return kn_error_make (err, KN_EIO, errno, "read directory \"%s\"", name);
        }
      struct dirent *de;
      int fixed_mode = 0;
      while ((errno = 0, de = readdir (d)) != NULL)
        {
          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
            continue;
          if (!fixed_mode)
            {
              /* A read-only directory of a lower layer must still be emptied. */
              if (geteuid () != 0)
                fchmod (dirfd (d), 0700);
              fixed_mode = 1;
            }
          int ret = kn_resolve_remove_all (dirfd (d), de->d_name, err);
          if (ret < 0)
            return kn_error_wrap (err, "%s", name);
        }
      if (unlinkat (parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "remove directory \"%s\"", name);
      return 0;
    }
  if (unlinkat (parentfd, name, 0) < 0 && errno != ENOENT)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "remove \"%s\"", name);
  return 0;
}
