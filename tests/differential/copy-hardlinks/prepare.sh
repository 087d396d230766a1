set -e
mkdir -p links/sub
echo shared > links/a
ln links/a links/b
ln links/a links/sub/c
echo alone > links/alone
