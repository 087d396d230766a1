/* The build flags: the one table every part of the CLI reads (parser,
 * config file, help, Markdown, --print-options) and the lookups over it.
 * See options.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kaniko/log.h>
#include <kaniko/sys/util.h>

#include "core/cli/options.h"

#define OFF(m) offsetof (struct kn_build_options, m)

static int check_level (const char *v);
static int check_platform (const char *v);
static int check_plugin_key (const char *v);
static int check_multiplier (const char *v);

/* clang-format off */
const struct kn_opt kn_cli_options[] = {
  /* ---- Context & Dockerfile ---- */
  { .name = "dockerfile", .shorthand = 'f', .def = "Dockerfile", .type = KN_OPT_STRING, .group = KN_GROUP_CONTEXT,
    .offset = OFF (dockerfile), .metavar = "PATH",
    .help = "Path to the Dockerfile to be built: as given, else relative to the context (http(s) URLs: not supported yet)." },
  { .name = "context", .shorthand = 'c', .def = "/workspace/", .type = KN_OPT_STRING, .group = KN_GROUP_CONTEXT,
    .offset = OFF (context), .metavar = "URL",
    .help = "Build context: a directory, dir://DIR, tar://FILE or tar://stdin (gzip/zstd/bzip2/xz or plain); "
            "git://, s3://, gs:// and https:// contexts are not supported yet." },
  { .name = "context-sub-path", .type = KN_OPT_STRING, .group = KN_GROUP_CONTEXT, .offset = OFF (context_sub_path),
    .metavar = "PATH", .help = "Sub path within the given context, used as the context." },
  { .name = "git", .status = KN_OPT_NOT_YET, .type = KN_OPT_MAP, .group = KN_GROUP_CONTEXT, .offset = OFF (git), .sep = ',',
    .metavar = "KEY=VALUE,...", .choices = "branch|single-branch|recurse-submodules|insecure-skip-tls",
    .help = "Options of a git context, comma-separated: branch=NAME, single-branch=BOOL, "
            "recurse-submodules=BOOL, insecure-skip-tls=BOOL." },
  { .name = "bucket", .shorthand = 'b', .type = KN_OPT_STRING, .group = KN_GROUP_CONTEXT, .offset = OFF (bucket),
    .status = KN_OPT_NOT_YET, .flags = KN_OPTF_HIDDEN, .metavar = "NAME",
    .help = "GCS bucket holding the context tarball (Go kaniko's legacy flag; use --context=gs://BUCKET/PATH)." },

  /* ---- Destinations & outputs ---- */
  { .name = "destination", .shorthand = 'd', .type = KN_OPT_LIST, .group = KN_GROUP_OUTPUT,
    .offset = OFF (destinations), .metavar = "IMAGE",
    .help = "Image reference the final image is pushed to. Repeatable." },
  { .name = "no-push", .env = "KANIKO_NO_PUSH", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_OUTPUT,
    .offset = OFF (no_push), .help = "Do not push the image to the registry." },
  { .name = "tar-path", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (tar_path), .metavar = "PATH",
    .help = "Save the image as a tarball (docker load format) at this path." },
  { .name = "oci-layout-path", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (oci_layout_path),
    .metavar = "DIR", .help = "Save the image in an OCI image layout at this directory." },
  { .name = "digest-file", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (digest_file),
    .metavar = "PATH", .help = "Write the digest of the built image to this file." },
  { .name = "image-name-with-digest-file", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT,
    .offset = OFF (image_name_with_digest_file), .metavar = "PATH",
    .help = "Write IMAGE@DIGEST of every destination to this file." },
  { .name = "image-name-tag-with-digest-file", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT,
    .offset = OFF (image_name_tag_with_digest_file), .metavar = "PATH",
    .help = "Write IMAGE:TAG@DIGEST of every destination to this file." },
  { .name = "platform", .status = KN_OPT_NOT_YET, .type = KN_OPT_LIST, .group = KN_GROUP_OUTPUT, .offset = OFF (platforms), .sep = ',',
    .metavar = "PLATFORMS", .check = check_platform,
    .expect = "os/arch[/variant]",
    .help = "Build for these platforms (os/arch[/variant], comma-separated or repeated) and push an image "
            "index over them." },
  { .name = "publish-index", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_OUTPUT,
    .offset = OFF (publish_index), .help = "Push an image index over the per-platform images." },
  { .name = "legacy-manifest-list", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_OUTPUT,
    .offset = OFF (legacy_manifest_list),
    .help = "Push a Docker manifest list instead of an OCI image index." },
  { .name = "driver", .status = KN_OPT_NOT_YET, .def = "local", .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (driver),
    .metavar = "NAME",
    .help = "Driver of per-platform builds: local, k8s (one Kubernetes Job per platform) or ci (merge the "
            "digests of separate builds)." },
  { .name = "digests-from", .status = KN_OPT_NOT_YET, .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (digests_from),
    .metavar = "PATH", .help = "Digests written by separate per-platform builds (the ci driver)." },
  { .name = "sign-images", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_OUTPUT,
    .offset = OFF (sign_images), .help = "Sign the pushed images (cosign-compatible signatures)." },
  { .name = "cosign-key-path", .status = KN_OPT_NOT_YET, .type = KN_OPT_STRING, .group = KN_GROUP_OUTPUT, .offset = OFF (cosign_key_path),
    .metavar = "PATH", .help = "cosign private key used by --sign-images." },
  { .name = "generate-provenance", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_OUTPUT,
    .offset = OFF (generate_provenance), .status = KN_OPT_NOT_YET,
    .help = "Attach a SLSA provenance attestation to the pushed image." },

  /* ---- Registry & TLS ---- */
  { .name = "insecure", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY, .offset = OFF (insecure),
    .help = "Push to insecure registry using plain HTTP." },
  { .name = "insecure-pull", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (insecure_pull), .help = "Pull from insecure registry using plain HTTP." },
  { .name = "insecure-registry", .type = KN_OPT_LIST, .group = KN_GROUP_REGISTRY,
    .offset = OFF (insecure_registries), .metavar = "REGISTRY",
    .help = "Use plain HTTP to push to and pull from this registry. Repeatable." },
  { .name = "skip-tls-verify", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (skip_tls_verify), .help = "Push to insecure registry ignoring TLS verify." },
  { .name = "skip-tls-verify-pull", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (skip_tls_verify_pull), .help = "Pull from insecure registry ignoring TLS verify." },
  { .name = "skip-tls-verify-registry", .type = KN_OPT_LIST, .group = KN_GROUP_REGISTRY,
    .offset = OFF (skip_tls_verify_registries), .metavar = "REGISTRY",
    .help = "Do not verify TLS certificates of this registry when pushing and pulling. Repeatable." },
  { .name = "registry-certificate", .type = KN_OPT_MAP, .group = KN_GROUP_REGISTRY,
    .offset = OFF (registry_certificates), .metavar = "REGISTRY=PATH",
    .help = "Use this CA certificate for TLS with the given registry. Repeatable." },
  { .name = "registry-client-cert", .type = KN_OPT_MAP, .group = KN_GROUP_REGISTRY,
    .offset = OFF (registry_client_certs), .metavar = "REGISTRY=CERT,KEY",
    .help = "Use this client certificate and key for mutual TLS with the given registry. Repeatable." },
  { .name = "registry-mirror", .env = "KANIKO_REGISTRY_MIRROR", .type = KN_OPT_LIST, .group = KN_GROUP_REGISTRY,
    .offset = OFF (registry_mirrors), .metavar = "MIRROR",
    .help = "Registry mirror to use as pull-through cache instead of docker.io. Repeatable." },
  { .name = "registry-map", .env = "KANIKO_REGISTRY_MAP", .type = KN_OPT_MAP, .group = KN_GROUP_REGISTRY,
    .offset = OFF (registry_maps), .sep = ';', .metavar = "ORIG=NEW;...",
    .help = "Remap registry references: original.registry=new.registry, several separated by ';'. "
            "Repeatable." },
  { .name = "skip-default-registry-fallback", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (skip_default_registry_fallback),
    .help = "When an image is on none of the mirrors, fail instead of pulling from the default registry." },
  { .name = "credential-helpers", .type = KN_OPT_LIST, .group = KN_GROUP_REGISTRY,
    .offset = OFF (credential_helpers), .status = KN_OPT_NOT_YET, .metavar = "NAME",
    .help = "Credential providers to use (env, gcr, ecr, acr); all when unset. Repeatable." },
  { .name = "push-retry", .env = "KANIKO_PUSH_RETRY", .def = "0", .type = KN_OPT_INT, .group = KN_GROUP_REGISTRY,
    .offset = OFF (push_retry), .metavar = "N", .min = 0, .max = 1000,
    .help = "Number of retries of a failed push." },
  { .name = "push-retry-initial-delay", .def = "1000", .type = KN_OPT_INT, .group = KN_GROUP_REGISTRY,
    .offset = OFF (push_retry_initial_delay_ms), .metavar = "MS", .min = 0, .max = INT_MAX,
    .help = "Delay before the first push retry, in milliseconds." },
  { .name = "push-retry-max-delay", .def = "30000", .type = KN_OPT_INT, .group = KN_GROUP_REGISTRY,
    .offset = OFF (push_retry_max_delay_ms), .metavar = "MS", .min = 0, .max = INT_MAX,
    .help = "Longest delay between push retries, in milliseconds." },
  { .name = "push-retry-backoff-multiplier", .def = "2", .type = KN_OPT_FLOAT, .group = KN_GROUP_REGISTRY,
    .offset = OFF (push_retry_backoff_multiplier), .metavar = "X", .check = check_multiplier,
    .expect = "a number of at least 1",
    .help = "Factor applied to the delay after each push retry (at least 1)." },
  { .name = "push-ignore-immutable-tag-errors", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (push_ignore_immutable_tag_errors),
    .help = "Succeed when a push fails only because the tag is immutable." },
  { .name = "skip-push-permission-check", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_REGISTRY,
    .offset = OFF (skip_push_permission_check),
    .help = "Do not check push permissions before building." },
  { .name = "image-download-retry", .env = "KANIKO_IMAGE_DOWNLOAD_RETRY", .def = "0", .type = KN_OPT_INT,
    .group = KN_GROUP_REGISTRY, .offset = OFF (image_download_retry), .metavar = "N", .min = 0, .max = 1000,
    .help = "Number of retries of a failed base image download (exponential backoff from 1s)." },

  /* ---- Cache ---- */
  { .name = "cache", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_CACHE, .offset = OFF (cache),
    .help = "Use the layer cache (--cache-repo) and the base image cache (--cache-dir)." },
  { .name = "cache-repo", .status = KN_OPT_NOT_YET, .type = KN_OPT_STRING, .group = KN_GROUP_CACHE, .offset = OFF (cache_repo),
    .metavar = "REPO", .def_help = "DESTINATION/cache",
    .help = "Repository of cached layers; \"oci:PATH\" keeps them in an OCI layout." },
  { .name = "cache-dir", .def = "/cache", .type = KN_OPT_STRING, .group = KN_GROUP_CACHE, .offset = OFF (cache_dir),
    .metavar = "DIR",
    .help = "OCI layout of cached base images, filled by \"kaniko warm\": a FROM image found there (by reference, "
            "or by digest) is used without contacting the registry. Used whenever DIR holds an index.json, "
            "with or without --cache." },
  { .name = "cache-ttl", .status = KN_OPT_NOT_YET, .def = "336h", .type = KN_OPT_DURATION, .group = KN_GROUP_CACHE,
    .offset = OFF (cache_ttl_ns), .metavar = "DURATION",
    .help = "Age after which cached layers are ignored (Go duration: 6h, 90m). Two weeks by default." },
  { .name = "cache-copy-layers", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_CACHE,
    .offset = OFF (cache_copy_layers), .help = "Cache COPY layers." },
  { .name = "cache-run-layers", .status = KN_OPT_NOT_YET, .def = "true", .type = KN_OPT_BOOL, .group = KN_GROUP_CACHE,
    .offset = OFF (cache_run_layers), .help = "Cache RUN layers." },
  { .name = "compressed-caching", .status = KN_OPT_NOT_YET, .def = "true", .type = KN_OPT_BOOL, .group = KN_GROUP_CACHE,
    .offset = OFF (compressed_caching),
    .help = "Compress cached layers; false uses less memory on large builds." },
  { .name = "no-push-cache", .status = KN_OPT_NOT_YET, .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_CACHE,
    .offset = OFF (no_push_cache), .help = "Do not push cache layers to the cache repository." },

  /* ---- Build ---- */
  { .name = "build-arg", .type = KN_OPT_MAP, .group = KN_GROUP_BUILD, .offset = OFF (build_args),
    .flags = KN_OPTF_BARE_KEY, .metavar = "KEY[=VALUE]",
    .help = "Set a build-time ARG; a bare KEY takes its value from the environment. Repeatable." },
  { .name = "target", .type = KN_OPT_STRING, .group = KN_GROUP_BUILD, .offset = OFF (target), .metavar = "STAGE",
    .help = "Build this stage (default: the last one)." },
  { .name = "skip-unused-stages", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (skip_unused_stages),
    .help = "Build only the stages the target depends on, not every stage before it." },
  { .name = "label", .type = KN_OPT_MAP, .group = KN_GROUP_BUILD, .offset = OFF (labels), .metavar = "KEY=VALUE",
    .help = "Set a label on the image, as LABEL does. Repeatable." },
  { .name = "annotation", .type = KN_OPT_MAP, .group = KN_GROUP_BUILD, .offset = OFF (annotations),
    .status = KN_OPT_NOT_YET, .metavar = "KEY=VALUE",
    .help = "Set an annotation on the image manifest. Repeatable." },
  { .name = "custom-platform", .type = KN_OPT_STRING, .group = KN_GROUP_BUILD, .offset = OFF (custom_platform),
    .metavar = "PLATFORM", .check = check_platform,
    .expect = "os/arch[/variant]", .def_help = "the host's",
    .help = "Platform (os/arch[/variant]) of the base images and of the built image." },
  { .name = "reproducible", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (reproducible), .help = "Strip timestamps out of the image to make it reproducible." },
  { .name = "secret", .type = KN_OPT_LIST, .group = KN_GROUP_BUILD, .offset = OFF (secrets),
    .metavar = "id=ID,src=PATH",
    .help = "Expose a secret to RUN --mount=type=secret (id=ID,src=PATH or id=ID,env=VAR). Repeatable." },
  { .name = "runner", .type = KN_OPT_STRING, .group = KN_GROUP_BUILD, .offset = OFF (runner), .metavar = "NAME",
    .def_help = "chroot as root, userns otherwise",
    .help = "How RUN executes: chroot (namespaces + chroot into the stage root), userns (rootless) or "
            "inplace (Go kaniko's way: the container's own /)." },
  { .name = "kaniko-dir", .env = "KANIKO_DIR", .def = "/kaniko", .type = KN_OPT_STRING, .group = KN_GROUP_BUILD,
    .offset = OFF (kaniko_dir), .metavar = "DIR", .def_help = "/kaniko, or /var/tmp/kaniko when not writable",
    .help = "Work directory: content store, stage roots, temporary files." },
  { .name = "cleanup", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD, .offset = OFF (cleanup),
    .help = "With --runner=inplace, wipe / at the end of the build (all but the ignore list, as Go kaniko does); "
            "the private stage roots of the other runners are always removed." },
  { .name = "force", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD, .offset = OFF (force),
    .help = "Allow --runner=inplace when no container is detected (/.dockerenv, /run/.containerenv, $container, "
            "cgroups); other runners ignore it." },
  { .name = "image-fs-extract-retry", .def = "0", .type = KN_OPT_INT, .group = KN_GROUP_BUILD,
    .offset = OFF (image_fs_extract_retry), .metavar = "N", .min = 0, .max = 1000,
    .help = "Number of retries of a failed base image extraction." },
  { .name = "use-new-run", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (use_new_run), .status = KN_OPT_NOT_YET,
    .help = "Go kaniko's experimental RUN that finds changes by mtime instead of snapshots." },
  { .name = "preserve-context", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (preserve_context), .status = KN_OPT_NOT_YET,
    .help = "Restore the build context between stages (Go kaniko takes over / and loses it)." },
  { .name = "materialize", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (materialize), .status = KN_OPT_NOT_YET,
    .help = "Leave the final stage's filesystem in place even when every layer came from the cache." },
  { .name = "force-build-metadata", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_BUILD,
    .offset = OFF (force_build_metadata), .status = KN_OPT_NOT_YET,
    .help = "Add a layer for metadata-only instructions." },

  /* ---- Snapshots ---- */
  { .name = "snapshot-mode", .def = "full", .type = KN_OPT_STRING, .group = KN_GROUP_SNAPSHOT,
    .offset = OFF (snapshot_mode), .metavar = "MODE",
    .help = "How changed files are found: full (contents and metadata), redo (mtime, size, mode, owner), "
            "time (mtime only), overlay (an overlay upper dir, no walk)." },
  { .name = "single-snapshot", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_SNAPSHOT,
    .offset = OFF (single_snapshot), .help = "Take one snapshot at the end of the build: one new layer." },
  { .name = "ignore-var-run", .def = "true", .type = KN_OPT_BOOL, .group = KN_GROUP_SNAPSHOT,
    .offset = OFF (ignore_var_run), .help = "Leave /var/run out of snapshots; false keeps it in the image." },
  { .name = "ignore-path", .type = KN_OPT_LIST, .group = KN_GROUP_SNAPSHOT, .offset = OFF (ignore_paths),
    .metavar = "PATH", .help = "Leave this path out of snapshots. Repeatable." },
  { .name = "compression", .def = "gzip", .type = KN_OPT_STRING, .group = KN_GROUP_SNAPSHOT,
    .offset = OFF (compression), .metavar = "NAME", .help = "Layer compression: gzip, zstd or none." },
  { .name = "compression-level", .def = "-1", .type = KN_OPT_INT, .group = KN_GROUP_SNAPSHOT,
    .offset = OFF (compression_level), .metavar = "N", .min = -1, .max = 22,
    .help = "Compression level (gzip 0-9, zstd 1-22); -1 for the compressor's default." },

  /* ---- Logging ---- */
  { .name = "verbosity", .shorthand = 'v', .def = "info", .type = KN_OPT_STRING, .group = KN_GROUP_LOGGING,
    .offset = OFF (verbosity), .metavar = "LEVEL", .check = check_level,
    .expect = "panic, fatal, error, warn, info, debug or trace",
    .help = "Log level: panic, fatal, error, warn, info, debug or trace." },
  { .name = "log-format", .def = "color", .type = KN_OPT_STRING, .group = KN_GROUP_LOGGING,
    .offset = OFF (log_format), .metavar = "FORMAT", .choices = "text|color|json",
    .help = "Log format: text, color or json (one object per line)." },
  { .name = "log-timestamp", .def = "false", .type = KN_OPT_BOOL, .group = KN_GROUP_LOGGING,
    .offset = OFF (log_timestamp), .help = "Color logs show the time instead of the seconds since start (text and json logs always do)." },

  /* ---- Plugins ---- */
  { .name = "plugin-dir", .type = KN_OPT_LIST, .group = KN_GROUP_PLUGINS, .offset = OFF (plugin_dirs),
    .metavar = "DIR", .help = "Look for plugins in this directory before KANIKO_PLUGIN_PATH. Repeatable." },
  { .name = "plugin-opt", .type = KN_OPT_MAP, .group = KN_GROUP_PLUGINS, .offset = OFF (plugin_opts),
    .flags = KN_OPTF_MERGE, .metavar = "NAME.KEY=VALUE", .check = check_plugin_key,
    .help = "Pass an option to one plugin; merged with the config file's \"plugins\" object. Repeatable." },

  /* ---- General ---- */
  { .name = "config", .env = "KANIKO_CONFIG", .type = KN_OPT_STRING, .group = KN_GROUP_GENERAL,
    .offset = OFF (config_file), .metavar = "FILE", .flags = KN_OPTF_NO_CONFIG,
    .help = "Read options from this JSON file: {\"flag-name\": value, ..., \"plugins\": {\"NAME\": {...}}}." },
  { .name = "help", .shorthand = 'h', .type = KN_OPT_ACTION, .group = KN_GROUP_GENERAL, .offset = KN_OPT_NOFIELD,
    .action = KN_ACTION_HELP, .flags = KN_OPTF_NO_CONFIG, .help = "Show this help." },
  { .name = "version", .type = KN_OPT_ACTION, .group = KN_GROUP_GENERAL, .offset = KN_OPT_NOFIELD,
    .action = KN_ACTION_VERSION, .flags = KN_OPTF_NO_CONFIG, .help = "Print the version." },
  { .name = "help-markdown", .type = KN_OPT_ACTION, .group = KN_GROUP_GENERAL, .offset = KN_OPT_NOFIELD,
    .action = KN_ACTION_HELP_MARKDOWN, .flags = KN_OPTF_NO_CONFIG | KN_OPTF_HIDDEN,
    .help = "Print the flags table as Markdown (docs/flags.md)." },
  { .name = "help-man", .type = KN_OPT_ACTION, .group = KN_GROUP_GENERAL, .offset = KN_OPT_NOFIELD,
    .action = KN_ACTION_HELP_MAN, .flags = KN_OPTF_NO_CONFIG | KN_OPTF_HIDDEN,
    .help = "Print the man page kaniko(1) in roff (docs/kaniko.1)." },
  { .name = "print-options", .type = KN_OPT_ACTION, .group = KN_GROUP_GENERAL, .offset = KN_OPT_NOFIELD,
    .action = KN_ACTION_PRINT_OPTIONS, .flags = KN_OPTF_NO_CONFIG | KN_OPTF_HIDDEN,
    .help = "Print the resolved options as JSON and exit." },

  /* ---- Deprecated spellings (Go kaniko still accepts them) ---- */
  { .name = "snapshotMode", .alias_of = "snapshot-mode", .flags = KN_OPTF_HIDDEN | KN_OPTF_NO_CONFIG },
  { .name = "customPlatform", .alias_of = "custom-platform", .flags = KN_OPTF_HIDDEN | KN_OPTF_NO_CONFIG },
  { .name = "tarPath", .alias_of = "tar-path", .flags = KN_OPTF_HIDDEN | KN_OPTF_NO_CONFIG },
  { .name = "whitelist-var-run", .alias_of = "ignore-var-run", .flags = KN_OPTF_HIDDEN | KN_OPTF_NO_CONFIG },
};
/* clang-format on */

