/* The plugin table and loader, on real shared objects: the fixture modules
 * of tests/fixtures (built as uninstalled libtool modules under
 * $KN_TOP_BUILDDIR/tests/fixtures and its .libs), plus builtin descriptors
 * defined here for the rules that need no file. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <json-c/json.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/context.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/util.h>

#include "core/plugin/plugins.h"

/* $KN_TOP_BUILDDIR/tests/fixtures[/SUB] (malloc'd). */
static char *
fixtures (const char *sub)
{
  const char *top = getenv ("KN_TOP_BUILDDIR");
  cr_assert_not_null (top, "KN_TOP_BUILDDIR is not set (run through make check)");
  return sub ? kn_xasprintf ("%s/tests/fixtures/%s", top, sub) : kn_xasprintf ("%s/tests/fixtures", top);
}

/* The reason PATH was refused, or NULL. */
static const char *
refusal (const struct kn_plugins *t, const char *path)
{
  for (size_t i = 0; i < kn_plugins_refused_count (t); i++)
    if (strcmp (kn_plugins_refused_get (t, i)->path, path) == 0)
      return kn_plugins_refused_get (t, i)->reason;
  return NULL;
}

/* The loaded plugin NAME, or NULL. */
static const struct kn_plugin_info *
loaded (const struct kn_plugins *t, const char *name)
{
  for (size_t i = 0; i < kn_plugins_count (t); i++)
    if (strcmp (kn_plugins_get (t, i)->name, name) == 0)
      return kn_plugins_get (t, i);
  return NULL;
}

/* Assert that DIR/FILE was refused with exactly REASON. */
static void
expect_refused (const struct kn_plugins *t, const char *dir, const char *file, const char *reason)
{
  kn_cleanup_free char *path = kn_xasprintf ("%s/%s", dir, file);
  const char *got = refusal (t, path);
  cr_assert_not_null (got, "%s was not refused", path);
  cr_assert_str_eq (got, reason, "%s: reason \"%s\", expected \"%s\"", path, got, reason);
}

static struct kn_plugins *
scan_dirs (const char *a, const char *b)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  cr_assert_eq (kn_plugins_add_dir (t, a, &err), 0, "%s", err ? err->msg : "");
  if (b)
    cr_assert_eq (kn_plugins_add_dir (t, b, &err), 0, "%s", err ? err->msg : "");
  cr_assert_geq (kn_plugins_scan (t, &err), 0, "%s", err ? err->msg : "");
  cr_assert_null (err);
  return t;
}

