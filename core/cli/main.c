/* The kaniko program: dispatches to one subcommand per file. A binary
 * invoked as "executor" behaves as "kaniko build" (Go kaniko's name). */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include <kaniko/version.h>

#include "core/cli/commands.h"

struct command {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *help;
};

static const struct command commands[] = {
  { "build", kn_cmd_build, "build an image from a Dockerfile and a context (default)" },
  { "executor", kn_cmd_build, "same as build (the Go kaniko executor's name)" },
  { "plugins", kn_cmd_plugins, "list the plugins found and the files refused" },
  { "parse", kn_cmd_parse, "parse a Dockerfile; --dump prints BuildKit's AST format" },
  { "version", kn_cmd_version, "print the version" },
};

int
kn_cmd_version (int argc, char **argv)
{
  printf ("kaniko %s (plugin ABI %d.%d)\n", KN_VERSION_STRING, KN_PLUGIN_ABI_MAJOR, KN_PLUGIN_ABI_MINOR);
  return 0;
}

static void
usage (FILE *f)
{
  fprintf (f, "Usage: kaniko [COMMAND] [FLAGS]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf (f, "\nWithout a command, kaniko runs \"build\". \"kaniko build --help\" lists the build flags.\n");
}

int
main (int argc, char **argv)
{
  char *self = strrchr (argv[0], '/');
  self = self ? self + 1 : argv[0];
  if (strcmp (self, "executor") == 0 || strcmp (self, "lt-executor") == 0)
    return kn_cmd_build (argc, argv);
  if (argc >= 2)
    {
      if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-v") == 0)
        return kn_cmd_version (argc - 1, argv + 1);
      if (strcmp (argv[1], "help") == 0 || (strcmp (argv[1], "--help") == 0 && argc == 2)
          || strcmp (argv[1], "-h") == 0)
        {
          usage (stdout);
          return 0;
        }
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp (argv[1], commands[i].name) == 0)
          return commands[i].run (argc - 1, argv + 1);
      if (argv[1][0] != '-')
        {
          fprintf (stderr, "kaniko: unknown command \"%s\"\n", argv[1]);
          usage (stderr);
          return 2;
        }
    }
  return kn_cmd_build (argc, argv);
}
