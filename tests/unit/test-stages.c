/* Unit tests of the build plan: meta ARGs in FROM, platform args, stage
 * names/indexes/dependencies, forward and self references, --target,
 * --skip-unused-stages, duplicate names, unused --build-arg warnings. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/instructions.h"
#include "core/dockerfile/parser.h"
#include "core/dockerfile/stages.h"

static struct kn_df_instructions *list;
static struct kn_build_plan *plan;

static void
reset (void)
{
  kn_plan_free (plan);
  plan = NULL;
  kn_df_instructions_free (list);
  list = NULL;
}

TestSuite (stages, .fini = reset);

/* Parse SRC and plan it with O (file "Dockerfile").  Returns the plan, or
 * NULL with *msg set to the error message. */
static struct kn_build_plan *
plan_of (const char *src, struct kn_plan_opts o, char **msg)
{
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = NULL;
  reset ();
  *msg = NULL;
  if (o.file == NULL)
    o.file = "Dockerfile";
  if (o.build_platform == NULL)
    o.build_platform = "linux/amd64";
  if (kn_df_parse ("Dockerfile", src, strlen (src), &ast, &err) < 0
      || kn_df_instructions_from_ast (ast, "Dockerfile", &list, &err) < 0 || kn_plan_new (list, &o, &plan, &err) < 0)
    {
      *msg = kn_xstrdup (err->msg);
      kn_error_free (err);
      kn_df_ast_free (ast);
      return NULL;
    }
  kn_df_ast_free (ast);
  return plan;
}

#define OPTS(...) ((struct kn_plan_opts){ __VA_ARGS__ })
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define EXPECT_ERROR(src, opts, want)                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      kn_cleanup_free char *m_ = NULL;                                                                                 \
      struct kn_build_plan *p_ = plan_of (src, opts, &m_);                                                             \
      cr_expect_null (p_, "%s should fail", src);                                                                      \
      cr_expect_str_eq (m_ ? m_ : "(none)", want, "source %s", src);                                                   \
    }                                                                                                                  \
  while (0)

Test (stages, meta_arg_in_from)
{
  const char *src = "ARG IMG=busybox\nARG TAG=1.36\nFROM ${IMG}:${TAG} AS base\nRUN true\n";
  kn_cleanup_free char *m = NULL;
  struct kn_build_plan *p = plan_of (src, OPTS (0), &m);
  cr_assert_not_null (p, "%s", m);
  cr_assert_eq (p->n, 1);
  cr_expect_str_eq (p->stages[0].base, "busybox:1.36");
  cr_expect_str_eq (p->stages[0].name, "base");
  cr_expect_eq (p->stages[0].base_stage, -1);
  cr_expect_not (p->stages[0].scratch);
  cr_expect_eq (p->stages[0].n_ins, 1);
  cr_expect_str_eq (kn_plan_meta_arg (p, "IMG"), "busybox");

  p = plan_of (src, OPTS (.build_args = ARGS ("TAG=1.37", "IMG=alpine")), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "alpine:1.37");
  cr_expect_null (p->warnings[0]);

  /* a meta default referencing an earlier meta ARG, overridden by --build-arg */
  p = plan_of ("ARG V=3\nARG IMG=alpine:$V\nFROM $IMG\n", OPTS (.build_args = ARGS ("V=4")), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "alpine:4");

  /* an ARG without default and without --build-arg is unset */
  EXPECT_ERROR ("ARG IMG\nFROM ${IMG}\n", OPTS (0), "Dockerfile:2: base name (${IMG}) should not be blank");
  p = plan_of ("ARG IMG\nFROM ${IMG:-scratch}\n", OPTS (0), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect (p->stages[0].scratch);
  p = plan_of ("ARG IMG\nFROM ${IMG}\n", OPTS (.build_args = ARGS ("IMG=debian")), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "debian");

  /* "K" takes the value from the environment */
  setenv ("KN_TEST_STAGES_IMG", "ubuntu:24.04", 1);
  p = plan_of ("ARG KN_TEST_STAGES_IMG\nFROM $KN_TEST_STAGES_IMG\n", OPTS (.build_args = ARGS ("KN_TEST_STAGES_IMG")),
               &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "ubuntu:24.04");
  unsetenv ("KN_TEST_STAGES_IMG");

  /* ARGs after the first FROM are not meta ARGs */
  EXPECT_ERROR ("FROM busybox\nARG IMG=alpine\nFROM $IMG\n", OPTS (0),
                "Dockerfile:3: base name ($IMG) should not be blank");
  EXPECT_ERROR ("ARG A=${B\nFROM x\n", OPTS (0), "Dockerfile:1: failed to process \"${B\": syntax error: missing '}'");
  EXPECT_ERROR ("RUN true\nFROM x\n", OPTS (0), "Dockerfile:1: no build stage in current context");
  EXPECT_ERROR ("ARG A=1\n", OPTS (0), "Dockerfile: dockerfile contains no stages to build");
}

Test (stages, platform_args)
{
  kn_cleanup_free char *m = NULL;
  struct kn_build_plan *p
      = plan_of ("FROM --platform=$BUILDPLATFORM golang AS b\nFROM alpine:${TARGETARCH}${TARGETVARIANT}\n",
                 OPTS (.target_platform = "linux/arm/v7"), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].platform, "linux/amd64");
  cr_expect_str_eq (p->stages[1].base, "alpine:armv7");
  cr_expect_null (p->stages[1].platform);
  cr_expect_str_eq (kn_plan_meta_arg (p, "TARGETPLATFORM"), "linux/arm/v7");
  cr_expect_str_eq (kn_plan_meta_arg (p, "TARGETOS"), "linux");
  cr_expect_str_eq (kn_plan_meta_arg (p, "BUILDARCH"), "amd64");
  cr_expect_str_eq (kn_plan_meta_arg (p, "BUILDVARIANT"), "");
  cr_expect_str_eq (kn_plan_meta_arg (p, "BUILDOS"), "linux");

  /* the target platform defaults to the build platform; arm64 has no v8 variant */
  p = plan_of ("FROM x-$TARGETPLATFORM\n", OPTS (.build_platform = "linux/arm64"), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "x-linux/arm64");

  /* a meta ARG may use platform args */
  p = plan_of ("ARG IMG=img-${TARGETARCH}\nFROM $IMG\n", OPTS (.target_platform = "linux/s390x"), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "img-s390x");

  EXPECT_ERROR ("ARG P\nFROM --platform=$P busybox\n", OPTS (0),
                "Dockerfile:2: empty platform value from expression $P");
  EXPECT_ERROR ("ARG P=a/b/c/d\nFROM --platform=$P busybox\n", OPTS (0),
                "Dockerfile:2: failed to parse platform $P: invalid platform \"a/b/c/d\": want os/arch[/variant]");
}

