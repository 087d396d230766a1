/* The parser that fills struct kn_build_options from argv, the environment
 * and the config file, and the typed storage behind the table.  See options.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/cli/options.h"


/* ---- scalar parsers ---- */

int
kn_cli_parse_bool (const char *s, bool *out)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    {
      if (strcmp (s, yes[i]) == 0)
        return *out = true, 0;
      if (strcmp (s, no[i]) == 0)
        return *out = false, 0;
    }
  return -1;
}

static const struct {
  const char *name;
  int64_t ns;
} duration_units[] = {
  { "ns", 1 },
  { "us", 1000 },
  { "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
  { "\xce\xbcs", 1000 }, /* U+03BC greek mu */
  { "ms", 1000000 },
  { "s", 1000000000LL },
  { "m", 60LL * 1000000000LL },
  { "h", 3600LL * 1000000000LL },
};

int
kn_cli_parse_duration (const char *s, int64_t *out_ns)
{
  const char *p = s;
  bool neg = false;
  long double total = 0;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp (p, "0") == 0)
    return *out_ns = 0, 0;
  if (*p == '\0')
    return -KN_EINVAL;
  while (*p)
    {
      long double v = 0, scale = 1;
      bool digits = false;
      while (isdigit ((unsigned char) *p))
        v = v * 10 + (*p++ - '0'), digits = true;
      if (*p == '.')
        {
          p++;
          while (isdigit ((unsigned char) *p))
            v = v * 10 + (*p++ - '0'), scale *= 10, digits = true;
        }
      if (!digits)
        return -KN_EINVAL;
      size_t best = 0;
      int64_t unit = 0;
      for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
        {
          size_t l = strlen (duration_units[i].name);
          if (l > best && strncmp (p, duration_units[i].name, l) == 0)
            best = l, unit = duration_units[i].ns;
        }
      if (best == 0)
        return -KN_EINVAL; /* missing or unknown unit */
      p += best;
      total += v / scale * (long double) unit;
      if (total > (long double) INT64_MAX)
        return -KN_EINVAL;
    }
  int64_t v = (int64_t) (total + 0.5L);
  *out_ns = neg ? -v : v;
  return 0;
}

/* Append U (< 10^prec) as a fraction with PREC digits, trailing zeros trimmed. */
static char *
frac_text (uint64_t v, int prec, uint64_t *rest)
{
  char digits[32];
  int n = 0;
  bool print = false;
  for (int i = 0; i < prec; i++)
    {
      int d = (int) (v % 10);
      print = print || d != 0;
      if (print)
        digits[n++] = (char) ('0' + d);
      v /= 10;
    }
  *rest = v;
  char *out = kn_xmalloc ((size_t) n + 2);
  size_t k = 0;
  if (n > 0)
    {
      out[k++] = '.';
      while (n > 0)
        out[k++] = digits[--n];
    }
  out[k] = '\0';
  return out;
}

char *
kn_cli_format_duration (int64_t ns)
{
  if (ns == 0)
    return kn_xstrdup ("0s");
  bool neg = ns < 0;
  uint64_t u = neg ? (uint64_t) (-(ns + 1)) + 1 : (uint64_t) ns;
  const char *sign = neg ? "-" : "";
  uint64_t rest;
  if (u < 1000000000ULL)
    {
      int prec = 0;
      const char *unit = "ns";
      if (u >= 1000000ULL)
        prec = 6, unit = "ms";
      else if (u >= 1000ULL)
        prec = 3, unit = "\xc2\xb5s";
      kn_cleanup_free char *f = frac_text (u, prec, &rest);
      return kn_xasprintf ("%s%llu%s%s", sign, (unsigned long long) rest, f, unit);
    }
  kn_cleanup_free char *f = frac_text (u, 9, &rest);
  uint64_t secs = rest % 60, mins = (rest / 60) % 60, hours = rest / 3600;
  if (hours > 0)
    return kn_xasprintf ("%s%lluh%llum%llu%ss", sign, (unsigned long long) hours, (unsigned long long) mins,
                         (unsigned long long) secs, f);
  if (mins > 0)
    return kn_xasprintf ("%s%llum%llu%ss", sign, (unsigned long long) mins, (unsigned long long) secs, f);
  return kn_xasprintf ("%s%llu%ss", sign, (unsigned long long) secs, f);
}

