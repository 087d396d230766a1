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
