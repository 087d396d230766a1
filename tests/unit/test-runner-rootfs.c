/* Helpers shared by the runner tests (see test-runner-rootfs.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "tests/unit/test-runner-rootfs.h"

const struct kn_runner *
kn_test_runner (const struct kn_plugin_desc *desc)
{
  for (size_t i = 0; i < desc->n_features; i++)
    if (desc->features[i].kind == KN_KIND_RUNNER)
      return desc->features[i].vtable;
  cr_assert_fail ("plugin %s registers no runner", desc->name);
  return NULL;
}

void
kn_test_need_root (const char *why)
{
  if (geteuid () != 0)
    cr_skip_test ("needs root (%s); run make check as root", why);
}

void
kn_test_need_usable (const struct kn_runner *runner)
{
  char *why = NULL;
  if (runner->usable && !runner->usable (&why))
    {
      static char msg[512];
      snprintf (msg, sizeof msg, "runner %s is not usable here: %s", runner->name, why ? why : "(no reason)");
      free (why);
      cr_skip_test ("%s", msg);
    }
}

static void
write_text (const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen (path, "we");
  cr_assert_not_null (f, "create %s: %s", path, strerror (errno));
  fputs (text, f);
  fclose (f);
  chmod (path, mode);
}

static const char *
find_busybox (void)
{
  static const char *const cands[] = { "/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox" };
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
    if (access (cands[i], X_OK) == 0)
      return cands[i];
  return NULL;
}

static void
copy_file (const char *src, const char *dst, mode_t mode)
{
  int in = open (src, O_RDONLY | O_CLOEXEC);
  cr_assert_geq (in, 0, "open %s: %s", src, strerror (errno));
  int out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  cr_assert_geq (out, 0, "create %s: %s", dst, strerror (errno));
  char buf[65536];
  ssize_t n;
  while ((n = read (in, buf, sizeof buf)) > 0)
    cr_assert_eq (write (out, buf, (size_t) n), n);
  cr_assert_eq (n, 0);
  close (in);
  fchmod (out, mode);
  close (out);
}

char *
kn_test_rootfs_new (int system_dirs)
{
  static const char *const applets[] = { "sh",    "echo",     "cat",  "ls",    "id",    "sleep",  "mount",
                                         "ps",    "hostname", "touch", "grep", "stat",  "wc",     "env",
                                         "pwd",   "ip",       "true",  "false", "mkdir", "rm",     "setsid",
                                         "head",  "pidof",    "usleep", "seq", "sed",   "tr",     "cut",
                                         "readlink", "yes",   "test",  "chmod", "ifconfig", "sort" };
  const char *bb = find_busybox ();
  if (bb == NULL)
    cr_skip_test ("no busybox on the host (apt-get install busybox-static)");
  const char *tmp = getenv ("TMPDIR");
  char *root = kn_xasprintf ("%s/kn-runner-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  cr_assert_not_null (mkdtemp (root), "mkdtemp: %s", strerror (errno));
  chmod (root, 0755);
  static const char *const dirs[] = { "bin", "etc", "tmp", "root", "home", "var" };
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    {
      kn_cleanup_free char *d = kn_xasprintf ("%s/%s", root, dirs[i]);
      cr_assert_eq (mkdir (d, 0755), 0, "mkdir %s: %s", d, strerror (errno));
    }
  if (system_dirs)
    {
      static const char *const sys[] = { "proc", "dev", "sys" };
      for (size_t i = 0; i < 3; i++)
        {
          kn_cleanup_free char *d = kn_xasprintf ("%s/%s", root, sys[i]);
          cr_assert_eq (mkdir (d, 0755), 0);
        }
    }
  kn_cleanup_free char *t = kn_xasprintf ("%s/tmp", root);
  chmod (t, 01777);
  kn_cleanup_free char *r = kn_xasprintf ("%s/root", root);
  chmod (r, 0700);
  kn_cleanup_free char *b = kn_xasprintf ("%s/bin/busybox", root);
  copy_file (bb, b, 0755);
  for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++)
    {
      kn_cleanup_free char *l = kn_xasprintf ("%s/bin/%s", root, applets[i]);
      cr_assert_eq (symlink ("busybox", l), 0, "symlink %s: %s", l, strerror (errno));
    }
  kn_cleanup_free char *pw = kn_xasprintf ("%s/etc/passwd", root);
  write_text (pw, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0644);
  kn_cleanup_free char *gr = kn_xasprintf ("%s/etc/group", root);
  write_text (gr, "root:x:0:\nusers:x:100:\nnogroup:x:65534:\n", 0644);
  return root;
}

static int
rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) ftw;
  if (flag == FTW_DP)
    rmdir (path);
  else
    unlink (path);
  return 0;
}

void
kn_test_rootfs_free (char *path)
{
  if (path == NULL)
    return;
  nftw (path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  free (path);
}

/* The listing under construction for nftw. */
static struct {
  char **lines;
  size_t n;
  size_t root_len;
} listing;

