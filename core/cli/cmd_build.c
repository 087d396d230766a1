/* kaniko build (also "kaniko" with no command, and "executor"): parse and
 * check the options, load the plugins (--plugin-dir, --plugin-opt, the config
 * file's "plugins"), then hand everything to the build engine (kn_build_run)
 * and print the result; the hidden --print-options prints the resolved
 * options instead. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include <json-c/json.h>

#include "core/build/build.h"
#include "core/cli/builtin-plugins.h"
#include "core/cli/commands.h"
#include "core/cli/options.h"
#include "core/cli/signals.h"

static bool
user_set (const struct kn_cli_parse_info *info, const char *name)
{
  const struct kn_opt *opt = kn_cli_option_find (name);
  return info && info->sources && opt && info->sources[kn_cli_option_index (opt)] > KN_SRC_DEFAULT;
}

char *
kn_cli_host_platform (void)
{
  static const struct {
    const char *machine, *platform;
  } map[] = {
    { "x86_64", "amd64" },   { "amd64", "amd64" },     { "aarch64", "arm64" }, { "arm64", "arm64" },
    { "i386", "386" },       { "i486", "386" },        { "i586", "386" },      { "i686", "386" },
    { "armv7l", "arm/v7" },  { "armv6l", "arm/v6" },   { "armv5tel", "arm/v5" }, { "ppc64le", "ppc64le" },
    { "s390x", "s390x" },    { "riscv64", "riscv64" }, { "mips64", "mips64" }, { "loongarch64", "loong64" },
  };
  struct utsname u;
  if (uname (&u) == 0)
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
      if (strcmp (u.machine, map[i].machine) == 0)
        return kn_xasprintf ("linux/%s", map[i].platform);
  return kn_xasprintf ("linux/%s", uname (&u) == 0 ? u.machine : "unknown");
}

static bool
is_http_url (const char *s)
{
  return strncmp (s, "http://", 7) == 0 || strncmp (s, "https://", 8) == 0;
}

/* The local directory of a context ("DIR" or "dir://DIR"), or NULL for a remote one. */
static const char *
local_context (const char *ctx)
{
  if (strncmp (ctx, "dir://", 6) == 0)
    return ctx + 6;
  return strstr (ctx, "://") ? NULL : ctx;
}

static bool
has_dotdot (const char *path)
{
  for (const char *p = path; (p = strstr (p, "..")) != NULL; p += 2)
    if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      return true;
  return false;
}

static bool
writable_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode) && access (path, W_OK | X_OK) == 0;
}

static int
check_context (struct kn_build_options *o, struct kn_error **err)
{
  const char *dir = local_context (o->context);
  const char *df = o->dockerfile;
  struct stat st;
  if (dir == NULL)
    {
      kn_log (KN_LOG_DEBUG, "Build context %s is fetched by its context source", o->context);
      return 0;
    }
  kn_cleanup_free char *ctx = o->context_sub_path && *o->context_sub_path
                                  ? kn_xasprintf ("%s/%s", dir, o->context_sub_path)
                                  : kn_xstrdup (dir);
  if (stat (ctx, &st) < 0)
    return kn_error_make (err, kn_error_code_from_errno (errno), errno, "context directory %s", ctx);
  if (!S_ISDIR (st.st_mode))
    return kn_error_make (err, KN_EINVAL, 0, "context %s: not a directory (use tar://%s for a tarball)", ctx, ctx);
  kn_log (KN_LOG_DEBUG, "Build context: %s", ctx);
  if (is_http_url (df))
    return 0;
  /* Go kaniko's order: the path as given, then relative to the context. */
  if (stat (df, &st) == 0 && !S_ISDIR (st.st_mode))
    {
      kn_log (KN_LOG_DEBUG, "Dockerfile: %s", df);
      return 0;
    }
  kn_cleanup_free char *in_ctx = kn_xasprintf ("%s/%s", ctx, df);
  if (stat (in_ctx, &st) == 0 && !S_ISDIR (st.st_mode))
    {
      kn_log (KN_LOG_DEBUG, "Dockerfile: %s", in_ctx);
      return 0;
    }
  return kn_error_make (err, KN_ENOTFOUND, 0,
                        "no Dockerfile at %s nor %s: give a valid path with --dockerfile (as given, or within the "
                        "context)",
                        df, in_ctx);
}

