/* Typed Dockerfile instructions, converted from the syntax tree with
 * BuildKit's rules (frontend/dockerfile/instructions): argument counts,
 * per-instruction --flags, JSON vs shell form, heredoc sources, RUN mounts,
 * HEALTHCHECK durations.  Words are kept raw: variables are expanded later
 * by the word-expansion module. */
#ifndef KANIKO_DOCKERFILE_INSTRUCTIONS_H
#define KANIKO_DOCKERFILE_INSTRUCTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/dockerfile/ast.h"

enum kn_df_kind
{
  KN_DF_ADD,
  KN_DF_ARG,
  KN_DF_CMD,
  KN_DF_COPY,
  KN_DF_ENTRYPOINT,
  KN_DF_ENV,
  KN_DF_EXPOSE,
  KN_DF_FROM,
  KN_DF_HEALTHCHECK,
  KN_DF_LABEL,
  KN_DF_MAINTAINER,
  KN_DF_ONBUILD,
  KN_DF_RUN,
  KN_DF_SHELL,
  KN_DF_STOPSIGNAL,
  KN_DF_USER,
  KN_DF_VOLUME,
  KN_DF_WORKDIR,
};

/* ENV / LABEL pair; no_delim for the old `ENV key value` form. */
struct kn_df_kv
{
  char *key;
  char *value;
  bool no_delim;
};

/* ARG name[=default]; value is NULL when there is no default. */
struct kn_df_argdef
{
  char *key;
  char *value;
};

/* A command line of RUN / CMD / ENTRYPOINT / HEALTHCHECK CMD / SHELL.
 * Shell form: argv holds one string and prepend_shell is true.  Exec
 * (JSON) form: argv is the array.  RUN heredocs are the inline files. */
struct kn_df_cmdline
{
  char **argv; /* NULL-terminated */
  size_t argc;
  bool prepend_shell;
  struct kn_df_heredoc *files; /* copies of the node's heredocs */
  size_t n_files;
};

enum
{
  KN_DF_MOUNT_BIND,
  KN_DF_MOUNT_CACHE,
  KN_DF_MOUNT_TMPFS,
  KN_DF_MOUNT_SECRET,
  KN_DF_MOUNT_SSH
};

/* RUN --mount=... (BuildKit's Mount).  Values are raw; when a value holds
 * a `$` its checks are left to kn_df_mount_parse after expansion. */
struct kn_df_mount
{
  char *spec; /* the flag value as written */
  int type;   /* KN_DF_MOUNT_* */
  char *from, *source, *target, *id, *sharing, *env, *size;
  bool readonly, required;
  bool has_mode, has_uid, has_gid;
  uint32_t mode, uid, gid;
  bool deferred; /* some value needs expansion before it can be checked */
};

/* Inline source of COPY/ADD (`COPY <<EOF /dst`). */
struct kn_df_source_content
{
  char *path; /* the heredoc name */
  char *data; /* chomped when `<<-` */
  bool expand;
};

struct kn_df_copy
{
  char **sources; /* NULL-terminated paths/URLs */
  size_t n_sources;
  struct kn_df_source_content *contents;
  size_t n_contents;
  char *dest;
  char *from, *chown, *chmod, *checksum; /* NULL when not given */
  bool link, parents, keep_git_dir;
  int unpack;      /* -1 not given, 0 false, 1 true (ADD --unpack) */
  char **excludes; /* NULL-terminated */
  size_t n_excludes;
};

struct kn_df_health
{
  bool none;   /* HEALTHCHECK NONE */
  char **test; /* {"CMD", ...} or {"CMD-SHELL", "cmd"} or {"NONE"}; NULL-terminated */
  size_t n_test;
  int64_t interval, timeout, start_period, start_interval; /* nanoseconds, 0 = unset */
  int retries;
};

struct kn_df_instruction
{
  enum kn_df_kind kind;
  char *name;     /* as written, e.g. "run" or "RUN" */
  char *original; /* the logical line */
  int start_line, end_line;

  /* FROM */
  char *base, *stage_name, *platform; /* stage_name lower-cased, NULL if none */
  /* RUN, CMD, ENTRYPOINT, SHELL (argv) */
  struct kn_df_cmdline cmd;
  /* RUN flags */
  struct kn_df_mount *mounts;
  size_t n_mounts;
  char *network;  /* "default", "none", "host" */
  char *security; /* "sandbox", "insecure" */
  /* COPY, ADD */
  struct kn_df_copy copy;
  /* ENV, LABEL */
  struct kn_df_kv *kvs;
  size_t n_kvs;
  /* ARG */
  struct kn_df_argdef *args;
  size_t n_args;
  /* EXPOSE ports (sorted), VOLUME paths */
  char **list;
  size_t n_list;
  /* USER, WORKDIR, STOPSIGNAL, MAINTAINER */
  char *value;
  /* HEALTHCHECK */
  struct kn_df_health health;
  /* ONBUILD: the trigger text (heredocs appended) and its instruction word */
  char *expression;
  char *trigger;
};

/* All instructions of a file, in order. */
struct kn_df_instructions
{
  struct kn_df_instruction **v;
  size_t n;
};

/* Convert one instruction node. FILE names the Dockerfile in errors
 * ("FILE:LINE: unknown instruction: FOO"). Returns 0 and *out (free with
 * kn_df_instruction_free), or a negative code with *err set. */
KN_EXPORT int kn_df_instruction_from_node (const struct kn_df_node *node, const char *file,
                                           struct kn_df_instruction **out, struct kn_error **err);
/* Convert every instruction of AST. Returns 0 and *out, or the first error. */
KN_EXPORT int kn_df_instructions_from_ast (const struct kn_df_ast *ast, const char *file,
                                           struct kn_df_instructions **out, struct kn_error **err);
/* Free one instruction (NULL is fine). */
KN_EXPORT void kn_df_instruction_free (struct kn_df_instruction *ins);
/* Free a list (NULL is fine). */
KN_EXPORT void kn_df_instructions_free (struct kn_df_instructions *list);

/* Parse one --mount value (after variable expansion) into *m (caller frees
 * with kn_df_mount_clear). Values holding `$` are accepted unchecked when
 * ALLOW_VARS. Returns 0 or a negative code with *err set. */
KN_EXPORT int kn_df_mount_parse (const char *spec, bool allow_vars, struct kn_df_mount *m, struct kn_error **err);
/* Release the strings of *m. */
KN_EXPORT void kn_df_mount_clear (struct kn_df_mount *m);

/* Go's time.ParseDuration: "1h30m", "1.5s", "300ms". Returns 0 and *ns, or
 * a negative code with *err set ("time: invalid duration \"x\""). */
KN_EXPORT int kn_df_parse_duration (const char *s, int64_t *ns, struct kn_error **err);

#endif