Test (loader, fixtures_refused_with_exact_reasons)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  struct kn_plugins *t = scan_dirs (dir, NULL);

  cr_assert_eq (kn_plugins_count (t), 1, "only \"good\" loads, got %zu", kn_plugins_count (t));
  const struct kn_plugin_info *good = loaded (t, "good");
  cr_assert_not_null (good);
  kn_cleanup_free char *good_path = kn_xasprintf ("%s/good.la", dir);
  cr_assert_str_eq (good->path, good_path);
  cr_assert_str_eq (good->desc->version, "1.0.0");
  cr_assert_eq (good->builtin, 0);

  kn_cleanup_free char *major
      = kn_xasprintf ("plugin ABI %d.0 does not match the core's ABI %d.%d (different major)", KN_PLUGIN_ABI_MAJOR + 1,
                      KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR);
  expect_refused (t, dir, "abimajor.la", major);
  kn_cleanup_free char *minor = kn_xasprintf ("plugin ABI %d.%d is newer than the core's ABI %d.%d",
                                              KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR + 1, KN_PLUGIN_ABI_MAJOR,
                                              KN_PLUGIN_ABI_MINOR);
  expect_refused (t, dir, "abiminor.la", minor);
  kn_cleanup_free char *size = kn_xasprintf ("descriptor size %zu is smaller than the core's %zu",
                                             offsetof (struct kn_plugin_desc, version), sizeof (struct kn_plugin_desc));
  expect_refused (t, dir, "shortdesc.la", size);
  expect_refused (t, dir, "nosym.la", "missing entry symbol kn_plugin_get_desc (not a kaniko plugin)");
  expect_refused (t, dir, "wrongname.la", "plugin name \"othername\" does not match the file name \"wrongname\"");
  kn_cleanup_free char *vtv
      = kn_xasprintf ("plugin \"vtversion\": compressor vtable version %d is not known (the core knows "
                      "KN_COMPRESSOR_VERSION %d)",
                      KN_COMPRESSOR_VERSION + 41, KN_COMPRESSOR_VERSION);
  expect_refused (t, dir, "vtversion.la", vtv);
  expect_refused (t, dir, "noslot.la", "plugin \"noslot\": compressor \"noslot\": mandatory slot new_reader is NULL");
  expect_refused (t, dir, "initfail.la", "plugin \"initfail\": init failed: fixture cannot reach its backend");
  cr_assert_eq (kn_plugins_refused_count (t), 8, "refused %zu files", kn_plugins_refused_count (t));

  /* Lookups. */
  const void *vt = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_plugins_find (t, KN_KIND_COMPRESSOR, "good", &vt, &err), 0);
  cr_assert_str_eq (((const struct kn_compressor *) vt)->media_suffix, "good");
  cr_assert_eq (kn_plugins_nth (t, KN_KIND_COMPRESSOR, 0), vt);
  cr_assert_null (kn_plugins_nth (t, KN_KIND_COMPRESSOR, 1));
  cr_assert_null (kn_plugins_nth (t, KN_KIND_CONTEXT, 0));
  cr_assert_eq (kn_plugins_owner (t, vt), good);
  cr_assert_eq (kn_plugins_find (t, KN_KIND_COMPRESSOR, "zstd", &vt, &err), -KN_ENOTFOUND);
  kn_cleanup_free char *msg = kn_xasprintf (
      "no compressor plugin named \"zstd\" (compressor found: \"good\"; directories searched: %s)", dir);
  cr_assert_str_eq (err->msg, msg);
  kn_error_release (&err);
  cr_assert_eq (kn_plugins_find (t, KN_KIND_RUNNER, "chroot", &vt, &err), -KN_ENOTFOUND);
  kn_cleanup_free char *msg2
      = kn_xasprintf ("no runner plugin named \"chroot\" (runner found: none; directories searched: %s)", dir);
  cr_assert_str_eq (err->msg, msg2);
  kn_error_release (&err);
  cr_assert_eq (kn_plugins_find (t, KN_KIND_COMPRESSOR, "noslot", &vt, &err), -KN_ENOTFOUND);
  kn_cleanup_free char *msg3 = kn_xasprintf (
      "no compressor plugin named \"noslot\" (compressor found: \"good\"; directories searched: %s); %s/noslot.la "
      "was refused: plugin \"noslot\": compressor \"noslot\": mandatory slot new_reader is NULL",
      dir, dir);
  cr_assert_str_eq (err->msg, msg3);
  kn_error_release (&err);
  kn_plugins_free (t);
}

Test (loader, duplicate_refused_naming_both_paths)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  kn_cleanup_free char *dup = fixtures ("dup");
  struct kn_plugins *t = scan_dirs (dir, dup);
  kn_cleanup_free char *first = kn_xasprintf ("%s/good.la", dir);
  kn_cleanup_free char *reason = kn_xasprintf ("duplicate plugin \"good\": already loaded from %s", first);
  expect_refused (t, dup, "good.la", reason);
  cr_assert_str_eq (loaded (t, "good")->desc->version, "1.0.0");
  kn_plugins_free (t);

  /* The other order: the first directory wins. */
  t = scan_dirs (dup, dir);
  cr_assert_str_eq (loaded (t, "good")->desc->version, "2.0.0-dup");
  kn_cleanup_free char *second = kn_xasprintf ("%s/good.la", dup);
  kn_cleanup_free char *reason2 = kn_xasprintf ("duplicate plugin \"good\": already loaded from %s", second);
  expect_refused (t, dir, "good.la", reason2);
  kn_plugins_free (t);
}

