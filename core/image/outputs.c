/* Digest files and atomic writes: see outputs.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "core/image/outputs.h"
#include "core/image/reference.h"

int
kn_image_mkdir_p (const char *dir, mode_t mode, struct kn_error **err)
{
  kn_cleanup_free char *p = kn_xstrdup (dir);
  size_t n = strlen (p);
  for (size_t i = 1; i <= n; i++)
    if (p[i] == '/' || p[i] == '\0')
      {
        char c = p[i];
        p[i] = '\0';
        if (mkdir (p, mode) < 0 && errno != EEXIST)
          return kn_error_make (err, kn_error_code_from_errno (errno), errno, "mkdir `%s`", p);
        p[i] = c;
      }
  return 0;
}

static int
write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

int
kn_image_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, struct kn_error **err)
{
  kn_cleanup_free char *copy = kn_xstrdup (path);
  kn_cleanup_free char *tmp = NULL;
  kn_cleanup_close int fd = -1;
  kn_cleanup_close int dfd = -1;
  const char *dir = dirname (copy);
  tmp = kn_xasprintf ("%s.tmp-XXXXXX", path);
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "create temporary file for `%s`", path);
  if (write_all (fd, data, len) < 0 || fchmod (fd, mode) < 0 || fsync (fd) < 0)
    {
      int e = errno;
      unlink (tmp);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "write `%s`", tmp);
    }
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return kn_error_make (err, kn_error_code_from_errno (e), e, "rename `%s` to `%s`", tmp, path);
    }
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    (void) fsync (dfd);
  return 0;
}

/* Like Go's os.WriteFile: in place, so /dev/termination-log and other
 * bind-mounted or special files work (a rename over them would not). */
static int
write_in_place (const char *path, const char *data, size_t len, struct kn_error **err)
{
  kn_cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open `%s`", path);
  if (write_all (fd, data, len) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "write `%s`", path);
  return 0;
}

static int
ensure_parent (const char *path, struct kn_error **err)
{
  kn_cleanup_free char *copy = kn_xstrdup (path);
  const char *dir = dirname (copy);
  struct stat st;
  if (stat (dir, &st) == 0)
    return 0;
  return kn_image_mkdir_p (dir, 0700, err);
}

int
kn_outputs_write_digest_file (const char *path, const char *digest, struct kn_error **err)
{
  int ret = ensure_parent (path, err);
  if (ret < 0)
    return kn_error_wrap (err, "writing digest to file failed");
  ret = write_in_place (path, digest, strlen (digest), err);
  if (ret < 0)
    return kn_error_wrap (err, "writing digest to file failed");
  return 0;
}

int
kn_outputs_image_name_lines (char *const *destinations, const char *digest, int with_tag, char **out,
                             struct kn_error **err)
{
  kn_cleanup_free char *buf = kn_xstrdup ("");
  for (size_t i = 0; destinations && destinations[i]; i++)
    {
      struct kn_reference r = { 0 };
      kn_cleanup_free char *repo = NULL;
      char *line;
      int ret = kn_reference_parse_normalized (destinations[i], &r, err);
      if (ret < 0)
        return kn_error_wrap (err, "getting tag for destination");
      if (r.digest && r.tag == NULL)
        {
          kn_reference_clear (&r);
          return kn_error_make (err, KN_EINVAL, 0, "getting tag for destination: \"%s\" is a digest, not a tag",
                                destinations[i]);
        }
      repo = kn_reference_repository_name (&r);
      line = kn_xasprintf ("%s%s%s%s@%s\n", buf, repo, with_tag ? ":" : "",
                           with_tag ? kn_reference_tag_or_default (&r) : "", digest);
      free (buf);
      buf = line;
      kn_reference_clear (&r);
    }
  *out = KN_STEAL (buf);
  return 0;
}

int
kn_outputs_write_image_name_file (const char *path, char *const *destinations, const char *digest, int with_tag,
                                  struct kn_error **err)
{
  kn_cleanup_free char *text = NULL;
  int ret = kn_outputs_image_name_lines (destinations, digest, with_tag, &text, err);
  if (ret < 0)
    return ret;
  if ((ret = ensure_parent (path, err)) < 0
      || (ret = write_in_place (path, text, strlen (text), err)) < 0)
    return kn_error_wrap (err, with_tag ? "writing image name with image tag and digest to file failed"
                                        : "writing image name with digest to file failed");
  return 0;
}