/* ---- storage ---- */

static void *
field (const struct kn_opt *opt, const struct kn_build_options *o)
{
  return (char *) o + opt->offset;
}

static void
strv_append (struct kn_build_strv *l, const char *s, size_t len)
{
  l->v = kn_xrealloc (l->v, (l->n + 2) * sizeof *l->v);
  l->v[l->n++] = kn_xstrndup (s, len);
  l->v[l->n] = NULL;
}

static void
map_remove (struct kn_build_map *m, const char *key)
{
  size_t k = 0;
  for (size_t i = 0; i < m->n; i++)
    {
      if (strcmp (m->v[i].key, key) == 0)
        {
          free (m->v[i].key);
          free (m->v[i].value);
        }
      else
        m->v[k++] = m->v[i];
    }
  m->n = k;
}

static void
map_append (struct kn_build_map *m, char *key, char *value)
{
  m->v = kn_xrealloc (m->v, (m->n + 1) * sizeof *m->v);
  m->v[m->n].key = key;
  m->v[m->n].value = value;
  m->n++;
}

void
kn_cli_option_reset (const struct kn_opt *opt, struct kn_build_options *o)
{
  if (opt->offset == KN_OPT_NOFIELD || opt->alias_of != NULL)
    return;
  void *f = field (opt, o);
  switch (opt->type)
    {
    case KN_OPT_BOOL:
      *(bool *) f = false;
      break;
    case KN_OPT_STRING:
      free (*(char **) f);
      *(char **) f = NULL;
      break;
    case KN_OPT_INT:
      *(int *) f = 0;
      break;
    case KN_OPT_DURATION:
      *(int64_t *) f = 0;
      break;
    case KN_OPT_FLOAT:
      *(double *) f = 0;
      break;
    case KN_OPT_LIST:
      {
        struct kn_build_strv *l = f;
        kn_strv_free (l->v);
        l->v = NULL;
        l->n = 0;
        break;
      }
    case KN_OPT_MAP:
      {
        struct kn_build_map *m = f;
        for (size_t i = 0; i < m->n; i++)
          {
            free (m->v[i].key);
            free (m->v[i].value);
          }
        free (m->v);
        m->v = NULL;
        m->n = 0;
        break;
      }
    case KN_OPT_ACTION:
      break;
    }
}

/* True when the LEN bytes at S are one of the '|'-separated CHOICES. */
static bool
in_choices (const char *choices, const char *s, size_t len)
{
  const char *p = choices;
  while (*p)
    {
      const char *end = strchr (p, '|');
      size_t l = end ? (size_t) (end - p) : strlen (p);
      if (l == len && strncmp (p, s, len) == 0)
        return true;
      p += l + (end != NULL);
    }
  return false;
}

