#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/runner.h>
#include <kaniko/sys/util.h>

#include "core/build/build.h"
#include "core/build/run.h"
#include "core/build/userdb.h"
#include "core/image/json.h"
#include "core/build/inplace.h"
#include "core/layer/changeset.h"
#include "core/util/cancel.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
open_snapshot (struct kn_bctx *c, size_t i, struct kn_bstage_state *ss, struct kn_error **err)
{
  const char *mode = c->snapshot_mode;
  const struct kn_snapshotter *snap = NULL;
  int ret = kn_plugins_find (c->plugins, KN_KIND_SNAPSHOTTER, mode, (const void **) &snap, err);
  if (ret < 0)
    return kn_error_wrap (err, "--snapshot-mode %s", mode);
  kn_cleanup_free char *name = kn_xasprintf ("snapshot-%zu", i);
  kn_cleanup_free char *state = NULL;
  if ((ret = kn_kdir_subdir (c->kd, name, &state, err)) < 0)
    return ret;
  kn_cleanup_strv char **ignore = c->inplace ? kn_bstage_inplace_ignore (c) : kn_build_ignore_list (c->o);
  struct kn_snapshot_params p = { 0 };
  p.size = sizeof p;
  p.root = ss->root;
  p.state_dir = state;
  p.ignore = (const char *const *) ignore;
  const struct kn_plugin_info *owner = kn_plugins_owner (c->plugins, snap);
  p.config = owner ? owner->config : NULL;
  p.cancel = c->cancel;
  ret = snap->open (&ss->snap, &p, err);
  if (ret < 0)
    return kn_error_wrap (err, "snapshotter %s", mode);
  return 0;
}

void
kn_brun_close (struct kn_bstage_state *ss)
{
  if (ss->snap)
    ss->snap->snapshotter->close (ss->snap);
  ss->snap = NULL;
}

/* Move the baseline past changes made directly in the root (COPY). */
static int
rebase (struct kn_bstage_state *ss, struct kn_error **err)
{
  struct kn_changeset *scratch = kn_changeset_new ();
  int ret = ss->snap->snapshotter->diff (ss->snap, scratch, err);
  kn_changeset_free (scratch);
  return ret;
}

static const char *
runner_name (const struct kn_build_options *o)
{
  if (o->runner && *o->runner)
    return o->runner;
  return geteuid () == 0 ? "chroot" : "userns";
}

/* BuildKit's RUN heredoc handling (dispatchRun). */
static int
heredoc_args (const struct kn_df_cmdline *cmd, char **script, char **shebang_name, struct kn_error **err)
{
  const char *a = cmd->argv[0];
  while (isspace ((unsigned char) *a))
    a++;
  const struct kn_df_heredoc *h = &cmd->files[0];
  bool simple = false;
  if (cmd->n_files == 1 && strncmp (a, "<<", 2) == 0)
    {
      const char *n = a + 2;
      if (*n == '-')
        n++;
      kn_cleanup_free char *w = kn_xstrdup (n);
      size_t l = strlen (w);
      while (l > 0 && isspace ((unsigned char) w[l - 1]))
        w[--l] = '\0';
      if (l >= 2 && (w[0] == '"' || w[0] == '\'') && w[l - 1] == w[0])
        {
          w[l - 1] = '\0';
          memmove (w, w + 1, l - 1);
        }
      simple = strcmp (w, h->name) == 0;
    }
  (void) err;
  if (simple)
    {
      char *data = kn_df_heredoc_content (h);
      if (strncmp (data, "#!", 2) == 0)
        *shebang_name = kn_xstrdup (h->name);
      *script = data;
      return 0;
    }
  char *full = kn_xstrdup (cmd->argv[0]);
  for (size_t i = 0; i < cmd->n_files; i++)
    {
      char *n = kn_xasprintf ("%s\n%s%s", full, cmd->files[i].content, cmd->files[i].name);
      free (full);
      full = n;
    }
  *script = full;
  return 0;
}

