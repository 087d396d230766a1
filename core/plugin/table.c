/* The plugin table: entries, refusals, scanning order and lookups.  See
 * core/plugin/plugins.h; libltdl lives in loader.c only. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <kaniko/sys/context.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/util.h>

#include "core/plugin/table.h"

struct kn_plugins *
kn_plugins_new (void)
{
  return kn_xcalloc (1, sizeof (struct kn_plugins));
}

void
kn_plugins_free (struct kn_plugins *t)
{
  if (t == NULL)
    return;
  for (size_t i = t->n_entries; i-- > 0;)
    {
      struct kn_plugin_entry *e = t->entries[i];
      if (e->info.desc->fini)
        e->info.desc->fini ();
    }
  for (size_t i = t->n_entries; i-- > 0;)
    {
      struct kn_plugin_entry *e = t->entries[i];
      kn_plugin_loader_close (e->handle);
      free (e->name);
      free (e->path);
      free (e);
    }
  free (t->entries);
  for (size_t i = 0; i < t->n_refused; i++)
    {
      free (t->refused[i]->path);
      free (t->refused[i]->reason);
      free (t->refused[i]);
    }
  free (t->refused);
  for (size_t i = 0; i < t->n_dirs; i++)
    {
      free (t->dirs[i]->path);
      free (t->dirs[i]->real);
      free (t->dirs[i]);
    }
  free (t->dirs);
  for (size_t i = 0; i < t->n_builtins; i++)
    free (t->builtins[i].sym);
  free (t->builtins);
  kn_plugins_configs_free (t);
  if (t->ltdl_ready)
    kn_plugin_loader_exit ();
  free (t);
}

void
kn_plugins_refuse (struct kn_plugins *t, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  struct kn_plugin_refusal_entry *r = kn_xcalloc (1, sizeof *r);
  r->path = kn_xstrdup (path);
  r->reason = kn_xvasprintf (fmt, ap);
  va_end (ap);
  r->pub.path = r->path;
  r->pub.reason = r->reason;
  t->refused = kn_xrealloc (t->refused, (t->n_refused + 1) * sizeof *t->refused);
  t->refused[t->n_refused++] = r;
}

int
kn_plugins_add (struct kn_plugins *t, const struct kn_plugin_desc *desc, const char *path, const char *expected_name,
                int builtin, void *handle)
{
  if (desc == NULL)
    {
      kn_plugins_refuse (t, path, "%s returned NULL", KN_PLUGIN_ENTRY_SYMBOL);
      return -KN_EABI;
    }
  kn_cleanup_free char *reason = kn_plugin_validate_abi (desc);
  if (reason == NULL)
    reason = kn_plugin_validate_desc (t, desc, expected_name, builtin);
  if (reason)
    {
      kn_plugins_refuse (t, path, "%s", reason);
      return -KN_EABI;
    }
  struct kn_plugin_config *cfg = kn_plugins_config_lookup (t, desc->name, 1);
  if (desc->init)
    {
      struct kn_error *e = NULL;
      int r = desc->init (cfg, &e);
      if (r < 0 || e != NULL)
        {
          if (e)
            kn_plugins_refuse (t, path, "plugin \"%s\": init failed: %s", desc->name, e->msg);
          else
            kn_plugins_refuse (t, path, "plugin \"%s\": init failed with code %d (%s) and no message", desc->name,
                               r, kn_error_code_name (-r));
          kn_error_free (e);
          return r < 0 ? r : -KN_EINTERNAL;
        }
    }
  struct kn_plugin_entry *e = kn_xcalloc (1, sizeof *e);
  e->name = kn_xstrdup (desc->name);
  e->path = kn_xstrdup (path);
  e->handle = handle;
  e->info.name = e->name;
  e->info.path = e->path;
  e->info.builtin = builtin;
  e->info.desc = desc;
  e->info.config = cfg;
  t->entries = kn_xrealloc (t->entries, (t->n_entries + 1) * sizeof *t->entries);
  t->entries[t->n_entries++] = e;
  return 0;
}

void
kn_plugins_register_builtin (struct kn_plugins *t, const char *sym, kn_plugin_get_desc_fn get_desc)
{
  t->builtins = kn_xrealloc (t->builtins, (t->n_builtins + 1) * sizeof *t->builtins);
  t->builtins[t->n_builtins].sym = kn_xstrdup (sym);
  t->builtins[t->n_builtins].get_desc = get_desc;
  t->n_builtins++;
}

int
kn_plugins_scan (struct kn_plugins *t, struct kn_error **err)
{
  size_t before = t->n_entries;
  for (size_t i = 0; i < t->n_builtins; i++)
    {
      kn_plugins_add (t, t->builtins[i].get_desc (), KN_PLUGIN_BUILTIN_PATH, t->builtins[i].sym, 1, NULL);
      free (t->builtins[i].sym);
    }
  free (t->builtins);
  t->builtins = NULL;
  t->n_builtins = 0;

  for (size_t i = 0; i < t->n_dirs; i++)
    {
      struct kn_plugin_dir_entry *d = t->dirs[i];
      if (d->scanned || !d->pub.exists)
        continue;
      d->scanned = 1;
      if (!t->ltdl_ready)
        {
          int r = kn_plugin_loader_init (err);
          if (r < 0)
            return r;
          t->ltdl_ready = 1;
        }
      kn_plugin_loader_scan_dir (t, d->path);
    }
  return (int) (t->n_entries - before);
}

int
kn_plugins_check_options (const struct kn_plugins *t, struct kn_error **err)
{
  for (size_t c = 0; c < t->n_configs; c++)
    {
      const struct kn_plugin_config *cfg = t->configs[c];
      if (cfg->n_opts == 0)
        continue;
      int found = 0;
      for (size_t e = 0; e < t->n_entries && !found; e++)
        found = strcmp (t->entries[e]->name, cfg->name) == 0;
      if (found)
        continue;
      kn_cleanup_free char *names = kn_xstrdup ("");
      for (size_t e = 0; e < t->n_entries; e++)
        {
          char *n = kn_xasprintf ("%s%s%s", names, e ? ", " : "", t->entries[e]->name);
          free (names);
          names = n;
        }
      return kn_error_make (err, KN_EINVAL, 0, "plugin option %s.%s: no plugin named \"%s\" is loaded (loaded: %s)",
                            cfg->name, cfg->opts[0].key, cfg->name, t->n_entries ? names : "none");
    }
  return 0;
}

/* A malloc'd ", "-separated list of the directories searched, for errors. */
static char *
dirs_text (const struct kn_plugins *t)
{
  char *s = kn_xstrdup ("");
  for (size_t i = 0; i < t->n_dirs; i++)
    {
      char *n = kn_xasprintf ("%s%s%s%s", s, i ? ", " : "", t->dirs[i]->path,
                              t->dirs[i]->pub.exists ? "" : " (missing)");
      free (s);
      s = n;
    }
  if (t->n_dirs == 0)
    {
      free (s);
      s = kn_xstrdup ("no directory");
    }
  return s;
}

