#!/bin/sh
# --runner=inplace end to end, never on this machine's real "/": as root, in a
# private mount namespace, an overlayfs whose lower layer is "/" and whose
# upper layer is on a tmpfs becomes a container-like root (/proc, /dev, /sys,
# the build tree read-only and a work directory bound into it); kaniko runs
# chrooted into it.  Checked: the refusal without --force outside a detected
# container; a one-stage build (a RUN on "/", a whiteout for a deleted base
# file); a two-stage build where stage 1 does COPY --from stage 0 and its RUN
# sees that "/" was wiped between the stages; --cleanup leaving "/" wiped
# except the ignore list; the host's files untouched.  Big host directories
# are passed as --ignore-path to keep the snapshots and wipes fast.
set -eu
. "$(dirname "$0")/build-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount namespace, overlayfs, chroot)"; exit 77; }
need unshare chroot umoci jq busybox tar

io="$tmp/io"
mkdir -p "$io/ctx1" "$io/ctx2" "$tmp/merged" "$tmp/t"
cp "$(command -v busybox)" "$io/ctx1/busybox"
cp "$(command -v busybox)" "$io/ctx2/busybox"
echo "motd" > "$io/ctx1/motd-test"
cat > "$io/ctx1/Dockerfile" <<'DF'
FROM scratch
COPY busybox /kn/busybox
COPY motd-test /etc/motd-test
RUN ["/kn/busybox","sh","-c","echo hi > /hello && rm -f /etc/motd-test"]
DF
cat > "$io/ctx2/Dockerfile" <<'DF'
FROM scratch AS one
COPY busybox /kn/busybox
RUN ["/kn/busybox","sh","-c","echo one > /stage0-only && echo art > /artifact"]
FROM scratch
COPY --from=one /artifact /artifact
COPY busybox /kn/busybox
RUN ["/kn/busybox","sh","-c","test ! -e /stage0-only && test ! -e /etc/kn-probe && test ! -e /hello && cat /artifact > /seen"]
DF
echo "host sentinel" > "$tmp/sentinel"
passwd_sum=$(sha256sum /etc/passwd)

