/* Where output writers get blob bytes from: a callback that opens a blob by
 * digest, so the writers do not depend on the content store implementation. */
#ifndef KN_CORE_IMAGE_BLOBS_H
#define KN_CORE_IMAGE_BLOBS_H

#include <kaniko/error.h>
#include <kaniko/sys/stream.h>

/* Opens blobs by digest ("sha256:<hex>"). */
struct kn_blob_provider {
  /* Open a reader over the whole blob DIGEST into *OUT (freed by the caller with
   * kn_reader_free).  -KN_ENOTFOUND (error set) when the blob is not available. */
  int (*open) (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err);
  void *payload;
};

#endif
