/* Image configs: see config.h. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <kaniko/sys/util.h>

#include "core/image/image_config.h"
#include "core/image/manifest.h"

int
kn_time_valid (const char *s)
{
  /* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
  static const char pat[] = "dddd-dd-ddTdd:dd:dd";
  size_t i;
  if (s == NULL)
    return 0;
  for (i = 0; pat[i]; i++)
    {
      if (pat[i] == 'd' ? !isdigit ((unsigned char) s[i]) : (pat[i] == 'T' ? (s[i] != 'T' && s[i] != 't')
                                                                          : s[i] != pat[i]))
        return 0;
    }
  s += i;
  if (*s == '.')
    {
      s++;
      if (!isdigit ((unsigned char) *s))
        return 0;
      while (isdigit ((unsigned char) *s))
        s++;
    }
  if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
    return 1;
  if ((*s == '+' || *s == '-') && isdigit ((unsigned char) s[1]) && isdigit ((unsigned char) s[2]) && s[3] == ':'
      && isdigit ((unsigned char) s[4]) && isdigit ((unsigned char) s[5]) && s[6] == '\0')
    return 1;
  return 0;
}

char *
kn_time_format (int64_t sec, long nsec)
{
  time_t t = (time_t) sec;
  struct tm tm;
  char base[64], frac[32] = "";
  gmtime_r (&t, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  if (nsec > 0)
    {
      size_t n;
      snprintf (frac, sizeof frac, ".%09ld", nsec % 1000000000L);
      n = strlen (frac);
      while (n > 1 && frac[n - 1] == '0')
        frac[--n] = '\0';
    }
  return kn_xasprintf ("%s%sZ", base, frac);
}

static int
parse_health (json_object *obj, struct kn_healthcheck **out, struct kn_error **err)
{
  const char *what = "config: Healthcheck";
  struct kn_healthcheck *h;
  int ret;
  if (obj == NULL)
    return 0;
  h = kn_xcalloc (1, sizeof *h);
  if ((ret = kn_json_get_strv (obj, "Test", what, &h->test, err)) < 0
      || (ret = kn_json_get_int (obj, "Interval", what, &h->interval, err)) < 0
      || (ret = kn_json_get_int (obj, "Timeout", what, &h->timeout, err)) < 0
      || (ret = kn_json_get_int (obj, "StartPeriod", what, &h->start_period, err)) < 0
      || (ret = kn_json_get_int (obj, "StartInterval", what, &h->start_interval, err)) < 0
      || (ret = kn_json_get_int (obj, "Retries", what, &h->retries, err)) < 0)
    {
      kn_strv_free (h->test);
      free (h);
      return ret;
    }
  *out = h;
  return 0;
}

static int
parse_exec (json_object *obj, struct kn_exec_config *c, struct kn_error **err)
{
  const char *what = "config: config";
  json_object *hc = NULL;
  int ret;
  if (obj == NULL)
    return 0;
  if ((ret = kn_json_get_bool (obj, "AttachStderr", what, &c->attach_stderr, err)) < 0
      || (ret = kn_json_get_bool (obj, "AttachStdin", what, &c->attach_stdin, err)) < 0
      || (ret = kn_json_get_bool (obj, "AttachStdout", what, &c->attach_stdout, err)) < 0
      || (ret = kn_json_get_strv (obj, "Cmd", what, &c->cmd, err)) < 0
      || (ret = kn_json_get_obj (obj, "Healthcheck", what, &hc, err)) < 0
      || (ret = parse_health (hc, &c->healthcheck, err)) < 0
      || (ret = kn_json_get_str (obj, "Domainname", what, &c->domainname, err)) < 0
      || (ret = kn_json_get_strv (obj, "Entrypoint", what, &c->entrypoint, err)) < 0
      || (ret = kn_json_get_strv (obj, "Env", what, &c->env, err)) < 0
      || (ret = kn_json_get_str (obj, "Hostname", what, &c->hostname, err)) < 0
      || (ret = kn_json_get_str (obj, "Image", what, &c->image, err)) < 0
      || (ret = kn_json_get_strmap (obj, "Labels", what, &c->labels, err)) < 0
      || (ret = kn_json_get_strv (obj, "OnBuild", what, &c->on_build, err)) < 0
      || (ret = kn_json_get_bool (obj, "OpenStdin", what, &c->open_stdin, err)) < 0
      || (ret = kn_json_get_bool (obj, "StdinOnce", what, &c->stdin_once, err)) < 0
      || (ret = kn_json_get_bool (obj, "Tty", what, &c->tty, err)) < 0
      || (ret = kn_json_get_str (obj, "User", what, &c->user, err)) < 0
      || (ret = kn_json_get_strset (obj, "Volumes", what, &c->volumes, err)) < 0
      || (ret = kn_json_get_str (obj, "WorkingDir", what, &c->working_dir, err)) < 0
      || (ret = kn_json_get_strset (obj, "ExposedPorts", what, &c->exposed_ports, err)) < 0
      || (ret = kn_json_get_bool (obj, "ArgsEscaped", what, &c->args_escaped, err)) < 0
      || (ret = kn_json_get_bool (obj, "NetworkDisabled", what, &c->network_disabled, err)) < 0
      || (ret = kn_json_get_str (obj, "MacAddress", what, &c->mac_address, err)) < 0
      || (ret = kn_json_get_str (obj, "StopSignal", what, &c->stop_signal, err)) < 0
      || (ret = kn_json_get_strv (obj, "Shell", what, &c->shell, err)) < 0)
    return ret;
  return 0;
}

static int
parse_obj (json_object *obj, unsigned flags, struct kn_image_config *c, struct kn_error **err)
{
  const char *what = "config";
  json_object *rootfs = NULL, *exec = NULL, *hist = NULL;
  int ret;
  if (!json_object_is_type (obj, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "config: not a JSON object");
  if ((ret = kn_json_get_str (obj, "architecture", what, &c->architecture, err)) < 0
      || (ret = kn_json_get_str (obj, "author", what, &c->author, err)) < 0
      || (ret = kn_json_get_str (obj, "container", what, &c->container, err)) < 0
      || (ret = kn_json_get_str (obj, "created", what, &c->created, err)) < 0
      || (ret = kn_json_get_str (obj, "docker_version", what, &c->docker_version, err)) < 0
      || (ret = kn_json_get_str (obj, "os", what, &c->os, err)) < 0
      || (ret = kn_json_get_str (obj, "os.version", what, &c->os_version, err)) < 0
      || (ret = kn_json_get_str (obj, "variant", what, &c->variant, err)) < 0
      || (ret = kn_json_get_strv (obj, "os.features", what, &c->os_features, err)) < 0
      || (ret = kn_json_get_obj (obj, "rootfs", what, &rootfs, err)) < 0
      || (ret = kn_json_get_obj (obj, "config", what, &exec, err)) < 0
      || (ret = kn_json_get_arr (obj, "history", what, &hist, err)) < 0)
    return ret;
  if (rootfs
      && ((ret = kn_json_get_str (rootfs, "type", "config: rootfs", &c->rootfs_type, err)) < 0
          || (ret = kn_json_get_strv (rootfs, "diff_ids", "config: rootfs", &c->diff_ids, err)) < 0))
    return ret;
  if ((ret = parse_exec (exec, &c->config, err)) < 0)
    return ret;
  if (hist)
    {
      size_t n = json_object_array_length (hist);
      c->history = kn_xcalloc (n ? n : 1, sizeof *c->history);
      for (size_t i = 0; i < n; i++)
        {
          json_object *e = json_object_array_get_idx (hist, i);
          struct kn_history *h = &c->history[i];
          kn_cleanup_free char *w = kn_xasprintf ("config: history[%zu]", i);
          c->n_history++;
          if (e == NULL || !json_object_is_type (e, json_type_object))
            return kn_error_make (err, KN_EINVAL, 0, "%s: not an object", w);
          if ((ret = kn_json_get_str (e, "author", w, &h->author, err)) < 0
              || (ret = kn_json_get_str (e, "created", w, &h->created, err)) < 0
              || (ret = kn_json_get_str (e, "created_by", w, &h->created_by, err)) < 0
              || (ret = kn_json_get_str (e, "comment", w, &h->comment, err)) < 0
              || (ret = kn_json_get_bool (e, "empty_layer", w, &h->empty_layer, err)) < 0)
            return ret;
          if ((flags & KN_IMAGE_PARSE_STRICT) && h->created && !kn_time_valid (h->created))
            return kn_error_make (err, KN_EINVAL, 0, "%s: \"created\" is not an RFC 3339 time: \"%s\"", w,
                                  h->created);
        }
    }
  for (size_t i = 0; c->diff_ids && c->diff_ids[i]; i++)
    {
      kn_cleanup_free char *w = kn_xasprintf ("config: rootfs.diff_ids[%zu]", i);
      if ((ret = kn_descriptor_check_digest (c->diff_ids[i], w, err)) < 0)
        return ret;
    }
  /* Go-side check of the OCI schema tests: every Env entry is KEY=VALUE with a non-empty key. */
  for (size_t i = 0; c->config.env && c->config.env[i]; i++)
    {
      const char *eq = strchr (c->config.env[i], '=');
      if ((flags & KN_IMAGE_PARSE_STRICT) && (eq == NULL || eq == c->config.env[i]))
        return kn_error_make (err, KN_EINVAL, 0, "config: Env[%zu] \"%s\" is not KEY=VALUE", i,
                              c->config.env[i]);
    }
  if (flags & KN_IMAGE_PARSE_STRICT)
    {
      if (c->architecture == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "config: missing \"architecture\"");
      if (c->os == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "config: missing \"os\"");
      if (rootfs == NULL || c->diff_ids == NULL || c->rootfs_type == NULL)
        return kn_error_make (err, KN_EINVAL, 0, "config: missing \"rootfs\" with \"type\" and \"diff_ids\"");
      if (c->created && !kn_time_valid (c->created))
        return kn_error_make (err, KN_EINVAL, 0, "config: \"created\" is not an RFC 3339 time: \"%s\"", c->created);
    }
  if (c->rootfs_type && strcmp (c->rootfs_type, "layers") != 0)
    return kn_error_make (err, KN_EINVAL, 0, "config: rootfs.type \"%s\" is not \"layers\"", c->rootfs_type);
  return 0;
}

