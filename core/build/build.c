/* kn_build_run: the order of a build (docs/ARCHITECTURE.md, "A build, as
 * data flows"): kaniko dir, context and Dockerfile, plan, push check, stages,
 * final image, local outputs, pushes, digest files. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/assemble.h"
#include "core/build/build.h"
#include "core/build/inplace.h"
#include "core/build/kanikodir.h"
#include "core/build/output.h"
#include "core/build/push.h"
#include "core/build/source.h"
#include "core/build/stage.h"
#include "core/image/json.h"
#include "core/util/cancel.h"

void
kn_build_result_clear (struct kn_build_result *res)
{
  free (res->digest);
  free (res->media_type);
  free (res->config_digest);
  kn_strv_free (res->pushed);
  memset (res, 0, sizeof *res);
}

void
kn_build_doing (struct kn_bctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    kn_oom ();
  va_end (ap);
  free (c->doing);
  c->doing = s;
}

int
kn_build_check_cancel (struct kn_bctx *c, struct kn_error **err)
{
  if (!kn_cancel_requested (c->cancel))
    return 0;
  return kn_error_make (err, KN_ECANCELED, 0, "build cancelled during %s", c->doing ? c->doing : "start-up");
}

/* TEXT on one line, blanks squeezed, at most ~60 characters (malloc'd). */
static char *
short_text (const char *text)
{
  size_t max = 60, n = 0;
  char *s = kn_xmalloc (max + 4);
  const char *p = text ? text : "";
  for (; *p && n < max; p++)
    {
      if (isspace ((unsigned char) *p))
        {
          if (n > 0 && s[n - 1] != ' ')
            s[n++] = ' ';
          continue;
        }
      s[n++] = *p;
    }
  while (n > 0 && s[n - 1] == ' ')
    n--;
  while (isspace ((unsigned char) *p))
    p++;
  strcpy (s + n, *p ? "..." : "");
  return s;
}

int
kn_build_step_begin (struct kn_bctx *c, size_t i, size_t step, const char *text, struct kn_error **err)
{
  kn_cleanup_free char *t = short_text (text);
  if (c->plan && c->plan->n > 1)
    kn_build_doing (c, "step %zu (%s) of stage %zu", step, t, i);
  else
    kn_build_doing (c, "step %zu (%s)", step, t);
  return kn_build_check_cancel (c, err);
}

static int
reproducible_epoch (const struct kn_build_options *o, int64_t *epoch, struct kn_error **err)
{
  *epoch = -1;
  if (!o->reproducible)
    return 0;
  *epoch = 0;
  const char *sde = getenv ("SOURCE_DATE_EPOCH");
  if (sde && *sde)
    {
      char *end = NULL;
      long long v = strtoll (sde, &end, 10);
      if (*end || v < 0)
        return kn_error_make (err, KN_EINVAL, 0, "SOURCE_DATE_EPOCH=%s: not a number of seconds", sde);
      *epoch = v;
    }
  return 0;
}

/* Options the engine does not implement yet: fail rather than build
 * something other than what was asked; harmless ones only warn. */
static int
check_unsupported (const struct kn_build_options *o, struct kn_error **err)
{
  const char *what = NULL;
  if (o->platforms.n > 0 || o->publish_index)
    what = "multi-platform builds (--platform, --publish-index)";
  else if (o->driver && *o->driver && strcmp (o->driver, "local") != 0)
    what = "--driver other than local";
  else if (o->sign_images)
    what = "--sign-images";
  else if (o->bucket && *o->bucket)
    what = "--bucket";
  else if (o->cache_repo && strncmp (o->cache_repo, "oci:", 4) == 0 && o->cache)
    what = "an OCI layout --cache-repo";
  if (what)
    return kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: %s", what);
  if (o->cache)
    kn_log (KN_LOG_WARN, "--cache: layer caching is not implemented yet; building without a cache");
  return 0;
}

