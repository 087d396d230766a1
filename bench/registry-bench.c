/* registry-bench: push an OCI layout to, or pull it from, a registry through
 * the docker registry plugin's vtable, the way the build engine does (blobs
 * by up to WORKERS threads, each with its own repository, then the config,
 * then the manifest).  bench/registry.sh drives it; not part of make check.
 *
 *   registry-bench push HOST REPO TAG OCI_DIR [WORKERS]
 *   registry-bench pull HOST REPO TAG OUT_DIR [WORKERS]
 *
 * Plain HTTP (--insecure), anonymous.  Prints one line on stdout:
 *   "<push|pull> seconds S requests N blobs B bytes X". */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <kaniko/log.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/util.h>

#include "plugins/registry/docker.h"
#include "tests/integration/registry-driver.h"

struct blob {
  char *digest;
  uint64_t size;
};

struct job {
  const char *host, *repo, *dir;
  int push;
  struct blob *blobs;
  size_t n, next;
  unsigned long requests;
  uint64_t bytes;
  int failed;
  pthread_mutex_t lock;
};

static int
no_cred (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  (void)payload, (void)host, (void)out, (void)err;
  return -KN_ENOTFOUND;
}

static void
log_handler (enum kn_log_level level, const char *msg, void *payload)
{
  (void)payload;
  fprintf (stderr, "[%s] %s\n", kn_log_level_name (level), msg);
}

static char *
blob_path (const char *dir, const char *digest)
{
  const char *colon = strchr (digest, ':');
  return kn_xasprintf ("%s/blobs/sha256/%s", dir, colon ? colon + 1 : digest);
}

static int
open_repo (const struct job *j, struct kn_repo **out, struct kn_error **err)
{
  struct kn_repo_params p = { .size = sizeof p, .get_credential = no_cred };
  p.location = j->host;
  p.repository = j->repo;
  p.insecure = 1;
  p.for_push = j->push;
  return kn_docker_registry.open (out, &p, err);
}

static int
move_blob (struct kn_repo *r, const struct job *j, const struct blob *b, struct kn_error **err)
{
  kn_cleanup_free char *path = blob_path (j->dir, b->digest);
  if (j->push)
    {
      struct kn_blob_source src = { .open = kn_regdrv_file_open, .payload = path, .size = b->size, .digest = b->digest };
      return kn_docker_registry.put_blob (r, &src, NULL, err);
    }
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return kn_error_make (err, KN_EIO, errno, "create %s", path);
  struct kn_writer *w = kn_writer_new_fd (fd);
  int ret = kn_docker_registry.get_blob (r, b->digest, 0, w, err);
  if (ret == 0)
    ret = kn_writer_close (w, err);
  kn_writer_free (w);
  close (fd);
  return ret;
}

static void *
worker (void *arg)
{
  struct job *j = arg;
  struct kn_repo *r = NULL;
  struct kn_error *err = NULL;
  for (;;)
    {
      pthread_mutex_lock (&j->lock);
      size_t i = j->next;
      int stop = j->failed || i >= j->n;
      if (!stop)
        j->next++;
      pthread_mutex_unlock (&j->lock);
      if (stop)
        break;
      if ((r == NULL && open_repo (j, &r, &err) < 0) || move_blob (r, j, &j->blobs[i], &err) < 0)
        {
          fprintf (stderr, "registry-bench: blob %s: %s\n", j->blobs[i].digest, err ? err->msg : "failed");
          kn_error_free (err);
          err = NULL;
          pthread_mutex_lock (&j->lock);
          j->failed = 1;
          pthread_mutex_unlock (&j->lock);
          break;
        }
      pthread_mutex_lock (&j->lock);
      j->bytes += j->blobs[i].size;
      pthread_mutex_unlock (&j->lock);
    }
  if (r)
    {
      pthread_mutex_lock (&j->lock);
      j->requests += kn_docker_repo_requests (r);
      pthread_mutex_unlock (&j->lock);
      kn_docker_registry.close (r);
    }
  return NULL;
}

