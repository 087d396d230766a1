/* The local outputs of a build: --oci-layout-path, --tar-path (RepoTags from
 * --destination), --digest-file, --image-name-with-digest-file and
 * --image-name-tag-with-digest-file. */
#ifndef KN_CORE_BUILD_OUTPUT_H
#define KN_CORE_BUILD_OUTPUT_H

#include <kaniko/build.h>
#include <kaniko/error.h>

#include "core/build/assemble.h"

struct kn_cancel;

/* Write every local output O asks for of the image M (blobs from STORE).
 * Blob copies poll CANCEL (may be NULL): a cancelled or failed write leaves
 * no partial file (the --tar-path is renamed into place when complete, an
 * --oci-layout-path that did not exist before is removed again).  Returns 0
 * or < 0 naming the output. */
int kn_build_write_outputs (const struct kn_build_options *o, struct kn_store *store, const struct kn_bmanifest *m,
                            const struct kn_cancel *cancel, struct kn_error **err);

/* Write the digest files O asks for (after the pushes). */
int kn_build_write_digest_files (const struct kn_build_options *o, const struct kn_bmanifest *m,
                                 struct kn_error **err);

#endif
