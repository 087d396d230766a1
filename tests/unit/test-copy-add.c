/* ADD: local archives (auto-extracted, hostile ones refused), URLs through a
 * local python3 http.server, checksums, git URLs. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "core/util/digest.h"
#include "test-copy-util.h"

static struct tree T;

static void
setup (void)
{
  T = tree_new ();
}

static void
teardown (void)
{
  tree_free (&T);
}

TestSuite (add, .init = setup, .fini = teardown);

#define SRCS(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct tent
{
  const char *name;
  char type;        /* 'f' file, 'd' dir, 'l' symlink, 'h' hardlink */
  const char *data; /* contents or link target */
};

/* Write a tar (FILTER: "gzip", "xz", "zstd", "bzip2" or NULL) to CTX/NAME. */
static void
make_tar_at (const char *dir, const char *name, const char *filter, const struct tent *ents, size_t n)
{
  char *p = kn_xasprintf ("%s/%s", dir, name);
  struct archive *a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  if (filter && strcmp (filter, "gzip") == 0)
    archive_write_add_filter_gzip (a);
  else if (filter && strcmp (filter, "xz") == 0)
    archive_write_add_filter_xz (a);
  else if (filter && strcmp (filter, "zstd") == 0)
    archive_write_add_filter_zstd (a);
  else if (filter && strcmp (filter, "bzip2") == 0)
    archive_write_add_filter_bzip2 (a);
  cr_assert_eq (archive_write_open_filename (a, p), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      archive_entry_set_pathname (e, ents[i].name);
      archive_entry_set_mtime (e, 1234567, 0);
      archive_entry_set_uid (e, 7);
      archive_entry_set_gid (e, 8);
      switch (ents[i].type)
        {
        case 'd':
          archive_entry_set_filetype (e, AE_IFDIR);
          archive_entry_set_perm (e, 0750);
          break;
        case 'l':
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_perm (e, 0777);
          archive_entry_set_symlink (e, ents[i].data);
          break;
        case 'h':
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_perm (e, 0644);
          archive_entry_set_hardlink (e, ents[i].data);
          break;
        default:
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_perm (e, 0640);
          archive_entry_set_size (e, (la_int64_t)strlen (ents[i].data));
        }
      cr_assert_eq (archive_write_header (a, e), ARCHIVE_OK, "%s", archive_error_string (a));
      if (ents[i].type == 'f')
        archive_write_data (a, ents[i].data, strlen (ents[i].data));
      archive_entry_free (e);
    }
  archive_write_close (a);
  archive_write_free (a);
  free (p);
}

static void
make_tar (const char *name, const char *filter, const struct tent *ents, size_t n)
{
  make_tar_at (T.ctx, name, filter, ents, n);
}

static const struct tent GOOD[] = {
  { "app/", 'd', NULL },
  { "app/main.txt", 'f', "main\n" },
  { "app/link", 'l', "main.txt" },
  { "app/hard", 'h', "app/main.txt" },
  { "app/.wh.gone", 'f', "not a whiteout\n" },
};

Test (add, local_tar_gz_extracted)
{
  make_tar ("a.tar.gz", "gzip", GOOD, 5);
  put (T.root, "dst/gone", "stays\n", 0644);
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, SRCS ("a.tar.gz"), "/dst/");
  q.is_add = true;
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  char *s = slurp (T.root, "dst/app/main.txt");
  cr_assert_str_eq (s, "main\n");
  free (s);
  struct stat st, st2;
  cr_assert_eq (lst (T.root, "dst/app/link", &st), 0);
  cr_assert (S_ISLNK (st.st_mode));
  cr_assert_eq (lst (T.root, "dst/app/hard", &st), 0);
  cr_assert_eq (lst (T.root, "dst/app/main.txt", &st2), 0);
  cr_assert_eq (st.st_ino, st2.st_ino, "hardlink kept");
  cr_assert_eq (st2.st_mode & 07777, 0640);
  cr_assert_eq (st2.st_mtim.tv_sec, 1234567);
  if (geteuid () == 0)
    cr_assert (st2.st_uid == 7 && st2.st_gid == 8, "tar owners kept");
  cr_assert_eq (lst (T.root, "dst/app", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0750);
  cr_assert (exists (T.root, "dst/app/.wh.gone"), "whiteouts are plain files for ADD");
  cr_assert (exists (T.root, "dst/gone"));
  cr_assert (!exists (T.root, "dst/a.tar.gz"));
  cr_assert (rec_has (&r, "dst/app/main.txt") && rec_has (&r, "dst/app/hard") && rec_has (&r, "dst/app"));
  rec_free (&r);
}

