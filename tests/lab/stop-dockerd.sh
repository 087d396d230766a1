#!/bin/sh
# stop-dockerd.sh DIR
#   Stop a dockerd started by start-dockerd.sh DIR: SIGTERM the PID it
#   launched (DIR/dockerd.launch.pid, else DIR/dockerd.pid), wait up to 20 s,
#   then SIGKILL.  Only that PID is signalled; dockerd stops its own
#   containerd.  DIR is kept (remove it afterwards; the vfs/overlay data may
#   need root).
set -eu
DL=${1:?usage: stop-dockerd.sh DIR}
PIDF=$DL/dockerd.launch.pid
[ -f "$PIDF" ] || PIDF=$DL/dockerd.pid
[ -f "$PIDF" ] || exit 0
PID=$(cat "$PIDF")
# Guard against a stale pid file whose PID now belongs to another program.
if kill -0 "$PID" 2>/dev/null && tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q dockerd; then
    kill -TERM "$PID"
    i=0
    while kill -0 "$PID" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
fi
rm -f "$DL/dockerd.launch.pid"
