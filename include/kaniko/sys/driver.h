/* kaniko — build driver plugins (plugin-author tier).
 *
 * A driver runs the per-platform builds of a multi-platform build: "local"
 * in this process, "k8s" as one Kubernetes Job per platform, "ci" by merging
 * digests produced by separate builds.  The core then pushes the index. */
#ifndef KANIKO_SYS_DRIVER_H
#define KANIKO_SYS_DRIVER_H

#include <stddef.h>

#include <kaniko/sys/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KN_DRIVER_VERSION 1

/* Build the image for one platform; provided by the core to the driver. */
typedef int (*kn_driver_build_fn) (void *payload, const char *platform, char **out_digest, struct kn_error **err);

struct kn_driver_request {
  unsigned size;                  /* sizeof (struct kn_driver_request) */
  const char *const *platforms;   /* NULL-terminated "os/arch[/variant]" */
  const char *const *argv;        /* the executor arguments to forward (remote drivers) */
  kn_driver_build_fn build_local; /* in-process build, for drivers that use it */
  void *build_payload;
  const struct kn_plugin_config *config;
  const struct kn_cancel *cancel;
};

struct kn_driver {
  unsigned version; /* KN_DRIVER_VERSION */
  const char *name; /* "local" */
  /* Mandatory: build every platform; DIGESTS gets one malloc'd manifest
   * digest per platform, in order, NULL-terminated (malloc'd array). */
  int (*build) (const struct kn_driver_request *req, char ***digests, struct kn_error **err);
};

#define KN_DRIVER_INIT { KN_DRIVER_VERSION, NULL, NULL }

#ifdef __cplusplus
}
#endif
#endif
