/* The overlay snapshotter: steps write through the merged directory; the
 * change set comes from the upper directory, which is folded into the root. */
#include "config.h"

#include <sys/sysmacros.h>

#include "core/plugin/plugins.h"
#include "core/util/cancel.h"
#include "tests/unit/test-snapshot-util.h"

static const char *const ignore_list[] = { "ign", NULL };

#define OVERLAY_EXPECTED                                                                                           \
  "A del\n"                                                                                                         \
  "D del/file.txt\n"                                                                                                \
  "D deltree\n"                                                                                                     \
  "A hard\n"                                                                                                        \
  "A hard/link\n"                                                                                                   \
  "A hard/orig\n"                                                                                                   \
  "A link\n"                                                                                                        \
  "A mod\n"                                                                                                         \
  "A mod/chmod.txt\n"                                                                                               \
  "A mod/chown.txt\n"                                                                                               \
  "A mod/content.txt\n"                                                                                             \
  "A mod/grow.txt\n"                                                                                                \
  "A new\n"                                                                                                         \
  "A new/dir\n"                                                                                                     \
  "A new/dir/file\n"                                                                                                \
  "O recreate\n"                                                                                                    \
  "A recreate/new.txt\n"                                                                                            \
  "A replace\n"

#define FULL_EXPECTED                                                                                              \
  "A del\n"                                                                                                         \
  "D del/file.txt\n"                                                                                                \
  "D deltree\n"                                                                                                     \
  "A hard\n"                                                                                                        \
  "A hard/link\n"                                                                                                   \
  "A link\n"                                                                                                        \
  "A mod/chmod.txt\n"                                                                                               \
  "A mod/chown.txt\n"                                                                                               \
  "A mod/content.txt\n"                                                                                             \
  "A mod/grow.txt\n"                                                                                                \
  "A new\n"                                                                                                         \
  "A new/dir\n"                                                                                                     \
  "A new/dir/file\n"                                                                                                \
  "O recreate\n"                                                                                                    \
  "A recreate/new.txt\n"                                                                                            \
  "A replace\n"

static void
require_root (void)
{
  if (geteuid () != 0)
    cr_skip_test ("overlayfs needs root");
}

static int
has_overlay_xattr (const char *root, const char *rel)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", root, rel);
  char buf[4096];
  ssize_t n = llistxattr (p, buf, sizeof buf);
  for (char *k = buf; n > 0 && k < buf + n; k += strlen (k) + 1)
    if (strncmp (k, "trusted.overlay.", 16) == 0)
      return 1;
  return 0;
}

static int
dir_is_empty (const char *path)
{
  DIR *d = opendir (path);
  cr_assert_not_null (d, "opendir %s", path);
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      n++;
  closedir (d);
  return n == 0;
}

/* The root holds what the step wrote. */
static void
check_root_content (const char *root, int same_fs)
{
  kn_cleanup_free char *c1 = read_at (root, "new/dir/file");
  cr_assert_str_eq (c1, "new");
  kn_cleanup_free char *c2 = read_at (root, "mod/content.txt");
  cr_assert_str_eq (c2, "HELLO");
  kn_cleanup_free char *c3 = read_at (root, "mod/grow.txt");
  cr_assert_str_eq (c3, "ab");
  struct stat st;
  cr_assert (exists_at (root, "mod/chmod.txt", &st));
  cr_assert_eq (st.st_mode & 07777, 0600);
  cr_assert (exists_at (root, "mod/chown.txt", &st));
  cr_assert_eq (st.st_uid, 1234);
  cr_assert (exists_at (root, "mod/content.txt", &st));
  cr_assert_eq (st.st_mtim.tv_sec, T0);
  cr_assert (!exists_at (root, "del/file.txt", NULL));
  cr_assert (exists_at (root, "del/stays.txt", NULL));
  cr_assert (!exists_at (root, "deltree", NULL));
  cr_assert (exists_at (root, "replace", &st));
  cr_assert (S_ISREG (st.st_mode));
  cr_assert (exists_at (root, "recreate/new.txt", NULL));
  cr_assert (!exists_at (root, "recreate/old.txt", NULL));
  cr_assert (!exists_at (root, "recreate/olddir", NULL));
  kn_cleanup_free char *l = kn_xasprintf ("%s/link", root);
  char target[64] = "";
  cr_assert_eq (readlink (l, target, sizeof target - 1), 8);
  cr_assert_str_eq (target, "target-b");
  struct stat a, b;
  cr_assert (exists_at (root, "hard/orig", &a));
  cr_assert (exists_at (root, "hard/link", &b));
  if (same_fs)
    cr_assert_eq (a.st_ino, b.st_ino, "the hardlink survives the fold");
  kn_cleanup_free char *c4 = read_at (root, "ign/new");
  cr_assert_str_eq (c4, "ignored");
  kn_cleanup_free char *c5 = read_at (root, "keep/same.txt");
  cr_assert_str_eq (c5, "same");
  /* No whiteout, no overlay attribute reached the root. */
  const char *paths[] = { "mod", "mod/content.txt", "hard/orig", "hard/link", "recreate", "del", "new" };
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    cr_assert (!has_overlay_xattr (root, paths[i]), "%s has trusted.overlay.* attributes", paths[i]);
}

