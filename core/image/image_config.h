/* Image configuration (OCI image config and Docker image config v1.2/1.3),
 * including the Docker-only fields (Healthcheck, Shell, OnBuild, ArgsEscaped...). */
#ifndef KN_CORE_IMAGE_IMAGE_CONFIG_H
#define KN_CORE_IMAGE_IMAGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>
#include <kaniko/export.h>

#include "core/image/json.h"

/* HEALTHCHECK; durations in nanoseconds, 0 = inherit. */
struct kn_healthcheck {
  char **test;
  int64_t interval;
  int64_t timeout;
  int64_t start_period;
  int64_t start_interval;
  int64_t retries;
};

/* The "config" object (execution parameters).  Sets (ExposedPorts, Volumes) are
 * kn_strmap with NULL values. */
struct kn_exec_config {
  int attach_stderr;
  int attach_stdin;
  int attach_stdout;
  char **cmd;
  struct kn_healthcheck *healthcheck;
  char *domainname;
  char **entrypoint;
  char **env;
  char *hostname;
  char *image;
  struct kn_strmap labels;
  char **on_build;
  int open_stdin;
  int stdin_once;
  int tty;
  char *user;
  struct kn_strmap volumes;
  char *working_dir;
  struct kn_strmap exposed_ports;
  int args_escaped;
  int network_disabled;
  char *mac_address;
  char *stop_signal;
  char **shell;
};

/* One history entry. */
struct kn_history {
  char *author;
  char *created; /* RFC 3339 text as stored; NULL writes Go's zero time */
  char *created_by;
  char *comment;
  int empty_layer;
};

/* The whole config document. */
struct kn_image_config {
  char *architecture;
  char *author;
  char *container;
  char *created;
  char *docker_version;
  struct kn_history *history;
  size_t n_history;
  char *os;
  char *rootfs_type; /* "layers" */
  char **diff_ids;
  struct kn_exec_config config;
  char *os_version;
  char *variant;
  char **os_features;
};

/* Go's zero time.Time as JSON text. */
#define KN_ZERO_TIME "0001-01-01T00:00:00Z"

/* Parse a config.  Type errors are refused like Go's json.Unmarshal; with
 * KN_IMAGE_PARSE_STRICT also the OCI schema rules: architecture, os and rootfs
 * required, rootfs.type "layers", Env entries "K=V", RFC 3339 created times. */
KN_EXPORT int kn_config_parse (const void *data, size_t len, unsigned flags, struct kn_image_config *out,
                               struct kn_error **err);
/* Serialise in ggcr's ConfigFile field order (architecture, author, container, created,
 * docker_version, history, os, rootfs, config, os.version, variant, os.features). */
KN_EXPORT char *kn_config_write (const struct kn_image_config *c, size_t *len);
/* Append a history entry (copies). */
KN_EXPORT void kn_config_add_history (struct kn_image_config *c, const struct kn_history *h);
/* Append a diff_id. */
KN_EXPORT void kn_config_add_diff_id (struct kn_image_config *c, const char *diff_id);
/* Deep copy SRC into DST (DST overwritten). */
KN_EXPORT void kn_config_copy (struct kn_image_config *dst, const struct kn_image_config *src);
/* Free the members and zero. */
KN_EXPORT void kn_config_clear (struct kn_image_config *c);
/* Format SEC/NSEC (UTC) like Go's time.RFC3339Nano (trailing zeros trimmed); malloc'd. */
KN_EXPORT char *kn_time_format (int64_t sec, long nsec);
/* 1 when S is an RFC 3339 date-time. */
int kn_time_valid (const char *s);

#endif
