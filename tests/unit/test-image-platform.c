/* Platforms: parsing, normalisation, matching, selection from an index. */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/image/index.h"
#include "core/image/platform.h"

static void
expect_parse (const char *in, const char *want)
{
  struct kn_platform p = { 0 };
  struct kn_error *err = NULL;
  cr_assert_eq (kn_platform_parse (in, &p, &err), 0, "%s: %s", in, err ? err->msg : "");
  {
    kn_cleanup_free char *s = kn_platform_format (&p);
    cr_expect_str_eq (s, want, "%s", in);
  }
  kn_platform_clear (&p);
}

Test (platform, parse_and_normalize)
{
  expect_parse ("linux/amd64", "linux/amd64");
  expect_parse ("linux/x86_64", "linux/amd64");
  expect_parse ("linux/amd64/v1", "linux/amd64");
  expect_parse ("linux/amd64/v3", "linux/amd64/v3");
  expect_parse ("linux/arm64", "linux/arm64/v8");
  expect_parse ("linux/aarch64", "linux/arm64/v8");
  expect_parse ("linux/arm64/v8", "linux/arm64/v8");
  expect_parse ("linux/arm", "linux/arm/v7");
  expect_parse ("linux/arm/v7", "linux/arm/v7");
  expect_parse ("linux/arm/6", "linux/arm/v6");
  expect_parse ("linux/armhf", "linux/arm/v7");
  expect_parse ("linux/armel", "linux/arm/v6");
  expect_parse ("Linux/i386", "linux/386");
  expect_parse ("linux/ppc64le", "linux/ppc64le");
  expect_parse ("macos/arm64", "darwin/arm64/v8");
  expect_parse ("s390x", "linux/s390x");
  {
    struct kn_platform p = { 0 };
    cr_assert_eq (kn_platform_parse ("windows/amd64:10.0.17763.1234", &p, NULL), 0);
    cr_expect_str_eq (p.os_version, "10.0.17763.1234");
    kn_platform_clear (&p);
  }
}

Test (platform, parse_errors)
{
  static const char *const bad[] = { "", "linux/", "/amd64", "linux/arm/v7/extra", "linux/am d64", "linux//v7" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct kn_platform p = { 0 };
      struct kn_error *err = NULL;
      cr_expect_lt (kn_platform_parse (bad[i], &p, &err), 0, "\"%s\" accepted", bad[i]);
      if (err)
        cr_expect (strstr (err->msg, "invalid platform"), "%s", err->msg);
      kn_error_free (err);
      kn_platform_clear (&p);
    }
}

static struct kn_platform
mk (const char *os, const char *arch, const char *variant)
{
  struct kn_platform p = { 0 };
  p.os = kn_xstrdup (os);
  p.architecture = kn_xstrdup (arch);
  p.variant = kn_xstrdup (variant);
  return p;
}

