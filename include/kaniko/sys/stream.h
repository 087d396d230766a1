/* kaniko — byte streams (plugin-author tier).
 *
 * Layers, blobs and contexts move through readers and writers, never whole
 * buffers (the model is Redis' rio).  An implementation embeds the struct as
 * its first member and downcasts in its slots. */
#ifndef KANIKO_SYS_STREAM_H
#define KANIKO_SYS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A sink of bytes. */
struct kn_writer {
  /* Consume all LEN bytes of BUF.  Returns 0, or a negative code with *err set. */
  int (*write) (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err);
  /* Finish the stream (flush buffers, write trailers) but do not free.  A
   * writer stacked on another does not close the one below. Returns 0 or < 0. */
  int (*close) (struct kn_writer *w, struct kn_error **err);
  /* Release resources; also after a failed or missing close. May be NULL. */
  void (*free) (struct kn_writer *w);
};

/* A source of bytes. */
struct kn_reader {
  /* Read up to LEN bytes into BUF.  Returns the count (0 at end of stream),
   * or a negative code with *err set. */
  ssize_t (*read) (struct kn_reader *r, void *buf, size_t len, struct kn_error **err);
  /* Release resources. May be NULL. */
  void (*free) (struct kn_reader *r);
};

/* A blob that can be opened (again) from an offset: pushes retry and resume. */
struct kn_blob_source {
  /* Open a reader positioned at OFFSET. */
  int (*open) (void *payload, uint64_t offset, struct kn_reader **out, struct kn_error **err);
  void *payload;
  uint64_t size;       /* total size in bytes */
  const char *digest;  /* "sha256:<hex>" */
};

/* Write all of LEN bytes; convenience for w->write. */
KN_EXPORT int kn_writer_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err);
/* Close W (NULL-safe). */
KN_EXPORT int kn_writer_close (struct kn_writer *w, struct kn_error **err);
/* Free W (NULL-safe). */
KN_EXPORT void kn_writer_free (struct kn_writer *w);
/* Read up to LEN bytes from R; returns the count, 0 at EOF, < 0 on error. */
KN_EXPORT ssize_t kn_reader_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err);
/* Free R (NULL-safe). */
KN_EXPORT void kn_reader_free (struct kn_reader *r);
/* Copy R to W until end of stream in fixed-size chunks; returns bytes copied or < 0. */
KN_EXPORT int64_t kn_stream_copy (struct kn_reader *r, struct kn_writer *w, struct kn_error **err);

/* A writer appending to file descriptor FD (not closed by the writer). */
KN_EXPORT struct kn_writer *kn_writer_new_fd (int fd);
/* A reader from file descriptor FD (not closed by the reader). */
KN_EXPORT struct kn_reader *kn_reader_new_fd (int fd);
/* A reader over a memory range the caller keeps alive. */
KN_EXPORT struct kn_reader *kn_reader_new_mem (const void *buf, size_t len);
/* A writer appending to a growable memory buffer; see kn_writer_mem_data(). For
 * small documents (manifests, configs), never layers. */
KN_EXPORT struct kn_writer *kn_writer_new_mem (void);
/* The bytes written so far to a writer made by kn_writer_new_mem (not NUL-terminated; a NUL follows). */
KN_EXPORT const void *kn_writer_mem_data (struct kn_writer *w, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
