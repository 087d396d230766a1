set -e
echo suid > suid-file; chmod 4755 suid-file
echo sgid > sgid-file; chmod 2750 sgid-file
mkdir -p modes/sticky-dir modes/setgid-dir modes/private-dir
chmod 1777 modes/sticky-dir; echo in > modes/sticky-dir/f
chmod 2775 modes/setgid-dir; chmod 0700 modes/private-dir
chmod 0755 modes
