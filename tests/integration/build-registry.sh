#!/bin/sh
# FROM a registry image: the lab's busybox base under every manifest flavour
# (OCI manifest, Docker schema 2, OCI index, Docker manifest list) on a private
# docker-registry, + COPY/ENV/LABEL, pushed to two destinations; skopeo sees
# the base layers + 1, the merged Env, the labels, the media types kaniko
# keeps (Docker schema 2 stays Docker, OCI stays OCI).  Also a COPY --chown by
# name (the base is unpacked for /etc/passwd) and a stage copied --from.
set -eu
. "$(dirname "$0")/build-lib.sh"
need skopeo jq
start_registry
push_busybox_base base/busybox

ctx="$tmp/ctx"
mkdir -p "$ctx"
echo "from the context" > "$ctx/file.txt"
base_layers=$(skopeo inspect --tls-verify=false "docker://$REG/base/busybox:latest" | jq '.Layers | length')
[ "$base_layers" -ge 1 ] || fail "base has no layers"

for tag in latest oci docker index list; do
  cat > "$ctx/Dockerfile" <<DF
ARG BASE=$REG/base/busybox:$tag
FROM \$BASE
COPY file.txt /srv/file.txt
ENV GREETING="hello world" TAG=$tag
LABEL org.example.tag=$tag
DF
  kbuild --context "$ctx" --destination "$REG/out/one:$tag" --destination "$REG/out/two:$tag" \
    --digest-file "$tmp/digest-$tag" || { cat "$tmp/log"; fail "build FROM :$tag"; }
  digest=$(cat "$tmp/digest-$tag")
  grep -q "Pushed $REG/out/one@$digest" "$tmp/log" || fail "no 'Pushed' line for one: $(cat "$tmp/log")"
  grep -q "Pushed $REG/out/two@$digest" "$tmp/log" || fail "no 'Pushed' line for two"
  for repo in one two; do
    skopeo inspect --tls-verify=false "docker://$REG/out/$repo:$tag" > "$tmp/inspect.json" \
      || fail "skopeo inspect $repo:$tag"
    [ "$(jq -r .Digest "$tmp/inspect.json")" = "$digest" ] || fail "$repo:$tag digest"
    [ "$(jq '.Layers | length' "$tmp/inspect.json")" = $((base_layers + 1)) ] || fail "$repo:$tag layers"
    jq -e --arg t "$tag" '.Env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "GREETING=hello world", "TAG=" + $t] and .Labels == {"org.example.tag": $t}' "$tmp/inspect.json" > /dev/null \
      || fail "$repo:$tag config: $(jq -c '{Env, Labels}' "$tmp/inspect.json")"
  done
  mt=$(skopeo inspect --raw --tls-verify=false "docker://$REG/out/one:$tag" | jq -r .mediaType)
  case $tag in
    docker|list) want=application/vnd.docker.distribution.manifest.v2+json ;;
    *) want=application/vnd.oci.image.manifest.v1+json ;;
  esac
  [ "$mt" = "$want" ] || fail "FROM :$tag gave $mt, want $want"
  # The base layers are the same blobs.
  [ "$(skopeo inspect --tls-verify=false "docker://$REG/out/one:$tag" | jq -c '.Layers[:-1]')" = \
    "$(skopeo inspect --tls-verify=false "docker://$REG/base/busybox:$tag" | jq -c '.Layers')" ] \
    || fail "FROM :$tag: base layers changed"
done

# A base of several layers (pulled in parallel) pushed to a new repository
# (its layers mounted from the base repository).
printf 'FROM %s/out/one:latest\nCOPY file.txt /again.txt\n' "$REG" > "$ctx/Dockerfile"
kbuild --context "$ctx" --destination "$REG/out/three:v1" || { cat "$tmp/log"; fail "FROM a 2-layer image"; }
[ "$(skopeo inspect --tls-verify=false "docker://$REG/out/three:v1" | jq '.Layers | length')" = $((base_layers + 2)) ] \
  || fail "out/three layers"

# COPY --chown=nobody needs the base's /etc/passwd; COPY --from a stage
# built on the registry image.
cat > "$ctx/Dockerfile" <<DF
FROM $REG/base/busybox:docker AS first
COPY --chown=nobody:nogroup file.txt /owned.txt
FROM scratch
COPY --from=first /owned.txt /bin/busybox /out/
COPY --from=$REG/base/busybox:index /etc/group /out/group-from-image
DF
kbuild --context "$ctx" --no-push --oci-layout-path "$tmp/layout" || { cat "$tmp/log"; fail "chown/--from build"; }
need umoci
skopeo copy -q "oci:$tmp/layout:latest" "oci:$tmp/flat:x" || fail "layout copy"
mkdir "$tmp/l"
d=$(jq -r '.manifests[0].digest' "$tmp/flat/index.json" | cut -d: -f2)
layer=$(jq -r '.layers[-2].digest' "$tmp/flat/blobs/sha256/$d" | cut -d: -f2)
tar -tvzf "$tmp/flat/blobs/sha256/$layer" --numeric-owner > "$tmp/listing" || fail "layer listing"
grep -q '65534/65534 .* out/owned.txt$' "$tmp/listing" || fail "owner of owned.txt: $(cat "$tmp/listing")"
grep -q ' out/busybox$' "$tmp/listing" || fail "busybox not copied from the stage"
layer=$(jq -r '.layers[-1].digest' "$tmp/flat/blobs/sha256/$d" | cut -d: -f2)
tar -xzOf "$tmp/flat/blobs/sha256/$layer" out/group-from-image | grep -q '^nogroup:' || fail "COPY --from=image"
echo "PASS: build-registry"
