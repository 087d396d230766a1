/* Image manifests: see manifest.h. */
#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/manifest.h"
#include "core/image/mediatype.h"

int
kn_descriptors_from_json (json_object *obj, const char *key, const char *what, struct kn_descriptor **out,
                          size_t *n, struct kn_error **err)
{
  json_object *arr = NULL;
  int ret = kn_json_get_arr (obj, key, what, &arr, err);
  size_t len;
  struct kn_descriptor *v;
  if (ret <= 0)
    return ret;
  len = json_object_array_length (arr);
  v = kn_xcalloc (len ? len : 1, sizeof *v);
  for (size_t i = 0; i < len; i++)
    {
      kn_cleanup_free char *w = kn_xasprintf ("%s: %s[%zu]", what, key, i);
      ret = kn_descriptor_from_json (json_object_array_get_idx (arr, i), w, &v[i], err);
      if (ret < 0)
        {
          for (size_t j = 0; j < i; j++)
            kn_descriptor_clear (&v[j]);
          free (v);
          return ret;
        }
    }
  *out = v;
  *n = len;
  return 1;
}

static int
parse_obj (json_object *obj, unsigned flags, struct kn_manifest *m, struct kn_error **err)
{
  const char *what = "manifest";
  json_object *cfg = NULL, *subj = NULL;
  int ret, has_layers;
  if (!json_object_is_type (obj, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "manifest: not a JSON object");
  if ((ret = kn_json_get_int (obj, "schemaVersion", what, &m->schema_version, err)) < 0)
    return ret;
  if (ret == 0)
    return kn_error_make (err, KN_EINVAL, 0, "manifest: missing \"schemaVersion\"");
  if (m->schema_version != 2)
    return kn_error_make (err, m->schema_version == 1 ? KN_ENOTSUP : KN_EINVAL, 0,
                          "manifest: unsupported schemaVersion %lld (want 2)", (long long) m->schema_version);
  if ((ret = kn_json_get_str (obj, "mediaType", what, &m->media_type, err)) < 0
      || (ret = kn_json_get_str (obj, "artifactType", what, &m->artifact_type, err)) < 0
      || (ret = kn_json_get_strmap (obj, "annotations", what, &m->annotations, err)) < 0
      || (ret = kn_json_get_obj (obj, "config", what, &cfg, err)) < 0
      || (ret = kn_json_get_obj (obj, "subject", what, &subj, err)) < 0)
    return ret;
  if (m->media_type && !kn_mt_valid (m->media_type))
    return kn_error_make (err, KN_EINVAL, 0, "manifest: invalid mediaType \"%s\"", m->media_type);
  if (m->media_type && kn_mt_kind (m->media_type) == KN_MT_KIND_INDEX)
    return kn_error_make (err, KN_EINVAL, 0, "manifest: mediaType \"%s\" is an index, not a manifest",
                          m->media_type);
  if (m->artifact_type && !kn_mt_valid (m->artifact_type))
    return kn_error_make (err, KN_EINVAL, 0, "manifest: invalid artifactType \"%s\"", m->artifact_type);
  if (cfg == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "manifest: missing \"config\"");
  if ((ret = kn_descriptor_from_json (cfg, "manifest: config", &m->config, err)) < 0)
    return ret;
  if (subj)
    {
      m->subject = kn_xcalloc (1, sizeof *m->subject);
      if ((ret = kn_descriptor_from_json (subj, "manifest: subject", m->subject, err)) < 0)
        return ret;
    }
  else if (json_object_object_get_ex (obj, "subject", &subj) && subj != NULL)
    return kn_error_make (err, KN_EINVAL, 0, "manifest: \"subject\" is not a descriptor");
  has_layers = kn_descriptors_from_json (obj, "layers", what, &m->layers, &m->n_layers, err);
  if (has_layers < 0)
    return has_layers;
  if ((flags & KN_IMAGE_PARSE_STRICT) && (has_layers == 0 || m->n_layers == 0))
    return kn_error_make (err, KN_EINVAL, 0, "manifest: \"layers\" must hold at least one descriptor");
  if (!has_layers && !json_object_object_get_ex (obj, "layers", NULL))
    return kn_error_make (err, KN_EINVAL, 0, "manifest: missing \"layers\"");
  if (m->media_type && kn_mt_is_docker (m->media_type) && kn_mt_kind (m->media_type) != KN_MT_KIND_MANIFEST)
    return kn_error_make (err, KN_ENOTSUP, 0, "manifest: unsupported media type \"%s\"", m->media_type);
  return 0;
}

int
kn_manifest_parse (const void *data, size_t len, unsigned flags, struct kn_manifest *out, struct kn_error **err)
{
  json_object *obj = NULL;
  struct kn_manifest m = { 0 };
  int ret = kn_json_parse (data, len, "manifest", &obj, err);
  if (ret < 0)
    return ret;
  ret = parse_obj (obj, flags, &m, err);
  json_object_put (obj);
  if (ret < 0)
    {
      kn_manifest_clear (&m);
      return ret;
    }
  kn_manifest_clear (out);
  *out = m;
  return 0;
}

char *
kn_manifest_write (const struct kn_manifest *m, size_t *len)
{
  struct kn_jw w;
  kn_jw_init (&w);
  kn_jw_obj_begin (&w);
  kn_jw_key (&w, "schemaVersion");
  kn_jw_int (&w, m->schema_version ? m->schema_version : 2);
  if (m->media_type && *m->media_type)
    {
      kn_jw_key (&w, "mediaType");
      kn_jw_str (&w, m->media_type);
    }
  if (m->artifact_type && *m->artifact_type)
    {
      kn_jw_key (&w, "artifactType");
      kn_jw_str (&w, m->artifact_type);
    }
  kn_jw_key (&w, "config");
  kn_descriptor_to_json (&w, &m->config);
  kn_jw_key (&w, "layers");
  kn_jw_arr_begin (&w);
  for (size_t i = 0; i < m->n_layers; i++)
    kn_descriptor_to_json (&w, &m->layers[i]);
  kn_jw_arr_end (&w);
  if (m->annotations.n)
    {
      kn_jw_key (&w, "annotations");
      kn_jw_strmap (&w, &m->annotations);
    }
  if (m->subject)
    {
      kn_jw_key (&w, "subject");
      kn_descriptor_to_json (&w, m->subject);
    }
  kn_jw_obj_end (&w);
  return kn_jw_steal (&w, len);
}

void
kn_manifest_add_layer (struct kn_manifest *m, const struct kn_descriptor *d)
{
  m->layers = kn_xrealloc (m->layers, (m->n_layers + 1) * sizeof *m->layers);
  kn_descriptor_copy (&m->layers[m->n_layers++], d);
}

static void
set (char **field, const char *v)
{
  free (*field);
  *field = kn_xstrdup (v);
}

static void
strip_for_docker (struct kn_descriptor *d)
{
  kn_strmap_clear (&d->annotations);
  free (d->data);
  d->data = NULL;
  free (d->artifact_type);
  d->artifact_type = NULL;
}

int
kn_manifest_convert (const struct kn_manifest *in, int to_docker, struct kn_manifest *out, struct kn_error **err)
{
  struct kn_manifest m = { 0 };
  int ret = 0;
  m.schema_version = 2;
  m.media_type = kn_xstrdup (to_docker ? KN_MT_DOCKER_MANIFEST : KN_MT_OCI_MANIFEST);
  kn_descriptor_copy (&m.config, &in->config);
  if (to_docker)
    {
      if (in->subject)
        {
          ret = kn_error_make (err, KN_ENOTSUP, 0, "convert manifest: a Docker manifest cannot carry a subject");
          goto out;
        }
      if (kn_mt_kind (in->config.media_type) != KN_MT_KIND_CONFIG)
        {
          ret = kn_error_make (err, KN_ENOTSUP, 0, "convert manifest: config type \"%s\" is not an image config",
                               in->config.media_type ? in->config.media_type : "");
          goto out;
        }
      set (&m.config.media_type, KN_MT_DOCKER_CONFIG);
      strip_for_docker (&m.config);
    }
  else
    {
      kn_strmap_copy (&m.annotations, &in->annotations);
      m.artifact_type = kn_xstrdup (in->artifact_type);
      if (in->subject)
        {
          m.subject = kn_xcalloc (1, sizeof *m.subject);
          kn_descriptor_copy (m.subject, in->subject);
        }
      set (&m.config.media_type, KN_MT_OCI_CONFIG);
    }
  for (size_t i = 0; i < in->n_layers; i++)
    {
      const struct kn_descriptor *l = &in->layers[i];
      const char *mt;
      if (kn_mt_kind (l->media_type) != KN_MT_KIND_LAYER)
        {
          ret = kn_error_make (err, KN_ENOTSUP, 0, "convert manifest: layers[%zu]: unknown layer type \"%s\"", i,
                               l->media_type ? l->media_type : "");
          goto out;
        }
      mt = to_docker ? kn_mt_to_docker (l->media_type) : kn_mt_to_oci (l->media_type);
      if (mt == NULL)
        {
          ret = kn_error_make (err, KN_ENOTSUP, 0, "convert manifest: layers[%zu]: \"%s\" has no Docker equivalent",
                               i, l->media_type);
          goto out;
        }
      kn_manifest_add_layer (&m, l);
      set (&m.layers[m.n_layers - 1].media_type, mt);
      if (to_docker)
        strip_for_docker (&m.layers[m.n_layers - 1]);
    }
out:
  if (ret < 0)
    {
      kn_manifest_clear (&m);
      return ret;
    }
  kn_manifest_clear (out);
  *out = m;
  return 0;
}

void
kn_manifest_clear (struct kn_manifest *m)
{
  free (m->media_type);
  free (m->artifact_type);
  kn_descriptor_clear (&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    kn_descriptor_clear (&m->layers[i]);
  free (m->layers);
  kn_strmap_clear (&m->annotations);
  if (m->subject)
    {
      kn_descriptor_clear (m->subject);
      free (m->subject);
    }
  memset (m, 0, sizeof *m);
}
