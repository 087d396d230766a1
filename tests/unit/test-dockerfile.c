/* Unit tests of the Dockerfile parser: line handling (CRLF, BOM,
 * continuations, comments), directives, flags, heredocs, JSON forms, Go
 * quoting and the located error messages. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/dump.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/parser.h"

/* Dump of SRC, or "ERR <message>". */
static char *
dump_of (const char *src)
{
  struct kn_df_ast *ast = NULL;
  struct kn_error *err = NULL;
  char *out;
  if (kn_df_parse ("Dockerfile", src, strlen (src), &ast, &err) < 0)
    {
      out = kn_xasprintf ("ERR %s", err->msg);
      kn_error_free (err);
      return out;
    }
  out = kn_df_ast_dump (ast);
  kn_df_ast_free (ast);
  return out;
}

static struct kn_df_ast *
parse_ok (const char *src)
{
  struct kn_df_ast *ast = NULL;
  struct kn_error *err = NULL;
  int r = kn_df_parse ("Dockerfile", src, strlen (src), &ast, &err);
  cr_assert_eq (r, 0, "parse failed: %s", err ? err->msg : "");
  return ast;
}

#define EXPECT_DUMP(src, want)                                                                                         \
  do                                                                                                                   \
    {                                                                                                                  \
      kn_cleanup_free char *got_ = dump_of (src);                                                                      \
      cr_expect_str_eq (got_, want, "source %s", src);                                                                 \
    }                                                                                                                  \
  while (0)

Test (dockerfile_lines, crlf_is_like_lf)
{
  EXPECT_DUMP ("FROM busybox\r\nRUN echo a \\\r\n  b\r\nCMD [\"x\"]\r\n",
               "(from \"busybox\")\n(run \"echo a   b\")\n(cmd \"x\")\n");
}

Test (dockerfile_lines, bom_is_stripped_on_line_one_only)
{
  EXPECT_DUMP ("\xEF\xBB\xBF# escape=`\nFROM a\nRUN b `\n c\n", "(from \"a\")\n(run \"b  c\")\n");
  /* elsewhere a BOM is part of the word: an unknown instruction */
  EXPECT_DUMP ("FROM a\n\xEF\xBB\xBFRUN b\n", "(from \"a\")\n(\xEF\xBB\xBFrun \"\")\n");
}

Test (dockerfile_lines, continuation_and_comments)
{
  EXPECT_DUMP ("RUN a \\\n# comment\n  # indented comment\n b\n", "(run \"a  b\")\n");
  EXPECT_DUMP ("RUN a\\\\\nRUN b\n", "(run \"a\\\\\\\\\")\n(run \"b\")\n");
  EXPECT_DUMP ("RUN a \\  \t\nb\n", "(run \"a b\")\n");
  EXPECT_DUMP ("FROM x\nRUN echo \\", "(from \"x\")\n(run \"echo\")\n");
  EXPECT_DUMP ("  \t RUN   x  \n", "(run \"x\")\n");
}

Test (dockerfile_lines, empty_continuation_warning_has_line)
{
  struct kn_df_ast *ast = parse_ok ("FROM a\nRUN x \\\n\n  y\n");
  cr_assert_eq (ast->n_warnings, 1);
  cr_expect_eq (ast->warnings[0].line, 4);
  cr_expect_str_eq (ast->warnings[0].message, "Empty continuation line found in: RUN x   y");
  kn_df_ast_free (ast);
}

Test (dockerfile_lines, line_numbers_span_heredocs)
{
  struct kn_df_ast *ast = parse_ok ("FROM a\n\nRUN <<EOF\nhello\nEOF\nRUN x \\\n y\n");
  cr_assert_eq (ast->root->n_children, 3);
  cr_expect_eq (ast->root->children[1]->start_line, 3);
  cr_expect_eq (ast->root->children[1]->end_line, 5);
  cr_expect_eq (ast->root->children[2]->start_line, 6);
  cr_expect_eq (ast->root->children[2]->end_line, 7);
  kn_df_ast_free (ast);
}

Test (dockerfile_directives, escape_backtick)
{
  EXPECT_DUMP ("# escape=`\nFROM a\nRUN dir c:\\ `\n  && x\n", "(from \"a\")\n(run \"dir c:\\\\   && x\")\n");
  EXPECT_DUMP ("#ESCAPE = `\nRUN a `\nb\n", "(run \"a b\")\n");
}

