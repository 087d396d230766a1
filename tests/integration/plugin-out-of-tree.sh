#!/bin/sh
# A vendor builds a plugin out of tree against the installed kaniko.pc and
# the sys/ headers, drops it into --plugin-dir, and kaniko loads it.
set -eu
: "${KN_TOP_BUILDDIR:?}" "${KN_TOP_SRCDIR:?}"
command -v jq > /dev/null || { echo "SKIP: jq not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-oot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES ${MAKE:-make} -C "$KN_TOP_BUILDDIR" install \
    DESTDIR="$dest" > "$tmp/install.log" 2>&1; then
  echo "FAIL: make install DESTDIR=$dest"; cat "$tmp/install.log"; exit 1
fi
pc=$(find "$dest" -name kaniko.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: kaniko.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
mkdir "$tmp/plugins"
cp "$KN_TOP_SRCDIR/examples/plugin/static-creds.c" "$KN_TOP_SRCDIR/examples/plugin/Makefile" "$tmp/plugins/"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -C "$tmp/plugins" CC="${CC:-cc}" \
    CFLAGS="-O2 -Wall -Wextra -Werror" > "$tmp/build.log" 2>&1; then
  echo "FAIL: building the example plugin against kaniko.pc"; cat "$tmp/build.log"; exit 1
fi
rm "$tmp/plugins/static-creds.c" "$tmp/plugins/Makefile"
bin=$(find "$dest" -path '*/bin/kaniko' -type f | head -n 1)
lib=$(dirname "$(find "$dest" -name 'libkaniko.so.0' | head -n 1)")
env -u KANIKO_PLUGIN_PATH LD_LIBRARY_PATH="$lib" "$bin" plugins --plugin-dir "$tmp/plugins" --json > "$tmp/out.json"
got=$(jq -r '.plugins[] | select(.name == "static-creds") | "\(.path) \([.features[].kind] | join(","))"' "$tmp/out.json")
want="$tmp/plugins/static-creds.so credential"
if [ "$got" != "$want" ]; then
  echo "FAIL: expected \"$want\", got \"$got\""; cat "$tmp/out.json"; exit 1
fi
echo "ok: out-of-tree plugin built against kaniko.pc and loaded: $got"
