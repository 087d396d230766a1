/* Unit tests of the build flags table and its parser (core/cli/options*.c,
 * config_file.c, the validation in cmd_build.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <kaniko/sys/util.h>

#include "core/cli/options.h"

static struct kn_build_options opts;
static struct kn_cli_parse_info info;
static struct kn_error *err;
static char tmpdir[64];

static void
setup (void)
{
  memset (&opts, 0, sizeof opts);
  memset (&info, 0, sizeof info);
  err = NULL;
  strcpy (tmpdir, "/tmp/kn-test-options-XXXXXX");
  cr_assert_not_null (mkdtemp (tmpdir));
  /* The developer's environment must not leak into the tests. */
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (kn_cli_options[i].env)
      unsetenv (kn_cli_options[i].env);
}

static void
teardown (void)
{
  kn_cli_build_options_clear (&opts);
  kn_cli_parse_info_clear (&info);
  kn_error_free (err);
  kn_cleanup_free char *cmd = kn_xasprintf ("rm -rf '%s'", tmpdir);
  cr_assert_eq (system (cmd), 0);
}

/* Parse "build" followed by the NULL-terminated flags. */
static int
parse (const char *first, ...)
{
  char *argv[64];
  int argc = 0;
  va_list ap;
  argv[argc++] = (char *) "build";
  va_start (ap, first);
  for (const char *a = first; a != NULL && argc < 63; a = va_arg (ap, const char *))
    argv[argc++] = (char *) a;
  va_end (ap);
  argv[argc] = NULL;
  kn_cli_build_options_clear (&opts);
  kn_error_release (&err);
  return kn_cli_parse_build_options (argc, argv, &opts, &info, &err);
}

static char *
write_file (const char *name, const char *content)
{
  char *path = kn_xasprintf ("%s/%s", tmpdir, name);
  FILE *f = fopen (path, "w");
  cr_assert_not_null (f);
  fputs (content, f);
  fclose (f);
  return path;
}

static enum kn_opt_source
source_of (const char *name)
{
  return info.sources[kn_cli_option_index (kn_cli_option_find (name))];
}

