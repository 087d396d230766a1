#!/bin/sh
# Each public header compiles on its own with -std=c11 -pedantic -Werror
# (a plugin author includes exactly one of them first).
set -eu
src=${KN_TOP_SRCDIR:?}; build=${KN_TOP_BUILDDIR:?}
cc=${CC:-cc}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0
for h in $(cd "$src/include" && find kaniko -name '*.h' | sort); do
  n=$((n + 1))
  printf '#include <%s>\n#include <%s>\nint kn_header_test_dummy;\n' "$h" "$h" > "$tmp/t.c"
  if ! $cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$build/include" -I"$src/include" -c "$tmp/t.c" -o "$tmp/t.o" 2> "$tmp/err"; then
    echo "FAIL: $h"; cat "$tmp/err"; fail=$((fail + 1))
  fi
done
echo "$n headers, $fail failed"
[ "$fail" -eq 0 ]
