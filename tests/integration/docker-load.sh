#!/bin/sh
# `docker load` of kaniko's --tar-path tarball (issue 4): a FROM scratch image
# holding the system's static busybox, built with two --destination tags,
# loaded into a PRIVATE dockerd ($KN_LAB_DIR/start-dockerd.sh: socket, data
# and containerd namespaces of its own, no iptables, no bridge).  Checks the
# loaded image's id (= our config digest), RepoTags, config and layers, then
# `docker save` of it: same config bytes, layers whose sha256 are our diff_ids,
# and the saved archive loads back to the same id.
# Skips (77), naming the reason, when dockerd is not installed, when not root
# (dockerd needs it) or when dockerd does not come up (its last log lines are
# printed): run it where Debian's docker.io works, as root:
#   make check TESTS=tests/integration/docker-load.sh
set -eu

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
for tool in jq tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
BUSYBOX=$(command -v busybox 2>/dev/null || true)
[ -n "$BUSYBOX" ] || skip "busybox not installed (apt-get install busybox-static)"
LAB=${KN_LAB_DIR:-$KN_TOP_SRCDIR/tests/lab}
[ -x "$LAB/start-dockerd.sh" ] || LAB=$KN_TOP_SRCDIR/tests/lab
[ -x "$LAB/start-dockerd.sh" ] || fail "$LAB/start-dockerd.sh is missing from the source tree"
# KN_DOCKERD / KN_DOCKER_CLI pick other binaries (default: dockerd on PATH or
# /usr/sbin/dockerd; Debian's /usr/bin/docker, else docker on PATH).
DOCKERD=${KN_DOCKERD:-$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)}
[ -x "$DOCKERD" ] || skip "dockerd is not installed ($DOCKERD; Debian: apt-get install docker.io): no engine to load the tarball into"
[ "$(id -u)" = 0 ] || skip "dockerd needs root (running as uid $(id -u))"
export DOCKERD

# dockerd's unix sockets (docker.sock, containerd's under exec/) must fit in
# sun_path: keep the directory short.
base=${TMPDIR:-/tmp}
[ ${#base} -le 40 ] || base=/tmp
tmp=$(mktemp -d "$base/kn-dl.XXXXXX")
dl=$tmp/d
cleanup() {
  "$LAB/stop-dockerd.sh" "$dl" 2>/dev/null || true
  chmod -R u+w "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Debian's CLI (/usr/local/bin/docker may be a newer one without plugins).
DOCKER=${KN_DOCKER_CLI:-}
if [ -z "$DOCKER" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker 2>/dev/null || true); fi
fi
[ -n "$DOCKER" ] || skip "the docker CLI is not installed"
export DOCKER
st=0
"$LAB/start-dockerd.sh" "$dl" 2>"$tmp/start.err" || st=$?
case $st in
  0) ;;
  2) skip "$(cat "$tmp/start.err")" ;;
  *) echo "dockerd failed to start:"; sed 's/^/  /' "$tmp/start.err"
     skip "dockerd failed to start on this machine (see its log above): no engine to load the tarball into" ;;
esac
export DOCKER_HOST=unix://$dl/docker.sock DOCKER_CONFIG=$dl/cli
dk() { "$DOCKER" "$@"; }

# --- the image
ctx=$tmp/ctx
mkdir -p "$ctx"
cp "$BUSYBOX" "$ctx/busybox"
cat > "$ctx/Dockerfile" <<'DF'
FROM scratch
COPY busybox /bin/busybox
COPY --chmod=0644 <<EOT /etc/motd
loaded by docker
EOT
ENV PATH=/bin GREETING=hello
LABEL org.example.test="docker load"
WORKDIR /srv
USER 1000:1000
EXPOSE 8080/tcp
CMD ["/bin/busybox", "cat", "/etc/motd"]
DF
t1=kn-test.example/kn/docker-load:v1
t2=kn-test.example/kn/docker-load:latest
"$KANIKO" build --context "$ctx" --kaniko-dir "$tmp/kaniko" --no-push \
  --destination "$t1" --destination "$t2" --tar-path "$tmp/image.tar" --digest-file "$tmp/digest" \
  > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "kaniko build --tar-path"; }