/* Docker untar replaces: a directory of the archive replaced by a file (and
 * a file by a directory) while the writers keep parent directories open;
 * later entries of the replaced path land in the new entry, never in the
 * removed directory. */
static const struct tent REPLACING[] = {
  { "r/", 'd', NULL },       { "r/x/", 'd', NULL }, { "r/x/in", 'f', "in\n" }, { "r/x", 'f', "x is a file\n" },
  { "r/y", 'f', "y\n" },     { "r/f", 'f', "f\n" }, { "r/f/", 'd', NULL },     { "r/f/in", 'f', "in f\n" },
  { "r/z", 'f', "z\n" },
};

Test (add, tar_replacements_through_open_parents)
{
  make_tar ("r.tar", NULL, REPLACING, sizeof REPLACING / sizeof REPLACING[0]);
  struct kn_copy_request q = req_new (&T, SRCS ("r.tar"), "/dst/");
  q.is_add = true;
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "dst/r/x", &st), 0);
  cr_assert (S_ISREG (st.st_mode), "x replaced by a file");
  kn_cleanup_free char *x = slurp (T.root, "dst/r/x");
  cr_assert_str_eq (x, "x is a file\n");
  cr_assert_eq (lst (T.root, "dst/r/f", &st), 0);
  cr_assert (S_ISDIR (st.st_mode), "f replaced by a directory");
  kn_cleanup_free char *fin = slurp (T.root, "dst/r/f/in");
  cr_assert_str_eq (fin, "in f\n");
  kn_cleanup_free char *y = slurp (T.root, "dst/r/y");
  cr_assert_str_eq (y, "y\n");
  kn_cleanup_free char *z = slurp (T.root, "dst/r/z");
  cr_assert_str_eq (z, "z\n");
}

Test (add, other_compressions_and_plain)
{
  const char *f[] = { NULL, "xz", "zstd", "bzip2" };
  for (size_t i = 0; i < 4; i++)
    {
      char *name = kn_xasprintf ("t%zu.bin", i);
      char *dest = kn_xasprintf ("/d%zu", i);
      char *want = kn_xasprintf ("d%zu/app/main.txt", i);
      make_tar (name, f[i], GOOD, 2);
      const char *srcs[] = { name, NULL };
      struct kn_copy_request q = req_new (&T, srcs, dest);
      q.is_add = true;
      run_ok (&q);
      cr_assert (exists (T.root, want), "%s extracted (%s)", name, f[i] ? f[i] : "plain");
      free (name);
      free (dest);
      free (want);
    }
}

Test (add, unpack_false_and_copy_do_not_extract)
{
  make_tar ("a.tar.gz", "gzip", GOOD, 2);
  struct kn_copy_request q = req_new (&T, SRCS ("a.tar.gz"), "/u/");
  q.is_add = true;
  q.unpack = 0;
  run_ok (&q);
  cr_assert (exists (T.root, "u/a.tar.gz"));
  struct kn_copy_request q2 = req_new (&T, SRCS ("a.tar.gz"), "/c/");
  run_ok (&q2);
  cr_assert (exists (T.root, "c/a.tar.gz"));
  /* gzip bytes that are not a tar: copied as they are */
  put (T.ctx, "fake.tar.gz", "\x1f\x8bnot really", 0644);
  struct kn_copy_request q3 = req_new (&T, SRCS ("fake.tar.gz"), "/f/");
  q3.is_add = true;
  run_ok (&q3);
  cr_assert (exists (T.root, "f/fake.tar.gz"));
}

static size_t
count_entries (const char *dir)
{
  size_t n = 0;
  DIR *d = opendir (dir);
  struct dirent *de;
  while ((de = readdir (d)))
    n += strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0;
  closedir (d);
  return n;
}

