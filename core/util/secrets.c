/* Freeing of secret-bearing structs shared with plugins: wiped before free. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/credential.h>
#include <kaniko/sys/signer.h>

static void
wipe_free (char **p)
{
  if (*p)
    {
      explicit_bzero (*p, strlen (*p));
      free (*p);
      *p = NULL;
    }
}

void
kn_credential_clear (struct kn_credential *c)
{
  if (c == NULL)
    return;
  wipe_free (&c->username);
  wipe_free (&c->password);
  wipe_free (&c->identity_token);
  wipe_free (&c->registry_token);
}

void
kn_signature_clear (struct kn_signature *s)
{
  if (s == NULL)
    return;
  free (s->payload);
  free (s->payload_media_type);
  free (s->signature_b64);
  memset (s, 0, sizeof *s);
}
