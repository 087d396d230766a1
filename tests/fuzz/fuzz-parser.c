/* libFuzzer target for the Dockerfile front end: the parser, the dump, the
 * typed instructions and the helpers that read untrusted words (heredoc
 * markers, JSON arrays, durations, --mount values).  Built by `make fuzz`
 * (clang, -fsanitize=fuzzer,address,undefined); `make fuzz-run` runs it for
 * FUZZ_SECONDS over tests/fuzz/corpus-parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/error.h>
#include <kaniko/sys/util.h>

#include "core/dockerfile/buildenv.h"
#include "core/dockerfile/dump.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/parser.h"
#include "core/dockerfile/shell.h"
#include "core/dockerfile/stages.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Plan the stages of LIST and expand every instruction of every stage the
 * way the engine does (expand, then apply ARG/ENV to the scope). */
static void
fuzz_plan_and_expand (const struct kn_df_instructions *list, char escape)
{
  static const char *const build_args[] = { "A=1", "B=x y", "HTTP_PROXY=p", NULL };
  struct kn_plan_opts o = { .file = "Dockerfile", .build_args = build_args, .escape = escape,
                            .target_platform = "linux/arm64", .build_platform = "linux/amd64" };
  struct kn_build_plan *plan = NULL;
  struct kn_error *err = NULL;
  if (kn_plan_new (list, &o, &plan, &err) == 0)
    {
      static const char *const image_env[] = { "PATH=/bin", "HOME=/root", NULL };
      for (size_t st = 0; st < plan->n; st++)
        {
          struct kn_buildenv *env = NULL;
          if (kn_buildenv_new (plan, st, image_env, &env, &err) < 0)
            {
              kn_error_release (&err);
              continue;
            }
          for (size_t i = 0; i < plan->stages[st].n_ins; i++)
            {
              struct kn_df_instruction *x = NULL;
              if (kn_buildenv_expand_instruction (env, plan->stages[st].ins[i], &x, &err) == 0)
                {
                  kn_buildenv_apply (env, x, &err);
                  kn_error_release (&err);
                  kn_df_instruction_free (x);
                }
              kn_error_release (&err);
            }
          (void) kn_buildenv_run_env (env);
          kn_buildenv_free (env);
        }
      kn_plan_free (plan);
    }
  kn_error_release (&err);
}

/* The shell lexer on the raw input, as one word and as split words. */
static void
fuzz_shell (const char *s)
{
  static const char *const env[] = { "PWD=/home", "SHELL=bash", "NULL=", "X=a b", NULL };
  struct kn_shell_lex lex = { .escape = '\\', .env = env };
  struct kn_error *err = NULL;
  char *out = NULL, **words = NULL, **matched = NULL, **unmatched = NULL;
  if (kn_shell_process_word (&lex, s, &out, &err) == 0)
    free (out);
  kn_error_release (&err);
  if (kn_shell_process_words (&lex, s, &words, &err) == 0)
    kn_strv_free (words);
  kn_error_release (&err);
  out = NULL;
  if (kn_shell_process_word_matches (&lex, s, &out, &matched, &unmatched, &err) == 0)
    {
      free (out);
      kn_strv_free (matched);
      kn_strv_free (unmatched);
    }
  kn_error_release (&err);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct kn_df_ast *ast = NULL;
  struct kn_error *err = NULL;
  char *s = kn_xmalloc (size + 1);
  char *q;

  memcpy (s, data, size);
  s[size] = '\0';

  if (kn_df_parse ("Dockerfile", (const char *)data, size, &ast, &err) == 0)
    {
      struct kn_df_instructions *list = NULL;
      char *dump = kn_df_ast_dump (ast);
      free (dump);
      for (size_t i = 0; i < ast->root->n_children; i++)
        {
          struct kn_df_instruction *ins = NULL;
          if (kn_df_instruction_from_node (ast->root->children[i], "Dockerfile", &ins, &err) == 0)
            kn_df_instruction_free (ins);
          kn_error_release (&err);
        }
      if (kn_df_instructions_from_ast (ast, "Dockerfile", &list, &err) == 0)
        {
          fuzz_plan_and_expand (list, ast->escape);
          kn_df_instructions_free (list);
        }
      kn_df_ast_free (ast);
    }
  kn_error_release (&err);

  if (memchr (data, '\0', size) == NULL)
    {
      struct kn_df_heredoc h, *hs = NULL;
      struct kn_df_node *n = NULL;
      struct kn_df_mount m;
      size_t nh = 0;
      int64_t d;
      char **w;

      if (kn_df_heredoc_parse_word (s, &h, &err) == 1)
        free (h.name);
      kn_error_release (&err);
      if (kn_df_heredocs_from_line (s, &hs, &nh, &err) == 0)
        {
          for (size_t i = 0; i < nh; i++)
            free (hs[i].name);
          free (hs);
        }
      kn_error_release (&err);
      if (kn_df_parse_json_array (s, &n, &err) == 1)
        kn_df_node_free (n);
      kn_error_release (&err);
      kn_df_parse_duration (s, &d, &err);
      kn_error_release (&err);
      kn_df_mount_parse (s, true, &m, &err);
      kn_df_mount_clear (&m);
      kn_error_release (&err);
      w = kn_df_parse_words (s, '\\');
      kn_strv_free (w);
      fuzz_shell (s);
    }
  q = kn_df_quote ((const char *)data, size);
  free (q);
  free (s);
  return 0;
}
