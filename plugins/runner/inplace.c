/* The "inplace" runner: kaniko's own-container mode.  The command runs
 * directly on the real root "/" of the machine, with no chroot and no
 * namespaces: only its environment, user and working directory are set.
 *
 * DANGEROUS: a RUN step can change or destroy anything the kaniko process can
 * reach.  Use it only inside a throw-away container made for one build (as
 * the Go kaniko executor does).  Processes the step leaves behind are killed
 * with its process group, but a daemon that calls setsid() escapes.
 * --mount is refused; --network=none needs CAP_SYS_ADMIN.
 *
 * With --runner=inplace the engine builds the stages on "/" too (wiping it
 * between stages, core/build/inplace.c) and refuses to start outside a
 * detected container unless --force is given. */
#include "config.h"

#include <kaniko/sys/runner.h>

#include "plugins/runner/sandbox.h"

static int
inplace_usable (char **why)
{
  (void) why;
  return 1;
}

static int
inplace_run (const struct kn_run_spec *spec, int *exit_status, struct kn_error **err)
{
  return kn_sb_run ("inplace", KN_SB_INPLACE, spec, exit_status, err);
}

static const struct kn_runner inplace_runner = {
  .version = KN_RUNNER_VERSION,
  .name = "inplace",
  .usable = inplace_usable,
  .run = inplace_run,
};

KN_PLUGIN_DEFINE (inplace, "inplace", "1.0.0", "RUN directly on / (kaniko's own-container mode; dangerous)", NULL,
                  NULL, KN_FEATURE (KN_KIND_RUNNER, &inplace_runner));
