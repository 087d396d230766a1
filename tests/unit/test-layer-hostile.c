/* Hostile layers built by the test: path traversal, absolute names, symlink
 * escapes, symlinked parents, hardlinks out of the root, device nodes and a
 * truncated "tar bomb".  Each runs with openat2 and with the portable walk;
 * a sentinel tree next to the root must be byte-for-byte unchanged. */
#include "config.h"

#include "core/layer/applier.h"
#include "core/layer/resolve.h"
#include "test-layer-util.h"

static char *dir, *root, *outside, *tar;
static char *before;

static void
setup (void)
{
  dir = tl_mkdtemp ();
  root = kn_xasprintf ("%s/root", dir);
  outside = kn_xasprintf ("%s/outside", dir);
  tar = kn_xasprintf ("%s/layer.tar", dir);
  cr_assert_eq (mkdir (outside, 0755), 0);
  tl_write_file (outside, "sentinel", "keep me");
  tl_mkdir (outside, "sub");
  tl_write_file (outside, "sub/file", "keep me too");
  before = tl_fingerprint (outside, 1);
}

static void
teardown (void)
{
  kn_resolve_force_walk (0);
  tl_rm_rf (dir);
  free (dir);
  free (root);
  free (outside);
  free (tar);
  free (before);
}

TestSuite (hostile, .init = setup, .fini = teardown);

typedef void (*build_fn) (struct archive *a);

/* Apply the layer BUILD makes onto a fresh root, in both resolution modes;
 * check the result code and that nothing outside the root changed. */
static void
run_case (const char *name, build_fn build, int want, const char *must_exist, int no_devices)
{
  struct archive *a = tb_open (tar);
  build (a);
  tb_close (a);
  for (int walk = 0; walk < 2; walk++)
    {
      kn_resolve_force_walk (walk);
      tl_rm_rf (root);
      cr_assert_eq (mkdir (root, 0755), 0);
      int fd = open (tar, O_RDONLY);
      cr_assert_geq (fd, 0);
      struct kn_reader *r = kn_reader_new_fd (fd);
      struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
      o.name = name;
      o.no_devices = no_devices;
      struct kn_error *err = NULL;
      int ret = kn_layer_apply (root, r, &o, NULL, &err);
      kn_reader_free (r);
      close (fd);
      cr_assert_eq (ret, want, "%s (walk=%d): got %d (%s)", name, walk, ret, err ? err->msg : "no error");
      if (err)
        cr_assert_not_null (strstr (err->msg, name), "the message names the layer: %s", err->msg);
      kn_error_free (err);
      char *after = tl_fingerprint (outside, 1);
      cr_assert_str_eq (after, before, "%s (walk=%d) changed the outside tree", name, walk);
      free (after);
      /* nothing new next to the root either */
      DIR *d = opendir (dir);
      struct dirent *de;
      while ((de = readdir (d)))
        cr_assert (de->d_name[0] == '.' || strcmp (de->d_name, "root") == 0 || strcmp (de->d_name, "outside") == 0
                       || strcmp (de->d_name, "layer.tar") == 0,
                   "%s: unexpected %s next to the root", name, de->d_name);
      closedir (d);
      if (must_exist)
        cr_assert (tl_exists (root, must_exist), "%s (walk=%d): %s not in the root", name, walk, must_exist);
    }
}

static void
b_dotdot (struct archive *a)
{
  tb_file (a, "../outside/pwned", "x");
}

static void
b_dotdot_nested (struct archive *a)
{
  tb_dir (a, "a");
  tb_file (a, "a/../../outside/sentinel", "x");
}

static void
b_dotdot_whiteout (struct archive *a)
{
  tb_file (a, "../outside/.wh.sentinel", "");
}

static void
b_absolute (struct archive *a)
{
  char *n = kn_xasprintf ("%s/pwned", outside);
  tb_file (a, n, "x");
  free (n);
  n = kn_xasprintf ("%s/sentinel", outside);
  tb_file (a, n, "overwritten?");
  free (n);
}

static void
b_symlink_rel (struct archive *a)
{
  tb_symlink (a, "esc", "../../../../../../outside");
  tb_file (a, "esc/pwned", "x");
  tb_file (a, "esc/sentinel", "overwritten?");
}

static void
b_symlink_abs (struct archive *a)
{
  tb_symlink (a, "esc", outside);
  tb_file (a, "esc/pwned", "x");
  tb_file (a, "esc/sub/file", "overwritten?");
}

static void
b_symlink_root_parent (struct archive *a)
{
  tb_symlink (a, "d", "/");
  tb_symlink (a, "up", "..");
  tb_file (a, "d/etc/x", "x");
  tb_file (a, "up/up/y", "y");
}

