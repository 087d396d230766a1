/* Unit tests of the compressor plugins gzip, zstd and none (compiled into
 * this test with -DKN_PLUGIN_BUILTIN): round trips, compatibility with the
 * gzip and zstd commands, corrupt and truncated input, errors of the sink and
 * a 512 MiB streamed round trip in bounded memory. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <kaniko/sys/compressor.h>
#include <kaniko/sys/util.h>

const struct kn_plugin_desc *kn_plugin_gzip_get_desc (void);
const struct kn_plugin_desc *kn_plugin_zstd_get_desc (void);
const struct kn_plugin_desc *kn_plugin_none_get_desc (void);

static const struct kn_compressor *
comp (const char *name)
{
  const struct kn_plugin_desc *d = strcmp (name, "gzip") == 0   ? kn_plugin_gzip_get_desc ()
                                   : strcmp (name, "zstd") == 0 ? kn_plugin_zstd_get_desc ()
                                                                : kn_plugin_none_get_desc ();
  cr_assert_eq (d->abi_major, KN_PLUGIN_ABI_MAJOR);
  cr_assert_str_eq (d->name, name);
  cr_assert_eq (d->n_features, 1);
  cr_assert_eq (d->features[0].kind, KN_KIND_COMPRESSOR);
  const struct kn_compressor *c = d->features[0].vtable;
  cr_assert_eq (c->version, KN_COMPRESSOR_VERSION);
  cr_assert_str_eq (c->name, name);
  return c;
}

static uint64_t
xorshift (uint64_t *s)
{
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Deterministic data: random runs mixed with phrases (compresses about 3:1). */
static void
gen (unsigned char *buf, size_t len, uint64_t seed)
{
  static const char phrase[] = "FROM debian:12\nRUN apt-get update && apt-get install -y build-essential\n"
                               "COPY --from=builder /usr/local/bin/kaniko /kaniko/executor\n";
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  size_t i = 0;
  while (i < len)
    {
      uint64_t x = xorshift (&s);
      size_t n = len - i < 8 ? len - i : 8;
      if ((x & 0xff) < 80)
        memcpy (buf + i, &x, n);
      else
        {
          size_t off = (size_t) (x >> 8) % (sizeof phrase - 9);
          memcpy (buf + i, phrase + off, n);
        }
      i += n;
    }
}

static unsigned char *
random_bytes (size_t len, uint64_t seed)
{
  unsigned char *b = kn_xmalloc (len);
  uint64_t s = seed | 1;
  for (size_t i = 0; i < len; i++)
    b[i] = (unsigned char) (xorshift (&s) >> 56);
  return b;
}

