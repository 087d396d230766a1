/* Descriptors: see descriptor.h. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/descriptor.h"
#include "core/image/mediatype.h"

int
kn_descriptor_check_digest (const char *d, const char *what, struct kn_error **err)
{
  const char *colon = d ? strchr (d, ':') : NULL;
  const char *p;
  size_t alen, elen, want = 0;
  if (colon == NULL || colon == d || colon[1] == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": want algorithm:encoded", what, d ? d : "");
  /* algorithm: [a-z0-9]+ ([+._-][a-z0-9]+)* */
  int prev_sep = 1;
  for (p = d; p < colon; p++)
    {
      if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
        prev_sep = 0;
      else if (strchr ("+._-", *p) && !prev_sep)
        prev_sep = 1;
      else
        return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": bad algorithm", what, d);
    }
  if (prev_sep)
    return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": bad algorithm", what, d);
  for (p = colon + 1; *p; p++)
    if (!(isalnum ((unsigned char) *p) || *p == '=' || *p == '_' || *p == '-'))
      return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": bad encoded part", what, d);
  alen = (size_t) (colon - d);
  elen = strlen (colon + 1);
  if (alen == 6 && strncmp (d, "sha256", 6) == 0)
    want = 64;
  else if (alen == 6 && strncmp (d, "sha384", 6) == 0)
    want = 96;
  else if (alen == 6 && strncmp (d, "sha512", 6) == 0)
    want = 128;
  if (want)
    {
      if (elen != want)
        return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": want %zu hex digits", what, d, want);
      for (p = colon + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
          return kn_error_make (err, KN_EINVAL, 0, "%s: invalid digest \"%s\": not lowercase hex", what, d);
    }
  return 0;
}

