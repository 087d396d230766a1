/* The build plan: see stages.h.  BuildKit's convert.go is the reference for
 * meta ARGs (buildMetaArgs), base name expansion, stage lookup and the
 * reachable-stage walk; kaniko's for building every stage up to the target
 * unless --skip-unused-stages. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/shell.h"
#include "core/dockerfile/stages.h"
#include "core/image/platform.h"

const char *const kn_plan_platform_args[]
    = { "TARGETPLATFORM", "TARGETOS",     "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS",
        "BUILDARCH",      "BUILDVARIANT", NULL };

const char *const kn_plan_proxy_args[]
    = { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY",   "no_proxy",   "ALL_PROXY",   "all_proxy",   NULL };

static size_t
key_len (const char *kv)
{
  const char *eq = strchr (kv, '=');
  return eq ? (size_t)(eq - kv) : strlen (kv);
}

const char *
kn_envv_get (char *const *v, const char *key)
{
  const char *found = NULL;
  size_t kl = strlen (key);
  for (size_t i = 0; v && v[i]; i++)
    if (key_len (v[i]) == kl && strncmp (v[i], key, kl) == 0)
      found = v[i][kl] == '=' ? v[i] + kl + 1 : "";
  return found;
}

void
kn_envv_set (char ***v, size_t *n, const char *key, const char *value)
{
  size_t kl = strlen (key);
  for (size_t i = 0; i < *n; i++)
    if (key_len ((*v)[i]) == kl && strncmp ((*v)[i], key, kl) == 0)
      {
        free ((*v)[i]);
        (*v)[i] = kn_xasprintf ("%s=%s", key, value);
        return;
      }
  *v = kn_xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = kn_xasprintf ("%s=%s", key, value);
  (*v)[*n] = NULL;
}

static bool
in_list (const char *const *list, const char *key)
{
  for (size_t i = 0; list[i]; i++)
    if (strcmp (list[i], key) == 0)
      return true;
  return false;
}

static char *
lower (const char *s)
{
  char *r = kn_xstrdup (s);
  for (char *c = r; *c; c++)
    *c = (char)tolower ((unsigned char)*c);
  return r;
}

const char *
kn_plan_build_arg (const struct kn_build_plan *p, const char *key)
{
  return kn_envv_get (p->build_args, key);
}

const char *
kn_plan_meta_arg (const struct kn_build_plan *p, const char *key)
{
  return kn_envv_get (p->meta_env, key);
}

/* The --build-arg list: "K=V" or "K" from the environment (ignored when unset). */
static void
collect_build_args (struct kn_build_plan *p, const char *const *args)
{
  size_t n = 0;
  p->build_args = kn_xcalloc (1, sizeof *p->build_args);
  for (size_t i = 0; args && args[i]; i++)
    {
      const char *eq = strchr (args[i], '=');
      if (eq)
        {
          kn_cleanup_free char *k = kn_xstrndup (args[i], (size_t)(eq - args[i]));
          kn_envv_set (&p->build_args, &n, k, eq + 1);
        }
      else
        {
          const char *v = getenv (args[i]);
          if (v)
            kn_envv_set (&p->build_args, &n, args[i], v);
        }
    }
}

