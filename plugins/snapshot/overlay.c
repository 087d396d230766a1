/* The "overlay" snapshotter: a step that may write anywhere (RUN) runs in
 * an overlayfs mounted at STATE_DIR/overlay/merged, whose lower directory is
 * the stage root and whose upper directory (STATE_DIR/overlay/upper)
 * collects what the step changed.  diff() unmounts, reports the upper
 * directory without walking the root (fold.h) and folds it into the root, so
 * the next step starts from a fresh, empty upper directory: the cost is
 * proportional to what the step changed.
 *
 * Steps that write into the root directly (COPY/ADD) must record() what they
 * wrote: nothing else of the root is looked at.
 *
 * When overlayfs cannot be used (no kernel support, no privilege, an upper
 * directory on a filesystem overlayfs refuses such as overlayfs itself, no
 * trusted.* attributes) or the option overlay.fallback=always is set, the
 * session transparently behaves as "full" (walk.h) with a warning. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/snapshot.h>
#include <kaniko/sys/util.h>

#include "plugins/snapshot/fold.h"
#include "core/layer/changeset.h"
#include "plugins/snapshot/state.h"
#include "plugins/snapshot/walk.h"

struct ovl_session {
  struct kn_snapshot base;
  struct kn_snapshot *walker; /* the fallback, when overlayfs is not usable */
  char *root;
  char *dir;
  char *upper;
  char *work;
  char *merged;
  char **ignore;
  size_t n_ignore;
  struct kn_snap_pathlist recorded; /* cleaned paths given to record() */
  int mounted;
  const struct kn_cancel *cancel; /* polled while folding (may be NULL) */
};

static const struct kn_snapshotter overlay_snapshotter;

static int
mkdir_p (const char *path, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xstrdup (path);
  for (char *s = p + 1;; s++)
    {
      if (*s == '/' || *s == '\0')
        {
          char c = *s;
          *s = '\0';
          if (mkdir (p, 0700) < 0 && errno != EEXIST)
            return kn_error_make (err, KN_EIO, errno, "overlay: mkdir %s", p);
          *s = c;
          if (c == '\0')
            break;
        }
    }
  return 0;
}

/* A path usable in overlayfs mount options: itself, or /proc/self/fd/N
 * (FD kept open in *FD) when it holds a character the options parser splits on. */
static char *
option_path (const char *path, int *fd)
{
  if (strpbrk (path, ",:\\=") == NULL)
    return kn_xstrdup (path);
  *fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0)
    return kn_xstrdup (path);
  return kn_xasprintf ("/proc/self/fd/%d", *fd);
}

