/* The "redo" snapshotter: snapshots by walking the stage root and comparing mtime, size, mode, owner and inode (kaniko --snapshot-mode=redo).
 * See walk.h for what is compared. */
#include "config.h"

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/snapshot.h>

#include "plugins/snapshot/walk.h"

static const struct kn_snapshotter redo_snapshotter;

static int
redo_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, struct kn_error **err)
{
  int rc = kn_snapwalk_open (out, p, KN_SNAPWALK_REDO, err);
  if (rc < 0)
    return rc;
  (*out)->snapshotter = &redo_snapshotter;
  return 0;
}

static const struct kn_snapshotter redo_snapshotter = {
  .version = KN_SNAPSHOTTER_VERSION,
  .name = "redo",
  .open = redo_open,
  .begin = NULL,
  .record = kn_snapwalk_record,
  .diff = kn_snapwalk_diff,
  .close = kn_snapwalk_close,
};

KN_PLUGIN_DEFINE (redo, "redo", PACKAGE_VERSION, "snapshots by walking the stage root and comparing mtime, size, mode, owner and inode (kaniko --snapshot-mode=redo)", NULL, NULL,
                  KN_FEATURE (KN_KIND_SNAPSHOTTER, &redo_snapshotter));