int
kn_cli_validate_build_options (struct kn_build_options *o, const struct kn_cli_parse_info *info,
                               struct kn_error **err)
{
  if (!o->no_push && o->destinations.n == 0)
    return kn_error_make (err, KN_EINVAL, 0, "you must provide --destination, or use --no-push");
  if (o->cache && o->no_push && (o->cache_repo == NULL || *o->cache_repo == '\0'))
    return kn_error_make (err, KN_EINVAL, 0,
                          "cache flags invalid: if using cache with --no-push, specify cache repo with --cache-repo");
  if (o->destinations.n == 0 && o->image_name_with_digest_file)
    return kn_error_make (err, KN_EINVAL, 0, "you must provide --destination if setting --image-name-with-digest-file");
  if (o->destinations.n == 0 && o->image_name_tag_with_digest_file)
    return kn_error_make (err, KN_EINVAL, 0,
                          "you must provide --destination if setting --image-name-tag-with-digest-file");
  if (o->bucket && user_set (info, "context"))
    return kn_error_make (err, KN_EINVAL, 0, "--bucket and --context are mutually exclusive");
  if (o->sign_images && (o->cosign_key_path == NULL || *o->cosign_key_path == '\0'))
    return kn_error_make (err, KN_EINVAL, 0, "--sign-images needs --cosign-key-path");
  if (!o->sign_images && o->cosign_key_path && *o->cosign_key_path)
    return kn_error_make (err, KN_EINVAL, 0, "--cosign-key-path is set but --sign-images is not");
  if (o->digests_from && *o->digests_from && strcmp (o->driver ? o->driver : "", "ci") != 0)
    return kn_error_make (err, KN_EINVAL, 0, "--digests-from needs --driver=ci");
  if (o->legacy_manifest_list && !o->publish_index && o->platforms.n == 0)
    return kn_error_make (err, KN_EINVAL, 0, "--legacy-manifest-list needs --platform or --publish-index");
  if (o->push_retry_max_delay_ms < o->push_retry_initial_delay_ms)
    return kn_error_make (err, KN_EINVAL, 0, "--push-retry-max-delay (%d) is shorter than --push-retry-initial-delay (%d)",
                          o->push_retry_max_delay_ms, o->push_retry_initial_delay_ms);
  if (o->context == NULL || *o->context == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "please specify a path to the build context with the --context flag");
  if (o->dockerfile == NULL || *o->dockerfile == '\0')
    return kn_error_make (err, KN_EINVAL, 0, "--dockerfile must not be empty");
  if (o->context_sub_path && (o->context_sub_path[0] == '/' || has_dotdot (o->context_sub_path)))
    return kn_error_make (err, KN_EINVAL, 0, "--context-sub-path %s: must be a relative path inside the context",
                          o->context_sub_path);

  if (o->custom_platform == NULL || *o->custom_platform == '\0')
    {
      free (o->custom_platform);
      o->custom_platform = kn_cli_host_platform ();
    }
  if (!user_set (info, "kaniko-dir") && !writable_dir (o->kaniko_dir))
    {
      free (o->kaniko_dir);
      o->kaniko_dir = kn_xstrdup ("/var/tmp/kaniko");
    }
  kn_log (KN_LOG_DEBUG, "Kaniko dir: %s", o->kaniko_dir);
  return check_context (o, err);
}

static const char *
program_name (const char *argv0)
{
  const char *self = strrchr (argv0, '/');
  self = self ? self + 1 : argv0;
  return strcmp (self, "executor") == 0 || strcmp (self, "lt-executor") == 0 ? "executor" : "kaniko";
}

static int
fail (struct kn_error *err, const char *prog)
{
  int status = kn_cli_exit_status (err->code);
  kn_cli_print_error ("%s", err->msg);
  if (err->code == KN_EINVAL)
    fprintf (stderr, "Run '%s --help' for usage.\n", strcmp (prog, "executor") == 0 ? "executor" : "kaniko build");
  kn_error_free (err);
  return status;
}

int
kn_cli_load_plugins (const struct kn_build_options *o, struct kn_plugins **out, struct kn_error **err)
{
  struct kn_plugins *t = kn_cli_plugins_new ();
  int ret = 0;
  for (size_t i = 0; i < o->plugin_dirs.n && ret == 0; i++)
    ret = kn_plugins_add_dir (t, o->plugin_dirs.v[i], err);
  if (ret == 0)
    kn_plugins_add_default_dirs (t);
  for (size_t i = 0; i < o->plugin_opts.n && ret == 0; i++)
    {
      kn_cleanup_free char *a = kn_xasprintf ("%s=%s", o->plugin_opts.v[i].key,
                                              o->plugin_opts.v[i].value ? o->plugin_opts.v[i].value : "");
      ret = kn_plugins_set_option (t, a, err);
    }
  if (ret == 0 && o->config_plugins_json && *o->config_plugins_json)
    {
      struct json_object *j = json_tokener_parse (o->config_plugins_json);
      if (j == NULL)
        ret = kn_error_make (err, KN_EINVAL, 0, "config file: \"plugins\" is not valid JSON");
      else
        ret = kn_plugins_set_options_json (t, j, err);
      json_object_put (j);
    }
  if (ret == 0)
    ret = kn_plugins_scan (t, err) < 0 ? -1 : 0;
  if (ret == 0)
    ret = kn_plugins_check_options (t, err);
  if (ret < 0)
    {
      kn_plugins_free (t);
      return ret < -1 ? ret : -(*err)->code;
    }
  *out = t;
  return 0;
}

