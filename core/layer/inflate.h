/* Decompression of a layer stream on its own thread, for the applier: a
 * gzip or zstd layer is inflated by a thread into a ring of buffers
 * (ring.h) while the caller's thread parses the tar and creates the files,
 * as `tar -xzf` runs gzip in a second process.  Gzip: one or more members
 * (bytes after the last member that do not start another one are ignored,
 * as libarchive does); zstd: one or more frames (skippable ones included).
 * Memory: 4 x 256 KiB of output, one input buffer and the decoder. */
#ifndef KN_CORE_LAYER_INFLATE_H
#define KN_CORE_LAYER_INFLATE_H

#include <stddef.h>
#include <sys/types.h>

#include <kaniko/error.h>
#include <kaniko/sys/stream.h>

struct kn_inflater;

/* When HEAD (the first LEN bytes read from SRC, LEN >= 4 unless SRC ended)
 * starts a gzip or zstd stream, start a thread decompressing HEAD then the
 * rest of SRC (not owned; only that thread reads it until
 * kn_inflater_free()) and return 1 with *out set; return 0 (nothing
 * started) for any other stream, or < 0 when the thread cannot start.
 * NAME (kept, not copied) names the stream in messages. */
int kn_inflater_start (struct kn_inflater **out, struct kn_reader *src, const unsigned char *head, size_t len,
                       const char *name, struct kn_error **err);

/* The next decompressed bytes: *out points to them until the next call or
 * kn_inflater_free().  Returns their count, 0 at the end of the stream, or
 * < 0 with *err set (-KN_EPROTO for corrupt or truncated data, or the
 * source's error). */
ssize_t kn_inflater_read (struct kn_inflater *f, const void **out, struct kn_error **err);

/* Stop the thread (waiting for a source read in progress) and free F (NULL-safe). */
void kn_inflater_free (struct kn_inflater *f);

#endif
