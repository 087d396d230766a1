/* .dockerignore parsing and matching (see dockerignore.h).  Patterns are
 * classified and turned into regular expressions exactly as
 * moby/patternmatcher does (exact, prefix "dir/" + "**", suffix "**" + literal, or
 * a regexp), and the regexps run on the engine in glob.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/dockerignore.h"
#include "core/dockerfile/glob.h"

#define MAX_LINE (64 * 1024)

enum match_type
{
  M_EXACT,
  M_PREFIX,
  M_SUFFIX,
  M_REGEXP
};

struct pattern
{
  char *cleaned;
  size_t ndirs;
  bool exclusion;
  enum match_type type;
  struct kn_glob_regex *re;
  char *regstr; /* the Go regexp text, for M_REGEXP */
  char *bad;    /* set when the regexp does not compile: every evaluation fails */
};

struct kn_ignore
{
  char **raw; /* NULL-terminated */
  size_t nraw;
  char *new_err; /* patternmatcher.New() failed: every match call fails */
  struct pattern *pats;
  size_t npats;
};

/* Pattern.compile: classify the cleaned pattern and build its regexp. */
static void
compile_pattern (struct pattern *p)
{
  const char *s = p->cleaned;
  size_t len = strlen (s), i = 0, iter;
  enum match_type type = M_EXACT;
  struct kn_glob_buf re = { 0 };
  struct kn_error *err = NULL;
  uint32_t *rs = kn_xmalloc ((len + 1) * sizeof *rs);
  size_t n = 0, k = 0;

  while (i < len)
    {
      i += kn_glob_decode_rune (s + i, len - i, &rs[n]);
      if (n == 0 && rs[0] == 0xFEFF && i <= 3)
        continue; /* text/scanner skips a leading BOM */
      n++;
    }
  kn_glob_buf_add (&re, "^", 1);
  for (iter = 0; k < n; iter++)
    {
      uint32_t ch = rs[k++];
      if (ch == '*')
        {
          if (k < n && rs[k] == '*')
            {
              k++;
              if (k < n && rs[k] == '/')
                k++;
              if (k >= n)
                {
                  if (type == M_EXACT)
                    type = M_PREFIX;
                  else
                    {
                      kn_glob_buf_add (&re, ".*", 2);
                      type = M_REGEXP;
                    }
                }
              else
                {
                  kn_glob_buf_add (&re, "(.*/)?", 6);
                  type = M_REGEXP;
                }
              if (iter == 0)
                type = M_SUFFIX;
            }
          else
            {
              kn_glob_buf_add (&re, "[^/]*", 5);
              type = M_REGEXP;
            }
        }
      else if (ch == '?')
        {
          kn_glob_buf_add (&re, "[^/]", 4);
          type = M_REGEXP;
        }
      else if (ch < 0x80 && strchr (".+()|{}$", (int)ch))
        {
          kn_glob_buf_add (&re, "\\", 1);
          kn_glob_buf_add_rune (&re, ch);
        }
      else if (ch == '\\')
        {
          if (k < n)
            {
              kn_glob_buf_add (&re, "\\", 1);
              kn_glob_buf_add_rune (&re, rs[k++]);
              type = M_REGEXP;
            }
          else
            kn_glob_buf_add (&re, "\\", 1);
        }
      else if (ch == '[' || ch == ']')
        {
          kn_glob_buf_add_rune (&re, ch);
          type = M_REGEXP;
        }
      else
        kn_glob_buf_add_rune (&re, ch);
    }
  free (rs);
  p->type = type;
  if (type == M_REGEXP)
    {
      kn_glob_buf_add (&re, "$", 1);
      if (kn_glob_regex_compile (re.p, &p->re, &err) < 0)
        {
          p->bad = kn_xstrdup (err->msg);
          kn_error_free (err);
        }
      p->regstr = re.p;
      re.p = NULL;
    }
  free (re.p);
}

static bool
has_suffix (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && memcmp (s + a - b, suffix, b) == 0;
}

/* Pattern.match: 1, 0 or -1 (bad pattern). */
static int
pattern_match (const struct pattern *p, const char *path)
{
  size_t m[2];
  switch (p->type)
    {
    case M_EXACT:
      return strcmp (path, p->cleaned) == 0;
    case M_PREFIX:
      return strncmp (path, p->cleaned, strlen (p->cleaned) - 2) == 0;
    case M_SUFFIX:
      {
        const char *suffix = p->cleaned + 2;
        if (has_suffix (path, suffix))
          return 1;
        return suffix[0] == '/' && strcmp (path, suffix + 1) == 0;
      }
    case M_REGEXP:
    default:
      if (p->re == NULL)
        return -1;
      return kn_glob_regex_find (p->re, path, strlen (path), 0, m);
    }
}

