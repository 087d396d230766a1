#!/bin/sh
# RUN: on the lab's busybox base (pulled from a private registry) and on a
# scratch image holding only busybox: shell and exec forms, SHELL, heredocs
# (plain and #!), ARG/ENV in the environment, USER by name, WORKDIR, the
# mounts (bind from the context and from a stage, cache, tmpfs, secret, secret env=),
# --network=none, deletions as whiteouts, and a failing step's exit status.
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo umoci jq busybox

ctx="$tmp/ctx"
mkdir -p "$ctx"
cp "$(command -v busybox)" "$ctx/busybox"
echo "from the context" > "$ctx/input.txt"
echo "s3cr3t" > "$tmp/secret.txt"
cat > "$ctx/Dockerfile" <<'DF'
FROM scratch AS tools
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/etc"]
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
RUN echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd \
 && printf 'root:x:0:\napp:x:1000:\n' > /etc/group && chmod 1777 /tmp && echo gone > /to-delete

FROM tools
ARG WHO=world
ENV GREETING=hello
SHELL ["/bin/busybox", "sh", "-ec"]
RUN echo "$GREETING $WHO" > /greeting.txt
RUN <<EOF
echo "plain heredoc as $(id -u)" > /heredoc.txt
EOF
RUN <<EOF
#!/bin/busybox sh
echo "shebang heredoc" > /shebang.txt
EOF
RUN --mount=type=bind,source=input.txt,target=/mnt/input.txt cp /mnt/input.txt /copied.txt
RUN --mount=type=bind,from=tools,source=/etc,target=/mnt/etc cp /mnt/etc/group /group-from-stage.txt
RUN --mount=type=cache,target=/var/cache/kn echo cached > /var/cache/kn/x && ls /var/cache/kn > /cache-list.txt
RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/x && cat /scratch/x > /tmpfs.txt
RUN --mount=type=secret,id=token tr a-z A-Z < /run/secrets/token > /secret-seen.txt
RUN --mount=type=secret,id=token,env=TOKEN_ENV echo "$TOKEN_ENV" | tr a-z A-Z > /secret-env-seen.txt \
 && if [ -e /run/secrets/token ]; then echo file; else echo nofile; fi > /secret-env-file.txt
RUN echo "${TOKEN_ENV:-unset}" > /secret-env-after.txt
RUN --network=none echo offline > /offline.txt
RUN rm /to-delete
USER app
WORKDIR /home/app
RUN id -u > id.txt && pwd > pwd.txt
DF

kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/oci" --secret "id=token,src=$tmp/secret.txt" \
  --verbosity=debug || { cat "$tmp/log"; fail "RUN build"; }
# The debug log times every RUN's snapshot and every layer write.
n_run=$(grep -c '^RUN' "$ctx/Dockerfile")
n_snap=$(grep -Ec 'snapshot: [0-9]+ changes in [0-9]+\.[0-9] ms \(full\)' "$tmp/log" || true)
[ "$n_snap" = "$n_run" ] || { cat "$tmp/log"; fail "$n_snap snapshot debug lines for $n_run RUN steps"; }
grep -Eq 'layer: sha256:[0-9a-f]{64} [0-9]+ entries, [0-9]+ bytes in [0-9]+\.[0-9] ms' "$tmp/log" \
  || { cat "$tmp/log"; fail "no layer debug line"; }
umoci unpack --image "$tmp/oci:latest" "$tmp/b" > /dev/null 2>&1 || fail "umoci unpack"
r="$tmp/b/rootfs"
[ "$(cat "$r/greeting.txt")" = "hello world" ] || fail "ENV/ARG in RUN: $(cat "$r/greeting.txt")"
[ "$(cat "$r/heredoc.txt")" = "plain heredoc as 0" ] || fail "heredoc"
[ "$(cat "$r/shebang.txt")" = "shebang heredoc" ] || fail "shebang heredoc"
[ "$(cat "$r/copied.txt")" = "from the context" ] || fail "bind mount from the context"
grep -q '^app:x:1000:' "$r/group-from-stage.txt" || fail "bind mount from a stage"
[ "$(cat "$r/cache-list.txt")" = x ] || fail "cache mount"
[ ! -e "$r/var/cache/kn/x" ] || fail "cache content leaked into the image"
[ "$(cat "$r/tmpfs.txt")" = tmp ] || fail "tmpfs mount"
[ ! -e "$r/scratch/x" ] || fail "tmpfs content leaked"
[ "$(cat "$r/secret-seen.txt")" = S3CR3T ] || fail "secret mount"
[ ! -e "$r/run/secrets/token" ] || fail "secret leaked into the image"
[ "$(cat "$r/secret-env-seen.txt")" = S3CR3T ] || fail "secret env=: $(cat "$r/secret-env-seen.txt")"
[ "$(cat "$r/secret-env-file.txt")" = nofile ] || fail "secret env= without target= mounted a file (BuildKit does not)"
[ "$(cat "$r/secret-env-after.txt")" = unset ] || fail "secret env= leaked into the next RUN"
[ "$(cat "$r/offline.txt")" = offline ] || fail "--network=none"
[ ! -e "$r/to-delete" ] || fail "deleted file still there"
[ "$(cat "$r/home/app/id.txt")" = 1000 ] || fail "USER app: $(cat "$r/home/app/id.txt")"
[ "$(cat "$r/home/app/pwd.txt")" = /home/app ] || fail "WORKDIR"
# No layer holds the secret.
d=$(jq -r '.manifests[0].digest' "$tmp/oci/index.json" | cut -d: -f2)
for l in $(jq -r '.layers[].digest' "$tmp/oci/blobs/sha256/$d" | cut -d: -f2); do
  if tar -xzOf "$tmp/oci/blobs/sha256/$l" 2> /dev/null | grep -q s3cr3t; then fail "secret in layer $l"; fi
  tar -tzf "$tmp/oci/blobs/sha256/$l" | grep -q '^\.wh\.to-delete$' && deleted=yes
