/* Docker image references: see reference.h.  The grammar follows
 * distribution/reference regexp.go; the matching is written out by hand with
 * the same leftmost-first results as Go's regexp for these patterns. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/image/reference.h"

static bool
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum (char c)
{
  return isalnum ((unsigned char) c) != 0;
}

static bool
is_word (char c)
{
  return is_alnum (c) || c == '_';
}

/* domainNameComponent: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool
domain_component (const char *s, size_t n)
{
  if (n == 0 || !is_alnum (s[0]) || !is_alnum (s[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_alnum (s[i]) && s[i] != '-')
      return false;
  return true;
}

/* host optionalPort, the whole of S[0..N). */
static bool
domain_and_port (const char *s, size_t n)
{
  size_t hostlen;
  if (n == 0)
    return false;
  if (s[0] == '[')
    {
      const char *close = memchr (s, ']', n);
      if (close == NULL || close == s + 1)
        return false;
      for (const char *p = s + 1; p < close; p++)
        if (!isxdigit ((unsigned char) *p) && *p != ':')
          return false;
      hostlen = (size_t) (close - s) + 1;
    }
  else
    {
      const char *colon = memchr (s, ':', n);
      size_t start = 0;
      hostlen = colon ? (size_t) (colon - s) : n;
      for (size_t i = 0; i <= hostlen; i++)
        if (i == hostlen || s[i] == '.')
          {
            if (!domain_component (s + start, i - start))
              return false;
            start = i + 1;
          }
    }
  if (hostlen == n)
    return true;
  if (s[hostlen] != ':' || hostlen + 1 == n)
    return false;
  for (size_t i = hostlen + 1; i < n; i++)
    if (!isdigit ((unsigned char) s[i]))
      return false;
  return true;
}

/* pathComponent: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool
path_component (const char *s, size_t n)
{
  size_t i = 0;
  if (n == 0 || !is_lower_alnum (s[0]))
    return false;
  while (i < n)
    {
      while (i < n && is_lower_alnum (s[i]))
        i++;
      if (i == n)
        return true;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < n && s[i] == '-')
          i++;
      else
        return false;
      if (i >= n || !is_lower_alnum (s[i]))
        return false;
    }
  return true;
}

static bool
remote_name (const char *s, size_t n)
{
  size_t start = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || s[i] == '/')
      {
        if (!path_component (s + start, i - start))
          return false;
        start = i + 1;
      }
  return true;
}

int
kn_reference_tag_valid (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > 128 || !is_word (s[0]))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!is_word (s[i]) && s[i] != '.' && s[i] != '-')
      return 0;
  return 1;
}

/* digestPat: [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[[:xdigit:]]{32,} */
static bool
digest_pat (const char *s)
{
  const char *colon = strchr (s, ':');
  const char *p = s;
  size_t hex = 0;
  if (colon == NULL)
    return false;
  for (;;)
    {
      if (!isalpha ((unsigned char) *p))
        return false;
      for (p++; p < colon && is_alnum (*p); p++)
        ;
      if (p == colon)
        break;
      if (!strchr ("-_+.", *p))
        return false;
      p++;
    }
  for (p = colon + 1; *p; p++, hex++)
    if (!isxdigit ((unsigned char) *p))
      return false;
  return hex >= 32;
}

/* go-digest's Parse with sha256/sha384/sha512 registered. */
static int
digest_check (const char *in, const char *d, struct kn_error **err)
{
  const char *colon = strchr (d, ':');
  size_t want = 0, alen;
  if (colon == NULL || colon == d || colon[1] == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": invalid digest format", in);
  alen = (size_t) (colon - d);
  if (alen == 6 && strncmp (d, "sha256", 6) == 0)
    want = 64;
  else if (alen == 6 && strncmp (d, "sha384", 6) == 0)
    want = 96;
  else if (alen == 6 && strncmp (d, "sha512", 6) == 0)
    want = 128;
  else
    return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": unsupported digest algorithm", in);
  if (strlen (colon + 1) != want)
    return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": invalid checksum digest length", in);
  for (const char *p = colon + 1; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": invalid checksum digest format", in);
  return 0;
}

/* Match the whole reference grammar; fills the pieces (pointers into a copy). */
static bool
match_reference (char *s, char **name, char **tag, char **digest)
{
  char *at = strchr (s, '@');
  char *slash, *colon;
  *tag = *digest = NULL;
  if (at)
    {
      *at = '\0';
      *digest = at + 1;
      if (strchr (*digest, '@') || !digest_pat (*digest))
        return false;
    }
  slash = strrchr (s, '/');
  colon = strrchr (s, ':');
  if (colon && (slash == NULL || colon > slash))
    {
      *colon = '\0';
      *tag = colon + 1;
      if (!kn_reference_tag_valid (*tag))
        return false;
    }
  *name = s;
  /* namePat = (domainAndPort/)? remoteName */
  slash = strchr (s, '/');
  if (slash && domain_and_port (s, (size_t) (slash - s)) && remote_name (slash + 1, strlen (slash + 1)))
    return true;
  return remote_name (s, strlen (s));
}

