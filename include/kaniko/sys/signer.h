/* kaniko — image signer plugins (plugin-author tier).
 *
 * "cosign" signs the pushed manifest digest with an ECDSA P-256 key and the
 * simple-signing payload; the core pushes the signature as the
 * sha256-<hex>.sig tag.  Selected by --sign-images / --cosign-key-path. */
#ifndef KANIKO_SYS_SIGNER_H
#define KANIKO_SYS_SIGNER_H

#include <stddef.h>

#include <kaniko/sys/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_SIGNER_VERSION 1

struct kn_sign_request {
  unsigned size;             /* sizeof (struct kn_sign_request) */
  const char *image_ref;     /* "registry/repo" the signature is for (no tag) */
  const char *manifest_digest; /* "sha256:<hex>" */
  const char *key_path;      /* private key file */
  const char *key_password;  /* or NULL */
  const struct kn_plugin_config *config;
};

/* A signature, all members malloc'd. */
struct kn_signature {
  char *payload;            /* the signed payload document */
  size_t payload_len;
  char *payload_media_type; /* e.g. "application/vnd.dev.cosign.simplesigning.v1+json" */
  char *signature_b64;      /* base64 signature, stored as an annotation */
};

/* Free every member of S. */
KN_EXPORT void kn_signature_clear (struct kn_signature *s);

struct kn_signer {
  unsigned version; /* KN_SIGNER_VERSION */
  const char *name; /* "cosign" */
  /* Mandatory: sign REQ into OUT. */
  int (*sign) (const struct kn_sign_request *req, struct kn_signature *out, struct kn_error **err);
};

#define KN_SIGNER_INIT { KN_SIGNER_VERSION, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
