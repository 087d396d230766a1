/* Unit tests of a stage's variable scope: ARG redeclaration of meta ARGs,
 * per-stage ARG scope, --build-arg overrides, ENV vs ARG precedence, ENV
 * multi-pair expansion, proxy and platform args, the RUN and image
 * environments and which instruction fields are expanded. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/buildenv.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/parser.h"
#include "core/dockerfile/stages.h"

static struct kn_df_instructions *list;
static struct kn_build_plan *plan;
static struct kn_buildenv *env;
static struct kn_df_instruction *last; /* expanded copy of the last instruction run */

static void
reset (void)
{
  kn_df_instruction_free (last);
  last = NULL;
  kn_buildenv_free (env);
  env = NULL;
  kn_plan_free (plan);
  plan = NULL;
  kn_df_instructions_free (list);
  list = NULL;
}

TestSuite (buildenv, .fini = reset);

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
must (int r, struct kn_error *err)
{
  cr_assert_geq (r, 0, "%s", err ? err->msg : "?");
}

static void
plan_src (const char *src, const char *const *build_args, const char *target_platform)
{
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = NULL;
  struct kn_plan_opts o = {
    .file = "Dockerfile", .build_args = build_args, .build_platform = "linux/amd64", .target_platform = target_platform
  };
  reset ();
  must (kn_df_parse ("Dockerfile", src, strlen (src), &ast, &err), err);
  o.escape = (char)ast->escape;
  must (kn_df_instructions_from_ast (ast, "Dockerfile", &list, &err), err);
  kn_df_ast_free (ast);
  must (kn_plan_new (list, &o, &plan, &err), err);
}

/* Start stage STAGE with IMAGE_ENV. */
static void
start (size_t stage, const char *const *image_env)
{
  struct kn_error *err = NULL;
  kn_buildenv_free (env);
  env = NULL;
  must (kn_buildenv_new (plan, stage, image_env, &env, &err), err);
}

/* Run instructions [0, upto) of the current stage the way the engine does:
 * expand, then apply ARG / ENV.  Returns 0 or the error message in *msg. */
static int
run_upto (size_t stage, size_t upto, char **msg)
{
  struct kn_error *err = NULL;
  *msg = NULL;
  for (size_t i = 0; i < upto && i < plan->stages[stage].n_ins; i++)
    {
      const struct kn_df_instruction *ins = plan->stages[stage].ins[i];
      kn_df_instruction_free (last);
      last = NULL;
      if (kn_buildenv_expand_instruction (env, ins, &last, &err) < 0)
        goto fail;
      if (kn_buildenv_apply (env, last, &err) < 0)
        goto fail;
    }
  return 0;
fail:
  *msg = kn_xstrdup (err->msg);
  kn_error_free (err);
  return -1;
}

static void
run_all (size_t stage)
{
  kn_cleanup_free char *m = NULL;
  cr_assert_eq (run_upto (stage, (size_t)-1, &m), 0, "%s", m);
}

static char *
expand (const char *w)
{
  struct kn_error *err = NULL;
  char *out = NULL;
  must (kn_buildenv_expand (env, w, &out, &err), err);
  return out;
}

#define EXPECT_EXPAND(w, want)                                                                                         \
  do                                                                                                                   \
    {                                                                                                                  \
      kn_cleanup_free char *x_ = expand (w);                                                                           \
      cr_expect_str_eq (x_, want, "expanding %s", w);                                                                  \
    }                                                                                                                  \
  while (0)

static bool
has (const char *const *v, const char *kv)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], kv) == 0)
      return true;
  return false;
}

static size_t
count_key (const char *const *v, const char *key)
{
  size_t n = 0, kl = strlen (key);
  for (size_t i = 0; v && v[i]; i++)
    if (strncmp (v[i], key, kl) == 0 && v[i][kl] == '=')
      n++;
  return n;
}

Test (buildenv, meta_arg_redeclared_in_stage)
{
  kn_cleanup_free char *m = NULL;
  plan_src ("ARG V=1\nARG W\nFROM alpine\nRUN a\nARG V\nARG W\nRUN b\n", NULL, NULL);
  start (0, NULL);
  cr_assert_eq (run_upto (0, 1, &m), 0, "%s", m);
  EXPECT_EXPAND ("[$V]", "[]");
  run_all (0);
  EXPECT_EXPAND ("[$V]", "[1]");
  /* W has no value anywhere: declared, unset */
  EXPECT_EXPAND ("[${W-unset}]", "[unset]");
  cr_expect_null (kn_buildenv_get (env, "W"));
  cr_expect (has (kn_buildenv_run_env (env), "V=1"));
  cr_expect_eq (count_key (kn_buildenv_run_env (env), "W"), 0);

  /* --build-arg wins over the meta default, and the stage default */
  plan_src ("ARG V=1\nFROM alpine\nARG V\nARG D=dflt\n", ARGS ("V=9", "D=given"), NULL);
  start (0, NULL);
  run_all (0);
  EXPECT_EXPAND ("$V $D", "9 given");
}

