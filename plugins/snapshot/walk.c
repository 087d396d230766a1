#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/util/digest.h"
#include "core/layer/changeset.h"
#include "plugins/snapshot/state.h"
#include "plugins/snapshot/walk.h"

#define WALK_BUF_SIZE (128 * 1024)
/* Timestamps closer than this to the start of a walk are not trusted:
 * RACY_COARSE_NS on a filesystem that keeps whole seconds, else
 * racy_fine_ns (a few ticks of the kernel's coarse clock, which stamps
 * inode times on Linux). */
#define RACY_COARSE_NS ((int64_t) 2000000000)
#define RACY_FINE_MIN_NS ((int64_t) 20000000)

struct walk_session {
  struct kn_snapshot base;
  enum kn_snapwalk_mode mode;
  char *root;
  char **ignore;
  size_t n_ignore;
  const struct kn_cancel *cancel;
  struct kn_snapstate state; /* the baseline */
  int64_t state_time_ns;     /* CLOCK_REALTIME when the baseline walk started */
  struct kn_snap_pathlist recorded; /* cleaned paths given to record() */
};

/* One walk in progress. */
struct walk_ctx {
  struct walk_session *s;
  const struct kn_snapstate *old;
  int64_t old_time_ns;
  int64_t cur_time_ns; /* CLOCK_REALTIME when this walk started */
  struct kn_snapstate *cur;
  dev_t root_dev;
  char *path;
  size_t path_cap;
  unsigned char *buf;
  size_t visited;
};