Test (loader, libs_dir_and_plain_so_files)
{
  /* The .libs directory libtool builds into loads as well. */
  kn_cleanup_free char *libs = fixtures (".libs");
  struct kn_plugins *t = scan_dirs (libs, NULL);
  cr_assert_not_null (loaded (t, "good"));
  cr_assert_eq (strncmp (loaded (t, "good")->path, libs, strlen (libs)), 0, "%s", loaded (t, "good")->path);
  cr_assert_eq (kn_plugins_count (t), 1);
  cr_assert_eq (kn_plugins_refused_count (t), 8);
  kn_plugins_free (t);

  /* A directory of bare .so files, as installed, plus junk. */
  char tmpl[] = "/tmp/kn-test-loader-XXXXXX";
  cr_assert_not_null (mkdtemp (tmpl));
  const char *files[] = { "good.so", "nosym.so" };
  for (size_t i = 0; i < 2; i++)
    {
      kn_cleanup_free char *src = kn_xasprintf ("%s/%s", libs, files[i]);
      kn_cleanup_free char *dst = kn_xasprintf ("%s/%s", tmpl, files[i]);
      kn_cleanup_free char *cmd = kn_xasprintf ("cp '%s' '%s'", src, dst);
      cr_assert_eq (system (cmd), 0, "%s", cmd);
    }
  kn_cleanup_free char *bogus = kn_xasprintf ("%s/bogus.so", tmpl);
  kn_cleanup_free char *readme = kn_xasprintf ("%s/README", tmpl);
  FILE *f = fopen (bogus, "w");
  cr_assert_not_null (f);
  for (int i = 0; i < 8; i++)
    fputs ("this text file is not an ELF shared object\n", f);
  fclose (f);
  f = fopen (readme, "w");
  cr_assert_not_null (f);
  fclose (f);

  t = scan_dirs (tmpl, NULL);
  cr_assert_eq (kn_plugins_count (t), 1);
  kn_cleanup_free char *good = kn_xasprintf ("%s/good.so", tmpl);
  cr_assert_str_eq (loaded (t, "good")->path, good);
  expect_refused (t, tmpl, "nosym.so", "missing entry symbol kn_plugin_get_desc (not a kaniko plugin)");
  const char *why = refusal (t, bogus);
  cr_assert_not_null (why, "bogus.so not refused");
  /* dlopen's own reason, not libltdl's generic "file not found". */
  cr_assert_str_eq (why, "cannot load: invalid ELF header");
  cr_assert_eq (kn_plugins_refused_count (t), 2, "README is not a candidate");
  kn_plugins_free (t);

  kn_cleanup_free char *rm = kn_xasprintf ("rm -rf '%s'", tmpl);
  cr_assert_eq (system (rm), 0);
}

