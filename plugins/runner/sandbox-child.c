/* The cloned child of the chroot and userns runners, inside its new
 * namespaces: make every mount private, bind the root onto itself, mount a
 * fresh /proc, a minimal /dev, private copies of /etc/hosts and
 * /etc/resolv.conf, the step's --mount's, then pivot_root into the root and
 * hand over to kn_sb_exec().  All mounts live in the child's mount
 * namespace and vanish with it.  Mount targets are resolved inside the root
 * (openat2 RESOLVE_IN_ROOT) and mounted through /proc/self/fd, so no
 * symlink in the root can redirect a mount onto the host.  No allocation
 * here (raw clone from a threaded process). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plugins/runner/sandbox.h"

/* "/proc/self/fd/N" in a stack buffer. */
struct fdpath {
  char s[40];
};

static struct fdpath
fdpath (int fd)
{
  struct fdpath p;
  snprintf (p.s, sizeof p.s, "/proc/self/fd/%d", fd);
  return p;
}

/* Unblock every signal and give each its default action.  Raw
 * rt_sigaction: the C library refuses its own real-time signals (32, 33),
 * which a parent may have left ignored.  An all-zero kernel sigaction is
 * SIG_DFL, no flags, empty mask on every architecture. */
static void
reset_signals (void)
{
  sigset_t set;
  long ksa[16];
  sigemptyset (&set);
  sigprocmask (SIG_SETMASK, &set, NULL);
  memset (ksa, 0, sizeof ksa);
  for (int sig = 1; sig < _NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      syscall (SYS_rt_sigaction, sig, ksa, NULL, (size_t) (_NSIG - 1) / 8);
}

/* Resolve (creating when missing) TARGET in the root; fail the child on error. */
static int
target_fd (const struct kn_sb_child *c, int rootfd, const char *target, int is_dir, mode_t mode, const char *what)
{
  int fd = kn_sb_mkpath (rootfd, target, is_dir, mode, NULL, NULL);
  if (fd < 0)
    kn_sb_fail (c, -fd, "%s: mount target %s", what, target);
  return fd;
}

/* Remount the mount at TARGET (inside the root) read-only, keeping its locked flags. */
static void
remount_ro (const struct kn_sb_child *c, int rootfd, const char *target)
{
  int fd = kn_sb_open_in_root (rootfd, target, O_PATH);
  if (fd < 0)
    kn_sb_fail (c, -fd, "remount %s read-only", target);
  struct fdpath p = fdpath (fd);
  struct statvfs sv;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (statvfs (p.s, &sv) == 0)
    {
      if (sv.f_flag & ST_NOSUID)
        flags |= MS_NOSUID;
      if (sv.f_flag & ST_NODEV)
        flags |= MS_NODEV;
      if (sv.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
      if (sv.f_flag & ST_NOATIME)
        flags |= MS_NOATIME;
      if (sv.f_flag & ST_NODIRATIME)
        flags |= MS_NODIRATIME;
      if (sv.f_flag & ST_RELATIME)
        flags |= MS_RELATIME;
    }
  if (mount (NULL, p.s, NULL, flags, NULL) < 0)
    kn_sb_fail (c, errno, "remount %s read-only", target);
  close (fd);
}

/* Bind SOURCE (an fd path or a host path) onto the O_PATH fd TFD. */
static void
bind_onto (const struct kn_sb_child *c, const char *source, int tfd, const char *target, int recursive)
{
  struct fdpath p = fdpath (tfd);
  if (mount (source, p.s, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
    kn_sb_fail (c, errno, "bind mount %s on %s", source, target);
}

static void
mount_proc (const struct kn_sb_child *c, int rootfd)
{
  int fd = target_fd (c, rootfd, "/proc", 1, 0555, "proc");
  struct fdpath p = fdpath (fd);
  if (mount ("proc", p.s, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    kn_sb_fail (c, errno, "mount proc on /proc");
  close (fd);
}

/* Docker's masked and read-only paths of /proc: what a root process could
 * use to reach the host (sysrq-trigger, kcore, /proc/sys).  Paths the
 * kernel does not have are skipped. */
static void
mask_proc (const struct kn_sb_child *c, int rootfd)
{
  static const char *const masked[] = { "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
                                        "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug" };
  static const char *const empty[] = { "/proc/acpi", "/proc/scsi" };
  static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
  for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++)
    {
      int fd = kn_sb_open_in_root (rootfd, masked[i], O_PATH);
      if (fd < 0)
        continue;
      bind_onto (c, "/dev/null", fd, masked[i], 0);
      close (fd);
    }
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
    {
      int fd = kn_sb_open_in_root (rootfd, empty[i], O_PATH | O_DIRECTORY);
      if (fd < 0)
        continue;
      struct fdpath p = fdpath (fd);
      if (mount ("tmpfs", p.s, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
        kn_sb_fail (c, errno, "mask %s", empty[i]);
      close (fd);
    }
  for (size_t i = 0; i < sizeof readonly / sizeof readonly[0]; i++)
    {
      int fd = kn_sb_open_in_root (rootfd, readonly[i], O_PATH);
      if (fd < 0)
        continue;
      struct fdpath p = fdpath (fd);
      if (mount (p.s, p.s, NULL, MS_BIND | MS_REC, NULL) < 0)
        kn_sb_fail (c, errno, "bind %s onto itself", readonly[i]);
      close (fd);
      remount_ro (c, rootfd, readonly[i]);
    }
}

/* A fresh read-only sysfs at /sys when the kernel allows one here (root,
 * or a user namespace that owns its network namespace); else /sys is left
 * as the root has it. */
static void
mount_sys (int rootfd)
{
  int fd = kn_sb_open_in_root (rootfd, "/sys", O_PATH | O_DIRECTORY);
  if (fd < 0)
    return;
  struct fdpath p = fdpath (fd);
  mount ("sysfs", p.s, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  close (fd);
}

/* A tmpfs /dev with the usual nodes bound from the host, pts, shm and links.
 * Returns an fd of the new /dev. */
static int
mount_dev (const struct kn_sb_child *c, int rootfd)
{
  static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
  static const char *const links[][2] = {
    { "fd", "/proc/self/fd" },         { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },   { "ptmx", "pts/ptmx" },         { "core", "/proc/kcore" },
  };
  int fd = target_fd (c, rootfd, "/dev", 1, 0755, "dev");
  struct fdpath p = fdpath (fd);
  if (mount ("tmpfs", p.s, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
    kn_sb_fail (c, errno, "mount tmpfs on /dev");
  close (fd);
  int dev = kn_sb_open_in_root (rootfd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0)
    kn_sb_fail (c, -dev, "open /dev");
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
    {
      char host[32];
      struct stat st;
      snprintf (host, sizeof host, "/dev/%s", nodes[i]);
      if (stat (host, &st) < 0 || !S_ISCHR (st.st_mode))
        continue; /* the host has none: leave it out */
      int nfd = openat (dev, nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (nfd < 0)
        kn_sb_fail (c, errno, "create /dev/%s", nodes[i]);
      close (nfd);
      nfd = openat (dev, nodes[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (nfd < 0)
        kn_sb_fail (c, errno, "open /dev/%s", nodes[i]);
      bind_onto (c, host, nfd, host, 0);
      close (nfd);
    }
  if (mkdirat (dev, "pts", 0755) < 0 || mkdirat (dev, "shm", 01777) < 0)
    kn_sb_fail (c, errno, "mkdir /dev/pts, /dev/shm");
  int pfd = openat (dev, "pts", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pfd >= 0)
    {
      p = fdpath (pfd);
      /* gid=5 (tty) may be unmapped in a user namespace: then without it.
       * Some sandboxes forbid a new devpts instance: leave /dev/pts empty. */
      if (mount ("devpts", p.s, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
        mount ("devpts", p.s, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
      close (pfd);
    }
  int sfd = openat (dev, "shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (sfd < 0)
    kn_sb_fail (c, errno, "open /dev/shm");
  p = fdpath (sfd);
  if (mount ("shm", p.s, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
    kn_sb_fail (c, errno, "mount tmpfs on /dev/shm");
  close (sfd);
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i][1], dev, links[i][0]) < 0)
      kn_sb_fail (c, errno, "symlink /dev/%s", links[i][0]);
  return dev;
}

/* Copy the host file SRC into the open file DST; 0, or -errno (-ENOENT: no SRC). */
static int
copy_into (const char *src, int dst)
{
  char buf[8192];
  int in = open (src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return -errno;
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : 0;
          close (in);
          return -e;
        }
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (dst, buf + off, (size_t) (n - off));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              int e = errno;
              close (in);
              return -e;
            }
          off += w;
        }
    }
}

static void
write_all (const struct kn_sb_child *c, int fd, const char *s, const char *what)
{
  size_t n = strlen (s);
  while (n > 0)
    {
      ssize_t w = write (fd, s, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        kn_sb_fail (c, errno, "write %s", what);
      s += w;
      n -= (size_t) w;
    }
}

/* Create file NAME in the staging tmpfs; returns a writable fd. */
static int
stage_create (const struct kn_sb_child *c, int stage, const char *name, mode_t mode)
{
  int fd = openat (stage, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    kn_sb_fail (c, errno, "create staging file %s", name);
  return fd;
}

/* Bind the staged file NAME onto TARGET; TFD is the target's O_PATH fd. */
static void
stage_bind (const struct kn_sb_child *c, int stage, const char *name, int tfd, const char *target)
{
  int sfd = openat (stage, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0)
    kn_sb_fail (c, errno, "open staging file %s", name);
  struct fdpath p = fdpath (sfd);
  bind_onto (c, p.s, tfd, target, 0);
  close (sfd);
}

/* A private, writable copy of the host's /etc/hosts and /etc/resolv.conf:
 * what the step writes there is thrown away, as with Docker. */
static void
etc_files (const struct kn_sb_child *c, int rootfd, int stage)
{
  static const char default_hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  int fd = stage_create (c, stage, "hosts", 0644);
  if (copy_into ("/etc/hosts", fd) < 0)
    write_all (c, fd, default_hosts, "hosts");
  write_all (c, fd, c->hostname_line, "hosts");
  close (fd);
  fd = stage_create (c, stage, "resolv.conf", 0644);
  copy_into ("/etc/resolv.conf", fd); /* none on the host: an empty one */
  close (fd);

  static const char *const files[][2] = { { "hosts", "/etc/hosts" }, { "resolv.conf", "/etc/resolv.conf" } };
  for (size_t i = 0; i < 2; i++)
    {
      /* A root where the file cannot exist (a dangling symlink, /etc a file)
       * goes without: the parent could not create a target either. */
      int tfd = kn_sb_mkpath (rootfd, files[i][1], 0, 0644, NULL, NULL);
      if (tfd < 0)
        continue;
      struct stat st;
      if (fstat (tfd, &st) == 0 && S_ISREG (st.st_mode))
        stage_bind (c, stage, files[i][0], tfd, files[i][1]);
      close (tfd);
    }
}

static void
user_mount (const struct kn_sb_child *c, int rootfd, int stage, size_t i)
{
  const struct kn_mount_spec *m = &c->spec->mounts[i];
  const char *t = m->target;
  struct stat st;
  int tfd;
  if (t == NULL || t[0] != '/')
    kn_sb_fail (c, EINVAL, "mount %zu: target \"%s\" is not an absolute path", i + 1, t ? t : "");
  switch (m->type)
    {
    case KN_MOUNT_BIND:
    case KN_MOUNT_CACHE:
    case KN_MOUNT_FILE:
      if (m->source == NULL || stat (m->source, &st) < 0)
        kn_sb_fail (c, m->source ? errno : EINVAL, "mount %s: source %s", t, m->source ? m->source : "(none)");
      tfd = target_fd (c, rootfd, t, S_ISDIR (st.st_mode), 0644, "mount");
      bind_onto (c, m->source, tfd, t, 1);
      close (tfd);
      if (m->readonly)
        remount_ro (c, rootfd, t);
      break;
    case KN_MOUNT_TMPFS:
      {
        char opts[96];
        int n = snprintf (opts, sizeof opts, "mode=%o", m->mode ? m->mode : 01777);
        if (m->uid || m->gid)
          snprintf (opts + n, sizeof opts - (size_t) n, ",uid=%u,gid=%u", (unsigned) m->uid, (unsigned) m->gid);
        tfd = target_fd (c, rootfd, t, 1, 0755, "tmpfs");
        struct fdpath p = fdpath (tfd);
        if (mount ("tmpfs", p.s, "tmpfs", MS_NOSUID | MS_NODEV | (m->readonly ? MS_RDONLY : 0), opts) < 0)
          kn_sb_fail (c, errno, "mount tmpfs on %s", t);
        close (tfd);
        break;
      }
    case KN_MOUNT_SECRET:
      {
        char name[32];
        snprintf (name, sizeof name, "secret-%zu", i);
        int fd = stage_create (c, stage, name, 0600);
        int r = m->source ? copy_into (m->source, fd) : -EINVAL;
        if (r < 0)
          kn_sb_fail (c, -r, "secret %s: read %s", t, m->source ? m->source : "(no source)");
        if (fchmod (fd, m->mode ? m->mode : 0400) < 0 || fchown (fd, m->uid, m->gid) < 0)
          kn_sb_fail (c, errno, "secret %s: owner %u:%u mode %o", t, (unsigned) m->uid, (unsigned) m->gid,
                      m->mode ? m->mode : 0400);
        close (fd);
        tfd = target_fd (c, rootfd, t, 0, 0400, "secret");
        stage_bind (c, stage, name, tfd, t);
        close (tfd);
        remount_ro (c, rootfd, t);
        break;
      }
    default:
      kn_sb_fail (c, EINVAL, "mount %s: unknown mount type %d", t, (int) m->type);
    }
}

static void
loopback_up (const struct kn_sb_child *c)
{
  struct ifreq ifr;
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    kn_sb_fail (c, errno, "network none: socket");
  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    kn_sb_fail (c, errno, "network none: get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    kn_sb_fail (c, errno, "network none: bring lo up");
  close (s);
}

/* Keep Docker's default capability set (the bounding set limits what the
 * command gets at exec, even as root); clear the inheritable and ambient sets. */
static void
drop_capabilities (const struct kn_sb_child *c)
{
  static const int keep[] = { CAP_CHOWN,    CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                              CAP_MKNOD,    CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                              CAP_SETFCAP,  CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                              CAP_KILL,     CAP_AUDIT_WRITE };
  for (int cap = 0; cap < 64; cap++)
    {
      int kept = 0;
      for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        kept |= keep[i] == cap;
      if (kept)
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
          if (errno == EINVAL)
            break; /* past the kernel's last capability */
          kn_sb_fail (c, errno, "drop capability %d", cap);
        }
    }
  prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  if (syscall (SYS_capget, &hdr, data) == 0)
    {
      data[0].inheritable = data[1].inheritable = 0;
      syscall (SYS_capset, &hdr, data);
    }
}

/* pivot_root into ROOTFD (chroot where the current root cannot be pivoted, as on an initramfs). */
static void
enter_root (const struct kn_sb_child *c, int rootfd)
{
  if (fchdir (rootfd) < 0)
    kn_sb_fail (c, errno, "chdir %s", c->root);
  if (syscall (SYS_pivot_root, ".", ".") == 0)
    {
      if (umount2 (".", MNT_DETACH) < 0)
        kn_sb_fail (c, errno, "detach the old root");
    }
  else if (errno != EINVAL || chroot (".") < 0)
    kn_sb_fail (c, errno, "pivot_root into %s", c->root);
  if (chdir ("/") < 0)
    kn_sb_fail (c, errno, "chdir /");
}

void
kn_sb_child_main (const struct kn_sb_child *c)
{
  const struct kn_run_spec *s = c->spec;
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  reset_signals ();
  umask (022);
  if (c->sync_fd >= 0)
    {
      char b;
      ssize_t r;
      do
        r = read (c->sync_fd, &b, 1);
      while (r < 0 && errno == EINTR);
      if (r != 1)
        _exit (KN_SB_SETUP_FAILED); /* the parent gave up */
      close (c->sync_fd);
    }
  if (c->mode == KN_SB_INPLACE)
    {
      if (s->network == KN_NETWORK_NONE)
        loopback_up (c);
      kn_sb_exec (c);
    }

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    kn_sb_fail (c, errno, "make mounts private");
  if (mount (c->root, c->root, NULL, MS_BIND | MS_REC, NULL) < 0)
    kn_sb_fail (c, errno, "bind %s onto itself", c->root);
  int rootfd = open (c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    kn_sb_fail (c, errno, "open %s", c->root);

  mount_proc (c, rootfd);
  mask_proc (c, rootfd);
  mount_sys (rootfd);
  int dev = mount_dev (c, rootfd);

  /* A private tmpfs for the files bound into the root (hosts, secrets): it
   * is detached from /dev once they are bound, so the command never sees it
   * and nothing of it is written to disk. */
  if (mkdirat (dev, ".kn-stage", 0700) < 0)
    kn_sb_fail (c, errno, "mkdir /dev/.kn-stage");
  int sfd = openat (dev, ".kn-stage", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0)
    kn_sb_fail (c, errno, "open /dev/.kn-stage");
  struct fdpath sp = fdpath (sfd);
  if (mount ("tmpfs", sp.s, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=16384k") < 0)
    kn_sb_fail (c, errno, "mount the staging tmpfs");
  close (sfd);
  int stage = openat (dev, ".kn-stage", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (stage < 0)
    kn_sb_fail (c, errno, "open the staging tmpfs");

  etc_files (c, rootfd, stage);
  for (size_t i = 0; i < s->n_mounts; i++)
    user_mount (c, rootfd, stage, i);

  sp = fdpath (stage);
  if (umount2 (sp.s, MNT_DETACH) < 0)
    kn_sb_fail (c, errno, "detach the staging tmpfs");
  close (stage);
  if (unlinkat (dev, ".kn-stage", AT_REMOVEDIR) < 0)
    kn_sb_fail (c, errno, "rmdir /dev/.kn-stage");
  close (dev);

  if (s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0)
    kn_sb_fail (c, errno, "sethostname %s", s->hostname);
  if (s->network == KN_NETWORK_NONE)
    loopback_up (c);
  if (!c->keep_caps)
    drop_capabilities (c);
  enter_root (c, rootfd);
  close (rootfd);
  kn_sb_exec (c);
}
