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

/* kn_build_run, stopping early when CANCEL (may be NULL) is requested: the
 * RUN in progress is killed with its PID namespace, transfers are aborted,
 * the stage roots, mounts and partial outputs are removed, and the build
 * returns -KN_ECANCELED with *ERR "build cancelled during step N (RUN ...)"
 * (or "... while pushing D", ...).  A build that completed before noticing
 * the request returns 0. */
KN_EXPORT int kn_build_run_cancellable (const struct kn_build_options *o, struct kn_plugins *plugins,
                                        const struct kn_cancel *cancel, struct kn_build_result *res,
                                        struct kn_error **err);

/* Free the members of RES and zero it. */
KN_EXPORT void kn_build_result_clear (struct kn_build_result *res);

struct kn_bctx;

/* Record what build C is doing now (printf FMT), named by the cancel message. */
void kn_build_doing (struct kn_bctx *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* -KN_ECANCELED with *ERR set when C's build was cancelled, else 0. */
int kn_build_check_cancel (struct kn_bctx *c, struct kn_error **err);

/* Start step STEP (1-based) of stage I, the instruction TEXT: record it for
 * the cancel message and return kn_build_check_cancel's answer. */
int kn_build_step_begin (struct kn_bctx *c, size_t i, size_t step, const char *text, struct kn_error **err);

#endif
