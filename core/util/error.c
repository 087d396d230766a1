/* Error objects: see include/kaniko/error.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

int
kn_error_makev (struct kn_error **err, int code, int errnum, const char *fmt, va_list ap)
{
  if (code <= 0 || code >= KN_ECODE_MAX)
    code = KN_EINTERNAL;
  if (err == NULL || *err != NULL)
    return -code;
  char *msg = kn_xvasprintf (fmt, ap);
  if (errnum != 0)
    {
      char *full = kn_xasprintf ("%s: %s", msg, strerror (errnum));
      free (msg);
      msg = full;
    }
  struct kn_error *e = kn_xmalloc (sizeof *e);
  e->code = code;
  e->errnum = errnum;
  e->msg = msg;
  *err = e;
  return -code;
}

int
kn_error_make (struct kn_error **err, int code, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = kn_error_makev (err, code, errnum, fmt, ap);
  va_end (ap);
  return r;
}

int
kn_error_wrap (struct kn_error **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -KN_EINTERNAL;
  va_list ap;
  va_start (ap, fmt);
  char *prefix = kn_xvasprintf (fmt, ap);
  va_end (ap);
  char *msg = kn_xasprintf ("%s: %s", prefix, (*err)->msg);
  free (prefix);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -(*err)->code;
}

void
kn_error_free (struct kn_error *e)
{
  if (e == NULL)
    return;
  free (e->msg);
  free (e);
}

void
kn_error_release (struct kn_error **err)
{
  if (err == NULL)
    return;
  kn_error_free (*err);
  *err = NULL;
}

const char *
kn_error_code_name (int code)
{
  static const char *const names[] = {
    [KN_OK] = "OK",           [KN_EINVAL] = "EINVAL",     [KN_ENOTFOUND] = "ENOTFOUND",
    [KN_EAUTH] = "EAUTH",     [KN_EIO] = "EIO",           [KN_ENOTSUP] = "ENOTSUP",
    [KN_EABI] = "EABI",       [KN_EEXIST] = "EEXIST",     [KN_EPERM] = "EPERM",
    [KN_ECANCELED] = "ECANCELED", [KN_EPROTO] = "EPROTO", [KN_EDIGEST] = "EDIGEST",
    [KN_ENOSPC] = "ENOSPC",   [KN_EINTERNAL] = "EINTERNAL",
  };
  if (code < 0)
    code = -code;
  if (code >= KN_ECODE_MAX)
    return "EUNKNOWN";
  return names[code];
}

int
kn_error_code_from_errno (int errnum)
{
  switch (errnum)
    {
    case ENOENT:
    case ENOTDIR:
      return KN_ENOTFOUND;
    case EACCES:
    case EPERM:
    case EXDEV:
    case ELOOP:
      return KN_EPERM;
    case EEXIST:
    case ENOTEMPTY:
      return KN_EEXIST;
    case EINVAL:
    case ENAMETOOLONG:
      return KN_EINVAL;
    case ENOSPC:
    case EDQUOT:
      return KN_ENOSPC;
    case ENOSYS:
    case EOPNOTSUPP:
      return KN_ENOTSUP;
    case ECANCELED:
    case EINTR:
      return KN_ECANCELED;
    default:
      return KN_EIO;
    }
}
