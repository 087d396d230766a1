/* Content store: see store.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/layer/store.h"

#define INGEST_BUF (128 * 1024)
/* Writeback of an ingest is started every this many bytes so that the
 * fsync at commit finds little left to write. */
#define INGEST_WRITEBACK (8 * 1024 * 1024)
/* An unlocked, empty temporary file younger than this may be a writer that
 * has not taken its lock yet. */
#define STALE_SECONDS 60

struct kn_store {
  char *root;
  char *blobs;  /* ROOT/blobs/sha256 */
  char *ingest; /* ROOT/ingest */
};

static int
mkdir_p (const char *path, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xstrdup (path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        if (mkdir (p, 0755) < 0 && errno != EEXIST)
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create directory %s", p);
        *s = '/';
      }
  if (mkdir (p, 0755) < 0 && errno != EEXIST)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create directory %s", p);
  return 0;
}

int
kn_store_open (struct kn_store **out, const char *root, struct kn_error **err)
{
  struct kn_store *s = kn_xcalloc (1, sizeof *s);
  s->root = kn_xstrdup (root);
  s->blobs = kn_xasprintf ("%s/blobs/sha256", root);
  s->ingest = kn_xasprintf ("%s/ingest", root);
  int ret = mkdir_p (s->blobs, err);
  if (ret == 0)
    ret = mkdir_p (s->ingest, err);
  if (ret < 0)
    {
      kn_store_free (s);
      return kn_error_wrap (err, "content store %s", root);
    }
  struct kn_error *cerr = NULL;
  if (kn_store_clean (s, &cerr) < 0)
    kn_error_free (cerr); /* best effort */
  *out = s;
  return 0;
}

void
kn_store_free (struct kn_store *s)
{
  if (s == NULL)
    return;
  free (s->root);
  free (s->blobs);
  free (s->ingest);
  free (s);
}

const char *
kn_store_root (struct kn_store *s)
{
  return s->root;
}

char *
kn_store_path (struct kn_store *s, const char *digest)
{
  if (digest == NULL || kn_digest_validate (digest, NULL) < 0)
    return NULL;
  return kn_xasprintf ("%s/%s", s->blobs, digest + 7);
}

int
kn_store_has (struct kn_store *s, const char *digest)
{
  kn_cleanup_free char *path = kn_store_path (s, digest);
  struct stat st;
  return path != NULL && stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

int
kn_store_remove (struct kn_store *s, const char *digest, struct kn_error **err)
{
  kn_cleanup_free char *path = kn_store_path (s, digest);
  if (path == NULL)
    return kn_digest_validate (digest, err);
  if (unlink (path) < 0 && errno != ENOENT)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "remove blob %s", digest);
  return 0;
}

/* ---- reading ---- */

struct blob_reader {
  struct kn_reader base;
  int fd;
  char *digest;
};

static ssize_t
blob_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct blob_reader *br = (struct blob_reader *) r;
  for (;;)
    {
      ssize_t n = read (br->fd, buf, len);
      if (n >= 0)
        return n;
      if (errno != EINTR)
        return kn_error_make (err, KN_EIO, errno, "read blob %s", br->digest);
    }
}

static void
blob_reader_free (struct kn_reader *r)
{
  struct blob_reader *br = (struct blob_reader *) r;
  close (br->fd);
  free (br->digest);
  free (br);
}

static int
open_at_offset (const char *path, const char *digest, uint64_t offset, struct kn_reader **out, uint64_t *size,
                struct kn_error **err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open blob %s", digest);
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return kn_error_make (err, KN_EIO, errno, "blob %s: not a regular file", digest);
    }
  if (offset > (uint64_t) st.st_size || (offset && lseek (fd, (off_t) offset, SEEK_SET) < 0))
    {
      close (fd);
      return kn_error_make (err, KN_EINVAL, 0, "blob %s: offset %llu beyond its %lld bytes", digest,
                            (unsigned long long) offset, (long long) st.st_size);
    }
  struct blob_reader *br = kn_xcalloc (1, sizeof *br);
  br->base.read = blob_read;
  br->base.free = blob_reader_free;
  br->fd = fd;
  br->digest = kn_xstrdup (digest);
  if (size)
    *size = (uint64_t) st.st_size;
  *out = &br->base;
  return 0;
}

