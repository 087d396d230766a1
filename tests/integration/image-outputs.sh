#!/bin/sh
# Local outputs read back by other tools: an OCI layout (skopeo inspect, umoci
# unpack), docker-archive tarballs in both layouts (skopeo inspect/copy), and
# the digest files.  Skips (77) when skopeo or umoci is missing.
set -eu

for tool in skopeo umoci; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed"
    exit 77
  fi
done
helper="${KN_TOP_BUILDDIR:-.}/tests/integration/image-mkimage"
[ -x "$helper" ] || { echo "FAIL: helper $helper not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-image-outputs.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

layout="$tmp/layout"
digest=$("$helper" "$layout" v1 "$tmp/image.tar" "$tmp/legacy.tar" "localhost:5000/kn/test:v1" \
  "$tmp/out/digest" "$tmp/out/names") || fail "helper failed"
echo "manifest digest: $digest"

# Digest files, kaniko's formats.
[ "$(cat "$tmp/out/digest")" = "$digest" ] || fail "digest file: $(cat "$tmp/out/digest")"
[ "$(cat "$tmp/out/names")" = "localhost:5000/kn/test:v1@$digest" ] || fail "name file: $(cat "$tmp/out/names")"

# OCI layout: skopeo sees the same manifest digest.
skopeo inspect "oci:$layout:v1" > "$tmp/inspect.json" || fail "skopeo inspect oci"
grep -q "\"Digest\": \"$digest\"" "$tmp/inspect.json" || fail "skopeo digest differs: $(cat "$tmp/inspect.json")"
# skopeo (Go) prints the label with the same HTML-safe escapes we wrote.
grep -qF '"org.example.test": "image \u003c\u0026\u003e outputs"' "$tmp/inspect.json" || fail "label lost"
skopeo inspect --raw "oci:$layout:v1" > "$tmp/raw.json"
[ "sha256:$(sha256sum < "$tmp/raw.json" | cut -d' ' -f1)" = "$digest" ] || fail "raw manifest bytes differ"

# A second image name in the same layout keeps the first entry.
"$helper" "$layout" v2 "$tmp/image2.tar" "$tmp/legacy2.tar" "busybox" "$tmp/out/d2" "$tmp/out/n2" > /dev/null \
  || fail "second add"
[ "$(grep -o 'org.opencontainers.image.ref.name' "$layout/index.json" | wc -l)" -eq 2 ] \
  || fail "index.json lost an entry: $(cat "$layout/index.json")"
skopeo inspect "oci:$layout:v1" > /dev/null || fail "v1 gone after adding v2"
[ "$(cat "$tmp/out/n2")" = "index.docker.io/library/busybox:latest@$digest" ] || fail "n2: $(cat "$tmp/out/n2")"

# umoci unpacks it rootless.
umoci unpack --rootless --image "$layout:v1" "$tmp/bundle" > /dev/null || fail "umoci unpack"
[ "$(cat "$tmp/bundle/rootfs/hello.txt")" = "hello from kaniko-c" ] || fail "unpacked content"
[ -f "$tmp/bundle/rootfs/etc/os-release" ] || fail "unpacked etc/os-release"

# docker-archive (Docker 25 layout and legacy ggcr layout) read by skopeo.
for tarball in "$tmp/image.tar" "$tmp/legacy.tar"; do
  skopeo inspect "docker-archive:$tarball" > "$tmp/ia.json" || fail "skopeo inspect $tarball"
  grep -q '"org.example.test"' "$tmp/ia.json" || fail "archive config lost: $tarball"
  rm -rf "$tmp/copy"
  skopeo copy -q "docker-archive:$tarball" "oci:$tmp/copy:copied" || fail "skopeo copy $tarball"
  rm -rf "$tmp/bundle2"
  umoci unpack --rootless --image "$tmp/copy:copied" "$tmp/bundle2" > /dev/null || fail "unpack copy of $tarball"
  [ "$(cat "$tmp/bundle2/rootfs/hello.txt")" = "hello from kaniko-c" ] || fail "copied content of $tarball"
done
tar -tf "$tmp/image.tar" | grep -qx 'manifest.json' || fail "no manifest.json"
tar -tf "$tmp/image.tar" | grep -qx 'index.json' || fail "no index.json"
tar -tf "$tmp/image.tar" | grep -qx 'oci-layout' || fail "no oci-layout"
tar -xOf "$tmp/image.tar" manifest.json | grep -q '"RepoTags":\["localhost:5000/kn/test:v1"\]' || fail "RepoTags"
tar -xOf "$tmp/legacy.tar" manifest.json | grep -q '"Config":"sha256:' || fail "legacy Config name"
echo "PASS"