/* Compress DATA with C into a malloc'd buffer, writing in CHUNK-sized pieces. */
static unsigned char *
compress_mem (const struct kn_compressor *c, const void *data, size_t len, int level, unsigned threads, size_t chunk,
              size_t *out_len)
{
  struct kn_error *err = NULL;
  struct kn_writer *sink = kn_writer_new_mem ();
  struct kn_writer *w = NULL;
  struct kn_compress_opts opts = KN_COMPRESS_OPTS_INIT;
  opts.level = level;
  opts.threads = threads;
  cr_assert_eq (c->new_writer (&w, sink, &opts, &err), 0, "%s", err ? err->msg : "");
  const unsigned char *p = data;
  for (size_t off = 0; off < len; off += chunk)
    {
      size_t n = len - off < chunk ? len - off : chunk;
      cr_assert_eq (kn_writer_write (w, p + off, n, &err), 0, "%s", err ? err->msg : "");
    }
  cr_assert_eq (kn_writer_close (w, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (kn_writer_close (w, &err), 0, "second close is a no-op");
  kn_writer_free (w);
  size_t n;
  const void *d = kn_writer_mem_data (sink, &n);
  unsigned char *copy = kn_xmalloc (n);
  memcpy (copy, d, n);
  kn_writer_free (sink);
  *out_len = n;
  return copy;
}

/* Decompress; returns the result or NULL with *errp set. */
static unsigned char *
decompress_mem (const struct kn_compressor *c, const void *data, size_t len, size_t chunk, size_t *out_len,
                struct kn_error **errp)
{
  struct kn_reader *src = kn_reader_new_mem (data, len);
  struct kn_reader *r = NULL;
  cr_assert_eq (c->new_reader (&r, src, errp), 0);
  size_t cap = 1024, n = 0;
  unsigned char *out = kn_xmalloc (cap);
  for (;;)
    {
      if (cap - n < chunk)
        {
          cap = cap * 2 + chunk;
          out = kn_xrealloc (out, cap);
        }
      ssize_t got = kn_reader_read (r, out + n, chunk, errp);
      if (got < 0)
        {
          free (out);
          out = NULL;
          break;
        }
      if (got == 0)
        break;
      n += (size_t) got;
    }
  kn_reader_free (r);
  kn_reader_free (src);
  *out_len = n;
  return out;
}

static void
roundtrip (const char *name, const void *data, size_t len, unsigned threads, size_t wchunk, size_t rchunk)
{
  const struct kn_compressor *c = comp (name);
  size_t clen, dlen;
  struct kn_error *err = NULL;
  kn_cleanup_free unsigned char *z = compress_mem (c, data, len, -1, threads, wchunk, &clen);
  kn_cleanup_free unsigned char *d = decompress_mem (c, z, clen, rchunk, &dlen, &err);
  cr_assert_not_null (d, "%s: %s", name, err ? err->msg : "");
  cr_assert_eq (dlen, len, "%s: %zu bytes back, expected %zu", name, dlen, len);
  cr_assert (len == 0 || memcmp (d, data, len) == 0, "%s: data differs", name);
  if (c->detect)
    cr_assert (c->detect (z, clen), "%s: detect() does not recognise its own output", name);
}

static const char *const all[] = { "gzip", "zstd", "none" };

Test (compress, roundtrip_small_and_empty)
{
  for (size_t i = 0; i < 3; i++)
    {
      roundtrip (all[i], "hello, kaniko\n", 14, 0, 3, 5);
      roundtrip (all[i], "", 0, 0, 1, 1);
      roundtrip (all[i], "x", 1, 1, 1, 1);
    }
}

Test (compress, roundtrip_random_and_compressible)
{
  size_t len = 3 * 1024 * 1024 + 12345;
  kn_cleanup_free unsigned char *rnd = random_bytes (len, 42);
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len);
  gen (txt, len, 7);
  for (size_t i = 0; i < 3; i++)
    for (unsigned t = 1; t <= 4; t += 3)
      {
        roundtrip (all[i], rnd, len, t, 100000, 70000);
        roundtrip (all[i], txt, len, t, 1 << 20, 1 << 16);
      }
  /* Exactly one gzip block, and a multiple of blocks. */
  roundtrip ("gzip", txt, 128 * 1024, 2, 4096, 4096);
  roundtrip ("gzip", txt, 4 * 128 * 1024, 3, 128 * 1024, 777);
}

Test (compress, output_does_not_depend_on_threads)
{
  size_t len = 7 * 1024 * 1024 + 99;
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len);
  gen (txt, len, 3);
  for (size_t i = 0; i < 2; i++)
    {
      const struct kn_compressor *c = comp (all[i]);
      size_t l1, l4, l0;
      kn_cleanup_free unsigned char *z1 = compress_mem (c, txt, len, -1, 1, 65536, &l1);
      kn_cleanup_free unsigned char *z4 = compress_mem (c, txt, len, -1, 4, 1000, &l4);
      kn_cleanup_free unsigned char *z0 = compress_mem (c, txt, len, -1, 0, 1 << 20, &l0);
      cr_assert (l1 == l4 && memcmp (z1, z4, l1) == 0, "%s: 1 and 4 threads differ", all[i]);
      cr_assert (l1 == l0 && memcmp (z1, z0, l1) == 0, "%s: 1 and auto threads differ", all[i]);
      cr_assert_lt (l1, len / 2, "%s: compressible data did not shrink (%zu)", all[i], l1);
    }
}

/* Random (or already compressed) blocks are stored, not deflated: the raw
 * bytes then sit in the output in stored blocks of up to 64 KiB, where a
 * deflate that found nothing to gain would cut them every 16 Ki literals.
 * Text blocks around them are still deflated, and the result round-trips. */
