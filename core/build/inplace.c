#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/inplace.h"
#include "core/image/json.h"
#include "core/layer/changeset.h"

/* Whether FILE names a container runtime (a cgroup path of docker, ...). */
static bool
cgroup_names_runtime (const char *file)
{
  static const char *const names[]
      = { "docker", "kubepods", "containerd", "lxc", "libpod", "podman", "crio", "garden", "rkt", "nspawn", "ecs" };
  FILE *f = fopen (file, "re");
  if (f == NULL)
    return false;
  bool found = false;
  char *line = NULL;
  size_t cap = 0;
  while (!found && getline (&line, &cap, f) > 0)
    {
      /* "ID:CONTROLLERS:PATH": only the path counts. */
      char *path = strchr (line, ':');
      path = path ? strchr (path + 1, ':') : NULL;
      for (size_t k = 0; path && k < sizeof names / sizeof names[0] && !found; k++)
        found = strstr (path, names[k]) != NULL;
    }
  free (line);
  fclose (f);
  return found;
}

bool
kn_inplace_in_container (void)
{
  const char *c = getenv ("container");
  if (c && *c)
    return true;
  if (access ("/.dockerenv", F_OK) == 0 || access ("/run/.containerenv", F_OK) == 0)
    return true;
  return cgroup_names_runtime ("/proc/1/cgroup") || cgroup_names_runtime ("/proc/self/cgroup");
}

/* Unescape a mountinfo field (octal \040 for a space, ...) in place. */
static void
unescape (char *s)
{
  char *o = s;
  for (char *p = s; *p; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7')
        {
          *o++ = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
          p += 3;
        }
      else
        *o++ = *p;
    }
  *o = '\0';
}

/* Push the root-relative form of the absolute path P (resolved when it
 * exists) to *V; "/" itself is never pushed. */
static void
push_abs (char ***v, const char *p)
{
  if (p == NULL || *p == '\0')
    return;
  kn_cleanup_free char *real = realpath (p, NULL);
  kn_cleanup_free char *clean = kn_layer_path_clean (real ? real : p);
  if (clean && *clean)
    kn_strv_push (v, clean);
}

char **
kn_build_ignore_list (const struct kn_build_options *o)
{
  char **v = NULL;
  kn_strv_push (&v, "proc");
  kn_strv_push (&v, "sys");
  kn_strv_push (&v, "dev");
  if (o->ignore_var_run)
    kn_strv_push (&v, "var/run");
  for (size_t i = 0; i < o->ignore_paths.n; i++)
    {
      kn_cleanup_free char *p = kn_layer_path_clean (o->ignore_paths.v[i]);
      if (p && *p)
        kn_strv_push (&v, p);
    }
  return v;
}

char **
kn_inplace_ignore_list (const struct kn_build_options *o, const char *const *keep, size_t n)
{
  char **v = kn_build_ignore_list (o);
  for (size_t i = 0; i < n; i++)
    push_abs (&v, keep[i]);
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  char *line = NULL;
  size_t cap = 0;
  while (f && getline (&line, &cap, f) > 0)
    {
      /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." */
      char *save = NULL, *tok = strtok_r (line, " ", &save);
      for (int k = 0; tok && k < 4; k++)
        tok = strtok_r (NULL, " ", &save);
      if (tok == NULL)
        continue;
      unescape (tok);
      kn_cleanup_free char *clean = kn_layer_path_clean (tok);
      if (clean && *clean)
        kn_strv_push (&v, clean);
    }
  free (line);
  if (f)
    fclose (f);
  return v;
}

/* Whether PATH is an ignored path or below one. */
static bool
ignored (char *const *ignore, const char *path)
{
  for (size_t i = 0; ignore && ignore[i]; i++)
    {
      size_t l = strlen (ignore[i]);
      if (strncmp (path, ignore[i], l) == 0 && (path[l] == '\0' || path[l] == '/'))
        return true;
    }
  return false;
}

/* Whether PATH is an ancestor of an ignored path. */
static bool
holds_ignored (char *const *ignore, const char *path)
{
  size_t l = strlen (path);
  for (size_t i = 0; ignore && ignore[i]; i++)
    if (strncmp (ignore[i], path, l) == 0 && ignore[i][l] == '/')
      return true;
  return false;
}

struct wipe {
  const char *root;
  char *const *ignore;
  dev_t dev;
  int removed;
  int ret;
  struct kn_error **err;
};

static void
wipe_fail (struct wipe *w, int e, const char *rel)
{
  if (w->ret == 0)
    w->ret = kn_error_make (w->err, kn_error_code_from_errno (e), e, "wipe %s: remove %s", w->root, rel);
}

/* Empty the directory DFD (REL: its root-relative path, "" for the root). */
static void
wipe_dir (struct wipe *w, int dfd, const char *rel)
{
  DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      wipe_fail (w, errno, rel);
      return;
    }
  char **names = NULL;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      kn_strv_push (&names, e->d_name);
  for (size_t i = 0; names && names[i]; i++)
    {
      kn_cleanup_free char *child = *rel ? kn_xasprintf ("%s/%s", rel, names[i]) : kn_xstrdup (names[i]);
      if (ignored (w->ignore, child))
        continue;
      struct stat st;
      if (fstatat (dirfd (d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno != ENOENT)
            wipe_fail (w, errno, child);
          continue;
        }
      if (S_ISDIR (st.st_mode))
        {
          if (st.st_dev != w->dev)
            {
              kn_log (KN_LOG_WARN, "wipe: keeping /%s, another filesystem", child);
              continue;
            }
          int cfd = openat (dirfd (d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (cfd < 0)
            {
              wipe_fail (w, errno, child);
              continue;
            }
          wipe_dir (w, cfd, child);
          if (holds_ignored (w->ignore, child))
            continue;
          if (unlinkat (dirfd (d), names[i], AT_REMOVEDIR) < 0 && errno != ENOENT)
            wipe_fail (w, errno, child);
          else
            w->removed++;
        }
      else if (unlinkat (dirfd (d), names[i], 0) < 0 && errno != ENOENT)
        wipe_fail (w, errno, child);
      else
        w->removed++;
    }
  kn_strv_free (names);
  closedir (d);
}

int
kn_inplace_wipe (const char *root, char *const *ignore, struct kn_error **err)
{
  struct wipe w = { .root = root, .ignore = ignore, .err = err };
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "wipe %s", root);
    }
  w.dev = st.st_dev;
  wipe_dir (&w, fd, "");
  return w.ret < 0 ? w.ret : w.removed;
}
