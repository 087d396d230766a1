/* Metadata instructions: ENV, LABEL, CMD, ENTRYPOINT, WORKDIR (the config
 * part), USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, MAINTAINER,
 * ONBUILD, ARG — as kaniko (and Docker) record them in the image config. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/stage.h"
#include "core/image/json.h"

/* CMD/ENTRYPOINT argv: the shell form goes through SHELL (default /bin/sh -c). */
static char **
command_of (const struct kn_image_config *cfg, const struct kn_df_cmdline *cmd)
{
  char **v = NULL;
  if (cmd->prepend_shell)
    {
      if (cfg->config.shell && cfg->config.shell[0])
        v = kn_strv_dup (cfg->config.shell);
      else
        {
          kn_strv_push (&v, "/bin/sh");
          kn_strv_push (&v, "-c");
        }
      kn_strv_push (&v, cmd->argv && cmd->argv[0] ? cmd->argv[0] : "");
      return v;
    }
  for (size_t i = 0; i < cmd->argc; i++)
    kn_strv_push (&v, cmd->argv[i]);
  if (v == NULL)
    v = kn_xcalloc (1, sizeof *v); /* [] */
  return v;
}

static void
env_set (struct kn_image_config *cfg, const char *k, const char *v)
{
  size_t n = kn_strv_len (cfg->config.env);
  kn_envv_set (&cfg->config.env, &n, k, v);
}

int
kn_bmeta_apply (struct kn_image_config *cfg, const struct kn_df_instruction *ins, struct kn_buildenv *e,
                bool *cmd_set)
{
  struct kn_exec_config *x = &cfg->config;
  switch (ins->kind)
    {
    case KN_DF_ENV:
      for (size_t i = 0; i < ins->n_kvs; i++)
        {
          env_set (cfg, ins->kvs[i].key, ins->kvs[i].value);
          kn_buildenv_set_env (e, ins->kvs[i].key, ins->kvs[i].value);
        }
      return 0;
    case KN_DF_LABEL:
      for (size_t i = 0; i < ins->n_kvs; i++)
        kn_strmap_set (&x->labels, ins->kvs[i].key, ins->kvs[i].value);
      return 0;
    case KN_DF_CMD:
      kn_strv_free (x->cmd);
      x->cmd = command_of (cfg, &ins->cmd);
      x->args_escaped = 1; /* BuildKit (Docker) sets it on every CMD */
      *cmd_set = true;
      return 0;
    case KN_DF_ENTRYPOINT:
      kn_strv_free (x->entrypoint);
      x->entrypoint = command_of (cfg, &ins->cmd);
      if (!*cmd_set)
        {
          kn_strv_free (x->cmd);
          x->cmd = NULL;
        }
      return 0;
    case KN_DF_USER:
      free (x->user);
      x->user = kn_xstrdup (ins->value);
      return 0;
    case KN_DF_EXPOSE:
      for (size_t i = 0; i < ins->n_list; i++)
        {
          kn_cleanup_free char *p = kn_xstrdup (ins->list[i]);
          for (char *q = p; *q; q++)
            *q = (char) tolower ((unsigned char) *q);
          kn_cleanup_free char *key = strchr (p, '/') ? kn_xstrdup (p) : kn_xasprintf ("%s/tcp", p);
          kn_strmap_set (&x->exposed_ports, key, NULL);
        }
      return 0;
    case KN_DF_VOLUME:
      for (size_t i = 0; i < ins->n_list; i++)
        if (*ins->list[i])
          kn_strmap_set (&x->volumes, ins->list[i], NULL);
      return 0;
    case KN_DF_STOPSIGNAL:
      free (x->stop_signal);
      x->stop_signal = kn_xstrdup (ins->value);
      return 0;
    case KN_DF_HEALTHCHECK:
      {
        const struct kn_df_health *h = &ins->health;
        if (x->healthcheck)
          {
            kn_strv_free (x->healthcheck->test);
            free (x->healthcheck);
          }
        x->healthcheck = kn_xcalloc (1, sizeof *x->healthcheck);
        if (h->none)
          kn_strv_push (&x->healthcheck->test, "NONE");
        else
          x->healthcheck->test = kn_strv_dup (h->test);
        x->healthcheck->interval = h->interval;
        x->healthcheck->timeout = h->timeout;
        x->healthcheck->start_period = h->start_period;
        x->healthcheck->start_interval = h->start_interval;
        x->healthcheck->retries = h->retries;
        return 0;
      }
    case KN_DF_SHELL:
      kn_strv_free (x->shell);
      x->shell = NULL;
      for (size_t i = 0; i < ins->cmd.argc; i++)
        kn_strv_push (&x->shell, ins->cmd.argv[i]);
      return 0;
    case KN_DF_MAINTAINER:
      free (cfg->author);
      cfg->author = kn_xstrdup (ins->value);
      return 0;
    case KN_DF_ONBUILD:
      kn_strv_push (&x->on_build, ins->expression);
      return 0;
    default:
      return 1;
    }
}