/* Store one piece of a list or map value. */
static int
set_piece (const struct kn_opt *opt, void *f, const char *s, size_t len, struct kn_error **err)
{
  if (opt->type == KN_OPT_LIST)
    {
      kn_cleanup_free char *item = kn_xstrndup (s, len);
      if (opt->choices && !in_choices (opt->choices, s, len))
        return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected one of %s", item, opt->choices);
      if (opt->check && !opt->check (item))
        return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected %s", item, opt->expect ? opt->expect : opt->metavar);
      strv_append (f, s, len);
      return 0;
    }
  const char *eq = memchr (s, '=', len);
  size_t klen = eq ? (size_t) (eq - s) : len;
  kn_cleanup_free char *item = kn_xstrndup (s, len);
  if (eq == NULL && !(opt->flags & KN_OPTF_BARE_KEY))
    return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected %s", item, opt->metavar ? opt->metavar : "KEY=VALUE");
  if (klen == 0)
    return kn_error_make (err, KN_EINVAL, 0, "\"%s\": empty key", item);
  if (opt->choices && !in_choices (opt->choices, s, klen))
    return kn_error_make (err, KN_EINVAL, 0, "\"%s\": unknown key \"%.*s\" (expected one of %s)", item, (int) klen, s,
                          opt->choices);
  char *key = kn_xstrndup (s, klen);
  if (opt->check && !opt->check (key))
    {
      free (key);
      return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected %s", item, opt->expect ? opt->expect : opt->metavar);
    }
  if (opt->flags & KN_OPTF_MERGE)
    map_remove (f, key);
  map_append (f, key, eq ? kn_xstrndup (eq + 1, len - klen - 1) : NULL);
  return 0;
}

int
kn_cli_option_set (const struct kn_opt *opt, struct kn_build_options *o, const char *value, bool replace,
                   struct kn_error **err)
{
  void *f = field (opt, o);
  if (opt->offset == KN_OPT_NOFIELD || opt->alias_of != NULL)
    return kn_error_make (err, KN_EINTERNAL, 0, "option --%s holds no value", opt->name);
  if (value == NULL && opt->type != KN_OPT_BOOL)
    return kn_error_make (err, KN_EINVAL, 0, "a value is required");
  switch (opt->type)
    {
    case KN_OPT_BOOL:
      if (value == NULL)
        *(bool *) f = true;
      else if (kn_cli_parse_bool (value, f) < 0)
        return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected true or false", value);
      return 0;
    case KN_OPT_STRING:
      if (opt->choices && !in_choices (opt->choices, value, strlen (value)))
        return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected one of %s", value, opt->choices);
      if (opt->check && *value && !opt->check (value))
        return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected %s", value, opt->expect ? opt->expect : opt->metavar);
      free (*(char **) f);
      *(char **) f = kn_xstrdup (value);
      return 0;
    case KN_OPT_INT:
      {
        char *end;
        errno = 0;
        long v = strtol (value, &end, 10);
        if (*value == '\0' || *end != '\0' || errno == ERANGE || v < INT_MIN || v > INT_MAX)
          return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected an integer", value);
        if (opt->min < opt->max && (v < opt->min || v > opt->max))
          return kn_error_make (err, KN_EINVAL, 0, "%ld: expected a value from %ld to %ld", v, opt->min, opt->max);
        *(int *) f = (int) v;
        return 0;
      }
    case KN_OPT_DURATION:
      {
        int64_t ns;
        if (kn_cli_parse_duration (value, &ns) < 0)
          return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected a duration such as 6h, 90m or 1h30m", value);
        if (ns < 0)
          return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected a positive duration", value);
        *(int64_t *) f = ns;
        return 0;
      }
    case KN_OPT_FLOAT:
      {
        char *end;
        errno = 0;
        double v = strtod (value, &end);
        if (*value == '\0' || *end != '\0' || errno == ERANGE || !isfinite (v))
          return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected a number", value);
        if (opt->check && !opt->check (value))
          return kn_error_make (err, KN_EINVAL, 0, "\"%s\": expected %s", value, opt->expect ? opt->expect : "a number");
        *(double *) f = v;
        return 0;
      }
    case KN_OPT_LIST:
    case KN_OPT_MAP:
      {
        if (replace)
          kn_cli_option_reset (opt, o);
        const char *p = value;
        while (*p)
          {
            const char *end = opt->sep ? strchr (p, opt->sep) : NULL;
            size_t len = end ? (size_t) (end - p) : strlen (p);
            if (len > 0)
              {
                int r = set_piece (opt, f, p, len, err);
                if (r < 0)
                  return r;
              }
            p += len + (end != NULL);
          }
        return 0;
      }
    case KN_OPT_ACTION:
      break;
    }
  return kn_error_make (err, KN_EINTERNAL, 0, "option --%s: bad type", opt->name);
}

