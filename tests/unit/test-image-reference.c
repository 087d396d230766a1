/* Image references: table tests with the edge cases of distribution/reference
 * (reference_test.go TestReferenceParse, normalize_test.go TestValidateReferenceName,
 * TestValidateRemoteName, TestParseRepositoryInfo, TestNormalizedSplitHostname,
 * TestParseReferenceWithTagAndDigest) and the transports. */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/image/reference.h"

#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

struct raw_case {
  const char *input;
  int ok;
  const char *domain;
  const char *repository; /* Name() */
  const char *tag;
  const char *digest;
};

/* reference_test.go TestReferenceParse */
static const struct raw_case raw_cases[] = {
  { "test_com", 1, "", "test_com", NULL, NULL },
  { "test.com:tag", 1, "", "test.com", "tag", NULL },
  { "test.com:5000", 1, "", "test.com", "5000", NULL },
  { "test.com/repo:tag", 1, "test.com", "test.com/repo", "tag", NULL },
  { "test:5000/repo", 1, "test:5000", "test:5000/repo", NULL, NULL },
  { "test:5000/repo:tag", 1, "test:5000", "test:5000/repo", "tag", NULL },
  { "test:5000/repo@sha256:" F64, 1, "test:5000", "test:5000/repo", NULL, "sha256:" F64 },
  { "test:5000/repo:tag@sha256:" F64, 1, "test:5000", "test:5000/repo", "tag", "sha256:" F64 },
  { "", 0, NULL, NULL, NULL, NULL },
  { ":justtag", 0, NULL, NULL, NULL, NULL },
  { "@sha256:" F64, 0, NULL, NULL, NULL, NULL },
  { "repo@sha256:ffffffffffffffffffffffffffffffffff", 0, NULL, NULL, NULL, NULL },
  { "validname@invaliddigest:" F64, 0, NULL, NULL, NULL, NULL },
  { "Uppercase:tag", 0, NULL, NULL, NULL, NULL },
  { "test:5000/Uppercase/lowercase:tag", 0, NULL, NULL, NULL, NULL },
  { "lowercase:Uppercase", 1, "", "lowercase", "Uppercase", NULL },
  { "aa/asdf$$^/aa", 0, NULL, NULL, NULL, NULL },
  { "sub-dom1.foo.com/bar/baz/quux", 1, "sub-dom1.foo.com", "sub-dom1.foo.com/bar/baz/quux", NULL, NULL },
  { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", 1, "sub-dom1.foo.com", "sub-dom1.foo.com/bar/baz/quux",
    "some-long-tag", NULL },
  { "b.gcr.io/test.example.com/my-app:test.example.com", 1, "b.gcr.io", "b.gcr.io/test.example.com/my-app",
    "test.example.com", NULL },
  { "xn--n3h.com/myimage:xn--n3h.com", 1, "xn--n3h.com", "xn--n3h.com/myimage", "xn--n3h.com", NULL },
  { "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F64 F64, 1, "xn--7o8h.com", "xn--7o8h.com/myimage", "xn--7o8h.com",
    "sha512:" F64 F64 },
  { "foo_bar.com:8080", 1, "", "foo_bar.com", "8080", NULL },
  { "foo/foo_bar.com:8080", 1, "foo", "foo/foo_bar.com", "8080", NULL },
  { "192.168.1.1", 1, "", "192.168.1.1", NULL, NULL },
  { "192.168.1.1:tag", 1, "", "192.168.1.1", "tag", NULL },
  { "192.168.1.1:5000", 1, "", "192.168.1.1", "5000", NULL },
  { "192.168.1.1/repo", 1, "192.168.1.1", "192.168.1.1/repo", NULL, NULL },
  { "192.168.1.1:5000/repo", 1, "192.168.1.1:5000", "192.168.1.1:5000/repo", NULL, NULL },
  { "192.168.1.1:5000/repo:5050", 1, "192.168.1.1:5000", "192.168.1.1:5000/repo", "5050", NULL },
  { "[2001:db8::1]", 0, NULL, NULL, NULL, NULL },
  { "[2001:db8::1]:5000", 0, NULL, NULL, NULL, NULL },
  { "[2001:db8::1]:tag", 0, NULL, NULL, NULL, NULL },
  { "[2001:db8::1]/repo", 1, "[2001:db8::1]", "[2001:db8::1]/repo", NULL, NULL },
  { "[2001:db8:1:2:3:4:5:6]/repo:tag", 1, "[2001:db8:1:2:3:4:5:6]", "[2001:db8:1:2:3:4:5:6]/repo", "tag", NULL },
  { "[2001:db8::1]:5000/repo", 1, "[2001:db8::1]:5000", "[2001:db8::1]:5000/repo", NULL, NULL },
  { "[2001:db8::1]:5000/repo:tag", 1, "[2001:db8::1]:5000", "[2001:db8::1]:5000/repo", "tag", NULL },
  { "[2001:db8::1]:5000/repo@sha256:" F64, 1, "[2001:db8::1]:5000", "[2001:db8::1]:5000/repo", NULL,
    "sha256:" F64 },
  { "[2001:db8::1]:5000/repo:tag@sha256:" F64, 1, "[2001:db8::1]:5000", "[2001:db8::1]:5000/repo", "tag",
    "sha256:" F64 },
  { "[2001:db8::]:5000/repo", 1, "[2001:db8::]:5000", "[2001:db8::]:5000/repo", NULL, NULL },
  { "[::1]:5000/repo", 1, "[::1]:5000", "[::1]:5000/repo", NULL, NULL },
  { "[fe80::1%eth0]:5000/repo", 0, NULL, NULL, NULL, NULL },
  { "[fe80::1%@invalidzone]:5000/repo", 0, NULL, NULL, NULL, NULL },
  /* extra edges: uppercase hex digest, tag of 129 characters, empty tag */
  { "repo@sha256:" "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0, NULL, NULL, NULL, NULL },
  { "repo:", 0, NULL, NULL, NULL, NULL },
  { "repo:-tag", 0, NULL, NULL, NULL, NULL },
  { "repo@", 0, NULL, NULL, NULL, NULL },
  { "a//b", 0, NULL, NULL, NULL, NULL },
  { "a/b/", 0, NULL, NULL, NULL, NULL },
};

static void
check_ref (const char *in, const struct kn_reference *r, const char *domain, const char *repository,
           const char *tag, const char *digest)
{
  kn_cleanup_free char *name = kn_reference_name (r);
  cr_expect_str_eq (r->domain, domain, "%s: domain", in);
  cr_expect_str_eq (name, repository, "%s: name", in);
  if (tag)
    cr_expect (r->tag && strcmp (r->tag, tag) == 0, "%s: tag %s want %s", in, r->tag ? r->tag : "(none)", tag);
  else
    cr_expect_null (r->tag, "%s: unexpected tag %s", in, r->tag);
  if (digest)
    cr_expect (r->digest && strcmp (r->digest, digest) == 0, "%s: digest", in);
  else
    cr_expect_null (r->digest, "%s: unexpected digest", in);
}

Test (reference, parse_table)
{
  for (size_t i = 0; i < sizeof raw_cases / sizeof raw_cases[0]; i++)
    {
      const struct raw_case *c = &raw_cases[i];
      struct kn_reference r = { 0 };
      struct kn_error *err = NULL;
      int ret = kn_reference_parse (c->input, &r, &err);
      if (!c->ok)
        {
          cr_expect_lt (ret, 0, "%s: should fail", c->input);
          if (ret < 0)
            cr_expect (strstr (err->msg, c->input) != NULL || c->input[0] == '\0', "%s: error names it: %s",
                       c->input, err->msg);
          kn_error_free (err);
          kn_reference_clear (&r);
          continue;
        }
      cr_expect_eq (ret, 0, "%s: %s", c->input, err ? err->msg : "");
      if (ret == 0)
        {
          kn_cleanup_free char *s = kn_reference_string (&r);
          cr_expect_str_eq (s, c->input, "String() round trip");
          check_ref (c->input, &r, c->domain, c->repository, c->tag, c->digest);
        }
      kn_error_free (err);
      kn_reference_clear (&r);
    }
}

Test (reference, name_too_long)
{
  char in[600] = "";
  struct kn_reference r = { 0 };
  struct kn_error *err = NULL;
  for (int i = 0; i < 128; i++)
    strcat (in, "a/");
  strcat (in, "a:tag");
  cr_expect_lt (kn_reference_parse (in, &r, &err), 0);
  cr_expect (err && strstr (err->msg, "255"), "too long: %s", err ? err->msg : "");
  kn_error_release (&err);
  in[0] = '\0';
  for (int i = 0; i < 127; i++)
    strcat (in, "a/");
  strcat (in, "a:tag-puts-this-over-max");
  cr_expect_eq (kn_reference_parse (in, &r, &err), 0);
  cr_expect_str_eq (r.domain, "a");
  cr_expect_str_eq (r.tag, "tag-puts-this-over-max");
  kn_reference_clear (&r);
}

/* normalize_test.go TestValidateReferenceName + TestValidateRemoteName */
static const char *const valid_names[] = {
  "docker/docker", "library/debian", "debian", "docker.io/docker/docker", "docker.io/library/debian",
  "docker.io/debian", "index.docker.io/docker/docker", "index.docker.io/library/debian", "index.docker.io/debian",
  "127.0.0.1:5000/docker/docker", "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1",
  "192.168.0.1:80", "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
  "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
  "[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
  "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "Docker/docker", "DOCKER/docker",
  "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker", "jess/t", "dock__er/docker",
  "localhost/foo", "localhost:5000/foo/bar:tag",
};

static const char *const invalid_names[] = {
  "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker", "-docker.io/docker/docker",
  "docker///docker", "docker.io/docker/Docker", "docker.io/docker///docker", "[fc00::1]", "[fc00::1]:5000",
  "fc00::1:5000/debian", "[fe80::1%eth0]:5000/debian", "[2001:db8:3:4::192.0.2.33]:5000/debian",
  "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker", "-docker-/docker",
  "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker", "dock-.er/docker", "docker/",
  "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_"
  "lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_"
  "valid_namespace_because_its_lenth_is_greater_than_255/docker",
  "UPPER", "Busybox:latest", "",
};

Test (reference, normalized_validity)
{
  for (size_t i = 0; i < sizeof valid_names / sizeof valid_names[0]; i++)
    {
      struct kn_reference r = { 0 };
      struct kn_error *err = NULL;
      cr_expect_eq (kn_reference_parse_normalized (valid_names[i], &r, &err), 0, "%s: %s", valid_names[i],
                    err ? err->msg : "");
      kn_error_free (err);
      kn_reference_clear (&r);
    }
  for (size_t i = 0; i < sizeof invalid_names / sizeof invalid_names[0]; i++)
    {
      struct kn_reference r = { 0 };
      struct kn_error *err = NULL;
      cr_expect_lt (kn_reference_parse_normalized (invalid_names[i], &r, &err), 0, "%s should fail", invalid_names[i]);
      if (err && invalid_names[i][0])
        cr_expect (strstr (err->msg, invalid_names[i]) || strstr (err->msg, "must be lowercase"),
                   "error names the reference: %s", err->msg);
      kn_error_free (err);
      kn_reference_clear (&r);
    }
}

struct norm_case {
  const char *input;
  const char *full;     /* String() */
  const char *familiar; /* FamiliarString() */
  const char *domain;
  const char *path;
};

/* TestParseRepositoryInfo, TestNormalizedSplitHostname, TestParseReferenceWithTagAndDigest */
static const struct norm_case norm_cases[] = {
  { "fooo/bar", "docker.io/fooo/bar", "fooo/bar", "docker.io", "fooo/bar" },
  { "index.docker.io/fooo/bar", "docker.io/fooo/bar", "fooo/bar", "docker.io", "fooo/bar" },
  { "ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io", "library/ubuntu" },
  { "library/ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io", "library/ubuntu" },
  { "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io", "nonlibrary/ubuntu" },
  { "other/library", "docker.io/other/library", "other/library", "docker.io", "other/library" },
  { "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase",
    "127.0.0.1:8000", "private/moonbase" },
  { "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000",
    "privatebase" },
  { "example.com/private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", "example.com",
    "private/moonbase" },
  { "example.com:8000/privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee",
    "example.com:8000", "privatebasee" },
  { "index.docker.io/library/ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base",
    "docker.io", "library/ubuntu-12.04-base" },
  { "docker.io/foo", "docker.io/library/foo", "foo", "docker.io", "library/foo" },
  { "library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar", "docker.io", "library/foo/bar" },
  { "store/foo/bar", "docker.io/store/foo/bar", "store/foo/bar", "docker.io", "store/foo/bar" },
  { "Foo/bar", "Foo/bar", "Foo/bar", "Foo", "bar" },
  { "FOO/bar", "FOO/bar", "FOO/bar", "FOO", "bar" },
  { "test.com/foo", "test.com/foo", "test.com/foo", "test.com", "foo" },
  { "test_com/foo", "docker.io/test_com/foo", "test_com/foo", "docker.io", "test_com/foo" },
  { "docker/migrator", "docker.io/docker/migrator", "docker/migrator", "docker.io", "docker/migrator" },
  { "test.com:8080/foo", "test.com:8080/foo", "test.com:8080/foo", "test.com:8080", "foo" },
  { "test-com:8080/foo", "test-com:8080/foo", "test-com:8080/foo", "test-com:8080", "foo" },
  { "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo" },
  { "localhost/foo", "localhost/foo", "localhost/foo", "localhost", "foo" },
  { "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
    "docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
    "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", "docker.io",
    "library/busybox" },
  { "redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
    "docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
    "redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io", "library/redis" },
  { "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
    "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
    "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io",
    "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9" },
  { "192.168.0.1:80", "docker.io/library/192.168.0.1:80", "192.168.0.1:80", "docker.io", "library/192.168.0.1" },
  { "gcr.io/kaniko-project/executor:v1.23.2", "gcr.io/kaniko-project/executor:v1.23.2",
    "gcr.io/kaniko-project/executor:v1.23.2", "gcr.io", "kaniko-project/executor" },
};

Test (reference, normalized_table)
{
  for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++)
    {
      const struct norm_case *c = &norm_cases[i];
      struct kn_reference r = { 0 };
      struct kn_error *err = NULL;
      int ret = kn_reference_parse_normalized (c->input, &r, &err);
      cr_expect_eq (ret, 0, "%s: %s", c->input, err ? err->msg : "");
      if (ret == 0)
        {
          kn_cleanup_free char *full = kn_reference_string (&r);
          kn_cleanup_free char *fam = kn_reference_familiar_string (&r);
          cr_expect_str_eq (full, c->full, "%s: full", c->input);
          cr_expect_str_eq (fam, c->familiar, "%s: familiar", c->input);
          cr_expect_str_eq (r.domain, c->domain, "%s: domain", c->input);
          cr_expect_str_eq (r.path, c->path, "%s: path", c->input);
        }
      kn_error_free (err);
      kn_reference_clear (&r);
    }
}