/* "; PATH was refused: REASON" for every refused file named NAME(.so|.la), or "" (malloc'd). */
static char *
refused_text (const struct kn_plugins *t, const char *name)
{
  char *s = kn_xstrdup ("");
  size_t n = strlen (name);
  for (size_t i = 0; i < t->n_refused; i++)
    {
      const char *path = t->refused[i]->path;
      const char *base = strrchr (path, '/');
      base = base ? base + 1 : path;
      if (strncmp (base, name, n) != 0 || (strcmp (base + n, ".so") != 0 && strcmp (base + n, ".la") != 0))
        continue;
      char *next = kn_xasprintf ("%s; %s was refused: %s", s, path, t->refused[i]->reason);
      free (s);
      s = next;
    }
  return s;
}

/* Append KEY (quoted) to the ", "-separated list *S unless already in it. */
static void
list_add (char **s, const char *key)
{
  kn_cleanup_free char *quoted = kn_xasprintf ("\"%s\"", key);
  if (strstr (*s, quoted))
    return;
  char *n = kn_xasprintf ("%s%s%s", *s, **s ? ", " : "", quoted);
  free (*s);
  *s = n;
}

const void *
kn_plugins_nth (const struct kn_plugins *t, enum kn_plugin_kind kind, size_t i)
{
  for (size_t e = 0; e < t->n_entries; e++)
    {
      const struct kn_plugin_desc *d = t->entries[e]->info.desc;
      for (size_t f = 0; f < d->n_features; f++)
        if (d->features[f].kind == kind && i-- == 0)
          return d->features[f].vtable;
    }
  return NULL;
}

