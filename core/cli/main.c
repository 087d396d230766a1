/* The kaniko program: dispatches to one subcommand per file. A binary
 * invoked as "executor" behaves as "kaniko build" (Go kaniko's name). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/cli/commands.h"
#include "core/cli/options.h"

struct command {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
  { "build", kn_cmd_build, "build an image from a Dockerfile and a context (default)" },
  { "executor", kn_cmd_build, "same as build (the Go kaniko executor's name)" },
  { "warm", kn_cmd_warm, "pull base images into the --cache-dir (Go kaniko's warmer)" },
  { "plugins", kn_cmd_plugins, "list the plugins found and the files refused" },
  { "parse", kn_cmd_parse, "parse a Dockerfile; --dump prints BuildKit's AST format" },
  { "version", kn_cmd_version, "print the version" },
};

int
kn_cmd_version (int argc, char **argv)
{
  (void) argc;
  (void) argv;
  kn_cli_print_version (stdout);
  return 0;
}

static void
usage (FILE *f)
{
  fprintf (f, "Usage: kaniko [COMMAND] [FLAGS]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf (f, "\nWithout a command, kaniko runs \"build\" with the flags below.\n\n");
}

static bool
is_help (const char *a)
{
  return strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0 || strcmp (a, "help") == 0;
}

int
main (int argc, char **argv)
{
  const char *self = strrchr (argv[0], '/');
  self = self ? self + 1 : argv[0];
  if (strcmp (self, "executor") == 0 || strcmp (self, "lt-executor") == 0)
    {
      /* Go kaniko's executor has "version" and "help" subcommands. */
      if (argc == 2 && strcmp (argv[1], "version") == 0)
        return kn_cmd_version (argc - 1, argv + 1);
      if (argc == 2 && strcmp (argv[1], "help") == 0)
        {
          kn_cli_help_build (stdout, "executor");
          return 0;
        }
      return kn_cmd_build (argc, argv);
    }
  if (argc >= 2)
    {
      if (strcmp (argv[1], "--version") == 0)
        return kn_cmd_version (argc - 1, argv + 1);
      if (argc == 2 && is_help (argv[1]))
        {
          usage (stdout);
          kn_cli_help_build (stdout, "kaniko");
          return 0;
        }
      if (argc == 3 && strcmp (argv[1], "help") == 0)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };
          for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp (argv[2], commands[i].name) == 0)
              return commands[i].run (2, help_argv);
        }
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp (argv[1], commands[i].name) == 0)
          return commands[i].run (argc - 1, argv + 1);
      if (argv[1][0] != '-')
        {
          fprintf (stderr, "kaniko: error: unknown command \"%s\"\n", argv[1]);
          usage (stderr);
          return 2;
        }
    }
  return kn_cmd_build (argc, argv);
}