Test (compress, gzip_stores_random_blocks)
{
  size_t blk = 128 * 1024, len = 3 * blk;
  kn_cleanup_free unsigned char *data = kn_xmalloc (len);
  gen (data, blk, 5);
  kn_cleanup_free unsigned char *rnd = random_bytes (blk, 77);
  memcpy (data + blk, rnd, blk);
  gen (data + 2 * blk, blk, 6);
  const struct kn_compressor *c = comp ("gzip");
  for (int level = 1; level <= 9; level += 8)
    {
      size_t zlen;
      kn_cleanup_free unsigned char *z = compress_mem (c, data, len, level, 2, 10000, &zlen);
      cr_assert_not_null (memmem (z, zlen, rnd, 32768), "level %d: the random block was not stored", level);
      cr_assert_lt (zlen, len - blk / 2, "level %d: the text blocks were not compressed (%zu bytes)", level, zlen);
    }
  roundtrip ("gzip", data, len, 2, 4096, 5000);
}

Test (compress, gzip_header_and_levels)
{
  const struct kn_compressor *c = comp ("gzip");
  size_t len = 300000, l1, l9, l0;
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len + 64);
  for (size_t off = 0, i = 0; off < len; i++)
    off += (size_t) sprintf ((char *) txt + off, "line %zu: the quick brown fox %zu\n", i, i * i % 1000);
  kn_cleanup_free unsigned char *z1 = compress_mem (c, txt, len, -1, 1, len, &l1);
  kn_cleanup_free unsigned char *z9 = compress_mem (c, txt, len, 9, 1, len, &l9);
  kn_cleanup_free unsigned char *z0 = compress_mem (c, txt, len, 0, 1, len, &l0);
  /* Go's compress/gzip header at BestSpeed, the default. */
  static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255 };
  cr_assert (memcmp (z1, hdr, 10) == 0, "default level is 1 with Go's header");
  cr_assert_eq (z9[8], 2);
  cr_assert_lt (l9, l1, "level 9: %zu bytes, level 1: %zu bytes", l9, l1);
  cr_assert_gt (l0, len, "level 0 stores");
  struct kn_error *err = NULL;
  struct kn_writer *sink = kn_writer_new_mem (), *w = NULL;
  struct kn_compress_opts opts = KN_COMPRESS_OPTS_INIT;
  opts.level = 10;
  cr_assert_eq (c->new_writer (&w, sink, &opts, &err), -KN_EINVAL);
  cr_assert_not_null (strstr (err->msg, "level 10"), "%s", err->msg);
  kn_error_release (&err);
  const struct kn_compressor *zc = comp ("zstd");
  opts.level = 99;
  cr_assert_eq (zc->new_writer (&w, sink, &opts, &err), -KN_EINVAL);
  kn_error_release (&err);
  kn_writer_free (sink);
}

Test (compress, detect)
{
  static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 }, zs[] = { 0x28, 0xb5, 0x2f, 0xfd }, tar[] = "abcd";
  const struct kn_compressor *g = comp ("gzip"), *z = comp ("zstd"), *n = comp ("none");
  cr_assert (g->detect (gz, 4) && !g->detect (zs, 4) && !g->detect (tar, 4) && !g->detect (gz, 1));
  cr_assert (z->detect (zs, 4) && !z->detect (gz, 4) && !z->detect (zs, 3));
  cr_assert_str_eq (g->media_suffix, "gzip");
  cr_assert_str_eq (z->media_suffix, "zstd");
  cr_assert_str_eq (n->media_suffix, "");
}

/* ---- compatibility with the gzip and zstd commands ---- */

static char *
tmpdir (void)
{
  const char *t = getenv ("TMPDIR");
  char *d = kn_xasprintf ("%s/kn-compress-XXXXXX", t && *t ? t : "/tmp");
  cr_assert_not_null (mkdtemp (d));
  return d;
}

static void
write_file (const char *path, const void *data, size_t len)
{
  FILE *f = fopen (path, "wb");
  cr_assert_not_null (f, "%s", path);
  cr_assert_eq (fwrite (data, 1, len, f), len);
  cr_assert_eq (fclose (f), 0);
}

