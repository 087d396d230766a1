/* SHA-256 digests with GnuTLS: see digest.h. */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <kaniko/sys/util.h>

#include "core/util/digest.h"

struct kn_hasher {
  gnutls_hash_hd_t hd;
};

struct kn_hasher *
kn_hasher_new (void)
{
  struct kn_hasher *h = kn_xmalloc (sizeof *h);
  if (gnutls_hash_init (&h->hd, GNUTLS_DIG_SHA256) < 0)
    kn_oom ();
  return h;
}

void
kn_hasher_update (struct kn_hasher *h, const void *buf, size_t len)
{
  if (len)
    gnutls_hash (h->hd, buf, len);
}

static void
to_hex (const unsigned char *raw, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++)
    {
      out[2 * i] = hex[raw[i] >> 4];
      out[2 * i + 1] = hex[raw[i] & 15];
    }
  out[2 * n] = '\0';
}

void
kn_hasher_finish (struct kn_hasher *h, char out[KN_DIGEST_STR_LEN])
{
  unsigned char raw[32];
  gnutls_hash_deinit (h->hd, raw);
  free (h);
  memcpy (out, "sha256:", 7);
  to_hex (raw, sizeof raw, out + 7);
}

void
kn_hasher_free (struct kn_hasher *h)
{
  if (h == NULL)
    return;
  gnutls_hash_deinit (h->hd, NULL);
  free (h);
}

void
kn_digest_buffer (const void *buf, size_t len, char out[KN_DIGEST_STR_LEN])
{
  struct kn_hasher *h = kn_hasher_new ();
  kn_hasher_update (h, buf, len);
  kn_hasher_finish (h, out);
}

int
kn_digest_validate (const char *s, struct kn_error **err)
{
  const char *colon = s ? strchr (s, ':') : NULL;
  if (colon == NULL || colon == s)
    return kn_error_make (err, KN_EINVAL, 0, "invalid digest \"%s\": want algorithm:hex", s ? s : "");
  /* OCI grammar: algorithm-component ([a-z0-9]+) separated by [+._-] */
  for (const char *p = s; p < colon; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr ("+._-", *p)))
      return kn_error_make (err, KN_EINVAL, 0, "invalid digest \"%s\": bad algorithm", s);
  if ((size_t) (colon - s) != 6 || strncmp (s, "sha256", 6) != 0)
    return kn_error_make (err, KN_ENOTSUP, 0, "digest \"%s\": unsupported algorithm", s);
  const char *hex = colon + 1;
  if (strlen (hex) != KN_DIGEST_HEX_LEN)
    return kn_error_make (err, KN_EINVAL, 0, "invalid digest \"%s\": want 64 hex digits", s);
  for (const char *p = hex; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return kn_error_make (err, KN_EINVAL, 0, "invalid digest \"%s\": not lowercase hex", s);
  return 0;
}

struct digest_writer {
  struct kn_writer base;
  struct kn_writer *sink;
  struct kn_hasher *h;
  uint64_t size;
  char result[KN_DIGEST_STR_LEN];
};

static int
dw_write (struct kn_writer *w, const void *buf, size_t len, struct kn_error **err)
{
  struct digest_writer *dw = (struct digest_writer *) w;
  kn_hasher_update (dw->h, buf, len);
  dw->size += len;
  return dw->sink ? kn_writer_write (dw->sink, buf, len, err) : 0;
}

static void
dw_free (struct kn_writer *w)
{
  struct digest_writer *dw = (struct digest_writer *) w;
  kn_hasher_free (dw->h);
  free (dw);
}

struct kn_writer *
kn_digest_writer_new (struct kn_writer *sink)
{
  struct digest_writer *dw = kn_xcalloc (1, sizeof *dw);
  dw->base.write = dw_write;
  dw->base.free = dw_free;
  dw->sink = sink;
  dw->h = kn_hasher_new ();
  return &dw->base;
}

void
kn_digest_writer_result (struct kn_writer *w, char out[KN_DIGEST_STR_LEN], uint64_t *size)
{
  struct digest_writer *dw = (struct digest_writer *) w;
  if (dw->h)
    {
      kn_hasher_finish (dw->h, dw->result);
      dw->h = NULL;
    }
  memcpy (out, dw->result, KN_DIGEST_STR_LEN);
  if (size)
    *size = dw->size;
}