static const char *
secret_source (const struct kn_build_options *o, const char *id, char **tmpfile, const char *tmpdir,
               struct kn_error **err)
{
  for (size_t i = 0; i < o->secrets.n; i++)
    {
      kn_cleanup_free char *spec = kn_xstrdup (o->secrets.v[i]);
      char *sid = NULL, *src = NULL, *env = NULL, *save = NULL;
      for (char *t = strtok_r (spec, ",", &save); t; t = strtok_r (NULL, ",", &save))
        {
          if (strncmp (t, "id=", 3) == 0)
            sid = t + 3;
          else if (strncmp (t, "src=", 4) == 0 || strncmp (t, "source=", 7) == 0)
            src = strchr (t, '=') + 1;
          else if (strncmp (t, "env=", 4) == 0)
            env = t + 4;
        }
      if (sid == NULL || strcmp (sid, id) != 0)
        continue;
      if (src)
        return *tmpfile = kn_xstrdup (src);
      const char *val = getenv (env ? env : id);
      if (val == NULL)
        {
          kn_error_make (err, KN_ENOTFOUND, 0, "--secret id=%s: environment variable %s is not set", id,
                         env ? env : id);
          return NULL;
        }
      char *path = kn_xasprintf ("%s/secret-%s", tmpdir, id);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
      if (fd < 0 || write (fd, val, strlen (val)) != (ssize_t) strlen (val))
        {
          if (fd >= 0)
            close (fd);
          kn_error_make (err, KN_EIO, errno, "secret %s", id);
          free (path);
          return NULL;
        }
      close (fd);
      return *tmpfile = path;
    }
  return NULL;
}

/* The largest secret exposed as an environment variable (env=). */
#define KN_SECRET_ENV_MAX (512 * 1024)

/* Set NAME to the content of secret file PATH in *ENVP (this RUN only). */
static int
secret_env (const char *id, const char *path, const char *name, char ***envp, struct kn_error **err)
{
  kn_cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "secret %s", id);
  kn_cleanup_free char *val = kn_xmalloc (KN_SECRET_ENV_MAX + 1);
  size_t len = 0;
  for (;;)
    {
      ssize_t r = read (fd, val + len, KN_SECRET_ENV_MAX + 1 - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return kn_error_make (err, KN_EIO, errno, "secret %s", id);
      if (r == 0)
        break;
      len += (size_t) r;
      if (len > KN_SECRET_ENV_MAX)
        return kn_error_make (err, KN_EINVAL, 0, "secret %s: too large for env=%s (more than %d bytes)", id, name,
                              KN_SECRET_ENV_MAX);
    }
  val[len] = '\0';
  if (strlen (val) != len)
    return kn_error_make (err, KN_EINVAL, 0, "secret %s: contains a NUL byte, cannot be env=%s", id, name);
  size_t n = kn_strv_len (*envp);
  kn_envv_set (envp, &n, name, val);
  explicit_bzero (val, len);
  return 0;
}

