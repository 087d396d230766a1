/* The variable scope of an executing stage: see buildenv.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/buildenv.h"
#include "core/dockerfile/shell.h"

#define KN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct kn_buildenv
{
  const struct kn_build_plan *p;
  size_t stage;
  char **env; /* ENV "K=V" */
  size_t n_env;
  char **args; /* ARGs with a value "K=V" */
  size_t n_args;
  char **expand; /* args then env (the lexer takes the last duplicate: ENV wins) */
  char **run;    /* RUN view, built on demand */
};

static void
split_kv (const char *kv, char **key, const char **value)
{
  const char *eq = strchr (kv, '=');
  *key = eq ? kn_xstrndup (kv, (size_t)(eq - kv)) : kn_xstrdup (kv);
  *value = eq ? eq + 1 : "";
}

static void
rebuild (struct kn_buildenv *e)
{
  size_t n = 0;
  kn_strv_free (e->expand);
  kn_strv_free (e->run);
  e->run = NULL;
  e->expand = kn_xcalloc (e->n_args + e->n_env + 1, sizeof *e->expand);
  for (size_t i = 0; i < e->n_args; i++)
    e->expand[n++] = kn_xstrdup (e->args[i]);
  for (size_t i = 0; i < e->n_env; i++)
    e->expand[n++] = kn_xstrdup (e->env[i]);
}

int
kn_buildenv_new (const struct kn_build_plan *p, size_t stage, const char *const *image_env, struct kn_buildenv **out,
                 struct kn_error **err)
{
  struct kn_buildenv *e;
  *out = NULL;
  if (stage >= p->n)
    return kn_error_make (err, KN_EINVAL, 0, "%s: no stage %zu", p->file, stage);
  e = kn_xcalloc (1, sizeof *e);
  e->p = p;
  e->stage = stage;
  e->env = kn_xcalloc (1, sizeof *e->env);
  e->args = kn_xcalloc (1, sizeof *e->args);
  for (size_t i = 0; image_env && image_env[i]; i++)
    {
      kn_cleanup_free char *k = NULL;
      const char *v;
      split_kv (image_env[i], &k, &v);
      if (*k)
        kn_envv_set (&e->env, &e->n_env, k, v);
    }
  /* BuildKit makes sure PATH is always set */
  if (kn_envv_get (e->env, "PATH") == NULL)
    kn_envv_set (&e->env, &e->n_env, "PATH", KN_DEFAULT_PATH);
  rebuild (e);
  *out = e;
  return 0;
}

void
kn_buildenv_free (struct kn_buildenv *e)
{
  if (e == NULL)
    return;
  kn_strv_free (e->env);
  kn_strv_free (e->args);
  kn_strv_free (e->expand);
  kn_strv_free (e->run);
  free (e);
}

void
kn_buildenv_inherit (struct kn_buildenv *e, const struct kn_buildenv *parent)
{
  for (size_t i = 0; i < parent->n_args; i++)
    {
      kn_cleanup_free char *k = NULL;
      const char *v;
      split_kv (parent->args[i], &k, &v);
      kn_envv_set (&e->args, &e->n_args, k, v);
    }
  rebuild (e);
}

int
kn_buildenv_arg (struct kn_buildenv *e, const struct kn_df_argdef *def, struct kn_error **err)
{
  kn_cleanup_free char *expanded = NULL;
  const char *value = kn_plan_build_arg (e->p, def->key);
  if (value == NULL && def->value)
    {
      int r = kn_buildenv_expand (e, def->value, &expanded, err);
      if (r < 0)
        return r;
      value = expanded;
    }
  else if (value == NULL)
    value = kn_plan_meta_arg (e->p, def->key);
  if (value)
    {
      kn_envv_set (&e->args, &e->n_args, def->key, value);
      rebuild (e);
    }
  return 0;
}

int
kn_buildenv_apply (struct kn_buildenv *e, const struct kn_df_instruction *ins, struct kn_error **err)
{
  if (ins->kind == KN_DF_ARG)
    for (size_t i = 0; i < ins->n_args; i++)
      {
        int r = kn_buildenv_arg (e, &ins->args[i], err);
        if (r < 0)
          return kn_error_wrap (err, "%s:%d: ARG %s", e->p->file, ins->start_line, ins->args[i].key);
      }
  if (ins->kind == KN_DF_ENV)
    for (size_t i = 0; i < ins->n_kvs; i++)
      kn_buildenv_set_env (e, ins->kvs[i].key, ins->kvs[i].value);
  return 0;
}

void
kn_buildenv_set_env (struct kn_buildenv *e, const char *key, const char *value)
{
  kn_envv_set (&e->env, &e->n_env, key, value);
  rebuild (e);
}

