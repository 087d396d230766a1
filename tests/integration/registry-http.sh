#!/bin/sh
# The docker registry plugin against a plain-HTTP docker-registry: pull the
# five tags made by make-busybox-base.sh (OCI/Docker manifests, OCI index,
# Docker list) with digest checks, ranged blob reads, then push blobs
# (monolithic, chunked, mounted), a config and manifests, checked with skopeo.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
command -v skopeo >/dev/null || kn_skip "skopeo is not installed"
command -v umoci >/dev/null || kn_skip "umoci is not installed"

start_registry plain
R=127.0.0.1:$PORT
WORK=$WORKDIR/base "$KN_LAB_DIR/make-busybox-base.sh" "$R" >/dev/null 2>&1 || fail "make-busybox-base.sh"
cd "$WORKDIR"

# --- pull: every tag, media type and digest as skopeo sees them
for pair in latest:application/vnd.oci.image.manifest.v1+json oci:application/vnd.oci.image.manifest.v1+json \
            docker:application/vnd.docker.distribution.manifest.v2+json \
            index:application/vnd.oci.image.index.v1+json \
            list:application/vnd.docker.distribution.manifest.list.v2+json; do
  tag=${pair%%:*}; mt=${pair#*:}
  skopeo inspect --tls-verify=false --raw "docker://$R/base/busybox:$tag" >"ref-$tag.json"
  tool --insecure manifest "$R" base/busybox "$tag" "m-$tag.json"
  expect_ok "pull manifest :$tag"
  [ "$OUT" = "$mt $(sha "ref-$tag.json")" ] || fail "tag $tag: got \"$OUT\", want \"$mt $(sha "ref-$tag.json")\""
  cmp -s "m-$tag.json" "ref-$tag.json" || fail "tag $tag: body differs from skopeo's"
  # by digest too
  tool --insecure manifest "$R" base/busybox "$(sha "ref-$tag.json")"
  expect_ok "pull manifest :$tag by digest"
done
# index and list: the platform manifests they point at
for tag in index list; do
  d=$(jq -r '.manifests[0].digest' "m-$tag.json")
  tool --insecure manifest "$R" base/busybox "$d" "child-$tag.json"
  expect_ok "pull the manifest :$tag points at"
  [ "$(sha "child-$tag.json")" = "$d" ] || fail "child of $tag has the wrong digest"
done
tool --insecure manifest "$R" base/busybox nosuchtag
expect_fail "pull a missing tag"; expect_err "ENOTFOUND"

# --- blobs: layer and config, verified, and a ranged read
L=$(jq -r '.layers[0].digest' m-docker.json)
C=$(jq -r '.config.digest' m-docker.json)
tool --insecure blob "$R" base/busybox "$L" layer.gz
expect_ok "pull layer blob"
[ "$(sha layer.gz)" = "$L" ] || fail "layer digest"
tool --insecure blob "$R" base/busybox "$C" config.json
expect_ok "pull config blob"
[ "$(sha config.json)" = "$C" ] || fail "config digest"
head -c 1000 layer.gz >part.gz
tool --insecure blob "$R" base/busybox "$L" part.gz 1000
expect_ok "pull layer from offset 1000"
cmp -s part.gz layer.gz || fail "ranged read + head differs from the layer"
tool --insecure stat "$R" base/busybox "$L"
expect_ok "stat present blob"; [ "$OUT" = "$(stat -c %s layer.gz)" ] || fail "size $OUT"
tool --insecure stat "$R" base/busybox sha256:0123456789012345678901234567890123456789012345678901234567890123
[ "$RC" -eq 3 ] && [ "$OUT" = absent ] || fail "stat absent blob"; ok "stat absent blob"
tool --insecure blob "$R" base/busybox sha256:0123456789012345678901234567890123456789012345678901234567890123 x
expect_fail "pull a missing blob"; expect_err "ENOTFOUND"

# --- without --insecure: a loopback registry still falls back to http (as
# go-containerregistry does), a named one does not
tool manifest "$R" base/busybox latest
expect_ok "loopback plain-HTTP registry without --insecure"
tool manifest "kn-no-such-host.invalid:$PORT" base/busybox latest
expect_fail "unknown host"; expect_err "kn-no-such-host.invalid"

# --- push: monolithic, chunked, config, manifest
head -c 200000 /dev/urandom >small.bin
head -c 2500000 /dev/urandom >big.bin
tool --insecure push-blob "$R" t/app small.bin
expect_ok "push monolithic blob"
[ "$OUT" = "$(sha small.bin)" ] || fail "digest"
# https probe + http ping, HEAD, POST, PUT
[ "$(requests)" = 5 ] || fail "monolithic upload took $(requests) requests, want 5"
tool --insecure --chunk 1000000 push-blob "$R" t/app big.bin
expect_ok "push chunked blob (3 PATCH)"
# https probe + http ping, HEAD, POST, 3 x PATCH, PUT
[ "$(requests)" = 8 ] || fail "chunked upload took $(requests) requests, want 8"
tool --insecure push-blob "$R" t/app small.bin
expect_ok "push an existing blob"
[ "$(requests)" = 3 ] || fail "existing blob took $(requests) requests, want 3 (only HEAD)"
tool --insecure push-blob "$R" t/app config.json
expect_ok "push config"
tool --insecure blob "$R" t/app "$(sha big.bin)" big.back
expect_ok "pull the chunked blob back"; cmp -s big.bin big.back || fail "chunked blob differs"

jq -n --arg c "$C" --argjson cs "$(stat -c %s config.json)" \
      --arg l1 "$(sha small.bin)" --argjson s1 200000 --arg l2 "$(sha big.bin)" --argjson s2 2500000 \
  '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
    config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$c, size:$cs},
    layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$l1, size:$s1},
            {mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$l2, size:$s2}]}' >app.json
