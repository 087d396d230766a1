/* Platforms: see platform.h. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <sys/utsname.h>

#include <kaniko/sys/util.h>

#include "core/image/platform.h"

#define EQ(a, b) (strcmp ((a), (b)) == 0)

static void
set (char **field, const char *v)
{
  free (*field);
  *field = kn_xstrdup (v);
}

static int
streq0 (const char *a, const char *b)
{
  return strcmp (a ? a : "", b ? b : "") == 0;
}

void
kn_platform_normalize (struct kn_platform *p)
{
  if (p->os)
    {
      for (char *c = p->os; *c; c++)
        *c = (char) tolower ((unsigned char) *c);
      if (EQ (p->os, "macos"))
        set (&p->os, "darwin");
    }
  if (p->architecture)
    for (char *c = p->architecture; *c; c++)
      *c = (char) tolower ((unsigned char) *c);
  if (p->variant)
    for (char *c = p->variant; *c; c++)
      *c = (char) tolower ((unsigned char) *c);
  if (p->variant && p->variant[0] == '\0')
    {
      free (p->variant);
      p->variant = NULL;
    }
  if (p->variant && isdigit ((unsigned char) p->variant[0]))
    {
      char *v = kn_xasprintf ("v%s", p->variant);
      free (p->variant);
      p->variant = v;
    }
  if (p->architecture == NULL)
    return;
  const char *a = p->architecture;
  if (EQ (a, "i386") || EQ (a, "i486") || EQ (a, "i586") || EQ (a, "i686"))
    set (&p->architecture, "386");
  else if (EQ (a, "x86_64") || EQ (a, "x86-64") || EQ (a, "amd64"))
    {
      set (&p->architecture, "amd64");
      if (p->variant && EQ (p->variant, "v1"))
        {
          free (p->variant);
          p->variant = NULL;
        }
    }
  else if (EQ (a, "aarch64") || EQ (a, "arm64"))
    {
      set (&p->architecture, "arm64");
      if (p->variant == NULL || EQ (p->variant, "v8.0"))
        set (&p->variant, "v8");
    }
  else if (EQ (a, "armhf"))
    {
      set (&p->architecture, "arm");
      set (&p->variant, "v7");
    }
  else if (EQ (a, "armel"))
    {
      set (&p->architecture, "arm");
      set (&p->variant, "v6");
    }
  else if (EQ (a, "arm"))
    {
      if (p->variant == NULL)
        set (&p->variant, "v7");
    }
}

static int
valid_component (const char *s)
{
  if (*s == '\0')
    return 0;
  for (; *s; s++)
    if (!(isalnum ((unsigned char) *s) || *s == '_' || *s == '-' || *s == '.'))
      return 0;
  return 1;
}

static int
known_os (const char *s)
{
  static const char *const oses[] = { "aix",   "android", "darwin",  "dragonfly", "freebsd", "hurd",  "illumos",
                                      "ios",   "js",      "linux",   "nacl",      "netbsd",  "openbsd", "plan9",
                                      "solaris", "wasip1", "windows", "zos",       "macos",   NULL };
  for (size_t i = 0; oses[i]; i++)
    if (strcasecmp (s, oses[i]) == 0)
      return 1;
  return 0;
}

int
kn_platform_parse (const char *s, struct kn_platform *out, struct kn_error **err)
{
  kn_cleanup_free char *copy = kn_xstrdup (s ? s : "");
  char *parts[4] = { NULL };
  size_t n = 0;
  char *osv = strchr (copy, ':');
  struct kn_platform p = { 0 };

  if (osv)
    *osv++ = '\0';
  for (char *tok = copy, *slash; tok && n < 4; tok = slash)
    {
      slash = strchr (tok, '/');
      if (slash)
        *slash++ = '\0';
      parts[n++] = tok;
      if (slash && n == 4)
        n = 5;
    }
  if (n == 0 || n > 3)
    return kn_error_make (err, KN_EINVAL, 0, "invalid platform \"%s\": want os/arch[/variant]", s ? s : "");
  for (size_t i = 0; i < n; i++)
    if (!valid_component (parts[i]))
      return kn_error_make (err, KN_EINVAL, 0, "invalid platform \"%s\": bad component \"%s\"", s, parts[i]);
  if (osv && !valid_component (osv))
    return kn_error_make (err, KN_EINVAL, 0, "invalid platform \"%s\": bad os version \"%s\"", s, osv);
  if (n == 1)
    {
      struct kn_platform host = { 0 };
      kn_platform_host (&host);
      if (known_os (parts[0]))
        {
          p.os = kn_xstrdup (parts[0]);
          p.architecture = KN_STEAL (host.architecture);
          p.variant = KN_STEAL (host.variant);
        }
      else
        {
          p.os = kn_xstrdup ("linux");
          p.architecture = kn_xstrdup (parts[0]);
        }
      kn_platform_clear (&host);
    }
  else
    {
      p.os = kn_xstrdup (parts[0]);
      p.architecture = kn_xstrdup (parts[1]);
      if (n == 3)
        p.variant = kn_xstrdup (parts[2]);
    }
  if (osv)
    p.os_version = kn_xstrdup (osv);
  kn_platform_normalize (&p);
  kn_platform_clear (out);
  *out = p;
  return 0;
}

char *
kn_platform_format (const struct kn_platform *p)
{
  if (p->variant && *p->variant)
    return kn_xasprintf ("%s/%s/%s", p->os ? p->os : "", p->architecture ? p->architecture : "", p->variant);
  return kn_xasprintf ("%s/%s", p->os ? p->os : "", p->architecture ? p->architecture : "");
}

static int
features_subset (char *const *want, char *const *have)
{
  for (size_t i = 0; want && want[i]; i++)
    {
      int found = 0;
      for (size_t j = 0; have && have[j]; j++)
        if (EQ (want[i], have[j]))
          found = 1;
      if (!found)
        return 0;
    }
  return 1;
}

int
kn_platform_match (const struct kn_platform *want, const struct kn_platform *have)
{
  struct kn_platform w = { 0 }, h = { 0 };
  int ok;
  kn_platform_copy (&w, want);
  kn_platform_copy (&h, have);
  kn_platform_normalize (&w);
  kn_platform_normalize (&h);
  ok = streq0 (w.os, h.os) && streq0 (w.architecture, h.architecture);
  if (ok && w.variant && h.variant)
    ok = EQ (w.variant, h.variant);
  if (ok && w.os_version && *w.os_version)
    ok = streq0 (w.os_version, h.os_version);
  if (ok)
    ok = features_subset (w.os_features, h.os_features) && features_subset (w.features, h.features);
  kn_platform_clear (&w);
  kn_platform_clear (&h);
  return ok;
}

int
kn_platform_equal (const struct kn_platform *a, const struct kn_platform *b)
{
  struct kn_platform x = { 0 }, y = { 0 };
  int ok;
  kn_platform_copy (&x, a);
  kn_platform_copy (&y, b);
  kn_platform_normalize (&x);
  kn_platform_normalize (&y);
  ok = streq0 (x.os, y.os) && streq0 (x.architecture, y.architecture) && streq0 (x.variant, y.variant);
  kn_platform_clear (&x);
  kn_platform_clear (&y);
  return ok;
}

void
kn_platform_host (struct kn_platform *out)
{
  struct utsname u;
  const char *m = "amd64";
  const char *variant = NULL;
  if (uname (&u) == 0)
    m = u.machine;
  kn_platform_clear (out);
  out->os = kn_xstrdup ("linux");
  if (strncmp (m, "armv", 4) == 0 && isdigit ((unsigned char) m[4]))
    {
      char v[3] = { 'v', m[4], '\0' };
      out->architecture = kn_xstrdup ("arm");
      out->variant = kn_xstrdup (v);
    }
  else if (EQ (m, "ppc64le") || EQ (m, "s390x") || EQ (m, "riscv64") || EQ (m, "mips64") || EQ (m, "ppc64"))
    out->architecture = kn_xstrdup (m);
  else if (EQ (m, "loongarch64"))
    out->architecture = kn_xstrdup ("loong64");
  else
    out->architecture = kn_xstrdup (m);
  if (variant)
    out->variant = kn_xstrdup (variant);
  kn_platform_normalize (out);
}

void
kn_platform_copy (struct kn_platform *dst, const struct kn_platform *src)
{
  dst->architecture = kn_xstrdup (src->architecture);
  dst->os = kn_xstrdup (src->os);
  dst->os_version = kn_xstrdup (src->os_version);
  dst->os_features = kn_strv_dup (src->os_features);
  dst->variant = kn_xstrdup (src->variant);
  dst->features = kn_strv_dup (src->features);
}

void
kn_platform_clear (struct kn_platform *p)
{
  free (p->architecture);
  free (p->os);
  free (p->os_version);
  kn_strv_free (p->os_features);
  free (p->variant);
  kn_strv_free (p->features);
  memset (p, 0, sizeof *p);
}

int
kn_platform_from_json (json_object *obj, const char *what, int strict, struct kn_platform *out,
                       struct kn_error **err)
{
  struct kn_platform p = { 0 };
  int ret;
  if ((ret = kn_json_get_str (obj, "architecture", what, &p.architecture, err)) < 0
      || (ret = kn_json_get_str (obj, "os", what, &p.os, err)) < 0
      || (ret = kn_json_get_str (obj, "os.version", what, &p.os_version, err)) < 0
      || (ret = kn_json_get_strv (obj, "os.features", what, &p.os_features, err)) < 0
      || (ret = kn_json_get_str (obj, "variant", what, &p.variant, err)) < 0
      || (ret = kn_json_get_strv (obj, "features", what, &p.features, err)) < 0)
    {
      kn_platform_clear (&p);
      return ret;
    }
  if (strict && (p.architecture == NULL || p.os == NULL))
    {
      kn_platform_clear (&p);
      return kn_error_make (err, KN_EINVAL, 0, "%s: platform needs \"architecture\" and \"os\"", what);
    }
  kn_platform_clear (out);
  *out = p;
  return 0;
}

void
kn_platform_to_json (struct kn_jw *w, const struct kn_platform *p)
{
  kn_jw_obj_begin (w);
  kn_jw_key (w, "architecture");
  kn_jw_str (w, p->architecture ? p->architecture : "");
  kn_jw_key (w, "os");
  kn_jw_str (w, p->os ? p->os : "");
  if (p->os_version && *p->os_version)
    {
      kn_jw_key (w, "os.version");
      kn_jw_str (w, p->os_version);
    }
  if (p->os_features && p->os_features[0])
    {
      kn_jw_key (w, "os.features");
      kn_jw_strv (w, p->os_features);
    }
  if (p->variant && *p->variant)
    {
      kn_jw_key (w, "variant");
      kn_jw_str (w, p->variant);
    }
  if (p->features && p->features[0])
    {
      kn_jw_key (w, "features");
      kn_jw_strv (w, p->features);
    }
  kn_jw_obj_end (w);
}
