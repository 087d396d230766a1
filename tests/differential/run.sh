#!/bin/sh
# Differential test suite: every case directory under tests/differential/
# (a Dockerfile + its context) is built by our kaniko (--no-push
# --oci-layout-path) and by a reference builder, Debian's buildah
# (--isolation chroot, one layer per step, --timestamp 0, Docker format so
# Healthcheck/Shell/OnBuild survive); both images are flattened with
# tests/lab/unpack-image.sh and compared on
#   files:  files.tsv (path, type, mode, uid, gid, size, nlink, sha256/link target)
#   config: Env Cmd Entrypoint WorkingDir User Labels ExposedPorts Volumes
#           StopSignal Healthcheck Shell OnBuild (from each builder's own config)
# Differences must be zero, except the rules listed in EXPECTED-DIFFERENCES.md
# ("## rule: ID" headings); a rule not listed there is not applied.
#
# Case files (all optional except Dockerfile):
#   Dockerfile   "@BASE@" is replaced by the lab's busybox base image on a
#                private registry (REG/base/busybox:latest), "@REG@" by REG,
#                "@HTTP@" by HOST:PORT of an http server (busybox httpd) whose
#                document root is the case's prepared context
#   prepare.sh   run (sh) in the copied context before the builds: binaries,
#                tars, symlinks, modes git does not keep; removed afterwards
#   build-args   one KEY=VALUE a line, passed as --build-arg to both builders
#   target       the stage to build (--target)
#   Dockerfile.reference  what buildah builds instead of Dockerfile, for a
#                feature buildah 1.28 predates (rule reference-dockerfile)
# tests/differential/PENDING lists cases whose feature the engine lacks
# ("case  missing feature"): they are built and reported PENDING, and do not
# fail the suite.
#
# Environment: KANIKO (default $KN_TOP_BUILDDIR/kaniko), KN_LAB_DIR,
#   DIFF_CASES="a b" (run only these), DIFF_KEEP=1 (keep the work directory),
#   DIFF_CACHE=DIR (buildah results cache, default
#   $KN_TOP_BUILDDIR/tests/differential-cache; DIFF_CACHE= disables it).
# Exit: 0 all cases PASS (or PENDING), 1 any FAIL, 77 when buildah (or the
# other lab tools) cannot run here.
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
top_build=${KN_TOP_BUILDDIR:-$(pwd)}
KANIKO=${KANIKO:-$top_build/kaniko}
LAB=${KN_LAB_DIR:-$here/../lab}
[ -n "${KANIKO_PLUGIN_PATH:-}" ] || {
  KANIKO_PLUGIN_PATH="$top_build/plugins:$top_build/contexts:$top_build/drivers"
  export KANIKO_PLUGIN_PATH
}
CACHE=${DIFF_CACHE-$top_build/tests/differential-cache}
EXPECTED=$here/EXPECTED-DIFFERENCES.md
PENDING=$here/PENDING

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "ERROR: $*"; exit 99; }

# ---- can the reference builder run here? ---------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (buildah rootful chroot isolation, umoci unpack keeps owners only as root)"
for t in buildah skopeo umoci jq docker-registry busybox curl tar sha256sum; do
  command -v $t >/dev/null 2>&1 || skip "$t is not installed (apt-get install -y --no-install-recommends buildah skopeo umoci jq docker-registry busybox-static curl)"
done
[ -x "$KANIKO" ] || die "kaniko binary not found: $KANIKO"
for s in start-registry.sh stop-registry.sh make-busybox-base.sh unpack-image.sh; do
  [ -x "$LAB/$s" ] || die "lab script missing: $LAB/$s"
