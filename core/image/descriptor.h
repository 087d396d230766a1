/* Content descriptors (OCI descriptor / Docker schema 2 descriptor). */
#ifndef KN_CORE_IMAGE_DESCRIPTOR_H
#define KN_CORE_IMAGE_DESCRIPTOR_H

#include <stdint.h>

#include <json-c/json.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/json.h"
#include "core/image/platform.h"

/* One descriptor; every pointer member is owned and may be NULL. */
struct kn_descriptor {
  char *media_type;
  int64_t size;
  char *digest;
  char *data;               /* base64, as in the document */
  char **urls;
  struct kn_strmap annotations;
  struct kn_platform *platform;
  char *artifact_type;
};

/* Check a descriptor digest: OCI grammar algorithm:encoded, and for sha256/sha384/sha512 the
 * exact lowercase-hex length (other registered-looking algorithms pass, as go-digest does). */
int kn_descriptor_check_digest (const char *digest, const char *what, struct kn_error **err);
/* Read a descriptor object.  Requires mediaType, size >= 0 and a valid digest; checks the
 * media type syntax, urls are absolute URIs and data is padded base64. */
int kn_descriptor_from_json (json_object *obj, const char *what, struct kn_descriptor *out, struct kn_error **err);
/* Write D in ggcr field order: mediaType, size, digest, data, urls, annotations, platform, artifactType. */
void kn_descriptor_to_json (struct kn_jw *w, const struct kn_descriptor *d);
/* Deep copy. */
void kn_descriptor_copy (struct kn_descriptor *dst, const struct kn_descriptor *src);
/* Free the members of D and zero it. */
void kn_descriptor_clear (struct kn_descriptor *d);
/* Parse a standalone descriptor document (application/vnd.oci.descriptor.v1+json). */
int kn_descriptor_parse (const void *data, size_t len, struct kn_descriptor *out, struct kn_error **err);

#endif
