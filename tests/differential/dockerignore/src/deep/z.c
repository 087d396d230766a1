src/deep/z.c