static void
hex_to_raw (const char *digest, uint8_t out[KN_SNAPSTATE_HASH_LEN])
{
  const char *h = strchr (digest, ':');
  h = h ? h + 1 : digest;
  for (size_t i = 0; i < KN_SNAPSTATE_HASH_LEN; i++)
    {
      int v = 0;
      for (int k = 0; k < 2; k++)
        {
          char c = h[2 * i + k];
          v = v * 16 + (c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
        }
      out[i] = (uint8_t) v;
    }
}

static int64_t
ts_ns (struct statx_timestamp t)
{
  return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The racy window for an entry whose ctime is CTIME_NS: a later write in
 * the same clock tick would leave ctime (and mtime) unchanged.  Files with
 * sub-second timestamps are stamped from CLOCK_REALTIME_COARSE, so a few of
 * its ticks are enough; whole-second timestamps (or a ctime that happens to
 * fall on a second) keep git's conservative 2 s. */
static int64_t
racy_ns (int64_t ctime_ns)
{
  static int64_t fine;
  if (ctime_ns % 1000000000 == 0)
    return RACY_COARSE_NS;
  if (fine == 0)
    {
      struct timespec res = { 0, 0 };
      int64_t r = 0;
      if (clock_getres (CLOCK_REALTIME_COARSE, &res) == 0)
        r = (int64_t) res.tv_sec * 1000000000 + res.tv_nsec;
      r = 4 * r;
      if (r < RACY_FINE_MIN_NS)
        r = RACY_FINE_MIN_NS;
      if (r > RACY_COARSE_NS)
        r = RACY_COARSE_NS;
      fine = r;
    }
  return fine;
}

/* Hash the regular file NAME of DIRFD; *GONE is set when it vanished. */
static int
hash_file (struct walk_ctx *w, int dirfd, const char *name, uint8_t out[KN_SNAPSTATE_HASH_LEN], int *gone,
           struct kn_error **err)
{
  int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  kn_cleanup_close int fd = openat (dirfd, name, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = openat (dirfd, name, flags);
  if (fd < 0 && (errno == ENOENT || errno == ELOOP || errno == ENXIO))
    {
      *gone = 1;
      return 0;
    }
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "snapshot: open %s/%s", w->s->root, w->path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return kn_error_make (err, KN_EIO, errno, "snapshot: stat %s/%s", w->s->root, w->path);
  if (!S_ISREG (st.st_mode))
    {
      *gone = 1; /* replaced while we looked: the next diff sees it */
      return 0;
    }
  struct kn_hasher *h = kn_hasher_new ();
  for (;;)
    {
      ssize_t r = read (fd, w->buf, WALK_BUF_SIZE);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          kn_hasher_free (h);
          return kn_error_make (err, KN_EIO, e, "snapshot: read %s/%s", w->s->root, w->path);
        }
      if (r == 0)
        break;
      kn_hasher_update (h, w->buf, (size_t) r);
    }
  char digest[KN_DIGEST_STR_LEN];
  kn_hasher_finish (h, digest);
  hex_to_raw (digest, out);
  return 0;
}

static int
walk_dir (struct walk_ctx *w, int dirfd, size_t plen, struct kn_error **err);

/* Copy the baseline entry of w->path and its subtree into the new state. */
static void
keep_old_subtree (struct walk_ctx *w)
{
  size_t i = kn_snapstate_find_index (w->old, w->path);
  if (i == (size_t) -1)
    return;
  size_t end = kn_snapstate_skip_subtree (w->old, i);
  for (size_t k = i; k < end; k++)
    {
      const struct kn_snapstate_entry *o = &w->old->v[k];
      struct kn_snapstate_entry *e = kn_snapstate_append (w->cur, kn_snapstate_path (w->old, o));
      uint32_t off = e->path;
      *e = *o;
      e->path = off;
    }
}

/* Visit NAME in DIRFD (w->path holds its root-relative path, PLEN long). */
static int
walk_entry (struct walk_ctx *w, int dirfd, const char *name, size_t plen, struct kn_error **err)
{
  struct walk_session *s = w->s;
  if (s->n_ignore && kn_snap_ignored (s->ignore, s->n_ignore, w->path))
    return 0;
  if ((++w->visited & 1023) == 0 && kn_cancel_requested (s->cancel))
    return kn_error_make (err, KN_ECANCELED, 0, "snapshot: walk of %s cancelled", s->root);
  struct statx sx;
  if (statx (dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_AS_STAT,
             STATX_BASIC_STATS | STATX_BTIME, &sx)
      < 0)
    {
      if (errno == ENOENT)
        return 0; /* vanished while we walked */
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "snapshot: stat %s/%s", s->root, w->path);
    }
  int mount_point = 0;
#ifdef STATX_ATTR_MOUNT_ROOT
  if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    mount_point = 1;
#endif
  if (S_ISDIR (sx.stx_mode) && makedev (sx.stx_dev_major, sx.stx_dev_minor) != w->root_dev)
    mount_point = 1;
  if (mount_point)
    {
      /* Another filesystem (/proc, a bind mount): never looked into; what
       * was there before the mount keeps its baseline, so nothing changes. */
      keep_old_subtree (w);
      return 0;
    }

  struct kn_snapstate_entry *e = kn_snapstate_append (w->cur, w->path);
  e->ino = sx.stx_ino;
  e->size = (int64_t) sx.stx_size;
  e->mtime_ns = ts_ns (sx.stx_mtime);
  e->ctime_ns = ts_ns (sx.stx_ctime);
  e->btime_ns = (sx.stx_mask & STATX_BTIME) ? ts_ns (sx.stx_btime) : 0;
  e->mode = sx.stx_mode;
  e->uid = sx.stx_uid;
  e->gid = sx.stx_gid;
  e->nlink = sx.stx_nlink;

  if (S_ISLNK (sx.stx_mode))
    {
      char target[4096 + 1];
      ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
      if (n < 0)
        {
          if (errno == ENOENT || errno == EINVAL)
            {
              w->cur->n--; /* vanished or replaced: the next diff sees it */
              return 0;
            }
          return kn_error_make (err, KN_EIO, errno, "snapshot: readlink %s/%s", s->root, w->path);
        }
      char digest[KN_DIGEST_STR_LEN];
      kn_digest_buffer (target, (size_t) n, digest);
      hex_to_raw (digest, e->hash);
      return 0;
    }
  if (S_ISREG (sx.stx_mode) && s->mode == KN_SNAPWALK_FULL)
    {
      /* Content is hashed only when a later comparison may need it: a
       * content write always moves ctime, so a file whose ctime is unchanged
       * has its old content, unless the write fell in the same clock tick as
       * the recorded ctime (a "racy" entry, as git calls them).  So: hash the
       * entries that are racy for this walk, and those whose racy baseline
       * left nothing else to compare; carry the hash (or its absence) of the
       * others. */
      const struct kn_snapstate_entry *o = kn_snapstate_find (w->old, w->path);
      bool same = o && S_ISREG (o->mode) && o->size == e->size && o->mtime_ns == e->mtime_ns
                  && o->ctime_ns == e->ctime_ns && o->ino == e->ino;
      bool old_racy = same && o->ctime_ns + racy_ns (o->ctime_ns) >= w->old_time_ns;
      bool new_racy = e->ctime_ns + racy_ns (e->ctime_ns) >= w->cur_time_ns;
      if (same && !old_racy && !new_racy)
        {
          memcpy (e->hash, o->hash, sizeof e->hash);
          return 0;
        }
      if (!old_racy && !new_racy)
        return 0; /* changed, and not racy now: no hash needed */
      uint8_t hash[KN_SNAPSTATE_HASH_LEN];
      int gone = 0;
      int r = hash_file (w, dirfd, name, hash, &gone, err);
      if (r < 0)
        return r;
      /* E may have moved: hash_file does not append, but be explicit. */
      e = &w->cur->v[w->cur->n - 1];
      if (gone)
        {
          w->cur->n--;
          return 0;
        }
      memcpy (e->hash, hash, sizeof hash);
      return 0;
    }
  if (S_ISDIR (sx.stx_mode))
    {
      kn_cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            {
              w->cur->n--;
              return 0;
            }
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "snapshot: open %s/%s", s->root,
                                w->path);
        }
      return walk_dir (w, fd, plen, err);
    }
  return 0;
}

