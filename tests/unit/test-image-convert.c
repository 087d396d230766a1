/* OCI <-> Docker conversion (manifests, indexes, layer/config media types),
 * checked against the containers/image conversion pairs when the corpus is
 * present, plus the manifest fixtures of containers/image. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/image/image_config.h"
#include "core/image/index.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/validate.h"
#include "tests/conformance/corpus.h"

#define CI_FIXTURES "containers-image-fixtures"

static void
load_manifest (const char *rel, struct kn_manifest *m)
{
  kn_cleanup_free char *p = corpus_require (CI_FIXTURES, rel);
  size_t len = 0;
  kn_cleanup_free char *data = corpus_read (p, &len);
  struct kn_error *err = NULL;
  cr_assert_eq (kn_manifest_parse (data, len, 0, m, &err), 0, "%s: %s", rel, err ? err->msg : "");
}

/* Layers equal (type, size, digest, urls); config type equal. Config digest/size
 * differ in the fixtures because containers/image also rewrote the config. */
static void
expect_same_layers (const struct kn_manifest *got, const struct kn_manifest *want, const char *what)
{
  cr_expect_str_eq (got->media_type, want->media_type, "%s: manifest type", what);
  cr_expect_str_eq (got->config.media_type, want->config.media_type, "%s: config type", what);
  cr_assert_eq (got->n_layers, want->n_layers, "%s: layer count", what);
  for (size_t i = 0; i < got->n_layers; i++)
    {
      cr_expect_str_eq (got->layers[i].media_type, want->layers[i].media_type, "%s: layer %zu type", what, i);
      cr_expect_eq (got->layers[i].size, want->layers[i].size, "%s: layer %zu size", what, i);
      cr_expect_str_eq (got->layers[i].digest, want->layers[i].digest, "%s: layer %zu digest", what, i);
      cr_expect_eq (kn_strv_len (got->layers[i].urls), kn_strv_len (want->layers[i].urls), "%s: layer %zu urls", what,
                    i);
      cr_expect_eq (got->layers[i].annotations.n, want->layers[i].annotations.n, "%s: layer %zu annotations", what, i);
    }
}

static void
convert_pair (const char *from, const char *to, int to_docker)
{
  struct kn_manifest in = { 0 }, want = { 0 }, out = { 0 };
  struct kn_error *err = NULL;
  load_manifest (from, &in);
  load_manifest (to, &want);
  cr_assert_eq (kn_manifest_convert (&in, to_docker, &out, &err), 0, "%s: %s", from, err ? err->msg : "");
  expect_same_layers (&out, &want, from);
  kn_manifest_clear (&in);
  kn_manifest_clear (&want);
  kn_manifest_clear (&out);
}

Test (convert, schema2_to_oci1)
{
  convert_pair ("internal/image/fixtures/schema2.json", "internal/image/fixtures/schema2-to-oci1.json", 0);
}

Test (convert, oci1_to_schema2)
{
  convert_pair ("internal/image/fixtures/oci1.json", "internal/image/fixtures/oci1-to-schema2.json", 1);
}

Test (convert, schema2_all_media_types_to_oci1)
{
  convert_pair ("internal/image/fixtures/schema2-all-media-types.json",
                "internal/image/fixtures/schema2-all-media-types-to-oci1.json", 0);
}

Test (convert, oci1_all_media_types_to_schema2)
{
  struct kn_manifest in = { 0 }, want = { 0 }, out = { 0 };
  struct kn_error *err = NULL;
  load_manifest ("internal/image/fixtures/oci1-all-media-types.json", &in);
  load_manifest ("internal/image/fixtures/oci1-all-media-types-to-schema2.json", &want);
  /* Docker has no zstd foreign layer type: refused rather than silently mislabelled. */
  cr_expect_eq (kn_manifest_convert (&in, 1, &out, &err), -KN_ENOTSUP);
  cr_expect (err && strstr (err->msg, "layers[4]"), "%s", err ? err->msg : "");
  kn_error_release (&err);
  /* Every other layer maps as in the fixture. */
  for (size_t i = 0; i < in.n_layers; i++)
    {
      const char *mt = kn_mt_to_docker (in.layers[i].media_type);
      if (i == 4)
        cr_expect_null (mt);
      else
        cr_expect_str_eq (mt, want.layers[i].media_type, "layer %zu", i);
    }
  kn_manifest_clear (&in);
  kn_manifest_clear (&want);
}

