/* Cancellation tokens (internal side of struct kn_cancel).  The token is a
 * flag (and the signal that set it): a signal handler or another thread
 * requests, every long operation polls kn_cancel_requested () and stops with
 * KN_ECANCELED; blocking waits use timeouts of at most ~100 ms, or
 * kn_cancel_sleep, so a request is seen promptly. */
#ifndef KN_CORE_UTIL_CANCEL_H
#define KN_CORE_UTIL_CANCEL_H

#include <kaniko/sys/plugin.h>

struct kn_cancel {
  /* 0; 1 once requested; KN_CANCEL_SIGNAL_BASE + N when signal N asked first. */
  volatile int requested;
};

#define KN_CANCEL_SIGNAL_BASE 256

/* Ask every holder of C to stop (async-signal-safe; NULL-safe). */
void kn_cancel_request (struct kn_cancel *c);

/* Ask every holder of C to stop because of signal SIGNO (async-signal-safe:
 * one lock-free atomic, inline so a handler calls nothing; the first request
 * is kept). */
static inline void
kn_cancel_request_signal (struct kn_cancel *c, int signo)
{
  int zero = 0;
  if (c)
    __atomic_compare_exchange_n (&c->requested, &zero, KN_CANCEL_SIGNAL_BASE + signo, 0, __ATOMIC_SEQ_CST,
                                 __ATOMIC_SEQ_CST);
}

/* The signal that cancelled C, or 0 (not cancelled, or not by a signal). */
static inline int
kn_cancel_signal (const struct kn_cancel *c)
{
  int v = c ? __atomic_load_n (&c->requested, __ATOMIC_SEQ_CST) : 0;
  return v > KN_CANCEL_SIGNAL_BASE ? v - KN_CANCEL_SIGNAL_BASE : 0;
}

/* Sleep MS milliseconds, waking within ~50 ms of a request on C.  Returns 0
 * after the full sleep, 1 when C was (or is) requested. */
int kn_cancel_sleep (const struct kn_cancel *c, long ms);

#endif
