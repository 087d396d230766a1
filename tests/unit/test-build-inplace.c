/* core/build/inplace.c on a temporary directory (never on "/"): the wipe
 * keeps the ignored paths and their ancestors and removes everything else
 * (files, symlinks without following them, read-only directories); the
 * ignore list holds kaniko's defaults, --ignore-path, the kept paths and the
 * mount points; the layer applier writes nothing (and whites out nothing)
 * under its skip list. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/build/inplace.h"
#include "core/image/json.h"
#include "core/layer/applier.h"

static char dir[] = "/tmp/kn-inplace-XXXXXX";

static void
mk (const char *rel, int is_dir)
{
  char *p = kn_xasprintf ("%s/%s", dir, rel);
  if (is_dir)
    cr_assert_eq (mkdir (p, 0755), 0, "mkdir %s", p);
  else
    {
      FILE *f = fopen (p, "w");
      cr_assert_not_null (f, "create %s", p);
      fputs ("x\n", f);
      fclose (f);
    }
  free (p);
}

static bool
exists (const char *rel)
{
  char *p = kn_xasprintf ("%s/%s", dir, rel);
  struct stat st;
  bool r = lstat (p, &st) == 0;
  free (p);
  return r;
}

static void
setup (void)
{
  cr_assert_not_null (mkdtemp (dir));
}

static void
teardown (void)
{
  char *cmd = kn_xasprintf ("chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
  cr_assert_eq (system (cmd), 0);
  free (cmd);
}

TestSuite (build_inplace, .init = setup, .fini = teardown);

Test (build_inplace, wipe_keeps_ignored_and_ancestors)
{
  mk ("etc", 1);
  mk ("etc/passwd", 0);
  mk ("kaniko", 1);
  mk ("kaniko/store", 0);
  mk ("var", 1);
  mk ("var/run", 1);
  mk ("var/run/pid", 0);
  mk ("var/lib", 1);
  mk ("var/lib/x", 0);
  mk ("hello", 0);
  mk ("ro", 1);
  mk ("ro/file", 0);
  mk ("outside", 1);
  mk ("outside/keepme", 0);
  char *ro = kn_xasprintf ("%s/ro", dir);
  chmod (ro, 0555);
  free (ro);
  /* A symlink to a directory is removed, not followed. */
  char *target = kn_xasprintf ("%s/outside", dir);
  char *link = kn_xasprintf ("%s/link", dir);
  cr_assert_eq (symlink (target, link), 0);
  free (target);
  free (link);
  char *ignore[] = { "kaniko", "var/run", "outside", NULL };
  struct kn_error *err = NULL;
  int n = kn_inplace_wipe (dir, ignore, &err);
  cr_assert_geq (n, 0, "wipe: %s", err ? err->msg : "");
  cr_assert (!exists ("etc"));
  cr_assert (!exists ("hello"));
  cr_assert (!exists ("ro"));
  cr_assert (!exists ("link"));
  cr_assert (!exists ("var/lib"));
  cr_assert (exists ("var/run/pid"));
  cr_assert (exists ("kaniko/store"));
  cr_assert (exists ("outside/keepme"));
  cr_assert_eq (n, 8, "removed %d entries", n);
}

Test (build_inplace, wipe_missing_root_fails)
{
  struct kn_error *err = NULL;
  char *p = kn_xasprintf ("%s/none", dir);
  cr_assert_lt (kn_inplace_wipe (p, NULL, &err), 0);
  cr_assert_not_null (err);
  cr_assert_not_null (strstr (err->msg, "none"), "%s", err->msg);
  kn_error_free (err);
  free (p);
}

static bool
has (char **v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

Test (build_inplace, ignore_list)
{
  struct kn_build_options o = { 0 };
  char *paths[] = { "/opt/big/", "//data" };
  o.ignore_paths.v = paths;
  o.ignore_paths.n = 2;
  o.ignore_var_run = true;
  const char *keep[] = { "/kaniko", NULL, "/workspace/ctx/" };
  char **v = kn_inplace_ignore_list (&o, keep, 3);
  cr_assert (has (v, "proc") && has (v, "sys") && has (v, "dev") && has (v, "var/run"));
  cr_assert (has (v, "opt/big") && has (v, "data"));
  cr_assert (has (v, "kaniko") && has (v, "workspace/ctx"));
  cr_assert (!has (v, "") && !has (v, "/"));
  /* Every mount point but "/" is in. */
  FILE *f = fopen ("/proc/self/mountinfo", "r");
  if (f)
    {
      char mid[64], parent[64], devno[64], root[4096], mp[4096];
      while (fscanf (f, "%63s %63s %63s %4095s %4095s%*[^\n]", mid, parent, devno, root, mp) == 5)
        if (strcmp (mp, "/") != 0 && strchr (mp, '\\') == NULL)
          cr_assert (has (v, mp + 1), "mount point %s missing", mp);
      fclose (f);
    }
  kn_strv_free (v);
}

Test (build_inplace, apply_skips_ignored)
{
  mk ("src", 1);
  mk ("src/proc", 1);
  mk ("src/proc/junk", 0);
  mk ("src/dev", 1);
  mk ("src/dev/x", 0);
  mk ("src/keep", 0);
  mk ("src/.wh.gone", 0);
  mk ("src/var", 1);
  mk ("src/var/run", 1);
  mk ("src/var/run/.wh.pid", 0);
  mk ("root", 1);
  mk ("root/gone", 0);
  mk ("root/var", 1);
  mk ("root/var/run", 1);
  mk ("root/var/run/pid", 0);
  char *cmd = kn_xasprintf ("tar -C '%s/src' -cf '%s/layer.tar' proc dev keep .wh.gone var", dir, dir);
  cr_assert_eq (system (cmd), 0);
  free (cmd);
  char *tarp = kn_xasprintf ("%s/layer.tar", dir);
  int fd = open (tarp, O_RDONLY);
  cr_assert_geq (fd, 0);
  struct kn_reader *r = kn_reader_new_fd (fd);
  const char *skip[] = { "proc", "dev", "var/run", NULL };
  struct kn_layer_apply_opts ao = KN_LAYER_APPLY_OPTS_INIT;
  ao.skip = skip;
  struct kn_layer_apply_stats st;
  struct kn_error *err = NULL;
  char *root = kn_xasprintf ("%s/root", dir);
  int ret = kn_layer_apply (root, r, &ao, &st, &err);
  cr_assert_eq (ret, 0, "apply: %s", err ? err->msg : "");
  kn_reader_free (r);
  close (fd);
  cr_assert (exists ("root/keep"));
  cr_assert (!exists ("root/gone"));
  cr_assert (!exists ("root/proc") && !exists ("root/dev"));
  cr_assert (exists ("root/var/run/pid"));
  cr_assert_eq (st.skipped, 6, "skipped %llu", (unsigned long long) st.skipped);
  free (root);
  free (tarp);
}
