/* COPY and ADD: destination rules, tree copies, heredocs, URLs, archives. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/copy.h"
#include "core/build/copy_int.h"
#include "core/build/copy_sources.h"
#include "core/build/fetch.h"
#include "core/build/userdb.h"
#include "core/dockerfile/glob.h"
#include "core/layer/resolve.h"
#include "core/util/cancel.h"
#include "core/util/digest.h"


/* A destination directory of a tree copy, created on first use when its
 * source was excluded but may hold re-included entries. */
struct frame
{
  struct frame *parent;
  const char *dst;
  bool created;
  struct stat st;
};

static void
owner_of (const struct kn_copy_ctx *c, const struct stat *st, uid_t *uid, gid_t *gid)
{
  if (c->chown_set)
    *uid = c->uid, *gid = c->gid;
  else if (c->req->from_context)
    *uid = 0, *gid = 0;
  else
    *uid = st->st_uid, *gid = st->st_gid;
}

static mode_t
mode_of (const struct kn_copy_ctx *c, const struct stat *st)
{
  return kn_copy_chmod_apply (c->chmod, st->st_mode & 07777, S_ISDIR (st->st_mode));
}

static int
ensure_frame (struct kn_copy_ctx *c, struct frame *f, struct kn_error **err)
{
  if (f->created)
    return 0;
  if (f->parent)
    {
      int r = ensure_frame (c, f->parent, err);
      if (r < 0)
        return r;
    }
  uid_t uid;
  gid_t gid;
  owner_of (c, &f->st, &uid, &gid);
  int r = kn_copy_make_dir (c, f->dst, mode_of (c, &f->st), uid, gid, kn_copy_mtime (c, f->st.st_mtim), true, err);
  if (r == 0)
    f->created = true;
  return r;
}

struct src_fill
{
  struct kn_copy_ctx *c;
  const char *src;
  int in;
  off_t size; /* the source's size when it was listed */
};

void
kn_copy_fd_xattrs (int in, int out)
{
  ssize_t n = flistxattr (in, NULL, 0);
  if (n <= 0)
    return;
  kn_cleanup_free char *names = kn_xmalloc ((size_t)n + 1);
  n = flistxattr (in, names, (size_t)n);
  if (n <= 0)
    return;
  for (char *k = names; k < names + n; k += strlen (k) + 1)
    {
      ssize_t v = fgetxattr (in, k, NULL, 0);
      if (v < 0)
        continue;
      kn_cleanup_free char *val = kn_xmalloc ((size_t)v + 1);
      v = fgetxattr (in, k, val, (size_t)v);
      if (v >= 0)
        fsetxattr (out, k, val, (size_t)v, 0);
    }
}

/* Extended attributes of the source (security.capability, ...); failures
 * are ignored like BuildKit's xattr error handler does. */
static int
copy_xattrs (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime, (void)err;
  struct src_fill *s = payload;
  kn_copy_fd_xattrs (s->in, fd);
  return 0;
}

int
kn_copy_data (int in, int out, off_t size, char *buf, const char *name, const struct kn_cancel *cancel,
              struct kn_error **err)
{
  for (off_t done = 0;;)
    {
      if (kn_cancel_requested (cancel))
        return kn_error_make (err, KN_ECANCELED, 0, "copy %s: cancelled", name);
      ssize_t n = copy_file_range (in, NULL, out, NULL, KN_COPY_BUF_SIZE, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        {
          /* the size listed is the size copied (no extra call to see EOF);
             a source changing during the build is a race either way */
          done += n;
          if (done >= size)
            return 0;
          continue;
        }
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "copy %s", name);
      break;
    }
  for (;;)
    {
      if (kn_cancel_requested (cancel))
        return kn_error_make (err, KN_ECANCELED, 0, "copy %s: cancelled", name);
      ssize_t n = read (in, buf, KN_COPY_BUF_SIZE);
      if (n == 0)
        return 0;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return kn_error_make (err, KN_EIO, errno, "read %s", name);
        }
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (out, buf + off, (size_t)(n - off));
          if (w < 0)
            {
              if (errno == EINTR)
                continue;
              return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write");
            }
          off += w;
        }
    }
}