static void
run_overlay (const char *state_base, int same_fs)
{
  require_root ();
  const struct kn_snapshotter *sn = snapshotter_of (kn_plugin_overlay_get_desc ());
  kn_cleanup_free char *root = tmpdir_new (NULL);
  kn_cleanup_free char *state = tmpdir_new (state_base);
  make_tree (root);
  struct kn_snapshot_params p = { sizeof p, root, state, ignore_list, NULL, NULL };
  struct kn_snapshot *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (sn->open (&s, &p, &err), 0, "open: %s", err ? err->msg : "?");
  char *exec_root = NULL;
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0, "begin: %s", err ? err->msg : "?");
  kn_cleanup_free char *merged = kn_xasprintf ("%s/overlay/merged", state);
  cr_assert_not_null (exec_root, "overlayfs should be usable here");
  cr_assert_str_eq (exec_root, merged);
  kn_cleanup_free char *seen = read_at (exec_root, "keep/same.txt");
  cr_assert_str_eq (seen, "same");
  apply_changes (exec_root, 1);
  /* The root is untouched until the diff. */
  cr_assert (exists_at (root, "deltree", NULL));
  free (exec_root);

  kn_cleanup_free char *got = diff_text (sn, s);
  cr_assert_str_eq (got, OVERLAY_EXPECTED);
  check_root_content (root, same_fs);
  kn_cleanup_free char *upper = kn_xasprintf ("%s/overlay/upper", state);
  cr_assert (dir_is_empty (upper), "the upper directory starts fresh");

  /* A step that changes nothing. */
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0);
  free (exec_root);
  kn_cleanup_free char *none = diff_text (sn, s);
  cr_assert_str_eq (none, "");

  /* The next step only sees its own changes. */
  int xattr_ok = 0;
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0);
  {
    kn_cleanup_free char *g = kn_xasprintf ("%s/mod/grow.txt", exec_root);
    FILE *f = fopen (g, "a");
    fputs ("c", f);
    fclose (f);
    /* Directory metadata: mode and an attribute reach the root's directory. */
    kn_cleanup_free char *k = kn_xasprintf ("%s/keep", exec_root);
    cr_assert_eq (chmod (k, 0700), 0);
    kn_cleanup_free char *m = kn_xasprintf ("%s/mod", exec_root);
    /* tmpfs before Linux 6.6 has no user.* attributes. */
    xattr_ok = setxattr (m, "user.kn", "v", 1, 0) == 0;
    cr_assert (xattr_ok || errno == EOPNOTSUPP, "setxattr: %s", strerror (errno));
  }
  free (exec_root);
  kn_cleanup_free char *next = diff_text (sn, s);
  cr_assert_str_eq (next, "A keep\nA mod\nA mod/grow.txt\n");
  kn_cleanup_free char *c = read_at (root, "mod/grow.txt");
  cr_assert_str_eq (c, "abc");
  struct stat kst;
  cr_assert (exists_at (root, "keep", &kst));
  cr_assert_eq (kst.st_mode & 07777, 0700);
  cr_assert_eq (kst.st_mtim.tv_sec, T0, "the directory keeps its mtime");
  if (xattr_ok)
  {
    kn_cleanup_free char *m = kn_xasprintf ("%s/mod", root);
    char v[8] = "";
    cr_assert_eq (getxattr (m, "user.kn", v, sizeof v), 1);
    cr_assert_eq (v[0], 'v');
  }

  /* COPY-like steps write into the root and record what they wrote. */
  write_at (root, "keep/copied.txt", "copied");
  cr_assert_eq (sn->record (s, "/keep/copied.txt", &err), 0);
  cr_assert_eq (sn->record (s, "ign/old", &err), 0);
  kn_cleanup_free char *rec = diff_text (sn, s);
  cr_assert_str_eq (rec, "A keep/copied.txt\n");

  /* A begin without a diff: close unmounts and cleans up. */
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0);
  free (exec_root);
  sn->close (s);
  kn_cleanup_free char *ovl = kn_xasprintf ("%s/overlay", state);
  cr_assert (!exists_at (state, "overlay", NULL), "%s is removed by close", ovl);
  rm_rf (root);
  rm_rf (state);
}

Test (overlay, scenario_same_filesystem)
{
  run_overlay (NULL, 1);
}

/* Upper on tmpfs, root on the disk: the fold copies instead of renaming. */
Test (overlay, scenario_cross_filesystem)
{
  struct stat a, b;
  const char *tmp = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
  if (stat ("/dev/shm", &a) != 0 || stat (tmp, &b) != 0 || a.st_dev == b.st_dev)
    cr_skip_test ("no second filesystem (/dev/shm) to put the state directory on");
  run_overlay ("/dev/shm", 0);
}

