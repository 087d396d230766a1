/* Syntax tree -> typed instructions (BuildKit's instructions/parse.go): see
 * instructions.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kaniko/sys/util.h>

#include "core/dockerfile/dump.h"
#include "core/dockerfile/flags.h"
#include "core/dockerfile/heredoc.h"
#include "core/dockerfile/instructions.h"
#include "core/dockerfile/strbuf.h"
#include "core/dockerfile/unicode.h"

#define NFLAGS(a) (sizeof (a) / sizeof (a)[0])
#define MIN_INTERVAL_NS 1000000LL

static const struct
{
  const char *name;
  enum kn_df_kind kind;
} kinds[] = {
  { "add", KN_DF_ADD },
  { "arg", KN_DF_ARG },
  { "cmd", KN_DF_CMD },
  { "copy", KN_DF_COPY },
  { "entrypoint", KN_DF_ENTRYPOINT },
  { "env", KN_DF_ENV },
  { "expose", KN_DF_EXPOSE },
  { "from", KN_DF_FROM },
  { "healthcheck", KN_DF_HEALTHCHECK },
  { "label", KN_DF_LABEL },
  { "maintainer", KN_DF_MAINTAINER },
  { "onbuild", KN_DF_ONBUILD },
  { "run", KN_DF_RUN },
  { "shell", KN_DF_SHELL },
  { "stopsignal", KN_DF_STOPSIGNAL },
  { "user", KN_DF_USER },
  { "volume", KN_DF_VOLUME },
  { "workdir", KN_DF_WORKDIR },
};

/* nodeArgs: the argument values, ONBUILD's nested instruction flattened. */
static void
node_args (const struct kn_df_node *node, char ***v, size_t *n)
{
  for (const struct kn_df_node *a = node->next; a; a = a->next)
    {
      if (a->n_children == 0)
        {
          *v = kn_xrealloc (*v, (*n + 2) * sizeof **v);
          (*v)[(*n)++] = kn_xstrndup (a->value, a->value_len);
          (*v)[*n] = NULL;
        }
      else if (a->n_children == 1)
        {
          *v = kn_xrealloc (*v, (*n + 2) * sizeof **v);
          (*v)[(*n)++] = kn_xstrdup (a->children[0]->value);
          (*v)[*n] = NULL;
          node_args (a->children[0], v, n);
        }
    }
}

