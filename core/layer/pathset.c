/* String sets: see pathset.h. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/layer/pathset.h"

struct slot {
  char *key;
  char *value;
  uint64_t hash;
};

struct kn_pathset {
  struct slot *v;
  size_t cap, n;
};

static uint64_t
hash_str (const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 1099511628211ULL;
  return h;
}

struct kn_pathset *
kn_pathset_new (void)
{
  struct kn_pathset *s = kn_xcalloc (1, sizeof *s);
  s->cap = 64;
  s->v = kn_xcalloc (s->cap, sizeof *s->v);
  return s;
}

void
kn_pathset_free (struct kn_pathset *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->cap; i++)
    {
      free (s->v[i].key);
      free (s->v[i].value);
    }
  free (s->v);
  free (s);
}

static struct slot *
find (struct kn_pathset *s, const char *key, uint64_t h)
{
  size_t i = (size_t) h & (s->cap - 1);
  while (s->v[i].key && (s->v[i].hash != h || strcmp (s->v[i].key, key) != 0))
    i = (i + 1) & (s->cap - 1);
  return &s->v[i];
}

static void
grow (struct kn_pathset *s)
{
  struct slot *old = s->v;
  size_t oldcap = s->cap;
  s->cap *= 2;
  s->v = kn_xcalloc (s->cap, sizeof *s->v);
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].key)
      *find (s, old[i].key, old[i].hash) = old[i];
  free (old);
}

int
kn_pathset_add (struct kn_pathset *s, const char *key, const char *value)
{
  uint64_t h = hash_str (key);
  struct slot *sl = find (s, key, h);
  if (sl->key)
    return 0;
  sl->key = kn_xstrdup (key);
  sl->value = kn_xstrdup (value);
  sl->hash = h;
  if (++s->n * 2 > s->cap)
    grow (s);
  return 1;
}

int
kn_pathset_has (struct kn_pathset *s, const char *key)
{
  return find (s, key, hash_str (key))->key != NULL;
}

const char *
kn_pathset_get (struct kn_pathset *s, const char *key)
{
  return find (s, key, hash_str (key))->value;
}

size_t
kn_pathset_count (struct kn_pathset *s)
{
  return s->n;
}
