/* Helpers for the runner tests: a busybox root in a temporary directory, a
 * way to run a command through a runner vtable capturing its output, and
 * listings to compare a root (or the mount table) before and after. */
#ifndef KN_TESTS_UNIT_TEST_RUNNER_ROOTFS_H
#define KN_TESTS_UNIT_TEST_RUNNER_ROOTFS_H

#include <sys/types.h>

#include <kaniko/sys/runner.h>

/* What one run gave. */
struct kn_test_run {
  int rc;                  /* what run() returned */
  int status;              /* the wait status */
  char *out;               /* stdout (malloc'd) */
  char *err;               /* stderr (malloc'd) */
  struct kn_error *error;  /* set when rc < 0 */
  double seconds;          /* how long run() took */
};

/* The runner registered by DESC (the first runner feature). */
const struct kn_runner *kn_test_runner (const struct kn_plugin_desc *desc);

/* Skip the current test unless running as root; WHY says what needs it. */
void kn_test_need_root (const char *why);

/* Skip the current test unless RUNNER says it is usable here. */
void kn_test_need_usable (const struct kn_runner *runner);

/* A new busybox root in a temporary directory (malloc'd path): /bin/busybox
 * with relative applet links, /etc/passwd, /etc/group, /tmp, /root, /home;
 * with SYSTEM_DIRS also empty /proc, /dev, /sys.  Skips the test when there
 * is no busybox on the host. */
char *kn_test_rootfs_new (int system_dirs);

/* Remove the tree at PATH (without crossing mount points) and free PATH. */
void kn_test_rootfs_free (char *path);

/* A sorted listing of every entry under ROOT (path, type, mode, owner, size,
 * mtime, link target), one per line (malloc'd). */
char *kn_test_tree_listing (const char *root);

/* The contents of FILE (malloc'd), or NULL. */
char *kn_test_read_file (const char *file);

/* Fill SPEC's defaults: size, root, argv, PATH=/bin env, workdir "/", no fds. */
void kn_test_spec_init (struct kn_run_spec *spec, const char *root, const char *const *argv);

/* Run SPEC through RUNNER with stdout and stderr captured (when SPEC's are -1). */
void kn_test_run (const struct kn_runner *runner, struct kn_run_spec *spec, struct kn_test_run *res);

/* Free what RES holds. */
void kn_test_run_free (struct kn_test_run *res);

/* Number of host processes whose command line is exactly ARGV0 ARG1. */
int kn_test_count_processes (const char *argv0, const char *arg1);

/* Count the lines of S. */
int kn_test_count_lines (const char *s);

#endif
