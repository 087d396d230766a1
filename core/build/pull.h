/* Pulling a base image: reference parsing, registry candidates (map,
 * mirrors, origin), manifest (an index is resolved to the platform's
 * manifest), config and layers fetched into the content store with their
 * digests verified, retried --image-download-retry times. */
#ifndef KN_CORE_BUILD_PULL_H
#define KN_CORE_BUILD_PULL_H

#include <kaniko/error.h>

#include "core/build/image.h"
#include "core/build/registry.h"
#include "core/layer/store.h"

/* Pull NAME (a FROM value) for PLATFORM ("linux/amd64") into STORE and
 * describe it in *OUT (layers as pulled, config parsed).  Returns 0 or < 0
 * naming the reference. */
int kn_build_pull (const struct kn_breg *b, struct kn_store *store, const char *name, const char *platform,
                   struct kn_bimage *out, struct kn_error **err);

#endif
