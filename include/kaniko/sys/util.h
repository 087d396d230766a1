/* kaniko — small helpers for the library and for plugin authors:
 * allocation that aborts on failure (callers never check for NULL) and
 * cleanup attributes (crun's habit) so functions need no goto ladders. */
#ifndef KANIKO_SYS_UTIL_H
#define KANIKO_SYS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Abort with a short message: allocation failure is not recoverable here. */
static inline void kn_oom (void)
{
  static const char msg[] = "kaniko: out of memory\n";
  ssize_t r = write (2, msg, sizeof msg - 1);
  (void) r;
  abort ();
}

/* malloc that never returns NULL. */
static inline void *kn_xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    kn_oom ();
  return p;
}

/* calloc that never returns NULL. */
static inline void *kn_xcalloc (size_t nmemb, size_t size)
{
  void *p = calloc (nmemb ? nmemb : 1, size ? size : 1);
  if (p == NULL)
    kn_oom ();
  return p;
}

/* realloc that never returns NULL. */
static inline void *kn_xrealloc (void *old, size_t n)
{
  void *p = realloc (old, n ? n : 1);
  if (p == NULL)
    kn_oom ();
  return p;
}

/* strdup that never returns NULL; NULL in gives NULL out. */
static inline char *kn_xstrdup (const char *s)
{
  size_t n;
  char *p;
  if (s == NULL)
    return NULL;
  n = strlen (s) + 1;
  p = (char *) kn_xmalloc (n);
  memcpy (p, s, n);
  return p;
}

/* strndup that never returns NULL. */
static inline char *kn_xstrndup (const char *s, size_t n)
{
  size_t len = 0;
  char *p;
  while (len < n && s[len])
    len++;
  p = (char *) kn_xmalloc (len + 1);
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

/* vasprintf that never fails; returns the new string. */
static inline char *kn_xvasprintf (const char *fmt, va_list ap)
{
  va_list ap2;
  int n;
  char *p;
  va_copy (ap2, ap);
  n = vsnprintf (NULL, 0, fmt, ap2);
  va_end (ap2);
  if (n < 0)
    kn_oom ();
  p = (char *) kn_xmalloc ((size_t) n + 1);
  vsnprintf (p, (size_t) n + 1, fmt, ap);
  return p;
}

/* asprintf that never fails; returns the new string. */
static inline char *kn_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static inline char *kn_xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *p;
  va_start (ap, fmt);
  p = kn_xvasprintf (fmt, ap);
  va_end (ap);
  return p;
}

/* Cleanup helpers for __attribute__((cleanup)). */
static inline void kn_cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
  *pp = NULL;
}

static inline void kn_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
      *fd = -1;
    }
}

static inline void kn_cleanup_fclosep (FILE **f)
{
  if (*f)
    {
      fclose (*f);
      *f = NULL;
    }
}

static inline void kn_cleanup_closedirp (DIR **d)
{
  if (*d)
    {
      closedir (*d);
      *d = NULL;
    }
}

/* Free a NULL-terminated vector of strings and the vector itself. */
static inline void kn_strv_free (char **v)
{
  size_t i;
  if (v == NULL)
    return;
  for (i = 0; v[i]; i++)
    free (v[i]);
  free (v);
}

static inline void kn_cleanup_strvp (char ***v)
{
  kn_strv_free (*v);
  *v = NULL;
}

#define kn_cleanup_free __attribute__ ((cleanup (kn_cleanup_freep)))
#define kn_cleanup_close __attribute__ ((cleanup (kn_cleanup_closep)))
#define kn_cleanup_fclose __attribute__ ((cleanup (kn_cleanup_fclosep)))
#define kn_cleanup_dir __attribute__ ((cleanup (kn_cleanup_closedirp)))
#define kn_cleanup_strv __attribute__ ((cleanup (kn_cleanup_strvp)))

/* Hand ownership out of a cleanup variable: `*out = KN_STEAL (p);`. */
#define KN_STEAL(p) kn_steal_ptr_ ((void **) &(p))
static inline void *kn_steal_ptr_ (void **pp)
{
  void *p = *pp;
  *pp = NULL;
  return p;
}

#ifdef __cplusplus
}
#endif
#endif
