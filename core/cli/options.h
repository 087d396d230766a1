/* The kaniko program's build flags: one table (core/cli/options.c) gives every
 * flag its name, shorthand, environment variable, default, type, help group,
 * help text, support status and the member of struct kn_build_options that
 * holds it.  The parser, the config file, --help, --help-markdown, the man
 * page's flag list and --print-options all read that table.
 *
 * Precedence: flag > environment > config file (--config) > default. */
#ifndef KN_CLI_OPTIONS_H
#define KN_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kaniko/build.h>
#include <kaniko/error.h>

enum kn_opt_type {
  KN_OPT_BOOL,     /* bool; --x, --x=true|false */
  KN_OPT_STRING,   /* char * */
  KN_OPT_LIST,     /* struct kn_build_strv; repeatable */
  KN_OPT_INT,      /* int */
  KN_OPT_DURATION, /* int64_t nanoseconds; Go syntax ("336h", "1h30m", "500ms") */
  KN_OPT_FLOAT,    /* double */
  KN_OPT_MAP,      /* struct kn_build_map; repeatable KEY=VALUE */
  KN_OPT_ACTION    /* no value stored: --help, --version, ... */
};

enum kn_opt_group {
  KN_GROUP_CONTEXT,
  KN_GROUP_OUTPUT,
  KN_GROUP_REGISTRY,
  KN_GROUP_CACHE,
  KN_GROUP_BUILD,
  KN_GROUP_SNAPSHOT,
  KN_GROUP_LOGGING,
  KN_GROUP_PLUGINS,
  KN_GROUP_GENERAL,
  KN_GROUP_MAX
};

enum kn_opt_status {
  KN_OPT_SUPPORTED, /* parsed and handed to the build */
  KN_OPT_NOT_YET    /* recognised; setting a non-default value fails with "not supported yet" */
};

/* Where the value of an option came from (higher wins). */
enum kn_opt_source { KN_SRC_DEFAULT = 0, KN_SRC_CONFIG, KN_SRC_ENV, KN_SRC_FLAG };

/* Flags that do something instead of building; the lowest wins when several are given. */
enum kn_opt_action {
  KN_ACTION_NONE = 0,
  KN_ACTION_HELP,
  KN_ACTION_HELP_MARKDOWN,
  KN_ACTION_HELP_MAN,
  KN_ACTION_VERSION,
  KN_ACTION_PRINT_OPTIONS
};

/* The offset of options that hold no value (actions). */
#define KN_OPT_NOFIELD ((size_t) -1)

/* Option flags. */
#define KN_OPTF_HIDDEN 0x1u    /* not in --help nor docs/flags.md */
#define KN_OPTF_NO_CONFIG 0x2u /* not accepted in the config file, not printed by --print-options */
#define KN_OPTF_MERGE 0x4u     /* map merged across sources by key (later wins) instead of replaced */
#define KN_OPTF_BARE_KEY 0x8u  /* map entries may be a bare KEY (no '=') */

struct kn_opt {
  const char *name;      /* long name without "--" */
  char shorthand;        /* 0 when none */
  const char *env;       /* environment variable, or NULL */
  const char *def;       /* default as text (parsed like a flag value), or NULL */
  const char *def_help;  /* default as shown in help when not DEF, or NULL */
  enum kn_opt_type type;
  enum kn_opt_group group;
  enum kn_opt_status status;
  size_t offset;         /* member of struct kn_build_options */
  const char *metavar;   /* value name in help ("PATH"), or NULL for the type's */
  const char *help;
  char sep;              /* lists and maps: one value may hold several, split at SEP */
  const char *choices;   /* "a|b|c": allowed values (maps: allowed keys), or NULL */
  int (*check) (const char *value); /* extra validation: returns true when VALUE is valid */
  const char *expect;    /* what CHECK wants, for error messages ("os/arch[/variant]") */
  long min, max;         /* INT range when min < max */
  const char *alias_of;  /* deprecated spelling of this option, or NULL */
  enum kn_opt_action action;
  unsigned flags;        /* KN_OPTF_* */
};

/* The table, in help order. */
extern const struct kn_opt kn_cli_options[];
/* Number of entries in kn_cli_options. */
extern const size_t kn_cli_n_options;

/* Title of a help group ("Context & Dockerfile"). */
const char *kn_cli_group_title (enum kn_opt_group g);

/* The option called NAME (long name, deprecated aliases included), or NULL. */
const struct kn_opt *kn_cli_option_find (const char *name);

/* The option with shorthand C, or NULL. */
const struct kn_opt *kn_cli_option_find_short (char c);

/* The visible option whose name is closest to NAME, or NULL when none is close. */
const struct kn_opt *kn_cli_option_suggest (const char *name);

/* The option ALIAS stands for (itself when it is not a deprecated alias). */
const struct kn_opt *kn_cli_option_canonical (const struct kn_opt *opt);

/* Index of OPT in kn_cli_options. */
size_t kn_cli_option_index (const struct kn_opt *opt);

/* Parse settings and results besides the options themselves. */
#define KN_CLI_PARSE_ALLOW_UNSUPPORTED 0x1u /* do not fail on "not supported yet" options */
#define KN_CLI_PARSE_NO_ENV 0x2u            /* ignore the environment */

