/* The build engine: one call runs a whole build described by struct
 * kn_build_options (context, Dockerfile, stages, layers, outputs, pushes).
 * The CLI (core/cli/cmd_build.c) fills the options and the plugin table and
 * prints the result; the engine never prints (it logs through kn_log). */
#ifndef KN_CORE_BUILD_BUILD_H
#define KN_CORE_BUILD_BUILD_H

#include <stddef.h>

#include <kaniko/build.h>
#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/plugin/plugins.h"

/* What a build produced (all members malloc'd; clear with kn_build_result_clear). */
struct kn_build_result {
  char *digest;        /* "sha256:..." of the final image manifest */
  char *media_type;    /* of that manifest */
  char *config_digest; /* "sha256:..." of its config (the image ID) */
  size_t n_layers;     /* layers of the final image */
  char **pushed;       /* "<destination>@<digest>" per pushed destination, NULL-terminated (may be NULL) */
};

/* Run the build O with the scanned plugin table PLUGINS; fill RES (zeroed by
 * the callee).  Returns 0, or a negative code with *ERR naming the file,
 * line, reference or destination that failed. */
KN_EXPORT int kn_build_run (const struct kn_build_options *o, struct kn_plugins *plugins, struct kn_build_result *res,
                            struct kn_error **err);

/* Free the members of RES and zero it. */
KN_EXPORT void kn_build_result_clear (struct kn_build_result *res);

#endif
