/* Unit tests of typed instructions: per-instruction flags, argument rules,
 * RUN mounts, heredoc sources, HEALTHCHECK durations and the located error
 * messages. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/instructions.h"
#include "core/dockerfile/parser.h"

static struct kn_df_ast *last_ast;

/* The first instruction of SRC, or NULL with *msg set to the error. */
static struct kn_df_instruction *
ins_of (const char *src, char **msg)
{
  struct kn_error *err = NULL;
  struct kn_df_instruction *ins = NULL;
  *msg = NULL;
  kn_df_ast_free (last_ast);
  last_ast = NULL;
  if (kn_df_parse ("Dockerfile", src, strlen (src), &last_ast, &err) < 0
      || kn_df_instruction_from_node (last_ast->root->children[last_ast->root->n_children - 1], "Dockerfile", &ins,
                                      &err)
             < 0)
    {
      *msg = kn_xstrdup (err->msg);
      kn_error_free (err);
      return NULL;
    }
  return ins;
}

static void
fini (void)
{
  kn_df_ast_free (last_ast);
  last_ast = NULL;
}

TestSuite (dockerfile_instructions, .fini = fini);

#define EXPECT_ERROR(src, want)                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      kn_cleanup_free char *m_ = NULL;                                                                                 \
      struct kn_df_instruction *i_ = ins_of (src, &m_);                                                                \
      cr_expect_null (i_, "%s should fail", src);                                                                      \
      cr_expect_str_eq (m_ ? m_ : "(none)", want, "source %s", src);                                                   \
      kn_df_instruction_free (i_);                                                                                     \
    }                                                                                                                  \
  while (0)

