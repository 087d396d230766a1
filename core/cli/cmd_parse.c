/* kaniko parse [--dump] [--warnings] FILE: parse a Dockerfile.  --dump prints
 * BuildKit's AST dump; otherwise the file is also converted to typed
 * instructions and "ok" is printed.  Errors are printed located
 * ("Dockerfile:12: ...") and exit with status 1. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/error.h>

#include "core/cli/commands.h"
#include "core/dockerfile/dump.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/parser.h"

static void
parse_usage (FILE *f)
{
  fprintf (f, "Usage: kaniko parse [--dump] [--warnings] FILE\n"
              "  --dump      print the syntax tree in BuildKit's dump format\n"
              "  --warnings  print parser warnings to stderr\n"
              "FILE may be - for standard input.\n");
}

int
kn_cmd_parse (int argc, char **argv)
{
  bool dump = false, warnings = false;
  const char *file = NULL;
  struct kn_error *err = NULL;
  struct kn_df_ast *ast = NULL;
  int r;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--dump") == 0)
        dump = true;
      else if (strcmp (argv[i], "--warnings") == 0)
        warnings = true;
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          parse_usage (stdout);
          return 0;
        }
      else if (argv[i][0] == '-' && argv[i][1] != '\0')
        {
          fprintf (stderr, "kaniko: parse: unknown flag %s\n", argv[i]);
          parse_usage (stderr);
          return 2;
        }
      else if (file == NULL)
        file = argv[i];
      else
        {
          fprintf (stderr, "kaniko: parse: more than one file given\n");
          return 2;
        }
    }
  if (file == NULL)
    {
      parse_usage (stderr);
      return 2;
    }

  if (strcmp (file, "-") == 0)
    {
      char *data = NULL;
      size_t len = 0, cap = 0, n;
      char chunk[65536];
      while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
        {
          if (len + n > cap)
            {
              cap = (len + n) * 2;
              char *p = realloc (data, cap);
              if (p == NULL)
                {
                  free (data);
                  fprintf (stderr, "kaniko: parse: out of memory\n");
                  return 1;
                }
              data = p;
            }
          memcpy (data + len, chunk, n);
          len += n;
        }
      r = kn_df_parse ("Dockerfile", data ? data : "", len, &ast, &err);
      free (data);
    }
  else
    r = kn_df_parse_file (file, &ast, &err);
  if (r < 0)
    {
      fprintf (stderr, "kaniko: parse: %s\n", err->msg);
      kn_error_free (err);
      return 1;
    }
  if (warnings)
    for (size_t i = 0; i < ast->n_warnings; i++)
      fprintf (stderr, "%s:%d: warning: %s\n", strcmp (file, "-") == 0 ? "Dockerfile" : file, ast->warnings[i].line,
               ast->warnings[i].message);
  if (dump)
    {
      char *s = kn_df_ast_dump (ast);
      fputs (s, stdout);
      free (s);
    }
  else
    {
      struct kn_df_instructions *ins = NULL;
      r = kn_df_instructions_from_ast (ast, strcmp (file, "-") == 0 ? "Dockerfile" : file, &ins, &err);
      if (r < 0)
        {
          fprintf (stderr, "kaniko: parse: %s\n", err->msg);
          kn_error_free (err);
          kn_df_ast_free (ast);
          return 1;
        }
      kn_df_instructions_free (ins);
      printf ("ok\n");
    }
  kn_df_ast_free (ast);
  return fflush (stdout) == 0 ? 0 : 1;
}