done
[ -f "$EXPECTED" ] || die "missing $EXPECTED"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-difftest.XXXXXX")
reg_data=$tmp/registry
cleanup() {
  [ -f "$reg_data/registry.pid" ] && "$LAB/stop-registry.sh" "$reg_data" >/dev/null 2>&1
  if [ "${DIFF_KEEP:-0}" = 1 ]; then echo "work directory kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# buildah: private storage, nothing under /var/lib/containers is touched.
mkdir -p "$tmp/storage"
cat > "$tmp/storage/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$tmp/storage/graph"
runroot = "$tmp/storage/run"
EOF
CONTAINERS_STORAGE_CONF=$tmp/storage/storage.conf
BUILDAH_ISOLATION=chroot
export CONTAINERS_STORAGE_CONF BUILDAH_ISOLATION

mkdir -p "$tmp/probe"
echo probe > "$tmp/probe/f"
printf 'FROM scratch\nCOPY f /f\n' > "$tmp/probe/Dockerfile"
if ! buildah build --isolation chroot --identity-label=false -t localhost/kn-difftest-probe:1 \
    "$tmp/probe" > "$tmp/probe.log" 2>&1; then
  skip "buildah cannot build here: $(tail -3 "$tmp/probe.log" | tr '\n' ' ')"
fi
buildah rmi localhost/kn-difftest-probe:1 > /dev/null 2>&1
BUILDAH_VERSION=$(buildah --version)

# ---- rules of EXPECTED-DIFFERENCES.md -----------------------------------
KNOWN_RULES="buildah-run-mountpoints config-empty-is-absent buildah-shell-form-ignores-shell reference-dockerfile buildah-strips-context-setid buildah-run-mount-parents config-env-order"
RULES=$(sed -n 's/^## rule: *\([a-z0-9-]*\) *$/\1/p' "$EXPECTED" | sort -u)
for r in $RULES; do
  case " $KNOWN_RULES " in *" $r "*) ;; *) die "EXPECTED-DIFFERENCES.md lists rule '$r' that run.sh does not implement" ;; esac
done
rule() { case " $(echo $RULES) " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- registry + base image ------------------------------------------------
tries=0
while :; do
  port=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ) ))
  rm -rf "$reg_data"
  if "$LAB/start-registry.sh" "$port" "$reg_data" > "$tmp/registry.log" 2>&1; then break; fi
  tries=$((tries + 1))
  [ $tries -lt 5 ] || die "docker-registry did not start: $(tail -3 "$tmp/registry.log")"
done
REG=127.0.0.1:$port
WORK=$tmp/base "$LAB/make-busybox-base.sh" "$REG" base/busybox > "$tmp/base.log" 2>&1 \
  || die "make-busybox-base.sh: $(tail -5 "$tmp/base.log")"
BASE=$REG/base/busybox:latest

# ---- helpers --------------------------------------------------------------
# case_hash CTX REF_DOCKERFILE ARGS: the prepared context (names, types,
# modes, owners, contents, link targets; the registry address taken out) +
# the build arguments + what buildah builds + the buildah version + the base
# layer: the cache key.
case_hash() {
  ( cd "$1" && find . -mindepth 1 -printf '%p %y %m %U %G %l\n' | sort
    find . -type f | sort | while IFS= read -r p; do
      echo "$p $(sed -e "s|$REG|@REG@|g" -e "s|${HTTP:-@HTTP@}|@HTTP@|g" "$p" | sha256sum)"
    done
    sed -e "s|$REG|@REG@|g" -e "s|${HTTP:-@HTTP@}|@HTTP@|g" "$2"
    echo "args: $3"
    echo "$BUILDAH_VERSION"
    sha256sum < "$tmp/base/layer.tar"
    echo "recipe 1" ) | sha256sum | cut -c1-32
}

# strip_setid BUILDAH_TSV KANIKO_TSV: buildah's listing where a file or directory
# differs from kaniko's only by kaniko also having setuid/setgid bits takes
# kaniko's mode (rule buildah-strips-context-setid).
strip_setid() {
  awk -F'\t' -v OFS='\t' '
    function oct(s,  i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 8 + substr(s, i, 1); return n }
    NR == FNR { k[$1] = $0; next }
    ($2 == "f" || $2 == "d") && ($1 in k) {
      split(k[$1], o, "\t")
      b = oct($3); m = oct(o[3])
      # 04000 setuid + 02000 setgid = the bits at and above 1024
      if (o[2] == $2 && b != m && b < 1024 && m % 1024 == b && m < 4096 \
          && o[4] == $4 && o[5] == $5 && o[6] == $6 && o[8] == $8) { $3 = o[3] }
    }
    { print }' "$2" "$1"
}