static void
lower (char *s)
{
  for (; *s; s++)
    *s = (char) tolower ((unsigned char) *s);
}

int
kn_reference_parse (const char *in, struct kn_reference *out, struct kn_error **err)
{
  kn_cleanup_free char *s = NULL;
  char *name, *tag, *digest, *slash;
  struct kn_reference r = { 0 };
  int ret;
  if (in == NULL || *in == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"\": repository name must have at least one component");
  s = kn_xstrdup (in);
  if (!match_reference (s, &name, &tag, &digest))
    {
      kn_cleanup_free char *l = kn_xstrdup (in);
      char *n2, *t2, *d2;
      lower (l);
      if (strcmp (l, in) != 0 && match_reference (l, &n2, &t2, &d2))
        return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": repository name must be lowercase", in);
      return kn_error_make (err, KN_EINVAL, 0, "invalid reference format: \"%s\"", in);
    }
  slash = strchr (name, '/');
  if (slash && domain_and_port (name, (size_t) (slash - name)) && remote_name (slash + 1, strlen (slash + 1)))
    {
      r.domain = kn_xstrndup (name, (size_t) (slash - name));
      r.path = kn_xstrdup (slash + 1);
    }
  else
    {
      r.domain = kn_xstrdup ("");
      r.path = kn_xstrdup (name);
    }
  /* The whole name (domain included) is limited, as reference_test.go expects. */
  if (strlen (name) > KN_REF_NAME_MAX)
    {
      kn_reference_clear (&r);
      return kn_error_make (err, KN_EINVAL, 0, "invalid reference \"%s\": repository name must not be more than %d characters",
                            in, KN_REF_NAME_MAX);
    }
  if (digest && (ret = digest_check (in, digest, err)) < 0)
    {
      kn_reference_clear (&r);
      return ret;
    }
  r.tag = kn_xstrdup (tag);
  r.digest = kn_xstrdup (digest);
  kn_reference_clear (out);
  *out = r;
  return 0;
}

static bool
is_hex64 (const char *s)
{
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return false;
  return n == 64;
}

int
kn_reference_parse_normalized (const char *in, struct kn_reference *out, struct kn_error **err)
{
  kn_cleanup_free char *domain = NULL;
  kn_cleanup_free char *remainder = NULL;
  kn_cleanup_free char *full = NULL;
  const char *slash;
  size_t rlen;
  if (in == NULL)
    in = "";
  if (is_hex64 (in))
    return kn_error_make (err, KN_EINVAL, 0,
                          "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", in);
  slash = strchr (in, '/');
  if (slash == NULL)
    {
      domain = kn_xstrdup (KN_REF_DEFAULT_DOMAIN);
      remainder = kn_xasprintf ("library/%s", in);
    }
  else
    {
      kn_cleanup_free char *maybe = kn_xstrndup (in, (size_t) (slash - in));
      kn_cleanup_free char *maybe_lower = kn_xstrdup (maybe);
      lower (maybe_lower);
      if (strcmp (maybe, "localhost") == 0 || strpbrk (maybe, ".:") || strcmp (maybe_lower, maybe) != 0)
        {
          if (strcmp (maybe, KN_REF_LEGACY_DOMAIN) == 0)
            domain = kn_xstrdup (KN_REF_DEFAULT_DOMAIN);
          else
            domain = kn_xstrdup (maybe);
          remainder = kn_xstrdup (slash + 1);
        }
      else
        {
          domain = kn_xstrdup (KN_REF_DEFAULT_DOMAIN);
          remainder = kn_xstrdup (in);
        }
      if (strcmp (domain, KN_REF_DEFAULT_DOMAIN) == 0 && strchr (remainder, '/') == NULL)
        {
          char *r = kn_xasprintf ("library/%s", remainder);
          free (remainder);
          remainder = r;
        }
    }
  rlen = strcspn (remainder, ":");
  for (size_t i = 0; i < rlen; i++)
    if (isupper ((unsigned char) remainder[i]))
      return kn_error_make (err, KN_EINVAL, 0,
                            "invalid reference format: repository name (%.*s) must be lowercase", (int) rlen,
                            remainder);
  full = kn_xasprintf ("%s/%s", domain, remainder);
  {
    struct kn_error *inner = NULL;
    int ret = kn_reference_parse (full, out, &inner);
    if (ret < 0)
      {
        /* Name the reference the user wrote, not the expanded one. */
        const char *msg = inner->msg;
        const char *reason = strstr (msg, "\": ");
        if (strncmp (msg, "invalid reference format: ", 26) == 0)
          ret = kn_error_make (err, inner->code, 0, "invalid reference format: \"%s\"", in);
        else if (reason)
          ret = kn_error_make (err, inner->code, 0, "invalid reference \"%s\": %s", in, reason + 3);
        else
          ret = kn_error_make (err, inner->code, 0, "%s", msg);
        kn_error_free (inner);
        return ret;
      }
  }
  return 0;
}

