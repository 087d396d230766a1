/* RUN --mount values (BuildKit's commands_runmount.go): a CSV record of
 * key=value fields.  See kn_df_mount_parse in instructions.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/instructions.h"
#include "core/dockerfile/strbuf.h"

void
kn_df_mount_clear (struct kn_df_mount *m)
{
  free (m->spec);
  free (m->from);
  free (m->source);
  free (m->target);
  free (m->id);
  free (m->sharing);
  free (m->env);
  free (m->size);
  memset (m, 0, sizeof *m);
}

/* encoding/csv, first record only: fields split on ',', a field starting with
 * '"' is quoted ("" is a quote).  Returns a strv or NULL with *err set. */
static char **
csv_fields (const char *s, struct kn_error **err)
{
  char **v = kn_xcalloc (1, sizeof *v);
  size_t n = 0, col = 0;
  struct kn_df_buf f = { 0 };

  for (;;)
    {
      kn_df_buf_reset (&f);
      if (*s == '"')
        {
          s++, col++;
          for (;;)
            {
              if (*s == '\0')
                {
                  kn_df_buf_free (&f);
                  kn_strv_free (v);
                  kn_error_make (err, KN_EINVAL, 0,
                                 "parse error on line 1, column %zu: extraneous or missing \" in quoted-field",
                                 col + 1);
                  return NULL;
                }
              if (*s == '"')
                {
                  if (s[1] == '"')
                    {
                      kn_df_buf_addc (&f, '"');
                      s += 2, col += 2;
                      continue;
                    }
                  s++, col++;
                  break;
                }
              kn_df_buf_addc (&f, *s++);
              col++;
            }
          if (*s != ',' && *s != '\0' && *s != '\n' && *s != '\r')
            {
              kn_df_buf_free (&f);
              kn_strv_free (v);
              kn_error_make (err, KN_EINVAL, 0,
                             "parse error on line 1, column %zu: extraneous or missing \" in quoted-field", col + 1);
              return NULL;
            }
        }
      else
        {
          while (*s && *s != ',' && *s != '\n' && *s != '\r')
            {
              if (*s == '"')
                {
                  kn_df_buf_free (&f);
                  kn_strv_free (v);
                  kn_error_make (err, KN_EINVAL, 0, "parse error on line 1, column %zu: bare \" in non-quoted-field",
                                 col + 1);
                  return NULL;
                }
              kn_df_buf_addc (&f, *s++);
              col++;
            }
        }
      v = kn_xrealloc (v, (n + 2) * sizeof *v);
      v[n++] = kn_xstrdup (f.p ? f.p : "");
      v[n] = NULL;
      if (*s != ',')
        break;
      s++, col++;
    }
  kn_df_buf_free (&f);
  return v;
}

static int
parse_bool (const char *v, bool *out)
{
  static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < 6; i++)
    {
      if (strcmp (v, t[i]) == 0)
        return *out = true, 0;
      if (strcmp (v, f[i]) == 0)
        return *out = false, 0;
    }
  return -1;
}

static int
parse_u32 (const char *v, int base, uint32_t *out)
{
  char *end;
  unsigned long long x;
  if (*v == '\0' || *v == '-' || *v == '+' || *v == ' ')
    return -1;
  errno = 0;
  x = strtoull (v, &end, base);
  if (errno || *end || x > UINT32_MAX)
    return -1;
  *out = (uint32_t)x;
  return 0;
}

static const char *const type_names[] = { "bind", "cache", "tmpfs", "secret", "ssh" };