int
kn_buildenv_expand (const struct kn_buildenv *e, const char *word, char **out, struct kn_error **err)
{
  struct kn_shell_lex lex = { .escape = e->p->escape, .env = (const char *const *)e->expand };
  return kn_shell_process_word (&lex, word, out, err);
}

int
kn_buildenv_expand_words (const struct kn_buildenv *e, const char *word, char ***out, struct kn_error **err)
{
  struct kn_shell_lex lex = { .escape = e->p->escape, .env = (const char *const *)e->expand };
  return kn_shell_process_words (&lex, word, out, err);
}

const char *
kn_buildenv_get (const struct kn_buildenv *e, const char *key)
{
  return kn_envv_get (e->expand, key);
}

const char *const *
kn_buildenv_image_env (struct kn_buildenv *e)
{
  return (const char *const *)e->env;
}

const char *const *
kn_buildenv_args (struct kn_buildenv *e)
{
  return (const char *const *)e->args;
}

const char *const *
kn_buildenv_expand_env (struct kn_buildenv *e)
{
  return (const char *const *)e->expand;
}

const char *const *
kn_buildenv_run_env (struct kn_buildenv *e)
{
  size_t n = 0;
  if (e->run)
    return (const char *const *)e->run;
  e->run = kn_xcalloc (1, sizeof *e->run);
  for (size_t i = 0; i < e->n_env; i++)
    {
      kn_cleanup_free char *k = NULL;
      const char *v;
      split_kv (e->env[i], &k, &v);
      kn_envv_set (&e->run, &n, k, v);
    }
  for (size_t i = 0; i < e->n_args; i++)
    {
      kn_cleanup_free char *k = NULL;
      const char *v;
      split_kv (e->args[i], &k, &v);
      if (kn_envv_get (e->env, k) == NULL)
        kn_envv_set (&e->run, &n, k, v);
    }
  for (size_t i = 0; kn_plan_proxy_args[i]; i++)
    {
      const char *v = kn_plan_build_arg (e->p, kn_plan_proxy_args[i]);
      if (v && kn_envv_get (e->run, kn_plan_proxy_args[i]) == NULL)
        kn_envv_set (&e->run, &n, kn_plan_proxy_args[i], v);
    }
  return (const char *const *)e->run;
}

/* ---- deep copy of an instruction ---- */

static char *
dupn (const char *s)
{
  return s ? kn_xstrdup (s) : NULL;
}