static void
b_symlink_chain (struct archive *a)
{
  tb_symlink (a, "l1", "l2");
  tb_symlink (a, "l2", "sub/../../../..");
  tb_file (a, "l1/pwned", "x");
}

static void
b_hardlink_dotdot (struct archive *a)
{
  tb_hardlink (a, "h", "../outside/sentinel");
}

static void
b_hardlink_abs (struct archive *a)
{
  char *t = kn_xasprintf ("%s/sentinel", outside);
  tb_hardlink (a, "h", t);
  free (t);
}

static void
b_hardlink_etc_passwd (struct archive *a)
{
  tb_hardlink (a, "h", "/etc/passwd");
}

static void
b_hardlink_via_symlink (struct archive *a)
{
  tb_symlink (a, "s", outside);
  tb_hardlink (a, "h", "s/sentinel");
}

static void
b_overwrite_final_symlink (struct archive *a)
{
  char *t = kn_xasprintf ("%s/sentinel", outside);
  tb_symlink (a, "lnk", t);
  free (t);
  tb_file (a, "lnk", "pwned");
}

static void
b_hardlink_to_symlink (struct archive *a)
{
  char *t = kn_xasprintf ("%s/sentinel", outside);
  tb_symlink (a, "s", t);
  free (t);
  tb_hardlink (a, "h", "s");
  tb_file (a, "h", "pwned");
}

static void
b_whiteout_through_symlink (struct archive *a)
{
  tb_symlink (a, "s", outside);
  tb_file (a, "s/.wh.sentinel", "");
  tb_file (a, "s/.wh.sub", "");
}

static void
b_opaque_through_symlink (struct archive *a)
{
  tb_symlink (a, "s", outside);
  tb_file (a, "s/.wh..wh..opq", "");
}

static void
b_dir_replaces_symlink (struct archive *a)
{
  tb_symlink (a, "s", outside);
  tb_dir (a, "s");
  tb_file (a, "s/sentinel", "x");
}

static void
b_device (struct archive *a)
{
  tb_entry (a, "dev/null", AE_IFCHR, 0666, NULL, NULL, NULL);
  tb_file (a, "after", "x");
}

static void
b_whiteout_dotdot_name (struct archive *a)
{
  tb_dir (a, "a");
  tb_file (a, "a/keep", "k");
  tb_file (a, "a/.wh..", "");
}

static void
b_whiteout_empty_name (struct archive *a)
{
  tb_file (a, ".wh.", "");
}

static void
b_hardlink_to_dir (struct archive *a)
{
  tb_dir (a, "d");
  tb_hardlink (a, "h", "d");
}

Test (hostile, whiteout_of_dotdot)
{
  run_case ("hostile-wh-dotdot", b_whiteout_dotdot_name, -KN_EINVAL, "a/keep", 0);
}

Test (hostile, whiteout_of_nothing)
{
  run_case ("hostile-wh-empty", b_whiteout_empty_name, -KN_EINVAL, NULL, 0);
}

Test (hostile, hardlink_to_directory)
{
  run_case ("hostile-hardlink-dir", b_hardlink_to_dir, -KN_EPERM, "d", 0);
}

Test (hostile, dotdot)
{
  run_case ("hostile-dotdot", b_dotdot, -KN_EPERM, NULL, 0);
}

Test (hostile, dotdot_nested)
{
  run_case ("hostile-dotdot-nested", b_dotdot_nested, -KN_EPERM, NULL, 0);
}

Test (hostile, dotdot_whiteout)
{
  run_case ("hostile-dotdot-whiteout", b_dotdot_whiteout, -KN_EPERM, NULL, 0);
}

Test (hostile, absolute_names_stay_inside)
{
  char *in = kn_xasprintf ("%s/pwned", outside + 1);
  run_case ("hostile-absolute", b_absolute, 0, in, 0);
  free (in);
}

Test (hostile, relative_symlink_escape)
{
  run_case ("hostile-symlink-rel", b_symlink_rel, 0, "outside/pwned", 0);
}

Test (hostile, absolute_symlink_escape)
{
  char *in = kn_xasprintf ("%s/pwned", outside + 1);
  run_case ("hostile-symlink-abs", b_symlink_abs, 0, in, 0);
  free (in);
}

Test (hostile, symlinked_parent_is_rooted)
{
  run_case ("hostile-symlink-root", b_symlink_root_parent, 0, "etc/x", 0);
  cr_assert (tl_exists (root, "y"));
}

