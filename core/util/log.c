/* Log records: see include/kaniko/log.h.  The library never prints; it hands
 * records to the handler the embedding program installed. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

static kn_log_handler log_handler;
static void *log_payload;
static enum kn_log_level log_threshold = KN_LOG_INFO;

static const char *const level_names[] = { "panic", "fatal", "error", "warn", "info", "debug", "trace" };

void
kn_log_set_handler (kn_log_handler handler, enum kn_log_level threshold, void *payload)
{
  log_handler = handler;
  log_threshold = threshold;
  log_payload = payload;
}

int
kn_log_enabled (enum kn_log_level level)
{
  return log_handler != NULL && level <= log_threshold;
}

void
kn_logv (enum kn_log_level level, const char *fmt, va_list ap)
{
  if (!kn_log_enabled (level))
    return;
  kn_cleanup_free char *msg = kn_xvasprintf (fmt, ap);
  log_handler (level, msg, log_payload);
}

void
kn_log (enum kn_log_level level, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kn_logv (level, fmt, ap);
  va_end (ap);
}

int
kn_log_level_parse (const char *s)
{
  for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
    if (strcasecmp (s, level_names[i]) == 0)
      return (int) i;
  if (strcasecmp (s, "warning") == 0)
    return KN_LOG_WARN;
  return -1;
}

const char *
kn_log_level_name (enum kn_log_level level)
{
  if ((unsigned) level >= sizeof level_names / sizeof level_names[0])
    return "unknown";
  return level_names[level];
}