Test (dockerfile_directives, only_before_first_instruction)
{
  EXPECT_DUMP ("FROM a\n# escape=`\nRUN x `\nRUN y\n", "(from \"a\")\n(run \"x `\")\n(run \"y\")\n");
  EXPECT_DUMP ("# hello\n# escape=`\nRUN x \\\ny\n", "(run \"x y\")\n");
}

Test (dockerfile_directives, syntax_and_check_recorded)
{
  struct kn_df_ast *ast = parse_ok ("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\n");
  cr_expect_str_eq (ast->syntax, "docker/dockerfile:1");
  cr_expect_str_eq (ast->check, "skip=all");
  cr_expect_eq (ast->escape, '`');
  kn_df_ast_free (ast);
}

Test (dockerfile_directives, errors)
{
  EXPECT_DUMP ("# escape=x\nFROM a\n", "ERR Dockerfile:1: invalid escape token 'x' does not match ` or \\");
  EXPECT_DUMP ("# escape=\\\n# escape=`\nFROM a\n", "ERR Dockerfile:2: only one escape parser directive can be used");
  EXPECT_DUMP ("# syntax=a\n# SYNTAX=b\nFROM a\n", "ERR Dockerfile:2: only one syntax parser directive can be used");
}

Test (dockerfile_flags, flags_and_double_dash)
{
  EXPECT_DUMP ("COPY --from=build --chown=\"a b\" --chmod=755 x /y\n",
               "(copy [\"--from=build\" \"--chown=a b\" \"--chmod=755\"] \"x\" \"/y\")\n");
  EXPECT_DUMP ("RUN --mount=type=cache,target=/c --network=none make\n",
               "(run [\"--mount=type=cache,target=/c\" \"--network=none\"] \"make\")\n");
  EXPECT_DUMP ("COPY -- --weird /dst\n", "(copy \"--weird\" \"/dst\")\n");
  EXPECT_DUMP ("CMD --a --\n", "(cmd [\"--a\"])\n");
  EXPECT_DUMP ("ONBUILD COPY --from=a x y\n", "(onbuild (copy [\"--from=a\"] \"x\" \"y\"))\n");
}

