/* Local outputs without external tools: OCI layout (index.json entries, blobs,
 * nested index, keeping other entries, digest verification), docker-archive
 * entries read back with libarchive, digest and image-name files. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/image/docker_archive.h"
#include "core/image/index.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/image/outputs.h"
#include "core/util/digest.h"
#include "tests/conformance/corpus.h"

struct blob {
  char digest[KN_DIGEST_STR_LEN];
  char *data;
  size_t len;
  int corrupt; /* serve different bytes than the digest says */
};

static struct blob blobs[8];
static size_t n_blobs;
static char tmpdir[256];

static int
mem_open (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err)
{
  (void) payload;
  for (size_t i = 0; i < n_blobs; i++)
    if (strcmp (blobs[i].digest, digest) == 0)
      {
        *out = blobs[i].corrupt ? kn_reader_new_mem ("tampered", 8) : kn_reader_new_mem (blobs[i].data, blobs[i].len);
        return 0;
      }
  return kn_error_make (err, KN_ENOTFOUND, 0, "blob %s not found", digest);
}

static const struct kn_blob_provider provider = { mem_open, NULL };

static struct blob *
add_blob (const char *data)
{
  struct blob *b = &blobs[n_blobs++];
  b->data = kn_xstrdup (data);
  b->len = strlen (data);
  b->corrupt = 0;
  kn_digest_buffer (b->data, b->len, b->digest);
  return b;
}

static void
setup (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/kn-image-out-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  cr_assert_not_null (mkdtemp (tmpdir));
  n_blobs = 0;
}

static void
teardown (void)
{
  kn_cleanup_free char *cmd = kn_xasprintf ("rm -rf '%s'", tmpdir);
  cr_expect_eq (system (cmd), 0);
  for (size_t i = 0; i < n_blobs; i++)
    free (blobs[i].data);
}

/* A manifest over one config and one layer blob; returns malloc'd JSON. */
static char *
make_manifest (const char *layer_text, size_t *len)
{
  struct kn_manifest m = { 0 };
  struct blob *cfg = add_blob ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                               "\"diff_ids\":[]},\"config\":{}}");
  struct blob *layer = add_blob (layer_text);
  struct kn_descriptor d = { 0 };
  char *out;
  m.schema_version = 2;
  m.media_type = kn_xstrdup (KN_MT_OCI_MANIFEST);
  m.config.media_type = kn_xstrdup (KN_MT_OCI_CONFIG);
  m.config.size = (int64_t) cfg->len;
  m.config.digest = kn_xstrdup (cfg->digest);
  d.media_type = (char *) KN_MT_OCI_LAYER;
  d.size = (int64_t) layer->len;
  d.digest = layer->digest;
  kn_manifest_add_layer (&m, &d);
  out = kn_manifest_write (&m, len);
  kn_manifest_clear (&m);
  return out;
}

static int
file_exists (const char *dir, const char *digest)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/blobs/sha256/%s", dir, digest + 7);
  struct stat st;
  return stat (p, &st) == 0;
}

static int
count_tmp_files (const char *dir)
{
  kn_cleanup_dir DIR *d = opendir (dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL)
    return 0;
  while ((e = readdir (d)))
    if (strstr (e->d_name, ".tmp-") || strstr (e->d_name, ".kn-ingest-"))
      n++;
  return n;
}

TestSuite (outputs, .init = setup, .fini = teardown);

