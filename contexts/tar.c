/* "tar" context source: tar:///path/ctx.tar[.gz|.zst|.bz2|.xz] or tar://stdin
 * (read from fd 0).  libarchive detects the compression; the archive is
 * unpacked into the request's work_dir, then --context-sub-path applies.
 *
 * The archive is untrusted.  Nothing is ever written outside work_dir:
 *  - entry names and hardlink targets that are absolute or contain ".."
 *    are refused (error naming the entry);
 *  - an entry whose parent directory is a symlink is refused (no writes
 *    through symlinks, whatever they point to);
 *  - a symlink whose target, resolved physically against the tree extracted
 *    so far (following the symlinks already there), leaves work_dir is
 *    refused; absolute targets are refused.  After the last entry every
 *    symlink is resolved again (a later entry may complete an escaping
 *    chain); an escaping one is removed and the context is refused;
 *  - a hardlink must point to a regular file already extracted;
 *  - device nodes, FIFOs and sockets are skipped with a warning;
 *  - libarchive's own guards ARCHIVE_EXTRACT_SECURE_NODOTDOT and
 *    ARCHIVE_EXTRACT_SECURE_SYMLINKS are on as well.  Entries are written to
 *    <work_dir>/<name> (libarchive has no base-directory API and chdir() is
 *    process-wide), so ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be set:
 *    the absolute-name check above takes its place, on the name as stored.
 * Modes and mtimes are preserved; ownership only when running as root. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/context.h>
#include <kaniko/sys/util.h>

#include "contexts/subpath.h"

#define TAR_MAX_HOPS 40

struct tar_state
{
  const char *url;
  char *root; /* real path of work_dir */
  char **links; /* relative paths of the symlinks extracted */
  size_t nlinks, caplinks;
};

/* *OUT = NAME as a clean relative path ("a/b"; "" for the root itself).
 * Absolute names and ".." components are refused; WHAT says which name it is. */
static int
tar_clean_name (const struct tar_state *t, const char *entry, const char *what, const char *name, char **out,
                struct kn_error **err)
{
  if (name[0] == '/')
    return kn_error_make (err, KN_EPERM, 0, "context %s: entry \"%s\": absolute %s \"%s\" refused", t->url, entry,
                          what, name);
  size_t len = strlen (name);
  char *clean = kn_xmalloc (len + 1);
  size_t n = 0;
  const char *p = name;
  while (*p)
    {
      const char *e = strchrnul (p, '/');
      size_t cl = (size_t) (e - p);
      if (cl == 2 && p[0] == '.' && p[1] == '.')
        {
          free (clean);
          return kn_error_make (err, KN_EPERM, 0, "context %s: entry \"%s\": \"..\" in %s \"%s\" refused", t->url,
                                entry, what, name);
        }
      if (cl > 0 && !(cl == 1 && p[0] == '.'))
        {
          if (n > 0)
            clean[n++] = '/';
          memcpy (clean + n, p, cl);
          n += cl;
        }
      p = *e ? e + 1 : e;
    }
  clean[n] = '\0';
  *out = clean;
  return 0;
}

/* Refuse REL when one of its parent directories under the root is a symlink. */
static int
tar_check_parents (const struct tar_state *t, const char *entry, const char *rel, struct kn_error **err)
{
  kn_cleanup_free char *path = kn_xasprintf ("%s/%s", t->root, rel);
  size_t skip = strlen (t->root) + 1;
  for (char *s = strchr (path + skip, '/'); s; s = strchr (s + 1, '/'))
    {
      struct stat st;
      *s = '\0';
      int r = lstat (path, &st);
      int is_link = r == 0 && S_ISLNK (st.st_mode);
      int missing = r < 0;
      if (is_link)
        return kn_error_make (err, KN_EPERM, 0,
                              "context %s: entry \"%s\": parent \"%s\" is a symlink; writing through it refused",
                              t->url, entry, path + skip);
      *s = '/';
      if (missing)
        break; /* the rest does not exist yet: libarchive creates real directories */
    }
  return 0;
}