static unsigned char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  cr_assert_not_null (f, "%s", path);
  size_t cap = 1 << 16, n = 0;
  unsigned char *b = kn_xmalloc (cap);
  size_t got;
  while ((got = fread (b + n, 1, cap - n, f)) > 0)
    {
      n += got;
      if (n == cap)
        b = kn_xrealloc (b, cap *= 2);
    }
  fclose (f);
  *len = n;
  return b;
}

static void
run (const char *cmd)
{
  int st = system (cmd);
  cr_assert (st != -1 && WIFEXITED (st) && WEXITSTATUS (st) == 0, "command failed: %s", cmd);
}

static void
check_tool_decodes (const char *name, const char *tool, const void *data, size_t len, unsigned threads)
{
  const struct kn_compressor *c = comp (name);
  kn_cleanup_free char *dir = tmpdir ();
  kn_cleanup_free char *zf = kn_xasprintf ("%s/data.z", dir);
  kn_cleanup_free char *of = kn_xasprintf ("%s/data.out", dir);
  size_t clen, olen;
  kn_cleanup_free unsigned char *z = compress_mem (c, data, len, -1, threads, 65536, &clen);
  write_file (zf, z, clen);
  kn_cleanup_free char *cmd = kn_xasprintf ("%s -t -q '%s' && %s -d -c < '%s' > '%s'", tool, zf, tool, zf, of);
  run (cmd);
  kn_cleanup_free unsigned char *o = read_file (of, &olen);
  cr_assert_eq (olen, len, "%s -d: %zu bytes, expected %zu", tool, olen, len);
  cr_assert (len == 0 || memcmp (o, data, len) == 0, "%s -d: data differs", tool);
  kn_cleanup_free char *rm = kn_xasprintf ("rm -rf '%s'", dir);
  run (rm);
}

Test (compress, real_tools_decode_our_output)
{
  size_t len = 5 * 1024 * 1024 + 3;
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len);
  gen (txt, len, 5);
  kn_cleanup_free unsigned char *rnd = random_bytes (300000, 9);
  check_tool_decodes ("gzip", "gzip", txt, len, 4);
  check_tool_decodes ("gzip", "gzip", txt, len, 1);
  check_tool_decodes ("gzip", "gzip", rnd, 300000, 2);
  check_tool_decodes ("gzip", "gzip", "", 0, 2);
  check_tool_decodes ("zstd", "zstd", txt, len, 2);
  check_tool_decodes ("zstd", "zstd", rnd, 300000, 1);
  check_tool_decodes ("zstd", "zstd", "", 0, 0);
}

/* The tool compresses two files; we read the concatenation (multi-member / multi-frame). */
static void
check_we_decode_tool (const char *name, const char *tool)
{
  const struct kn_compressor *c = comp (name);
  kn_cleanup_free char *dir = tmpdir ();
  size_t la = 700000, lb = 1000;
  kn_cleanup_free unsigned char *a = kn_xmalloc (la);
  kn_cleanup_free unsigned char *b = random_bytes (lb, 3);
  gen (a, la, 1);
  kn_cleanup_free char *fa = kn_xasprintf ("%s/a", dir);
  kn_cleanup_free char *fb = kn_xasprintf ("%s/b", dir);
  kn_cleanup_free char *fz = kn_xasprintf ("%s/ab.z", dir);
  write_file (fa, a, la);
  write_file (fb, b, lb);
  kn_cleanup_free char *cmd
      = kn_xasprintf ("%s -q -c < '%s' > '%s' && %s -q -c < '%s' >> '%s'", tool, fa, fz, tool, fb, fz);
  run (cmd);
  size_t zlen, dlen;
  kn_cleanup_free unsigned char *z = read_file (fz, &zlen);
  struct kn_error *err = NULL;
  kn_cleanup_free unsigned char *d = decompress_mem (c, z, zlen, 4096, &dlen, &err);
  cr_assert_not_null (d, "%s", err ? err->msg : "");
  cr_assert_eq (dlen, la + lb);
  cr_assert (memcmp (d, a, la) == 0 && memcmp (d + la, b, lb) == 0);
  kn_cleanup_free char *rm = kn_xasprintf ("rm -rf '%s'", dir);
  run (rm);
}

