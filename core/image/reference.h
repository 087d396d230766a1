/* Image references, parsed exactly like Docker (distribution/reference:
 * Parse, ParseNormalizedNamed, FamiliarString) plus the transports kaniko and
 * skopeo accept: docker://REF, oci:PATH[:tag], docker-archive:PATH[:REF]. */
#ifndef KN_CORE_IMAGE_REFERENCE_H
#define KN_CORE_IMAGE_REFERENCE_H

#include <kaniko/error.h>
#include <kaniko/export.h>

#define KN_REF_DEFAULT_DOMAIN "docker.io"
#define KN_REF_LEGACY_DOMAIN "index.docker.io"
#define KN_REF_DOCKER_HUB_API_HOST "registry-1.docker.io"
#define KN_REF_DEFAULT_TAG "latest"
#define KN_REF_NAME_MAX 255

/* A parsed reference; members owned, tag/digest NULL when absent; domain is "" only
 * for kn_reference_parse (non-normalised) input without a domain. */
struct kn_reference {
  char *domain;
  char *path;
  char *tag;
  char *digest;
};

/* Docker's Parse(): the grammar only, no normalisation (domain may be empty). */
KN_EXPORT int kn_reference_parse (const char *s, struct kn_reference *out, struct kn_error **err);
/* Docker's ParseNormalizedNamed(): "busybox" -> docker.io/library/busybox, index.docker.io -> docker.io,
 * lowercase rules, 64-hex names refused.  Errors are -KN_EINVAL naming S. */
KN_EXPORT int kn_reference_parse_normalized (const char *s, struct kn_reference *out, struct kn_error **err);
/* "domain/path" (malloc'd). */
KN_EXPORT char *kn_reference_name (const struct kn_reference *r);
/* "domain/path[:tag][@digest]" (malloc'd). */
KN_EXPORT char *kn_reference_string (const struct kn_reference *r);
/* Docker's FamiliarName ("busybox", "user/app", "example.com/x") (malloc'd). */
KN_EXPORT char *kn_reference_familiar_name (const struct kn_reference *r);
/* Docker's FamiliarString (familiar name + tag + digest) (malloc'd). */
KN_EXPORT char *kn_reference_familiar_string (const struct kn_reference *r);
/* The tag, or "latest" when there is none. */
KN_EXPORT const char *kn_reference_tag_or_default (const struct kn_reference *r);
/* What to ask the registry for, like Docker's ParseDockerRef: the digest when there is one (a
 * "name:tag@digest" reference pulls by digest), else the tag, else "latest". */
KN_EXPORT const char *kn_reference_identifier (const struct kn_reference *r);
/* The host to talk the registry API to: registry-1.docker.io for Docker Hub, else the domain. */
KN_EXPORT const char *kn_reference_api_host (const struct kn_reference *r);
/* The registry name as go-containerregistry (kaniko) spells it: index.docker.io for Docker Hub. */
KN_EXPORT const char *kn_reference_registry_name (const struct kn_reference *r);
/* go-containerregistry's Repository.Name(): "index.docker.io/library/busybox" (malloc'd). */
KN_EXPORT char *kn_reference_repository_name (const struct kn_reference *r);
/* Deep copy. */
KN_EXPORT void kn_reference_copy (struct kn_reference *dst, const struct kn_reference *src);
/* Free members and zero. */
KN_EXPORT void kn_reference_clear (struct kn_reference *r);
/* 1 when S is a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
KN_EXPORT int kn_reference_tag_valid (const char *s);

/* Image transports. */
enum kn_transport {
  KN_TRANSPORT_DOCKER = 0,     /* registry (docker://, or no prefix) */
  KN_TRANSPORT_OCI,            /* oci:PATH[:tag] — an OCI layout directory */
  KN_TRANSPORT_DOCKER_ARCHIVE, /* docker-archive:PATH[:REF] — a docker save tarball */
};

/* A reference with its transport. For DOCKER, ref is set; for OCI, path and tag (tag may be
 * NULL); for DOCKER_ARCHIVE, path and optionally ref (has_ref). */
struct kn_image_ref {
  enum kn_transport transport;
  char *path;
  char *tag;
  int has_ref;
  struct kn_reference ref;
};

/* Parse "[docker://]REF", "oci:PATH[:tag]" or "docker-archive:PATH[:REF]" (path and tag/ref split at the
 * first ':' after the prefix, like containers/image). */
KN_EXPORT int kn_image_ref_parse (const char *s, struct kn_image_ref *out, struct kn_error **err);
/* The transport name ("docker", "oci", "docker-archive"). */
KN_EXPORT const char *kn_transport_name (enum kn_transport t);
/* Free members and zero. */
KN_EXPORT void kn_image_ref_clear (struct kn_image_ref *r);

#endif
