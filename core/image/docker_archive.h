/* `docker save` / `docker load` compatible tarballs (docker-archive), written
 * with libarchive while streaming blobs from a provider (layers are never held
 * in memory).  Two layouts: Docker >= 25 (manifest.json pointing into an OCI
 * layout: blobs/sha256/..., index.json, oci-layout), and the legacy
 * go-containerregistry layout kaniko's --tar-path wrote ("sha256:<hex>" config,
 * "<hex>.tar.gz" layers). */
#ifndef KN_CORE_IMAGE_DOCKER_ARCHIVE_H
#define KN_CORE_IMAGE_DOCKER_ARCHIVE_H

#include <stddef.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/blobs.h"

enum kn_docker_archive_style {
  KN_DOCKER_ARCHIVE_OCI = 0, /* Docker >= 25: manifest.json + OCI layout entries */
  KN_DOCKER_ARCHIVE_LEGACY,  /* go-containerregistry tarball.Write (kaniko --tar-path) */
};

/* One image of the archive. */
struct kn_docker_archive_image {
  const char *media_type; /* of MANIFEST; NULL reads its mediaType */
  const void *manifest;   /* OCI or Docker schema 2 manifest bytes */
  size_t manifest_len;
  char *const *repo_tags; /* NULL-terminated "name:tag" list, or NULL */
};

/* Write the N images to PATH (atomically: a temporary file renamed at the end).  Blobs shared by
 * several images are written once; every blob's digest and size are verified while streaming. */
KN_EXPORT int kn_docker_archive_write (const char *path, const struct kn_docker_archive_image *images, size_t n,
                                       enum kn_docker_archive_style style, const struct kn_blob_provider *blobs,
                                       struct kn_error **err);
/* The RepoTags entry for a destination as go-containerregistry writes it: the text as given, with
 * ":latest" appended when it has no tag; -KN_EINVAL for an invalid or digest-only reference. */
KN_EXPORT int kn_docker_archive_repo_tag (const char *destination, char **out, struct kn_error **err);

#endif
