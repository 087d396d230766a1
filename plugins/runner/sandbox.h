/* kaniko — shared machinery of the runner plugins (chroot, userns, inplace).
 *
 * The sources next to this header are compiled into each runner module (and
 * once into the builtin library): sandbox.c is the parent side (mount
 * targets, clone, user-namespace maps, waiting, cancellation, clean-up),
 * sandbox-child.c builds the root's mounts in the child and enters it,
 * exec.c switches identity and execs the command (shared with inplace),
 * pathwalk.c resolves and creates paths inside a root without leaving it.
 *
 * The child is created with a raw clone() from a possibly multi-threaded
 * process, so it never allocates: everything it needs is prepared by the
 * parent in struct kn_sb_child. */
#ifndef KN_PLUGINS_RUNNER_SANDBOX_H
#define KN_PLUGINS_RUNNER_SANDBOX_H

#include <sys/types.h>

#include <kaniko/sys/runner.h>

/* How a runner isolates the process. */
enum kn_sb_mode {
  KN_SB_CHROOT = 1, /* mount, PID, UTS, IPC (+ net) namespaces, pivot_root into the root */
  KN_SB_USERNS,     /* the same inside a new user namespace (rootless) */
  KN_SB_INPLACE     /* no namespaces, root "/" */
};

/* Docker's default PATH, used when the step's environment has none. */
#define KN_SB_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Exit status of the child when its setup failed (the parent reads why). */
#define KN_SB_SETUP_FAILED 125

/* What the child reports on its error pipe when setup fails. */
struct kn_sb_report {
  int errnum;
  char msg[1020];
};

/* Everything the child needs, prepared by the parent (no allocation in the child). */
struct kn_sb_child {
  const struct kn_run_spec *spec;
  enum kn_sb_mode mode;
  const char *root;   /* resolved absolute path of the root ("/" for inplace) */
  int sync_fd;        /* read end: wait for one byte before going on (-1: none) */
  int err_fd;         /* write end (O_CLOEXEC): a struct kn_sb_report on failure */
  int groups_denied;  /* setgroups(2) is denied in this user namespace */
  int keep_caps;      /* 1: keep every capability (option capabilities=all) */
  int new_pgrp;       /* 1: setpgid(0, 0) so the parent can kill what is left */
  char hostname_line[300]; /* "127.0.1.1\tNAME\n" appended to /etc/hosts, or "" */
};

/* Run SPEC in MODE as runner NAME ("chroot"); *exit_status gets the wait
 * status.  Returns 0 when the process ran, or a negative code with *err set
 * (naming the command and the root). */
int kn_sb_run (const char *name, enum kn_sb_mode mode, const struct kn_run_spec *spec, int *exit_status,
               struct kn_error **err);

/* 1 when MODE's namespaces can be created here; else 0 and *why (malloc'd). */
int kn_sb_usable (enum kn_sb_mode mode, char **why);

/* The child's entry after clone (namespaced modes): build the mounts, enter
 * the root, then kn_sb_exec().  Never returns. */
void kn_sb_child_main (const struct kn_sb_child *c) __attribute__ ((noreturn));

/* In the child, in its final root: stdio, workdir, identity, exec of argv[0]
 * looked up in envp's PATH.  Exec failures print a shell-like message on the
 * step's stderr and exit 127 (not found) or 126.  Never returns. */
void kn_sb_exec (const struct kn_sb_child *c) __attribute__ ((noreturn));

/* In the child: report a setup failure (formatted text, errnum) on c->err_fd
 * and _exit (KN_SB_SETUP_FAILED). */
void kn_sb_fail (const struct kn_sb_child *c, int errnum, const char *fmt, ...)
    __attribute__ ((noreturn, format (printf, 3, 4)));

/* Called for each entry kn_sb_mkpath() creates: its parent directory (an fd
 * inside the root), its name, the path of the entry inside the root and
 * whether it is a directory. */
typedef void (*kn_sb_created_fn) (void *data, int parent_fd, const char *name, const char *path, int is_dir);

/* Open PATH (absolute, inside the root ROOTFD; symlinks resolved inside the
 * root) with O_PATH, creating missing components as directories (0755) and
 * the last one as a directory (LAST_DIR) or an empty file with MODE.  CREATED
 * (may be NULL) hears about each entry made.  Returns the fd, or -errno.
 * Does not allocate. */
int kn_sb_mkpath (int rootfd, const char *path, int last_dir, mode_t mode, kn_sb_created_fn created, void *data);

/* openat2 (ROOTFD, PATH, FLAGS) resolving inside ROOTFD.  Returns fd or -errno. */
int kn_sb_open_in_root (int rootfd, const char *path, int flags);

#endif