static char **
strv_dupn (char *const *v, size_t n)
{
  char **out;
  if (v == NULL)
    return NULL;
  out = kn_xcalloc (n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = kn_xstrdup (v[i]);
  return out;
}

static void
mount_dup (struct kn_df_mount *d, const struct kn_df_mount *s)
{
  *d = *s;
  d->spec = dupn (s->spec);
  d->from = dupn (s->from);
  d->source = dupn (s->source);
  d->target = dupn (s->target);
  d->id = dupn (s->id);
  d->sharing = dupn (s->sharing);
  d->env = dupn (s->env);
  d->size = dupn (s->size);
}

static struct kn_df_instruction *
ins_dup (const struct kn_df_instruction *s)
{
  struct kn_df_instruction *d = kn_xcalloc (1, sizeof *d);
  *d = *s;
  d->name = dupn (s->name);
  d->original = dupn (s->original);
  d->base = dupn (s->base);
  d->stage_name = dupn (s->stage_name);
  d->platform = dupn (s->platform);
  d->cmd.argv = strv_dupn (s->cmd.argv, s->cmd.argc);
  if (s->cmd.n_files)
    {
      d->cmd.files = kn_xcalloc (s->cmd.n_files, sizeof *d->cmd.files);
      for (size_t i = 0; i < s->cmd.n_files; i++)
        {
          d->cmd.files[i] = s->cmd.files[i];
          d->cmd.files[i].name = dupn (s->cmd.files[i].name);
          d->cmd.files[i].content = dupn (s->cmd.files[i].content);
        }
    }
  else
    d->cmd.files = NULL;
  if (s->n_mounts)
    {
      d->mounts = kn_xcalloc (s->n_mounts, sizeof *d->mounts);
      for (size_t i = 0; i < s->n_mounts; i++)
        mount_dup (&d->mounts[i], &s->mounts[i]);
    }
  else
    d->mounts = NULL;
  d->network = dupn (s->network);
  d->security = dupn (s->security);
  d->copy.sources = strv_dupn (s->copy.sources, s->copy.n_sources);
  if (s->copy.n_contents)
    {
      d->copy.contents = kn_xcalloc (s->copy.n_contents, sizeof *d->copy.contents);
      for (size_t i = 0; i < s->copy.n_contents; i++)
        {
          d->copy.contents[i] = s->copy.contents[i];
          d->copy.contents[i].path = dupn (s->copy.contents[i].path);
          d->copy.contents[i].data = dupn (s->copy.contents[i].data);
        }
    }
  else
    d->copy.contents = NULL;
  d->copy.dest = dupn (s->copy.dest);
  d->copy.from = dupn (s->copy.from);
  d->copy.chown = dupn (s->copy.chown);
  d->copy.chmod = dupn (s->copy.chmod);
  d->copy.checksum = dupn (s->copy.checksum);
  d->copy.excludes = strv_dupn (s->copy.excludes, s->copy.n_excludes);
  if (s->n_kvs)
    {
      d->kvs = kn_xcalloc (s->n_kvs, sizeof *d->kvs);
      for (size_t i = 0; i < s->n_kvs; i++)
        {
          d->kvs[i] = s->kvs[i];
          d->kvs[i].key = dupn (s->kvs[i].key);
          d->kvs[i].value = dupn (s->kvs[i].value);
        }
    }
  else
    d->kvs = NULL;
  if (s->n_args)
    {
      d->args = kn_xcalloc (s->n_args, sizeof *d->args);
      for (size_t i = 0; i < s->n_args; i++)
        {
          d->args[i].key = dupn (s->args[i].key);
          d->args[i].value = dupn (s->args[i].value);
        }
    }
  else
    d->args = NULL;
  d->list = strv_dupn (s->list, s->n_list);
  d->value = dupn (s->value);
  d->health.test = strv_dupn (s->health.test, s->health.n_test);
  d->expression = dupn (s->expression);
  d->trigger = dupn (s->trigger);
  return d;
}

/* ---- expansion ---- */

/* Replace *field by its expansion (NULL stays NULL). */
static int
expand_field (const struct kn_buildenv *e, char **field, struct kn_error **err)
{
  char *out = NULL;
  int r;
  if (*field == NULL)
    return 0;
  r = kn_buildenv_expand (e, *field, &out, err);
  if (r < 0)
    return r;
  free (*field);
  *field = out;
  return 0;
}

/* Heredoc bodies: BuildKit's ExpandRaw, a lexer with escape '\\' and
 * SkipProcessQuotes (quotes are ordinary characters, variables inside them are
 * expanded, escapes are processed).  The shell lexer has no such mode, so each
 * quote not already escaped is escaped first. */
static int
expand_raw (const struct kn_buildenv *e, char **field, struct kn_error **err)
{
  struct kn_shell_lex lex = { .escape = '\\', .env = (const char *const *)e->expand };
  const char *s = *field ? *field : "";
  char *buf = NULL, *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  int r;
  for (; *s; s++)
    {
      if (*s == '\\' && s[1])
        {
          fputc (*s++, f);
          fputc (*s, f);
          continue;
        }
      if (*s == '\'' || *s == '"')
        fputc ('\\', f);
      fputc (*s, f);
    }
  fclose (f);
  r = kn_shell_process_word (&lex, buf, &out, err);
  free (buf);
  if (r < 0)
    return r;
  free (*field);
  *field = out;
  return 0;
}

/* encoding/csv, one record: fields split on ',', a field starting with '"'
 * is quoted ("" is a quote). */
static char **
csv_split (const char *s, size_t *n)
{
  char **v = kn_xcalloc (1, sizeof *v);
  *n = 0;
  for (;;)
    {
      char *buf = NULL;
      size_t len = 0;
      FILE *f = open_memstream (&buf, &len);
      if (*s == '"')
        {
          for (s++; *s; s++)
            {
              if (*s == '"' && s[1] == '"')
                fputc ('"', f), s++;
              else if (*s == '"')
                {
                  s++;
                  break;
                }
              else
                fputc (*s, f);
            }
          while (*s && *s != ',')
            fputc (*s++, f);
        }
      else
        while (*s && *s != ',')
          fputc (*s++, f);
      fclose (f);
      v = kn_xrealloc (v, (*n + 2) * sizeof *v);
      v[(*n)++] = buf;
      v[*n] = NULL;
      if (*s != ',')
        break;
      s++;
    }
  return v;
}

static void
csv_put (FILE *f, const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL && field[0] != ' ')
    {
      fputs (field, f);
      return;
    }
  fputc ('"', f);
  for (const char *c = field; *c; c++)
    {
      if (*c == '"')
        fputc ('"', f);
      fputc (*c, f);
    }
  fputc ('"', f);
}

