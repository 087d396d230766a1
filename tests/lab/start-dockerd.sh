#!/bin/sh
# apt-get install -y --no-install-recommends docker.io
#
# start-dockerd.sh DIR
#   Start a PRIVATE dockerd (the recipe of ../shared/lab/build-with-docker.sh):
#   data root, exec root, socket, pid file and log under DIR, no iptables, no
#   bridge, its own containerd namespaces, /etc/docker/daemon.json not read.
#   Blocks until `docker version` answers (30 s at most).  Run as root.
#   Use it with  DOCKER_HOST=unix://DIR/docker.sock docker ...
#   Stop with:   stop-dockerd.sh DIR   (SIGTERM to the pid in DIR/dockerd.pid;
#   dockerd stops the containerd it started).
#
#   Exit status: 0 running; 2 dockerd or the docker CLI is not installed;
#   1 dockerd did not come up (its last log lines on stderr).
#   Optional environment: DRIVER=overlay2|vfs (default vfs: works on any
#   filesystem, and the test images are small), DOCKERD=path, DOCKER=path
#   (default /usr/bin/docker, Debian's CLI, else the one on PATH).
set -eu
DL=${1:?usage: start-dockerd.sh DIR}
DRIVER=${DRIVER:-vfs}
DOCKERD=${DOCKERD:-$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)}
if [ -z "${DOCKER:-}" ]; then
    if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker 2>/dev/null || echo docker); fi
fi
[ -x "$DOCKERD" ] || { echo "dockerd is not installed (looked for $DOCKERD; Debian: apt-get install docker.io)" >&2; exit 2; }
command -v "$DOCKER" >/dev/null 2>&1 || { echo "the docker CLI is not installed" >&2; exit 2; }

mkdir -p "$DL" "$DL/cli"
DL=$(cd "$DL" && pwd)
export DOCKER_HOST=unix://$DL/docker.sock DOCKER_CONFIG=$DL/cli
if [ -f "$DL/dockerd.pid" ] && kill -0 "$(cat "$DL/dockerd.pid")" 2>/dev/null; then
    exit 0
fi
echo '{}' >"$DL/daemon.json"          # do not read /etc/docker/daemon.json
# dockerd starts its own containerd under $DL/exec unless a system containerd
# is already listening on /run/containerd; the namespaces keep us apart then.
setsid "$DOCKERD" --config-file "$DL/daemon.json" \
    --data-root "$DL/data" --exec-root "$DL/exec" --pidfile "$DL/dockerd.pid" \
    -H "unix://$DL/docker.sock" --storage-driver "$DRIVER" \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    --containerd-namespace lab-moby --containerd-plugins-namespace lab-moby-plugins \
    >>"$DL/dockerd.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$DL/dockerd.launch.pid"
# Running, and not a zombie waiting to be reaped.
alive() { kill -0 "$PID" 2>/dev/null && ! grep -q '^[0-9]* (.*) Z' "/proc/$PID/stat" 2>/dev/null; }
i=0
until "$DOCKER" version >/dev/null 2>&1; do
    if ! alive; then
        echo "dockerd exited during startup; last lines of $DL/dockerd.log:" >&2
        tail -n 15 "$DL/dockerd.log" >&2
        exit 1
    fi
    i=$((i + 1))
    if [ $i -ge 300 ]; then
        echo "dockerd did not answer within 30 s; last lines of $DL/dockerd.log:" >&2
        tail -n 15 "$DL/dockerd.log" >&2
        kill -TERM "$PID" 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
done
