/* Layer writer: see writer.h. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/layer/pathset.h"
#include "core/layer/resolve.h"
#include "core/layer/ring.h"
#include "core/layer/writer.h"
#include "core/util/cancel.h"

#define READ_CHUNK (128 * 1024)
#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_NAME ".wh..wh..opq"

struct wctx {
  struct archive *a;
  struct kn_writer *sink;
  struct kn_error *sink_err; /* the sink's error, kept while libarchive unwinds */
  const char *root;
  int rootfd;
  const struct kn_layer_write_opts *opts;
  struct kn_pathset *inodes; /* "dev:ino" -> first path, for hardlinks */
  char *buf;
  uint64_t entries;
  /* Directories emitted on the current DFS branch (change sets only). */
  char **dirs;
  size_t ndirs, capdirs;
};

static la_ssize_t
la_write (struct archive *a, void *cd, const void *buf, size_t n)
{
  struct wctx *c = cd;
  if (kn_writer_write (c->sink, buf, n, &c->sink_err) < 0)
    {
      archive_set_error (a, EIO, "layer sink failed");
      return -1;
    }
  return (la_ssize_t) n;
}

static int
fail_archive (struct wctx *c, const char *entry, struct kn_error **err)
{
  if (c->sink_err)
    {
      *err = c->sink_err;
      c->sink_err = NULL;
      return kn_error_wrap (err, "layer of %s: %s", c->root, entry);
    }
  return kn_error_make (err, KN_EIO, 0, "layer of %s: %s: %s", c->root, entry, archive_error_string (c->a));
}

static int
cancelled (struct wctx *c, struct kn_error **err)
{
  if (c->opts->cancel && c->opts->cancel->requested)
    return kn_error_make (err, KN_ECANCELED, 0, "layer of %s: cancelled", c->root);
  return 0;
}

static int64_t
entry_mtime (struct wctx *c, int64_t mtime)
{
  if (c->opts->reproducible && mtime > c->opts->epoch)
    return c->opts->epoch;
  return mtime;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Order names stored after their d_type byte (walk_tree). */
static int
cmp_typed (const void *a, const void *b)
{
  return strcmp (*(char *const *) a + 1, *(char *const *) b + 1);
}

/* Copy the extended attributes of FD, sorted by name, into E. */
static void
add_xattrs (struct archive_entry *e, int fd, const char *rel)
{
  ssize_t n = flistxattr (fd, NULL, 0);
  if (n <= 0)
    return;
  kn_cleanup_free char *names = kn_xmalloc ((size_t) n);
  n = flistxattr (fd, names, (size_t) n);
  if (n <= 0)
    return;
  size_t count = 0;
  for (ssize_t i = 0; i < n; i += (ssize_t) strlen (names + i) + 1)
    count++;
  kn_cleanup_free char **v = kn_xmalloc (count * sizeof *v);
  count = 0;
  for (ssize_t i = 0; i < n; i += (ssize_t) strlen (names + i) + 1)
    v[count++] = names + i;
  qsort (v, count, sizeof *v, cmp_str);
  for (size_t i = 0; i < count; i++)
    {
      /* POSIX ACLs are not carried by OCI layers. */
      if (strncmp (v[i], "system.", 7) == 0)
        continue;
      ssize_t vn = fgetxattr (fd, v[i], NULL, 0);
      if (vn < 0)
        continue;
      kn_cleanup_free char *val = kn_xmalloc ((size_t) vn + 1);
      vn = fgetxattr (fd, v[i], val, (size_t) vn);
      if (vn < 0)
        {
          kn_log (KN_LOG_WARN, "layer: %s: cannot read xattr %s: %s", rel, v[i], strerror (errno));
          continue;
        }
      archive_entry_xattr_add_entry (e, v[i], val, (size_t) vn);
    }
}

/* Open NAME in DIRFD when readdir said (DTYPE) it is a regular file or a
 * directory and it still is (O_NOFOLLOW, then fstat): *st is filled.
 * Returns the fd, or -1 when the caller must look with fstatat. */
static int
open_known (int dirfd, const char *name, unsigned char dtype, struct stat *st)
{
  if (dtype != DT_REG && dtype != DT_DIR)
    return -1;
  /* O_NONBLOCK: never wait on a FIFO put there since readdir. */
  int fd = openat (dirfd, name,
                   O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (dtype == DT_DIR ? O_DIRECTORY : 0));
  if (fd < 0)
    return -1;
  if (fstat (fd, st) < 0 || !(dtype == DT_REG ? S_ISREG (st->st_mode) : S_ISDIR (st->st_mode)))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Write one entry REL (root-relative) that is NAME in DIRFD (of type DTYPE
 * according to readdir, or DT_UNKNOWN).  *is_dir is set when it is a
 * directory.  A vanished entry or a socket is skipped. */
static int
emit (struct wctx *c, int dirfd, const char *name, unsigned char dtype, const char *rel, int *is_dir,
      struct kn_error **err)
{
  struct stat st;
  kn_cleanup_close int fd = -1;
  int ret;

  if (is_dir)
    *is_dir = 0;
  if ((ret = cancelled (c, err)) < 0)
    return ret;
  /* Files and directories: open, fstat (one syscall less than fstatat first). */
  if ((fd = open_known (dirfd, name, dtype, &st)) >= 0)
    goto known;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        {
          kn_log (KN_LOG_DEBUG, "layer: %s vanished before it was written", rel);
          return 0;
        }
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "layer of %s: stat %s", c->root, rel);
    }
  if (S_ISSOCK (st.st_mode))
    return 0;
  if (S_ISREG (st.st_mode) || S_ISDIR (st.st_mode))
    {
      fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (S_ISDIR (st.st_mode) ? O_DIRECTORY : 0));
      if (fd < 0)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "layer of %s: open %s", c->root, rel);
      if (fstat (fd, &st) < 0)
        return kn_error_make (err, KN_EIO, errno, "layer of %s: stat %s", c->root, rel);
    }