/* patternmatcher.New over the raw patterns. */
static void
build_matcher (struct kn_ignore *ig)
{
  ig->pats = kn_xcalloc (ig->nraw + 1, sizeof *ig->pats);
  for (size_t i = 0; i < ig->nraw; i++)
    {
      const char *raw = ig->raw[i];
      size_t start, len = kn_glob_trim_space (raw, strlen (raw), &start);
      kn_cleanup_free char *trimmed = NULL;
      kn_cleanup_free char *cleaned = NULL;
      struct kn_error *err = NULL;
      struct pattern *p;
      const char *body;

      if (len == 0)
        continue;
      trimmed = kn_xstrndup (raw + start, len);
      cleaned = kn_glob_clean_path (trimmed);
      p = &ig->pats[ig->npats];
      body = cleaned;
      if (cleaned[0] == '!')
        {
          if (cleaned[1] == '\0')
            {
              ig->new_err = kn_xstrdup ("illegal exclusion pattern: \"!\"");
              return;
            }
          p->exclusion = true;
          body++;
        }
      if (kn_glob_match (body, ".", &err) < 0)
        {
          ig->new_err = kn_xasprintf ("pattern \"%s\": syntax error in pattern", body);
          kn_error_free (err);
          return;
        }
      p->cleaned = kn_xstrdup (body);
      p->ndirs = 1;
      for (const char *c = body; *c; c++)
        if (*c == '/')
          p->ndirs++;
      compile_pattern (p);
      ig->npats++;
    }
}

struct kn_ignore *
kn_ignore_new (const char *const *patterns, size_t n)
{
  struct kn_ignore *ig = kn_xcalloc (1, sizeof *ig);
  size_t count = 0;
  if (patterns)
    while ((n == (size_t)-1 || count < n) && patterns[count])
      count++;
  ig->raw = kn_xcalloc (count + 1, sizeof *ig->raw);
  for (size_t i = 0; i < count; i++)
    ig->raw[i] = kn_xstrdup (patterns[i]);
  ig->nraw = count;
  build_matcher (ig);
  return ig;
}

const char *const *
kn_ignore_patterns (const struct kn_ignore *ig)
{
  return (const char *const *)ig->raw;
}

void
kn_ignore_free (struct kn_ignore *ig)
{
  if (ig == NULL)
    return;
  kn_strv_free (ig->raw);
  for (size_t i = 0; i < ig->npats; i++)
    {
      free (ig->pats[i].cleaned);
      free (ig->pats[i].bad);
      free (ig->pats[i].regstr);
      kn_glob_regex_free (ig->pats[i].re);
    }
  free (ig->pats);
  free (ig->new_err);
  free (ig);
}

int
kn_ignore_pattern_info (const struct kn_ignore *ig, size_t i, const char **kind, const char **regexp)
{
  static const char *const kinds[] = { "exactMatch", "prefixMatch", "suffixMatch", "regexpMatch" };
  if (ig->new_err || i >= ig->npats)
    return -1;
  *kind = kinds[ig->pats[i].type];
  *regexp = ig->pats[i].regstr ? ig->pats[i].regstr : "";
  return 0;
}

/* The first k components of the slash-separated dir, as a new string. */
static char *
leading_dirs (const char *dir, size_t k)
{
  const char *c = dir;
  size_t seen = 0;
  for (; *c; c++)
    if (*c == '/' && ++seen == k)
      break;
  return kn_xstrndup (dir, (size_t)(c - dir));
}

static int
do_matches (const struct kn_ignore *ig, const char *path, bool every_parent, struct kn_error **err)
{
  kn_cleanup_free char *file = NULL;
  kn_cleanup_free char *parent = NULL;
  kn_cleanup_free char *dirpart = NULL;
  size_t nparent = 1;
  bool matched = false;
  const char *slash;

  if (ig->new_err)
    return kn_error_make (err, KN_EINVAL, 0, ".dockerignore: %s", ig->new_err);
  file = kn_glob_clean_path (path);
  if (strcmp (file, ".") == 0)
    return 0;
  slash = strrchr (file, '/');
  dirpart = kn_xstrndup (file, slash ? (size_t)(slash - file + 1) : 0);
  parent = kn_glob_clean_path (dirpart);
  for (const char *c = parent; *c; c++)
    if (*c == '/')
      nparent++;

  for (size_t i = 0; i < ig->npats; i++)
    {
      const struct pattern *p = &ig->pats[i];
      int m;
      if (p->exclusion != matched)
        continue;
      m = pattern_match (p, file);
      if (m < 0)
        return kn_error_make (err, KN_EINVAL, 0, ".dockerignore: pattern \"%s\": syntax error in pattern (%s)",
                              p->cleaned, p->bad ? p->bad : "bad pattern");
      if (!m && strcmp (parent, ".") != 0)
        {
          if (every_parent)
            {
              for (size_t k = 1; k <= nparent && !m; k++)
                {
                  kn_cleanup_free char *pre = leading_dirs (parent, k);
                  m = pattern_match (p, pre) > 0;
                }
            }
          else if (p->ndirs <= nparent)
            {
              kn_cleanup_free char *pre = leading_dirs (parent, p->ndirs);
              m = pattern_match (p, pre) > 0;
            }
        }
      if (m)
        matched = !p->exclusion;
    }
  return matched ? 1 : 0;
}

