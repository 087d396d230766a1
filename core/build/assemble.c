#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/assemble.h"
#include "core/image/mediatype.h"

static int
put_bytes (struct kn_store *store, const void *data, size_t len, char digest[KN_DIGEST_STR_LEN], struct kn_error **err)
{
  struct kn_reader *r = kn_reader_new_mem (data, len);
  int ret = kn_store_put (store, r, NULL, digest, NULL, err);
  kn_reader_free (r);
  return ret;
}

int
kn_bimage_assemble (struct kn_bimage *img, struct kn_store *store, struct kn_bmanifest *out, struct kn_error **err)
{
  memset (out, 0, sizeof *out);
  size_t clen = 0;
  kn_cleanup_free char *cfg = kn_config_write (&img->c, &clen);
  int ret = put_bytes (store, cfg, clen, out->config_digest, err);
  if (ret < 0)
    return kn_error_wrap (err, "store image config");
  kn_descriptor_clear (&img->m.config);
  img->m.config.media_type = kn_xstrdup (img->docker ? KN_MT_DOCKER_CONFIG : KN_MT_OCI_CONFIG);
  img->m.config.size = (int64_t) clen;
  img->m.config.digest = kn_xstrdup (out->config_digest);
  img->m.schema_version = 2;
  free (img->m.media_type);
  img->m.media_type = kn_xstrdup (img->docker ? KN_MT_DOCKER_MANIFEST : KN_MT_OCI_MANIFEST);
  out->media_type = img->docker ? KN_MT_DOCKER_MANIFEST : KN_MT_OCI_MANIFEST;
  out->data = kn_manifest_write (&img->m, &out->len);
  ret = put_bytes (store, out->data, out->len, out->digest, err);
  if (ret < 0)
    return kn_error_wrap (err, "store image manifest");
  return 0;
}

void
kn_bmanifest_clear (struct kn_bmanifest *out)
{
  free (out->data);
  memset (out, 0, sizeof *out);
}

static int
store_open (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err)
{
  return kn_store_open_blob (payload, digest, out, NULL, err);
}

void
kn_build_store_provider (struct kn_store *store, struct kn_blob_provider *out)
{
  out->open = store_open;
  out->payload = store;
}
