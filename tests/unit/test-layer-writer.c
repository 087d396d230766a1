/* Layer writer: change sets, entry order, whiteouts, hardlinks, xattrs,
 * determinism and mtime clamping, one-pass digests through a compressor. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include "core/layer/changeset.h"
#include "core/layer/store.h"
#include "core/layer/writer.h"
#include "test-layer-util.h"

#define EMPTY_TAR_DIGEST "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static char *dir, *root, *storedir;
static struct kn_store *store;

static void
setup (void)
{
  dir = tl_mkdtemp ();
  root = kn_xasprintf ("%s/root", dir);
  storedir = kn_xasprintf ("%s/store", dir);
  cr_assert_eq (mkdir (root, 0755), 0);
  cr_assert_eq (kn_store_open (&store, storedir, NULL), 0);
}

static void
teardown (void)
{
  kn_store_free (store);
  tl_rm_rf (dir);
  free (dir);
  free (root);
  free (storedir);
}

TestSuite (layer_writer, .init = setup, .fini = teardown);

/* "name type [-> link] [size] [xattrs]" per entry, in tar order. */
static char *
list_blob (const char *digest, int details)
{
  char *path = kn_store_path (store, digest);
  struct archive *a = archive_read_new ();
  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_empty (a);
  cr_assert_eq (archive_read_open_filename (a, path, 65536), ARCHIVE_OK, "%s", archive_error_string (a));
  struct tl_fp out = { 0 };
  struct archive_entry *e;
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      char line[8192];
      int n = snprintf (line, sizeof line, "%s", archive_entry_pathname (e));
      if (details)
        {
          n += snprintf (line + n, sizeof line - (size_t) n, " %o", (unsigned) archive_entry_mode (e));
          if (archive_entry_hardlink (e))
            n += snprintf (line + n, sizeof line - (size_t) n, " link=%s", archive_entry_hardlink (e));
          if (archive_entry_symlink (e))
            n += snprintf (line + n, sizeof line - (size_t) n, " sym=%s", archive_entry_symlink (e));
          n += snprintf (line + n, sizeof line - (size_t) n, " size=%lld mtime=%lld",
                         (long long) archive_entry_size (e), (long long) archive_entry_mtime (e));
          if ((archive_entry_uname (e) && *archive_entry_uname (e)) || (archive_entry_gname (e) && *archive_entry_gname (e)))
            n += snprintf (line + n, sizeof line - (size_t) n, " UNAME");
          if (archive_entry_atime_is_set (e) || archive_entry_ctime_is_set (e))
            n += snprintf (line + n, sizeof line - (size_t) n, " ATIME");
          const char *xn;
          const void *xv;
          size_t xs;
          archive_entry_xattr_reset (e);
          while (archive_entry_xattr_next (e, &xn, &xv, &xs) == ARCHIVE_OK)
            n += snprintf (line + n, sizeof line - (size_t) n, " x:%s=%.*s", xn, (int) xs, (const char *) xv);
        }
      tl_fp_add (&out, line);
    }
  archive_read_free (a);
  free (path);
  return out.buf ? out.buf : kn_xstrdup ("");
}