#define assert_ok(r) cr_assert_eq ((r), 0, "unexpected error: %s", err ? err->msg : "(none)")
#define assert_err(r, code_, text)                                                                            \
  do                                                                                                          \
    {                                                                                                         \
      cr_assert_eq ((r), -(code_), "expected %s, got %d (%s)", #code_, (r), err ? err->msg : "no error");   \
      cr_assert_not_null (strstr (err->msg, (text)), "message \"%s\" lacks \"%s\"", err->msg, (text));        \
    }                                                                                                         \
  while (0)

TestSuite (options, .init = setup, .fini = teardown);

/* ---- the table itself ---- */

Test (options, table_is_consistent)
{
  for (size_t i = 0; i < kn_cli_n_options; i++)
    {
      const struct kn_opt *a = &kn_cli_options[i];
      cr_assert (a->name && *a->name);
      if (a->alias_of)
        {
          const struct kn_opt *c = kn_cli_option_canonical (a);
          cr_assert_not_null (c, "--%s: alias of unknown --%s", a->name, a->alias_of);
          cr_assert_null (c->alias_of, "--%s: alias of an alias", a->name);
          continue;
        }
      cr_assert (a->help && *a->help, "--%s has no help", a->name);
      cr_assert (a->group < KN_GROUP_MAX);
      cr_assert_eq (a->type == KN_OPT_ACTION, a->offset == KN_OPT_NOFIELD, "--%s: action iff no field", a->name);
      for (size_t j = i + 1; j < kn_cli_n_options; j++)
        {
          const struct kn_opt *b = &kn_cli_options[j];
          cr_assert_str_neq (a->name, b->name);
          cr_assert (a->shorthand == 0 || a->shorthand != b->shorthand, "shorthand -%c twice", a->shorthand);
          cr_assert (a->env == NULL || b->env == NULL || strcmp (a->env, b->env) != 0);
          cr_assert (b->alias_of || a->offset == KN_OPT_NOFIELD || a->offset != b->offset,
                     "--%s and --%s share a field", a->name, b->name);
        }
      /* Every default parses as a value of its own option. */
      if (a->def)
        {
          struct kn_build_options o = { 0 };
          int r = kn_cli_option_set (a, &o, a->def, true, &err);
          cr_assert_eq (r, 0, "--%s: bad default \"%s\": %s", a->name, a->def, err ? err->msg : "");
          kn_cli_build_options_clear (&o);
        }
    }
}

Test (options, has_go_kaniko_flags)
{
  static const char *const go_flags[] = {
    "dockerfile", "context", "context-sub-path", "destination", "no-push", "no-push-cache", "tar-path",
    "oci-layout-path", "digest-file", "image-name-with-digest-file", "image-name-tag-with-digest-file", "cache",
    "cache-dir", "cache-repo", "cache-copy-layers", "cache-run-layers", "cache-ttl", "compressed-caching",
    "build-arg", "target", "skip-unused-stages", "snapshot-mode", "single-snapshot", "reproducible", "label",
    "custom-platform", "insecure", "insecure-pull", "insecure-registry", "skip-tls-verify", "skip-tls-verify-pull",
    "skip-tls-verify-registry", "registry-certificate", "registry-client-cert", "registry-mirror",
    "skip-default-registry-fallback", "registry-map", "push-retry", "push-retry-initial-delay",
    "push-retry-max-delay", "push-retry-backoff-multiplier", "push-ignore-immutable-tag-errors",
    "skip-push-permission-check", "image-download-retry", "image-fs-extract-retry", "ignore-path", "ignore-var-run",
    "cleanup", "kaniko-dir", "force", "compression", "compression-level", "verbosity", "log-format",
    "log-timestamp", "use-new-run", "git", "preserve-context", "materialize", "force-build-metadata", "bucket",
    "snapshotMode", "customPlatform", "tarPath", "whitelist-var-run",
    /* ours */
    "plugin-dir", "plugin-opt", "config", "runner", "driver", "platform", "sign-images", "cosign-key-path",
  };
  for (size_t i = 0; i < sizeof go_flags / sizeof go_flags[0]; i++)
    cr_assert_not_null (kn_cli_option_find (go_flags[i]), "missing --%s", go_flags[i]);
  cr_assert_str_eq (kn_cli_option_find ("registry-mirror")->env, "KANIKO_REGISTRY_MIRROR");
  cr_assert_str_eq (kn_cli_option_find ("registry-map")->env, "KANIKO_REGISTRY_MAP");
  cr_assert_str_eq (kn_cli_option_find ("kaniko-dir")->env, "KANIKO_DIR");
  cr_assert_str_eq (kn_cli_option_find ("no-push")->env, "KANIKO_NO_PUSH");
  cr_assert_eq (kn_cli_option_find_short ('f'), kn_cli_option_find ("dockerfile"));
  cr_assert_eq (kn_cli_option_find_short ('c'), kn_cli_option_find ("context"));
  cr_assert_eq (kn_cli_option_find_short ('d'), kn_cli_option_find ("destination"));
  cr_assert_eq (kn_cli_option_find_short ('v'), kn_cli_option_find ("verbosity"));
}

/* ---- defaults and types ---- */

Test (options, defaults)
{
  assert_ok (parse (NULL));
  cr_assert_str_eq (opts.dockerfile, "Dockerfile");
  cr_assert_str_eq (opts.context, "/workspace/");
  cr_assert_str_eq (opts.cache_dir, "/cache");
  cr_assert_str_eq (opts.snapshot_mode, "full");
  cr_assert_str_eq (opts.verbosity, "info");
  cr_assert_str_eq (opts.log_format, "color");
  cr_assert_str_eq (opts.kaniko_dir, "/kaniko");
  cr_assert_eq (opts.cache_ttl_ns, 336LL * 3600 * 1000000000LL);
  cr_assert (opts.ignore_var_run && opts.cache_run_layers && opts.compressed_caching);
  cr_assert (!opts.no_push && !opts.cache && !opts.reproducible);
  cr_assert_eq (opts.compression_level, -1);
  cr_assert_eq (opts.push_retry_initial_delay_ms, 1000);
  cr_assert_eq (opts.push_retry_max_delay_ms, 30000);
  cr_assert_float_eq (opts.push_retry_backoff_multiplier, 2.0, 1e-9);
  cr_assert_eq (opts.destinations.n, 0);
  cr_assert_null (opts.destinations.v);
  cr_assert_null (opts.target);
  cr_assert_eq (opts.version, KN_BUILD_OPTIONS_VERSION);
  cr_assert_eq (source_of ("dockerfile"), KN_SRC_DEFAULT);
}

Test (options, bool_forms)
{
  assert_ok (parse ("--no-push", NULL));
  cr_assert (opts.no_push);
  assert_ok (parse ("--no-push=true", NULL));
  cr_assert (opts.no_push);
  assert_ok (parse ("--no-push=false", NULL));
  cr_assert (!opts.no_push);
  assert_ok (parse ("--no-push=1", NULL));
  cr_assert (opts.no_push);
  assert_ok (parse ("--ignore-var-run=False", NULL));
  cr_assert (!opts.ignore_var_run);
  assert_ok (parse ("--ignore-var-run=0", "--ignore-var-run=T", NULL));
  cr_assert (opts.ignore_var_run);
  assert_err (parse ("--no-push=yes", NULL), KN_EINVAL, "invalid argument for --no-push: \"yes\"");
  /* Go's pflag: a bool flag never takes the next argument. */
  assert_err (parse ("--no-push", "false", NULL), KN_EINVAL, "write --no-push=false");
}

Test (options, string_forms)
{
  assert_ok (parse ("--dockerfile", "a/Dockerfile", "--context=/src", "--target", "final", NULL));
  cr_assert_str_eq (opts.dockerfile, "a/Dockerfile");
  cr_assert_str_eq (opts.context, "/src");
  cr_assert_str_eq (opts.target, "final");
  assert_ok (parse ("-f", "x", "-cctx", NULL));
  cr_assert_str_eq (opts.dockerfile, "x");
  cr_assert_str_eq (opts.context, "ctx");
  assert_ok (parse ("-f=y", "--dockerfile=z=1", NULL));
  cr_assert_str_eq (opts.dockerfile, "z=1");
  assert_ok (parse ("--target=", NULL));
  cr_assert_str_eq (opts.target, "");
  assert_err (parse ("--dockerfile", NULL), KN_EINVAL, "flag needs an argument: --dockerfile");
  assert_err (parse ("-f", NULL), KN_EINVAL, "flag needs an argument: 'f' in -f");
  assert_err (parse ("--log-format=xml", NULL), KN_EINVAL, "expected one of text|color|json");
  assert_err (parse ("-v", "loud", NULL), KN_EINVAL, "invalid argument for -v (--verbosity): \"loud\"");
  assert_ok (parse ("-v", "debug", "--verbosity=warning", NULL));
  cr_assert_str_eq (opts.verbosity, "warning");
  assert_err (parse ("--custom-platform=linux", NULL), KN_EINVAL, "expected os/arch[/variant]");
  assert_ok (parse ("--custom-platform=linux/arm/v7", NULL));
}

Test (options, repeatable_lists)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  assert_ok (parse ("-d", "a", "--destination=b", "-dc", "--destination", "d", NULL));
  cr_assert_eq (opts.destinations.n, 4);
  cr_assert_str_eq (opts.destinations.v[0], "a");
  cr_assert_str_eq (opts.destinations.v[2], "c");
  cr_assert_str_eq (opts.destinations.v[3], "d");
  cr_assert_null (opts.destinations.v[4]);
  assert_ok (parse ("--platform=linux/amd64,linux/arm64", "--platform", "linux/s390x", NULL));
  cr_assert_eq (opts.platforms.n, 3);
  cr_assert_str_eq (opts.platforms.v[1], "linux/arm64");
  assert_err (parse ("--platform=linux/amd64,windows", NULL), KN_EINVAL, "\"windows\": expected os/arch");
  assert_ok (parse ("--ignore-path=/a", "--ignore-path=/b,c", NULL));
  cr_assert_eq (opts.ignore_paths.n, 2);
  cr_assert_str_eq (opts.ignore_paths.v[1], "/b,c");
}

