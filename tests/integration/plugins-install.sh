#!/bin/sh
# A DESTDIR install finds its plugins: `make install DESTDIR=D`, then the
# installed D$(bindir)/kaniko, run with KANIKO_PLUGIN_PATH unset, lists the
# modules of D$(pkglibdir).  It finds them through $ORIGIN/../lib/kaniko
# (relocation: the binary does not know D), which is D$(pkglibdir) whenever
# pkglibdir is $(bindir)/../lib/kaniko (the default layout); with another
# layout (e.g. a multiarch libdir) only the literal $(pkglibdir) is searched,
# which a DESTDIR install cannot exercise, and the test is skipped.
set -eu
: "${KANIKO:?}" "${KN_TOP_BUILDDIR:?}"
libs=$KN_TOP_BUILDDIR/tests/fixtures/.libs
[ -f "$libs/good.so" ] || { echo "FAIL: fixture $libs/good.so not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-plugins-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

# A nested make: drop the parent's jobserver and flags.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES ${MAKE:-make} -C "$KN_TOP_BUILDDIR" install \
    DESTDIR="$dest" > "$tmp/install.log" 2>&1; then
  echo "FAIL: make install DESTDIR=$dest"; cat "$tmp/install.log"; exit 1
fi

bin=$(find "$dest" -path '*/bin/kaniko' -type f | head -n 1)
lib=$(find "$dest" -name 'libkaniko.so.0' | head -n 1)
[ -n "$bin" ] && [ -x "$bin" ] || { echo "FAIL: no bin/kaniko under $dest"; exit 1; }
[ -n "$lib" ] || { echo "FAIL: no libkaniko.so.0 under $dest"; exit 1; }
[ -L "$(dirname "$bin")/executor" ] || { echo "FAIL: no executor link next to $bin"; exit 1; }
run () { env -u KANIKO_PLUGIN_PATH LD_LIBRARY_PATH="$(dirname "$lib")" "$bin" "$@"; }

pkglibdir=$(run plugins --json | jq -r '.search_path[] | select(.origin == "pkglibdir") | .path')
[ -n "$pkglibdir" ] || { echo "FAIL: the installed kaniko lists no pkglibdir"; exit 1; }
relocated=$(cd "$(dirname "$bin")/.." && pwd)/lib/kaniko
if [ "$relocated" != "$dest$pkglibdir" ]; then
  echo "SKIP: pkglibdir $pkglibdir is not bindir/../lib/kaniko: a DESTDIR install cannot be relocated"
  exit 77
fi

# The modules make install put there (none until plugins exist) plus a fixture.
mkdir -p "$dest$pkglibdir"
installed=$(cd "$dest$pkglibdir" && ls -- *.so 2> /dev/null | sed 's/\.so$//' || true)
cp "$libs/good.so" "$dest$pkglibdir/"

run plugins --json > "$tmp/json"
fail=0
for name in good $installed; do
  got=$(jq -r --arg n "$name" '.plugins[] | select(.name == $n) | .path' "$tmp/json")
  if [ "$got" = "$dest$pkglibdir/$name.so" ] || [ "$got" = "$dest$pkglibdir/$name.la" ]; then
    echo "ok: $name loaded from $got"
  else
    echo "FAIL: $name: loaded from \"$got\", expected $dest$pkglibdir/$name.so"; fail=$((fail + 1))
  fi
done
refused=$(jq -r '.refused[] | "\(.path): \(.reason)"' "$tmp/json")
if [ -n "$refused" ]; then
  echo "FAIL: refused in the installed tree:"; echo "$refused"; fail=$((fail + 1))
fi
got=$(jq -r --arg d "$dest$pkglibdir" '.search_path[] | select(.path == $d) | "\(.origin) \(.exists)"' "$tmp/json")
[ "$got" = "executable true" ] && echo "ok: $dest$pkglibdir searched (relative to the executable)" \
  || { echo "FAIL: $dest$pkglibdir in the search path as \"$got\""; fail=$((fail + 1)); }
echo "$fail failure(s)"
[ $fail -eq 0 ]
