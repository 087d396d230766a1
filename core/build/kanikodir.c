#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/kanikodir.h"
#include "core/image/json.h"

int
kn_kdir_mkdir_p (const char *path, unsigned mode, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xstrdup (path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        if (mkdir (p, mode) < 0 && errno != EEXIST)
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mkdir %s", p);
        *s = '/';
      }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mkdir %s", p);
  return 0;
}

static int
open_up (const char *path, const struct stat *st, int flag, struct FTW *f)
{
  (void) f;
  if ((flag == FTW_D || flag == FTW_DNR) && (st->st_mode & 0700) != 0700)
    chmod (path, (st->st_mode & 07777) | 0700);
  return 0;
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *f)
{
  (void) st;
  (void) f;
  if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
    {
      if (rmdir (path) < 0 && errno != ENOENT)
        return errno;
    }
  else if (unlink (path) < 0 && errno != ENOENT)
    return errno;
  return 0;
}

int
kn_kdir_rm_rf (const char *path, struct kn_error **err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : kn_error_make (err, KN_EIO, errno, "remove %s", path);
  if (!S_ISDIR (st.st_mode))
    {
      if (unlink (path) < 0 && errno != ENOENT)
        return kn_error_make (err, KN_EIO, errno, "remove %s", path);
      return 0;
    }
  /* Pre-order pass: make every directory traversable and writable. */
  nftw (path, open_up, 64, FTW_PHYS);
  int r = nftw (path, rm_one, 64, FTW_PHYS | FTW_DEPTH);
  if (r != 0)
    return kn_error_make (err, KN_EIO, r > 0 ? r : errno, "remove %s", path);
  return 0;
}

/* Unescape a mountinfo field (octal \040 for a space, ...) in place. */
static void
mountinfo_unescape (char *s)
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

void
kn_kdir_detach_mounts (const char *dir)
{
  if (dir == NULL)
    return;
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return;
  char **found = NULL;
  size_t dlen = strlen (dir);
  char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." */
      char *save = NULL, *tok = strtok_r (line, " ", &save);
      for (int k = 0; tok && k < 4; k++)
        tok = strtok_r (NULL, " ", &save);
      if (tok == NULL)
        continue;
      mountinfo_unescape (tok);
      if (strncmp (tok, dir, dlen) == 0 && tok[dlen] == '/')
        kn_strv_push (&found, tok);
    }
  free (line);
  fclose (f);
  for (size_t k = kn_strv_len (found); k-- > 0;)
    {
      kn_log (KN_LOG_WARN, "Detaching %s, left mounted by a build", found[k]);
      umount2 (found[k], MNT_DETACH);
    }
  kn_strv_free (found);
}

/* Remove the run directories of builds whose process is gone (killed). */
static void
remove_stale (const char *builds)
{
  kn_cleanup_dir DIR *d = opendir (builds);
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    {
      long pid = 0;
      if (sscanf (e->d_name, "run-%ld-", &pid) != 1 || pid <= 0)
        continue;
      if (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      kn_cleanup_free char *path = kn_xasprintf ("%s/%s", builds, e->d_name);
      struct kn_error *err = NULL;
      kn_kdir_detach_mounts (path);
      kn_kdir_rm_rf (path, &err);
      kn_error_free (err);
    }
}

int
kn_kdir_open (struct kn_kdir *k, const char *root, struct kn_error **err)
{
  memset (k, 0, sizeof *k);
  if (kn_kdir_mkdir_p (root, 0755, err) < 0)
    return kn_error_wrap (err, "kaniko dir");
  k->root = kn_xstrdup (root);
  int ret = kn_store_open (&k->store, root, err);
  if (ret < 0)
    return kn_error_wrap (err, "kaniko dir %s", root);
  kn_cleanup_free char *builds = kn_xasprintf ("%s/builds", root);
  if (kn_kdir_mkdir_p (builds, 0700, err) < 0)
    return kn_error_wrap (err, "kaniko dir");
  remove_stale (builds);
  k->run = kn_xasprintf ("%s/run-%ld-XXXXXX", builds, (long) getpid ());
  if (mkdtemp (k->run) == NULL)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create %s", k->run);
  k->tmp = kn_xasprintf ("%s/tmp", k->run);
  if (mkdir (k->tmp, 0700) < 0)
    return kn_error_make (err, KN_EIO, errno, "mkdir %s", k->tmp);
  return 0;
}

void
kn_kdir_close (struct kn_kdir *k, int keep)
{
  if (k->run && !keep)
    {
      struct kn_error *e = NULL;
      kn_kdir_detach_mounts (k->run);
      kn_kdir_rm_rf (k->run, &e);
      kn_error_free (e);
    }
  kn_store_free (k->store);
  free (k->root);
  free (k->run);
  free (k->tmp);
  memset (k, 0, sizeof *k);
}

int
kn_kdir_stage_root (struct kn_kdir *k, size_t n, char **out, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/stages/%zu/root", k->run, n);
  if (kn_kdir_mkdir_p (p, 0755, err) < 0)
    return kn_error_wrap (err, "stage %zu root", n);
  chmod (p, 0755);
  *out = KN_STEAL (p);
  return 0;
}

int
kn_kdir_subdir (struct kn_kdir *k, const char *name, char **out, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xasprintf ("%s/%s", k->run, name);
  if (kn_kdir_mkdir_p (p, 0700, err) < 0)
    return -KN_EIO;
  *out = KN_STEAL (p);
  return 0;
}