# Every top-level host directory but a few small ones is ignored (kept and
# never walked); /etc, /mnt, /srv, /media, /boot are really wiped.
ignores=
for e in /* /.[!.]*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  case "${e#/}" in
    etc|mnt|srv|media|boot|proc|sys|dev|.dockerenv) ;;
    *) ignores="$ignores --ignore-path=$e" ;;
  esac
done

cat > "$tmp/inner.sh" <<INNER
set -eu
tmp='$tmp'; io='$io'; m='$tmp/merged'
fail() { echo "FAIL: \$*"; exit 1; }
mount -t tmpfs tmpfs "\$tmp/t"
mkdir "\$tmp/t/u" "\$tmp/t/w"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=\$tmp/t/u,workdir=\$tmp/t/w" "\$m" 2>"\$tmp/mount.err"; then
  echo "SKIP: cannot mount an overlayfs on /: \$(cat "\$tmp/mount.err")"; exit 77
fi
mount -t proc proc "\$m/proc"
mount --rbind /dev "\$m/dev"
mount --rbind /sys "\$m/sys"
for d in '$KN_TOP_SRCDIR' '$KN_TOP_BUILDDIR'; do
  d=\$(realpath "\$d")
  mkdir -p "\$m\$d"
  mount --bind "\$d" "\$m\$d"
  mount -o remount,bind,ro "\$m\$d"
done
mkdir -p "\$m\$io"
mount --bind "\$io" "\$m\$io"
kan() {
  chroot "\$m" env KANIKO_PLUGIN_PATH='$KANIKO_PLUGIN_PATH' '$KANIKO' build --kaniko-dir /kaniko --runner=inplace \
    --no-push $ignores "\$@"
}
# Outside a detected container (no /.dockerenv, no container variable): refused.
rm -f "\$m/.dockerenv" "\$m/run/.containerenv"
if grep -qE ':.*(docker|kubepods|containerd|lxc|libpod|podman|crio|garden)' /proc/1/cgroup /proc/self/cgroup; then
  echo "NOTE: the cgroups name a container runtime: the refusal without --force is not checked here"
else
  rc=0
  env -u container chroot "\$m" env -u container KANIKO_PLUGIN_PATH='$KANIKO_PLUGIN_PATH' '$KANIKO' build \
    --kaniko-dir /kaniko --runner=inplace --no-push --context "\$io/ctx1" --oci-layout-path "\$io/refused" \
    > "\$tmp/refused.log" 2>&1 || rc=\$?
  [ \$rc = 1 ] || { cat "\$tmp/refused.log"; fail "without --force: exit \$rc, not 1"; }
  grep -q "should only be run inside of a container, run with --force" "\$tmp/refused.log" \
    || { cat "\$tmp/refused.log"; fail "without --force: no message"; }
  [ ! -e "\$io/refused" ] || fail "without --force: an output was written"
fi

# One stage on "/".
echo probe > "\$m/etc/kn-probe"
kan --force --context "\$io/ctx1" --oci-layout-path "\$io/oci1" > "\$tmp/log1" 2>&1 || { cat "\$tmp/log1"; fail "build 1"; }
[ "\$(cat "\$m/hello")" = hi ] || fail "RUN did not run on /"
[ ! -e "\$m/etc/motd-test" ] || fail "/etc/motd-test not deleted"
[ -e "\$m/etc/kn-probe" ] || fail "the first stage wiped /"
# --snapshot-mode=overlay cannot snapshot "/": full, with a warning.
rm -f "\$m/hello"
kan --force --snapshot-mode=overlay --context "\$io/ctx1" --oci-layout-path "\$io/oci1o" > "\$tmp/log1o" 2>&1 \
  || { cat "\$tmp/log1o"; fail "build 1 with --snapshot-mode=overlay"; }
grep -q "snapshot-mode=overlay cannot snapshot / (--runner=inplace): using full" "\$tmp/log1o" \
  || { cat "\$tmp/log1o"; fail "no overlay warning"; }
[ "\$(cat "\$m/hello")" = hi ] || fail "overlay mode: RUN did not run on /"

# Two stages, --cleanup.
rc=0
kan --force --cleanup --context "\$io/ctx2" --oci-layout-path "\$io/oci2" > "\$tmp/log2" 2>&1 || rc=\$?
[ \$rc = 0 ] || { cat "\$tmp/log2"; fail "build 2 (exit \$rc)"; }
grep -q "Deleted the filesystem of the previous stage" "\$tmp/log2" || fail "no wipe between the stages"
for p in etc hello kn seen artifact stage0-only mnt; do
  [ ! -e "\$m/\$p" ] && [ ! -L "\$m/\$p" ] || fail "--cleanup left /\$p"
done
for p in kaniko/blobs proc/self dev/null usr/bin "\$io/ctx2/Dockerfile" '$KN_TOP_BUILDDIR'; do
  [ -e "\$m/\${p#/}" ] || fail "--cleanup removed the kept /\${p#/}"
done
INNER
rc=0
unshare -m --propagation private sh "$tmp/inner.sh" || rc=$?
[ $rc = 0 ] || exit $rc

# The host is untouched.
[ "$(cat "$tmp/sentinel")" = "host sentinel" ] || fail "the host's sentinel changed"
[ "$(sha256sum /etc/passwd)" = "$passwd_sum" ] || fail "the host's /etc/passwd changed"
[ ! -e /hello ] && [ ! -e /seen ] && [ ! -e /kn ] && [ ! -e /etc/kn-probe ] || fail "files appeared on the host's /"
[ -e /etc/hostname ] || [ -e /etc/passwd ] || fail "the host's /etc is gone"

# The images.
umoci unpack --image "$io/oci1:latest" "$tmp/u1" > /dev/null 2>&1 || fail "umoci unpack oci1"
[ "$(cat "$tmp/u1/rootfs/hello")" = hi ] || fail "image 1: /hello"
[ -x "$tmp/u1/rootfs/kn/busybox" ] || fail "image 1: /kn/busybox"
[ ! -e "$tmp/u1/rootfs/etc/motd-test" ] || fail "image 1: /etc/motd-test not deleted"
[ ! -e "$tmp/u1/rootfs/etc/kn-probe" ] || fail "image 1: holds the container's own /etc/kn-probe"
wh=0
for b in "$io"/oci1/blobs/sha256/*; do
  if tar tzf "$b" 2>/dev/null | grep -q '^etc/\.wh\.motd-test$'; then wh=1; fi
done
[ $wh = 1 ] || fail "image 1: no whiteout etc/.wh.motd-test"
umoci unpack --image "$io/oci2:latest" "$tmp/u2" > /dev/null 2>&1 || fail "umoci unpack oci2"
[ "$(cat "$tmp/u2/rootfs/artifact")" = art ] || fail "image 2: COPY --from stage 0"
[ "$(cat "$tmp/u2/rootfs/seen")" = art ] || fail "image 2: the RUN of stage 1"
[ ! -e "$tmp/u2/rootfs/stage0-only" ] || fail "image 2: holds stage 0's /stage0-only"
for l in refused.log log1 log1o log2; do
  if [ -f "$tmp/$l" ] && grep -q "Sanitizer" "$tmp/$l"; then cat "$tmp/$l"; fail "sanitizer report in $l"; fi
done
echo "PASS: inplace builds"