Test (buildenv, arg_scope_per_stage)
{
  plan_src ("FROM alpine AS one\nARG X=1\nENV E=e1\nFROM alpine AS two\nRUN true\n", ARGS ("X=over"), NULL);
  start (0, NULL);
  run_all (0);
  EXPECT_EXPAND ("$X", "over");
  start (1, NULL);
  run_all (1);
  EXPECT_EXPAND ("[$X][$E]", "[][]");

  /* a default referencing ENV and an earlier ARG; an unset ARG expands empty */
  plan_src ("FROM alpine\nENV A=x\nARG B=$A-y\nARG C=${B}z\nARG U\nWORKDIR /w/$U/$C\n", NULL, NULL);
  start (0, NULL);
  run_all (0);
  EXPECT_EXPAND ("$B", "x-y");
  {
    const char *const *a = kn_buildenv_args (env);
    cr_assert_not_null (a[0]);
    cr_expect_str_eq (a[0], "B=x-y");
    cr_expect_str_eq (a[1], "C=x-yz");
    cr_expect_null (a[2]);
  }
  cr_expect_str_eq (last->value, "/w//x-yz");

  /* a stage built on another stage inherits its ARGs (BuildKit) when the engine asks */
  {
    struct kn_buildenv *parent;
    plan_src ("FROM alpine AS base\nARG NAME=joe\nFROM base\nRUN echo $NAME\n", NULL, NULL);
    start (0, NULL);
    run_all (0);
    parent = env;
    env = NULL;
    start (1, NULL);
    kn_buildenv_inherit (env, parent);
    kn_buildenv_free (parent);
    EXPECT_EXPAND ("$NAME", "joe");
  }
}

Test (buildenv, env_overrides_arg)
{
  plan_src ("FROM alpine\nARG X=arg\nENV X=env\nARG X=arg2\nARG Y=y\n", ARGS ("Y=given"), NULL);
  start (0, ARGS ("PATH=/bin", "BASE=b"));
  run_all (0);
  EXPECT_EXPAND ("$X $Y $BASE", "env given b");
  cr_expect_str_eq (kn_buildenv_get (env, "X"), "env");
  {
    const char *const *run = kn_buildenv_run_env (env);
    cr_expect (has (run, "X=env"));
    cr_expect_eq (count_key (run, "X"), 1);
    cr_expect (has (run, "Y=given"));
    cr_expect (has (run, "PATH=/bin"));
  }
  {
    const char *const *img = kn_buildenv_image_env (env);
    cr_expect (has (img, "X=env"));
    cr_expect (has (img, "BASE=b"));
    cr_expect_eq (count_key (img, "Y"), 0);
  }
}

Test (buildenv, env_multi_pair_uses_env_before_instruction)
{
  plan_src ("FROM alpine\nENV A=1 B=$A C=${B:-none}\nENV D=$A$B\n", NULL, NULL);
  start (0, ARGS ("A=0"));
  run_all (0);
  EXPECT_EXPAND ("$A $B $C $D", "1 0 none 10");
  /* keys are expanded too */
  plan_src ("FROM alpine\nARG K=name\nENV $K=v\nLABEL ${K}x=\"a $K\"\n", NULL, NULL);
  start (0, NULL);
  run_all (0);
  EXPECT_EXPAND ("$name", "v");
  cr_assert_eq (last->n_kvs, 1);
  cr_expect_str_eq (last->kvs[0].key, "namex");
  cr_expect_str_eq (last->kvs[0].value, "a name");
}