mkdir "$tmp/ours"
tar -C "$tmp/ours" -xf "$tmp/image.tar" || fail "untar our tarball"
cfg_path=$(jq -r '.[0].Config' "$tmp/ours/manifest.json")
cfg_id=sha256:$(sha256sum "$tmp/ours/$cfg_path" | cut -d' ' -f1)
jq -c '.rootfs.diff_ids' "$tmp/ours/$cfg_path" > "$tmp/diff_ids"

# --- docker load
dk load -i "$tmp/image.tar" > "$tmp/load.out" 2>&1 || { cat "$tmp/load.out"; fail "docker load"; }
grep -q "Loaded image: $t1" "$tmp/load.out" || fail "docker load did not report $t1: $(cat "$tmp/load.out")"
grep -q "Loaded image: $t2" "$tmp/load.out" || fail "docker load did not report $t2: $(cat "$tmp/load.out")"
dk image inspect "$t1" > "$tmp/inspect.json" || fail "docker image inspect $t1"
id=$(jq -r '.[0].Id' "$tmp/inspect.json")
[ "$id" = "$cfg_id" ] || fail "loaded image id $id, want our config digest $cfg_id"
jq -e --arg a "$t1" --arg b "$t2" '.[0].RepoTags | sort == ([$a, $b] | sort)' "$tmp/inspect.json" > /dev/null \
  || fail "RepoTags: $(jq -c '.[0].RepoTags' "$tmp/inspect.json")"
[ "$(dk image inspect -f '{{.Id}}' "$t2")" = "$cfg_id" ] || fail "$t2 is another image"
jq -e '.[0].Config | .Env == ["PATH=/bin", "GREETING=hello"] and .Cmd == ["/bin/busybox", "cat", "/etc/motd"]
  and .WorkingDir == "/srv" and .User == "1000:1000" and .Labels == {"org.example.test": "docker load"}
  and .ExposedPorts == {"8080/tcp": {}}' "$tmp/inspect.json" > /dev/null \
  || fail "loaded config: $(jq -c '.[0].Config' "$tmp/inspect.json")"
jq -e '.[0].Os == "linux" and .[0].RootFS.Type == "layers"' "$tmp/inspect.json" > /dev/null \
  || fail "Os/RootFS: $(jq -c '.[0] | {Os, RootFS}' "$tmp/inspect.json")"
[ "$(jq -c '.[0].RootFS.Layers' "$tmp/inspect.json")" = "$(cat "$tmp/diff_ids")" ] \
  || fail "layers $(jq -c '.[0].RootFS.Layers' "$tmp/inspect.json"), want $(cat "$tmp/diff_ids")"
[ "$(jq '.[0].RootFS.Layers | length' "$tmp/inspect.json")" = 3 ] || fail "want 3 layers (2 COPY + WORKDIR)"

# --- docker save round trip
dk save -o "$tmp/saved.tar" "$t1" || fail "docker save"
mkdir "$tmp/saved"
tar -C "$tmp/saved" -xf "$tmp/saved.tar" || fail "untar docker save"
scfg=$(jq -r '.[0].Config' "$tmp/saved/manifest.json")
cmp -s "$tmp/saved/$scfg" "$tmp/ours/$cfg_path" || fail "docker save changed the config ($scfg)"
jq -e --arg t "$t1" '.[0].RepoTags | index($t) != null' "$tmp/saved/manifest.json" > /dev/null \
  || fail "saved RepoTags: $(jq -c '.[0].RepoTags' "$tmp/saved/manifest.json")"
got=$(jq -r '.[0].Layers[]' "$tmp/saved/manifest.json" | while read -r l; do
        echo "sha256:$(sha256sum "$tmp/saved/$l" | cut -d' ' -f1)"; done | jq -R . | jq -sc .)
[ "$got" = "$(cat "$tmp/diff_ids")" ] || fail "saved layers hash to $got, want our diff_ids $(cat "$tmp/diff_ids")"
tar -xOf "$tmp/saved/$(jq -r '.[0].Layers[0]' "$tmp/saved/manifest.json")" bin/busybox | cmp -s - "$BUSYBOX" \
  || fail "bin/busybox differs after the round trip"
dk rmi "$t1" "$t2" > /dev/null || fail "docker rmi"
dk load -i "$tmp/saved.tar" > "$tmp/load2.out" 2>&1 || { cat "$tmp/load2.out"; fail "docker load of the saved archive"; }
[ "$(dk image inspect -f '{{.Id}}' "$t1")" = "$cfg_id" ] || fail "the saved archive loads to another id"
echo "PASS: docker-load ($cfg_id)"