static char **
strv_dup (char *const *v, size_t n)
{
  char **out = kn_xcalloc (n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = kn_xstrdup (v[i]);
  return out;
}

static char *
dup_or_null (const char *s)
{
  return s ? kn_xstrdup (s) : NULL;
}

/* handleJSONArgs */
static void
set_cmdline (struct kn_df_cmdline *c, char **args, size_t n, const struct kn_df_node *node)
{
  if (n == 0)
    c->argv = kn_xcalloc (1, sizeof *c->argv), c->argc = 0;
  else if (node->json)
    c->argv = strv_dup (args, n), c->argc = n;
  else
    {
      struct kn_df_buf b = { 0 };
      for (size_t i = 0; i < n; i++)
        {
          if (i)
            kn_df_buf_addc (&b, ' ');
          kn_df_buf_adds (&b, args[i]);
        }
      c->argv = kn_xcalloc (2, sizeof *c->argv);
      c->argv[0] = kn_df_buf_steal (&b);
      c->argc = 1;
    }
  c->prepend_shell = !node->json;
  if (node->n_heredocs)
    {
      c->files = kn_xcalloc (node->n_heredocs, sizeof *c->files);
      for (size_t i = 0; i < node->n_heredocs; i++)
        {
          c->files[i] = node->heredocs[i];
          c->files[i].name = kn_xstrdup (node->heredocs[i].name);
          c->files[i].content = kn_xstrdup (node->heredocs[i].content ? node->heredocs[i].content : "");
        }
      c->n_files = node->n_heredocs;
    }
}

static int
parse_kvps (struct kn_df_instruction *ins, char **args, size_t n, const char *cmd, struct kn_error **err)
{
  if (n == 0)
    return kn_error_make (err, KN_EINVAL, 0, "%s requires at least one argument", cmd);
  if (n % 3 != 0)
    return kn_error_make (err, KN_EINVAL, 0, "Bad input to %s, too many arguments", cmd);
  ins->kvs = kn_xcalloc (n / 3, sizeof *ins->kvs);
  for (size_t j = 0; j < n; j += 3)
    {
      if (args[j][0] == '\0')
        return kn_error_make (err, KN_EINVAL, 0, "%s names can not be blank", cmd);
      ins->kvs[ins->n_kvs].key = kn_xstrdup (args[j]);
      ins->kvs[ins->n_kvs].value = kn_xstrdup (args[j + 1]);
      ins->kvs[ins->n_kvs].no_delim = args[j + 2][0] == '\0';
      ins->n_kvs++;
    }
  return 0;
}

static int
no_flags (const struct kn_df_node *node, struct kn_error **err)
{
  return kn_df_flags_parse (NULL, 0, node->flags, node->n_flags, err);
}

static int
sources_and_dest (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n, const char *cmd,
                  struct kn_error **err)
{
  struct kn_df_heredoc h;
  struct kn_error *ignored = NULL;
  struct kn_df_copy *c = &ins->copy;
  int r = kn_df_heredoc_parse_word (args[n - 1], &h, &ignored);
  kn_error_free (ignored);
  ignored = NULL;
  if (r == 1)
    {
      free (h.name);
      return kn_error_make (err, KN_EINVAL, 0, "%s cannot accept a heredoc as a destination", cmd);
    }
  c->dest = kn_xstrdup (args[n - 1]);
  c->sources = kn_xcalloc (n, sizeof *c->sources);
  for (size_t i = 0; i + 1 < n; i++)
    {
      r = kn_df_heredoc_parse_word (args[i], &h, &ignored);
      kn_error_free (ignored);
      ignored = NULL;
      if (r == 1)
        {
          struct kn_df_source_content *sc;
          struct kn_df_heredoc found = { 0 };
          for (size_t k = 0; k < node->n_heredocs; k++)
            if (strcmp (node->heredocs[k].name, h.name) == 0)
              found = node->heredocs[k];
          found.chomp = h.chomp;
          c->contents = kn_xrealloc (c->contents, (c->n_contents + 1) * sizeof *c->contents);
          sc = &c->contents[c->n_contents++];
          sc->path = h.name;
          sc->data = kn_df_heredoc_content (&found);
          sc->expand = h.expand;
          continue;
        }
      c->sources[c->n_sources++] = kn_xstrdup (args[i]);
    }
  return 0;
}

static int
parse_copy_add (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n, bool add,
                struct kn_error **err)
{
  const char *cmd = add ? "ADD" : "COPY";
  struct kn_df_flag copy_flags[] = {
    { "exclude", KN_DF_FLAG_STRINGS }, { "parents", KN_DF_FLAG_BOOL }, { "chown", KN_DF_FLAG_STRING },
    { "from", KN_DF_FLAG_STRING },     { "chmod", KN_DF_FLAG_STRING }, { "link", KN_DF_FLAG_BOOL },
  };
  struct kn_df_flag add_flags[] = {
    { "exclude", KN_DF_FLAG_STRINGS }, { "chown", KN_DF_FLAG_STRING },      { "chmod", KN_DF_FLAG_STRING },
    { "link", KN_DF_FLAG_BOOL },       { "keep-git-dir", KN_DF_FLAG_BOOL }, { "checksum", KN_DF_FLAG_STRING },
    { "unpack", KN_DF_FLAG_BOOL },
  };
  struct kn_df_flag *f = add ? add_flags : copy_flags;
  size_t nf = add ? NFLAGS (add_flags) : NFLAGS (copy_flags);
  int r;

  if (n < 2)
    return kn_error_make (err, KN_EINVAL, 0,
                          "%s requires at least two arguments, but only one was provided. Destination could not be "
                          "determined",
                          cmd);
  r = kn_df_flags_parse (f, nf, node->flags, node->n_flags, err);
  if (r == 0)
    r = sources_and_dest (ins, node, args, n, cmd, err);
  if (r == 0)
    {
      struct kn_df_copy *c = &ins->copy;
      c->unpack = -1;
      for (size_t i = 0; i < nf; i++)
        {
          const char *nm = f[i].name;
          if (strcmp (nm, "exclude") == 0)
            {
              c->excludes = kn_xcalloc (f[i].n_values + 1, sizeof *c->excludes);
              for (size_t k = 0; k < f[i].n_values; k++)
                c->excludes[k] = kn_xstrdup (f[i].values[k]);
              c->n_excludes = f[i].n_values;
            }
          else if (strcmp (nm, "parents") == 0)
            c->parents = f[i].bool_value;
          else if (strcmp (nm, "link") == 0)
            c->link = f[i].bool_value;
          else if (strcmp (nm, "keep-git-dir") == 0)
            c->keep_git_dir = f[i].bool_value;
          else if (strcmp (nm, "unpack") == 0)
            c->unpack = f[i].used ? f[i].bool_value : -1;
          else if (strcmp (nm, "chown") == 0)
            c->chown = f[i].used ? kn_xstrdup (f[i].value) : NULL;
          else if (strcmp (nm, "chmod") == 0)
            c->chmod = f[i].used ? kn_xstrdup (f[i].value) : NULL;
          else if (strcmp (nm, "from") == 0)
            c->from = f[i].used ? kn_xstrdup (f[i].value) : NULL;
          else if (strcmp (nm, "checksum") == 0)
            c->checksum = f[i].used ? kn_xstrdup (f[i].value) : NULL;
        }
    }
  kn_df_flags_clear (f, nf);
  return r;
}

static bool
valid_stage_name (const char *s)
{
  if (!(*s >= 'a' && *s <= 'z'))
    return false;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
      return false;
  return true;
}

static int
parse_from (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n, struct kn_error **err)
{
  struct kn_df_flag f[] = { { "platform", KN_DF_FLAG_STRING } };
  int r;
  if (n == 3 && strcasecmp (args[1], "as") == 0)
    {
      kn_cleanup_free char *lower = kn_df_lower (args[2], strlen (args[2]));
      if (!valid_stage_name (lower))
        {
          kn_cleanup_free char *q = kn_df_quote (args[2], strlen (args[2]));
          return kn_error_make (err, KN_EINVAL, 0,
                                "invalid name for build stage: %s, name can't start with a number or contain symbols",
                                q);
        }
      ins->stage_name = KN_STEAL (lower);
    }
  else if (n != 1)
    return kn_error_make (err, KN_EINVAL, 0, "FROM requires either one or three arguments");
  r = kn_df_flags_parse (f, 1, node->flags, node->n_flags, err);
  if (r < 0)
    return r;
  ins->base = kn_xstrdup (args[0]);
  ins->platform = f[0].used ? kn_xstrdup (f[0].value) : NULL;
  return 0;
}

static int
parse_onbuild (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n,
               struct kn_error **err)
{
  kn_cleanup_free char *trigger = NULL;
  const char *o = node->original ? node->original : "";
  struct kn_df_buf b = { 0 };
  size_t len;
  int r;

  if (n == 0)
    return kn_error_make (err, KN_EINVAL, 0, "ONBUILD requires at least one argument");
  r = no_flags (node, err);
  if (r < 0)
    return r;
  len = strlen (args[0]);
  {
    size_t a = kn_df_skip_space (args[0], len);
    size_t l = kn_df_rtrim_space_len (args[0] + a, len - a);
    trigger = kn_xstrndup (args[0] + a, l);
  }
  for (char *p = trigger; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  if (strcmp (trigger, "ONBUILD") == 0)
    return kn_error_make (err, KN_EINVAL, 0, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (strcmp (trigger, "MAINTAINER") == 0 || strcmp (trigger, "FROM") == 0)
    return kn_error_make (err, KN_EINVAL, 0, "%s isn't allowed as an ONBUILD trigger", trigger);
  /* (?i)^\s*ONBUILD\s* removed from the original line */
  while (*o == ' ' || *o == '\t' || *o == '\n' || *o == '\f' || *o == '\r')
    o++;
  if (strncasecmp (o, "onbuild", 7) == 0)
    {
      o += 7;
      while (*o == ' ' || *o == '\t' || *o == '\n' || *o == '\f' || *o == '\r')
        o++;
    }
  kn_df_buf_adds (&b, o);
  for (size_t i = 0; i < node->n_heredocs; i++)
    {
      kn_df_buf_addc (&b, '\n');
      kn_df_buf_adds (&b, node->heredocs[i].content ? node->heredocs[i].content : "");
      kn_df_buf_adds (&b, node->heredocs[i].name);
    }
  ins->expression = kn_df_buf_steal (&b);
  ins->trigger = KN_STEAL (trigger);
  return 0;
}

static int
parse_interval (const struct kn_df_flag *f, int64_t *out, struct kn_error **err)
{
  int64_t d;
  int r;
  *out = 0;
  if (!f->used || f->value == NULL || *f->value == '\0')
    return 0;
  r = kn_df_parse_duration (f->value, &d, err);
  if (r < 0)
    return r;
  if (d == 0)
    return 0;
  if (d < MIN_INTERVAL_NS)
    return kn_error_make (err, KN_EINVAL, 0, "Interval \"%s\" cannot be less than 1ms", f->name);
  *out = d;
  return 0;
}

static int
parse_healthcheck (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n,
                   struct kn_error **err)
{
  struct kn_df_health *h = &ins->health;
  struct kn_df_flag f[] = {
    { "interval", KN_DF_FLAG_STRING },       { "timeout", KN_DF_FLAG_STRING }, { "start-period", KN_DF_FLAG_STRING },
    { "start-interval", KN_DF_FLAG_STRING }, { "retries", KN_DF_FLAG_STRING },
  };
  kn_cleanup_free char *typ = NULL;
  int r;

  if (n == 0)
    return kn_error_make (err, KN_EINVAL, 0, "HEALTHCHECK requires at least one argument");
  typ = kn_xstrdup (args[0]);
  for (char *p = typ; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  if (strcmp (typ, "NONE") == 0)
    {
      if (n != 1)
        return kn_error_make (err, KN_EINVAL, 0, "HEALTHCHECK NONE takes no arguments");
      h->none = true;
      h->test = kn_xcalloc (2, sizeof *h->test);
      h->test[0] = kn_xstrdup ("NONE");
      h->n_test = 1;
      return 0;
    }
  r = kn_df_flags_parse (f, NFLAGS (f), node->flags, node->n_flags, err);
  if (r < 0)
    return r;
  if (strcmp (typ, "CMD") != 0)
    {
      kn_cleanup_free char *q = kn_df_quote (typ, strlen (typ));
      return kn_error_make (err, KN_EINVAL, 0, "Unknown type %s in HEALTHCHECK (try CMD)", q);
    }
  {
    struct kn_df_cmdline c = { 0 };
    struct kn_df_node shadow = *node;
    shadow.n_heredocs = 0;
    set_cmdline (&c, args + 1, n - 1, &shadow);
    if (c.argc == 0)
      {
        kn_strv_free (c.argv);
        return kn_error_make (err, KN_EINVAL, 0, "Missing command after HEALTHCHECK CMD");
      }
    h->test = kn_xcalloc (c.argc + 2, sizeof *h->test);
    h->test[0] = kn_xstrdup (node->json ? "CMD" : "CMD-SHELL");
    for (size_t i = 0; i < c.argc; i++)
      h->test[i + 1] = c.argv[i];
    h->n_test = c.argc + 1;
    free (c.argv);
  }
  if ((r = parse_interval (&f[0], &h->interval, err)) < 0 || (r = parse_interval (&f[1], &h->timeout, err)) < 0
      || (r = parse_interval (&f[2], &h->start_period, err)) < 0
      || (r = parse_interval (&f[3], &h->start_interval, err)) < 0)
    return r;
  if (f[4].used && f[4].value && *f[4].value)
    {
      char *end;
      long long v;
      const char *s = f[4].value;
      errno = 0;
      v = strtoll (s, &end, 10);
      if (*s == '\0' || *end || s[0] == ' ' || s[0] == '\t')
        return kn_error_make (err, KN_EINVAL, 0, "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
      if (errno == ERANGE || v > INT32_MAX || v < INT32_MIN)
        return kn_error_make (err, KN_EINVAL, 0, "strconv.ParseInt: parsing \"%s\": value out of range", s);
      if (v < 0)
        return kn_error_make (err, KN_EINVAL, 0, "--retries cannot be negative (%lld)", v);
      h->retries = (int)v;
    }
  return 0;
}

static int
parse_run (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n, struct kn_error **err)
{
  struct kn_df_flag f[] = {
    { "mount", KN_DF_FLAG_STRINGS },
    { "network", KN_DF_FLAG_STRING, "default" },
    { "security", KN_DF_FLAG_STRING, "sandbox" },
  };
  int r = kn_df_flags_parse (f, NFLAGS (f), node->flags, node->n_flags, err);
  if (r < 0)
    goto out;
  set_cmdline (&ins->cmd, args, n, node);
  ins->mounts = kn_xcalloc (f[0].n_values + 1, sizeof *ins->mounts);
  for (size_t i = 0; i < f[0].n_values; i++)
    {
      r = kn_df_mount_parse (f[0].values[i], true, &ins->mounts[i], err);
      ins->n_mounts = i + 1;
      if (r < 0)
        goto out;
    }
  if (strcmp (f[1].value, "default") != 0 && strcmp (f[1].value, "none") != 0 && strcmp (f[1].value, "host") != 0)
    {
      r = kn_error_make (err, KN_EINVAL, 0, "invalid network mode \"%s\"", f[1].value);
      goto out;
    }
  if (strcmp (f[2].value, "sandbox") != 0 && strcmp (f[2].value, "insecure") != 0)
    {
      r = kn_error_make (err, KN_EINVAL, 0, "security \"%s\" is not valid", f[2].value);
      goto out;
    }
  ins->network = kn_xstrdup (f[1].value);
  ins->security = kn_xstrdup (f[2].value);
out:
  kn_df_flags_clear (f, NFLAGS (f));
  return r;
}

static int
str_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
convert (struct kn_df_instruction *ins, const struct kn_df_node *node, char **args, size_t n, struct kn_error **err)
{
  int r;
  switch (ins->kind)
    {
    case KN_DF_ENV:
    case KN_DF_LABEL:
      if ((r = no_flags (node, err)) < 0)
        return r;
      return parse_kvps (ins, args, n, ins->kind == KN_DF_ENV ? "ENV" : "LABEL", err);
    case KN_DF_MAINTAINER:
    case KN_DF_WORKDIR:
    case KN_DF_USER:
    case KN_DF_STOPSIGNAL:
      {
        static const char *const names[] = { [KN_DF_MAINTAINER] = "MAINTAINER",
                                             [KN_DF_WORKDIR] = "WORKDIR",
                                             [KN_DF_USER] = "USER",
                                             [KN_DF_STOPSIGNAL] = "STOPSIGNAL" };
        if (n != 1)
          return kn_error_make (err, KN_EINVAL, 0, "%s requires exactly one argument", names[ins->kind]);
        /* BuildKit does not look at STOPSIGNAL's flags */
        if (ins->kind != KN_DF_STOPSIGNAL && (r = no_flags (node, err)) < 0)
          return r;
        ins->value = kn_xstrdup (args[0]);
        return 0;
      }
    case KN_DF_ADD:
      return parse_copy_add (ins, node, args, n, true, err);
    case KN_DF_COPY:
      return parse_copy_add (ins, node, args, n, false, err);
    case KN_DF_FROM:
      return parse_from (ins, node, args, n, err);
    case KN_DF_ONBUILD:
      return parse_onbuild (ins, node, args, n, err);
    case KN_DF_RUN:
      return parse_run (ins, node, args, n, err);
    case KN_DF_CMD:
    case KN_DF_ENTRYPOINT:
      if ((r = no_flags (node, err)) < 0)
        return r;
      set_cmdline (&ins->cmd, args, n, node);
      return 0;
    case KN_DF_HEALTHCHECK:
      return parse_healthcheck (ins, node, args, n, err);
    case KN_DF_EXPOSE:
      if (n == 0)
        return kn_error_make (err, KN_EINVAL, 0, "EXPOSE requires at least one argument");
      if ((r = no_flags (node, err)) < 0)
        return r;
      ins->list = strv_dup (args, n);
      ins->n_list = n;
      qsort (ins->list, n, sizeof *ins->list, str_cmp);
      return 0;
    case KN_DF_VOLUME:
      if (n == 0)
        return kn_error_make (err, KN_EINVAL, 0, "VOLUME requires at least one argument");
      if ((r = no_flags (node, err)) < 0)
        return r;
      ins->list = kn_xcalloc (n + 1, sizeof *ins->list);
      for (size_t i = 0; i < n; i++)
        {
          size_t len = strlen (args[i]), a = kn_df_skip_space (args[i], len);
          size_t l = kn_df_rtrim_space_len (args[i] + a, len - a);
          if (l == 0)
            return kn_error_make (err, KN_EINVAL, 0, "VOLUME specified can not be an empty string");
          ins->list[ins->n_list++] = kn_xstrndup (args[i] + a, l);
        }
      return 0;
    case KN_DF_ARG:
      if (n == 0)
        return kn_error_make (err, KN_EINVAL, 0, "ARG requires at least one argument");
      if ((r = no_flags (node, err)) < 0)
        return r;
      ins->args = kn_xcalloc (n, sizeof *ins->args);
      for (size_t i = 0; i < n; i++)
        {
          const char *eq = strchr (args[i], '=');
          if (eq == args[i])
            return kn_error_make (err, KN_EINVAL, 0, "ARG names can not be blank");
          ins->args[i].key = eq ? kn_xstrndup (args[i], (size_t)(eq - args[i])) : kn_xstrdup (args[i]);
          ins->args[i].value = eq ? kn_xstrdup (eq + 1) : NULL;
          ins->n_args = i + 1;
        }
      return 0;
    case KN_DF_SHELL:
      if ((r = no_flags (node, err)) < 0)
        return r;
      set_cmdline (&ins->cmd, args, n, node);
      if (ins->cmd.argc == 0)
        return kn_error_make (err, KN_EINVAL, 0, "SHELL requires at least one argument");
      if (!node->json)
        return kn_error_make (err, KN_EINVAL, 0, "SHELL requires the arguments to be in JSON form");
      return 0;
    }
  return kn_error_make (err, KN_EINTERNAL, 0, "unhandled instruction %s", ins->name);
}

/* "unknown instruction: RUNN (did you mean RUN?)", BuildKit's suggestion rule:
 * the closest instruction within edit distance 2, in the case written. */
static int
unknown_instruction (const struct kn_df_node *node, const char *file, const char *lower, struct kn_error **err)
{
  const char *match = NULL;
  size_t best = 3;
  bool all_lower = true, all_upper = true;
  char sugg[16];

  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    {
      size_t d = kn_df_edit_distance (lower, kinds[k].name);
      if (d < best)
        best = d, match = kinds[k].name;
    }
  if (match == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "%s:%d: unknown instruction: %s", file, node->start_line, node->value);
  for (const char *p = node->value; *p; p++)
    {
      if (*p >= 'A' && *p <= 'Z')
        all_lower = false;
      if (*p >= 'a' && *p <= 'z')
        all_upper = false;
    }
  snprintf (sugg, sizeof sugg, "%s", match);
  if (all_upper && !all_lower)
    for (char *p = sugg; *p; p++)
      *p = (char)(*p - 32);
  return kn_error_make (err, KN_EINVAL, 0, "%s:%d: unknown instruction: %s (did you mean %s?)", file, node->start_line,
                        node->value, sugg);
}

int
kn_df_instruction_from_node (const struct kn_df_node *node, const char *file, struct kn_df_instruction **out,
                             struct kn_error **err)
{
  kn_cleanup_free char *lower = kn_df_lower (node->value, node->value_len);
  kn_cleanup_strv char **args = NULL;
  struct kn_df_instruction *ins;
  size_t n = 0, k;
  int r;

  *out = NULL;
  if (file == NULL)
    file = "Dockerfile";
  for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (strcmp (lower, kinds[k].name) == 0)
      break;
  if (k == sizeof kinds / sizeof kinds[0])
    return unknown_instruction (node, file, lower, err);
  args = kn_xcalloc (1, sizeof *args);
  node_args (node, &args, &n);
  ins = kn_xcalloc (1, sizeof *ins);
  ins->kind = kinds[k].kind;
  ins->name = kn_xstrdup (node->value);
  ins->original = dup_or_null (node->original);
  ins->start_line = node->start_line;
  ins->end_line = node->end_line;
  r = convert (ins, node, args, n, err);
  if (r < 0)
    {
      kn_df_instruction_free (ins);
      kn_error_wrap (err, "%s:%d", file, node->start_line);
      return r;
    }
  *out = ins;
  return 0;
}

int
kn_df_instructions_from_ast (const struct kn_df_ast *ast, const char *file, struct kn_df_instructions **out,
                             struct kn_error **err)
{
  struct kn_df_instructions *list = kn_xcalloc (1, sizeof *list);
  *out = NULL;
  list->v = kn_xcalloc (ast->root->n_children + 1, sizeof *list->v);
  for (size_t i = 0; i < ast->root->n_children; i++)
    {
      int r = kn_df_instruction_from_node (ast->root->children[i], file, &list->v[i], err);
      if (r < 0)
        {
          kn_df_instructions_free (list);
          return r;
        }
      list->n = i + 1;
    }
  *out = list;
  return 0;
}

static void
cmdline_clear (struct kn_df_cmdline *c)
{
  kn_strv_free (c->argv);
  for (size_t i = 0; i < c->n_files; i++)
    {
      free (c->files[i].name);
      free (c->files[i].content);
    }
  free (c->files);
}

void
kn_df_instruction_free (struct kn_df_instruction *ins)
{
  if (ins == NULL)
    return;
  free (ins->name);
  free (ins->original);
  free (ins->base);
  free (ins->stage_name);
  free (ins->platform);
  cmdline_clear (&ins->cmd);
  for (size_t i = 0; i < ins->n_mounts; i++)
    kn_df_mount_clear (&ins->mounts[i]);
  free (ins->mounts);
  free (ins->network);
  free (ins->security);
  kn_strv_free (ins->copy.sources);
  for (size_t i = 0; i < ins->copy.n_contents; i++)
    {
      free (ins->copy.contents[i].path);
      free (ins->copy.contents[i].data);
    }
  free (ins->copy.contents);
  free (ins->copy.dest);
  free (ins->copy.from);
  free (ins->copy.chown);
  free (ins->copy.chmod);
  free (ins->copy.checksum);
  kn_strv_free (ins->copy.excludes);
  for (size_t i = 0; i < ins->n_kvs; i++)
    {
      free (ins->kvs[i].key);
      free (ins->kvs[i].value);
    }
  free (ins->kvs);
  for (size_t i = 0; i < ins->n_args; i++)
    {
      free (ins->args[i].key);
      free (ins->args[i].value);
    }
  free (ins->args);
  kn_strv_free (ins->list);
  free (ins->value);
  kn_strv_free (ins->health.test);
  free (ins->expression);
  free (ins->trigger);
  free (ins);
}

void
kn_df_instructions_free (struct kn_df_instructions *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    kn_df_instruction_free (list->v[i]);
  free (list->v);
  free (list);
}
