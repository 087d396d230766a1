/* Media type tables: see mediatype.h. */
#include "config.h"

#include <string.h>

#include "core/image/mediatype.h"

#define EQ(a, b) (strcmp ((a), (b)) == 0)

enum kn_mt_kind
kn_mt_kind (const char *mt)
{
  if (mt == NULL)
    return KN_MT_UNKNOWN;
  if (EQ (mt, KN_MT_OCI_MANIFEST) || EQ (mt, KN_MT_DOCKER_MANIFEST))
    return KN_MT_KIND_MANIFEST;
  if (EQ (mt, KN_MT_OCI_INDEX) || EQ (mt, KN_MT_DOCKER_LIST))
    return KN_MT_KIND_INDEX;
  if (EQ (mt, KN_MT_OCI_CONFIG) || EQ (mt, KN_MT_DOCKER_CONFIG))
    return KN_MT_KIND_CONFIG;
  if (EQ (mt, KN_MT_DOCKER_SCHEMA1) || EQ (mt, KN_MT_DOCKER_SCHEMA1_SIGNED))
    return KN_MT_KIND_SCHEMA1;
  if (kn_mt_layer_compression (mt) != KN_MT_COMP_UNKNOWN)
    return KN_MT_KIND_LAYER;
  return KN_MT_UNKNOWN;
}

int
kn_mt_is_docker (const char *mt)
{
  return mt && strncmp (mt, "application/vnd.docker.", 23) == 0;
}

int
kn_mt_is_foreign (const char *mt)
{
  return mt
         && (EQ (mt, KN_MT_DOCKER_FOREIGN) || EQ (mt, KN_MT_DOCKER_FOREIGN_GZIP) || EQ (mt, KN_MT_OCI_LAYER_ND)
             || EQ (mt, KN_MT_OCI_LAYER_ND_GZIP) || EQ (mt, KN_MT_OCI_LAYER_ND_ZSTD));
}

enum kn_mt_compression
kn_mt_layer_compression (const char *mt)
{
  if (mt == NULL)
    return KN_MT_COMP_UNKNOWN;
  if (EQ (mt, KN_MT_OCI_LAYER) || EQ (mt, KN_MT_OCI_LAYER_ND) || EQ (mt, KN_MT_DOCKER_LAYER)
      || EQ (mt, KN_MT_DOCKER_FOREIGN))
    return KN_MT_COMP_NONE;
  if (EQ (mt, KN_MT_OCI_LAYER_GZIP) || EQ (mt, KN_MT_OCI_LAYER_ND_GZIP) || EQ (mt, KN_MT_DOCKER_LAYER_GZIP)
      || EQ (mt, KN_MT_DOCKER_FOREIGN_GZIP))
    return KN_MT_COMP_GZIP;
  if (EQ (mt, KN_MT_OCI_LAYER_ZSTD) || EQ (mt, KN_MT_OCI_LAYER_ND_ZSTD) || EQ (mt, KN_MT_DOCKER_LAYER_ZSTD))
    return KN_MT_COMP_ZSTD;
  return KN_MT_COMP_UNKNOWN;
}

const char *
kn_mt_layer (int docker, enum kn_mt_compression c, int foreign)
{
  switch (c)
    {
    case KN_MT_COMP_NONE:
      if (docker)
        return foreign ? KN_MT_DOCKER_FOREIGN : KN_MT_DOCKER_LAYER;
      return foreign ? KN_MT_OCI_LAYER_ND : KN_MT_OCI_LAYER;
    case KN_MT_COMP_GZIP:
      if (docker)
        return foreign ? KN_MT_DOCKER_FOREIGN_GZIP : KN_MT_DOCKER_LAYER_GZIP;
      return foreign ? KN_MT_OCI_LAYER_ND_GZIP : KN_MT_OCI_LAYER_GZIP;
    case KN_MT_COMP_ZSTD:
      if (docker)
        return foreign ? NULL : KN_MT_DOCKER_LAYER_ZSTD;
      return foreign ? KN_MT_OCI_LAYER_ND_ZSTD : KN_MT_OCI_LAYER_ZSTD;
    default:
      return NULL;
    }
}

const char *
kn_mt_to_oci (const char *mt)
{
  switch (kn_mt_kind (mt))
    {
    case KN_MT_KIND_MANIFEST:
      return KN_MT_OCI_MANIFEST;
    case KN_MT_KIND_INDEX:
      return KN_MT_OCI_INDEX;
    case KN_MT_KIND_CONFIG:
      return KN_MT_OCI_CONFIG;
    case KN_MT_KIND_LAYER:
      return kn_mt_layer (0, kn_mt_layer_compression (mt), kn_mt_is_foreign (mt));
    default:
      return mt;
    }
}

const char *
kn_mt_to_docker (const char *mt)
{
  switch (kn_mt_kind (mt))
    {
    case KN_MT_KIND_MANIFEST:
      return KN_MT_DOCKER_MANIFEST;
    case KN_MT_KIND_INDEX:
      return KN_MT_DOCKER_LIST;
    case KN_MT_KIND_CONFIG:
      return KN_MT_DOCKER_CONFIG;
    case KN_MT_KIND_LAYER:
      return kn_mt_layer (1, kn_mt_layer_compression (mt), kn_mt_is_foreign (mt));
    default:
      return mt;
    }
}

/* RFC 6838 restricted-name: [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126} */
static size_t
restricted_name (const char *s)
{
  size_t n = 0;
  if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
    return 0;
  for (n = 1; s[n]; n++)
    {
      char c = s[n];
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr ("!#$&^_.+-", c)))
        break;
    }
  return n <= 127 ? n : 0;
}

int
kn_mt_valid (const char *s)
{
  size_t a, b;
  if (s == NULL)
    return 0;
  a = restricted_name (s);
  if (a == 0 || s[a] != '/')
    return 0;
  b = restricted_name (s + a + 1);
  return b > 0 && s[a + 1 + b] == '\0';
}
