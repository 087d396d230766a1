/* The last part of every runner's child, already in its final root: standard
 * streams, working directory, identity, then exec with a PATH lookup in the
 * step's own environment.  Runs after a raw clone() or fork(): no
 * allocation, only system calls and formatting into stack buffers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plugins/runner/sandbox.h"

/* The 32-bit id calls where the plain ones take 16-bit ids (i386, arm). */
#ifdef SYS_setgroups32
#define KN_SYS_SETGROUPS SYS_setgroups32
#define KN_SYS_SETRESGID SYS_setresgid32
#define KN_SYS_SETRESUID SYS_setresuid32
#else
#define KN_SYS_SETGROUPS SYS_setgroups
#define KN_SYS_SETRESGID SYS_setresgid
#define KN_SYS_SETRESUID SYS_setresuid
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void
kn_sb_fail (const struct kn_sb_child *c, int errnum, const char *fmt, ...)
{
  struct kn_sb_report r;
  va_list ap;
  memset (&r, 0, sizeof r);
  r.errnum = errnum;
  va_start (ap, fmt);
  vsnprintf (r.msg, sizeof r.msg, fmt, ap);
  va_end (ap);
  if (c->err_fd >= 0)
    {
      ssize_t w = write (c->err_fd, &r, sizeof r);
      (void) w;
    }
  _exit (KN_SB_SETUP_FAILED);
}

/* Print "kaniko: MSG" on the step's stderr (fd 2) like a shell would. */
static void
say (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void
say (const char *fmt, ...)
{
  char buf[PATH_MAX + 256];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n >= sizeof buf)
    n = (int) sizeof buf - 1;
  ssize_t w = write (2, buf, (size_t) n);
  (void) w;
}

/* Point fds 0, 1, 2 at the spec's streams (stdin -1 = /dev/null, others -1 = inherit). */
static void
setup_stdio (const struct kn_sb_child *c)
{
  const struct kn_run_spec *s = c->spec;
  int fds[3] = { s->stdin_fd, s->stdout_fd, s->stderr_fd };
  if (fds[0] < 0)
    {
      fds[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fds[0] < 0)
        kn_sb_fail (c, errno, "open /dev/null");
    }
  /* Move every source above 2 first so that dup2 never clobbers a later one. */
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0 && (fds[i] = fcntl (fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
      kn_sb_fail (c, errno, "duplicate the stdio descriptors");
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0 && dup2 (fds[i], i) < 0)
      kn_sb_fail (c, errno, "dup2 onto fd %d", i);
}

/* mkdir -p DIR (absolute, in the current root); new directories get UID:GID. */
static void
make_workdir (const struct kn_sb_child *c, const char *dir)
{
  char buf[PATH_MAX];
  size_t len = strlen (dir);
  if (dir[0] != '/' || len >= sizeof buf)
    kn_sb_fail (c, EINVAL, "workdir %s: not an absolute path", dir);
  memcpy (buf, dir, len + 1);
  for (size_t i = 1; i <= len; i++)
    {
      if (buf[i] != '/' && buf[i] != '\0')
        continue;
      if (buf[i - 1] == '/')
        continue;
      char saved = buf[i];
      buf[i] = '\0';
      if (mkdir (buf, 0755) == 0)
        {
          if (chown (buf, c->spec->uid, c->spec->gid) < 0)
            kn_sb_fail (c, errno, "workdir %s: chown %u:%u", buf, (unsigned) c->spec->uid, (unsigned) c->spec->gid);
        }
      else if (errno != EEXIST)
        kn_sb_fail (c, errno, "workdir %s: mkdir %s", dir, buf);
      buf[i] = saved;
    }
  if (chdir (dir) < 0)
    kn_sb_fail (c, errno, "workdir %s", dir);
}

/* setgroups, setresgid, setresuid as raw system calls: the C library's
 * wrappers broadcast the change to the threads the parent had, which this
 * cloned child does not have, and can wait for them forever. */
static void
switch_identity (const struct kn_sb_child *c)
{
  const struct kn_run_spec *s = c->spec;
  if (syscall (KN_SYS_SETGROUPS, s->n_groups, s->n_groups ? s->groups : NULL) < 0
      && !(c->groups_denied && errno == EPERM))
    kn_sb_fail (c, errno, "setgroups (%zu groups)", s->n_groups);
  if (syscall (KN_SYS_SETRESGID, s->gid, s->gid, s->gid) < 0)
    kn_sb_fail (c, errno, "setgid %u%s", (unsigned) s->gid,
                c->mode == KN_SB_USERNS ? " (is it mapped in the user namespace? see /etc/subgid)" : "");
  if (syscall (KN_SYS_SETRESUID, s->uid, s->uid, s->uid) < 0)
    kn_sb_fail (c, errno, "setuid %u%s", (unsigned) s->uid,
                c->mode == KN_SB_USERNS ? " (is it mapped in the user namespace? see /etc/subuid)" : "");
}

/* The value of NAME in ENVP, or NULL. */
static const char *
env_get (const char *const *envp, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; envp && envp[i]; i++)
    if (strncmp (envp[i], name, n) == 0 && envp[i][n] == '=')
      return envp[i] + n + 1;
  return NULL;
}

