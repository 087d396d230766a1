#!/bin/sh
# RUN --mount=type=secret (kaniko build --secret id=...,src=FILE / id=...,env=VAR):
# the RUN steps can read the secret, and its content appears nowhere in the
# output image: not in any layer (decompressed, every byte), not in the config
# (Env, history, labels), not in the manifest; the mount point leaves no file.
set -eu
. "$(dirname "$0")/build-lib.sh"
need jq tar gzip grep
start_registry
push_busybox_base base/busybox

SECRET="kn-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
ENVSECRET="kn-envsecret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
TOKSECRET="kn-toksecret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
ctx="$tmp/ctx"
mkdir -p "$ctx"
printf '%s' "$SECRET" > "$tmp/secret.txt"
printf '%s' "$TOKSECRET" > "$tmp/tok.txt"
# The Dockerfile holds only the secrets' sha256, never the secrets.
H1=$(printf '%s' "$SECRET" | sha256sum | cut -c1-64)
H2=$(printf '%s' "$ENVSECRET" | sha256sum | cut -c1-64)
H3=$(printf '%s' "$TOKSECRET" | sha256sum | cut -c1-64)
cat > "$ctx/Dockerfile" <<DF
FROM $REG/base/busybox:latest
RUN --mount=type=secret,id=token test "\$(sha256sum < /run/secrets/token | cut -c1-64)" = $H1 && echo used > /used-default
RUN --mount=type=secret,id=token,target=/etc/app/token,mode=0400 \\
    test "\$(sha256sum < /etc/app/token | cut -c1-64)" = $H1 && echo used > /used-target
RUN --mount=type=secret,id=fromenv test "\$(sha256sum < /run/secrets/fromenv | cut -c1-64)" = $H2 && echo used > /used-env
RUN --mount=type=secret,id=token,required=true cp /run/secrets/token /tmp/copy && rm /tmp/copy && echo done > /done
# env=: the secret as an environment variable of this RUN only, no file
# (BuildKit), unless target= is given too.
RUN --mount=type=secret,id=tok,env=TOK test "\$(printf %s "\$TOK" | sha256sum | cut -c1-64)" = $H3 \
    && test ! -e /run/secrets/tok && echo used > /used-envvar
RUN --mount=type=secret,id=tok,env=TOK2,target=/etc/tok \
    test "\$(printf %s "\$TOK2" | sha256sum | cut -c1-64)" = $H3 \
    && test "\$(sha256sum < /etc/tok | cut -c1-64)" = $H3 && echo used > /used-envvar-target
RUN test -z "\${TOK:-}\${TOK2:-}" && echo gone > /envvar-gone
DF
KN_SECRET_ENV_VALUE="$ENVSECRET"; export KN_SECRET_ENV_VALUE
"$KANIKO" build --kaniko-dir "$tmp/kaniko" --context "$ctx" --no-push \
  --secret "id=token,src=$tmp/secret.txt" --secret "id=fromenv,env=KN_SECRET_ENV_VALUE" \
  --secret "id=tok,src=$tmp/tok.txt" \
  --oci-layout-path "$tmp/oci" > "$tmp/log" 2>&1 \
  || { cat "$tmp/log"; fail "build with --secret failed (RUN --mount=type=secret)"; }

# Every blob of the layout, decompressed when it is a layer.
hits=
for b in "$tmp"/oci/blobs/sha256/*; do
  if gzip -t "$b" 2>/dev/null; then gzip -dc "$b" > "$tmp/blob"; else cp "$b" "$tmp/blob"; fi
  if grep -a -q -e "$SECRET" -e "$ENVSECRET" -e "$TOKSECRET" "$tmp/blob"; then hits="$hits $(basename "$b")"; fi
done
[ -z "$hits" ] || fail "secret content found in blobs:$hits"
grep -a -q -e "$SECRET" -e "$ENVSECRET" -e "$TOKSECRET" "$tmp/oci/index.json" && fail "secret in index.json"

# The steps ran, and the mount points left nothing behind.
m=$(jq -r '.manifests[0].digest' "$tmp/oci/index.json" | cut -d: -f2)
for l in $(jq -r '.layers[].digest' "$tmp/oci/blobs/sha256/$m" | cut -d: -f2); do
  tar -tf "$tmp/oci/blobs/sha256/$l"
done > "$tmp/entries"
for f in used-default used-target used-env done used-envvar used-envvar-target envvar-gone; do
  grep -qx "$f" "$tmp/entries" || fail "RUN step did not produce /$f"
done
if grep -E '^(run/secrets/|etc/app/token|etc/tok)' "$tmp/entries"; then fail "secret mount point left in a layer"; fi
# The env= variables are in neither the config Env nor the history.
cfg=$(jq -r '.config.digest' "$tmp/oci/blobs/sha256/$m" | cut -d: -f2)
jq -e '[.config.Env[]? | select(startswith("TOK=") or startswith("TOK2="))] | length == 0' \
  "$tmp/oci/blobs/sha256/$cfg" > /dev/null || fail "env= secret variable in the config Env"
# The build log does not print the secret either.
grep -a -q -e "$SECRET" -e "$ENVSECRET" -e "$TOKSECRET" "$tmp/log" && fail "secret printed in the build log"
echo "PASS: build-secret-leak"
