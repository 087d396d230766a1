/* Image indexes: see index.h. */
#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/index.h"
#include "core/image/mediatype.h"

static int
parse_obj (json_object *obj, struct kn_index *x, struct kn_error **err)
{
  const char *what = "index";
  json_object *subj = NULL;
  int ret;
  if (!json_object_is_type (obj, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "index: not a JSON object");
  if ((ret = kn_json_get_int (obj, "schemaVersion", what, &x->schema_version, err)) < 0)
    return ret;
  if (ret == 0)
    return kn_error_make (err, KN_EINVAL, 0, "index: missing \"schemaVersion\"");
  if (x->schema_version != 2)
    return kn_error_make (err, KN_EINVAL, 0, "index: unsupported schemaVersion %lld (want 2)",
                          (long long) x->schema_version);
  if ((ret = kn_json_get_str (obj, "mediaType", what, &x->media_type, err)) < 0
      || (ret = kn_json_get_str (obj, "artifactType", what, &x->artifact_type, err)) < 0
      || (ret = kn_json_get_strmap (obj, "annotations", what, &x->annotations, err)) < 0
      || (ret = kn_json_get_obj (obj, "subject", what, &subj, err)) < 0)
    return ret;
  if (x->media_type && !kn_mt_valid (x->media_type))
    return kn_error_make (err, KN_EINVAL, 0, "index: invalid mediaType \"%s\"", x->media_type);
  if (x->media_type && kn_mt_kind (x->media_type) == KN_MT_KIND_MANIFEST)
    return kn_error_make (err, KN_EINVAL, 0, "index: mediaType \"%s\" is a manifest, not an index", x->media_type);
  if (x->artifact_type && !kn_mt_valid (x->artifact_type))
    return kn_error_make (err, KN_EINVAL, 0, "index: invalid artifactType \"%s\"", x->artifact_type);
  if (subj)
    {
      x->subject = kn_xcalloc (1, sizeof *x->subject);
      if ((ret = kn_descriptor_from_json (subj, "index: subject", x->subject, err)) < 0)
        return ret;
    }
  ret = kn_descriptors_from_json (obj, "manifests", what, &x->manifests, &x->n_manifests, err);
  if (ret < 0)
    return ret;
  if (ret == 0 && !json_object_object_get_ex (obj, "manifests", NULL))
    return kn_error_make (err, KN_EINVAL, 0, "index: missing \"manifests\"");
  return 0;
}

int
kn_index_parse (const void *data, size_t len, unsigned flags, struct kn_index *out, struct kn_error **err)
{
  json_object *obj = NULL;
  struct kn_index x = { 0 };
  int ret = kn_json_parse (data, len, "index", &obj, err);
  (void) flags;
  if (ret < 0)
    return ret;
  ret = parse_obj (obj, &x, err);
  json_object_put (obj);
  if (ret < 0)
    {
      kn_index_clear (&x);
      return ret;
    }
  kn_index_clear (out);
  *out = x;
  return 0;
}

char *
kn_index_write (const struct kn_index *x, size_t *len)
{
  struct kn_jw w;
  kn_jw_init (&w);
  kn_jw_obj_begin (&w);
  kn_jw_key (&w, "schemaVersion");
  kn_jw_int (&w, x->schema_version ? x->schema_version : 2);
  if (x->media_type && *x->media_type)
    {
      kn_jw_key (&w, "mediaType");
      kn_jw_str (&w, x->media_type);
    }
  if (x->artifact_type && *x->artifact_type)
    {
      kn_jw_key (&w, "artifactType");
      kn_jw_str (&w, x->artifact_type);
    }
  kn_jw_key (&w, "manifests");
  kn_jw_arr_begin (&w);
  for (size_t i = 0; i < x->n_manifests; i++)
    kn_descriptor_to_json (&w, &x->manifests[i]);
  kn_jw_arr_end (&w);
  if (x->annotations.n)
    {
      kn_jw_key (&w, "annotations");
      kn_jw_strmap (&w, &x->annotations);
    }
  if (x->subject)
    {
      kn_jw_key (&w, "subject");
      kn_descriptor_to_json (&w, x->subject);
    }
  kn_jw_obj_end (&w);
  return kn_jw_steal (&w, len);
}

void
kn_index_add (struct kn_index *x, const struct kn_descriptor *d)
{
  x->manifests = kn_xrealloc (x->manifests, (x->n_manifests + 1) * sizeof *x->manifests);
  kn_descriptor_copy (&x->manifests[x->n_manifests++], d);
}

int
kn_index_select (const struct kn_index *x, const struct kn_platform *want, struct kn_error **err)
{
  int compatible = -1;
  for (size_t i = 0; i < x->n_manifests; i++)
    {
      const struct kn_descriptor *d = &x->manifests[i];
      if (d->platform == NULL)
        continue;
      if (kn_platform_equal (want, d->platform) && kn_platform_match (want, d->platform))
        return (int) i;
      if (compatible < 0 && kn_platform_match (want, d->platform))
        compatible = (int) i;
    }
  if (compatible >= 0)
    return compatible;
  kn_cleanup_free char *p = kn_platform_format (want);
  return kn_error_make (err, KN_ENOTFOUND, 0, "no image for platform %s in the index (%zu entries)", p,
                        x->n_manifests);
}

int
kn_index_convert (const struct kn_index *in, int to_docker, struct kn_index *out, struct kn_error **err)
{
  struct kn_index x = { 0 };
  if (to_docker && in->subject)
    return kn_error_make (err, KN_ENOTSUP, 0, "convert index: a Docker manifest list cannot carry a subject");
  x.schema_version = 2;
  x.media_type = kn_xstrdup (to_docker ? KN_MT_DOCKER_LIST : KN_MT_OCI_INDEX);
  if (!to_docker)
    {
      kn_strmap_copy (&x.annotations, &in->annotations);
      x.artifact_type = kn_xstrdup (in->artifact_type);
      if (in->subject)
        {
          x.subject = kn_xcalloc (1, sizeof *x.subject);
          kn_descriptor_copy (x.subject, in->subject);
        }
    }
  for (size_t i = 0; i < in->n_manifests; i++)
    {
      struct kn_descriptor *d;
      const char *mt;
      kn_index_add (&x, &in->manifests[i]);
      d = &x.manifests[x.n_manifests - 1];
      mt = to_docker ? kn_mt_to_docker (d->media_type) : kn_mt_to_oci (d->media_type);
      free (d->media_type);
      d->media_type = kn_xstrdup (mt);
      if (to_docker)
        {
          kn_strmap_clear (&d->annotations);
          free (d->data);
          d->data = NULL;
          free (d->artifact_type);
          d->artifact_type = NULL;
        }
    }
  kn_index_clear (out);
  *out = x;
  return 0;
}

void
kn_index_clear (struct kn_index *x)
{
  free (x->media_type);
  free (x->artifact_type);
  for (size_t i = 0; i < x->n_manifests; i++)
    kn_descriptor_clear (&x->manifests[i]);
  free (x->manifests);
  kn_strmap_clear (&x->annotations);
  if (x->subject)
    {
      kn_descriptor_clear (x->subject);
      free (x->subject);
    }
  memset (x, 0, sizeof *x);
}
