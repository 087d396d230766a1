/* The content store: blobs addressed by digest under ROOT/blobs/sha256/<hex>,
 * shared by pulls, builds and pushes.  Writes go to a locked temporary file
 * under ROOT/ingest/, are hashed while written, verified, fsynced and renamed
 * into place atomically, so a killed writer never leaves a blob that a later
 * reader trusts; concurrent writers of the same blob are safe. */
#ifndef KN_CORE_LAYER_STORE_H
#define KN_CORE_LAYER_STORE_H

#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>
#include <kaniko/sys/stream.h>

#include "core/util/digest.h"

struct kn_store;

/* Open (creating directories as needed) the store under ROOT and remove
 * temporary files that no live writer holds.  *out is owned by the caller
 * (kn_store_free).  Returns 0 or < 0. */
KN_EXPORT int kn_store_open (struct kn_store **out, const char *root, struct kn_error **err);

/* Free S (NULL-safe); blobs stay on disk. */
KN_EXPORT void kn_store_free (struct kn_store *s);

/* The root directory of S (owned by S). */
KN_EXPORT const char *kn_store_root (struct kn_store *s);

/* 1 when a blob with DIGEST ("sha256:<hex>") is stored, 0 when not or DIGEST is malformed. */
KN_EXPORT int kn_store_has (struct kn_store *s, const char *digest);

/* The path the blob with DIGEST has (or would have) in S; malloc'd, NULL when
 * DIGEST is malformed. */
KN_EXPORT char *kn_store_path (struct kn_store *s, const char *digest);

/* Open a reader over the stored blob DIGEST (caller frees it with kn_reader_free);
 * *size (may be NULL) gets its length.  -KN_ENOTFOUND when absent. */
KN_EXPORT int kn_store_open_blob (struct kn_store *s, const char *digest, struct kn_reader **out, uint64_t *size,
                                  struct kn_error **err);

/* A blob source over the stored blob DIGEST for pushes (reopened per attempt,
 * from any offset).  Free with kn_store_blob_source_free(). */
KN_EXPORT int kn_store_blob_source (struct kn_store *s, const char *digest, struct kn_blob_source **out,
                                    struct kn_error **err);

/* Free a blob source made by kn_store_blob_source() (NULL-safe). */
KN_EXPORT void kn_store_blob_source_free (struct kn_blob_source *src);

/* Start writing a new blob: *out is a writer into a locked temporary file of
 * S.  Finish with kn_store_ingest_commit(); kn_writer_free() without a commit
 * discards the temporary file.  Returns 0 or < 0. */
KN_EXPORT int kn_store_ingest_begin (struct kn_store *s, struct kn_writer **out, struct kn_error **err);

/* Finish the ingest writer W: check the content against EXPECTED (a digest,
 * or NULL to accept any), fsync and rename it into place (an identical blob
 * already there is fine).  DIGEST (may be NULL) gets the digest, SIZE (may be
 * NULL) the length.  A mismatch is -KN_EDIGEST and removes only the temporary
 * file.  W must still be freed with kn_writer_free(). */
KN_EXPORT int kn_store_ingest_commit (struct kn_writer *w, const char *expected, char digest[KN_DIGEST_STR_LEN],
                                      uint64_t *size, struct kn_error **err);

/* Ingest everything R yields (R not owned) as one blob, checked against
 * EXPECTED (or NULL); DIGEST and SIZE as for kn_store_ingest_commit().
 * Returns 0 or < 0 (-KN_EDIGEST on a mismatch, nothing stored). */
KN_EXPORT int kn_store_put (struct kn_store *s, struct kn_reader *r, const char *expected,
                            char digest[KN_DIGEST_STR_LEN], uint64_t *size, struct kn_error **err);

/* Re-hash the stored blob DIGEST.  A blob whose content does not match is
 * removed and -KN_EDIGEST returned; an absent one is -KN_ENOTFOUND. */
KN_EXPORT int kn_store_verify (struct kn_store *s, const char *digest, struct kn_error **err);

/* Remove temporary files of S no live writer holds (writers killed earlier).
 * Returns the number removed or < 0. */
KN_EXPORT int kn_store_clean (struct kn_store *s, struct kn_error **err);

/* Remove the blob DIGEST (absent is fine).  Returns 0 or < 0. */
KN_EXPORT int kn_store_remove (struct kn_store *s, const char *digest, struct kn_error **err);

#endif
