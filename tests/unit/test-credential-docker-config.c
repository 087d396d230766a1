/* Unit tests of the docker-config credential provider: config.json lookups
 * and the credential helper protocol (tests/fixtures/registry/docker-credential-test). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "plugins/credential/docker-config.h"

static char tmpdir[256];
static char cfgpath[300];

static void
setup (void)
{
  const char *src = getenv ("KN_TOP_SRCDIR");
  const char *path = getenv ("PATH");
  char *p;
  snprintf (tmpdir, sizeof tmpdir, "%s/kn-cred-XXXXXX", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  cr_assert_not_null (mkdtemp (tmpdir));
  snprintf (cfgpath, sizeof cfgpath, "%s/config.json", tmpdir);
  p = kn_xasprintf ("%s/tests/fixtures/registry:%s", src ? src : ".", path ? path : "/usr/bin:/bin");
  setenv ("PATH", p, 1);
  free (p);
  p = kn_xasprintf ("%s/helper.log", tmpdir);
  setenv ("KN_TEST_HELPER_LOG", p, 1);
  free (p);
}

static void
teardown (void)
{
  char *cmd = kn_xasprintf ("rm -rf '%s'", tmpdir);
  cr_assert_eq (system (cmd), 0);
  free (cmd);
}

static void
write_config (const char *json)
{
  FILE *f = fopen (cfgpath, "w");
  cr_assert_not_null (f);
  fputs (json, f);
  fclose (f);
}

TestSuite (credential, .init = setup, .fini = teardown);

Test (credential, key_host)
{
  const char *cases[][2] = {
    { "https://index.docker.io/v1/", "index.docker.io" },
    { "http://Reg.Example:5000/v2/", "reg.example:5000" },
    { "reg.example", "reg.example" },
    { "reg.example/some/path", "reg.example" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char *h = kn_dockercfg_key_host (cases[i][0]);
      cr_assert_str_eq (h, cases[i][1], "%s", cases[i][0]);
      free (h);
    }
  cr_assert (kn_dockercfg_is_hub ("docker.io"));
  cr_assert (kn_dockercfg_is_hub ("registry-1.docker.io"));
  cr_assert (kn_dockercfg_is_hub ("index.docker.io"));
  cr_assert_not (kn_dockercfg_is_hub ("quay.io"));
}

Test (credential, auths_forms)
{
  struct kn_credential c;
  write_config ("{\"auths\":{"
                "\"https://reg.example:5000/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
                "\"plain.example\":{\"username\":\"bob\",\"password\":\"pw\"},"
                "\"id.example\":{\"auth\":\"PHRva2VuPjo=\",\"identitytoken\":\"refresh-me\"},"
                "\"rt.example\":{\"registrytoken\":\"bearer-tok\"},"
                "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
                "\"empty.example\":{}}}");
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "reg.example:5000", &c, NULL), 0);
  cr_assert_str_eq (c.username, "user");
  cr_assert_str_eq (c.password, "pa:ss");
  kn_credential_clear (&c);

  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "plain.example", &c, NULL), 0);
  cr_assert_str_eq (c.username, "bob");
  cr_assert_str_eq (c.password, "pw");
  kn_credential_clear (&c);

  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "id.example", &c, NULL), 0);
  cr_assert_str_eq (c.identity_token, "refresh-me");
  cr_assert_null (c.username); /* "<token>:" is no Basic credential */
  cr_assert_null (c.password);
  kn_credential_clear (&c);

  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "rt.example", &c, NULL), 0);
  cr_assert_str_eq (c.registry_token, "bearer-tok");
  cr_assert_null (c.username);
  kn_credential_clear (&c);

  const char *hub[] = { "index.docker.io", "registry-1.docker.io", "docker.io" };
  for (size_t i = 0; i < 3; i++)
    {
      cr_assert_eq (kn_dockercfg_lookup (cfgpath, hub[i], &c, NULL), 0, "%s", hub[i]);
      cr_assert_str_eq (c.username, "hub");
      cr_assert_str_eq (c.password, "hubpw");
      kn_credential_clear (&c);
    }

  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "empty.example", &c, NULL), -KN_ENOTFOUND);
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "other.example", &c, NULL), -KN_ENOTFOUND);
  cr_assert_null (c.username);
  /* A port is part of the host. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "reg.example", &c, NULL), -KN_ENOTFOUND);
}

Test (credential, missing_and_malformed)
{
  struct kn_credential c;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "x", &c, &err), -KN_ENOTFOUND);
  cr_assert_null (err);
  write_config ("{\"auths\":");
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "x", &c, &err), -KN_EINVAL);
  cr_assert (strstr (err->msg, cfgpath) != NULL);
  kn_error_free (err);
  err = NULL;
  write_config ("{\"auths\":{\"x\":{\"auth\":\"bm9jb2xvbg==\"}}}"); /* "nocolon" */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "x", &c, &err), -KN_EINVAL);
  cr_assert (strstr (err->msg, "nocolon") == NULL, "the secret leaked: %s", err->msg);
  kn_error_free (err);
}

