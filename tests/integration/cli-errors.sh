#!/bin/sh
# Exit codes and error messages: usage errors exit 2, others 1; every error
# reaches stderr as "kaniko: error: <message>" and nothing is printed on stdout.
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"

run "$KANIKO" --destinaton=r/a
expect_rc 2 "unknown flag"
expect_err 'kaniko: error: unknown flag: --destinaton (did you mean --destination?)' "unknown flag"
expect_err "Run 'kaniko build --help' for usage." "unknown flag"
expect_empty out "unknown flag"

run "$KANIKO" build -q
expect_rc 2 "unknown shorthand"
expect_err "kaniko: error: unknown shorthand flag: 'q' in -q" "unknown shorthand"

run "$KANIKO" frobnicate
expect_rc 2 "unknown command"
expect_err 'kaniko: error: unknown command "frobnicate"' "unknown command"

run "$KANIKO" build --no-push extra
expect_rc 2 "positional argument"
expect_err 'unexpected argument "extra"' "positional argument"

run "$KANIKO" build --no-push false
expect_rc 2 "bool with separate value"
expect_err 'write --no-push=false' "bool with separate value"

run "$KANIKO" build --push-retry=often
expect_rc 2 "bad integer"
expect_err 'kaniko: error: invalid argument for --push-retry: "often": expected an integer' "bad integer"

run "$KANIKO" build --cache-ttl=2w
expect_rc 2 "bad duration"
expect_err 'invalid argument for --cache-ttl' "bad duration"

run "$KANIKO" build --dockerfile
expect_rc 2 "missing value"
expect_err 'flag needs an argument: --dockerfile' "missing value"

run "$KANIKO" build --no-push -c "$ctx" --use-new-run
expect_rc 2 "not supported flag"
expect_err 'kaniko: error: not supported yet: --use-new-run' "not supported flag"

run "$KANIKO" build --no-push -c "$ctx" --use-new-run=false --print-options
expect_rc 0 "not supported flag at its default"

run env KANIKO_NO_PUSH=sometimes "$KANIKO" build -c "$ctx"
expect_rc 2 "bad environment value"
expect_err 'invalid value in KANIKO_NO_PUSH (--no-push): "sometimes"' "bad environment value"

run "$KANIKO" build -c "$ctx"
expect_rc 2 "no destination"
expect_err 'kaniko: error: you must provide --destination, or use --no-push' "no destination"

run "$KANIKO" build -c "$ctx" --no-push --cache
expect_rc 2 "cache (not built yet)"
expect_err 'kaniko: error: not supported yet: --cache' "cache (not built yet)"

run "$KANIKO" build -c "$ctx" --no-push -f Nope
expect_rc 1 "missing Dockerfile"
expect_err 'kaniko: error: no Dockerfile at Nope' "missing Dockerfile"

run "$KANIKO" build -c "$tmp/none" --no-push
expect_rc 1 "missing context"
expect_err "kaniko: error: context directory $tmp/none" "missing context"

echo '{"push-retry": "x"}' > "$tmp/bad.json"
run "$KANIKO" build --config "$tmp/bad.json" --no-push -c "$ctx"
expect_rc 2 "config value"
expect_err "kaniko: error: $tmp/bad.json: key \"push-retry\": \"x\": expected an integer" "config value"

printf '{\n"no-push": true,\n}\n' > "$tmp/syntax.json"
run "$KANIKO" build --config "$tmp/syntax.json"
expect_rc 2 "config syntax"
expect_err "kaniko: error: $tmp/syntax.json:3: invalid JSON" "config syntax"

run "$KANIKO" build --config "$tmp/missing.json"
expect_rc 1 "config missing"
expect_err "kaniko: error: config file $tmp/missing.json" "config missing"

# A valid build runs the engine (its log on stderr, nothing on stdout).
run "$KANIKO" build --no-push -c "$ctx" --kaniko-dir "$tmp/kaniko"
expect_rc 0 "build"
expect_err 'Image digest: sha256:' "build"
expect_empty out "build"

# Without a command, kaniko is "kaniko build".
run "$KANIKO" --no-push -c "$ctx" --kaniko-dir "$tmp/kaniko"
expect_rc 0 "no command"
expect_err 'Image digest: sha256:' "no command"

finish