/* Absolute URI: scheme ":" then something without spaces. */
static int
valid_uri (const char *s)
{
  const char *p = s;
  if (!isalpha ((unsigned char) *p))
    return 0;
  for (p++; isalnum ((unsigned char) *p) || *p == '+' || *p == '.' || *p == '-'; p++)
    ;
  if (*p != ':' || p[1] == '\0')
    return 0;
  for (; *p; p++)
    if ((unsigned char) *p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\' || *p == '^' || *p == '`'
        || *p == '{' || *p == '|' || *p == '}')
      return 0;
  return 1;
}

/* Standard base64 with padding, as Go's encoding/base64.StdEncoding decodes []byte. */
static int
valid_base64 (const char *s)
{
  size_t n = strlen (s), pad = 0;
  if (n % 4 != 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    {
      char c = s[i];
      if (c == '=')
        {
          if (i < n - 2)
            return 0;
          pad++;
          continue;
        }
      if (pad || !(isalnum ((unsigned char) c) || c == '+' || c == '/'))
        return 0;
    }
  return 1;
}

int
kn_descriptor_from_json (json_object *obj, const char *what, struct kn_descriptor *out, struct kn_error **err)
{
  struct kn_descriptor d = { 0 };
  json_object *pl = NULL;
  int ret, has_size;
  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    return kn_error_make (err, KN_EINVAL, 0, "%s: descriptor is not an object", what);
  if ((ret = kn_json_get_str (obj, "mediaType", what, &d.media_type, err)) < 0
      || (ret = kn_json_get_int (obj, "size", what, &d.size, err)) < 0)
    goto fail;
  has_size = ret;
  if ((ret = kn_json_get_str (obj, "digest", what, &d.digest, err)) < 0
      || (ret = kn_json_get_str (obj, "data", what, &d.data, err)) < 0
      || (ret = kn_json_get_strv (obj, "urls", what, &d.urls, err)) < 0
      || (ret = kn_json_get_strmap (obj, "annotations", what, &d.annotations, err)) < 0
      || (ret = kn_json_get_str (obj, "artifactType", what, &d.artifact_type, err)) < 0
      || (ret = kn_json_get_obj (obj, "platform", what, &pl, err)) < 0)
    goto fail;
  if (d.media_type == NULL)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: descriptor without \"mediaType\"", what);
      goto fail;
    }
  if (!kn_mt_valid (d.media_type))
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: invalid media type \"%s\"", what, d.media_type);
      goto fail;
    }
  if (d.artifact_type && !kn_mt_valid (d.artifact_type))
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: invalid artifactType \"%s\"", what, d.artifact_type);
      goto fail;
    }
  if (!has_size)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: descriptor without \"size\"", what);
      goto fail;
    }
  if (d.size < 0)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: negative size %lld", what, (long long) d.size);
      goto fail;
    }
  if (d.digest == NULL)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: descriptor without \"digest\"", what);
      goto fail;
    }
  if ((ret = kn_descriptor_check_digest (d.digest, what, err)) < 0)
    goto fail;
  for (size_t i = 0; d.urls && d.urls[i]; i++)
    if (!valid_uri (d.urls[i]))
      {
        ret = kn_error_make (err, KN_EINVAL, 0, "%s: invalid url \"%s\"", what, d.urls[i]);
        goto fail;
      }
  if (d.data && !valid_base64 (d.data))
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: \"data\" is not padded base64", what);
      goto fail;
    }
  if (pl)
    {
      d.platform = kn_xcalloc (1, sizeof *d.platform);
      if ((ret = kn_platform_from_json (pl, what, 1, d.platform, err)) < 0)
        goto fail;
    }
  kn_descriptor_clear (out);
  *out = d;
  return 0;
fail:
  kn_descriptor_clear (&d);
  return ret;
}

void
kn_descriptor_to_json (struct kn_jw *w, const struct kn_descriptor *d)
{
  kn_jw_obj_begin (w);
  kn_jw_key (w, "mediaType");
  kn_jw_str (w, d->media_type ? d->media_type : "");
  kn_jw_key (w, "size");
  kn_jw_int (w, d->size);
  kn_jw_key (w, "digest");
  kn_jw_str (w, d->digest ? d->digest : "");
  if (d->data && *d->data)
    {
      kn_jw_key (w, "data");
      kn_jw_str (w, d->data);
    }
  if (d->urls && d->urls[0])
    {
      kn_jw_key (w, "urls");
      kn_jw_strv (w, d->urls);
    }
  if (d->annotations.n)
    {
      kn_jw_key (w, "annotations");
      kn_jw_strmap (w, &d->annotations);
    }
  if (d->platform)
    {
      kn_jw_key (w, "platform");
      kn_platform_to_json (w, d->platform);
    }
  if (d->artifact_type && *d->artifact_type)
    {
      kn_jw_key (w, "artifactType");
      kn_jw_str (w, d->artifact_type);
    }
  kn_jw_obj_end (w);
}

void
kn_descriptor_copy (struct kn_descriptor *dst, const struct kn_descriptor *src)
{
  memset (dst, 0, sizeof *dst);
  dst->media_type = kn_xstrdup (src->media_type);
  dst->size = src->size;
  dst->digest = kn_xstrdup (src->digest);
  dst->data = kn_xstrdup (src->data);
  dst->urls = kn_strv_dup (src->urls);
  kn_strmap_copy (&dst->annotations, &src->annotations);
  if (src->platform)
    {
      dst->platform = kn_xcalloc (1, sizeof *dst->platform);
      kn_platform_copy (dst->platform, src->platform);
    }
  dst->artifact_type = kn_xstrdup (src->artifact_type);
}

void
kn_descriptor_clear (struct kn_descriptor *d)
{
  free (d->media_type);
  free (d->digest);
  free (d->data);
  kn_strv_free (d->urls);
  kn_strmap_clear (&d->annotations);
  if (d->platform)
    {
      kn_platform_clear (d->platform);
      free (d->platform);
    }
  free (d->artifact_type);
  memset (d, 0, sizeof *d);
}

int
kn_descriptor_parse (const void *data, size_t len, struct kn_descriptor *out, struct kn_error **err)
{
  json_object *obj = NULL;
  int ret = kn_json_parse (data, len, "descriptor", &obj, err);
  if (ret < 0)
    return ret;
  ret = kn_descriptor_from_json (obj, "descriptor", out, err);
  json_object_put (obj);
  return ret;
}
