#!/bin/sh
# --reproducible: two builds of the same inputs (FROM the lab's busybox base on
# a private registry, COPY, RUN, metadata), run at different times with
# different context mtimes and different kaniko dirs, give the same manifest
# digest, and the layers and config carry no build-time timestamp.
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo jq tar
start_registry
push_busybox_base base/busybox

ctx="$tmp/ctx"
mkdir -p "$ctx/dir"
echo "reproducible" > "$ctx/file.txt"
echo "nested" > "$ctx/dir/nested.txt"
cat > "$ctx/Dockerfile" <<DF
FROM $REG/base/busybox:latest
COPY file.txt /app/
COPY dir /app/dir/
RUN date > /app/built-at-is-not-stable-so-removed && rm /app/built-at-is-not-stable-so-removed \\
 && mkdir -p /app/run && echo from-run > /app/run/out && touch /app/run/touched
ENV A=1
LABEL l=v
CMD ["/bin/sh"]
DF

build() {  # build N: output in $tmp/oci-N, digest in $tmp/digest-N
  "$KANIKO" build --kaniko-dir "$tmp/kaniko-$1" --context "$ctx" --no-push --reproducible \
    --oci-layout-path "$tmp/oci-$1" --digest-file "$tmp/digest-$1" > "$tmp/log-$1" 2>&1 \
    || { cat "$tmp/log-$1"; fail "build $1 failed"; }
}
build 1
sleep 2
touch "$ctx/file.txt" "$ctx/dir/nested.txt" "$ctx/dir"
build 2
d1=$(cat "$tmp/digest-1") d2=$(cat "$tmp/digest-2")
[ -n "$d1" ] || fail "empty digest"
if [ "$d1" != "$d2" ]; then
  # Show what differs: the configs and the layer listings.
  for n in 1 2; do
    m=$(jq -r '.manifests[0].digest' "$tmp/oci-$n/index.json" | cut -d: -f2)
    jq -c . "$tmp/oci-$n/blobs/sha256/$m" > "$tmp/manifest-$n"
    c=$(jq -r .config.digest "$tmp/manifest-$n" | cut -d: -f2)
    jq -S . "$tmp/oci-$n/blobs/sha256/$c" > "$tmp/config-$n"
    : > "$tmp/layers-$n"
    for l in $(jq -r '.layers[].digest' "$tmp/manifest-$n" | cut -d: -f2); do
      tar --numeric-owner --full-time -tvf "$tmp/oci-$n/blobs/sha256/$l" >> "$tmp/layers-$n"
    done
  done
  diff "$tmp/config-1" "$tmp/config-2" | head -20
  diff "$tmp/layers-1" "$tmp/layers-2" | head -20
  fail "--reproducible builds differ: $d1 vs $d2"
fi

# No build-time timestamp: config created/history and every layer entry's mtime
# are the epoch (or the base image's own, which is the epoch too).
m=$(jq -r '.manifests[0].digest' "$tmp/oci-1/index.json" | cut -d: -f2)
c=$(jq -r .config.digest "$tmp/oci-1/blobs/sha256/$m" | cut -d: -f2)
year=$(date -u +%Y)
jq -r '[.created // empty, (.history[]?.created // empty)] | .[]' "$tmp/oci-1/blobs/sha256/$c" > "$tmp/created"
if grep -q "^$year" "$tmp/created"; then fail "config keeps a build time: $(cat "$tmp/created" | tr '\n' ' ')"; fi
for l in $(jq -r '.layers[].digest' "$tmp/oci-1/blobs/sha256/$m" | cut -d: -f2); do
  tar --numeric-owner --full-time -tvf "$tmp/oci-1/blobs/sha256/$l"
done > "$tmp/entries"
if grep -q " $year-" "$tmp/entries"; then fail "layer entries keep build-time mtimes: $(grep " $year-" "$tmp/entries" | head -3)"; fi
echo "PASS: build-reproducible ($d1)"
