/* The layer code's threads: the producer/consumer ring, the writer's stage
 * thread (large layers, digests independent of it, errors from below it)
 * and the applier's decompression thread (gzip members, trailing bytes,
 * zstd frames, truncated and corrupt streams, source errors). */
#include "config.h"

#include <pthread.h>
#include <sys/wait.h>

#include "core/layer/applier.h"
#include "core/layer/ring.h"
#include "core/layer/store.h"
#include "core/layer/writer.h"
#include "test-layer-util.h"

static char *dir, *src, *dst;
static struct kn_store *store;

static void
setup (void)
{
  dir = tl_mkdtemp ();
  src = kn_xasprintf ("%s/src", dir);
  dst = kn_xasprintf ("%s/dst", dir);
  char *sd = kn_xasprintf ("%s/store", dir);
  cr_assert_eq (mkdir (src, 0755), 0);
  cr_assert_eq (mkdir (dst, 0755), 0);
  cr_assert_eq (kn_store_open (&store, sd, NULL), 0);
  free (sd);
}

static void
teardown (void)
{
  kn_store_free (store);
  tl_rm_rf (dir);
  free (dir);
  free (src);
  free (dst);
}

TestSuite (layer_threads, .init = setup, .fini = teardown);


/* ---- ring ---- */

struct prod {
  struct kn_ring *ring;
  unsigned count;  /* buffers to push */
  unsigned pushed; /* buffers pushed before the end or the abort */
};

static void *
producer (void *arg)
{
  struct prod *p = arg;
  for (unsigned i = 0; i < p->count; i++)
    {
      unsigned char *b = kn_ring_acquire (p->ring);
      if (b == NULL)
        return NULL;
      size_t len = 1 + i % kn_ring_buf_size (p->ring);
      memset (b, (int) (i & 0xff), len);
      kn_ring_push (p->ring, len);
      p->pushed++;
    }
  kn_ring_finish (p->ring);
  return NULL;
}

Test (layer_threads, ring_order_and_end)
{
  struct prod p = { kn_ring_new (3, 64), 1000, 0 };
  pthread_t t;
  cr_assert_eq (pthread_create (&t, NULL, producer, &p), 0);
  unsigned got = 0;
  const unsigned char *b;
  size_t len;
  while ((b = kn_ring_pop (p.ring, &len)) != NULL)
    {
      cr_assert_eq (len, 1 + got % 64);
      cr_assert_eq (b[0], got & 0xff);
      cr_assert_eq (b[len - 1], got & 0xff);
      kn_ring_release (p.ring);
      got++;
    }
  pthread_join (t, NULL);
  cr_assert_eq (got, 1000);
  cr_assert_not (kn_ring_aborted (p.ring));
  kn_ring_free (p.ring);
}

Test (layer_threads, ring_abort_unblocks_the_producer)
{
  struct prod p = { kn_ring_new (2, 16), 100000, 0 };
  pthread_t t;
  cr_assert_eq (pthread_create (&t, NULL, producer, &p), 0);
  size_t len;
  cr_assert_not_null (kn_ring_pop (p.ring, &len));
  kn_ring_release (p.ring);
  kn_ring_abort (p.ring);
  pthread_join (t, NULL);
  cr_assert_lt (p.pushed, 100000);
  cr_assert (kn_ring_aborted (p.ring));
  cr_assert_null (kn_ring_pop (p.ring, &len));
  kn_ring_free (p.ring);
}

/* ---- writer stage ---- */

/* SRC: 40 files of 200 KiB (8 MiB of tar: several stage buffers). */
static void
big_tree (void)
{
  tl_sh ("cd %s && i=0; while [ $i -lt 40 ]; do mkdir -p d$((i %% 4)); "
      "awk -v s=$i 'BEGIN { for (j = 0; j < 20000; j++) printf \"%%09d\\n\", j * 7 + s }' > d$((i %% 4))/f$i; "
      "i=$((i + 1)); done",
      src);
}

static void
tar_digest (char out[KN_DIGEST_STR_LEN], uint64_t *size)
{
  struct kn_writer *dw = kn_digest_writer_new (NULL);
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.reproducible = 1;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_tar (dw, src, NULL, &o, NULL, &err), 0, "%s", err ? err->msg : "");
  kn_digest_writer_result (dw, out, size);
  kn_writer_free (dw);
}

