#!/bin/sh
# docs/flags.md and docs/kaniko.1 are generated from the flags table; fail
# when the committed copies are stale (fix: make update-cli-docs).
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"
src=${KN_TOP_SRCDIR:-$(dirname "$0")/../..}

run "$KANIKO" build --help-markdown
expect_rc 0 "--help-markdown"
expect_out '| `-f`, `--dockerfile PATH` |  | `Dockerfile` | supported |' "--help-markdown"
expect_out '| `--use-new-run` |  | `false` | not supported yet |' "--help-markdown"
expect_out '`KANIKO_REGISTRY_MIRROR`' "--help-markdown"
diff -u "$src/docs/flags.md" "$tmp/out" > "$tmp/diff" \
  || fail "docs/flags.md is stale, run 'make update-cli-docs':
$(head -40 "$tmp/diff")"

run "$KANIKO" build --help-man
expect_rc 0 "--help-man"
expect_out '.TH KANIKO 1' "--help-man"
diff -u "$src/docs/kaniko.1" "$tmp/out" > "$tmp/diff" \
  || fail "docs/kaniko.1 is stale, run 'make update-cli-docs':
$(head -40 "$tmp/diff")"

# Every visible flag of --help is documented in both.
"$KANIKO" build --help | sed -n 's/^  \(-., \)\{0,1\} *--\([a-zA-Z0-9-]*\).*/\2/p' > "$tmp/flags"
[ "$(wc -l < "$tmp/flags")" -gt 60 ] || fail "too few flags in --help: $(wc -l < "$tmp/flags")"
while read -r flag; do
  grep -qF -- "\`--$flag" "$src/docs/flags.md" || fail "docs/flags.md lacks --$flag"
  grep -qF -- "\\-\\-$(echo "$flag" | sed 's/-/\\-/g')" "$src/docs/kaniko.1" || fail "docs/kaniko.1 lacks --$flag"
done < "$tmp/flags"

if command -v groff > /dev/null; then
  groff -man -Tutf8 -ww -z "$src/docs/kaniko.1" > "$tmp/groff" 2>&1
  [ ! -s "$tmp/groff" ] || fail "groff warnings: $(head -5 "$tmp/groff")"
fi

finish
