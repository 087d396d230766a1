#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/build.h"
#include "core/build/copy.h"
#include "core/build/inplace.h"
#include "core/build/pull.h"
#include "core/build/run.h"
#include "core/build/userdb.h"
#include "core/dockerfile/parser.h"
#include "core/build/stage.h"
#include "core/image/mediatype.h"
#include "core/image/platform.h"
#include "core/layer/applier.h"
#include "core/layer/changeset.h"
#include "core/layer/writer.h"

static enum kn_mt_compression
compression_of (const struct kn_compressor *comp)
{
  if (comp == NULL || comp->media_suffix == NULL || *comp->media_suffix == '\0')
    return KN_MT_COMP_NONE;
  if (strcmp (comp->media_suffix, "zstd") == 0)
    return KN_MT_COMP_ZSTD;
  return KN_MT_COMP_GZIP;
}

void
kn_bstage_add_history (struct kn_bctx *c, struct kn_bimage *img, const char *created_by, int empty)
{
  struct kn_history h = { 0 };
  h.created = c->created;
  h.created_by = (char *) created_by;
  h.empty_layer = empty;
  kn_config_add_history (&img->c, &h);
}

/* Snapshot CS of the stage root as one new layer. */
static int
add_pending (const char *path, enum kn_change_kind kind, void *payload)
{
  kn_changeset_add (payload, path, kind);
  return 0;
}