static void
build_tree (void)
{
  tl_mkdir (root, "a");
  tl_mkdir (root, "a/b");
  tl_write_file (root, "a/b/c.txt", "ccc");
  tl_write_file (root, "a/file", "file");
  tl_mkdir (root, "a-b");
  tl_write_file (root, "a-b/x", "x");
  tl_write_file (root, "top", "top");
  char *p = kn_xasprintf ("%s/a/file", root), *q = kn_xasprintf ("%s/hard", root);
  cr_assert_eq (link (p, q), 0);
  free (p);
  free (q);
  p = kn_xasprintf ("%s/sym", root);
  cr_assert_eq (symlink ("a/b/c.txt", p), 0);
  free (p);
  p = kn_xasprintf ("%s/fifo", root);
  cr_assert_eq (mkfifo (p, 0644), 0);
  free (p);
  p = kn_xasprintf ("%s/top", root);
  cr_assert_eq (setxattr (p, "user.kn", "v1", 2, 0), 0);
  free (p);
  if (geteuid () == 0)
    {
      p = kn_xasprintf ("%s/null", root);
      cr_assert_eq (mknod (p, S_IFCHR | 0666, makedev (1, 3)), 0);
      free (p);
    }
  /* a socket: skipped */
  int sfd = socket (AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s/sock", root);
  if (strlen (root) + 6 < sizeof sa.sun_path)
    cr_assert_eq (bind (sfd, (struct sockaddr *) &sa, sizeof sa), 0);
  close (sfd);
}

static void
set_mtimes (time_t t)
{
  const char *paths[] = { "", "a", "a/b", "a/b/c.txt", "a/file", "a-b", "a-b/x", "top", "fifo", NULL };
  for (int i = 0; paths[i]; i++)
    {
      char *p = kn_xasprintf ("%s/%s", root, paths[i]);
      struct timespec ts[2] = { { t, 123 }, { t, 456 } };
      cr_assert_eq (utimensat (AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0, "%s", p);
      free (p);
    }
}

Test (layer_writer, empty_changeset_is_the_empty_tar)
{
  struct kn_changeset *cs = kn_changeset_new ();
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write (store, root, cs, NULL, &info, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (info.diff_id, EMPTY_TAR_DIGEST);
  cr_assert_str_eq (info.digest, EMPTY_TAR_DIGEST);
  cr_assert_eq (info.size, 1024);
  cr_assert_eq (info.entries, 0);
  cr_assert (kn_store_has (store, EMPTY_TAR_DIGEST));
  kn_changeset_free (cs);
}

Test (layer_writer, full_tree_order_and_types)
{
  build_tree ();
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.reproducible = 1;
  o.epoch = 1000;
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, root, &o, &info, &err), 0, "%s", err ? err->msg : "");
  char *names = list_blob (info.digest, 0);
  const char *expect_root = "a/\na/b/\na/b/c.txt\na/file\na-b/\na-b/x\nfifo\nhard\nnull\nsym\ntop\n";
  const char *expect_user = "a/\na/b/\na/b/c.txt\na/file\na-b/\na-b/x\nfifo\nhard\nsym\ntop\n";
  cr_assert_str_eq (names, geteuid () == 0 ? expect_root : expect_user);
  free (names);
  char *details = list_blob (info.digest, 1);
  cr_assert_not_null (strstr (details, "hard 644 link=a/file size=0 mtime=1000\n"), "%s", details);
  cr_assert_not_null (strstr (details, "sym 120777 sym=a/b/c.txt size=0 mtime=1000\n"), "%s", details);
  cr_assert_not_null (strstr (details, "top 100644 size=3 mtime=1000 x:user.kn=v1\n"), "%s", details);
  cr_assert_not_null (strstr (details, "fifo 10644 size=0"), "%s", details);
  cr_assert_null (strstr (details, "UNAME"), "%s", details);
  cr_assert_null (strstr (details, "ATIME"), "%s", details);
  free (details);
  cr_assert_eq (info.entries, geteuid () == 0 ? 11 : 10);
}

Test (layer_writer, reproducible_and_clamped)
{
  build_tree ();
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.reproducible = 1;
  o.epoch = 1700000000;
  struct kn_layer_info i1, i2, i3, i4;
  struct kn_error *err = NULL;
  set_mtimes (1700000500);
  cr_assert_eq (kn_layer_write_full (store, root, &o, &i1, &err), 0);
  set_mtimes (1800000000);
  cr_assert_eq (kn_layer_write_full (store, root, &o, &i2, &err), 0);
  cr_assert_str_eq (i1.diff_id, i2.diff_id, "mtimes after the epoch are clamped");
  cr_assert_str_eq (i1.digest, i2.digest);
  char *details = list_blob (i1.digest, 1);
  cr_assert_not_null (strstr (details, "a/b/c.txt 100644 size=3 mtime=1700000000\n"), "%s", details);
  free (details);
  /* Older mtimes are kept, so they change the layer. */
  set_mtimes (1600000000);
  cr_assert_eq (kn_layer_write_full (store, root, &o, &i3, &err), 0);
  cr_assert_str_neq (i3.diff_id, i1.diff_id);
  /* Without reproducible mode the mtimes show (to the second). */
  struct kn_layer_write_opts plain = KN_LAYER_WRITE_OPTS_INIT;
  set_mtimes (1800000000);
  cr_assert_eq (kn_layer_write_full (store, root, &plain, &i4, &err), 0);
  cr_assert_str_neq (i4.diff_id, i1.diff_id);
  details = list_blob (i4.digest, 1);
  cr_assert_not_null (strstr (details, "a/b/c.txt 100644 size=3 mtime=1800000000\n"), "%s", details);
  free (details);
  /* Same tree, same options: same digests. */
  struct kn_layer_info i5;
  cr_assert_eq (kn_layer_write_full (store, root, &plain, &i5, &err), 0);
  cr_assert_str_eq (i4.digest, i5.digest);
}

Test (layer_writer, compressed_one_pass)
{
  build_tree ();
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.reproducible = 1;
  o.compressor = &tl_gzip;
  struct kn_layer_info gz, plain;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, root, &o, &gz, &err), 0, "%s", err ? err->msg : "");
  o.compressor = NULL;
  cr_assert_eq (kn_layer_write_full (store, root, &o, &plain, &err), 0);
  cr_assert_str_eq (gz.diff_id, plain.diff_id);
  cr_assert_str_eq (plain.digest, plain.diff_id);
  cr_assert_str_neq (gz.digest, gz.diff_id);
  cr_assert_eq (gz.tar_size, plain.size);
  /* The stored blob is gzip whose content hashes to diff_id. */
  char *path = kn_store_path (store, gz.digest);
  gzFile f = gzopen (path, "rb");
  cr_assert_not_null (f);
  struct kn_hasher *h = kn_hasher_new ();
  char buf[8192];
  int n;
  while ((n = gzread (f, buf, sizeof buf)) > 0)
    kn_hasher_update (h, buf, (size_t) n);
  gzclose (f);
  char d[KN_DIGEST_STR_LEN];
  kn_hasher_finish (h, d);
  cr_assert_str_eq (d, gz.diff_id);
  struct stat st;
  cr_assert_eq (stat (path, &st), 0);
  cr_assert_eq ((uint64_t) st.st_size, gz.size);
  free (path);
}

