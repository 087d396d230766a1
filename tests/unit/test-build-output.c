/* The local outputs of a build and cancellation: a cancelled
 * kn_build_write_outputs leaves no --tar-path (nor its temporary file) and
 * removes an --oci-layout-path it created, but keeps an existing layout's
 * entries; without a cancel the same call writes both. */
#include "config.h"

#include <dirent.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/build/assemble.h"
#include "core/build/output.h"
#include "core/image/mediatype.h"
#include "core/util/cancel.h"

#include "test-layer-util.h"

static int
count_entries (const char *dir)
{
  DIR *d = opendir (dir);
  cr_assert_not_null (d, "opendir %s", dir);
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      n++;
  closedir (d);
  return n;
}

/* An image with no layer, assembled into a store under BASE. */
static struct kn_store *
image_in_store (const char *base, struct kn_bmanifest *m)
{
  struct kn_store *store = NULL;
  struct kn_error *err = NULL;
  kn_cleanup_free char *sroot = kn_xasprintf ("%s/store", base);
  cr_assert_eq (kn_store_open (&store, sroot, &err), 0, "store: %s", err ? err->msg : "?");
  struct kn_bimage img;
  memset (&img, 0, sizeof img);
  img.docker = true;
  img.c.architecture = kn_xstrdup ("amd64");
  img.c.os = kn_xstrdup ("linux");
  img.c.rootfs_type = kn_xstrdup ("layers");
  cr_assert_eq (kn_bimage_assemble (&img, store, m, &err), 0, "assemble: %s", err ? err->msg : "?");
  kn_bimage_clear (&img);
  return store;
}

Test (build_output, cancelled_leaves_no_partial_output)
{
  kn_cleanup_free char *base = tl_mkdtemp ();
  kn_cleanup_free char *outdir = kn_xasprintf ("%s/out", base);
  cr_assert_eq (mkdir (outdir, 0755), 0);
  struct kn_bmanifest m;
  struct kn_store *store = image_in_store (base, &m);
  struct kn_build_options o;
  memset (&o, 0, sizeof o);
  o.oci_layout_path = kn_xasprintf ("%s/layout", outdir);
  o.tar_path = kn_xasprintf ("%s/image.tar", outdir);
  struct kn_cancel cancel = { 0 };
  struct kn_error *err = NULL;

  kn_cancel_request (&cancel);
  int ret = kn_build_write_outputs (&o, store, &m, &cancel, &err);
  cr_assert_eq (ret, -KN_ECANCELED, "ret %d: %s", ret, err ? err->msg : "");
  cr_assert_not_null (strstr (err->msg, "cancelled"), "%s", err->msg);
  kn_error_release (&err);
  cr_assert_eq (count_entries (outdir), 0, "a cancelled write left files in %s", outdir);

  /* Not cancelled: both outputs are written. */
  struct kn_cancel fresh = { 0 };
  ret = kn_build_write_outputs (&o, store, &m, &fresh, &err);
  cr_assert_eq (ret, 0, "%s", err ? err->msg : "");
  struct stat st;
  kn_cleanup_free char *index = kn_xasprintf ("%s/index.json", o.oci_layout_path);
  cr_assert_eq (stat (index, &st), 0);
  cr_assert_eq (stat (o.tar_path, &st), 0);
  cr_assert_gt (st.st_size, 0);

  /* An existing layout is kept when a later write is cancelled. */
  cr_assert_eq (unlink (o.tar_path), 0);
  ret = kn_build_write_outputs (&o, store, &m, &cancel, &err);
  kn_error_release (&err);
  cr_assert_eq (stat (index, &st), 0, "the existing layout lost its index");
  cr_assert_eq (count_entries (outdir), 1, "only the layout remains in %s", outdir);

  free (o.oci_layout_path);
  free (o.tar_path);
  kn_bmanifest_clear (&m);
  kn_store_free (store);
  tl_rm_rf (base);
}
