/* bench/snapshot-bench MODE FILES CHANGED: build FILES files (100 per
 * directory), open the snapshotter MODE (full, redo, time, overlay), change
 * CHANGED files through the step root, and time the diff (KN_BENCH_COLD=1:
 * drop the page cache first, as root).  Prints one line:
 *   mode=full files=100000 changed=1000 open_ms=... diff_ms=... entries=...
 * Driven by bench/snapshot.sh; not part of make check. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/sys/snapshot.h>
#include <kaniko/sys/util.h>

#include "core/layer/changeset.h"

const struct kn_plugin_desc *kn_plugin_full_get_desc (void);
const struct kn_plugin_desc *kn_plugin_redo_get_desc (void);
const struct kn_plugin_desc *kn_plugin_time_get_desc (void);
const struct kn_plugin_desc *kn_plugin_overlay_get_desc (void);

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
rm_cb (const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) flag;
  (void) ftw;
  return remove (p);
}

static void
die (const char *what)
{
  fprintf (stderr, "snapshot-bench: %s: %s\n", what, strerror (errno));
  exit (1);
}

int
main (int argc, char **argv)
{
  if (argc != 4)
    {
      fprintf (stderr, "usage: %s full|redo|time|overlay FILES CHANGED\n", argv[0]);
      return 2;
    }
  const struct kn_plugin_desc *d = strcmp (argv[1], "full") == 0    ? kn_plugin_full_get_desc ()
                                   : strcmp (argv[1], "redo") == 0    ? kn_plugin_redo_get_desc ()
                                   : strcmp (argv[1], "time") == 0    ? kn_plugin_time_get_desc ()
                                   : strcmp (argv[1], "overlay") == 0 ? kn_plugin_overlay_get_desc ()
                                                                      : NULL;
  if (d == NULL)
    {
      fprintf (stderr, "snapshot-bench: unknown mode %s\n", argv[1]);
      return 2;
    }
  const struct kn_snapshotter *sn = d->features[0].vtable;
  long files = atol (argv[2]), changed = atol (argv[3]);
  const char *tmp = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
  kn_cleanup_free char *work = kn_xasprintf ("%s/kn-snap-bench-XXXXXX", tmp);
  if (mkdtemp (work) == NULL)
    die ("mkdtemp");
  kn_cleanup_free char *root = kn_xasprintf ("%s/root", work);
  kn_cleanup_free char *state = kn_xasprintf ("%s/state", work);
  if (mkdir (root, 0755) < 0 || mkdir (state, 0700) < 0)
    die ("mkdir");
  for (long i = 0; i < files; i++)
    {
      char p[4096];
      if (i % 100 == 0)
        {
          snprintf (p, sizeof p, "%s/d%05ld", root, i / 100);
          if (mkdir (p, 0755) < 0)
            die (p);
        }
      snprintf (p, sizeof p, "%s/d%05ld/f%03ld", root, i / 100, i % 100);
      int fd = open (p, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0 || write (fd, p, strlen (p)) < 0)
        die (p);
      close (fd);
    }
  sync ();
  struct kn_snapshot_params params = { sizeof params, root, state, NULL, NULL, NULL };
  struct kn_snapshot *s = NULL;
  struct kn_error *err = NULL;
  double t0 = now_ms ();
  if (sn->open (&s, &params, &err) < 0)
    {
      fprintf (stderr, "snapshot-bench: open: %s\n", err->msg);
      return 1;
    }
  double t1 = now_ms ();
  char *exec_root = NULL;
  if (sn->begin && sn->begin (s, &exec_root, &err) < 0)
    {
      fprintf (stderr, "snapshot-bench: begin: %s\n", err->msg);
      return 1;
    }
  const char *step_root = exec_root ? exec_root : root;
  long stride = changed > 0 ? files / changed : 1;
  for (long k = 0; k < changed; k++)
    {
      long i = k * stride;
      char p[4096];
      snprintf (p, sizeof p, "%s/d%05ld/f%03ld", step_root, i / 100, i % 100);
      FILE *f = fopen (p, "a");
      if (f == NULL)
        die (p);
      fputs ("changed\n", f);
      fclose (f);
    }
  if (getenv ("KN_BENCH_COLD") && strcmp (getenv ("KN_BENCH_COLD"), "1") == 0)
    {
      /* Cold caches before the diff: what a long RUN step leaves behind. */
      sync ();
      FILE *f = fopen ("/proc/sys/vm/drop_caches", "w");
      if (f)
        {
          fputs ("3\n", f);
          fclose (f);
        }
    }
  struct kn_changeset *cs = kn_changeset_new ();
  double t2 = now_ms ();
  if (sn->diff (s, cs, &err) < 0)
    {
      fprintf (stderr, "snapshot-bench: diff: %s\n", err->msg);
      return 1;
    }
  double t3 = now_ms ();
  printf ("mode=%s files=%ld changed=%ld open_ms=%.1f diff_ms=%.1f entries=%zu walked=%s\n", argv[1], files, changed,
          t1 - t0, t3 - t2, kn_changeset_count (cs), exec_root ? "no" : "yes");
  kn_changeset_free (cs);
  free (exec_root);
  sn->close (s);
  nftw (work, rm_cb, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  return 0;
}
