#!/bin/sh
# --cache-dir and kaniko warm: the lab's busybox base (a tag and an OCI index)
# is warmed into a cache dir (an OCI layout skopeo reads), the registry is
# stopped, and builds FROM the tag and FROM name@<index digest> still succeed
# with the base layers taken from the cache dir; without --cache-dir the same
# build fails naming the registry; a cache entry for another platform is not
# used.
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo jq sha256sum
start_registry
push_busybox_base base/busybox

ctx="$tmp/ctx"
mkdir -p "$ctx"
echo "from the context" > "$ctx/file.txt"
skopeo inspect --tls-verify=false "docker://$REG/base/busybox:latest" > "$tmp/base.json" || fail "inspect base"
base_layers=$(jq -c '.Layers' "$tmp/base.json")
n_base=$(jq '.Layers | length' "$tmp/base.json")
[ "$n_base" -ge 1 ] || fail "base has no layers"
index_digest=sha256:$(skopeo inspect --raw --tls-verify=false "docker://$REG/base/busybox:index" | sha256sum | cut -d' ' -f1)

# Usage errors.
set +e
"$KANIKO" warm --cache-dir "$tmp/cache" > "$tmp/log" 2>&1
st=$?
set -e
[ $st -eq 2 ] || fail "warm without --image: exit $st: $(cat "$tmp/log")"
grep -q -- "--image" "$tmp/log" || fail "warm without --image: $(cat "$tmp/log")"
"$KANIKO" warm --help | grep -q -- "--image REF" || fail "warm --help"
"$KANIKO" --help | grep -q "^  warm " || fail "kaniko --help lists no warm command"

"$KANIKO" warm --image "$REG/base/busybox:latest" -i "$REG/base/busybox:index" --cache-dir "$tmp/cache" \
  --custom-platform linux/amd64 > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "kaniko warm"; }
grep -q "Cached $REG/base/busybox:latest" "$tmp/log" || fail "no 'Cached' line: $(cat "$tmp/log")"
[ -f "$tmp/cache/oci-layout" ] || fail "the cache dir is no OCI layout"
ls -a "$tmp/cache" | grep -q '^\.warm-' && fail "warm left its temporary store"
jq -e --arg r "$REG/base/busybox:latest" '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | index($r) != null' \
  "$tmp/cache/index.json" > /dev/null || fail "no entry named by the reference: $(cat "$tmp/cache/index.json")"
jq -e --arg r "$REG/base/busybox@$index_digest" '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | index($r) != null' \
  "$tmp/cache/index.json" > /dev/null || fail "no entry named by the index digest: $(cat "$tmp/cache/index.json")"
skopeo inspect "oci:$tmp/cache:$REG/base/busybox:latest" > "$tmp/cached.json" || fail "skopeo cannot read the cache dir"
[ "$(jq -c '.Layers' "$tmp/cached.json")" = "$base_layers" ] || fail "cached layers differ from the registry's"
# Warming again (the entries are replaced, not duplicated).
"$KANIKO" warm --image "$REG/base/busybox:latest" --cache-dir "$tmp/cache" --custom-platform linux/amd64 \
  > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "kaniko warm again"; }
[ "$(jq --arg r "$REG/base/busybox:latest" '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)] | length' \
  "$tmp/cache/index.json")" = 1 ] || fail "warming twice duplicated the entry"

# No registry from here on.
kill "$reg_pid"
wait "$reg_pid" 2>/dev/null || true
reg_pid=
curl -s -o /dev/null "http://$REG/v2/" && fail "the registry still answers"

check_image() { # LAYOUT: the built image has the base layers + 1
  skopeo inspect "oci:$1:latest" > "$tmp/out.json" || fail "inspect $1"
  [ "$(jq '.Layers | length' "$tmp/out.json")" = $((n_base + 1)) ] || fail "$1: layers $(jq -c .Layers "$tmp/out.json")"
  [ "$(jq -c '.Layers[:-1]' "$tmp/out.json")" = "$base_layers" ] || fail "$1: base layers changed"
}

printf 'FROM %s/base/busybox:latest\nCOPY file.txt /srv/file.txt\n' "$REG" > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/out1" --cache-dir "$tmp/cache" \
  --custom-platform linux/amd64 || { cat "$tmp/log"; fail "build FROM a tag with --cache-dir"; }
grep -q "Using base image from cache dir" "$tmp/log" || fail "no cache-dir log line: $(cat "$tmp/log")"
check_image "$tmp/out1"

printf 'FROM %s/base/busybox@%s\nCOPY file.txt /srv/file.txt\n' "$REG" "$index_digest" > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/out2" --cache-dir "$tmp/cache" \
  --custom-platform linux/amd64 || { cat "$tmp/log"; fail "build FROM name@digest with --cache-dir"; }
grep -q "Using base image from cache dir" "$tmp/log" || fail "no cache-dir log line (digest)"
check_image "$tmp/out2"

# Without the cache dir: a registry error naming the registry.
printf 'FROM %s/base/busybox:latest\nCOPY file.txt /srv/file.txt\n' "$REG" > "$ctx/Dockerfile"
if kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/out3" --custom-platform linux/amd64; then
  fail "build without --cache-dir succeeded with the registry down"
fi
grep -q "$REG" "$tmp/log" || fail "the error names no registry: $(cat "$tmp/log")"
grep -q "base image" "$tmp/log" || fail "the error names no base image: $(cat "$tmp/log")"
grep -q "Using base image from cache dir" "$tmp/log" && fail "cache used without --cache-dir"

# An entry for another platform is not used (the registry is asked, and is down).
if kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/out4" --cache-dir "$tmp/cache" \
  --custom-platform linux/s390x; then
  fail "a linux/amd64 cache entry was used for linux/s390x"
fi
grep -q "not linux/s390x" "$tmp/log" || fail "no platform mismatch warning: $(cat "$tmp/log")"
echo "PASS"
