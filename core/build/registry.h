/* Registry access for the engine: struct kn_repo_params from the build
 * options (--insecure*, --skip-tls-verify*, --registry-certificate,
 * --registry-client-cert, retries), credentials asked from the credential
 * plugins in load order, and the pull candidates of a reference
 * (--registry-map, --registry-mirror, then the origin unless
 * --skip-default-registry-fallback). */
#ifndef KN_CORE_BUILD_REGISTRY_H
#define KN_CORE_BUILD_REGISTRY_H

#include <kaniko/build.h>
#include <kaniko/error.h>
#include <kaniko/sys/registry.h>

#include "core/image/reference.h"
#include "core/plugin/plugins.h"

/* Everything the engine needs to talk to registries. */
struct kn_breg {
  const struct kn_build_options *o;
  struct kn_plugins *plugins;
  const struct kn_cancel *cancel; /* passed to every repository (may be NULL) */
};

/* One place to pull a repository from. */
struct kn_pull_candidate {
  char *location;   /* "host[:port]" */
  char *repository; /* "library/busybox" */
  int mirror;       /* 1 for a mirror or a mapped registry, 0 for the origin */
};

/* Open LOCATION/REPOSITORY through the docker registry plugin (FOR_PUSH picks
 * the push or pull TLS settings).  Returns 0 and *OUT (close with
 * (*out)->registry->close) or < 0. */
int kn_breg_open (const struct kn_breg *b, const char *location, const char *repository, int for_push,
                  struct kn_repo **out, struct kn_error **err);

/* The candidates to pull REF from, in order; *N gets their count.  Free with
 * kn_breg_candidates_free. */
struct kn_pull_candidate *kn_breg_candidates (const struct kn_breg *b, const struct kn_reference *ref, size_t *n);

/* Free N candidates C. */
void kn_breg_candidates_free (struct kn_pull_candidate *c, size_t n);

#endif
