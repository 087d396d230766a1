chmod 0755 exec.sh
chmod 0600 private.txt
chmod 0711 dir
chmod 0751 dir/sub
chmod 0700 dir/sub/deeper