int
kn_store_open_blob (struct kn_store *s, const char *digest, struct kn_reader **out, uint64_t *size,
                    struct kn_error **err)
{
  kn_cleanup_free char *path = kn_store_path (s, digest);
  if (path == NULL)
    return kn_digest_validate (digest, err);
  return open_at_offset (path, digest, 0, out, size, err);
}

struct store_source {
  struct kn_blob_source base;
  char *path;
  char digest[KN_DIGEST_STR_LEN];
};

static int
source_open (void *payload, uint64_t offset, struct kn_reader **out, struct kn_error **err)
{
  struct store_source *ss = payload;
  return open_at_offset (ss->path, ss->digest, offset, out, NULL, err);
}

int
kn_store_blob_source (struct kn_store *s, const char *digest, struct kn_blob_source **out, struct kn_error **err)
{
  kn_cleanup_free char *path = kn_store_path (s, digest);
  if (path == NULL)
    return kn_digest_validate (digest, err);
  struct stat st;
  if (stat (path, &st) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "blob %s", digest);
  struct store_source *ss = kn_xcalloc (1, sizeof *ss);
  ss->path = KN_STEAL (path);
  memcpy (ss->digest, digest, KN_DIGEST_STR_LEN);
  ss->digest[KN_DIGEST_STR_LEN - 1] = '\0';
  ss->base.open = source_open;
  ss->base.payload = ss;
  ss->base.size = (uint64_t) st.st_size;
  ss->base.digest = ss->digest;
  *out = &ss->base;
  return 0;
}

void
kn_store_blob_source_free (struct kn_blob_source *src)
{
  struct store_source *ss = (struct store_source *) src;
  if (ss == NULL)
    return;
  free (ss->path);
  free (ss);
}

/* ---- ingest ---- */

struct ingest {
  struct kn_writer base;
  struct kn_store *store;
  int fd;
  char *tmp;
  struct kn_hasher *h;
  uint64_t size;
  uint64_t written; /* bytes written to fd */
  uint64_t started; /* bytes whose writeback was started */
  unsigned char *buf;
  size_t used;
  int done; /* committed or failed for good */
};

static int
ingest_flush (struct ingest *in, struct kn_error **err)
{
  const unsigned char *p = in->buf;
  size_t left = in->used;
  while (left > 0)
    {
      ssize_t n = write (in->fd, p, left);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write %s", in->tmp);
        }
      p += n;
      left -= (size_t) n;
    }
  in->written += in->used;
  in->used = 0;
  if (in->written - in->started >= INGEST_WRITEBACK)
    {
      /* A hint (errors ignored): the commit's fsync stays the guarantee. */
      sync_file_range (in->fd, (off_t) in->started, (off_t) (in->written - in->started), SYNC_FILE_RANGE_WRITE);
      in->started = in->written;
    }
  return 0;
}

static int
ingest_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct ingest *in = (struct ingest *) w;
  if (in->done)
    return kn_error_make (err, KN_EINTERNAL, 0, "write to a finished blob ingest");
  kn_hasher_update (in->h, buf, len);
  in->size += len;
  const unsigned char *p = buf;
  while (len > 0)
    {
      size_t n = INGEST_BUF - in->used;
      if (n > len)
        n = len;
      memcpy (in->buf + in->used, p, n);
      in->used += n;
      p += n;
      len -= n;
      if (in->used == INGEST_BUF)
        {
          int ret = ingest_flush (in, err);
          if (ret < 0)
            return ret;
        }
    }
  return 0;
}

static void
ingest_free (struct kn_writer *w)
{
  struct ingest *in = (struct ingest *) w;
  if (in->fd >= 0)
    close (in->fd);
  if (in->tmp && in->done != 1)
    unlink (in->tmp); /* never committed: discard */
  kn_hasher_free (in->h);
  free (in->tmp);
  free (in->buf);
  free (in);
}