# mount_parents DOCKERFILE: the ancestors (root-relative, without "/") of
# every RUN --mount target/dst/destination in DOCKERFILE, one a line.
mount_parents() {
  grep -o -e '--mount=[^ ]*' "$1" | tr ',' '\n' | sed -n 's/^\(target\|dst\|destination\)=//p' |
  while IFS= read -r t; do
    t=${t#/}
    while case $t in */*) true ;; *) false ;; esac; do
      t=${t%/*}
      echo "$t"
    done
  done | sort -u
}

# strip_mount_parents BUILDAH_TSV KANIKO_TSV PARENTS: drop buildah's empty
# 0755 root-owned directories that are parents of a RUN --mount target and
# absent from kaniko's listing (rule buildah-run-mount-parents).
strip_mount_parents() {
  awk -F'\t' '
    FILENAME == ARGV[1] { cand[$0] = 1; next }
    FILENAME == ARGV[2] { k[$1] = 1; next }
    { line[++n] = $0
      p = $1; while (sub(/\/[^\/]*$/, "", p)) haschild[p] = 1 }
    END {
      for (i = 1; i <= n; i++) {
        split(line[i], f, "\t")
        if ((f[1] in cand) && !(f[1] in k) && !(f[1] in haschild) && f[2] == "d" && f[3] == "755" \
            && f[4] == "0" && f[5] == "0") continue
        print line[i]
      }
    }' "$3" "$2" "$1"
}

# norm_files SIDE IN KANIKO_TSV DOCKERFILE: the files.tsv with the listed
# rules applied.
norm_files() {
  if [ "$1" = buildah ] && rule buildah-run-mount-parents; then
    mount_parents "$4" > "$2.mntparents"
    strip_mount_parents "$2" "$3" "$2.mntparents" > "$2.mnt"
    set -- "$1" "$2.mnt" "$3" "$4"
  fi
  if [ "$1" = buildah ] && rule buildah-strips-context-setid; then
    strip_setid "$2" "$3" > "$2.setid"
    set -- "$1" "$2.setid" "$3" "$4"
  fi
  if [ "$1" = buildah ] && rule buildah-run-mountpoints; then
    grep -v -x -e 'etc/hostname	f	755	0	0	0	1	e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
               -e 'etc/hosts	f	755	0	0	0	1	e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
               -e 'etc/resolv.conf	f	755	0	0	0	1	e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
               -e 'run	d	755	0	0	-	-	-' "$2" || true
  else
    cat "$2"
  fi
}

# norm_config SIDE CONFIG_JSON: one "Field<TAB>json" line per compared field.
norm_config() {
  empty=false shellform=false envorder=false
  rule config-empty-is-absent && empty=true
  rule config-env-order && envorder=true
  [ "$1" = buildah ] && rule buildah-shell-form-ignores-shell && shellform=true
  jq -r --argjson empty $empty --argjson shellform $shellform --argjson envorder $envorder '
    (.config // .Config // {}) as $c0
    | (if $shellform and ($c0.Shell | type) == "array" and $c0.Shell != ["/bin/sh","-c"] then
         reduce ("Cmd", "Entrypoint") as $f ($c0;
           if (.[$f] | type) == "array" and (.[$f] | length) == 3 and .[$f][0:2] == ["/bin/sh","-c"]
           then .[$f] = $c0.Shell + [.[$f][2]] else . end)
       else $c0 end) as $c
    | ["Env","Cmd","Entrypoint","WorkingDir","User","Labels","ExposedPorts","Volumes",
       "StopSignal","Healthcheck","Shell","OnBuild"][] as $k
    | ($c[$k]) as $v
    | (if $envorder and $k == "Env" and ($v | type) == "array" then $v | sort else $v end) as $v
    | (if $empty and ($v == [] or $v == {} or $v == "") then null else $v end) as $v
    | "\($k)\t\($v | tojson)"' "$2"
}

# first_diffs A B: the first differing lines of two files, "-" = buildah, "+" = kaniko.
first_diffs() {
  diff -U0 "$1" "$2" | grep -E '^[-+]' | grep -vE '^(---|\+\+\+) ' | head -${3:-6}
}

# ref_build CASE W CTX DOCKERFILE CACHEDIR ARGS...: buildah builds; its
# files.tsv and config.json land in W/buildah (and in CACHEDIR).
ref_build() {
  c=$1 w=$2 ctx=$3 df=$4 cdir=$5
  shift 5
  tag=localhost/kn-difftest-$c:$$
  if timeout 600 buildah build --isolation chroot --tls-verify=false --format docker --identity-label=false \
       --timestamp 0 --layers --no-cache -f "$df" -t "$tag" "$@" "$ctx" > "$w/buildah.log" 2>&1 \
     && buildah push -q "$tag" "dir:$w/buildah-dir" >> "$w/buildah.log" 2>&1 \
     && "$LAB/unpack-image.sh" "dir:$w/buildah-dir" "$w/buildah-unpacked" >> "$w/buildah.log" 2>&1; then
    mkdir -p "$w/buildah"
    cp "$w/buildah-unpacked/files.tsv" "$w/buildah/"
    cfg=$(jq -r '.config.digest' "$w/buildah-dir/manifest.json" | cut -d: -f2)
    jq . "$w/buildah-dir/$cfg" > "$w/buildah/config.json"
    if [ -n "$cdir" ]; then
      rm -rf "$CACHE/$c-"*
      mkdir -p "$cdir" && cp "$w/buildah/files.tsv" "$w/buildah/config.json" "$cdir/"
    fi
    [ "${DIFF_KEEP:-0}" = 1 ] || rm -rf "$w/buildah-dir" "$w/buildah-unpacked"
  else
    echo "buildah failed: $(grep -v '^ *$' "$w/buildah.log" | tail -2 | tr '\n' ' ')" > "$w/buildah.err"
  fi
  buildah rmi "$tag" > /dev/null 2>&1
  return 0
}

# our_build W CTX ARGS...: our kaniko builds; files.tsv and config.json in W/kaniko.
our_build() {
  w=$1 ctx=$2
  shift 2
  if timeout 300 "$KANIKO" build --kaniko-dir "$w/kaniko-dir" --context "$ctx" --no-push \
       --oci-layout-path "$w/kaniko-oci" "$@" > "$w/kaniko.log" 2>&1 \
     && "$LAB/unpack-image.sh" "oci:$w/kaniko-oci:latest" "$w/kaniko-unpacked" >> "$w/kaniko.log" 2>&1; then
    mkdir -p "$w/kaniko"
    cp "$w/kaniko-unpacked/files.tsv" "$w/kaniko/"
    m=$(jq -r '.manifests[0].digest' "$w/kaniko-oci/index.json" | cut -d: -f2)
    cfg=$(jq -r '.config.digest' "$w/kaniko-oci/blobs/sha256/$m" | cut -d: -f2)
    jq . "$w/kaniko-oci/blobs/sha256/$cfg" > "$w/kaniko/config.json"
    [ "${DIFF_KEEP:-0}" = 1 ] || rm -rf "$w/kaniko-dir" "$w/kaniko-unpacked"
  else
    echo "kaniko failed: $(grep -v '^ *$' "$w/kaniko.log" | tail -2 | tr '\n' ' ')" > "$w/kaniko.err"
  fi
}

# ---- the cases ------------------------------------------------------------
cases=${DIFF_CASES:-$(cd "$here" && for d in */; do [ -f "$d/Dockerfile" ] && echo "${d%/}"; done)}
n_pass=0 n_fail=0 n_pending=0
echo "differential: kaniko vs $BUILDAH_VERSION (base $BASE)"

