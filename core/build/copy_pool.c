/* COPY: the regular files of a tree copy written by a few threads.  File
 * creation is the cost of a large COPY (each create is a journal
 * transaction on a disk, ~0.1-0.5 ms on a busy one); the main thread walks
 * the source, makes the directories, symlinks and hardlinks and queues
 * plain files (one name, nothing at the destination yet, distinct paths),
 * which the workers create, fill, chown, chmod and time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/copy_int.h"
#include "core/build/parallel.h"
#include "core/layer/resolve.h"
#include "core/util/cancel.h"

#define POOL_WORKERS 4
#define POOL_MAX_JOBS 4096 /* bounded memory: flushed when full */
#define POOL_MIN_JOBS 16   /* fewer: written in this thread */

struct kn_copy_job
{
  char *src, *dst;
  off_t size;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  struct timespec mt;
  bool exists; /* the worker found DST there: written by kn_copy_flush after the pool */
};

/* A worker's state: its last parent directory kept open. */
struct wstate
{
  char *pdir;
  int pfd;
  bool setgid;
  char *buf;
};

void
kn_copy_jobs_free (struct kn_copy_ctx *c)
{
  for (size_t i = 0; i < c->njobs; i++)
    {
      free (c->jobs[i].src);
      free (c->jobs[i].dst);
    }
  free (c->jobs);
  c->jobs = NULL;
  c->njobs = c->capjobs = 0;
}

int
kn_copy_queue_file (struct kn_copy_ctx *c, const char *src, off_t size, const char *dst, mode_t mode, uid_t uid,
                    gid_t gid, struct timespec mt, struct kn_error **err)
{
  int r = kn_copy_record (c, dst, err);
  if (r < 0)
    return r;
  if (c->njobs == c->capjobs)
    c->jobs = kn_xrealloc (c->jobs, (c->capjobs = c->capjobs ? 2 * c->capjobs : 256) * sizeof *c->jobs);
  struct kn_copy_job *j = &c->jobs[c->njobs++];
  memset (j, 0, sizeof *j);
  j->src = kn_xstrdup (src);
  j->dst = kn_xstrdup (dst);
  j->size = size;
  j->mode = mode;
  j->uid = uid;
  j->gid = gid;
  j->mt = mt;
  return c->njobs >= POOL_MAX_JOBS ? kn_copy_flush (c, err) : 0;
}

static int
worker_parent (struct kn_copy_ctx *c, struct wstate *w, const char *path, const char **base, struct kn_error **err)
{
  const char *slash = strrchr (path, '/');
  size_t plen = slash ? (size_t)(slash - path) : 0;
  *base = slash ? slash + 1 : path;
  if (w->pdir && strlen (w->pdir) == plen && strncmp (w->pdir, path, plen) == 0)
    return w->pfd;
  if (w->pfd >= 0)
    close (w->pfd);
  free (w->pdir);
  w->pdir = NULL;
  w->pfd = -1;
  kn_cleanup_free char *b = NULL;
  int fd = kn_resolve_parent (c->dst_rootfd, path, KN_RESOLVE_NOFOLLOW, &b, err);
  if (fd < 0)
    return fd;
  struct stat st;
  w->pdir = kn_xstrndup (path, plen);
  w->pfd = fd;
  w->setgid = fstat (fd, &st) < 0 || (st.st_mode & S_ISGID);
  return fd;
}

static int
write_job (size_t i, void **state, void *payload, struct kn_error **err)
{
  struct kn_copy_ctx *c = payload;
  struct kn_copy_job *j = &c->jobs[i];
  if (kn_cancel_requested (c->req->cancel))
    return kn_error_make (err, KN_ECANCELED, 0, "cancelled");
  struct wstate *w = *state;
  if (w == NULL)
    {
      w = kn_xcalloc (1, sizeof *w);
      w->pfd = -1;
      w->buf = kn_xmalloc (KN_COPY_BUF_SIZE);
      *state = w;
    }
  const char *base = NULL;
  int dfd = worker_parent (c, w, j->dst, &base, err);
  if (dfd < 0)
    return dfd;
  kn_cleanup_close int out = openat (dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0 && errno == EEXIST)
    {
      j->exists = true;
      return 0;
    }
  if (out < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create /%s", j->dst);
  kn_cleanup_close int in = openat (c->src_rootfd, j->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int r = in < 0 ? kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", j->src)
                 : kn_copy_data (in, out, j->size, w->buf, j->src, c->req->cancel, err);
  if (r < 0)
    {
      unlinkat (dfd, base, 0);
      return r;
    }
  bool owned = j->uid == c->euid && j->gid == c->egid && !w->setgid;
  if (c->privileged && !owned && fchown (out, j->uid, j->gid) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chown /%s", j->dst);
  if (fchmod (out, j->mode & 07777) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "chmod /%s", j->dst);
  kn_copy_fd_xattrs (in, out);
  struct timespec ts[2] = { j->mt, j->mt };
  if (futimens (out, ts) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "utimes /%s", j->dst);
  return 0;
}

static void
worker_done (void *state, void *payload)
{
  (void)payload;
  struct wstate *w = state;
  if (w == NULL)
    return;
  if (w->pfd >= 0)
    close (w->pfd);
  free (w->pdir);
  free (w->buf);
  free (w);
}

int
kn_copy_flush (struct kn_copy_ctx *c, struct kn_error **err)
{
  int r = 0;
  if (c->njobs >= POOL_MIN_JOBS)
    {
      struct kn_par_ops ops = { write_job, worker_done, c };
      r = kn_par_run (c->njobs, POOL_WORKERS, &ops, err);
    }
  else
    for (size_t i = 0; i < c->njobs; i++)
      c->jobs[i].exists = true; /* all written here */
  /* What was there already is replaced (or refused) here, as one by one;
     the paths were recorded when queued. */
  c->quiet = true;
  for (size_t i = 0; r == 0 && i < c->njobs; i++)
    {
      struct kn_copy_job *j = &c->jobs[i];
      if (j->exists)
        r = kn_copy_file_now (c, j->src, j->size, j->dst, j->mode, j->uid, j->gid, j->mt, err);
    }
  c->quiet = false;
  kn_copy_jobs_free (c);
  return r;
}