/* Add PREFIX{PLATFORM,OS,ARCH,VARIANT} for platform S (NULL = HOST) to the meta env. */
static int
add_platform_args (struct kn_build_plan *p, size_t *n, const char *prefix, const char *s, const char *fallback,
                   struct kn_error **err)
{
  struct kn_platform pl = { 0 };
  kn_cleanup_free char *fmt = NULL, *k1 = NULL, *k2 = NULL, *k3 = NULL, *k4 = NULL;
  if (s == NULL)
    s = fallback;
  if (s == NULL)
    kn_platform_host (&pl);
  else
    {
      int r = kn_platform_parse (s, &pl, err);
      if (r < 0)
        return r;
    }
  /* containerd's current normalisation: arm64 has no default variant */
  if (pl.architecture && strcmp (pl.architecture, "arm64") == 0 && pl.variant && strcmp (pl.variant, "v8") == 0)
    {
      free (pl.variant);
      pl.variant = NULL;
    }
  fmt = pl.variant ? kn_xasprintf ("%s/%s/%s", pl.os, pl.architecture, pl.variant)
                   : kn_xasprintf ("%s/%s", pl.os, pl.architecture);
  k1 = kn_xasprintf ("%sPLATFORM", prefix);
  k2 = kn_xasprintf ("%sOS", prefix);
  k3 = kn_xasprintf ("%sARCH", prefix);
  k4 = kn_xasprintf ("%sVARIANT", prefix);
  kn_envv_set (&p->meta_env, n, k1, fmt);
  kn_envv_set (&p->meta_env, n, k2, pl.os);
  kn_envv_set (&p->meta_env, n, k3, pl.architecture);
  kn_envv_set (&p->meta_env, n, k4, pl.variant ? pl.variant : "");
  kn_platform_clear (&pl);
  return 0;
}

static int
expand_meta (const struct kn_build_plan *p, char escape, const char *word, char **out, struct kn_error **err)
{
  struct kn_shell_lex lex = { .escape = escape, .env = (const char *const *)p->meta_env };
  return kn_shell_process_word (&lex, word, out, err);
}

/* buildMetaArgs: the ARGs before the first FROM, in order. */
static int
meta_args (struct kn_build_plan *p, size_t *n, const struct kn_df_instruction *ins, char escape, struct kn_error **err)
{
  for (size_t k = 0; k < ins->n_args; k++)
    {
      const struct kn_df_argdef *a = &ins->args[k];
      const char *given = kn_plan_build_arg (p, a->key);
      if (given)
        kn_envv_set (&p->meta_env, n, a->key, given);
      else if (a->value)
        {
          kn_cleanup_free char *v = NULL;
          int r = expand_meta (p, escape, a->value, &v, err);
          if (r < 0)
            return kn_error_wrap (err, "%s:%d", p->file, ins->start_line);
          kn_envv_set (&p->meta_env, n, a->key, v);
        }
    }
  return 0;
}

static void
add_dep (struct kn_stage *s, size_t d)
{
  size_t i = 0;
  while (i < s->n_deps && s->deps[i] < d)
    i++;
  if (i < s->n_deps && s->deps[i] == d)
    return;
  s->deps = kn_xrealloc (s->deps, (s->n_deps + 1) * sizeof *s->deps);
  memmove (s->deps + i + 1, s->deps + i, (s->n_deps - i) * sizeof *s->deps);
  s->deps[i] = d;
  s->n_deps++;
}

/* strconv.Atoi-like: optional sign then decimal digits only. */
static bool
parse_index (const char *s, long *out)
{
  const char *d = s + (*s == '-' || *s == '+');
  char *end;
  if (*d == '\0')
    return false;
  for (const char *c = d; *c; c++)
    if (!isdigit ((unsigned char)*c))
      return false;
  errno = 0;
  *out = strtol (s, &end, 10);
  return errno == 0 && *end == '\0';
}

int
kn_plan_stage_ref (const struct kn_build_plan *p, size_t current, const char *ref, int *stage, struct kn_error **err)
{
  long idx;
  *stage = -1;
  if (parse_index (ref, &idx))
    {
      if (idx < 0 || (size_t)idx >= p->n)
        return kn_error_make (err, KN_EINVAL, 0, "invalid stage index %s", ref);
      if ((size_t)idx == current)
        return kn_error_make (err, KN_EINVAL, 0, "stage %ld refers to the current stage", idx);
      if ((size_t)idx > current)
        return kn_error_make (err, KN_EINVAL, 0,
                              "stage %ld is defined after the current stage %zu, it needs to be defined before", idx,
                              current);
      *stage = (int)idx;
      return 0;
    }
  for (size_t i = 0; i < p->n; i++)
    if (p->stages[i].name && strcasecmp (p->stages[i].name, ref) == 0)
      {
        if (i < current)
          {
            *stage = (int)i;
            return 0;
          }
        if (i == current)
          return kn_error_make (err, KN_EINVAL, 0, "stage \"%s\" refers to the current stage", p->stages[i].name);
        return kn_error_make (err, KN_EINVAL, 0,
                              "stage \"%s\" is defined after the current stage, it needs to be defined before",
                              p->stages[i].name);
      }
  return 0;
}

