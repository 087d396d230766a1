/* The userns runner through its vtable: as root (every id mapped to itself)
 * and as an unprivileged user (itself mapped to root, setgroups denied).
 * Skipped where user namespaces cannot be created. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/runner.h>
#include <kaniko/sys/util.h>

#include "tests/unit/test-runner-rootfs.h"

const struct kn_plugin_desc *kn_plugin_userns_get_desc (void);

static const struct kn_runner *runner;
static char *root;

static void
setup (void)
{
  runner = kn_test_runner (kn_plugin_userns_get_desc ());
  kn_test_need_usable (runner);
  root = kn_test_rootfs_new (0);
}

static void
teardown (void)
{
  kn_test_rootfs_free (root);
  root = NULL;
}

TestSuite (userns, .init = setup, .fini = teardown, .timeout = 60);

Test (userns, descriptor)
{
  cr_assert_str_eq (kn_plugin_userns_get_desc ()->name, "userns");
  cr_assert_str_eq (runner->name, "userns");
}

Test (userns, as_root_identity_map)
{
  kn_test_need_root ("this case maps every id of the host");
  kn_cleanup_free char *before = kn_test_tree_listing (root);
  const char *argv[] = { "sh", "-c", "cat /proc/self/uid_map | tr -s ' '; id -u; echo $$; exit 5", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_eq (WEXITSTATUS (res.status), 5);
  cr_assert_str_eq (res.out, " 0 0 4294967295\n0\n1\n");
  kn_cleanup_free char *after = kn_test_tree_listing (root);
  cr_assert_str_eq (after, before);
  kn_test_run_free (&res);

  /* Every id is mapped: USER nobody works. */
  const char *argv2[] = { "id", "-u", NULL };
  kn_test_spec_init (&spec, root, argv2);
  spec.uid = 65534;
  spec.gid = 65534;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "65534\n");
  kn_test_run_free (&res);
}

Test (userns, as_root_network_none_and_secret)
{
  kn_test_need_root ("this case maps every id of the host");
  char secret[] = "/tmp/kn-secret-XXXXXX";
  int fd = mkstemp (secret);
  cr_assert_eq (write (fd, "pw", 2), 2);
  close (fd);
  struct kn_mount_spec m = { .type = KN_MOUNT_SECRET, .source = secret, .target = "/run/secrets/pw" };
  const char *argv[] = { "sh", "-c", "cat /run/secrets/pw; echo; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.network = KN_NETWORK_NONE;
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  unlink (secret);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "pw\nlo\n");
  kn_cleanup_free char *run = kn_xasprintf ("%s/run", root);
  cr_assert_neq (access (run, F_OK), 0);
  kn_test_run_free (&res);
}

static int
chown_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  return lchown (path, 65534, 65534) < 0 ? -1 : 0;
}

/* What the unprivileged child reports through a pipe. */
struct rootless_result {
  int rc;
  int status;
  char out[512];
  char msg[512];
};

