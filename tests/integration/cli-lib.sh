# Shared helpers of the tests/integration/cli-*.sh tests (sourced, not run).
# Each test calls `run CMD...`, then checks $rc, $tmp/out and $tmp/err with
# the expect_* helpers, and ends with `finish`.
: "${KANIKO:?KANIKO must name the kaniko binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

# The environment of the developer must not leak into the tests.
unset KANIKO_DIR KANIKO_NO_PUSH KANIKO_REGISTRY_MIRROR KANIKO_REGISTRY_MAP KANIKO_PUSH_RETRY \
  KANIKO_IMAGE_DOWNLOAD_RETRY KANIKO_CONFIG NO_COLOR

# A local context with a Dockerfile.
ctx="$tmp/ctx"
mkdir "$ctx"
echo 'FROM scratch' > "$ctx/Dockerfile"

fail () { echo "FAIL: $*"; fails=$((fails + 1)); }

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run () {
  rc=0
  "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
  checks=$((checks + 1))
}

expect_rc () { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1; stderr: $(head -c 400 "$tmp/err")"; }
expect_out () { grep -qF -- "$1" "$tmp/out" || fail "$2: stdout lacks '$1'"; }
expect_no_out () { ! grep -qF -- "$1" "$tmp/out" || fail "$2: stdout has '$1'"; }
expect_err () { grep -qF -- "$1" "$tmp/err" || fail "$2: stderr lacks '$1': $(head -c 400 "$tmp/err")"; }
expect_empty () { [ ! -s "$tmp/$1" ] || fail "$2: $1 not empty: $(head -c 400 "$tmp/$1")"; }

# jq_out FILTER: evaluate FILTER on stdout (a JSON document) with jq -e.
jq_out () { jq -e "$1" "$tmp/out" > /dev/null 2>&1 || fail "$2: jq '$1' is false on: $(head -c 300 "$tmp/out")"; }

finish () {
  if [ "$fails" -eq 0 ]; then
    echo "PASS: $checks runs checked"
    exit 0
  fi
  echo "$fails failure(s) in $checks runs"
  exit 1
}