Test (options, integers_floats_durations)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  assert_ok (parse ("--push-retry=3", "--compression-level", "9", "--push-retry-backoff-multiplier=1.5", NULL));
  cr_assert_eq (opts.push_retry, 3);
  cr_assert_eq (opts.compression_level, 9);
  cr_assert_float_eq (opts.push_retry_backoff_multiplier, 1.5, 1e-9);
  assert_err (parse ("--push-retry=x", NULL), KN_EINVAL, "\"x\": expected an integer");
  assert_err (parse ("--push-retry=3.5", NULL), KN_EINVAL, "expected an integer");
  assert_err (parse ("--push-retry=-1", NULL), KN_EINVAL, "-1: expected a value from 0 to 1000");
  assert_err (parse ("--compression-level=23", NULL), KN_EINVAL, "from -1 to 22");
  assert_err (parse ("--push-retry-backoff-multiplier=abc", NULL), KN_EINVAL, "expected a number");
  assert_err (parse ("--push-retry-backoff-multiplier=0.5", NULL), KN_EINVAL, "at least 1");
  assert_ok (parse ("--cache-ttl=6h", NULL));
  cr_assert_eq (opts.cache_ttl_ns, 6LL * 3600 * 1000000000LL);
  assert_ok (parse ("--cache-ttl", "1h30m10.5s", NULL));
  cr_assert_eq (opts.cache_ttl_ns, (5410LL * 1000 + 500) * 1000000LL);
  assert_ok (parse ("--cache-ttl=0", NULL));
  cr_assert_eq (opts.cache_ttl_ns, 0);
  assert_err (parse ("--cache-ttl=5", NULL), KN_EINVAL, "expected a duration");
  assert_err (parse ("--cache-ttl=-1h", NULL), KN_EINVAL, "positive duration");
  assert_err (parse ("--cache-ttl=1d", NULL), KN_EINVAL, "expected a duration");
}