int
kn_plugins_find (const struct kn_plugins *t, enum kn_plugin_kind kind, const char *name, const void **out,
                 struct kn_error **err)
{
  const void *vt;
  for (size_t i = 0; (vt = kn_plugins_nth (t, kind, i)); i++)
    if (strcmp (((const struct kn_vtable_header *) vt)->name, name) == 0)
      {
        *out = vt;
        return 0;
      }
  kn_cleanup_free char *found = kn_xstrdup ("");
  for (size_t i = 0; (vt = kn_plugins_nth (t, kind, i)); i++)
    list_add (&found, ((const struct kn_vtable_header *) vt)->name);
  kn_cleanup_free char *dirs = dirs_text (t);
  kn_cleanup_free char *refused = refused_text (t, name);
  return kn_error_make (err, KN_ENOTFOUND, 0, "no %s plugin named \"%s\" (%s found: %s; directories searched: %s)%s",
                        kn_plugin_kind_name (kind), name, kn_plugin_kind_name (kind), *found ? found : "none", dirs,
                        refused);
}

/* The length of URL's scheme when it starts with "scheme://", else 0. */
static size_t
scheme_length (const char *url)
{
  const char *sep = strstr (url, "://");
  if (sep == NULL || sep == url)
    return 0;
  for (const char *p = url; p < sep; p++)
    {
      int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
      int digit = *p >= '0' && *p <= '9';
      if (!alpha && (p == url || !(digit || *p == '+' || *p == '-' || *p == '.')))
        return 0;
    }
  return (size_t) (sep - url);
}

int
kn_plugins_find_context (const struct kn_plugins *t, const char *url, const struct kn_context_source **out,
                         const char **location, struct kn_error **err)
{
  size_t n = scheme_length (url);
  const char *loc = n ? url + n + 3 : url;
  const struct kn_context_source *src;
  for (size_t i = 0; (src = kn_plugins_nth (t, KN_KIND_CONTEXT, i)); i++)
    for (const char *const *s = src->schemes; *s; s++)
      if (strlen (*s) == n && strncmp (*s, url, n) == 0)
        {
          *out = src;
          if (location)
            *location = loc;
          return 0;
        }
  kn_cleanup_free char *found = kn_xstrdup ("");
  for (size_t i = 0; (src = kn_plugins_nth (t, KN_KIND_CONTEXT, i)); i++)
    for (const char *const *s = src->schemes; *s; s++)
      list_add (&found, *s);
  kn_cleanup_free char *dirs = dirs_text (t);
  kn_cleanup_free char *what = n ? kn_xasprintf ("scheme \"%.*s\"", (int) n, url) : kn_xstrdup ("plain paths");
  return kn_error_make (err, KN_ENOTFOUND, 0,
                        "context %s: no context source plugin serves %s (schemes served: %s; directories searched: %s)",
                        url, what, *found ? found : "none", dirs);
}

