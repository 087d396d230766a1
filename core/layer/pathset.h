/* A set of strings (open addressing), optionally mapping each to a value:
 * the paths one layer wrote, the inodes already seen. */
#ifndef KN_CORE_LAYER_PATHSET_H
#define KN_CORE_LAYER_PATHSET_H

#include <stddef.h>

struct kn_pathset;

/* A new empty set (never NULL). */
struct kn_pathset *kn_pathset_new (void);

/* Free S and its copies of keys and values (NULL-safe). */
void kn_pathset_free (struct kn_pathset *s);

/* Add KEY with a copy of VALUE (may be NULL); an existing key keeps its value.
 * Returns 1 when KEY was added, 0 when it was there. */
int kn_pathset_add (struct kn_pathset *s, const char *key, const char *value);

/* 1 when KEY is in S. */
int kn_pathset_has (struct kn_pathset *s, const char *key);

/* The value stored with KEY (owned by S), or NULL. */
const char *kn_pathset_get (struct kn_pathset *s, const char *key);

/* Number of keys. */
size_t kn_pathset_count (struct kn_pathset *s);

#endif
