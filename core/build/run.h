/* RUN: the command line (shell form through SHELL, exec form, heredocs as
 * BuildKit runs them), its environment (kn_buildenv_run_env), USER, WORKDIR,
 * --mount=bind|cache|tmpfs|secret and --network, executed by the runner
 * plugin (--runner; chroot as root, userns otherwise) in the stage root; the
 * snapshotter (--snapshot-mode, default full) reports what changed, which
 * becomes the step's layer. */
#ifndef KN_CORE_BUILD_RUN_H
#define KN_CORE_BUILD_RUN_H

#include <kaniko/error.h>

#include "core/build/stage.h"

/* Run INS (expanded; STEP is its 1-based position in the stage) in stage
 * I.  A non-zero exit is -KN_EINVAL "RUN step N (Dockerfile:L) failed: exit
 * status C".  Returns 0 or < 0. */
int kn_brun (struct kn_bctx *c, size_t i, const struct kn_df_instruction *ins, size_t step, struct kn_error **err);

/* Close the stage's snapshot session (NULL-safe on states without one). */
void kn_brun_close (struct kn_bstage_state *ss);

#endif
