/* Internals of the plugin table (core/plugin/plugins.h is the interface):
 * the table itself, descriptor/vtable validation, options and the libltdl
 * loader, shared by table.c, validate.c, config.c and loader.c. */
#ifndef KN_CORE_PLUGIN_TABLE_H
#define KN_CORE_PLUGIN_TABLE_H

#include <stddef.h>

#include "core/plugin/plugins.h"

/* One option of a plugin. */
struct kn_plugin_option {
  char *key;
  char *value;
  int from_flag; /* set by --plugin-opt: the config file does not override it */
};

/* The options of one plugin (a read-only subtree for the plugin). */
struct kn_plugin_config {
  char *name;
  struct kn_plugin_option *opts;
  size_t n_opts;
};

/* A loaded plugin: the public info first. */
struct kn_plugin_entry {
  struct kn_plugin_info info;
  char *name;
  char *path;
  void *handle; /* the libltdl handle, NULL for builtins */
};

struct kn_plugin_refusal_entry {
  struct kn_plugin_refusal pub;
  char *path;
  char *reason;
};

struct kn_plugin_dir_entry {
  struct kn_plugin_dir pub;
  char *path;
  char *real; /* realpath() when it exists, to skip duplicates */
  int scanned;
};

struct kn_plugin_builtin {
  char *sym;
  kn_plugin_get_desc_fn get_desc;
};

struct kn_plugins {
  struct kn_plugin_entry **entries;
  size_t n_entries;
  struct kn_plugin_refusal_entry **refused;
  size_t n_refused;
  struct kn_plugin_dir_entry **dirs;
  size_t n_dirs;
  struct kn_plugin_builtin *builtins; /* queued, not yet validated */
  size_t n_builtins;
  struct kn_plugin_config **configs;
  size_t n_configs;
  int ltdl_ready; /* kn_plugin_loader_init() succeeded for this table */
};

/* Record that PATH was refused; REASON is printf-formatted. */
void kn_plugins_refuse (struct kn_plugins *t, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Validate DESC (from PATH, whose file base name is EXPECTED_NAME; for a
 * builtin the symbol name, where '_' also matches '-'), run its init() and on
 * success append it to T owning HANDLE (may be NULL).  Returns 0 when
 * accepted; otherwise < 0 with the refusal recorded, HANDLE not taken. */
int kn_plugins_add (struct kn_plugins *t, const struct kn_plugin_desc *desc, const char *path,
                    const char *expected_name, int builtin, void *handle);

/* NULL when DESC (already checked for ABI, size and required members) may be
 * added to T; otherwise the malloc'd reason it is refused (validate.c). */
char *kn_plugin_validate_desc (const struct kn_plugins *t, const struct kn_plugin_desc *desc,
                               const char *expected_name, int builtin);

/* NULL when the ABI numbers and the size of DESC are usable; otherwise the
 * malloc'd reason (validate.c). */
char *kn_plugin_validate_abi (const struct kn_plugin_desc *desc);

/* The config of plugin NAME in T, created empty when CREATE and missing;
 * NULL when missing and !CREATE (config.c). */
struct kn_plugin_config *kn_plugins_config_lookup (struct kn_plugins *t, const char *name, int create);

/* Free every config of T (config.c). */
void kn_plugins_configs_free (struct kn_plugins *t);

/* Initialise libltdl (reference counted).  Returns 0 or < 0 with *err set (loader.c). */
int kn_plugin_loader_init (struct kn_error **err);

/* Drop one reference taken by kn_plugin_loader_init() (loader.c). */
void kn_plugin_loader_exit (void);

/* Unload a module opened by the loader (NULL is fine) (loader.c). */
void kn_plugin_loader_close (void *handle);

/* Load every plugin module of directory DIR into T (loader.c). */
void kn_plugin_loader_scan_dir (struct kn_plugins *t, const char *dir);

/* Append DIR to the search path of T unless it is already there (loader.c). */
void kn_plugins_append_dir (struct kn_plugins *t, const char *dir, enum kn_plugin_dir_origin origin);

#endif
