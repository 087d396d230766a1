/* kaniko parse: placeholder until its issue lands. */
#include "config.h"

#include <stdio.h>

#include "core/cli/commands.h"

int
kn_cmd_parse (int argc, char **argv)
{
  fprintf (stderr, "kaniko: parse: not supported yet\n");
  return 2;
}