static int
run (struct kn_bctx *c, struct kn_build_result *res, struct kn_error **err)
{
  const struct kn_build_options *o = c->o;
  int ret;

  if ((ret = check_unsupported (o, err)) < 0)
    return ret;

  const char *cname = o->compression && *o->compression ? o->compression : "gzip";
  ret = kn_plugins_find (c->plugins, KN_KIND_COMPRESSOR, cname, (const void **) &c->comp, err);
  if (ret < 0)
    return kn_error_wrap (err, "--compression %s", cname);
  /* Unknown --snapshot-mode / --runner names fail now, not at the first RUN. */
  const void *vt = NULL;
  if (o->snapshot_mode && *o->snapshot_mode
      && (ret = kn_plugins_find (c->plugins, KN_KIND_SNAPSHOTTER, o->snapshot_mode, &vt, err)) < 0)
    return kn_error_wrap (err, "--snapshot-mode %s", o->snapshot_mode);
  if (o->runner && *o->runner && (ret = kn_plugins_find (c->plugins, KN_KIND_RUNNER, o->runner, &vt, err)) < 0)
    return kn_error_wrap (err, "--runner %s", o->runner);
  /* Go kaniko refuses to take over a / that is not a container's. */
  if (c->inplace && !o->force && !kn_inplace_in_container ())
    return kn_error_make (err, KN_EPERM, 0,
                          "--runner=inplace changes the machine's own /; kaniko should only be run inside of a "
                          "container, run with --force if you are sure");
  /* The overlay snapshotter mounts an overlay over a private stage root and
     RUNs there; an inplace build's root is "/" itself. */
  c->snapshot_mode = o->snapshot_mode && *o->snapshot_mode ? o->snapshot_mode : "full";
  if (c->inplace && strcmp (c->snapshot_mode, "overlay") == 0)
    {
      kn_log (KN_LOG_WARN, "--snapshot-mode=overlay cannot snapshot / (--runner=inplace): using full");
      c->snapshot_mode = "full";
    }
  c->copts = (struct kn_compress_opts) KN_COMPRESS_OPTS_INIT;
  c->copts.level = o->compression_level;
  if ((ret = reproducible_epoch (o, &c->epoch, err)) < 0)
    return ret;
  if (c->epoch >= 0)
    c->created = kn_time_format (c->epoch, 0);
  else
    {
      struct timespec now;
      clock_gettime (CLOCK_REALTIME, &now);
      c->created = kn_time_format (now.tv_sec, now.tv_nsec);
    }

  kn_cleanup_free char *ctxdir = NULL;
  if ((ret = kn_kdir_subdir (c->kd, "context", &ctxdir, err)) < 0)
    return ret;
  kn_build_doing (c, "the loading of the build context %s", o->context);
  if ((ret = kn_build_source_load (o, c->plugins, ctxdir, c->cancel, c->src, err)) < 0)
    return ret;
  if ((ret = kn_build_check_cancel (c, err)) < 0)
    return ret;
  {
    char **args = NULL;
    for (size_t i = 0; i < o->build_args.n; i++)
      {
        char *a = o->build_args.v[i].value ? kn_xasprintf ("%s=%s", o->build_args.v[i].key, o->build_args.v[i].value)
                                           : kn_xstrdup (o->build_args.v[i].key);
        kn_strv_push (&args, a);
        free (a);
      }
    struct kn_plan_opts po = { 0 };
    po.file = c->src->dockerfile_name;
    po.build_args = (const char *const *) args;
    po.target = o->target && *o->target ? o->target : NULL;
    po.skip_unused = o->skip_unused_stages;
    po.target_platform = o->custom_platform;
    po.escape = c->src->escape;
    ret = kn_plan_new (c->src->ins, &po, &c->plan, err);
    kn_strv_free (args);
    if (ret < 0)
      return ret;
  }
  for (size_t i = 0; c->plan->warnings && c->plan->warnings[i]; i++)
    kn_log (KN_LOG_WARN, "%s", c->plan->warnings[i]);
  if ((ret = kn_bstage_plan_roots (c, err)) < 0)
    return ret;

  if (!o->no_push && o->destinations.n > 0 && !o->skip_push_permission_check)
    {
      kn_build_doing (c, "the push permission check");
      if ((ret = kn_build_push_check (&c->reg, err)) < 0)
        return ret;
    }

  c->states = kn_xcalloc (c->plan->n, sizeof *c->states);
  for (size_t i = 0; i <= c->plan->target; i++)
    {
      if (!c->plan->stages[i].needed)
        {
          kn_log (KN_LOG_INFO, "Skipping unused stage %zu", i);
          continue;
        }
      kn_build_doing (c, "stage %zu (FROM %s)", i, c->plan->stages[i].base);
      if ((ret = kn_build_check_cancel (c, err)) < 0 || (ret = kn_bstage_run (c, i, err)) < 0)
        return ret;
    }
  kn_build_doing (c, "the final image");
  if ((ret = kn_build_check_cancel (c, err)) < 0)
    return ret;

  struct kn_bimage *img = &c->states[c->plan->target].img;
  for (size_t i = 0; i < o->labels.n; i++)
    kn_strmap_set (&img->c.config.labels, o->labels.v[i].key, o->labels.v[i].value ? o->labels.v[i].value : "");

  struct kn_bmanifest m;
  if ((ret = kn_bimage_assemble (img, c->kd->store, &m, err)) < 0)
    return ret;
  kn_log (KN_LOG_INFO, "Built image %s (config %s, %zu layers)", m.digest, m.config_digest, img->m.n_layers);
  kn_build_doing (c, "the writing of the outputs");
  ret = kn_build_write_outputs (o, c->kd->store, &m, c->cancel, err);
  if (ret == 0 && !o->no_push && o->destinations.n > 0)
    {
      kn_build_doing (c, "the push to %s%s", o->destinations.v[0], o->destinations.n > 1 ? ", ..." : "");
      ret = kn_build_push (&c->reg, c->kd->store, img, &m, &res->pushed, err);
    }
  /* The last point to stop: digest files are written whole or not at all. */
  if (ret == 0)
    ret = kn_build_check_cancel (c, err);
  if (ret == 0)
    ret = kn_build_write_digest_files (o, &m, err);
  if (ret == 0)
    {
      res->digest = kn_xstrdup (m.digest);
      res->media_type = kn_xstrdup (m.media_type);
      res->config_digest = kn_xstrdup (m.config_digest);
      res->n_layers = img->m.n_layers;
    }
  kn_bmanifest_clear (&m);
  return ret;
}

