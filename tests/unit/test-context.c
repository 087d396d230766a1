/* Unit tests of the context sources dir and tar (compiled into this test with
 * -DKN_PLUGIN_BUILTIN): plain and sub-path resolution, escapes refused, tar
 * archives in several compressions, and hostile archives that must be
 * refused without writing anything outside the work directory. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/context.h>
#include <kaniko/sys/util.h>

const struct kn_plugin_desc *kn_plugin_dir_get_desc (void);
const struct kn_plugin_desc *kn_plugin_tar_get_desc (void);

static const struct kn_context_source *
source (const char *name)
{
  const struct kn_plugin_desc *d = strcmp (name, "dir") == 0 ? kn_plugin_dir_get_desc () : kn_plugin_tar_get_desc ();
  cr_assert_str_eq (d->name, name);
  cr_assert_eq (d->n_features, 1);
  cr_assert_eq (d->features[0].kind, KN_KIND_CONTEXT);
  const struct kn_context_source *s = d->features[0].vtable;
  cr_assert_eq (s->version, KN_CONTEXT_VERSION);
  cr_assert_str_eq (s->name, name);
  return s;
}

/* ---- a scratch area: base/{work,sentinel/keep,ctx} ---- */

static char *base, *work, *sentinel, *ctx;
static char *warnings;

static void
on_log (enum kn_log_level level, const char *msg, void *payload)
{
  if (level != KN_LOG_WARN)
    return;
  char *w = kn_xasprintf ("%s%s\n", warnings ? warnings : "", msg);
  free (warnings);
  warnings = w;
}

static void
setup (void)
{
  const char *t = getenv ("TMPDIR");
  base = kn_xasprintf ("%s/kn-context-XXXXXX", t && *t ? t : "/tmp");
  cr_assert_not_null (mkdtemp (base));
  char *real = realpath (base, NULL);
  free (base);
  base = real;
  work = kn_xasprintf ("%s/work", base);
  sentinel = kn_xasprintf ("%s/sentinel", base);
  ctx = kn_xasprintf ("%s/ctx", base);
  cr_assert_eq (mkdir (work, 0755), 0);
  cr_assert_eq (mkdir (sentinel, 0755), 0);
  cr_assert_eq (mkdir (ctx, 0755), 0);
  char *keep = kn_xasprintf ("%s/keep", sentinel);
  FILE *f = fopen (keep, "w");
  fputs ("keep\n", f);
  fclose (f);
  free (keep);
  kn_log_set_handler (on_log, KN_LOG_DEBUG, NULL);
}

static void
teardown (void)
{
  kn_log_set_handler (NULL, KN_LOG_INFO, NULL);
  char *cmd = kn_xasprintf ("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", base, base);
  int st = system (cmd);
  (void) st;
  free (cmd);
  free (base);
  free (work);
  free (sentinel);
  free (ctx);
  free (warnings);
  warnings = NULL;
}

/* "find DIR" output (names, types, sizes, link targets), sorted. */
static char *
listing (const char *dir)
{
  kn_cleanup_free char *cmd
      = kn_xasprintf ("cd '%s' && find . -printf '%%p %%y %%s %%l %%m\\n' | LC_ALL=C sort", dir);
  FILE *p = popen (cmd, "r");
  cr_assert_not_null (p);
  size_t cap = 4096, n = 0, got;
  char *out = kn_xmalloc (cap);
  while ((got = fread (out + n, 1, cap - n - 1, p)) > 0)
    {
      n += got;
      if (cap - n < 2)
        out = kn_xrealloc (out, cap *= 2);
    }
  out[n] = '\0';
  cr_assert_eq (pclose (p), 0);
  return out;
}

static int
fetch (const char *name, const char *url, const char *location, const char *sub, char **out, struct kn_error **err)
{
  struct kn_context_request req = { sizeof req, url, location, work, sub, NULL, NULL };
  *out = NULL;
  return source (name)->fetch (&req, out, err);
}

static void
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  cr_assert_not_null (f, "%s", path);
  fputs (text, f);
  cr_assert_eq (fclose (f), 0);
}