Test (outputs, oci_layout_add_and_keep_entries)
{
  kn_cleanup_free char *dir = kn_xasprintf ("%s/layout", tmpdir);
  kn_cleanup_free char *m1 = NULL;
  kn_cleanup_free char *m2 = NULL;
  size_t l1 = 0, l2 = 0;
  char d1[KN_DIGEST_STR_LEN], d2[KN_DIGEST_STR_LEN];
  struct kn_index x = { 0 };
  struct kn_error *err = NULL;

  m1 = make_manifest ("layer one", &l1);
  m2 = make_manifest ("layer two", &l2);
  kn_digest_buffer (m1, l1, d1);
  kn_digest_buffer (m2, l2, d2);
  cr_assert_eq (kn_oci_layout_add (dir, KN_MT_OCI_MANIFEST, m1, l1, "v1", &provider, &err), 0, "%s",
                err ? err->msg : "");
  cr_assert_eq (kn_oci_layout_add (dir, NULL, m2, l2, "v2", &provider, &err), 0, "%s", err ? err->msg : "");
  /* Re-adding v1 moves the name, it does not duplicate it. */
  cr_assert_eq (kn_oci_layout_add (dir, KN_MT_OCI_MANIFEST, m1, l1, "v1", &provider, &err), 0);
  cr_assert_eq (kn_oci_layout_read_index (dir, &x, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (x.n_manifests, 2);
  cr_expect_str_eq (x.manifests[0].digest, d2);
  cr_expect_str_eq (kn_strmap_get (&x.manifests[0].annotations, KN_ANNOTATION_REF_NAME), "v2");
  cr_expect_str_eq (x.manifests[1].digest, d1);
  cr_expect_str_eq (kn_strmap_get (&x.manifests[1].annotations, KN_ANNOTATION_REF_NAME), "v1");
  cr_expect_eq (x.manifests[1].size, (int64_t) l1);
  for (size_t i = 0; i < n_blobs; i++)
    cr_expect (file_exists (dir, blobs[i].digest), "blob %zu written", i);
  cr_expect (file_exists (dir, d1) && file_exists (dir, d2), "manifests stored as blobs");
  cr_expect_eq (count_tmp_files (dir), 0, "no temporary files left");
  {
    kn_cleanup_free char *hp = kn_xasprintf ("%s/oci-layout", dir);
    kn_cleanup_fclose FILE *f = fopen (hp, "r");
    char buf[64] = "";
    cr_assert_not_null (f);
    cr_expect_not_null (fgets (buf, sizeof buf, f));
    cr_expect_str_eq (buf, "{\"imageLayoutVersion\": \"1.0.0\"}");
  }
  kn_index_clear (&x);
}

Test (outputs, oci_layout_nested_index)
{
  kn_cleanup_free char *dir = kn_xasprintf ("%s/layout", tmpdir);
  size_t l1 = 0, li = 0;
  kn_cleanup_free char *m1 = make_manifest ("arm layer", &l1);
  struct blob *mb = NULL;
  struct kn_index idx = { 0 }, back = { 0 };
  struct kn_descriptor d = { 0 };
  struct kn_platform p = { 0 };
  kn_cleanup_free char *ij = NULL;
  struct kn_error *err = NULL;
  mb = add_blob (m1);
  idx.schema_version = 2;
  idx.media_type = kn_xstrdup (KN_MT_OCI_INDEX);
  d.media_type = (char *) KN_MT_OCI_MANIFEST;
  d.size = (int64_t) mb->len;
  d.digest = mb->digest;
  cr_assert_eq (kn_platform_parse ("linux/arm64", &p, NULL), 0);
  d.platform = &p;
  kn_index_add (&idx, &d);
  kn_platform_clear (&p);
  ij = kn_index_write (&idx, &li);
  kn_index_clear (&idx);
  cr_assert_eq (kn_oci_layout_add (dir, KN_MT_OCI_INDEX, ij, li, "multi", &provider, &err), 0, "%s",
                err ? err->msg : "");
  cr_expect (file_exists (dir, mb->digest), "child manifest stored");
  for (size_t i = 0; i < n_blobs; i++)
    cr_expect (file_exists (dir, blobs[i].digest), "blob %zu", i);
  cr_assert_eq (kn_oci_layout_read_index (dir, &back, &err), 0);
  cr_expect_eq (back.n_manifests, 1);
  cr_expect_str_eq (back.manifests[0].media_type, KN_MT_OCI_INDEX);
  kn_index_clear (&back);
}

Test (outputs, oci_layout_refuses_bad_blob)
{
  kn_cleanup_free char *dir = kn_xasprintf ("%s/layout", tmpdir);
  size_t l1 = 0;
  kn_cleanup_free char *m1 = make_manifest ("good layer", &l1);
  struct kn_error *err = NULL;
  kn_cleanup_free char *ip = kn_xasprintf ("%s/index.json", dir);
  blobs[n_blobs - 1].corrupt = 1;
  cr_expect_eq (kn_oci_layout_add (dir, KN_MT_OCI_MANIFEST, m1, l1, "bad", &provider, &err), -KN_EDIGEST);
  cr_expect (err && strstr (err->msg, blobs[n_blobs - 1].digest), "%s", err ? err->msg : "");
  kn_error_release (&err);
  cr_expect (!file_exists (dir, blobs[n_blobs - 1].digest), "no corrupt blob stored");
  cr_expect_neq (access (ip, F_OK), 0, "no index.json for a failed add");
  cr_expect_eq (count_tmp_files (dir), 0, "no temporary files left");
}

/* name -> size of every entry of a tar file. */
static int
tar_has (const char *path, const char *name, char **content)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;
  int found = 0;
  archive_read_support_format_all (a);
  cr_assert_eq (archive_read_open_filename (a, path, 10240), ARCHIVE_OK);
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    if (strcmp (archive_entry_pathname (e), name) == 0)
      {
        found = 1;
        if (content)
          {
            size_t n = (size_t) archive_entry_size (e);
            *content = kn_xmalloc (n + 1);
            cr_assert_eq (archive_read_data (a, *content, n), (ssize_t) n);
            (*content)[n] = '\0';
          }
        break;
      }
  archive_read_free (a);
  return found;
}

Test (outputs, docker_archive_layouts)
{
  kn_cleanup_free char *path = kn_xasprintf ("%s/image.tar", tmpdir);
  kn_cleanup_free char *legacy = kn_xasprintf ("%s/legacy.tar", tmpdir);
  size_t l1 = 0;
  kn_cleanup_free char *m1 = make_manifest ("layer data", &l1);
  kn_cleanup_free char *mj = NULL;
  kn_cleanup_free char *ij = NULL;
  kn_cleanup_free char *lj = NULL;
  kn_cleanup_free char *tag = NULL;
  kn_cleanup_free char *want = NULL;
  kn_cleanup_free char *layer_name = NULL;
  kn_cleanup_free char *legacy_want = NULL;
  char *tags[2] = { NULL, NULL };
  struct kn_error *err = NULL;
  cr_assert_eq (kn_docker_archive_repo_tag ("busybox", &tag, &err), 0);
  cr_expect_str_eq (tag, "busybox:latest");
  tags[0] = tag;
  {
    struct kn_docker_archive_image imgs[2] = { { NULL, m1, l1, tags }, { NULL, m1, l1, NULL } };
    cr_assert_eq (kn_docker_archive_write (path, imgs, 2, KN_DOCKER_ARCHIVE_OCI, &provider, &err), 0, "%s",
                  err ? err->msg : "");
    cr_assert_eq (kn_docker_archive_write (legacy, imgs, 1, KN_DOCKER_ARCHIVE_LEGACY, &provider, &err), 0);
  }
  cr_expect (tar_has (path, "oci-layout", NULL));
  cr_expect (tar_has (path, "blobs/sha256/", NULL));
  cr_assert (tar_has (path, "manifest.json", &mj));
  cr_assert (tar_has (path, "index.json", &ij));
  want = kn_xasprintf ("[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"busybox:latest\"],\"Layers\":"
                       "[\"blobs/sha256/%s\"]},{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":null,\"Layers\":"
                       "[\"blobs/sha256/%s\"]}]",
                       blobs[0].digest + 7, blobs[1].digest + 7, blobs[0].digest + 7, blobs[1].digest + 7);
  cr_expect_str_eq (mj, want);
  cr_expect (strstr (ij, "\"io.containerd.image.name\":\"docker.io/library/busybox:latest\""), "%s", ij);
  cr_expect (strstr (ij, "\"org.opencontainers.image.ref.name\":\"latest\""), "%s", ij);
  layer_name = kn_xasprintf ("blobs/sha256/%s", blobs[1].digest + 7);
  {
    kn_cleanup_free char *content = NULL;
    cr_assert (tar_has (path, layer_name, &content));
    cr_expect_str_eq (content, "layer data");
  }
  cr_assert (tar_has (legacy, "manifest.json", &lj));
  legacy_want = kn_xasprintf ("[{\"Config\":\"%s\",\"RepoTags\":[\"busybox:latest\"],\"Layers\":[\"%s.tar.gz\"]}]",
                              blobs[0].digest, blobs[1].digest + 7);
  cr_expect_str_eq (lj, legacy_want);
  cr_expect (!tar_has (legacy, "index.json", NULL));
  cr_expect_lt (kn_docker_archive_repo_tag ("busybox@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                                            &layer_name, &err),
                0);
  kn_error_release (&err);
}

Test (outputs, docker_archive_failure_leaves_nothing)
{
  kn_cleanup_free char *path = kn_xasprintf ("%s/image.tar", tmpdir);
  size_t l1 = 0;
  kn_cleanup_free char *m1 = make_manifest ("layer data", &l1);
  struct kn_error *err = NULL;
  struct kn_docker_archive_image img = { NULL, m1, l1, NULL };
  blobs[n_blobs - 1].corrupt = 1;
  cr_expect_lt (kn_docker_archive_write (path, &img, 1, KN_DOCKER_ARCHIVE_OCI, &provider, &err), 0);
  cr_expect (err && strstr (err->msg, "image.tar"), "%s", err ? err->msg : "");
  kn_error_release (&err);
  cr_expect_neq (access (path, F_OK), 0);
  cr_expect_eq (count_tmp_files (tmpdir), 0);
}

Test (outputs, digest_files)
{
  const char *dg = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
  char *dests[] = { (char *) "busybox", (char *) "gcr.io/proj/app:1.2", (char *) "localhost:5000/a", NULL };
  kn_cleanup_free char *lines = NULL;
  kn_cleanup_free char *tagged = NULL;
  kn_cleanup_free char *want = NULL;
  kn_cleanup_free char *want_tagged = NULL;
  kn_cleanup_free char *p = kn_xasprintf ("%s/sub/dir/digest", tmpdir);
  struct kn_error *err = NULL;
  cr_assert_eq (kn_outputs_image_name_lines (dests, dg, 0, &lines, &err), 0);
  want = kn_xasprintf ("index.docker.io/library/busybox@%s\ngcr.io/proj/app@%s\nlocalhost:5000/a@%s\n", dg, dg, dg);
  cr_expect_str_eq (lines, want);
  cr_assert_eq (kn_outputs_image_name_lines (dests, dg, 1, &tagged, &err), 0);
  want_tagged = kn_xasprintf ("index.docker.io/library/busybox:latest@%s\ngcr.io/proj/app:1.2@%s\n"
                              "localhost:5000/a:latest@%s\n",
                              dg, dg, dg);
  cr_expect_str_eq (tagged, want_tagged);
  cr_assert_eq (kn_outputs_write_digest_file (p, dg, &err), 0, "%s", err ? err->msg : "");
  {
    kn_cleanup_fclose FILE *f = fopen (p, "r");
    char buf[128] = "";
    struct stat st;
    cr_assert_not_null (f);
    cr_expect_eq (fread (buf, 1, sizeof buf - 1, f), strlen (dg), "no newline");
    cr_expect_str_eq (buf, dg);
    cr_assert_eq (stat (p, &st), 0);
    cr_expect_eq (st.st_mode & 0777, 0644);
  }
  {
    char *bad[] = { (char *) "Not/Valid:", NULL };
    kn_cleanup_free char *x = NULL;
    cr_expect_lt (kn_outputs_image_name_lines (bad, dg, 0, &x, &err), 0);
    cr_expect (err && strstr (err->msg, "getting tag for destination"), "%s", err ? err->msg : "");
    kn_error_release (&err);
  }
}

/* Read the OCI layouts of the corpora (containers/image, go-containerregistry) and copy each
 * image or index they name into a new layout through the layout blob provider: every blob is
 * streamed and digest-checked on the way. */
Test (outputs, corpus_layouts_copy)
{
  static const struct
  {
    const char *corpus, *rel;
  } layouts[] = {
    { "containers-image-fixtures", "oci/layout/fixtures/delete_image_multiple_images" },
    { "containers-image-fixtures", "oci/layout/fixtures/delete_image_only_one_image" },
    { "ggcr-testdata", "pkg/v1/layout/testdata/test_index" },
    { "ggcr-testdata", "pkg/v1/layout/testdata/test_index_one_image" },
    { "ggcr-testdata", "pkg/v1/layout/testdata/test_index_media_type" },
  };
  char *why = NULL; /* the first layout not found */
  int copied = 0, seen = 0, refused = 0;
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    {
      kn_cleanup_free char *src = corpus_find (layouts[i].corpus, layouts[i].rel, why ? NULL : &why);
      kn_cleanup_free char *dst = kn_xasprintf ("%s/copy-%zu", tmpdir, i);
      struct kn_blob_provider from;
      struct kn_index x = { 0 };
      struct kn_error *err = NULL;
      if (src == NULL)
        continue;
      seen++;
      kn_oci_layout_blob_provider (src, &from);
      cr_assert_eq (kn_oci_layout_read_index (src, &x, &err), 0, "%s: %s", layouts[i].rel, err ? err->msg : "");
      for (size_t j = 0; j < x.n_manifests; j++)
        {
          kn_cleanup_free char *doc = NULL;
          size_t len = 0;
          const char *name = kn_strmap_get (&x.manifests[j].annotations, KN_ANNOTATION_REF_NAME);
          int ret = kn_blob_read_small (&from, x.manifests[j].digest, 1 << 20, &doc, &len, &err);
          if (ret == -KN_ENOTFOUND)
            {
              kn_error_release (&err);
              continue;
            }
          cr_assert_eq (ret, 0, "%s: %s", layouts[i].rel, err ? err->msg : "");
          cr_expect_eq ((int64_t) len, x.manifests[j].size, "%s: entry %zu size", layouts[i].rel, j);
          ret = kn_oci_layout_add (dst, x.manifests[j].media_type, doc, len, name, &from, &err);
          if (ret == -KN_ENOTFOUND || ret == -KN_ENOTSUP)
            {
              /* fixtures with deliberately missing blobs or unknown media types */
              kn_error_release (&err);
              continue;
            }
          if (ret == -KN_EDIGEST && strcmp (layouts[i].corpus, "containers-image-fixtures") == 0)
            {
              /* containers/image's delete fixtures declare wrong sizes (e.g. a config of 740
               * bytes described as 585): refusing them is right. */
              cr_expect (err && strstr (err->msg, "bytes, want"), "%s", err ? err->msg : "");
              kn_error_release (&err);
              refused++;
              continue;
            }
          cr_expect_eq (ret, 0, "%s entry %zu: %s", layouts[i].rel, j, err ? err->msg : "");
          kn_error_release (&err);
          if (ret == 0)
            copied++;
        }
      kn_index_clear (&x);
    }
  if (seen == 0)
    corpus_skip (why);
  free (why);
  cr_expect_geq (copied, 3, "images copied from the corpus layouts: %d", copied);
  cr_expect_geq (refused, 1, "the known-bad fixture sizes are refused");
}