Test (options, duration_text)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "336h", "336h0m0s" }, { "1.5s", "1.5s" }, { "90m", "1h30m0s" }, { "500ms", "500ms" },
    { "1us", "1\xc2\xb5s" }, { "2ns", "2ns" }, { "0", "0s" }, { "1m0.25s", "1m0.25s" }, { "-3s", "-3s" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      int64_t ns;
      cr_assert_eq (kn_cli_parse_duration (cases[i].in, &ns), 0, "%s", cases[i].in);
      kn_cleanup_free char *s = kn_cli_format_duration (ns);
      cr_assert_str_eq (s, cases[i].out);
    }
  int64_t ns;
  cr_assert_lt (kn_cli_parse_duration ("", &ns), 0);
  cr_assert_lt (kn_cli_parse_duration ("h", &ns), 0);
  cr_assert_lt (kn_cli_parse_duration ("1h2", &ns), 0);
  cr_assert_lt (kn_cli_parse_duration ("99999999999h", &ns), 0);
}

Test (options, maps)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  assert_ok (parse ("--label", "a=b", "--label=c=d=e", "--registry-map=index.docker.io=m1;index.docker.io=m2",
                    "--registry-map", "gcr.io=127.0.0.1", NULL));
  cr_assert_eq (opts.labels.n, 2);
  cr_assert_str_eq (opts.labels.v[1].key, "c");
  cr_assert_str_eq (opts.labels.v[1].value, "d=e");
  cr_assert_eq (opts.registry_maps.n, 3);
  cr_assert_str_eq (opts.registry_maps.v[1].key, "index.docker.io");
  cr_assert_str_eq (opts.registry_maps.v[1].value, "m2");
  cr_assert_str_eq (opts.registry_maps.v[2].value, "127.0.0.1");
  assert_err (parse ("--label", "novalue", NULL), KN_EINVAL, "\"novalue\": expected KEY=VALUE");
  assert_err (parse ("--label", "=v", NULL), KN_EINVAL, "empty key");
  assert_ok (parse ("--git", "branch=main,single-branch=true", NULL));
  cr_assert_eq (opts.git.n, 2);
  cr_assert_str_eq (opts.git.v[0].value, "main");
  assert_err (parse ("--git=depth=1", NULL), KN_EINVAL, "unknown key \"depth\"");
  assert_ok (parse ("--registry-client-cert=r.io=/c.crt,/c.key", NULL));
  cr_assert_str_eq (opts.registry_client_certs.v[0].value, "/c.crt,/c.key");
}

Test (options, build_args_from_environment)
{
  setenv ("KN_TEST_ARG", "from-env", 1);
  unsetenv ("KN_TEST_UNSET");
  assert_ok (parse ("--build-arg", "A=1", "--build-arg=KN_TEST_ARG", "--build-arg", "KN_TEST_UNSET", "--build-arg",
                    "B=", NULL));
  cr_assert_eq (opts.build_args.n, 4);
  cr_assert_str_eq (opts.build_args.v[1].value, "from-env");
  cr_assert_str_eq (opts.build_args.v[2].value, "");
  cr_assert_str_eq (opts.build_args.v[3].value, "");
}

