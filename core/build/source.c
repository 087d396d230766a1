#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <kaniko/log.h>
#include <kaniko/sys/context.h>
#include <kaniko/sys/util.h>

#include "core/build/source.h"
#include "core/dockerfile/parser.h"

static int
is_file (const char *p)
{
  struct stat st;
  return stat (p, &st) == 0 && !S_ISDIR (st.st_mode);
}

int
kn_build_source_load (const struct kn_build_options *o, struct kn_plugins *plugins, const char *work_dir,
                      const struct kn_cancel *cancel, struct kn_build_source *s, struct kn_error **err)
{
  const struct kn_context_source *src = NULL;
  const char *location = NULL;
  int ret;

  memset (s, 0, sizeof *s);
  ret = kn_plugins_find_context (plugins, o->context, &src, &location, err);
  if (ret < 0)
    return kn_error_wrap (err, "context %s", o->context);
  struct kn_context_request req = { 0 };
  req.size = sizeof req;
  req.url = o->context;
  req.location = location;
  req.work_dir = work_dir;
  req.sub_path = o->context_sub_path && *o->context_sub_path ? o->context_sub_path : NULL;
  req.config = kn_plugins_config (plugins, src->name);
  req.cancel = cancel;
  ret = src->fetch (&req, &s->context_dir, err);
  if (ret < 0)
    return ret;
  kn_log (KN_LOG_DEBUG, "Build context %s is at %s", o->context, s->context_dir);

  const char *df = o->dockerfile;
  if (strncmp (df, "http://", 7) == 0 || strncmp (df, "https://", 8) == 0)
    return kn_error_make (err, KN_ENOTSUP, 0, "not supported yet: a Dockerfile URL (%s)", df);
  if (is_file (df))
    s->dockerfile = kn_xstrdup (df);
  else
    {
      kn_cleanup_free char *in_ctx = kn_xasprintf ("%s/%s", s->context_dir, df);
      if (!is_file (in_ctx))
        return kn_error_make (err, KN_ENOTFOUND, 0, "no Dockerfile at %s nor %s", df, in_ctx);
      s->dockerfile = KN_STEAL (in_ctx);
    }
  const char *base = strrchr (df, '/');
  s->dockerfile_name = kn_xstrdup (base ? base + 1 : df);

  struct kn_df_ast *ast = NULL;
  kn_cleanup_free char *data = NULL;
  size_t len = 0;
  {
    FILE *f = fopen (s->dockerfile, "re");
    if (f == NULL)
      return kn_error_make (err, kn_error_code_from_errno (errno), errno, "open %s", s->dockerfile);
    char buf[65536];
    size_t n;
    while ((n = fread (buf, 1, sizeof buf, f)) > 0)
      {
        data = kn_xrealloc (data, len + n + 1);
        memcpy (data + len, buf, n);
        len += n;
      }
    int bad = ferror (f);
    fclose (f);
    if (bad)
      return kn_error_make (err, KN_EIO, errno, "read %s", s->dockerfile);
    if (data == NULL)
      data = kn_xstrdup ("");
  }
  ret = kn_df_parse (s->dockerfile_name, data, len, &ast, err);
  if (ret < 0)
    return ret;
  s->escape = (char) ast->escape;
  for (size_t i = 0; i < ast->n_warnings; i++)
    kn_log (KN_LOG_WARN, "%s:%d: %s", s->dockerfile_name, ast->warnings[i].line, ast->warnings[i].message);
  ret = kn_df_instructions_from_ast (ast, s->dockerfile_name, &s->ins, err);
  kn_df_ast_free (ast);
  if (ret < 0)
    return ret;
  if (s->ins->n == 0 || s->ins->v[0] == NULL)
    return kn_error_make (err, KN_EINVAL, 0, "%s: file with no instructions", s->dockerfile_name);

  ret = kn_dockerignore_load (s->context_dir, s->dockerfile, &s->ignore, err);
  if (ret < 0)
    return kn_error_wrap (err, "context %s", s->context_dir);
  return 0;
}

void
kn_build_source_clear (struct kn_build_source *s)
{
  free (s->context_dir);
  free (s->dockerfile);
  free (s->dockerfile_name);
  kn_df_instructions_free (s->ins);
  kn_ignore_free (s->ignore);
  memset (s, 0, sizeof *s);
}
