#!/bin/sh
# bench/build.sh — issue 6: build time and peak RSS of `kaniko build` against
# reference builders (KN_BENCH_REF):
#   buildkit  `DOCKER_BUILDKIT=1 docker build --no-cache --pull --network none`
#             on a PRIVATE dockerd (tests/lab/start-dockerd.sh, overlay2 driver
#             unless KN_BENCH_DOCKER_DRIVER; KN_DOCKERD / KN_DOCKER_CLI pick the
#             binaries), images and build cache pruned before every build so the
#             base is pulled fresh; the image stays in dockerd's store.  Its
#             peak RSS is the daemon's: the sum of VmHWM of dockerd and its
#             descendants alive after the build (containerd), reset through
#             /proc/PID/clear_refs before each build.
#   buildah   Debian's `buildah build --isolation chroot`, overlay storage
#             driver, --layers --no-cache (one layer per step like kaniko), base
#             image pulled fresh every time, result pushed to an OCI layout
#             like ours with --oci-layout-path.
#   auto (default): both when a private dockerd starts, else buildah alone
#   (with one line saying why BuildKit is absent); both: both or fail.
# Time targets apply to the BuildKit ratio when BuildKit ran, else to buildah's.
#
# Cases (sizes by environment; defaults are small, the full run in brackets):
#   a  a small multi-step Dockerfile FROM the lab busybox base
#   b  KN_BENCH_FILES small files [20000] + one incompressible file of
#      KN_BENCH_BIG bytes [200 MB] copied in, then a RUN modifying 1000 of them
#   c  a RUN creating KN_BENCH_NEW files [20000] in a root of
#      KN_BENCH_ROOT files [100000], --snapshot-mode=full and =overlay; and a
#      RUN creating 10 files in the same root (overlay: cost ~ the change)
#   d  a COPY of a KN_BENCH_COPY-byte context [1 GiB]
#   KN_BENCH_FILES=20000 KN_BENCH_BIG=200000000 KN_BENCH_NEW=20000 \
#   KN_BENCH_ROOT=100000 KN_BENCH_COPY=1073741824 bench/build.sh
# KN_BENCH_CASES (default "a b c d") runs only the cases named.
# Targets (issue 6): a no slower than the reference; b >= 4x faster than
# BuildKit (buildah when BuildKit is absent); c with overlay the snapshot cost
# proportional to the change; peak RSS < 128 MiB in every case.
# Needs root, buildah (unless KN_BENCH_REF=buildkit), skopeo, umoci, jq,
# busybox, docker-registry; for BuildKit Debian's docker.io (dockerd and its
# 20.10 CLI; a CLI >= 23 needs the buildx plugin).
. "$(dirname "$0")/bench-lib.sh"
FILES=${KN_BENCH_FILES:-5000}
BIG=${KN_BENCH_BIG:-50000000}
NEW=${KN_BENCH_NEW:-5000}
ROOTN=${KN_BENCH_ROOT:-25000}
COPY=${KN_BENCH_COPY:-268435456}
MODIFY=1000
CASES=" ${KN_BENCH_CASES:-a b c d} "
has() { case $CASES in *" $1 "*) return 0 ;; esac; return 1; }
[ "$MODIFY" -le "$FILES" ] || MODIFY=$FILES
[ -x "$KANIKO" ] || die "build first: make -C $KN_TOP_BUILDDIR kaniko"
[ "$(id -u)" = 0 ] || die "run as root (RUN steps chroot; buildah is rootful)"
need skopeo umoci jq busybox python3
REFMODE=${KN_BENCH_REF:-auto}
case $REFMODE in
  auto|both|buildah) need buildah ;;
  buildkit) ;;
  *) die "KN_BENCH_REF must be auto, buildah, buildkit or both (not '$REFMODE')" ;;
esac