Test (add, hostile_tar_refused)
{
  const struct tent climb[] = { { "ok.txt", 'f', "ok\n" }, { "../../../../outside/evil", 'f', "evil\n" } };
  make_tar ("climb.tar", NULL, climb, 2);
  struct kn_copy_request q = req_new (&T, SRCS ("climb.tar"), "/x/");
  q.is_add = true;
  char *m = run_fail (&q);
  cr_assert (strstr (m, "escapes"), "%s", m);
  free (m);
  /* a symlink to the outside, then a write through it: lands inside the root */
  char *abs = kn_xstrdup (T.outside);
  const struct tent through[] = { { "esc", 'l', abs },
                                  { "esc/evil", 'f', "evil\n" },
                                  { "up", 'l', "../../../../../.." },
                                  { "up/outside/evil2", 'f', "evil\n" } };
  make_tar ("through.tar", NULL, through, 4);
  struct kn_copy_request q2 = req_new (&T, SRCS ("through.tar"), "/y/");
  q2.is_add = true;
  run_ok (&q2);
  cr_assert (exists (T.root, "outside/evil2"), "write through the climbing link stayed inside");
  const struct tent hl[] = { { "h", 'h', "../../../../etc/passwd" } };
  make_tar ("hl.tar", NULL, hl, 1);
  struct kn_copy_request q3 = req_new (&T, SRCS ("hl.tar"), "/z/");
  q3.is_add = true;
  m = run_fail (&q3);
  free (m);
  cr_assert_eq (count_entries (T.outside), 0, "nothing written outside the root");
  char *in = kn_xasprintf ("%s/evil", T.outside + 1);
  cr_assert (exists (T.root, in), "write through the absolute link stayed inside");
  free (in);
  free (abs);
}

/* ---- URLs ---- */

static pid_t server_pid = -1;
static int server_port;