done
[ "${deleted:-}" = yes ] || fail "no whiteout for /to-delete"

# --single-snapshot: one layer for the stage, deletions included.
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo a > /a; echo b > /b"]\nRUN ["/bin/busybox", "rm", "/a"]\n' \
  > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push --single-snapshot --oci-layout-path "$tmp/single" \
  || { cat "$tmp/log"; fail "--single-snapshot"; }
[ "$(skopeo inspect "oci:$tmp/single:latest" | jq '.Layers | length')" = 1 ] || fail "--single-snapshot: one layer"
umoci unpack --image "$tmp/single:latest" "$tmp/s" > /dev/null 2>&1 || fail "unpack --single-snapshot"
[ -x "$tmp/s/rootfs/bin/busybox" ] && [ "$(cat "$tmp/s/rootfs/b")" = b ] && [ ! -e "$tmp/s/rootfs/a" ] \
  || fail "--single-snapshot content"

# --ignore-path and --ignore-var-run (default true): what a RUN writes there
# is left out of the snapshot; --ignore-var-run=false records /var/run.
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /var/run /ignored /kept && echo r > /var/run/x && echo i > /ignored/y && echo k > /kept/z"]\n' \
  > "$ctx/Dockerfile"
for variant in default ignore-path var-run-false; do
  case $variant in
    default) flags= ;;
    ignore-path) flags="--ignore-path=/ignored" ;;
    var-run-false) flags="--ignore-var-run=false" ;;
  esac
  # shellcheck disable=SC2086
  kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/ign-$variant" $flags \
    || { cat "$tmp/log"; fail "ignore build ($variant)"; }
  d=$(jq -r '.manifests[0].digest' "$tmp/ign-$variant/index.json" | cut -d: -f2)
  l=$(jq -r '.layers[-1].digest' "$tmp/ign-$variant/blobs/sha256/$d" | cut -d: -f2)
  tar -tzf "$tmp/ign-$variant/blobs/sha256/$l" | sed 's,^\./,,; s,/$,,' | sort > "$tmp/ign-$variant.list"
  grep -qx 'kept/z' "$tmp/ign-$variant.list" || fail "$variant: kept/z missing: $(cat "$tmp/ign-$variant.list")"
  case $variant in
    default)
      grep -qx 'ignored/y' "$tmp/ign-$variant.list" || fail "default: ignored/y missing"
      ! grep -q '^var/run' "$tmp/ign-$variant.list" || fail "default: /var/run was snapshotted" ;;
    ignore-path)
      ! grep -q '^ignored' "$tmp/ign-$variant.list" || fail "--ignore-path: /ignored was snapshotted" ;;
    var-run-false)
      grep -qx 'var/run/x' "$tmp/ign-$variant.list" || fail "--ignore-var-run=false: var/run/x missing" ;;
  esac
done

# A failing step: its number, line and exit status, and no output.
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "exit 3"]\n' > "$ctx/Dockerfile"
if kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/oci-fail"; then fail "failing RUN succeeded"; fi
grep -q 'RUN step 2 (Dockerfile:3) failed: exit status 3' "$tmp/log" || fail "exit status: $(cat "$tmp/log")"
[ ! -e "$tmp/oci-fail" ] || fail "layout written by a failed build"

# FROM a registry image + RUN (the base is unpacked into the stage root).
if [ -n "${KN_LAB_DIR:-}" ] && [ -x "$KN_LAB_DIR/make-busybox-base.sh" ]; then
  start_registry
  push_busybox_base base/busybox
  printf 'FROM %s/base/busybox:index\nRUN echo "$(ls /bin | wc -l) applets" > /count.txt && rm /bin/vi\n' "$REG" \
    > "$ctx/Dockerfile"
  kbuild --context "$ctx" --destination "$REG/out/run:v1" --digest-file "$tmp/digest" \
    || { cat "$tmp/log"; fail "FROM registry + RUN"; }
  n=$(skopeo inspect --tls-verify=false "docker://$REG/base/busybox:latest" | jq '.Layers | length')
  skopeo inspect --tls-verify=false "docker://$REG/out/run:v1" | jq -e --argjson n "$n" '.Layers | length == $n + 1' \
    > /dev/null || fail "FROM registry + RUN: layers"
  skopeo copy -q --src-tls-verify=false "docker://$REG/out/run:v1" "oci:$tmp/pulled:x"
  umoci unpack --image "$tmp/pulled:x" "$tmp/p" > /dev/null 2>&1 || fail "unpack pushed image"
  grep -q applets "$tmp/p/rootfs/count.txt" || fail "count.txt"
  [ ! -e "$tmp/p/rootfs/bin/vi" ] && [ -e "$tmp/p/rootfs/bin/sh" ] || fail "whiteout of /bin/vi"
fi
echo "PASS: build-run"
