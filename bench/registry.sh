#!/bin/sh
# bench/registry.sh — issue 5: push and pull of one image through the docker
# registry plugin (bench/registry-bench, which drives the plugin's vtable the
# way the build engine does: layers by 4 workers, then config, then
# manifest) against `skopeo copy`, on Debian's docker-registry over loopback.
#
# The image: KN_BENCH_LAYERS layers (default 4) of random, incompressible
# data totalling KN_BENCH_SIZE bytes (default 256 MiB; the full run is
# 1 GiB), gzip level 0 so nobody compresses; an OCI layout.
#   KN_BENCH_SIZE=1073741824 bench/registry.sh
# Needs: docker-registry, skopeo, python3, curl, /usr/bin/time (`time`).
# Targets (issue 5): no slower than skopeo, peak RSS < 64 MiB; a second push
# of the same image < 100 ms with one HEAD per blob and one manifest PUT.
. "$(dirname "$0")/bench-lib.sh"
SIZE=${KN_BENCH_SIZE:-268435456}
LAYERS=${KN_BENCH_LAYERS:-4}
WORKERS=${KN_BENCH_WORKERS:-4}
TOOL=${KN_REGISTRY_BENCH:-$KN_TOP_BUILDDIR/bench/registry-bench}
[ -x "$TOOL" ] || die "build first: make -C $KN_TOP_BUILDDIR bench/registry-bench"
need skopeo python3

echo "registry bench: $LAYERS layers, $SIZE bytes of random data, $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
start_registry
echo "registry: Debian docker-registry $(docker-registry --version 2>/dev/null | awk '{print $NF}') on $REG;" \
  "reference: $(skopeo --version)"

# The OCI layout (python3: tar + gzip level 0 + sha256, streamed).
python3 - "$WORK/img" "$SIZE" "$LAYERS" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out + "/blobs/sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return "sha256:" + d, len(data)
class Tee(io.RawIOBase):
    def __init__(s, f): s.f, s.h, s.n = f, hashlib.sha256(), 0
    def writable(s): return True
    def write(s, b): s.f.write(b); s.h.update(b); s.n += len(b); return len(b)
class Gen(io.RawIOBase):
    def __init__(s, n): s.left = n
    def readable(s): return True
    def readinto(s, b):
        k = min(len(b), s.left, 1 << 20)
        b[:k] = os.urandom(k); s.left -= k; return k
layers, diffs = [], []
for i in range(n):
    part = size // n + (size % n if i == n - 1 else 0)
    tmp = out + "/layer.tmp"
    with open(tmp, "wb") as f:
        outer = Tee(f)
        with gzip.GzipFile(fileobj=outer, mode="wb", compresslevel=0, mtime=0) as gz:
            inner = Tee(gz)
            with tarfile.open(fileobj=inner, mode="w|", format=tarfile.PAX_FORMAT) as t:
                ti = tarfile.TarInfo("data/blob%d.bin" % i); ti.size = part; ti.mode = 0o644
                t.addfile(ti, io.BufferedReader(Gen(part)))
    d = outer.h.hexdigest()
    os.rename(tmp, out + "/blobs/sha256/" + d)
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + d, "size": outer.n})
    diffs.append("sha256:" + inner.h.hexdigest())
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
cd, cs = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                  "layers": layers}).encode()
md, ms = put(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
          open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
du -sh "$WORK/img" | awk '{print "image: " $1 " (OCI layout)"}'
cat "$WORK/img/blobs/sha256/"* > /dev/null   # page cache warm for both sides

# skopeo first, so the registry's disk and cache state is the same for both.
S="--dest-tls-verify=false"
measure ref_push  skopeo copy -q $S "oci:$WORK/img:latest" "docker://$REG/bench/skopeo:latest"
measure ref_push2 skopeo copy -q $S "oci:$WORK/img:latest" "docker://$REG/bench/skopeo:latest"
measure ref_pull  skopeo copy -q --src-tls-verify=false "docker://$REG/bench/skopeo:latest" "oci:$WORK/ref-pull:latest"
measure our_push  "$TOOL" push "$REG" bench/ours latest "$WORK/img" "$WORKERS"
measure our_push2 "$TOOL" push "$REG" bench/ours latest "$WORK/img" "$WORKERS"
measure our_pull  "$TOOL" pull "$REG" bench/ours latest "$WORK/our-pull" "$WORKERS"

# The pulled blobs must be the pushed ones.
for b in "$WORK/img/blobs/sha256/"*; do
  cmp -s "$b" "$WORK/our-pull/blobs/sha256/$(basename "$b")" || die "pulled blob $(basename "$b") differs"
done

blobs=$((LAYERS + 1))
req2=$(awk '{for (i = 1; i < NF; i++) if ($i == "requests") print $(i + 1)}' "$WORK/our_push2.out")
sec2=$(awk '{for (i = 1; i < NF; i++) if ($i == "seconds") print $(i + 1)}' "$WORK/our_push2.out")

header "registry (issue 5): $((SIZE / 1048576)) MiB in $LAYERS layers; reference: skopeo copy"
row "push (blobs absent)" our_push ref_push 1 64
row "push again (blobs present)" our_push2 ref_push2 1 64
row "pull" our_pull ref_pull 1 64
echo
# Second push: < 100 ms (in-process time, without process start-up) and
# at most one HEAD per blob + one manifest PUT + one /v2/ ping for the host
# (2 requests: the https probe and the plain-HTTP answer of this registry).
ok=PASS
awk -v s="$sec2" 'BEGIN { exit !(s < 0.1) }' || ok=MISS
[ "$req2" -le $((blobs + 1 + 2)) ] || ok=MISS
[ $ok = PASS ] && PASSES=$((PASSES + 1)) || MISSES=$((MISSES + 1))
printf 'second push in-process: %ss, %s HTTP requests for %s blobs (target < 0.1 s, <= %s blobs HEAD + 1 manifest PUT + 1 ping): %s\n' \
  "$sec2" "$req2" "$blobs" "$blobs" "$ok"
echo "ours (in-process): $(head -1 "$WORK/our_push.out"); $(head -1 "$WORK/our_pull.out")"
echo "registry bench: $PASSES PASS, $MISSES MISS"