/* Record the stage dependencies of one instruction of stage S. */
static int
instruction_deps (struct kn_build_plan *p, struct kn_stage *s, const struct kn_df_instruction *ins,
                  struct kn_error **err)
{
  int st, r;
  if (ins->kind == KN_DF_COPY && ins->copy.from)
    {
      if (strchr (ins->copy.from, '$'))
        return kn_error_make (err, KN_EINVAL, 0,
                              "%s:%d: COPY --from=%s: variable expansion is not supported for --from, define a new "
                              "stage with FROM using ARG from global scope as a workaround",
                              p->file, ins->start_line, ins->copy.from);
      r = kn_plan_stage_ref (p, s->index, ins->copy.from, &st, err);
      if (r < 0)
        return kn_error_wrap (err, "%s:%d: COPY --from=%s", p->file, ins->start_line, ins->copy.from);
      if (st >= 0)
        add_dep (s, (size_t)st);
    }
  if (ins->kind == KN_DF_RUN)
    for (size_t m = 0; m < ins->n_mounts; m++)
      {
        const char *from = ins->mounts[m].from;
        if (from == NULL || *from == '\0')
          continue;
        r = kn_plan_stage_ref (p, s->index, from, &st, err);
        if (r < 0)
          return kn_error_wrap (err, "%s:%d: RUN --mount from=%s", p->file, ins->start_line, from);
        if (st >= 0)
          add_dep (s, (size_t)st);
      }
  return 0;
}

static void
mark_needed (struct kn_build_plan *p, size_t i)
{
  if (p->stages[i].needed)
    return;
  p->stages[i].needed = true;
  for (size_t k = 0; k < p->stages[i].n_deps; k++)
    mark_needed (p, p->stages[i].deps[k]);
}

static int
find_target (struct kn_build_plan *p, const char *target, struct kn_error **err)
{
  char *list = NULL;
  size_t len = 0;
  FILE *f;
  if (target == NULL || *target == '\0')
    {
      p->target = p->n - 1;
      return 0;
    }
  for (size_t i = 0; i < p->n; i++)
    if (p->stages[i].name && strcasecmp (p->stages[i].name, target) == 0)
      {
        p->target = i;
        return 0;
      }
  f = open_memstream (&list, &len);
  for (size_t i = 0, k = 0; i < p->n; i++)
    if (p->stages[i].name)
      fprintf (f, "%s\"%s\"", k++ ? ", " : "", p->stages[i].name);
  fclose (f);
  {
    int r = kn_error_make (err, KN_ENOTFOUND, 0, "%s: target stage \"%s\" could not be found (stages: %s)", p->file,
                           target, *list ? list : "none named");
    free (list);
    return r;
  }
}

static int
str_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Names of --build-arg values no ARG declared (proxy and platform args
 * excepted), as kaniko/docker warn. */