static int
ovl_mount (struct ovl_session *s, struct kn_error **err)
{
  /* The merged root shows the upper directory's owner and mode. */
  struct stat st;
  if (stat (s->root, &st) == 0)
    {
      if (chown (s->upper, st.st_uid, st.st_gid) < 0 || chmod (s->upper, st.st_mode & 07777) < 0)
        kn_log (KN_LOG_DEBUG, "overlay: cannot copy the owner and mode of %s: %s", s->root, strerror (errno));
    }
  kn_cleanup_close int lfd = -1;
  kn_cleanup_close int ufd = -1;
  kn_cleanup_close int wfd = -1;
  kn_cleanup_free char *l = option_path (s->root, &lfd);
  kn_cleanup_free char *u = option_path (s->upper, &ufd);
  kn_cleanup_free char *w = option_path (s->work, &wfd);
  /* No redirects or metacopy: every upper entry is complete in itself, so
   * it can be moved into the root as it is. */
  kn_cleanup_free char *opts
      = kn_xasprintf ("lowerdir=%s,upperdir=%s,workdir=%s,redirect_dir=off,metacopy=off,index=off", l, u, w);
  if (mount ("overlay", s->merged, "overlay", 0, opts) == 0)
    {
      s->mounted = 1;
      return 0;
    }
  int e = errno;
  if (e == EINVAL)
    {
      /* An old kernel that does not know some option. */
      free (opts);
      opts = kn_xasprintf ("lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
      if (mount ("overlay", s->merged, "overlay", 0, opts) == 0)
        {
          s->mounted = 1;
          return 0;
        }
    }
  return kn_error_make (err, KN_ENOTSUP, e, "overlay: mount overlayfs at %s (lowerdir=%s upperdir=%s)", s->merged,
                        s->root, s->upper);
}

static int
ovl_umount (struct ovl_session *s, struct kn_error **err)
{
  if (!s->mounted)
    return 0;
  if (umount2 (s->merged, 0) < 0)
    {
      if (errno == EBUSY)
        {
          kn_log (KN_LOG_WARN, "overlay: %s is busy (a process of the step still runs?); detaching it", s->merged);
          if (umount2 (s->merged, MNT_DETACH) < 0)
            return kn_error_make (err, KN_EIO, errno, "overlay: unmount %s", s->merged);
        }
      else if (errno != EINVAL)
        return kn_error_make (err, KN_EIO, errno, "overlay: unmount %s", s->merged);
    }
  s->mounted = 0;
  return 0;
}

static void
ovl_free (struct ovl_session *s)
{
  if (s->walker)
    kn_snapwalk_close (s->walker);
  kn_snap_pathlist_clear (&s->recorded);
  free (s->recorded.v);
  kn_strv_free (s->ignore);
  free (s->root);
  free (s->dir);
  free (s->upper);
  free (s->work);
  free (s->merged);
  free (s);
}

/* Remove our directories under the state directory (best effort). */
static void
ovl_cleanup_dirs (struct ovl_session *s)
{
  struct kn_error *e = NULL;
  if (kn_snapfold_empty (s->dir, &e) < 0)
    {
      kn_log (KN_LOG_WARN, "overlay: cleaning %s: %s", s->dir, e->msg);
      kn_error_free (e);
    }
  rmdir (s->dir);
}

/* Switch S to the walking fallback ("full") with a warning naming WHY. */
static int
ovl_fall_back (struct ovl_session *s, const struct kn_snapshot_params *p, const char *why, struct kn_error **err)
{
  kn_log (KN_LOG_WARN, "overlay: %s; snapshotting %s by walking it (full) instead", why, s->root);
  ovl_cleanup_dirs (s);
  int rc = kn_snapwalk_open (&s->walker, p, KN_SNAPWALK_FULL, err);
  if (rc < 0)
    return kn_error_wrap (err, "overlay fallback");
  return 0;
}

/* Can overlayfs be used with these directories?  NULL when yes, else why not. */
static char *
ovl_probe (struct ovl_session *s)
{
  struct kn_error *e = NULL;
  const char *attr = "trusted.kaniko.probe";
  if (setxattr (s->dir, attr, "1", 1, 0) < 0)
    return kn_xasprintf ("%s does not support trusted.* attributes: %s", s->dir, strerror (errno));
  removexattr (s->dir, attr);
  if (ovl_mount (s, &e) < 0)
    {
      char *why = kn_xstrdup (e->msg);
      kn_error_free (e);
      return why;
    }
  if (ovl_umount (s, &e) < 0)
    {
      char *why = kn_xstrdup (e->msg);
      kn_error_free (e);
      return why;
    }
  return NULL;
}

static int
ovl_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, struct kn_error **err)
{
  if (p == NULL || p->size < sizeof (struct kn_snapshot_params))
    return kn_error_make (err, KN_EABI, 0, "overlay: parameters too short (%u bytes)", p ? p->size : 0);
  if (p->root == NULL || p->state_dir == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "overlay: a root and a state directory are needed");
  struct ovl_session *s = kn_xcalloc (1, sizeof *s);
  s->base.snapshotter = &overlay_snapshotter;
  s->root = realpath (p->root, NULL);
  if (s->root == NULL)
    {
      int e = errno;
      ovl_free (s);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "overlay: root %s", p->root);
    }
  s->dir = kn_xasprintf ("%s/overlay", p->state_dir);
  s->upper = kn_xasprintf ("%s/upper", s->dir);
  s->work = kn_xasprintf ("%s/work", s->dir);
  s->merged = kn_xasprintf ("%s/merged", s->dir);
  s->ignore = kn_snap_ignore_new (p->ignore, &s->n_ignore);
  s->cancel = p->cancel;

  const char *fb = kn_plugin_config_get (p->config, "fallback");
  int rc;
  if (fb && (strcmp (fb, "always") == 0 || strcmp (fb, "true") == 0 || strcmp (fb, "1") == 0))
    rc = ovl_fall_back (s, p, "overlay.fallback is set", err);
  else
    {
      /* A mount left behind by a killed build, then fresh directories. */
      umount2 (s->merged, MNT_DETACH);
      ovl_cleanup_dirs (s);
      rc = mkdir_p (s->upper, err);
      if (rc == 0)
        rc = mkdir_p (s->work, err);
      if (rc == 0)
        rc = mkdir_p (s->merged, err);
      if (rc == 0)
        {
          kn_cleanup_free char *why = ovl_probe (s);
          if (why)
            rc = ovl_fall_back (s, p, why, err);
        }
    }
  if (rc < 0)
    {
      ovl_free (s);
      return rc;
    }
  *out = &s->base;
  return 0;
}

