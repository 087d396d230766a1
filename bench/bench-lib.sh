# bench/bench-lib.sh — sourced by bench/registry.sh and bench/build.sh:
# a work directory, a private docker-registry, timing with peak RSS, and the
# result table.  Not a test: nothing here is part of make check.
#
#   measure NAME CMD...   runs CMD (output to $WORK/NAME.out), sets
#                         NAME_t (wall seconds) and NAME_m (peak RSS, KiB;
#                         the largest single process of the tree, from
#                         /usr/bin/time -f %M, i.e. getrusage of children)
#   header TITLE [ref]    the table title and column names (with "ref": a
#                         column naming each row's reference, $ROW_REF)
#   row CASE OURS REF TIME_TARGET RSS_LIMIT_MIB
#                         one table line; TIME_TARGET is the largest allowed
#                         ratio ours/ref ("1" = no slower, "0.25" = 4x
#                         faster, "-" = none), RSS_LIMIT_MIB the peak RSS
#                         limit for ours ("-" = none)
set -eu
KN_TOP_SRCDIR=${KN_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
KN_TOP_BUILDDIR=${KN_TOP_BUILDDIR:-$KN_TOP_SRCDIR/_build}
KN_LAB_DIR=${KN_LAB_DIR:-$KN_TOP_SRCDIR/tests/lab}
KANIKO=${KANIKO:-$KN_TOP_BUILDDIR/kaniko}
KANIKO_PLUGIN_PATH=${KANIKO_PLUGIN_PATH:-$KN_TOP_BUILDDIR/plugins:$KN_TOP_BUILDDIR/contexts:$KN_TOP_BUILDDIR/drivers}
export KANIKO_PLUGIN_PATH
# Time the binary, not libtool's wrapper script (sh + sed, ~0.1 s).
case $KANIKO in
  */*) if [ -x "${KANIKO%/*}/.libs/${KANIKO##*/}" ] && grep -q libtool "$KANIKO" 2>/dev/null; then
         LD_LIBRARY_PATH=${KANIKO%/*}/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
         export LD_LIBRARY_PATH
         KANIKO=${KANIKO%/*}/.libs/${KANIKO##*/}
       fi ;;
esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kn-bench.XXXXXX")
REG=
PASSES=0
MISSES=0
bench_cleanup() {
  [ -n "$REG" ] && "$KN_LAB_DIR/stop-registry.sh" "$WORK/registry" >/dev/null 2>&1 || true
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT
[ -n "${KN_BENCH_KEEP:-}" ] && trap "echo kept $WORK" EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }
need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (apt-get install $tool)"
  done
}
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"

# start_registry: Debian's docker-registry on a free loopback port; sets REG.
start_registry() {
  need docker-registry curl
  tries=0
  while :; do
    port=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ) ))
    if "$KN_LAB_DIR/start-registry.sh" "$port" "$WORK/registry" > "$WORK/registry-start.log" 2>&1; then
      REG=127.0.0.1:$port
      return 0
    fi
    "$KN_LAB_DIR/stop-registry.sh" "$WORK/registry" >/dev/null 2>&1 || true
    tries=$((tries + 1))
    [ $tries -lt 5 ] || die "docker-registry did not start: $(tail -3 "$WORK/registry-start.log")"
  done
}

measure() {
  name=$1; shift
  if ! /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2>&1; then
    echo "bench: $name failed: $*" >&2
    tail -20 "$WORK/$name.out" >&2
    exit 1
  fi
  set -- $(tail -1 "$WORK/$name.time")
  eval "${name}_t=$1 ${name}_m=$2"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# header TITLE [ref]: with a second argument, the table gets a "ref" column
# after the case, which row fills from $ROW_REF ("-" when unset).
HDR_REF=
header() {
  HDR_REF=${2:-}
  echo
  echo "## $1"
  if [ -n "$HDR_REF" ]; then printf '%-40s %-8s ' case ref; else printf '%-40s ' case; fi
  printf '%9s %9s %9s %9s %7s  %-16s %s\n' "ours s" "ours MiB" "ref s" "ref MiB" ratio target result
}

# row CASE OURS REF TIME_TARGET RSS_LIMIT_MIB: OURS and REF are measure names
# (REF may be "-"), e.g. row "push" ours_push skopeo_push 1 64.
row() {
  c=$1 o=$2 r=$3 tt=$4 rl=$5
  eval "ot=\$${o}_t om=\$${o}_m"
  if [ "$r" = - ]; then rt=- rm=- ratio=-; else
    eval "rt=\$${r}_t rm=\$${r}_m"
    ratio=$(awk -v a="$ot" -v b="$rt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
    rm=$(mib "$rm")
  fi
  ok=1 target=
  if [ "$tt" != - ] && [ "$ratio" != - ]; then
    awk -v x="$ratio" -v t="$tt" 'BEGIN { exit !(x != "inf" && x <= t) }' || ok=0
    target="x<=$tt"
  fi
  if [ "$rl" != - ]; then
    awk -v m="$om" -v l="$rl" 'BEGIN { exit !(m <= l * 1024) }' || ok=0
    target="${target:+$target,}<${rl}MiB"
  fi
  [ -n "$target" ] || target=-
  if [ "$target" = - ]; then res=info
  elif [ $ok = 1 ]; then res=PASS; PASSES=$((PASSES + 1))
  else res=MISS; MISSES=$((MISSES + 1)); fi
  if [ -n "$HDR_REF" ]; then printf '%-40s %-8s ' "$c" "${ROW_REF:--}"; else printf '%-40s ' "$c"; fi
  printf '%9s %9s %9s %9s %7s  %-16s %s\n' "$ot" "$(mib "$om")" "$rt" "$rm" "$ratio" "$target" "$res"
}

# random_file PATH BYTES: incompressible content.
random_file() {
  head -c "$2" /dev/urandom > "$1"
}
