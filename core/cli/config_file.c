/* The --config file: a JSON object keyed by flag name, plus a "plugins"
 * object ({"NAME": {"KEY": value}}) flattened into --plugin-opt entries;
 * and the same form out, for --print-options.  See options.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include <kaniko/sys/util.h>

#include "core/cli/options.h"

/* Config files are small; refuse anything absurd instead of reading it all. */
#define CONFIG_MAX_BYTES (4 * 1024 * 1024)

static int
read_file (const char *path, char **out, size_t *len, struct kn_error **err)
{
  kn_cleanup_fclose FILE *f = fopen (path, "re");
  if (f == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "config file %s", path);
  size_t cap = 4096, n = 0;
  kn_cleanup_free char *buf = kn_xmalloc (cap + 1);
  for (;;)
    {
      size_t r = fread (buf + n, 1, cap - n, f);
      n += r;
      if (r == 0)
        break;
      if (n == cap)
        {
          if (cap >= CONFIG_MAX_BYTES)
            return kn_error_make (err, KN_EINVAL, 0, "config file %s: larger than %d bytes", path, CONFIG_MAX_BYTES);
          cap *= 2;
          buf = kn_xrealloc (buf, cap + 1);
        }
    }
  if (ferror (f))
    return kn_error_make (err, KN_EIO, errno, "config file %s: read", path);
  buf[n] = '\0';
  *len = n;
  *out = KN_STEAL (buf);
  return 0;
}

static int
line_of (const char *buf, size_t offset)
{
  int line = 1;
  for (size_t i = 0; i < offset && buf[i]; i++)
    line += buf[i] == '\n';
  return line;
}

/* The text form of a scalar JSON value (NULL for arrays, objects and null). */
static char *
scalar_text (struct json_object *v)
{
  switch (json_object_get_type (v))
    {
    case json_type_string:
      return kn_xstrdup (json_object_get_string (v));
    case json_type_boolean:
      return kn_xstrdup (json_object_get_boolean (v) ? "true" : "false");
    case json_type_int:
      return kn_xasprintf ("%lld", (long long) json_object_get_int64 (v));
    case json_type_double:
      return kn_xasprintf ("%.17g", json_object_get_double (v));
    default:
      return NULL;
    }
}

static int
type_error (const char *path, const char *key, const char *want, struct json_object *v, struct kn_error **err)
{
  return kn_error_make (err, KN_EINVAL, 0, "%s: key \"%s\": expected %s, got %s", path, key, want,
                        json_type_to_name (json_object_get_type (v)));
}

/* Set one text value of OPT; the first value read from the file replaces what a lower source set. */
static int
set_value (const char *path, const char *key, const struct kn_opt *opt, struct kn_build_options *o,
           unsigned char *src, const char *text, struct kn_error **err)
{
  bool replace = *src < KN_SRC_CONFIG && !(opt->flags & KN_OPTF_MERGE);
  int r = kn_cli_option_set (opt, o, text, replace, err);
  if (r < 0)
    return kn_error_wrap (err, "%s: key \"%s\"", path, key);
  *src = KN_SRC_CONFIG;
  return 0;
}

