/* User-namespace id maps, written by the parent while the child waits (the
 * maps must exist before the child goes on, or it cannot mount or exec as
 * root of its namespace).  Root maps every id to itself; a user with an
 * /etc/subuid range gets it through the setuid helpers newuidmap and
 * newgidmap; anyone else gets a single mapping (self -> 0) with setgroups
 * denied, as `unshare --map-root-user` does. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "plugins/runner/userns-map.h"

extern char **environ;

/* The range of NAME or ID in FILE ("name:start:count"); 1 when found. */
static int
find_subid (const char *file, const char *name, unsigned long id, unsigned long *start, unsigned long *count)
{
  kn_cleanup_fclose FILE *f = fopen (file, "re");
  char line[512];
  if (f == NULL)
    return 0;
  while (fgets (line, sizeof line, f))
    {
      char *save = NULL;
      char *who = strtok_r (line, ":\n", &save);
      char *s = strtok_r (NULL, ":\n", &save);
      char *n = strtok_r (NULL, ":\n", &save);
      if (who == NULL || s == NULL || n == NULL)
        continue;
      char *end;
      unsigned long w = strtoul (who, &end, 10);
      int match = (name && strcmp (who, name) == 0) || (*end == '\0' && end != who && w == id);
      if (!match)
        continue;
      *start = strtoul (s, NULL, 10);
      *count = strtoul (n, NULL, 10);
      if (*count > 0)
        return 1;
    }
  return 0;
}

/* The first executable NAME in /usr/bin, /bin, /usr/sbin, /sbin, into OUT. */
static int
find_helper (const char *name, char *out, size_t size)
{
  static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin" };
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    {
      snprintf (out, size, "%s/%s", dirs[i], name);
      if (access (out, X_OK) == 0)
        return 1;
    }
  return 0;
}

void
kn_userns_plan_init (struct kn_userns_plan *p)
{
  memset (p, 0, sizeof *p);
  p->uid = geteuid ();
  p->gid = getegid ();
  if (p->uid == 0)
    {
      p->kind = KN_USERNS_IDENTITY;
      return;
    }
  char buf[4096];
  struct passwd pw, *res = NULL;
  const char *name = NULL;
  if (getpwuid_r (p->uid, &pw, buf, sizeof buf, &res) == 0 && res)
    name = res->pw_name;
  if (find_subid ("/etc/subuid", name, p->uid, &p->subuid, &p->subuid_n)
      && find_subid ("/etc/subgid", name, p->uid, &p->subgid, &p->subgid_n)
      && find_helper ("newuidmap", p->newuidmap, sizeof p->newuidmap)
      && find_helper ("newgidmap", p->newgidmap, sizeof p->newgidmap))
    {
      p->kind = KN_USERNS_SUBID;
      return;
    }
  p->kind = KN_USERNS_SINGLE;
  p->groups_denied = 1;
}

static int
write_file (pid_t pid, const char *file, const char *text, struct kn_error **err)
{
  kn_cleanup_free char *path = kn_xasprintf ("/proc/%ld/%s", (long) pid, file);
  kn_cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  size_t n = strlen (text);
  if (fd < 0 || write (fd, text, n) != (ssize_t) n)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "user namespace: write \"%.*s\" to %s",
                          (int) strcspn (text, "\n"), text, path);
  return 0;
}

/* Run HELPER PID 0 ID 1 1 START COUNT and wait for it. */
static int
run_helper (const char *helper, pid_t pid, unsigned long id, unsigned long start, unsigned long count,
            struct kn_error **err)
{
  char a[5][32];
  snprintf (a[0], sizeof a[0], "%ld", (long) pid);
  snprintf (a[1], sizeof a[1], "%lu", id);
  snprintf (a[2], sizeof a[2], "%lu", start);
  snprintf (a[3], sizeof a[3], "%lu", count);
  char *argv[] = { (char *) helper, a[0], (char *) "0", a[1], (char *) "1", (char *) "1", a[2], a[3], NULL };
  pid_t child;
  int r = posix_spawn (&child, helper, NULL, NULL, argv, environ);
  if (r != 0)
    return kn_error_make (err, kn_error_code_from_errno (r), r, "user namespace: run %s", helper);
  int status;
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return kn_error_make (err, KN_EIO, errno, "user namespace: wait for %s", helper);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return kn_error_make (err, KN_EPERM, 0, "user namespace: %s %s 0 %lu 1 1 %lu %lu failed (status %d)", helper,
                          a[0], id, start, count, status);
  return 0;
}

int
kn_userns_write_maps (const struct kn_userns_plan *p, pid_t pid, struct kn_error **err)
{
  int r;
  switch (p->kind)
    {
    case KN_USERNS_IDENTITY:
      if ((r = write_file (pid, "uid_map", "0 0 4294967295\n", err)) < 0)
        return r;
      return write_file (pid, "gid_map", "0 0 4294967295\n", err);
    case KN_USERNS_SUBID:
      if ((r = run_helper (p->newuidmap, pid, p->uid, p->subuid, p->subuid_n, err)) < 0)
        return r;
      return run_helper (p->newgidmap, pid, p->gid, p->subgid, p->subgid_n, err);
    case KN_USERNS_SINGLE:
    default:
      {
        kn_cleanup_free char *um = kn_xasprintf ("0 %lu 1\n", (unsigned long) p->uid);
        kn_cleanup_free char *gm = kn_xasprintf ("0 %lu 1\n", (unsigned long) p->gid);
        if ((r = write_file (pid, "setgroups", "deny", err)) < 0 || (r = write_file (pid, "uid_map", um, err)) < 0)
          return r;
        return write_file (pid, "gid_map", gm, err);
      }
    }
}

/* The integer in FILE, or -1. */
static long
read_sysctl (const char *file)
{
  kn_cleanup_fclose FILE *f = fopen (file, "re");
  long v;
  if (f == NULL || fscanf (f, "%ld", &v) != 1)
    return -1;
  return v;
}

char *
kn_userns_why_not (int errnum)
{
  if (read_sysctl ("/proc/sys/kernel/unprivileged_userns_clone") == 0 && geteuid () != 0)
    return kn_xasprintf ("user namespaces are disabled for unprivileged users (%s): "
                         "sysctl kernel.unprivileged_userns_clone=0; set it to 1",
                         strerror (errnum));
  if (read_sysctl ("/proc/sys/user/max_user_namespaces") == 0)
    return kn_xasprintf ("user namespaces are disabled (%s): sysctl user.max_user_namespaces=0", strerror (errnum));
  if (read_sysctl ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1 && geteuid () != 0)
    return kn_xasprintf ("AppArmor restricts unprivileged user namespaces (%s): "
                         "sysctl kernel.apparmor_restrict_unprivileged_userns=1",
                         strerror (errnum));
  return kn_xasprintf ("cannot create a user namespace (%s): is kaniko in a container whose seccomp profile "
                       "forbids it, or inside a chroot?",
                       strerror (errnum));
}