known:;
  struct archive_entry *e = archive_entry_new2 (c->a);
  archive_entry_set_pathname (e, rel);
  archive_entry_set_mode (e, st.st_mode);
  archive_entry_set_uid (e, c->opts->root_uid >= 0 && st.st_uid == (uid_t) c->opts->root_uid ? 0 : st.st_uid);
  archive_entry_set_gid (e, c->opts->root_gid >= 0 && st.st_gid == (gid_t) c->opts->root_gid ? 0 : st.st_gid);
  archive_entry_set_mtime (e, entry_mtime (c, st.st_mtim.tv_sec), 0);
  archive_entry_set_size (e, 0);
  int copy_data = 0;
  if (S_ISREG (st.st_mode))
    {
      const char *first = NULL;
      if (st.st_nlink > 1)
        {
          char key[64];
          snprintf (key, sizeof key, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
          first = kn_pathset_get (c->inodes, key);
          if (first == NULL)
            kn_pathset_add (c->inodes, key, rel);
        }
      if (first)
        archive_entry_set_hardlink (e, first);
      else
        {
          archive_entry_set_size (e, st.st_size);
          copy_data = 1;
        }
    }
  else if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
      if (n < 0)
        {
          archive_entry_free (e);
          return kn_error_make (err, KN_EIO, errno, "layer of %s: readlink %s", c->root, rel);
        }
      target[n] = '\0';
      archive_entry_set_symlink (e, target);
    }
  else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    {
      archive_entry_set_rdevmajor (e, major (st.st_rdev));
      archive_entry_set_rdevminor (e, minor (st.st_rdev));
    }
  else if (S_ISDIR (st.st_mode) && is_dir)
    *is_dir = 1;
  if (fd >= 0)
    add_xattrs (e, fd, rel);

  if (archive_write_header (c->a, e) < ARCHIVE_WARN)
    {
      archive_entry_free (e);
      return fail_archive (c, rel, err);
    }
  archive_entry_free (e);
  c->entries++;
  if (copy_data)
    {
      uint64_t left = (uint64_t) st.st_size;
      while (left > 0)
        {
          ssize_t n = read (fd, c->buf, left < READ_CHUNK ? (size_t) left : READ_CHUNK);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return kn_error_make (err, KN_EIO, errno, "layer of %s: read %s", c->root, rel);
          if (n == 0)
            {
              kn_log (KN_LOG_WARN, "layer: %s shrank while it was written; padded with zeros", rel);
              break;
            }
          if (archive_write_data (c->a, c->buf, (size_t) n) < 0)
            return fail_archive (c, rel, err);
          left -= (uint64_t) n;
          if ((ret = cancelled (c, err)) < 0)
            return ret;
        }
    }
  if (archive_write_finish_entry (c->a) < ARCHIVE_WARN)
    return fail_archive (c, rel, err);
  return 0;
}