const size_t kn_cli_n_options = sizeof kn_cli_options / sizeof kn_cli_options[0];

static const char *const group_titles[KN_GROUP_MAX] = {
  "Context & Dockerfile", "Destinations & outputs", "Registry & TLS", "Cache", "Build", "Snapshots",
  "Logging", "Plugins", "General",
};

const char *
kn_cli_group_title (enum kn_opt_group g)
{
  return (unsigned) g < KN_GROUP_MAX ? group_titles[g] : "Other";
}

/* ---- value checks ---- */

static int
check_level (const char *v)
{
  return kn_log_level_parse (v) >= 0;
}

/* os/arch[/variant], each part [a-z0-9_.-]+. */
static int
check_platform (const char *v)
{
  int parts = 1;
  if (*v == '\0')
    return 0;
  for (const char *p = v; *p; p++)
    {
      if (*p == '/')
        {
          if (p == v || p[1] == '\0' || p[1] == '/')
            return 0;
          parts++;
        }
      else if (!(isalnum ((unsigned char) *p) || *p == '_' || *p == '-' || *p == '.'))
        return 0;
    }
  return parts == 2 || parts == 3;
}

/* NAME.KEY with both parts non-empty. */
static int
check_plugin_key (const char *v)
{
  const char *dot = strchr (v, '.');
  return dot != NULL && dot != v && dot[1] != '\0';
}