static int
name_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Walk the directory DIRFD whose root-relative path is w->path[0..PLEN). */
static int
walk_dir (struct walk_ctx *w, int dirfd, size_t plen, struct kn_error **err)
{
  int dfd = dup (dirfd);
  if (dfd < 0)
    return kn_error_make (err, KN_EIO, errno, "snapshot: dup");
  kn_cleanup_dir DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return kn_error_make (err, KN_EIO, errno, "snapshot: read directory %s/%s", w->s->root, w->path);
    }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  errno = 0;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
        continue;
      if (n == cap)
        {
          cap = cap ? cap * 2 : 16;
          names = kn_xrealloc (names, cap * sizeof *names);
        }
      names[n++] = kn_xstrdup (de->d_name);
    }
  int rc = 0;
  if (errno != 0)
    rc = kn_error_make (err, KN_EIO, errno, "snapshot: read directory %s/%s", w->s->root, w->path);
  /* Siblings in strcmp order give the layer order for the whole walk. */
  if (rc == 0 && n > 1)
    qsort (names, n, sizeof *names, name_cmp);
  for (size_t i = 0; i < n; i++)
    {
      if (rc == 0)
        {
          size_t nl = strlen (names[i]);
          size_t need = plen + 1 + nl + 1;
          if (need > w->path_cap)
            {
              while (need > w->path_cap)
                w->path_cap *= 2;
              w->path = kn_xrealloc (w->path, w->path_cap);
            }
          size_t l = plen;
          if (l)
            w->path[l++] = '/';
          memcpy (w->path + l, names[i], nl + 1);
          rc = walk_entry (w, dirfd, names[i], l + nl, err);
          w->path[plen] = '\0';
        }
      free (names[i]);
    }
  free (names);
  return rc;
}

