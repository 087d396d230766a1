/* The plugin table: finds plugin modules along the search path, validates
 * their descriptors and vtables (refusing, with a reason naming the file,
 * what the core cannot use), runs their init(), and answers "which vtable
 * serves X" for the CLI and the build engine.  core/plugin/loader.c is the
 * only file that talks to libltdl.
 *
 * Typical use (the order matters: options before scan, since init() gets them):
 *   struct kn_plugins *t = kn_plugins_new ();
 *   kn_plugins_register_builtin (t, "gzip", kn_plugin_gzip_get_desc);   // --enable-builtin-plugins
 *   kn_plugins_add_dir (t, "/opt/kaniko/plugins", &err);                 // every --plugin-dir
 *   kn_plugins_add_default_dirs (t);      // KANIKO_PLUGIN_PATH, $ORIGIN/../lib/kaniko, pkglibdir
 *   kn_plugins_set_option (t, "zstd.threads=4", &err);                   // every --plugin-opt
 *   kn_plugins_scan (t, &err);
 *   kn_plugins_find (t, KN_KIND_COMPRESSOR, "zstd", &vt, &err);
 *   ...
 *   kn_plugins_free (t);                  // fini() of every plugin, then unload
 *
 * A table is filled by one thread; once scanned, lookups may run from any
 * number of threads (nothing is modified by them). */
#ifndef KN_CORE_PLUGIN_PLUGINS_H
#define KN_CORE_PLUGIN_PLUGINS_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/plugin.h>

struct json_object;
struct kn_context_source;
struct kn_registry;

/* The table (opaque). */
struct kn_plugins;

/* Where a directory of the search path came from, in search order. */
enum kn_plugin_dir_origin {
  KN_PLUGIN_DIR_FLAG = 0, /* --plugin-dir */
  KN_PLUGIN_DIR_ENV,      /* KANIKO_PLUGIN_PATH */
  KN_PLUGIN_DIR_EXE,      /* $ORIGIN/../lib/kaniko (relative to the executable) */
  KN_PLUGIN_DIR_PKGLIB    /* $(pkglibdir), fixed at configure time */
};

/* One directory of the search path. */
struct kn_plugin_dir {
  const char *path;
  enum kn_plugin_dir_origin origin;
  int exists; /* 1 when it is a directory (it is searched), 0 when missing */
};

/* One loaded plugin. */
struct kn_plugin_info {
  const char *name;                    /* desc->name */
  const char *path;                    /* the file loaded, or "(builtin)" */
  int builtin;                         /* 1 when linked into the binary */
  const struct kn_plugin_desc *desc;   /* valid while the table lives */
  const struct kn_plugin_config *config; /* its options (never NULL) */
};

/* One refused file (or builtin) and why. */
struct kn_plugin_refusal {
  const char *path;
  const char *reason;
};

/* The display path of builtin plugins. */
#define KN_PLUGIN_BUILTIN_PATH "(builtin)"

/* A new, empty table (no directories, no plugins).  Free with kn_plugins_free(). */
KN_EXPORT struct kn_plugins *kn_plugins_new (void);

/* Call fini() of every loaded plugin (last loaded first), unload the modules
 * and free T (NULL is fine). */
KN_EXPORT void kn_plugins_free (struct kn_plugins *t);

/* Append DIR (--plugin-dir: absolute, must be a directory) to the search
 * path.  A directory already in the path is not added twice.  Returns 0, or
 * -KN_EINVAL (relative, or containing ':') / -KN_ENOTFOUND (not a directory)
 * with *err set. */
KN_EXPORT int kn_plugins_add_dir (struct kn_plugins *t, const char *dir, struct kn_error **err);

/* Append the default search path after the --plugin-dir ones: every entry of
 * KANIKO_PLUGIN_PATH (colon-separated), then $ORIGIN/../lib/kaniko (from
 * /proc/self/exe), then $(pkglibdir).  Missing directories are listed but
 * not searched. */
KN_EXPORT void kn_plugins_add_default_dirs (struct kn_plugins *t);

/* Queue a plugin linked into the binary: SYM is its symbol name (the plugin
 * name with '-' spelled '_'), GET_DESC its kn_plugin_<SYM>_get_desc.  It is
 * validated like a module at the next kn_plugins_scan(), before any directory,
 * so a builtin wins over a module of the same name. */
KN_EXPORT void kn_plugins_register_builtin (struct kn_plugins *t, const char *sym, kn_plugin_get_desc_fn get_desc);

/* Set one option from "NAME.KEY=VALUE" (--plugin-opt).  A flag value
 * overrides a value from the config file whatever the order of the calls.
 * Returns 0, or -KN_EINVAL with *err set when ASSIGNMENT is malformed. */