Test (loader, options_reach_init_and_config)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  struct kn_error *err = NULL;

  /* --plugin-opt good.fail=yes makes the fixture's init() fail. */
  struct kn_plugins *t = kn_plugins_new ();
  cr_assert_eq (kn_plugins_set_option (t, "good.fail=yes", &err), 0);
  cr_assert_eq (kn_plugins_add_dir (t, dir, &err), 0);
  cr_assert_eq (kn_plugins_scan (t, &err), 0);
  expect_refused (t, dir, "good.la", "plugin \"good\": init failed: option fail=yes");
  kn_plugins_free (t);

  /* JSON options; a flag wins whatever the order. */
  t = kn_plugins_new ();
  cr_assert_eq (kn_plugins_set_option (t, "good.level=9", &err), 0);
  struct json_object *json
      = json_tokener_parse ("{\"good\": {\"fail\": \"no\", \"level\": 3, \"fast\": true, \"dotted.key\": \"x\"}}");
  cr_assert_not_null (json);
  cr_assert_eq (kn_plugins_set_options_json (t, json, &err), 0, "%s", err ? err->msg : "");
  json_object_put (json);
  cr_assert_eq (kn_plugins_set_option (t, "good.a.b=c=d", &err), 0);
  cr_assert_eq (kn_plugins_add_dir (t, dir, &err), 0);
  cr_assert_eq (kn_plugins_scan (t, &err), 1);
  const struct kn_plugin_info *good = loaded (t, "good");
  cr_assert_not_null (good);
  cr_assert_str_eq (kn_plugin_config_get (good->config, "fail"), "no");
  cr_assert_str_eq (kn_plugin_config_get (good->config, "level"), "9");
  cr_assert_str_eq (kn_plugin_config_get (good->config, "fast"), "true");
  cr_assert_str_eq (kn_plugin_config_get (good->config, "dotted.key"), "x");
  cr_assert_str_eq (kn_plugin_config_get (good->config, "a.b"), "c=d");
  cr_assert_null (kn_plugin_config_get (good->config, "missing"));
  cr_assert_eq (kn_plugins_config (t, "good"), good->config);
  cr_assert_eq (kn_plugin_config_count (kn_plugins_config (t, "nothing")), 0);
  cr_assert_null (kn_plugin_config_get (NULL, "x"));
  cr_assert_eq (kn_plugins_check_options (t, &err), 0);

  /* An option for a plugin that is not loaded. */
  cr_assert_eq (kn_plugins_set_option (t, "zstd.level=3", &err), 0);
  cr_assert_eq (kn_plugins_check_options (t, &err), -KN_EINVAL);
  cr_assert_str_eq (err->msg, "plugin option zstd.level: no plugin named \"zstd\" is loaded (loaded: good)");
  kn_error_release (&err);

  /* Malformed input. */
  const char *bad[] = { "good", "good.level", "good=3", ".level=3", "good.=3", "good=x.y" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      cr_assert_eq (kn_plugins_set_option (t, bad[i], &err), -KN_EINVAL, "%s accepted", bad[i]);
      cr_assert_not_null (strstr (err->msg, bad[i]), "%s", err->msg);
      kn_error_release (&err);
    }
  const char *bad_json[] = { "[1]", "{\"good\": 3}", "{\"good\": {\"k\": [1]}}", "{\"good\": {\"k\": null}}" };
  for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++)
    {
      json = json_tokener_parse (bad_json[i]);
      cr_assert_eq (kn_plugins_set_options_json (t, json, &err), -KN_EINVAL, "%s accepted", bad_json[i]);
      kn_error_release (&err);
      json_object_put (json);
    }
  kn_plugins_free (t);
}

Test (loader, fini_runs_at_free)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  char tmpl[] = "/tmp/kn-test-fini-XXXXXX";
  int fd = mkstemp (tmpl);
  cr_assert_geq (fd, 0);
  close (fd);
  setenv ("KN_FIXTURE_FINI_FILE", tmpl, 1);
  struct kn_plugins *t = scan_dirs (dir, NULL);
  struct stat st;
  cr_assert_eq (stat (tmpl, &st), 0);
  cr_assert_eq (st.st_size, 0, "fini ran before free");
  kn_plugins_free (t);
  char buf[64] = "";
  FILE *f = fopen (tmpl, "r");
  cr_assert_not_null (f);
  cr_assert_not_null (fgets (buf, sizeof buf, f));
  fclose (f);
  unlink (tmpl);
  cr_assert_str_eq (buf, "fini 1.0.0\n");
}

/* ---- builtins: the rules that need no file ---- */

static int
ctx_fetch (const struct kn_context_request *req, char **out_dir, struct kn_error **err)
{
  (void) req, (void) out_dir;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}

static const char *const dir_schemes[] = { "", "dir", NULL };
static const char *const tar_schemes[] = { "tar", NULL };
static const struct kn_context_source dir_source = { KN_CONTEXT_VERSION, "dir", dir_schemes, ctx_fetch };
static const struct kn_context_source tar_source = { KN_CONTEXT_VERSION, "tar", tar_schemes, ctx_fetch };

