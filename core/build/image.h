/* The image a stage builds: its manifest layers (descriptors, media types as
 * pulled), its config (execution parameters, diff_ids, history), the format
 * (Docker schema 2 or OCI) and where its base came from (for cross-repository
 * blob mounts when pushing). */
#ifndef KN_CORE_BUILD_IMAGE_H
#define KN_CORE_BUILD_IMAGE_H

#include <stdbool.h>

#include "core/image/image_config.h"
#include "core/image/manifest.h"

struct kn_bimage {
  bool docker;                /* Docker schema 2 media types (kaniko's default), else OCI */
  struct kn_manifest m;       /* layers; config descriptor set by kn_bimage_assemble */
  struct kn_image_config c;   /* config */
  char *base_registry;        /* registry host the base layers came from, or NULL */
  char *base_repository;      /* repository there ("library/busybox"), or NULL */
  char *base_name;            /* the base as written in FROM (messages), or NULL */
};

/* Deep copy SRC into DST (DST overwritten). */
void kn_bimage_copy (struct kn_bimage *dst, const struct kn_bimage *src);

/* Free the members of I and zero it. */
void kn_bimage_clear (struct kn_bimage *i);

#endif
