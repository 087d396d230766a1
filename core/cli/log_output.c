/* Where the kaniko program's log records go: a kn_log handler writing text,
 * color or JSON lines to stderr, laid out as Go kaniko's logrus formatters
 * do (so log scrapers keep working), and the "kaniko: error:" line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/cli/options.h"

enum format { FORMAT_TEXT, FORMAT_COLOR, FORMAT_JSON };

static struct {
  FILE *out;
  enum format format;
  bool timestamp;
  bool no_color;
  struct timespec start;
} log_state;

/* logrus's names: JSON consumers of Go kaniko's logs expect "warning". */
static const char *
level_word (enum kn_log_level l)
{
  static const char *const words[] = { "panic", "fatal", "error", "warning", "info", "debug", "trace" };
  return (unsigned) l < sizeof words / sizeof words[0] ? words[l] : "unknown";
}

static const char *
level_short (enum kn_log_level l)
{
  static const char *const words[] = { "PANI", "FATA", "ERRO", "WARN", "INFO", "DEBU", "TRAC" };
  return (unsigned) l < sizeof words / sizeof words[0] ? words[l] : "UNKN";
}

static int
level_color (enum kn_log_level l)
{
  if (l <= KN_LOG_ERROR)
    return 31; /* red */
  if (l == KN_LOG_WARN)
    return 33; /* yellow */
  if (l == KN_LOG_INFO)
    return 36; /* blue */
  return 37;   /* gray */
}

/* RFC 3339 local time with offset, as Go's time.RFC3339. */
static void
rfc3339 (char *buf, size_t size)
{
  time_t now = time (NULL);
  struct tm tm;
  localtime_r (&now, &tm);
  size_t n = strftime (buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  if (off == 0)
    snprintf (buf + n, size - n, "Z");
  else
    snprintf (buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs (off) / 3600, (labs (off) % 3600) / 60);
}

/* logrus quotes a value unless it is made of [A-Za-z0-9-._/@^+]. */
static bool
needs_quoting (const char *s)
{
  if (*s == '\0')
    return true;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
          || strchr ("-._/@^+", *s)))
      return true;
  return false;
}

static void
put_quoted (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", f);
      else if (c == '\t')
        fputs ("\\t", f);
      else if (c == '\r')
        fputs ("\\r", f);
      else if (c < 0x20)
        fprintf (f, "\\x%02x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

static void
handler (enum kn_log_level level, const char *msg, void *payload)
{
  FILE *f = log_state.out;
  char ts[64];
  (void) payload;
  switch (log_state.format)
    {
    case FORMAT_JSON:
      {
        rfc3339 (ts, sizeof ts);
        struct json_object *o = json_object_new_object ();
        json_object_object_add (o, "level", json_object_new_string (level_word (level)));
        json_object_object_add (o, "msg", json_object_new_string (msg));
        json_object_object_add (o, "time", json_object_new_string (ts));
        fprintf (f, "%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put (o);
        break;
      }
    case FORMAT_TEXT:
      rfc3339 (ts, sizeof ts);
      fprintf (f, "time=\"%s\" level=%s msg=", ts, level_word (level));
      if (needs_quoting (msg))
        put_quoted (f, msg);
      else
        fputs (msg, f);
      fputc ('\n', f);
      break;
    case FORMAT_COLOR:
      {
        if (log_state.timestamp)
          rfc3339 (ts, sizeof ts);
        else
          {
            struct timespec now;
            clock_gettime (CLOCK_MONOTONIC, &now);
            snprintf (ts, sizeof ts, "%04ld", (long) (now.tv_sec - log_state.start.tv_sec));
          }
        /* Multi-line messages: logrus trims the trailing newline only. */
        size_t len = strlen (msg);
        while (len > 0 && msg[len - 1] == '\n')
          len--;
        if (log_state.no_color)
          fprintf (f, "%s[%s] %.*s\n", level_short (level), ts, (int) len, msg);
        else
          fprintf (f, "\033[%dm%s\033[0m[%s] %.*s\n", level_color (level), level_short (level), ts, (int) len, msg);
        break;
      }
    }
  fflush (f);
}

int
kn_cli_log_setup (FILE *f, const char *verbosity, const char *format, bool timestamp, struct kn_error **err)
{
  int level = kn_log_level_parse (verbosity ? verbosity : "info");
  if (level < 0)
    return kn_error_make (err, KN_EINVAL, 0, "invalid argument for --verbosity: \"%s\": expected %s", verbosity,
                          "panic, fatal, error, warn, info, debug or trace");
  if (format == NULL || strcmp (format, "color") == 0)
    log_state.format = FORMAT_COLOR;
  else if (strcmp (format, "text") == 0)
    log_state.format = FORMAT_TEXT;
  else if (strcmp (format, "json") == 0)
    log_state.format = FORMAT_JSON;
  else
    return kn_error_make (err, KN_EINVAL, 0, "invalid argument for --log-format: \"%s\": expected text, color or json",
                          format);
  log_state.out = f;
  log_state.timestamp = timestamp;
  log_state.no_color = getenv ("NO_COLOR") != NULL && *getenv ("NO_COLOR") != '\0';
  clock_gettime (CLOCK_MONOTONIC, &log_state.start);
  kn_log_set_handler (handler, (enum kn_log_level) level, NULL);
  return 0;
}

void
kn_cli_print_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("kaniko: error: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  fflush (stderr);
}

int
kn_cli_exit_status (int code)
{
  if (code < 0)
    code = -code;
  return code == KN_EINVAL || code == KN_ENOTSUP ? 2 : 1;
}
