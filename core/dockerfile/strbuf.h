/* A growable byte buffer, always NUL-terminated (internal to core/dockerfile). */
#ifndef KN_DOCKERFILE_STRBUF_H
#define KN_DOCKERFILE_STRBUF_H

#include <stddef.h>
#include <string.h>

#include <kaniko/sys/util.h>

struct kn_df_buf
{
  char *p;
  size_t len, cap;
};

/* Make room for N more bytes plus the terminating NUL. */
static inline void
kn_df_buf_grow (struct kn_df_buf *b, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? b->cap : 32;
      while (cap < b->len + n + 1)
        cap *= 2;
      b->p = (char *)kn_xrealloc (b->p, cap);
      b->cap = cap;
    }
}

/* Append N bytes of S. */
static inline void
kn_df_buf_add (struct kn_df_buf *b, const char *s, size_t n)
{
  if (n > ((size_t)-1) / 4)
    kn_oom ();
  kn_df_buf_grow (b, n);
  if (n)
    memcpy (b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

/* Append a C string. */
static inline void
kn_df_buf_adds (struct kn_df_buf *b, const char *s)
{
  kn_df_buf_add (b, s, strlen (s));
}

/* Append one byte. */
static inline void
kn_df_buf_addc (struct kn_df_buf *b, char c)
{
  kn_df_buf_add (b, &c, 1);
}

/* Empty the buffer, keeping its memory. */
static inline void
kn_df_buf_reset (struct kn_df_buf *b)
{
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
}

/* Take the contents (never NULL); the buffer is left empty. */
static inline char *
kn_df_buf_steal (struct kn_df_buf *b)
{
  char *p = b->p ? b->p : kn_xstrdup ("");
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}

/* Release the memory. */
static inline void
kn_df_buf_free (struct kn_df_buf *b)
{
  free (b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

#endif
