/* Validation of image documents by media type (what a client must check, plus
 * the OCI schema rules in strict mode); used on every fetched document and by
 * the OCI conformance runner. */
#ifndef KN_CORE_IMAGE_VALIDATE_H
#define KN_CORE_IMAGE_VALIDATE_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

/* Validate LEN bytes as a document of MEDIA_TYPE (OCI or Docker manifest, index/list, config,
 * descriptor, layout header).  FLAGS: KN_IMAGE_PARSE_STRICT.  -KN_ENOTSUP for an unknown type. */
KN_EXPORT int kn_image_validate (const char *media_type, const void *data, size_t len, unsigned flags,
                                 struct kn_error **err);
/* Validate an oci-layout file ({"imageLayoutVersion":"1.0.0"}). */
int kn_image_validate_layout_header (const void *data, size_t len, struct kn_error **err);

#endif