Test (options, plugin_opts)
{
  assert_ok (parse ("--plugin-opt", "gzip.level=9", "--plugin-opt=zstd.threads=4", "--plugin-opt=gzip.level=1",
                    "--plugin-dir=/a", "--plugin-dir", "/b", NULL));
  cr_assert_eq (opts.plugin_opts.n, 2, "later value of one key replaces the earlier");
  cr_assert_str_eq (opts.plugin_opts.v[0].key, "zstd.threads");
  cr_assert_str_eq (opts.plugin_opts.v[1].key, "gzip.level");
  cr_assert_str_eq (opts.plugin_opts.v[1].value, "1");
  cr_assert_eq (opts.plugin_dirs.n, 2);
  assert_err (parse ("--plugin-opt=level=9", NULL), KN_EINVAL, "expected NAME.KEY=VALUE");
}

/* ---- errors ---- */

Test (options, unknown_flags)
{
  assert_err (parse ("--destinaton=x", NULL), KN_EINVAL, "unknown flag: --destinaton (did you mean --destination?)");
  assert_err (parse ("--noPush", NULL), KN_EINVAL, "unknown flag: --noPush (did you mean --no-push?)");
  assert_err (parse ("--zzzzzzzzzzzz", NULL), KN_EINVAL, "unknown flag: --zzzzzzzzzzzz");
  cr_assert_null (strstr (err->msg, "did you mean"));
  assert_err (parse ("-x", NULL), KN_EINVAL, "unknown shorthand flag: 'x' in -x");
  assert_err (parse ("-no-push", NULL), KN_EINVAL, "did you mean --no-push?");
  assert_err (parse ("context", NULL), KN_EINVAL, "unexpected argument \"context\"");
  assert_err (parse ("--", "x", NULL), KN_EINVAL, "unexpected argument \"x\"");
  /* A hidden action is not offered as a hint. */
  const struct kn_opt *s = kn_cli_option_suggest ("print-option");
  cr_assert (s == NULL || !(s->flags & KN_OPTF_HIDDEN));
}

Test (options, not_supported_yet)
{
  assert_err (parse ("--use-new-run", NULL), KN_ENOTSUP, "not supported yet: --use-new-run");
  assert_err (parse ("--annotation", "a=b", NULL), KN_ENOTSUP, "not supported yet: --annotation");
  /* Setting the default is harmless; defaults never trigger it. */
  assert_ok (parse ("--use-new-run=false", "--materialize=false", NULL));
  info.flags = KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  assert_ok (parse ("--use-new-run", NULL));
  cr_assert (opts.use_new_run);
  info.flags = 0;
  kn_cleanup_free char *cfg = write_file ("c.json", "{\"materialize\": true}");
  assert_err (parse ("--config", cfg, NULL), KN_ENOTSUP, "not supported yet: --materialize (set by the config file)");
}

Test (options, actions)
{
  assert_ok (parse ("--help", "--no-push=bad", NULL));
  cr_assert_eq (info.action, KN_ACTION_HELP);
  assert_ok (parse ("-h", NULL));
  cr_assert_eq (info.action, KN_ACTION_HELP);
  assert_ok (parse ("-hhhhhhhhhhhhhhhhhhhhhhhh", "-hvdebug", NULL)); /* grouped shorthands */
  cr_assert_eq (info.action, KN_ACTION_HELP);
  assert_ok (parse ("--version", "--help-markdown", NULL));
  cr_assert_eq (info.action, KN_ACTION_HELP_MARKDOWN);
  assert_ok (parse ("--print-options", "--no-push", NULL));
  cr_assert_eq (info.action, KN_ACTION_PRINT_OPTIONS);
  cr_assert (opts.no_push);
  /* Unknown flags fail before help, as with cobra. */
  assert_err (parse ("--help", "--bogus", NULL), KN_EINVAL, "unknown flag: --bogus");
}

Test (options, deprecated_spellings)
{
  assert_ok (parse ("--snapshotMode=redo", "--tarPath", "/o.tar", "--whitelist-var-run=false", NULL));
  cr_assert_str_eq (opts.snapshot_mode, "redo");
  cr_assert_str_eq (opts.tar_path, "/o.tar");
  cr_assert (!opts.ignore_var_run);
  cr_assert_not_null (info.warnings);
  cr_assert_str_eq (info.warnings[0], "flag --snapshotMode is deprecated, use --snapshot-mode");
  cr_assert_not_null (info.warnings[2]);
  cr_assert_null (info.warnings[3]);
}