Test (layer_writer, changeset_parents_whiteouts_opaque)
{
  build_tree ();
  tl_mkdir (root, "opq");
  tl_write_file (root, "opq/new", "n");
  struct kn_changeset *cs = kn_changeset_new ();
  kn_changeset_add (cs, "/a/b/c.txt", KN_CHANGE_ADD);
  kn_changeset_add (cs, "gone/deep", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "a-b/old", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "opq", KN_CHANGE_OPAQUE);
  kn_changeset_add (cs, "opq/new", KN_CHANGE_ADD);
  kn_changeset_add (cs, "top", KN_CHANGE_ADD);
  kn_changeset_add (cs, "top", KN_CHANGE_ADD);
  kn_changeset_add (cs, "vanished", KN_CHANGE_ADD);
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  cr_assert_eq (kn_layer_write (store, root, cs, &o, &info, &err), 0, "%s", err ? err->msg : "");
  char *names = list_blob (info.digest, 0);
  cr_assert_str_eq (names, "a/\na/b/\na/b/c.txt\na-b/\na-b/.wh.old\ngone/.wh.deep\nopq/\nopq/.wh..wh..opq\nopq/new\ntop\n");
  free (names);
  char *details = list_blob (info.digest, 1);
  cr_assert_not_null (strstr (details, "a-b/.wh.old 100000 size=0 mtime=0\n"), "%s", details);
  free (details);
  kn_changeset_free (cs);
}

Test (layer_writer, symlinked_parent_is_not_followed)
{
  char *outside = kn_xasprintf ("%s/outside", dir);
  cr_assert_eq (mkdir (outside, 0755), 0);
  tl_write_file (outside, "secret", "host data");
  char *p = kn_xasprintf ("%s/link", root);
  cr_assert_eq (symlink (outside, p), 0);
  free (p);
  struct kn_changeset *cs = kn_changeset_new ();
  kn_changeset_add (cs, "link/secret", KN_CHANGE_ADD);
  kn_changeset_add (cs, "link", KN_CHANGE_ADD);
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write (store, root, cs, NULL, &info, &err), 0, "%s", err ? err->msg : "");
  char *names = list_blob (info.digest, 0);
  cr_assert_str_eq (names, "link\n");
  free (names);
  kn_changeset_free (cs);
  free (outside);
}

