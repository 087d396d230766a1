#!/bin/sh
# Resolved options through the hidden --print-options: every flag form,
# precedence flag > environment > config file > default, round trip.
. "${KN_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-lib.sh"
command -v jq > /dev/null || { echo "SKIP: jq is not installed"; exit 77; }

p () { run "$KANIKO" build --print-options -c "$ctx" "$@"; }

p --no-push
expect_rc 0 "defaults"
jq_out '.dockerfile == "Dockerfile" and .["snapshot-mode"] == "full" and .["cache-ttl"] == "336h0m0s"' "defaults"
jq_out '.["ignore-var-run"] == true and .["no-push"] == true and .destination == [] and .verbosity == "info"' "defaults"
jq_out '(.["custom-platform"] | test("^linux/")) and .["compression-level"] == -1' "defaults"
jq_out 'has("config") | not' "defaults"

p --no-push=true -d r/a -d r/b --destination=r/c -f Dockerfile --cache-ttl 6h --push-retry=3 \
  --label a=b --build-arg X --registry-map 'a.io=b.io;c.io=d.io' --git=branch=main --reproducible \
  --platform linux/amd64,linux/arm64 --plugin-opt gzip.level=9 --insecure-registry=r1 --insecure-registry r2
expect_rc 0 "flag forms"
jq_out '.destination == ["r/a","r/b","r/c"] and .["cache-ttl"] == "6h0m0s" and .["push-retry"] == 3' "flag forms"
jq_out '.label == ["a=b"] and .["build-arg"] == ["X="] and .["registry-map"] == ["a.io=b.io","c.io=d.io"]' "flag forms"
jq_out '.git == ["branch=main"] and .reproducible == true and .platform == ["linux/amd64","linux/arm64"]' "flag forms"
jq_out '.["plugin-opt"] == ["gzip.level=9"] and .["insecure-registry"] == ["r1","r2"]' "flag forms"

X=from-env p --no-push --build-arg X --ignore-var-run=false --single-snapshot=true
jq_out '.["build-arg"] == ["X=from-env"] and .["ignore-var-run"] == false and .["single-snapshot"] == true' \
  "bare build-arg from the environment"

# Precedence.
cat > "$tmp/c.json" <<JSON
{"push-retry": 1, "kaniko-dir": "/cfg-dir", "registry-mirror": ["cfg.mirror"], "snapshot-mode": "redo",
 "no-push": true, "label": {"from": "config"}, "plugins": {"gzip": {"level": 1, "threads": 2}}}
JSON
p --config "$tmp/c.json"
expect_rc 0 "config"
jq_out '.["push-retry"] == 1 and .["kaniko-dir"] == "/cfg-dir" and .["registry-mirror"] == ["cfg.mirror"]' "config"
jq_out '.["snapshot-mode"] == "redo" and .label == ["from=config"]' "config"
jq_out '.["plugin-opt"] == ["gzip.level=1","gzip.threads=2"]' "config plugins"

run env KANIKO_DIR=/env-dir KANIKO_REGISTRY_MIRROR=env.mirror KANIKO_PUSH_RETRY=2 \
  "$KANIKO" build --print-options -c "$ctx" --config "$tmp/c.json"
jq_out '.["push-retry"] == 2 and .["kaniko-dir"] == "/env-dir" and .["registry-mirror"] == ["env.mirror"]' \
  "environment over config"
jq_out '.["snapshot-mode"] == "redo"' "environment over config, config over default"

run env KANIKO_DIR=/env-dir KANIKO_PUSH_RETRY=2 KANIKO_CONFIG="$tmp/c.json" \
  "$KANIKO" build --print-options -c "$ctx" --push-retry 3 --kaniko-dir=/flag-dir --registry-mirror=flag.mirror \
  --plugin-opt gzip.level=9
jq_out '.["push-retry"] == 3 and .["kaniko-dir"] == "/flag-dir" and .["registry-mirror"] == ["flag.mirror"]' \
  "flag over environment (config from KANIKO_CONFIG)"
jq_out '.["plugin-opt"] == ["gzip.threads=2","gzip.level=9"]' "plugin options merge per key, the flag wins"

run env KANIKO_NO_PUSH=true "$KANIKO" build --print-options -c "$ctx"
expect_rc 0 "KANIKO_NO_PUSH"
jq_out '.["no-push"] == true' "KANIKO_NO_PUSH"

run env KANIKO_REGISTRY_MAP='index.docker.io=m1;index.docker.io=m2' "$KANIKO" build --print-options -c "$ctx" --no-push
jq_out '.["registry-map"] == ["index.docker.io=m1","index.docker.io=m2"]' "KANIKO_REGISTRY_MAP"

# Round trip: the output is a config file that gives the same options.
p --no-push -d r/a --label k=v --cache-ttl 90m --push-retry-backoff-multiplier 1.5 --plugin-opt x.y=z
cp "$tmp/out" "$tmp/first.json"
run "$KANIKO" build --print-options --config "$tmp/first.json"
expect_rc 0 "round trip"
diff -u "$tmp/first.json" "$tmp/out" > "$tmp/diff" || fail "round trip differs: $(cat "$tmp/diff")"

# Deprecated spellings still work.
p --no-push --snapshotMode=time --tarPath /o.tar --customPlatform=linux/arm64
expect_rc 0 "deprecated spellings"
jq_out '.["snapshot-mode"] == "time" and .["tar-path"] == "/o.tar" and .["custom-platform"] == "linux/arm64"' \
  "deprecated spellings"

finish