static int
reg_open (struct kn_repo **out, const struct kn_repo_params *p, struct kn_error **err)
{
  (void) out, (void) p;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static int
reg_get_manifest (struct kn_repo *r, const char *ref, const char *const *accept, struct kn_writer *sink,
                  char **media_type, char **digest, struct kn_error **err)
{
  (void) r, (void) ref, (void) accept, (void) sink, (void) media_type, (void) digest;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static int
reg_stat_blob (struct kn_repo *r, const char *digest, uint64_t *size, struct kn_error **err)
{
  (void) r, (void) digest, (void) size;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static int
reg_get_blob (struct kn_repo *r, const char *digest, uint64_t offset, struct kn_writer *sink, struct kn_error **err)
{
  (void) r, (void) digest, (void) offset, (void) sink;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static void
reg_close (struct kn_repo *r)
{
  (void) r;
}

static const char *const docker_transports[] = { "docker", NULL };
static const struct kn_registry docker_registry = {
  .version = KN_REGISTRY_VERSION, .name = "docker", .transports = docker_transports, .open = reg_open,
  .get_manifest = reg_get_manifest, .stat_blob = reg_stat_blob, .get_blob = reg_get_blob, .close = reg_close,
};
static const struct kn_registry oci_registry = {
  .version = KN_REGISTRY_VERSION, .name = "oci", .open = reg_open, .get_manifest = reg_get_manifest,
  .stat_blob = reg_stat_blob, .get_blob = reg_get_blob, .close = reg_close,
};

/* One plugin "base-set" with several features (a module may register several vtables). */
static const struct kn_plugin_feature base_features[]
    = { KN_FEATURE (KN_KIND_CONTEXT, &dir_source), KN_FEATURE (KN_KIND_CONTEXT, &tar_source),
        KN_FEATURE (KN_KIND_REGISTRY, &docker_registry), KN_FEATURE (KN_KIND_REGISTRY, &oci_registry) };
static const struct kn_plugin_desc base_desc = { KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR,
                                                 sizeof (struct kn_plugin_desc), "base-set", "0.1", "builtin test",
                                                 base_features, 4, NULL, NULL };
static const struct kn_plugin_desc *
base_get_desc (void)
{
  return &base_desc;
}

Test (loader, builtins_and_lookups_by_scheme_and_transport)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  kn_plugins_register_builtin (t, "base_set", base_get_desc);
  cr_assert_eq (kn_plugins_scan (t, &err), 1, "%s", kn_plugins_refused_count (t) ? kn_plugins_refused_get (t, 0)->reason : "");
  const struct kn_plugin_info *p = loaded (t, "base-set");
  cr_assert_not_null (p);
  cr_assert_str_eq (p->path, KN_PLUGIN_BUILTIN_PATH);
  cr_assert_eq (p->builtin, 1);

  const struct kn_context_source *src = NULL;
  const char *loc = NULL;
  cr_assert_eq (kn_plugins_find_context (t, "tar:///x/ctx.tgz", &src, &loc, &err), 0);
  cr_assert_eq (src, &tar_source);
  cr_assert_str_eq (loc, "/x/ctx.tgz");
  cr_assert_eq (kn_plugins_find_context (t, "/workspace", &src, &loc, &err), 0);
  cr_assert_eq (src, &dir_source);
  cr_assert_str_eq (loc, "/workspace");
  cr_assert_eq (kn_plugins_find_context (t, "dir://rel/path", &src, &loc, &err), 0);
  cr_assert_eq (src, &dir_source);
  cr_assert_str_eq (loc, "rel/path");
  cr_assert_eq (kn_plugins_find_context (t, "./a://b", &src, &loc, &err), 0, "not a scheme");
  cr_assert_eq (src, &dir_source);
  cr_assert_eq (kn_plugins_find_context (t, "s3://bucket/ctx.tgz", &src, &loc, &err), -KN_ENOTFOUND);
  cr_assert_str_eq (err->msg, "context s3://bucket/ctx.tgz: no context source plugin serves scheme \"s3\" "
                              "(schemes served: \"\", \"dir\", \"tar\"; directories searched: no directory)");
  kn_error_release (&err);

  const struct kn_registry *reg = NULL;
  cr_assert_eq (kn_plugins_find_registry (t, "docker", &reg, &err), 0);
  cr_assert_eq (reg, &docker_registry);
  cr_assert_eq (kn_plugins_find_registry (t, "oci", &reg, &err), 0);
  cr_assert_eq (reg, &oci_registry);
  cr_assert_eq (kn_plugins_find_registry (t, "docker-archive", &reg, &err), -KN_ENOTFOUND);
  cr_assert_str_eq (err->msg, "no registry plugin serves transport \"docker-archive\" (transports served: "
                              "\"docker\", \"oci\"; directories searched: no directory)");
  kn_error_release (&err);
  cr_assert_eq (kn_plugins_nth (t, KN_KIND_CONTEXT, 1), &tar_source);
  cr_assert_eq (kn_plugins_owner (t, &oci_registry), p);
  kn_plugins_free (t);
}

/* Builtin descriptors that break one rule each. */
static int
cw (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts, struct kn_error **err)
{
  (void) out, (void) sink, (void) opts;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static int
crd (struct kn_reader **out, struct kn_reader *source, struct kn_error **err)
{
  (void) out, (void) source;
  return kn_error_make (err, KN_ENOTSUP, 0, "not here");
}
static const struct kn_compressor c_ok = { KN_COMPRESSOR_VERSION, "cgood", "cgood", NULL, cw, crd };
static const struct kn_compressor c_noname = { KN_COMPRESSOR_VERSION, NULL, "x", NULL, cw, crd };
static const struct kn_compressor c_nosuffix = { KN_COMPRESSOR_VERSION, "nosuffix", NULL, NULL, cw, crd };
static const struct kn_compressor c_v0 = { 0, "vzero", "x", NULL, cw, crd };
static const struct kn_plugin_feature f_ok[] = { KN_FEATURE (KN_KIND_COMPRESSOR, &c_ok) };
static const struct kn_plugin_feature f_unknown[] = { { (enum kn_plugin_kind) 99, &c_ok } };
static const struct kn_plugin_feature f_nullvt[] = { KN_FEATURE (KN_KIND_RUNNER, NULL) };
static const struct kn_plugin_feature f_noname[] = { KN_FEATURE (KN_KIND_COMPRESSOR, &c_noname) };
static const struct kn_plugin_feature f_nosuffix[] = { KN_FEATURE (KN_KIND_COMPRESSOR, &c_nosuffix) };
static const struct kn_plugin_feature f_v0[] = { KN_FEATURE (KN_KIND_COMPRESSOR, &c_v0) };
static const struct kn_compressor c_twice = { KN_COMPRESSOR_VERSION, "ctwice", "x", NULL, cw, crd };
static const struct kn_plugin_feature f_twice[]
    = { KN_FEATURE (KN_KIND_COMPRESSOR, &c_twice), KN_FEATURE (KN_KIND_COMPRESSOR, &c_twice) };

#define DESC(var, name, version, features, n)                                                                  \
  static const struct kn_plugin_desc var##_desc = { KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR,                  \
                                                    sizeof (struct kn_plugin_desc), name, version, NULL,        \
                                                    features, n, NULL, NULL };                                  \
  static const struct kn_plugin_desc *var##_get (void) { return &var##_desc; }

DESC (ok, "docker-config", "1", f_ok, 1)
DESC (noname, NULL, "1", f_ok, 1)
DESC (noversion, "noversion", NULL, f_ok, 1)
DESC (nofeatures, "nofeatures", "1", NULL, 0)
DESC (zerofeatures, "zerofeatures", "1", f_ok, 0)
DESC (unknownkind, "unknownkind", "1", f_unknown, 1)
DESC (nullvt, "nullvt", "1", f_nullvt, 1)
DESC (vtnoname, "vtnoname", "1", f_noname, 1)
DESC (nosuffix, "nosuffix", "1", f_nosuffix, 1)
DESC (vzero, "vzero", "1", f_v0, 1)
DESC (twice, "twice", "1", f_twice, 1 + 1)
DESC (taken, "taken", "1", f_ok, 1)
DESC (mismatch, "other", "1", f_ok, 1)

static const struct kn_plugin_desc *
null_get (void)
{
  return NULL;
}

Test (loader, builtins_validated_like_modules)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  kn_plugins_register_builtin (t, "docker_config", ok_get); /* '_' in the symbol matches '-' */
  kn_plugins_register_builtin (t, "noname", noname_get);
  kn_plugins_register_builtin (t, "noversion", noversion_get);
  kn_plugins_register_builtin (t, "nofeatures", nofeatures_get);
  kn_plugins_register_builtin (t, "zerofeatures", zerofeatures_get);
  kn_plugins_register_builtin (t, "unknownkind", unknownkind_get);
  kn_plugins_register_builtin (t, "nullvt", nullvt_get);
  kn_plugins_register_builtin (t, "vtnoname", vtnoname_get);
  kn_plugins_register_builtin (t, "nosuffix", nosuffix_get);
  kn_plugins_register_builtin (t, "vzero", vzero_get);
  kn_plugins_register_builtin (t, "twice", twice_get);
  kn_plugins_register_builtin (t, "taken", taken_get);
  kn_plugins_register_builtin (t, "mismatch", mismatch_get);
  kn_plugins_register_builtin (t, "nulldesc", null_get);
  kn_plugins_register_builtin (t, "docker_config", ok_get);
  cr_assert_eq (kn_plugins_scan (t, &err), 1);
  cr_assert_not_null (loaded (t, "docker-config"));

  const char *expected[] = {
    "descriptor has no name",
    "plugin \"noversion\": descriptor has no version",
    "plugin \"nofeatures\": descriptor has no features",
    "plugin \"zerofeatures\": descriptor has no features",
    "plugin \"unknownkind\": feature 0 has an unknown kind 99",
    "plugin \"nullvt\": feature 0 (runner) has a NULL vtable",
    "plugin \"vtnoname\": feature 0 (compressor) has a vtable without a name",
    "plugin \"nosuffix\": compressor \"nosuffix\": mandatory slot media_suffix is NULL",
    "plugin \"vzero\": compressor vtable version 0 is not known (the core knows KN_COMPRESSOR_VERSION 1)",
    "plugin \"twice\": compressor \"ctwice\" is registered twice",
    "plugin \"taken\": compressor name \"cgood\" is already served by plugin \"docker-config\" ((builtin))",
    "plugin name \"other\" does not match the builtin symbol \"mismatch\"",
    "kn_plugin_get_desc returned NULL",
    "duplicate plugin \"docker-config\": already loaded from (builtin)",
  };
  size_t n = sizeof expected / sizeof expected[0];
  cr_assert_eq (kn_plugins_refused_count (t), n, "%zu refused", kn_plugins_refused_count (t));
  for (size_t i = 0; i < n; i++)
    {
      cr_assert_str_eq (kn_plugins_refused_get (t, i)->path, KN_PLUGIN_BUILTIN_PATH);
      cr_assert_str_eq (kn_plugins_refused_get (t, i)->reason, expected[i]);
    }
  kn_plugins_free (t);
}

static const struct kn_plugin_desc *
builtin_good_get (void)
{
  static const struct kn_plugin_desc d = { KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR, sizeof (struct kn_plugin_desc),
                                           "good", "builtin", NULL, f_ok, 1, NULL, NULL };
  return &d;
}

Test (loader, builtin_wins_over_module)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  cr_assert_eq (kn_plugins_add_dir (t, dir, &err), 0);
  kn_plugins_register_builtin (t, "good", builtin_good_get);
  cr_assert_geq (kn_plugins_scan (t, &err), 1);
  cr_assert_str_eq (loaded (t, "good")->desc->version, "builtin");
  expect_refused (t, dir, "good.la", "duplicate plugin \"good\": already loaded from (builtin)");
  kn_plugins_free (t);
}

/* One table per thread, scanned concurrently: libltdl is serialised by the loader. */
static void *
scan_thread (void *arg)
{
  const char *dir = arg;
  for (int round = 0; round < 5; round++)
    {
      struct kn_plugins *t = kn_plugins_new ();
      struct kn_error *err = NULL;
      if (kn_plugins_add_dir (t, dir, &err) < 0 || kn_plugins_scan (t, &err) != 1 || kn_plugins_refused_count (t) != 8)
        {
          kn_error_free (err);
          kn_plugins_free (t);
          return (void *) 1;
        }
      kn_plugins_free (t);
    }
  return NULL;
}

Test (loader, concurrent_tables)
{
  kn_cleanup_free char *dir = fixtures (NULL);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    cr_assert_eq (pthread_create (&th[i], NULL, scan_thread, dir), 0);
  for (int i = 0; i < 4; i++)
    {
      void *res = (void *) 1;
      cr_assert_eq (pthread_join (th[i], &res), 0);
      cr_assert_null (res, "thread %d saw a different table", i);
    }
}

/* tests/fixtures/good.c, linked into this program with KN_PLUGIN_BUILTIN. */
const struct kn_plugin_desc *kn_plugin_good_get_desc (void);

Test (loader, plugin_define_builtin_entry)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  kn_plugins_register_builtin (t, "good", kn_plugin_good_get_desc);
  cr_assert_eq (kn_plugins_scan (t, &err), 1);
  const struct kn_plugin_info *p = loaded (t, "good");
  cr_assert_not_null (p);
  cr_assert_str_eq (p->path, KN_PLUGIN_BUILTIN_PATH);
  cr_assert_str_eq (p->desc->version, "1.0.0");
  cr_assert_eq (p->desc->abi_major, KN_PLUGIN_ABI_MAJOR);
  cr_assert_eq (p->desc->desc_size, sizeof (struct kn_plugin_desc));
  const void *vt = NULL;
  cr_assert_eq (kn_plugins_find (t, KN_KIND_COMPRESSOR, "good", &vt, &err), 0);
  kn_plugins_free (t);
}

