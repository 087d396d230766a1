/* The kaniko program's subcommands, one file each (crun's habit). Every
 * command returns the process exit status. */
#ifndef KN_CLI_COMMANDS_H
#define KN_CLI_COMMANDS_H

/* kaniko build|executor [FLAGS]: build an image (core/cli/cmd_build.c). */
int kn_cmd_build (int argc, char **argv);
/* kaniko plugins [--plugin-dir DIR]...: list plugins found (core/cli/cmd_plugins.c). */
int kn_cmd_plugins (int argc, char **argv);
/* kaniko parse [--dump] FILE: parse a Dockerfile (core/cli/cmd_parse.c). */
int kn_cmd_parse (int argc, char **argv);
/* kaniko warm --image REF... [FLAGS]: fill the --cache-dir (core/cli/cmd_warm.c). */
int kn_cmd_warm (int argc, char **argv);
/* kaniko version (core/cli/main.c). */
int kn_cmd_version (int argc, char **argv);

#endif
