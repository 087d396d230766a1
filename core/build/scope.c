#include "config.h"

#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/scope.h"
#include "core/dockerfile/shell.h"
#include "core/image/json.h"

void
kn_scope_vset (char ***v, const char *key, const char *value)
{
  size_t kl = strlen (key);
  char *entry = kn_xasprintf ("%s=%s", key, value ? value : "");
  size_t n = 0;
  for (; *v && (*v)[n]; n++)
    if (strncmp ((*v)[n], key, kl) == 0 && (*v)[n][kl] == '=')
      {
        free ((*v)[n]);
        (*v)[n] = entry;
        return;
      }
  *v = kn_xrealloc (*v, (n + 2) * sizeof **v);
  (*v)[n] = entry;
  (*v)[n + 1] = NULL;
}

const char *
kn_scope_vget (char *const *v, const char *key)
{
  size_t kl = strlen (key);
  for (size_t i = 0; v && v[i]; i++)
    if (strncmp (v[i], key, kl) == 0 && v[i][kl] == '=')
      return v[i] + kl + 1;
  return NULL;
}

static void
rebuild (struct kn_scope *s)
{
  kn_strv_free (s->all);
  s->all = NULL;
  for (size_t i = 0; s->args && s->args[i]; i++)
    kn_strv_push (&s->all, s->args[i]);
  for (size_t i = 0; s->env && s->env[i]; i++)
    kn_strv_push (&s->all, s->env[i]);
}

void
kn_scope_init (struct kn_scope *s, char *const *image_env, char escape)
{
  memset (s, 0, sizeof *s);
  s->env = kn_strv_dup (image_env);
  s->escape = escape ? escape : '\\';
  rebuild (s);
}

int
kn_scope_expand (struct kn_scope *s, const char *word, char **out, struct kn_error **err)
{
  struct kn_shell_lex lex = { 0 };
  lex.escape = s->escape;
  lex.env = (const char *const *) s->all;
  return kn_shell_process_word (&lex, word, out, err);
}

int
kn_scope_arg (struct kn_scope *s, const struct kn_df_argdef *def, char *const *build_args, char *const *meta,
              struct kn_error **err)
{
  const char *v = kn_scope_vget (build_args, def->key);
  kn_cleanup_free char *expanded = NULL;
  if (v == NULL && def->value)
    {
      int ret = kn_scope_expand (s, def->value, &expanded, err);
      if (ret < 0)
        return ret;
      v = expanded;
    }
  if (v == NULL)
    v = kn_scope_vget (meta, def->key);
  if (v == NULL)
    {
      /* Declared without a value: in scope but unset for expansion. */
      return 0;
    }
  kn_scope_vset (&s->args, def->key, v);
  rebuild (s);
  return 0;
}

void
kn_scope_set_env (struct kn_scope *s, const char *key, const char *value)
{
  kn_scope_vset (&s->env, key, value);
  rebuild (s);
}

void
kn_scope_clear (struct kn_scope *s)
{
  kn_strv_free (s->args);
  kn_strv_free (s->env);
  kn_strv_free (s->all);
  memset (s, 0, sizeof *s);
}