Test (reference, error_messages)
{
  struct kn_reference r = { 0 };
  struct kn_error *err = NULL;
  cr_assert_lt (kn_reference_parse_normalized ("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", &r,
                                               &err),
                0);
  cr_expect (strstr (err->msg, "cannot specify 64-byte hexadecimal strings"), "%s", err->msg);
  kn_error_release (&err);
  cr_assert_lt (kn_reference_parse_normalized ("docker/Docker", &r, &err), 0);
  cr_expect_str_eq (err->msg, "invalid reference format: repository name (docker/Docker) must be lowercase");
  kn_error_release (&err);
  cr_assert_lt (kn_reference_parse_normalized ("foo@sha256:abc", &r, &err), 0);
  cr_expect (strstr (err->msg, "foo@sha256:abc"), "%s", err->msg);
  kn_error_release (&err);
}

Test (reference, hosts_and_ggcr_names)
{
  struct kn_reference r = { 0 };
  kn_cleanup_free char *repo = NULL;
  kn_cleanup_free char *repo2 = NULL;
  cr_assert_eq (kn_reference_parse_normalized ("busybox", &r, NULL), 0);
  cr_expect_str_eq (kn_reference_api_host (&r), "registry-1.docker.io");
  cr_expect_str_eq (kn_reference_registry_name (&r), "index.docker.io");
  cr_expect_str_eq (kn_reference_tag_or_default (&r), "latest");
  repo = kn_reference_repository_name (&r);
  cr_expect_str_eq (repo, "index.docker.io/library/busybox");
  kn_reference_clear (&r);
  cr_assert_eq (kn_reference_parse_normalized ("localhost:5000/a/b:v1", &r, NULL), 0);
  cr_expect_str_eq (kn_reference_api_host (&r), "localhost:5000");
  repo2 = kn_reference_repository_name (&r);
  cr_expect_str_eq (repo2, "localhost:5000/a/b");
  cr_expect_str_eq (kn_reference_tag_or_default (&r), "v1");
  cr_expect_str_eq (kn_reference_identifier (&r), "v1");
  kn_reference_clear (&r);
  cr_assert_eq (kn_reference_parse_normalized ("busybox:1@sha256:" F64, &r, NULL), 0);
  cr_expect_str_eq (kn_reference_identifier (&r), "sha256:" F64, "tag+digest pulls by digest");
  kn_reference_clear (&r);
  cr_assert_eq (kn_reference_parse_normalized ("busybox", &r, NULL), 0);
  cr_expect_str_eq (kn_reference_identifier (&r), "latest");
  kn_reference_clear (&r);
}