/* ---- precedence: flag > environment > config file > default ---- */

Test (options, precedence)
{
  kn_cleanup_free char *cfg = write_file (
      "c.json", "{\"kaniko-dir\": \"/from-config\", \"push-retry\": 2, \"registry-mirror\": [\"cfg.mirror\"],"
                " \"destination\": [\"cfg/a\", \"cfg/b\"], \"snapshot-mode\": \"redo\", \"no-push\": true}");
  setenv ("KANIKO_DIR", "/from-env", 1);
  setenv ("KANIKO_REGISTRY_MIRROR", "env.mirror", 1);
  setenv ("KANIKO_PUSH_RETRY", "4", 1);

  assert_ok (parse ("--config", cfg, "--push-retry=5", "-d", "flag/a", NULL));
  cr_assert_str_eq (opts.snapshot_mode, "redo"); /* config > default */
  cr_assert_eq (source_of ("snapshot-mode"), KN_SRC_CONFIG);
  cr_assert_str_eq (opts.kaniko_dir, "/from-env"); /* env > config */
  cr_assert_eq (source_of ("kaniko-dir"), KN_SRC_ENV);
  cr_assert_eq (opts.registry_mirrors.n, 1); /* a list from a higher source replaces */
  cr_assert_str_eq (opts.registry_mirrors.v[0], "env.mirror");
  cr_assert_eq (opts.push_retry, 5); /* flag > env > config */
  cr_assert_eq (source_of ("push-retry"), KN_SRC_FLAG);
  cr_assert_eq (opts.destinations.n, 1);
  cr_assert_str_eq (opts.destinations.v[0], "flag/a");
  cr_assert (opts.no_push);
  cr_assert_str_eq (opts.config_file, cfg);

  /* KANIKO_CONFIG names the config file when --config is absent. */
  unsetenv ("KANIKO_DIR");
  setenv ("KANIKO_CONFIG", cfg, 1);
  assert_ok (parse (NULL));
  cr_assert_str_eq (opts.kaniko_dir, "/from-config");
  cr_assert_eq (opts.destinations.n, 2);

  /* The environment can be ignored. */
  info.flags = KN_CLI_PARSE_NO_ENV;
  assert_ok (parse (NULL));
  cr_assert_str_eq (opts.kaniko_dir, "/kaniko");
  cr_assert_eq (opts.push_retry, 0);
  info.flags = 0;

  setenv ("KANIKO_NO_PUSH", "maybe", 1);
  assert_err (parse (NULL), KN_EINVAL, "invalid value in KANIKO_NO_PUSH (--no-push): \"maybe\"");
}

/* ---- the config file ---- */

Test (options, config_types)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  kn_cleanup_free char *cfg = write_file (
      "c.json", "{\n  \"label\": {\"a\": \"1\", \"n\": 2},\n  \"build-arg\": {\"X\": null, \"Y\": \"y\"},\n"
                "  \"registry-map\": \"a.io=b.io;c.io=d.io\",\n  \"cache-ttl\": \"1h\",\n"
                "  \"push-retry-backoff-multiplier\": 3,\n  \"reproducible\": \"true\",\n"
                "  \"ignore-path\": \"/one\",\n  \"target\": null\n}\n");
  setenv ("X", "x-from-env", 1);
  assert_ok (parse ("--config", cfg, NULL));
  cr_assert_eq (opts.labels.n, 2);
  cr_assert_str_eq (opts.labels.v[1].value, "2");
  cr_assert_str_eq (opts.build_args.v[0].value, "x-from-env");
  cr_assert_eq (opts.registry_maps.n, 2);
  cr_assert_eq (opts.cache_ttl_ns, 3600LL * 1000000000LL);
  cr_assert_float_eq (opts.push_retry_backoff_multiplier, 3.0, 1e-9);
  cr_assert (opts.reproducible);
  cr_assert_eq (opts.ignore_paths.n, 1);
  cr_assert_null (opts.target);
}

