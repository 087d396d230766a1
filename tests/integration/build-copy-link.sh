#!/bin/sh
# COPY --link (BuildKit semantics): the layer is made from the sources alone,
# in an empty directory, and then applied to the stage root.
# - two builds FROM different bases (the second has /app as a symlink to
#   /real, a different /etc/passwd with the same "app" user, other files)
#   give the same digest for the --link layers (--reproducible);
# - the symlink /app of the base is not followed: the layer holds app/ as a
#   directory (0755, root) and, applied, /app becomes a directory;
# - a WORKDIR-relative dest lands below WORKDIR, with parents created;
# - --chown=app:app resolves the name from the stage's /etc/passwd;
# - later RUN steps see the files as if the layer was applied.
set -eu
. "$(dirname "$0")/build-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (RUN steps chroot)"; exit 77; }
need skopeo jq tar
start_registry
push_busybox_base base/busybox

# Base 2: /app is a symlink to /real, an extra file, another passwd line order.
b2="$tmp/base2"
mkdir -p "$b2"
cat > "$b2/Dockerfile" <<DF
FROM $REG/base/busybox:latest
RUN mkdir -p /real /work && ln -s /real /app && echo other > /other.txt \\
 && echo 'app:x:1000:1000::/:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group
DF
"$KANIKO" build --kaniko-dir "$tmp/kaniko-b2" --context "$b2" --insecure --insecure-pull \
  --destination "$REG/base/linkbase:latest" > "$tmp/log-b2" 2>&1 || { cat "$tmp/log-b2"; fail "base 2 build"; }

ctx="$tmp/ctx"
mkdir -p "$ctx/dir/sub"
echo "linked" > "$ctx/file.txt"
echo "nested" > "$ctx/dir/sub/nested.txt"
ln -s sub/nested.txt "$ctx/dir/rel-link"
for n in 1 2; do
  if [ $n = 1 ]; then
    pre="RUN echo 'app:x:1000:1000::/:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group"
    base=$REG/base/busybox:latest
  else
    pre="RUN true"
    base=$REG/base/linkbase:latest
  fi
  cat > "$ctx/Dockerfile.$n" <<DF
FROM $base
$pre
WORKDIR /work
COPY --link file.txt /app/
COPY --link dir sub/
COPY --link --chown=app:app --chmod=640 file.txt /owned/deep/f
RUN test -d /app && ! test -L /app && test "\$(cat /app/file.txt)" = linked \\
 && test "\$(cat /work/sub/sub/nested.txt)" = nested && test -L /work/sub/rel-link \\
 && test "\$(stat -c '%u:%g %a' /owned/deep/f)" = "1000:1000 640" \\
 && ls -la /app /work/sub /owned/deep > /listing
DF
  "$KANIKO" build --kaniko-dir "$tmp/kaniko-$n" --context "$ctx" --dockerfile "$ctx/Dockerfile.$n" \
    --insecure-pull --no-push --reproducible --oci-layout-path "$tmp/oci-$n" > "$tmp/log-$n" 2>&1 \
    || { cat "$tmp/log-$n"; fail "build $n failed"; }
done

layers() {  # layers N: the layer digests of build N, one a line
  m=$(jq -r '.manifests[0].digest' "$tmp/oci-$1/index.json" | cut -d: -f2)
  jq -r '.layers[].digest' "$tmp/oci-$1/blobs/sha256/$m" | cut -d: -f2
}
layers 1 > "$tmp/l1"
layers 2 > "$tmp/l2"
n1=$(wc -l < "$tmp/l1") n2=$(wc -l < "$tmp/l2")
# the last four layers: three COPY --link and the RUN
link1=$(tail -4 "$tmp/l1" | head -3) link2=$(tail -4 "$tmp/l2" | head -3)
[ "$n1" -ge 5 ] && [ "$n2" -ge 6 ] || fail "unexpected layer counts $n1 $n2"
[ "$link1" = "$link2" ] || fail "COPY --link layers differ between bases:
$link1
--
$link2"

# Layer contents: app/ is a directory owned by root (never the base's symlink).
first=$(echo "$link1" | head -1)
tar --numeric-owner -tvzf "$tmp/oci-1/blobs/sha256/$first" > "$tmp/t1" 2>/dev/null \
  || tar --numeric-owner -tvf "$tmp/oci-1/blobs/sha256/$first" > "$tmp/t1"
grep -q '^drwxr-xr-x 0/0 .* app/$' "$tmp/t1" || { cat "$tmp/t1"; fail "app/ is not a 0755 root directory in the layer"; }
grep -q ' app/file.txt$' "$tmp/t1" || { cat "$tmp/t1"; fail "app/file.txt missing from the layer"; }
[ "$(wc -l < "$tmp/t1")" = 2 ] || { cat "$tmp/t1"; fail "the first --link layer should hold app/ and app/file.txt only"; }
second=$(echo "$link1" | sed -n 2p)
tar --numeric-owner -tvzf "$tmp/oci-1/blobs/sha256/$second" > "$tmp/t2"
grep -q ' work/sub/sub/nested.txt$' "$tmp/t2" || { cat "$tmp/t2"; fail "WORKDIR-relative dest"; }
third=$(echo "$link1" | sed -n 3p)
tar --numeric-owner -tvzf "$tmp/oci-1/blobs/sha256/$third" > "$tmp/t3"
grep -q '^-rw-r----- 1000/1000 .* owned/deep/f$' "$tmp/t3" || { cat "$tmp/t3"; fail "--chown by name / --chmod"; }
echo "PASS: COPY --link layers identical across bases ($(echo "$link1" | tr '\n' ' '))"