/* Run the rootless case as the current (unprivileged) user into R. */
static void
rootless_run (struct rootless_result *r)
{
  memset (r, 0, sizeof *r);
  char *why = NULL;
  if (!runner->usable (&why))
    {
      snprintf (r->msg, sizeof r->msg, "SKIP %s", why);
      r->rc = 1;
      free (why);
      return;
    }
  const char *argv[] = { "sh", "-c",
                         "cat /proc/self/uid_map | tr -s ' '; id -u; stat -c %u /bin/busybox;"
                         " echo made >/tmp/f; sleep 100123 >/dev/null 2>&1 & exit 4",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.workdir = "/home/build";
  kn_test_run (runner, &spec, &res);
  r->rc = res.rc;
  r->status = res.status;
  snprintf (r->out, sizeof r->out, "%s", res.out);
  snprintf (r->msg, sizeof r->msg, "%s", res.error ? res.error->msg : res.err);
  kn_test_run_free (&res);
  if (r->rc != 0)
    return;
  /* With a single mapping only root of the namespace exists: USER 1000 is a
   * setup error that says where more ids come from. */
  const char *argv2[] = { "true", NULL };
  kn_test_spec_init (&spec, root, argv2);
  spec.uid = 1000;
  spec.gid = 1000;
  kn_test_run (runner, &spec, &res);
  if (res.rc >= 0 || strstr (res.error->msg, "/etc/sub") == NULL)
    {
      r->rc = 2;
      snprintf (r->msg, sizeof r->msg, "USER 1000: rc %d: %s", res.rc, res.error ? res.error->msg : "(no error)");
    }
  kn_test_run_free (&res);
}

Test (userns, rootless_single_mapping)
{
  struct rootless_result r;
  uid_t uid = geteuid ();
  if (uid == 0)
    {
      /* Become an unprivileged user (65534) for the run, owning the root. */
      uid = 65534;
      cr_assert_eq (nftw (root, chown_entry, 32, FTW_PHYS), 0);
      int p[2];
      cr_assert_eq (pipe (p), 0);
      pid_t pid = fork ();
      cr_assert_geq (pid, 0);
      if (pid == 0)
        {
          close (p[0]);
          if (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
            _exit (90);
          prctl (PR_SET_DUMPABLE, 1, 0, 0, 0); /* as an ordinary user's process is */
          rootless_run (&r);
          _exit (write (p[1], &r, sizeof r) == (ssize_t) sizeof r ? 0 : 91);
        }
      close (p[1]);
      ssize_t n = read (p[0], &r, sizeof r);
      close (p[0]);
      int status;
      waitpid (pid, &status, 0);
      cr_assert_eq (n, (ssize_t) sizeof r, "the unprivileged child failed (status %#x)", status);
    }
  else
    rootless_run (&r);
  if (r.rc == 1 && strncmp (r.msg, "SKIP ", 5) == 0)
    cr_skip_test ("unprivileged user namespaces: %s", r.msg + 5);
  cr_assert_eq (r.rc, 0, "%s", r.msg);
  cr_assert_eq (WEXITSTATUS (r.status), 4, "status %#x: %s", r.status, r.msg);
  kn_cleanup_free char *want = kn_xasprintf (" 0 %u 1\n0\n0\n", (unsigned) uid);
  cr_assert_str_eq (r.out, want);
  cr_assert_eq (kn_test_count_processes ("sleep", "100123"), 0);
  kn_cleanup_free char *f = kn_xasprintf ("%s/tmp/f", root);
  struct stat sb;
  cr_assert_eq (stat (f, &sb), 0);
  cr_assert_eq (sb.st_uid, uid, "a file written as root of the namespace is owned by the caller");
  kn_cleanup_free char *wd = kn_xasprintf ("%s/home/build", root);
  cr_assert_eq (stat (wd, &sb), 0, "workdir not created");
  cr_assert_eq (sb.st_uid, uid);
  kn_cleanup_free char *after = kn_test_tree_listing (root);
  cr_assert_null (strstr (after, "\n/proc "), "placeholder /proc left");
  cr_assert_null (strstr (after, "\n/dev "), "placeholder /dev left");
  cr_assert_null (strstr (after, "\n/etc/hosts "), "placeholder /etc/hosts left");
  cr_assert_null (strstr (after, "\n/etc/resolv.conf "), "placeholder /etc/resolv.conf left");
}

/* Bind a file containing TEXT over PATH (in this test's private mount namespace). */
static int
overlay_file (const char *path, const char *text)
{
  char tmp[] = "/tmp/kn-subid-XXXXXX";
  int fd = mkstemp (tmp);
  if (fd < 0)
    return -1;
  ssize_t n = write (fd, text, strlen (text));
  fchmod (fd, 0644);
  close (fd);
  int r = n == (ssize_t) strlen (text) ? mount (tmp, path, NULL, MS_BIND, NULL) : -1;
  unlink (tmp);
  return r;
}

Test (userns, rootless_subordinate_ids)
{
  kn_test_need_root ("to give an unprivileged user an /etc/subuid range for the test");
  if (access ("/usr/bin/newuidmap", X_OK) < 0 || access ("/usr/bin/newgidmap", X_OK) < 0)
    cr_skip_test ("newuidmap/newgidmap are not installed (apt-get install uidmap)");
  if (access ("/etc/subuid", F_OK) < 0 || access ("/etc/subgid", F_OK) < 0)
    cr_skip_test ("no /etc/subuid or /etc/subgid to overlay");
  /* The ranges exist only in this test's private mount namespace. */
  cr_assert_eq (unshare (CLONE_NEWNS), 0, "unshare: %s", strerror (errno));
  cr_assert_eq (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
  cr_assert_eq (overlay_file ("/etc/subuid", "nobody:200000:65536\n"), 0);
  cr_assert_eq (overlay_file ("/etc/subgid", "nobody:200000:65536\n"), 0);
  cr_assert_eq (nftw (root, chown_entry, 32, FTW_PHYS), 0);
  int p[2];
  cr_assert_eq (pipe (p), 0);
  pid_t pid = fork ();
  cr_assert_geq (pid, 0);
  if (pid == 0)
    {
      struct rootless_result r;
      memset (&r, 0, sizeof r);
      close (p[0]);
      if (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
        _exit (90);
      prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
      const char *argv[] = { "sh", "-c", "tr -s ' ' </proc/self/uid_map; id -u; id -G; echo x >/tmp/by-1000", NULL };
      static const gid_t groups[] = { 100 };
      struct kn_run_spec spec;
      struct kn_test_run res;
      kn_test_spec_init (&spec, root, argv);
      spec.uid = 1000;
      spec.gid = 1000;
      spec.groups = groups;
      spec.n_groups = 1;
      kn_test_run (runner, &spec, &res);
      r.rc = res.rc;
      r.status = res.status;
      snprintf (r.out, sizeof r.out, "%s", res.out);
      snprintf (r.msg, sizeof r.msg, "%s", res.error ? res.error->msg : res.err);
      _exit (write (p[1], &r, sizeof r) == (ssize_t) sizeof r ? 0 : 91);
    }
  close (p[1]);
  struct rootless_result r;
  ssize_t n = read (p[0], &r, sizeof r);
  close (p[0]);
  int status;
  waitpid (pid, &status, 0);
  cr_assert_eq (n, (ssize_t) sizeof r, "the unprivileged child failed (status %#x)", status);
  cr_assert_eq (r.rc, 0, "%s", r.msg);
  cr_assert_eq (WEXITSTATUS (r.status), 0, "status %#x: %s", r.status, r.msg);
  cr_assert_str_eq (r.out, " 0 65534 1\n 1 200000 65536\n1000\n1000 100\n");
  kn_cleanup_free char *f = kn_xasprintf ("%s/tmp/by-1000", root);
  struct stat sb;
  cr_assert_eq (stat (f, &sb), 0);
  cr_assert_eq (sb.st_uid, 200999, "uid 1000 of the namespace is 200000 + 999 on the host");
  cr_assert_eq (sb.st_gid, 200999);
}
