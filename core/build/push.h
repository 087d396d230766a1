/* Pushing the built image to every --destination: a permission check before
 * the build, then blobs (config and layers, from the content store; the
 * registry skips existing ones, and base layers are mounted across
 * repositories of the same registry) and the manifest by tag, with
 * --push-retry attempts and backoff. */
#ifndef KN_CORE_BUILD_PUSH_H
#define KN_CORE_BUILD_PUSH_H

#include <kaniko/error.h>

#include "core/build/assemble.h"
#include "core/build/image.h"
#include "core/build/registry.h"

/* Check that every destination of B->o can be pushed to.  Returns 0 or < 0
 * naming the destination. */
int kn_build_push_check (const struct kn_breg *b, struct kn_error **err);

/* Push IMG (documents M, blobs in STORE) to every destination; append
 * "<repository>:<tag>@<digest>" per destination to *PUSHED.  Returns 0 or < 0. */
int kn_build_push (const struct kn_breg *b, struct kn_store *store, const struct kn_bimage *img,
                   const struct kn_bmanifest *m, char ***pushed, struct kn_error **err);

#endif