Test (layer_writer, ignore_list)
{
  build_tree ();
  const char *ignore[] = { "a/b", "/top", NULL };
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.ignore = ignore;
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, root, &o, &info, &err), 0);
  char *names = list_blob (info.digest, 0);
  cr_assert_null (strstr (names, "a/b/"), "%s", names);
  cr_assert_null (strstr (names, "top"), "%s", names);
  cr_assert_not_null (strstr (names, "a/file\n"), "%s", names);
  free (names);
}

Test (changeset, sort_dedupe_normalise)
{
  struct kn_changeset *cs = kn_changeset_new ();
  kn_changeset_add (cs, "b/x", KN_CHANGE_ADD);
  kn_changeset_add (cs, "/a-b", KN_CHANGE_ADD);
  kn_changeset_add (cs, "./a//c/", KN_CHANGE_ADD);
  kn_changeset_add (cs, "a", KN_CHANGE_ADD);
  kn_changeset_add (cs, "b", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "b/y", KN_CHANGE_ADD);
  kn_changeset_add (cs, "d", KN_CHANGE_OPAQUE);
  kn_changeset_add (cs, "d", KN_CHANGE_ADD);
  kn_changeset_add (cs, "e", KN_CHANGE_ADD);
  kn_changeset_add (cs, "e", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "f", KN_CHANGE_DELETE);
  kn_changeset_add (cs, "f", KN_CHANGE_ADD);
  kn_changeset_add (cs, "../escape", KN_CHANGE_ADD);
  kn_changeset_add (cs, "/", KN_CHANGE_ADD);
  kn_changeset_add (cs, "x/../a", KN_CHANGE_ADD);
  const char *want[][2] = { { "a", "A" }, { "a/c", "A" }, { "a-b", "A" }, { "b", "D" },
                            { "d", "O" }, { "e", "D" },   { "f", "A" } };
  cr_assert_eq (kn_changeset_count (cs), 7);
  for (size_t i = 0; i < 7; i++)
    {
      enum kn_change_kind k;
      const char *p = kn_changeset_get (cs, i, &k);
      cr_assert_str_eq (p, want[i][0]);
      const char *ks = k == KN_CHANGE_ADD ? "A" : k == KN_CHANGE_DELETE ? "D" : "O";
      cr_assert_str_eq (ks, want[i][1], "%s", p);
    }
  cr_assert_null (kn_changeset_get (cs, 7, NULL));
  kn_changeset_free (cs);
  cr_assert_lt (kn_layer_path_cmp ("a/b", "a-b"), 0);
  cr_assert_lt (kn_layer_path_cmp ("a", "a/b"), 0);
  cr_assert_gt (kn_layer_path_cmp ("b", "a/z"), 0);
}

/* security.capability and user xattrs travel as SCHILY.xattr records only,
 * and survive a round trip through the applier. */
Test (layer_writer, xattrs_as_schily_records)
{
  tl_write_file (root, "ping", "binary");
  char *p = kn_xasprintf ("%s/ping", root);
  cr_assert_eq (setxattr (p, "user.kn", "v1", 2, 0), 0);
  /* vfs_cap_data revision 2, effective, CAP_NET_RAW (13) permitted */
  unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00 };
  int have_cap = geteuid () == 0 && setxattr (p, "security.capability", cap, sizeof cap, 0) == 0;
  free (p);
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, root, NULL, &info, &err), 0);
  char *path = kn_store_path (store, info.digest);
  FILE *f = fopen (path, "rb");
  cr_assert_not_null (f);
  static char raw[1 << 16];
  size_t n = fread (raw, 1, sizeof raw, f);
  fclose (f);
  free (path);
  cr_assert_not_null (memmem (raw, n, "SCHILY.xattr.user.kn=v1", 23));
  cr_assert_null (memmem (raw, n, "LIBARCHIVE.xattr", 16), "only SCHILY records");
  if (have_cap)
    cr_assert_not_null (memmem (raw, n, "SCHILY.xattr.security.capability=", 33));
  cr_assert_null (memmem (raw, n, "atime", 5));
  cr_assert_null (memmem (raw, n, "ctime", 5));
}
