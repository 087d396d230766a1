/* Internal pieces shared by the COPY/ADD files (not an API). */
#ifndef KN_CORE_BUILD_COPY_INT_H
#define KN_CORE_BUILD_COPY_INT_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "core/build/copy.h"

struct kn_copy_dirtime
{
  char *path;
  mode_t mode;
  struct timespec mtime;
};

/* A source file with several links already copied by this COPY: later
 * copies of the same (dev, ino) become hardlinks to DST. */
struct kn_copy_link
{
  dev_t dev;
  ino_t ino;
  char *dst;  /* canonical dest path of the first copy */
  dev_t ddev; /* the inode written there (to notice it was replaced since) */
  ino_t dino;
};

#define KN_COPY_BUF_SIZE (256 * 1024)

struct kn_copy_job; /* a regular file of a tree copy waiting for the pool (copy_pool.c) */

struct kn_copy_ctx
{
  const struct kn_copy_request *req;
  const char *label; /* "COPY a b /x" */
  int src_rootfd, dst_rootfd;
  bool chown_set;
  uid_t uid;
  gid_t gid;
  bool privileged; /* euid 0: owners can be set */
  uid_t euid;      /* our ids: what a new file gets */
  gid_t egid;
  struct kn_copy_chmod *chmod;
  struct kn_ignore *excludes; /* --exclude, or NULL */
  bool ignore_exceptions;     /* .dockerignore has '!' patterns */
  bool exclude_exceptions;
  struct kn_copy_dirtime *dirs; /* directory modes and mtimes applied at the end */
  size_t ndirs, capdirs;
  char *buf;         /* copy buffer */
  bool replace_dirs; /* tar extraction: replace a directory by a file and vice versa (Docker untar) */
  struct kn_copy_link *links; /* sources with nlink > 1 copied so far */
  size_t nlinks, caplinks;
  char *pdir;  /* canonical dest directory kept open in pdir_fd (NULL: none) */
  int pdir_fd; /* -1 when none */
  bool pdir_setgid; /* pdir has S_ISGID (new entries take its group) */
  size_t nrecorded; /* paths reported to req->record */
  struct kn_copy_job *jobs; /* queued files, written by kn_copy_flush */
  size_t njobs, capjobs;
  bool quiet; /* kn_copy_record does nothing (queued paths are recorded already) */
};

enum
{
  KN_COPY_R_FOLLOW = 1 << 0,    /* follow the last component when it is a symlink */
  KN_COPY_R_MKPARENTS = 1 << 1, /* create missing intermediate directories */
  KN_COPY_R_MKLAST = 1 << 2     /* create the last component as a directory when missing */
};

/* Resolve PATH (absolute or root-relative, lexical) below ROOTFD as if ROOTFD
 * were "/": *canon gets the symlink-free root-relative path ("" = root) and
 * *st its lstat (st_mode 0 when the last component is missing).  Created
 * directories (dest side only) are chowned, recorded and timed like copied
 * ones.  Returns 0 or a negative code naming PATH. */
int kn_copy_resolve (struct kn_copy_ctx *c, int rootfd, const char *path, int flags, char **canon, struct stat *st,
                     struct kn_error **err);

/* Close the dest directory kept open by the writers (call when the dest
 * tree may have changed behind them, and at the end). */
void kn_copy_forget_parent (struct kn_copy_ctx *c);

/* Apply the deferred directory modes and mtimes (deepest first) and free the list. */
void kn_copy_finish_dirs (struct kn_copy_ctx *c, bool apply);

/* Join root-relative A and name B ("" + "x" = "x"); new string. */
char *kn_copy_join (const char *a, const char *b);

/* Report PATH to the request's record callback. */
int kn_copy_record (struct kn_copy_ctx *c, const char *path, struct kn_error **err);

/* Clamp a source mtime to the reproducible epoch. */
struct timespec kn_copy_mtime (const struct kn_copy_ctx *c, struct timespec t);

/* Make sure canonical PATH in the dest root is a directory (an existing one is
 * kept, anything else replaced); MODE/owner/MTIME applied when it is created
 * or when FORCE_META.  Returns 0 or a negative code. */
