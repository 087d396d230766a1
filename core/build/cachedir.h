/* --cache-dir: the base-image cache, an OCI image layout filled by
 * "kaniko warm".  Each image has an index.json entry named (in
 * org.opencontainers.image.ref.name) by its full normalized reference
 * ("docker.io/library/busybox:latest"), and a second entry named
 * "<name>@<digest>" by the digest the reference resolved to (an index or the
 * manifest).  A build finds its base there by reference, or by digest for
 * name@sha256:... references, and then makes no network access. */
#ifndef KN_CORE_BUILD_CACHEDIR_H
#define KN_CORE_BUILD_CACHEDIR_H

#include <kaniko/build.h>
#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/build/image.h"
#include "core/image/platform.h"
#include "core/image/reference.h"
#include "core/layer/store.h"
#include "core/plugin/plugins.h"

/* The cache key of REF: "domain/path@digest" when it has a digest, else
 * "domain/path:tag" (tag "latest" when none); malloc'd. */
char *kn_cachedir_key (const struct kn_reference *ref);

/* Look REF up in the cache dir DIR (NULL, empty or without index.json: a
 * miss) for platform WANT.  On a hit the config and layers are copied into
 * STORE (verified), *OUT is filled and 1 returned; 0 on a miss.  A broken
 * entry is logged as a warning and counts as a miss (the registry is asked). */
int kn_cachedir_lookup (const char *dir, const struct kn_reference *ref, const struct kn_platform *want,
                        struct kn_store *store, struct kn_bimage *out);

/* kaniko warm: pull each of IMAGES (NULL-terminated) for O->custom_platform
 * with O's registry settings into the cache dir O->cache_dir (an OCI layout,
 * created when missing; entries added atomically); transfers stop when
 * CANCEL (may be NULL) is requested.  Returns 0, or < 0 naming the image
 * that failed (-KN_ECANCELED when cancelled). */
KN_EXPORT int kn_build_warm (const struct kn_build_options *o, struct kn_plugins *plugins, const char *const *images,
                             const struct kn_cancel *cancel, struct kn_error **err);

#endif
