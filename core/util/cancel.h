/* Cancellation tokens (internal side of struct kn_cancel). */
#ifndef KN_CORE_UTIL_CANCEL_H
#define KN_CORE_UTIL_CANCEL_H

#include <kaniko/sys/plugin.h>

struct kn_cancel {
  volatile int requested;
};

/* Ask every holder of C to stop (async-signal-safe). */
void kn_cancel_request (struct kn_cancel *c);

#endif
