# Deterministic archives (fixed mtimes, order and owners, gzip without a name/time).
set -e
mkdir -p t/dir/sub
echo one > t/dir/one
echo two > t/dir/sub/two
chmod 0751 t/dir/sub
chmod 4755 t/dir/one
ln -s one t/dir/link
ln t/dir/sub/two t/dir/hard
T="tar --sort=name --mtime=@0 --numeric-owner"
$T --owner=123 --group=456 -C t -cf plain.tar dir
$T --owner=0 --group=0 -C t -cf - dir | gzip -n > archive.tar.gz
$T --owner=0 --group=0 -C t -cf - dir | bzip2 > archive.tar.bz2
$T --owner=0 --group=0 -C t -cf - dir | xz > archive.tar.xz
echo 'just text' > not-an-archive.tar.gz
rm -rf t
