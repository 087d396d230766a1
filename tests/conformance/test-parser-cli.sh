#!/bin/sh
# `kaniko parse` against BuildKit's parser corpus: --dump must print each
# testfiles/*/result byte for byte, negative cases must exit non-zero with a
# located message, and plain `parse` prints "ok" or a located error.
set -u
corpus="${KN_CORPORA_DIR:-}/buildkit-dockerfile-parser"
if [ -z "${KN_CORPORA_DIR:-}" ] || [ ! -d "$corpus" ]; then
	echo "SKIP: BuildKit parser corpus absent (KN_CORPORA_DIR)"
	exit 77
fi
: "${KANIKO:?KANIKO must point at the kaniko binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-parse-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

for d in "$corpus"/testfiles/*/; do
	if "$KANIKO" parse --dump "$d/Dockerfile" >"$tmp/out" 2>"$tmp/err" && cmp -s "$tmp/out" "$d/result"; then
		ok
	else
		ko "dump of $d"
	fi
done
for d in "$corpus"/testfiles-negative/*/; do
	if "$KANIKO" parse --dump "$d/Dockerfile" >"$tmp/out" 2>"$tmp/err"; then
		ko "negative case $d parsed"
	elif grep -q "Dockerfile:[0-9]*: " "$tmp/err"; then
		ok
	else
		ko "negative case $d: unlocated error: $(cat "$tmp/err")"
	fi
done

printf 'FROM alpine AS build\nRUN --mount=type=cache,target=/c make\nCOPY --from=build /a /b\n' >"$tmp/Dockerfile"
if [ "$("$KANIKO" parse "$tmp/Dockerfile" 2>&1)" = ok ]; then ok; else ko "valid file not ok"; fi
printf 'FROM alpine\n\nCOPY --bogus=1 a b\n' >"$tmp/Dockerfile"
if "$KANIKO" parse "$tmp/Dockerfile" >"$tmp/out" 2>"$tmp/err"; then
	ko "bad flag accepted"
elif grep -q "Dockerfile:3: unknown flag: --bogus" "$tmp/err"; then
	ok
else
	ko "bad flag message: $(cat "$tmp/err")"
fi
printf 'FROM alpine\nONBUILD FROM x\n' | "$KANIKO" parse - >"$tmp/out" 2>"$tmp/err"
if [ $? -ne 0 ] && grep -q "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger" "$tmp/err"; then ok; else ko "stdin error"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
