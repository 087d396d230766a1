/* Syntax tree memory management: see ast.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/ast.h"
#include "core/dockerfile/strbuf.h"

struct kn_df_node *
kn_df_node_new (const char *value, size_t len)
{
  struct kn_df_node *n = kn_xcalloc (1, sizeof *n);
  n->value = kn_xmalloc (len + 1);
  if (len)
    memcpy (n->value, value, len);
  n->value[len] = '\0';
  n->value_len = len;
  return n;
}

void
kn_df_node_add_child (struct kn_df_node *n, struct kn_df_node *child)
{
  n->children = kn_xrealloc (n->children, (n->n_children + 1) * sizeof *n->children);
  n->children[n->n_children++] = child;
}

size_t
kn_df_node_n_args (const struct kn_df_node *n)
{
  size_t k = 0;
  for (const struct kn_df_node *a = n ? n->next : NULL; a; a = a->next)
    k++;
  return k;
}

void
kn_df_node_free (struct kn_df_node *n)
{
  while (n)
    {
      struct kn_df_node *next = n->next;
      for (size_t i = 0; i < n->n_children; i++)
        kn_df_node_free (n->children[i]);
      free (n->children);
      for (size_t i = 0; i < n->n_heredocs; i++)
        {
          free (n->heredocs[i].name);
          free (n->heredocs[i].content);
        }
      free (n->heredocs);
      for (size_t i = 0; i < n->n_flags; i++)
        free (n->flags[i]);
      free (n->flags);
      free (n->original);
      free (n->value);
      free (n);
      n = next;
    }
}

void
kn_df_ast_free (struct kn_df_ast *ast)
{
  if (ast == NULL)
    return;
  kn_df_node_free (ast->root);
  for (size_t i = 0; i < ast->n_warnings; i++)
    {
      free (ast->warnings[i].message);
      free (ast->warnings[i].detail);
      free (ast->warnings[i].url);
    }
  free (ast->warnings);
  free (ast->syntax);
  free (ast->check);
  free (ast);
}

char *
kn_df_heredoc_content (const struct kn_df_heredoc *h)
{
  struct kn_df_buf b = { 0 };
  const char *s = h->content ? h->content : "";
  bool bol = true;
  if (!h->chomp)
    return kn_xstrdup (s);
  for (; *s; s++)
    {
      if (bol && *s == '\t')
        continue;
      bol = *s == '\n';
      kn_df_buf_addc (&b, *s);
    }
  return kn_df_buf_steal (&b);
}