static char *
read_text (const char *path)
{
  FILE *f = fopen (path, "r");
  cr_assert_not_null (f, "%s", path);
  char *buf = kn_xcalloc (1, 4096);
  size_t n = fread (buf, 1, 4095, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

/* ---- dir ---- */

TestSuite (dir, .init = setup, .fini = teardown);

Test (dir, plain_path_and_scheme)
{
  kn_cleanup_free char *sub = kn_xasprintf ("%s/sub", ctx);
  cr_assert_eq (mkdir (sub, 0755), 0);
  kn_cleanup_free char *link = kn_xasprintf ("%s/ctx-link", base);
  cr_assert_eq (symlink (ctx, link), 0);
  struct kn_error *err = NULL;
  char *out;
  cr_assert_eq (fetch ("dir", ctx, ctx, NULL, &out, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (out, ctx);
  free (out);
  kn_cleanup_free char *url = kn_xasprintf ("dir://%s", link);
  cr_assert_eq (fetch ("dir", url, link, "", &out, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (out, ctx, "the real path, not the symlink");
  free (out);
  cr_assert_eq (fetch ("dir", url, link, "sub", &out, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (out, sub);
  free (out);
  cr_assert_eq (fetch ("dir", url, link, "./sub/../sub/", &out, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (out, sub);
  free (out);
  const char *const *schemes = source ("dir")->schemes;
  cr_assert_str_eq (schemes[0], "dir");
  cr_assert_str_eq (schemes[1], "");
  cr_assert_null (schemes[2]);
}

Test (dir, missing_and_not_a_directory)
{
  struct kn_error *err = NULL;
  char *out;
  kn_cleanup_free char *missing = kn_xasprintf ("%s/nope", base);
  cr_assert_eq (fetch ("dir", missing, missing, NULL, &out, &err), -KN_ENOTFOUND);
  cr_assert_not_null (strstr (err->msg, missing), "%s", err->msg);
  cr_assert_null (out);
  kn_error_release (&err);
  kn_cleanup_free char *file = kn_xasprintf ("%s/keep", sentinel);
  cr_assert_eq (fetch ("dir", file, file, NULL, &out, &err), -KN_EINVAL);
  cr_assert_not_null (strstr (err->msg, "not a directory"), "%s", err->msg);
  cr_assert_not_null (strstr (err->msg, file), "%s", err->msg);
  kn_error_release (&err);
}

Test (dir, sub_path_escapes_refused)
{
  kn_cleanup_free char *esc = kn_xasprintf ("%s/esc", ctx);
  cr_assert_eq (symlink (sentinel, esc), 0);
  kn_cleanup_free char *esc2 = kn_xasprintf ("%s/esc2", ctx);
  cr_assert_eq (symlink ("../sentinel", esc2), 0);
  kn_cleanup_free char *f = kn_xasprintf ("%s/file", ctx);
  write_file (f, "x");
  static const char *const bad[] = { "..", "../sentinel", "sub/../../sentinel", "esc", "esc2", "/../sentinel" };
  struct kn_error *err = NULL;
  char *out;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      int r = fetch ("dir", ctx, ctx, bad[i], &out, &err);
      cr_assert (r < 0, "sub-path %s accepted", bad[i]);
      cr_assert_null (out);
      cr_assert_not_null (strstr (err->msg, "sub-path"), "%s", err->msg);
      kn_error_release (&err);
    }
  cr_assert_eq (fetch ("dir", ctx, ctx, "../sentinel", &out, &err), -KN_EPERM);
  cr_assert_not_null (strstr (err->msg, "leaves the context"), "%s", err->msg);
  kn_error_release (&err);
  cr_assert_eq (fetch ("dir", ctx, ctx, "missing", &out, &err), -KN_ENOTFOUND);
  kn_error_release (&err);
  cr_assert_eq (fetch ("dir", ctx, ctx, "file", &out, &err), -KN_EINVAL);
  kn_error_release (&err);
  /* An absolute sub-path is taken relative to the context, like kaniko's filepath.Join. */
  cr_assert_eq (fetch ("dir", ctx, ctx, "/", &out, &err), 0);
  cr_assert_str_eq (out, ctx);
  free (out);
}

/* ---- building archives ---- */

enum
{
  E_END = 0,
  E_FILE,
  E_DIR,
  E_SYMLINK,
  E_HARDLINK,
  E_FIFO,
  E_CHR
};

struct spec
{
  int type;
  const char *name;
  const char *data; /* file content, or link target */
  int mode;
};

static char *
make_tar (const char *file, const char *filter, const struct spec *s)
{
  char *path = kn_xasprintf ("%s/%s", base, file);
  struct archive *a = archive_write_new ();
  cr_assert_eq (archive_write_set_format_pax_restricted (a), ARCHIVE_OK);
  int r = ARCHIVE_OK;
  if (strcmp (filter, "gzip") == 0)
    r = archive_write_add_filter_gzip (a);
  else if (strcmp (filter, "zstd") == 0)
    r = archive_write_add_filter_zstd (a);
  else if (strcmp (filter, "bzip2") == 0)
    r = archive_write_add_filter_bzip2 (a);
  else if (strcmp (filter, "xz") == 0)
    r = archive_write_add_filter_xz (a);
  cr_assert_eq (r, ARCHIVE_OK, "filter %s: %s", filter, archive_error_string (a));
  cr_assert_eq (archive_write_open_filename (a, path), ARCHIVE_OK);
  for (; s->type != E_END; s++)
    {
      struct archive_entry *e = archive_entry_new ();
      archive_entry_set_pathname (e, s->name);
      archive_entry_set_mtime (e, 1500000000, 0);
      archive_entry_set_perm (e, s->mode ? s->mode : 0644);
      size_t size = 0;
      switch (s->type)
        {
        case E_FILE:
          archive_entry_set_filetype (e, AE_IFREG);
          size = strlen (s->data);
          break;
        case E_DIR:
          archive_entry_set_filetype (e, AE_IFDIR);
          archive_entry_set_perm (e, s->mode ? s->mode : 0755);
          break;
        case E_SYMLINK:
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_symlink (e, s->data);
          break;
        case E_HARDLINK:
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_hardlink (e, s->data);
          break;
        case E_FIFO:
          archive_entry_set_filetype (e, AE_IFIFO);
          break;
        case E_CHR:
          archive_entry_set_filetype (e, AE_IFCHR);
          archive_entry_set_rdev (e, makedev (1, 3));
          break;
        }
      archive_entry_set_size (e, (la_int64_t) size);
      cr_assert_eq (archive_write_header (a, e), ARCHIVE_OK, "%s: %s", s->name, archive_error_string (a));
      if (size > 0)
        cr_assert_eq (archive_write_data (a, s->data, size), (la_ssize_t) size);
      archive_entry_free (e);
    }
  cr_assert_eq (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
  return path;
}

static const struct spec tree[] = {
  { E_DIR, "./", NULL, 0 },
  { E_DIR, "./src/", NULL, 0750 },
  { E_FILE, "./src/main.c", "int main (void) { return 0; }\n", 0644 },
  { E_FILE, "run.sh", "#!/bin/sh\necho hi\n", 0755 },
  { E_DIR, "src/empty", NULL, 0700 },
  { E_SYMLINK, "link", "src/main.c", 0777 },
  { E_SYMLINK, "src/up", "../run.sh", 0777 },
  { E_SYMLINK, "dangling", "does/not/exist", 0777 },
  { E_HARDLINK, "hard", "run.sh", 0755 },
  { E_FIFO, "src/fifo", NULL, 0644 },
  { E_CHR, "null", NULL, 0666 },
  { E_FILE, "Dockerfile", "FROM scratch\nCOPY . /\n", 0600 },
  { E_END, NULL, NULL, 0 },
};

static void
check_tree (const char *root)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/src/main.c", root);
  kn_cleanup_free char *text = read_text (p);
  cr_assert_str_eq (text, "int main (void) { return 0; }\n");
  struct stat st, st2;
  cr_assert_eq (stat (p, &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0644);
  cr_assert_eq (st.st_mtime, 1500000000, "mtime preserved");
  kn_cleanup_free char *sh = kn_xasprintf ("%s/run.sh", root);
  cr_assert_eq (stat (sh, &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0755);
  kn_cleanup_free char *hard = kn_xasprintf ("%s/hard", root);
  cr_assert_eq (stat (hard, &st2), 0);
  cr_assert_eq (st.st_ino, st2.st_ino, "hardlink shares the inode");
  kn_cleanup_free char *src = kn_xasprintf ("%s/src", root);
  cr_assert_eq (stat (src, &st), 0);
  cr_assert_eq (st.st_mode & 07777, 0750);
  cr_assert_eq (st.st_mtime, 1500000000, "directory mtime preserved");
  kn_cleanup_free char *empty = kn_xasprintf ("%s/src/empty", root);
  cr_assert_eq (stat (empty, &st), 0);
  cr_assert (S_ISDIR (st.st_mode) && (st.st_mode & 07777) == 0700);
  char buf[256];
  kn_cleanup_free char *link = kn_xasprintf ("%s/link", root);
  ssize_t n = readlink (link, buf, sizeof buf - 1);
  cr_assert_gt (n, 0);
  buf[n] = '\0';
  cr_assert_str_eq (buf, "src/main.c");
  kn_cleanup_free char *dangling = kn_xasprintf ("%s/dangling", root);
  cr_assert_eq (lstat (dangling, &st), 0);
  kn_cleanup_free char *fifo = kn_xasprintf ("%s/src/fifo", root);
  cr_assert_neq (lstat (fifo, &st), 0, "FIFO skipped");
  kn_cleanup_free char *null = kn_xasprintf ("%s/null", root);
  cr_assert_neq (lstat (null, &st), 0, "device node skipped");
  cr_assert_not_null (warnings);
  cr_assert_not_null (strstr (warnings, "\"null\": skipping device node"), "%s", warnings);
  cr_assert_not_null (strstr (warnings, "\"src/fifo\": skipping FIFO"), "%s", warnings);
}

/* ---- tar ---- */

TestSuite (tar, .init = setup, .fini = teardown);

static void
fetch_tree (const char *filter)
{
  kn_cleanup_free char *tarball = make_tar ("ctx.tar.any", filter, tree);
  kn_cleanup_free char *url = kn_xasprintf ("tar://%s", tarball);
  struct kn_error *err = NULL;
  char *out;
  cr_assert_eq (fetch ("tar", url, tarball, NULL, &out, &err), 0, "%s: %s", filter, err ? err->msg : "");
  cr_assert_str_eq (out, work);
  free (out);
  check_tree (work);
}

Test (tar, plain)
{
  fetch_tree ("none");
}
Test (tar, gzip)
{
  fetch_tree ("gzip");
}
Test (tar, zstd)
{
  fetch_tree ("zstd");
}
Test (tar, bzip2)
{
  fetch_tree ("bzip2");
}
Test (tar, xz)
{
  fetch_tree ("xz");
}

Test (tar, sub_path)
{
  kn_cleanup_free char *tarball = make_tar ("ctx.tgz", "gzip", tree);
  struct kn_error *err = NULL;
  char *out;
  cr_assert_eq (fetch ("tar", "tar://x", tarball, "src", &out, &err), 0, "%s", err ? err->msg : "");
  kn_cleanup_free char *want = kn_xasprintf ("%s/src", work);
  cr_assert_str_eq (out, want);
  free (out);
  cr_assert_eq (fetch ("tar", "tar://x", tarball, "../sentinel", &out, &err), -KN_EPERM);
  kn_error_release (&err);
  cr_assert_eq (fetch ("tar", "tar://x", tarball, "link", &out, &err), -KN_EINVAL, "a symlink to a file");
  kn_error_release (&err);
}

Test (tar, from_stdin)
{
  kn_cleanup_free char *tarball = make_tar ("ctx.tar.zst", "zstd", tree);
  int fd = open (tarball, O_RDONLY);
  cr_assert_geq (fd, 0);
  cr_assert_eq (dup2 (fd, 0), 0);
  close (fd);
  struct kn_error *err = NULL;
  char *out;
  cr_assert_eq (fetch ("tar", "tar://stdin", "stdin", NULL, &out, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (out, work);
  free (out);
  check_tree (work);
}

Test (tar, file_replaces_symlink_without_writing_through_it)
{
  static const struct spec s[] = {
    { E_FILE, "target.txt", "orig\n", 0644 },
    { E_SYMLINK, "lnk", "target.txt", 0777 },
    { E_FILE, "lnk", "new\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  kn_cleanup_free char *tarball = make_tar ("t.tar", "none", s);
  struct kn_error *err = NULL;
  char *out;
  cr_assert_eq (fetch ("tar", "tar://t", tarball, NULL, &out, &err), 0, "%s", err ? err->msg : "");
  free (out);
  kn_cleanup_free char *target = kn_xasprintf ("%s/target.txt", work);
  kn_cleanup_free char *lnk = kn_xasprintf ("%s/lnk", work);
  kn_cleanup_free char *t1 = read_text (target);
  kn_cleanup_free char *t2 = read_text (lnk);
  cr_assert_str_eq (t1, "orig\n");
  cr_assert_str_eq (t2, "new\n");
  struct stat st;
  cr_assert_eq (lstat (lnk, &st), 0);
  cr_assert (S_ISREG (st.st_mode));
}

Test (tar, errors)
{
  struct kn_error *err = NULL;
  char *out;
  kn_cleanup_free char *missing = kn_xasprintf ("%s/missing.tar", base);
  cr_assert_eq (fetch ("tar", "tar://m", missing, NULL, &out, &err), -KN_ENOTFOUND);
  cr_assert_not_null (strstr (err->msg, missing), "%s", err->msg);
  kn_error_release (&err);
  cr_assert_eq (fetch ("tar", "tar://m", ctx, NULL, &out, &err), -KN_EINVAL);
  kn_error_release (&err);
  kn_cleanup_free char *junk = kn_xasprintf ("%s/junk.tar", base);
  write_file (junk, "this is not an archive at all, just some text that is long enough to fill a header....");
  cr_assert_eq (fetch ("tar", "tar://j", junk, NULL, &out, &err), -KN_EPROTO);
  kn_error_release (&err);
  /* A truncated .tar.gz. */
  kn_cleanup_free char *tgz = make_tar ("t.tgz", "gzip", tree);
  struct stat st;
  cr_assert_eq (stat (tgz, &st), 0);
  cr_assert_eq (truncate (tgz, st.st_size / 2), 0);
  cr_assert_lt (fetch ("tar", "tar://t", tgz, NULL, &out, &err), 0);
  cr_assert_null (out);
  kn_error_release (&err);
  const char *const *schemes = source ("tar")->schemes;
  cr_assert_str_eq (schemes[0], "tar");
  cr_assert_null (schemes[1]);
}

/* ---- hostile archives ---- */

/* The listing of the scratch area without the work directory. */
static char *
outside_work (void)
{
  kn_cleanup_free char *all = listing (base);
  char *out = kn_xcalloc (1, strlen (all) + 1);
  for (char *line = strtok (all, "\n"); line; line = strtok (NULL, "\n"))
    if (strncmp (line, "./work/", 7) != 0 && strncmp (line, "./work ", 7) != 0)
      strcat (strcat (out, line), "\n");
  return out;
}

static void
expect_refused (const struct spec *s, const char *entry, const char *why)
{
  kn_cleanup_free char *tarball = make_tar ("hostile.tar.gz", "gzip", s);
  kn_cleanup_free char *before = outside_work ();
  kn_cleanup_free char *sentinel_before = listing (sentinel);
  struct kn_error *err = NULL;
  char *out;
  int r = fetch ("tar", "tar://hostile", tarball, NULL, &out, &err);
  cr_assert_eq (r, -KN_EPERM, "%s: accepted or wrong error (%d): %s", entry, r, err ? err->msg : "");
  cr_assert_null (out);
  kn_cleanup_free char *quoted = kn_xasprintf ("\"%s\"", entry);
  cr_assert_not_null (strstr (err->msg, quoted), "error does not name %s: %s", entry, err->msg);
  cr_assert_not_null (strstr (err->msg, why), "%s", err->msg);
  kn_error_release (&err);
  kn_cleanup_free char *sentinel_after = listing (sentinel);
  cr_assert_str_eq (sentinel_before, sentinel_after, "the sentinel directory changed");
  kn_cleanup_free char *after = outside_work ();
  cr_assert_str_eq (before, after, "something was written outside the work directory");
}

Test (tar, hostile_dotdot)
{
  static const struct spec s[] = {
    { E_FILE, "ok.txt", "ok\n", 0644 },
    { E_FILE, "../sentinel/pwned", "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s, "../sentinel/pwned", "\"..\"");
  static const struct spec s2[] = {
    { E_DIR, "a/", NULL, 0 },
    { E_FILE, "a/../../pwned", "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s2, "a/../../pwned", "\"..\"");
}

Test (tar, hostile_absolute)
{
  kn_cleanup_free char *abs = kn_xasprintf ("%s/pwned", sentinel);
  struct spec s[] = {
    { E_FILE, abs, "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s, abs, "absolute");
}

Test (tar, hostile_symlink_then_write_through_it)
{
  static const struct spec s1[] = {
    { E_SYMLINK, "evil", "/", 0777 },
    { E_FILE, "evil/tmp/kn-context-pwned", "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s1, "evil", "leaves the context");
  cr_assert_neq (access ("/tmp/kn-context-pwned", F_OK), 0);
  struct spec s2[] = {
    { E_SYMLINK, "evil", sentinel, 0777 },
    { E_FILE, "evil/pwned", "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s2, "evil", "leaves the context");
  static const struct spec s3[] = {
    { E_DIR, "d/", NULL, 0 },
    { E_SYMLINK, "d/evil", "../../sentinel", 0777 },
    { E_FILE, "d/evil/pwned", "pwned\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s3, "d/evil", "leaves the context");
  /* Even a symlink that stays inside may not be written through. */
  static const struct spec s4[] = {
    { E_DIR, "sub/", NULL, 0 },
    { E_SYMLINK, "lnk", "sub", 0777 },
    { E_FILE, "lnk/f", "f\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s4, "lnk/f", "parent \"lnk\" is a symlink");
}

Test (tar, hostile_symlink_chain)
{
  /* Each link looks inside on its own: "d" -> "s/../sentinel" is "sentinel"
   * lexically; once "s" -> "." exists, d resolves to ../sentinel. */
  static const struct spec s1[] = {
    { E_SYMLINK, "d", "s/../sentinel", 0777 },
    { E_SYMLINK, "s", ".", 0777 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s1, "d", "resolves outside");
  kn_cleanup_free char *d = kn_xasprintf ("%s/d", work);
  struct stat st;
  cr_assert_neq (lstat (d, &st), 0, "the escaping link was removed");
  /* The other order is caught when the second link is extracted. */
  static const struct spec s2[] = {
    { E_SYMLINK, "s2", ".", 0777 },
    { E_SYMLINK, "d2", "s2/../sentinel", 0777 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s2, "d2", "leaves the context");
  /* A loop is refused too. */
  static const struct spec s3[] = {
    { E_SYMLINK, "l1", "l2", 0777 },
    { E_SYMLINK, "l2", "l1", 0777 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s3, "l1", "resolves outside");
}

Test (tar, hostile_hardlinks)
{
  static const struct spec s1[] = {
    { E_HARDLINK, "passwd", "/etc/passwd", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s1, "passwd", "absolute hardlink target");
  static const struct spec s2[] = {
    { E_HARDLINK, "passwd", "../../../../../../../../etc/passwd", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s2, "passwd", "\"..\" in hardlink target");
  static const struct spec s3[] = {
    { E_HARDLINK, "keep", "../sentinel/keep", 0644 },
    { E_FILE, "keep", "overwritten\n", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s3, "keep", "hardlink target");
  kn_cleanup_free char *keep = kn_xasprintf ("%s/keep", sentinel);
  kn_cleanup_free char *text = read_text (keep);
  cr_assert_str_eq (text, "keep\n");
  struct stat st;
  cr_assert_eq (stat (keep, &st), 0);
  cr_assert_eq (st.st_nlink, 1, "no hardlink to the sentinel was made");
  /* A hardlink through a symlinked directory, and to a directory. */
  static const struct spec s4[] = {
    { E_DIR, "dir/", NULL, 0 },
    { E_FILE, "dir/f", "f\n", 0644 },
    { E_SYMLINK, "via", "dir", 0777 },
    { E_HARDLINK, "h", "via/f", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s4, "h", "is a symlink");
  static const struct spec s5[] = {
    { E_DIR, "dir/", NULL, 0 },
    { E_HARDLINK, "h", "dir", 0644 },
    { E_END, NULL, NULL, 0 },
  };
  expect_refused (s5, "h", "not a regular file");
}
