/* Builtin plugins: KN_BUILTIN_LIST (config.h, from --enable-builtin-plugins)
 * is an X-macro "KN_BUILTIN(gzip) KN_BUILTIN(zstd) ..."; each plugin linked
 * into the binary (core/libkn-builtin.la) provides kn_plugin_<sym>_get_desc. */
#include "config.h"

#include "core/cli/builtin-plugins.h"

#define KN_BUILTIN(sym) const struct kn_plugin_desc *kn_plugin_##sym##_get_desc (void);
KN_BUILTIN_LIST
#undef KN_BUILTIN

void
kn_cli_register_builtin_plugins (struct kn_plugins *t)
{
#define KN_BUILTIN(sym) kn_plugins_register_builtin (t, #sym, kn_plugin_##sym##_get_desc);
  KN_BUILTIN_LIST
#undef KN_BUILTIN
  (void) t;
}

struct kn_plugins *
kn_cli_plugins_new (void)
{
  struct kn_plugins *t = kn_plugins_new ();
  kn_cli_register_builtin_plugins (t);
  return t;
}