tool --insecure push-manifest "$R" t/app v1 application/vnd.oci.image.manifest.v1+json app.json
expect_ok "push manifest by tag"
skopeo inspect --tls-verify=false "docker://$R/t/app:v1" >inspect.json 2>&1 || { cat inspect.json; fail "skopeo inspect"; }
ok "skopeo inspect docker://$R/t/app:v1"
[ "$(jq -r .Digest inspect.json)" = "$(sha app.json)" ] || fail "skopeo sees another digest"
[ "$(jq -r '.Layers | join(" ")' inspect.json)" = "$(sha small.bin) $(sha big.bin)" ] || fail "layers"
tool --insecure push-manifest "$R" t/app "$(sha app.json)" application/vnd.oci.image.manifest.v1+json app.json
expect_ok "push manifest by digest"
tool --insecure push-manifest "$R" t/app sha256:0123456789012345678901234567890123456789012345678901234567890123 \
  application/vnd.oci.image.manifest.v1+json app.json
expect_fail "push manifest under a wrong digest"; expect_err "EDIGEST"
tool --insecure push-manifest "$R" t/app docker application/vnd.docker.distribution.manifest.v2+json m-docker.json
expect_fail "push a manifest whose blobs are missing"   # layer not in t/app
tool --insecure manifest "$R" t/app v1
expect_ok "pull pushed manifest"; [ "$OUT" = "application/vnd.oci.image.manifest.v1+json $(sha app.json)" ] || fail "$OUT"

# --- cross-repository mount: no upload
tool --insecure push-blob "$R" t/other big.bin t/app
expect_ok "mount blob from t/app"
# https probe + http ping, HEAD, POST ?mount -> 201
[ "$(requests)" = 4 ] || fail "mount took $(requests) requests, want 4"
tool --insecure stat "$R" t/other "$(sha big.bin)"
expect_ok "mounted blob present"

tool --insecure check-push "$R" t/app
expect_ok "check push"
echo "all passed"