static int
build_mounts (struct kn_bctx *c, size_t si, const struct kn_df_instruction *ins, struct kn_mount_spec **out,
              size_t *n, char ***owned, char ***envp, struct kn_error **err)
{
  for (size_t k = 0; k < ins->n_mounts; k++)
    {
      const struct kn_df_mount *m = &ins->mounts[k];
      struct kn_mount_spec ms = { 0 };
      const char *target = m->target;
      switch (m->type)
        {
        case KN_DF_MOUNT_BIND:
          {
            const char *from_root = c->src->context_dir;
            if (m->from)
              {
                int ref = -1;
                int ret = kn_plan_stage_ref (c->plan, si, m->from, &ref, err);
                if (ret < 0)
                  return ret;
                if (ref < 0)
                  {
                    if ((ret = kn_bstage_image_root (c, m->from, &from_root, err)) < 0)
                      return ret;
                  }
                else
                  {
                    if ((ret = kn_bstage_fill_root (c, &c->states[ref], err)) < 0)
                      return ret;
                    from_root = c->states[ref].root;
                  }
              }
            kn_cleanup_free char *rel = kn_layer_path_clean (m->source ? m->source : "/");
            if (rel == NULL)
              return kn_error_make (err, KN_EPERM, 0, "--mount source=%s leaves its root", m->source);
            char *src = *rel ? kn_xasprintf ("%s/%s", from_root, rel) : kn_xstrdup (from_root);
            kn_strv_push (owned, src);
            free (src);
            ms.type = KN_MOUNT_BIND;
            ms.source = (*owned)[kn_strv_len (*owned) - 1];
            ms.readonly = !(m->readonly == false && strstr (m->spec ? m->spec : "", "rw") != NULL);
            break;
          }
        case KN_DF_MOUNT_CACHE:
          {
            const char *id = m->id && *m->id ? m->id : target;
            kn_cleanup_free char *safe = kn_xstrdup (id);
            for (char *p = safe; *p; p++)
              if (!isalnum ((unsigned char) *p) && *p != '-' && *p != '_' && *p != '.')
                *p = '_';
            char *dir = kn_xasprintf ("%s/caches/%s", c->kd->root, safe);
            if (kn_kdir_mkdir_p (dir, 0755, err) < 0)
              {
                free (dir);
                return -KN_EIO;
              }
            kn_strv_push (owned, dir);
            free (dir);
            ms.type = KN_MOUNT_CACHE;
            ms.source = (*owned)[kn_strv_len (*owned) - 1];
            ms.mode = m->has_mode ? m->mode : 0755;
            ms.uid = m->has_uid ? m->uid : 0;
            ms.gid = m->has_gid ? m->gid : 0;
            break;
          }
        case KN_DF_MOUNT_TMPFS:
          ms.type = KN_MOUNT_TMPFS;
          break;
        case KN_DF_MOUNT_SECRET:
          {
            const char *id = m->id;
            kn_cleanup_free char *deftarget = NULL;
            if (id == NULL && target)
              {
                const char *b = strrchr (target, '/');
                id = b ? b + 1 : target;
              }
            if (id == NULL)
              return kn_error_make (err, KN_EINVAL, 0, "--mount=type=secret needs id= or target=");
            /* BuildKit: with env= and no target=, no file is mounted. */
            if (target == NULL && m->env == NULL)
              target = deftarget = kn_xasprintf ("/run/secrets/%s", id);
            char *file = NULL;
            const char *src = secret_source (c->o, id, &file, c->kd->tmp, err);
            if (src == NULL)
              {
                if (err && *err)
                  return -(*err)->code;
                if (m->required)
                  return kn_error_make (err, KN_ENOTFOUND, 0, "secret %s: not provided (--secret id=%s,src=PATH)", id,
                                        id);
                continue;
              }
            if (m->env)
              {
                int er = secret_env (id, src, *m->env ? m->env : id, envp, err);
                if (er < 0)
                  {
                    free (file);
                    return er;
                  }
                if (target == NULL)
                  {
                    free (file);
                    continue;
                  }
              }
            kn_strv_push (owned, file);
            free (file);
            kn_strv_push (owned, target);
            ms.type = KN_MOUNT_SECRET;
            ms.source = (*owned)[kn_strv_len (*owned) - 2];
            target = (*owned)[kn_strv_len (*owned) - 1];
            ms.readonly = 1;
            ms.mode = m->has_mode ? m->mode : 0400;
            ms.uid = m->has_uid ? m->uid : 0;
            ms.gid = m->has_gid ? m->gid : 0;
            break;
          }
        default:
          return kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: --mount=type=ssh");
        }
      if (target == NULL || target[0] != '/')
        return kn_error_make (err, KN_EINVAL, 0, "--mount %s: target must be an absolute path",
                              m->spec ? m->spec : "");
      ms.target = target;
      *out = kn_xrealloc (*out, (*n + 1) * sizeof **out);
      (*out)[(*n)++] = ms;
    }
  return 0;
}

