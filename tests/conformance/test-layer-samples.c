/* Conformance: the whiteout samples of go-containerregistry and the
 * containers/image docker-archive fixture, applied layer by layer, give the
 * trees the upstream tests expect (see ../shared/corpora/ggcr-testdata/SOURCE.md).
 * Skips when the corpora are absent. */
#include "config.h"

#include <json-c/json.h>

#include "core/layer/applier.h"
#include "tests/unit/test-layer-util.h"

#include "tests/conformance/corpus.h"

static char *dir;

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Layers say 0:0; only root can keep that. */
static char *
owner (void)
{
  if (geteuid () == 0)
    return kn_xstrdup ("uid=0 gid=0");
  return kn_xasprintf ("uid=%u gid=%u", (unsigned) geteuid (), (unsigned) getegid ());
}

/* The scratch directory is made only once a test knows it will run: a
 * skipped test does not reach the fini hook. */
static void
need_dir (void)
{
  if (dir == NULL)
    dir = tl_mkdtemp ();
}

static void
teardown (void)
{
  if (dir)
    tl_rm_rf (dir);
  free (dir);
  dir = NULL;
}

TestSuite (layer_samples, .fini = teardown);

static void
apply_file (const char *path, const char *root, const char *name)
{
  int fd = open (path, O_RDONLY);
  cr_assert_geq (fd, 0, "open %s", path);
  struct kn_reader *r = kn_reader_new_fd (fd);
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  o.name = name;
  struct kn_error *err = NULL;
  int ret = kn_layer_apply (root, r, &o, NULL, &err);
  cr_assert_eq (ret, 0, "%s: %s", name, err ? err->msg : "");
  kn_reader_free (r);
  close (fd);
}

/* Unpack the docker-save tarball REL of corpus CORPUS, apply its layers in
 * manifest order onto a new root; returns the root (malloc'd).  Skips the
 * test when the corpus is absent. */
static char *
flatten (const char *corpus, const char *rel)
{
  char *save = corpus_require (corpus, rel);
  need_dir ();
  char *outer = kn_xasprintf ("%s/outer", dir);
  char *root = kn_xasprintf ("%s/root", dir);
  cr_assert_eq (mkdir (outer, 0755), 0);
  cr_assert_eq (mkdir (root, 0755), 0);
  apply_file (save, outer, rel);
  char *mpath = kn_xasprintf ("%s/manifest.json", outer);
  json_object *m = json_object_from_file (mpath);
  cr_assert_not_null (m, "%s: manifest.json", rel);
  json_object *img = json_object_array_get_idx (m, 0), *layers = NULL;
  cr_assert (json_object_object_get_ex (img, "Layers", &layers));
  size_t n = json_object_array_length (layers);
  cr_assert_gt (n, 0);
  for (size_t i = 0; i < n; i++)
    {
      const char *l = json_object_get_string (json_object_array_get_idx (layers, i));
      char *lp = kn_xasprintf ("%s/%s", outer, l);
      char *name = kn_xasprintf ("%s:%s", rel, l);
      apply_file (lp, root, name);
      free (lp);
      free (name);
    }
  json_object_put (m);
  free (mpath);
  free (outer);
  free (save);
  return root;
}

Test (layer_samples, ggcr_whiteout_image)
{
  char *root = flatten ("ggcr-testdata", "pkg/v1/mutate/testdata/whiteout_image.tar");
  cr_assert (tl_exists (root, "bar.txt"));
  cr_assert_not (tl_exists (root, "foo.txt"), "the whiteout removed foo.txt");
  cr_assert_not (tl_exists (root, ".wh.foo.txt"), "whiteouts are not extracted");
  free (root);
}

Test (layer_samples, ggcr_whiteout_dir)
{
  char *root = flatten ("ggcr-testdata", "pkg/v1/mutate/testdata/whiteout_dir.tar");
  cr_assert (tl_exists (root, "a/baz"));
  cr_assert (tl_exists (root, "b/bar"));
  cr_assert_not (tl_exists (root, "a/foo"));
  cr_assert_not (tl_exists (root, ".wh.a"));
  char *fp = tl_fingerprint (root, 0);
  char *o = owner ();
  char *want = kn_xasprintf ("a mode=40755 %s size=0 \n"
                             "a/baz mode=100644 %s size=0 " EMPTY "\n"
                             "b mode=40755 %s size=0 \n"
                             "b/bar mode=100644 %s size=0 " EMPTY "\n",
                             o, o, o, o);
  cr_assert_str_eq (fp, want);
  free (want);
  free (o);
  free (fp);
  free (root);
}

