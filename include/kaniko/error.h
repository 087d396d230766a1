/* kaniko — error objects shared by the library, the CLI and plugins.
 *
 * A fallible function takes `struct kn_error **err` last, returns 0 (or a
 * non-negative count) on success and a negative KN_E* code on failure, and
 * sets *err exactly once.  Context is added on the way up with
 * kn_error_wrap().  The library never prints; the CLI prints err->msg. */
#ifndef KANIKO_ERROR_H
#define KANIKO_ERROR_H

#include <stdarg.h>

#include <kaniko/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes.  Functions return the negated code (-KN_EINVAL, ...). */
enum kn_error_code {
  KN_OK = 0,
  KN_EINVAL = 1,  /* bad input: flag, Dockerfile, reference, document */
  KN_ENOTFOUND,   /* no such file, image, blob, stage, plugin */
  KN_EAUTH,       /* credentials missing or refused */
  KN_EIO,         /* I/O or network failure */
  KN_ENOTSUP,     /* recognised but not supported (yet) */
  KN_EABI,        /* plugin ABI mismatch or malformed plugin */
  KN_EEXIST,      /* already exists (duplicate plugin, immutable tag) */
  KN_EPERM,       /* not allowed (escape from a root, push denied) */
  KN_ECANCELED,   /* cancelled by the caller or a signal */
  KN_EPROTO,      /* a peer broke its protocol (HTTP, tar, JSON) */
  KN_EDIGEST,     /* content does not match its digest */
  KN_ENOSPC,      /* out of space */
  KN_EINTERNAL,   /* a bug */
  KN_ECODE_MAX
};

/* One error: a code, the errno that caused it (or 0) and a message. */
struct kn_error {
  int code;
  int errnum;
  char *msg;
};

/* Set *err (when err is non-NULL and *err is NULL) to a new error whose message is
 * the formatted text, followed by ": strerror(errnum)" when errnum is non-zero.
 * Returns -code. */
KN_EXPORT int kn_error_make (struct kn_error **err, int code, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* va_list variant of kn_error_make(). Returns -code. */
KN_EXPORT int kn_error_makev (struct kn_error **err, int code, int errnum, const char *fmt, va_list ap);

/* Prefix the message of *err with the formatted text and ": ".  Returns
 * -(*err)->code, or -KN_EINTERNAL when there is no error to wrap. */
KN_EXPORT int kn_error_wrap (struct kn_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Free an error (NULL is fine). */
KN_EXPORT void kn_error_free (struct kn_error *e);

/* Free *err and set it to NULL. */
KN_EXPORT void kn_error_release (struct kn_error **err);

/* Short stable name of a code ("EINVAL", "ENOTFOUND", ...). */
KN_EXPORT const char *kn_error_code_name (int code);

/* Map an errno value to the closest KN_E* code (ENOENT -> KN_ENOTFOUND, ...). */
KN_EXPORT int kn_error_code_from_errno (int errnum);

#ifdef __cplusplus
}
#endif
#endif