Test (compress, we_decode_tool_output_multi_member)
{
  check_we_decode_tool ("gzip", "gzip");
  check_we_decode_tool ("zstd", "zstd");
}

/* ---- corrupt and truncated input ---- */

static void
expect_eproto (const struct kn_compressor *c, const void *z, size_t zlen, const char *what)
{
  struct kn_error *err = NULL;
  size_t dlen;
  unsigned char *d = decompress_mem (c, z, zlen, 65536, &dlen, &err);
  cr_assert_null (d, "%s %s: no error", c->name, what);
  cr_assert_not_null (err);
  cr_assert_eq (err->code, KN_EPROTO, "%s %s: %s", c->name, what, err->msg);
  cr_assert_not_null (strstr (err->msg, c->name), "%s", err->msg);
  kn_error_release (&err);
}

Test (compress, corrupt_truncated_empty_and_trailing_garbage)
{
  size_t len = 1000000;
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len);
  gen (txt, len, 8);
  for (size_t i = 0; i < 2; i++)
    {
      const struct kn_compressor *c = comp (all[i]);
      size_t zlen;
      kn_cleanup_free unsigned char *z = compress_mem (c, txt, len, -1, 2, 65536, &zlen);
      expect_eproto (c, "", 0, "empty input");
      expect_eproto (c, z, zlen - 1, "truncated by one byte");
      expect_eproto (c, z, zlen / 2, "truncated in the middle");
      expect_eproto (c, z, 3, "truncated in the header");
      kn_cleanup_free unsigned char *bad = kn_xmalloc (zlen + 16);
      memcpy (bad, z, zlen);
      for (size_t k = zlen / 3; k < zlen / 3 + 16; k++)
        bad[k] ^= 0x5a;
      expect_eproto (c, bad, zlen, "corrupted in the middle");
      memcpy (bad, z, zlen);
      bad[zlen - 2] ^= 0xff; /* gzip: ISIZE; zstd: the content checksum */
      expect_eproto (c, bad, zlen, "corrupted trailer");
      memcpy (bad, z, zlen);
      memcpy (bad + zlen, "garbage garbage!", 16);
      expect_eproto (c, bad, zlen + 16, "trailing garbage");
    }
}

/* ---- errors of the sink ---- */

struct failing_sink
{
  struct kn_writer base;
  size_t left;
};

static int
failing_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct failing_sink *s = (struct failing_sink *) w;
  if (len > s->left)
    return kn_error_make (err, KN_ENOSPC, 0, "disk full");
  s->left -= len;
  return 0;
}

Test (compress, sink_errors_are_reported_and_free_releases)
{
  size_t len = 4 * 1024 * 1024;
  kn_cleanup_free unsigned char *rnd = random_bytes (len, 77);
  for (size_t i = 0; i < 3; i++)
    for (unsigned t = 1; t <= 3; t += 2)
      {
        const struct kn_compressor *c = comp (all[i]);
        struct failing_sink sink = { { failing_write, NULL, NULL }, 100000 };
        struct kn_writer *w = NULL;
        struct kn_error *err = NULL;
        struct kn_compress_opts opts = KN_COMPRESS_OPTS_INIT;
        opts.threads = t;
        cr_assert_eq (c->new_writer (&w, &sink.base, &opts, &err), 0);
        int r = 0;
        for (size_t off = 0; off < len && r == 0; off += 65536)
          r = kn_writer_write (w, rnd + off, 65536, &err);
        if (r == 0)
          r = kn_writer_close (w, &err);
        cr_assert_eq (r, -KN_ENOSPC, "%s: %d", all[i], r);
        cr_assert_not_null (strstr (err->msg, "disk full"), "%s", err->msg);
        kn_error_release (&err);
        cr_assert_lt (kn_writer_write (w, "x", 1, &err), 0, "%s: sticky error", all[i]);
        kn_error_release (&err);
        kn_writer_free (w);
      }
}