/* The one line a cancelled build prints; exit status 128 + the signal. */
static int
cancelled (const struct kn_cancel *cancel, struct kn_error *err)
{
  int sig = kn_cancel_signal (cancel);
  const char *msg = err ? err->msg : "build cancelled";
  static const char prefix[] = "build cancelled";
  if (strncmp (msg, prefix, sizeof prefix - 1) == 0)
    kn_log (KN_LOG_ERROR, "build cancelled by %s%s", kn_cli_signal_name (sig), msg + sizeof prefix - 1);
  else
    kn_log (KN_LOG_ERROR, "build cancelled by %s: %s", kn_cli_signal_name (sig), msg);
  kn_error_free (err);
  return 128 + sig;
}

static int
build (const struct kn_build_options *o, const char *prog)
{
  struct kn_plugins *plugins = NULL;
  struct kn_build_result res;
  struct kn_error *err = NULL;
  /* Static: the signal handlers keep pointing at it until the program exits. */
  static struct kn_cancel cancel;
  memset (&res, 0, sizeof res);
  kn_cli_signals_install (&cancel);
  if (kn_cli_load_plugins (o, &plugins, &err) < 0)
    return fail (err, prog);
  int ret = kn_cancel_requested (&cancel) ? kn_error_make (&err, KN_ECANCELED, 0, "build cancelled before it started")
                                          : kn_build_run_cancellable (o, plugins, &cancel, &res, &err);
  kn_plugins_free (plugins);
  /* The handlers stay until the program exits: a signal arriving now still
   * only counts (a late second one must not kill us with another status). */
  if (ret < 0 && kn_cancel_signal (&cancel))
    return cancelled (&cancel, err);
  if (ret < 0)
    {
      /* A build that fails exits 1 like kaniko (2 is for usage errors). */
      kn_cli_print_error ("%s", err->msg);
      kn_error_free (err);
      return 1;
    }
  kn_log (KN_LOG_INFO, "Image digest: %s", res.digest);
  kn_build_result_clear (&res);
  return 0;
}

int
kn_cmd_build (int argc, char **argv)
{
  const char *prog = program_name (argc > 0 ? argv[0] : "kaniko");
  struct kn_build_options o;
  struct kn_cli_parse_info info = { 0 };
  struct kn_error *err = NULL;
  int status = 0;

  if (kn_cli_parse_build_options (argc, argv, &o, &info, &err) < 0)
    {
      status = fail (err, prog);
      goto out;
    }
  switch (info.action)
    {
    case KN_ACTION_HELP:
      kn_cli_help_build (stdout, prog);
      goto out;
    case KN_ACTION_HELP_MARKDOWN:
      kn_cli_help_markdown (stdout);
      goto out;
    case KN_ACTION_HELP_MAN:
      kn_cli_help_man (stdout);
      goto out;
    case KN_ACTION_VERSION:
      kn_cli_print_version (stdout);
      goto out;
    default:
      break;
    }

  if (kn_cli_log_setup (stderr, o.verbosity, o.log_format, o.log_timestamp, &err) < 0)
    {
      status = fail (err, prog);
      goto out;
    }
  for (size_t i = 0; info.warnings && info.warnings[i]; i++)
    kn_log (KN_LOG_WARN, "%s", info.warnings[i]);

  if (kn_cli_validate_build_options (&o, &info, &err) < 0)
    {
      status = fail (err, prog);
      goto out;
    }

  if (info.action == KN_ACTION_PRINT_OPTIONS)
    {
      kn_cleanup_free char *json = kn_cli_options_to_json (&o);
      fputs (json, stdout);
      goto out;
    }

  status = build (&o, prog);

out:
  fflush (stdout);
  kn_log_set_handler (NULL, KN_LOG_INFO, NULL);
  kn_cli_build_options_clear (&o);
  kn_cli_parse_info_clear (&info);
  return status;
}
