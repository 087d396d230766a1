/* The plugin search path: --plugin-dir > KANIKO_PLUGIN_PATH >
 * $ORIGIN/../lib/kaniko > $(pkglibdir).  The same directory (after
 * realpath) is never listed twice, so a plugin is never refused as a
 * duplicate of itself. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/plugin/table.h"

#ifndef KN_PKGLIBDIR
#error "KN_PKGLIBDIR must be defined by Makefile.am"
#endif

static int
is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

void
kn_plugins_append_dir (struct kn_plugins *t, const char *dir, enum kn_plugin_dir_origin origin)
{
  int exists = is_dir (dir);
  char *real = exists ? realpath (dir, NULL) : NULL;
  for (size_t i = 0; i < t->n_dirs; i++)
    if (strcmp (t->dirs[i]->path, dir) == 0 || (real && t->dirs[i]->real && strcmp (t->dirs[i]->real, real) == 0))
      {
        free (real);
        return;
      }
  struct kn_plugin_dir_entry *d = kn_xcalloc (1, sizeof *d);
  d->path = kn_xstrdup (dir);
  d->real = real;
  d->pub.path = d->path;
  d->pub.origin = origin;
  d->pub.exists = exists;
  t->dirs = kn_xrealloc (t->dirs, (t->n_dirs + 1) * sizeof *t->dirs);
  t->dirs[t->n_dirs++] = d;
}

int
kn_plugins_add_dir (struct kn_plugins *t, const char *dir, struct kn_error **err)
{
  if (dir == NULL || dir[0] != '/')
    return kn_error_make (err, KN_EINVAL, 0, "--plugin-dir %s: not an absolute path", dir ? dir : "(null)");
  /* libltdl takes a ':'-separated search path (and KANIKO_PLUGIN_PATH is one too). */
  if (strchr (dir, ':'))
    return kn_error_make (err, KN_EINVAL, 0, "--plugin-dir %s: a plugin directory cannot contain ':'", dir);
  if (!is_dir (dir))
    return kn_error_make (err, KN_ENOTFOUND, 0, "--plugin-dir %s: not a directory", dir);
  kn_plugins_append_dir (t, dir, KN_PLUGIN_DIR_FLAG);
  return 0;
}

/* The malloc'd directory of the running executable, or NULL. */
static char *
exe_dir (void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  char *slash = strrchr (buf, '/');
  if (slash == NULL)
    return NULL;
  *slash = '\0';
  return kn_xstrdup (buf[0] ? buf : "/");
}

void
kn_plugins_add_default_dirs (struct kn_plugins *t)
{
  const char *env = getenv ("KANIKO_PLUGIN_PATH");
  if (env)
    {
      const char *p = env;
      while (*p)
        {
          size_t len = strcspn (p, ":");
          if (len > 0)
            {
              kn_cleanup_free char *dir = kn_xstrndup (p, len);
              kn_plugins_append_dir (t, dir, KN_PLUGIN_DIR_ENV);
            }
          p += len;
          if (*p == ':')
            p++;
        }
    }
  kn_cleanup_free char *bin = exe_dir ();
  if (bin)
    {
      /* bin/kaniko -> lib/kaniko: drop the last component of the binary's directory. */
      char *slash = strrchr (bin, '/');
      if (slash)
        *slash = '\0';
      kn_cleanup_free char *dir = kn_xasprintf ("%s/lib/kaniko", bin);
      kn_plugins_append_dir (t, dir, KN_PLUGIN_DIR_EXE);
    }
  kn_plugins_append_dir (t, KN_PKGLIBDIR, KN_PLUGIN_DIR_PKGLIB);
}