static int
check_multiplier (const char *v)
{
  return strtod (v, NULL) >= 1.0;
}

/* ---- lookup ---- */

const struct kn_opt *
kn_cli_option_find (const char *name)
{
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (strcmp (kn_cli_options[i].name, name) == 0)
      return &kn_cli_options[i];
  return NULL;
}

const struct kn_opt *
kn_cli_option_find_short (char c)
{
  for (size_t i = 0; i < kn_cli_n_options; i++)
    if (c != 0 && kn_cli_options[i].shorthand == c)
      return &kn_cli_options[i];
  return NULL;
}

const struct kn_opt *
kn_cli_option_canonical (const struct kn_opt *opt)
{
  if (opt != NULL && opt->alias_of != NULL)
    return kn_cli_option_find (opt->alias_of);
  return opt;
}

size_t
kn_cli_option_index (const struct kn_opt *opt)
{
  return (size_t) (opt - kn_cli_options);
}

/* Lowercase NAME without '-' and '_' ("noPush" and "no_push" both give "nopush"). */
static void
squash (const char *name, char *out, size_t size)
{
  size_t n = 0;
  for (; *name && n + 1 < size; name++)
    if (*name != '-' && *name != '_')
      out[n++] = (char) tolower ((unsigned char) *name);
  out[n] = '\0';
}