int
kn_df_mount_parse (const char *spec, bool allow_vars, struct kn_df_mount *m, struct kn_error **err)
{
  kn_cleanup_strv char **fields = NULL;
  bool ro_auto = true;
  int r = 0;

  memset (m, 0, sizeof *m);
  m->spec = kn_xstrdup (spec);
  m->type = KN_DF_MOUNT_BIND;
  fields = csv_fields (spec, err);
  if (fields == NULL)
    {
      kn_error_wrap (err, "failed to parse csv mounts");
      return -KN_EINVAL;
    }
  for (size_t i = 0; fields[i]; i++)
    {
      char *field = fields[i], *eq = strchr (field, '='), *value;
      kn_cleanup_free char *key = kn_xstrndup (field, eq ? (size_t)(eq - field) : strlen (field));
      for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
          *p = (char)(*p + 32);
      if (eq == NULL)
        {
          if (strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0)
            {
              m->readonly = true, ro_auto = false;
              continue;
            }
          if (strcmp (key, "readwrite") == 0 || strcmp (key, "rw") == 0)
            {
              m->readonly = false, ro_auto = false;
              continue;
            }
          if (strcmp (key, "required") == 0)
            {
              if (m->type != KN_DF_MOUNT_SECRET && m->type != KN_DF_MOUNT_SSH)
                return kn_error_make (err, KN_EINVAL, 0, "unexpected key '%s' for mount type '%s'", key,
                                      type_names[m->type]);
              m->required = true;
              continue;
            }
          return kn_error_make (err, KN_EINVAL, 0, "invalid field '%s' must be a key=value pair", field);
        }
      value = eq + 1;
      if (strcmp (key, "from") == 0)
        {
          for (const char *p = value; *p; p++)
            if (p[0] == '$' && p[1] != '\0')
              return kn_error_make (err, KN_EINVAL, 0,
                                    "'from' doesn't support variable expansion, define alias stage instead");
        }
      if (allow_vars && strchr (value, '$') != NULL)
        {
          m->deferred = true;
          /* keep the raw value where it has a home; checks wait for expansion */
          if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0 || strcmp (key, "destination") == 0)
            free (m->target), m->target = kn_xstrdup (value);
          else if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
            free (m->source), m->source = kn_xstrdup (value);
          else if (strcmp (key, "id") == 0)
            free (m->id), m->id = kn_xstrdup (value);
          continue;
        }
      if (strcmp (key, "type") == 0)
        {
          size_t t;
          for (t = 0; t < 5; t++)
            if (strcasecmp (value, type_names[t]) == 0)
              break;
          if (t == 5)
            return kn_error_make (err, KN_EINVAL, 0, "unsupported mount type \"%s\"", value);
          m->type = (int)t;
        }
      else if (strcmp (key, "from") == 0)
        free (m->from), m->from = kn_xstrdup (value);
      else if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
        free (m->source), m->source = kn_xstrdup (value);
      else if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0 || strcmp (key, "destination") == 0)
        free (m->target), m->target = kn_xstrdup (value);
      else if (strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0)
        {
          if (parse_bool (value, &m->readonly) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value for %s: %s", key, value);
          ro_auto = false;
        }
      else if (strcmp (key, "readwrite") == 0 || strcmp (key, "rw") == 0)
        {
          bool rw;
          if (parse_bool (value, &rw) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value for %s: %s", key, value);
          m->readonly = !rw;
          ro_auto = false;
        }
      else if (strcmp (key, "required") == 0)
        {
          if (m->type != KN_DF_MOUNT_SECRET && m->type != KN_DF_MOUNT_SSH)
            return kn_error_make (err, KN_EINVAL, 0, "unexpected key '%s' for mount type '%s'", key,
                                  type_names[m->type]);
          if (parse_bool (value, &m->required) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value for %s: %s", key, value);
        }
      else if (strcmp (key, "id") == 0)
        free (m->id), m->id = kn_xstrdup (value);
      else if (strcmp (key, "sharing") == 0)
        {
          if (strcasecmp (value, "shared") != 0 && strcasecmp (value, "private") != 0
              && strcasecmp (value, "locked") != 0)
            return kn_error_make (err, KN_EINVAL, 0, "unsupported sharing value \"%s\"", value);
          free (m->sharing);
          m->sharing = kn_xstrdup (value);
          for (char *p = m->sharing; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
              *p = (char)(*p + 32);
        }
      else if (strcmp (key, "mode") == 0)
        {
          if (parse_u32 (value, 8, &m->mode) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value %s for mode", value);
          m->has_mode = true;
        }
      else if (strcmp (key, "uid") == 0)
        {
          if (parse_u32 (value, 10, &m->uid) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value %s for uid", value);
          m->has_uid = true;
        }
      else if (strcmp (key, "gid") == 0)
        {
          if (parse_u32 (value, 10, &m->gid) < 0)
            return kn_error_make (err, KN_EINVAL, 0, "invalid value %s for gid", value);
          m->has_gid = true;
        }
      else if (strcmp (key, "env") == 0)
        free (m->env), m->env = kn_xstrdup (value);
      else if (strcmp (key, "size") == 0)
        free (m->size), m->size = kn_xstrdup (value);
      else
        return kn_error_make (err, KN_EINVAL, 0, "unexpected key '%s' in '%s'", key, field);
    }
  {
    bool file_info = m->type == KN_DF_MOUNT_SECRET || m->type == KN_DF_MOUNT_SSH || m->type == KN_DF_MOUNT_CACHE;
    if (m->has_mode && !file_info)
      return kn_error_make (err, KN_EINVAL, 0, "mode not allowed for \"%s\" type mounts", type_names[m->type]);
    if (m->has_uid && !file_info)
      return kn_error_make (err, KN_EINVAL, 0, "uid not allowed for \"%s\" type mounts", type_names[m->type]);
    if (m->has_gid && !file_info)
      return kn_error_make (err, KN_EINVAL, 0, "gid not allowed for \"%s\" type mounts", type_names[m->type]);
  }
  if (ro_auto)
    m->readonly = !(m->type == KN_DF_MOUNT_CACHE || m->type == KN_DF_MOUNT_TMPFS);
  if (m->sharing && m->type != KN_DF_MOUNT_CACHE)
    return kn_error_make (err, KN_EINVAL, 0, "invalid cache sharing set for %s mount", type_names[m->type]);
  if (m->type == KN_DF_MOUNT_SECRET && !m->deferred)
    {
      if (m->from)
        return kn_error_make (err, KN_EINVAL, 0, "secret mount should not have a from");
      if (m->source == NULL && m->target == NULL && m->id == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "invalid secret mount. one of source, target required");
      if (m->source && m->id)
        return kn_error_make (err, KN_EINVAL, 0, "both source and id can't be set");
    }
  return r;
}
