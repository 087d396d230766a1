#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/image.h"

void
kn_bimage_copy (struct kn_bimage *dst, const struct kn_bimage *src)
{
  memset (dst, 0, sizeof *dst);
  dst->docker = src->docker;
  dst->m.schema_version = src->m.schema_version;
  dst->m.media_type = kn_xstrdup (src->m.media_type);
  for (size_t i = 0; i < src->m.n_layers; i++)
    kn_manifest_add_layer (&dst->m, &src->m.layers[i]);
  kn_config_copy (&dst->c, &src->c);
  dst->base_registry = kn_xstrdup (src->base_registry);
  dst->base_repository = kn_xstrdup (src->base_repository);
  dst->base_name = kn_xstrdup (src->base_name);
}

void
kn_bimage_clear (struct kn_bimage *i)
{
  kn_manifest_clear (&i->m);
  kn_config_clear (&i->c);
  free (i->base_registry);
  free (i->base_repository);
  free (i->base_name);
  memset (i, 0, sizeof *i);
}