char *
kn_reference_name (const struct kn_reference *r)
{
  if (r->domain == NULL || *r->domain == '\0')
    return kn_xstrdup (r->path);
  return kn_xasprintf ("%s/%s", r->domain, r->path);
}

static char *
with_suffixes (char *name, const struct kn_reference *r)
{
  char *s = kn_xasprintf ("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "", r->digest ? "@" : "",
                          r->digest ? r->digest : "");
  free (name);
  return s;
}

char *
kn_reference_string (const struct kn_reference *r)
{
  return with_suffixes (kn_reference_name (r), r);
}

char *
kn_reference_familiar_name (const struct kn_reference *r)
{
  if (r->domain && strcmp (r->domain, KN_REF_DEFAULT_DOMAIN) == 0)
    {
      if (strncmp (r->path, "library/", 8) == 0 && strchr (r->path + 8, '/') == NULL)
        return kn_xstrdup (r->path + 8);
      return kn_xstrdup (r->path);
    }
  return kn_reference_name (r);
}

char *
kn_reference_familiar_string (const struct kn_reference *r)
{
  return with_suffixes (kn_reference_familiar_name (r), r);
}

const char *
kn_reference_tag_or_default (const struct kn_reference *r)
{
  return r->tag ? r->tag : KN_REF_DEFAULT_TAG;
}

const char *
kn_reference_identifier (const struct kn_reference *r)
{
  if (r->digest)
    return r->digest;
  return kn_reference_tag_or_default (r);
}

const char *
kn_reference_api_host (const struct kn_reference *r)
{
  if (r->domain == NULL || *r->domain == '\0' || strcmp (r->domain, KN_REF_DEFAULT_DOMAIN) == 0
      || strcmp (r->domain, KN_REF_LEGACY_DOMAIN) == 0)
    return KN_REF_DOCKER_HUB_API_HOST;
  return r->domain;
}

const char *
kn_reference_registry_name (const struct kn_reference *r)
{
  if (r->domain == NULL || *r->domain == '\0' || strcmp (r->domain, KN_REF_DEFAULT_DOMAIN) == 0)
    return KN_REF_LEGACY_DOMAIN;
  return r->domain;
}

char *
kn_reference_repository_name (const struct kn_reference *r)
{
  return kn_xasprintf ("%s/%s", kn_reference_registry_name (r), r->path);
}

void
kn_reference_copy (struct kn_reference *dst, const struct kn_reference *src)
{
  dst->domain = kn_xstrdup (src->domain);
  dst->path = kn_xstrdup (src->path);
  dst->tag = kn_xstrdup (src->tag);
  dst->digest = kn_xstrdup (src->digest);
}

void
kn_reference_clear (struct kn_reference *r)
{
  free (r->domain);
  free (r->path);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof *r);
}

const char *
kn_transport_name (enum kn_transport t)
{
  switch (t)
    {
    case KN_TRANSPORT_OCI:
      return "oci";
    case KN_TRANSPORT_DOCKER_ARCHIVE:
      return "docker-archive";
    default:
      return "docker";
    }
}

int
kn_image_ref_parse (const char *s, struct kn_image_ref *out, struct kn_error **err)
{
  struct kn_image_ref r = { 0 };
  int ret;
  const char *rest;
  if (s == NULL)
    s = "";
  if (strncmp (s, "oci:", 4) == 0 || strncmp (s, "docker-archive:", 15) == 0)
    {
      const char *colon;
      r.transport = s[0] == 'o' ? KN_TRANSPORT_OCI : KN_TRANSPORT_DOCKER_ARCHIVE;
      rest = s + (r.transport == KN_TRANSPORT_OCI ? 4 : 15);
      colon = strchr (rest, ':');
      r.path = colon ? kn_xstrndup (rest, (size_t) (colon - rest)) : kn_xstrdup (rest);
      if (*r.path == '\0')
        {
          kn_image_ref_clear (&r);
          return kn_error_make (err, KN_EINVAL, 0, "invalid image reference \"%s\": empty path", s);
        }
      if (colon && colon[1])
        {
          if (r.transport == KN_TRANSPORT_OCI)
            r.tag = kn_xstrdup (colon + 1);
          else
            {
              if ((ret = kn_reference_parse_normalized (colon + 1, &r.ref, err)) < 0)
                {
                  kn_image_ref_clear (&r);
                  return kn_error_wrap (err, "image reference \"%s\"", s);
                }
              r.has_ref = 1;
            }
        }
      kn_image_ref_clear (out);
      *out = r;
      return 0;
    }
  rest = strncmp (s, "docker://", 9) == 0 ? s + 9 : s;
  r.transport = KN_TRANSPORT_DOCKER;
  if ((ret = kn_reference_parse_normalized (rest, &r.ref, err)) < 0)
    return ret;
  r.has_ref = 1;
  kn_image_ref_clear (out);
  *out = r;
  return 0;
}

void
kn_image_ref_clear (struct kn_image_ref *r)
{
  free (r->path);
  free (r->tag);
  kn_reference_clear (&r->ref);
  memset (r, 0, sizeof *r);
}
