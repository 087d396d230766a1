# Shared by tests/integration/build-*.sh (sourced): a temporary directory,
# fail(), and a private docker-registry on a free loopback port (the recipe of
# ../shared/lab/start-registry.sh, copied so the tests do not need it).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-build.XXXXXX")
reg_pid=
cleanup() {
  if [ -n "$reg_pid" ] && kill -0 "$reg_pid" 2>/dev/null; then
    kill "$reg_pid" 2>/dev/null || true
    wait "$reg_pid" 2>/dev/null || true
  fi
  chmod -R u+w "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
  done
}

# start_registry [user:pass]: sets REG=127.0.0.1:PORT (plain HTTP).
start_registry() {
  need docker-registry curl
  auth=${1:-}
  data="$tmp/registry"
  mkdir -p "$data"
  tries=0
  while :; do
    port=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ) ))
    cat > "$data/registry.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: kn-test-$port
YML
    if [ -n "$auth" ]; then
      need htpasswd
      htpasswd -Bbn "${auth%%:*}" "${auth#*:}" > "$data/htpasswd"
      cat >> "$data/registry.yml" <<YML
auth:
  htpasswd:
    realm: kn-test
    path: $data/htpasswd
YML
    fi
    docker-registry serve "$data/registry.yml" > "$data/registry.log" 2>&1 < /dev/null &
    reg_pid=$!
    i=0
    while [ $i -lt 100 ] && kill -0 "$reg_pid" 2>/dev/null; do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
      case $code in 200|401) REG=127.0.0.1:$port; return 0 ;; esac
      sleep 0.1
      i=$((i + 1))
    done
    kill "$reg_pid" 2>/dev/null || true
    wait "$reg_pid" 2>/dev/null || true
    reg_pid=
    tries=$((tries + 1))
    [ $tries -lt 5 ] || fail "docker-registry did not start: $(tail -5 "$data/registry.log")"
  done
}

# push_busybox_base REPO: the lab's reproducible busybox base image pushed to
# $REG/REPO with tags latest, oci (OCI manifest), docker (schema 2), index
# (OCI index) and list (manifest list); needs $KN_LAB_DIR/make-busybox-base.sh.
push_busybox_base() {
  [ -n "${KN_LAB_DIR:-}" ] && [ -x "$KN_LAB_DIR/make-busybox-base.sh" ] \
    || { echo "SKIP: the lab's make-busybox-base.sh is not available (KN_LAB_DIR)"; exit 77; }
  need busybox umoci skopeo jq
  WORK="$tmp/base" "$KN_LAB_DIR/make-busybox-base.sh" "$REG" "$1" > "$tmp/base.log" 2>&1 \
    || fail "make-busybox-base.sh: $(tail -5 "$tmp/base.log")"
}

# kbuild ARGS...: run the kaniko build with a private kaniko dir; output in $tmp/log.
kbuild() {
  "$KANIKO" build --kaniko-dir "$tmp/kaniko" "$@" > "$tmp/log" 2>&1
}

# wait_for_log PID LOG PATTERN [TRIES]: wait (TRIES x 0.05 s, default 600)
# until LOG shows PATTERN; fails when process PID ends first (printing LOG)
# or never gets there (then it is killed).
wait_for_log() {
  wl_i=0
  until grep -q "$3" "$2"; do
    kill -0 "$1" 2>/dev/null || { cat "$2"; fail "the build ended before '$3'"; }
    [ $wl_i -lt "${4:-600}" ] || { kill -9 "$1"; fail "the build never reached '$3'"; }
    sleep 0.05
    wl_i=$((wl_i + 1))
  done
}

# stop_build SIGNAL STATUS LOG-PATTERN [SIGNAL2]: send SIGNAL (then SIGNAL2 at
# once) to the build $pid logging to $tmp/cancel.log; check its exit status,
# that it stopped within KN_CANCEL_MAX_MS (4000), no sanitizer report, and
# one 'build cancelled by SIGsignal during LOG-PATTERN' line.  A build that
# ignores the signal is killed after 20 s (status 137).
stop_build() {
  t0=$(date +%s%N)
  kill "-$1" "$pid"
  [ $# -lt 4 ] || kill "-$4" "$pid"
  (
    n=0
    while kill -0 "$pid" 2>/dev/null; do
      [ $n -lt 200 ] || { kill -9 "$pid"; exit 0; }
      sleep 0.1
      n=$((n + 1))
    done
  ) &
  watchdog=$!
  set +e
  wait "$pid"
  status=$?
  set -e
  wait "$watchdog" 2>/dev/null || true
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "SIG$1: exit $status after $ms ms: $(grep -o 'build cancelled.*' "$tmp/cancel.log" || true)"
  [ "$status" = "$2" ] || { cat "$tmp/cancel.log"; fail "SIG$1: exit status $status, want $2"; }
  ! grep -qE 'ERROR: (Leak|Address)Sanitizer|runtime error:' "$tmp/cancel.log" \
    || { cat "$tmp/cancel.log"; fail "SIG$1: sanitizer report"; }
  [ "$ms" -lt "${KN_CANCEL_MAX_MS:-4000}" ] || fail "SIG$1: took $ms ms to stop"
  [ "$(grep -c 'build cancelled by' "$tmp/cancel.log")" = 1 ] || { cat "$tmp/cancel.log"; fail "not one 'build cancelled by' line"; }
  grep -q "build cancelled by SIG$1 during $3" "$tmp/cancel.log" \
    || { cat "$tmp/cancel.log"; fail "no 'build cancelled by SIG$1 during $3' line"; }
}

# check_store LABEL KDIR: no ingest leftovers, every blob matches its digest.
check_store() {
  [ -z "$(ls -A "$2/ingest" 2>/dev/null)" ] || fail "$1: ingest leftovers: $(ls -A "$2/ingest")"
  for b in "$2"/blobs/sha256/*; do
    [ -f "$b" ] || continue
    [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || fail "$1: half-written blob $b"
  done
}
