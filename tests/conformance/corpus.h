/* Helpers shared by the conformance runners (and the unit tests that read
 * fixtures from the third-party corpora): finding a file of a corpus under
 * $KN_CORPORA_DIR, skipping with one message format when it is absent, and
 * reading a corpus file whole (corpus files are small test tables).
 *
 * Skip message: "corpus CORPUS/REL not found (KN_CORPORA_DIR=DIR), skipping"
 * or "... (KN_CORPORA_DIR is not set), skipping".
 *
 * Header-only: include it after <criterion/criterion.h> to get the
 * Criterion helpers (corpus_require, corpus_read); plain main() runners use
 * corpus_require_or_exit (prints "SKIP: ..." and exits 77). */
#ifndef KN_TEST_CORPUS_H
#define KN_TEST_CORPUS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kaniko/sys/util.h>

/* "$KN_CORPORA_DIR/CORPUS/REL" (REL NULL: the corpus directory itself) as a
 * new string when it exists and is readable; otherwise NULL, and *WHY (when
 * WHY is not NULL) is the skip message (new string). */
static inline char *
corpus_find (const char *corpus, const char *rel, char **why)
{
  const char *top = getenv ("KN_CORPORA_DIR");
  const char *sep = rel ? "/" : "", *r = rel ? rel : "";
  char *path;
  if (why)
    *why = NULL;
  if (top == NULL || *top == '\0')
    {
      if (why)
        *why = kn_xasprintf ("corpus %s%s%s not found (KN_CORPORA_DIR is not set), skipping", corpus, sep, r);
      return NULL;
    }
  path = kn_xasprintf ("%s/%s%s%s", top, corpus, sep, r);
  if (access (path, R_OK) != 0)
    {
      free (path);
      if (why)
        *why = kn_xasprintf ("corpus %s%s%s not found (KN_CORPORA_DIR=%s), skipping", corpus, sep, r, top);
      return NULL;
    }
  return path;
}

/* The whole content of PATH, NUL-terminated (new buffer), its length in
 * *LEN when LEN is not NULL; NULL when PATH cannot be read. */
static inline char *
corpus_slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  char *data = NULL;
  size_t n = 0, cap = 0, r;
  if (f == NULL)
    return NULL;
  do
    {
      if (n + 4096 + 1 > cap)
        {
          cap = (n + 4096 + 1) * 2;
          data = kn_xrealloc (data, cap);
        }
      r = fread (data + n, 1, 4096, f);
      n += r;
    }
  while (r > 0);
  if (ferror (f))
    {
      fclose (f);
      free (data);
      return NULL;
    }
  fclose (f);
  data[n] = '\0';
  if (len)
    *len = n;
  return data;
}

/* For runners with their own main(): the path (new string), or print
 * "SKIP: <message>" and exit 77 (automake's skip status). */
static inline char *
corpus_require_or_exit (const char *corpus, const char *rel)
{
  char *why = NULL;
  char *path = corpus_find (corpus, rel, &why);
  if (path == NULL)
    {
      printf ("SKIP: %s\n", why);
      free (why);
      exit (77);
    }
  return path;
}

#ifdef CRITERION_H_
/* Skip the current Criterion test with the message WHY (freed here). */
static inline void
corpus_skip (char *why)
{
  char msg[512];
  snprintf (msg, sizeof msg, "%s", why ? why : "third-party corpora absent, skipping");
  free (why);
  cr_skip_test ("%s", msg);
}

/* The path (new string), or skip the current Criterion test with the message. */
static inline char *
corpus_require (const char *corpus, const char *rel)
{
  char *why = NULL;
  char *path = corpus_find (corpus, rel, &why);
  if (path == NULL)
    corpus_skip (why);
  return path;
}

/* The content of PATH (new buffer, length in *LEN when LEN is not NULL);
 * fails the current test when PATH cannot be read. */
static inline char *
corpus_read (const char *path, size_t *len)
{
  char *data = corpus_slurp (path, len);
  cr_assert_not_null (data, "read %s", path);
  return data;
}
#endif

#endif