static int
list_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) flag;
  (void) ftw;
  char link[4096] = "";
  if (S_ISLNK (sb->st_mode))
    {
      ssize_t n = readlink (path, link, sizeof link - 1);
      link[n > 0 ? n : 0] = '\0';
    }
  const char *rel = path + listing.root_len;
  listing.lines = kn_xrealloc (listing.lines, (listing.n + 1) * sizeof *listing.lines);
  listing.lines[listing.n++] = kn_xasprintf ("%s %o %u:%u %lld %lld.%09ld %s", *rel ? rel : "/",
                                             (unsigned) sb->st_mode, (unsigned) sb->st_uid, (unsigned) sb->st_gid,
                                             S_ISDIR (sb->st_mode) ? 0LL : (long long) sb->st_size,
                                             (long long) sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec, link);
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char *
kn_test_tree_listing (const char *root)
{
  memset (&listing, 0, sizeof listing);
  listing.root_len = strlen (root);
  cr_assert_eq (nftw (root, list_entry, 32, FTW_PHYS | FTW_MOUNT), 0, "walk %s", root);
  qsort (listing.lines, listing.n, sizeof *listing.lines, cmp_str);
  size_t total = 1;
  for (size_t i = 0; i < listing.n; i++)
    total += strlen (listing.lines[i]) + 1;
  char *s = kn_xmalloc (total);
  s[0] = '\0';
  char *p = s;
  for (size_t i = 0; i < listing.n; i++)
    {
      p = stpcpy (p, listing.lines[i]);
      *p++ = '\n';
      *p = '\0';
      free (listing.lines[i]);
    }
  free (listing.lines);
  memset (&listing, 0, sizeof listing);
  return s;
}

char *
kn_test_read_file (const char *file)
{
  FILE *f = fopen (file, "re");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *s = kn_xmalloc (cap);
  size_t r;
  while ((r = fread (s + n, 1, cap - n - 1, f)) > 0)
    {
      n += r;
      if (cap - n - 1 == 0)
        s = kn_xrealloc (s, cap *= 2);
    }
  s[n] = '\0';
  fclose (f);
  return s;
}

void
kn_test_spec_init (struct kn_run_spec *spec, const char *root, const char *const *argv)
{
  static const char *const env[] = { "PATH=/bin", NULL };
  memset (spec, 0, sizeof *spec);
  spec->size = sizeof *spec;
  spec->root = root;
  spec->argv = argv;
  spec->envp = env;
  spec->workdir = "/";
  spec->stdin_fd = -1;
  spec->stdout_fd = -1;
  spec->stderr_fd = -1;
}

static char *
slurp_fd (int fd)
{
  off_t end = lseek (fd, 0, SEEK_END);
  cr_assert_geq (end, 0);
  char *s = kn_xmalloc ((size_t) end + 1);
  ssize_t n = pread (fd, s, (size_t) end, 0);
  s[n > 0 ? n : 0] = '\0';
  return s;
}

void
kn_test_run (const struct kn_runner *runner, struct kn_run_spec *spec, struct kn_test_run *res)
{
  memset (res, 0, sizeof *res);
  int out = -1, err = -1;
  if (spec->stdout_fd < 0)
    spec->stdout_fd = out = memfd_create ("stdout", MFD_CLOEXEC);
  if (spec->stderr_fd < 0)
    spec->stderr_fd = err = memfd_create ("stderr", MFD_CLOEXEC);
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  res->status = -1;
  res->rc = runner->run (spec, &res->status, &res->error);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  res->seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
  res->out = out >= 0 ? slurp_fd (out) : kn_xstrdup ("");
  res->err = err >= 0 ? slurp_fd (err) : kn_xstrdup ("");
  if (out >= 0)
    {
      close (out);
      spec->stdout_fd = -1;
    }
  if (err >= 0)
    {
      close (err);
      spec->stderr_fd = -1;
    }
}

void
kn_test_run_free (struct kn_test_run *res)
{
  free (res->out);
  free (res->err);
  kn_error_free (res->error);
  memset (res, 0, sizeof *res);
}

int
kn_test_count_processes (const char *argv0, const char *arg1)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int count = 0;
  size_t l0 = strlen (argv0), l1 = strlen (arg1);
  cr_assert_not_null (d);
  while ((e = readdir (d)))
    {
      if (e->d_name[0] < '0' || e->d_name[0] > '9')
        continue;
      char path[300], buf[256];
      snprintf (path, sizeof path, "/proc/%s/cmdline", e->d_name);
      int fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      ssize_t n = read (fd, buf, sizeof buf);
      close (fd);
      if (n == (ssize_t) (l0 + l1 + 2) && memcmp (buf, argv0, l0 + 1) == 0 && memcmp (buf + l0 + 1, arg1, l1 + 1) == 0)
        count++;
    }
  closedir (d);
  return count;
}

int
kn_test_count_lines (const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}