int
kn_config_parse (const void *data, size_t len, unsigned flags, struct kn_image_config *out, struct kn_error **err)
{
  json_object *obj = NULL;
  struct kn_image_config c = { 0 };
  int ret = kn_json_parse (data, len, "config", &obj, err);
  if (ret < 0)
    return ret;
  ret = parse_obj (obj, flags, &c, err);
  json_object_put (obj);
  if (ret < 0)
    {
      kn_config_clear (&c);
      return ret;
    }
  kn_config_clear (out);
  *out = c;
  return 0;
}

/* omitempty helpers */
static void
opt_str (struct kn_jw *w, const char *key, const char *v)
{
  if (v && *v)
    {
      kn_jw_key (w, key);
      kn_jw_str (w, v);
    }
}

static void
opt_bool (struct kn_jw *w, const char *key, int v)
{
  if (v)
    {
      kn_jw_key (w, key);
      kn_jw_bool (w, 1);
    }
}

static void
opt_int (struct kn_jw *w, const char *key, int64_t v)
{
  if (v)
    {
      kn_jw_key (w, key);
      kn_jw_int (w, v);
    }
}

static void
opt_strv (struct kn_jw *w, const char *key, char *const *v)
{
  if (v && v[0])
    {
      kn_jw_key (w, key);
      kn_jw_strv (w, v);
    }
}

