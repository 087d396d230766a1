/* Plugins linked into the kaniko binary (--enable-builtin-plugins). */
#ifndef KN_CLI_BUILTIN_PLUGINS_H
#define KN_CLI_BUILTIN_PLUGINS_H

#include "core/plugin/plugins.h"

/* Queue every builtin plugin with T (validated at kn_plugins_scan()). */
void kn_cli_register_builtin_plugins (struct kn_plugins *t);

/* A new table with the builtin plugins queued; the caller adds directories
 * and options, then scans, and frees it with kn_plugins_free(). */
struct kn_plugins *kn_cli_plugins_new (void);

#endif
