set -e
mkdir -p t/d && echo in-archive > t/d/f
tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C t -cf - d | gzip -n > served/archive.tar.gz
rm -rf t
