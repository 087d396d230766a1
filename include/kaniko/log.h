/* kaniko — log records.  The library and plugins emit records; the program
 * that embeds the library decides where they go (the CLI formats them as
 * text, color or JSON).  With no handler installed, records are dropped. */
#ifndef KANIKO_LOG_H
#define KANIKO_LOG_H

#include <stdarg.h>

#include <kaniko/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kn_log_level {
  KN_LOG_PANIC = 0,
  KN_LOG_FATAL,
  KN_LOG_ERROR,
  KN_LOG_WARN,
  KN_LOG_INFO,
  KN_LOG_DEBUG,
  KN_LOG_TRACE
};

/* Receives every record at or above the threshold. */
typedef void (*kn_log_handler) (enum kn_log_level level, const char *msg, void *payload);

/* Install HANDLER (NULL drops records) and the most verbose LEVEL it wants. */
KN_EXPORT void kn_log_set_handler (kn_log_handler handler, enum kn_log_level threshold, void *payload);

/* True when a record at LEVEL would be delivered (skip costly formatting otherwise). */
KN_EXPORT int kn_log_enabled (enum kn_log_level level);

/* Emit a record. */
KN_EXPORT void kn_log (enum kn_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* va_list variant of kn_log(). */
KN_EXPORT void kn_logv (enum kn_log_level level, const char *fmt, va_list ap);

/* Parse "panic|fatal|error|warn|info|debug|trace"; returns the level or -1. */
KN_EXPORT int kn_log_level_parse (const char *s);

/* The name of LEVEL ("info"). */
KN_EXPORT const char *kn_log_level_name (enum kn_log_level level);

#ifdef __cplusplus
}
#endif
#endif