/* Walk the root into CUR, reusing hashes of OLD. */
static int64_t
realtime_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
walk_root (struct walk_session *s, const struct kn_snapstate *old, struct kn_snapstate *cur, int64_t start,
           struct kn_error **err)
{
  kn_cleanup_close int fd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "snapshot: open root %s", s->root);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return kn_error_make (err, KN_EIO, errno, "snapshot: stat root %s", s->root);
  struct walk_ctx w = {
    .s = s, .old = old, .old_time_ns = s->state_time_ns, .cur_time_ns = start, .cur = cur, .root_dev = st.st_dev
  };
  w.path_cap = 4096;
  w.path = kn_xmalloc (w.path_cap);
  w.path[0] = '\0';
  w.buf = s->mode == KN_SNAPWALK_FULL ? kn_xmalloc (WALK_BUF_SIZE) : NULL;
  int rc = walk_dir (&w, fd, 0, err);
  free (w.path);
  free (w.buf);
  if (rc < 0)
    return rc;
  kn_snapstate_sort (cur);
  return 0;
}

/* A regular file's hash is all zeroes until it is computed. */
static bool
hash_known (const uint8_t h[KN_SNAPSTATE_HASH_LEN])
{
  for (size_t i = 0; i < KN_SNAPSTATE_HASH_LEN; i++)
    if (h[i])
      return true;
  return false;
}

/* Whether entry O became N (same path, same kind of object) in MODE. */
static int
entry_changed (enum kn_snapwalk_mode mode, const struct kn_snapstate_entry *o, const struct kn_snapstate_entry *n)
{
  if ((o->mode & S_IFMT) != (n->mode & S_IFMT) || o->mtime_ns != n->mtime_ns)
    return 1;
  if (S_ISLNK (n->mode) && memcmp (o->hash, n->hash, sizeof o->hash) != 0)
    return 1;
  if (mode == KN_SNAPWALK_TIME)
    return 0;
  if (o->mode != n->mode || o->uid != n->uid || o->gid != n->gid || o->ino != n->ino)
    return 1;
  if (mode == KN_SNAPWALK_REDO)
    return o->size != n->size;
  /* full: the content of regular files (directory sizes are noise): any
   * ctime change (a write, and also chmod/chown/xattr changes that left
   * mode and owner as they were — the copy-up BuildKit's overlay diff makes
   * too) except one that came with a new link count; otherwise the hashes
   * when both are known (racy entries, see walk_entry). */
  if (S_ISREG (n->mode))
    {
      if (o->size != n->size)
        return 1;
      /* A link added or removed elsewhere moves ctime with the link count:
       * not a change of this path (kaniko, buildah; only the new name goes
       * into the layer). */
      if (o->ctime_ns != n->ctime_ns && o->nlink == n->nlink)
        return 1;
      if (hash_known (o->hash) && hash_known (n->hash))
        return memcmp (o->hash, n->hash, sizeof o->hash) != 0;
    }
  return 0;
}

/* A directory replaced by another one (deleted and recreated). */
static int
dir_replaced (const struct kn_snapstate_entry *o, const struct kn_snapstate_entry *n)
{
  return o->ino != n->ino || (o->btime_ns && n->btime_ns && o->btime_ns != n->btime_ns);
}

/* Merge-join the sorted OLD and CUR into CS. */
static void
compare_states (enum kn_snapwalk_mode mode, const struct kn_snapstate *old, const struct kn_snapstate *cur,
                struct kn_changeset *cs)
{
  size_t i = 0, j = 0;
  while (i < old->n || j < cur->n)
    {
      int c;
      if (i == old->n)
        c = 1;
      else if (j == cur->n)
        c = -1;
      else
        c = kn_layer_path_cmp (kn_snapstate_path (old, &old->v[i]), kn_snapstate_path (cur, &cur->v[j]));
      if (c < 0)
        {
          /* Gone: only the top-most deleted path is reported. */
          kn_changeset_add (cs, kn_snapstate_path (old, &old->v[i]), KN_CHANGE_DELETE);
          i = kn_snapstate_skip_subtree (old, i);
          continue;
        }
      if (c > 0)
        {
          kn_changeset_add (cs, kn_snapstate_path (cur, &cur->v[j]), KN_CHANGE_ADD);
          j++;
          continue;
        }
      const struct kn_snapstate_entry *o = &old->v[i], *n = &cur->v[j];
      const char *path = kn_snapstate_path (cur, n);
      if (S_ISDIR (o->mode) && S_ISDIR (n->mode) && dir_replaced (o, n))
        {
          kn_changeset_add (cs, path, KN_CHANGE_OPAQUE);
          size_t end = kn_snapstate_skip_subtree (cur, j);
          for (size_t k = j + 1; k < end; k++)
            kn_changeset_add (cs, kn_snapstate_path (cur, &cur->v[k]), KN_CHANGE_ADD);
          i = kn_snapstate_skip_subtree (old, i);
          j = end;
          continue;
        }
      if (S_ISDIR (o->mode) && !S_ISDIR (n->mode))
        {
          /* A directory replaced by a file: the file's entry replaces the tree. */
          kn_changeset_add (cs, path, KN_CHANGE_ADD);
          i = kn_snapstate_skip_subtree (old, i);
          j++;
          continue;
        }
      if (entry_changed (mode, o, n))
        kn_changeset_add (cs, path, KN_CHANGE_ADD);
      i++;
      j++;
    }
}

