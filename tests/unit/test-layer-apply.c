/* Layer applier: round trips through the writer (whiteouts, opaque dirs,
 * file <-> directory replacement, modes, owners, xattrs, mtimes), format
 * detection, hardlinks and device policy. */
#include "config.h"

#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "core/layer/applier.h"
#include "core/layer/changeset.h"
#include "core/layer/resolve.h"
#include "core/layer/store.h"
#include "core/layer/writer.h"
#include "test-layer-util.h"

static char *dir, *src, *dst, *storedir;
static struct kn_store *store;

static void
setup (void)
{
  dir = tl_mkdtemp ();
  src = kn_xasprintf ("%s/src", dir);
  dst = kn_xasprintf ("%s/dst", dir);
  storedir = kn_xasprintf ("%s/store", dir);
  cr_assert_eq (mkdir (src, 0755), 0);
  cr_assert_eq (mkdir (dst, 0755), 0);
  cr_assert_eq (kn_store_open (&store, storedir, NULL), 0);
}

static void
teardown (void)
{
  kn_resolve_force_walk (0);
  kn_store_free (store);
  tl_rm_rf (dir);
  free (dir);
  free (src);
  free (dst);
  free (storedir);
}

TestSuite (layer_apply, .init = setup, .fini = teardown);


static void
apply_digest (const char *digest)
{
  struct kn_error *err = NULL;
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  int ret = kn_layer_apply_blob (store, digest, dst, &o, NULL, &err);
  cr_assert_eq (ret, 0, "%s", err ? err->msg : "");
}

static void
round_trip (const struct kn_compressor *comp)
{
  tl_sh ("cd %s && mkdir -p a/b opq a-b sticky && echo ccc > a/b/c.txt && echo f > a/file && ln a/file hard"
      " && ln -s a/b/c.txt sym && ln -s /abs/target abs && echo x > a-b/x && echo top > top && mkfifo fifo"
      " && echo o1 > opq/o1 && echo o2 > opq/o2 && echo s > suid && chmod 4755 suid && chmod 1777 sticky"
      " && chmod 0555 a/b && echo ro > ro && chmod 0400 ro",
      src);
  char *p = kn_xasprintf ("%s/a/b/c.txt", src);
  cr_assert_eq (setxattr (p, "user.kn", "val", 3, 0), 0);
  free (p);
  /* a long name (PAX path record) */
  char longname[200];
  memset (longname, 'L', 150);
  longname[150] = '\0';
  tl_sh ("cd %s && mkdir %s && echo long > %s/%s-file", src, longname, longname, longname);
  if (geteuid () == 0)
    tl_sh ("cd %s && chown 1000:2000 top && chown -h 42:43 sym && chown 7:8 a", src);

  struct kn_layer_write_opts wo = KN_LAYER_WRITE_OPTS_INIT;
  wo.compressor = comp;
  struct kn_layer_info l0, l1;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, src, &wo, &l0, &err), 0, "%s", err ? err->msg : "");
  apply_digest (l0.digest);
  char *fs = tl_fingerprint (src, 1), *fd = tl_fingerprint (dst, 1);
  cr_assert_str_eq (fd, fs);
  free (fs);
  free (fd);
  char val[16] = "";
  p = kn_xasprintf ("%s/a/b/c.txt", dst);
  cr_assert_eq (getxattr (p, "user.kn", val, sizeof val), 3);
  cr_assert_str_eq (val, "val");
  free (p);
  if (geteuid () == 0)
    {
      unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00 }, back[64];
      char *s1 = kn_xasprintf ("%s/suid2", src), *d1 = kn_xasprintf ("%s/suid2", dst);
      tl_write_file (src, "suid2", "cap");
      cr_assert_eq (setxattr (s1, "security.capability", cap, sizeof cap, 0), 0);
      struct kn_layer_info lc;
      cr_assert_eq (kn_layer_write_full (store, src, &wo, &lc, &err), 0);
      apply_digest (lc.digest);
      cr_assert_eq (getxattr (d1, "security.capability", back, sizeof back), (ssize_t) sizeof cap);
      cr_assert_eq (memcmp (back, cap, sizeof cap), 0);
      free (s1);
      free (d1);
    }

  /* The next step: delete, replace dir <-> file, opaque dir. */
  tl_sh ("cd %s && chmod 0755 a/b && rm a/file && rm -r a-b && echo now-a-file > a-b && rm top && mkdir -p top/inner"
      " && echo in > top/inner/f && rm -r opq && mkdir opq && echo o3 > opq/o3 && rm sym && mkdir sym",
      src);
  struct kn_changeset *cs = kn_changeset_new ();
  kn_changeset_add (cs, "a/b", KN_CHANGE_ADD);
  kn_changeset_add (cs, "a/file", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "a-b", KN_CHANGE_ADD);
  kn_changeset_add (cs, "top", KN_CHANGE_ADD);
  kn_changeset_add (cs, "top/inner", KN_CHANGE_ADD);
  kn_changeset_add (cs, "top/inner/f", KN_CHANGE_ADD);
  kn_changeset_add (cs, "opq", KN_CHANGE_OPAQUE);
  kn_changeset_add (cs, "opq/o3", KN_CHANGE_ADD);
  kn_changeset_add (cs, "sym", KN_CHANGE_ADD);
  cr_assert_eq (kn_layer_write (store, src, cs, &wo, &l1, &err), 0, "%s", err ? err->msg : "");
  kn_changeset_free (cs);
  apply_digest (l1.digest);
  fs = tl_fingerprint (src, 1);
  fd = tl_fingerprint (dst, 1);
  cr_assert_str_eq (fd, fs);
  free (fs);
  free (fd);
  cr_assert_not (tl_exists (dst, "opq/o1"));
  char *c = tl_read_file (dst, "hard");
  cr_assert_str_eq (c, "f\n");
  free (c);
}