/* Write CS of ROOT as a layer blob into the store (INFO). */
static int
write_layer (struct kn_bctx *c, const char *root, struct kn_changeset *cs, struct kn_layer_info *info,
             struct kn_error **err)
{
  struct kn_layer_write_opts opts = KN_LAYER_WRITE_OPTS_INIT;
  opts.compressor = c->comp;
  opts.compress_opts = &c->copts;
  opts.reproducible = c->epoch >= 0;
  opts.epoch = c->epoch >= 0 ? c->epoch : 0;
  opts.cancel = c->cancel;
  if (geteuid () != 0)
    {
      /* Rootless: what the invoking user owns was root's inside the build. */
      opts.root_uid = geteuid ();
      opts.root_gid = getegid ();
    }
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int ret = kn_layer_write (c->kd->store, root, cs, &opts, info, err);
  if (ret < 0)
    return ret;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  kn_log (KN_LOG_DEBUG, "layer: %s %llu entries, %llu bytes in %.1f ms (diff_id %s)", info->digest,
          (unsigned long long) info->entries, (unsigned long long) info->size,
          (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6, info->diff_id);
  return 0;
}

/* Append the layer INFO to the stage's image. */
static void
register_layer (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_layer_info *info, const char *created_by)
{
  struct kn_descriptor d = { 0 };
  const char *mt = kn_mt_layer (ss->img.docker, compression_of (c->comp), 0);
  d.media_type = (char *) (mt ? mt : kn_mt_layer (0, compression_of (c->comp), 0));
  d.size = (int64_t) info->size;
  d.digest = info->digest;
  kn_manifest_add_layer (&ss->img.m, &d);
  kn_config_add_diff_id (&ss->img.c, info->diff_id);
  kn_bstage_add_history (c, &ss->img, created_by ? created_by : "snapshot (--single-snapshot)", 0);
}

int
kn_bstage_add_layer (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_changeset *cs, const char *created_by,
           struct kn_error **err)
{
  if (c->o->single_snapshot && created_by)
    {
      /* One layer for the whole stage, written when it ends. */
      if (ss->pending == NULL)
        ss->pending = kn_changeset_new ();
      kn_changeset_iterate (cs, add_pending, ss->pending);
      kn_bstage_add_history (c, &ss->img, created_by, 1);
      return 0;
    }
  struct kn_layer_info info;
  int ret = write_layer (c, ss->root, cs, &info, err);
  if (ret < 0)
    return ret;
  register_layer (c, ss, &info, created_by);
  return 0;
}

int
kn_bstage_add_link_layer (struct kn_bctx *c, struct kn_bstage_state *ss, const char *scratch, struct kn_changeset *cs,
                          const char *created_by, struct kn_error **err)
{
  struct kn_layer_info info;
  int ret = write_layer (c, scratch, cs, &info, err);
  if (ret < 0)
    return ret;
  struct kn_layer_apply_opts ao = KN_LAYER_APPLY_OPTS_INIT;
  ao.cancel = c->cancel;
  if ((ret = kn_layer_apply_blob (c->kd->store, info.digest, ss->root, &ao, NULL, err)) < 0)
    return ret;
  if (c->o->single_snapshot)
    {
      if (ss->pending == NULL)
        ss->pending = kn_changeset_new ();
      kn_changeset_iterate (cs, add_pending, ss->pending);
      kn_bstage_add_history (c, &ss->img, created_by, 1);
      return 0;
    }
  register_layer (c, ss, &info, created_by);
  return 0;
}

static int
record_path (void *payload, const char *path, struct kn_error **err)
{
  (void) err;
  kn_changeset_add (payload, path, KN_CHANGE_ADD);
  return 0;
}

/* The Env BuildKit and buildah give a FROM scratch image. */
#define KN_SCRATCH_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A scratch image for PLATFORM: kaniko starts from go-containerregistry's
 * empty image (Docker schema 2), with the default PATH in its Env. */
static int
scratch_image (const char *platform, struct kn_bimage *img, struct kn_error **err)
{
  struct kn_platform p = { 0 };
  int ret = kn_platform_parse (platform, &p, err);
  if (ret < 0)
    return ret;
  memset (img, 0, sizeof *img);
  img->docker = true;
  img->m.schema_version = 2;
  img->m.media_type = kn_xstrdup (KN_MT_DOCKER_MANIFEST);
  img->c.architecture = KN_STEAL (p.architecture);
  img->c.os = KN_STEAL (p.os);
  img->c.variant = KN_STEAL (p.variant);
  img->c.rootfs_type = kn_xstrdup ("layers");
  img->c.config.env = kn_xcalloc (2, sizeof (char *));
  img->c.config.env[0] = kn_xstrdup (KN_SCRATCH_PATH);
  kn_platform_clear (&p);
  return 0;
}

static int
apply_layers (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_error **err)
{
  /* On "/" (inplace) the ignore list is never written (Go kaniko's
     extraction skips it too). */
  kn_cleanup_strv char **skip = c->inplace && strcmp (ss->root, "/") == 0 ? kn_bstage_inplace_ignore (c) : NULL;
  for (size_t k = 0; k < ss->img.m.n_layers; k++)
    {
      const struct kn_descriptor *l = &ss->img.m.layers[k];
      if (kn_mt_is_foreign (l->media_type) && !kn_store_has (c->kd->store, l->digest))
        continue;
      struct kn_layer_apply_opts ao = KN_LAYER_APPLY_OPTS_INIT;
      ao.cancel = c->cancel;
      ao.skip = (const char *const *) skip;
      int ret = kn_layer_apply_blob (c->kd->store, l->digest, ss->root, &ao, NULL, err);
      if (ret < 0)
        return ret;
    }
  ss->root_complete = true;
  return 0;
}

int
kn_bstage_fill_root (struct kn_bctx *c, struct kn_bstage_state *ss, struct kn_error **err)
{
  if (ss->root_complete)
    return 0;
  return apply_layers (c, ss, err);
}

char **
kn_bstage_inplace_ignore (struct kn_bctx *c)
{
  const struct kn_build_options *o = c->o;
  const char *keep[] = { c->kd->root, c->src ? c->src->context_dir : NULL, o->oci_layout_path, o->tar_path,
                         o->digest_file, o->image_name_with_digest_file, o->image_name_tag_with_digest_file };
  return kn_inplace_ignore_list (o, keep, sizeof keep / sizeof keep[0]);
}

/* --runner=inplace: wipe "/" before every stage but the first (Go kaniko's
 * DeleteFilesystem between stages). */
static int
inplace_prepare (struct kn_bctx *c, size_t i, struct kn_error **err)
{
  if (!c->wiped_once)
    {
      c->wiped_once = true;
      return 0;
    }
  kn_cleanup_strv char **ignore = kn_bstage_inplace_ignore (c);
  kn_build_doing (c, "the wipe of / before stage %zu", i);
  int n = kn_inplace_wipe ("/", ignore, err);
  if (n < 0)
    return kn_error_wrap (err, "stage %zu", i);
  kn_log (KN_LOG_INFO, "Deleted the filesystem of the previous stage (%d entries)", n);
  return 0;
}

/* --runner=inplace: a stage needed later does not stay on "/" (the next
 * stage wipes it): its layers are applied to a private root on demand. */
static int
inplace_finish (struct kn_bctx *c, size_t i, struct kn_bstage_state *ss, struct kn_error **err)
{
  if (!c->needed_later[i] || i == c->plan->target)
    return 0;
  free (ss->root);
  ss->root = NULL;
  ss->root_complete = false;
  return kn_kdir_stage_root (c->kd, i, &ss->root, err);
}

int
kn_bstage_image_root (struct kn_bctx *c, const char *name, const char **root, struct kn_error **err)
{
  for (size_t k = 0; k < c->n_images; k++)
    if (strcmp (c->image_names[k], name) == 0)
      {
        *root = c->images[k].root;
        return 0;
      }
  c->images = kn_xrealloc (c->images, (c->n_images + 1) * sizeof *c->images);
  c->image_names = kn_xrealloc (c->image_names, (c->n_images + 1) * sizeof *c->image_names);
  struct kn_bstage_state *ss = &c->images[c->n_images];
  memset (ss, 0, sizeof *ss);
  c->image_names[c->n_images] = kn_xstrdup (name);
  c->n_images++;
  kn_cleanup_free char *sub = kn_xasprintf ("images/%zu", c->n_images - 1);
  int ret = kn_kdir_subdir (c->kd, sub, &ss->root, err);
  if (ret < 0)
    return ret;
  chmod (ss->root, 0755);
  ret = kn_build_pull (&c->reg, c->kd->store, name, c->o->custom_platform, &ss->img, err);
  if (ret == 0)
    ret = apply_layers (c, ss, err);
  if (ret < 0)
    return ret;
  ss->done = true;
  *root = ss->root;
  return 0;
}

static int
do_copy (struct kn_bctx *c, size_t si, struct kn_bstage_state *ss, const struct kn_df_instruction *ins,
         struct kn_error **err)
{
  const char *file = c->src->dockerfile_name;
  const struct kn_df_copy *cp = &ins->copy;
  const char *src_root = c->src->context_dir;
  bool from_context = true;
  int ret = 0;
  kn_cleanup_free char *scratch = NULL; /* COPY --link's directory (before any goto) */

