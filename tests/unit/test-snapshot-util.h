/* Helpers shared by the snapshotter tests: build trees, apply the scenario
 * "step" and render change sets as text. */
#ifndef KN_TEST_SNAPSHOT_UTIL_H
#define KN_TEST_SNAPSHOT_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/sys/snapshot.h>
#include <kaniko/sys/util.h>

#include "core/layer/changeset.h"
#include "plugins/snapshot/walk.h"

const struct kn_plugin_desc *kn_plugin_full_get_desc (void);
const struct kn_plugin_desc *kn_plugin_redo_get_desc (void);
const struct kn_plugin_desc *kn_plugin_time_get_desc (void);
const struct kn_plugin_desc *kn_plugin_overlay_get_desc (void);

/* 2020-01-01T00:00:00Z: every baseline entry gets this mtime. */
#define T0 1577836800

static inline const struct kn_snapshotter *
snapshotter_of (const struct kn_plugin_desc *d)
{
  cr_assert_eq (d->n_features, 1);
  cr_assert_eq (d->features[0].kind, KN_KIND_SNAPSHOTTER);
  const struct kn_snapshotter *s = d->features[0].vtable;
  cr_assert_str_eq (s->name, d->name);
  cr_assert_eq (s->version, KN_SNAPSHOTTER_VERSION);
  return s;
}