Test (stages, names_indexes_and_deps)
{
  const char *src = "FROM golang:1.22 AS Build\n" /* 0 */
                    "RUN go build\n"
                    "FROM scratch AS assets\n"                 /* 1 */
                    "COPY --from=busybox:latest /bin/sh /sh\n" /* image reference */
                    "FROM build AS test\n"                     /* 2: base stage 0 */
                    "RUN --mount=type=bind,from=ASSETS,target=/a go test\n"
                    "FROM alpine\n" /* 3 */
                    "COPY --from=0 /out /out\n"
                    "COPY --from=test /r /r\n";
  kn_cleanup_free char *m = NULL;
  struct kn_build_plan *p = plan_of (src, OPTS (0), &m);
  int st = 99;
  cr_assert_not_null (p, "%s", m);
  cr_assert_eq (p->n, 4);
  cr_expect_eq (p->target, 3);
  cr_expect_str_eq (p->stages[0].name, "build");
  cr_expect_null (p->stages[3].name);
  cr_expect (p->stages[1].scratch);
  cr_expect_eq (p->stages[1].n_deps, 0);
  cr_expect_eq (p->stages[2].base_stage, 0);
  cr_expect_str_eq (p->stages[2].base, "build");
  cr_assert_eq (p->stages[2].n_deps, 2);
  cr_expect_eq (p->stages[2].deps[0], 0);
  cr_expect_eq (p->stages[2].deps[1], 1);
  cr_assert_eq (p->stages[3].n_deps, 2);
  cr_expect_eq (p->stages[3].deps[0], 0);
  cr_expect_eq (p->stages[3].deps[1], 2);
  for (size_t i = 0; i < 4; i++)
    cr_expect (p->stages[i].needed, "stage %zu", i);

  cr_expect_eq (kn_plan_stage_ref (p, 3, "BUILD", &st, NULL), 0);
  cr_expect_eq (st, 0);
  cr_expect_eq (kn_plan_stage_ref (p, 3, "2", &st, NULL), 0);
  cr_expect_eq (st, 2);
  cr_expect_eq (kn_plan_stage_ref (p, 3, "busybox", &st, NULL), 0);
  cr_expect_eq (st, -1);
  cr_expect_lt (kn_plan_stage_ref (p, 1, "test", &st, NULL), 0);
  cr_expect_lt (kn_plan_stage_ref (p, 3, "7", &st, NULL), 0);

  /* a stage name that is also a valid image reference still means the stage */
  p = plan_of ("FROM debian AS alpine\nFROM alpine\nCOPY --from=alpine /a /a\n", OPTS (0), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_eq (p->stages[1].base_stage, 0);
  cr_expect_eq (p->stages[1].n_deps, 1);
  /* FROM x AS x is the image x (kaniko and BuildKit only look at earlier stages) */
  p = plan_of ("FROM alpine AS alpine\nRUN true\n", OPTS (0), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_eq (p->stages[0].base_stage, -1);
  /* the base name comes from a meta ARG */
  p = plan_of ("ARG B=build\nFROM alpine AS build\nFROM $B\n", OPTS (0), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_eq (p->stages[1].base_stage, 0);
}

Test (stages, forward_and_self_references)
{
  EXPECT_ERROR ("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", OPTS (0),
                "Dockerfile:2: COPY --from=b: stage \"b\" is defined after the current stage, it needs to be "
                "defined before");
  EXPECT_ERROR ("FROM alpine\nFROM alpine\nCOPY --from=2 /x /x\nFROM alpine\n", OPTS (0),
                "Dockerfile:3: COPY --from=2: stage 2 is defined after the current stage 1, it needs to be defined "
                "before");
  EXPECT_ERROR ("FROM alpine\nCOPY --from=0 /x /x\n", OPTS (0),
                "Dockerfile:2: COPY --from=0: stage 0 refers to the current stage");
  EXPECT_ERROR ("FROM alpine AS me\n\nCOPY --from=ME /x /x\n", OPTS (0),
                "Dockerfile:3: COPY --from=ME: stage \"me\" refers to the current stage");
  EXPECT_ERROR ("FROM alpine\nCOPY --from=5 /x /x\n", OPTS (0), "Dockerfile:2: COPY --from=5: invalid stage index 5");
  EXPECT_ERROR ("FROM alpine\nCOPY --from=-1 /x /x\n", OPTS (0),
                "Dockerfile:2: COPY --from=-1: invalid stage index -1");
  EXPECT_ERROR ("FROM alpine AS a\nRUN --mount=from=b,target=/b true\nFROM alpine AS b\n", OPTS (0),
                "Dockerfile:2: RUN --mount from=b: stage \"b\" is defined after the current stage, it needs to be "
                "defined before");
  EXPECT_ERROR ("FROM later\nFROM alpine AS later\n", OPTS (0),
                "Dockerfile:1: FROM later: stage \"later\" is defined after the current stage, it needs to be "
                "defined before");
  EXPECT_ERROR ("ARG S=x\nFROM alpine\nCOPY --from=$S /x /x\n", OPTS (0),
                "Dockerfile:3: COPY --from=$S: variable expansion is not supported for --from, define a new stage "
                "with FROM using ARG from global scope as a workaround");
}

Test (stages, duplicate_names)
{
  EXPECT_ERROR ("FROM alpine AS build\nRUN a\nFROM debian AS BUILD\n", OPTS (0),
                "Dockerfile:3: duplicate stage name \"build\", stage names should be unique (first defined at line "
                "1)");
}

Test (stages, target_and_skip_unused)
{
  const char *src = "FROM alpine AS a\n" /* 0 */
                    "FROM alpine AS b\n" /* 1 */
                    "FROM a AS c\n"      /* 2 */
                    "COPY --from=b /x /x\n"
                    "FROM alpine AS d\n"  /* 3 */
                    "FROM c AS e\n"       /* 4 */
                    "FROM alpine AS f\n"; /* 5 */
  kn_cleanup_free char *m = NULL;
  struct kn_build_plan *p = plan_of (src, OPTS (.target = "E"), &m);
  bool all[] = { true, true, true, true, true, false };
  bool skip[] = { true, true, true, false, true, false };
  cr_assert_not_null (p, "%s", m);
  cr_expect_eq (p->target, 4);
  for (size_t i = 0; i < 6; i++)
    cr_expect_eq (p->stages[i].needed, all[i], "stage %zu", i);
  p = plan_of (src, OPTS (.target = "e", .skip_unused = true), &m);
  cr_assert_not_null (p, "%s", m);
  for (size_t i = 0; i < 6; i++)
    cr_expect_eq (p->stages[i].needed, skip[i], "stage %zu", i);
  p = plan_of (src, OPTS (.skip_unused = true), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_eq (p->target, 5);
  for (size_t i = 0; i < 5; i++)
    cr_expect_not (p->stages[i].needed, "stage %zu", i);
  cr_expect (p->stages[5].needed);

  EXPECT_ERROR (src, OPTS (.target = "x"),
                "Dockerfile: target stage \"x\" could not be found (stages: \"a\", \"b\", \"c\", \"d\", \"e\", \"f\")");
}

Test (stages, unused_build_args)
{
  kn_cleanup_free char *m = NULL;
  struct kn_build_plan *p = plan_of (
      "ARG USED\nFROM alpine\nARG INSTAGE\n",
      OPTS (.build_args = ARGS ("ZED=1", "USED=1", "INSTAGE=2", "HTTP_PROXY=http://p", "ALPHA=3", "TARGETARCH=arm64")),
      &m);
  cr_assert_not_null (p, "%s", m);
  cr_assert_not_null (p->warnings[0]);
  cr_expect_str_eq (p->warnings[0], "[Warning] One or more build-args [ALPHA ZED] were not consumed");
  cr_expect_null (p->warnings[1]);
  cr_expect_str_eq (kn_plan_build_arg (p, "HTTP_PROXY"), "http://p");
  cr_expect_null (kn_plan_build_arg (p, "NOPE"));
  /* a platform arg given with --build-arg replaces the automatic value */
  cr_expect_str_eq (kn_plan_meta_arg (p, "TARGETARCH"), "arm64");

  /* the last --build-arg of a name wins */
  p = plan_of ("ARG A\nFROM x$A\n", OPTS (.build_args = ARGS ("A=1", "A=2")), &m);
  cr_assert_not_null (p, "%s", m);
  cr_expect_str_eq (p->stages[0].base, "x2");
  cr_expect_null (p->warnings[0]);
}