Test (reference, transports)
{
  struct kn_image_ref r = { 0 };
  struct kn_error *err = NULL;
  kn_cleanup_free char *s = NULL;
  cr_assert_eq (kn_image_ref_parse ("docker://busybox:1.36", &r, &err), 0);
  cr_expect_eq (r.transport, KN_TRANSPORT_DOCKER);
  s = kn_reference_string (&r.ref);
  cr_expect_str_eq (s, "docker.io/library/busybox:1.36");
  cr_assert_eq (kn_image_ref_parse ("alpine", &r, &err), 0);
  cr_expect_eq (r.transport, KN_TRANSPORT_DOCKER);
  cr_expect_str_eq (r.ref.path, "library/alpine");
  cr_assert_eq (kn_image_ref_parse ("oci:/tmp/layout:v2", &r, &err), 0);
  cr_expect_eq (r.transport, KN_TRANSPORT_OCI);
  cr_expect_str_eq (r.path, "/tmp/layout");
  cr_expect_str_eq (r.tag, "v2");
  cr_assert_eq (kn_image_ref_parse ("oci:/tmp/layout", &r, &err), 0);
  cr_expect_null (r.tag);
  cr_assert_eq (kn_image_ref_parse ("docker-archive:/tmp/a.tar:myimg:1", &r, &err), 0);
  cr_expect_eq (r.transport, KN_TRANSPORT_DOCKER_ARCHIVE);
  cr_expect_str_eq (r.path, "/tmp/a.tar");
  cr_expect (r.has_ref);
  cr_expect_str_eq (r.ref.tag, "1");
  cr_assert_eq (kn_image_ref_parse ("docker-archive:/tmp/a.tar", &r, &err), 0);
  cr_expect (!r.has_ref);
  cr_expect_lt (kn_image_ref_parse ("oci:", &r, &err), 0);
  cr_expect (strstr (err->msg, "oci:"), "%s", err->msg);
  kn_error_release (&err);
  cr_expect_lt (kn_image_ref_parse ("docker://UPPER", &r, &err), 0);
  kn_error_release (&err);
  kn_image_ref_clear (&r);
}
