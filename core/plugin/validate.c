/* Validation of plugin descriptors and vtables: every rule of
 * docs/ARCHITECTURE.md "The plugin ABI", each refusal with a reason. */
#include "config.h"

#include <string.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/context.h>
#include <kaniko/sys/credential.h>
#include <kaniko/sys/driver.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/runner.h>
#include <kaniko/sys/signer.h>
#include <kaniko/sys/snapshot.h>
#include <kaniko/sys/util.h>

#include "core/plugin/table.h"

char *
kn_plugin_validate_abi (const struct kn_plugin_desc *desc)
{
  if (desc->abi_major != KN_PLUGIN_ABI_MAJOR)
    return kn_xasprintf ("plugin ABI %u.%u does not match the core's ABI %d.%d (different major)",
                         (unsigned) desc->abi_major, (unsigned) desc->abi_minor, KN_PLUGIN_ABI_MAJOR,
                         KN_PLUGIN_ABI_MINOR);
  if (desc->abi_minor > KN_PLUGIN_ABI_MINOR)
    return kn_xasprintf ("plugin ABI %u.%u is newer than the core's ABI %d.%d", (unsigned) desc->abi_major,
                         (unsigned) desc->abi_minor, KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR);
  if (desc->desc_size < sizeof (struct kn_plugin_desc))
    return kn_xasprintf ("descriptor size %u is smaller than the core's %zu", (unsigned) desc->desc_size,
                         sizeof (struct kn_plugin_desc));
  return NULL;
}

/* The highest vtable version of KIND this core knows, or 0 for an unknown kind. */
static unsigned
known_version (enum kn_plugin_kind kind)
{
  switch (kind)
    {
    case KN_KIND_CONTEXT:
      return KN_CONTEXT_VERSION;
    case KN_KIND_REGISTRY:
      return KN_REGISTRY_VERSION;
    case KN_KIND_CREDENTIAL:
      return KN_CREDENTIAL_VERSION;
    case KN_KIND_SNAPSHOTTER:
      return KN_SNAPSHOTTER_VERSION;
    case KN_KIND_COMPRESSOR:
      return KN_COMPRESSOR_VERSION;
    case KN_KIND_RUNNER:
      return KN_RUNNER_VERSION;
    case KN_KIND_SIGNER:
      return KN_SIGNER_VERSION;
    case KN_KIND_DRIVER:
      return KN_DRIVER_VERSION;
    case KN_KIND_MAX:
      break;
    }
  return 0;
}

#define KN_KNOWN_VERSION_MACRO(kind)                                                                 \
  ((kind) == KN_KIND_CONTEXT       ? "KN_CONTEXT_VERSION"                                            \
   : (kind) == KN_KIND_REGISTRY    ? "KN_REGISTRY_VERSION"                                           \
   : (kind) == KN_KIND_CREDENTIAL  ? "KN_CREDENTIAL_VERSION"                                         \
   : (kind) == KN_KIND_SNAPSHOTTER ? "KN_SNAPSHOTTER_VERSION"                                        \
   : (kind) == KN_KIND_COMPRESSOR  ? "KN_COMPRESSOR_VERSION"                                         \
   : (kind) == KN_KIND_RUNNER      ? "KN_RUNNER_VERSION"                                             \
   : (kind) == KN_KIND_SIGNER      ? "KN_SIGNER_VERSION"                                             \
                                   : "KN_DRIVER_VERSION")

/* The name of the first mandatory slot of VT (of KIND, a known version) that
 * is NULL, or NULL when every mandatory slot is set (per the sys/ headers). */
static const char *
missing_slot (enum kn_plugin_kind kind, const void *vt)
{
#define KN_NEED(type, slot)                                                                          \
  do                                                                                                 \
    {                                                                                                \
      if (((const type *) vt)->slot == NULL)                                                         \
        return #slot;                                                                                \
    }                                                                                                \
  while (0)
  switch (kind)
    {
    case KN_KIND_CONTEXT:
      KN_NEED (struct kn_context_source, schemes);
      KN_NEED (struct kn_context_source, fetch);
      break;
    case KN_KIND_REGISTRY:
      KN_NEED (struct kn_registry, open);
      KN_NEED (struct kn_registry, get_manifest);
      KN_NEED (struct kn_registry, stat_blob);
      KN_NEED (struct kn_registry, get_blob);
      KN_NEED (struct kn_registry, close);
      break;
    case KN_KIND_CREDENTIAL:
      KN_NEED (struct kn_credential_provider, get);
      break;
    case KN_KIND_SNAPSHOTTER:
      KN_NEED (struct kn_snapshotter, open);
      KN_NEED (struct kn_snapshotter, diff);
      KN_NEED (struct kn_snapshotter, close);
      break;
    case KN_KIND_COMPRESSOR:
      KN_NEED (struct kn_compressor, media_suffix);
      KN_NEED (struct kn_compressor, new_writer);
      KN_NEED (struct kn_compressor, new_reader);
      break;
    case KN_KIND_RUNNER:
      KN_NEED (struct kn_runner, run);
      break;
    case KN_KIND_SIGNER:
      KN_NEED (struct kn_signer, sign);
      break;
    case KN_KIND_DRIVER:
      KN_NEED (struct kn_driver, build);
      break;
    case KN_KIND_MAX:
      break;
    }
#undef KN_NEED
  return NULL;
}

/* The keys a vtable is found by: the URL schemes of a context source, the
 * transports of a registry (its name when it lists none), else its name.
 * Writes at most MAX keys to KEYS; returns how many there are. */