Test (convert, round_trip_bytes)
{
  struct kn_manifest in = { 0 }, oci = { 0 }, back = { 0 };
  struct kn_error *err = NULL;
  kn_cleanup_free char *a = NULL;
  kn_cleanup_free char *b = NULL;
  load_manifest ("internal/image/fixtures/schema2-all-media-types.json", &in);
  cr_assert_eq (kn_manifest_convert (&in, 0, &oci, &err), 0);
  cr_assert_eq (kn_manifest_convert (&oci, 1, &back, &err), 0);
  a = kn_manifest_write (&in, NULL);
  b = kn_manifest_write (&back, NULL);
  cr_expect_str_eq (b, a, "Docker -> OCI -> Docker is the identity");
  kn_manifest_clear (&in);
  kn_manifest_clear (&oci);
  kn_manifest_clear (&back);
}

Test (convert, synthetic_layers_and_artifacts)
{
  struct kn_manifest m = { 0 }, out = { 0 };
  struct kn_descriptor l = { 0 };
  struct kn_error *err = NULL;
  m.schema_version = 2;
  m.media_type = kn_xstrdup (KN_MT_OCI_MANIFEST);
  m.config.media_type = kn_xstrdup ("application/vnd.example.config+json");
  m.config.digest = kn_xstrdup ("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  m.config.size = 2;
  cr_expect_eq (kn_manifest_convert (&m, 1, &out, &err), -KN_ENOTSUP, "artifact config has no Docker form");
  kn_error_release (&err);
  free (m.config.media_type);
  m.config.media_type = kn_xstrdup (KN_MT_OCI_CONFIG);
  l.media_type = kn_xstrdup ("application/vnd.example.blob");
  l.digest = kn_xstrdup (m.config.digest);
  kn_manifest_add_layer (&m, &l);
  cr_expect_eq (kn_manifest_convert (&m, 1, &out, &err), -KN_ENOTSUP, "unknown layer type");
  kn_error_release (&err);
  kn_descriptor_clear (&l);
  kn_manifest_clear (&m);
  cr_expect_str_eq (kn_mt_to_oci (KN_MT_DOCKER_LAYER_ZSTD), KN_MT_OCI_LAYER_ZSTD);
  cr_expect_str_eq (kn_mt_to_oci (KN_MT_DOCKER_FOREIGN), KN_MT_OCI_LAYER_ND);
  cr_expect_str_eq (kn_mt_to_docker (KN_MT_OCI_LAYER_ND_GZIP), KN_MT_DOCKER_FOREIGN_GZIP);
  cr_expect_str_eq (kn_mt_to_docker (KN_MT_OCI_INDEX), KN_MT_DOCKER_LIST);
  cr_expect_str_eq (kn_mt_to_oci (KN_MT_DOCKER_CONFIG), KN_MT_OCI_CONFIG);
  cr_expect_eq (kn_mt_layer_compression (KN_MT_OCI_LAYER_ZSTD), KN_MT_COMP_ZSTD);
  cr_expect (kn_mt_is_foreign (KN_MT_DOCKER_FOREIGN_GZIP));
  cr_expect (!kn_mt_is_foreign (KN_MT_OCI_LAYER));
}

Test (convert, index_and_list)
{
  static const char list[]
      = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
        "\"manifests\":[{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":10,"
        "\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"platform\":{"
        "\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
  struct kn_index in = { 0 }, oci = { 0 }, back = { 0 };
  struct kn_error *err = NULL;
  kn_cleanup_free char *a = NULL;
  cr_assert_eq (kn_index_parse (list, strlen (list), 0, &in, &err), 0);
  cr_assert_eq (kn_index_convert (&in, 0, &oci, &err), 0);
  cr_expect_str_eq (oci.media_type, KN_MT_OCI_INDEX);
  cr_expect_str_eq (oci.manifests[0].media_type, KN_MT_OCI_MANIFEST);
  cr_assert_eq (kn_index_convert (&oci, 1, &back, &err), 0);
  a = kn_index_write (&back, NULL);
  cr_expect_str_eq (a, list);
  kn_index_clear (&in);
  kn_index_clear (&oci);
  kn_index_clear (&back);
}

/* Config conversion keeps the Docker-only fields: only the descriptor type changes, the
 * config document is the same in both formats (what kaniko/ggcr do). */
Test (convert, config_docker_fields_survive)
{
  kn_cleanup_free char *p = corpus_require (CI_FIXTURES, "internal/image/fixtures/schema2-config.json");
  size_t len = 0, olen = 0;
  kn_cleanup_free char *data = corpus_read (p, &len);
  kn_cleanup_free char *out = NULL;
  kn_cleanup_free char *out2 = NULL;
  struct kn_image_config c = { 0 }, c2 = { 0 };
  struct kn_error *err = NULL;
  cr_assert_eq (kn_config_parse (data, len, KN_IMAGE_PARSE_STRICT, &c, &err), 0, "%s", err ? err->msg : "");
  cr_expect (c.config.args_escaped);
  cr_expect_str_eq (c.container, "8825acde1b009729807e4b70a65a89399dd8da8e53be9216b9aaabaff4339f69");
  cr_expect_str_eq (c.docker_version, "1.12.1");
  cr_expect_eq (c.n_history, 15);
  cr_expect_str_eq (c.config.hostname, "383850eeb47b");
  cr_expect (strstr (c.config.env[4], "action=download&filename") != NULL);
  out = kn_config_write (&c, &olen);
  cr_expect (strstr (out, "\\u0026filename") != NULL, "& escaped like Go");
  cr_assert_eq (kn_config_parse (out, olen, KN_IMAGE_PARSE_STRICT, &c2, &err), 0);
  out2 = kn_config_write (&c2, NULL);
  cr_expect_str_eq (out2, out, "parse(write(x)) writes the same bytes");
  cr_expect_eq (kn_image_validate (KN_MT_DOCKER_CONFIG, out, olen, KN_IMAGE_PARSE_STRICT, &err), 0);
  kn_config_clear (&c);
  kn_config_clear (&c2);
}

Test (convert, containers_image_manifest_fixtures)
{
  static const struct
  {
    const char *file;
    int ok;
  } cases[] = {
    { "manifest/fixtures/ociv1.manifest.json", 1 },
    { "manifest/fixtures/ociv1.everything.json", 1 },
    { "manifest/fixtures/ociv1.artifact.json", 1 },
    { "manifest/fixtures/ociv1.zstd.manifest.json", 1 },
    { "manifest/fixtures/ociv1.uncompressed.manifest.json", 1 },
    { "manifest/fixtures/ociv1.encrypted.manifest.json", 1 },
    { "manifest/fixtures/ociv1.nondistributable.manifest.json", 1 },
    { "manifest/fixtures/ociv1.nondistributable.gzip.manifest.json", 1 },
    { "manifest/fixtures/ociv1.nondistributable.zstd.manifest.json", 1 },
    { "manifest/fixtures/ociv1.invalid.mediatype.manifest.json", 1 },
    { "manifest/fixtures/v2s2.manifest.json", 1 },
    { "manifest/fixtures/v2s2.everything.json", 1 },
    { "manifest/fixtures/v2s2.uncompressed.manifest.json", 1 },
    { "manifest/fixtures/v2s2.nondistributable.manifest.json", 1 },
    { "manifest/fixtures/v2s2.nondistributable.gzip.manifest.json", 1 },
    { "manifest/fixtures/non-json.manifest.json", 0 },
    { "manifest/fixtures/v2s1.manifest.json", 0 },
    { "manifest/fixtures/v2s1-unsigned.manifest.json", 0 },
  };
  kn_cleanup_free char *dir = corpus_require (CI_FIXTURES, "manifest/fixtures");
  int seen = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      kn_cleanup_free char *p = corpus_find (CI_FIXTURES, cases[i].file, NULL);
      kn_cleanup_free char *data = NULL;
      kn_cleanup_free char *out = NULL;
      struct kn_manifest m = { 0 }, m2 = { 0 };
      struct kn_error *err = NULL;
      size_t len = 0, olen = 0;
      int ret;
      if (p == NULL)
        continue;
      data = corpus_read (p, &len);
      if (strncmp (data, "../", 3) == 0)
        continue; /* an upstream symlink stored as its target text: not a document */
      seen++;
      ret = kn_manifest_parse (data, len, 0, &m, &err);
      if (!cases[i].ok)
        {
          cr_expect_lt (ret, 0, "%s should be refused", cases[i].file);
          kn_error_free (err);
          continue;
        }
      cr_expect_eq (ret, 0, "%s: %s", cases[i].file, err ? err->msg : "");
      kn_error_free (err);
      err = NULL;
      out = kn_manifest_write (&m, &olen);
      cr_expect_eq (kn_manifest_parse (out, olen, 0, &m2, &err), 0, "%s re-parse", cases[i].file);
      kn_error_free (err);
      kn_manifest_clear (&m);
      kn_manifest_clear (&m2);
    }
  cr_expect_gt (seen, 0, "no manifest fixture found under %s", dir);
}