Test (dockerfile_instructions, from)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("FROM --platform=linux/arm64 golang:1.22 AS Build\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->kind, KN_DF_FROM);
  cr_expect_str_eq (i->base, "golang:1.22");
  cr_expect_str_eq (i->stage_name, "build");
  cr_expect_str_eq (i->platform, "linux/arm64");
  kn_df_instruction_free (i);
  EXPECT_ERROR (
      "FROM a AS 1x\n",
      "Dockerfile:1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols");
  EXPECT_ERROR ("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_ERROR ("FROM --plat=x a\n", "Dockerfile:1: unknown flag: --plat");
}

Test (dockerfile_instructions, run_flags_and_mounts)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i
      = ins_of ("RUN --mount=type=cache,target=/root/.cache,sharing=locked,id=go --mount=type=secret,id=tok,required "
                "--mount=type=bind,from=build,source=/out,target=/in,rw --network=none --security=insecure make\n",
                &m);
  cr_assert_not_null (i, "%s", m);
  cr_assert_eq (i->n_mounts, 3);
  cr_expect_eq (i->mounts[0].type, KN_DF_MOUNT_CACHE);
  cr_expect_str_eq (i->mounts[0].target, "/root/.cache");
  cr_expect_str_eq (i->mounts[0].sharing, "locked");
  cr_expect_not (i->mounts[0].readonly);
  cr_expect_eq (i->mounts[1].type, KN_DF_MOUNT_SECRET);
  cr_expect (i->mounts[1].required);
  cr_expect (i->mounts[1].readonly);
  cr_expect_str_eq (i->mounts[2].from, "build");
  cr_expect_not (i->mounts[2].readonly);
  cr_expect_str_eq (i->network, "none");
  cr_expect_str_eq (i->security, "insecure");
  cr_expect_str_eq (i->cmd.argv[0], "make");
  cr_expect (i->cmd.prepend_shell);
  kn_df_instruction_free (i);

  i = ins_of ("RUN --mount=target=$HOME/x,type=cache echo\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect (i->mounts[0].deferred);
  kn_df_instruction_free (i);

  EXPECT_ERROR ("RUN --mount=type=nfs,target=/x true\n", "Dockerfile:1: unsupported mount type \"nfs\"");
  EXPECT_ERROR ("RUN --mount=type=bind,foo=bar true\n", "Dockerfile:1: unexpected key 'foo' in 'foo=bar'");
  EXPECT_ERROR ("RUN --mount=type=bind,mode=0700,target=/x true\n",
                "Dockerfile:1: mode not allowed for \"bind\" type mounts");
  EXPECT_ERROR ("RUN --mount=type=secret,from=x,id=a true\n", "Dockerfile:1: secret mount should not have a from");
  EXPECT_ERROR ("RUN --mount=from=$STAGE,target=/x true\n",
                "Dockerfile:1: 'from' doesn't support variable expansion, define alias stage instead");
  EXPECT_ERROR ("RUN --network=bridge true\n", "Dockerfile:1: invalid network mode \"bridge\"");
  EXPECT_ERROR ("RUN --security=x true\n", "Dockerfile:1: security \"x\" is not valid");
  EXPECT_ERROR ("RUN --network true\n", "Dockerfile:1: missing a value on flag: --network");
  EXPECT_ERROR ("RUN --network=host --network=none true\n", "Dockerfile:1: duplicate flag specified: --network");
}

Test (dockerfile_instructions, run_heredoc_files)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("RUN <<-EOF sh\n\techo hi\nEOF\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_assert_eq (i->cmd.n_files, 1);
  cr_expect_str_eq (i->cmd.files[0].name, "EOF");
  cr_expect (i->cmd.files[0].chomp);
  cr_expect_str_eq (i->cmd.files[0].content, "\techo hi\n");
  cr_expect_str_eq (i->cmd.argv[0], "<<-EOF sh");
  kn_df_instruction_free (i);
}

Test (dockerfile_instructions, copy_add)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("COPY --from=build --chown=1:2 --chmod=644 --link --parents "
                                        "--exclude=*.md --exclude=x a b /dst/\n",
                                        &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->copy.from, "build");
  cr_expect_str_eq (i->copy.chown, "1:2");
  cr_expect_str_eq (i->copy.chmod, "644");
  cr_expect (i->copy.link);
  cr_expect (i->copy.parents);
  cr_assert_eq (i->copy.n_excludes, 2);
  cr_expect_str_eq (i->copy.excludes[1], "x");
  cr_assert_eq (i->copy.n_sources, 2);
  cr_expect_str_eq (i->copy.dest, "/dst/");
  kn_df_instruction_free (i);

  i = ins_of ("ADD --checksum=sha256:abc --keep-git-dir=true --link=false --unpack=false https://x/y.tar /\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->copy.checksum, "sha256:abc");
  cr_expect (i->copy.keep_git_dir);
  cr_expect_not (i->copy.link);
  cr_expect_eq (i->copy.unpack, 0);
  cr_expect_null (i->copy.from);
  kn_df_instruction_free (i);

  i = ins_of ("COPY <<-EOF <<'RAW' src /dst\n\tchomped $X\nEOF\n$Y\nRAW\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_assert_eq (i->copy.n_contents, 2);
  cr_expect_str_eq (i->copy.contents[0].path, "EOF");
  cr_expect_str_eq (i->copy.contents[0].data, "chomped $X\n");
  cr_expect (i->copy.contents[0].expand);
  cr_expect_str_eq (i->copy.contents[1].data, "$Y\n");
  cr_expect_not (i->copy.contents[1].expand);
  cr_assert_eq (i->copy.n_sources, 1);
  cr_expect_str_eq (i->copy.sources[0], "src");
  kn_df_instruction_free (i);

  EXPECT_ERROR ("COPY --from=a --from=b x y\n", "Dockerfile:1: duplicate flag specified: --from");
  EXPECT_ERROR ("COPY --link=maybe x y\n", "Dockerfile:1: expecting boolean value for flag --link, not: maybe");
  EXPECT_ERROR ("COPY --checksum=x a b\n", "Dockerfile:1: unknown flag: --checksum");
  EXPECT_ERROR ("ADD --from=x a b\n", "Dockerfile:1: unknown flag: --from");
  EXPECT_ERROR ("COPY a <<EOF\nx\nEOF\n", "Dockerfile:1: COPY cannot accept a heredoc as a destination");
  EXPECT_ERROR ("ADD x\n", "Dockerfile:1: ADD requires at least two arguments, but only one was provided. "
                           "Destination could not be determined");
}

Test (dockerfile_instructions, env_label_arg)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("ENV A=1 B=\"two words\"\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_assert_eq (i->n_kvs, 2);
  cr_expect_str_eq (i->kvs[1].key, "B");
  cr_expect_str_eq (i->kvs[1].value, "\"two words\"");
  cr_expect_not (i->kvs[1].no_delim);
  kn_df_instruction_free (i);

  i = ins_of ("LABEL version 1.0 beta\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->kvs[0].value, "1.0 beta");
  cr_expect (i->kvs[0].no_delim);
  kn_df_instruction_free (i);

  i = ins_of ("ARG A B=2 C=\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_assert_eq (i->n_args, 3);
  cr_expect_null (i->args[0].value);
  cr_expect_str_eq (i->args[1].value, "2");
  cr_expect_str_eq (i->args[2].value, "");
  kn_df_instruction_free (i);

  EXPECT_ERROR ("ARG =x\n", "Dockerfile:1: ARG names can not be blank");
  EXPECT_ERROR ("ENV =x\n", "Dockerfile:1: ENV names can not be blank");
  EXPECT_ERROR ("ENV --x=1 A=b\n", "Dockerfile:1: unknown flag: --x");
  EXPECT_ERROR ("FROM a\nfoo bar\n", "Dockerfile:2: unknown instruction: foo (did you mean from?)");
  EXPECT_ERROR ("RUNN x\n", "Dockerfile:1: unknown instruction: RUNN (did you mean RUN?)");
  EXPECT_ERROR ("workdri /x\n", "Dockerfile:1: unknown instruction: workdri (did you mean workdir?)");
  EXPECT_ERROR ("COPY --form=a x y\n", "Dockerfile:1: unknown flag: --form (did you mean --from?)");
}

Test (dockerfile_instructions, cmd_entrypoint_shell)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("CMD [\"a\", \"b\"]\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->cmd.argc, 2);
  cr_expect_not (i->cmd.prepend_shell);
  kn_df_instruction_free (i);
  i = ins_of ("ENTRYPOINT exec top -b\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->cmd.argc, 1);
  cr_expect_str_eq (i->cmd.argv[0], "exec top -b");
  kn_df_instruction_free (i);
  i = ins_of ("SHELL [\"powershell\", \"-command\"]\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->cmd.argc, 2);
  kn_df_instruction_free (i);
  EXPECT_ERROR ("SHELL powershell -command\n", "Dockerfile:1: SHELL requires the arguments to be in JSON form");
  EXPECT_ERROR ("SHELL []\n", "Dockerfile:1: SHELL requires at least one argument");
}

Test (dockerfile_instructions, healthcheck)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=0s "
                                        "--start-interval=250ms --retries=3 CMD [\"curl\", \"-f\", \"x\"]\n",
                                        &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->health.interval, 90LL * 1000000000LL);
  cr_expect_eq (i->health.timeout, 1500000000LL);
  cr_expect_eq (i->health.start_period, 0);
  cr_expect_eq (i->health.start_interval, 250000000LL);
  cr_expect_eq (i->health.retries, 3);
  cr_assert_eq (i->health.n_test, 4);
  cr_expect_str_eq (i->health.test[0], "CMD");
  kn_df_instruction_free (i);
  i = ins_of ("HEALTHCHECK NONE\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect (i->health.none);
  kn_df_instruction_free (i);
  EXPECT_ERROR ("HEALTHCHECK --interval=50ns CMD true\n",
                "Dockerfile:1: Interval \"interval\" cannot be less than 1ms");
  EXPECT_ERROR ("HEALTHCHECK --timeout=5 CMD true\n", "Dockerfile:1: time: missing unit in duration \"5\"");
  EXPECT_ERROR ("HEALTHCHECK --timeout=5x CMD true\n", "Dockerfile:1: time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_ERROR ("HEALTHCHECK --retries=-1 CMD true\n", "Dockerfile:1: --retries cannot be negative (-1)");
  EXPECT_ERROR ("HEALTHCHECK --retries=x CMD true\n", "Dockerfile:1: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_ERROR ("HEALTHCHECK NONE x\n", "Dockerfile:1: HEALTHCHECK NONE takes no arguments");
  EXPECT_ERROR ("HEALTHCHECK CONNECT tcp\n", "Dockerfile:1: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)");
  EXPECT_ERROR ("HEALTHCHECK CMD\n", "Dockerfile:1: Missing command after HEALTHCHECK CMD");
  EXPECT_ERROR ("HEALTHCHECK --foo=1 CMD x\n", "Dockerfile:1: unknown flag: --foo");
}

Test (dockerfile_instructions, durations)
{
  struct
  {
    const char *in;
    long long ns;
  } ok[] = { { "0", 0 },
             { "1ns", 1 },
             { "1.5h", 5400000000000LL },
             { "-2m", -120000000000LL },
             { "1h2m3s4ms5us6ns", 3723004005006LL },
             { "\xC2\xB5s", -1 },
             { ".5s", 500000000LL },
             { "1\xCE\xBCs", 1000 } };
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
    {
      int64_t d = 0;
      struct kn_error *err = NULL;
      int r = kn_df_parse_duration (ok[k].in, &d, &err);
      if (ok[k].ns == -1)
        cr_expect_lt (r, 0, "%s", ok[k].in);
      else
        cr_expect (r == 0 && d == ok[k].ns, "%s -> %lld (%s)", ok[k].in, (long long)d, err ? err->msg : "");
      kn_error_free (err);
    }
  const char *bad[] = { "", "s", "1", ".s", "1.s2", "9223372036854775808ns", "3000000h" };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      int64_t d = 0;
      struct kn_error *err = NULL;
      cr_expect_lt (kn_df_parse_duration (bad[k], &d, &err), 0, "%s", bad[k]);
      kn_error_free (err);
    }
}

Test (dockerfile_instructions, simple_ones)
{
  kn_cleanup_free char *m = NULL;
  struct kn_df_instruction *i = ins_of ("EXPOSE 8080/tcp 443 80\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->list[0], "443");
  cr_expect_str_eq (i->list[2], "8080/tcp");
  kn_df_instruction_free (i);
  i = ins_of ("VOLUME [\"/a\", \"/b\"]\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_eq (i->n_list, 2);
  kn_df_instruction_free (i);
  i = ins_of ("ONBUILD RUN echo $HOME\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->expression, "RUN echo $HOME");
  cr_expect_str_eq (i->trigger, "RUN");
  kn_df_instruction_free (i);
  i = ins_of ("STOPSIGNAL SIGKILL\n", &m);
  cr_assert_not_null (i, "%s", m);
  cr_expect_str_eq (i->value, "SIGKILL");
  kn_df_instruction_free (i);
  EXPECT_ERROR ("VOLUME [\"\"]\n", "Dockerfile:1: VOLUME specified can not be an empty string");
  EXPECT_ERROR ("ONBUILD FROM scratch\n", "Dockerfile:1: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_ERROR ("ONBUILD MAINTAINER me\n", "Dockerfile:1: MAINTAINER isn't allowed as an ONBUILD trigger");
  EXPECT_ERROR ("USER --uid=1 a\n", "Dockerfile:1: unknown flag: --uid");
  EXPECT_ERROR ("FROM a\nWORKDIR\n", "Dockerfile:2: WORKDIR requires exactly one argument");
}

Test (dockerfile_instructions, whole_file)
{
  static const char src[] = "ARG V=1\nFROM a AS b\nRUN x\nCOPY --from=b /x /y\nCMD [\"y\"]\n";
  struct kn_df_ast *ast = NULL;
  struct kn_df_instructions *list = NULL;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_df_parse ("Dockerfile", src, sizeof src - 1, &ast, &err), 0);
  cr_assert_eq (kn_df_instructions_from_ast (ast, "Dockerfile", &list, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (list->n, 5);
  cr_expect_eq (list->v[0]->kind, KN_DF_ARG);
  cr_expect_eq (list->v[3]->kind, KN_DF_COPY);
  cr_expect_eq (list->v[3]->start_line, 4);
  kn_df_instructions_free (list);
  kn_df_ast_free (ast);
}
