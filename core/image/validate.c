/* Document validation: see validate.h. */
#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/descriptor.h"
#include "core/image/image_config.h"
#include "core/image/index.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/validate.h"

int
kn_image_validate_layout_header (const void *data, size_t len, struct kn_error **err)
{
  json_object *obj = NULL;
  kn_cleanup_free char *v = NULL;
  int ret = kn_json_parse (data, len, "oci-layout", &obj, err);
  if (ret < 0)
    return ret;
  ret = kn_json_get_str (obj, "imageLayoutVersion", "oci-layout", &v, err);
  json_object_put (obj);
  if (ret < 0)
    return ret;
  if (v == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "oci-layout: missing \"imageLayoutVersion\"");
  if (strcmp (v, "1.0.0") != 0)
    return kn_error_make (err, KN_EINVAL, 0, "oci-layout: unsupported imageLayoutVersion \"%s\"", v);
  return 0;
}

int
kn_image_validate (const char *mt, const void *data, size_t len, unsigned flags, struct kn_error **err)
{
  int ret;
  if (mt && strcmp (mt, KN_MT_OCI_LAYOUT_HEADER) == 0)
    return kn_image_validate_layout_header (data, len, err);
  if (mt && strcmp (mt, KN_MT_OCI_DESCRIPTOR) == 0)
    {
      struct kn_descriptor d = { 0 };
      ret = kn_descriptor_parse (data, len, &d, err);
      kn_descriptor_clear (&d);
      return ret;
    }
  switch (kn_mt_kind (mt))
    {
    case KN_MT_KIND_MANIFEST:
      {
        struct kn_manifest m = { 0 };
        ret = kn_manifest_parse (data, len, flags, &m, err);
        kn_manifest_clear (&m);
        return ret;
      }
    case KN_MT_KIND_INDEX:
      {
        struct kn_index x = { 0 };
        ret = kn_index_parse (data, len, flags, &x, err);
        kn_index_clear (&x);
        return ret;
      }
    case KN_MT_KIND_CONFIG:
      {
        struct kn_image_config c = { 0 };
        ret = kn_config_parse (data, len, flags, &c, err);
        kn_config_clear (&c);
        return ret;
      }
    case KN_MT_KIND_SCHEMA1:
      return kn_error_make (err, KN_ENOTSUP, 0, "Docker schema 1 manifests (%s) are not supported", mt);
    default:
      return kn_error_make (err, KN_ENOTSUP, 0, "cannot validate documents of media type \"%s\"", mt ? mt : "");
    }
}
