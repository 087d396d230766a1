/* Small local outputs of a build: the --digest-file, --image-name-with-digest-file
 * and --image-name-tag-with-digest-file files in kaniko's exact formats, and the
 * atomic file write every output uses. */
#ifndef KN_CORE_IMAGE_OUTPUTS_H
#define KN_CORE_IMAGE_OUTPUTS_H

#include <stddef.h>
#include <sys/types.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

/* Write LEN bytes to PATH atomically: a temporary file in the same directory, fsync,
 * rename, fsync of the directory.  MODE applies to the new file. */
KN_EXPORT int kn_image_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode,
                                          struct kn_error **err);
/* Create DIR and its missing parents with MODE (like mkdir -p). */
int kn_image_mkdir_p (const char *dir, mode_t mode, struct kn_error **err);

/* --digest-file: the image digest ("sha256:<hex>"), no newline; missing parent directories are
 * created (0700), the file is written in place with mode 0644 like kaniko's writeDigestFile
 * (so /dev/termination-log works). */
KN_EXPORT int kn_outputs_write_digest_file (const char *path, const char *digest, struct kn_error **err);
/* The text of --image-name-with-digest-file (WITH_TAG=0: "<repo>@<digest>\n" per destination) or
 * --image-name-tag-with-digest-file (WITH_TAG=1: "<repo>:<tag>@<digest>\n", tag "latest" when the
 * destination has none).  <repo> is spelt like go-containerregistry's Repository.Name()
 * ("index.docker.io/library/busybox").  *OUT is malloc'd. */
KN_EXPORT int kn_outputs_image_name_lines (char *const *destinations, const char *digest, int with_tag, char **out,
                                           struct kn_error **err);
/* Write the lines above to PATH (parents created like the digest file). */
KN_EXPORT int kn_outputs_write_image_name_file (const char *path, char *const *destinations, const char *digest,
                                                int with_tag, struct kn_error **err);

#endif