int
kn_store_ingest_begin (struct kn_store *s, struct kn_writer **out, struct kn_error **err)
{
  kn_cleanup_free char *tmp = kn_xasprintf ("%s/XXXXXX.tmp", s->ingest);
  int fd = mkostemps (tmp, 4, O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create a temporary blob in %s", s->ingest);
  if (flock (fd, LOCK_EX) < 0)
    {
      int saved = errno;
      close (fd);
      unlink (tmp);
      return kn_error_make (err, KN_EIO, saved, "lock %s", tmp);
    }
  fchmod (fd, 0644);
  struct ingest *in = kn_xcalloc (1, sizeof *in);
  in->base.write = ingest_write;
  in->base.free = ingest_free;
  in->store = s;
  in->fd = fd;
  in->tmp = KN_STEAL (tmp);
  in->h = kn_hasher_new ();
  in->buf = kn_xmalloc (INGEST_BUF);
  *out = &in->base;
  return 0;
}

int
kn_store_ingest_commit (struct kn_writer *w, const char *expected, char digest[KN_DIGEST_STR_LEN], uint64_t *size,
                        struct kn_error **err)
{
  struct ingest *in = (struct ingest *) w;
  char got[KN_DIGEST_STR_LEN];
  int ret;

  if (in->done)
    return kn_error_make (err, KN_EINTERNAL, 0, "blob ingest committed twice");
  if (expected && (ret = kn_digest_validate (expected, err)) < 0)
    return ret;
  ret = ingest_flush (in, err);
  if (ret < 0)
    return ret;
  kn_hasher_finish (in->h, got);
  in->h = NULL;
  in->done = 2; /* from here on, failure discards the temporary file */
  if (expected && strcmp (expected, got) != 0)
    return kn_error_make (err, KN_EDIGEST, 0, "blob content is %s, expected %s", got, expected);
  if (fsync (in->fd) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "fsync %s", in->tmp);
  kn_cleanup_free char *final = kn_xasprintf ("%s/%s", in->store->blobs, got + 7);
  if (rename (in->tmp, final) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "store blob %s", got);
  in->done = 1;
  int dfd = open (in->store->blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  if (digest)
    memcpy (digest, got, KN_DIGEST_STR_LEN);
  if (size)
    *size = in->size;
  return 0;
}

int
kn_store_clean (struct kn_store *s, struct kn_error **err)
{
  kn_cleanup_dir DIR *d = opendir (s->ingest);
  if (d == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", s->ingest);
  int removed = 0;
  time_t now = time (NULL);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      size_t n = strlen (de->d_name);
      if (n < 5 || strcmp (de->d_name + n - 4, ".tmp") != 0)
        continue;
      kn_cleanup_close int fd = openat (dirfd (d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (flock (fd, LOCK_EX | LOCK_NB) < 0)
        continue; /* a live writer */
      struct stat st;
      if (fstat (fd, &st) < 0)
        continue;
      if (st.st_size == 0 && now - st.st_mtime < STALE_SECONDS)
        continue; /* maybe a writer between creating and locking */
      if (unlinkat (dirfd (d), de->d_name, 0) == 0)
        removed++;
    }
  return removed;
}

int
kn_store_put (struct kn_store *s, struct kn_reader *r, const char *expected, char digest[KN_DIGEST_STR_LEN],
              uint64_t *size, struct kn_error **err)
{
  struct kn_writer *w = NULL;
  int ret = kn_store_ingest_begin (s, &w, err);
  if (ret < 0)
    return ret;
  int64_t n = kn_stream_copy (r, w, err);
  if (n < 0)
    ret = (int) n;
  else
    ret = kn_store_ingest_commit (w, expected, digest, size, err);
  kn_writer_free (w);
  return ret;
}

int
kn_store_verify (struct kn_store *s, const char *digest, struct kn_error **err)
{
  struct kn_reader *r = NULL;
  int ret = kn_store_open_blob (s, digest, &r, NULL, err);
  if (ret < 0)
    return ret;
  struct kn_writer *dw = kn_digest_writer_new (NULL);
  int64_t n = kn_stream_copy (r, dw, err);
  kn_reader_free (r);
  char got[KN_DIGEST_STR_LEN];
  kn_digest_writer_result (dw, got, NULL);
  kn_writer_free (dw);
  if (n < 0)
    return (int) n;
  if (strcmp (got, digest) != 0)
    {
      kn_store_remove (s, digest, NULL);
      return kn_error_make (err, KN_EDIGEST, 0, "stored blob %s holds %s; removed", digest, got);
    }
  return 0;
}