Test (layer_samples, ggcr_overwritten_file)
{
  char *root = flatten ("ggcr-testdata", "pkg/v1/mutate/testdata/overwritten_file.tar");
  char *p = kn_xasprintf ("%s/foo.txt", root);
  struct stat st;
  cr_assert_eq (lstat (p, &st), 0);
  cr_assert (S_ISLNK (st.st_mode), "foo.txt became a symlink");
  char target[64] = "";
  cr_assert_gt (readlink (p, target, sizeof target - 1), 0);
  cr_assert_str_eq (target, "bar.txt");
  char *c = tl_read_file (root, "foo.txt");
  cr_assert_str_eq (c, "bar\n", "the old content \"foo\" is gone");
  free (c);
  free (p);
  free (root);
}

Test (layer_samples, containers_image_almostempty)
{
  char *root = flatten ("containers-image-fixtures", "docker/archive/fixtures/almostempty.tar");
  char *fp = tl_fingerprint (root, 0);
  char *o = owner ();
  char *want = kn_xasprintf ("emptyfile mode=100664 %s size=0 " EMPTY "\n", o);
  cr_assert_str_eq (fp, want);
  free (want);
  free (o);
  free (fp);
  free (root);
}

Test (layer_samples, ggcr_crane_content_plain_and_zstd)
{
  char *zst = corpus_require ("ggcr-testdata", "pkg/crane/testdata/content.tar.zst");
  char *plain = corpus_find ("ggcr-testdata", "pkg/crane/testdata/content.tar", NULL);
  cr_assert_not_null (plain, "the corpus has content.tar.zst but not content.tar");
  need_dir ();
  char *r1 = kn_xasprintf ("%s/r1", dir), *r2 = kn_xasprintf ("%s/r2", dir);
  cr_assert_eq (mkdir (r1, 0755), 0);
  cr_assert_eq (mkdir (r2, 0755), 0);
  apply_file (plain, r1, "content.tar");
  apply_file (zst, r2, "content.tar.zst");
  char *f1 = tl_fingerprint (r1, 1), *f2 = tl_fingerprint (r2, 1);
  cr_assert_str_eq (f1, f2);
  cr_assert_not_null (strstr (f1, "bat mode=100555"), "%s", f1);
  cr_assert_not_null (strstr (f1, "baz mode=100555"), "%s", f1);
  free (f1);
  free (f2);
  free (r1);
  free (r2);
  free (plain);
  free (zst);
}

/* TestExtractOpaqueWhiteout (Go-built upstream): lower {d/a.txt, d/b.txt},
 * upper {d/c.txt, d/.wh..wh..opq} -> only d/c.txt; the marker may come
 * before or after the new entries. */
static void
opaque_case (int marker_first)
{
  need_dir ();
  char *root = kn_xasprintf ("%s/root", dir), *tar = kn_xasprintf ("%s/l.tar", dir);
  tl_rm_rf (root);
  cr_assert_eq (mkdir (root, 0755), 0);
  struct archive *a = tb_open (tar);
  tb_dir (a, "d");
  tb_file (a, "d/a.txt", "a");
  tb_file (a, "d/b.txt", "b");
  tb_close (a);
  apply_file (tar, root, "lower");
  a = tb_open (tar);
  tb_dir (a, "d");
  if (marker_first)
    tb_file (a, "d/.wh..wh..opq", "");
  tb_file (a, "d/c.txt", "c");
  if (!marker_first)
    tb_file (a, "d/.wh..wh..opq", "");
  tb_close (a);
  apply_file (tar, root, "upper");
  char *fp = tl_fingerprint (root, 0);
  cr_assert_not_null (strstr (fp, "d/c.txt "), "%s", fp);
  cr_assert_null (strstr (fp, "d/a.txt"), "%s", fp);
  cr_assert_null (strstr (fp, "d/b.txt"), "%s", fp);
  cr_assert_null (strstr (fp, ".wh."), "%s", fp);
  free (fp);
  free (root);
  free (tar);
}

Test (layer_samples, opaque_whiteout)
{
  opaque_case (1);
  opaque_case (0);
}
