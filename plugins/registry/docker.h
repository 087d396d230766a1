/* docker registry plugin: the repository object shared by docker.c (the
 * vtable), download.c (manifests and blobs in) and upload.c (out). */
#ifndef KN_PLUGIN_DOCKER_DOCKER_H
#define KN_PLUGIN_DOCKER_DOCKER_H

#include <stdint.h>

#include <kaniko/sys/registry.h>

#include "plugins/registry/http.h"

/* Blobs larger than this go up in PATCH chunks (plugin option chunk-threshold). */
#define KN_DOCKER_DEFAULT_CHUNK_THRESHOLD (64u << 20)
/* Size of one PATCH chunk (plugin option chunk-size). */
#define KN_DOCKER_DEFAULT_CHUNK_SIZE (32u << 20)

struct kn_docker_repo
{
  struct kn_repo base;
  struct kn_docker_http *http;
  char *repository; /* "library/busybox" */
  char *scope;      /* "repository:library/busybox:pull[,push]" */
  int for_push;
  uint64_t chunk_threshold;
  uint64_t chunk_size;
};

/* The vtable ("docker" transport). */
extern const struct kn_registry kn_docker_registry;

/* Stream manifest REFERENCE of R into SINK (see struct kn_registry.get_manifest). */
int kn_docker_get_manifest (struct kn_repo *r, const char *reference, const char *const *accept, struct kn_writer *sink,
                            char **media_type, char **digest, struct kn_error **err);
/* 0 and *size when blob DIGEST exists in R, -KN_ENOTFOUND (no error) when not. */
int kn_docker_stat_blob (struct kn_repo *r, const char *digest, uint64_t *size, struct kn_error **err);
/* Stream blob DIGEST of R from OFFSET into SINK, verifying it when OFFSET is 0. */
int kn_docker_get_blob (struct kn_repo *r, const char *digest, uint64_t offset, struct kn_writer *sink,
                        struct kn_error **err);
/* Upload SRC into R (existence check, optional mount, monolithic or chunked). */
int kn_docker_put_blob (struct kn_repo *r, const struct kn_blob_source *src, const char *mount_from,
                        struct kn_error **err);
/* Store manifest DATA under REFERENCE in R. */
int kn_docker_put_manifest (struct kn_repo *r, const char *reference, const char *media_type, const void *data,
                            size_t len, struct kn_error **err);
/* Verify push access to R: start an upload and cancel it. */
int kn_docker_check_push (struct kn_repo *r, struct kn_error **err);

/* Error for a 401/403 answer to WHAT on R, naming whether credentials were used. */
int kn_docker_auth_error (struct kn_docker_repo *r, const struct kn_docker_resp *resp, const char *what,
                          struct kn_error **err);

/* Test hooks: override the chunking settings of R, and read its request counter. */
void kn_docker_repo_set_chunking (struct kn_repo *r, uint64_t threshold, uint64_t chunk_size);
unsigned long kn_docker_repo_requests (struct kn_repo *r);
/* Test hook: first retry delay in milliseconds (default 1000). */
void kn_docker_repo_set_backoff (struct kn_repo *r, unsigned ms);

#endif