int
kn_brun (struct kn_bctx *c, size_t i, const struct kn_df_instruction *ins, size_t step, struct kn_error **err)
{
  struct kn_bstage_state *ss = &c->states[i];
  const char *file = c->src->dockerfile_name;
  const struct kn_exec_config *x = &ss->img.c.config;
  const struct kn_runner *runner = NULL;
  const char *rname = runner_name (c->o);
  int ret;

  ret = kn_plugins_find (c->plugins, KN_KIND_RUNNER, rname, (const void **) &runner, err);
  if (ret < 0)
    return kn_error_wrap (err, "RUN step %zu (%s:%d): --runner %s", step, file, ins->start_line, rname);
  if (runner->usable)
    {
      kn_cleanup_free char *why = NULL;
      if (!runner->usable (&why))
        return kn_error_make (err, KN_ENOTSUP, 0, "RUN step %zu (%s:%d): runner %s cannot work here: %s", step, file,
                              ins->start_line, rname, why ? why : "unknown reason");
    }
  if (ss->snap == NULL)
    {
      if ((ret = open_snapshot (c, i, ss, err)) < 0)
        return ret;
    }
  else if ((ret = rebase (ss, err)) < 0)
    return ret;

  /* Command line. */
  char **argv = NULL;
  kn_cleanup_free char *script = NULL;
  kn_cleanup_free char *shebang = NULL;
  kn_cleanup_free char *pipes = NULL;
  if (ins->cmd.n_files > 0 && ins->cmd.prepend_shell && ins->cmd.argc == 1)
    heredoc_args (&ins->cmd, &script, &shebang, err);
  if (ins->cmd.prepend_shell)
    {
      if (shebang)
        {
          if ((ret = kn_kdir_subdir (c->kd, "pipes", &pipes, err)) < 0)
            return ret;
          kn_cleanup_free char *path = kn_xasprintf ("%s/%s", pipes, shebang);
          int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
          if (fd < 0 || write (fd, script, strlen (script)) != (ssize_t) strlen (script))
            {
              if (fd >= 0)
                close (fd);
              return kn_error_make (err, KN_EIO, errno, "RUN heredoc %s", shebang);
            }
          close (fd);
          chmod (path, 0755);
          kn_strv_push (&argv, "/dev/pipes/");
          char *p = kn_xasprintf ("/dev/pipes/%s", shebang);
          free (argv[0]);
          argv[0] = p;
        }
      else
        {
          if (x->shell && x->shell[0])
            argv = kn_strv_dup (x->shell);
          else
            {
              kn_strv_push (&argv, "/bin/sh");
              kn_strv_push (&argv, "-c");
            }
          kn_strv_push (&argv, script ? script : ins->cmd.argv[0]);
        }
    }
  else
    for (size_t k = 0; k < ins->cmd.argc; k++)
      kn_strv_push (&argv, ins->cmd.argv[k]);
  if (argv == NULL || argv[0] == NULL)
    {
      kn_strv_free (argv);
      return kn_error_make (err, KN_EINVAL, 0, "RUN step %zu (%s:%d): empty command", step, file, ins->start_line);
    }

  /* Environment: RUN env, and a default PATH like Docker. */
  char **envp = kn_strv_dup ((char *const *) kn_buildenv_run_env (ss->env));
  if (kn_envv_get (envp, "PATH") == NULL)
    kn_strv_push (&envp, DEFAULT_PATH);

  /* User. */
  uid_t uid = 0;
  gid_t gid = 0;
  gid_t *groups = NULL;
  size_t n_groups = 0;
  if (x->user && *x->user
      && (ret = kn_userdb_resolve_user (ss->root, x->user, &uid, &gid, &groups, &n_groups, err)) < 0)
    {
      kn_strv_free (argv);
      kn_strv_free (envp);
      return kn_error_wrap (err, "RUN step %zu (%s:%d): USER %s", step, file, ins->start_line, x->user);
    }

  struct kn_mount_spec *mounts = NULL;
  size_t n_mounts = 0;
  char **owned = NULL;
  if (pipes)
    {
      mounts = kn_xcalloc (1, sizeof *mounts);
      mounts[0].type = KN_MOUNT_BIND;
      mounts[0].source = pipes;
      mounts[0].target = "/dev/pipes";
      mounts[0].readonly = 1;
      n_mounts = 1;
    }
  ret = build_mounts (c, i, ins, &mounts, &n_mounts, &owned, &envp, err);
  if (ret < 0)
    kn_error_wrap (err, "RUN step %zu (%s:%d)", step, file, ins->start_line);

  char *exec_root = NULL;
  if (ret == 0 && ss->snap->snapshotter->begin)
    ret = ss->snap->snapshotter->begin (ss->snap, &exec_root, err);

  int status = 0;
  if (ret == 0)
    {
      struct kn_run_spec spec = { 0 };
      spec.size = sizeof spec;
      spec.root = exec_root ? exec_root : ss->root;
      spec.argv = (const char *const *) argv;
      spec.envp = (const char *const *) envp;
      spec.workdir = x->working_dir && *x->working_dir ? x->working_dir : "/";
      spec.uid = uid;
      spec.gid = gid;
      spec.groups = groups;
      spec.n_groups = n_groups;
      spec.mounts = mounts;
      spec.n_mounts = n_mounts;
      spec.network = ins->network == NULL || strcmp (ins->network, "default") == 0 ? KN_NETWORK_DEFAULT
                     : strcmp (ins->network, "none") == 0                         ? KN_NETWORK_NONE
                                                                                   : KN_NETWORK_HOST;
      spec.stdin_fd = -1;
      spec.stdout_fd = 1;
      spec.stderr_fd = 2;
      const struct kn_plugin_info *owner = kn_plugins_owner (c->plugins, runner);
      spec.config = owner ? owner->config : NULL;
      spec.cancel = c->cancel;
      ret = runner->run (&spec, &status, err);
      if (ret < 0)
        kn_error_wrap (err, "RUN step %zu (%s:%d)", step, file, ins->start_line);
    }
  free (exec_root);
  free (mounts);
  kn_strv_free (owned);
  kn_strv_free (argv);
  kn_strv_free (envp);
  free (groups);
  if (pipes)
    {
      struct kn_error *e = NULL;
      kn_kdir_rm_rf (pipes, &e);
      kn_error_free (e);
    }
  if (ret == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    {
      if (WIFSIGNALED (status))
        ret = kn_error_make (err, KN_EINVAL, 0, "RUN step %zu (%s:%d) failed: killed by signal %d", step, file,
                             ins->start_line, WTERMSIG (status));
      else
        ret = kn_error_make (err, KN_EINVAL, 0, "RUN step %zu (%s:%d) failed: exit status %d", step, file,
                             ins->start_line, WEXITSTATUS (status));
    }

  /* A cancelled build takes no snapshot: the session is closed (overlay:
   * unmounted, its upper directory emptied) with the stage. */
  if (kn_cancel_requested (c->cancel))
    return ret < 0 ? ret : kn_build_check_cancel (c, err);

  /* The snapshot, even after a failure (the session must move on). */
  struct kn_changeset *cs = kn_changeset_new ();
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int dret = ss->snap->snapshotter->diff (ss->snap, cs, ret < 0 ? NULL : err);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  if (dret >= 0)
    kn_log (KN_LOG_DEBUG, "snapshot: %zu changes in %.1f ms (%s)", kn_changeset_count (cs),
            (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6,
            ss->snap->snapshotter->name);
  if (ret == 0 && dret < 0)
    ret = kn_error_wrap (err, "RUN step %zu (%s:%d): snapshot", step, file, ins->start_line);
  if (ret == 0)
    {
      if (kn_changeset_count (cs) == 0)
        {
          kn_log (KN_LOG_INFO, "No files changed in this command, skipping snapshotting.");
          kn_bstage_add_history (c, &ss->img, ins->original, 1);
        }
      else
        ret = kn_bstage_add_layer (c, ss, cs, ins->original, err);
    }
  kn_changeset_free (cs);
  return ret;
}
