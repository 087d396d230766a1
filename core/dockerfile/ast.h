/* The Dockerfile syntax tree, shaped like BuildKit's parser.Node.
 *
 * The root node's children are the instructions in file order.  An
 * instruction node has its name in `value` (case as written), its leading
 * --flags, and its arguments as the `next` chain.  ONBUILD's single argument
 * node has one child: the trigger instruction.  Values can hold NUL bytes
 * (a JSON "\u0000"), so they carry a length. */
#ifndef KANIKO_DOCKERFILE_AST_H
#define KANIKO_DOCKERFILE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kaniko/export.h>

/* One here-document attached to RUN/COPY/ADD (`<<EOF` ... `EOF`). */
struct kn_df_heredoc
{
  char *name;    /* delimiter word with quotes removed */
  uint64_t fd;   /* leading digits of `3<<EOF`, 0 when absent */
  bool expand;   /* false when any part of the delimiter was quoted */
  bool chomp;    /* `<<-`: leading tabs are stripped (see kn_df_heredoc_chomp) */
  char *content; /* raw body, line endings kept, not chomped, not expanded */
};

struct kn_df_node
{
  char *value;
  size_t value_len;
  struct kn_df_node *next;
  struct kn_df_node **children;
  size_t n_children;
  struct kn_df_heredoc *heredocs;
  size_t n_heredocs;
  bool json;      /* the arguments came from a JSON array (exec form) */
  char *original; /* the logical line (continuations joined) */
  char **flags;   /* leading --flags, quotes removed ("--from=x") */
  size_t n_flags;
  int start_line; /* 1-based, first physical line */
  int end_line;   /* last physical line, heredoc bodies included */
};

/* A non-fatal finding of the parser (empty continuation lines). */
struct kn_df_warning
{
  char *message; /* "Empty continuation line found in: RUN ..." */
  char *detail;
  char *url;
  int line;
};

/* A parsed Dockerfile. */
struct kn_df_ast
{
  struct kn_df_node *root; /* children = instructions */
  int escape;              /* '\\' or '`' */
  char *syntax;            /* `# syntax=` value or NULL */
  char *check;             /* `# check=` value or NULL */
  struct kn_df_warning *warnings;
  size_t n_warnings;
};

/* Free a node, its next chain, children and heredocs (NULL is fine). */
KN_EXPORT void kn_df_node_free (struct kn_df_node *n);
/* Free a parsed Dockerfile (NULL is fine). */
KN_EXPORT void kn_df_ast_free (struct kn_df_ast *ast);
/* New empty node (all fields zero, value ""). Caller frees with kn_df_node_free. */
struct kn_df_node *kn_df_node_new (const char *value, size_t len);
/* Append CHILD (ownership passes) to N's children. */
void kn_df_node_add_child (struct kn_df_node *n, struct kn_df_node *child);
/* Number of nodes in the next chain after N (its arguments). */
KN_EXPORT size_t kn_df_node_n_args (const struct kn_df_node *n);
/* Content of heredoc H with leading tabs removed from every line when H->chomp
 * (BuildKit's ChompHeredocContent). Returns a new string the caller frees. */
KN_EXPORT char *kn_df_heredoc_content (const struct kn_df_heredoc *h);

#endif
