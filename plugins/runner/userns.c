/* The "userns" runner (rootless): the chroot runner's sandbox inside a new
 * user namespace.  The parent maps the caller to root of the namespace
 * (every id to itself when the caller is root; the caller's /etc/subuid and
 * /etc/subgid ranges through newuidmap/newgidmap when it has them; else the
 * caller alone, with setgroups denied) before the child goes on.
 *
 * Option: userns.capabilities=all keeps every capability of the namespace. */
#include "config.h"

#include <kaniko/sys/runner.h>

#include "plugins/runner/sandbox.h"

static int
userns_usable (char **why)
{
  return kn_sb_usable (KN_SB_USERNS, why);
}

static int
userns_run (const struct kn_run_spec *spec, int *exit_status, struct kn_error **err)
{
  return kn_sb_run ("userns", KN_SB_USERNS, spec, exit_status, err);
}

static const struct kn_runner userns_runner = {
  .version = KN_RUNNER_VERSION,
  .name = "userns",
  .usable = userns_usable,
  .run = userns_run,
};

KN_PLUGIN_DEFINE (userns, "userns", "1.0.0", "RUN in a user namespace (rootless) plus the chroot runner's sandbox",
                  NULL, NULL, KN_FEATURE (KN_KIND_RUNNER, &userns_runner));