Test (platform, matching)
{
  struct kn_platform want = mk ("linux", "arm64", NULL);
  struct kn_platform have_v8 = mk ("linux", "arm64", "v8");
  struct kn_platform have_none = mk ("linux", "arm64", NULL);
  struct kn_platform arm7 = mk ("linux", "arm", "v7");
  struct kn_platform arm6 = mk ("linux", "arm", "v6");
  struct kn_platform want_arm = mk ("linux", "arm", NULL);
  struct kn_platform amd = mk ("linux", "x86_64", NULL);
  struct kn_platform amd_v2 = mk ("linux", "amd64", "v2");
  struct kn_platform want_amd = mk ("linux", "amd64", NULL);
  struct kn_platform win = mk ("windows", "amd64", NULL);
  cr_expect (kn_platform_match (&want, &have_v8));
  cr_expect (kn_platform_match (&want, &have_none));
  cr_expect (kn_platform_match (&have_v8, &have_none));
  cr_expect (kn_platform_match (&want_arm, &arm7), "arm defaults to v7");
  cr_expect (!kn_platform_match (&want_arm, &arm6));
  cr_expect (!kn_platform_match (&arm7, &arm6));
  cr_expect (kn_platform_match (&want_amd, &amd));
  cr_expect (kn_platform_match (&want_amd, &amd_v2), "no variant wanted: any amd64 variant");
  cr_expect (!kn_platform_equal (&want_amd, &amd_v2));
  cr_expect (kn_platform_equal (&want_amd, &amd));
  cr_expect (!kn_platform_match (&want_amd, &win));
  cr_expect (!kn_platform_match (&want, &arm7));
  {
    struct kn_platform f = mk ("windows", "amd64", NULL);
    kn_strv_push (&f.os_features, "win32k");
    cr_expect (!kn_platform_match (&f, &win), "wanted feature missing");
    cr_expect (kn_platform_match (&win, &f));
    kn_platform_clear (&f);
  }
  kn_platform_clear (&want);
  kn_platform_clear (&have_v8);
  kn_platform_clear (&have_none);
  kn_platform_clear (&arm7);
  kn_platform_clear (&arm6);
  kn_platform_clear (&want_arm);
  kn_platform_clear (&amd);
  kn_platform_clear (&amd_v2);
  kn_platform_clear (&want_amd);
  kn_platform_clear (&win);
}

Test (platform, host)
{
  struct kn_platform h = { 0 };
  kn_cleanup_free char *s = NULL;
  kn_platform_host (&h);
  cr_assert_not_null (h.architecture);
  cr_expect_str_eq (h.os, "linux");
  cr_expect (strcmp (h.architecture, "x86_64") != 0 && strcmp (h.architecture, "aarch64") != 0, "normalised");
  s = kn_platform_format (&h);
  cr_expect (strncmp (s, "linux/", 6) == 0);
  kn_platform_clear (&h);
}

Test (platform, select_from_index)
{
  static const char idx_json[]
      = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
        "1111111111111111111111111111111111111111111111111111111111111111\",\"platform\":{\"architecture\":\"amd64\","
        "\"os\":\"linux\",\"variant\":\"v3\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
        "2222222222222222222222222222222222222222222222222222222222222222\",\"platform\":{\"architecture\":\"amd64\","
        "\"os\":\"linux\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
        "3333333333333333333333333333333333333333333333333333333333333333\",\"platform\":{\"architecture\":\"arm\","
        "\"os\":\"linux\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
        "4444444444444444444444444444444444444444444444444444444444444444\",\"platform\":{\"architecture\":\"arm64\","
        "\"os\":\"linux\",\"variant\":\"v8\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\"sha256:"
        "5555555555555555555555555555555555555555555555555555555555555555\",\"platform\":{\"architecture\":\"unknown\","
        "\"os\":\"unknown\"}}]}";
  struct kn_index x = { 0 };
  struct kn_platform p = { 0 };
  struct kn_error *err = NULL;
  cr_assert_eq (kn_index_parse (idx_json, strlen (idx_json), 0, &x, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (kn_platform_parse ("linux/amd64", &p, NULL), 0);
  cr_expect_eq (kn_index_select (&x, &p, &err), 1, "exact match preferred over amd64/v3");
  cr_assert_eq (kn_platform_parse ("linux/arm64", &p, NULL), 0);
  cr_expect_eq (kn_index_select (&x, &p, &err), 3);
  cr_assert_eq (kn_platform_parse ("linux/arm/v6", &p, NULL), 0);
  cr_expect_eq (kn_index_select (&x, &p, &err), 2);
  cr_assert_eq (kn_platform_parse ("linux/arm", &p, NULL), 0);
  cr_expect_eq (kn_index_select (&x, &p, &err), -KN_ENOTFOUND, "arm means arm/v7");
  cr_expect (err && strstr (err->msg, "linux/arm/v7"), "%s", err ? err->msg : "");
  kn_error_release (&err);
  kn_platform_clear (&p);
  kn_index_clear (&x);
}
