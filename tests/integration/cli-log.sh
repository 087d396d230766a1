#!/bin/sh
# --verbosity, --log-format text|color|json and --log-timestamp.
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"
command -v jq > /dev/null || { echo "SKIP: jq is not installed"; exit 77; }

p () { run "$KANIKO" build --print-options --no-push -c "$ctx" "$@"; }

p
expect_rc 0 "info"
expect_empty err "info hides debug records"

p --log-format=json -v debug --snapshotMode=full
expect_rc 0 "json"
[ -s "$tmp/err" ] || fail "json: no records"
while IFS= read -r line; do
  printf '%s\n' "$line" | jq -e 'type == "object" and (.level | type) == "string" and (.msg | type) == "string"
    and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})$"))' > /dev/null \
    || fail "json: not a log object: $line"
done < "$tmp/err"
grep -q '"level":"debug"' "$tmp/err" || fail "json: no debug record"
grep -q '"level":"warning","msg":"flag --snapshotMode is deprecated, use --snapshot-mode"' "$tmp/err" \
  || fail "json: no deprecation warning: $(cat "$tmp/err")"

p --log-format=text --verbosity=debug
expect_rc 0 "text"
grep -qE '^time="[^"]+" level=debug msg="Build context: ' "$tmp/err" || fail "text: $(head -2 "$tmp/err")"

p --log-format=color -v trace
expect_rc 0 "color"
esc=$(printf '\033')
grep -q "^${esc}\[37mDEBU${esc}\[0m\[0000\] Build context: " "$tmp/err" || fail "color: $(head -2 "$tmp/err" | od -c | head)"

run env NO_COLOR=1 "$KANIKO" build --print-options --no-push -c "$ctx" -v debug
grep -q '^DEBU\[0000\] Build context: ' "$tmp/err" || fail "NO_COLOR: $(head -2 "$tmp/err")"

run env NO_COLOR=1 "$KANIKO" build --print-options --no-push -c "$ctx" -v debug --log-timestamp
grep -qE '^DEBU\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9:]{5})\] Build context: ' "$tmp/err" \
  || fail "--log-timestamp: $(head -2 "$tmp/err")"

p -v error --snapshotMode=full
expect_empty err "error level hides warnings"

p -v warn --snapshotMode=full --log-format=text
grep -q 'level=warning msg="flag --snapshotMode is deprecated' "$tmp/err" || fail "warn level: $(cat "$tmp/err")"
grep -q 'level=debug' "$tmp/err" && fail "warn level shows debug"

# Errors keep their plain form in every log format.
run "$KANIKO" build --log-format=json -c "$ctx"
expect_rc 2 "error in json mode"
expect_err 'kaniko: error: you must provide --destination, or use --no-push' "error in json mode"

finish
