/* OCI image layout directories (oci-layout, index.json, blobs/sha256/...):
 * adding images and indexes, reading index.json, and a blob provider over a
 * layout.  Every file is written atomically (temporary file, fsync, rename);
 * adding to an existing layout keeps its other entries. */
#ifndef KN_CORE_IMAGE_OCI_LAYOUT_H
#define KN_CORE_IMAGE_OCI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/blobs.h"
#include "core/image/index.h"

#define KN_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define KN_OCI_LAYOUT_FILE_CONTENT "{\"imageLayoutVersion\": \"1.0.0\"}"

/* Add the manifest or index DATA (LEN bytes, of MEDIA_TYPE; NULL reads its mediaType) to the layout
 * at DIR (created when missing): every blob it references (children of an index too) is copied from
 * BLOBS (foreign layers the provider lacks are skipped), the document is stored as a blob and an entry
 * is appended to index.json, annotated with org.opencontainers.image.ref.name=REF_NAME when REF_NAME
 * is non-NULL (an older entry with the same name is replaced, like skopeo).  Digests are verified;
 * concurrent writers to one layout are serialised with flock on DIR. */
KN_EXPORT int kn_oci_layout_add (const char *dir, const char *media_type, const void *data, size_t len,
                                 const char *ref_name, const struct kn_blob_provider *blobs, struct kn_error **err);
/* Copy blob DIGEST (SIZE bytes, -1 unknown) from BLOBS into DIR unless present; verifies digest and size. */
int kn_oci_layout_put_blob (const char *dir, const char *digest, int64_t size, const struct kn_blob_provider *blobs,
                            struct kn_error **err);
/* Read DIR/index.json into *OUT (-KN_ENOTFOUND when the layout has none). */
KN_EXPORT int kn_oci_layout_read_index (const char *dir, struct kn_index *out, struct kn_error **err);
/* A provider reading DIR/blobs/<alg>/<hex>; DIR must outlive the provider's use. */
KN_EXPORT void kn_oci_layout_blob_provider (const char *dir, struct kn_blob_provider *out);
/* Read a whole small blob (manifest, config; at most MAX bytes) from BLOBS, verifying its digest. */
int kn_blob_read_small (const struct kn_blob_provider *blobs, const char *digest, size_t max, char **data, size_t *len,
                        struct kn_error **err);

#endif