static int
fill_from_src (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime;
  struct src_fill *s = payload;
  struct kn_copy_ctx *c = s->c;
  s->in = openat (c->src_rootfd, s->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (s->in < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", s->src);
  return kn_copy_data (s->in, fd, s->size, c->buf, s->src, c->req->cancel, err);
}

int
kn_copy_file_now (struct kn_copy_ctx *c, const char *src, off_t size, const char *dst, mode_t mode, uid_t uid,
                  gid_t gid, struct timespec mt, struct kn_error **err)
{
  struct src_fill s = { c, src, -1, size };
  int r = kn_copy_write_file (c, dst, mode, uid, gid, mt, fill_from_src, copy_xattrs, &s, err);
  if (s.in >= 0)
    close (s.in);
  return r;
}

/* The link record of source ST (nlink > 1) when this COPY already copied it. */
static struct kn_copy_link *
find_link (struct kn_copy_ctx *c, const struct stat *st)
{
  if (st->st_nlink < 2)
    return NULL;
  for (size_t i = 0; i < c->nlinks; i++)
    if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
      return &c->links[i];
  return NULL;
}

/* Record that source ST was just copied to canonical DST (replacing a
 * stale record of ST, when its first copy is gone). */
static void
remember_link (struct kn_copy_ctx *c, const struct stat *st, const char *dst)
{
  struct kn_copy_link *l = find_link (c, st);
  struct stat dst_st;
  if (fstatat (c->dst_rootfd, dst, &dst_st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (dst_st.st_mode))
    return;
  if (!l)
    {
      if (c->nlinks == c->caplinks)
        {
          c->caplinks = c->caplinks ? 2 * c->caplinks : 16;
          c->links = kn_xrealloc (c->links, c->caplinks * sizeof *c->links);
        }
      l = &c->links[c->nlinks++];
      l->dst = NULL;
    }
  free (l->dst);
  l->dev = st->st_dev;
  l->ino = st->st_ino;
  l->dst = kn_xstrdup (dst);
  l->ddev = dst_st.st_dev;
  l->dino = dst_st.st_ino;
}

/* Copy the non-directory SRC (canonical in the source root, stat ST) to
 * canonical DST; a regular file already copied by this COPY under another
 * name (same source inode) becomes a hardlink to that first copy. */
static int
copy_leaf (struct kn_copy_ctx *c, const char *src, const struct stat *st, const char *dst, bool may_queue,
           struct kn_error **err)
{
  uid_t uid;
  gid_t gid;
  owner_of (c, st, &uid, &gid);
  struct timespec mt = kn_copy_mtime (c, st->st_mtim);
  if (S_ISREG (st->st_mode))
    {
      struct kn_copy_link *l = find_link (c, st);
      if (l)
        {
          int r = kn_copy_write_hardlink (c, dst, l->dst, l->ddev, l->dino, err);
          if (r != 0)
            return r < 0 ? r : 0;
        }
      if (may_queue && st->st_nlink < 2 && !c->replace_dirs)
        return kn_copy_queue_file (c, src, st->st_size, dst, mode_of (c, st), uid, gid, mt, err);
      int r = kn_copy_file_now (c, src, st->st_size, dst, mode_of (c, st), uid, gid, mt, err);
      if (r < 0 || st->st_nlink < 2)
        return r;
      remember_link (c, st, dst);
      return 0;
    }
  if (S_ISLNK (st->st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (c->src_rootfd, src, target, sizeof target - 1);
      if (n < 0)
        return kn_error_make (err, KN_EIO, errno, "readlink %s", src);
      target[n] = '\0';
      return kn_copy_write_symlink (c, dst, target, uid, gid, mt, err);
    }
  if (S_ISFIFO (st->st_mode) || S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode))
    return kn_copy_write_node (c, dst, st->st_mode, st->st_rdev, uid, gid, mt, err);
  return 0; /* sockets */
}

/* --exclude match of REL (path relative to the copied source). */
static int
excluded (struct kn_copy_ctx *c, const char *rel, struct kn_error **err)
{
  if (!c->excludes || rel[0] == '\0')
    return 0;
  return kn_ignore_matches (c->excludes, rel, err);
}

static int
cmp_name (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Copy the contents of directory SRC into frame F. REL: SRC relative to the copied source. */
static int
copy_dir_contents (struct kn_copy_ctx *c, const char *src, const char *rel, struct frame *f, struct kn_error **err)
{
  int dfd = kn_resolve_dir (c->src_rootfd, src, KN_RESOLVE_NOFOLLOW, err);
  if (dfd < 0)
    return dfd;
  DIR *d = fdopendir (dfd);
  if (!d)
    {
      close (dfd);
      return kn_error_make (err, KN_EIO, errno, "open %s", src);
    }
  size_t n = 0, cap = 0;
  char **names = NULL;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n == cap)
        names = kn_xrealloc (names, (cap = cap ? cap * 2 : 16) * sizeof *names);
      names[n++] = kn_xstrdup (de->d_name);
    }
  closedir (d);
  if (n > 1)
    qsort (names, n, sizeof *names, cmp_name);
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      if (kn_cancel_requested (c->req->cancel))
        {
          r = kn_error_make (err, KN_ECANCELED, 0, "cancelled");
          break;
        }
      kn_cleanup_free char *csrc = kn_copy_join (src, names[i]);
      kn_cleanup_free char *crel = kn_copy_join (rel, names[i]);
      kn_cleanup_free char *cdst = kn_copy_join (f->dst, names[i]);
      struct stat st;
      if (fstatat (c->src_rootfd, csrc, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          r = kn_error_make (err, KN_EIO, errno, "lstat %s", csrc);
          break;
        }
      bool pending = false;
      int ig = kn_copy_ignored (c, csrc, err);
      if (ig < 0)
        {
          r = ig;
          break;
        }
      if (ig)
        {
          if (!S_ISDIR (st.st_mode) || !c->ignore_exceptions)
            continue;
          pending = true;
        }
      int ex = excluded (c, crel, err);
      if (ex < 0)
        {
          r = ex;
          break;
        }
      if (ex)
        {
          if (!S_ISDIR (st.st_mode) || !c->exclude_exceptions)
            continue;
          pending = true;
        }
      if (S_ISDIR (st.st_mode))
        {
          struct frame sub = { f, cdst, false, st };
          if (!pending)
            r = ensure_frame (c, &sub, err);
          if (r == 0)
            r = copy_dir_contents (c, csrc, crel, &sub, err);
          continue;
        }
      r = ensure_frame (c, f, err);
      if (r == 0)
        r = copy_leaf (c, csrc, &st, cdst, true, err);
    }
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return r;
}

/* Copy the directory SRC (canonical, stat ST) so that its contents land in the
 * lexical destination directory DEST. */
static int
copy_dir_to (struct kn_copy_ctx *c, const char *src, const struct stat *st, const char *dest, struct kn_error **err)
{
  kn_cleanup_free char *canon = NULL;
  struct stat dst_st;
  int r = kn_copy_resolve (c, c->dst_rootfd, dest, KN_COPY_R_FOLLOW | KN_COPY_R_MKPARENTS, &canon, &dst_st, err);
  if (r < 0)
    return r;
  struct frame top = { NULL, canon, true, *st };
  if (dst_st.st_mode == 0)
    {
      top.created = false;
      r = ensure_frame (c, &top, err);
      if (r < 0)
        return r;
    }
  else if (!S_ISDIR (dst_st.st_mode))
    return kn_error_make (err, KN_EINVAL, ENOTDIR, "cannot copy to non-directory: /%s", canon);
  r = copy_dir_contents (c, src, "", &top, err);
  /* the files of this tree are written before anything else is */
  return r < 0 ? r : kn_copy_flush (c, err);
}

/* Canonical path of the file target named by lexical DEST (its parents created). */
static int
file_target (struct kn_copy_ctx *c, const char *dest, char **canon, struct kn_error **err)
{
  struct stat st;
  int r = kn_copy_resolve (c, c->dst_rootfd, dest, KN_COPY_R_MKPARENTS, canon, &st, err);
  if (r == 0 && (*canon)[0] == '\0')
    return kn_error_make (err, KN_EINVAL, EISDIR, "cannot copy a file to /");
  return r;
}

/* 1 when lexical DEST is an existing directory (symlinks followed in the root). */
static bool
dest_is_existing_dir (struct kn_copy_ctx *c, const char *dest)
{
  kn_cleanup_free char *canon = NULL;
  struct stat st;
  struct kn_error *e = NULL;
  if (kn_copy_resolve (c, c->dst_rootfd, dest, KN_COPY_R_FOLLOW, &canon, &st, &e) < 0)
    {
      kn_error_free (e);
      return false;
    }
  return S_ISDIR (st.st_mode);
}

/* ---- ADD <url> ---- */

struct url_fill
{
  struct kn_copy_ctx *c;
  const char *url;
};

static int
fill_from_url (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  struct url_fill *u = payload;
  struct kn_fetch_result res;
  int r = kn_fetch_url (u->url, fd, u->c->req->cancel, &res, err);
  if (r < 0)
    return r;
  const char *want = u->c->req->checksum;
  if (want && strcmp (want, res.digest) != 0)
    return kn_error_make (err, KN_EDIGEST, 0, "checksum of %s mismatch: expected %s, got %s", u->url, want, res.digest);
  if (res.mtime >= 0)
    {
      mtime->tv_sec = res.mtime;
      mtime->tv_nsec = 0;
      *mtime = kn_copy_mtime (u->c, *mtime);
    }
  return 0;
}

struct fd_fill
{
  int fd;
  char *buf;
};

static int
fill_from_fd (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime;
  struct fd_fill *f = payload;
  if (lseek (f->fd, 0, SEEK_SET) < 0)
    return kn_error_make (err, KN_EIO, errno, "seek");
  for (;;)
    {
      ssize_t n = read (f->fd, f->buf, KN_COPY_BUF_SIZE);
      if (n == 0)
        return 0;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return kn_error_make (err, KN_EIO, errno, "read");
        }
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (fd, f->buf + off, (size_t)(n - off));
          if (w < 0)
            {
              if (errno == EINTR)
                continue;
              return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write");
            }
          off += w;
        }
    }
}