Test (dockerfile_json, exec_and_fallback)
{
  EXPECT_DUMP ("CMD [\"a\", \"b c\"]\n", "(cmd \"a\" \"b c\")\n");
  EXPECT_DUMP ("CMD [\"a\"] trailing\n", "(cmd \"[\\\"a\\\"] trailing\")\n");
  EXPECT_DUMP ("CMD [\"\\ud83d\\ude00\", \"\\ud800\", \"\\u00e9\"]\n",
               "(cmd \"\xF0\x9F\x98\x80\" \"\xEF\xBF\xBD\" \"\xC3\xA9\")\n");
  EXPECT_DUMP ("RUN [\"a\", 1]\n",
               "ERR Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_DUMP ("COPY [\"a b\", \"c\"]\n", "(copy \"a b\" \"c\")\n");
  EXPECT_DUMP ("ENTRYPOINT []\n", "(entrypoint)\n");
  /* Go's Unmarshal fails on a float64 overflow: shell form, not an error */
  EXPECT_DUMP ("CMD [\"a\", 1e999]\n", "(cmd \"[\\\"a\\\", 1e999]\")\n");
  EXPECT_DUMP ("CMD [\"a\", {\"b\": [1, true, null]}]\n",
               "ERR Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_DUMP ("CMD [\"a\",]\n", "(cmd \"[\\\"a\\\",]\")\n");
}

Test (dockerfile_args, env_label_arg_from)
{
  EXPECT_DUMP ("ENV A=1 B=\"2 3\"\n", "(env \"A\" \"1\" \"=\" \"B\" \"\\\"2 3\\\"\" \"=\")\n");
  EXPECT_DUMP ("LABEL a b c\n", "(label \"a\" \"b c\" \"\")\n");
  EXPECT_DUMP ("ENV A=1 B\n",
               "ERR Dockerfile:1: Syntax error - can't find = in \"B\". Must be of the form: name=value");
  EXPECT_DUMP ("ARG a=1 b\n", "(arg \"a=1\" \"b\")\n");
  EXPECT_DUMP ("FROM --platform=$BUILDPLATFORM golang AS build\n",
               "(from [\"--platform=$BUILDPLATFORM\"] \"golang\" \"AS\" \"build\")\n");
  EXPECT_DUMP ("FOO bar baz\n", "(foo \"\")\n");
  EXPECT_DUMP ("HEALTHCHECK --interval=5s CMD curl -f x\n",
               "(healthcheck [\"--interval=5s\"] \"CMD\" \"curl -f x\")\n");
}

Test (dockerfile_heredoc, run_copy_bodies)
{
  struct kn_df_ast *ast = parse_ok ("FROM a\nRUN <<EOF bash\necho $X\nEOF\n"
                                    "COPY <<-'A' <<B /dst\n\tone\n\tA\ntwo\r\nB\r\n"
                                    "RUN [\"<<EOF\"]\n");
  const struct kn_df_node *run = ast->root->children[1], *copy = ast->root->children[2];
  cr_assert_eq (run->n_heredocs, 1);
  cr_expect_str_eq (run->heredocs[0].name, "EOF");
  cr_expect_str_eq (run->heredocs[0].content, "echo $X\n");
  cr_expect (run->heredocs[0].expand);
  cr_assert_eq (copy->n_heredocs, 2);
  cr_expect_str_eq (copy->heredocs[0].name, "A");
  cr_expect_not (copy->heredocs[0].expand);
  cr_expect (copy->heredocs[0].chomp);
  cr_expect_str_eq (copy->heredocs[0].content, "\tone\n");
  kn_cleanup_free char *chomped = kn_df_heredoc_content (&copy->heredocs[0]);
  cr_expect_str_eq (chomped, "one\n");
  cr_expect_str_eq (copy->heredocs[1].content, "two\r\n");
  cr_expect_eq (ast->root->children[3]->n_heredocs, 0);
  cr_expect_eq (ast->root->n_children, 4);
  kn_df_ast_free (ast);
  EXPECT_DUMP ("FROM a\nRUN <<EOF\nx\n", "ERR Dockerfile:2: unterminated heredoc");
  EXPECT_DUMP ("ONBUILD RUN <<EOF\nx\nEOF\n", "(onbuild (run \"<<EOF\"))\n");
}

Test (dockerfile_quote, go_strconv_quote)
{
  struct
  {
    const char *in;
    size_t n;
    const char *want;
  } cases[] = {
    { "plain", 5, "\"plain\"" },
    { "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
    { "\a\b\f\n\r\t\v", 7, "\"\\a\\b\\f\\n\\r\\t\\v\"" },
    { "\x01\x7f", 2, "\"\\x01\\x7f\"" },
    { "\0", 1, "\"\\x00\"" },
    { "\xff", 1, "\"\\xff\"" },
    { "\xe2\x99\xa5", 3, "\"\xe2\x99\xa5\"" },
    { "\xc2\xa0", 2, "\"\\u00a0\"" },
    { "\xe3\x80\x80", 3, "\"\\u3000\"" },
    { "\xf3\xa0\x80\x81", 4, "\"\\U000e0001\"" },
    { "\xed\xa0\x80", 3, "\"\\xed\\xa0\\x80\"" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      kn_cleanup_free char *q = kn_df_quote (cases[i].in, cases[i].n);
      cr_expect_str_eq (q, cases[i].want, "case %zu", i);
    }
}

Test (dockerfile_errors, located_messages)
{
  EXPECT_DUMP ("", "ERR Dockerfile:1: file with no instructions");
  EXPECT_DUMP ("# only\n\n", "ERR Dockerfile:2: file with no instructions");
  EXPECT_DUMP ("FROM a\n\nENV PATH\n", "ERR Dockerfile:3: ENV must have two arguments");
  {
    static const char src[] = "FROM a\nRUN x\0y\n";
    struct kn_df_ast *ast = NULL;
    struct kn_error *err = NULL;
    cr_expect_lt (kn_df_parse ("Dockerfile", src, sizeof src - 1, &ast, &err), 0);
    cr_expect_str_eq (err ? err->msg : "", "Dockerfile:2: NUL byte in Dockerfile");
    kn_error_free (err);
  }
}

Test (dockerfile_errors, long_line)
{
  size_t n = KN_DF_MAX_LINE + 10;
  kn_cleanup_free char *src = kn_xmalloc (n + 8);
  memcpy (src, "RUN ", 4);
  memset (src + 4, 'a', n - 4);
  src[n] = '\0';
  kn_cleanup_free char *got = dump_of (src);
  cr_expect (strstr (got, "ERR Dockerfile:1: dockerfile line greater than max allowed size") == got, "%s", got);
}
