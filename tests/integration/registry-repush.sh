#!/bin/sh
# Second push of an image whose blobs are all present (issue 5): through
# bench/registry-bench, which pushes like the build engine (layers by 4
# workers, each with its own repository, then config and manifest in another
# one), the second push sends exactly one HEAD per blob, one manifest PUT and
# one /v2/ ping for the host (its https probe + the http answer on this
# plain-HTTP loopback registry): the ping result is shared per host, not
# repeated per repository.
. "$KN_TOP_SRCDIR/tests/integration/registry-lib.sh"
BENCH=$KN_TOP_BUILDDIR/bench/registry-bench
[ -x "$BENCH" ] || { echo "missing $BENCH"; exit 99; }

start_registry plain
R=127.0.0.1:$PORT
cd "$WORKDIR"

# An OCI layout of 4 small random layers + config + manifest.
python3 - img 4 <<'PY'
import hashlib, json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out + "/blobs/sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return "sha256:" + d, len(data)
layers = []
for i in range(n):
    d, s = put(os.urandom(50000 + i))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s})
cd, cs = put(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode())
md, ms = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                         "layers": layers}).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": ms}]}, open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY

bench () {
  RC=0
  "$BENCH" "$@" >"$WORKDIR/out" 2>"$WORKDIR/err" || RC=$?
  OUT=$(cat "$WORKDIR/out"); ERR=$(cat "$WORKDIR/err")
}
field () { echo "$OUT" | awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }

bench push "$R" t/repush latest img 4
expect_ok "first push"
[ "$(field blobs)" = 5 ] || fail "first push: $(field blobs) blobs, want 5"
bench push "$R" t/repush latest img 4
expect_ok "second push"
# 5 HEAD + 1 manifest PUT + 2 (https probe, http ping) once for the host
[ "$(field requests)" = 8 ] || fail "second push took $(field requests) HTTP requests, want 8"
ok "second push: 5 HEAD + 1 PUT + one ping"
# and the image is there
tool --insecure manifest "$R" t/repush latest m.json
expect_ok "pull the pushed manifest"
cmp -s m.json "img/blobs/sha256/$(jq -r '.manifests[0].digest' img/index.json | cut -d: -f2)" \
  || fail "pushed manifest differs"
ok "manifest round trip"
