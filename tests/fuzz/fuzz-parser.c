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

#include "core/dockerfile/dump.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/lineparse.h"
#include "core/dockerfile/parser.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

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
        kn_df_instructions_free (list);
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
    }
  q = kn_df_quote ((const char *)data, size);
  free (q);
  free (s);
  return 0;
}
