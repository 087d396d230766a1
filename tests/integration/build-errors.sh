#!/bin/sh
# Build failures give a clear message, a non-zero exit status and no output:
# a missing Dockerfile, a syntax error (file:line), an unknown --target, an
# unknown stage in COPY --from, a bad base reference, a missing base image,
# wrong registry credentials (push check and pull), a RUN without runner,
# unknown --snapshot-mode / --runner / --compression names (at start-up).
set -eu
. "$(dirname "$0")/build-lib.sh"
need jq

ctx="$tmp/ctx"
mkdir -p "$ctx"
echo x > "$ctx/x.txt"

# expect_fail PATTERN ARGS...: the build fails, its log matches PATTERN, and
# the OCI layout and the digest file were not written.
expect_fail() {
  pattern=$1
  shift
  rm -rf "$tmp/oci" "$tmp/digest"
  if kbuild --context "$ctx" --oci-layout-path "$tmp/oci" --digest-file "$tmp/digest" "$@"; then
    cat "$tmp/log"
    fail "build succeeded, expected: $pattern"
  fi
  grep -q -- "$pattern" "$tmp/log" || fail "expected '$pattern' in: $(cat "$tmp/log")"
  [ ! -e "$tmp/oci" ] || fail "OCI layout written by a failed build ($pattern)"
  [ ! -e "$tmp/digest" ] || fail "digest file written by a failed build ($pattern)"
  if [ -d "$tmp/kaniko/builds" ] && [ -n "$(ls -A "$tmp/kaniko/builds")" ]; then
    fail "run directory left behind: $(ls "$tmp/kaniko/builds")"
  fi
}

expect_fail "no Dockerfile" --no-push

printf 'FROM scratch\nCOPY x.txt /\nCOPY\n' > "$ctx/Dockerfile"
expect_fail "Dockerfile:3" --no-push

printf 'FROM scratch\nCOPY x.txt /\nBOGUS instruction\n' > "$ctx/Dockerfile"
expect_fail "Dockerfile:3" --no-push

printf 'FROM scratch AS one\nCOPY x.txt /\n' > "$ctx/Dockerfile"
expect_fail 'target stage' --no-push --target nosuch

printf 'FROM scratch\nCOPY --from=NoSuch /x /\n' > "$ctx/Dockerfile"
expect_fail 'NoSuch' --no-push

printf 'FROM scratch\nCOPY missing.txt /\n' > "$ctx/Dockerfile"
expect_fail 'Dockerfile:2' --no-push

printf 'FROM Not//A::Valid@Ref\n' > "$ctx/Dockerfile"
expect_fail 'Dockerfile:1' --no-push

# Unknown plugin names fail at start-up with the available names, even when
# no step would use them (no RUN: no snapshot, no runner).
printf 'FROM scratch\nCOPY x.txt /\nLABEL a=b\n' > "$ctx/Dockerfile"
expect_fail '--snapshot-mode bogus' --no-push --snapshot-mode bogus
grep -q 'full' "$tmp/log" || fail "no available snapshot modes in: $(cat "$tmp/log")"
expect_fail '--runner bogus' --no-push --runner bogus
grep -q 'chroot' "$tmp/log" || fail "no available runners in: $(cat "$tmp/log")"
expect_fail '--compression bogus' --no-push --compression bogus
grep -q 'zstd' "$tmp/log" || fail "no available compressors in: $(cat "$tmp/log")"

start_registry kn:secret
mkdir -p "$tmp/dc"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf 'kn:wrong' | base64)" > "$tmp/dc/config.json"
export DOCKER_CONFIG="$tmp/dc"

printf 'FROM scratch\nCOPY x.txt /\n' > "$ctx/Dockerfile"
expect_fail "$REG/kn/out" --destination "$REG/kn/out:v1"

printf 'FROM %s/kn/base:v1\nCOPY x.txt /\n' "$REG" > "$ctx/Dockerfile"
expect_fail "$REG/kn/base" --no-push

# With the right credentials the push works (the failure above was the credentials).
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf 'kn:secret' | base64)" > "$tmp/dc/config.json"
printf 'FROM scratch\nCOPY x.txt /\n' > "$ctx/Dockerfile"
kbuild --context "$ctx" --destination "$REG/kn/out:v1" || { cat "$tmp/log"; fail "push with credentials"; }
# ... and a missing base image is a clear error.
printf 'FROM %s/kn/nothing:here\n' "$REG" > "$ctx/Dockerfile"
expect_fail "kn/nothing" --no-push
echo "PASS: build-errors"