Test (buildenv, image_env_and_path)
{
  plan_src ("FROM alpine\nENV A=1\n", NULL, NULL);
  start (0, NULL);
  run_all (0);
  {
    const char *const *img = kn_buildenv_image_env (env);
    cr_expect (has (img, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    cr_expect (has (img, "A=1"));
  }
  start (0, ARGS ("PATH=/x", "A=0", "A=dup"));
  {
    const char *const *img = kn_buildenv_image_env (env);
    cr_expect (has (img, "PATH=/x"));
    cr_expect (has (img, "A=dup"));
    cr_expect_eq (count_key (img, "A"), 1);
  }
}

Test (buildenv, proxy_args)
{
  plan_src ("FROM alpine\nRUN true\n", ARGS ("HTTP_PROXY=http://p:3128", "no_proxy=localhost"), NULL);
  start (0, NULL);
  run_all (0);
  cr_expect_null (plan->warnings[0]);
  cr_expect (has (kn_buildenv_run_env (env), "HTTP_PROXY=http://p:3128"));
  cr_expect (has (kn_buildenv_run_env (env), "no_proxy=localhost"));
  cr_expect_eq (count_key (kn_buildenv_image_env (env), "HTTP_PROXY"), 0);
  /* not declared: not available for expansion */
  EXPECT_EXPAND ("[$HTTP_PROXY]", "[]");

  plan_src ("FROM alpine\nARG HTTP_PROXY\n", ARGS ("HTTP_PROXY=http://p:3128"), NULL);
  start (0, NULL);
  run_all (0);
  EXPECT_EXPAND ("$HTTP_PROXY", "http://p:3128");
  cr_expect_eq (count_key (kn_buildenv_run_env (env), "HTTP_PROXY"), 1);
  cr_expect_eq (count_key (kn_buildenv_image_env (env), "HTTP_PROXY"), 0);

  /* an ENV of the same name wins */
  plan_src ("FROM alpine\nENV HTTP_PROXY=env\n", ARGS ("HTTP_PROXY=arg"), NULL);
  start (0, NULL);
  run_all (0);
  cr_expect (has (kn_buildenv_run_env (env), "HTTP_PROXY=env"));
  cr_expect_eq (count_key (kn_buildenv_run_env (env), "HTTP_PROXY"), 1);
}

Test (buildenv, platform_args_need_declaration)
{
  kn_cleanup_free char *m = NULL;
  plan_src ("FROM alpine\nRUN a\nARG TARGETARCH\nARG TARGETPLATFORM BUILDOS\n", NULL, "linux/arm64");
  start (0, NULL);
  cr_assert_eq (run_upto (0, 1, &m), 0, "%s", m);
  EXPECT_EXPAND ("[$TARGETARCH]", "[]");
  run_all (0);
  EXPECT_EXPAND ("$TARGETARCH $TARGETPLATFORM $BUILDOS", "arm64 linux/arm64 linux");
  cr_expect (has (kn_buildenv_run_env (env), "TARGETARCH=arm64"));
  cr_expect_eq (count_key (kn_buildenv_image_env (env), "TARGETARCH"), 0);
}

Test (buildenv, expanded_fields)
{
  const char *src = "FROM alpine\n"
                    "ARG U=app G=staff M=0755 D=/dst S=src P=\"80 443/udp\" V=/data SIG=SIGTERM W=/work C=sha256:abc\n"
                    "COPY --chown=$U:$G --chmod=$M ${S}/a '$S' $D/\n"                    /* 1 */
                    "ADD --checksum=$C --chown=$U http://x/$S.tgz $D\n"                  /* 2 */
                    "EXPOSE $P 8080\n"                                                   /* 3 */
                    "VOLUME $V /v2\n"                                                    /* 4 */
                    "USER $U:$G\n"                                                       /* 5 */
                    "WORKDIR $W\n"                                                       /* 6 */
                    "STOPSIGNAL $SIG\n"                                                  /* 7 */
                    "RUN --mount=type=cache,target=$W/cache,id=$U echo $U\n"             /* 8 */
                    "CMD echo $U\n"                                                      /* 9 */
                    "ENTRYPOINT [\"echo\", \"$U\"]\n"                                    /* 10 */
                    "HEALTHCHECK CMD check $U\n"                                         /* 11 */
                    "ONBUILD RUN echo $U\n"                                              /* 12 */
                    "SHELL [\"/bin/sh\", \"-c\", \"$U\"]\n"                              /* 13 */
                    "MAINTAINER $U\n"                                                    /* 14 */
                    "COPY <<EOF <<'RAW' /$S/\nhello $U '$U' \"$G\"\nEOF\nraw $U\nRAW\n"; /* 15 */
  kn_cleanup_free char *m = NULL;
  plan_src (src, NULL, NULL);
  start (0, NULL);
#define AT(n)                                                                                                          \
  cr_assert_eq (run_upto (0, (n) + 1, &m), 0, "%s", m);                                                                \
  cr_assert_eq (last->start_line, (int)(n) + 2)
  AT (1);
  cr_expect_str_eq (last->copy.chown, "app:staff");
  cr_expect_str_eq (last->copy.chmod, "0755");
  cr_assert_eq (last->copy.n_sources, 2);
  cr_expect_str_eq (last->copy.sources[0], "src/a");
  cr_expect_str_eq (last->copy.sources[1], "$S");
  cr_expect_str_eq (last->copy.dest, "/dst/");
  AT (2);
  cr_expect_str_eq (last->copy.checksum, "sha256:abc");
  cr_expect_str_eq (last->copy.sources[0], "http://x/src.tgz");
  cr_expect_str_eq (last->copy.chown, "app");
  AT (3);
  cr_assert_eq (last->n_list, 3);
  cr_expect_str_eq (last->list[0], "80");
  cr_expect_str_eq (last->list[1], "443/udp");
  cr_expect_str_eq (last->list[2], "8080");
  AT (4);
  cr_assert_eq (last->n_list, 2);
  cr_expect_str_eq (last->list[0], "/data");
  cr_expect_str_eq (last->list[1], "/v2");
  AT (5);
  cr_expect_str_eq (last->value, "app:staff");
  AT (6);
  cr_expect_str_eq (last->value, "/work");
  AT (7);
  cr_expect_str_eq (last->value, "SIGTERM");
  AT (8);
  cr_assert_eq (last->n_mounts, 1);
  cr_expect_str_eq (last->mounts[0].target, "/work/cache");
  cr_expect_str_eq (last->mounts[0].id, "app");
  cr_expect_eq (last->mounts[0].type, KN_DF_MOUNT_CACHE);
  cr_expect_not (last->mounts[0].deferred);
  cr_expect_str_eq (last->cmd.argv[0], "echo $U");
  AT (9);
  cr_expect_str_eq (last->cmd.argv[0], "echo $U");
  AT (10);
  cr_expect_str_eq (last->cmd.argv[1], "$U");
  AT (11);
  cr_expect_str_eq (last->health.test[1], "check $U");
  AT (12);
  cr_expect_str_eq (last->expression, "RUN echo $U");
  AT (13);
  cr_expect_str_eq (last->cmd.argv[2], "$U");
  AT (14);
  cr_expect_str_eq (last->value, "$U");
  AT (15);
  cr_assert_eq (last->copy.n_contents, 2);
  /* BuildKit's ExpandRaw: quotes are plain characters, variables inside them expand */
  cr_expect_str_eq (last->copy.contents[0].data, "hello app 'app' \"staff\"\n");
  cr_expect_str_eq (last->copy.contents[1].data, "raw $U\n");
  cr_expect_str_eq (last->copy.dest, "/src/");
#undef AT
}

Test (buildenv, expansion_errors_name_the_line)
{
  kn_cleanup_free char *m = NULL;
  plan_src ("FROM alpine\nARG E=\nVOLUME $E\n", NULL, NULL);
  start (0, NULL);
  cr_expect_lt (run_upto (0, 2, &m), 0);
  cr_expect_str_eq (m, "Dockerfile:3: VOLUME specified can not be an empty string");
  free (m);
  plan_src ("FROM alpine\nARG A=${B\n", NULL, NULL);
  start (0, NULL);
  cr_expect_lt (run_upto (0, 1, &m), 0);
  cr_expect_str_eq (m, "Dockerfile:2: ARG A: failed to process \"${B\": syntax error: missing '}'");
  free (m);
  plan_src ("FROM alpine\nWORKDIR ${X:?need X}\n", NULL, NULL);
  start (0, NULL);
  cr_expect_lt (run_upto (0, 1, &m), 0);
  cr_expect (m && strncmp (m, "Dockerfile:2: ", 14) == 0, "%s", m);
  free (m);
  plan_src ("FROM alpine\nARG T=nfs\nRUN --mount=type=$T,target=/x true\n", NULL, NULL);
  start (0, NULL);
  cr_expect_lt (run_upto (0, 2, &m), 0);
  cr_expect_str_eq (m, "Dockerfile:3: unsupported mount type \"nfs\"");
}

Test (buildenv, escape_token)
{
  plan_src ("# escape=`\nFROM alpine\nARG D=C:\\dir\nWORKDIR $D`$x\n", NULL, NULL);
  start (0, NULL);
  run_all (0);
  cr_expect_str_eq (last->value, "C:\\dir$x");
}