Test (compress, free_without_close)
{
  size_t len = 2 * 1024 * 1024;
  kn_cleanup_free unsigned char *txt = kn_xmalloc (len);
  gen (txt, len, 4);
  for (size_t i = 0; i < 3; i++)
    {
      const struct kn_compressor *c = comp (all[i]);
      struct kn_writer *sink = kn_writer_new_mem (), *w = NULL;
      struct kn_error *err = NULL;
      struct kn_compress_opts opts = KN_COMPRESS_OPTS_INIT;
      opts.threads = 4;
      cr_assert_eq (c->new_writer (&w, sink, &opts, &err), 0);
      cr_assert_eq (kn_writer_write (w, txt, len, &err), 0);
      kn_writer_free (w);
      kn_writer_free (sink);
    }
}

/* ---- 512 MiB through compress -> pipe -> decompress in bounded memory ---- */

#define BIG_CHUNK (1024 * 1024)
#define BIG_CHUNKS 512

struct big_reader
{
  const struct kn_compressor *c;
  int fd;
  uint64_t bytes;
  uLong crc;
  char *error;
};

static void *
big_reader_thread (void *arg)
{
  struct big_reader *br = arg;
  struct kn_error *err = NULL;
  struct kn_reader *src = kn_reader_new_fd (br->fd), *r = NULL;
  unsigned char *buf = kn_xmalloc (BIG_CHUNK);
  br->crc = crc32 (0L, Z_NULL, 0);
  if (br->c->new_reader (&r, src, &err) == 0)
    for (;;)
      {
        ssize_t n = kn_reader_read (r, buf, BIG_CHUNK, &err);
        if (n <= 0)
          break;
        br->crc = crc32 (br->crc, buf, (uInt) n);
        br->bytes += (uint64_t) n;
      }
  if (err)
    br->error = kn_xstrdup (err->msg);
  kn_error_free (err);
  kn_reader_free (r);
  kn_reader_free (src);
  free (buf);
  close (br->fd);
  return NULL;
}

static void
big_stream (const char *name)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  long before_kib = ru.ru_maxrss;

  int p[2];
  cr_assert_eq (pipe (p), 0);
  struct big_reader br = { comp (name), p[0], 0, 0, NULL };
  pthread_t th;
  cr_assert_eq (pthread_create (&th, NULL, big_reader_thread, &br), 0);

  struct kn_error *err = NULL;
  struct kn_writer *sink = kn_writer_new_fd (p[1]), *w = NULL;
  struct kn_compress_opts opts = KN_COMPRESS_OPTS_INIT;
  cr_assert_eq (br.c->new_writer (&w, sink, &opts, &err), 0);
  unsigned char *chunk = kn_xmalloc (BIG_CHUNK);
  uLong crc = crc32 (0L, Z_NULL, 0);
  for (int i = 0; i < BIG_CHUNKS; i++)
    {
      gen (chunk, BIG_CHUNK, (uint64_t) i + 1000);
      crc = crc32 (crc, chunk, BIG_CHUNK);
      cr_assert_eq (kn_writer_write (w, chunk, BIG_CHUNK, &err), 0, "%s", err ? err->msg : "");
    }
  cr_assert_eq (kn_writer_close (w, &err), 0, "%s", err ? err->msg : "");
  kn_writer_free (w);
  kn_writer_free (sink);
  free (chunk);
  close (p[1]);
  pthread_join (th, NULL);

  cr_assert_null (br.error, "%s: %s", name, br.error);
  cr_assert_eq (br.bytes, (uint64_t) BIG_CHUNK * BIG_CHUNKS, "%s: %llu bytes back", name,
                (unsigned long long) br.bytes);
  cr_assert_eq (br.crc, crc, "%s: data differs", name);
  getrusage (RUSAGE_SELF, &ru);
  long grew_kib = ru.ru_maxrss - before_kib;
  cr_log_info ("%s: 512 MiB streamed, peak RSS grew by %ld KiB", name, grew_kib);
  cr_assert_lt (grew_kib, 64 * 1024, "%s: peak RSS grew by %ld KiB (budget 64 MiB)", name, grew_kib);
}

Test (compress, stream_512mib_gzip_bounded_memory, .timeout = 600)
{
  big_stream ("gzip");
}

Test (compress, stream_512mib_zstd_bounded_memory, .timeout = 600)
{
  big_stream ("zstd");
}
