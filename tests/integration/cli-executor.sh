#!/bin/sh
# Run the program through a symlink named "executor" (Go kaniko's binary name).
# In the build tree $KANIKO is a libtool wrapper script: link to the real
# binary in .libs/ and point LD_LIBRARY_PATH at the uninstalled libkaniko.
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"

real=$KANIKO
if head -n 5 "$KANIKO" 2> /dev/null | grep -q 'libtool'; then
  dir=$(dirname "$KANIKO")
  base=$(basename "$KANIKO")
  "$KANIKO" --version > /dev/null 2>&1 # lets an old libtool create .libs/lt-kaniko
  if [ -x "$dir/.libs/$base" ]; then
    real="$dir/.libs/$base"
  elif [ -x "$dir/.libs/lt-$base" ]; then
    real="$dir/.libs/lt-$base"
  else
    echo "FAIL: $KANIKO is a libtool wrapper but $dir/.libs has no binary"
    exit 1
  fi
  top=${KN_TOP_BUILDDIR:-$dir}
  LD_LIBRARY_PATH="$top/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
ln -s "$real" "$tmp/executor"
executor="$tmp/executor"

run "$executor" --help
expect_rc 0 "executor --help"
expect_out 'Usage: executor [FLAGS]' "executor --help"
expect_out 'Context & Dockerfile:' "executor --help"
expect_no_out 'Commands:' "executor --help"

run "$executor" help
expect_rc 0 "executor help"
expect_out 'Usage: executor [FLAGS]' "executor help"

run "$executor" version
expect_rc 0 "executor version"
expect_out 'kaniko ' "executor version"

run "$executor" --no-push -c "$ctx" --print-options -f Dockerfile
expect_rc 0 "executor --print-options"
expect_out '"no-push": true' "executor --print-options"

# Subcommand names are plain arguments to the executor.
run "$executor" plugins
expect_rc 2 "executor plugins"
expect_err 'unexpected argument "plugins"' "executor plugins"

run "$executor" --bogus
expect_rc 2 "executor --bogus"
expect_err 'kaniko: error: unknown flag: --bogus' "executor --bogus"
expect_err "Run 'executor --help' for usage." "executor --bogus"

run "$executor" --no-push --context "$ctx" --kaniko-dir "$tmp/kaniko"
expect_rc 0 "executor build"
expect_err 'Image digest: sha256:' "executor build"

# "kaniko executor" is the same command.
run "$KANIKO" executor --help
expect_rc 0 "kaniko executor --help"
expect_out 'Usage: executor [FLAGS]' "kaniko executor --help"

finish
