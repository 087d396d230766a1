/* SIGINT/SIGTERM/SIGHUP during a build: async-signal-safe handler that only
 * stores into the cancel token (one atomic) and, on repeats, writes a fixed
 * message or calls _exit. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/cli/signals.h"

static const int handled[] = { SIGINT, SIGTERM, SIGHUP };
#define N_HANDLED (sizeof handled / sizeof handled[0])

static struct kn_cancel *sig_cancel;
static volatile sig_atomic_t sig_count;
static volatile sig_atomic_t sig_first;

static void
on_signal (int signo)
{
  int saved_errno = errno;
  sig_count++;
  if (sig_count == 1)
    {
      sig_first = signo;
      kn_cancel_request_signal (sig_cancel, signo);
    }
  else if (sig_count == 2)
    {
      static const char msg[] = "kaniko: cancelling the build, cleaning up (a third signal exits at once)\n";
      ssize_t w = write (STDERR_FILENO, msg, sizeof msg - 1);
      (void) w;
    }
  else
    _exit (128 + sig_first);
  errno = saved_errno;
}

void
kn_cli_signals_install (struct kn_cancel *cancel)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* Restart interrupted calls: every wait in the engine polls with a timeout. */
  sa.sa_flags = SA_RESTART;
  sigemptyset (&sa.sa_mask);
  for (size_t i = 0; i < N_HANDLED; i++)
    sigaddset (&sa.sa_mask, handled[i]);
  sig_cancel = cancel;
  sig_count = 0;
  sig_first = 0;
  /* SIGINT and SIGTERM are caught even over an inherited SIG_IGN (a shell
   * starts background jobs with SIGINT ignored, and a CI runner's SIGINT
   * must still cancel); an ignored SIGHUP stays ignored (nohup). */
  for (size_t i = 0; i < N_HANDLED; i++)
    {
      struct sigaction old;
      sigaction (handled[i], NULL, &old);
      if (handled[i] == SIGHUP && old.sa_handler == SIG_IGN)
        continue;
      sigaction (handled[i], &sa, NULL);
    }
  /* Unblock them in case the parent left them blocked. */
  sigset_t set;
  sigemptyset (&set);
  for (size_t i = 0; i < N_HANDLED; i++)
    sigaddset (&set, handled[i]);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
}

const char *
kn_cli_signal_name (int signo)
{
  static char buf[32];
  switch (signo)
    {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      snprintf (buf, sizeof buf, "signal %d", signo);
      return buf;
    }
}