static int
run_blobs (struct job *j, unsigned workers)
{
  pthread_t t[16];
  if (workers < 1)
    workers = 1;
  if (workers > 16)
    workers = 16;
  for (unsigned i = 0; i < workers; i++)
    pthread_create (&t[i], NULL, worker, j);
  for (unsigned i = 0; i < workers; i++)
    pthread_join (t[i], NULL);
  return j->failed ? -1 : 0;
}

/* Layers then config of a parsed manifest; the config is last. */
static size_t
manifest_blobs (json_object *m, struct blob **out)
{
  json_object *layers = NULL, *cfg = NULL, *v;
  size_t n = 0;
  json_object_object_get_ex (m, "layers", &layers);
  json_object_object_get_ex (m, "config", &cfg);
  size_t nl = layers ? json_object_array_length (layers) : 0;
  struct blob *b = kn_xcalloc (nl + 1, sizeof *b);
  for (size_t i = 0; i < nl; i++)
    {
      json_object *l = json_object_array_get_idx (layers, i);
      if (json_object_object_get_ex (l, "digest", &v))
        b[n].digest = kn_xstrdup (json_object_get_string (v));
      if (json_object_object_get_ex (l, "size", &v))
        b[n].size = (uint64_t)json_object_get_int64 (v);
      n++;
    }
  if (cfg && json_object_object_get_ex (cfg, "digest", &v))
    {
      b[n].digest = kn_xstrdup (json_object_get_string (v));
      if (json_object_object_get_ex (cfg, "size", &v))
        b[n].size = (uint64_t)json_object_get_int64 (v);
      n++;
    }
  *out = b;
  return n;
}

static char *
slurp (const char *path, size_t *len)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  char *buf = kn_xmalloc ((size_t)st.st_size + 1);
  ssize_t got = read (fd, buf, (size_t)st.st_size);
  close (fd);
  if (got != st.st_size)
    {
      free (buf);
      return NULL;
    }
  buf[got] = 0;
  *len = (size_t)got;
  return buf;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fail (const char *what, struct kn_error *err)
{
  fprintf (stderr, "registry-bench: %s: %s\n", what, err ? err->msg : "failed");
  kn_error_free (err);
  return 1;
}

static int
do_push (struct job *j, const char *tag, unsigned workers)
{
  struct kn_error *err = NULL;
  kn_cleanup_free char *ipath = kn_xasprintf ("%s/index.json", j->dir);
  json_object *index = json_object_from_file (ipath), *ms, *d, *mt;
  if (index == NULL || !json_object_object_get_ex (index, "manifests", &ms) || json_object_array_length (ms) < 1
      || !json_object_object_get_ex (json_object_array_get_idx (ms, 0), "digest", &d))
    return fail (ipath, NULL);
  kn_cleanup_free char *mpath = blob_path (j->dir, json_object_get_string (d));
  size_t len = 0;
  kn_cleanup_free char *data = slurp (mpath, &len);
  json_object *m = data ? json_tokener_parse (data) : NULL;
  if (m == NULL)
    return fail (mpath, NULL);
  const char *media = json_object_object_get_ex (m, "mediaType", &mt) ? json_object_get_string (mt)
                                                                      : "application/vnd.oci.image.manifest.v1+json";
  size_t n = manifest_blobs (m, &j->blobs);
  double t0 = now ();
  /* Layers in parallel, then the config, then the manifest (like the engine). */
  j->n = n ? n - 1 : 0;
  if (run_blobs (j, workers) < 0)
    return 1;
  struct kn_repo *r = NULL;
  if (open_repo (j, &r, &err) < 0)
    return fail ("open", err);
  if (n && move_blob (r, j, &j->blobs[n - 1], &err) < 0)
    return fail (j->blobs[n - 1].digest, err);
  if (kn_docker_registry.put_manifest (r, tag, media, data, len, &err) < 0)
    return fail ("manifest", err);
  double t1 = now ();
  j->requests += kn_docker_repo_requests (r);
  kn_docker_registry.close (r);
  printf ("push seconds %.3f requests %lu blobs %zu bytes %llu\n", t1 - t0, j->requests, n,
          (unsigned long long)j->bytes);
  for (size_t i = 0; i < n; i++)
    free (j->blobs[i].digest);
  free (j->blobs);
  json_object_put (m);
  json_object_put (index);
  return 0;
}