Test (layer_threads, stage_large_layer_digests)
{
  big_tree ();
  char want[KN_DIGEST_STR_LEN];
  uint64_t want_size;
  tar_digest (want, &want_size);
  cr_assert_gt (want_size, 4 * 1024 * 1024);

  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.reproducible = 1;
  struct kn_layer_info plain, gz1, gz2;
  struct kn_error *err = NULL;
  cr_assert_eq (kn_layer_write_full (store, src, &o, &plain, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (plain.diff_id, want);
  cr_assert_str_eq (plain.digest, want);
  cr_assert_eq (plain.tar_size, want_size);
  cr_assert_eq (plain.size, want_size);

  o.compressor = &tl_gzip;
  cr_assert_eq (kn_layer_write_full (store, src, &o, &gz1, &err), 0, "%s", err ? err->msg : "");
  cr_assert_eq (kn_layer_write_full (store, src, &o, &gz2, &err), 0, "%s", err ? err->msg : "");
  cr_assert_str_eq (gz1.diff_id, want);
  cr_assert_eq (gz1.tar_size, want_size);
  cr_assert_str_eq (gz1.digest, gz2.digest);
  cr_assert_eq (gz1.size, gz2.size);

  /* And it applies back to the same tree, through the inflater. */
  cr_assert_eq (kn_layer_apply_blob (store, gz1.digest, dst, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
  char *a = tl_fingerprint (src, 0), *b = tl_fingerprint (dst, 0);
  cr_assert_str_eq (a, b);
  free (a);
  free (b);
}

/* A compressor whose writer fails after LIMIT bytes (on the stage thread). */
struct failing {
  struct kn_writer base;
  size_t seen;
};

static int
failing_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  (void) buf;
  struct failing *f = (struct failing *) w;
  f->seen += len;
  if (f->seen > 3 * 1024 * 1024)
    return kn_error_make (err, KN_ENOSPC, 0, "failing compressor: disk full after %zu bytes", f->seen);
  return 0;
}

static int
failing_close (struct kn_writer *w, struct kn_error **err)
{
  (void) w;
  (void) err;
  return 0;
}

static void
failing_free (struct kn_writer *w)
{
  free (w);
}

static int
failing_new_writer (struct kn_writer **out, struct kn_writer *sink, const struct kn_compress_opts *opts,
                    struct kn_error **err)
{
  (void) sink;
  (void) opts;
  (void) err;
  struct failing *f = kn_xcalloc (1, sizeof *f);
  f->base.write = failing_write;
  f->base.close = failing_close;
  f->base.free = failing_free;
  *out = &f->base;
  return 0;
}

static const struct kn_compressor failing_compressor = {
  KN_COMPRESSOR_VERSION, "failing", "failing", NULL, failing_new_writer, NULL,
};

Test (layer_threads, stage_error_reaches_the_caller)
{
  big_tree ();
  struct kn_layer_write_opts o = KN_LAYER_WRITE_OPTS_INIT;
  o.compressor = &failing_compressor;
  struct kn_layer_info info;
  struct kn_error *err = NULL;
  int ret = kn_layer_write_full (store, src, &o, &info, &err);
  cr_assert_eq (ret, -KN_ENOSPC, "got %d", ret);
  cr_assert_not_null (err);
  cr_assert_not_null (strstr (err->msg, "disk full"), "%s", err->msg);
  cr_assert_not_null (strstr (err->msg, src), "%s", err->msg);
  kn_error_free (err);
  /* Nothing was stored: the ingest directory holds no leftover. */
  char *ingest = kn_xasprintf ("%s/store/ingest", dir);
  DIR *d = opendir (ingest);
  cr_assert_not_null (d);
  struct dirent *de;
  int n = 0;
  while ((de = readdir (d)) != NULL)
    n += de->d_name[0] != '.';
  closedir (d);
  free (ingest);
  cr_assert_eq (n, 0);
}

/* ---- applier's decompression thread ---- */

static int
apply_file (const char *name, struct kn_error **err)
{
  char *path = kn_xasprintf ("%s/%s", dir, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  cr_assert_geq (fd, 0, "%s", path);
  struct kn_reader *r = kn_reader_new_fd (fd);
  int ret = kn_layer_apply (dst, r, NULL, NULL, err);
  kn_reader_free (r);
  close (fd);
  free (path);
  return ret;
}

static void
assert_same_tree (void)
{
  char *a = tl_fingerprint (src, 0), *b = tl_fingerprint (dst, 0);
  cr_assert_str_eq (a, b);
  free (a);
  free (b);
}

Test (layer_threads, gzip_members_and_trailing_bytes)
{
  big_tree ();
  /* Two members (split in the middle of a file), then zeros. */
  tl_sh ("cd %s && tar -cf l.tar -C src . && head -c 3000000 l.tar | gzip -1 > l.gz"
      " && tail -c +3000001 l.tar | gzip -9 >> l.gz && head -c 4096 /dev/zero >> l.gz",
      dir);
  struct kn_error *err = NULL;
  cr_assert_eq (apply_file ("l.gz", &err), 0, "%s", err ? err->msg : "");
  assert_same_tree ();
}

Test (layer_threads, zstd_frames)
{
  big_tree ();
  /* Two frames with a skippable frame between them. */
  tl_sh ("cd %s && tar -cf l.tar -C src . && head -c 3000000 l.tar | zstd -q -3 > l.zst"
      " && printf '\\120\\52\\115\\030\\004\\000\\000\\000skip' >> l.zst"
      " && tail -c +3000001 l.tar | zstd -q -19 >> l.zst",
      dir);
  struct kn_error *err = NULL;
  cr_assert_eq (apply_file ("l.zst", &err), 0, "%s", err ? err->msg : "");
  assert_same_tree ();
}

Test (layer_threads, truncated_and_corrupt_streams)
{
  big_tree ();
  /* Cut in the middle, overwritten in the middle, garbage after the end. */
  tl_sh ("cd %s && tar -cf l.tar -C src . && gzip -1 < l.tar > l.gz && zstd -q -3 < l.tar > l.zst"
      " && head -c $(($(wc -c < l.gz) / 2)) l.gz > t.gz && head -c $(($(wc -c < l.zst) / 2)) l.zst > t.zst"
      " && cp l.gz c.gz && printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'"
      " | dd of=c.gz bs=1 seek=$(($(wc -c < l.gz) / 2)) conv=notrunc 2>/dev/null"
      " && (cat l.zst; printf 'garbage') > g.zst",
      dir);
  const char *bad[] = { "t.gz", "t.zst", "c.gz", "g.zst" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      struct kn_error *err = NULL;
      int ret = apply_file (bad[i], &err);
      cr_assert_eq (ret, -KN_EPROTO, "%s: got %d (%s)", bad[i], ret, err ? err->msg : "");
      cr_assert_not_null (err);
      cr_assert_not_null (strstr (err->msg, "layer"), "%s", err->msg);
      kn_error_free (err);
    }
}

/* A reader over a file that fails after LIMIT bytes. */
struct broken {
  struct kn_reader base;
  int fd;
  size_t done, limit;
};

static ssize_t
broken_read (struct kn_reader *r, void *buf, size_t len, struct kn_error **err)
{
  struct broken *b = (struct broken *) r;
  if (b->done >= b->limit)
    return kn_error_make (err, KN_EIO, 0, "connection reset after %zu bytes", b->done);
  if (len > b->limit - b->done)
    len = b->limit - b->done;
  ssize_t n = read (b->fd, buf, len);
  if (n > 0)
    b->done += (size_t) n;
  return n;
}

Test (layer_threads, source_error_reaches_the_caller)
{
  big_tree ();
  tl_sh ("cd %s && tar -cf - -C src . | gzip -1 > l.gz", dir);
  char *path = kn_xasprintf ("%s/l.gz", dir);
  struct broken b = { { broken_read, NULL }, open (path, O_RDONLY | O_CLOEXEC), 0, 1000000 };
  free (path);
  cr_assert_geq (b.fd, 0);
  struct kn_error *err = NULL;
  int ret = kn_layer_apply (dst, &b.base, NULL, NULL, &err);
  close (b.fd);
  cr_assert_eq (ret, -KN_EIO, "got %d (%s)", ret, err ? err->msg : "");
  cr_assert_not_null (strstr (err->msg, "connection reset"), "%s", err->msg);
  kn_error_free (err);
}
