#!/bin/sh
# Multi-stage builds from scratch: meta ARGs and --build-arg, a stage based on
# another stage, COPY --from by name and by index, a heredoc source, --target,
# and --skip-unused-stages leaving a broken unused stage alone.
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo umoci jq

ctx="$tmp/ctx"
mkdir -p "$ctx"
echo A > "$ctx/a.txt"
echo B > "$ctx/b.txt"
cat > "$ctx/Dockerfile" <<'DF'
ARG VERSION=1.0
FROM scratch AS build
ARG VERSION
COPY a.txt /build/a-${VERSION}.txt
COPY <<EOF /build/heredoc.txt
v=${VERSION}
EOF

FROM build AS derived
ENV X=1
COPY b.txt /build/

FROM scratch AS broken
COPY does-not-exist /

FROM scratch AS final
COPY --from=derived /build/ /app/
COPY --from=0 /build/a-2.0.txt /first.txt
CMD ["/app/run"]
DF

kbuild --context "$ctx" --no-push --build-arg VERSION=2.0 --skip-unused-stages --oci-layout-path "$tmp/oci" \
  || { cat "$tmp/log"; fail "multi-stage build"; }
grep -q "Skipping unused stage 2" "$tmp/log" || fail "stage 2 was not skipped: $(cat "$tmp/log")"
skopeo inspect "oci:$tmp/oci:latest" > "$tmp/inspect.json" || fail "inspect"
[ "$(jq '.Layers | length' "$tmp/inspect.json")" = 2 ] || fail "final stage: want 2 layers"
umoci unpack --rootless --image "$tmp/oci:latest" "$tmp/final" > /dev/null 2>&1 || fail "umoci unpack final"
r="$tmp/final/rootfs"
[ "$(cat "$r/app/a-2.0.txt")" = A ] || fail "app/a-2.0.txt"
[ "$(cat "$r/app/b.txt")" = B ] || fail "app/b.txt"
[ "$(cat "$r/app/heredoc.txt")" = "v=2.0" ] || fail "heredoc: $(cat "$r/app/heredoc.txt")"
[ "$(cat "$r/first.txt")" = A ] || fail "COPY --from=0"
[ ! -e "$r/build" ] || fail "build stage leaked into the final image"

# Without --skip-unused-stages every stage up to the target is built (kaniko).
if kbuild --context "$ctx" --no-push --build-arg VERSION=2.0; then fail "broken stage was not built"; fi
grep -q "Dockerfile:14" "$tmp/log" || fail "error does not name Dockerfile:14: $(cat "$tmp/log")"

# --target: the derived stage (its base stage's layers + its own).
kbuild --context "$ctx" --no-push --target derived --oci-layout-path "$tmp/oci" --destination example.com/t:derived \
  || { cat "$tmp/log"; fail "--target derived"; }
skopeo inspect "oci:$tmp/oci:derived" > "$tmp/inspect.json" || fail "inspect derived"
[ "$(jq '.Layers | length' "$tmp/inspect.json")" = 3 ] || fail "derived: want 3 layers"
jq -e '.Env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "X=1"]' "$tmp/inspect.json" > /dev/null || fail "derived Env: $(jq -c .Env "$tmp/inspect.json")"
umoci unpack --rootless --image "$tmp/oci:derived" "$tmp/derived" > /dev/null 2>&1 || fail "umoci unpack derived"
[ "$(cat "$tmp/derived/rootfs/build/a-1.0.txt")" = A ] || fail "derived: default VERSION"
[ "$(cat "$tmp/derived/rootfs/build/b.txt")" = B ] || fail "derived: b.txt"
# The earlier entry stays in the layout.
skopeo inspect "oci:$tmp/oci:latest" > /dev/null || fail "layout lost the first image"

# ONBUILD triggers of a base stage run first in the stage built on it.
printf 'FROM scratch AS parent\nONBUILD COPY a.txt /onbuild.txt\nONBUILD ENV FROM_TRIGGER=1\nFROM parent\nCOPY b.txt /\n' \
  > "$ctx/Dockerfile"
kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/ob" || { cat "$tmp/log"; fail "ONBUILD"; }
skopeo inspect --config "oci:$tmp/ob:latest" > "$tmp/ob.json" || fail "inspect ONBUILD"
jq -e '.config.Env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_TRIGGER=1"] and (.config.OnBuild // [] | length == 0)' "$tmp/ob.json" > /dev/null \
  || fail "ONBUILD config: $(jq -c .config "$tmp/ob.json")"
umoci unpack --rootless --image "$tmp/ob:latest" "$tmp/obb" > /dev/null 2>&1 || fail "umoci unpack ONBUILD"
[ "$(cat "$tmp/obb/rootfs/onbuild.txt")" = A ] || fail "ONBUILD COPY"
echo "PASS: build-multistage"