static int
ovl_begin (struct kn_snapshot *base, char **exec_root, struct kn_error **err)
{
  struct ovl_session *s = (struct ovl_session *) base;
  *exec_root = NULL;
  if (s->walker)
    return 0;
  /* Remount so the overlay sees what was written to the root since. */
  int rc = ovl_umount (s, err);
  if (rc < 0)
    return rc;
  struct kn_error *e = NULL;
  if (ovl_mount (s, &e) < 0)
    {
      /* Nothing is pending in the upper directory (diff emptied it, or it
       * is still there for a later mount): walk from here on. */
      struct kn_snapshot_params p = { sizeof p, s->root, NULL, (const char *const *) s->ignore, NULL, s->cancel };
      kn_log (KN_LOG_WARN, "overlay: %s; snapshotting %s by walking it (full) instead", e->msg, s->root);
      kn_error_free (e);
      if (kn_snapwalk_open (&s->walker, &p, KN_SNAPWALK_FULL, err) < 0)
        return kn_error_wrap (err, "overlay fallback");
      return 0;
    }
  *exec_root = kn_xstrdup (s->merged);
  return 0;
}

static int
ovl_record (struct kn_snapshot *base, const char *path, struct kn_error **err)
{
  struct ovl_session *s = (struct ovl_session *) base;
  if (s->walker)
    return kn_snapwalk_record (s->walker, path, err);
  return kn_snap_pathlist_record (&s->recorded, "overlay", path, err);
}

static int
ovl_diff (struct kn_snapshot *base, struct kn_changeset *cs, struct kn_error **err)
{
  struct ovl_session *s = (struct ovl_session *) base;
  if (s->walker)
    {
      /* Recorded before the fallback started: report them too. */
      for (size_t i = 0; i < s->recorded.n; i++)
        kn_snapwalk_record (s->walker, s->recorded.v[i], NULL);
      kn_snap_pathlist_clear (&s->recorded);
      return kn_snapwalk_diff (s->walker, cs, err);
    }
  int rc = ovl_umount (s, err);
  if (rc < 0)
    return rc;
  rc = kn_snapfold (s->upper, s->root, s->ignore, s->n_ignore, cs, s->cancel, err);
  if (rc < 0)
    return rc;
  rc = kn_snapfold_empty (s->upper, err);
  if (rc < 0)
    return kn_error_wrap (err, "overlay");
  kn_cleanup_close int rfd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return kn_error_make (err, KN_EIO, errno, "overlay: open %s", s->root);
  for (size_t i = 0; i < s->recorded.n; i++)
    {
      struct stat st;
      if (kn_snap_ignored (s->ignore, s->n_ignore, s->recorded.v[i]))
        continue;
      if (fstatat (rfd, s->recorded.v[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
        kn_changeset_add (cs, s->recorded.v[i], KN_CHANGE_ADD);
    }
  kn_snap_pathlist_clear (&s->recorded);
  return 0;
}

static void
ovl_close (struct kn_snapshot *base)
{
  struct ovl_session *s = (struct ovl_session *) base;
  if (s == NULL)
    return;
  struct kn_error *e = NULL;
  if (ovl_umount (s, &e) < 0)
    {
      kn_log (KN_LOG_WARN, "%s", e->msg);
      kn_error_free (e);
    }
  if (!s->walker && !s->mounted)
    ovl_cleanup_dirs (s);
  ovl_free (s);
}

static const struct kn_snapshotter overlay_snapshotter = {
  .version = KN_SNAPSHOTTER_VERSION,
  .name = "overlay",
  .open = ovl_open,
  .begin = ovl_begin,
  .record = ovl_record,
  .diff = ovl_diff,
  .close = ovl_close,
};

KN_PLUGIN_DEFINE (overlay, "overlay", PACKAGE_VERSION,
                  "snapshots from an overlayfs upper directory, no walk of the stage root (falls back to full)", NULL,
                  NULL, KN_FEATURE (KN_KIND_SNAPSHOTTER, &overlay_snapshotter));
