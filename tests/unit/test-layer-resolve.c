/* In-root resolution: both implementations agree on symlinks, "..", loops,
 * creation and the no-follow mode. */
#include "config.h"

#include "core/layer/resolve.h"
#include "test-layer-util.h"

static char *dir, *root;
static int rootfd = -1;

static void
setup (void)
{
  dir = tl_mkdtemp ();
  root = kn_xasprintf ("%s/root", dir);
  cr_assert_eq (mkdir (root, 0755), 0);
  tl_mkdir (root, "usr");
  tl_mkdir (root, "usr/lib");
  tl_write_file (root, "usr/lib/marker", "m");
  tl_write_file (root, "file", "f");
  tl_mkdir (dir, "outside");
  tl_write_file (dir, "outside/marker", "o");
  char *p;
#define LINK(target, name)                               \
  p = kn_xasprintf ("%s/%s", root, name);                \
  cr_assert_eq (symlink (target, p), 0, "%s", name);     \
  free (p)
  LINK ("usr/lib", "lib");
  LINK ("/usr/lib", "abslib");
  LINK ("../../../../outside", "up");
  LINK ("loop2", "loop1");
  LINK ("loop1", "loop2");
  rootfd = open (root, O_RDONLY | O_DIRECTORY);
}

static void
teardown (void)
{
  kn_resolve_force_walk (0);
  close (rootfd);
  tl_rm_rf (dir);
  free (dir);
  free (root);
}

TestSuite (resolve, .init = setup, .fini = teardown);

/* 1 when the directory DFD holds NAME. */
static int
has (int dfd, const char *name)
{
  struct stat st;
  return fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
check_mode (int walk)
{
  kn_resolve_force_walk (walk);
  if (walk)
    cr_assert_eq (kn_resolve_have_openat2 (), 0, "the walk is forced");
  struct kn_error *err = NULL;
  const char *to_lib[] = { "lib", "abslib", "usr/lib", "./usr/../usr/lib", "lib/../lib", NULL };
  for (int i = 0; to_lib[i]; i++)
    {
      int fd = kn_resolve_dir (rootfd, to_lib[i], 0, &err);
      cr_assert_geq (fd, 0, "walk=%d %s: %s", walk, to_lib[i], err ? err->msg : "");
      cr_assert (has (fd, "marker"), "walk=%d %s", walk, to_lib[i]);
      close (fd);
    }
  /* ".." through a symlink stops at the root: "up" is the root's outside/ */
  int fd = kn_resolve_dir (rootfd, "up", 0, &err);
  cr_assert_lt (fd, 0, "walk=%d: outside/ does not exist in the root", walk);
  cr_assert_eq (err->code, KN_ENOTFOUND, "%s", err->msg);
  kn_error_release (&err);
  fd = kn_resolve_dir (rootfd, "up", KN_RESOLVE_CREATE, &err);
  cr_assert_geq (fd, 0, "%s", err ? err->msg : "");
  close (fd);
  cr_assert (tl_exists (root, "outside"), "created inside the root");
  char *m = tl_read_file (dir, "outside/marker");
  cr_assert_str_eq (m, "o");
  free (m);
  char *made = kn_xasprintf ("%s/outside", root);
  tl_rm_rf (made);
  free (made);
  /* loops and files */
  fd = kn_resolve_dir (rootfd, "loop1", 0, &err);
  cr_assert_lt (fd, 0);
  kn_error_release (&err);
  fd = kn_resolve_dir (rootfd, "file", 0, &err);
  cr_assert_lt (fd, 0);
  kn_error_release (&err);
  /* no-follow mode refuses symlinks on the way */
  fd = kn_resolve_dir (rootfd, "lib", KN_RESOLVE_NOFOLLOW, &err);
  cr_assert_eq (fd, -KN_EPERM, "walk=%d", walk);
  kn_error_release (&err);
  fd = kn_resolve_dir (rootfd, "usr/lib", KN_RESOLVE_NOFOLLOW, &err);
  cr_assert_geq (fd, 0);
  close (fd);
  /* parents */
  char *base = NULL;
  fd = kn_resolve_parent (rootfd, "abslib/new", KN_RESOLVE_CREATE, &base, &err);
  cr_assert_geq (fd, 0);
  cr_assert_str_eq (base, "new");
  cr_assert (has (fd, "marker"));
  close (fd);
  free (base);
  cr_assert_lt (kn_resolve_parent (rootfd, "", 0, &base, &err), 0);
  kn_error_release (&err);
  /* deep creation through a symlink */
  fd = kn_resolve_dir (rootfd, "lib/x/y/z", KN_RESOLVE_CREATE, &err);
  cr_assert_geq (fd, 0, "%s", err ? err->msg : "");
  close (fd);
  cr_assert (tl_exists (root, "usr/lib/x/y/z"));
  fd = kn_resolve_dir (rootfd, "lib", 0, &err);
  cr_assert_eq (kn_resolve_remove_all (fd, "x", &err), 0);
  close (fd);
  cr_assert_not (tl_exists (root, "usr/lib/x"));
}

Test (resolve, openat2)
{
  check_mode (0);
}

Test (resolve, walk)
{
  check_mode (1);
}

Test (resolve, remove_all_does_not_follow)
{
  struct kn_error *err = NULL;
  tl_mkdir (root, "victim");
  char *p = kn_xasprintf ("%s/victim/out", root), *t = kn_xasprintf ("%s/outside", dir);
  cr_assert_eq (symlink (t, p), 0);
  free (p);
  free (t);
  cr_assert_eq (kn_resolve_remove_all (rootfd, "victim", &err), 0, "%s", err ? err->msg : "");
  cr_assert_not (tl_exists (root, "victim"));
  cr_assert (tl_exists (dir, "outside/marker"));
  cr_assert_eq (kn_resolve_remove_all (rootfd, "absent", &err), 0);
}