static size_t
edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  size_t *row = kn_xcalloc (lb + 1, sizeof *row);
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++)
    {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= lb; j++)
        {
          size_t up = row[j];
          size_t best = diag + (a[i - 1] != b[j - 1]);
          if (row[j] + 1 < best)
            best = row[j] + 1;
          if (row[j - 1] + 1 < best)
            best = row[j - 1] + 1;
          row[j] = best;
          diag = up;
        }
    }
  size_t d = row[lb];
  free (row);
  return d;
}

const struct kn_opt *
kn_cli_option_suggest (const char *name)
{
  const struct kn_opt *best = NULL, *prefix = NULL;
  size_t best_d = (size_t) -1, n_prefix = 0;
  char want[128], have[128];
  squash (name, want, sizeof want);
  if (want[0] == '\0')
    return NULL;
  for (size_t i = 0; i < kn_cli_n_options; i++)
    {
      const struct kn_opt *o = &kn_cli_options[i];
      if (o->flags & KN_OPTF_HIDDEN)
        continue;
      squash (o->name, have, sizeof have);
      if (strcmp (want, have) == 0)
        return o;
      size_t d = edit_distance (name, o->name);
      if (d < best_d)
        {
          best_d = d;
          best = o;
        }
      if (strncmp (o->name, name, strlen (name)) == 0)
        {
          prefix = o;
          n_prefix++;
        }
    }
  size_t limit = strlen (name) / 3;
  if (limit < 2)
    limit = 2;
  if (best != NULL && best_d <= limit)
    return best;
  if (n_prefix == 1)
    return prefix;
  return NULL;
}

