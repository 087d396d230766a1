/* The inplace runner (kaniko's own-container mode, root "/") through its
 * vtable: only environment, user and working directory are applied. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/runner.h>
#include <kaniko/sys/util.h>

#include "core/util/cancel.h"
#include "tests/unit/test-runner-rootfs.h"

const struct kn_plugin_desc *kn_plugin_inplace_get_desc (void);

static const struct kn_runner *runner;
static char dir[64];

static void
setup (void)
{
  runner = kn_test_runner (kn_plugin_inplace_get_desc ());
  strcpy (dir, "/tmp/kn-inplace-XXXXXX");
  cr_assert_not_null (mkdtemp (dir));
}

static void
teardown (void)
{
  kn_test_rootfs_free (kn_xstrdup (dir));
}

TestSuite (inplace, .init = setup, .fini = teardown, .timeout = 60);

static void
init_spec (struct kn_run_spec *spec, const char *const *argv)
{
  static const char *const env[] = { "FOO=from spec", "PATH=/usr/bin:/bin", NULL };
  kn_test_spec_init (spec, NULL, argv);
  spec->envp = env;
  spec->uid = getuid ();
  spec->gid = getgid ();
}

Test (inplace, usable_and_named)
{
  char *why = NULL;
  cr_assert_str_eq (runner->name, "inplace");
  cr_assert_eq (runner->usable (&why), 1);
  cr_assert_null (why);
}

Test (inplace, trivial_command_env_workdir)
{
  kn_cleanup_free char *wd = kn_xasprintf ("%s/a/b", dir);
  const char *argv[] = { "sh", "-c", "echo \"$FOO\"; pwd; id -u", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  init_spec (&spec, argv);
  spec.workdir = wd;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0, "%s", res.error ? res.error->msg : "");
  kn_cleanup_free char *want = kn_xasprintf ("from spec\n%s\n%u\n", wd, (unsigned) getuid ());
  cr_assert_str_eq (res.out, want);
  cr_assert (WIFEXITED (res.status) && WEXITSTATUS (res.status) == 0);
  kn_test_run_free (&res);
}

Test (inplace, exit_status_and_not_found)
{
  const char *argv[] = { "sh", "-c", "exit 3", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  init_spec (&spec, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0);
  cr_assert_eq (WEXITSTATUS (res.status), 3);
  kn_test_run_free (&res);

  const char *argv2[] = { "kn-no-such-command", NULL };
  init_spec (&spec, argv2);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0);
  cr_assert_eq (WEXITSTATUS (res.status), 127);
  cr_assert_not_null (strstr (res.err, "kn-no-such-command: command not found"), "stderr: %s", res.err);
  kn_test_run_free (&res);
}

Test (inplace, refuses_other_roots_and_mounts)
{
  const char *argv[] = { "true", NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  init_spec (&spec, argv);
  spec.root = dir;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, -KN_EINVAL);
  cr_assert_not_null (strstr (res.error->msg, dir));
  kn_test_run_free (&res);

  init_spec (&spec, argv);
  spec.root = "/nonexistent/kn-root";
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, -KN_EINVAL);
  kn_test_run_free (&res);

  struct kn_mount_spec m = { .type = KN_MOUNT_TMPFS, .target = "/x" };
  init_spec (&spec, argv);
  spec.root = "/";
  spec.mounts = &m;
  spec.n_mounts = 1;
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, -KN_ENOTSUP);
  kn_test_run_free (&res);
}

Test (inplace, leftovers_in_the_process_group_killed)
{
  char arg[32];
  snprintf (arg, sizeof arg, "%d", 700000 + (int) (getpid () % 99999));
  kn_cleanup_free char *script = kn_xasprintf ("sleep %s >/dev/null 2>&1 & echo started", arg);
  const char *argv[] = { "sh", "-c", script, NULL };
  struct kn_run_spec spec;
  struct kn_test_run res;
  init_spec (&spec, argv);
  kn_test_run (runner, &spec, &res);
  cr_assert_eq (res.rc, 0);
  cr_assert_str_eq (res.out, "started\n");
  /* SIGKILL is asynchronous: give the kernel a moment to reap. */
  for (int i = 0; i < 100 && kn_test_count_processes ("sleep", arg) > 0; i++)
    usleep (10000);
  cr_assert_eq (kn_test_count_processes ("sleep", arg), 0);
  kn_test_run_free (&res);
}

static void *
cancel_later (void *arg)
{
  struct timespec ts = { 0, 200 * 1000 * 1000 };
  nanosleep (&ts, NULL);
  kn_cancel_request (arg);
  return NULL;
}

Test (inplace, cancel)
{
  const char *argv[] = { "sleep", "1000", NULL };
  struct kn_cancel cancel = { 0 };
  struct kn_run_spec spec;
  struct kn_test_run res;
  pthread_t th;
  init_spec (&spec, argv);
  spec.cancel = &cancel;
  cr_assert_eq (pthread_create (&th, NULL, cancel_later, &cancel), 0);
  kn_test_run (runner, &spec, &res);
  pthread_join (th, NULL);
  cr_assert_eq (res.rc, -KN_ECANCELED);
  cr_assert_lt (res.seconds, 10.0);
  kn_test_run_free (&res);
}
