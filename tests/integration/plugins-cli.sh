#!/bin/sh
# kaniko plugins: lists what it loads, refuses junk with a reason naming the
# file (exit 0 all the same), and honours the search order
# --plugin-dir > KANIKO_PLUGIN_PATH.  Uses the fixture modules built under
# $KN_TOP_BUILDDIR/tests/fixtures (real shared objects).
set -eu
: "${KANIKO:?}" "${KN_TOP_BUILDDIR:?}"
libs=$KN_TOP_BUILDDIR/tests/fixtures/.libs
duplibs=$KN_TOP_BUILDDIR/tests/fixtures/dup/.libs
for f in "$libs/good.so" "$libs/nosym.so" "$duplibs/good.so"; do
  [ -f "$f" ] || { echo "FAIL: fixture $f not built"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-plugins-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
ok () { echo "ok: $*"; }
bad () { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect FILE LINE: FILE contains exactly the line LINE.
expect () {
  if grep -qxF -- "$2" "$1"; then ok "$2"; else bad "missing line: $2"; echo "--- output:"; cat "$1"; echo "---"; fi
}

a=$tmp/a; b=$tmp/b
mkdir "$a" "$b"
cp "$libs/good.so" "$libs/nosym.so" "$a/"
cp "$duplibs/good.so" "$b/"
i=0; while [ $i -lt 8 ]; do echo "this text file is not an ELF shared object"; i=$((i + 1)); done > "$a/bogus.so"
echo "not a plugin, not a candidate" > "$a/README"

# 1. Refused files are listed with their reason; exit status 0.
rc=0
env -u KANIKO_PLUGIN_PATH "$KANIKO" plugins --plugin-dir "$a" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ $rc -eq 0 ] && ok "exit status 0 with refused files" || { bad "exit status $rc"; cat "$tmp/err"; }
expect "$tmp/out" "  $a/bogus.so: cannot load: invalid ELF header"
expect "$tmp/out" "  $a/nosym.so: missing entry symbol kn_plugin_get_desc (not a kaniko plugin)"
expect "$tmp/out" "  good 1.0.0  ABI 1.0  compressor"
expect "$tmp/out" "    path: $a/good.so"
expect "$tmp/out" "    loader test fixture: a valid compressor"
expect "$tmp/out" "Refused (2):"
expect "$tmp/out" "  $a (--plugin-dir)"
grep -q README "$tmp/out" && bad "README listed" || ok "README is not a candidate"
grep -q '(pkglibdir' "$tmp/out" && ok "pkglibdir listed" || bad "pkglibdir not in the search path"

# 2. --plugin-dir beats KANIKO_PLUGIN_PATH; the later one is a named duplicate.
KANIKO_PLUGIN_PATH=$b "$KANIKO" plugins --plugin-dir "$a" > "$tmp/out"
expect "$tmp/out" "  good 1.0.0  ABI 1.0  compressor"
expect "$tmp/out" "  $b/good.so: duplicate plugin \"good\": already loaded from $a/good.so"
expect "$tmp/out" "  $b (KANIKO_PLUGIN_PATH)"
# ... and within KANIKO_PLUGIN_PATH, the first entry wins.
KANIKO_PLUGIN_PATH=$b:$a "$KANIKO" plugins > "$tmp/out"
expect "$tmp/out" "  good 2.0.0-dup  ABI 1.0  compressor"
expect "$tmp/out" "  $a/good.so: duplicate plugin \"good\": already loaded from $b/good.so"

# 3. --json carries the same facts.
KANIKO_PLUGIN_PATH=$b "$KANIKO" plugins --plugin-dir="$a" --json > "$tmp/json"
if command -v jq > /dev/null; then
  got=$(jq -r --arg p "$a/bogus.so" '.refused[] | select(.path == $p) | .reason' "$tmp/json")
  [ "$got" = "cannot load: invalid ELF header" ] && ok "json: bogus.so reason" || bad "json: bogus.so reason \"$got\""
  got=$(jq -r '.plugins[] | select(.name == "good") | "\(.version) \(.path) \(.abi) \(.features[0].kind)"' "$tmp/json")
  [ "$got" = "1.0.0 $a/good.so 1.0 compressor" ] && ok "json: good" || bad "json: good is \"$got\""
  got=$(jq -r '.search_path[0:2] | map("\(.origin)=\(.path)") | join(" ")' "$tmp/json")
  [ "$got" = "--plugin-dir=$a KANIKO_PLUGIN_PATH=$b" ] && ok "json: search path" || bad "json: search path \"$got\""
else
  bad "jq is not installed"
fi

# 4. --plugin-opt reaches the plugin's init().
env -u KANIKO_PLUGIN_PATH "$KANIKO" plugins --plugin-dir "$a" --plugin-opt good.fail=yes > "$tmp/out"
expect "$tmp/out" "  $a/good.so: plugin \"good\": init failed: option fail=yes"
expect "$tmp/out" "Plugins (0):"

# 5. Usage errors exit 2 with a message.
rc=0; "$KANIKO" plugins --plugin-dir relative/dir > /dev/null 2> "$tmp/err" || rc=$?
[ $rc -eq 2 ] && ok "relative --plugin-dir: exit 2" || bad "relative --plugin-dir: exit $rc"
expect "$tmp/err" "kaniko: plugins: --plugin-dir relative/dir: not an absolute path"
rc=0; "$KANIKO" plugins --plugin-dir "$tmp/missing" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc -eq 2 ] && ok "missing --plugin-dir: exit 2" || bad "missing --plugin-dir: exit $rc"
expect "$tmp/err" "kaniko: plugins: --plugin-dir $tmp/missing: not a directory"
rc=0; "$KANIKO" plugins --plugin-dir > /dev/null 2> "$tmp/err" || rc=$?
[ $rc -eq 2 ] && ok "--plugin-dir without value: exit 2" || bad "--plugin-dir without value: exit $rc"
rc=0; "$KANIKO" plugins --plugin-opt nodot > /dev/null 2> "$tmp/err" || rc=$?
[ $rc -eq 2 ] && ok "bad --plugin-opt: exit 2" || bad "bad --plugin-opt: exit $rc"
expect "$tmp/err" "kaniko: plugins: --plugin-opt nodot: expected NAME.KEY=VALUE"

echo "$fail failure(s)"
[ $fail -eq 0 ]
