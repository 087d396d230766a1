/* /etc/passwd and /etc/group lookups inside a root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/build/userdb.h"
#include "core/layer/resolve.h"

/* Open ROOT/REL (read-only) resolving symlinks inside ROOT; NULL when absent. */
static FILE *
open_in_root (const char *root, const char *rel)
{
  kn_cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return NULL;
  struct kn_error *e = NULL;
  kn_cleanup_free char *base = NULL;
  kn_cleanup_close int dfd = kn_resolve_parent (rootfd, rel, 0, &base, &e);
  if (dfd < 0)
    {
      kn_error_free (e);
      return NULL;
    }
  int fd = openat (dfd, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen (fd, "r");
  if (!f)
    close (fd);
  return f;
}

static bool
parse_id (const char *s, unsigned long *out)
{
  if (!*s)
    return false;
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (*end || errno || v > UINT_MAX - 1 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
    return false;
  *out = v;
  return true;
}

/* Split a colon-separated line into at most MAX fields (in place). */
static size_t
split_fields (char *line, char **f, size_t max)
{
  size_t n = 0;
  line[strcspn (line, "\n")] = '\0';
  char *p = line;
  while (n < max)
    {
      f[n++] = p;
      char *c = strchr (p, ':');
      if (!c)
        break;
      *c = '\0';
      p = c + 1;
    }
  return n;
}

/* Look NAME (or, when BY_ID, the numeric id) up in passwd.  1 found, 0 not. */
static int
lookup_passwd (const char *root, const char *name, uid_t *uid, gid_t *gid, char **name_out)
{
  kn_cleanup_fclose FILE *f = open_in_root (root, "etc/passwd");
  if (!f)
    return 0;
  kn_cleanup_free char *line = NULL;
  size_t cap = 0;
  unsigned long want = 0;
  bool by_id = parse_id (name, &want);
  while (getline (&line, &cap, f) >= 0)
    {
      char *fl[7];
      if (line[0] == '#' || split_fields (line, fl, 7) < 4)
        continue;
      unsigned long u, g;
      if (!parse_id (fl[2], &u) || !parse_id (fl[3], &g))
        continue;
      if (by_id ? u == want : strcmp (fl[0], name) == 0)
        {
          *uid = (uid_t)u;
          *gid = (gid_t)g;
          if (name_out)
            *name_out = kn_xstrdup (fl[0]);
          return 1;
        }
    }
  return 0;
}

static int
lookup_group (const char *root, const char *name, gid_t *gid)
{
  kn_cleanup_fclose FILE *f = open_in_root (root, "etc/group");
  if (!f)
    return 0;
  kn_cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) >= 0)
    {
      char *fl[4];
      unsigned long g;
      if (line[0] == '#' || split_fields (line, fl, 4) < 3 || !parse_id (fl[2], &g))
        continue;
      if (strcmp (fl[0], name) == 0)
        {
          *gid = (gid_t)g;
          return 1;
        }
    }
  return 0;
}

static int
resolve_group (const char *root, const char *group, gid_t *gid, struct kn_error **err)
{
  unsigned long v;
  if (lookup_group (root, group, gid))
    return 0;
  if (parse_id (group, &v))
    {
      *gid = (gid_t)v;
      return 0;
    }
  return kn_error_make (err, KN_ENOTFOUND, 0, "unable to find group %s: no matching entries in group file", group);
}

int
kn_userdb_resolve_chown (const char *root, const char *spec, uid_t *uid, gid_t *gid, struct kn_error **err)
{
  kn_cleanup_free char *user = kn_xstrdup (spec);
  char *group = strchr (user, ':');
  if (group)
    *group++ = '\0';
  if (user[0] == '\0' || (group && group[0] == '\0'))
    return kn_error_make (err, KN_EINVAL, 0, "invalid chown %s", spec);
  unsigned long v;
  if (parse_id (user, &v))
    {
      *uid = (uid_t)v;
      *gid = (gid_t)v;
    }
  else if (!lookup_passwd (root, user, uid, gid, NULL))
    return kn_error_make (err, KN_ENOTFOUND, 0, "unable to find user %s: no matching entries in passwd file", user);
  if (group)
    return resolve_group (root, group, gid, err);
  return 0;
}

int
kn_userdb_resolve_user (const char *root, const char *user_spec, uid_t *uid, gid_t *gid, gid_t **groups,
                        size_t *n_groups, struct kn_error **err)
{
  *groups = NULL;
  *n_groups = 0;
  kn_cleanup_free char *user = kn_xstrdup (user_spec && *user_spec ? user_spec : "0");
  char *group = strchr (user, ':');
  if (group)
    *group++ = '\0';
  kn_cleanup_free char *name = NULL;
  unsigned long v;
  if (!lookup_passwd (root, user, uid, gid, &name))
    {
      if (!parse_id (user, &v))
        return kn_error_make (err, KN_ENOTFOUND, 0, "unable to find user %s: no matching entries in passwd file", user);
      *uid = (uid_t)v;
      *gid = 0;
    }
  if (group && *group)
    {
      int r = resolve_group (root, group, gid, err);
      if (r < 0)
        return r;
    }
  if (!name)
    return 0;
  kn_cleanup_fclose FILE *f = open_in_root (root, "etc/group");
  if (!f)
    return 0;
  kn_cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) >= 0)
    {
      char *fl[4];
      unsigned long g;
      if (line[0] == '#' || split_fields (line, fl, 4) < 4 || !parse_id (fl[2], &g))
        continue;
      for (char *save = NULL, *m = strtok_r (fl[3], ",", &save); m; m = strtok_r (NULL, ",", &save))
        if (strcmp (m, name) == 0)
          {
            *groups = kn_xrealloc (*groups, (*n_groups + 1) * sizeof **groups);
            (*groups)[(*n_groups)++] = (gid_t)g;
            break;
          }
    }
  return 0;
}