for c in $cases; do
  [ -f "$here/$c/Dockerfile" ] || die "no such case: $c"
  t0=$(date +%s)
  w=$tmp/cases/$c
  ctx=$w/ctx
  mkdir -p "$w"
  cp -a "$here/$c" "$ctx"
  chmod -R u+w "$ctx"
  sed -i -e "s|@BASE@|$BASE|g" -e "s|@REG@|$REG|g" "$ctx/Dockerfile"
  http_pid= HTTP=
  if grep -q '@HTTP@' "$ctx/Dockerfile"; then
    for try in 1 2 3 4 5; do
      hport=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ) ))
      busybox httpd -f -p "127.0.0.1:$hport" -h "$ctx" > "$w/httpd.log" 2>&1 &
      http_pid=$!
      sleep 0.3
      if kill -0 $http_pid 2>/dev/null; then HTTP=127.0.0.1:$hport; break; fi
      http_pid=
    done
    [ -n "$HTTP" ] || die "busybox httpd did not start: $(cat "$w/httpd.log")"
    sed -i "s|@HTTP@|$HTTP|g" "$ctx/Dockerfile"
  fi
  set --
  if [ -f "$ctx/build-args" ]; then
    while IFS= read -r a; do
      case $a in ''|'#'*) continue ;; esac
      set -- "$@" --build-arg "$a"
    done < "$ctx/build-args"
  fi
  [ -f "$ctx/target" ] && set -- "$@" --target "$(cat "$ctx/target")"
  status=ok detail=
  if [ -f "$ctx/prepare.sh" ]; then
    (cd "$ctx" && sh ./prepare.sh) > "$w/prepare.log" 2>&1 \
      || { status=error; detail="prepare.sh failed: $(tail -2 "$w/prepare.log" | tr '\n' ' ')"; }
  fi
  rm -f "$ctx/prepare.sh" "$ctx/build-args" "$ctx/target"
  refdf=$ctx/Dockerfile
  if [ -f "$ctx/Dockerfile.reference" ]; then
    rule reference-dockerfile || die "$c has a Dockerfile.reference but rule reference-dockerfile is not listed"
    mv "$ctx/Dockerfile.reference" "$w/Dockerfile.reference"
    refdf=$w/Dockerfile.reference
    sed -i -e "s|@BASE@|$BASE|g" -e "s|@REG@|$REG|g" -e "s|@HTTP@|$HTTP|g" "$refdf"
  fi

  # Both builds run side by side (2 cores); each writes its outcome to
  # $w/<builder>.err when it fails.
  key=$(case_hash "$ctx" "$refdf" "$*")
  cdir=
  [ -n "$CACHE" ] && cdir=$CACHE/$c-$key
  if [ $status = ok ]; then
    ref_pid=
    if [ -n "$cdir" ] && [ -f "$cdir/files.tsv" ] && [ -f "$cdir/config.json" ]; then
      mkdir -p "$w/buildah"
      cp "$cdir/files.tsv" "$cdir/config.json" "$w/buildah/"
    else
      ref_build "$c" "$w" "$ctx" "$refdf" "$cdir" "$@" &
      ref_pid=$!
    fi
    our_build "$w" "$ctx" "$@"
    [ -z "$ref_pid" ] || wait $ref_pid
    if [ -f "$w/buildah.err" ]; then
      status=error detail=$(cat "$w/buildah.err")
    elif [ -f "$w/kaniko.err" ]; then
      status=error detail=$(cat "$w/kaniko.err")
    fi
  fi

  # compare
  if [ $status = ok ]; then
    for s in buildah kaniko; do
      norm_files $s "$w/$s/files.tsv" "$w/kaniko/files.tsv" "$refdf" > "$w/$s.files"
      norm_config $s "$w/$s/config.json" > "$w/$s.config" || { status=error; detail="bad config from $s"; }
    done
  fi
  if [ $status = ok ]; then
    if ! cmp -s "$w/buildah.files" "$w/kaniko.files"; then
      status=diff detail="files (-buildah +kaniko):
