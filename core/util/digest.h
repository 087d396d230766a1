/* SHA-256 content digests ("sha256:<64 hex>") over buffers and streams,
 * computed with GnuTLS. */
#ifndef KN_CORE_UTIL_DIGEST_H
#define KN_CORE_UTIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/stream.h>

#define KN_DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define KN_DIGEST_STR_LEN (7 + KN_DIGEST_HEX_LEN + 1)

/* An incremental SHA-256. */
struct kn_hasher;

/* A new hasher (never NULL). */
KN_EXPORT struct kn_hasher *kn_hasher_new (void);
/* Feed LEN bytes. */
KN_EXPORT void kn_hasher_update (struct kn_hasher *h, const void *buf, size_t len);
/* Write "sha256:<hex>" into OUT (KN_DIGEST_STR_LEN bytes) and free H. */
KN_EXPORT void kn_hasher_finish (struct kn_hasher *h, char out[KN_DIGEST_STR_LEN]);
/* Free H without finishing (NULL-safe). */
KN_EXPORT void kn_hasher_free (struct kn_hasher *h);

/* "sha256:<hex>" of a buffer into OUT. */
KN_EXPORT void kn_digest_buffer (const void *buf, size_t len, char out[KN_DIGEST_STR_LEN]);

/* 0 when S is a well-formed "sha256:<64 lowercase hex>" digest; else
 * -KN_EINVAL with *err naming S.  Other algorithms give -KN_ENOTSUP. */
KN_EXPORT int kn_digest_validate (const char *s, struct kn_error **err);

/* A writer that hashes and counts everything written, then forwards it to
 * SINK (not owned; may be NULL to only hash). */
KN_EXPORT struct kn_writer *kn_digest_writer_new (struct kn_writer *sink);
/* The digest of what went through W so far (call after the last write) and the byte count. */
KN_EXPORT void kn_digest_writer_result (struct kn_writer *w, char out[KN_DIGEST_STR_LEN], uint64_t *size);

#endif