static bool
str_equal (const char *a, const char *b)
{
  return strcmp (a ? a : "", b ? b : "") == 0;
}

bool
kn_cli_option_equal (const struct kn_opt *opt, const struct kn_build_options *a, const struct kn_build_options *b)
{
  if (opt->offset == KN_OPT_NOFIELD || opt->alias_of != NULL)
    return true;
  const void *fa = field (opt, a), *fb = field (opt, b);
  switch (opt->type)
    {
    case KN_OPT_BOOL:
      return *(const bool *) fa == *(const bool *) fb;
    case KN_OPT_STRING:
      return str_equal (*(char *const *) fa, *(char *const *) fb);
    case KN_OPT_INT:
      return *(const int *) fa == *(const int *) fb;
    case KN_OPT_DURATION:
      return *(const int64_t *) fa == *(const int64_t *) fb;
    case KN_OPT_FLOAT:
      return *(const double *) fa == *(const double *) fb;
    case KN_OPT_LIST:
      {
        const struct kn_build_strv *la = fa, *lb = fb;
        if (la->n != lb->n)
          return false;
        for (size_t i = 0; i < la->n; i++)
          if (strcmp (la->v[i], lb->v[i]) != 0)
            return false;
        return true;
      }
    case KN_OPT_MAP:
      {
        const struct kn_build_map *ma = fa, *mb = fb;
        if (ma->n != mb->n)
          return false;
        for (size_t i = 0; i < ma->n; i++)
          if (strcmp (ma->v[i].key, mb->v[i].key) != 0 || !str_equal (ma->v[i].value, mb->v[i].value)
              || (ma->v[i].value == NULL) != (mb->v[i].value == NULL))
            return false;
        return true;
      }
    case KN_OPT_ACTION:
      break;
    }
  return true;
}

char *
kn_cli_option_format (const struct kn_opt *opt, const struct kn_build_options *o)
{
  const void *f = field (opt, o);
  switch (opt->type)
    {
    case KN_OPT_BOOL:
      return kn_xstrdup (*(const bool *) f ? "true" : "false");
    case KN_OPT_STRING:
      return kn_xstrdup (*(char *const *) f ? *(char *const *) f : "");
    case KN_OPT_INT:
      return kn_xasprintf ("%d", *(const int *) f);
    case KN_OPT_DURATION:
      return kn_cli_format_duration (*(const int64_t *) f);
    case KN_OPT_FLOAT:
      return kn_xasprintf ("%g", *(const double *) f);
    case KN_OPT_LIST:
      {
        const struct kn_build_strv *l = f;
        char *s = kn_xstrdup ("");
        for (size_t i = 0; i < l->n; i++)
          {
            char *t = kn_xasprintf ("%s%s%s", s, i ? "," : "", l->v[i]);
            free (s);
            s = t;
          }
        return s;
      }
    case KN_OPT_MAP:
      {
        const struct kn_build_map *m = f;
        char *s = kn_xstrdup ("");
        for (size_t i = 0; i < m->n; i++)
          {
            char *t = kn_xasprintf ("%s%s%s%s%s", s, i ? "," : "", m->v[i].key, m->v[i].value ? "=" : "",
                                    m->v[i].value ? m->v[i].value : "");
            free (s);
            s = t;
          }
        return s;
      }
    case KN_OPT_ACTION:
      break;
    }
  return kn_xstrdup ("");
}

void
kn_cli_build_options_clear (struct kn_build_options *o)
{
  if (o == NULL)
    return;
  for (size_t i = 0; i < kn_cli_n_options; i++)
    kn_cli_option_reset (&kn_cli_options[i], o);
  free (o->config_plugins_json);
  memset (o, 0, sizeof *o);
}

