/* Signals of a build: SIGINT, SIGTERM and SIGHUP cancel it (the handler only
 * sets the cancel token; the engine polls it, kills the RUN in progress,
 * aborts transfers and cleans up), and the program exits 128 + the signal
 * (130 for SIGINT, 143 for SIGTERM), like kaniko and docker. */
#ifndef KN_CLI_SIGNALS_H
#define KN_CLI_SIGNALS_H

#include "core/util/cancel.h"

/* Route SIGINT, SIGTERM and SIGHUP (unless inherited as ignored: nohup) to
 * CANCEL, which must live until the process exits.  The first signal
 * requests cancellation; a second one prints that clean-up is under way; a
 * third exits at once with 128 + the first signal (the content store is
 * safe against that, as against SIGKILL). */
void kn_cli_signals_install (struct kn_cancel *cancel);

/* "SIGINT" for SIGINT, ... ("signal N" for others; static storage). */
const char *kn_cli_signal_name (int signo);

#endif