/* A zero-length marker file (whiteout, opaque) named REL. */
static int
emit_marker (struct wctx *c, const char *rel, struct kn_error **err)
{
  struct archive_entry *e = archive_entry_new2 (c->a);
  archive_entry_set_pathname (e, rel);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0);
  archive_entry_set_size (e, 0);
  archive_entry_set_mtime (e, entry_mtime (c, 0), 0);
  int r = archive_write_header (c->a, e);
  archive_entry_free (e);
  if (r < ARCHIVE_WARN || archive_write_finish_entry (c->a) < ARCHIVE_WARN)
    return fail_archive (c, rel, err);
  c->entries++;
  return 0;
}

static int
ignored (struct wctx *c, const char *rel)
{
  if (c->opts->ignore == NULL)
    return 0;
  for (const char *const *p = c->opts->ignore; *p; p++)
    {
      const char *ig = *p;
      while (*ig == '/')
        ig++;
      size_t n = strlen (ig);
      while (n > 0 && ig[n - 1] == '/')
        n--;
      if (n && strncmp (ig, rel, n) == 0 && (rel[n] == '\0' || rel[n] == '/'))
        return 1;
    }
  return 0;
}

/* ---- whole tree ---- */

static int
walk_tree (struct wctx *c, int dirfd, const char *prefix, struct kn_error **err)
{
  int dup_fd = dup (dirfd);
  if (dup_fd < 0)
    return kn_error_make (err, KN_EIO, errno, "layer of %s: dup", c->root);
  kn_cleanup_dir DIR *d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return kn_error_make (err, KN_EIO, errno, "layer of %s: read directory %s", c->root, prefix[0] ? prefix : ".");
    }
  size_t n = 0, cap = 16;
  /* Each name is stored after its d_type byte: names[i] + 1 is the name. */
  char **names = kn_xmalloc (cap * sizeof *names);
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n == cap)
        names = kn_xrealloc (names, (cap *= 2) * sizeof *names);
      size_t len = strlen (de->d_name);
      names[n] = kn_xmalloc (len + 2);
      names[n][0] = (char) de->d_type;
      memcpy (names[n] + 1, de->d_name, len + 1);
      n++;
    }
  qsort (names, n, sizeof *names, cmp_typed);
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      const char *name = names[i] + 1;
      kn_cleanup_free char *rel = prefix[0] ? kn_xasprintf ("%s/%s", prefix, name) : kn_xstrdup (name);
      if (ignored (c, rel))
        continue;
      int is_dir = 0;
      ret = emit (c, dirfd, name, (unsigned char) names[i][0], rel, &is_dir, err);
      if (ret == 0 && is_dir)
        {
          kn_cleanup_close int sub = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            ret = kn_error_make (err, KN_EIO, errno, "layer of %s: open %s", c->root, rel);
          else
            ret = walk_tree (c, sub, rel, err);
        }
    }
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return ret;
}

/* ---- change sets ---- */

static int
is_ancestor (const char *anc, const char *p)
{
  size_t n = strlen (anc);
  return strncmp (anc, p, n) == 0 && p[n] == '/';
}

static void
push_dir (struct wctx *c, const char *rel)
{
  if (c->ndirs == c->capdirs)
    c->dirs = kn_xrealloc (c->dirs, (c->capdirs = c->capdirs ? c->capdirs * 2 : 16) * sizeof *c->dirs);
  c->dirs[c->ndirs++] = kn_xstrdup (rel);
}

/* Open the parent of REL without following symlinks; 0 with *dirfd=-1 when
 * the parent is gone or is reached through a symlink (the entry is skipped). */
