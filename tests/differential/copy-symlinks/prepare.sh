mkdir -p tree/inner
echo target > file.txt
echo inner > tree/inner/file
ln -s file.txt link-to-file
ln -s inner/file tree/rel-link
ln -s /etc/passwd tree/abs-link
ln -s does-not-exist tree/dangling
ln -s inner tree/dir-link