static void
unused_warning (struct kn_build_plan *p, const struct kn_df_instructions *list)
{
  char **unused = NULL;
  size_t n = 0, nw = 0;
  for (size_t i = 0; p->build_args[i]; i++)
    {
      kn_cleanup_free char *k = kn_xstrndup (p->build_args[i], key_len (p->build_args[i]));
      bool used = in_list (kn_plan_proxy_args, k) || in_list (kn_plan_platform_args, k);
      for (size_t j = 0; !used && j < list->n; j++)
        if (list->v[j]->kind == KN_DF_ARG)
          for (size_t a = 0; a < list->v[j]->n_args; a++)
            if (strcmp (list->v[j]->args[a].key, k) == 0)
              used = true;
      if (!used)
        {
          unused = kn_xrealloc (unused, (n + 2) * sizeof *unused);
          unused[n++] = KN_STEAL (k);
          unused[n] = NULL;
        }
    }
  p->warnings = kn_xcalloc (2, sizeof *p->warnings);
  if (n)
    {
      char *buf = NULL;
      size_t len = 0;
      FILE *f = open_memstream (&buf, &len);
      qsort (unused, n, sizeof *unused, str_cmp);
      fputs ("[Warning] One or more build-args [", f);
      for (size_t i = 0; i < n; i++)
        fprintf (f, "%s%s", i ? " " : "", unused[i]);
      fputs ("] were not consumed", f);
      fclose (f);
      p->warnings[nw++] = buf;
    }
  kn_strv_free (unused);
}

static int
build_stages (struct kn_build_plan *p, const struct kn_df_instructions *list, size_t first, char escape,
              struct kn_error **err)
{
  size_t n_from = 0;
  for (size_t i = first; i < list->n; i++)
    if (list->v[i]->kind == KN_DF_FROM)
      n_from++;
  p->stages = kn_xcalloc (n_from, sizeof *p->stages);
  for (size_t i = first; i < list->n; i++)
    {
      const struct kn_df_instruction *ins = list->v[i];
      struct kn_stage *s;
      int r;
      if (ins->kind != KN_DF_FROM)
        {
          s = &p->stages[p->n - 1];
          s->ins = kn_xrealloc (s->ins, (s->n_ins + 1) * sizeof *s->ins);
          s->ins[s->n_ins++] = ins;
          continue;
        }
      s = &p->stages[p->n];
      s->index = p->n++;
      s->from = ins;
      s->base_stage = -1;
      if (ins->stage_name)
        {
          s->name = lower (ins->stage_name);
          for (size_t k = 0; k + 1 < p->n; k++)
            if (p->stages[k].name && strcmp (p->stages[k].name, s->name) == 0)
              return kn_error_make (err, KN_EINVAL, 0,
                                    "%s:%d: duplicate stage name \"%s\", stage names should be unique (first "
                                    "defined at line %d)",
                                    p->file, ins->start_line, s->name, p->stages[k].from->start_line);
        }
      r = expand_meta (p, escape, ins->base, &s->base, err);
      if (r < 0)
        return kn_error_wrap (err, "%s:%d", p->file, ins->start_line);
      if (*s->base == '\0')
        return kn_error_make (err, KN_EINVAL, 0, "%s:%d: base name (%s) should not be blank", p->file, ins->start_line,
                              ins->base);
      s->scratch = strcmp (s->base, "scratch") == 0;
      if (ins->platform)
        {
          r = expand_meta (p, escape, ins->platform, &s->platform, err);
          if (r < 0)
            return kn_error_wrap (err, "%s:%d: failed to process arguments for platform %s", p->file, ins->start_line,
                                  ins->platform);
          if (*s->platform == '\0')
            return kn_error_make (err, KN_EINVAL, 0, "%s:%d: empty platform value from expression %s", p->file,
                                  ins->start_line, ins->platform);
          {
            struct kn_platform pl = { 0 };
            r = kn_platform_parse (s->platform, &pl, err);
            kn_platform_clear (&pl);
            if (r < 0)
              return kn_error_wrap (err, "%s:%d: failed to parse platform %s", p->file, ins->start_line, ins->platform);
          }
        }
      for (size_t k = 0; k + 1 < p->n; k++)
        if (p->stages[k].name && strcasecmp (p->stages[k].name, s->base) == 0)
          {
            s->base_stage = (int)k;
            add_dep (s, k);
          }
    }
  /* FROM <a later stage's name> */
  for (size_t i = 0; i < p->n; i++)
    {
      struct kn_stage *s = &p->stages[i];
      if (s->base_stage >= 0)
        continue;
      for (size_t k = i + 1; k < p->n; k++)
        if (p->stages[k].name && strcasecmp (p->stages[k].name, s->base) == 0)
          return kn_error_make (err, KN_EINVAL, 0,
                                "%s:%d: FROM %s: stage \"%s\" is defined after the current stage, it needs to be "
                                "defined before",
                                p->file, s->from->start_line, s->base, p->stages[k].name);
    }
  for (size_t i = 0; i < p->n; i++)
    for (size_t k = 0; k < p->stages[i].n_ins; k++)
      {
        int r = instruction_deps (p, &p->stages[i], p->stages[i].ins[k], err);
        if (r < 0)
          return r;
      }
  return 0;
}