/* A cancelled build stops the fold of a large upper directory; close still
 * unmounts and removes the overlay's directories. */
Test (overlay, cancel_stops_the_fold)
{
  require_root ();
  const struct kn_snapshotter *sn = snapshotter_of (kn_plugin_overlay_get_desc ());
  kn_cleanup_free char *root = tmpdir_new (NULL);
  kn_cleanup_free char *state = tmpdir_new (NULL);
  struct kn_cancel cancel = { 0 };
  struct kn_snapshot_params p = { sizeof p, root, state, NULL, NULL, &cancel };
  struct kn_snapshot *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (sn->open (&s, &p, &err), 0, "open: %s", err ? err->msg : "?");
  char *exec_root = NULL;
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0, "begin: %s", err ? err->msg : "?");
  cr_assert_not_null (exec_root, "overlayfs should be usable here");
  for (int d = 0; d < 4; d++)
    for (int f = 0; f < 500; f++)
      {
        kn_cleanup_free char *rel = kn_xasprintf ("d%d/f%d", d, f);
        if (f == 0)
          {
            kn_cleanup_free char *dir = kn_xasprintf ("d%d", d);
            mkdir_at (exec_root, dir);
          }
        write_at (exec_root, rel, "x");
      }
  free (exec_root);
  kn_cancel_request (&cancel);
  struct kn_changeset *cs = kn_changeset_new ();
  int rc = sn->diff (s, cs, &err);
  kn_changeset_free (cs);
  cr_assert_eq (rc, -KN_ECANCELED, "diff: %d %s", rc, err ? err->msg : "");
  cr_assert_not_null (strstr (err->msg, "cancelled"));
  kn_error_release (&err);
  sn->close (s);
  kn_cleanup_free char *ovl = kn_xasprintf ("%s/overlay", state);
  cr_assert (!exists_at (state, "overlay", NULL), "%s is removed by close", ovl);
  FILE *mi = fopen ("/proc/self/mountinfo", "r");
  char line[4096];
  while (mi && fgets (line, sizeof line, mi))
    cr_assert_null (strstr (line, state), "still mounted: %s", line);
  if (mi)
    fclose (mi);
  rm_rf (root);
  rm_rf (state);
}

/* Walk-based fallback: the same step written into the root is seen as "full" sees it. */
static void
run_fallback (const struct kn_plugin_config *cfg, const char *state)
{
  const struct kn_snapshotter *sn = snapshotter_of (kn_plugin_overlay_get_desc ());
  kn_cleanup_free char *root = tmpdir_new (NULL);
  make_tree (root);
  struct kn_snapshot_params p = { sizeof p, root, state, ignore_list, cfg, NULL };
  struct kn_snapshot *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (sn->open (&s, &p, &err), 0, "open: %s", err ? err->msg : "?");
  cr_assert_eq (s->snapshotter, sn);
  char *exec_root = (char *) "unset";
  cr_assert_eq (sn->begin (s, &exec_root, &err), 0);
  cr_assert_null (exec_root, "the fallback runs steps in the root itself");
  apply_changes (root, geteuid () == 0);
  kn_cleanup_free char *got = diff_text (sn, s);
  if (geteuid () == 0)
    cr_assert_str_eq (got, FULL_EXPECTED);
  kn_cleanup_free char *none = diff_text (sn, s);
  cr_assert_str_eq (none, "");
  sn->close (s);
  rm_rf (root);
}

Test (overlay, fallback_by_option)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  cr_assert_eq (kn_plugins_set_option (t, "overlay.fallback=always", &err), 0);
  kn_cleanup_free char *state = tmpdir_new (NULL);
  run_fallback (kn_plugins_config (t, "overlay"), state);
  rm_rf (state);
  kn_plugins_free (t);
}

/* The state directory on overlayfs: overlayfs refuses it as an upper dir. */
Test (overlay, fallback_when_mount_impossible)
{
  require_root ();
  kn_cleanup_free char *base = tmpdir_new (NULL);
  kn_cleanup_free char *l = kn_xasprintf ("%s/l", base);
  kn_cleanup_free char *u = kn_xasprintf ("%s/u", base);
  kn_cleanup_free char *w = kn_xasprintf ("%s/w", base);
  kn_cleanup_free char *m = kn_xasprintf ("%s/m", base);
  cr_assert_eq (mkdir (l, 0755) | mkdir (u, 0755) | mkdir (w, 0755) | mkdir (m, 0755), 0);
  kn_cleanup_free char *opts = kn_xasprintf ("lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
  cr_assert_eq (mount ("overlay", m, "overlay", 0, opts), 0, "mount: %s", strerror (errno));
  kn_cleanup_free char *state = kn_xasprintf ("%s/state", m);
  cr_assert_eq (mkdir (state, 0700), 0);
  run_fallback (NULL, state);
  cr_assert_eq (umount (m), 0);
  rm_rf (base);
}