static void
write_exec (struct kn_jw *w, const struct kn_exec_config *c)
{
  kn_jw_obj_begin (w);
  opt_bool (w, "AttachStderr", c->attach_stderr);
  opt_bool (w, "AttachStdin", c->attach_stdin);
  opt_bool (w, "AttachStdout", c->attach_stdout);
  opt_strv (w, "Cmd", c->cmd);
  if (c->healthcheck)
    {
      const struct kn_healthcheck *h = c->healthcheck;
      kn_jw_key (w, "Healthcheck");
      kn_jw_obj_begin (w);
      opt_strv (w, "Test", h->test);
      opt_int (w, "Interval", h->interval);
      opt_int (w, "Timeout", h->timeout);
      opt_int (w, "StartPeriod", h->start_period);
      opt_int (w, "StartInterval", h->start_interval);
      opt_int (w, "Retries", h->retries);
      kn_jw_obj_end (w);
    }
  opt_str (w, "Domainname", c->domainname);
  opt_strv (w, "Entrypoint", c->entrypoint);
  opt_strv (w, "Env", c->env);
  opt_str (w, "Hostname", c->hostname);
  opt_str (w, "Image", c->image);
  if (c->labels.n)
    {
      kn_jw_key (w, "Labels");
      kn_jw_strmap (w, &c->labels);
    }
  opt_strv (w, "OnBuild", c->on_build);
  opt_bool (w, "OpenStdin", c->open_stdin);
  opt_bool (w, "StdinOnce", c->stdin_once);
  opt_bool (w, "Tty", c->tty);
  opt_str (w, "User", c->user);
  if (c->volumes.n)
    {
      kn_jw_key (w, "Volumes");
      kn_jw_strset (w, &c->volumes);
    }
  opt_str (w, "WorkingDir", c->working_dir);
  if (c->exposed_ports.n)
    {
      kn_jw_key (w, "ExposedPorts");
      kn_jw_strset (w, &c->exposed_ports);
    }
  opt_bool (w, "ArgsEscaped", c->args_escaped);
  opt_bool (w, "NetworkDisabled", c->network_disabled);
  opt_str (w, "MacAddress", c->mac_address);
  opt_str (w, "StopSignal", c->stop_signal);
  opt_strv (w, "Shell", c->shell);
  kn_jw_obj_end (w);
}

