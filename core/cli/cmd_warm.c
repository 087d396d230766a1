/* kaniko warm: Go kaniko's "warmer" — pull base images into the --cache-dir
 * OCI layout that builds read their FROM images from.  --image (-i) is
 * repeatable; every other flag is the build's (registry, TLS, mirrors,
 * --custom-platform, --cache-dir, logging, plugins), parsed by the same table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/build/cachedir.h"
#include "core/cli/commands.h"
#include "core/cli/options.h"
#include "core/cli/signals.h"

static void
warm_usage (FILE *f)
{
  fputs ("Usage: kaniko warm --image REF [--image REF]... [--cache-dir DIR] [FLAGS]\n\n"
         "Pull each image (the --custom-platform manifest of an index) into the OCI layout\n"
         "--cache-dir (default /cache); \"kaniko build --cache-dir DIR\" then takes FROM images\n"
         "found there without contacting the registry.  Go kaniko's warmer.\n\n"
         "  -i, --image REF     image to cache (repeatable)\n"
         "  -f, --force         accepted for Go kaniko compatibility (images are always refreshed)\n\n"
         "The registry, TLS, mirror, platform, logging and plugin flags of \"kaniko build\"\n"
         "apply (see kaniko build --help).\n",
         f);
}

static void
push (char ***v, size_t *n, const char *s)
{
  *v = kn_xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = kn_xstrdup (s);
  (*v)[*n] = NULL;
}

static int
fail (struct kn_error *err, int status)
{
  kn_cli_print_error ("%s", err->msg);
  kn_error_free (err);
  return status;
}

int
kn_cmd_warm (int argc, char **argv)
{
  char **images = NULL;
  size_t n_images = 0;
  kn_cleanup_free char **rest = kn_xcalloc ((size_t) argc + 2, sizeof *rest);
  int n = 0;
  struct kn_build_options o;
  struct kn_cli_parse_info info = { 0 };
  struct kn_error *err = NULL;
  struct kn_plugins *plugins = NULL;
  int status = 0;

  rest[n++] = argc > 0 ? argv[0] : (char *) "warm";
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        break;
      if (strcmp (a, "--image") == 0 || strcmp (a, "-i") == 0)
        {
          if (i + 1 >= argc)
            {
              kn_cli_print_error ("%s needs a value", a);
              kn_strv_free (images);
              return 2;
            }
          push (&images, &n_images, argv[++i]);
        }
      else if (strncmp (a, "--image=", 8) == 0)
        push (&images, &n_images, a + 8);
      else if (strncmp (a, "-i", 2) == 0 && a[2])
        push (&images, &n_images, a + 2);
      else if (strcmp (a, "--force") == 0 || strcmp (a, "-f") == 0 || strcmp (a, "--force=true") == 0
               || strcmp (a, "--force=false") == 0)
        continue;
      else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        {
          warm_usage (stdout);
          kn_strv_free (images);
          return 0;
        }
      else
        rest[n++] = argv[i];
    }

  if (kn_cli_parse_build_options (n, rest, &o, &info, &err) < 0)
    {
      status = fail (err, kn_cli_exit_status (err->code));
      goto out;
    }
  if (kn_cli_log_setup (stderr, o.verbosity, o.log_format, o.log_timestamp, &err) < 0)
    {
      status = fail (err, 2);
      goto out;
    }
  for (size_t i = 0; info.warnings && info.warnings[i]; i++)
    kn_log (KN_LOG_WARN, "%s", info.warnings[i]);
  if (images == NULL)
    {
      kn_cli_print_error ("kaniko warm: give at least one --image");
      fputs ("Run 'kaniko warm --help' for usage.\n", stderr);
      status = 2;
      goto out;
    }
  if (o.custom_platform == NULL || *o.custom_platform == '\0')
    {
      free (o.custom_platform);
      o.custom_platform = kn_cli_host_platform ();
    }
  /* SIGINT/SIGTERM/SIGHUP stop the pulls; exit 128 + the signal. */
  static struct kn_cancel cancel;
  kn_cli_signals_install (&cancel);
  if (kn_cli_load_plugins (&o, &plugins, &err) < 0)
    {
      status = fail (err, kn_cli_exit_status (err->code));
      goto out;
    }
  if (kn_build_warm (&o, plugins, (const char *const *) images, &cancel, &err) < 0)
    {
      int sig = kn_cancel_signal (&cancel);
      if (sig)
        {
          const char *m = strncmp (err->msg, "warm cancelled", 14) == 0 ? err->msg + 14 : "";
          kn_log (KN_LOG_ERROR, "kaniko warm cancelled by %s%s", kn_cli_signal_name (sig), m);
          kn_error_free (err);
          status = 128 + sig;
        }
      else
        status = fail (err, 1);
    }
  kn_plugins_free (plugins);

out:
  fflush (stdout);
  kn_log_set_handler (NULL, KN_LOG_INFO, NULL);
  kn_cli_build_options_clear (&o);
  kn_cli_parse_info_clear (&info);
  kn_strv_free (images);
  return status;
}