void
kn_cli_parse_info_clear (struct kn_cli_parse_info *info)
{
  if (info == NULL)
    return;
  free (info->sources);
  kn_strv_free (info->warnings);
  unsigned flags = info->flags;
  memset (info, 0, sizeof *info);
  info->flags = flags;
}

/* ---- the parser ---- */

struct pending {
  const struct kn_opt *opt;  /* as written (may be an alias) */
  const char *value;         /* NULL: a bare boolean flag */
  const char *spelling;      /* "--name" or "-x" as written */
};

static void
add_warning (struct kn_cli_parse_info *info, char *msg)
{
  size_t n = 0;
  while (info->warnings && info->warnings[n])
    n++;
  info->warnings = kn_xrealloc (info->warnings, (n + 2) * sizeof *info->warnings);
  info->warnings[n] = msg;
  info->warnings[n + 1] = NULL;
}

static int
takes_value (const struct kn_opt *opt)
{
  opt = kn_cli_option_canonical (opt);
  return opt->type != KN_OPT_BOOL && opt->type != KN_OPT_ACTION;
}

static int
unknown_flag (const char *what, const char *name, struct kn_error **err)
{
  const struct kn_opt *s = kn_cli_option_suggest (name);
  if (s)
    return kn_error_make (err, KN_EINVAL, 0, "unknown flag: %s (did you mean --%s?)", what, s->name);
  return kn_error_make (err, KN_EINVAL, 0, "unknown flag: %s", what);
}

/* Turn ARGV into (option, value) pairs; nothing is applied yet. */
static int
tokenize (int argc, char **argv, struct pending *out, size_t *n_out, struct kn_error **err)
{
  size_t n = 0;
  const struct kn_opt *last_bool = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        {
          if (i + 1 < argc)
            return kn_error_make (err, KN_EINVAL, 0, "unexpected argument \"%s\" (kaniko build takes flags only)",
                                  argv[i + 1]);
          break;
        }
      if (a[0] == '-' && a[1] == '-' && a[2] != '\0')
        {
          const char *name = a + 2, *eq = strchr (name, '=');
          kn_cleanup_free char *key = eq ? kn_xstrndup (name, (size_t) (eq - name)) : kn_xstrdup (name);
          const struct kn_opt *opt = kn_cli_option_find (key);
          if (opt == NULL)
            {
              kn_cleanup_free char *what = kn_xasprintf ("--%s", key);
              return unknown_flag (what, key, err);
            }
          const char *value = eq ? eq + 1 : NULL;
          if (value == NULL && takes_value (opt))
            {
              if (i + 1 >= argc)
                return kn_error_make (err, KN_EINVAL, 0, "flag needs an argument: --%s", key);
              value = argv[++i];
            }
          out[n++] = (struct pending) { opt, value, a };
          last_bool = takes_value (opt) ? NULL : opt;
          continue;
        }
      if (a[0] == '-' && a[1] != '\0' && a[1] != '-')
        {
          /* Shorthands, pflag style: -f X, -fX, -f=X; boolean ones may be grouped. */
          for (const char *p = a + 1; *p; p++)
            {
              const struct kn_opt *opt = kn_cli_option_find_short (*p);
              if (opt == NULL)
                {
                  kn_cleanup_free char *what = kn_xasprintf ("-%c", *p);
                  if (p == a + 1 && p[1] != '\0' && p[1] != '=')
                    return unknown_flag (a, a + 1, err);
                  return kn_error_make (err, KN_EINVAL, 0, "unknown shorthand flag: '%c' in %s", *p, a);
                }
              if (!takes_value (opt))
                {
                  const char *value = NULL;
                  if (p[1] == '=')
                    {
                      value = p + 2;
                      out[n++] = (struct pending) { opt, value, a };
                      break;
                    }
                  out[n++] = (struct pending) { opt, NULL, a };
                  last_bool = opt;
                  continue;
                }
              const char *value = p + 1;
              if (*value == '=')
                value++;
              else if (*value == '\0')
                {
                  if (i + 1 >= argc)
                    return kn_error_make (err, KN_EINVAL, 0, "flag needs an argument: '%c' in %s", *p, a);
                  value = argv[++i];
                }
              out[n++] = (struct pending) { opt, value, a };
              last_bool = NULL;
              break;
            }
          continue;
        }
      bool dummy;
      if (last_bool != NULL && kn_cli_parse_bool (a, &dummy) == 0)
        return kn_error_make (err, KN_EINVAL, 0, "unexpected argument \"%s\" (write --%s=%s)", a, last_bool->name, a);
      return kn_error_make (err, KN_EINVAL, 0, "unexpected argument \"%s\" (kaniko build takes flags only)", a);
    }
  *n_out = n;
  return 0;
}