char *
kn_config_write (const struct kn_image_config *c, size_t *len)
{
  struct kn_jw w;
  kn_jw_init (&w);
  kn_jw_obj_begin (&w);
  kn_jw_key (&w, "architecture");
  kn_jw_str (&w, c->architecture ? c->architecture : "");
  opt_str (&w, "author", c->author);
  opt_str (&w, "container", c->container);
  kn_jw_key (&w, "created");
  kn_jw_str (&w, c->created ? c->created : KN_ZERO_TIME);
  opt_str (&w, "docker_version", c->docker_version);
  if (c->n_history)
    {
      kn_jw_key (&w, "history");
      kn_jw_arr_begin (&w);
      for (size_t i = 0; i < c->n_history; i++)
        {
          const struct kn_history *h = &c->history[i];
          kn_jw_obj_begin (&w);
          opt_str (&w, "author", h->author);
          kn_jw_key (&w, "created");
          kn_jw_str (&w, h->created ? h->created : KN_ZERO_TIME);
          opt_str (&w, "created_by", h->created_by);
          opt_str (&w, "comment", h->comment);
          opt_bool (&w, "empty_layer", h->empty_layer);
          kn_jw_obj_end (&w);
        }
      kn_jw_arr_end (&w);
    }
  kn_jw_key (&w, "os");
  kn_jw_str (&w, c->os ? c->os : "");
  kn_jw_key (&w, "rootfs");
  kn_jw_obj_begin (&w);
  kn_jw_key (&w, "type");
  kn_jw_str (&w, c->rootfs_type ? c->rootfs_type : "layers");
  kn_jw_key (&w, "diff_ids");
  kn_jw_arr_begin (&w);
  for (size_t i = 0; c->diff_ids && c->diff_ids[i]; i++)
    kn_jw_str (&w, c->diff_ids[i]);
  kn_jw_arr_end (&w);
  kn_jw_obj_end (&w);
  kn_jw_key (&w, "config");
  write_exec (&w, &c->config);
  opt_str (&w, "os.version", c->os_version);
  opt_str (&w, "variant", c->variant);
  opt_strv (&w, "os.features", c->os_features);
  kn_jw_obj_end (&w);
  return kn_jw_steal (&w, len);
}

static void
history_copy (struct kn_history *d, const struct kn_history *s)
{
  d->author = kn_xstrdup (s->author);
  d->created = kn_xstrdup (s->created);
  d->created_by = kn_xstrdup (s->created_by);
  d->comment = kn_xstrdup (s->comment);
  d->empty_layer = s->empty_layer;
}