  if (cp->from)
    {
      int ref = -1;
      if ((ret = kn_plan_stage_ref (c->plan, si, cp->from, &ref, err)) < 0)
        goto fail;
      if (ref < 0)
        {
          kn_log (KN_LOG_INFO, "--from=%s names no stage: copying from the image %s", cp->from, cp->from);
          if ((ret = kn_bstage_image_root (c, cp->from, &src_root, err)) < 0)
            goto fail;
          from_context = false;
          goto copy;
        }
      struct kn_bstage_state *fs = &c->states[ref];
      if (!fs->done)
        {
          ret = kn_error_make (err, KN_EINTERNAL, 0, "--from=%s: stage %d was not built", cp->from, ref);
          goto fail;
        }
      if ((ret = kn_bstage_fill_root (c, fs, err)) < 0)
        goto fail;
      src_root = fs->root;
      from_context = false;
    }

copy:;
  /* --link: copied into an empty scratch directory, whose layer is then
     applied to the root (BuildKit's semantics). */
  if (cp->link)
    {
      kn_cleanup_free char *name = kn_xasprintf ("link-%zu-%zu", si, ss->img.m.n_layers);
      if ((ret = kn_kdir_subdir (c->kd, name, &scratch, err)) < 0)
        goto fail;
      chmod (scratch, 0755);
    }
  struct kn_changeset *cs = kn_changeset_new ();
  struct kn_copy_request req = { 0 };
  req.src_root = src_root;
  req.from_context = from_context;
  req.sources = (const char *const *) cp->sources;
  req.contents = cp->contents;
  req.n_contents = cp->n_contents;
  req.dest = cp->dest;
  req.workdir = ss->img.c.config.working_dir && *ss->img.c.config.working_dir ? ss->img.c.config.working_dir : "/";
  req.dest_root = scratch ? scratch : ss->root;
  req.userdb_root = ss->root;
  req.ignore = from_context ? c->src->ignore : NULL;
  req.chown = cp->chown;
  req.chmod = cp->chmod;
  req.is_add = ins->kind == KN_DF_ADD;
  req.parents = cp->parents;
  req.link = cp->link;
  req.excludes = (const char *const *) cp->excludes;
  req.checksum = cp->checksum;
  req.unpack = cp->unpack;
  req.keep_git_dir = cp->keep_git_dir;
  req.reproducible_epoch = -1;
  req.record = record_path;
  req.record_payload = cs;
  req.cancel = c->cancel;
  ret = kn_copy_run (&req, err);
  if (ret == 0 && scratch)
    ret = kn_bstage_add_link_layer (c, ss, scratch, cs, ins->original, err);
  else if (ret == 0)
    ret = kn_bstage_add_layer (c, ss, cs, ins->original, err);
  kn_changeset_free (cs);
  if (scratch)
    {
      struct kn_error *e = NULL;
      if (kn_kdir_rm_rf (scratch, &e) < 0)
        {
          kn_log (KN_LOG_WARN, "COPY --link: cannot remove %s: %s", scratch, e ? e->msg : "?");
          kn_error_free (e);
        }
    }
fail:
  if (ret < 0)
    return kn_error_wrap (err, "%s:%d: %s", file, ins->start_line, ins->name);
  return 0;
}

static int
do_workdir (struct kn_bctx *c, struct kn_bstage_state *ss, const struct kn_df_instruction *ins,
            struct kn_error **err)
{
  const char *file = c->src->dockerfile_name;
  const char *w = ins->value;
  int ret;
  const char *cur = ss->img.c.config.working_dir;
  kn_cleanup_free char *joined = w[0] == '/' ? kn_xstrdup (w) : kn_xasprintf ("%s/%s", cur ? cur : "/", w);
  kn_cleanup_free char *clean = kn_layer_path_clean (joined);
  if (clean == NULL)
    clean = kn_xstrdup ("");
  free (ss->img.c.config.working_dir);
  ss->img.c.config.working_dir = kn_xasprintf ("/%s", clean);
  /* kaniko creates a missing WORKDIR and snapshots it. */
  if (*clean && ss->root_complete)
    {
      kn_cleanup_free char *abs = kn_xasprintf ("%s/%s", ss->root, clean);
      struct stat st;
      if (lstat (abs, &st) < 0 && errno == ENOENT)
        {
          /* Owned by the current USER, like kaniko. */
          uid_t uid = 0;
          gid_t gid = 0;
          const char *user = ss->img.c.config.user;
          if (user && *user)
            {
              gid_t *groups = NULL;
              size_t n_groups = 0;
              if ((ret = kn_userdb_resolve_user (ss->root, user, &uid, &gid, &groups, &n_groups, err)) < 0)
                return kn_error_wrap (err, "%s:%d: WORKDIR: USER %s", file, ins->start_line, user);
              free (groups);
            }
          struct kn_changeset *cs = kn_changeset_new ();
          kn_cleanup_free char *p = kn_xstrdup (clean);
          for (char *s = p;; s++)
            if (*s == '/' || *s == '\0')
              {
                char saved = *s;
                *s = '\0';
                kn_cleanup_free char *a = kn_xasprintf ("%s/%s", ss->root, p);
                if (lstat (a, &st) < 0)
                  {
                    if (mkdir (a, 0755) < 0)
                      {
                        kn_changeset_free (cs);
                        return kn_error_make (err, KN_EIO, errno, "%s:%d: WORKDIR: mkdir %s", file, ins->start_line,
                                              p);
                      }
                    if ((uid || gid) && lchown (a, uid, gid) < 0 && errno != EPERM)
                      {
                        kn_changeset_free (cs);
                        return kn_error_make (err, KN_EIO, errno, "%s:%d: WORKDIR: chown %s", file,
                                              ins->start_line, p);
                      }
                    kn_changeset_add (cs, p, KN_CHANGE_ADD);
                  }
                *s = saved;
                if (saved == '\0')
                  break;
              }
          ret = kn_bstage_add_layer (c, ss, cs, ins->original, err);
          kn_changeset_free (cs);
          if (ret < 0)
            return kn_error_wrap (err, "%s:%d: WORKDIR", file, ins->start_line);
          return 1;
        }
    }
  return 0;
}

/* One instruction of stage I (STEP: its 1-based position). */
static int
exec_one (struct kn_bctx *c, size_t i, struct kn_bstage_state *ss, const struct kn_df_instruction *raw, size_t step,
          bool *cmd_set, struct kn_error **err)
{
  const char *file = c->src->dockerfile_name;
  struct kn_df_instruction *ins = NULL;
  int ret = kn_build_step_begin (c, i, step, raw->original, err);
  if (ret < 0)
    return ret;
  kn_log (KN_LOG_INFO, "%s", raw->original);
  if (raw->kind == KN_DF_ARG)
    {
      for (size_t a = 0; a < raw->n_args && ret >= 0; a++)
        ret = kn_buildenv_arg (ss->env, &raw->args[a], err);
      if (ret < 0)
        return kn_error_wrap (err, "%s:%d: ARG", file, raw->start_line);
      kn_bstage_add_history (c, &ss->img, raw->original, 1);
      return 0;
    }
  if ((ret = kn_buildenv_expand_instruction (ss->env, raw, &ins, err)) < 0)
    return ret;
  switch (ins->kind)
    {
    case KN_DF_COPY:
    case KN_DF_ADD:
      ret = do_copy (c, i, ss, ins, err);
      break;
    case KN_DF_WORKDIR:
      ret = do_workdir (c, ss, ins, err);
      if (ret == 0)
        kn_bstage_add_history (c, &ss->img, ins->original, 1);
      break;
    case KN_DF_RUN:
      ret = kn_brun (c, i, ins, step, err);
      break;
    case KN_DF_FROM:
      ret = kn_error_make (err, KN_EINVAL, 0, "%s:%d: FROM is not allowed here", file, ins->start_line);
      break;
    default:
      ret = kn_bmeta_apply (&ss->img.c, ins, ss->env, cmd_set);
      if (ret >= 0)
        {
          kn_bstage_add_history (c, &ss->img, ins->original, 1);
          ret = 0;
        }
      break;
    }
  kn_df_instruction_free (ins);
  return ret < 0 ? ret : 0;
}

int
kn_bstage_run (struct kn_bctx *c, size_t i, struct kn_error **err)
{
  struct kn_stage *st = &c->plan->stages[i];
  struct kn_bstage_state *ss = &c->states[i];
  const char *file = c->src->dockerfile_name;
  const char *platform = st->platform ? st->platform : c->o->custom_platform;
  int ret;

  kn_log (KN_LOG_INFO, "Building stage %zu%s%s: FROM %s", i, st->name ? " " : "", st->name ? st->name : "",
          st->base);
  if (c->inplace)
    {
      if ((ret = inplace_prepare (c, i, err)) < 0)
        return ret;
      ss->root = kn_xstrdup ("/");
    }
  else if ((ret = kn_kdir_stage_root (c->kd, i, &ss->root, err)) < 0)
    return ret;
  if (st->base_stage >= 0)
    {
      if (!c->states[st->base_stage].done)
        return kn_error_make (err, KN_EINTERNAL, 0, "stage %d was not built", st->base_stage);
      kn_bimage_copy (&ss->img, &c->states[st->base_stage].img);
    }
  else if (st->scratch)
    ret = scratch_image (platform, &ss->img, err);
  else
    ret = kn_build_pull (&c->reg, c->kd->store, st->base, platform, &ss->img, err);
  if (ret < 0)
    return kn_error_wrap (err, "%s:%d: FROM %s", file, st->from->start_line, st->base);

  /* zstd layers have no Docker schema 2 media type: make the image OCI. */
  if (ss->img.docker && compression_of (c->comp) == KN_MT_COMP_ZSTD)
    {
      ss->img.docker = false;
      free (ss->img.m.media_type);
      ss->img.m.media_type = kn_xstrdup (KN_MT_OCI_MANIFEST);
      for (size_t k = 0; k < ss->img.m.n_layers; k++)
        {
          const char *o = kn_mt_to_oci (ss->img.m.layers[k].media_type);
          char *n = kn_xstrdup (o);
          free (ss->img.m.layers[k].media_type);
          ss->img.m.layers[k].media_type = n;
        }
    }
  if (ss->img.m.n_layers == 0)
    ss->root_complete = true;
  else if ((c->need_root[i] || c->inplace) && (ret = apply_layers (c, ss, err)) < 0)
    return kn_error_wrap (err, "%s:%d: FROM %s: unpack", file, st->from->start_line, st->base);

  /* The base image's ONBUILD triggers run first (Docker, kaniko). */
  struct kn_df_ast *trig_ast = NULL;
  struct kn_df_instructions *triggers = NULL;
  if (ss->img.c.config.on_build && ss->img.c.config.on_build[0])
    {
      kn_cleanup_free char *text = kn_xstrdup ("");
      for (size_t k = 0; ss->img.c.config.on_build[k]; k++)
        {
          char *n = kn_xasprintf ("%s%s\n", text, ss->img.c.config.on_build[k]);
          free (text);
          text = n;
        }
      kn_cleanup_free char *name = kn_xasprintf ("%s:%d: ONBUILD trigger of %s", file, st->from->start_line, st->base);
      ret = kn_df_parse (name, text, strlen (text), &trig_ast, err);
      if (ret == 0)
        ret = kn_df_instructions_from_ast (trig_ast, name, &triggers, err);
      kn_df_ast_free (trig_ast);
      if (ret < 0)
        return ret;
      for (size_t k = 0; k < triggers->n && !ss->root_complete; k++)
        if (triggers->v[k]->kind == KN_DF_RUN && (ret = apply_layers (c, ss, err)) < 0)
          {
            kn_df_instructions_free (triggers);
            return kn_error_wrap (err, "%s:%d: FROM %s: unpack", file, st->from->start_line, st->base);
          }
    }
  kn_strv_free (ss->img.c.config.on_build);
  ss->img.c.config.on_build = NULL;
  free (ss->img.c.created);
  ss->img.c.created = kn_xstrdup (c->created);

  if ((ret = kn_buildenv_new (c->plan, i, (const char *const *) ss->img.c.config.env, &ss->env, err)) < 0)
    {
      kn_df_instructions_free (triggers);
      return ret;
    }
  if (st->base_stage >= 0)
    kn_buildenv_inherit (ss->env, c->states[st->base_stage].env);
  bool cmd_set = false;
  ret = 0;
  size_t n_trig = triggers ? triggers->n : 0;
  for (size_t k = 0; k < n_trig + st->n_ins && ret >= 0; k++)
    {
      const struct kn_df_instruction *raw = k < n_trig ? triggers->v[k] : st->ins[k - n_trig];
      ret = exec_one (c, i, ss, raw, k + 1, &cmd_set, err);
    }
  kn_df_instructions_free (triggers);
  kn_brun_close (ss);
  if (ret == 0 && ss->pending && kn_changeset_count (ss->pending) > 0)
    ret = kn_bstage_add_layer (c, ss, ss->pending, NULL, err);
  kn_changeset_free (ss->pending);
  ss->pending = NULL;
  if (ret < 0)
    return ret;
  ss->done = true;
  if (c->inplace)
    return inplace_finish (c, i, ss, err);
  return 0;
}

static bool
numeric_chown (const char *s)
{
  for (; *s; s++)
    if ((*s < '0' || *s > '9') && *s != ':')
      return false;
  return true;
}

static int
mark_from (struct kn_bctx *c, size_t s, const char *from, struct kn_error **err)
{
  int ref = -1;
  if (from == NULL)
    return 0;
  int ret = kn_plan_stage_ref (c->plan, s, from, &ref, err);
  if (ret < 0)
    return ret;
  if (ref >= 0)
    c->need_root[ref] = c->needed_later[ref] = true;
  return 0;
}

int
kn_bstage_plan_roots (struct kn_bctx *c, struct kn_error **err)
{
  c->need_root = kn_xcalloc (c->plan->n ? c->plan->n : 1, sizeof *c->need_root);
  c->needed_later = kn_xcalloc (c->plan->n ? c->plan->n : 1, sizeof *c->needed_later);
  for (size_t s = 0; s < c->plan->n; s++)
    for (size_t k = 0; k < c->plan->stages[s].n_ins; k++)
      {
        const struct kn_df_instruction *ins = c->plan->stages[s].ins[k];
        int ret = 0;
        if (ins->kind == KN_DF_RUN)
          c->need_root[s] = true;
        if (ins->kind == KN_DF_COPY || ins->kind == KN_DF_ADD)
          {
            if (ins->copy.chown && !numeric_chown (ins->copy.chown))
              c->need_root[s] = true;
            ret = mark_from (c, s, ins->copy.from, err);
          }
        for (size_t m = 0; ret == 0 && ins->kind == KN_DF_RUN && m < ins->n_mounts; m++)
          ret = mark_from (c, s, ins->mounts[m].from, err);
        if (ret < 0)
          return kn_error_wrap (err, "%s:%d: %s", c->src->dockerfile_name, ins->start_line, ins->name);
      }
  return 0;
}
