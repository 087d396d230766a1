/* The engine's metadata instructions (core/build/meta.c), the registry
 * candidates of a pull (mirrors, --registry-map, fallback) and the kaniko
 * dir helpers. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>

#include <kaniko/sys/util.h>

#include "core/build/kanikodir.h"
#include "core/build/registry.h"
#include "core/build/stage.h"
#include "core/dockerfile/parser.h"
#include "core/image/json.h"

/* Parse TEXT, plan it and apply every instruction of its only stage to CFG. */
static void
apply_all (const char *text, struct kn_image_config *cfg)
{
  struct kn_df_ast *ast = NULL;
  struct kn_df_instructions *list = NULL;
  struct kn_build_plan *plan = NULL;
  struct kn_buildenv *env = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_df_parse ("Dockerfile", text, strlen (text), &ast, &err), 0);
  cr_assert_eq (kn_df_instructions_from_ast (ast, "Dockerfile", &list, &err), 0);
  struct kn_plan_opts po = { 0 };
  cr_assert_eq (kn_plan_new (list, &po, &plan, &err), 0);
  cr_assert_eq (kn_buildenv_new (plan, 0, (const char *const *) cfg->config.env, &env, &err), 0);
  bool cmd_set = false;
  for (size_t i = 0; i < plan->stages[0].n_ins; i++)
    {
      struct kn_df_instruction *ins = NULL;
      const struct kn_df_instruction *raw = plan->stages[0].ins[i];
      if (raw->kind == KN_DF_ARG)
        {
          for (size_t a = 0; a < raw->n_args; a++)
            cr_assert_eq (kn_buildenv_arg (env, &raw->args[a], &err), 0);
          continue;
        }
      cr_assert_eq (kn_buildenv_expand_instruction (env, raw, &ins, &err), 0);
      cr_assert_eq (kn_bmeta_apply (cfg, ins, env, &cmd_set), 0, "%s", raw->original);
      kn_df_instruction_free (ins);
    }
  kn_buildenv_free (env);
  kn_plan_free (plan);
  kn_df_instructions_free (list);
  kn_df_ast_free (ast);
}

static void
assert_strv (char **v, const char *const *want)
{
  size_t n = 0;
  for (; want[n]; n++)
    {
      cr_assert_not_null (v, "vector is NULL, want %s", want[n]);
      cr_assert_not_null (v[n], "missing %s", want[n]);
      cr_assert_str_eq (v[n], want[n]);
    }
  cr_assert (v == NULL || v[n] == NULL, "extra entry %s", v ? v[n] : "");
}

Test (meta, env_label_expose_volume)
{
  struct kn_image_config c = { 0 };
  kn_strv_push (&c.config.env, "PATH=/bin");
  apply_all ("FROM scratch\nARG V=2\nENV A=1 B=${V}\nENV PATH=$PATH:/x A=3\nLABEL k=$B \"q\"=\"a b\"\n"
             "EXPOSE 80 53/UDP\nVOLUME /data /v2\nSTOPSIGNAL SIGINT\nUSER u:$B\nMAINTAINER m\n",
             &c);
  assert_strv (c.config.env, (const char *const[]) { "PATH=/bin:/x", "A=3", "B=2", NULL });
  cr_assert_str_eq (kn_strmap_get (&c.config.labels, "k"), "2");
  cr_assert_str_eq (kn_strmap_get (&c.config.labels, "q"), "a b");
  cr_assert (kn_strmap_has (&c.config.exposed_ports, "80/tcp"));
  cr_assert (kn_strmap_has (&c.config.exposed_ports, "53/udp"));
  cr_assert (kn_strmap_has (&c.config.volumes, "/data"));
  cr_assert (kn_strmap_has (&c.config.volumes, "/v2"));
  cr_assert_str_eq (c.config.stop_signal, "SIGINT");
  cr_assert_str_eq (c.config.user, "u:2");
  cr_assert_str_eq (c.author, "m");
  kn_config_clear (&c);
}

Test (meta, cmd_entrypoint_shell)
{
  struct kn_image_config c = { 0 };
  kn_strv_push (&c.config.cmd, "/inherited");
  /* ENTRYPOINT resets an inherited CMD. */
  apply_all ("FROM scratch\nENTRYPOINT [\"/e\"]\n", &c);
  cr_assert_null (c.config.cmd);
  assert_strv (c.config.entrypoint, (const char *const[]) { "/e", NULL });
  /* ... but not one set in the same stage; SHELL applies to shell forms. */
  apply_all ("FROM scratch\nCMD echo hi\nSHELL [\"/bin/bash\", \"-xc\"]\nENTRYPOINT run it\n", &c);
  assert_strv (c.config.cmd, (const char *const[]) { "/bin/sh", "-c", "echo hi", NULL });
  cr_assert_eq (c.config.args_escaped, 1, "ArgsEscaped as BuildKit sets it on CMD");
  assert_strv (c.config.entrypoint, (const char *const[]) { "/bin/bash", "-xc", "run it", NULL });
  assert_strv (c.config.shell, (const char *const[]) { "/bin/bash", "-xc", NULL });
  apply_all ("FROM scratch\nHEALTHCHECK --interval=5s --retries=2 CMD true\nONBUILD RUN x\n", &c);
  cr_assert_not_null (c.config.healthcheck);
  assert_strv (c.config.healthcheck->test, (const char *const[]) { "CMD-SHELL", "true", NULL });
  cr_assert_eq (c.config.healthcheck->interval, 5000000000LL);
  cr_assert_eq (c.config.healthcheck->retries, 2);
  assert_strv (c.config.on_build, (const char *const[]) { "RUN x", NULL });
  apply_all ("FROM scratch\nHEALTHCHECK NONE\n", &c);
  assert_strv (c.config.healthcheck->test, (const char *const[]) { "NONE", NULL });
  kn_config_clear (&c);
}