/* RUN --mount: expand every key=value value, then parse and check the result. */
static int
expand_mount (const struct kn_buildenv *e, struct kn_df_mount *m, struct kn_error **err)
{
  size_t n;
  char **fields, *spec = NULL;
  size_t len = 0;
  FILE *f;
  struct kn_df_mount nm = { 0 };
  int r = 0;

  if (m->spec == NULL)
    return 0;
  fields = csv_split (m->spec, &n);
  f = open_memstream (&spec, &len);
  for (size_t i = 0; i < n && r == 0; i++)
    {
      char *eq = strchr (fields[i], '=');
      kn_cleanup_free char *value = NULL, *field = NULL;
      if (i)
        fputc (',', f);
      if (eq == NULL)
        {
          csv_put (f, fields[i]);
          continue;
        }
      r = kn_buildenv_expand (e, eq + 1, &value, err);
      if (r < 0)
        break;
      field = kn_xasprintf ("%.*s=%s", (int)(eq - fields[i]), fields[i], value);
      csv_put (f, field);
    }
  fclose (f);
  kn_strv_free (fields);
  if (r == 0)
    r = kn_df_mount_parse (spec, false, &nm, err);
  free (spec);
  if (r < 0)
    {
      kn_df_mount_clear (&nm);
      return r;
    }
  free (nm.spec);
  nm.spec = KN_STEAL (m->spec);
  kn_df_mount_clear (m);
  *m = nm;
  return 0;
}

static int
expand_copy (const struct kn_buildenv *e, struct kn_df_instruction *d, struct kn_error **err)
{
  struct kn_df_copy *c = &d->copy;
  int r = 0;
  for (size_t i = 0; r == 0 && i < c->n_sources; i++)
    r = expand_field (e, &c->sources[i], err);
  for (size_t i = 0; r == 0 && i < c->n_contents; i++)
    if (c->contents[i].expand)
      r = expand_raw (e, &c->contents[i].data, err);
  if (r == 0)
    r = expand_field (e, &c->dest, err);
  if (r == 0)
    r = expand_field (e, &c->chown, err);
  if (r == 0)
    r = expand_field (e, &c->chmod, err);
  if (r == 0)
    r = expand_field (e, &c->from, err);
  if (r == 0)
    r = expand_field (e, &c->checksum, err);
  return r;
}

static int
expand_ports (const struct kn_buildenv *e, struct kn_df_instruction *d, struct kn_error **err)
{
  char **out = kn_xcalloc (1, sizeof *out);
  size_t n = 0;
  for (size_t i = 0; i < d->n_list; i++)
    {
      char **words = NULL;
      int r = kn_buildenv_expand_words (e, d->list[i], &words, err);
      if (r < 0)
        {
          kn_strv_free (out);
          return r;
        }
      for (size_t k = 0; words[k]; k++)
        {
          out = kn_xrealloc (out, (n + 2) * sizeof *out);
          out[n++] = KN_STEAL (words[k]);
          out[n] = NULL;
        }
      kn_strv_free (words);
    }
  kn_strv_free (d->list);
  d->list = out;
  d->n_list = n;
  return 0;
}

static int
expand_ins (const struct kn_buildenv *e, struct kn_df_instruction *d, struct kn_error **err)
{
  int r = 0;
  switch (d->kind)
    {
    case KN_DF_ADD:
    case KN_DF_COPY:
      return expand_copy (e, d, err);
    case KN_DF_ENV:
    case KN_DF_LABEL:
      for (size_t i = 0; r == 0 && i < d->n_kvs; i++)
        {
          r = expand_field (e, &d->kvs[i].key, err);
          if (r == 0)
            r = expand_field (e, &d->kvs[i].value, err);
        }
      return r;
    case KN_DF_EXPOSE:
      return expand_ports (e, d, err);
    case KN_DF_VOLUME:
      for (size_t i = 0; r == 0 && i < d->n_list; i++)
        {
          r = expand_field (e, &d->list[i], err);
          if (r == 0 && d->list[i][0] == '\0')
            r = kn_error_make (err, KN_EINVAL, 0, "VOLUME specified can not be an empty string");
        }
      return r;
    case KN_DF_USER:
    case KN_DF_WORKDIR:
    case KN_DF_STOPSIGNAL:
      return expand_field (e, &d->value, err);
    case KN_DF_RUN:
      for (size_t i = 0; r == 0 && i < d->n_mounts; i++)
        r = expand_mount (e, &d->mounts[i], err);
      return r;
    default:
      return 0;
    }
}

int
kn_buildenv_expand_instruction (const struct kn_buildenv *e, const struct kn_df_instruction *ins,
                                struct kn_df_instruction **out, struct kn_error **err)
{
  struct kn_df_instruction *d = ins_dup (ins);
  int r = expand_ins (e, d, err);
  *out = NULL;
  if (r < 0)
    {
      kn_df_instruction_free (d);
      return kn_error_wrap (err, "%s:%d", e->p->file, ins->start_line);
    }
  *out = d;
  return 0;
}