int
kn_plan_new (const struct kn_df_instructions *list, const struct kn_plan_opts *o, struct kn_build_plan **out,
             struct kn_error **err)
{
  struct kn_build_plan *p = kn_xcalloc (1, sizeof *p);
  char escape = o->escape ? o->escape : '\\';
  size_t n_meta = 0, first = 0;
  int r;

  *out = NULL;
  p->file = kn_xstrdup (o->file ? o->file : "Dockerfile");
  p->escape = escape;
  p->meta_env = kn_xcalloc (1, sizeof *p->meta_env);
  collect_build_args (p, o->build_args);
  if (list->n == 0)
    {
      r = kn_error_make (err, KN_EINVAL, 0, "%s: the Dockerfile cannot be empty", p->file);
      goto fail;
    }
  r = add_platform_args (p, &n_meta, "BUILD", o->build_platform, NULL, err);
  if (r == 0)
    r = add_platform_args (p, &n_meta, "TARGET", o->target_platform, o->build_platform, err);
  if (r < 0)
    {
      kn_error_wrap (err, "%s", p->file);
      goto fail;
    }
  /* a platform arg given with --build-arg replaces the automatic value */
  for (size_t i = 0; kn_plan_platform_args[i]; i++)
    {
      const char *v = kn_plan_build_arg (p, kn_plan_platform_args[i]);
      if (v)
        kn_envv_set (&p->meta_env, &n_meta, kn_plan_platform_args[i], v);
    }
  for (; first < list->n && list->v[first]->kind != KN_DF_FROM; first++)
    {
      const struct kn_df_instruction *ins = list->v[first];
      if (ins->kind != KN_DF_ARG)
        {
          r = kn_error_make (err, KN_EINVAL, 0, "%s:%d: no build stage in current context", p->file, ins->start_line);
          goto fail;
        }
      if ((r = meta_args (p, &n_meta, ins, escape, err)) < 0)
        goto fail;
    }
  if (first == list->n)
    {
      r = kn_error_make (err, KN_EINVAL, 0, "%s: dockerfile contains no stages to build", p->file);
      goto fail;
    }
  if ((r = build_stages (p, list, first, escape, err)) < 0)
    goto fail;
  if ((r = find_target (p, o->target, err)) < 0)
    goto fail;
  if (o->skip_unused)
    mark_needed (p, p->target);
  else
    for (size_t i = 0; i <= p->target; i++)
      p->stages[i].needed = true;
  unused_warning (p, list);
  *out = p;
  return 0;
fail:
  kn_plan_free (p);
  return r;
}

void
kn_plan_free (struct kn_build_plan *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n; i++)
    {
      free (p->stages[i].name);
      free (p->stages[i].base);
      free (p->stages[i].platform);
      free (p->stages[i].ins);
      free (p->stages[i].deps);
    }
  free (p->stages);
  kn_strv_free (p->meta_env);
  kn_strv_free (p->warnings);
  kn_strv_free (p->build_args);
  free (p->file);
  free (p);
}
