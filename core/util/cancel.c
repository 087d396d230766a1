/* Cancellation tokens: a flag set from a signal handler or another thread. */
#include "config.h"

#include "core/util/cancel.h"

int
kn_cancel_requested (const struct kn_cancel *c)
{
  return c != NULL && __atomic_load_n (&c->requested, __ATOMIC_SEQ_CST);
}

void
kn_cancel_request (struct kn_cancel *c)
{
  __atomic_store_n (&c->requested, 1, __ATOMIC_SEQ_CST);
}
