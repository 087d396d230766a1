/* The cancel token: requests, the signal that asked first, the sleep that
 * wakes on a request. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <criterion/criterion.h>

#include "core/util/cancel.h"

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

Test (cancel, request)
{
  struct kn_cancel c = { 0 };
  cr_assert_not (kn_cancel_requested (&c));
  cr_assert_not (kn_cancel_requested (NULL));
  cr_assert_eq (kn_cancel_signal (&c), 0);
  kn_cancel_request (&c);
  cr_assert (kn_cancel_requested (&c));
  cr_assert_eq (kn_cancel_signal (&c), 0, "a plain request names no signal");
  kn_cancel_request_signal (&c, SIGINT);
  cr_assert_eq (kn_cancel_signal (&c), 0, "the first request is kept");
  kn_cancel_request (NULL);
  kn_cancel_request_signal (NULL, SIGTERM);
  cr_assert_eq (kn_cancel_signal (NULL), 0);
}

Test (cancel, first_signal_wins)
{
  struct kn_cancel c = { 0 };
  kn_cancel_request_signal (&c, SIGTERM);
  kn_cancel_request_signal (&c, SIGINT);
  kn_cancel_request (&c);
  cr_assert (kn_cancel_requested (&c));
  cr_assert_eq (kn_cancel_signal (&c), SIGTERM);
}

static void *
request_later (void *arg)
{
  struct timespec ts = { 0, 100 * 1000 * 1000 };
  nanosleep (&ts, NULL);
  kn_cancel_request_signal (arg, SIGHUP);
  return NULL;
}

Test (cancel, sleep_wakes_up)
{
  struct kn_cancel c = { 0 };
  double t0 = now_ms ();
  cr_assert_eq (kn_cancel_sleep (&c, 120), 0);
  cr_assert_geq (now_ms () - t0, 110.0, "the full sleep");
  cr_assert_eq (kn_cancel_sleep (NULL, 10), 0);

  pthread_t th;
  cr_assert_eq (pthread_create (&th, NULL, request_later, &c), 0);
  t0 = now_ms ();
  cr_assert_eq (kn_cancel_sleep (&c, 10000), 1);
  double took = now_ms () - t0;
  pthread_join (th, NULL);
  cr_assert_lt (took, 1000.0, "woke up %.0f ms after the start of a 10 s sleep", took);
  cr_assert_eq (kn_cancel_signal (&c), SIGHUP);
  cr_assert_eq (kn_cancel_sleep (&c, 10000), 1, "an already cancelled token does not sleep");
}
