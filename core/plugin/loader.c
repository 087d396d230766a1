/* The plugin loader: the only file of the project that includes <ltdl.h>.
 *
 * libgphoto2's habit: lt_dlforeachfile() lists the candidate modules of a
 * directory (NAME without extension) and each is opened much as lt_dlopenext
 * would: NAME.so when it exists, else NAME.la (so the uninstalled libtool
 * modules of the build tree load too; libltdl follows the .la to
 * .libs/NAME.so).  The exact file is passed to lt_dlopenadvise() rather than
 * the bare NAME: libltdl tries each of its loaders in turn and reports the
 * error of the last one ("file not found") even when dlopen had a better
 * reason, so for a .so that libltdl refused, dlopen() is asked directly, only
 * to get that reason ("invalid ELF header", a missing library).
 *
 * libltdl is not thread-safe: every lt_* call runs under one process-wide
 * mutex.  Plugin code (the entry point, init) runs outside that lock. */
#include "config.h"

#include <dlfcn.h>
#include <ltdl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/plugin/table.h"

static pthread_mutex_t ltdl_lock = PTHREAD_MUTEX_INITIALIZER;

int
kn_plugin_loader_init (struct kn_error **err)
{
  pthread_mutex_lock (&ltdl_lock);
  int failed = lt_dlinit ();
  kn_cleanup_free char *msg = failed ? kn_xstrdup (lt_dlerror ()) : NULL;
  pthread_mutex_unlock (&ltdl_lock);
  if (failed)
    return kn_error_make (err, KN_EINTERNAL, 0, "cannot initialise libltdl: %s", msg ? msg : "unknown error");
  return 0;
}

void
kn_plugin_loader_exit (void)
{
  pthread_mutex_lock (&ltdl_lock);
  lt_dlexit ();
  pthread_mutex_unlock (&ltdl_lock);
}

void
kn_plugin_loader_close (void *handle)
{
  if (handle == NULL)
    return;
  pthread_mutex_lock (&ltdl_lock);
  lt_dlclose ((lt_dlhandle) handle);
  pthread_mutex_unlock (&ltdl_lock);
}

struct candidates {
  char **stems;
  size_t n;
};

/* lt_dlforeachfile() callback: FILENAME is "DIR/NAME" with the extension
 * (and any version suffix) stripped.  Only collects: no lt_* call here. */
static int
collect (const char *filename, void *data)
{
  struct candidates *c = data;
  c->stems = kn_xrealloc (c->stems, (c->n + 1) * sizeof *c->stems);
  c->stems[c->n++] = kn_xstrdup (filename);
  return 0;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Why dlopen() cannot load PATH (malloc'd), or NULL when it can. */
static char *
dlopen_reason (const char *path)
{
  dlerror ();
  void *h = dlopen (path, RTLD_LAZY | RTLD_LOCAL);
  if (h)
    {
      dlclose (h);
      return NULL;
    }
  const char *e = dlerror ();
  if (e == NULL)
    return NULL;
  /* glibc says "PATH: reason"; the caller names the file already. */
  size_t n = strlen (path);
  if (strncmp (e, path, n) == 0 && e[n] == ':' && e[n + 1] == ' ')
    e += n + 2;
  return kn_xstrdup (e);
}

/* Open module file PATH ("DIR/NAME.la" or "DIR/NAME.so", NAME from STEM),
 * validate and add it. */
static void
load_one (struct kn_plugins *t, const char *stem, const char *path)
{
  const char *base = strrchr (stem, '/');
  base = base ? base + 1 : stem;

  pthread_mutex_lock (&ltdl_lock);
  lt_dladvise advise;
  lt_dlhandle h = NULL;
  if (lt_dladvise_init (&advise) == 0)
    {
      /* local: the modules all export the same entry symbol, keep them out
       * of the global namespace. */
      if (lt_dladvise_local (&advise) == 0)
        h = lt_dlopenadvise (path, advise);
      lt_dladvise_destroy (&advise);
    }
  if (h == NULL)
    {
      const char *why = lt_dlerror ();
      kn_cleanup_free char *msg = kn_xstrdup (why ? why : "unknown error");
      size_t len = strlen (path);
      if (len > 3 && strcmp (path + len - 3, ".so") == 0)
        {
          char *better = dlopen_reason (path);
          if (better)
            {
              free (msg);
              msg = better;
            }
        }
      pthread_mutex_unlock (&ltdl_lock);
      kn_plugins_refuse (t, path, "cannot load: %s", msg);
      return;
    }
  void *sym = lt_dlsym (h, KN_PLUGIN_ENTRY_SYMBOL);
  if (sym == NULL)
    {
      lt_dlclose (h);
      pthread_mutex_unlock (&ltdl_lock);
      kn_plugins_refuse (t, path, "missing entry symbol %s (not a kaniko plugin)", KN_PLUGIN_ENTRY_SYMBOL);
      return;
    }
  pthread_mutex_unlock (&ltdl_lock);

  kn_plugin_get_desc_fn get_desc = (kn_plugin_get_desc_fn) sym;
  if (kn_plugins_add (t, get_desc (), path, base, 0, h) < 0)
    kn_plugin_loader_close (h);
}

void
kn_plugin_loader_scan_dir (struct kn_plugins *t, const char *dir)
{
  struct candidates c = { NULL, 0 };
  pthread_mutex_lock (&ltdl_lock);
  lt_dlforeachfile (dir, collect, &c);
  pthread_mutex_unlock (&ltdl_lock);

  /* Sorted for a stable order; "gzip.la" and "gzip.so" give the stem "gzip" twice. */
  qsort (c.stems, c.n, sizeof *c.stems, compare_strings);
  for (size_t i = 0; i < c.n; i++)
    {
      if (i > 0 && strcmp (c.stems[i], c.stems[i - 1]) == 0)
        continue;
      /* Only files that look like modules: NAME.so, else NAME.la.  Anything
       * else libltdl lists (README, .libs, foo.o) is not a candidate.  The
       * .so comes first: an installed NAME.la names its install libdir, which
       * libltdl would try before this directory (wrong for a relocated or
       * DESTDIR tree); a build tree has only NAME.la (the .so is in .libs). */
      kn_cleanup_free char *la = kn_xasprintf ("%s.la", c.stems[i]);
      kn_cleanup_free char *so = kn_xasprintf ("%s.so", c.stems[i]);
      const char *path = access (so, F_OK) == 0 ? so : access (la, F_OK) == 0 ? la : NULL;
      if (path)
        load_one (t, c.stems[i], path);
    }
  for (size_t i = 0; i < c.n; i++)
    free (c.stems[i]);
  free (c.stems);
}
