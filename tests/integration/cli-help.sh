#!/bin/sh
# kaniko --help, kaniko build --help, kaniko help build, --version.
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"

groups='Context & Dockerfile:
Destinations & outputs:
Registry & TLS:
Cache:
Build:
Snapshots:
Logging:
Plugins:'

check_flags_help () {
  echo "$groups" | while IFS= read -r g; do
    grep -qxF -- "$g" "$tmp/out" || echo "group '$g'"
  done > "$tmp/missing"
  [ ! -s "$tmp/missing" ] || fail "$1: missing $(cat "$tmp/missing")"
  expect_out '  -f, --dockerfile PATH' "$1"
  expect_out '(default "Dockerfile")' "$1"
  expect_out '  -d, --destination IMAGE' "$1"
  expect_out '[env KANIKO_DIR]' "$1"
  expect_out '[env KANIKO_REGISTRY_MIRROR]' "$1"
  expect_out '(default 336h0m0s)' "$1"
  expect_out '[not supported yet]' "$1"
  expect_out 'DOCKER_CONFIG' "$1"
  expect_no_out '--print-options' "$1"
  expect_no_out '--help-markdown' "$1"
  expect_no_out '--snapshotMode' "$1"
  expect_empty err "$1"
  awk 'length > 80' "$tmp/out" > "$tmp/long"
  [ ! -s "$tmp/long" ] || fail "$1: lines over 80 columns: $(head -3 "$tmp/long")"
  # Groups come in the documented order.
  order=$(grep -nxF -e 'Context & Dockerfile:' -e 'Logging:' -e 'Plugins:' "$tmp/out" | cut -d: -f2 | tr '\n' '|')
  [ "$order" = "Context & Dockerfile|Logging|Plugins|" ] || fail "$1: group order $order"
}

run "$KANIKO" --help
expect_rc 0 "kaniko --help"
expect_out 'Usage: kaniko [COMMAND] [FLAGS]' "kaniko --help"
expect_out '  plugins ' "kaniko --help"
check_flags_help "kaniko --help"

run "$KANIKO" build --help
expect_rc 0 "kaniko build --help"
expect_out 'Usage: kaniko build [FLAGS]' "kaniko build --help"
expect_no_out 'Usage: kaniko [COMMAND]' "kaniko build --help"
check_flags_help "kaniko build --help"

run "$KANIKO" build -h
expect_rc 0 "kaniko build -h"
check_flags_help "kaniko build -h"

run "$KANIKO" help build
expect_rc 0 "kaniko help build"
expect_out 'Usage: kaniko build [FLAGS]' "kaniko help build"

# --help wins over missing requirements (no destination here).
run "$KANIKO" --context=/nonexistent --help
expect_rc 0 "kaniko --context=... --help"
expect_out 'Usage: kaniko build [FLAGS]' "kaniko --context=... --help"

for args in "--version" "version" "build --version"; do
  # shellcheck disable=SC2086
  run "$KANIKO" $args
  expect_rc 0 "kaniko $args"
  grep -qE '^kaniko [0-9]+\.[0-9]+\.[0-9]+[^ ]* \(plugin ABI [0-9]+\.[0-9]+\)$' "$tmp/out" \
    || fail "kaniko $args: version line: $(cat "$tmp/out")"
  expect_empty err "kaniko $args"
done

finish
