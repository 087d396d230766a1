#!/bin/sh
# kaniko build of FROM scratch + COPY/ENV/CMD/LABEL/...: the OCI layout read by
# skopeo and umoci, the docker tarball read by skopeo, the digest files, the
# .dockerignore, --label, --compression=zstd, and --reproducible giving the
# same digest twice.  Skips (77) when skopeo or umoci is missing.
set -eu

for tool in skopeo umoci jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not installed"
    exit 77
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-build-scratch.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

ctx="$tmp/ctx"
mkdir -p "$ctx/dir/sub"
echo hello > "$ctx/hello.txt"
echo a > "$ctx/dir/a"
echo b > "$ctx/dir/sub/b"
ln -s a "$ctx/dir/link"
echo secret > "$ctx/dir/ignored.key"
printf '*.md\ndir/*.key\n' > "$ctx/.dockerignore"
echo doc > "$ctx/README.md"
cat > "$ctx/Dockerfile" <<'DF'
ARG GREETING=hi
FROM scratch
ARG GREETING
COPY hello.txt /hello.txt
COPY dir /opt/dir/
COPY *.md /docs/
ENV APP=/opt/dir GREETING=${GREETING}
ENV PATH=/bin
LABEL org.example.name="scratch test" org.example.app=$APP
WORKDIR /srv/app
USER 1000
EXPOSE 8080
CMD ["/bin/app", "--greet", "x"]
DF
# (COPY *.md matches nothing after .dockerignore only if README.md is ignored.)
sed -i 's|^COPY \*.md /docs/$||' "$ctx/Dockerfile"

run() {
  "$KANIKO" build --context "$ctx" --kaniko-dir "$tmp/kaniko" "$@"
}

run --no-push --destination registry.example.com/kn/scratch:v1 --oci-layout-path "$tmp/oci" \
  --tar-path "$tmp/image.tar" --digest-file "$tmp/digest" \
  --image-name-with-digest-file "$tmp/names" --image-name-tag-with-digest-file "$tmp/tags" \
  --label org.example.extra=yes --build-arg GREETING=hello > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "build"; }
digest=$(cat "$tmp/digest")
case $digest in sha256:????????????????????????????????????????????????????????????????) ;; *) fail "digest file: $digest" ;; esac
[ "$(cat "$tmp/names")" = "registry.example.com/kn/scratch@$digest" ] || fail "names file: $(cat "$tmp/names")"
[ "$(cat "$tmp/tags")" = "registry.example.com/kn/scratch:v1@$digest" ] || fail "tags file: $(cat "$tmp/tags")"

# OCI layout.
# The image is Docker schema 2 (kaniko's choice for a scratch base); the OCI
# layout holds its OCI conversion (same config and layers).
skopeo inspect "oci:$tmp/oci:v1" > "$tmp/inspect.json" || fail "skopeo inspect oci"
mkdir "$tmp/tar" && tar -C "$tmp/tar" -xf "$tmp/image.tar" || fail "untar"
[ "$(jq -r '.manifests[0].digest' "$tmp/tar/index.json")" = "$digest" ] || fail "tarball digest != digest file"
tar_manifest="$tmp/tar/blobs/sha256/${digest#sha256:}"
jq -e '.mediaType == "application/vnd.docker.distribution.manifest.v2+json"' "$tar_manifest" > /dev/null \
  || fail "kaniko pushes Docker schema 2 for a scratch base: $(cat "$tar_manifest")"
[ "$(jq -c '[.layers[].digest]' "$tar_manifest")" = "$(jq -c .Layers "$tmp/inspect.json")" ] || fail "layout layers"
[ "$(jq -r '.Layers | length' "$tmp/inspect.json")" = 3 ] || fail "want 3 layers (2 COPY + WORKDIR)"
skopeo inspect --config "oci:$tmp/oci:v1" > "$tmp/config.json"
jq -e '.config.Env == ["PATH=/bin", "APP=/opt/dir", "GREETING=hello"]' "$tmp/config.json" > /dev/null \
  || fail "Env: $(jq -c .config.Env "$tmp/config.json")"
jq -e '.config.Labels == {"org.example.name":"scratch test","org.example.app":"/opt/dir","org.example.extra":"yes"}' \
  "$tmp/config.json" > /dev/null || fail "Labels: $(jq -c .config.Labels "$tmp/config.json")"