static void
server_start (const char *dir)
{
  int s = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  cr_assert_eq (bind (s, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t l = sizeof a;
  getsockname (s, (struct sockaddr *)&a, &l);
  server_port = ntohs (a.sin_port);
  close (s);
  char port[16];
  snprintf (port, sizeof port, "%d", server_port);
  server_pid = fork ();
  cr_assert (server_pid >= 0);
  if (server_pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);
      dup2 (null, 1);
      dup2 (null, 2);
      execlp ("python3", "python3", "-m", "http.server", port, "--bind", "127.0.0.1", "--directory", dir, (char *)NULL);
      _exit (127);
    }
  for (int i = 0; i < 200; i++)
    {
      int c = socket (AF_INET, SOCK_STREAM, 0);
      a.sin_port = htons ((uint16_t)server_port);
      int ok = connect (c, (struct sockaddr *)&a, sizeof a) == 0;
      close (c);
      if (ok)
        return;
      int st;
      if (waitpid (server_pid, &st, WNOHANG) == server_pid)
        {
          server_pid = -1;
          cr_skip_test ("python3 http.server not available");
        }
      struct timespec ts = { 0, 50 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  cr_assert_fail ("http.server did not start");
}

static void
server_stop (void)
{
  if (server_pid > 0)
    {
      kill (server_pid, SIGTERM);
      waitpid (server_pid, NULL, 0);
      server_pid = -1;
    }
}

static void
url_setup (void)
{
  setup ();
  put (T.outside, "files/hello.txt", "hello over http\n", 0644);
  struct timeval tv[2] = { { 1500000000, 0 }, { 1500000000, 0 } };
  char *p = kn_xasprintf ("%s/files/hello.txt", T.outside);
  utimes (p, tv);
  free (p);
  p = kn_xasprintf ("%s/files", T.outside);
  server_start (p);
  free (p);
}

static void
url_teardown (void)
{
  server_stop ();
  teardown ();
}

TestSuite (addurl, .init = url_setup, .fini = url_teardown);

Test (addurl, url_download)
{
  char *url = kn_xasprintf ("http://127.0.0.1:%d/hello.txt", server_port);
  char digest[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("hello over http\n", 16, digest);
  const char *srcs[] = { url, NULL };
  struct rec r = { 0 };
  struct kn_copy_request q = req_new (&T, srcs, "/dl/");
  q.is_add = true;
  q.checksum = digest;
  q.record = rec_cb;
  q.record_payload = &r;
  run_ok (&q);
  char *s = slurp (T.root, "dl/hello.txt");
  cr_assert_str_eq (s, "hello over http\n");
  free (s);
  struct stat st;
  cr_assert_eq (lst (T.root, "dl/hello.txt", &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0600, "downloads are 0600 like Docker");
  cr_assert_eq (st.st_mtim.tv_sec, 1500000000, "mtime from Last-Modified");
  cr_assert (rec_has (&r, "dl") && rec_has (&r, "dl/hello.txt"));
  rec_free (&r);
  /* dest without a trailing slash names the file */
  struct kn_copy_request q2 = req_new (&T, srcs, "/named");
  q2.is_add = true;
  run_ok (&q2);
  cr_assert (exists (T.root, "named"));
  free (url);
}

Test (addurl, url_wrong_checksum)
{
  char *url = kn_xasprintf ("http://127.0.0.1:%d/hello.txt", server_port);
  const char *srcs[] = { url, NULL };
  struct kn_copy_request q = req_new (&T, srcs, "/dl/");
  q.is_add = true;
  q.checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  char *m = run_fail (&q);
  cr_assert (strstr (m, url), "%s", m);
  cr_assert (strstr (m, "checksum"), "%s", m);
  free (m);
  cr_assert (!exists (T.root, "dl/hello.txt"));
  struct kn_copy_request q2 = req_new (&T, srcs, "/dl/");
  q2.is_add = true;
  q2.checksum = "md5:abc";
  m = run_fail (&q2);
  free (m);
  free (url);
}

Test (addurl, url_not_found)
{
  char *url = kn_xasprintf ("http://127.0.0.1:%d/missing.txt", server_port);
  const char *srcs[] = { url, NULL };
  struct kn_copy_request q = req_new (&T, srcs, "/dl/");
  q.is_add = true;
  char *m = run_fail (&q);
  cr_assert (strstr (m, "404"), "%s", m);
  free (m);
  cr_assert (!exists (T.root, "dl/missing.txt"));
  free (url);
}

Test (add, git_and_copy_url)
{
  struct kn_copy_request q = req_new (&T, SRCS ("https://github.com/moby/buildkit.git#v0.12"), "/src/");
  q.is_add = true;
  struct kn_error *e = NULL;
  cr_assert_eq (kn_copy_run (&q, &e), -KN_ENOTSUP);
  cr_assert (strstr (e->msg, "not supported yet"), "%s", e->msg);
  kn_error_release (&e);
  struct kn_copy_request q2 = req_new (&T, SRCS ("https://example.com/x"), "/x");
  char *m = run_fail (&q2);
  cr_assert (strstr (m, "source can't be a URL for COPY"), "%s", m);
  free (m);
  put (T.ctx, "a", "a", 0644);
  struct kn_copy_request q3 = req_new (&T, SRCS ("a"), "/x");
  q3.is_add = true;
  q3.checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  m = run_fail (&q3);
  cr_assert (strstr (m, "non-HTTP(S)"), "%s", m);
  free (m);
}

Test (addurl, url_unpack)
{
  char *dir = kn_xasprintf ("%s/files", T.outside);
  make_tar_at (dir, "r.tar.gz", "gzip", GOOD, 2);
  free (dir);
  char *url = kn_xasprintf ("http://127.0.0.1:%d/r.tar.gz", server_port);
  const char *srcs[] = { url, NULL };
  struct kn_copy_request q = req_new (&T, srcs, "/keep/");
  q.is_add = true;
  run_ok (&q);
  cr_assert (exists (T.root, "keep/r.tar.gz"), "remote archives are not unpacked by default");
  struct kn_copy_request q2 = req_new (&T, srcs, "/ex/");
  q2.is_add = true;
  q2.unpack = 1;
  run_ok (&q2);
  cr_assert (exists (T.root, "ex/app/main.txt"), "--unpack=true extracts a remote archive");
  cr_assert (!exists (T.root, "ex/r.tar.gz"));
  char *url2 = kn_xasprintf ("http://127.0.0.1:%d/hello.txt", server_port);
  const char *srcs2[] = { url2, NULL };
  struct kn_copy_request q3 = req_new (&T, srcs2, "/ex2/");
  q3.is_add = true;
  q3.unpack = 1;
  run_ok (&q3);
  char *s = slurp (T.root, "ex2/hello.txt");
  cr_assert_str_eq (s, "hello over http\n");
  free (s);
  free (url);
  free (url2);
}

Test (add, tar_with_chown)
{
  if (geteuid () != 0)
    cr_skip_test ("ownership needs root");
  make_tar ("o.tar", NULL, GOOD, 3);
  struct kn_copy_request q = req_new (&T, SRCS ("o.tar"), "/o/");
  q.is_add = true;
  q.chown = "33:44";
  run_ok (&q);
  struct stat st;
  cr_assert_eq (lst (T.root, "o/app/main.txt", &st), 0);
  cr_assert (st.st_uid == 33 && st.st_gid == 44);
  cr_assert_eq (lst (T.root, "o/app/link", &st), 0);
  cr_assert (st.st_uid == 33 && st.st_gid == 44);
}