/* ADD --unpack=true <url>: download to a temporary file, extract it when it
 * is an archive, else write it like a plain download. */
static int
add_url_unpack (struct kn_copy_ctx *c, const char *url, const char *dest, const char *file_canon, mode_t mode,
                struct timespec mt, struct kn_error **err)
{
  const char *td = getenv ("TMPDIR");
  kn_cleanup_free char *tmpl = kn_xasprintf ("%s/kn-add-XXXXXX", td && *td ? td : "/tmp");
  kn_cleanup_close int fd = mkstemp (tmpl);
  if (fd < 0)
    return kn_error_make (err, KN_EIO, errno, "create %s", tmpl);
  unlink (tmpl);
  struct url_fill u = { c, url };
  int r = fill_from_url (&u, fd, &mt, err);
  if (r < 0)
    return r;
  if (kn_copy_is_archive (fd))
    {
      kn_cleanup_free char *dcanon = NULL;
      struct stat dst;
      r = kn_copy_resolve (c, c->dst_rootfd, dest, KN_COPY_R_FOLLOW | KN_COPY_R_MKPARENTS | KN_COPY_R_MKLAST, &dcanon,
                           &dst, err);
      if (r < 0)
        return r;
      if (!S_ISDIR (dst.st_mode))
        return kn_error_make (err, KN_EINVAL, ENOTDIR, "cannot unpack %s to non-directory /%s", url, dcanon);
      return kn_copy_extract (c, fd, url, dcanon, err);
    }
  struct fd_fill f = { fd, c->buf };
  return kn_copy_write_file (c, file_canon, mode, c->chown_set ? c->uid : 0, c->chown_set ? c->gid : 0, mt,
                             fill_from_fd, NULL, &f, err);
}