static int
open_parent (struct wctx *c, const char *rel, int *dirfd, char **base, struct kn_error **err)
{
  struct kn_error *e = NULL;
  *dirfd = kn_resolve_parent (c->rootfd, rel, KN_RESOLVE_NOFOLLOW, base, &e);
  if (*dirfd >= 0)
    return 0;
  if (e && (e->code == KN_ENOTFOUND || e->code == KN_EPERM || e->errnum == ENOTDIR))
    {
      kn_log (KN_LOG_DEBUG, "layer: %s skipped: %s", rel, e->msg);
      kn_error_free (e);
      *dirfd = -1;
      return 0;
    }
  *err = e;
  return kn_error_wrap (err, "layer of %s", c->root);
}

/* Emit the directories above REL that this branch has not emitted yet. */
static int
emit_parents (struct wctx *c, const char *rel, struct kn_error **err)
{
  while (c->ndirs > 0 && !is_ancestor (c->dirs[c->ndirs - 1], rel))
    free (c->dirs[--c->ndirs]);
  const char *start = rel;
  if (c->ndirs > 0)
    start = rel + strlen (c->dirs[c->ndirs - 1]) + 1;
  for (const char *s = strchr (start, '/'); s; s = strchr (s + 1, '/'))
    {
      kn_cleanup_free char *anc = kn_xstrndup (rel, (size_t) (s - rel));
      kn_cleanup_free char *base = NULL;
      kn_cleanup_close int dirfd = -1;
      int ret = open_parent (c, anc, &dirfd, &base, err);
      if (ret < 0)
        return ret;
      if (dirfd >= 0)
        {
          struct stat st;
          if (fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
            {
              ret = emit (c, dirfd, base, DT_DIR, anc, NULL, err);
              if (ret < 0)
                return ret;
            }
        }
      push_dir (c, anc);
    }
  return 0;
}

static int
emit_change (const char *rel, enum kn_change_kind kind, void *payload)
{
  struct wctx *c = ((void **) payload)[0];
  struct kn_error **err = ((void **) payload)[1];
  int ret;

  if (ignored (c, rel))
    return 0;
  if ((ret = emit_parents (c, rel, err)) < 0)
    return ret;
  if (kind == KN_CHANGE_DELETE)
    {
      const char *slash = strrchr (rel, '/');
      kn_cleanup_free char *wh = slash ? kn_xasprintf ("%.*s/" WHITEOUT_PREFIX "%s", (int) (slash - rel), rel, slash + 1)
                                       : kn_xasprintf (WHITEOUT_PREFIX "%s", rel);
      return emit_marker (c, wh, err);
    }
  kn_cleanup_free char *base = NULL;
  kn_cleanup_close int dirfd = -1;
  if ((ret = open_parent (c, rel, &dirfd, &base, err)) < 0)
    return ret;
  if (dirfd < 0)
    {
      if (kind == KN_CHANGE_OPAQUE)
        kn_log (KN_LOG_WARN, "layer: opaque directory %s is gone; skipped", rel);
      return 0;
    }
  int is_dir = 0;
  if ((ret = emit (c, dirfd, base, DT_UNKNOWN, rel, &is_dir, err)) < 0)
    return ret;
  if (is_dir)
    push_dir (c, rel);
  if (kind == KN_CHANGE_OPAQUE && is_dir)
    {
      kn_cleanup_free char *opq = kn_xasprintf ("%s/" OPAQUE_NAME, rel);
      return emit_marker (c, opq, err);
    }
  return 0;
}

int
kn_layer_write_tar (struct kn_writer *sink, const char *root, struct kn_changeset *cs,
                    const struct kn_layer_write_opts *opts, uint64_t *entries, struct kn_error **err)
{
  struct kn_layer_write_opts defaults = KN_LAYER_WRITE_OPTS_INIT;
  if (opts == NULL)
    opts = &defaults;
  struct wctx c = { .sink = sink, .root = root, .opts = opts };
  int ret = 0;

  c.rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c.rootfd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "layer of %s: open the root", root);
  c.a = archive_write_new ();
  archive_write_set_format_pax_restricted (c.a);
  /* Only SCHILY.xattr.* records, as Go's archive/tar (Docker, kaniko) writes. */
  archive_write_set_format_option (c.a, "pax", "xattrheader", "SCHILY");
  /* No padding to 10 KiB blocks: the tar ends after its two zero records. */
  archive_write_set_bytes_per_block (c.a, 0);
  archive_write_set_bytes_in_last_block (c.a, 1);
  if (archive_write_open2 (c.a, &c, NULL, la_write, NULL, NULL) != ARCHIVE_OK)
    {
      ret = fail_archive (&c, "open", err);
      goto out;
    }
  c.inodes = kn_pathset_new ();
  c.buf = kn_xmalloc (READ_CHUNK);
  if (cs == NULL)
    ret = walk_tree (&c, c.rootfd, "", err);
  else
    {
      void *payload[2] = { &c, err };
      ret = kn_changeset_iterate (cs, emit_change, payload);
    }
  if (ret == 0 && archive_write_close (c.a) != ARCHIVE_OK)
    ret = fail_archive (&c, "end of archive", err);
  if (entries)
    *entries = c.entries;
out:
  archive_write_free (c.a);
  kn_error_free (c.sink_err);
  close (c.rootfd);
  kn_pathset_free (c.inodes);
  free (c.buf);
  for (size_t i = 0; i < c.ndirs; i++)
    free (c.dirs[i]);
  free (c.dirs);
  return ret;
}