/* Apply VALUE to OPT at precedence SRC. */
static int
apply (const struct kn_opt *opt, struct kn_build_options *o, unsigned char *sources, enum kn_opt_source src,
       const char *value, struct kn_error **err)
{
  size_t idx = kn_cli_option_index (opt);
  if (sources[idx] > src)
    return 0;
  bool replace = sources[idx] < src && !(opt->flags & KN_OPTF_MERGE);
  int r = kn_cli_option_set (opt, o, value, replace, err);
  if (r == 0)
    sources[idx] = (unsigned char) src;
  return r;
}

static void
apply_defaults (struct kn_build_options *o)
{
  for (size_t i = 0; i < kn_cli_n_options; i++)
    {
      const struct kn_opt *opt = &kn_cli_options[i];
      if (opt->def != NULL && opt->offset != KN_OPT_NOFIELD && opt->alias_of == NULL)
        {
          struct kn_error *e = NULL;
          if (kn_cli_option_set (opt, o, opt->def, true, &e) < 0)
            abort (); /* a bad default is a bug in the table (the unit tests catch it) */
        }
    }
  o->version = KN_BUILD_OPTIONS_VERSION;
}

/* A bare --build-arg KEY takes its value from the environment, as Go kaniko does. */
static void
resolve_build_args (struct kn_build_options *o, bool use_env)
{
  for (size_t i = 0; i < o->build_args.n; i++)
    if (o->build_args.v[i].value == NULL)
      {
        const char *v = use_env ? getenv (o->build_args.v[i].key) : NULL;
        o->build_args.v[i].value = kn_xstrdup (v ? v : "");
      }
}

static const char *
source_name (enum kn_opt_source s)
{
  switch (s)
    {
    case KN_SRC_CONFIG:
      return "the config file";
    case KN_SRC_ENV:
      return "the environment";
    case KN_SRC_FLAG:
      return "the command line";
    default:
      return "the default";
    }
}

/* Fail on the first option whose feature is not built and whose value differs from its default. */
static int
check_unsupported (const struct kn_build_options *o, const unsigned char *sources, struct kn_error **err)
{
  struct kn_build_options defaults = { 0 };
  apply_defaults (&defaults);
  int r = 0;
  for (size_t i = 0; i < kn_cli_n_options && r == 0; i++)
    {
      const struct kn_opt *opt = &kn_cli_options[i];
      if (opt->status != KN_OPT_NOT_YET || sources[i] == KN_SRC_DEFAULT || kn_cli_option_equal (opt, o, &defaults))
        continue;
      if (sources[i] == KN_SRC_ENV && opt->env)
        r = kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: --%s (set by %s)", opt->name, opt->env);
      else if (sources[i] == KN_SRC_FLAG)
        r = kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: --%s", opt->name);
      else
        r = kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: --%s (set by %s)", opt->name,
                           source_name (sources[i]));
    }
  kn_cli_build_options_clear (&defaults);
  return r;
}