KN_EXPORT int kn_plugins_set_option (struct kn_plugins *t, const char *assignment, struct kn_error **err);

/* Set options from the "plugins" object of --config: {"name": {"key": value}}
 * where each value is a string, number or boolean (kept as its text).  Does
 * not override values set by kn_plugins_set_option().  Returns 0, or
 * -KN_EINVAL with *err set naming the offending member. */
KN_EXPORT int kn_plugins_set_options_json (struct kn_plugins *t, const struct json_object *plugins,
                                           struct kn_error **err);

/* Validate and initialise the queued builtins, then load every plugin found
 * in the directories of the search path not yet scanned (in order; the first
 * plugin of a name wins).  Refused files are recorded, not fatal.  Returns the
 * number of plugins loaded by this call, or < 0 with *err set when libltdl
 * cannot be initialised. */
KN_EXPORT int kn_plugins_scan (struct kn_plugins *t, struct kn_error **err);

/* Fail with -KN_EINVAL (*err naming it) when an option names no loaded plugin. */
KN_EXPORT int kn_plugins_check_options (const struct kn_plugins *t, struct kn_error **err);

/* The vtable of KIND whose name is NAME ("zstd"), in *OUT.  Returns 0, or
 * -KN_ENOTFOUND with *err listing the plugins of that kind that were found
 * and every directory searched. */
KN_EXPORT int kn_plugins_find (const struct kn_plugins *t, enum kn_plugin_kind kind, const char *name,
                               const void **out, struct kn_error **err);

/* The context source serving URL's scheme ("tar://x.tgz" -> the source claiming
 * "tar"; a value without "scheme://" -> the source claiming "").  *LOCATION
 * (optional) points into URL after "scheme://" (or at URL).  Returns 0, or
 * -KN_ENOTFOUND with *err listing the schemes served and the directories searched. */
KN_EXPORT int kn_plugins_find_context (const struct kn_plugins *t, const char *url,
                                       const struct kn_context_source **out, const char **location,
                                       struct kn_error **err);

/* The registry plugin serving TRANSPORT ("docker", "oci", "docker-archive").
 * Returns 0, or -KN_ENOTFOUND with *err listing the transports served and
 * the directories searched. */
KN_EXPORT int kn_plugins_find_registry (const struct kn_plugins *t, const char *transport,
                                        const struct kn_registry **out, struct kn_error **err);

/* The I-th vtable of KIND in load order (credential providers are tried in
 * this order), or NULL past the end. */
KN_EXPORT const void *kn_plugins_nth (const struct kn_plugins *t, enum kn_plugin_kind kind, size_t i);

/* The plugin that registered VTABLE (for its config), or NULL. */
KN_EXPORT const struct kn_plugin_info *kn_plugins_owner (const struct kn_plugins *t, const void *vtable);

/* The options of plugin NAME (an empty config when it has none; never NULL). */
KN_EXPORT const struct kn_plugin_config *kn_plugins_config (const struct kn_plugins *t, const char *name);

/* Number of loaded plugins, and the I-th in load order (NULL past the end). */
KN_EXPORT size_t kn_plugins_count (const struct kn_plugins *t);
KN_EXPORT const struct kn_plugin_info *kn_plugins_get (const struct kn_plugins *t, size_t i);

/* Number of refused files, and the I-th in scan order (NULL past the end). */
KN_EXPORT size_t kn_plugins_refused_count (const struct kn_plugins *t);
KN_EXPORT const struct kn_plugin_refusal *kn_plugins_refused_get (const struct kn_plugins *t, size_t i);

/* Number of directories of the search path, and the I-th (NULL past the end). */
KN_EXPORT size_t kn_plugins_dir_count (const struct kn_plugins *t);
KN_EXPORT const struct kn_plugin_dir *kn_plugins_dir_get (const struct kn_plugins *t, size_t i);

/* "compressor", "context", ... for KIND; "unknown" otherwise. */
KN_EXPORT const char *kn_plugin_kind_name (enum kn_plugin_kind kind);

/* "--plugin-dir", "KANIKO_PLUGIN_PATH", "executable", "pkglibdir". */
KN_EXPORT const char *kn_plugin_dir_origin_name (enum kn_plugin_dir_origin origin);

/* Number of options set for plugin CFG, and the I-th key/value (for listing). */
KN_EXPORT size_t kn_plugin_config_count (const struct kn_plugin_config *cfg);
KN_EXPORT int kn_plugin_config_nth (const struct kn_plugin_config *cfg, size_t i, const char **key,
                                    const char **value);

#endif
