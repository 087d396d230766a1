/* kaniko — runner plugins: how a RUN step executes (plugin-author tier).
 *
 * "chroot" (default as root): new mount, PID, UTS and IPC namespaces, fresh
 * /proc, minimal /dev, then chroot into the stage root.  "userns": the same in
 * a user namespace (rootless).  "inplace": kaniko's own-container mode on /. */
#ifndef KANIKO_SYS_RUNNER_H
#define KANIKO_SYS_RUNNER_H

#include <stddef.h>
#include <sys/types.h>

#include <kaniko/sys/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_RUNNER_VERSION 1

enum kn_mount_type {
  KN_MOUNT_BIND = 1, /* SOURCE (host path) at TARGET */
  KN_MOUNT_CACHE,    /* a persistent cache directory SOURCE at TARGET */
  KN_MOUNT_TMPFS,    /* a fresh tmpfs at TARGET */
  KN_MOUNT_SECRET,   /* file SOURCE at TARGET, mode 0400, never in a layer */
  KN_MOUNT_FILE      /* a file bound in and left out of the layer (/etc/hosts) */
};

struct kn_mount_spec {
  enum kn_mount_type type;
  const char *source;  /* host path, or NULL for tmpfs */
  const char *target;  /* absolute path inside the root */
  int readonly;
  unsigned mode;       /* for secrets and tmpfs, 0 = default */
  uid_t uid;           /* owner for secrets and caches */
  gid_t gid;
};

enum kn_network_mode {
  KN_NETWORK_DEFAULT = 0, /* what the runner does by default (host network, as kaniko) */
  KN_NETWORK_NONE,        /* a new, empty network namespace */
  KN_NETWORK_HOST
};

/* One process to run inside a root. */
struct kn_run_spec {
  unsigned size;                /* sizeof (struct kn_run_spec) */
  const char *root;             /* the directory to chroot into */
  const char *const *argv;      /* NULL-terminated, argv[0] resolved with PATH from envp */
  const char *const *envp;      /* NULL-terminated "K=V" */
  const char *workdir;          /* absolute, inside the root; created when missing */
  uid_t uid;
  gid_t gid;
  const gid_t *groups;          /* supplementary groups */
  size_t n_groups;
  const struct kn_mount_spec *mounts;
  size_t n_mounts;
  enum kn_network_mode network;
  const char *hostname;         /* NULL = keep */
  int stdin_fd;                 /* -1 = /dev/null */
  int stdout_fd;
  int stderr_fd;
  const struct kn_plugin_config *config;
  const struct kn_cancel *cancel;
};

struct kn_runner {
  unsigned version; /* KN_RUNNER_VERSION */
  const char *name; /* "chroot" */
  /* Optional: 1 when the runner can work here, else 0 and *why (malloc'd). */
  int (*usable) (char **why);
  /* Mandatory: run SPEC to completion; *exit_status gets the wait status.
   * Processes left behind are killed before returning.  Returns 0 when the
   * process ran (whatever its status), < 0 with *err set when it could not. */
  int (*run) (const struct kn_run_spec *spec, int *exit_status, struct kn_error **err);
};

#define KN_RUNNER_INIT { KN_RUNNER_VERSION, NULL, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
