/* kn_userdb_*: --chown and USER lookups inside a root. */
#include "config.h"

#include "core/build/userdb.h"
#include "test-copy-util.h"

static struct tree T;

static void
setup (void)
{
  T = tree_new ();
  put (T.root, "etc/passwd",
       "# comment\nroot:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\nweird:x:bad:1::/:/bin/sh\n",
       0644);
  put (T.root, "etc/group", "root:x:0:\nappgrp:x:1001:\nstaff:x:2000:app,other\nwheel:x:10:app\n", 0644);
}

static void
teardown (void)
{
  tree_free (&T);
}

TestSuite (userdb, .init = setup, .fini = teardown);

Test (userdb, chown_forms)
{
  uid_t u;
  gid_t g;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "app", &u, &g, &e), 0);
  cr_assert (u == 1000 && g == 1001);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "app:staff", &u, &g, &e), 0);
  cr_assert (u == 1000 && g == 2000);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "1234", &u, &g, &e), 0);
  cr_assert (u == 1234 && g == 1234);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "1234:55", &u, &g, &e), 0);
  cr_assert (u == 1234 && g == 55);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "root:appgrp", &u, &g, &e), 0);
  cr_assert (u == 0 && g == 1001);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "ghost", &u, &g, &e), -KN_ENOTFOUND);
  cr_assert_str_eq (e->msg, "unable to find user ghost: no matching entries in passwd file");
  kn_error_release (&e);
  cr_assert_eq (kn_userdb_resolve_chown (T.root, "app:ghosts", &u, &g, &e), -KN_ENOTFOUND);
  kn_error_release (&e);
  cr_assert_lt (kn_userdb_resolve_chown (T.root, "app:", &u, &g, &e), 0);
  kn_error_release (&e);
}

Test (userdb, numeric_without_files)
{
  char *empty = kn_xasprintf ("%s/empty", T.top);
  mkdir (empty, 0755);
  uid_t u;
  gid_t g;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_userdb_resolve_chown (empty, "5:6", &u, &g, &e), 0);
  cr_assert (u == 5 && g == 6);
  gid_t *groups = NULL;
  size_t n = 0;
  cr_assert_eq (kn_userdb_resolve_user (empty, "77", &u, &g, &groups, &n, &e), 0);
  cr_assert (u == 77 && g == 0 && n == 0);
  cr_assert_lt (kn_userdb_resolve_user (empty, "app", &u, &g, &groups, &n, &e), 0);
  kn_error_release (&e);
  free (empty);
}

Test (userdb, user_groups)
{
  uid_t u;
  gid_t g;
  gid_t *groups = NULL;
  size_t n = 0;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_userdb_resolve_user (T.root, "app", &u, &g, &groups, &n, &e), 0);
  cr_assert (u == 1000 && g == 1001);
  cr_assert_eq (n, 2);
  cr_assert (groups[0] == 2000 && groups[1] == 10);
  free (groups);
  cr_assert_eq (kn_userdb_resolve_user (T.root, "1000:staff", &u, &g, &groups, &n, &e), 0);
  cr_assert (u == 1000 && g == 2000 && n == 2);
  free (groups);
  cr_assert_eq (kn_userdb_resolve_user (T.root, "root", &u, &g, &groups, &n, &e), 0);
  cr_assert (u == 0 && g == 0 && n == 0);
}

Test (userdb, passwd_symlink_stays_in_root)
{
  char *p = kn_xasprintf ("%s/etc/passwd", T.root);
  unlink (p);
  cr_assert_eq (symlink ("/../../../../etc/passwd", p), 0);
  free (p);
  uid_t u;
  gid_t g;
  struct kn_error *e = NULL;
  /* the host's /etc/passwd must not be read: "root" is unknown in this root */
  cr_assert_lt (kn_userdb_resolve_chown (T.root, "root", &u, &g, &e), 0);
  kn_error_release (&e);
}