Test (hostile, symlink_chain)
{
  run_case ("hostile-symlink-chain", b_symlink_chain, 0, "pwned", 0);
}

Test (hostile, hardlink_dotdot)
{
  run_case ("hostile-hardlink-dotdot", b_hardlink_dotdot, -KN_EPERM, NULL, 0);
}

Test (hostile, hardlink_absolute_outside)
{
  run_case ("hostile-hardlink-abs", b_hardlink_abs, -KN_EPERM, NULL, 0);
}

Test (hostile, hardlink_etc_passwd)
{
  run_case ("hostile-hardlink-passwd", b_hardlink_etc_passwd, -KN_EPERM, NULL, 0);
}

Test (hostile, hardlink_via_symlink)
{
  run_case ("hostile-hardlink-symlink", b_hardlink_via_symlink, -KN_EPERM, NULL, 0);
}

Test (hostile, file_replaces_final_symlink)
{
  run_case ("hostile-final-symlink", b_overwrite_final_symlink, 0, "lnk", 0);
  char *c = tl_read_file (root, "lnk");
  cr_assert_str_eq (c, "pwned");
  free (c);
}

Test (hostile, hardlink_to_symlink)
{
  run_case ("hostile-hardlink-to-symlink", b_hardlink_to_symlink, 0, "h", 0);
}

Test (hostile, whiteout_through_symlink)
{
  run_case ("hostile-whiteout-symlink", b_whiteout_through_symlink, 0, "s", 0);
}

Test (hostile, opaque_through_symlink)
{
  run_case ("hostile-opaque-symlink", b_opaque_through_symlink, 0, NULL, 0);
}

Test (hostile, dir_replaces_symlink)
{
  run_case ("hostile-dir-symlink", b_dir_replaces_symlink, 0, "s/sentinel", 0);
  struct stat st;
  char *p = kn_xasprintf ("%s/s", root);
  cr_assert_eq (lstat (p, &st), 0);
  cr_assert (S_ISDIR (st.st_mode));
  free (p);
}

Test (hostile, device_nodes_not_permitted)
{
  run_case ("hostile-device", b_device, 0, "after", 1);
  cr_assert_not (tl_exists (root, "dev/null"));
}

/* A ustar entry claiming 8 GiB with 4 KiB of data behind it. */
Test (hostile, truncated_tar_bomb)
{
  struct archive *a = archive_write_new ();
  archive_write_set_format_ustar (a);
  cr_assert_eq (archive_write_open_filename (a, tar), ARCHIVE_OK);
  char data[5000];
  memset (data, 'A', sizeof data);
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, "bomb");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, sizeof data);
  cr_assert_eq (archive_write_header (a, e), ARCHIVE_OK);
  cr_assert_eq (archive_write_data (a, data, sizeof data), (la_ssize_t) sizeof data);
  archive_entry_free (e);
  archive_write_close (a);
  archive_write_free (a);
  /* patch the size field and the checksum, then cut the data short */
  int fd = open (tar, O_RDWR);
  unsigned char h[512];
  cr_assert_eq (pread (fd, h, 512, 0), 512);
  memcpy (h + 124, "77777777777", 12);
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += h[i];
  snprintf ((char *) h + 148, 8, "%06o", sum);
  h[155] = ' ';
  cr_assert_eq (pwrite (fd, h, 512, 0), 512);
  cr_assert_eq (ftruncate (fd, 512 + 4096), 0);
  close (fd);
  for (int walk = 0; walk < 2; walk++)
    {
      kn_resolve_force_walk (walk);
      tl_rm_rf (root);
      cr_assert_eq (mkdir (root, 0755), 0);
      fd = open (tar, O_RDONLY);
      struct kn_reader *r = kn_reader_new_fd (fd);
      struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
      o.name = "hostile-bomb";
      struct kn_error *err = NULL;
      int ret = kn_layer_apply (root, r, &o, NULL, &err);
      kn_reader_free (r);
      close (fd);
      cr_assert_eq (ret, -KN_EPROTO, "got %d (%s)", ret, err ? err->msg : "");
      cr_assert_not_null (strstr (err->msg, "hostile-bomb"), "%s", err->msg);
      cr_assert_not_null (strstr (err->msg, "bomb"), "%s", err->msg);
      kn_error_free (err);
      struct stat st;
      char *p = kn_xasprintf ("%s/bomb", root);
      if (stat (p, &st) == 0)
        cr_assert_leq (st.st_size, 4096, "no more than the data present was written");
      free (p);
      char *after = tl_fingerprint (outside, 1);
      cr_assert_str_eq (after, before);
      free (after);
    }
}
