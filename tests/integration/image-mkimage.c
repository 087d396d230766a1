/* Test helper for tests/integration/image-outputs.sh: builds a small synthetic
 * image (a gzip layer made with libarchive, a config and an OCI manifest from
 * the image model) and writes it with the local output writers.
 *
 *   image-mkimage LAYOUT_DIR REF_NAME DOCKER_TAR LEGACY_TAR REPO_TAG DIGEST_FILE NAME_FILE
 *
 * Prints the manifest digest on stdout. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include <kaniko/sys/util.h>

#include "core/image/docker_archive.h"
#include "core/image/image_config.h"
#include "core/image/manifest.h"
#include "core/image/mediatype.h"
#include "core/image/oci_layout.h"
#include "core/image/outputs.h"
#include "core/image/platform.h"
#include "core/util/digest.h"

struct blob {
  char digest[KN_DIGEST_STR_LEN];
  char *data;
  size_t len;
};

static struct blob blobs[4];
static size_t n_blobs;

static int
mem_open (void *payload, const char *digest, struct kn_reader **out, struct kn_error **err)
{
  (void) payload;
  for (size_t i = 0; i < n_blobs; i++)
    if (strcmp (blobs[i].digest, digest) == 0)
      {
        *out = kn_reader_new_mem (blobs[i].data, blobs[i].len);
        return 0;
      }
  return kn_error_make (err, KN_ENOTFOUND, 0, "blob %s not found", digest);
}

static struct blob *
add_blob (char *data, size_t len)
{
  struct blob *b = &blobs[n_blobs++];
  b->data = data;
  b->len = len;
  kn_digest_buffer (data, len, b->digest);
  return b;
}

static void
add_file (struct archive *a, const char *name, const char *content, int dir)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm (e, dir ? 0755 : 0644);
  archive_entry_set_size (e, dir ? 0 : (la_int64_t) strlen (content));
  archive_entry_set_mtime (e, 1700000000, 0);
  archive_write_header (a, e);
  if (!dir)
    archive_write_data (a, content, strlen (content));
  archive_entry_free (e);
}

/* The layer tar, compressed with gzip (COMPRESS) or not. */
static char *
make_layer (int compress, size_t *len)
{
  size_t cap = 1 << 20, used = 0;
  char *buf = kn_xmalloc (cap);
  struct archive *a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  if (compress)
    {
      archive_write_add_filter_gzip (a);
      archive_write_set_filter_option (a, "gzip", "timestamp", NULL);
    }
  archive_write_set_bytes_in_last_block (a, 1);
  archive_write_open_memory (a, buf, cap, &used);
  add_file (a, "etc/", NULL, 1);
  add_file (a, "etc/os-release", "NAME=kaniko-c-test\n", 0);
  add_file (a, "hello.txt", "hello from kaniko-c\n", 0);
  archive_write_close (a);
  archive_write_free (a);
  *len = used;
  return buf;
}

static int
fail (struct kn_error *err)
{
  fprintf (stderr, "image-mkimage: %s\n", err ? err->msg : "error");
  kn_error_free (err);
  return 1;
}

int
main (int argc, char **argv)
{
  struct kn_error *err = NULL;
  struct kn_blob_provider provider = { mem_open, NULL };
  struct kn_image_config cfg = { 0 };
  struct kn_manifest m = { 0 };
  struct kn_history h = { 0 };
  struct kn_platform host = { 0 };
  char diff_id[KN_DIGEST_STR_LEN], mdigest[KN_DIGEST_STR_LEN];
  size_t tar_len = 0, gz_len = 0, cfg_len = 0, man_len = 0;
  kn_cleanup_free char *tar = NULL;
  char *gz, *cfg_json, *man_json;
  struct blob *layer, *config;
  char *tags[2] = { NULL, NULL };
  char *dests[2] = { NULL, NULL };
  kn_cleanup_free char *repo_tag = NULL;

  if (argc != 8)
    {
      fprintf (stderr, "usage: %s LAYOUT_DIR REF_NAME DOCKER_TAR LEGACY_TAR REPO_TAG DIGEST_FILE NAME_FILE\n", argv[0]);
      return 2;
    }
  tar = make_layer (0, &tar_len);
  kn_digest_buffer (tar, tar_len, diff_id);
  gz = make_layer (1, &gz_len);
  layer = add_blob (gz, gz_len);

  kn_platform_host (&host);
  cfg.architecture = kn_xstrdup (host.architecture);
  cfg.variant = kn_xstrdup (host.variant);
  cfg.os = kn_xstrdup ("linux");
  cfg.created = kn_time_format (1700000000, 0);
  kn_config_add_diff_id (&cfg, diff_id);
  kn_strv_push (&cfg.config.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  kn_strv_push (&cfg.config.cmd, "/bin/sh");
  kn_strmap_set (&cfg.config.labels, "org.example.test", "image <&> outputs");
  h.created = cfg.created;
  h.created_by = (char *) "COPY hello.txt /";
  kn_config_add_history (&cfg, &h);
  cfg_json = kn_config_write (&cfg, &cfg_len);
  config = add_blob (cfg_json, cfg_len);

  m.schema_version = 2;
  m.media_type = kn_xstrdup (KN_MT_OCI_MANIFEST);
  m.config.media_type = kn_xstrdup (KN_MT_OCI_CONFIG);
  m.config.size = (int64_t) config->len;
  m.config.digest = kn_xstrdup (config->digest);
  {
    struct kn_descriptor d = { 0 };
    d.media_type = (char *) KN_MT_OCI_LAYER_GZIP;
    d.size = (int64_t) layer->len;
    d.digest = layer->digest;
    kn_manifest_add_layer (&m, &d);
  }
  man_json = kn_manifest_write (&m, &man_len);
  kn_digest_buffer (man_json, man_len, mdigest);

  if (kn_oci_layout_add (argv[1], KN_MT_OCI_MANIFEST, man_json, man_len, argv[2], &provider, &err) < 0)
    return fail (err);
  if (kn_docker_archive_repo_tag (argv[5], &repo_tag, &err) < 0)
    return fail (err);
  tags[0] = repo_tag;
  {
    struct kn_docker_archive_image img = { KN_MT_OCI_MANIFEST, man_json, man_len, tags };
    if (kn_docker_archive_write (argv[3], &img, 1, KN_DOCKER_ARCHIVE_OCI, &provider, &err) < 0)
      return fail (err);
    if (kn_docker_archive_write (argv[4], &img, 1, KN_DOCKER_ARCHIVE_LEGACY, &provider, &err) < 0)
      return fail (err);
  }
  if (kn_outputs_write_digest_file (argv[6], mdigest, &err) < 0)
    return fail (err);
  dests[0] = argv[5];
  if (kn_outputs_write_image_name_file (argv[7], dests, mdigest, 1, &err) < 0)
    return fail (err);
  printf ("%s\n", mdigest);

  kn_config_clear (&cfg);
  kn_manifest_clear (&m);
  kn_platform_clear (&host);
  for (size_t i = 0; i < n_blobs; i++)
    free (blobs[i].data);
  free (man_json);
  return 0;
}