static inline char *
tmpdir_new (const char *base)
{
  char *t = kn_xasprintf ("%s/kn-snap-XXXXXX", base ? base : (getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp"));
  cr_assert_not_null (mkdtemp (t), "mkdtemp %s: %s", t, strerror (errno));
  return t;
}

static int
rm_cb (const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  return remove (p);
}

/* Remove P recursively, staying on its filesystem. */
static inline void
rm_rf (const char *p)
{
  nftw (p, rm_cb, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Remove P recursively inside an overlay mount (whose files may report the
 * device of the layer they come from). */
static inline void
rm_rf_any (const char *p)
{
  nftw (p, rm_cb, 64, FTW_DEPTH | FTW_PHYS);
}

static inline void
write_at (const char *dir, const char *rel, const char *content)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", dir, rel);
  FILE *f = fopen (p, "w");
  cr_assert_not_null (f, "fopen %s: %s", p, strerror (errno));
  fputs (content, f);
  fclose (f);
}

static inline void
mkdir_at (const char *dir, const char *rel)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", dir, rel);
  cr_assert (mkdir (p, 0755) == 0, "mkdir %s: %s", p, strerror (errno));
}

static inline char *
read_at (const char *dir, const char *rel)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", dir, rel);
  FILE *f = fopen (p, "r");
  if (f == NULL)
    return NULL;
  char buf[4096];
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  return kn_xstrdup (buf);
}

static inline int
exists_at (const char *dir, const char *rel, struct stat *st)
{
  struct stat tmp;
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", dir, rel);
  return lstat (p, st ? st : &tmp) == 0;
}

static int
settime_cb (const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  struct timespec ts[2] = { { T0, 0 }, { T0, 0 } };
  return utimensat (AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* Every entry of DIR (and DIR) gets mtime T0. */
static inline void
set_times (const char *dir)
{
  cr_assert_eq (nftw (dir, settime_cb, 64, FTW_PHYS), 0);
}

/* The baseline tree of the scenario. */
static inline void
make_tree (const char *root)
{
  mkdir_at (root, "keep");
  write_at (root, "keep/same.txt", "same");
  mkdir_at (root, "mod");
  write_at (root, "mod/content.txt", "hello");
  write_at (root, "mod/chmod.txt", "chmod");
  write_at (root, "mod/chown.txt", "chown");
  write_at (root, "mod/grow.txt", "a");
  mkdir_at (root, "del");
  write_at (root, "del/file.txt", "bye");
  write_at (root, "del/stays.txt", "stays");
  mkdir_at (root, "deltree");
  mkdir_at (root, "deltree/sub");
  write_at (root, "deltree/sub/x", "x");
  write_at (root, "deltree/y", "y");
  mkdir_at (root, "replace");
  write_at (root, "replace/child", "c");
  mkdir_at (root, "recreate");
  write_at (root, "recreate/old.txt", "old");
  mkdir_at (root, "recreate/olddir");
  kn_cleanup_free char *l = kn_xasprintf ("%s/link", root);
  cr_assert_eq (symlink ("target-a", l), 0);
  mkdir_at (root, "hard");
  write_at (root, "hard/orig", "linked");
  mkdir_at (root, "ign");
  write_at (root, "ign/old", "old");
  mkdir_at (root, "mnt");
  set_times (root);
}

/* The scenario "step", writing under DIR (the root or the merged dir). */
static inline void
apply_changes (const char *dir, int chown_ok)
{
  mkdir_at (dir, "new");
  mkdir_at (dir, "new/dir");
  write_at (dir, "new/dir/file", "new");
  /* Same size, mtime restored: only content hashing sees it. */
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/mod/content.txt", dir);
    int fd = open (p, O_WRONLY);
    cr_assert (fd >= 0);
    cr_assert_eq (write (fd, "HELLO", 5), 5);
    close (fd);
    struct timespec ts[2] = { { T0, 0 }, { T0, 0 } };
    cr_assert_eq (utimensat (AT_FDCWD, p, ts, 0), 0);
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/mod/chmod.txt", dir);
    cr_assert_eq (chmod (p, 0600), 0);
  }
  if (chown_ok)
    {
      kn_cleanup_free char *p = kn_xasprintf ("%s/mod/chown.txt", dir);
      cr_assert_eq (chown (p, 1234, 1234), 0);
    }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/mod/grow.txt", dir);
    FILE *f = fopen (p, "a");
    fputs ("b", f);
    fclose (f);
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/del/file.txt", dir);
    cr_assert_eq (unlink (p), 0);
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/deltree", dir);
    rm_rf_any (p);
    cr_assert (!exists_at (dir, "deltree", NULL));
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/replace", dir);
    rm_rf_any (p);
    write_at (dir, "replace", "now a file");
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/recreate", dir);
    rm_rf_any (p);
    mkdir_at (dir, "recreate");
    write_at (dir, "recreate/new.txt", "new");
  }
  {
    kn_cleanup_free char *p = kn_xasprintf ("%s/link", dir);
    cr_assert_eq (unlink (p), 0);
    cr_assert_eq (symlink ("target-b", p), 0);
  }
  {
    kn_cleanup_free char *a = kn_xasprintf ("%s/hard/orig", dir);
    kn_cleanup_free char *b = kn_xasprintf ("%s/hard/link", dir);
    cr_assert_eq (link (a, b), 0, "link: %s", strerror (errno));
  }
  write_at (dir, "ign/new", "ignored");
}

/* The change set as "A path\n", "D path\n", "O path\n" lines. */
static inline char *
cs_text (struct kn_changeset *cs)
{
  kn_changeset_sort (cs);
  size_t n = kn_changeset_count (cs);
  char *out = kn_xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      enum kn_change_kind k;
      const char *p = kn_changeset_get (cs, i, &k);
      char *t = kn_xasprintf ("%s%c %s\n", out, k == KN_CHANGE_ADD ? 'A' : k == KN_CHANGE_DELETE ? 'D' : 'O', p);
      free (out);
      out = t;
    }
  return out;
}

/* Run S's diff and return the text of the change set. */
static inline char *
diff_text (const struct kn_snapshotter *sn, struct kn_snapshot *s)
{
  struct kn_changeset *cs = kn_changeset_new ();
  struct kn_error *err = NULL;
  int rc = sn->diff (s, cs, &err);
  cr_assert_eq (rc, 0, "diff: %s", err ? err->msg : "?");
  char *t = cs_text (cs);
  kn_changeset_free (cs);
  return t;
}

#endif