Test (options, config_plugins)
{
  kn_cleanup_free char *cfg = write_file (
      "c.json", "{\"plugins\": {\"gzip\": {\"level\": 6, \"parallel\": true}, \"k8s\": {\"nodes\": [\"a\"]}}}");
  assert_ok (parse ("--config", cfg, "--plugin-opt", "gzip.level=9", NULL));
  cr_assert_eq (opts.plugin_opts.n, 3);
  cr_assert_str_eq (opts.plugin_opts.v[0].key, "gzip.parallel");
  cr_assert_str_eq (opts.plugin_opts.v[0].value, "true");
  cr_assert_str_eq (opts.plugin_opts.v[1].key, "k8s.nodes");
  cr_assert_str_eq (opts.plugin_opts.v[1].value, "[\"a\"]");
  cr_assert_str_eq (opts.plugin_opts.v[2].key, "gzip.level");
  cr_assert_str_eq (opts.plugin_opts.v[2].value, "9", "the flag wins over the config file");
  cr_assert_not_null (opts.config_plugins_json);
  cr_assert_not_null (strstr (opts.config_plugins_json, "\"gzip\""));

  kn_cleanup_free char *bad = write_file ("bad.json", "{\"plugins\": {\"gzip\": 1}}");
  assert_err (parse ("--config", bad, NULL), KN_EINVAL, "bad.json: key \"plugins\": \"gzip\": expected an object");
}

Test (options, config_errors)
{
  kn_cleanup_free char *missing = kn_xasprintf ("%s/none.json", tmpdir);
  assert_err (parse ("--config", missing, NULL), KN_ENOTFOUND, "none.json");

  kn_cleanup_free char *syntax = write_file ("syntax.json", "{\n  \"no-push\": true,\n  \"target\" \"x\"\n}\n");
  assert_err (parse ("--config", syntax, NULL), KN_EINVAL, "syntax.json:3: invalid JSON");

  kn_cleanup_free char *trunc = write_file ("trunc.json", "{\"no-push\": true,");
  assert_err (parse ("--config", trunc, NULL), KN_EINVAL, "trunc.json:1: invalid JSON: unexpected end of file");

  kn_cleanup_free char *trailing = write_file ("trailing.json", "{}\n{}\n");
  assert_err (parse ("--config", trailing, NULL), KN_EINVAL, "trailing.json:2: invalid JSON");

  kn_cleanup_free char *comma = write_file ("comma.json", "{\n  \"no-push\": true,\n}\n");
  assert_err (parse ("--config", comma, NULL), KN_EINVAL, "comma.json:3: invalid JSON");

  kn_cleanup_free char *array = write_file ("array.json", "[1]");
  assert_err (parse ("--config", array, NULL), KN_EINVAL, "array.json: key \"(top level)\": expected an object");

  kn_cleanup_free char *unknown = write_file ("unknown.json", "{\"destinaton\": \"x\"}");
  assert_err (parse ("--config", unknown, NULL), KN_EINVAL,
              "unknown.json: unknown key \"destinaton\" (did you mean \"destination\"?)");

  kn_cleanup_free char *alias = write_file ("alias.json", "{\"tarPath\": \"x\"}");
  assert_err (parse ("--config", alias, NULL), KN_EINVAL, "unknown key \"tarPath\" (did you mean \"tar-path\"?)");

  kn_cleanup_free char *action = write_file ("action.json", "{\"help\": true}");
  assert_err (parse ("--config", action, NULL), KN_EINVAL, "action.json: unknown key \"help\"");

  kn_cleanup_free char *nested = write_file ("nested.json", "{\"config\": \"/other.json\"}");
  assert_err (parse ("--config", nested, NULL), KN_EINVAL, "nested.json: unknown key \"config\"");

  kn_cleanup_free char *type = write_file ("type.json", "{\"no-push\": [true]}");
  assert_err (parse ("--config", type, NULL), KN_EINVAL, "type.json: key \"no-push\": expected a boolean, got array");

  kn_cleanup_free char *str = write_file ("str.json", "{\"target\": 1}");
  assert_err (parse ("--config", str, NULL), KN_EINVAL, "str.json: key \"target\": expected a string, got int");

  kn_cleanup_free char *value = write_file ("value.json", "{\"push-retry\": \"many\"}");
  assert_err (parse ("--config", value, NULL), KN_EINVAL, "value.json: key \"push-retry\": \"many\": expected an integer");

  kn_cleanup_free char *elem = write_file ("elem.json", "{\"destination\": [\"a\", {}]}");
  assert_err (parse ("--config", elem, NULL), KN_EINVAL, "elem.json: key \"destination\": element 1: expected a string");

  kn_cleanup_free char *dur = write_file ("dur.json", "{\"cache-ttl\": 60}");
  assert_err (parse ("--config", dur, NULL), KN_EINVAL, "dur.json: key \"cache-ttl\": expected a duration string");
}