Test (loader, search_path)
{
  struct kn_plugins *t = kn_plugins_new ();
  struct kn_error *err = NULL;
  cr_assert_eq (kn_plugins_add_dir (t, "relative/dir", &err), -KN_EINVAL);
  cr_assert_str_eq (err->msg, "--plugin-dir relative/dir: not an absolute path");
  kn_error_release (&err);
  cr_assert_eq (kn_plugins_add_dir (t, "/nonexistent/kaniko-plugins", &err), -KN_ENOTFOUND);
  cr_assert_str_eq (err->msg, "--plugin-dir /nonexistent/kaniko-plugins: not a directory");
  kn_error_release (&err);
  cr_assert_eq (kn_plugins_add_dir (t, "/tmp/a:b", &err), -KN_EINVAL);
  kn_error_release (&err);

  kn_cleanup_free char *dir = fixtures (NULL);
  kn_cleanup_free char *dup = fixtures ("dup");
  kn_cleanup_free char *env = kn_xasprintf ("%s::/nonexistent/a:%s/:%s", dup, dir, dir);
  setenv ("KANIKO_PLUGIN_PATH", env, 1);
  cr_assert_eq (kn_plugins_add_dir (t, dir, &err), 0);
  kn_plugins_add_default_dirs (t);
  /* dir (flag), dup (env), /nonexistent/a (env, missing), "dir/" and dir
   * again are the same directory, then the executable's and pkglibdir. */
  cr_assert_geq (kn_plugins_dir_count (t), 4);
  const struct kn_plugin_dir *d0 = kn_plugins_dir_get (t, 0), *d1 = kn_plugins_dir_get (t, 1),
                             *d2 = kn_plugins_dir_get (t, 2);
  cr_assert_str_eq (d0->path, dir);
  cr_assert_eq (d0->origin, KN_PLUGIN_DIR_FLAG);
  cr_assert_str_eq (d1->path, dup);
  cr_assert_eq (d1->origin, KN_PLUGIN_DIR_ENV);
  cr_assert_str_eq (d2->path, "/nonexistent/a");
  cr_assert_eq (d2->exists, 0);
  size_t n = kn_plugins_dir_count (t);
  const struct kn_plugin_dir *last = kn_plugins_dir_get (t, n - 1);
  cr_assert_eq (last->origin, KN_PLUGIN_DIR_PKGLIB);
  cr_assert_str_eq (last->path, KN_PKGLIBDIR);
  if (n == 5)
    cr_assert_eq (kn_plugins_dir_get (t, 3)->origin, KN_PLUGIN_DIR_EXE);
  cr_assert_leq (n, 5);
  cr_assert_null (kn_plugins_dir_get (t, n));

  /* --plugin-dir beats KANIKO_PLUGIN_PATH. */
  cr_assert_geq (kn_plugins_scan (t, &err), 1);
  cr_assert_str_eq (loaded (t, "good")->desc->version, "1.0.0");
  /* A second scan finds nothing new. */
  cr_assert_eq (kn_plugins_scan (t, &err), 0);
  kn_plugins_free (t);
}
