/* kaniko — compressor plugins (plugin-author tier).
 *
 * A compressor turns a writer into a compressing writer and a reader into a
 * decompressing reader.  Both stream with bounded memory whatever the size of
 * the data.  Selected by --compression (gzip, zstd, none). */
#ifndef KANIKO_SYS_COMPRESSOR_H
#define KANIKO_SYS_COMPRESSOR_H

#include <kaniko/sys/plugin.h>
#include <kaniko/sys/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_COMPRESSOR_VERSION 1

/* Options for a compressing writer. */
struct kn_compress_opts {
  unsigned size;    /* sizeof (struct kn_compress_opts) */
  int level;        /* -1 = the format's default */
  unsigned threads; /* worker threads, 0 = choose (the number of CPUs) */
};

#define KN_COMPRESS_OPTS_INIT { sizeof (struct kn_compress_opts), -1, 0 }

struct kn_compressor {
  unsigned version;           /* KN_COMPRESSOR_VERSION */
  const char *name;           /* "gzip" */
  /* Suffix of OCI layer media types ("gzip" -> "...tar+gzip"); "" for none. Mandatory. */
  const char *media_suffix;
  /* Optional: 1 when HEAD (LEN bytes, at least 4 when the stream is that long)
   * starts a stream in this format, else 0. */
  int (*detect) (const unsigned char *head, size_t len);
  /* Mandatory: a writer that compresses into SINK (SINK is not owned and not
   * closed). Returns 0 or < 0 with *err set. */
  int (*new_writer) (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
                     struct kn_error **err);
  /* Mandatory: a reader that decompresses SOURCE (not owned).  Corrupt or
   * truncated input is an error (KN_EPROTO), never a silent short read. */
  int (*new_reader) (struct kn_reader **out, struct kn_reader *source, struct kn_error **err);
};

#define KN_COMPRESSOR_INIT { KN_COMPRESSOR_VERSION, NULL, NULL, NULL, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