/* --print-options output is itself a valid config file giving the same options. */
Test (options, json_round_trip)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  assert_ok (parse ("--no-push", "-d", "r/a:1", "--label", "k=v", "--cache-ttl=90m", "--build-arg=A=1",
                    "--registry-map=a.io=b.io", "--push-retry-backoff-multiplier=1.25", "--plugin-opt=gzip.level=3",
                    "--reproducible", NULL));
  kn_cleanup_free char *json = kn_cli_options_to_json (&opts);
  cr_assert_not_null (strstr (json, "\"cache-ttl\": \"1h30m0s\""));
  cr_assert_not_null (strstr (json, "\"label\": [\"k=v\"]"));
  cr_assert_null (strstr (json, "\"config\""));
  kn_cleanup_free char *path = write_file ("round.json", json);
  struct kn_build_options first = opts;
  memset (&opts, 0, sizeof opts);
  char *argv[] = { (char *) "build", (char *) "--config", path, NULL };
  assert_ok (kn_cli_parse_build_options (3, argv, &opts, &info, &err));
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (strcmp (kn_cli_options[i].name, "config") != 0)
      cr_assert (kn_cli_option_equal (&kn_cli_options[i], &first, &opts), "--%s differs", kn_cli_options[i].name);
  kn_cli_build_options_clear (&first);
}

/* ---- validation ---- */

Test (options, validate)
{
  /* Parsing of flags whose feature is not built yet is still checked here. */
  info.flags |= KN_CLI_PARSE_ALLOW_UNSUPPORTED;
  kn_cleanup_free char *df = write_file ("Dockerfile", "FROM scratch\n");
  kn_cleanup_free char *sub = kn_xasprintf ("%s/sub", tmpdir);
  cr_assert_eq (mkdir (sub, 0755), 0);
  kn_cleanup_free char *df2 = write_file ("sub/Other", "FROM scratch\n");

  assert_ok (parse ("-c", tmpdir, NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL,
              "you must provide --destination, or use --no-push");

  assert_ok (parse ("-c", tmpdir, "--no-push", NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));
  cr_assert_not_null (opts.custom_platform);
  cr_assert_not_null (strchr (opts.custom_platform, '/'), "the host platform is os/arch");

  assert_ok (parse ("-c", tmpdir, "--no-push", "--cache", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "specify cache repo with --cache-repo");

  assert_ok (parse ("-c", tmpdir, "--no-push", "--image-name-with-digest-file=/x", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "you must provide --destination");

  assert_ok (parse ("-c", tmpdir, "-d", "r/a", "--sign-images", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "--sign-images needs --cosign-key-path");

  assert_ok (parse ("-c", tmpdir, "-d", "r/a", "--digests-from=/d", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "--digests-from needs --driver=ci");

  assert_ok (parse ("-c", tmpdir, "--no-push", "--push-retry-max-delay=10", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "is shorter than");

  assert_ok (parse ("-c", tmpdir, "--no-push", "--context-sub-path=../x", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_EINVAL, "must be a relative path");

  /* The Dockerfile, as given or relative to the context (and its sub path). */
  assert_ok (parse ("-c", tmpdir, "--no-push", "-f", "Missing", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_ENOTFOUND, "no Dockerfile at Missing");
  assert_ok (parse ("-c", tmpdir, "--no-push", "--context-sub-path=sub", "-f", "Other", NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));
  assert_ok (parse ("-c", tmpdir, "--no-push", "-f", df2, NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));
  assert_ok (parse ("-c", "git://example.invalid/repo.git", "--no-push", NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));

  kn_cleanup_free char *nodir = kn_xasprintf ("%s/nodir", tmpdir);
  assert_ok (parse ("-c", nodir, "--no-push", NULL));
  assert_err (kn_cli_validate_build_options (&opts, &info, &err), KN_ENOTFOUND, "context directory");
  kn_cleanup_free char *dirurl = kn_xasprintf ("dir://%s", tmpdir);
  assert_ok (parse ("-c", dirurl, "--no-push", NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));

  /* An explicit --kaniko-dir is kept; the default falls back when /kaniko is not writable. */
  assert_ok (parse ("-c", tmpdir, "--no-push", "--kaniko-dir=/nonexistent/k", NULL));
  assert_ok (kn_cli_validate_build_options (&opts, &info, &err));
  cr_assert_str_eq (opts.kaniko_dir, "/nonexistent/k");
}
