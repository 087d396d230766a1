/* layer-bench: time the layer writer and the applier (bench/layer.sh drives it).
 *   layer-bench write ROOT STORE none|gzip|zstd [LEVEL [THREADS]]
 *       writes ROOT as a layer with the real compressor plugins (their
 *       sources are compiled in, as in tests/unit/test-compress) and prints
 *       digest, sizes, seconds, MiB/s of tar, peak RSS and the blob's path;
 *   layer-bench apply BLOB DEST
 *       applies the layer file BLOB onto DEST with core/layer/applier. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/plugin.h>
#include <kaniko/sys/util.h>

#include "core/layer/applier.h"
#include "core/layer/store.h"
#include "core/layer/writer.h"

const struct kn_plugin_desc *kn_plugin_gzip_get_desc (void);
const struct kn_plugin_desc *kn_plugin_zstd_get_desc (void);

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static long
maxrss (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static int
fail (struct kn_error *err)
{
  fprintf (stderr, "layer-bench: %s\n", err ? err->msg : "error");
  kn_error_free (err);
  return 1;
}

static int
do_write (int argc, char **argv)
{
  const char *root = argv[2], *store = argv[3], *comp = argv[4];
  struct kn_compress_opts copts = KN_COMPRESS_OPTS_INIT;
  if (argc > 5)
    copts.level = atoi (argv[5]);
  copts.threads = argc > 6 ? (unsigned) atoi (argv[6]) : 0;
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  const struct kn_plugin_desc *d = strcmp (comp, "gzip") == 0   ? kn_plugin_gzip_get_desc ()
                                   : strcmp (comp, "zstd") == 0 ? kn_plugin_zstd_get_desc ()
                                                                : NULL;
  o.compressor = d ? d->features[0].vtable : NULL;
  o.compress_opts = &copts;
  o.reproducible = 1;
  struct kn_store *s = NULL;
  struct kn_error *err = NULL;
  if (kn_store_open (&s, store, &err) < 0)
    return fail (err);
  double t0 = now ();
  struct kn_layer_info info;
  int ret = kn_layer_write_full (s, root, &o, &info, &err);
  double secs = now () - t0;
  if (ret < 0)
    {
      kn_store_free (s);
      return fail (err);
    }
  char *path = kn_store_path (s, info.digest);
  printf ("write-%s entries=%llu tar=%llu blob=%llu secs=%.2f tar_MiB/s=%.1f maxrss_kib=%ld\n  digest=%s\n  "
          "diff_id=%s\n  path=%s\n",
          comp, (unsigned long long) info.entries, (unsigned long long) info.tar_size,
          (unsigned long long) info.size, secs, (double) info.tar_size / 1048576.0 / secs, maxrss (), info.digest,
          info.diff_id, path);
  free (path);
  kn_store_free (s);
  return 0;
}

static int
do_apply (char **argv)
{
  int fd = open (argv[2], O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      perror (argv[2]);
      return 1;
    }
  struct kn_reader *r = kn_reader_new_fd (fd);
  struct kn_layer_apply_opts o = KN_LAYER_APPLY_OPTS_INIT;
  o.name = argv[2];
  o.same_owner = 0;
  struct kn_layer_apply_stats st = { 0 };
  struct kn_error *err = NULL;
  double t0 = now ();
  int ret = kn_layer_apply (argv[3], r, &o, &st, &err);
  double secs = now () - t0;
  kn_reader_free (r);
  close (fd);
  if (ret < 0)
    return fail (err);
  printf ("apply entries=%llu whiteouts=%llu skipped=%llu secs=%.2f maxrss_kib=%ld\n", (unsigned long long) st.entries,
          (unsigned long long) st.whiteouts, (unsigned long long) st.skipped, secs, maxrss ());
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 5 && strcmp (argv[1], "write") == 0)
    return do_write (argc, argv);
  if (argc == 4 && strcmp (argv[1], "apply") == 0)
    return do_apply (argv);
  fprintf (stderr, "usage: %s write ROOT STORE none|gzip|zstd [LEVEL [THREADS]]\n"
                   "       %s apply BLOB DEST\n",
           argv[0], argv[0]);
  return 2;
}
