#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/build/plan.h"
#include "core/build/scope.h"
#include "core/image/json.h"

int
kn_bplan_stage_ref (const struct kn_bplan *p, size_t current, const char *name)
{
  if (name == NULL || *name == '\0')
    return -1;
  for (size_t i = 0; i < current && i < p->n; i++)
    if (p->stages[i].name && strcasecmp (p->stages[i].name, name) == 0)
      return (int) i;
  char *end = NULL;
  long v = strtol (name, &end, 10);
  if (*end == '\0' && isdigit ((unsigned char) name[0]) && v >= 0 && (size_t) v < current)
    return (int) v;
  return -1;
}

static bool
numeric_chown (const char *s)
{
  for (; *s; s++)
    if (!isdigit ((unsigned char) *s) && *s != ':')
      return false;
  return true;
}

static void
mark_needed (struct kn_bplan *p, size_t i, struct kn_scope *sc)
{
  struct kn_bstage *st = &p->stages[i];
  if (st->needed)
    return;
  st->needed = true;
  if (st->base_stage >= 0)
    mark_needed (p, (size_t) st->base_stage, sc);
  for (size_t k = 0; k < st->n_ins; k++)
    {
      const struct kn_df_instruction *ins = st->ins[k];
      const char *from = NULL;
      if ((ins->kind == KN_DF_COPY || ins->kind == KN_DF_ADD) && ins->copy.from)
        from = ins->copy.from;
      if (from)
        {
          kn_cleanup_free char *x = NULL;
          struct kn_error *e = NULL;
          if (kn_scope_expand (sc, from, &x, &e) < 0)
            kn_error_free (e);
          int ref = kn_bplan_stage_ref (p, i, x ? x : from);
          if (ref >= 0)
            mark_needed (p, (size_t) ref, sc);
        }
      for (size_t m = 0; ins->kind == KN_DF_RUN && m < ins->n_mounts; m++)
        if (ins->mounts[m].from)
          {
            int ref = kn_bplan_stage_ref (p, i, ins->mounts[m].from);
            if (ref >= 0)
              mark_needed (p, (size_t) ref, sc);
          }
    }
}

