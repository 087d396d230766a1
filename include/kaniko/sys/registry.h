/* kaniko — registry (image transport) plugins (plugin-author tier).
 *
 * A registry plugin reads and writes manifests and blobs of one repository:
 * "docker" speaks the OCI distribution API, "oci" an OCI layout directory,
 * "tarball" a docker-archive file.  The core chooses by the reference's
 * transport ("docker://" by default, "oci:", "docker-archive:"), resolves
 * mirrors and --registry-map before calling, and keeps the content store;
 * the plugin only moves bytes and checks digests of what it streams. */
#ifndef KANIKO_SYS_REGISTRY_H
#define KANIKO_SYS_REGISTRY_H

#include <stdint.h>

#include <kaniko/sys/credential.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_REGISTRY_VERSION 1

/* Where and how to reach one repository. */
struct kn_repo_params {
  unsigned size;            /* sizeof (struct kn_repo_params) */
  const char *location;     /* docker: "host[:port]"; oci/tarball: a path */
  const char *repository;   /* docker: "library/busybox"; others may ignore */
  int for_push;             /* 1: the repository will be written (scope pull,push) */
  int insecure;             /* plain HTTP allowed (--insecure, --insecure-registry) */
  int skip_tls_verify;      /* --skip-tls-verify(-pull|-registry) */
  const char *ca_file;      /* --registry-certificate, or NULL */
  const char *client_cert;  /* --registry-client-cert, or NULL */
  const char *client_key;
  unsigned retries;         /* extra attempts for transient failures */
  /* Credentials for a host, asked lazily (only when the server demands them).
   * Returns 0, -KN_ENOTFOUND (anonymous) or < 0 with *err set. */
  int (*get_credential) (void *payload, const char *host, struct kn_credential *out, struct kn_error **err);
  void *credential_payload;
  const struct kn_plugin_config *config;
  const struct kn_cancel *cancel;
};

/* One open repository, owned by the plugin (embed it first in your own struct). */
struct kn_repo {
  const struct kn_registry *registry;
};

struct kn_registry {
  unsigned version;                /* KN_REGISTRY_VERSION */
  const char *name;                /* "docker" */
  const char *const *transports;   /* NULL-terminated: "docker", NULL */
  /* Mandatory: open a repository.  No network traffic is required yet. */
  int (*open) (struct kn_repo **out, const struct kn_repo_params *p, struct kn_error **err);
  /* Optional: verify that pushing is allowed now (kaniko checks before building). */
  int (*check_push) (struct kn_repo *r, struct kn_error **err);
  /* Mandatory: stream the manifest for REFERENCE (tag or "sha256:..." digest)
   * into SINK, asking for the media types in ACCEPT (NULL-terminated).
   * Sets *media_type and *digest (malloc'd).  -KN_ENOTFOUND when absent. */
  int (*get_manifest) (struct kn_repo *r, const char *reference, const char *const *accept, struct kn_writer *sink,
                       char **media_type, char **digest, struct kn_error **err);
  /* Mandatory for writable transports: store a manifest under REFERENCE (tag or digest). */
  int (*put_manifest) (struct kn_repo *r, const char *reference, const char *media_type, const void *data, size_t len,
                       struct kn_error **err);
  /* Mandatory: 0 and *size when the blob exists, -KN_ENOTFOUND (no error set) when not. */
  int (*stat_blob) (struct kn_repo *r, const char *digest, uint64_t *size, struct kn_error **err);
  /* Mandatory: stream blob DIGEST from OFFSET into SINK, verifying the digest
   * when OFFSET is 0 (a mismatch is KN_EDIGEST). */
  int (*get_blob) (struct kn_repo *r, const char *digest, uint64_t offset, struct kn_writer *sink,
                   struct kn_error **err);
  /* Mandatory for writable transports: upload SRC (reopened on retries).  When
   * MOUNT_FROM names another repository of the same registry that has the blob,
   * try a cross-repository mount first. */
  int (*put_blob) (struct kn_repo *r, const struct kn_blob_source *src, const char *mount_from, struct kn_error **err);
  /* Mandatory: release R. */
  void (*close) (struct kn_repo *r);
};

#define KN_REGISTRY_INIT { KN_REGISTRY_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
