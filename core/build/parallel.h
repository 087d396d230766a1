/* A small worker pool for blob transfers: N items handed out to up to
 * WORKERS threads; each worker keeps its own state (its open repository)
 * across items.  The first error stops the hand-out and is returned. */
#ifndef KN_CORE_BUILD_PARALLEL_H
#define KN_CORE_BUILD_PARALLEL_H

#include <stddef.h>

#include <kaniko/error.h>

struct kn_par_ops {
  /* Process item I with the worker's *STATE (NULL at its first item).  Returns 0 or < 0. */
  int (*item) (size_t i, void **state, void *payload, struct kn_error **err);
  /* Release a worker's state (may be NULL). */
  void (*done) (void *state, void *payload);
  void *payload;
};

/* Run OPS->item for every I < N on up to WORKERS threads (1: in this thread).
 * Returns 0, or the first failure with *ERR set. */
int kn_par_run (size_t n, unsigned workers, const struct kn_par_ops *ops, struct kn_error **err);

#endif