int
kn_bplan_new (const struct kn_df_instructions *list, const struct kn_build_options *o, const char *file,
              char escape, struct kn_bplan **out, struct kn_error **err)
{
  struct kn_bplan *p = kn_xcalloc (1, sizeof *p);
  struct kn_scope meta;
  int ret = 0;
  size_t i = 0;

  for (size_t k = 0; k < o->build_args.n; k++)
    {
      const char *v = o->build_args.v[k].value;
      if (v == NULL)
        v = getenv (o->build_args.v[k].key);
      if (v == NULL)
        continue;
      kn_scope_vset (&p->build_args, o->build_args.v[k].key, v);
    }

  kn_scope_init (&meta, NULL, escape);
  for (; i < list->n && list->v[i]->kind != KN_DF_FROM; i++)
    {
      const struct kn_df_instruction *ins = list->v[i];
      if (ins->kind != KN_DF_ARG)
        {
          ret = kn_error_make (err, KN_EINVAL, 0, "%s:%d: %s before the first FROM: only ARG may come first", file,
                               ins->start_line, ins->name);
          goto fail;
        }
      for (size_t a = 0; a < ins->n_args; a++)
        if ((ret = kn_scope_arg (&meta, &ins->args[a], p->build_args, NULL, err)) < 0)
          {
            kn_error_wrap (err, "%s:%d", file, ins->start_line);
            goto fail;
          }
    }
  p->meta = kn_strv_dup (meta.args);
  if (i == list->n)
    {
      ret = kn_error_make (err, KN_EINVAL, 0, "%s: no FROM instruction", file);
      goto fail;
    }
  for (; i < list->n; i++)
    {
      const struct kn_df_instruction *ins = list->v[i];
      if (ins->kind == KN_DF_FROM)
        {
          p->stages = kn_xrealloc (p->stages, (p->n + 1) * sizeof *p->stages);
          struct kn_bstage *st = &p->stages[p->n];
          memset (st, 0, sizeof *st);
          st->index = p->n;
          st->from = ins;
          st->base_stage = -1;
          st->name = ins->stage_name ? kn_xstrdup (ins->stage_name) : NULL;
          if ((ret = kn_scope_expand (&meta, ins->base, &st->base, err)) < 0)
            {
              p->n++;
              kn_error_wrap (err, "%s:%d: FROM", file, ins->start_line);
              goto fail;
            }
          if (ins->platform && (ret = kn_scope_expand (&meta, ins->platform, &st->platform, err)) < 0)
            {
              p->n++;
              kn_error_wrap (err, "%s:%d: FROM --platform", file, ins->start_line);
              goto fail;
            }
          p->n++;
          if (*st->base == '\0')
            {
              ret = kn_error_make (err, KN_EINVAL, 0, "%s:%d: FROM: empty base image name (%s)", file, ins->start_line,
                                   ins->base);
              goto fail;
            }
          for (size_t s = 0; s + 1 < p->n; s++)
            if (p->stages[s].name && strcasecmp (p->stages[s].name, st->base) == 0)
              st->base_stage = (int) s;
          st->scratch = st->base_stage < 0 && strcasecmp (st->base, "scratch") == 0;
          if (st->name)
            for (size_t s = 0; s + 1 < p->n; s++)
              if (p->stages[s].name && strcmp (p->stages[s].name, st->name) == 0)
                {
                  ret = kn_error_make (err, KN_EINVAL, 0, "%s:%d: duplicate stage name \"%s\"", file, ins->start_line,
                                       st->name);
                  goto fail;
                }
          continue;
        }
      struct kn_bstage *st = &p->stages[p->n - 1];
      st->ins = kn_xrealloc (st->ins, (st->n_ins + 1) * sizeof *st->ins);
      st->ins[st->n_ins++] = ins;
    }

  p->target = p->n - 1;
  if (o->target && *o->target)
    {
      int t = -1;
      for (size_t s = 0; s < p->n; s++)
        if (p->stages[s].name && strcasecmp (p->stages[s].name, o->target) == 0)
          t = (int) s;
      if (t < 0)
        {
          ret = kn_error_make (err, KN_ENOTFOUND, 0, "%s: target stage \"%s\" could not be found", file, o->target);
          goto fail;
        }
      p->target = (size_t) t;
    }

  /* Which stages to build: the target and what it needs (kaniko builds every
   * stage up to the target unless --skip-unused-stages). */
  mark_needed (p, p->target, &meta);
  if (!o->skip_unused_stages)
    for (size_t s = 0; s < p->target; s++)
      p->stages[s].needed = true;

  /* Which roots must hold the whole filesystem. */
  for (size_t s = 0; s < p->n; s++)
    for (size_t k = 0; k < p->stages[s].n_ins; k++)
      {
        const struct kn_df_instruction *ins = p->stages[s].ins[k];
        if (ins->kind == KN_DF_RUN)
          p->stages[s].need_root = true;
        if ((ins->kind == KN_DF_COPY || ins->kind == KN_DF_ADD) && ins->copy.chown && !numeric_chown (ins->copy.chown))
          p->stages[s].need_root = true;
        if ((ins->kind == KN_DF_COPY || ins->kind == KN_DF_ADD) && ins->copy.from)
          {
            int ref = kn_bplan_stage_ref (p, s, ins->copy.from);
            if (ref >= 0)
              p->stages[ref].need_root = true;
          }
        for (size_t m = 0; ins->kind == KN_DF_RUN && m < ins->n_mounts; m++)
          if (ins->mounts[m].from)
            {
              int ref = kn_bplan_stage_ref (p, s, ins->mounts[m].from);
              if (ref >= 0)
                p->stages[ref].need_root = true;
            }
      }
  kn_scope_clear (&meta);
  *out = p;
  return 0;

fail:
  kn_scope_clear (&meta);
  kn_bplan_free (p);
  return ret;
}

void
kn_bplan_free (struct kn_bplan *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n; i++)
    {
      free (p->stages[i].name);
      free (p->stages[i].base);
      free (p->stages[i].platform);
      free (p->stages[i].ins);
    }
  free (p->stages);
  kn_strv_free (p->meta);
  kn_strv_free (p->build_args);
  free (p);
}
