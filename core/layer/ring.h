/* A bounded ring of fixed-size buffers between one producer thread and one
 * consumer thread: the layer writer hands its tar to a thread that hashes,
 * compresses and stores it, and the applier reads a layer that another
 * thread decompresses.  Buffers are passed, never copied; memory is
 * NBUF x SIZE bytes whatever the stream's length.  Either side may abort;
 * the other then sees NULL from its next blocking call. */
#ifndef KN_CORE_LAYER_RING_H
#define KN_CORE_LAYER_RING_H

#include <stddef.h>

struct kn_ring;

/* A ring of NBUF (>= 2) buffers of SIZE bytes each; free with kn_ring_free(). */
struct kn_ring *kn_ring_new (size_t nbuf, size_t size);

/* Free R (NULL-safe); both sides must be done with it. */
void kn_ring_free (struct kn_ring *r);

/* The size of each buffer of R. */
size_t kn_ring_buf_size (const struct kn_ring *r);

/* Producer: the next empty buffer (kn_ring_buf_size() bytes), waiting for
 * the consumer to release one; NULL when the ring was aborted. */
unsigned char *kn_ring_acquire (struct kn_ring *r);

/* Producer: publish the buffer from the last kn_ring_acquire() holding LEN bytes. */
void kn_ring_push (struct kn_ring *r, size_t len);

/* Producer: no more data; the consumer gets NULL once it has drained the ring. */
void kn_ring_finish (struct kn_ring *r);

/* Consumer: the next filled buffer and its length in *LEN, waiting for the
 * producer; NULL at the end (after kn_ring_finish()) or when aborted. */
const unsigned char *kn_ring_pop (struct kn_ring *r, size_t *len);

/* Consumer: give the buffer from the last kn_ring_pop() back to the producer. */
void kn_ring_release (struct kn_ring *r);

/* Either side: stop; every blocking call of the other side returns NULL
 * from now on.  Synchronises: what the caller wrote before is visible to
 * the other side once it has seen the abort. */
void kn_ring_abort (struct kn_ring *r);

/* 1 when R was aborted (synchronises as kn_ring_abort()). */
int kn_ring_aborted (struct kn_ring *r);

#endif