/* True when registry REG serves TRANSPORT (its name when it lists no transports). */
static int
serves_transport (const struct kn_registry *reg, const char *transport)
{
  if (reg->transports == NULL)
    return strcmp (reg->name, transport) == 0;
  for (const char *const *s = reg->transports; *s; s++)
    if (strcmp (*s, transport) == 0)
      return 1;
  return 0;
}

int
kn_plugins_find_registry (const struct kn_plugins *t, const char *transport, const struct kn_registry **out,
                          struct kn_error **err)
{
  const struct kn_registry *reg;
  for (size_t i = 0; (reg = kn_plugins_nth (t, KN_KIND_REGISTRY, i)); i++)
    if (serves_transport (reg, transport))
      {
        *out = reg;
        return 0;
      }
  kn_cleanup_free char *list = kn_xstrdup ("");
  for (size_t i = 0; (reg = kn_plugins_nth (t, KN_KIND_REGISTRY, i)); i++)
    {
      if (reg->transports == NULL)
        list_add (&list, reg->name);
      else
        for (const char *const *s = reg->transports; *s; s++)
          list_add (&list, *s);
    }
  kn_cleanup_free char *dirs = dirs_text (t);
  return kn_error_make (err, KN_ENOTFOUND, 0,
                        "no registry plugin serves transport \"%s\" (transports served: %s; directories searched: %s)",
                        transport, *list ? list : "none", dirs);
}

const struct kn_plugin_info *
kn_plugins_owner (const struct kn_plugins *t, const void *vtable)
{
  for (size_t e = 0; e < t->n_entries; e++)
    {
      const struct kn_plugin_desc *d = t->entries[e]->info.desc;
      for (size_t f = 0; f < d->n_features; f++)
        if (d->features[f].vtable == vtable)
          return &t->entries[e]->info;
    }
  return NULL;
}

size_t
kn_plugins_count (const struct kn_plugins *t)
{
  return t->n_entries;
}

const struct kn_plugin_info *
kn_plugins_get (const struct kn_plugins *t, size_t i)
{
  return i < t->n_entries ? &t->entries[i]->info : NULL;
}

size_t
kn_plugins_refused_count (const struct kn_plugins *t)
{
  return t->n_refused;
}

const struct kn_plugin_refusal *
kn_plugins_refused_get (const struct kn_plugins *t, size_t i)
{
  return i < t->n_refused ? &t->refused[i]->pub : NULL;
}

size_t
kn_plugins_dir_count (const struct kn_plugins *t)
{
  return t->n_dirs;
}

const struct kn_plugin_dir *
kn_plugins_dir_get (const struct kn_plugins *t, size_t i)
{
  return i < t->n_dirs ? &t->dirs[i]->pub : NULL;
}

const char *
kn_plugin_kind_name (enum kn_plugin_kind kind)
{
  switch (kind)
    {
    case KN_KIND_CONTEXT:
      return "context";
    case KN_KIND_REGISTRY:
      return "registry";
    case KN_KIND_CREDENTIAL:
      return "credential";
    case KN_KIND_SNAPSHOTTER:
      return "snapshotter";
    case KN_KIND_COMPRESSOR:
      return "compressor";
    case KN_KIND_RUNNER:
      return "runner";
    case KN_KIND_SIGNER:
      return "signer";
    case KN_KIND_DRIVER:
      return "driver";
    case KN_KIND_MAX:
      break;
    }
  return "unknown";
}

const char *
kn_plugin_dir_origin_name (enum kn_plugin_dir_origin origin)
{
  switch (origin)
    {
    case KN_PLUGIN_DIR_FLAG:
      return "--plugin-dir";
    case KN_PLUGIN_DIR_ENV:
      return "KANIKO_PLUGIN_PATH";
    case KN_PLUGIN_DIR_EXE:
      return "executable";
    case KN_PLUGIN_DIR_PKGLIB:
      return "pkglibdir";
    }
  return "unknown";
}
