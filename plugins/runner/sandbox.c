/* The parent side of a RUN step: check the spec, create the mount targets the
 * root lacks (remembering them and their directories' times), clone the
 * child into its namespaces, write the user-namespace maps, wait (polling
 * the cancel token), then remove every target it created so the root is
 * left exactly as the command left it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "plugins/runner/sandbox.h"
#include "plugins/runner/userns-map.h"

/* An entry the parent created in the root, removed after the run. */
struct sb_created {
  char *path;
  int is_dir;
  dev_t dev;
  ino_t ino;
};

/* A directory of the root whose times the parent may have to put back. */
struct sb_dirtime {
  char *path;
  struct timespec before[2]; /* atime, mtime before any creation */
  struct timespec after;     /* mtime once every target exists */
  struct timespec pre;       /* mtime after the run, before clean-up */
};

struct sb_state {
  int rootfd;
  struct sb_created *created;
  size_t n_created;
  struct sb_dirtime *dirs;
  size_t n_dirs;
};

static pid_t
raw_clone (unsigned long flags)
{
#if defined(__s390__) || defined(__CRIS__)
  return (pid_t) syscall (SYS_clone, 0UL, flags | SIGCHLD);
#else
  return (pid_t) syscall (SYS_clone, flags | SIGCHLD, 0UL, 0UL, 0UL, 0UL);
#endif
}

/* "sh -c echo hi" for messages (malloc'd, shortened). */
static char *
describe (const struct kn_run_spec *s)
{
  size_t cap = 160, n = 0;
  char *d = kn_xmalloc (cap + 4);
  for (size_t i = 0; s->argv && s->argv[i] && n < cap; i++)
    {
      int w = snprintf (d + n, cap + 1 - n, "%s%s", i ? " " : "", s->argv[i]);
      n = w < 0 ? n : (n + (size_t) w > cap ? cap : n + (size_t) w);
    }
  d[n] = '\0';
  if (n == cap)
    strcpy (d + n, "...");
  return d;
}

static void
state_free (struct sb_state *st)
{
  for (size_t i = 0; i < st->n_created; i++)
    free (st->created[i].path);
  for (size_t i = 0; i < st->n_dirs; i++)
    free (st->dirs[i].path);
  free (st->created);
  free (st->dirs);
  if (st->rootfd >= 0)
    close (st->rootfd);
  memset (st, 0, sizeof *st);
  st->rootfd = -1;
}

static int
stat_in_root (int rootfd, const char *path, struct stat *out)
{
  int fd = kn_sb_open_in_root (rootfd, path, O_PATH);
  if (fd < 0)
    return fd;
  int r = fstat (fd, out) < 0 ? -errno : 0;
  close (fd);
  return r;
}

/* Remember the times of every existing directory on the way to PATH. */
static void
remember_dirs (struct sb_state *st, const char *path)
{
  kn_cleanup_free char *buf = kn_xstrdup (path);
  size_t len = strlen (buf);
  for (size_t i = 0; i < len; i++)
    {
      if (buf[i] != '/' || (i > 0 && buf[i - 1] == '/'))
        continue;
      char saved = buf[i + 1];
      buf[i + 1] = '\0'; /* "/", "/a/", "/a/b/" */
      if (i + 1 < len)
        {
          struct stat sb;
          int known = 0;
          for (size_t k = 0; k < st->n_dirs; k++)
            known |= strcmp (st->dirs[k].path, buf) == 0;
          if (!known && stat_in_root (st->rootfd, buf, &sb) == 0 && S_ISDIR (sb.st_mode))
            {
              st->dirs = kn_xrealloc (st->dirs, (st->n_dirs + 1) * sizeof *st->dirs);
              struct sb_dirtime *d = &st->dirs[st->n_dirs++];
              memset (d, 0, sizeof *d);
              d->path = kn_xstrdup (buf);
              d->before[0] = sb.st_atim;
              d->before[1] = sb.st_mtim;
            }
        }
      buf[i + 1] = saved;
    }
}