static int
add_url (struct kn_copy_ctx *c, const char *url, const char *dest, bool into, struct kn_error **err)
{
  kn_cleanup_free char *fname = kn_fetch_filename (url);
  kn_cleanup_free char *lex = into ? kn_xasprintf ("%s/%s", dest, fname) : kn_xstrdup (dest);
  kn_cleanup_free char *canon = NULL;
  int r = file_target (c, lex, &canon, err);
  if (r < 0)
    return r;
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  struct stat fake = { 0 };
  fake.st_mode = S_IFREG | 0600;
  if (c->req->unpack == 1)
    return add_url_unpack (c, url, dest, canon, mode_of (c, &fake), kn_copy_mtime (c, now), err);
  struct url_fill u = { c, url };
  return kn_copy_write_file (c, canon, mode_of (c, &fake), c->chown_set ? c->uid : 0, c->chown_set ? c->gid : 0,
                             kn_copy_mtime (c, now), fill_from_url, NULL, &u, err);
}

/* ---- heredocs ---- */

struct buf_fill
{
  const char *data;
  size_t len;
};

static int
fill_from_buf (void *payload, int fd, struct timespec *mtime, struct kn_error **err)
{
  (void)mtime;
  struct buf_fill *b = payload;
  for (size_t off = 0; off < b->len;)
    {
      ssize_t w = write (fd, b->data + off, b->len - off);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write");
        }
      off += (size_t)w;
    }
  return 0;
}