static int
do_pull (struct job *j, const char *tag, unsigned workers)
{
  struct kn_error *err = NULL;
  struct kn_repo *r = NULL;
  kn_cleanup_free char *mt = NULL;
  kn_cleanup_free char *dg = NULL;
  kn_cleanup_free char *bdir = kn_xasprintf ("%s/blobs/sha256", j->dir);
  static const char *const accept[] = { "application/vnd.oci.image.manifest.v1+json",
                                        "application/vnd.docker.distribution.manifest.v2+json", NULL };
  kn_cleanup_free char *b1 = kn_xasprintf ("%s/blobs", j->dir);
  mkdir (j->dir, 0755);
  mkdir (b1, 0755);
  if (mkdir (bdir, 0755) < 0 && errno != EEXIST)
    return fail (bdir, NULL);
  double t0 = now ();
  if (open_repo (j, &r, &err) < 0)
    return fail ("open", err);
  struct kn_writer *w = kn_writer_new_mem ();
  if (kn_docker_registry.get_manifest (r, tag, accept, w, &mt, &dg, &err) < 0)
    return fail ("manifest", err);
  size_t len = 0;
  const char *data = kn_writer_mem_data (w, &len);
  json_object *m = json_tokener_parse (data);
  if (m == NULL)
    return fail ("manifest: not JSON", NULL);
  size_t n = manifest_blobs (m, &j->blobs);
  j->n = n;
  if (run_blobs (j, workers) < 0)
    return 1;
  double t1 = now ();
  j->requests += kn_docker_repo_requests (r);
  kn_docker_registry.close (r);
  /* Write the manifest and a minimal index so the result is an OCI layout. */
  {
    kn_cleanup_free char *mpath = blob_path (j->dir, dg);
    kn_cleanup_free char *ipath = kn_xasprintf ("%s/index.json", j->dir);
    kn_cleanup_free char *lpath = kn_xasprintf ("%s/oci-layout", j->dir);
    FILE *f = fopen (mpath, "wb");
    if (f)
      {
        fwrite (data, 1, len, f);
        fclose (f);
      }
    if ((f = fopen (ipath, "w")))
      {
        fprintf (f,
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,"
                 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}\n",
                 mt, dg, len, tag);
        fclose (f);
      }
    if ((f = fopen (lpath, "w")))
      {
        fputs ("{\"imageLayoutVersion\":\"1.0.0\"}\n", f);
        fclose (f);
      }
  }
  kn_writer_free (w);
  printf ("pull seconds %.3f requests %lu blobs %zu bytes %llu\n", t1 - t0, j->requests, n,
          (unsigned long long)j->bytes);
  for (size_t i = 0; i < n; i++)
    free (j->blobs[i].digest);
  free (j->blobs);
  json_object_put (m);
  return 0;
}

int
main (int argc, char **argv)
{
  const char *v;
  if (argc < 6 || (strcmp (argv[1], "push") != 0 && strcmp (argv[1], "pull") != 0))
    {
      fprintf (stderr, "usage: registry-bench push|pull HOST REPO TAG DIR [WORKERS]\n");
      return 2;
    }
  kn_log_set_handler (log_handler, (v = getenv ("KN_BENCH_VERBOSE")) && v[0] ? KN_LOG_DEBUG : KN_LOG_WARN, NULL);
  struct job j = { .host = argv[2], .repo = argv[3], .dir = argv[5], .push = strcmp (argv[1], "push") == 0 };
  unsigned workers = argc > 6 ? (unsigned)atoi (argv[6]) : 4;
  pthread_mutex_init (&j.lock, NULL);
  int rc = j.push ? do_push (&j, argv[4], workers) : do_pull (&j, argv[4], workers);
  pthread_mutex_destroy (&j.lock);
  return rc;
}
