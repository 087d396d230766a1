/* Pulling a base image: reference parsing, registry candidates (map,
 * mirrors, origin), manifest (an index is resolved to the platform's
 * manifest), config and layers fetched into the content store with their
 * digests verified, retried --image-download-retry times. */
#ifndef KN_CORE_BUILD_PULL_H
#define KN_CORE_BUILD_PULL_H

#include <stdint.h>

#include <kaniko/error.h>

#include "core/build/image.h"
#include "core/build/registry.h"
#include "core/layer/store.h"

/* Pull NAME (a FROM value) for PLATFORM ("linux/amd64") into STORE (from the
 * --cache-dir OCI layout when it holds NAME, see cachedir.h) and
 * describe it in *OUT (layers as pulled, config parsed).  Returns 0 or < 0
 * naming the reference. */
int kn_build_pull (const struct kn_breg *b, struct kn_store *store, const char *name, const char *platform,
                   struct kn_bimage *out, struct kn_error **err);

/* What a pull resolved (malloc'd members; clear with kn_pull_info_clear). */
struct kn_pull_info {
  char *manifest_digest; /* the platform's manifest, also stored in the store */
  int64_t manifest_size;
  char *media_type;      /* of that manifest */
  char *resolved_digest; /* what the reference resolved to (an index, or the manifest) */
};

/* kn_build_pull, looking in --cache-dir first when USE_CACHE; INFO (may be
 * NULL) receives the digests of a registry pull (left empty on a cache hit). */
int kn_build_pull_info (const struct kn_breg *b, struct kn_store *store, const char *name, const char *platform,
                        int use_cache, struct kn_bimage *out, struct kn_pull_info *info, struct kn_error **err);

/* Free the members of INFO and zero it. */
void kn_pull_info_clear (struct kn_pull_info *info);

#endif
