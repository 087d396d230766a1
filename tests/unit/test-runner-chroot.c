/* The chroot runner through its vtable (the plugin compiled in as a builtin),
 * against a busybox root in a temporary directory.  Needs root; skipped
 * otherwise or when namespaces are not permitted here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/runner.h>
#include <kaniko/sys/util.h>

#include "core/plugin/plugins.h"
#include "core/util/cancel.h"
#include "tests/unit/test-runner-rootfs.h"

const struct kn_plugin_desc *kn_plugin_chroot_get_desc (void);

static const struct kn_runner *runner;
static char *root;

static void
setup (void)
{
  runner = kn_test_runner (kn_plugin_chroot_get_desc ());
  kn_test_need_root ("the chroot runner creates mount and PID namespaces");
  kn_test_need_usable (runner);
  root = kn_test_rootfs_new (0);
}

static void
teardown (void)
{
  kn_test_rootfs_free (root);
  root = NULL;
}

TestSuite (chroot, .init = setup, .fini = teardown, .timeout = 60);

/* Run "sh -c SCRIPT" with the default spec; asserts it ran and exited 0. */
static void
sh (const char *script, struct kn_test_run *res)
{
  const char *argv[] = { "sh", "-c", script, NULL };
  struct kn_run_spec spec;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, res);
  cr_assert_eq (res->rc, 0, "run %s: %s", script, res->error ? res->error->msg : "");
  cr_assert (WIFEXITED (res->status) && WEXITSTATUS (res->status) == 0, "%s: status %#x, stderr: %s", script,
             res->status, res->err);
}

Test (chroot, descriptor)
{
  const struct kn_plugin_desc *d = kn_plugin_chroot_get_desc ();
  cr_assert_eq (d->abi_major, KN_PLUGIN_ABI_MAJOR);
  cr_assert_str_eq (d->name, "chroot");
  cr_assert_str_eq (runner->name, "chroot");
  cr_assert_eq (runner->version, KN_RUNNER_VERSION);
}

