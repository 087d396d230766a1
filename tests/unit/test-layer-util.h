/* Helpers shared by the layer tests: temporary directories, tree
 * fingerprints, a zlib gzip compressor, small file writers. */
#ifndef KN_TEST_LAYER_UTIL_H
#define KN_TEST_LAYER_UTIL_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

#include "core/util/digest.h"

static inline char *
tl_mkdtemp (void)
{
  const char *t = getenv ("TMPDIR");
  char *p = kn_xasprintf ("%s/kn-layer-XXXXXX", t && *t ? t : "/tmp");
  cr_assert_not_null (mkdtemp (p));
  return p;
}

static inline int
tl_rm_cb (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (flag == FTW_DP)
    {
      chmod (path, 0700);
      return rmdir (path);
    }
  return unlink (path);
}

static inline void
tl_rm_rf (const char *path)
{
  nftw (path, tl_rm_cb, 32, FTW_DEPTH | FTW_PHYS);
}

/* Run the shell command FMT (printf-style); the test fails unless it exits 0. */
static inline void
tl_sh (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *cmd = kn_xvasprintf (fmt, ap);
  va_end (ap);
  cr_assert_eq (system (cmd), 0, "%s", cmd);
  free (cmd);
}

static inline void
tl_write_file (const char *dir, const char *rel, const char *content)
{
  char *p = kn_xasprintf ("%s/%s", dir, rel);
  FILE *f = fopen (p, "w");
  cr_assert_not_null (f, "create %s", p);
  fputs (content, f);
  fclose (f);
  free (p);
}

static inline char *
tl_read_file (const char *dir, const char *rel)
{
  char *p = rel[0] ? kn_xasprintf ("%s/%s", dir, rel) : kn_xstrdup (dir);
  FILE *f = fopen (p, "r");
  free (p);
  if (f == NULL)
    return NULL;
  char *buf = kn_xcalloc (1, 1 << 16);
  size_t n = fread (buf, 1, (1 << 16) - 1, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

static inline void
tl_mkdir (const char *dir, const char *rel)
{
  char *p = kn_xasprintf ("%s/%s", dir, rel);
  cr_assert_eq (mkdir (p, 0755), 0, "mkdir %s", p);
  free (p);
}

static inline int
tl_exists (const char *dir, const char *rel)
{
  struct stat st;
  char *p = kn_xasprintf ("%s/%s", dir, rel);
  int r = lstat (p, &st) == 0;
  free (p);
  return r;
}

/* A fingerprint of every entry below DIR (type, mode, size, owner, content
 * hash, symlink target, mtime when WITH_MTIME), one line per entry, sorted. */
struct tl_fp {
  char *buf;
  size_t len, cap;
  size_t prefix;
  int with_mtime;
};

static struct tl_fp *tl_fp_cur;

static inline int
tl_cmp_lines (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static inline void
tl_fp_add (struct tl_fp *fp, const char *line)
{
  size_t n = strlen (line);
  if (fp->len + n + 2 > fp->cap)
    {
      fp->cap = (fp->len + n + 2) * 2;
      fp->buf = kn_xrealloc (fp->buf, fp->cap);
    }
  memcpy (fp->buf + fp->len, line, n);
  fp->len += n;
  fp->buf[fp->len++] = '\n';
  fp->buf[fp->len] = '\0';
}

static inline int
tl_fp_cb (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) flag;
  (void) ftw;
  struct tl_fp *fp = tl_fp_cur;
  const char *rel = path + fp->prefix;
  if (*rel == '/')
    rel++;
  if (*rel == '\0')
    return 0;
  char extra[4200] = "";
  if (S_ISREG (st->st_mode))
    {
      int fd = open (path, O_RDONLY);
      struct kn_hasher *h = kn_hasher_new ();
      char buf[8192];
      ssize_t n;
      while (fd >= 0 && (n = read (fd, buf, sizeof buf)) > 0)
        kn_hasher_update (h, buf, (size_t) n);
      if (fd >= 0)
        close (fd);
      kn_hasher_finish (h, extra);
    }
  else if (S_ISLNK (st->st_mode))
    {
      ssize_t n = readlink (path, extra, sizeof extra - 1);
      extra[n < 0 ? 0 : n] = '\0';
    }
  else if (S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode))
    snprintf (extra, sizeof extra, "dev=%llu", (unsigned long long) st->st_rdev);
  char mt[32] = "";
  if (fp->with_mtime)
    snprintf (mt, sizeof mt, " mtime=%lld", (long long) st->st_mtime);
  char *line = kn_xasprintf ("%s mode=%o uid=%u gid=%u size=%lld %s%s", rel, (unsigned) st->st_mode,
                             (unsigned) st->st_uid, (unsigned) st->st_gid,
                             S_ISDIR (st->st_mode) ? 0LL : (long long) st->st_size, extra, mt);
  tl_fp_add (fp, line);
  free (line);
  return 0;
}

/* Returns a malloc'd, sorted listing of DIR. */
static inline char *
tl_fingerprint (const char *dir, int with_mtime)
{
  struct tl_fp fp = { NULL, 0, 0, strlen (dir), with_mtime };
  tl_fp_cur = &fp;
  nftw (dir, tl_fp_cb, 32, FTW_PHYS);
  tl_fp_cur = NULL;
  if (fp.buf == NULL)
    return kn_xstrdup ("");
  /* sort lines */
  size_t n = 0;
  for (size_t i = 0; i < fp.len; i++)
    n += fp.buf[i] == '\n';
  char **lines = kn_xcalloc (n + 1, sizeof *lines);
  size_t k = 0;
  for (char *s = strtok (fp.buf, "\n"); s; s = strtok (NULL, "\n"))
    lines[k++] = s;
  qsort (lines, k, sizeof *lines, tl_cmp_lines);
  struct tl_fp out = { 0 };
  for (size_t i = 0; i < k; i++)
    tl_fp_add (&out, lines[i]);
  free (lines);
  free (fp.buf);
  return out.buf ? out.buf : kn_xstrdup ("");
}

/* ---- a gzip compressor over zlib, standing in for the real plugin ---- */

struct tl_gz {
  struct kn_writer base;
  struct kn_writer *sink;
  z_stream z;
  unsigned char out[16384];
};

static inline int
tl_gz_pump (struct tl_gz *g, int flush, struct kn_error **err)
{
  do
    {
      g->z.next_out = g->out;
      g->z.avail_out = sizeof g->out;
      int r = deflate (&g->z, flush);
      if (r == Z_STREAM_ERROR)
        return kn_error_make (err, KN_EIO, 0, "deflate");
      size_t n = sizeof g->out - g->z.avail_out;
      if (n && kn_writer_write (g->sink, g->out, n, err) < 0)
        return -KN_EIO;
    }
  while (g->z.avail_out == 0);
  return 0;
}

static inline int
tl_gz_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct tl_gz *g = (struct tl_gz *) w;
  g->z.next_in = (unsigned char *) buf;
  g->z.avail_in = (uInt) len;
  return tl_gz_pump (g, Z_NO_FLUSH, err);
}

