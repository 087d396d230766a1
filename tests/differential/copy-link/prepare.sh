ln -s sub/nested.txt dir/rel-link
