/* Cancellation tokens: a flag set from a signal handler or another thread. */
#include "config.h"

#include <time.h>

#include "core/util/cancel.h"

int
kn_cancel_requested (const struct kn_cancel *c)
{
  return c != NULL && __atomic_load_n (&c->requested, __ATOMIC_SEQ_CST);
}

void
kn_cancel_request (struct kn_cancel *c)
{
  int zero = 0;
  if (c)
    __atomic_compare_exchange_n (&c->requested, &zero, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int
kn_cancel_sleep (const struct kn_cancel *c, long ms)
{
  while (ms > 0)
    {
      if (kn_cancel_requested (c))
        return 1;
      long step = ms > 50 ? 50 : ms;
      struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
      nanosleep (&ts, NULL);
      ms -= step;
    }
  return kn_cancel_requested (c) ? 1 : 0;
}
