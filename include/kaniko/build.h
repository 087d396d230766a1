/* kaniko — the options of one build, as a program embedding the builder
 * fills them.  Every member mirrors one flag of the kaniko program (the
 * Go kaniko executor's flags plus ours); docs/flags.md lists them with their
 * defaults and environment variables.
 *
 * Ownership: the strings, vectors and maps belong to whoever filled the
 * struct (the kaniko program frees its own copy); the library only reads
 * them.  Unset strings are NULL; empty lists and maps have n == 0. */
#ifndef KANIKO_BUILD_H
#define KANIKO_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when members are added (they are only ever appended). */
#define KN_BUILD_OPTIONS_VERSION 1

/* A list of strings: V has N entries followed by NULL (V is NULL when N is 0). */
struct kn_build_strv {
  char **v;
  size_t n;
};

/* One KEY=VALUE entry of a map. */
struct kn_build_kv {
  char *key;
  char *value;
};

/* An ordered list of KEY=VALUE entries, as given.  A key may repeat
 * (--registry-map lists several mirrors for one registry); where one value
 * per key is meant (labels, build args), the last entry wins. */
struct kn_build_map {
  struct kn_build_kv *v;
  size_t n;
};

struct kn_build_options {
  unsigned version; /* KN_BUILD_OPTIONS_VERSION */

  /* Context & Dockerfile */
  char *dockerfile;         /* --dockerfile/-f: path (as given, or relative to the context) or http(s) URL */
  char *context;            /* --context/-c: directory, or URL (dir://, tar://, git://, s3://, gs://, https://...) */
  char *context_sub_path;   /* --context-sub-path: relative directory inside the context */
  char *bucket;             /* --bucket/-b (hidden, Go kaniko's legacy GCS context) */
  struct kn_build_map git;  /* --git: branch=, single-branch=, recurse-submodules=, insecure-skip-tls= */

  /* Destinations & outputs */
  struct kn_build_strv destinations;   /* --destination/-d */
  bool no_push;                        /* --no-push */
  char *tar_path;                      /* --tar-path: docker-archive tarball */
  char *oci_layout_path;               /* --oci-layout-path */
  char *digest_file;                   /* --digest-file */
  char *image_name_with_digest_file;   /* --image-name-with-digest-file */
  char *image_name_tag_with_digest_file; /* --image-name-tag-with-digest-file */
  struct kn_build_strv platforms;      /* --platform: os/arch[/variant] for a multi-platform build */
  bool publish_index;                  /* --publish-index */
  bool legacy_manifest_list;           /* --legacy-manifest-list */
  char *driver;                        /* --driver: local, k8s, ci */
  char *digests_from;                  /* --digests-from (ci driver) */
  bool sign_images;                    /* --sign-images */
  char *cosign_key_path;               /* --cosign-key-path */
  bool generate_provenance;            /* --generate-provenance */

  /* Registry & TLS */
  bool insecure;                               /* --insecure: push over plain HTTP */
  bool insecure_pull;                          /* --insecure-pull */
  struct kn_build_strv insecure_registries;    /* --insecure-registry */
  bool skip_tls_verify;                        /* --skip-tls-verify */
  bool skip_tls_verify_pull;                   /* --skip-tls-verify-pull */
  struct kn_build_strv skip_tls_verify_registries; /* --skip-tls-verify-registry */
  struct kn_build_map registry_certificates;   /* --registry-certificate: registry=/path/ca.crt */
  struct kn_build_map registry_client_certs;   /* --registry-client-cert: registry=/path/cert,/path/key */
  struct kn_build_strv registry_mirrors;       /* --registry-mirror */
  struct kn_build_map registry_maps;           /* --registry-map: original=remapped */
  bool skip_default_registry_fallback;         /* --skip-default-registry-fallback */
  struct kn_build_strv credential_helpers;     /* --credential-helpers */
  int push_retry;                              /* --push-retry */
  int push_retry_initial_delay_ms;             /* --push-retry-initial-delay */
  int push_retry_max_delay_ms;                 /* --push-retry-max-delay */
  double push_retry_backoff_multiplier;        /* --push-retry-backoff-multiplier */
  bool push_ignore_immutable_tag_errors;       /* --push-ignore-immutable-tag-errors */
  bool skip_push_permission_check;             /* --skip-push-permission-check */
  int image_download_retry;                    /* --image-download-retry */

  /* Cache */
  bool cache;               /* --cache */
  char *cache_repo;         /* --cache-repo (an "oci:" prefix names an OCI layout) */
  char *cache_dir;          /* --cache-dir: warmed base images */
  int64_t cache_ttl_ns;     /* --cache-ttl, in nanoseconds */
  bool cache_copy_layers;   /* --cache-copy-layers */
  bool cache_run_layers;    /* --cache-run-layers */
  bool compressed_caching;  /* --compressed-caching */
  bool no_push_cache;       /* --no-push-cache */

  /* Build */
  struct kn_build_map build_args;  /* --build-arg: KEY=VALUE (a bare KEY takes its value from the environment) */
  char *target;                    /* --target */
  bool skip_unused_stages;         /* --skip-unused-stages */
  struct kn_build_map labels;      /* --label */
  struct kn_build_map annotations; /* --annotation */
  char *custom_platform;           /* --custom-platform (resolved to the host platform when unset) */
  bool reproducible;               /* --reproducible */
  struct kn_build_strv secrets;    /* --secret: id=ID,src=PATH | id=ID,env=VAR */
  char *runner;                    /* --runner: chroot, userns, inplace (NULL: by privilege) */
  char *kaniko_dir;                /* --kaniko-dir */
  bool cleanup;                    /* --cleanup */
  bool force;                      /* --force */
  bool use_new_run;                /* --use-new-run */
  bool preserve_context;           /* --preserve-context */
  bool materialize;                /* --materialize */
  bool force_build_metadata;       /* --force-build-metadata */
  int image_fs_extract_retry;      /* --image-fs-extract-retry */

  /* Snapshots */
  char *snapshot_mode;               /* --snapshot-mode: full, redo, time, overlay */
  bool single_snapshot;              /* --single-snapshot */
  bool ignore_var_run;               /* --ignore-var-run */
  struct kn_build_strv ignore_paths; /* --ignore-path */
  char *compression;                 /* --compression: gzip, zstd, none */
  int compression_level;             /* --compression-level (-1: the compressor's default) */

  /* Logging (used by the kaniko program; an embedding program installs its own handler) */
  char *verbosity;  /* --verbosity/-v */
  char *log_format; /* --log-format: text, color, json */
  bool log_timestamp; /* --log-timestamp */

  /* Plugins & configuration */
  struct kn_build_strv plugin_dirs;  /* --plugin-dir */
  struct kn_build_map plugin_opts;   /* --plugin-opt NAME.KEY=VALUE, merged with the config file's "plugins" */
  char *config_file;                 /* --config */
  char *config_plugins_json;         /* the config file's "plugins" object as JSON text, or NULL */
};

#ifdef __cplusplus
}
#endif
#endif
