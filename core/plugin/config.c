/* Plugin options: --plugin-opt NAME.KEY=VALUE and the "plugins" object of
 * --config, kept per plugin as a read-only subtree (collectd's habit).  A
 * value from the flag wins over one from the config file. */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include <kaniko/sys/util.h>

#include "core/plugin/table.h"

static const struct kn_plugin_config empty_config = { NULL, NULL, 0 };

const char *
kn_plugin_config_get (const struct kn_plugin_config *cfg, const char *key)
{
  if (cfg == NULL || key == NULL)
    return NULL;
  for (size_t i = 0; i < cfg->n_opts; i++)
    if (strcmp (cfg->opts[i].key, key) == 0)
      return cfg->opts[i].value;
  return NULL;
}

size_t
kn_plugin_config_count (const struct kn_plugin_config *cfg)
{
  return cfg ? cfg->n_opts : 0;
}

int
kn_plugin_config_nth (const struct kn_plugin_config *cfg, size_t i, const char **key, const char **value)
{
  if (cfg == NULL || i >= cfg->n_opts)
    return -KN_ENOTFOUND;
  *key = cfg->opts[i].key;
  *value = cfg->opts[i].value;
  return 0;
}

struct kn_plugin_config *
kn_plugins_config_lookup (struct kn_plugins *t, const char *name, int create)
{
  for (size_t i = 0; i < t->n_configs; i++)
    if (strcmp (t->configs[i]->name, name) == 0)
      return t->configs[i];
  if (!create)
    return NULL;
  struct kn_plugin_config *cfg = kn_xcalloc (1, sizeof *cfg);
  cfg->name = kn_xstrdup (name);
  t->configs = kn_xrealloc (t->configs, (t->n_configs + 1) * sizeof *t->configs);
  t->configs[t->n_configs++] = cfg;
  return cfg;
}

const struct kn_plugin_config *
kn_plugins_config (const struct kn_plugins *t, const char *name)
{
  for (size_t i = 0; i < t->n_configs; i++)
    if (strcmp (t->configs[i]->name, name) == 0)
      return t->configs[i];
  return &empty_config;
}

void
kn_plugins_configs_free (struct kn_plugins *t)
{
  for (size_t i = 0; i < t->n_configs; i++)
    {
      struct kn_plugin_config *cfg = t->configs[i];
      for (size_t j = 0; j < cfg->n_opts; j++)
        {
          free (cfg->opts[j].key);
          free (cfg->opts[j].value);
        }
      free (cfg->opts);
      free (cfg->name);
      free (cfg);
    }
  free (t->configs);
  t->configs = NULL;
  t->n_configs = 0;
}

/* Set KEY of plugin NAME to VALUE; a config-file value never replaces a flag value. */
static void
set_value (struct kn_plugins *t, const char *name, const char *key, size_t key_len, const char *value,
           int from_flag)
{
  struct kn_plugin_config *cfg = kn_plugins_config_lookup (t, name, 1);
  for (size_t i = 0; i < cfg->n_opts; i++)
    if (strlen (cfg->opts[i].key) == key_len && strncmp (cfg->opts[i].key, key, key_len) == 0)
      {
        if (cfg->opts[i].from_flag && !from_flag)
          return;
        free (cfg->opts[i].value);
        cfg->opts[i].value = kn_xstrdup (value);
        cfg->opts[i].from_flag = from_flag;
        return;
      }
  cfg->opts = kn_xrealloc (cfg->opts, (cfg->n_opts + 1) * sizeof *cfg->opts);
  cfg->opts[cfg->n_opts].key = kn_xstrndup (key, key_len);
  cfg->opts[cfg->n_opts].value = kn_xstrdup (value);
  cfg->opts[cfg->n_opts].from_flag = from_flag;
  cfg->n_opts++;
}

int
kn_plugins_set_option (struct kn_plugins *t, const char *assignment, struct kn_error **err)
{
  const char *dot = strchr (assignment, '.');
  const char *eq = strchr (assignment, '=');
  if (dot == NULL || eq == NULL || dot > eq)
    return kn_error_make (err, KN_EINVAL, 0, "--plugin-opt %s: expected NAME.KEY=VALUE", assignment);
  if (dot == assignment)
    return kn_error_make (err, KN_EINVAL, 0, "--plugin-opt %s: empty plugin name", assignment);
  if (eq == dot + 1)
    return kn_error_make (err, KN_EINVAL, 0, "--plugin-opt %s: empty key", assignment);
  kn_cleanup_free char *name = kn_xstrndup (assignment, (size_t) (dot - assignment));
  set_value (t, name, dot + 1, (size_t) (eq - dot - 1), eq + 1, 1);
  return 0;
}

int
kn_plugins_set_options_json (struct kn_plugins *t, const struct json_object *plugins, struct kn_error **err)
{
  /* json-c's iteration macros take a non-const object; nothing is modified. */
  struct json_object *root = (struct json_object *) plugins;
  if (root == NULL)
    return 0;
  if (!json_object_is_type (root, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "config: \"plugins\" must be an object of objects");
  json_object_object_foreach (root, name, opts)
  {
    if (!json_object_is_type (opts, json_type_object))
      return kn_error_make (err, KN_EINVAL, 0, "config: plugins.%s must be an object", name);
    if (*name == '\0')
      return kn_error_make (err, KN_EINVAL, 0, "config: plugins: empty plugin name");
    json_object_object_foreach (opts, key, val)
    {
      if (!json_object_is_type (val, json_type_string) && !json_object_is_type (val, json_type_int)
          && !json_object_is_type (val, json_type_double) && !json_object_is_type (val, json_type_boolean))
        return kn_error_make (err, KN_EINVAL, 0, "config: plugins.%s.%s: expected a string, number or boolean", name,
                              key);
      set_value (t, name, key, strlen (key), json_object_get_string (val), 0);
    }
  }
  return 0;
}