Test (chroot, exit_status_propagated)
{
  const char *argv[] = { "sh", "-c", "exit 3", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert (WIFEXITED (res.status));
  cr_assert_eq (WEXITSTATUS (res.status), 3);
  kn_test_run_free (&res);
}

Test (chroot, stdout_through_a_pipe)
{
  int p[2];
  cr_assert_eq (pipe (p), 0);
  const char *argv[] = { "echo", "hello", "world", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.stdout_fd = p[1];
  kn_test_run (runner, &spec, &res);
  close (p[1]);
  char buf[64] = "";
  ssize_t n = read (p[0], buf, sizeof buf - 1);
  close (p[0]);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_gt (n, 0);
  cr_assert_str_eq (buf, "hello world\n");
  kn_test_run_free (&res);
}

Test (chroot, stdin_from_spec_or_dev_null)
{
  const char *argv[] = { "cat", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, &res); /* stdin -1: /dev/null, cat ends at once */
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "");
  kn_test_run_free (&res);

  int p[2];
  cr_assert_eq (pipe (p), 0);
  cr_assert_eq (write (p[1], "abc\n", 4), 4);
  close (p[1]);
  kn_test_spec_init (&spec, root, argv);
  spec.stdin_fd = p[0];
  kn_test_run (runner, &spec, &res);
  close (p[0]);
  cr_assert_str_eq (res.out, "abc\n");
  kn_test_run_free (&res);
}

Test (chroot, env_and_workdir)
{
  static const char *const env[] = { "FOO=bar baz", "PATH=/bin", NULL };
  const char *argv[] = { "sh", "-c", "echo \"$FOO\"; pwd; env | grep -c .", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.envp = env;
  spec.workdir = "/work/sub";
  spec.uid = 65534;
  spec.gid = 65534;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  /* busybox sh adds PWD, SHLVL (and keeps FOO, PATH) */
  cr_assert (strncmp (res.out, "bar baz\n/work/sub\n", 18) == 0, "got %s", res.out);
  kn_cleanup_free char *w = kn_xasprintf ("%s/work/sub", root);
  kn_cleanup_free char *w1 = kn_xasprintf ("%s/work", root);
  struct stat sb;
  cr_assert_eq (stat (w, &sb), 0, "workdir was not created");
  cr_assert_eq (sb.st_uid, 65534);
  cr_assert_eq (sb.st_gid, 65534);
  cr_assert_eq (sb.st_mode & 07777, 0755);
  cr_assert_eq (stat (w1, &sb), 0);
  cr_assert_eq (sb.st_uid, 65534);
  kn_test_run_free (&res);
}

Test (chroot, default_path_when_env_has_none)
{
  static const char *const env[] = { "FOO=1", NULL };
  const char *argv[] = { "echo", "found", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.envp = env;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "found\n");
  kn_test_run_free (&res);
}

Test (chroot, uid_gid_and_groups)
{
  static const gid_t groups[] = { 100, 65534 };
  const char *argv[] = { "sh", "-c", "id -u; id -g; id -G", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.uid = 65534;
  spec.gid = 65534;
  spec.groups = groups;
  spec.n_groups = 2;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert (strncmp (res.out, "65534\n65534\n", 12) == 0, "got %s", res.out);
  cr_assert_not_null (strstr (res.out + 12, "100"), "groups: %s", res.out);
  kn_test_run_free (&res);
}

Test (chroot, capabilities_are_dockers_defaults)
{
  struct kn_test_run res;
  sh ("grep CapBnd /proc/self/status; grep CapEff /proc/self/status", &res);
  /* CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
   * NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP */
  cr_assert_not_null (strstr (res.out, "CapBnd:\t00000000a80425fb"), "got %s", res.out);
  cr_assert_not_null (strstr (res.out, "CapEff:\t00000000a80425fb"), "got %s", res.out);
  kn_test_run_free (&res);
}

Test (chroot, capabilities_all_option)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *e = NULL;
  cr_assert_eq (kn_plugins_set_option (t, "chroot.capabilities=all", &e), 0);
  const char *argv[] = { "grep", "CapBnd", "/proc/self/status", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.config = kn_plugins_config (t, "chroot");
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  kn_cleanup_free char *status = kn_test_read_file ("/proc/self/status");
  char *bnd = strstr (status, "CapBnd:");
  cr_assert_not_null (bnd);
  bnd[strcspn (bnd, "\n") + 1] = '\0';
  cr_assert_str_eq (res.out, bnd, "the bounding set was reduced");
  kn_test_run_free (&res);
  kn_plugins_free (t);
}

Test (chroot, signals_reset)
{
  signal (SIGPIPE, SIG_IGN); /* as the kaniko CLI does for libcurl */
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigprocmask (SIG_BLOCK, &set, NULL);
  const char *argv[] = { "grep", "-E", "SigIgn|SigBlk", "/proc/self/status", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_not_null (strstr (res.out, "SigBlk:\t0000000000000000"), "got %s", res.out);
  cr_assert_not_null (strstr (res.out, "SigIgn:\t0000000000000000"), "got %s", res.out);
  kn_test_run_free (&res);
}

Test (chroot, new_pid_namespace)
{
  struct kn_test_run res;
  sh ("echo $$; ps -o pid,comm | grep -vc PID; ls /proc | grep -c '^[0-9]'", &res);
  int pid = -1, ps = -1, procs = -1;
  cr_assert_eq (sscanf (res.out, "%d %d %d", &pid, &ps, &procs), 3, "got %s", res.out);
  cr_assert_eq (pid, 1);
  cr_assert_leq (ps, 4, "ps sees %d processes: %s", ps, res.out);
  cr_assert_leq (procs, 4, "/proc has %d processes", procs);
  kn_test_run_free (&res);
}

Test (chroot, proc_masked_and_sys_read_only)
{
  const char *argv[] = { "sh", "-c",
                         "for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && wc -c <$f; done | grep -cv '^0$';"
                         " (echo h >/proc/sysrq-trigger) 2>/dev/null || echo ro1;"
                         " (echo 1 >/proc/sys/vm/drop_caches) 2>/dev/null || echo ro2; ls /sys/class/net;"
                         " (touch /sys/kn) 2>/dev/null || echo ro3",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.network = KN_NETWORK_NONE;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "0\nro1\nro2\nlo\nro3\n");
  kn_cleanup_free char *sys = kn_xasprintf ("%s/sys", root);
  cr_assert_neq (access (sys, F_OK), 0, "the /sys mount target was left in the root");
  kn_test_run_free (&res);
}

Test (chroot, dev_is_minimal_and_works)
{
  struct kn_test_run res;
  sh ("ls /dev | tr '\\n' ' '; echo x >/dev/null; head -c 5 /dev/urandom | wc -c; head -c 3 /dev/zero | wc -c;"
      " readlink /dev/fd; readlink /dev/stdin; test -d /dev/pts && test -d /dev/shm && echo dirs;"
      " echo shm >/dev/shm/f && cat /dev/shm/f",
      &res);
  cr_assert_not_null (strstr (res.out, "full null ptmx pts random shm stderr stdin stdout tty urandom zero"),
                      "got %s", res.out);
  cr_assert_null (strstr (res.out, ".kn-stage"), "the staging directory shows: %s", res.out);
  cr_assert_not_null (strstr (res.out, "zero 5\n3\n/proc/self/fd\n/proc/self/fd/0\ndirs\nshm\n"), "got %s", res.out);
  kn_test_run_free (&res);
}

Test (chroot, background_process_killed)
{
  char arg[32];
  snprintf (arg, sizeof arg, "%d", 900000 + (int) (getpid () % 99999));
  kn_cleanup_free char *script
      = kn_xasprintf ("sleep %s >/dev/null 2>&1 & (setsid sleep %s >/dev/null 2>&1 &);"
                      " for i in $(seq 200); do [ \"$(pidof sleep | wc -w)\" = 2 ] && break; usleep 10000; done;"
                      " pidof sleep | wc -w",
                      arg, arg);
  struct kn_test_run res;
  sh (script, &res);
  cr_assert_str_eq (res.out, "2\n", "the background sleeps did not start: %s", res.out);
  cr_assert_eq (kn_test_count_processes ("sleep", arg), 0, "a sleep %s survived the step", arg);
  kn_test_run_free (&res);
}

Test (chroot, network_none_has_only_lo)
{
  const char *argv[] = { "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip link show lo", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.network = KN_NETWORK_NONE;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert (strncmp (res.out, "lo\n", 3) == 0, "interfaces: %s", res.out);
  cr_assert_not_null (strstr (res.out, ",UP"), "lo is not up: %s", res.out);
  kn_test_run_free (&res);
}

Test (chroot, hostname_set)
{
  char host[256] = "";
  gethostname (host, sizeof host);
  const char *argv[] = { "sh", "-c", "hostname; grep -c kn-build /etc/hosts", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.hostname = "kn-build";
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "kn-build\n1\n");
  char after[256] = "";
  gethostname (after, sizeof after);
  cr_assert_str_eq (after, host, "the host's hostname changed");
  kn_test_run_free (&res);
}

Test (chroot, secret_mount_readable_and_gone)
{
  kn_cleanup_free char *before = kn_test_tree_listing (root);
  char secret[] = "/tmp/kn-secret-XXXXXX";
  int fd = mkstemp (secret);
  cr_assert_geq (fd, 0);
  cr_assert_eq (write (fd, "s3cr3t", 6), 6);
  close (fd);
  struct kn_mount_spec m = { .type = KN_MOUNT_SECRET, .source = secret, .target = "/run/secrets/token",
                             .uid = 65534, .gid = 0 };
  const char *argv[] = { "sh", "-c",
                         "cat /run/secrets/token; echo; stat -c '%a %u' /run/secrets/token;"
                         " (echo x >/run/secrets/token) 2>/dev/null || echo read-only",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  unlink (secret);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "s3cr3t\n400 65534\nread-only\n");
  kn_cleanup_free char *run = kn_xasprintf ("%s/run", root);
  cr_assert_neq (access (run, F_OK), 0, "/run was left in the root");
  kn_cleanup_free char *after = kn_test_tree_listing (root);
  cr_assert_str_eq (after, before);
  kn_test_run_free (&res);
}

Test (chroot, tmpfs_mount)
{
  struct kn_mount_spec m = { .type = KN_MOUNT_TMPFS, .target = "/tmp/scratch" };
  const char *argv[] = { "sh", "-c",
                         "echo hi >/tmp/scratch/f && grep -c ' /tmp/scratch tmpfs ' /proc/mounts;"
                         " stat -c %a /tmp/scratch",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "1\n1777\n");
  kn_cleanup_free char *t = kn_xasprintf ("%s/tmp/scratch", root);
  cr_assert_neq (access (t, F_OK), 0, "the tmpfs target was left in the root");
  kn_test_run_free (&res);
}

Test (chroot, bind_readonly_and_cache_mounts)
{
  kn_cleanup_free char *src = kn_xasprintf ("%s.src", root);
  kn_cleanup_free char *cache = kn_xasprintf ("%s.cache/a/b", root);
  kn_cleanup_free char *f = kn_xasprintf ("%s/f", src);
  cr_assert_eq (mkdir (src, 0755), 0);
  FILE *fp = fopen (f, "w");
  fputs ("from host\n", fp);
  fclose (fp);
  struct kn_mount_spec m[] = {
    { .type = KN_MOUNT_BIND, .source = src, .target = "/mnt/src", .readonly = 1 },
    { .type = KN_MOUNT_CACHE, .source = cache, .target = "/var/cache/apt", .uid = 65534, .gid = 65534 },
  };
  const char *argv[] = { "sh", "-c",
                         "cat /mnt/src/f; (touch /mnt/src/g) 2>/dev/null || echo ro;"
                         " echo cached >/var/cache/apt/x",
                         NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = m;
  spec.n_mounts = 2;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "from host\nro\n");
  kn_cleanup_free char *x = kn_xasprintf ("%s/x", cache);
  kn_cleanup_free char *content = kn_test_read_file (x);
  cr_assert_str_eq (content ? content : "(none)", "cached\n");
  struct stat sb;
  cr_assert_eq (stat (cache, &sb), 0);
  cr_assert_eq (sb.st_uid, 65534);
  kn_cleanup_free char *mnt = kn_xasprintf ("%s/mnt", root);
  kn_cleanup_free char *var = kn_xasprintf ("%s/var/cache", root);
  cr_assert_neq (access (mnt, F_OK), 0, "/mnt was left in the root");
  cr_assert_neq (access (var, F_OK), 0, "/var/cache was left in the root");
  unlink (f);
  rmdir (src);
  unlink (x);
  kn_cleanup_free char *c0 = kn_xasprintf ("%s.cache", root);
  kn_test_rootfs_free (kn_xstrdup (c0));
  kn_test_run_free (&res);
}

Test (chroot, root_left_exactly_as_it_was)
{
  kn_cleanup_free char *before = kn_test_tree_listing (root);
  struct kn_test_run res;
  sh ("ls -la / /dev /proc/self >/dev/null; cat /etc/hosts /etc/resolv.conf >/dev/null;"
      " echo 1.2.3.4 x >>/etc/hosts",
      &res);
  kn_cleanup_free char *after = kn_test_tree_listing (root);
  cr_assert_str_eq (after, before, "the root changed");
  kn_test_run_free (&res);

  /* What the command writes is all that changes. */
  sh ("echo new >/tmp/created", &res);
  kn_test_run_free (&res);
  kn_cleanup_free char *after2 = kn_test_tree_listing (root);
  cr_assert_not_null (strstr (after2, "\n/tmp/created 100644 0:0 4 "), "%s", after2);
  cr_assert_null (strstr (after2, "\n/proc "));
  cr_assert_null (strstr (after2, "\n/dev "));
  cr_assert_null (strstr (after2, "\n/etc/hosts "));
  cr_assert_null (strstr (after2, "\n/etc/resolv.conf "));
  /* The root directory's line (times) is untouched too. */
  size_t n = strcspn (before, "\n");
  cr_assert (strncmp (after2, before, n + 1) == 0, "/ changed");
}

Test (chroot, system_dirs_kept)
{
  kn_test_rootfs_free (root);
  root = kn_test_rootfs_new (1);
  kn_cleanup_free char *hosts = kn_xasprintf ("%s/etc/hosts", root);
  FILE *f = fopen (hosts, "w");
  fputs ("10.0.0.1 image-host\n", f);
  fclose (f);
  kn_cleanup_free char *before = kn_test_tree_listing (root);
  struct kn_test_run res;
  sh ("grep -c . /etc/hosts >/dev/null; ls -d /proc/1 /dev/null", &res);
  cr_assert_str_eq (res.out, "/dev/null\n/proc/1\n");
  kn_cleanup_free char *after = kn_test_tree_listing (root);
  cr_assert_str_eq (after, before);
  kn_cleanup_free char *content = kn_test_read_file (hosts);
  cr_assert_str_eq (content, "10.0.0.1 image-host\n", "the image's /etc/hosts was changed");
  kn_test_run_free (&res);
}

Test (chroot, host_mount_table_unchanged)
{
  /* A private copy of the mount table, so other processes mounting on the
   * host do not disturb the comparison; a leak would show here all the same. */
  cr_assert_eq (unshare (CLONE_NEWNS), 0, "unshare: %s", strerror (errno));
  cr_assert_eq (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
  kn_cleanup_free char *before = kn_test_read_file ("/proc/self/mountinfo");
  char secret[] = "/tmp/kn-secret-XXXXXX";
  int fd = mkstemp (secret);
  close (fd);
  struct kn_mount_spec m[] = {
    { .type = KN_MOUNT_SECRET, .source = secret, .target = "/run/secrets/s" },
    { .type = KN_MOUNT_TMPFS, .target = "/cache" },
    { .type = KN_MOUNT_BIND, .source = "/etc", .target = "/host-etc", .readonly = 1 },
  };
  const char *argv[] = { "sh", "-c", "cat /proc/self/mountinfo | wc -l", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = m;
  spec.n_mounts = 3;
  spec.network = KN_NETWORK_NONE;
  kn_test_run (runner, &spec, &res);
  unlink (secret);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  kn_cleanup_free char *after = kn_test_read_file ("/proc/self/mountinfo");
  cr_assert_str_eq (after, before, "the mount table changed");
  cr_assert_null (strstr (after, root), "a mount under the root is left");
  kn_test_run_free (&res);
}

Test (chroot, command_not_found_is_127)
{
  const char *argv[] = { "no-such-command", "x", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert (WIFEXITED (res.status));
  cr_assert_eq (WEXITSTATUS (res.status), 127);
  cr_assert_not_null (strstr (res.err, "no-such-command"), "stderr: %s", res.err);
  cr_assert_not_null (strstr (res.err, "not found"), "stderr: %s", res.err);
  kn_test_run_free (&res);

  const char *argv2[] = { "/bin/nope", NULL };
  kn_test_spec_init (&spec, root, argv2);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0);
  cr_assert_eq (WEXITSTATUS (res.status), 127);
  cr_assert_not_null (strstr (res.err, "/bin/nope: not found"), "stderr: %s", res.err);
  kn_test_run_free (&res);

  /* Not executable: 126, like a shell. */
  const char *argv3[] = { "/etc/passwd", NULL };
  kn_test_spec_init (&spec, root, argv3);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0);
  cr_assert_eq (WEXITSTATUS (res.status), 126);
  cr_assert_not_null (strstr (res.err, "Permission denied"), "stderr: %s", res.err);
  kn_test_run_free (&res);
}

static void *
cancel_later (void *arg)
{
  struct timespec ts = { 0, 300 * 1000 * 1000 };
  nanosleep (&ts, NULL);
  kn_cancel_request (arg);
  return NULL;
}

Test (chroot, cancel_kills_a_long_sleep)
{
  char arg[32];
  snprintf (arg, sizeof arg, "%d", 800000 + (int) (getpid () % 99999));
  const char *argv[] = { "sleep", arg, NULL };
  struct kn_cancel cancel = { 0 };
  struct kn_run_spec spec;
  struct kn_test_run res;
  pthread_t th;
  kn_test_spec_init (&spec, root, argv);
  spec.cancel = &cancel;
  cr_assert_eq (pthread_create (&th, NULL, cancel_later, &cancel), 0);
  kn_test_run (runner, &spec, &res);
  pthread_join (th, NULL);
  cr_assert_eq (res.rc, -KN_ECANCELED, "rc %d: %s", res.rc, res.error ? res.error->msg : "");
  cr_assert_not_null (strstr (res.error->msg, "cancelled"));
  cr_assert_lt (res.seconds, 10.0);
  cr_assert (WIFSIGNALED (res.status) && WTERMSIG (res.status) == SIGKILL);
  cr_assert_eq (kn_test_count_processes ("sleep", arg), 0);
  kn_test_run_free (&res);
}

Test (chroot, setup_errors_name_command_and_root)
{
  struct kn_mount_spec m = { .type = KN_MOUNT_BIND, .source = "/nonexistent/kn-src", .target = "/src" };
  const char *argv[] = { "sh", "-c", "true", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  cr_assert_lt (res.rc, 0);
  cr_assert_not_null (strstr (res.error->msg, "sh -c true"), "%s", res.error->msg);
  cr_assert_not_null (strstr (res.error->msg, root), "%s", res.error->msg);
  cr_assert_not_null (strstr (res.error->msg, "/nonexistent/kn-src"), "%s", res.error->msg);
  kn_test_run_free (&res);

  /* A relative workdir is refused. */
  const char *argv2[] = { "true", NULL };
  kn_test_spec_init (&spec, root, argv2);
  spec.workdir = "relative";
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, -KN_EINVAL);
  kn_test_run_free (&res);

  kn_test_spec_init (&spec, "/nonexistent/root", argv2);
  kn_test_run (runner, &spec, &res);
  cr_assert_lt (res.rc, 0);
  cr_assert_not_null (strstr (res.error->msg, "/nonexistent/root"), "%s", res.error->msg);
  kn_test_run_free (&res);
}

Test (chroot, symlinks_in_the_root_stay_inside)
{
  /* A mount target through an absolute symlink ("/escape" -> "/tmp") is
   * resolved inside the root, never on the host. */
  kn_cleanup_free char *link = kn_xasprintf ("%s/escape", root);
  char name[64];
  snprintf (name, sizeof name, "kn-escape-%d", (int) getpid ());
  kn_cleanup_free char *target = kn_xasprintf ("/escape/%s", name);
  kn_cleanup_free char *host = kn_xasprintf ("/tmp/%s", name);
  kn_cleanup_free char *inside = kn_xasprintf ("%s/tmp/%s", root, name);
  cr_assert_eq (symlink ("/tmp", link), 0);
  struct kn_mount_spec m = { .type = KN_MOUNT_TMPFS, .target = target };
  kn_cleanup_free char *script = kn_xasprintf ("grep -c ' /tmp/%s tmpfs ' /proc/mounts", name);
  const char *argv[] = { "sh", "-c", script, NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  cr_assert_str_eq (res.out, "1\n");
  cr_assert_neq (access (host, F_OK), 0, "a mount target was created on the host");
  cr_assert_neq (access (inside, F_OK), 0, "the mount target was left in the root");
  kn_test_run_free (&res);
}

Test (chroot, file_mount_and_default_network)
{
  char file[] = "/tmp/kn-file-XXXXXX";
  int fd = mkstemp (file);
  cr_assert_eq (write (fd, "bound\n", 6), 6);
  close (fd);
  struct kn_mount_spec m = { .type = KN_MOUNT_FILE, .source = file, .target = "/etc/extra.conf", .readonly = 1 };
  const char *argv[] = { "sh", "-c", "cat /etc/extra.conf; tail -n +3 /proc/net/dev | wc -l", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  unlink (file);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  kn_cleanup_free char *dev = kn_test_read_file ("/proc/net/dev");
  kn_cleanup_free char *want = kn_xasprintf ("bound\n%d\n", kn_test_count_lines (dev) - 2);
  cr_assert_str_eq (res.out, want, "the default network is the host's");
  kn_cleanup_free char *target = kn_xasprintf ("%s/etc/extra.conf", root);
  cr_assert_neq (access (target, F_OK), 0, "the file mount target was left in the root");
  kn_test_run_free (&res);
}

Test (chroot, workdir_that_is_a_file_is_an_error)
{
  const char *argv[] = { "true", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  kn_test_spec_init (&spec, root, argv);
  spec.workdir = "/etc/passwd";
  kn_test_run (runner, &spec, &res);
  cr_assert_lt (res.rc, 0);
  cr_assert_not_null (strstr (res.error->msg, "workdir /etc/passwd"), "%s", res.error->msg);
  kn_test_run_free (&res);
}

/* One thread of the concurrency test: ten runs in its own root. */
static void *
runs_in_parallel (void *arg)
{
  char *r = arg;
  long bad = 0;
  for (int i = 0; i < 10; i++)
    {
      const char *argv[] = { "sh", "-c", "echo $$", NULL };
      struct kn_run_spec spec;
      struct kn_test_run res;
      kn_test_spec_init (&spec, r, argv);
      kn_test_run (runner, &spec, &res);
      bad += res.rc != 0 || strcmp (res.out, "1\n") != 0;
      kn_test_run_free (&res);
    }
  return (void *) bad;
}

Test (chroot, concurrent_runs_from_threads)
{
  pthread_t th[4];
  char *roots[4];
  for (int i = 0; i < 4; i++)
    roots[i] = kn_test_rootfs_new (0);
  for (int i = 0; i < 4; i++)
    cr_assert_eq (pthread_create (&th[i], NULL, runs_in_parallel, roots[i]), 0);
  long bad = 0;
  for (int i = 0; i < 4; i++)
    {
      void *ret;
      pthread_join (th[i], &ret);
      bad += (long) ret;
      kn_test_rootfs_free (roots[i]);
    }
  cr_assert_eq (bad, 0, "%ld runs failed", bad);
}

Test (chroot, cancel_during_setup)
{
  /* A secret whose source is a FIFO nobody writes: the child blocks while
   * copying it, before exec; cancel must still end the run. */
  kn_cleanup_free char *fifo = kn_xasprintf ("%s.fifo", root);
  cr_assert_eq (mkfifo (fifo, 0600), 0);
  struct kn_mount_spec m = { .type = KN_MOUNT_SECRET, .source = fifo, .target = "/run/secrets/s" };
  const char *argv[] = { "true", NULL };
  struct kn_cancel cancel = { 0 };
  struct kn_run_spec spec;
  struct kn_test_run res;
  pthread_t th;
  kn_test_spec_init (&spec, root, argv);
  spec.mounts = &m;
  spec.n_mounts = 1;
  spec.cancel = &cancel;
  cr_assert_eq (pthread_create (&th, NULL, cancel_later, &cancel), 0);
  kn_test_run (runner, &spec, &res);
  pthread_join (th, NULL);
  unlink (fifo);
  cr_assert_eq (res.rc, -KN_ECANCELED, "rc %d: %s", res.rc, res.error ? res.error->msg : "");
  cr_assert_lt (res.seconds, 10.0);
  kn_cleanup_free char *run = kn_xasprintf ("%s/run", root);
  cr_assert_neq (access (run, F_OK), 0, "/run was left in the root");
  kn_test_run_free (&res);
}