/* A path below the root, as a growable string of components. */
struct tar_walk
{
  char *buf;
  size_t len, cap;
};

static void
tar_walk_push (struct tar_walk *w, const char *comp, size_t n)
{
  if (w->len + n + 2 > w->cap)
    {
      w->cap = (w->len + n + 2) * 2;
      w->buf = kn_xrealloc (w->buf, w->cap);
    }
  if (w->len > 0)
    w->buf[w->len++] = '/';
  memcpy (w->buf + w->len, comp, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void
tar_walk_pop (struct tar_walk *w)
{
  char *s = memrchr (w->buf, '/', w->len);
  w->len = s ? (size_t) (s - w->buf) : 0;
  w->buf[w->len] = '\0';
}

/* Resolve TARGET from the directory W (relative to ROOT), following the
 * symlinks that exist below ROOT.  Returns 0 when it stays inside, -1 when it
 * leaves ROOT (absolute target, too many "..", or a symlink loop). */
static int
tar_resolve (const char *root, struct tar_walk *w, const char *target, int *hops)
{
  if (target[0] == '/')
    return -1;
  const char *p = target;
  while (*p)
    {
      const char *e = strchrnul (p, '/');
      size_t cl = (size_t) (e - p);
      const char *comp = p;
      p = *e ? e + 1 : e;
      if (cl == 0 || (cl == 1 && comp[0] == '.'))
        continue;
      if (cl == 2 && comp[0] == '.' && comp[1] == '.')
        {
          if (w->len == 0)
            return -1;
          tar_walk_pop (w);
          continue;
        }
      tar_walk_push (w, comp, cl);
      kn_cleanup_free char *full = kn_xasprintf ("%s/%s", root, w->buf);
      struct stat st;
      if (lstat (full, &st) < 0 || !S_ISLNK (st.st_mode))
        continue; /* a directory, a file, or nothing yet: lexical from here */
      if (++*hops > TAR_MAX_HOPS)
        return -1;
      kn_cleanup_free char *link = kn_xmalloc (PATH_MAX + 1);
      ssize_t n = readlink (full, link, PATH_MAX);
      if (n < 0)
        return -1;
      link[n] = '\0';
      tar_walk_pop (w);
      if (tar_resolve (root, w, link, hops) < 0)
        return -1;
    }
  return 0;
}

/* 0 when the symlink REL (relative to the root) with TARGET resolves inside the root. */
static int
tar_link_stays_inside (const struct tar_state *t, const char *rel, const char *target)
{
  struct tar_walk w = { kn_xstrdup (rel), strlen (rel), strlen (rel) + 1 };
  tar_walk_pop (&w);
  int hops = 0;
  int r = tar_resolve (t->root, &w, target, &hops);
  free (w.buf);
  return r;
}

/* Resolve every extracted symlink again; remove and report the first that escapes. */
static int
tar_recheck_links (struct tar_state *t, struct kn_error **err)
{
  int ret = 0;
  for (size_t i = 0; i < t->nlinks; i++)
    {
      kn_cleanup_free char *full = kn_xasprintf ("%s/%s", t->root, t->links[i]);
      char target[PATH_MAX + 1];
      ssize_t n = readlink (full, target, PATH_MAX);
      if (n < 0)
        continue; /* replaced by a later entry */
      target[n] = '\0';
      if (tar_link_stays_inside (t, t->links[i], target) < 0)
        {
          unlink (full);
          if (ret == 0)
            ret = kn_error_make (err, KN_EPERM, 0,
                                 "context %s: entry \"%s\": symlink to \"%s\" resolves outside the context (or loops); refused",
                                 t->url, t->links[i], target);
        }
    }
  return ret;
}

static void
tar_state_free (struct tar_state *t)
{
  for (size_t i = 0; i < t->nlinks; i++)
    free (t->links[i]);
  free (t->links);
  free (t->root);
}

/* Validate one entry, point it below the root and extract it.  Returns 0, 1
 * when the entry was skipped, or < 0. */
static int
tar_extract_entry (struct tar_state *t, struct archive *a, struct archive *ext, struct archive_entry *e,
                   struct kn_error **err)
{
  const char *name = archive_entry_pathname (e);
  if (name == NULL || *name == '\0')
    return kn_error_make (err, KN_EPROTO, 0, "context %s: archive entry without a name", t->url);
  kn_cleanup_free char *rel = NULL;
  int r = tar_clean_name (t, name, "path", name, &rel, err);
  if (r < 0)
    return r;
  if (*rel == '\0')
    return 1; /* "./": the root itself, which the core created */
  const char *hardlink = archive_entry_hardlink (e);
  mode_t type = archive_entry_filetype (e);
  if (hardlink == NULL)
    switch (type)
      {
      case AE_IFREG:
      case AE_IFDIR:
      case AE_IFLNK:
        break;
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
      case AE_IFSOCK:
        kn_log (KN_LOG_WARN, "context %s: entry \"%s\": skipping %s", t->url, name,
                type == AE_IFIFO ? "FIFO" : type == AE_IFSOCK ? "socket" : "device node");
        return 1;
      default:
        kn_log (KN_LOG_WARN, "context %s: entry \"%s\": skipping entry of unknown type 0%o", t->url, name,
                (unsigned) type);
        return 1;
      }
  if ((r = tar_check_parents (t, name, rel, err)) < 0)
    return r;

  kn_cleanup_free char *full = kn_xasprintf ("%s/%s", t->root, rel);
  if (hardlink != NULL)
    {
      kn_cleanup_free char *trel = NULL;
      if ((r = tar_clean_name (t, name, "hardlink target", hardlink, &trel, err)) < 0)
        return r;
      if (*trel == '\0')
        return kn_error_make (err, KN_EPERM, 0, "context %s: entry \"%s\": hardlink to the root refused", t->url,
                              name);
      if ((r = tar_check_parents (t, name, trel, err)) < 0)
        return r;
      kn_cleanup_free char *tfull = kn_xasprintf ("%s/%s", t->root, trel);
      struct stat st;
      if (lstat (tfull, &st) < 0 || !S_ISREG (st.st_mode))
        return kn_error_make (err, KN_EPERM, 0,
                              "context %s: entry \"%s\": hardlink target \"%s\" is not a regular file extracted "
                              "earlier; refused",
                              t->url, name, hardlink);
      archive_entry_copy_hardlink (e, tfull);
    }
  else if (type == AE_IFLNK)
    {
      const char *target = archive_entry_symlink (e);
      if (target == NULL || *target == '\0')
        return kn_error_make (err, KN_EPROTO, 0, "context %s: entry \"%s\": symlink without a target", t->url, name);
      if (tar_link_stays_inside (t, rel, target) < 0)
        return kn_error_make (err, KN_EPERM, 0,
                              "context %s: entry \"%s\": symlink to \"%s\" leaves the context; refused", t->url, name,
                              target);
      if (t->nlinks == t->caplinks)
        {
          t->caplinks = t->caplinks ? 2 * t->caplinks : 16;
          t->links = kn_xrealloc (t->links, t->caplinks * sizeof *t->links);
        }
      t->links[t->nlinks++] = kn_xstrdup (rel);
    }
  archive_entry_copy_pathname (e, full);

  r = archive_read_extract2 (a, e, ext);
  if (r < ARCHIVE_WARN)
    {
      int en = archive_errno (a);
      return kn_error_make (err, en > 0 ? kn_error_code_from_errno (en) : KN_EIO, 0, "context %s: entry \"%s\": %s",
                            t->url, name, archive_error_string (a) ? archive_error_string (a) : "extraction failed");
    }
  if (r == ARCHIVE_WARN)
    kn_log (KN_LOG_WARN, "context %s: entry \"%s\": %s", t->url, name,
            archive_error_string (a) ? archive_error_string (a) : "warning");
  return 0;
}

static int
tar_extract_all (struct tar_state *t, struct archive *a, struct archive *ext, const struct kn_cancel *cancel,
                 struct kn_error **err)
{
  for (;;)
    {
      if (kn_cancel_requested (cancel))
        return kn_error_make (err, KN_ECANCELED, 0, "context %s: cancelled", t->url);
      struct archive_entry *e = NULL;
      int r = archive_read_next_header (a, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return kn_error_make (err, KN_EPROTO, 0, "context %s: read archive: %s", t->url,
                              archive_error_string (a) ? archive_error_string (a) : "invalid archive");
      if (r == ARCHIVE_WARN)
        kn_log (KN_LOG_WARN, "context %s: %s", t->url, archive_error_string (a));
      r = tar_extract_entry (t, a, ext, e, err);
      if (r < 0)
        return r;
    }
}

static int
tar_fetch (const struct kn_context_request *req, char **out_dir, struct kn_error **err)
{
  const char *loc = req->location && *req->location ? req->location : NULL;
  struct tar_state t = { req->url ? req->url : "tar://", NULL, NULL, 0, 0 };
  if (loc == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "context %s: no archive path (use tar:///path/ctx.tar.gz or tar://stdin)",
                          t.url);
  if (req->work_dir == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "context %s: no work directory", t.url);
  t.root = realpath (req->work_dir, NULL);
  if (t.root == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "context %s: work directory %s", t.url,
                          req->work_dir);

  int from_stdin = strcmp (loc, "stdin") == 0;
  if (!from_stdin)
    {
      struct stat st;
      if (stat (loc, &st) < 0)
        {
          int e = errno;
          tar_state_free (&t);
          if (e == ENOENT)
            return kn_error_make (err, KN_ENOTFOUND, 0, "context %s: archive %s does not exist", t.url, loc);
          return kn_error_make (err, kn_error_code_from_errno (e), e, "context %s: archive %s", t.url, loc);
        }
      if (S_ISDIR (st.st_mode))
        {
          tar_state_free (&t);
          return kn_error_make (err, KN_EINVAL, 0, "context %s: %s is a directory, not an archive (use dir://)",
                                t.url, loc);
        }
    }

  struct archive *a = archive_read_new ();
  struct archive *ext = archive_write_disk_new ();
  if (a == NULL || ext == NULL)
    kn_oom ();
  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT
              | ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  if (geteuid () == 0)
    flags |= ARCHIVE_EXTRACT_OWNER;
  archive_write_disk_set_options (ext, flags);

  int r = from_stdin ? archive_read_open_fd (a, 0, 64 * 1024) : archive_read_open_filename (a, loc, 64 * 1024);
  if (r != ARCHIVE_OK)
    r = kn_error_make (err, KN_EPROTO, 0, "context %s: open %s: %s", t.url, from_stdin ? "stdin" : loc,
                       archive_error_string (a) ? archive_error_string (a) : "cannot open");
  else
    r = tar_extract_all (&t, a, ext, req->cancel, err);
  /* Always re-resolve the symlinks (removing escaping ones) before libarchive
   * applies its deferred directory modes and times. */
  int r2 = tar_recheck_links (&t, r < 0 ? NULL : err);
  if (r == 0)
    r = r2;
  if (archive_write_close (ext) != ARCHIVE_OK && r == 0)
    r = kn_error_make (err, KN_EIO, 0, "context %s: finish extraction: %s", t.url,
                       archive_error_string (ext) ? archive_error_string (ext) : "failed");
  archive_write_free (ext);
  archive_read_free (a);
  if (r == 0)
    r = kn_context_apply_sub_path (t.url, t.root, req->sub_path, NULL, out_dir, err);
  tar_state_free (&t);
  return r;
}

static const char *const tar_schemes[] = { "tar", NULL };

static const struct kn_context_source tar_source = {
  .version = KN_CONTEXT_VERSION,
  .name = "tar",
  .schemes = tar_schemes,
  .fetch = tar_fetch,
};

KN_PLUGIN_DEFINE (tar, "tar", "1.0.0", "build context from a tar archive (tar:///path.tar.gz, tar://stdin)", NULL,
                  NULL, KN_FEATURE (KN_KIND_CONTEXT, &tar_source));