static inline int
tl_gz_close (struct kn_writer *w, struct kn_error **err)
{
  struct tl_gz *g = (struct tl_gz *) w;
  g->z.next_in = NULL;
  g->z.avail_in = 0;
  return tl_gz_pump (g, Z_FINISH, err);
}

static inline void
tl_gz_free (struct kn_writer *w)
{
  struct tl_gz *g = (struct tl_gz *) w;
  deflateEnd (&g->z);
  free (g);
}

static inline int
tl_gz_new_writer (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
                  struct kn_error **err)
{
  struct tl_gz *g = kn_xcalloc (1, sizeof *g);
  g->base.write = tl_gz_write;
  g->base.close = tl_gz_close;
  g->base.free = tl_gz_free;
  g->sink = sink;
  if (deflateInit2 (&g->z, opts->level < 0 ? 6 : opts->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      free (g);
      return kn_error_make (err, KN_EIO, 0, "deflateInit2");
    }
  *out = &g->base;
  return 0;
}

static const struct kn_compressor tl_gzip = {
  KN_COMPRESSOR_VERSION, "gzip", "gzip", NULL, tl_gz_new_writer, NULL,
};

#endif

/* ---- building tar files with libarchive (hostile and hand-made layers) ---- */
#include <archive.h>
#include <archive_entry.h>

static inline struct archive *
tb_open (const char *path)
{
  struct archive *a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  cr_assert_eq (archive_write_open_filename (a, path), ARCHIVE_OK);
  return a;
}

static inline void
tb_entry (struct archive *a, const char *name, mode_t type, mode_t perm, const char *content, const char *symlink,
          const char *hardlink)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, perm);
  archive_entry_set_mtime (e, 1234567890, 0);
  size_t len = content ? strlen (content) : 0;
  archive_entry_set_size (e, hardlink || type != AE_IFREG ? 0 : (la_int64_t) len);
  if (symlink)
    archive_entry_set_symlink (e, symlink);
  if (hardlink)
    archive_entry_set_hardlink (e, hardlink);
  if (type == AE_IFCHR)
    {
      archive_entry_set_rdevmajor (e, 1);
      archive_entry_set_rdevminor (e, 3);
    }
  cr_assert_geq (archive_write_header (a, e), ARCHIVE_WARN, "%s", archive_error_string (a));
  if (len && !hardlink && type == AE_IFREG)
    cr_assert_eq (archive_write_data (a, content, len), (la_ssize_t) len);
  archive_entry_free (e);
}

static inline void
tb_file (struct archive *a, const char *name, const char *content)
{
  tb_entry (a, name, AE_IFREG, 0644, content, NULL, NULL);
}

static inline void
tb_dir (struct archive *a, const char *name)
{
  tb_entry (a, name, AE_IFDIR, 0755, NULL, NULL, NULL);
}

static inline void
tb_symlink (struct archive *a, const char *name, const char *target)
{
  tb_entry (a, name, AE_IFLNK, 0777, NULL, target, NULL);
}

static inline void
tb_hardlink (struct archive *a, const char *name, const char *target)
{
  tb_entry (a, name, AE_IFREG, 0644, NULL, NULL, target);
}

static inline void
tb_close (struct archive *a)
{
  cr_assert_eq (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
}