int
kn_build_run (const struct kn_build_options *o, struct kn_plugins *plugins, struct kn_build_result *res,
              struct kn_error **err)
{
  return kn_build_run_cancellable (o, plugins, NULL, res, err);
}

int
kn_build_run_cancellable (const struct kn_build_options *o, struct kn_plugins *plugins,
                          const struct kn_cancel *cancel, struct kn_build_result *res, struct kn_error **err)
{
  struct kn_kdir kd;
  struct kn_build_source src;
  struct kn_bctx c;
  int ret;

  memset (res, 0, sizeof *res);
  memset (&src, 0, sizeof src);
  memset (&c, 0, sizeof c);
  const char *dir = o->kaniko_dir && *o->kaniko_dir ? o->kaniko_dir : "/var/tmp/kaniko";
  ret = kn_kdir_open (&kd, dir, err);
  if (ret < 0)
    {
      kn_kdir_close (&kd, 0);
      return ret;
    }
  c.o = o;
  c.plugins = plugins;
  c.kd = &kd;
  c.src = &src;
  c.reg.o = o;
  c.reg.plugins = plugins;
  c.reg.cancel = cancel;
  c.cancel = cancel;
  c.epoch = -1;
  c.inplace = o->runner && strcmp (o->runner, "inplace") == 0;

  ret = run (&c, res, err);
  if (ret < 0 && kn_cancel_requested (cancel))
    {
      /* Whatever stopped (a killed RUN, an aborted transfer), the cause is the request. */
      if (err && *err && strncmp ((*err)->msg, "build cancelled", 15) != 0)
        {
          kn_log (KN_LOG_DEBUG, "The cancelled build stopped with: %s", (*err)->msg);
          kn_error_release (err);
          kn_build_check_cancel (&c, err);
        }
      ret = -KN_ECANCELED;
    }
  /* --cleanup with inplace: "/" is wiped as Go kaniko does (the private
   * roots of the other runners are always removed with the run directory). */
  if (c.inplace && o->cleanup && c.wiped_once)
    {
      kn_cleanup_strv char **ignore = kn_bstage_inplace_ignore (&c);
      struct kn_error *e = NULL;
      int n = kn_inplace_wipe ("/", ignore, &e);
      if (n < 0)
        kn_log (KN_LOG_WARN, "--cleanup: %s", e ? e->msg : "wipe of / failed");
      else
        kn_log (KN_LOG_INFO, "--cleanup: deleted the filesystem (%d entries)", n);
      kn_error_free (e);
    }

  if (c.states)
    for (size_t i = 0; i < c.plan->n; i++)
      {
        free (c.states[i].root);
        kn_bimage_clear (&c.states[i].img);
        kn_buildenv_free (c.states[i].env);
      }
  free (c.states);
  for (size_t i = 0; i < c.n_images; i++)
    {
      free (c.images[i].root);
      free (c.image_names[i]);
      kn_bimage_clear (&c.images[i].img);
    }
  free (c.images);
  free (c.image_names);
  free (c.created);
  free (c.need_root);
  free (c.needed_later);
  kn_plan_free (c.plan);
  kn_build_source_clear (&src);
  free (c.doing);
  kn_kdir_close (&kd, 0);
  return ret;
}