echo "build bench: $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- BuildKit on a private dockerd
DL= BK_PID= BK_RESET=yes BK_WHY=
DOCKERD=${KN_DOCKERD:-$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)}
DOCKER=${KN_DOCKER_CLI:-}
if [ -z "$DOCKER" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker 2>/dev/null || echo docker); fi
fi
BK_LAB=$KN_LAB_DIR
[ -x "$BK_LAB/start-dockerd.sh" ] || BK_LAB=$KN_TOP_SRCDIR/tests/lab
dk() { DOCKER_HOST=unix://$DL/docker.sock DOCKER_CONFIG=$DL/cli "$DOCKER" "$@"; }
# bk_start: start the private dockerd; 0 running, else BK_WHY says why not.
bk_start() {
  # dockerd's unix sockets (docker.sock, containerd's under exec/) must fit
  # in sun_path: keep the directory short.
  DL=$WORK/dockerd
  [ ${#DL} -le 40 ] || DL=$(mktemp -d /tmp/kn-bd.XXXXXX)/d
  st=0
  DOCKERD=$DOCKERD DOCKER=$DOCKER DRIVER=${KN_BENCH_DOCKER_DRIVER:-overlay2} \
    "$BK_LAB/start-dockerd.sh" "$DL" > "$WORK/dockerd-start.log" 2>&1 || st=$?
  case $st in
    0) ;;
    2) BK_WHY=$(tail -1 "$WORK/dockerd-start.log"); return 1 ;;
    *) BK_WHY="dockerd did not start: $(grep -v '^dockerd exited\|^dockerd did not' "$WORK/dockerd-start.log" | tail -1)"
       return 1 ;;
  esac
  BK_PID=$(cat "$DL/dockerd.pid" 2>/dev/null || cat "$DL/dockerd.launch.pid")
  # A docker CLI >= 23 runs BuildKit builds through the buildx plugin only.
  cv=$(dk version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
  if [ "${cv%%.*}" -ge 23 ] 2>/dev/null && ! dk buildx version > /dev/null 2>&1; then
    BK_WHY="the docker CLI $DOCKER ($cv) has no buildx plugin, which BuildKit needs from 23.0 on (Debian's docker.io 20.10 CLI has it built in)"
    return 1
  fi
  return 0
}
bk_stop() {
  [ -n "$DL" ] || return 0
  "$BK_LAB/stop-dockerd.sh" "$DL" > /dev/null 2>&1 || true
  grep " $DL/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount "$m" 2>/dev/null || true; done
  case $DL in "$WORK"/*) ;; *) rm -rf "${DL%/d}" ;; esac
  DL=
}
# daemon_pids: dockerd and its descendants (its containerd, shims) now.
daemon_pids() {
  ps -e -o pid=,ppid= | awk -v root="$BK_PID" '{ p[$1] = $2 }
    END { for (x in p) { y = x; while ((y in p) && y != root) y = p[y]; if (y == root) print x } }'
}
# daemon_hwm: the sum of VmHWM (KiB) of daemon_pids.
daemon_hwm() {
  for p in $(daemon_pids); do cat "/proc/$p/status" 2>/dev/null; done | awk '/^VmHWM:/ { s += $2 } END { print s + 0 }'
}
bk_clean() {
  dk image prune -af > /dev/null 2>&1 || true
  dk builder prune -af > /dev/null 2>&1 || true
}
# ref_buildkit NAME CONTEXT: DOCKER_BUILDKIT=1 docker build, nothing cached;
# NAME_m is the daemon's peak (daemon_hwm), NAME_cli the CLI's.
ref_buildkit() {
  k_n=$1 k_c=$2
  bk_clean
  for p in $(daemon_pids); do echo 5 2>/dev/null > "/proc/$p/clear_refs" || BK_RESET=no; done
  measure "$k_n" env DOCKER_BUILDKIT=1 DOCKER_HOST="unix://$DL/docker.sock" DOCKER_CONFIG="$DL/cli" \
    "$DOCKER" build --no-cache --pull --network none -t kn-bench:latest "$k_c"
  eval "${k_n}_cli=\$${k_n}_m ${k_n}_m=$(daemon_hwm)"
  bk_clean
}

REFS=
case $REFMODE in
  buildah) REFS=buildah ;;
  auto|both|buildkit)
    if bk_start; then
      case $REFMODE in buildkit) REFS=buildkit ;; *) REFS="buildkit buildah" ;; esac
    else
      bk_stop
      [ "$REFMODE" = auto ] || die "KN_BENCH_REF=$REFMODE: BuildKit is not available: $BK_WHY"
      REFS=buildah
    fi ;;
esac
case " $REFS " in *" buildkit "*)
  echo "reference buildkit: dockerd $(dk version --format '{{.Server.Version}}' 2>/dev/null)," \
    "CLI $DOCKER $(dk version --format '{{.Client.Version}}' 2>/dev/null)," \
    "$(dk info --format '{{.Driver}}' 2>/dev/null) driver; DOCKER_BUILDKIT=1 docker build --no-cache --pull," \
    "images and build cache pruned before each build" ;;
esac
case " $REFS " in *" buildah "*)
  echo "reference buildah: $(buildah --version) --isolation chroot, overlay driver, --layers --no-cache" ;;
esac
[ -z "$BK_WHY" ] || echo "reference buildkit: absent: $BK_WHY"
TREF=${REFS%% *}
start_registry
WORK="$WORK/base" "$KN_LAB_DIR/make-busybox-base.sh" "$REG" base/busybox > "$WORK/base.log" 2>&1 \
  || die "make-busybox-base.sh: $(tail -5 "$WORK/base.log")"
BASE=$REG/base/busybox:latest

# ours NAME CONTEXT [ARGS...]: kaniko build, fresh kaniko dir, OCI layout out;
# REPS times (default 1), keeping the fastest time and the largest RSS.
REPS=1
# snapcost LOG: seconds the build spent on snapshots and layer writes, from
# its --verbosity=debug lines "snapshot: N changes in X ms (mode)" and
# "layer: sha256:... N entries, B bytes in Y ms"; empty without them.
snapcost() {
  awk '/snapshot: [0-9]+ changes in [0-9.]+ ms/ { for (i = 1; i < NF; i++) if ($i == "in" && $(i + 1) ~ /^[0-9.]+$/) { t += $(i + 1); n++ } }
       /layer: sha256:[0-9a-f]+ [0-9]+ entries,/ { for (i = 1; i < NF; i++) if ($i == "in" && $(i + 1) ~ /^[0-9.]+$/) { t += $(i + 1) } }
       END { if (n) printf "%.3f", t / 1000 }' "$1"
}

ours() {
  o_n=$1 o_c=$2; shift 2
  o_r=0 o_bt= o_bm=0
  while [ $o_r -lt $REPS ]; do
    rm -rf "$WORK/kaniko" "$WORK/out-$o_n"
    measure "$o_n" "$KANIKO" build --kaniko-dir "$WORK/kaniko" --context "$o_c" --insecure-pull --no-push \
      --oci-layout-path "$WORK/out-$o_n" "$@"
    eval "o_t=\$${o_n}_t o_m=\$${o_n}_m"
    if [ -z "$o_bt" ] || awk -v a="$o_t" -v b="$o_bt" 'BEGIN { exit !(a < b) }'; then o_bt=$o_t; fi
    o_s=$(snapcost "$WORK/$o_n.out")
    if [ -n "$o_s" ]; then
      eval "o_bs=\${${o_n}_s:-}"
      if [ -z "$o_bs" ] || awk -v a="$o_s" -v b="$o_bs" 'BEGIN { exit !(a < b) }'; then eval "${o_n}_s=$o_s"; fi
    fi
    [ "$o_m" -gt "$o_bm" ] && o_bm=$o_m
    o_r=$((o_r + 1))
  done
  eval "${o_n}_t=$o_bt ${o_n}_m=$o_bm"
  rm -rf "$WORK/kaniko" "$WORK/out-$o_n"
}
# refs NAME CONTEXT: every reference in REFS, as NAME_buildkit, NAME_buildah.
refs() { for rr in $REFS; do "ref_$rr" "${1}_$rr" "$2"; done; }
# ref_buildah NAME CONTEXT: buildah (the recipe of
# ../shared/lab/build-with-buildah.sh with LAYERS=1 DRIVER=overlay FRESH=1),
# fresh private storage every time.
ref_buildah() {
  r_n=$1 r_c=$2 st=$WORK/containers
  ref_clean
  mkdir -p "$st"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' "$st" "$st" > "$st/storage.conf"
  measure "$r_n" env CONTAINERS_STORAGE_CONF="$st/storage.conf" BUILDAH_ISOLATION=chroot sh -c '
    buildah build -q --isolation chroot --tls-verify=false --format oci --identity-label=false \
      --timestamp 0 --layers --no-cache -t localhost/kn-bench:latest "$1" &&
    buildah push -q localhost/kn-bench:latest "oci:$2:latest"' sh "$r_c" "$WORK/rout-$r_n"
  ref_clean
}
ref_clean() {
  st=$WORK/containers
  if [ -f "$st/storage.conf" ]; then
    CONTAINERS_STORAGE_CONF="$st/storage.conf" buildah rm -a > /dev/null 2>&1 || true
    CONTAINERS_STORAGE_CONF="$st/storage.conf" buildah rmi -a -f > /dev/null 2>&1 || true
    grep " $st/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount "$m" 2>/dev/null || true; done
  fi
  rm -rf "$st" "$WORK"/rout-*
}
trap 'ref_clean; bk_stop; if [ -n "${KN_BENCH_KEEP:-}" ]; then echo "kept $WORK"; else bench_cleanup; fi' EXIT

# tree DIR N BYTES_EACH: N small files in DIR/dNN/fNNNNN (100 directories).
tree() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, n, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    sub = "%s/d%02d" % (d, i % 100)
    if i < 100: os.makedirs(sub, exist_ok=True)
    with open("%s/f%06d" % (sub, i), "wb") as f: f.write(os.urandom(b))
PY
}

# (a) a small multi-step Dockerfile.
A=$WORK/ctx-a
mkdir -p "$A/conf"
echo "application" > "$A/app.txt"
printf 'key=value\n' > "$A/conf/app.conf"
cat > "$A/Dockerfile" <<DF
FROM $BASE
ARG GREETING=hello
ENV APP=/app PATH=/usr/local/bin:/usr/bin:/bin
WORKDIR /app
COPY app.txt ./
COPY conf/ /etc/app/
RUN echo "\$GREETING" > /app/greeting && mkdir -p /var/log/app && ls /etc/app > /app/conf.list
RUN echo 'app:x:1000:1000::/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group
RUN wc -c /app/app.txt > /app/size && rm /app/conf.list
LABEL org.example.bench=a
CMD ["/bin/sh"]
DF

# (b) FILES small files + one incompressible BIG file, then a RUN modifying 1000.
B=$WORK/ctx-b
mkdir -p "$B/small"
tree "$B/small" "$FILES" 512
random_file "$B/big.bin" "$BIG"
cat > "$B/Dockerfile" <<DF
FROM $BASE
COPY . /ctx/
RUN find /ctx/small -type f | sort | head -n $MODIFY | while read -r f; do echo changed >> "\$f"; done
DF

# (c) a base image with ROOTN files (built and pushed by us, not timed).
if has c; then
C=$WORK/ctx-c
mkdir -p "$C/root"
tree "$C/root" "$ROOTN" 64
printf 'FROM %s\nCOPY root/ /data/\n' "$BASE" > "$C/Dockerfile"
"$KANIKO" build --kaniko-dir "$WORK/kaniko" --context "$C" --destination "$REG/base/big:latest" --insecure \
  > "$WORK/big-base.log" 2>&1 || die "building the $ROOTN-file base: $(tail -5 "$WORK/big-base.log")"
rm -rf "$WORK/kaniko" "$C"
for k in 0 10 "$NEW"; do
  mkdir -p "$WORK/ctx-c$k"
  if [ "$k" = 0 ]; then
    printf 'FROM %s\nRUN true\n' "$REG/base/big:latest" > "$WORK/ctx-c$k/Dockerfile"
  else
    printf 'FROM %s\nRUN mkdir /new && cd /new && for i in $(seq 1 %s); do echo $i > f$i; done\n' \
      "$REG/base/big:latest" "$k" > "$WORK/ctx-c$k/Dockerfile"
  fi
done
fi

# (d) a large context copied in.
D=$WORK/ctx-d
mkdir -p "$D/big"
if has d; then
for i in 1 2 3 4; do random_file "$D/big/part$i" $((COPY / 4)); done
fi
printf 'FROM %s\nCOPY big/ /big/\n' "$BASE" > "$D/Dockerfile"
sync

sz=
if has b; then sz="$sz; b $FILES files + $BIG bytes, modify $MODIFY"; fi
if has c; then sz="$sz; c $NEW new files in a root of $ROOTN"; fi
if has d; then sz="$sz; d $COPY bytes"; fi
echo "cases:$CASES${sz:+sizes: ${sz#; }}"
if has a; then ours a "$A";  refs ra "$A"; fi
if has b; then ours b "$B";  refs rb "$B"; fi
REPS=${KN_BENCH_REPS:-1}
if has c; then
for m in full overlay; do
  ours "c0$m" "$WORK/ctx-c0" --snapshot-mode $m --verbosity=debug
  ours "c1$m" "$WORK/ctx-c10" --snapshot-mode $m --verbosity=debug
  ours "cM$m" "$WORK/ctx-c$NEW" --snapshot-mode $m --verbosity=debug
done
REPS=1
refs rcM "$WORK/ctx-c$NEW"
fi
if has d; then ours d "$D";  refs rd "$D"; fi

# rows CASE OURS REF TIME_TARGET RSS_LIMIT: one row per reference; the
# targets on the first (BuildKit when it ran), the others for information.
rows() {
  if [ "$3" = - ]; then ROW_REF=-; row "$1" "$2" - "$4" "$5"; return; fi
  rw_first=1
  for rr in $REFS; do
    ROW_REF=$rr
    if [ $rw_first = 1 ]; then row "$1" "$2" "${3}_$rr" "$4" "$5"; rw_first=0
    else row "$1" "$2" "${3}_$rr" - -; fi
  done
}
header "build (issue 6); references: $(echo $REFS | sed 's/ /, /g'); time targets on $TREF" ref
if has a; then rows "a small multi-step" a ra 1 128; fi
if has b; then rows "b $FILES files+$((BIG / 1000000))MB, RUN modifies $MODIFY" b rb 0.25 128; fi
if has c; then
rows "c full: FROM $ROOTN files, RUN true" c0full - - 128
rows "c full: RUN +10 files" c1full - - 128
rows "c full: RUN +$NEW files" cMfull rcM - 128
rows "c overlay: FROM $ROOTN files, RUN true" c0overlay - - 128
rows "c overlay: RUN +10 files" c1overlay - - 128
rows "c overlay: RUN +$NEW files" cMoverlay rcM - 128
fi
if has d; then rows "d COPY $((COPY / 1048576)) MiB context" d rd - 128; fi
echo
if [ "$TREF" = buildah ]; then
  if [ -n "$BK_WHY" ]; then why="absent, see above"; else why="KN_BENCH_REF=$REFMODE"; fi
  echo "time targets apply to the buildah ratios: BuildKit did not run ($why)"
elif [ "$REFS" = buildkit ]; then
  echo "time targets apply to the BuildKit ratios"
else
  echo "time targets apply to the BuildKit ratios (buildah rows: information)"
fi
echo "MiB: ours and buildah: the largest single process of the command (/usr/bin/time %M)"
case " $REFS " in *" buildkit "*)
  clis=
  for n in ra rb rcM rd; do
    eval "v=\${${n}_buildkit_cli:-}"
    [ -z "$v" ] || clis="$clis ${n#r} $(mib "$v")"
  done
  if [ "$BK_RESET" = yes ]; then hw="reset through /proc/PID/clear_refs before each build"
  else hw="NOT reset (clear_refs refused): the daemon's lifetime peak"; fi
  echo "MiB buildkit: the daemon's, sum of VmHWM of dockerd + descendants alive after the build" \
    "(containerd; RUN's runc processes have exited and are not counted), $hw;" \
    "the docker CLI's own peak (MiB):$clis" ;;
esac
if has c; then
# (c) The cost of a change: the snapshot and layer-write times the engine
# logs at --verbosity=debug ("snapshot: N changes in X ms", "layer: ... in
# Y ms"; fastest of KN_BENCH_REPS runs).  Fallback when a build did not log
# them (an older kaniko): the build time minus that of the same build with
# `RUN true` (the base is unpacked for both).  The full-mode walk of the
# unchanged root shows as "RUN true" full minus overlay.
how="snapshot + layer write from the debug log"
for n in c0full c1full cMfull c0overlay c1overlay cMoverlay; do
  eval "[ -n \"\${${n}_s:-}\" ]" || how=""
done
if [ -n "$how" ]; then
  secs() { eval "awk -v a=\$${1}_s 'BEGIN { printf \"%.2f\", a }'"; }
  dif() { eval "awk -v a=\$${1}_s -v b=\$${2}_s 'BEGIN { d = a - b; if (d < 0) d = 0; printf \"%.2f\", d }'"; }
  f1=$(secs c1full) fM=$(secs cMfull) o1=$(secs c1overlay) oM=$(secs cMoverlay)
  w=$(dif c0full c0overlay)
else
  how="build minus RUN-true build"
  cost() { eval "awk -v a=\$${1}_t -v b=\$${2}_t 'BEGIN { d = a - b; if (d < 0) d = 0; printf \"%.2f\", d }'"; }
  f1=$(cost c1full c0full) fM=$(cost cMfull c0full) o1=$(cost c1overlay c0overlay) oM=$(cost cMoverlay c0overlay)
  w=$(cost c0full c0overlay)
fi
echo "c: cost of the change ($how, fastest of $(printf %s "${KN_BENCH_REPS:-1}") runs):" \
  "full +10: ${f1}s, +$NEW: ${fM}s; overlay +10: ${o1}s, +$NEW: ${oM}s;" \
  "full-mode walk of the unchanged root: ${w}s"
# Proportional to the change: a 10-file change costs at most a tenth of a
# $NEW-file change plus 0.1 s of noise.
ok=PASS
awk -v a="$o1" -v b="$oM" 'BEGIN { exit !(a <= b / 10 + 0.1) }' || ok=MISS
[ $ok = PASS ] && PASSES=$((PASSES + 1)) || MISSES=$((MISSES + 1))
echo "c overlay: cost(+10) <= cost(+$NEW)/10 + 0.1 s: $ok"
fi
echo "build bench: $PASSES PASS, $MISSES MISS"