int
kn_ignore_matches (const struct kn_ignore *ig, const char *path, struct kn_error **err)
{
  return do_matches (ig, path, false, err);
}

int
kn_ignore_matches_or_parent (const struct kn_ignore *ig, const char *path, struct kn_error **err)
{
  return do_matches (ig, path, true, err);
}

/* ------------------------------------------------------------------ */
/* ReadAll                                                              */

int
kn_dockerignore_parse (const char *text, size_t len, struct kn_ignore **out, struct kn_error **err)
{
  size_t pos = 0, line = 0, n = 0, cap = 0;
  char **pats = NULL;
  struct kn_ignore *ig;

  while (pos < len)
    {
      const char *nl = memchr (text + pos, '\n', len - pos);
      size_t end = nl ? (size_t)(nl - text) : len;
      size_t llen = end - pos, start, tlen;
      const char *l = text + pos;
      bool invert;
      char *pat;

      pos = nl ? end + 1 : len;
      if (llen >= MAX_LINE)
        {
          kn_strv_free (pats);
          return kn_error_make (err, KN_EINVAL, 0, "error reading .dockerignore: line %zu: token too long", line + 1);
        }
      if (llen > 0 && l[llen - 1] == '\r')
        llen--;
      if (line == 0 && llen >= 3 && memcmp (l, "\xEF\xBB\xBF", 3) == 0)
        l += 3, llen -= 3;
      line++;
      if (llen > 0 && l[0] == '#')
        continue;
      tlen = kn_glob_trim_space (l, llen, &start);
      if (tlen == 0)
        continue;
      l += start;
      invert = l[0] == '!';
      if (invert)
        {
          tlen = kn_glob_trim_space (l + 1, tlen - 1, &start);
          l += 1 + start;
        }
      if (tlen > 0)
        {
          kn_cleanup_free char *raw = kn_xstrndup (l, tlen);
          kn_cleanup_free char *cleaned = kn_glob_clean_path (raw);
          const char *c = cleaned;
          if (strlen (c) > 1 && c[0] == '/')
            c++;
          pat = kn_xasprintf ("%s%s", invert ? "!" : "", c);
        }
      else
        pat = kn_xstrdup (invert ? "!" : "");
      if (n + 2 > cap)
        {
          cap = cap ? 2 * cap : 16;
          pats = kn_xrealloc (pats, cap * sizeof *pats);
        }
      pats[n++] = pat;
      pats[n] = NULL;
    }
  ig = kn_ignore_new ((const char *const *)pats, n);
  kn_strv_free (pats);
  *out = ig;
  return 0;
}

static int
read_file (const char *path, char **data, size_t *len, struct kn_error **err)
{
  kn_cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct kn_glob_buf b = { 0 };
  char chunk[8192];

  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", path);
  kn_glob_buf_add (&b, "", 0);
  for (;;)
    {
      ssize_t r = read (fd, chunk, sizeof chunk);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          free (b.p);
          return kn_error_make (err, KN_EIO, e, "read %s", path);
        }
      if (r == 0)
        break;
      kn_glob_buf_add (&b, chunk, (size_t)r);
    }
  *data = b.p;
  *len = b.len;
  return 0;
}

int
kn_dockerignore_load (const char *context_dir, const char *dockerfile_path, struct kn_ignore **out,
                      struct kn_error **err)
{
  kn_cleanup_free char *first = NULL;
  kn_cleanup_free char *second = NULL;
  kn_cleanup_free char *data = NULL;
  const char *path = NULL;
  struct stat st;
  size_t len = 0;
  int ret;

  if (dockerfile_path && *dockerfile_path)
    {
      /* Like kaniko's resolveDockerfilePath: a relative path names a file
       * under the working directory when one exists, else under the context. */
      if (dockerfile_path[0] == '/' || context_dir == NULL || stat (dockerfile_path, &st) == 0)
        first = kn_xasprintf ("%s.dockerignore", dockerfile_path);
      else
        first = kn_xasprintf ("%s/%s.dockerignore", context_dir, dockerfile_path);
      if (stat (first, &st) == 0)
        path = first;
    }
  if (path == NULL && context_dir)
    {
      second = kn_xasprintf ("%s/.dockerignore", context_dir);
      if (stat (second, &st) == 0)
        path = second;
    }
  if (path == NULL)
    {
      *out = kn_ignore_new (NULL, 0);
      return 0;
    }
  ret = read_file (path, &data, &len, err);
  if (ret < 0)
    return ret;
  ret = kn_dockerignore_parse (data, len, out, err);
  if (ret < 0)
    return kn_error_wrap (err, "%s", path);
  return 0;
}