int kn_copy_make_dir (struct kn_copy_ctx *c, const char *path, mode_t mode, uid_t uid, gid_t gid, struct timespec mtime,
                      bool force_meta, struct kn_error **err);

/* Fill callback of kn_copy_write_file: write the data into FD; may update *MTIME. */
typedef int (*kn_copy_fill_fn) (void *payload, int fd, struct timespec *mtime, struct kn_error **err);

/* Replace canonical PATH in the dest root by a regular file filled by FILL;
 * POST (may be NULL) runs after owner and mode are set (for xattrs such as
 * security.capability, which a chown would clear). */
int kn_copy_write_file (struct kn_copy_ctx *c, const char *path, mode_t mode, uid_t uid, gid_t gid,
                        struct timespec mtime, kn_copy_fill_fn fill, kn_copy_fill_fn post, void *payload,
                        struct kn_error **err);

/* Replace canonical PATH in the dest root by a hardlink to canonical
 * FIRST (a regular file of the dest root whose inode must be DDEV:DINO).
 * Returns 1 when linked, 0 when FIRST is no longer that inode or cannot be
 * linked (the caller copies instead), or a negative code. */
int kn_copy_write_hardlink (struct kn_copy_ctx *c, const char *path, const char *first, dev_t ddev, ino_t dino,
                            struct kn_error **err);

/* Replace canonical PATH in the dest root by a symlink to TARGET. */
int kn_copy_write_symlink (struct kn_copy_ctx *c, const char *path, const char *target, uid_t uid, gid_t gid,
                           struct timespec mtime, struct kn_error **err);

/* Replace canonical PATH by a device node or fifo (skipped when not permitted). */
int kn_copy_write_node (struct kn_copy_ctx *c, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid,
                        struct timespec mtime, struct kn_error **err);

/* Copy the data of IN (SIZE bytes listed) into OUT: copy_file_range, else
 * read/write through BUF (KN_COPY_BUF_SIZE), stopping with KN_ECANCELED
 * between chunks once CANCEL is requested.  NAME for messages. */
int kn_copy_data (int in, int out, off_t size, char *buf, const char *name, const struct kn_cancel *cancel,
                  struct kn_error **err);

/* Copy the extended attributes of IN to OUT (failures ignored, like BuildKit). */
void kn_copy_fd_xattrs (int in, int out);

/* Write canonical DST of the dest root as a copy of canonical SRC of the
 * source root (SIZE bytes), now, in this thread. */
int kn_copy_file_now (struct kn_copy_ctx *c, const char *src, off_t size, const char *dst, mode_t mode, uid_t uid,
                      gid_t gid, struct timespec mt, struct kn_error **err);

/* Record DST and queue the copy of SRC to it (as kn_copy_file_now) for the
 * worker threads; a full queue is flushed.  Queued files must have distinct
 * DSTs and parents that exist: a tree copy queues its files and flushes at
 * its end.  Returns 0 or a negative code. */
int kn_copy_queue_file (struct kn_copy_ctx *c, const char *src, off_t size, const char *dst, mode_t mode, uid_t uid,
                        gid_t gid, struct timespec mt, struct kn_error **err);

/* Write every queued file (4 threads; a file whose DST exists is left to
 * this thread, after them, to be replaced as kn_copy_file_now does).
 * Returns 0 or the first failure. */
int kn_copy_flush (struct kn_copy_ctx *c, struct kn_error **err);

/* Drop the queue (after a failure, and at the end). */
void kn_copy_jobs_free (struct kn_copy_ctx *c);

/* 1 when the regular file FD (positioned anywhere) is a tar archive, possibly
 * compressed (gzip, bzip2, xz, zstd); 0 otherwise. */
int kn_copy_is_archive (int fd);

/* Extract the archive in FD into canonical directory DEST_DIR of the dest root
 * (no whiteouts; entries climbing out of DEST_DIR are refused). NAME for messages. */
int kn_copy_extract (struct kn_copy_ctx *c, int fd, const char *name, const char *dest_dir, struct kn_error **err);

#endif