static struct kn_pull_candidate *
candidates (struct kn_build_options *o, const char *ref, size_t *n)
{
  struct kn_reference r = { 0 };
  struct kn_error *err = NULL;
  cr_assert_eq (kn_reference_parse_normalized (ref, &r, &err), 0);
  struct kn_breg b = { o, NULL };
  struct kn_pull_candidate *c = kn_breg_candidates (&b, &r, n);
  kn_reference_clear (&r);
  return c;
}

Test (registry, candidates)
{
  struct kn_build_options o = { 0 };
  char *mirrors[] = { "mirror.example:5000", "m2.example/prefix", NULL };
  struct kn_build_kv maps[] = { { "ghcr.io", "local:5000/ghcr" }, { "GHCR.io", "other:1" } };
  size_t n = 0;

  struct kn_pull_candidate *c = candidates (&o, "busybox:1.36", &n);
  cr_assert_eq (n, 1);
  cr_assert_str_eq (c[0].location, "docker.io");
  cr_assert_str_eq (c[0].repository, "library/busybox");
  kn_breg_candidates_free (c, n);

  o.registry_mirrors.v = mirrors;
  o.registry_mirrors.n = 2;
  c = candidates (&o, "busybox", &n);
  cr_assert_eq (n, 3);
  cr_assert_str_eq (c[0].location, "mirror.example:5000");
  cr_assert_str_eq (c[0].repository, "library/busybox");
  cr_assert_str_eq (c[1].location, "m2.example");
  cr_assert_str_eq (c[1].repository, "prefix/library/busybox");
  cr_assert_str_eq (c[2].location, "docker.io");
  cr_assert_eq (c[2].mirror, 0);
  kn_breg_candidates_free (c, n);

  /* Mirrors are for Docker Hub only; --registry-map for any registry. */
  o.registry_maps.v = maps;
  o.registry_maps.n = 2;
  o.skip_default_registry_fallback = true;
  c = candidates (&o, "ghcr.io/org/app:v1", &n);
  cr_assert_eq (n, 2);
  cr_assert_str_eq (c[0].location, "local:5000");
  cr_assert_str_eq (c[0].repository, "ghcr/org/app");
  cr_assert_str_eq (c[1].location, "other:1");
  kn_breg_candidates_free (c, n);
  c = candidates (&o, "quay.io/x/y", &n);
  cr_assert_eq (n, 1, "the origin stays when nothing maps it");
  cr_assert_str_eq (c[0].location, "quay.io");
  kn_breg_candidates_free (c, n);
}

Test (kanikodir, layout_and_rm_rf)
{
  char tpl[] = "/tmp/kn-test-kdir.XXXXXX";
  cr_assert_not_null (mkdtemp (tpl));
  struct kn_kdir k;
  struct kn_error *err = NULL;
  kn_cleanup_free char *dir = kn_xasprintf ("%s/kaniko", tpl);
  cr_assert_eq (kn_kdir_open (&k, dir, &err), 0);
  kn_cleanup_free char *root = NULL;
  cr_assert_eq (kn_kdir_stage_root (&k, 3, &root, &err), 0);
  cr_assert (strstr (root, "/stages/3/root") != NULL);
  kn_cleanup_free char *ro = kn_xasprintf ("%s/ro/deep", root);
  cr_assert_eq (kn_kdir_mkdir_p (ro, 0755, &err), 0);
  kn_cleanup_free char *parent = kn_xasprintf ("%s/ro", root);
  chmod (ro, 0);
  chmod (parent, 0500);
  kn_cleanup_free char *run = kn_xstrdup (k.run);
  kn_kdir_close (&k, 0);
  struct stat st;
  cr_assert_neq (stat (run, &st), 0, "run directory removed");
  kn_cleanup_free char *blobs = kn_xasprintf ("%s/blobs/sha256", dir);
  cr_assert_eq (stat (blobs, &st), 0, "the store stays");
  cr_assert_eq (kn_kdir_rm_rf (tpl, &err), 0);
  cr_assert_neq (stat (tpl, &st), 0);
}
