/* kaniko — the plugin ABI (plugin-author tier).
 *
 * A plugin is a shared object exporting one symbol, kn_plugin_get_desc(),
 * which returns a descriptor.  The descriptor starts with the ABI major and
 * minor and its own size so the loader can refuse what it cannot use before
 * touching anything else.  A plugin registers one or more features, each a
 * {kind, vtable} pair; every vtable starts with `unsigned version; const char
 * *name;` (see the per-kind headers next to this one).
 *
 * Compatibility: a plugin loads when its abi_major equals the core's and its
 * abi_minor is not newer.  Minor bumps only append members at the end of
 * structs; desc_size/vtable versions tell the core which members exist. */
#ifndef KANIKO_SYS_PLUGIN_H
#define KANIKO_SYS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of feature a plugin may register. */
enum kn_plugin_kind {
  KN_KIND_CONTEXT = 1, /* struct kn_context_source   <kaniko/sys/context.h> */
  KN_KIND_REGISTRY,    /* struct kn_registry         <kaniko/sys/registry.h> */
  KN_KIND_CREDENTIAL,  /* struct kn_credential_provider <kaniko/sys/credential.h> */
  KN_KIND_SNAPSHOTTER, /* struct kn_snapshotter      <kaniko/sys/snapshot.h> */
  KN_KIND_COMPRESSOR,  /* struct kn_compressor       <kaniko/sys/compressor.h> */
  KN_KIND_RUNNER,      /* struct kn_runner           <kaniko/sys/runner.h> */
  KN_KIND_SIGNER,      /* struct kn_signer           <kaniko/sys/signer.h> */
  KN_KIND_DRIVER,      /* struct kn_driver           <kaniko/sys/driver.h> */
  KN_KIND_MAX
};

/* Every vtable begins with this header. */
struct kn_vtable_header {
  unsigned version;
  const char *name;
};

/* One feature: a kind and a pointer to that kind's vtable. */
struct kn_plugin_feature {
  enum kn_plugin_kind kind;
  const void *vtable;
};

/* Read-only options handed to one plugin (from --plugin-opt NAME.KEY=VALUE
 * and the "plugins" object of --config).  Owned by the core. */
struct kn_plugin_config;

/* The value of KEY for this plugin, or NULL when unset. */
KN_EXPORT const char *kn_plugin_config_get (const struct kn_plugin_config *cfg, const char *key);

/* The descriptor.  The first three members never move. */
struct kn_plugin_desc {
  uint16_t abi_major;   /* KN_PLUGIN_ABI_MAJOR the plugin was built with */
  uint16_t abi_minor;   /* KN_PLUGIN_ABI_MINOR the plugin was built with */
  uint32_t desc_size;   /* sizeof (struct kn_plugin_desc) in the plugin */
  const char *name;     /* equals the module's file base name ("gzip") */
  const char *version;  /* the plugin's own version ("1.0.0") */
  const char *description;
  const struct kn_plugin_feature *features;
  size_t n_features;
  /* Optional: called once after loading, before any vtable is used.
   * Returns 0, or a negative code with *err set (the plugin is then refused). */
  int (*init) (const struct kn_plugin_config *cfg, struct kn_error **err);
  /* Optional: called once at shutdown. */
  void (*fini) (void);
};

/* The type of the entry point. */
typedef const struct kn_plugin_desc *(*kn_plugin_get_desc_fn) (void);

/* The entry symbol every module exports. */
#define KN_PLUGIN_ENTRY_SYMBOL "kn_plugin_get_desc"

/* A feature list element: KN_FEATURE (KN_KIND_COMPRESSOR, &gzip_vtable). */
#define KN_FEATURE(kind_, vtable_) { (kind_), (vtable_) }

#define KN_PLUGIN_VISIBLE __attribute__ ((visibility ("default")))

/* KN_PLUGIN_DEFINE (sym, "name", "version", "description", init, fini, features...)
 * emits the descriptor, kn_plugin_<sym>_get_desc() (used when the plugin is
 * linked into the binary with --enable-builtin-plugins) and, for a loadable
 * module, the entry point kn_plugin_get_desc().  Write it at file scope,
 * followed by a semicolon. */
#define KN_PLUGIN_DEFINE(sym_, name_, version_, descr_, init_, fini_, ...)                                     \
  static const struct kn_plugin_feature kn_plugin_features_[] = { __VA_ARGS__ };                              \
  static const struct kn_plugin_desc kn_plugin_desc_ = {                                                      \
    KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR, (uint32_t) sizeof (struct kn_plugin_desc), name_, version_,      \
    descr_, kn_plugin_features_, sizeof (kn_plugin_features_) / sizeof (kn_plugin_features_[0]), init_, fini_ \
  };                                                                                                          \
  KN_PLUGIN_VISIBLE const struct kn_plugin_desc *kn_plugin_##sym_##_get_desc (void);                           \
  KN_PLUGIN_VISIBLE const struct kn_plugin_desc *kn_plugin_##sym_##_get_desc (void) { return &kn_plugin_desc_; } \
  KN_PLUGIN_ENTRY_ (sym_)

#ifdef KN_PLUGIN_BUILTIN
#define KN_PLUGIN_ENTRY_(sym_) extern int kn_plugin_##sym_##_builtin_
#else
#define KN_PLUGIN_ENTRY_(sym_)                                       \
  KN_PLUGIN_VISIBLE const struct kn_plugin_desc *kn_plugin_get_desc (void); \
  KN_PLUGIN_VISIBLE const struct kn_plugin_desc *kn_plugin_get_desc (void) { return &kn_plugin_desc_; } \
  extern int kn_plugin_##sym_##_module_
#endif

/* Cancellation: long operations poll this and stop with KN_ECANCELED. */
struct kn_cancel;

/* True once the build has been asked to stop (signal, error elsewhere). */
KN_EXPORT int kn_cancel_requested (const struct kn_cancel *c);

#ifdef __cplusplus
}
#endif
#endif