/* Mark every descriptor above 2 close-on-exec. */
static void
cloexec_all (void)
{
  if (syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  long max = sysconf (_SC_OPEN_MAX);
  if (max < 0 || max > 65536)
    max = 65536;
  for (int fd = 3; fd < max; fd++)
    fcntl (fd, F_SETFD, FD_CLOEXEC);
}

/* Report a failed exec of WHAT like a shell and exit 127 or 126. */
static void __attribute__ ((noreturn))
exec_failed (const char *what, int errnum, int searched)
{
  if (errnum == ENOENT && searched)
    {
      say ("kaniko: %s: command not found (executable file not found in $PATH)\n", what);
      _exit (127);
    }
  if (errnum == ENOENT)
    {
      struct stat st;
      if (lstat (what, &st) == 0)
        say ("kaniko: %s: no such file or directory (is its interpreter or loader missing?)\n", what);
      else
        say ("kaniko: %s: not found\n", what);
      _exit (127);
    }
  const char *desc = strerrordesc_np (errnum); /* strerror may lock (translations) */
  say ("kaniko: %s: %s\n", what, desc ? desc : "exec failed");
  _exit (126);
}

static void __attribute__ ((noreturn))
exec_argv (const struct kn_run_spec *s)
{
  const char *file = s->argv[0];
  char *const *argv = (char *const *) s->argv;
  static const char *const no_env[] = { NULL };
  char *const *envp = (char *const *) (s->envp ? s->envp : no_env);
  if (strchr (file, '/'))
    {
      execve (file, argv, envp);
      exec_failed (file, errno, 0);
    }
  const char *path = env_get (s->envp, "PATH");
  if (path == NULL)
    path = KN_SB_DEFAULT_PATH;
  size_t flen = strlen (file);
  int seen_eacces = 0;
  for (const char *p = path;; p++)
    {
      const char *end = strchrnul (p, ':');
      size_t dlen = (size_t) (end - p);
      char buf[PATH_MAX];
      if (dlen + flen + 2 <= sizeof buf)
        {
          if (dlen)
            memcpy (buf, p, dlen);
          else
            buf[dlen++] = '.'; /* an empty PATH element is the working directory */
          buf[dlen] = '/';
          memcpy (buf + dlen + 1, file, flen + 1);
          execve (buf, argv, envp);
          switch (errno)
            {
            case EACCES:
              seen_eacces = 1;
              break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ENODEV:
            case ETIMEDOUT:
            case ELOOP:
            case ENAMETOOLONG:
              break;
            default:
              exec_failed (buf, errno, 0);
            }
        }
      p = end;
      if (*p == '\0')
        break;
    }
  exec_failed (file, seen_eacces ? EACCES : ENOENT, 1);
}

void
kn_sb_exec (const struct kn_sb_child *c)
{
  const struct kn_run_spec *s = c->spec;
  if (c->new_pgrp && setpgid (0, 0) < 0)
    kn_sb_fail (c, errno, "setpgid");
  setup_stdio (c);
  make_workdir (c, s->workdir && *s->workdir ? s->workdir : "/");
  switch_identity (c);
  cloexec_all ();
  exec_argv (s);
}