struct kn_cli_parse_info {
  unsigned flags;                /* in: KN_CLI_PARSE_* */
  enum kn_opt_action action;     /* out: --help, --version, --help-markdown or --print-options given */
  unsigned char *sources;        /* out: enum kn_opt_source per table index (malloc'd) */
  char **warnings;               /* out: NULL-terminated messages to log (deprecated flags), or NULL */
};

/* Fill OUT from ARGV[1..ARGC-1] (ARGV[0] is the command name), the environment
 * and the config file, in that precedence, over the defaults.  Returns 0, or
 * a negative code with *ERR set (KN_EINVAL for usage errors, KN_ENOTSUP for a
 * "not supported yet" option).  INFO may be NULL.  OUT is overwritten (zeroed
 * first, not freed) and owned by the caller afterwards, even on error: free it
 * with kn_cli_build_options_clear.  --help and the other actions return 0
 * with INFO->action set and OUT left empty (--print-options excepted). */
int kn_cli_parse_build_options (int argc, char **argv, struct kn_build_options *out, struct kn_cli_parse_info *info,
                                struct kn_error **err);

/* Check the parsed options together (required and exclusive flags, files
 * that must exist) and resolve what depends on the host (default platform,
 * kaniko dir).  INFO (may be NULL) tells which options the user set.
 * Returns 0 or a negative code with *ERR set. */
int kn_cli_validate_build_options (struct kn_build_options *o, const struct kn_cli_parse_info *info,
                                   struct kn_error **err);

/* GOOS/GOARCH[/variant] of this machine ("linux/amd64"), Go kaniko's default
 * --custom-platform (malloc'd). */
char *kn_cli_host_platform (void);

struct kn_plugins;
/* The plugin table for O (builtins, --plugin-dir, the default path, plugin
 * options) into *OUT (free with kn_plugins_free).  Returns 0 or < 0. */
int kn_cli_load_plugins (const struct kn_build_options *o, struct kn_plugins **out, struct kn_error **err);

/* Free everything OPT points to and zero it. */
void kn_cli_build_options_clear (struct kn_build_options *o);

/* Free what INFO holds and zero it (FLAGS are kept). */
void kn_cli_parse_info_clear (struct kn_cli_parse_info *info);

/* Set OPT (not an alias) in O from the text VALUE (NULL for a bare boolean
 * flag).  REPLACE first empties a list or map.  Returns 0, or -KN_EINVAL with
 * *ERR set to a message that does not name the option (the caller adds it). */
int kn_cli_option_set (const struct kn_opt *opt, struct kn_build_options *o, const char *value, bool replace,
                       struct kn_error **err);

/* Release the value of OPT in O (to its zero value). */
void kn_cli_option_reset (const struct kn_opt *opt, struct kn_build_options *o);

/* True when OPT has the same value in A and B. */
bool kn_cli_option_equal (const struct kn_opt *opt, const struct kn_build_options *a, const struct kn_build_options *b);

/* Parse a Go duration ("1h30m", "-1.5s", "0").  Returns 0 or -KN_EINVAL. */
int kn_cli_parse_duration (const char *s, int64_t *out_ns);

/* Format NS as Go does ("336h0m0s", "1.5s", "0s"); returns a malloc'd string. */
char *kn_cli_format_duration (int64_t ns);

/* Parse a Go boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False).
 * Returns 0 or -1. */
int kn_cli_parse_bool (const char *s, bool *out);

/* The value of OPT in O as text, as --help shows defaults; malloc'd. */
char *kn_cli_option_format (const struct kn_opt *opt, const struct kn_build_options *o);

/* core/cli/config_file.c: apply the JSON object in PATH to O (keys are flag
 * names; "plugins" maps plugin names to their options).  An option whose
 * SOURCES entry is already above KN_SRC_CONFIG is left alone; applied options
 * get KN_SRC_CONFIG.  Errors name the file and the key.  Returns 0 or a
 * negative code with *ERR set. */
int kn_cli_config_load (const char *path, struct kn_build_options *o, unsigned char *sources, struct kn_error **err);

/* core/cli/config_file.c: the options as a JSON object keyed by flag name (a
 * valid --config file); malloc'd text ending with a newline. */
char *kn_cli_options_to_json (const struct kn_build_options *o);

/* core/cli/help.c: the grouped help of the build flags for program PROG. */
void kn_cli_help_build (FILE *f, const char *prog);

/* core/cli/help.c: the flags table as Markdown (docs/flags.md). */
void kn_cli_help_markdown (FILE *f);

/* core/cli/help.c: the man page, kaniko(1), in roff (docs/kaniko.1). */
void kn_cli_help_man (FILE *f);

/* core/cli/help.c: the version line ("kaniko 0.1.0 (plugin ABI 1.0)"). */
void kn_cli_print_version (FILE *f);

/* core/cli/log_output.c: install the kn_log handler for VERBOSITY
 * (panic..trace), FORMAT (text, color, json) and TIMESTAMP, writing to F.
 * Returns 0 or -KN_EINVAL with *ERR set. */
int kn_cli_log_setup (FILE *f, const char *verbosity, const char *format, bool timestamp, struct kn_error **err);

/* core/cli/log_output.c: print "kaniko: error: MSG" on stderr. */
void kn_cli_print_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* The exit status for an error code: 2 for usage errors (KN_EINVAL,
 * KN_ENOTSUP), 1 otherwise. */
int kn_cli_exit_status (int code);

#endif
