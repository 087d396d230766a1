/* The "chroot" runner (the default as root): each RUN step runs in new mount,
 * PID, UTS and IPC namespaces (and a new network namespace for
 * --network=none), with a fresh /proc, a minimal /dev and private copies of
 * /etc/hosts and /etc/resolv.conf, after pivot_root into the stage root.
 * Processes the step leaves behind die with its PID namespace; nothing stays
 * mounted on the host and the mount targets it had to create are removed.
 *
 * Option: chroot.capabilities=all keeps every capability (default: Docker's
 * default set). */
#include "config.h"

#include <kaniko/sys/runner.h>

#include "plugins/runner/sandbox.h"

static int
chroot_usable (char **why)
{
  return kn_sb_usable (KN_SB_CHROOT, why);
}

static int
chroot_run (const struct kn_run_spec *spec, int *exit_status, struct kn_error **err)
{
  return kn_sb_run ("chroot", KN_SB_CHROOT, spec, exit_status, err);
}

static const struct kn_runner chroot_runner = {
  .version = KN_RUNNER_VERSION,
  .name = "chroot",
  .usable = chroot_usable,
  .run = chroot_run,
};

KN_PLUGIN_DEFINE (chroot, "chroot", "1.0.0", "RUN in mount/PID/UTS/IPC namespaces, pivot_root into the stage root",
                  NULL, NULL, KN_FEATURE (KN_KIND_RUNNER, &chroot_runner));
