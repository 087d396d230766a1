/* kaniko build: placeholder until its issue lands. */
#include "config.h"

#include <stdio.h>

#include "core/cli/commands.h"

int
kn_cmd_build (int argc, char **argv)
{
  fprintf (stderr, "kaniko: build: not supported yet\n");
  return 2;
}