/* The tar is produced on the caller's thread (directory walk, file reads,
 * libarchive) and handed in 1 MiB buffers over a ring to a stage thread that
 * runs everything below: the diff_id hash, the compressor (whose workers
 * compress in parallel) and the store ingest (hash of the blob, writes).
 * The two SHA-256 passes and the blob writes thus leave the thread that
 * reads the files.  A tar that fits in one buffer is written on the
 * caller's thread at close, without a thread.  The stage also coalesces
 * libarchive's small writes (512-byte headers) into large chunks. */
#define STAGE_BUF (1024 * 1024)
#define STAGE_NBUF 4

struct stage {
  struct kn_writer base;
  struct kn_writer *sink;
  struct kn_ring *ring;
  unsigned char *cur; /* the producer's buffer (from the ring), or NULL */
  size_t used;
  pthread_t thread;
  int started, joined;
  int failed;            /* sticky, producer side */
  int ret;               /* the stage thread's result (read after the abort or the join) */
  struct kn_error *err;  /* ... and its error, handed out once */
};

static void *
stage_main (void *arg)
{
  struct stage *st = arg;
  const unsigned char *p;
  size_t len;
  while ((p = kn_ring_pop (st->ring, &len)) != NULL)
    {
      int r = kn_writer_write (st->sink, p, len, &st->err);
      kn_ring_release (st->ring);
      if (r < 0)
        {
          st->ret = r;
          kn_ring_abort (st->ring);
          break;
        }
    }
  return NULL;
}

/* The stage thread's error for the producer (once; later calls get a short one). */
static int
stage_error (struct stage *st, struct kn_error **err)
{
  st->failed = 1;
  if (st->err)
    {
      *err = st->err;
      st->err = NULL;
      return st->ret < 0 ? st->ret : -KN_EIO;
    }
  return kn_error_make (err, st->ret < 0 ? -st->ret : KN_EIO, 0, "layer stage already failed");
}

static int
stage_push (struct stage *st, struct kn_error **err)
{
  if (!st->started)
    {
      int r = pthread_create (&st->thread, NULL, stage_main, st);
      if (r != 0)
        {
          st->failed = 1;
          return kn_error_make (err, KN_EIO, r, "layer: start the compression thread");
        }
      st->started = 1;
    }
  kn_ring_push (st->ring, st->used);
  st->cur = NULL;
  st->used = 0;
  return 0;
}

static int
stage_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct stage *st = (struct stage *) w;
  const unsigned char *s = buf;
  if (st->failed)
    return stage_error (st, err);
  while (len > 0)
    {
      if (st->cur == NULL && (st->cur = kn_ring_acquire (st->ring)) == NULL)
        return stage_error (st, err);
      size_t n = STAGE_BUF - st->used;
      if (n > len)
        n = len;
      memcpy (st->cur + st->used, s, n);
      st->used += n;
      s += n;
      len -= n;
      if (st->used == STAGE_BUF)
        {
          int r = stage_push (st, err);
          if (r < 0)
            return r;
        }
    }
  return 0;
}

