/* Media types of the OCI and Docker image formats, their classification and
 * the OCI <-> Docker mapping. */
#ifndef KN_CORE_IMAGE_MEDIATYPE_H
#define KN_CORE_IMAGE_MEDIATYPE_H

#include <kaniko/export.h>

#define KN_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define KN_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define KN_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define KN_MT_OCI_EMPTY "application/vnd.oci.empty.v1+json"
#define KN_MT_OCI_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"
#define KN_MT_OCI_DESCRIPTOR "application/vnd.oci.descriptor.v1+json"
#define KN_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define KN_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define KN_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define KN_MT_OCI_LAYER_ND "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define KN_MT_OCI_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define KN_MT_OCI_LAYER_ND_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

#define KN_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define KN_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define KN_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define KN_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define KN_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define KN_MT_DOCKER_LAYER_ZSTD "application/vnd.docker.image.rootfs.diff.tar.zstd"
#define KN_MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar"
#define KN_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define KN_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define KN_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* What a media type names. */
enum kn_mt_kind {
  KN_MT_UNKNOWN = 0,
  KN_MT_KIND_MANIFEST, /* OCI or Docker schema 2 image manifest */
  KN_MT_KIND_INDEX,    /* OCI index or Docker manifest list */
  KN_MT_KIND_CONFIG,   /* image config */
  KN_MT_KIND_LAYER,    /* a layer (any compression, distributable or not) */
  KN_MT_KIND_SCHEMA1,  /* Docker schema 1 (read-only legacy, unsupported) */
};

/* Compression a layer media type declares. */
enum kn_mt_compression {
  KN_MT_COMP_NONE = 0,
  KN_MT_COMP_GZIP,
  KN_MT_COMP_ZSTD,
  KN_MT_COMP_UNKNOWN,
};

/* The kind of MT (NULL is KN_MT_UNKNOWN). */
enum kn_mt_kind kn_mt_kind (const char *mt);
/* 1 for the Docker (vnd.docker.*) image media types, 0 otherwise. */
int kn_mt_is_docker (const char *mt);
/* 1 for foreign / non-distributable layers (never pushed, may carry urls). */
int kn_mt_is_foreign (const char *mt);
/* Compression of a layer media type. */
enum kn_mt_compression kn_mt_layer_compression (const char *mt);
/* The layer media type for a format (DOCKER 1 or OCI 0), compression and foreignness. NULL when none exists
 * (a foreign zstd layer in Docker form). */
const char *kn_mt_layer (int docker, enum kn_mt_compression c, int foreign);
/* The OCI equivalent of MT (static string), or MT itself when it has none (unknown/artifact types). */
const char *kn_mt_to_oci (const char *mt);
/* The Docker equivalent of MT, or MT itself when it has none; a foreign zstd layer returns NULL. */
const char *kn_mt_to_docker (const char *mt);
/* 1 when S is a syntactically valid media type (RFC 6838 type/subtype, each 1..127 chars). */
int kn_mt_valid (const char *s);

#endif
