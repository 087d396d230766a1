/* The "time" snapshotter: snapshots by walking the stage root and comparing mtimes (kaniko --snapshot-mode=time).
 * See walk.h for what is compared. */
#include "config.h"

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/snapshot.h>

#include "plugins/snapshot/walk.h"

static const struct kn_snapshotter time_snapshotter;

static int
time_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, struct kn_error **err)
{
  int rc = kn_snapwalk_open (out, p, KN_SNAPWALK_TIME, err);
  if (rc < 0)
    return rc;
  (*out)->snapshotter = &time_snapshotter;
  return 0;
}

static const struct kn_snapshotter time_snapshotter = {
  .version = KN_SNAPSHOTTER_VERSION,
  .name = "time",
  .open = time_open,
  .begin = NULL,
  .record = kn_snapwalk_record,
  .diff = kn_snapwalk_diff,
  .close = kn_snapwalk_close,
};

KN_PLUGIN_DEFINE (time, "time", PACKAGE_VERSION, "snapshots by walking the stage root and comparing mtimes (kaniko --snapshot-mode=time)", NULL, NULL,
                  KN_FEATURE (KN_KIND_SNAPSHOTTER, &time_snapshotter));