int
kn_snapwalk_open (struct kn_snapshot **out, const struct kn_snapshot_params *p, enum kn_snapwalk_mode mode,
                  struct kn_error **err)
{
  if (p == NULL || p->size < sizeof (struct kn_snapshot_params))
    return kn_error_make (err, KN_EABI, 0, "snapshot: parameters too short (%u bytes)", p ? p->size : 0);
  if (p->root == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "snapshot: no root given");
  struct walk_session *s = kn_xcalloc (1, sizeof *s);
  s->mode = mode;
  s->root = kn_xstrdup (p->root);
  s->cancel = p->cancel;
  s->ignore = kn_snap_ignore_new (p->ignore, &s->n_ignore);
  struct kn_snapstate empty = { 0 };
  int64_t start = realtime_ns ();
  int rc = walk_root (s, &empty, &s->state, start, err);
  if (rc < 0)
    {
      kn_snapwalk_close (&s->base);
      return kn_error_wrap (err, "snapshot: baseline of %s", p->root);
    }
  s->state_time_ns = start;
  kn_log (KN_LOG_DEBUG, "snapshot: baseline of %s: %zu entries", s->root, s->state.n);
  *out = &s->base;
  return 0;
}

int
kn_snapwalk_record (struct kn_snapshot *base, const char *path, struct kn_error **err)
{
  struct walk_session *s = (struct walk_session *) base;
  return kn_snap_pathlist_record (&s->recorded, "snapshot", path, err);
}

int
kn_snapwalk_diff (struct kn_snapshot *base, struct kn_changeset *cs, struct kn_error **err)
{
  struct walk_session *s = (struct walk_session *) base;
  struct kn_snapstate cur = { 0 };
  int64_t start = realtime_ns ();
  int rc = walk_root (s, &s->state, &cur, start, err);
  if (rc < 0)
    {
      kn_snapstate_clear (&cur);
      return rc;
    }
  compare_states (s->mode, &s->state, &cur, cs);
  /* Recorded paths that exist (and are not ignored) go in even unchanged. */
  for (size_t i = 0; i < s->recorded.n; i++)
    if (kn_snapstate_find (&cur, s->recorded.v[i]) != NULL)
      kn_changeset_add (cs, s->recorded.v[i], KN_CHANGE_ADD);
  kn_snap_pathlist_clear (&s->recorded);
  kn_snapstate_move (&s->state, &cur);
  s->state_time_ns = start;
  return 0;
}

void
kn_snapwalk_close (struct kn_snapshot *base)
{
  struct walk_session *s = (struct walk_session *) base;
  if (s == NULL)
    return;
  kn_snap_pathlist_clear (&s->recorded);
  free (s->recorded.v);
  kn_strv_free (s->ignore);
  kn_snapstate_clear (&s->state);
  free (s->root);
  free (s);
}

size_t
kn_snapwalk_count (struct kn_snapshot *base)
{
  return ((struct walk_session *) base)->state.n;
}
