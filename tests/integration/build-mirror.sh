#!/bin/sh
# Pull-through mirrors for the base image: two docker-registry instances, the
# lab's busybox base on the "origin" only.  kaniko build --no-push
# --oci-layout-path FROM origin/base/busybox:
#   - with an empty mirror for the origin (--registry-map ORIGIN=EMPTY): the
#     mirror misses, the build falls back to the origin;
#   - with --skip-default-registry-fallback too: fails with a clear error;
#   - with a mirror that has the image (copied with skopeo) and the origin
#     stopped: pulled from the mirror.
# The engine (core/build/registry.c) applies --registry-mirror to docker.io
# only, like Go kaniko; a --registry-mirror for this non-docker.io origin is
# ignored (checked below), so the other cases use --registry-map.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
command -v skopeo >/dev/null || kn_skip "skopeo is not installed"
command -v umoci >/dev/null || kn_skip "umoci is not installed"
command -v busybox >/dev/null || kn_skip "busybox is not installed"
[ -x "${KANIKO:-}" ] || { echo "KANIKO not set"; exit 99; }

start_registry origin; O=127.0.0.1:$PORT; ODATA=$DATA
start_registry empty; E=127.0.0.1:$PORT
start_registry mirror; M=127.0.0.1:$PORT
WORK=$WORKDIR/base "$KN_LAB_DIR/make-busybox-base.sh" "$O" >"$WORKDIR/base.log" 2>&1 \
  || { tail -5 "$WORKDIR/base.log"; fail "make-busybox-base.sh"; }
cd "$WORKDIR"
mkdir ctx
echo mirrored >ctx/file.txt
printf 'FROM %s/base/busybox:latest\nCOPY file.txt /file.txt\n' "$O" >ctx/Dockerfile

n=0
kbuild () {
  n=$((n + 1))
  RC=0
  "$KANIKO" build --kaniko-dir "$WORKDIR/kaniko-$n" --context ctx --no-push \
    --oci-layout-path "$WORKDIR/layout-$n" "$@" >"$WORKDIR/log" 2>&1 || RC=$?
  OUT=; ERR=$(cat "$WORKDIR/log")
}
layout_ok () {
  idx=$WORKDIR/layout-$n/index.json
  [ -s "$idx" ] || fail "no OCI layout"
  m=$(jq -r '.manifests[0].digest' "$idx" | sed 's/^sha256://')
  [ "$(jq '.layers | length' "$WORKDIR/layout-$n/blobs/sha256/$m")" = 2 ] || fail "the image does not have 2 layers"
}

# --- an empty mirror: falls back to the origin
kbuild --registry-map "$O=$E"
expect_ok "empty mirror, fallback to the origin"; layout_ok
echo "$ERR" | grep -q "from $E failed.*trying $O" || fail "no fallback warning"

# --- an empty mirror without fallback: clear error
kbuild --registry-map "$O=$E" --skip-default-registry-fallback
[ "$RC" -ne 0 ] || fail "a build with an empty mirror and no fallback succeeded"
expect_err "base image $O/base/busybox:latest"
echo "$ERR" | grep -qi "not found\|unknown\|ENOTFOUND" || fail "the error does not say the image is missing"
[ ! -s "$WORKDIR/layout-$n/index.json" ] || fail "a layout was written"
ok "empty mirror and --skip-default-registry-fallback fails: $(echo "$ERR" | tail -1)"

# --- --registry-mirror is for docker.io only: ignored for this origin
kbuild --registry-mirror "$E" --skip-default-registry-fallback
expect_ok "--registry-mirror does not apply to a non-docker.io origin"; layout_ok
case $ERR in *"$E"*) fail "the docker.io mirror was tried for $O" ;; esac

# --- a mirror with the image, the origin stopped: pulled from the mirror
skopeo copy --all --src-tls-verify=false --dest-tls-verify=false \
  "docker://$O/base/busybox:latest" "docker://$M/base/busybox:latest" >/dev/null 2>&1 || fail "skopeo copy"
"$KN_LAB_DIR/stop-registry.sh" "$ODATA" >/dev/null 2>&1 || true
! curl -s -o /dev/null "http://$O/v2/" || fail "the origin is still up"
kbuild --registry-map "$O=$M" --skip-default-registry-fallback
expect_ok "pull from a mirror with the origin down"; layout_ok
kbuild --registry-map "$O=$E;$O=$M" --skip-default-registry-fallback
expect_ok "two mirrors (ORIG=A;ORIG=B), the second has the image"; layout_ok
echo "$ERR" | grep -q "from $E failed.*trying $M" || fail "the first mirror was not tried first"
kbuild --registry-map "$O=$E" --registry-map "$O=$M" --skip-default-registry-fallback
expect_ok "two --registry-map flags for one origin"; layout_ok
kbuild --registry-map "$O=$E"
[ "$RC" -ne 0 ] || fail "a build with an empty mirror and the origin down succeeded"
ok "empty mirror + origin down fails"
echo "all passed"
