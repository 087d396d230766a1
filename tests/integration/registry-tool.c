/* registry-tool: drives the docker registry plugin's vtable directly for the
 * integration tests (the CLI's pull/push are not there yet).
 *
 *   registry-tool [OPTIONS] CMD HOST REPO ARGS...
 *     ping                          touch /v2/ (and authenticate)
 *     manifest REF [OUT]            prints "MEDIA_TYPE DIGEST"; body to OUT
 *     blob DIGEST OUT [OFFSET]      streams the blob into OUT (appends when OFFSET > 0)
 *     stat DIGEST                   prints the size; exit 3 when absent
 *     push-blob FILE [MOUNT_FROM]   prints the digest
 *     push-manifest REF MEDIA_TYPE FILE
 *     check-push
 *   OPTIONS: --insecure --skip-tls-verify --ca F --cert F --key F --retries N
 *            --push --chunk BYTES (threshold and chunk size) --backoff MS
 *   Credentials: docker-config lookup ($DOCKER_CONFIG/config.json).
 *   Prints "requests N" and "credential-calls N" on stderr; errors as
 *   "error: ECODE: message", exit 1. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kaniko/log.h>
#include <kaniko/sys/registry.h>
#include <kaniko/sys/util.h>

#include "core/util/digest.h"
#include "plugins/credential/docker-config.h"
#include "plugins/registry/docker.h"
#include "tests/integration/registry-driver.h"

static int cred_calls;

static int
get_cred (void *payload, const char *host, struct kn_credential *out, struct kn_error **err)
{
  kn_cleanup_free char *path = kn_dockercfg_path (NULL);
  (void)payload;
  cred_calls++;
  if (path == NULL)
    return -KN_ENOTFOUND;
  return kn_dockercfg_lookup (path, host, out, err);
}

static int
file_digest (const char *path, char out[KN_DIGEST_STR_LEN], uint64_t *size)
{
  char buf[65536];
  ssize_t n;
  uint64_t total = 0;
  int fd = open (path, O_RDONLY);
  struct kn_hasher *h;
  if (fd < 0)
    return -1;
  h = kn_hasher_new ();
  while ((n = read (fd, buf, sizeof buf)) > 0)
    {
      kn_hasher_update (h, buf, (size_t)n);
      total += (uint64_t)n;
    }
  close (fd);
  kn_hasher_finish (h, out);
  *size = total;
  return 0;
}

static void
log_handler (enum kn_log_level level, const char *msg, void *payload)
{
  (void)payload;
  fprintf (stderr, "[%s] %s\n", kn_log_level_name (level), msg);
}

static void *
slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  char *buf = NULL;
  size_t n = 0, cap = 0, got;
  if (f == NULL)
    return NULL;
  do
    {
      cap += 65536;
      buf = kn_xrealloc (buf, cap);
      got = fread (buf + n, 1, cap - n, f);
      n += got;
    }
  while (got > 0);
  fclose (f);
  *len = n;
  return buf;
}

int
main (int argc, char **argv)
{
  struct kn_repo_params p = { .size = sizeof p, .get_credential = get_cred };
  const struct kn_registry *reg = &kn_docker_registry;
  struct kn_repo *repo = NULL;
  struct kn_error *err = NULL;
  uint64_t chunk = 0;
  long backoff = -1;
  int i, ret = 0, rc = 0;
  const char *cmd, *v;

  if ((v = getenv ("KN_TEST_VERBOSE")) && v[0])
    kn_log_set_handler (log_handler, KN_LOG_DEBUG, NULL);
  else
    kn_log_set_handler (log_handler, KN_LOG_WARN, NULL);
  for (i = 1; i < argc && strncmp (argv[i], "--", 2) == 0; i++)
    {
      if (strcmp (argv[i], "--insecure") == 0)
        p.insecure = 1;
      else if (strcmp (argv[i], "--skip-tls-verify") == 0)
        p.skip_tls_verify = 1;
      else if (strcmp (argv[i], "--push") == 0)
        p.for_push = 1;
      else if (strcmp (argv[i], "--ca") == 0 && i + 1 < argc)
        p.ca_file = argv[++i];
      else if (strcmp (argv[i], "--cert") == 0 && i + 1 < argc)
        p.client_cert = argv[++i];
      else if (strcmp (argv[i], "--key") == 0 && i + 1 < argc)
        p.client_key = argv[++i];
      else if (strcmp (argv[i], "--retries") == 0 && i + 1 < argc)
        p.retries = (unsigned)atoi (argv[++i]);
      else if (strcmp (argv[i], "--chunk") == 0 && i + 1 < argc)
        chunk = strtoull (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--backoff") == 0 && i + 1 < argc)
        backoff = atol (argv[++i]);
      else
        {
          fprintf (stderr, "registry-tool: unknown option %s\n", argv[i]);
          return 2;
        }
    }
  if (argc - i < 3)
    {
      fprintf (stderr, "usage: registry-tool [OPTIONS] CMD HOST REPO ARGS...\n");
      return 2;
    }
  cmd = argv[i];
  p.location = argv[i + 1];
  p.repository = argv[i + 2];
  argv += i + 3;
  argc -= i + 3;
  if (strcmp (cmd, "push-blob") == 0 || strcmp (cmd, "push-manifest") == 0 || strcmp (cmd, "check-push") == 0)
    p.for_push = 1;

  ret = reg->open (&repo, &p, &err);
  if (ret < 0)
    goto out;
  if (chunk)
    kn_docker_repo_set_chunking (repo, chunk, chunk);
  if (backoff >= 0)
    kn_docker_repo_set_backoff (repo, (unsigned)backoff);

  if (strcmp (cmd, "ping") == 0)
    {
      uint64_t size;
      /* Any authenticated call: a HEAD on a blob that does not exist. */
      ret = reg->stat_blob (repo, "sha256:0000000000000000000000000000000000000000000000000000000000000000", &size,
                            &err);
      if (ret == -KN_ENOTFOUND)
        ret = 0;
      if (ret == 0)
        printf ("ok\n");
    }
  else if (strcmp (cmd, "manifest") == 0 && argc >= 1)
    {
      kn_cleanup_free char *mt = NULL;
      kn_cleanup_free char *dg = NULL;
      int fd = argc >= 2 ? open (argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
      struct kn_writer *w = fd >= 0 ? kn_writer_new_fd (fd) : NULL;
      ret = reg->get_manifest (repo, argv[0], NULL, w, &mt, &dg, &err);
      kn_writer_free (w);
      if (fd >= 0)
        close (fd);
      if (ret == 0)
        printf ("%s %s\n", mt, dg);
    }
  else if (strcmp (cmd, "blob") == 0 && argc >= 2)
    {
      uint64_t off = argc >= 3 ? strtoull (argv[2], NULL, 10) : 0;
      int fd = open (argv[1], O_WRONLY | O_CREAT | (off ? O_APPEND : O_TRUNC), 0644);
      struct kn_writer *w = kn_writer_new_fd (fd);
      ret = reg->get_blob (repo, argv[0], off, w, &err);
      kn_writer_free (w);
      close (fd);
    }
  else if (strcmp (cmd, "stat") == 0 && argc >= 1)
    {
      uint64_t size = 0;
      ret = reg->stat_blob (repo, argv[0], &size, &err);
      if (ret == 0)
        printf ("%llu\n", (unsigned long long)size);
      else if (ret == -KN_ENOTFOUND && err == NULL)
        {
          printf ("absent\n");
          rc = 3;
          ret = 0;
        }
    }
  else if (strcmp (cmd, "push-blob") == 0 && argc >= 1)
    {
      char dg[KN_DIGEST_STR_LEN];
      struct kn_blob_source src = { .open = kn_regdrv_file_open, .payload = argv[0] };
      if (file_digest (argv[0], dg, &src.size) < 0)
        {
          fprintf (stderr, "registry-tool: cannot read %s\n", argv[0]);
          return 2;
        }
      src.digest = dg;
      ret = reg->put_blob (repo, &src, argc >= 2 ? argv[1] : NULL, &err);
      if (ret == 0)
        printf ("%s\n", dg);
    }
  else if (strcmp (cmd, "push-manifest") == 0 && argc >= 3)
    {
      size_t len = 0;
      kn_cleanup_free void *data = slurp (argv[2], &len);
      if (data == NULL)
        {
          fprintf (stderr, "registry-tool: cannot read %s\n", argv[2]);
          return 2;
        }
      ret = reg->put_manifest (repo, argv[0], argv[1], data, len, &err);
    }
  else if (strcmp (cmd, "check-push") == 0)
    {
      ret = reg->check_push (repo, &err);
      if (ret == 0)
        printf ("push allowed\n");
    }
  else
    {
      fprintf (stderr, "registry-tool: bad command %s\n", cmd);
      rc = 2;
    }
out:
  if (repo)
    {
      fprintf (stderr, "requests %lu\n", kn_docker_repo_requests (repo));
      reg->close (repo);
    }
  fprintf (stderr, "credential-calls %d\n", cred_calls);
  if (ret < 0)
    {
      fprintf (stderr, "error: %s: %s\n", kn_error_code_name (err ? err->code : -ret), err ? err->msg : "(no message)");
      kn_error_free (err);
      return 1;
    }
  return rc;
}