static int
apply_key (const char *path, const char *key, struct json_object *v, const struct kn_opt *opt,
           struct kn_build_options *o, unsigned char *src, struct kn_error **err)
{
  enum json_type t = json_object_get_type (v);
  if (t == json_type_null)
    return 0; /* null: leave the option to lower sources */
  switch (opt->type)
    {
    case KN_OPT_BOOL:
      if (t != json_type_boolean && t != json_type_string)
        return type_error (path, key, "a boolean", v, err);
      break;
    case KN_OPT_INT:
      if (t != json_type_int && t != json_type_string)
        return type_error (path, key, "an integer", v, err);
      break;
    case KN_OPT_FLOAT:
      if (t != json_type_int && t != json_type_double && t != json_type_string)
        return type_error (path, key, "a number", v, err);
      break;
    case KN_OPT_DURATION:
      if (t != json_type_string)
        return type_error (path, key, "a duration string such as \"6h\"", v, err);
      break;
    case KN_OPT_STRING:
      if (t != json_type_string)
        return type_error (path, key, "a string", v, err);
      break;
    case KN_OPT_LIST:
    case KN_OPT_MAP:
      if (t == json_type_string)
        break;
      if (t == json_type_array)
        {
          size_t n = json_object_array_length (v);
          if (n == 0 && *src < KN_SRC_CONFIG)
            {
              kn_cli_option_reset (opt, o);
              *src = KN_SRC_CONFIG;
            }
          for (size_t i = 0; i < n; i++)
            {
              struct json_object *e = json_object_array_get_idx (v, i);
              kn_cleanup_free char *text = scalar_text (e);
              if (text == NULL)
                return kn_error_make (err, KN_EINVAL, 0, "%s: key \"%s\": element %zu: expected a string, got %s",
                                      path, key, i, json_type_to_name (json_object_get_type (e)));
              int r = set_value (path, key, opt, o, src, text, err);
              if (r < 0)
                return r;
            }
          return 0;
        }
      if (t == json_type_object && opt->type == KN_OPT_MAP)
        {
          if (*src < KN_SRC_CONFIG && !(opt->flags & KN_OPTF_MERGE))
            kn_cli_option_reset (opt, o);
          *src = KN_SRC_CONFIG;
          json_object_object_foreach (v, k, e)
            {
              if (json_object_get_type (e) == json_type_null && (opt->flags & KN_OPTF_BARE_KEY))
                {
                  int r = set_value (path, key, opt, o, src, k, err);
                  if (r < 0)
                    return r;
                  continue;
                }
              kn_cleanup_free char *val = scalar_text (e);
              if (val == NULL)
                return kn_error_make (err, KN_EINVAL, 0, "%s: key \"%s\": \"%s\": expected a string, got %s", path,
                                      key, k, json_type_to_name (json_object_get_type (e)));
              kn_cleanup_free char *text = kn_xasprintf ("%s=%s", k, val);
              int r = set_value (path, key, opt, o, src, text, err);
              if (r < 0)
                return r;
            }
          return 0;
        }
      return type_error (path, key, opt->type == KN_OPT_MAP ? "an object, an array or a string" : "an array or a string",
                         v, err);
    case KN_OPT_ACTION:
      return kn_error_make (err, KN_EINVAL, 0, "%s: unknown key \"%s\"", path, key);
    }
  kn_cleanup_free char *text = scalar_text (v);
  return set_value (path, key, opt, o, src, text, err);
}

/* "plugins": {"NAME": {"KEY": value}} -> --plugin-opt NAME.KEY=value (flags still win per key). */
static int
apply_plugins (const char *path, struct json_object *plugins, struct kn_build_options *o, unsigned char *sources,
               struct kn_error **err)
{
  const struct kn_opt *opt = kn_cli_option_find ("plugin-opt");
  unsigned char *src = &sources[kn_cli_option_index (opt)];
  if (json_object_get_type (plugins) != json_type_object)
    return type_error (path, "plugins", "an object of plugin names", plugins, err);
  json_object_object_foreach (plugins, name, cfg)
    {
      if (json_object_get_type (cfg) != json_type_object)
        return kn_error_make (err, KN_EINVAL, 0, "%s: key \"plugins\": \"%s\": expected an object, got %s", path,
                              name, json_type_to_name (json_object_get_type (cfg)));
      json_object_object_foreach (cfg, key, v)
        {
          kn_cleanup_free char *val = scalar_text (v);
          if (val == NULL)
            val = kn_xstrdup (json_object_get_type (v) == json_type_null
                                  ? ""
                                  : json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
          kn_cleanup_free char *item = kn_xasprintf ("%s.%s=%s", name, key, val);
          kn_cleanup_free char *where = kn_xasprintf ("plugins\": \"%s", name);
          int r = set_value (path, where, opt, o, src, item, err);
          if (r < 0)
            return r;
        }
    }
  free (o->config_plugins_json);
  o->config_plugins_json = kn_xstrdup (json_object_to_json_string_ext (plugins, JSON_C_TO_STRING_PLAIN));
  return 0;
}

int
kn_cli_config_load (const char *path, struct kn_build_options *o, unsigned char *sources, struct kn_error **err)
{
  kn_cleanup_free char *buf = NULL;
  size_t len = 0;
  int r = read_file (path, &buf, &len, err);
  if (r < 0)
    return r;

  struct json_tokener *tok = json_tokener_new ();
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  struct json_object *root = json_tokener_parse_ex (tok, buf, (int) len);
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  size_t end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      json_object_put (root);
      if (jerr == json_tokener_continue || jerr == json_tokener_success)
        return kn_error_make (err, KN_EINVAL, 0, "%s:%d: invalid JSON: unexpected end of file", path,
                              line_of (buf, len));
      return kn_error_make (err, KN_EINVAL, 0, "%s:%d: invalid JSON: %s", path, line_of (buf, end),
                            json_tokener_error_desc (jerr));
    }
  for (size_t i = end; i < len; i++)
    if (!strchr (" \t\r\n", buf[i]))
      {
        json_object_put (root);
        return kn_error_make (err, KN_EINVAL, 0, "%s:%d: invalid JSON: unexpected data after the object", path,
                              line_of (buf, i));
      }
  if (json_object_get_type (root) != json_type_object)
    {
      r = type_error (path, "(top level)", "an object", root, err);
      json_object_put (root);
      return r;
    }

