/* Helpers shared by registry-tool and registry-bench: see registry-driver.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

#include "tests/integration/registry-driver.h"

struct file_reader
{
  struct kn_reader base;
  int fd;
};

static ssize_t
fr_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  ssize_t n = read (((struct file_reader *)r)->fd, buf, len);
  if (n < 0)
    return kn_error_make (err, KN_EIO, errno, "read");
  return n;
}

static void
fr_free (struct kn_reader *r)
{
  close (((struct file_reader *)r)->fd);
  free (r);
}

int
kn_regdrv_file_open (void *payload, uint64_t offset, struct kn_reader **out, struct kn_error **err)
{
  struct file_reader *r;
  int fd = open ((const char *)payload, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, KN_EIO, errno, "open %s", (const char *)payload);
  if (lseek (fd, (off_t)offset, SEEK_SET) < 0)
    {
      close (fd);
      return kn_error_make (err, KN_EIO, errno, "seek %s", (const char *)payload);
    }
  r = kn_xcalloc (1, sizeof *r);
  r->base.read = fr_read;
  r->base.free = fr_free;
  r->fd = fd;
  *out = &r->base;
  return 0;
}