static size_t
lookup_keys (enum kn_plugin_kind kind, const void *vt, const char **keys, size_t max)
{
  const char *const *list = NULL;
  size_t n = 0;
  if (kind == KN_KIND_CONTEXT)
    list = ((const struct kn_context_source *) vt)->schemes;
  else if (kind == KN_KIND_REGISTRY)
    list = ((const struct kn_registry *) vt)->transports;
  if (list == NULL)
    {
      if (max > 0)
        keys[0] = ((const struct kn_vtable_header *) vt)->name;
      return 1;
    }
  for (; list[n]; n++)
    if (n < max)
      keys[n] = list[n];
  return n;
}

/* "scheme", "transport" or "name": what lookup_keys() returns for KIND. */
static const char *
key_word (enum kn_plugin_kind kind, const void *vt)
{
  if (kind == KN_KIND_CONTEXT)
    return "URL scheme";
  if (kind == KN_KIND_REGISTRY && ((const struct kn_registry *) vt)->transports != NULL)
    return "transport";
  return "name";
}

/* NULL when no loaded plugin of T already serves a key of feature F; else the reason. */
static char *
check_taken (const struct kn_plugins *t, const struct kn_plugin_feature *f)
{
  const char *mine[64];
  size_t n_mine = lookup_keys (f->kind, f->vtable, mine, 64);
  if (n_mine > 64)
    n_mine = 64;
  for (size_t e = 0; e < t->n_entries; e++)
    {
      const struct kn_plugin_desc *d = t->entries[e]->info.desc;
      for (size_t i = 0; i < d->n_features; i++)
        {
          const struct kn_plugin_feature *g = &d->features[i];
          if (g->kind != f->kind)
            continue;
          const char *theirs[64];
          size_t n_theirs = lookup_keys (g->kind, g->vtable, theirs, 64);
          if (n_theirs > 64)
            n_theirs = 64;
          for (size_t a = 0; a < n_mine; a++)
            for (size_t b = 0; b < n_theirs; b++)
              if (strcmp (mine[a], theirs[b]) == 0)
                return kn_xasprintf ("%s %s \"%s\" is already served by plugin \"%s\" (%s)",
                                     kn_plugin_kind_name (f->kind), key_word (f->kind, f->vtable), mine[a],
                                     t->entries[e]->name, t->entries[e]->path);
        }
    }
  return NULL;
}

/* Equal names, where '_' in the builtin symbol also matches '-'. */
static int
name_matches (const char *name, const char *expected, int builtin)
{
  if (!builtin)
    return strcmp (name, expected) == 0;
  for (; *name && *expected; name++, expected++)
    if (*name != *expected && !(*expected == '_' && *name == '-'))
      return 0;
  return *name == *expected;
}

char *
kn_plugin_validate_desc (const struct kn_plugins *t, const struct kn_plugin_desc *desc, const char *expected_name,
                         int builtin)
{
  if (desc->name == NULL)
    return kn_xstrdup ("descriptor has no name");
  if (desc->version == NULL)
    return kn_xasprintf ("plugin \"%s\": descriptor has no version", desc->name);
  if (desc->features == NULL || desc->n_features == 0)
    return kn_xasprintf ("plugin \"%s\": descriptor has no features", desc->name);
  if (!name_matches (desc->name, expected_name, builtin))
    return kn_xasprintf ("plugin name \"%s\" does not match the %s \"%s\"", desc->name,
                         builtin ? "builtin symbol" : "file name", expected_name);
  for (size_t e = 0; e < t->n_entries; e++)
    if (strcmp (t->entries[e]->name, desc->name) == 0)
      return kn_xasprintf ("duplicate plugin \"%s\": already loaded from %s", desc->name, t->entries[e]->path);

  for (size_t i = 0; i < desc->n_features; i++)
    {
      const struct kn_plugin_feature *f = &desc->features[i];
      unsigned known = known_version (f->kind);
      if (known == 0)
        return kn_xasprintf ("plugin \"%s\": feature %zu has an unknown kind %d", desc->name, i, (int) f->kind);
      const char *kind = kn_plugin_kind_name (f->kind);
      if (f->vtable == NULL)
        return kn_xasprintf ("plugin \"%s\": feature %zu (%s) has a NULL vtable", desc->name, i, kind);
      const struct kn_vtable_header *h = f->vtable;
      if (h->version == 0 || h->version > known)
        return kn_xasprintf ("plugin \"%s\": %s vtable version %u is not known (the core knows %s %u)", desc->name,
                             kind, h->version, KN_KNOWN_VERSION_MACRO (f->kind), known);
      if (h->name == NULL)
        return kn_xasprintf ("plugin \"%s\": feature %zu (%s) has a vtable without a name", desc->name, i, kind);
      const char *slot = missing_slot (f->kind, f->vtable);
      if (slot)
        return kn_xasprintf ("plugin \"%s\": %s \"%s\": mandatory slot %s is NULL", desc->name, kind, h->name, slot);
      for (size_t j = 0; j < i; j++)
        if (desc->features[j].kind == f->kind
            && strcmp (((const struct kn_vtable_header *) desc->features[j].vtable)->name, h->name) == 0)
          return kn_xasprintf ("plugin \"%s\": %s \"%s\" is registered twice", desc->name, kind, h->name);
      char *taken = check_taken (t, f);
      if (taken)
        {
          char *r = kn_xasprintf ("plugin \"%s\": %s", desc->name, taken);
          free (taken);
          return r;
        }
    }
  return NULL;
}
