/* kaniko plugins [--plugin-dir DIR]... [--plugin-opt NAME.KEY=VALUE]... [--json]:
 * list every plugin found (name, kinds, version, ABI, path, description),
 * every file refused with its reason, and the directories searched.  Refused
 * files are not an error: the exit status is 0. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include <kaniko/sys/util.h>

#include "core/cli/builtin-plugins.h"
#include "core/cli/commands.h"
#include "core/plugin/plugins.h"

static void
usage (FILE *f)
{
  fprintf (f, "Usage: kaniko plugins [--plugin-dir DIR]... [--plugin-opt NAME.KEY=VALUE]... [--json]\n\n"
              "List the plugins found along the search path (--plugin-dir, then KANIKO_PLUGIN_PATH,\n"
              "then ../lib/kaniko next to the executable, then " KN_PKGLIBDIR "),\n"
              "the files refused and why, and the directories searched.\n");
}

/* The value of option NAME at argv[*i] ("--name VALUE" or "--name=VALUE"), or NULL. */
static const char *
option_value (int argc, char **argv, int *i, const char *name, int *missing)
{
  size_t n = strlen (name);
  if (strncmp (argv[*i], name, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] != '\0')
    return NULL;
  if (*i + 1 >= argc)
    {
      *missing = 1;
      return NULL;
    }
  return argv[++*i];
}

static void
print_text (const struct kn_plugins *t)
{
  size_t n = kn_plugins_count (t);
  printf ("Plugins (%zu):\n", n);
  for (size_t i = 0; i < n; i++)
    {
      const struct kn_plugin_info *p = kn_plugins_get (t, i);
      const struct kn_plugin_desc *d = p->desc;
      printf ("  %s %s  ABI %u.%u  ", p->name, d->version, (unsigned) d->abi_major, (unsigned) d->abi_minor);
      for (size_t f = 0; f < d->n_features; f++)
        {
          const struct kn_vtable_header *h = d->features[f].vtable;
          printf ("%s%s", f ? "," : "", kn_plugin_kind_name (d->features[f].kind));
          if (strcmp (h->name, p->name) != 0)
            printf ("(%s)", h->name);
        }
      printf ("\n    path: %s\n", p->path);
      if (d->description && *d->description)
        printf ("    %s\n", d->description);
    }
  size_t r = kn_plugins_refused_count (t);
  printf ("Refused (%zu):\n", r);
  for (size_t i = 0; i < r; i++)
    {
      const struct kn_plugin_refusal *x = kn_plugins_refused_get (t, i);
      printf ("  %s: %s\n", x->path, x->reason);
    }
  printf ("Search path:\n");
  for (size_t i = 0; i < kn_plugins_dir_count (t); i++)
    {
      const struct kn_plugin_dir *dir = kn_plugins_dir_get (t, i);
      printf ("  %s (%s%s)\n", dir->path, kn_plugin_dir_origin_name (dir->origin), dir->exists ? "" : ", missing");
    }
}

static void
print_json (const struct kn_plugins *t)
{
  struct json_object *root = json_object_new_object ();
  struct json_object *plugins = json_object_new_array ();
  for (size_t i = 0; i < kn_plugins_count (t); i++)
    {
      const struct kn_plugin_info *p = kn_plugins_get (t, i);
      const struct kn_plugin_desc *d = p->desc;
      struct json_object *o = json_object_new_object ();
      json_object_object_add (o, "name", json_object_new_string (p->name));
      json_object_object_add (o, "version", json_object_new_string (d->version));
      json_object_object_add (o, "description", json_object_new_string (d->description ? d->description : ""));
      kn_cleanup_free char *abi = kn_xasprintf ("%u.%u", (unsigned) d->abi_major, (unsigned) d->abi_minor);
      json_object_object_add (o, "abi", json_object_new_string (abi));
      json_object_object_add (o, "path", json_object_new_string (p->path));
      json_object_object_add (o, "builtin", json_object_new_boolean (p->builtin));
      struct json_object *features = json_object_new_array ();
      for (size_t f = 0; f < d->n_features; f++)
        {
          const struct kn_vtable_header *h = d->features[f].vtable;
          struct json_object *fo = json_object_new_object ();
          json_object_object_add (fo, "kind", json_object_new_string (kn_plugin_kind_name (d->features[f].kind)));
          json_object_object_add (fo, "name", json_object_new_string (h->name));
          json_object_object_add (fo, "version", json_object_new_int ((int) h->version));
          json_object_array_add (features, fo);
        }
      json_object_object_add (o, "features", features);
      json_object_array_add (plugins, o);
    }
  json_object_object_add (root, "plugins", plugins);
  struct json_object *refused = json_object_new_array ();
  for (size_t i = 0; i < kn_plugins_refused_count (t); i++)
    {
      const struct kn_plugin_refusal *x = kn_plugins_refused_get (t, i);
      struct json_object *o = json_object_new_object ();
      json_object_object_add (o, "path", json_object_new_string (x->path));
      json_object_object_add (o, "reason", json_object_new_string (x->reason));
      json_object_array_add (refused, o);
    }
  json_object_object_add (root, "refused", refused);
  struct json_object *dirs = json_object_new_array ();
  for (size_t i = 0; i < kn_plugins_dir_count (t); i++)
    {
      const struct kn_plugin_dir *dir = kn_plugins_dir_get (t, i);
      struct json_object *o = json_object_new_object ();
      json_object_object_add (o, "path", json_object_new_string (dir->path));
      json_object_object_add (o, "origin", json_object_new_string (kn_plugin_dir_origin_name (dir->origin)));
      json_object_object_add (o, "exists", json_object_new_boolean (dir->exists));
      json_object_array_add (dirs, o);
    }
  json_object_object_add (root, "search_path", dirs);
  printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
}

int
kn_cmd_plugins (int argc, char **argv)
{
  struct kn_plugins *t = kn_cli_plugins_new ();
  struct kn_error *err = NULL;
  int json = 0, status = 0;
  for (int i = 1; i < argc && status == 0; i++)
    {
      int missing = 0;
      const char *v;
      if (strcmp (argv[i], "--json") == 0)
        json = 1;
      else if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
        {
          usage (stdout);
          kn_plugins_free (t);
          return 0;
        }
      else if ((v = option_value (argc, argv, &i, "--plugin-dir", &missing)))
        {
          if (kn_plugins_add_dir (t, v, &err) < 0)
            status = 2;
        }
      else if ((v = option_value (argc, argv, &i, "--plugin-opt", &missing)))
        {
          if (kn_plugins_set_option (t, v, &err) < 0)
            status = 2;
        }
      else
        {
          if (missing)
            fprintf (stderr, "kaniko: plugins: %s needs a value\n", argv[i]);
          else
            fprintf (stderr, "kaniko: plugins: unknown argument \"%s\"\n", argv[i]);
          usage (stderr);
          status = 2;
        }
    }
  if (status == 0)
    {
      kn_plugins_add_default_dirs (t);
      if (kn_plugins_scan (t, &err) < 0)
        status = 1;
      else if (kn_plugins_check_options (t, &err) < 0)
        {
          /* A diagnostic command: say it, but still list what was found. */
          fprintf (stderr, "kaniko: plugins: warning: %s\n", err->msg);
          kn_error_release (&err);
        }
    }
  if (err)
    fprintf (stderr, "kaniko: plugins: %s\n", err->msg);
  else if (status == 0)
    {
      if (json)
        print_json (t);
      else
        print_text (t);
    }
  kn_error_free (err);
  kn_plugins_free (t);
  return status;
}