static int
add_content (struct kn_copy_ctx *c, const struct kn_df_source_content *sc, const char *dest, bool into,
             struct kn_error **err)
{
  kn_cleanup_free char *base = kn_glob_clean_path (sc->path);
  kn_cleanup_free char *lex = into ? kn_xasprintf ("%s/%s", dest, base) : kn_xstrdup (dest);
  kn_cleanup_free char *canon = NULL;
  int r = file_target (c, lex, &canon, err);
  if (r < 0)
    return r;
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  struct stat fake = { 0 };
  fake.st_mode = S_IFREG | 0644;
  struct buf_fill b = { sc->data ? sc->data : "", sc->data ? strlen (sc->data) : 0 };
  return kn_copy_write_file (c, canon, mode_of (c, &fake), c->chown_set ? c->uid : 0, c->chown_set ? c->gid : 0,
                             kn_copy_mtime (c, now), fill_from_buf, NULL, &b, err);
}

/* ---- local sources ---- */

static char *
last_component (const char *path)
{
  const char *s = strrchr (path, '/');
  return kn_xstrdup (s ? s + 1 : path);
}

/* Number of components of a cleaned relative path ("" = 0). */
static size_t
ncomponents (const char *p)
{
  if (p[0] == '\0' || strcmp (p, ".") == 0)
    return 0;
  size_t n = 1;
  for (; *p; p++)
    n += *p == '/';
  return n;
}

static const char *
skip_components (const char *p, size_t k)
{
  while (k-- > 0 && *p)
    {
      const char *s = strchr (p, '/');
      p = s ? s + 1 : p + strlen (p);
    }
  return p;
}

static char *
clean_rel (const char *word)
{
  kn_cleanup_free char *abs = kn_xasprintf ("/%s", word);
  kn_cleanup_free char *cl = kn_glob_clean_path (abs);
  return kn_xstrdup (cl + 1);
}

