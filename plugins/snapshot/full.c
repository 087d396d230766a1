/* The "full" snapshotter: snapshots by walking the stage root and hashing file content (kaniko --snapshot-mode=full).
 * See walk.h for what is compared. */
#include "config.h"

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/snapshot.h>

#include "plugins/snapshot/walk.h"

static const struct kn_snapshotter full_snapshotter;

static int
full_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, struct kn_error **err)
{
  int rc = kn_snapwalk_open (out, p, KN_SNAPWALK_FULL, err);
  if (rc < 0)
    return rc;
  (*out)->snapshotter = &full_snapshotter;
  return 0;
}

static const struct kn_snapshotter full_snapshotter = {
  .version = KN_SNAPSHOTTER_VERSION,
  .name = "full",
  .open = full_open,
  .begin = NULL,
  .record = kn_snapwalk_record,
  .diff = kn_snapwalk_diff,
  .close = kn_snapwalk_close,
};

KN_PLUGIN_DEFINE (full, "full", PACKAGE_VERSION, "snapshots by walking the stage root and hashing file content (kaniko --snapshot-mode=full)", NULL, NULL,
                  KN_FEATURE (KN_KIND_SNAPSHOTTER, &full_snapshotter));