Test (layer_apply, round_trip_plain)
{
  round_trip (NULL);
}

Test (layer_apply, round_trip_gzip)
{
  round_trip (&tl_gzip);
}

Test (layer_apply, round_trip_portable_walk)
{
  kn_resolve_force_walk (1);
  round_trip (NULL);
}

Test (layer_apply, zstd_detected)
{
  tl_sh ("cd %s && mkdir d && echo z > d/z && tar -cf - d | zstd -q -3 > %s/l.tar.zst", src, dir);
  char *path = kn_xasprintf ("%s/l.tar.zst", dir);
  int fd = open (path, O_RDONLY);
  cr_assert_geq (fd, 0);
  struct kn_reader *r = kn_reader_new_fd (fd);
  struct kn_error *err = NULL;
  struct kn_layer_apply_stats st;
  cr_assert_eq (kn_layer_apply (dst, r, NULL, &st, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (st.entries, 2);
  kn_reader_free (r);
  close (fd);
  free (path);
  char *c = tl_read_file (dst, "d/z");
  cr_assert_str_eq (c, "z\n");
  free (c);
}

Test (layer_apply, empty_stream_and_garbage)
{
  struct kn_error *err = NULL;
  struct kn_reader *r = kn_reader_new_mem ("", 0);
  cr_assert_eq (kn_layer_apply (dst, r, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
  kn_reader_free (r);
  static const char junk[2048] = "this is not a tar archive at all";
  r = kn_reader_new_mem (junk, sizeof junk);
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  o.name = "sha256:junk";
  cr_assert_lt (kn_layer_apply (dst, r, &o, NULL, &err), 0);
  cr_assert_not_null (strstr (err->msg, "sha256:junk"), "%s", err->msg);
  kn_error_release (&err);
  kn_reader_free (r);
}

Test (layer_apply, hardlinks_devices_and_missing_parents)
{
  char *tar = kn_xasprintf ("%s/l.tar", dir);
  struct archive *a = tb_open (tar);
  tb_file (a, "deep/er/file", "data"); /* no parent entries */
  tb_hardlink (a, "deep/link", "deep/er/file");
  tb_entry (a, "dev/null", AE_IFCHR, 0666, NULL, NULL, NULL);
  tb_file (a, "./dot/./x", "x");
  tb_close (a);
  struct kn_error *err = NULL;
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  o.no_devices = 1;
  int fd = open (tar, O_RDONLY);
  struct kn_reader *r = kn_reader_new_fd (fd);
  struct kn_layer_apply_stats st;
  cr_assert_eq (kn_layer_apply (dst, r, &o, &st, &err), 0, "%s", err ? err->msg : "");
  kn_reader_free (r);
  close (fd);
  cr_assert_eq (st.skipped, 1);
  cr_assert_not (tl_exists (dst, "dev/null"));
  struct stat s1, s2;
  char *p1 = kn_xasprintf ("%s/deep/er/file", dst), *p2 = kn_xasprintf ("%s/deep/link", dst);
  cr_assert_eq (stat (p1, &s1), 0);
  cr_assert_eq (stat (p2, &s2), 0);
  cr_assert_eq (s1.st_ino, s2.st_ino);
  free (p1);
  free (p2);
  cr_assert (tl_exists (dst, "dot/x"));
  if (geteuid () == 0)
    {
      /* As root device nodes are made. */
      o.no_devices = 0;
      fd = open (tar, O_RDONLY);
      r = kn_reader_new_fd (fd);
      cr_assert_eq (kn_layer_apply (dst, r, &o, &st, &err), 0, "%s", err ? err->msg : "");
      kn_reader_free (r);
      close (fd);
      char *p = kn_xasprintf ("%s/dev/null", dst);
      struct stat sd;
      cr_assert_eq (lstat (p, &sd), 0);
      cr_assert (S_ISCHR (sd.st_mode));
      cr_assert_eq (sd.st_rdev, makedev (1, 3));
      free (p);
    }
  free (tar);
}

/* Apply the tar file PATH onto ROOT; 0 or the negative code. */
static int
apply_path (const char *path, const char *root)
{
  struct kn_error *err = NULL;
  int fd = open (path, O_RDONLY);
  if (fd < 0)
    return -KN_EIO;
  struct kn_reader *r = kn_reader_new_fd (fd);
  int ret = kn_layer_apply (root, r, NULL, NULL, &err);
  if (ret < 0)
    fprintf (stderr, "apply: %s\n", err->msg);
  kn_error_free (err);
  kn_reader_free (r);
  close (fd);
  return ret;
}

/* Without privileges, read-only directories of a lower layer still take new
 * entries and whiteouts, and keep their mode.  As root, a child process
 * drops to nobody for the applies. */
Test (layer_apply, unprivileged_read_only_lower_dir)
{
  char *l1 = kn_xasprintf ("%s/l1.tar", dir), *l2 = kn_xasprintf ("%s/l2.tar", dir);
  struct archive *a = tb_open (l1);
  tb_entry (a, "ro", AE_IFDIR, 0555, NULL, NULL, NULL);
  tb_file (a, "ro/old", "old");
  tb_entry (a, "ro/sub", AE_IFDIR, 0555, NULL, NULL, NULL);
  tb_close (a);
  a = tb_open (l2);
  tb_file (a, "ro/.wh.old", "");
  tb_file (a, "ro/new", "new");
  tb_file (a, "ro/sub/deeper", "d");
  tb_close (a);
  if (geteuid () == 0)
    {
      cr_assert_eq (chmod (dir, 0755), 0);
      cr_assert_eq (chown (dst, 65534, 65534), 0);
    }
  pid_t pid = fork ();
  cr_assert_geq (pid, 0);
  if (pid == 0)
    {
      if (geteuid () == 0 && (setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0))
        _exit (3);
      _exit (apply_path (l1, dst) == 0 && apply_path (l2, dst) == 0 ? 0 : 1);
    }
  int status;
  waitpid (pid, &status, 0);
  cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the unprivileged applies failed");
  cr_assert_not (tl_exists (dst, "ro/old"));
  cr_assert (tl_exists (dst, "ro/new"));
  cr_assert (tl_exists (dst, "ro/sub/deeper"));
  struct stat st;
  char *p = kn_xasprintf ("%s/ro", dst);
  cr_assert_eq (stat (p, &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0555);
  free (p);
  p = kn_xasprintf ("%s/ro/sub", dst);
  cr_assert_eq (stat (p, &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0555);
  free (p);
  free (l1);
  free (l2);
}
