#!/bin/sh
# The runner plugins as the program sees them: `kaniko plugins` lists chroot,
# userns and inplace as runners (modules or builtins), and each module, loaded
# with dlopen like the loader does, runs a command in a busybox root (as
# root; skipped otherwise) through its exported kn_plugin_get_desc().
set -eu
: "${KANIKO:?}" "${KN_TOP_BUILDDIR:?}" "${KN_TOP_SRCDIR:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kn-runner-plugins.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
ok () { echo "ok: $*"; }
bad () { echo "FAIL: $*"; fail=$((fail + 1)); }

"$KANIKO" plugins > "$tmp/list" 2>&1 || { cat "$tmp/list"; bad "kaniko plugins failed"; }
for p in chroot userns inplace; do
  if grep -Eq "^  $p [0-9.]+  ABI [0-9.]+  runner\$" "$tmp/list"; then ok "$p is listed as a runner"; else
    bad "$p is not listed as a runner"; cat "$tmp/list"; fi
done
if grep -Eq "/(chroot|userns|inplace)\.[a-z]+: " "$tmp/list"; then bad "a runner was refused"; cat "$tmp/list"; else
  ok "no runner refused"; fi

if [ "$(id -u)" != 0 ]; then
  echo "SKIP (partly): running a command through the modules needs root"
  exit $fail
fi
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "SKIP (partly): no busybox"; exit $fail; }

root=$tmp/root
mkdir -p "$root/bin" "$root/tmp"
cp "$bb" "$root/bin/busybox"
for a in sh echo cat; do ln -s busybox "$root/bin/$a"; done

cat > "$tmp/drive.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <kaniko/sys/runner.h>
/* drive MODULE ROOT: run `sh -c 'echo via $0; exit 7'` through MODULE's runner. */
int main (int argc, char **argv)
{
  void *h = dlopen (argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf (stderr, "dlopen: %s\n", dlerror ()); return 2; }
  kn_plugin_get_desc_fn get = (kn_plugin_get_desc_fn) dlsym (h, KN_PLUGIN_ENTRY_SYMBOL);
  if (!get) { fprintf (stderr, "no entry\n"); return 2; }
  const struct kn_plugin_desc *d = get ();
  const struct kn_runner *r = d->features[0].vtable;
  char *why = NULL;
  if (r->usable && !r->usable (&why)) { printf ("unusable: %s\n", why); return 77; }
  const char *av[] = { "sh", "-c", "echo via $0 in $(cat /proc/1/comm 2>/dev/null || echo host); exit 7", NULL };
  const char *env[] = { "PATH=/bin", NULL };
  struct kn_run_spec s = { 0 };
  s.size = sizeof s; s.root = argc > 2 ? argv[2] : NULL; s.argv = av; s.envp = env; s.workdir = "/tmp";
  s.stdin_fd = -1; s.stdout_fd = -1; s.stderr_fd = -1;
  int status = 0;
  struct kn_error *err = NULL;
  if (r->run (&s, &status, &err) < 0) { fprintf (stderr, "run: %s\n", err->msg); return 3; }
  return WIFEXITED (status) ? WEXITSTATUS (status) : 4;
}
EOF
# A sanitized libkaniko (--enable-sanitizers) needs the runtime in the driver too.
san=
if ldd "$KN_TOP_BUILDDIR/core/.libs/libkaniko.so" 2>/dev/null | grep -q libasan; then
  san="-fsanitize=address,undefined"
fi
if ! ${CC:-cc} $san -o "$tmp/drive" "$tmp/drive.c" -I"$KN_TOP_SRCDIR/include" -I"$KN_TOP_BUILDDIR/include" -ldl \
    > "$tmp/cc.log" 2>&1; then
  cat "$tmp/cc.log"; bad "cannot build the driver"; exit 1
fi

for p in chroot userns; do
  so=$KN_TOP_BUILDDIR/plugins/.libs/$p.so
  if [ ! -f "$so" ]; then echo "skip: $p is a builtin here (no module)"; continue; fi
  set +e
  LD_LIBRARY_PATH="$KN_TOP_BUILDDIR/core/.libs" "$tmp/drive" "$so" "$root" > "$tmp/out" 2>&1
  rc=$?
  set -e
  if [ $rc = 77 ]; then echo "skip: $(cat "$tmp/out")"; continue; fi
  if [ $rc = 7 ] && grep -qx "via sh in sh" "$tmp/out"; then ok "$p module runs a command in the root (exit 7)"; else
    bad "$p module: exit $rc"; cat "$tmp/out"; fi
  if [ -e "$root/proc" ] || [ -e "$root/dev" ] || [ -e "$root/etc" ]; then bad "$p left mount targets in the root"; fi
done

so=$KN_TOP_BUILDDIR/plugins/.libs/inplace.so
if [ -f "$so" ]; then
  set +e
  LD_LIBRARY_PATH="$KN_TOP_BUILDDIR/core/.libs" "$tmp/drive" "$so" > "$tmp/out" 2>&1
  rc=$?
  set -e
  if [ $rc = 7 ] && grep -q "^via sh in " "$tmp/out"; then ok "inplace module runs a command on /"; else
    bad "inplace module: exit $rc"; cat "$tmp/out"; fi
fi
exit $fail
