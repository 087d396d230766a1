# Sourced by tests/integration/registry-*.sh: start lab registries and fault
# servers on free ports, stop all of them on exit (even on failure), and
# small assertion helpers.  Needs KN_LAB_DIR, KN_TOP_BUILDDIR, KN_TOP_SRCDIR.
set -eu

kn_skip () { echo "SKIP: $*"; exit 77; }

[ -n "${KN_LAB_DIR:-}" ] && [ -x "$KN_LAB_DIR/start-registry.sh" ] || kn_skip "lab scripts not found (KN_LAB_DIR=${KN_LAB_DIR:-unset})"
command -v docker-registry >/dev/null || kn_skip "docker-registry is not installed"
command -v python3 >/dev/null || kn_skip "python3 is not installed"
command -v jq >/dev/null || kn_skip "jq is not installed"

TOOL=$KN_TOP_BUILDDIR/tests/integration/registry-tool
FIX=$KN_TOP_SRCDIR/tests/fixtures/registry
[ -x "$TOOL" ] || { echo "missing $TOOL"; exit 99; }

WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/kn-registry-test.XXXXXX")
KN_REGISTRIES=""
KN_PIDS=""
kn_cleanup () {
  rc=$?
  for d in $KN_REGISTRIES; do "$KN_LAB_DIR/stop-registry.sh" "$d" >/dev/null 2>&1 || true; done
  for p in $KN_PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORKDIR"
  exit $rc
}
trap kn_cleanup EXIT
trap 'exit 130' INT TERM

free_port () {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry NAME [ENV=... ...]: starts a lab registry, sets $PORT and $DATA.
start_registry () {
  name=$1; shift
  PORT=$(free_port)
  DATA=$WORKDIR/$name
  KN_REGISTRIES="$KN_REGISTRIES $DATA"
  env "$@" "$KN_LAB_DIR/start-registry.sh" "$PORT" "$DATA" >/dev/null
}

# start_fault_server [ARGS...]: starts fault-server.py, sets $FPORT.
start_fault_server () {
  FPORT=$(free_port)
  python3 "$FIX/fault-server.py" --port "$FPORT" --log "$WORKDIR/fault-$FPORT.log" "$@" 2>"$WORKDIR/fault-$FPORT.err" &
  KN_PIDS="$KN_PIDS $!"
  i=0
  until curl -s -o /dev/null "http://127.0.0.1:$FPORT/v2/"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "fault server did not start"; cat "$WORKDIR/fault-$FPORT.err"; exit 99; }
    sleep 0.1
  done
}

# tool ARGS...: runs registry-tool; stdout in $OUT, stderr in $ERR, status in $RC.
tool () {
  RC=0
  "$TOOL" "$@" >"$WORKDIR/out" 2>"$WORKDIR/err" || RC=$?
  OUT=$(cat "$WORKDIR/out"); ERR=$(cat "$WORKDIR/err")
}

fail () { echo "FAIL: $*"; echo "--- stdout:"; echo "${OUT:-}"; echo "--- stderr:"; echo "${ERR:-}"; exit 1; }
ok () { echo "ok - $*"; }
expect_ok () { [ "$RC" -eq 0 ] || fail "$* (exit $RC)"; ok "$*"; }
expect_fail () { [ "$RC" -eq 1 ] || fail "$* should fail (exit $RC)"; ok "$* fails"; }
expect_err () { case $ERR in *"$1"*) ;; *) fail "stderr lacks \"$1\"" ;; esac; }
requests () { echo "$ERR" | sed -n 's/^requests //p'; }
sha () { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