jq -e '.config.Cmd == ["/bin/app","--greet","x"] and .config.WorkingDir == "/srv/app" and .config.User == "1000"' \
  "$tmp/config.json" > /dev/null || fail "config: $(jq -c .config "$tmp/config.json")"
jq -e '.config.ExposedPorts == {"8080/tcp":{}}' "$tmp/config.json" > /dev/null || fail "ExposedPorts"
jq -e '[.history[] | select(.empty_layer != true)] | length == 3' "$tmp/config.json" > /dev/null || fail "history"
skopeo inspect --raw "oci:$tmp/oci:v1" | jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json"' \
  > /dev/null || fail "layout manifest is not OCI"

umoci unpack --rootless --image "$tmp/oci:v1" "$tmp/bundle" > /dev/null 2>&1 || fail "umoci unpack"
r="$tmp/bundle/rootfs"
[ "$(cat "$r/hello.txt")" = hello ] || fail "hello.txt"
[ "$(cat "$r/opt/dir/a")" = a ] || fail "dir/a"
[ "$(cat "$r/opt/dir/sub/b")" = b ] || fail "dir/sub/b"
[ "$(readlink "$r/opt/dir/link")" = a ] || fail "symlink"
[ ! -e "$r/opt/dir/ignored.key" ] || fail ".dockerignore not applied"
[ -d "$r/srv/app" ] || fail "WORKDIR"

# Docker tarball.
skopeo copy -q "docker-archive:$tmp/image.tar" "oci:$tmp/fromtar:x" || fail "skopeo copy docker-archive"
jq -e '.[0].RepoTags == ["registry.example.com/kn/scratch:v1"]' "$tmp/tar/manifest.json" > /dev/null \
  || fail "RepoTags: $(cat "$tmp/tar/manifest.json")"

# --reproducible: two builds (context mtimes changed in between) give one digest.
run --no-push --reproducible --digest-file "$tmp/r1" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "reproducible 1"; }
touch -d '2001-02-03 04:05:06' "$ctx/hello.txt" "$ctx/dir/a"
rm -rf "$tmp/kaniko"
run --no-push --reproducible --digest-file "$tmp/r2" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "reproducible 2"; }
[ "$(cat "$tmp/r1")" = "$(cat "$tmp/r2")" ] || fail "reproducible digests differ: $(cat "$tmp/r1") $(cat "$tmp/r2")"
[ "$(cat "$tmp/r1")" != "$digest" ] || fail "reproducible digest equals the timestamped one"
SOURCE_DATE_EPOCH=1000000000 run --no-push --reproducible --oci-layout-path "$tmp/sde" > "$tmp/log" 2>&1 \
  || { cat "$tmp/log"; fail "SOURCE_DATE_EPOCH"; }
skopeo inspect "oci:$tmp/sde:latest" | jq -e '.Created == "2001-09-09T01:46:40Z"' > /dev/null || fail "SOURCE_DATE_EPOCH created"

# zstd layers: an OCI manifest with +zstd layers.
run --no-push --compression zstd --oci-layout-path "$tmp/zstd" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "zstd"; }
skopeo inspect --raw "oci:$tmp/zstd:latest" | jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json"
  and ([.layers[].mediaType] | unique == ["application/vnd.oci.image.layer.v1.tar+zstd"])' > /dev/null \
  || fail "zstd manifest"
# Rootless (run as root: again as nobody): files the invoking user owns are
# recorded as root's, like in a rootless container.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1; then
  mkdir -p "$tmp/rl"
  chmod 0755 "$tmp"
  chmod -R a+rX "$ctx"
  chown 65534:65534 "$tmp/rl"
  setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/rl" \
    "$KANIKO" build --context "$ctx" --kaniko-dir "$tmp/rl/kaniko" --no-push --oci-layout-path "$tmp/rl/oci" \
    > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "rootless build"; }
  d=$(jq -r '.manifests[0].digest' "$tmp/rl/oci/index.json" | cut -d: -f2)
  for l in $(jq -r '.layers[].digest' "$tmp/rl/oci/blobs/sha256/$d" | cut -d: -f2); do
    tar -tvzf "$tmp/rl/oci/blobs/sha256/$l" --numeric-owner | grep -v ' 0/0 ' && fail "rootless layer owners"
  done
fi
echo "PASS: build-scratch ($digest)"
