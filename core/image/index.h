/* Image indexes: OCI image index and Docker manifest list. */
#ifndef KN_CORE_IMAGE_INDEX_H
#define KN_CORE_IMAGE_INDEX_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/descriptor.h"
#include "core/image/manifest.h"
#include "core/image/platform.h"

/* One index (either format; media_type tells which, NULL when absent). */
struct kn_index {
  int64_t schema_version;
  char *media_type;
  char *artifact_type;
  struct kn_descriptor *manifests;
  size_t n_manifests;
  struct kn_strmap annotations;
  struct kn_descriptor *subject;
};

/* Parse LEN bytes into *OUT.  Checks schemaVersion 2, the manifests array, each entry's
 * descriptor and platform (architecture and os required); a manifest media type is refused. */
KN_EXPORT int kn_index_parse (const void *data, size_t len, unsigned flags, struct kn_index *out,
                              struct kn_error **err);
/* Serialise (ggcr order: schemaVersion, mediaType, artifactType, manifests, annotations, subject). */
KN_EXPORT char *kn_index_write (const struct kn_index *idx, size_t *len);
/* Append a copy of D. */
KN_EXPORT void kn_index_add (struct kn_index *idx, const struct kn_descriptor *d);
/* The position of the entry best matching WANT (an exact os/arch/variant first, then the first
 * compatible one, see kn_platform_match); -KN_ENOTFOUND (error names the platform) when none. */
KN_EXPORT int kn_index_select (const struct kn_index *idx, const struct kn_platform *want, struct kn_error **err);
/* Convert to a Docker manifest list (TO_DOCKER=1) or an OCI index: the index type and each
 * entry's manifest type; to Docker drops annotations. */
KN_EXPORT int kn_index_convert (const struct kn_index *in, int to_docker, struct kn_index *out,
                                struct kn_error **err);
/* Free the members and zero. */
KN_EXPORT void kn_index_clear (struct kn_index *idx);

#endif