  json_object_object_foreach (root, key, v)
    {
      if (strcmp (key, "plugins") == 0)
        {
          r = apply_plugins (path, v, o, sources, err);
          if (r < 0)
            break;
          continue;
        }
      const struct kn_opt *opt = kn_cli_option_find (key);
      if (opt == NULL || opt->type == KN_OPT_ACTION || (opt->flags & KN_OPTF_NO_CONFIG))
        {
          const struct kn_opt *s = opt && opt->alias_of ? kn_cli_option_canonical (opt) : kn_cli_option_suggest (key);
          if (s != NULL && (s->flags & KN_OPTF_NO_CONFIG) == 0 && s->type != KN_OPT_ACTION)
            r = kn_error_make (err, KN_EINVAL, 0, "%s: unknown key \"%s\" (did you mean \"%s\"?)", path, key, s->name);
          else
            r = kn_error_make (err, KN_EINVAL, 0, "%s: unknown key \"%s\"", path, key);
          break;
        }
      unsigned char *src = &sources[kn_cli_option_index (opt)];
      if (*src > KN_SRC_CONFIG)
        continue;
      r = apply_key (path, key, v, opt, o, src, err);
      if (r < 0)
        break;
    }
  json_object_put (root);
  return r < 0 ? r : 0;
}

char *
kn_cli_options_to_json (const struct kn_build_options *o)
{
  /* One option per line, values compact: easy to read, grep and diff. */
  size_t size = 0;
  char *text = NULL;
  kn_cleanup_fclose FILE *f = open_memstream (&text, &size);
  if (f == NULL)
    kn_oom ();
  fputs ("{", f);
  bool first = true;
  for (size_t i = 0; i < kn_cli_n_options; i++)
    {
      const struct kn_opt *opt = &kn_cli_options[i];
      if (opt->offset == KN_OPT_NOFIELD || opt->alias_of != NULL || (opt->flags & KN_OPTF_NO_CONFIG))
        continue;
      const void *fp = (const char *) o + opt->offset;
      struct json_object *v = NULL;
      switch (opt->type)
        {
        case KN_OPT_BOOL:
          v = json_object_new_boolean (*(const bool *) fp);
          break;
        case KN_OPT_STRING:
          v = *(char *const *) fp ? json_object_new_string (*(char *const *) fp) : NULL;
          break;
        case KN_OPT_INT:
          v = json_object_new_int (*(const int *) fp);
          break;
        case KN_OPT_FLOAT:
          v = json_object_new_double (*(const double *) fp);
          break;
        case KN_OPT_DURATION:
          {
            kn_cleanup_free char *s = kn_cli_format_duration (*(const int64_t *) fp);
            v = json_object_new_string (s);
            break;
          }
        case KN_OPT_LIST:
          {
            const struct kn_build_strv *l = fp;
            v = json_object_new_array ();
            for (size_t k = 0; k < l->n; k++)
              json_object_array_add (v, json_object_new_string (l->v[k]));
            break;
          }
        case KN_OPT_MAP:
          {
            const struct kn_build_map *m = fp;
            v = json_object_new_array ();
            for (size_t k = 0; k < m->n; k++)
              {
                kn_cleanup_free char *s = m->v[k].value ? kn_xasprintf ("%s=%s", m->v[k].key, m->v[k].value)
                                                        : kn_xstrdup (m->v[k].key);
                json_object_array_add (v, json_object_new_string (s));
              }
            break;
          }
        case KN_OPT_ACTION:
          continue;
        }
      struct json_object *name = json_object_new_string (opt->name);
      fprintf (f, "%s\n  %s: %s", first ? "" : ",", json_object_to_json_string_ext (name, JSON_C_TO_STRING_PLAIN),
               v ? json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                 : "null");
      json_object_put (name);
      json_object_put (v);
      first = false;
    }
  fputs ("\n}\n", f);
  fclose (f);
  f = NULL;
  return text;
}