int
kn_cli_parse_build_options (int argc, char **argv, struct kn_build_options *out, struct kn_cli_parse_info *info,
                            struct kn_error **err)
{
  struct kn_cli_parse_info local = { 0 };
  if (info == NULL)
    info = &local;
  kn_cli_parse_info_clear (info);
  memset (out, 0, sizeof *out);
  info->sources = kn_xcalloc (kn_cli_n_options, 1);
  bool use_env = !(info->flags & KN_CLI_PARSE_NO_ENV);
  int r;

  /* At most one pending value per argument, or per character of a group of shorthands. */
  size_t cap = 1;
  for (int i = 1; i < argc; i++)
    cap += strlen (argv[i]) + 1;
  kn_cleanup_free struct pending *pending = kn_xcalloc (cap, sizeof *pending);
  size_t n_pending = 0;
  r = tokenize (argc, argv, pending, &n_pending, err);
  if (r < 0)
    goto out;

  /* Actions: --help wins over the others; they skip everything else. */
  for (size_t i = 0; i < n_pending; i++)
    if (pending[i].opt->type == KN_OPT_ACTION)
      {
        bool on = true;
        if (pending[i].value && kn_cli_parse_bool (pending[i].value, &on) < 0)
          {
            r = kn_error_make (err, KN_EINVAL, 0, "invalid argument for --%s: \"%s\": expected true or false",
                               pending[i].opt->name, pending[i].value);
            goto out;
          }
        if (on && (info->action == KN_ACTION_NONE || pending[i].opt->action < info->action))
          info->action = pending[i].opt->action;
      }
  if (info->action != KN_ACTION_NONE && info->action != KN_ACTION_PRINT_OPTIONS)
    goto out;

  apply_defaults (out);

  /* The config file: the last --config, else $KANIKO_CONFIG. */
  const struct kn_opt *config_opt = kn_cli_option_find ("config");
  const char *config_path = NULL;
  for (size_t i = 0; i < n_pending; i++)
    if (pending[i].opt == config_opt)
      config_path = pending[i].value;
  if (config_path == NULL && use_env && getenv (config_opt->env) && *getenv (config_opt->env))
    config_path = getenv (config_opt->env);
  if (config_path != NULL && *config_path != '\0')
    {
      r = kn_cli_config_load (config_path, out, info->sources, err);
      if (r < 0)
        goto out;
    }

  if (use_env)
    for (size_t i = 0; i < kn_cli_n_options; i++)
      {
        const struct kn_opt *opt = &kn_cli_options[i];
        const char *v = opt->env ? getenv (opt->env) : NULL;
        if (v == NULL || *v == '\0')
          continue;
        r = apply (opt, out, info->sources, KN_SRC_ENV, v, err);
        if (r < 0)
          {
            kn_error_wrap (err, "invalid value in %s (--%s)", opt->env, opt->name);
            goto out;
          }
      }

  for (size_t i = 0; i < n_pending; i++)
    {
      const struct kn_opt *opt = kn_cli_option_canonical (pending[i].opt);
      if (opt->type == KN_OPT_ACTION)
        continue;
      if (opt != pending[i].opt)
        add_warning (info, kn_xasprintf ("flag --%s is deprecated, use --%s", pending[i].opt->name, opt->name));
      r = apply (opt, out, info->sources, KN_SRC_FLAG, pending[i].value, err);
      if (r < 0)
        {
          if (pending[i].spelling[1] == '-')
            kn_error_wrap (err, "invalid argument for --%s", opt->name);
          else
            kn_error_wrap (err, "invalid argument for -%c (--%s)", opt->shorthand, opt->name);
          goto out;
        }
    }

  resolve_build_args (out, use_env);
  /* --print-options shows what was parsed, whatever the engine supports. */
  if (!(info->flags & KN_CLI_PARSE_ALLOW_UNSUPPORTED) && info->action != KN_ACTION_PRINT_OPTIONS)
    r = check_unsupported (out, info->sources, err);

out:
  kn_cli_parse_info_clear (&local);
  return r;
}
