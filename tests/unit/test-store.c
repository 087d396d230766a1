/* Content store: round trip, digest mismatch, killed writers, concurrent writers. */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include "core/layer/store.h"
#include "test-layer-util.h"

static char *dir;

static void
setup (void)
{
  dir = tl_mkdtemp ();
}

static void
teardown (void)
{
  tl_rm_rf (dir);
  free (dir);
}

TestSuite (store, .init = setup, .fini = teardown);

static unsigned char *
pattern (size_t n, unsigned seed)
{
  unsigned char *p = kn_xmalloc (n);
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char) ((i * 2654435761u + seed) >> 13);
  return p;
}

static int
count_dir (const char *path)
{
  DIR *d = opendir (path);
  cr_assert_not_null (d, "open %s", path);
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)))
    if (de->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

static int
ingest (struct kn_store *s, const void *buf, size_t len, const char *expected, char digest[KN_DIGEST_STR_LEN],
        struct kn_error **err)
{
  struct kn_writer *w = NULL;
  int ret = kn_store_ingest_begin (s, &w, err);
  if (ret < 0)
    return ret;
  /* uneven chunks */
  const unsigned char *p = buf;
  size_t off = 0, step = 1;
  while (off < len && ret == 0)
    {
      size_t n = len - off < step ? len - off : step;
      ret = kn_writer_write (w, p + off, n, err);
      off += n;
      step = step * 3 + 7;
    }
  if (ret == 0)
    ret = kn_store_ingest_commit (w, expected, digest, NULL, err);
  kn_writer_free (w);
  return ret;
}

Test (store, round_trip)
{
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  char want[KN_DIGEST_STR_LEN], got[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("hello world", 11, want);
  cr_assert_not (kn_store_has (s, want));
  cr_assert_eq (ingest (s, "hello world", 11, NULL, got, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (got, want);
  cr_assert (kn_store_has (s, want));
  char *path = kn_store_path (s, want);
  char *expect_path = kn_xasprintf ("%s/blobs/sha256/%s", dir, want + 7);
  cr_assert_str_eq (path, expect_path);
  free (path);
  free (expect_path);
  cr_assert_null (kn_store_path (s, "md5:abc"));

  struct kn_reader *r = NULL;
  uint64_t size = 0;
  cr_assert_eq (kn_store_open_blob (s, want, &r, &size, &err), 0);
  cr_assert_eq (size, 11);
  char buf[32] = "";
  cr_assert_eq (kn_reader_read (r, buf, sizeof buf, &err), 11);
  cr_assert_str_eq (buf, "hello world");
  kn_reader_free (r);

  struct kn_blob_source *src = NULL;
  cr_assert_eq (kn_store_blob_source (s, want, &src, &err), 0);
  cr_assert_eq (src->size, 11);
  cr_assert_str_eq (src->digest, want);
  cr_assert_eq (src->open (src->payload, 6, &r, &err), 0);
  memset (buf, 0, sizeof buf);
  cr_assert_eq (kn_reader_read (r, buf, sizeof buf, &err), 5);
  cr_assert_str_eq (buf, "world");
  kn_reader_free (r);
  kn_store_blob_source_free (src);

  char absent[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("nope", 4, absent);
  cr_assert_eq (kn_store_open_blob (s, absent, &r, NULL, &err), -KN_ENOTFOUND);
  kn_error_release (&err);

  /* ingesting again (same blob) is fine */
  cr_assert_eq (ingest (s, "hello world", 11, want, got, &err), 0);
  char *ing = kn_xasprintf ("%s/ingest", dir);
  cr_assert_eq (count_dir (ing), 0, "no temporary file left");
  free (ing);
  kn_store_free (s);
}

Test (store, digest_mismatch_keeps_valid_blob)
{
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  char good[KN_DIGEST_STR_LEN], got[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("good", 4, good);
  cr_assert_eq (ingest (s, "good", 4, good, got, &err), 0);

  /* Wrong content claiming the good digest: refused, the good blob survives. */
  cr_assert_eq (ingest (s, "evil", 4, good, got, &err), -KN_EDIGEST);
  cr_assert_not_null (err);
  cr_assert_not_null (strstr (err->msg, good + 7), "message names the digest: %s", err->msg);
  kn_error_release (&err);
  char *path = kn_store_path (s, good);
  char *content = tl_read_file (path, "");
  cr_assert_str_eq (content, "good");
  free (content);
  free (path);

  /* A new blob with a wrong digest is not stored at all. */
  char other[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("other", 5, other);
  cr_assert_eq (ingest (s, "different", 9, other, got, &err), -KN_EDIGEST);
  kn_error_release (&err);
  cr_assert_not (kn_store_has (s, other));
  char evil[KN_DIGEST_STR_LEN];
  kn_digest_buffer ("different", 9, evil);
  cr_assert_not (kn_store_has (s, evil));
  char *blobs = kn_xasprintf ("%s/blobs/sha256", dir);
  cr_assert_eq (count_dir (blobs), 1);
  free (blobs);
  char *ing = kn_xasprintf ("%s/ingest", dir);
  cr_assert_eq (count_dir (ing), 0);
  free (ing);
  /* malformed expected digest */
  cr_assert_lt (ingest (s, "x", 1, "sha256:xyz", got, &err), 0);
  kn_error_release (&err);
  kn_store_free (s);
}

#define BIG (3 * 1024 * 1024 + 17)

Test (store, killed_writer_leaves_nothing_trusted)
{
  unsigned char *data = pattern (BIG, 1);
  char want[KN_DIGEST_STR_LEN];
  kn_digest_buffer (data, BIG, want);
  int pfd[2];
  cr_assert_eq (pipe (pfd), 0);
  pid_t pid = fork ();
  cr_assert_geq (pid, 0);
  if (pid == 0)
    {
      struct kn_store *s = NULL;
      struct kn_writer *w = NULL;
      if (kn_store_open (&s, dir, NULL) < 0 || kn_store_ingest_begin (s, &w, NULL) < 0
          || kn_writer_write (w, data, BIG / 2, NULL) < 0)
        _exit (1);
      if (write (pfd[1], "x", 1) != 1)
        _exit (1);
      for (;;)
        pause ();
    }
  close (pfd[1]);
  char c;
  cr_assert_eq (read (pfd[0], &c, 1), 1, "child wrote half a blob");
  close (pfd[0]);
  kill (pid, SIGKILL);
  int status;
  waitpid (pid, &status, 0);
  cr_assert (WIFSIGNALED (status));

  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  char *ing = kn_xasprintf ("%s/ingest", dir);
  char *blobs = kn_xasprintf ("%s/blobs/sha256", dir);
  cr_assert_eq (count_dir (ing), 1, "the half-written temporary file is there");
  cr_assert_eq (count_dir (blobs), 0, "no blob is visible");
  /* Opening the store cleans the dead writer's temporary file. */
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  cr_assert_eq (count_dir (ing), 0, "the stale temporary file was cleaned");
  cr_assert_not (kn_store_has (s, want));
  char got[KN_DIGEST_STR_LEN];
  cr_assert_eq (ingest (s, data, BIG, want, got, &err), 0, "%s", err ? err->msg : "");
  struct kn_reader *r = NULL;
  uint64_t size;
  cr_assert_eq (kn_store_open_blob (s, want, &r, &size, &err), 0);
  cr_assert_eq (size, BIG);
  struct kn_writer *dw = kn_digest_writer_new (NULL);
  cr_assert_eq (kn_stream_copy (r, dw, &err), BIG);
  char check[KN_DIGEST_STR_LEN];
  kn_digest_writer_result (dw, check, NULL);
  cr_assert_str_eq (check, want);
  kn_writer_free (dw);
  kn_reader_free (r);
  kn_store_free (s);
  free (ing);
  free (blobs);
  free (data);
}

Test (store, live_writer_is_not_cleaned)
{
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  struct kn_writer *w = NULL;
  cr_assert_eq (kn_store_ingest_begin (s, &w, &err), 0);
  unsigned char *data = pattern (300000, 2);
  cr_assert_eq (kn_writer_write (w, data, 300000, &err), 0);
  cr_assert_eq (kn_store_clean (s, &err), 0, "a locked temporary file stays");
  char got[KN_DIGEST_STR_LEN], want[KN_DIGEST_STR_LEN];
  kn_digest_buffer (data, 300000, want);
  cr_assert_eq (kn_store_ingest_commit (w, want, got, NULL, &err), 0);
  kn_writer_free (w);
  cr_assert (kn_store_has (s, want));
  /* An abandoned ingest leaves nothing behind. */
  cr_assert_eq (kn_store_ingest_begin (s, &w, &err), 0);
  cr_assert_eq (kn_writer_write (w, data, 1000, &err), 0);
  kn_writer_free (w);
  char *ing = kn_xasprintf ("%s/ingest", dir);
  cr_assert_eq (count_dir (ing), 0);
  free (ing);
  free (data);
  kn_store_free (s);
}

Test (store, concurrent_writers_same_blob)
{
  unsigned char *data = pattern (BIG, 3);
  char want[KN_DIGEST_STR_LEN];
  kn_digest_buffer (data, BIG, want);
  pid_t pids[3];
  for (int i = 0; i < 3; i++)
    {
      pids[i] = fork ();
      cr_assert_geq (pids[i], 0);
      if (pids[i] == 0)
        {
          struct kn_store *s = NULL;
          char got[KN_DIGEST_STR_LEN];
          if (kn_store_open (&s, dir, NULL) < 0)
            _exit (1);
          for (int k = 0; k < 3; k++)
            if (ingest (s, data, BIG, want, got, NULL) < 0)
              _exit (2);
          _exit (0);
        }
    }
  for (int i = 0; i < 3; i++)
    {
      int status;
      waitpid (pids[i], &status, 0);
      cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0, "writer %d failed", i);
    }
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  cr_assert (kn_store_has (s, want));
  struct kn_reader *r = NULL;
  cr_assert_eq (kn_store_open_blob (s, want, &r, NULL, &err), 0);
  struct kn_writer *dw = kn_digest_writer_new (NULL);
  cr_assert_eq (kn_stream_copy (r, dw, &err), BIG);
  char check[KN_DIGEST_STR_LEN];
  kn_digest_writer_result (dw, check, NULL);
  cr_assert_str_eq (check, want);
  kn_writer_free (dw);
  kn_reader_free (r);
  char *ing = kn_xasprintf ("%s/ingest", dir);
  cr_assert_eq (count_dir (ing), 0);
  free (ing);
  kn_store_free (s);
  free (data);
}

Test (store, put_and_verify)
{
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_store_open (&s, dir, &err), 0);
  unsigned char *data = pattern (500000, 4);
  char want[KN_DIGEST_STR_LEN], got[KN_DIGEST_STR_LEN];
  kn_digest_buffer (data, 500000, want);
  struct kn_reader *r = kn_reader_new_mem (data, 500000);
  uint64_t size = 0;
  cr_assert_eq (kn_store_put (s, r, want, got, &size, &err), 0);
  kn_reader_free (r);
  cr_assert_str_eq (got, want);
  cr_assert_eq (size, 500000);
  cr_assert_eq (kn_store_verify (s, want, &err), 0);
  /* corrupt it behind the store's back */
  char *path = kn_store_path (s, want);
  FILE *f = fopen (path, "r+");
  fputc ('!', f);
  fclose (f);
  free (path);
  cr_assert_eq (kn_store_verify (s, want, &err), -KN_EDIGEST);
  kn_error_release (&err);
  cr_assert_not (kn_store_has (s, want), "a corrupt blob is dropped");
  cr_assert_eq (kn_store_verify (s, want, &err), -KN_ENOTFOUND);
  kn_error_release (&err);
  /* put with the wrong digest stores nothing */
  r = kn_reader_new_mem (data, 1000);
  cr_assert_eq (kn_store_put (s, r, want, got, NULL, &err), -KN_EDIGEST);
  kn_error_release (&err);
  kn_reader_free (r);
  cr_assert_not (kn_store_has (s, want));
  free (data);
  kn_store_free (s);
}