void
kn_config_add_history (struct kn_image_config *c, const struct kn_history *h)
{
  c->history = kn_xrealloc (c->history, (c->n_history + 1) * sizeof *c->history);
  history_copy (&c->history[c->n_history++], h);
}

void
kn_config_add_diff_id (struct kn_image_config *c, const char *diff_id)
{
  kn_strv_push (&c->diff_ids, diff_id);
}

static void
exec_copy (struct kn_exec_config *d, const struct kn_exec_config *s)
{
  *d = *s;
  d->cmd = kn_strv_dup (s->cmd);
  if (s->healthcheck)
    {
      d->healthcheck = kn_xcalloc (1, sizeof *d->healthcheck);
      *d->healthcheck = *s->healthcheck;
      d->healthcheck->test = kn_strv_dup (s->healthcheck->test);
    }
  d->domainname = kn_xstrdup (s->domainname);
  d->entrypoint = kn_strv_dup (s->entrypoint);
  d->env = kn_strv_dup (s->env);
  d->hostname = kn_xstrdup (s->hostname);
  d->image = kn_xstrdup (s->image);
  kn_strmap_copy (&d->labels, &s->labels);
  d->on_build = kn_strv_dup (s->on_build);
  d->user = kn_xstrdup (s->user);
  kn_strmap_copy (&d->volumes, &s->volumes);
  d->working_dir = kn_xstrdup (s->working_dir);
  kn_strmap_copy (&d->exposed_ports, &s->exposed_ports);
  d->mac_address = kn_xstrdup (s->mac_address);
  d->stop_signal = kn_xstrdup (s->stop_signal);
  d->shell = kn_strv_dup (s->shell);
}

void
kn_config_copy (struct kn_image_config *d, const struct kn_image_config *s)
{
  memset (d, 0, sizeof *d);
  d->architecture = kn_xstrdup (s->architecture);
  d->author = kn_xstrdup (s->author);
  d->container = kn_xstrdup (s->container);
  d->created = kn_xstrdup (s->created);
  d->docker_version = kn_xstrdup (s->docker_version);
  for (size_t i = 0; i < s->n_history; i++)
    kn_config_add_history (d, &s->history[i]);
  d->os = kn_xstrdup (s->os);
  d->rootfs_type = kn_xstrdup (s->rootfs_type);
  d->diff_ids = kn_strv_dup (s->diff_ids);
  exec_copy (&d->config, &s->config);
  d->os_version = kn_xstrdup (s->os_version);
  d->variant = kn_xstrdup (s->variant);
  d->os_features = kn_strv_dup (s->os_features);
}

static void
exec_clear (struct kn_exec_config *c)
{
  kn_strv_free (c->cmd);
  if (c->healthcheck)
    {
      kn_strv_free (c->healthcheck->test);
      free (c->healthcheck);
    }
  free (c->domainname);
  kn_strv_free (c->entrypoint);
  kn_strv_free (c->env);
  free (c->hostname);
  free (c->image);
  kn_strmap_clear (&c->labels);
  kn_strv_free (c->on_build);
  free (c->user);
  kn_strmap_clear (&c->volumes);
  free (c->working_dir);
  kn_strmap_clear (&c->exposed_ports);
  free (c->mac_address);
  free (c->stop_signal);
  kn_strv_free (c->shell);
  memset (c, 0, sizeof *c);
}

void
kn_config_clear (struct kn_image_config *c)
{
  free (c->architecture);
  free (c->author);
  free (c->container);
  free (c->created);
  free (c->docker_version);
  for (size_t i = 0; i < c->n_history; i++)
    {
      free (c->history[i].author);
      free (c->history[i].created);
      free (c->history[i].created_by);
      free (c->history[i].comment);
    }
  free (c->history);
  free (c->os);
  free (c->rootfs_type);
  kn_strv_free (c->diff_ids);
  exec_clear (&c->config);
  free (c->os_version);
  free (c->variant);
  kn_strv_free (c->os_features);
  memset (c, 0, sizeof *c);
}