static int
stage_close (struct kn_writer *w, struct kn_error **err)
{
  struct stage *st = (struct stage *) w;
  if (st->failed)
    return stage_error (st, err);
  if (!st->started)
    {
      /* Everything fits in one buffer: no thread. */
      int r = st->used ? kn_writer_write (st->sink, st->cur, st->used, err) : 0;
      st->used = 0;
      st->failed = r < 0;
      return r;
    }
  if (st->used > 0)
    kn_ring_push (st->ring, st->used);
  st->cur = NULL;
  st->used = 0;
  kn_ring_finish (st->ring);
  pthread_join (st->thread, NULL);
  st->joined = 1;
  if (st->ret < 0)
    return stage_error (st, err);
  return 0;
}

static void
stage_free (struct kn_writer *w)
{
  struct stage *st = (struct stage *) w;
  if (st->started && !st->joined)
    {
      kn_ring_abort (st->ring);
      pthread_join (st->thread, NULL);
    }
  kn_ring_free (st->ring);
  kn_error_free (st->err);
  free (st);
}

static struct kn_writer *
stage_new (struct kn_writer *sink)
{
  struct stage *st = kn_xcalloc (1, sizeof *st);
  st->base.write = stage_write;
  st->base.close = stage_close;
  st->base.free = stage_free;
  st->sink = sink;
  st->ring = kn_ring_new (STAGE_NBUF, STAGE_BUF);
  return &st->base;
}

static int
write_blob (struct kn_store *store, const char *root, struct kn_changeset *cs, const struct kn_layer_write_opts *opts,
            struct kn_layer_info *out, struct kn_error **err)
{
  struct kn_writer *ingest = NULL, *cw = NULL, *dw = NULL;
  struct kn_layer_info info;
  int ret;

  memset (&info, 0, sizeof info);
  if ((ret = kn_store_ingest_begin (store, &ingest, err)) < 0)
    return ret;
  if (opts && opts->compressor)
    {
      struct kn_compress_opts copts = KN_COMPRESS_OPTS_INIT;
      ret = opts->compressor->new_writer (&cw, ingest, opts->compress_opts ? opts->compress_opts : &copts, err);
      if (ret < 0)
        {
          kn_writer_free (ingest);
          return kn_error_wrap (err, "layer of %s: %s compressor", root, opts->compressor->name);
        }
    }
  /* Uncompressed, the blob is the tar: the ingest's digest is the diff_id. */
  if (cw)
    dw = kn_digest_writer_new (cw);
  struct kn_writer *st = stage_new (dw ? dw : ingest);
  ret = kn_layer_write_tar (st, root, cs, opts, &info.entries, err);
  if (ret == 0)
    ret = kn_writer_close (st, err);
  kn_writer_free (st);
  if (ret == 0 && cw)
    {
      kn_digest_writer_result (dw, info.diff_id, &info.tar_size);
      if ((ret = kn_writer_close (cw, err)) < 0)
        kn_error_wrap (err, "layer of %s: compress", root);
    }
  if (ret == 0)
    ret = kn_store_ingest_commit (ingest, NULL, info.digest, &info.size, err);
  if (ret == 0 && !cw)
    {
      memcpy (info.diff_id, info.digest, sizeof info.diff_id);
      info.tar_size = info.size;
    }
  kn_writer_free (dw);
  kn_writer_free (cw);
  kn_writer_free (ingest);
  if (ret == 0 && out)
    *out = info;
  return ret;
}

int
kn_layer_write (struct kn_store *store, const char *root, struct kn_changeset *cs,
                const struct kn_layer_write_opts *opts, struct kn_layer_info *out, struct kn_error **err)
{
  if (cs == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "layer of %s: no change set", root);
  return write_blob (store, root, cs, opts, out, err);
}

int
kn_layer_write_full (struct kn_store *store, const char *root, const struct kn_layer_write_opts *opts,
                     struct kn_layer_info *out, struct kn_error **err)
{
  return write_blob (store, root, NULL, opts, out, err);
}
