/* Image manifests: OCI image manifest and Docker schema 2 manifest, parsed
 * into one struct, written back deterministically, converted either way. */
#ifndef KN_CORE_IMAGE_MANIFEST_H
#define KN_CORE_IMAGE_MANIFEST_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/descriptor.h"

/* Parse flags. */
#define KN_IMAGE_PARSE_STRICT 1 /* schema-level checks too (e.g. at least one layer) */

/* One image manifest (either format; media_type tells which, NULL when absent). */
struct kn_manifest {
  int64_t schema_version;
  char *media_type;
  char *artifact_type;
  struct kn_descriptor config;
  struct kn_descriptor *layers;
  size_t n_layers;
  struct kn_strmap annotations;
  struct kn_descriptor *subject;
};

/* Parse LEN bytes into *OUT (zeroed by the caller or cleared first).  Checks what a client must:
 * schemaVersion 2, a config and layer descriptors with valid media types, sizes and digests, a
 * manifest media type (not an index).  FLAGS: KN_IMAGE_PARSE_STRICT. */
KN_EXPORT int kn_manifest_parse (const void *data, size_t len, unsigned flags, struct kn_manifest *out,
                                 struct kn_error **err);
/* Serialise M (ggcr field order, compact, Go escaping) into a malloc'd buffer; *len gets the size. */
KN_EXPORT char *kn_manifest_write (const struct kn_manifest *m, size_t *len);
/* Append a copy of D as a layer. */
KN_EXPORT void kn_manifest_add_layer (struct kn_manifest *m, const struct kn_descriptor *d);
/* Convert IN to the Docker schema 2 (TO_DOCKER=1) or OCI (0) media types into *OUT: manifest,
 * config and layer types (gzip/zstd/plain, foreign <-> non-distributable).  To Docker drops
 * annotations and data; -KN_ENOTSUP for what Docker cannot express (artifact configs, zstd
 * foreign layers, subject) or unknown layer types. */
KN_EXPORT int kn_manifest_convert (const struct kn_manifest *in, int to_docker, struct kn_manifest *out,
                                   struct kn_error **err);
/* Free the members of M and zero it. */
KN_EXPORT void kn_manifest_clear (struct kn_manifest *m);

/* Shared by manifest.c and index.c: read the array under KEY as descriptors. */
int kn_descriptors_from_json (json_object *obj, const char *key, const char *what, struct kn_descriptor **out,
                              size_t *n, struct kn_error **err);

#endif
