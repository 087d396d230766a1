/* Producer/consumer ring of buffers: see ring.h. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <kaniko/sys/util.h>

#include "core/layer/ring.h"

struct kn_ring {
  pthread_mutex_t mu;
  pthread_cond_t cv_filled; /* a buffer was pushed, or finish/abort */
  pthread_cond_t cv_free;   /* a buffer was released, or abort */
  size_t nbuf, size;
  unsigned char **bufs;
  size_t *lens;
  uint64_t head; /* buffers pushed by the producer */
  uint64_t tail; /* buffers released by the consumer */
  int finished, aborted;
};

struct kn_ring *
kn_ring_new (size_t nbuf, size_t size)
{
  struct kn_ring *r = kn_xcalloc (1, sizeof *r);
  pthread_mutex_init (&r->mu, NULL);
  pthread_cond_init (&r->cv_filled, NULL);
  pthread_cond_init (&r->cv_free, NULL);
  r->nbuf = nbuf < 2 ? 2 : nbuf;
  r->size = size;
  r->bufs = kn_xcalloc (r->nbuf, sizeof *r->bufs);
  r->lens = kn_xcalloc (r->nbuf, sizeof *r->lens);
  return r;
}

void
kn_ring_free (struct kn_ring *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->nbuf; i++)
    free (r->bufs[i]);
  free (r->bufs);
  free (r->lens);
  pthread_mutex_destroy (&r->mu);
  pthread_cond_destroy (&r->cv_filled);
  pthread_cond_destroy (&r->cv_free);
  free (r);
}

size_t
kn_ring_buf_size (const struct kn_ring *r)
{
  return r->size;
}

unsigned char *
kn_ring_acquire (struct kn_ring *r)
{
  pthread_mutex_lock (&r->mu);
  while (!r->aborted && r->head - r->tail >= r->nbuf)
    pthread_cond_wait (&r->cv_free, &r->mu);
  int aborted = r->aborted;
  size_t slot = (size_t) (r->head % r->nbuf);
  pthread_mutex_unlock (&r->mu);
  if (aborted)
    return NULL;
  /* Slot HEAD is the producer's alone until it is pushed; buffers are
   * allocated on first use so a short stream costs one. */
  if (r->bufs[slot] == NULL)
    r->bufs[slot] = kn_xmalloc (r->size);
  return r->bufs[slot];
}

void
kn_ring_push (struct kn_ring *r, size_t len)
{
  pthread_mutex_lock (&r->mu);
  r->lens[r->head % r->nbuf] = len;
  r->head++;
  pthread_cond_signal (&r->cv_filled);
  pthread_mutex_unlock (&r->mu);
}

void
kn_ring_finish (struct kn_ring *r)
{
  pthread_mutex_lock (&r->mu);
  r->finished = 1;
  pthread_cond_signal (&r->cv_filled);
  pthread_mutex_unlock (&r->mu);
}

const unsigned char *
kn_ring_pop (struct kn_ring *r, size_t *len)
{
  pthread_mutex_lock (&r->mu);
  while (!r->aborted && !r->finished && r->head == r->tail)
    pthread_cond_wait (&r->cv_filled, &r->mu);
  const unsigned char *p = NULL;
  if (!r->aborted && r->head != r->tail)
    {
      size_t slot = (size_t) (r->tail % r->nbuf);
      p = r->bufs[slot];
      *len = r->lens[slot];
    }
  pthread_mutex_unlock (&r->mu);
  return p;
}

void
kn_ring_release (struct kn_ring *r)
{
  pthread_mutex_lock (&r->mu);
  r->tail++;
  pthread_cond_signal (&r->cv_free);
  pthread_mutex_unlock (&r->mu);
}

void
kn_ring_abort (struct kn_ring *r)
{
  pthread_mutex_lock (&r->mu);
  r->aborted = 1;
  pthread_cond_broadcast (&r->cv_filled);
  pthread_cond_broadcast (&r->cv_free);
  pthread_mutex_unlock (&r->mu);
}

int
kn_ring_aborted (struct kn_ring *r)
{
  pthread_mutex_lock (&r->mu);
  int a = r->aborted;
  pthread_mutex_unlock (&r->mu);
  return a;
}
