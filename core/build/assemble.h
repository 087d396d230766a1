/* The final image documents: the config (with --label applied) and the
 * manifest (config descriptor + layers, Docker schema 2 or OCI media types
 * like kaniko) serialised deterministically and stored in the content store. */
#ifndef KN_CORE_BUILD_ASSEMBLE_H
#define KN_CORE_BUILD_ASSEMBLE_H

#include <stddef.h>

#include <kaniko/error.h>

#include "core/build/image.h"
#include "core/image/blobs.h"
#include "core/layer/store.h"
#include "core/util/digest.h"

/* The manifest of an assembled image. */
struct kn_bmanifest {
  char *data;          /* manifest bytes */
  size_t len;
  const char *media_type;
  char digest[KN_DIGEST_STR_LEN];
  char config_digest[KN_DIGEST_STR_LEN];
};

/* Write IMG's config and manifest into STORE and describe the manifest in
 * *OUT (free with kn_bmanifest_clear).  Returns 0 or < 0. */
int kn_bimage_assemble (struct kn_bimage *img, struct kn_store *store, struct kn_bmanifest *out, struct kn_error **err);

/* Free OUT's members. */
void kn_bmanifest_clear (struct kn_bmanifest *out);

/* A blob provider reading STORE (which must outlive it). */
void kn_build_store_provider (struct kn_store *store, struct kn_blob_provider *out);

#endif