$(first_diffs "$w/buildah.files" "$w/kaniko.files" | sed 's/^/      /')"
    fi
    if ! cmp -s "$w/buildah.config" "$w/kaniko.config"; then
      status=diff detail="${detail:+$detail
    }config (-buildah +kaniko):
$(first_diffs "$w/buildah.config" "$w/kaniko.config" | sed 's/^/      /')"
    fi
  fi

  if [ -n "$http_pid" ]; then kill $http_pid 2>/dev/null; wait $http_pid 2>/dev/null; fi
  pend=$(awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }' "$PENDING" 2>/dev/null)
  if [ -n "$pend" ]; then
    result=PENDING n_pending=$((n_pending + 1))
    if [ $status = ok ]; then detail="(passes now) missing: $pend"; else detail="missing: $pend; ${detail%%
*}"; fi
  elif [ $status = ok ]; then
    result=PASS n_pass=$((n_pass + 1))
  else
    result=FAIL n_fail=$((n_fail + 1))
  fi
  printf '%-24s %-8s %4ss  %s\n' "$c" "$result" $(( $(date +%s) - t0 )) "$detail"
done

echo "differential: $n_pass PASS, $n_fail FAIL, $n_pending PENDING"
[ $n_fail = 0 ] || exit 1
exit 0