static int
copy_local (struct kn_copy_ctx *c, const char *word, const char *dest, bool dest_dir_syntax, struct kn_error **err)
{
  const struct kn_copy_request *req = c->req;
  kn_cleanup_free char *clean = clean_rel (word);
  size_t pivot = 0;
  if (req->parents)
    {
      const char *p = strstr (word, "/./");
      if (p)
        {
          kn_cleanup_free char *pre = kn_xstrndup (word, (size_t)(p - word));
          kn_cleanup_free char *cpre = clean_rel (pre);
          pivot = ncomponents (cpre);
        }
    }
  kn_cleanup_strv char **matches = NULL;
  size_t n = 0;
  int r = kn_copy_expand_source (c, clean, &matches, &n, err);
  if (r < 0)
    return r;
  bool glob = kn_copy_has_meta (clean);
  if (n == 0)
    return kn_error_make (err, KN_ENOTFOUND, 0, "no source files were specified (%s matches nothing)", word);
  bool into = dest_dir_syntax || req->parents || dest_is_existing_dir (c, dest);
  if (n > 1 && !into)
    return kn_error_make (err, KN_EINVAL, 0,
                          "when specifying multiple sources in a COPY command, destination must be a directory and end "
                          "in '/'");
  for (size_t i = 0; i < n; i++)
    {
      const char *m = matches[i];
      kn_cleanup_free char *canon = NULL;
      struct stat st;
      struct kn_error *e = NULL;
      r = kn_copy_resolve (c, c->src_rootfd, m, KN_COPY_R_FOLLOW, &canon, &st, &e);
      if (r < 0 || st.st_mode == 0)
        {
          kn_error_free (e);
          if (glob)
            continue; /* a dangling link matched by a glob */
          return kn_error_make (err, KN_ENOTFOUND, 0, "stat %s: no such file or directory", word);
        }
      int ig = kn_copy_ignored (c, m, err);
      if (ig == 0)
        ig = kn_copy_ignored (c, canon, err);
      if (ig < 0)
        return ig;
      if (ig && !(S_ISDIR (st.st_mode) && c->ignore_exceptions))
        {
          if (glob)
            continue;
          return kn_error_make (err, KN_ENOTFOUND, 0, "stat %s: no such file or directory (excluded by .dockerignore)",
                                word);
        }
      if (glob || req->parents)
        {
          kn_cleanup_free char *base = last_component (m);
          int ex = excluded (c, base, err);
          if (ex < 0)
            return ex;
          if (ex && !S_ISDIR (st.st_mode))
            continue;
        }
      /* the directory this match lands in (or the file it becomes) */
      kn_cleanup_free char *target = NULL;
      if (req->parents)
        target = kn_xasprintf ("%s/%s", dest, skip_components (m, pivot));
      if (S_ISDIR (st.st_mode))
        {
          r = copy_dir_to (c, canon, &st, target ? target : dest, err);
          if (r < 0)
            return r;
          continue;
        }
      if (req->is_add && req->unpack != 0 && S_ISREG (st.st_mode))
        {
          kn_cleanup_close int fd = openat (c->src_rootfd, canon, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            return kn_error_make (err, KN_EIO, errno, "open %s", m);
          if (kn_copy_is_archive (fd))
            {
              kn_cleanup_free char *dcanon = NULL;
              struct stat dst;
              r = kn_copy_resolve (c, c->dst_rootfd, dest, KN_COPY_R_FOLLOW | KN_COPY_R_MKPARENTS | KN_COPY_R_MKLAST,
                                   &dcanon, &dst, err);
              if (r < 0)
                return r;
              if (!S_ISDIR (dst.st_mode))
                return kn_error_make (err, KN_EINVAL, ENOTDIR, "cannot unpack %s to non-directory /%s", m, dcanon);
              r = kn_copy_extract (c, fd, m, dcanon, err);
              if (r < 0)
                return r;
              continue;
            }
        }
      kn_cleanup_free char *base = last_component (m);
      kn_cleanup_free char *lex = target ? KN_STEAL (target)
                                  : into ? kn_xasprintf ("%s/%s", dest, base)
                                         : kn_xstrdup (dest);
      kn_cleanup_free char *fcanon = NULL;
      r = file_target (c, lex, &fcanon, err);
      if (r < 0)
        return r;
      r = copy_leaf (c, canon, &st, fcanon, false, err);
      if (r < 0)
        return r;
    }
  return 0;
}

/* ---- driver ---- */

static bool
has_exceptions (const struct kn_ignore *ig)
{
  if (!ig)
    return false;
  for (const char *const *p = kn_ignore_patterns (ig); p && *p; p++)
    if ((*p)[0] == '!')
      return true;
  return false;
}

static char *
make_label (const struct kn_copy_request *req)
{
  char *s = kn_xstrdup (req->is_add ? "ADD" : "COPY");
  for (size_t i = 0; req->sources && req->sources[i]; i++)
    {
      char *n = kn_xasprintf ("%s %s", s, req->sources[i]);
      free (s);
      s = n;
    }
  for (size_t i = 0; i < req->n_contents; i++)
    {
      char *n = kn_xasprintf ("%s <<%s", s, req->contents[i].path);
      free (s);
      s = n;
    }
  char *n = kn_xasprintf ("%s %s", s, req->dest);
  free (s);
  return n;
}

static bool
dir_syntax (const char *d)
{
  size_t l = strlen (d);
  return l == 0 || d[l - 1] == '/' || strcmp (d, ".") == 0 || strcmp (d, "..") == 0
         || (l >= 2 && strcmp (d + l - 2, "/.") == 0) || (l >= 3 && strcmp (d + l - 3, "/..") == 0);
}

static int
run (struct kn_copy_ctx *c, struct kn_error **err)
{
  const struct kn_copy_request *req = c->req;
  int r;
  c->dst_rootfd = open (req->dest_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->dst_rootfd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open root %s", req->dest_root);
  size_t nsrc = 0;
  for (; req->sources && req->sources[nsrc]; nsrc++)
    ;
  bool need_src = false;
  for (size_t i = 0; i < nsrc; i++)
    if (!(req->is_add && kn_fetch_is_url (req->sources[i])))
      need_src = true;
  if (need_src)
    {
      if (!req->src_root)
        return kn_error_make (err, KN_EINVAL, 0, "no source root");
      c->src_rootfd = open (req->src_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (c->src_rootfd < 0)
        return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open source %s", req->src_root);
    }
  if (req->chown && req->chown[0])
    {
      r = kn_userdb_resolve_chown (req->userdb_root ? req->userdb_root : req->dest_root, req->chown, &c->uid, &c->gid,
                                   err);
      if (r < 0)
        return r;
      c->chown_set = true;
    }
  if (req->chmod && req->chmod[0])
    {
      r = kn_copy_chmod_parse (req->chmod, &c->chmod, err);
      if (r < 0)
        return r;
    }
  if (req->excludes && req->excludes[0])
    {
      c->excludes = kn_ignore_new (req->excludes, (size_t)-1);
      c->exclude_exceptions = has_exceptions (c->excludes);
    }
  c->ignore_exceptions = req->from_context && has_exceptions (req->ignore);
  if (req->checksum)
    {
      if (!req->is_add)
        return kn_error_make (err, KN_EINVAL, 0, "checksum can't be specified for COPY");
      if (nsrc + req->n_contents != 1)
        return kn_error_make (err, KN_EINVAL, 0, "checksum can't be specified for multiple sources");
      if (nsrc == 0 || !kn_fetch_is_url (req->sources[0]))
        return kn_error_make (err, KN_EINVAL, 0, "checksum can't be specified for non-HTTP(S) sources");
      r = kn_digest_validate (req->checksum, err);
      if (r < 0)
        return kn_error_wrap (err, "--checksum");
    }
  /* the destination, relative to WORKDIR */
  const char *d = req->dest ? req->dest : "";
  kn_cleanup_free char *dest
      = d[0] == '/' ? kn_xstrdup (d) : kn_xasprintf ("%s/%s", req->workdir ? req->workdir : "/", d);
  bool into = dir_syntax (d);
  if (nsrc + req->n_contents > 1 && !into)
    return kn_error_make (err, KN_EINVAL, 0,
                          "When using %s with more than one source file, the destination must be a directory and "
                          "end with a /",
                          req->is_add ? "ADD" : "COPY");
  for (size_t i = 0; i < nsrc; i++)
    {
      const char *w = req->sources[i];
      if (kn_fetch_is_git (w) && req->is_add)
        return kn_error_make (err, KN_ENOTSUP, 0, "ADD of a git repository (%s) is not supported yet", w);
      if (kn_fetch_is_url (w))
        {
          if (!req->is_add)
            return kn_error_make (err, KN_EINVAL, 0, "source can't be a URL for COPY");
          bool u_into = into || dest_is_existing_dir (c, dest);
          r = add_url (c, w, dest, u_into, err);
        }
      else
        r = copy_local (c, w, dest, into, err);
      if (r < 0)
        return r;
    }
  for (size_t i = 0; i < req->n_contents; i++)
    {
      r = add_content (c, &req->contents[i], dest, into || dest_is_existing_dir (c, dest), err);
      if (r < 0)
        return r;
    }
  return 0;
}

int
kn_copy_run (const struct kn_copy_request *req, struct kn_error **err)
{
  struct kn_copy_ctx c = { 0 };
  c.req = req;
  c.src_rootfd = -1;
  c.dst_rootfd = -1;
  c.pdir_fd = -1;
  c.privileged = geteuid () == 0;
  c.euid = geteuid ();
  c.egid = getegid ();
  c.buf = kn_xmalloc (KN_COPY_BUF_SIZE);
  kn_cleanup_free char *label = make_label (req);
  c.label = label;
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int r = run (&c, err);
  kn_copy_jobs_free (&c);
  kn_copy_forget_parent (&c);
  kn_copy_finish_dirs (&c, true);
  for (size_t i = 0; i < c.nlinks; i++)
    free (c.links[i].dst);
  free (c.links);
  free (c.buf);
  kn_copy_chmod_free (c.chmod);
  kn_ignore_free (c.excludes);
  if (c.src_rootfd >= 0)
    close (c.src_rootfd);
  if (c.dst_rootfd >= 0)
    close (c.dst_rootfd);
  if (r < 0)
    return kn_error_wrap (err, "%s", label);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  kn_log (KN_LOG_DEBUG, "copy: %zu paths written in %.1f ms", c.nrecorded,
          (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
  return 0;
}