static void
on_created (void *data, int parent_fd, const char *name, const char *path, int is_dir)
{
  struct sb_state *st = data;
  struct stat sb;
  if (fstatat (parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    return;
  st->created = kn_xrealloc (st->created, (st->n_created + 1) * sizeof *st->created);
  struct sb_created *c = &st->created[st->n_created++];
  c->path = kn_xstrdup (path);
  c->is_dir = is_dir;
  c->dev = sb.st_dev;
  c->ino = sb.st_ino;
}

static int
ts_eq (struct timespec a, struct timespec b)
{
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Record the mtime of every remembered directory into AFTER (or PRE). */
static void
snapshot_dirs (struct sb_state *st, int pre)
{
  for (size_t i = 0; i < st->n_dirs; i++)
    {
      struct stat sb;
      struct timespec t = { -1, -1 };
      if (stat_in_root (st->rootfd, st->dirs[i].path, &sb) == 0)
        t = sb.st_mtim;
      if (pre)
        st->dirs[i].pre = t;
      else
        st->dirs[i].after = t;
    }
}

/* Remove what the parent created (newest first) when it is still the empty
 * entry it made, then put back the times of directories the command did not
 * touch.  Best effort: a target the command filled is its own change. */
static void
cleanup_targets (struct sb_state *st)
{
  snapshot_dirs (st, 1);
  for (size_t i = st->n_created; i-- > 0;)
    {
      struct sb_created *c = &st->created[i];
      char *slash = strrchr (c->path, '/');
      kn_cleanup_free char *dir = kn_xstrndup (c->path, (size_t) (slash - c->path) + 1);
      kn_cleanup_close int dfd = kn_sb_open_in_root (st->rootfd, dir, O_PATH | O_DIRECTORY);
      struct stat sb;
      if (dfd < 0 || fstatat (dfd, slash + 1, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (sb.st_dev != c->dev || sb.st_ino != c->ino)
        continue;
      if (c->is_dir && S_ISDIR (sb.st_mode))
        unlinkat (dfd, slash + 1, AT_REMOVEDIR); /* ENOTEMPTY: the command wrote there; keep */
      else if (!c->is_dir && S_ISREG (sb.st_mode) && sb.st_size == 0)
        unlinkat (dfd, slash + 1, 0);
    }
  for (size_t i = st->n_dirs; i-- > 0;)
    {
      struct sb_dirtime *d = &st->dirs[i];
      if (ts_eq (d->before[1], d->after) || !ts_eq (d->after, d->pre))
        continue; /* not changed by us, or changed by the command too */
      kn_cleanup_close int fd = kn_sb_open_in_root (st->rootfd, d->path, O_PATH | O_DIRECTORY);
      if (fd < 0)
        continue;
      char p[40];
      snprintf (p, sizeof p, "/proc/self/fd/%d", fd);
      utimensat (AT_FDCWD, p, d->before, 0);
    }
}

/* Create TARGET in the root unless it exists; OPTIONAL targets that cannot
 * exist (dangling symlink, parent not a directory) are skipped. */
static int
prepare_target (struct sb_state *st, const char *target, int is_dir, int optional, struct kn_error **err)
{
  remember_dirs (st, target);
  int fd = kn_sb_mkpath (st->rootfd, target, is_dir, is_dir ? 0755 : 0644, on_created, st);
  if (fd >= 0)
    {
      close (fd);
      return 0;
    }
  if (optional)
    return 0;
  return kn_error_make (err, kn_error_code_from_errno (-fd), -fd, "mount target %s", target);
}

/* mkdir -p DIR on the host for a cache mount; new directories get UID:GID. */
static int
make_cache_dir (const char *dir, uid_t uid, gid_t gid, mode_t mode, struct kn_error **err)
{
  kn_cleanup_free char *buf = kn_xstrdup (dir);
  size_t len = strlen (buf);
  for (size_t i = 1; i <= len; i++)
    {
      if (buf[i] != '/' && buf[i] != '\0')
        continue;
      char saved = buf[i];
      buf[i] = '\0';
      if (mkdir (buf, i == len && mode ? mode : 0755) == 0)
        {
          if (chown (buf, uid, gid) < 0)
            return kn_error_make (err, kn_error_code_from_errno (errno), errno, "cache %s: chown", buf);
        }
      else if (errno != EEXIST)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "cache %s: mkdir", buf);
      buf[i] = saved;
    }
  return 0;
}

/* Every mount target the child will need, created now by the parent so that
 * it knows what to remove afterwards. */
static int
prepare_root (struct sb_state *st, const struct kn_run_spec *s, struct kn_error **err)
{
  int r;
  if ((r = prepare_target (st, "/proc", 1, 0, err)) < 0 || (r = prepare_target (st, "/dev", 1, 0, err)) < 0
      || (r = prepare_target (st, "/sys", 1, 1, err)) < 0
      || (r = prepare_target (st, "/etc/hosts", 0, 1, err)) < 0
      || (r = prepare_target (st, "/etc/resolv.conf", 0, 1, err)) < 0)
    return r;
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const struct kn_mount_spec *m = &s->mounts[i];
      int is_dir = 1;
      struct stat sb;
      if (m->target == NULL || m->target[0] != '/')
        return kn_error_make (err, KN_EINVAL, 0, "mount %zu: target \"%s\" is not an absolute path", i + 1,
                              m->target ? m->target : "");
      switch (m->type)
        {
        case KN_MOUNT_CACHE:
          if (m->source == NULL)
            return kn_error_make (err, KN_EINVAL, 0, "cache mount %s: no source directory", m->target);
          if ((r = make_cache_dir (m->source, m->uid, m->gid, m->mode, err)) < 0)
            return r;
          break;
        case KN_MOUNT_BIND:
        case KN_MOUNT_FILE:
          if (m->source == NULL || stat (m->source, &sb) < 0)
            return kn_error_make (err, m->source ? kn_error_code_from_errno (errno) : KN_EINVAL,
                                  m->source ? errno : 0, "mount %s: source %s", m->target,
                                  m->source ? m->source : "(none)");
          is_dir = S_ISDIR (sb.st_mode);
          break;
        case KN_MOUNT_SECRET:
          if (m->source == NULL || access (m->source, R_OK) < 0)
            return kn_error_make (err, m->source ? kn_error_code_from_errno (errno) : KN_EINVAL,
                                  m->source ? errno : 0, "secret %s: source %s", m->target,
                                  m->source ? m->source : "(none)");
          is_dir = 0;
          break;
        case KN_MOUNT_TMPFS:
          break;
        default:
          return kn_error_make (err, KN_EINVAL, 0, "mount %s: unknown mount type %d", m->target, (int) m->type);
        }
      if ((r = prepare_target (st, m->target, is_dir, 0, err)) < 0)
        return r;
    }
  snapshot_dirs (st, 0);
  return 0;
}

/* Wait for PID, polling CANCEL; SIGKILL it on cancel.  With KILL_GROUP the
 * process group PID is killed once the child has exited (inplace: what it
 * left behind).  Returns 0, or -errno. */
static int
wait_child (pid_t pid, const struct kn_cancel *cancel, int kill_group, int *status, int *canceled)
{
  kn_cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  for (;;)
    {
      siginfo_t si;
      memset (&si, 0, sizeof si);
      if (waitid (P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      if (si.si_pid == pid)
        break;
      if (!*canceled && kn_cancel_requested (cancel))
        {
          *canceled = 1;
          kill (pid, SIGKILL);
          if (kill_group)
            killpg (pid, SIGKILL);
        }
      if (pidfd >= 0)
        {
          struct pollfd p = { pidfd, POLLIN, 0 };
          poll (&p, 1, cancel ? 100 : -1);
        }
      else
        {
          struct timespec ts = { 0, 20 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
    }
  if (kill_group)
    killpg (pid, SIGKILL); /* the zombie leader keeps the group id from being reused */
  for (;;)
    {
      pid_t r = waitpid (pid, status, 0);
      if (r == pid)
        return 0;
      if (r < 0 && errno != EINTR)
        return -errno;
    }
}

/* Read the child's report until EOF (exec or exit), polling CANCEL: a
 * child stuck in its setup is killed on cancel.  1 with *rep filled when it
 * failed. */
static int
read_report (int fd, struct kn_sb_report *rep, pid_t pid, const struct kn_cancel *cancel, int *canceled)
{
  size_t got = 0;
  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int n = poll (&p, 1, cancel ? 100 : -1);
      if (n < 0 && errno != EINTR)
        break;
      if (n <= 0)
        {
          if (!*canceled && kn_cancel_requested (cancel))
            {
              *canceled = 1;
              kill (pid, SIGKILL);
            }
          continue;
        }
      ssize_t r = read (fd, (char *) rep + got, sizeof *rep - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t) r;
      if (got == sizeof *rep)
        break;
    }
  if (got == sizeof *rep)
    {
      rep->msg[sizeof rep->msg - 1] = '\0';
      return 1;
    }
  return 0;
}

static int
check_spec (const struct kn_run_spec *s, struct kn_error **err)
{
  if (s == NULL || s->size < sizeof *s)
    return kn_error_make (err, KN_EINVAL, 0, "run spec: size %u, expected %zu", s ? s->size : 0, sizeof *s);
  if (s->argv == NULL || s->argv[0] == NULL || s->argv[0][0] == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "RUN: empty command");
  if (s->workdir && s->workdir[0] && s->workdir[0] != '/')
    return kn_error_make (err, KN_EINVAL, 0, "RUN: workdir \"%s\" is not absolute", s->workdir);
  return 0;
}

int
kn_sb_run (const char *name, enum kn_sb_mode mode, const struct kn_run_spec *s, int *exit_status,
           struct kn_error **err)
{
  int r = check_spec (s, err);
  if (r < 0)
    return kn_error_wrap (err, "%s runner", name);
  kn_cleanup_free char *what = describe (s);
  kn_cleanup_free char *root = NULL;
  struct sb_state st = { .rootfd = -1 };
  struct kn_sb_child c;
  memset (&c, 0, sizeof c);
  c.spec = s;
  c.mode = mode;
  c.sync_fd = -1;
  c.err_fd = -1;
  const char *caps = kn_plugin_config_get (s->config, "capabilities");
  c.keep_caps = caps && strcmp (caps, "all") == 0;
  if (s->hostname)
    snprintf (c.hostname_line, sizeof c.hostname_line, "127.0.1.1\t%s\n", s->hostname);

  if (mode == KN_SB_INPLACE)
    {
      if (s->root && ((root = realpath (s->root, NULL)) == NULL || strcmp (root, "/") != 0))
        return kn_error_make (err, KN_EINVAL, 0, "%s runner: RUN %s: runs in / only, not in %s", name, what, s->root);
      if (s->n_mounts)
        return kn_error_make (err, KN_ENOTSUP, 0, "%s runner: RUN %s: --mount needs the chroot or userns runner",
                              name, what);
      free (root);
      root = kn_xstrdup ("/");
      c.new_pgrp = 1;
    }
  else
    {
      root = s->root ? realpath (s->root, NULL) : NULL;
      if (root == NULL)
        return kn_error_make (err, s->root ? kn_error_code_from_errno (errno) : KN_EINVAL, s->root ? errno : 0,
                              "%s runner: RUN %s: root %s", name, what, s->root ? s->root : "(none)");
      st.rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (st.rootfd < 0)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "%s runner: RUN %s: root %s", name,
                              what, root);
      if ((r = prepare_root (&st, s, err)) < 0)
        {
          cleanup_targets (&st);
          state_free (&st);
          return kn_error_wrap (err, "%s runner: RUN %s in %s", name, what, root);
        }
    }
  c.root = root;

  struct kn_userns_plan plan;
  memset (&plan, 0, sizeof plan);
  if (mode == KN_SB_USERNS)
    {
      kn_userns_plan_init (&plan);
      c.groups_denied = plan.groups_denied;
    }

  int errp[2] = { -1, -1 }, syncp[2] = { -1, -1 };
  if (pipe2 (errp, O_CLOEXEC) < 0 || (mode == KN_SB_USERNS && pipe2 (syncp, O_CLOEXEC) < 0))
    {
      r = kn_error_make (err, KN_EIO, errno, "%s runner: RUN %s: pipe", name, what);
      goto out_pipes;
    }
  c.err_fd = errp[1];
  c.sync_fd = syncp[0];

  unsigned long flags = 0;
  if (mode != KN_SB_INPLACE)
    flags |= CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  if (mode == KN_SB_USERNS)
    flags |= CLONE_NEWUSER;
  if (s->network == KN_NETWORK_NONE)
    flags |= CLONE_NEWNET;

  pid_t pid = raw_clone (flags);
  if (pid == 0)
    kn_sb_child_main (&c);
  if (pid < 0)
    {
      int e = errno;
      r = kn_error_make (err, kn_error_code_from_errno (e), e, "%s runner: RUN %s in %s: create the %s", name, what,
                         root, mode == KN_SB_INPLACE ? "process" : "namespaces");
      goto out_pipes;
    }
  close (errp[1]);
  errp[1] = -1;
  if (syncp[0] >= 0)
    {
      close (syncp[0]);
      syncp[0] = -1;
    }

  if (mode == KN_SB_USERNS)
    {
      r = kn_userns_write_maps (&plan, pid, err);
      char go = 1;
      if (r == 0 && write (syncp[1], &go, 1) != 1)
        r = kn_error_make (err, KN_EIO, errno, "start the child");
      close (syncp[1]);
      syncp[1] = -1;
      if (r < 0)
        {
          int status, canceled = 1;
          kill (pid, SIGKILL);
          wait_child (pid, NULL, 0, &status, &canceled);
          kn_error_wrap (err, "%s runner: RUN %s in %s", name, what, root);
          goto out_pipes;
        }
    }

  struct kn_sb_report rep;
  int status = 0, canceled = 0;
  int failed = read_report (errp[0], &rep, pid, s->cancel, &canceled);
  int w = wait_child (pid, s->cancel, mode == KN_SB_INPLACE, &status, &canceled);
  if (exit_status)
    *exit_status = status;
  if (failed)
    r = kn_error_make (err, rep.errnum ? kn_error_code_from_errno (rep.errnum) : KN_EINVAL, rep.errnum,
                       "%s runner: RUN %s in %s: %s", name, what, root, rep.msg);
  else if (w < 0)
    r = kn_error_make (err, KN_EIO, -w, "%s runner: RUN %s in %s: wait", name, what, root);
  else if (canceled)
    r = kn_error_make (err, KN_ECANCELED, 0, "%s runner: RUN %s in %s: cancelled", name, what, root);
  else
    r = 0;

out_pipes:
  for (int i = 0; i < 2; i++)
    {
      if (errp[i] >= 0)
        close (errp[i]);
      if (syncp[i] >= 0)
        close (syncp[i]);
    }
  if (mode != KN_SB_INPLACE)
    cleanup_targets (&st);
  state_free (&st);
  return r;
}

/* The probe child: what a run needs first (private mounts, a fresh /proc in
 * the new PID namespace).  Exits 0, or with the errno that stopped it. */
static void __attribute__ ((noreturn))
probe_child (int sync_fd)
{
  char b;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (sync_fd >= 0 && read (sync_fd, &b, 1) != 1)
    _exit (EPIPE);
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    _exit (errno & 0xff ? errno & 0xff : EPERM);
  _exit (0);
}

int
kn_sb_usable (enum kn_sb_mode mode, char **why)
{
  if (mode == KN_SB_INPLACE)
    return 1;
  unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  struct kn_userns_plan plan;
  int syncp[2] = { -1, -1 };
  if (mode == KN_SB_USERNS)
    {
      flags |= CLONE_NEWUSER;
      kn_userns_plan_init (&plan);
      if (pipe2 (syncp, O_CLOEXEC) < 0)
        {
          if (why)
            *why = kn_xasprintf ("pipe: %s", strerror (errno));
          return 0;
        }
    }
  pid_t pid = raw_clone (flags);
  if (pid == 0)
    probe_child (syncp[0]);
  int e = errno;
  if (syncp[0] >= 0)
    close (syncp[0]);
  if (pid < 0)
    {
      if (syncp[1] >= 0)
        close (syncp[1]);
      if (why == NULL)
        return 0;
      if (mode == KN_SB_USERNS)
        *why = kn_userns_why_not (e);
      else
        *why = kn_xasprintf ("cannot create mount and PID namespaces (%s)%s", strerror (e),
                             geteuid () != 0 ? ": the chroot runner needs root (CAP_SYS_ADMIN); use "
                                               "--runner=userns for rootless builds"
                                             : ": is kaniko in a container without CAP_SYS_ADMIN or with a "
                                               "seccomp profile forbidding unshare?");
      return 0;
    }
  kn_cleanup_free char *map_error = NULL;
  if (mode == KN_SB_USERNS)
    {
      struct kn_error *err = NULL;
      char go = 1;
      if (kn_userns_write_maps (&plan, pid, &err) < 0)
        {
          map_error = kn_xstrdup (err->msg);
          kn_error_free (err);
          kill (pid, SIGKILL);
        }
      else if (write (syncp[1], &go, 1) != 1)
        kill (pid, SIGKILL);
      close (syncp[1]);
    }
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      break;
  if (map_error)
    {
      if (why)
        *why = KN_STEAL (map_error);
      return 0;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 1;
  if (why)
    *why = kn_xasprintf ("cannot mount a fresh /proc in new %snamespaces (%s): is /proc partly masked "
                         "(an unprivileged container)?",
                         mode == KN_SB_USERNS ? "user " : "",
                         WIFEXITED (status) ? strerror (WEXITSTATUS (status)) : "killed");
  return 0;
}
