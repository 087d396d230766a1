/* kaniko plugins: placeholder until its issue lands. */
#include "config.h"

#include <stdio.h>

#include "core/cli/commands.h"

int
kn_cmd_plugins (int argc, char **argv)
{
  fprintf (stderr, "kaniko: plugins: not supported yet\n");
  return 2;
}