Test (credential, cred_helpers_and_store)
{
  struct kn_credential c;
  struct kn_error *err = NULL;
  write_config ("{\"credHelpers\":{\"helper.example\":\"test\",\"token.example\":\"test\","
                "\"fail.example\":\"test\",\"missing.example\":\"nosuchhelper\"},"
                "\"auths\":{\"helper.example\":{\"auth\":\"eDp5\"}},"
                "\"credsStore\":\"test\"}");
  /* credHelpers wins over auths. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "helper.example", &c, &err), 0);
  cr_assert_str_eq (c.username, "helperuser");
  cr_assert_str_eq (c.password, "helperpass");
  kn_credential_clear (&c);
  /* "<token>" means an identity token. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "token.example", &c, &err), 0);
  cr_assert_null (c.username);
  cr_assert_str_eq (c.identity_token, "idtok");
  kn_credential_clear (&c);
  /* credsStore answers for Docker Hub with the hub key. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "registry-1.docker.io", &c, &err), 0);
  cr_assert_str_eq (c.username, "hubuser");
  kn_credential_clear (&c);
  /* The store has nothing: passthrough without error. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "nothing.example", &c, &err), -KN_ENOTFOUND);
  cr_assert_null (err);
  /* A failing helper is an error naming it. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "fail.example", &c, &err), -KN_EAUTH);
  cr_assert (strstr (err->msg, "docker-credential-test") != NULL, "%s", err->msg);
  kn_error_free (err);
  err = NULL;
  /* A helper that is not installed. */
  cr_assert_eq (kn_dockercfg_lookup (cfgpath, "missing.example", &c, &err), -KN_EAUTH);
  cr_assert (strstr (err->msg, "docker-credential-nosuchhelper") != NULL, "%s", err->msg);
  kn_error_free (err);

  /* What the helper was asked, in order. */
  char *logp = kn_xasprintf ("%s/helper.log", tmpdir);
  FILE *f = fopen (logp, "r");
  char buf[1024] = "";
  size_t n = f ? fread (buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f)
    fclose (f);
  free (logp);
  cr_assert_str_eq (buf, "helper.example\ntoken.example\nhttps://index.docker.io/v1/\nnothing.example\nfail.example\n");
}

Test (credential, helper_direct)
{
  struct kn_credential c;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_dockercfg_helper_get ("test", "helper.example:443", &c, &err), 0);
  cr_assert_str_eq (c.password, "helperpass");
  kn_credential_clear (&c);
  cr_assert_eq (kn_dockercfg_helper_get ("../evil", "x", &c, &err), -KN_EINVAL);
  kn_error_free (err);
}

Test (credential, config_path)
{
  char *p;
  write_config ("{}");
  setenv ("DOCKER_CONFIG", tmpdir, 1);
  p = kn_dockercfg_path (NULL);
  cr_assert_str_eq (p, cfgpath);
  free (p);
  p = kn_dockercfg_path ("/some/dir");
  cr_assert_str_eq (p, "/some/dir/config.json");
  free (p);
  setenv ("DOCKER_CONFIG", "/nonexistent-kn", 1);
  setenv ("HOME", tmpdir, 1);
  p = kn_dockercfg_path (NULL);
  /* No $HOME/.docker/config.json either: only /kaniko/.docker may answer. */
  cr_assert (p == NULL || strcmp (p, "/kaniko/.docker/config.json") == 0);
  free (p);
}

const struct kn_plugin_desc *kn_plugin_docker_config_get_desc (void);

Test (credential, descriptor_and_passthrough)
{
  const struct kn_plugin_desc *d = kn_plugin_docker_config_get_desc ();
  cr_assert_str_eq (d->name, "docker-config");
  cr_assert_eq (d->n_features, 1);
  cr_assert_eq (d->features[0].kind, KN_KIND_CREDENTIAL);
  const struct kn_credential_provider *p = d->features[0].vtable;
  cr_assert_eq (p->version, KN_CREDENTIAL_VERSION);
  cr_assert_str_eq (p->name, "docker-config");

  struct kn_credential c;
  struct kn_error *err = NULL;
  write_config ("{\"auths\":{\"reg.example\":{\"username\":\"u\",\"password\":\"p\"}}}");
  setenv ("DOCKER_CONFIG", tmpdir, 1);
  cr_assert_eq (p->get ("reg.example", NULL, &c, &err), 0);
  cr_assert_str_eq (c.password, "p");
  kn_credential_clear (&c);
  cr_assert_eq (p->get ("other.example", NULL, &c, &err), -KN_ENOTFOUND);
  cr_assert_null (err);
  setenv ("DOCKER_CONFIG", "/nonexistent-kn", 1);
  setenv ("HOME", "/nonexistent-kn", 1);
  int ret = p->get ("reg.example", NULL, &c, &err);
  /* Only a real /kaniko/.docker/config.json on this machine could answer. */
  cr_assert (ret == -KN_ENOTFOUND || ret == 0);
  kn_credential_clear (&c);
  cr_assert_null (err);
}
