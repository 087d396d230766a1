/* The parallel block pipeline shared by the gzip and zstd compressor plugins. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "plugins/compress/pipeline.h"

static struct kn_cpipe_job *
cpipe_slot (struct kn_cpipe *p, uint64_t seq)
{
  return (struct kn_cpipe_job *) (p->slots + (seq % p->nslots) * p->ops->job_size);
}

static void *
cpipe_worker (void *arg)
{
  struct kn_cpipe *p = arg;
  void *ctx = p->ops->ctx_new (p);
  pthread_mutex_lock (&p->mu);
  for (;;)
    {
      while (!p->quit && p->seq_taken == p->seq_fill)
        pthread_cond_wait (&p->cv_work, &p->mu);
      if (p->quit)
        break;
      struct kn_cpipe_job *job = cpipe_slot (p, p->seq_taken);
      p->seq_taken++;
      pthread_mutex_unlock (&p->mu);
      p->ops->compress (p, ctx, job);
      pthread_mutex_lock (&p->mu);
      job->state = KN_CPIPE_JOB_DONE;
      pthread_cond_broadcast (&p->cv_done);
    }
  pthread_mutex_unlock (&p->mu);
  p->ops->ctx_free (ctx);
  return NULL;
}

int
kn_cpipe_fail (struct kn_cpipe *p, int ret)
{
  if (p->failed == 0)
    p->failed = ret < 0 ? -ret : KN_EINTERNAL;
  return ret;
}

/* Emit the next finished job (WAIT: block until it is done).
 * Returns 1 when a job was emitted, 0 when none was ready, < 0 on error. */
static int
cpipe_write_one (struct kn_cpipe *p, int wait, struct kn_error **err)
{
  if (p->seq_written == p->seq_fill)
    return 0;
  struct kn_cpipe_job *job = cpipe_slot (p, p->seq_written);
  pthread_mutex_lock (&p->mu);
  while (wait && job->state != KN_CPIPE_JOB_DONE)
    pthread_cond_wait (&p->cv_done, &p->mu);
  int done = job->state == KN_CPIPE_JOB_DONE;
  pthread_mutex_unlock (&p->mu);
  if (!done)
    return 0;
  int r = p->ops->emit (p, job, p->seq_written, err);
  if (r < 0)
    return kn_cpipe_fail (p, r);
  job->state = KN_CPIPE_JOB_FREE;
  p->seq_written++;
  return 1;
}

static int
cpipe_start_workers (struct kn_cpipe *p, struct kn_error **err)
{
  p->threads = kn_xcalloc (p->nworkers, sizeof *p->threads);
  for (unsigned i = 0; i < p->nworkers; i++)
    {
      int r = pthread_create (&p->threads[i], NULL, cpipe_worker, p);
      if (r != 0)
        {
          if (p->nstarted > 0)
            break; /* run with fewer workers */
          return kn_cpipe_fail (p, kn_error_make (err, KN_EIO, r, "%s: start worker thread", p->ops->name));
        }
      p->nstarted++;
    }
  return 0;
}

/* Hand the job being filled to the workers (or compress it here) and start the next. */
static int
cpipe_submit (struct kn_cpipe *p, int last, struct kn_error **err)
{
  struct kn_cpipe_job *job = cpipe_slot (p, p->seq_fill);
  job->last = last;
  if (p->ops->prepare != NULL)
    p->ops->prepare (p, job, p->seq_fill > 0 ? cpipe_slot (p, p->seq_fill - 1) : NULL);
  if (p->nworkers > 0 && p->nstarted == 0 && !(last && p->seq_fill == 0))
    {
      int r = cpipe_start_workers (p, err);
      if (r < 0)
        return r;
    }
  if (p->nstarted == 0)
    {
      if (p->local == NULL)
        p->local = p->ops->ctx_new (p);
      p->ops->compress (p, p->local, job);
      job->state = KN_CPIPE_JOB_DONE;
      p->seq_fill++;
    }
  else
    {
      pthread_mutex_lock (&p->mu);
      job->state = KN_CPIPE_JOB_QUEUED;
      p->seq_fill++;
      pthread_cond_signal (&p->cv_work);
      pthread_mutex_unlock (&p->mu);
    }
  /* Emit what is ready without waiting, then make room for the next job. */
  int r;
  while ((r = cpipe_write_one (p, 0, err)) > 0)
    ;
  if (r < 0)
    return r;
  while (p->seq_fill - p->seq_written >= p->nslots)
    if ((r = cpipe_write_one (p, 1, err)) < 0)
      return r;
  struct kn_cpipe_job *next = cpipe_slot (p, p->seq_fill);
  if (next->in == NULL)
    next->in = kn_xmalloc (p->ops->block);
  next->in_len = 0;
  return 0;
}

static int
cpipe_check_usable (struct kn_cpipe *p, struct kn_error **err)
{
  if (p->failed)
    return kn_error_make (err, p->failed, 0, "%s: writer already failed", p->ops->name);
  if (p->closed)
    return kn_error_make (err, KN_EINVAL, 0, "%s: write after close", p->ops->name);
  return 0;
}

int
kn_cpipe_write (struct kn_cpipe *p, const void *buf, size_t len, struct kn_error **err)
{
  int r = cpipe_check_usable (p, err);
  if (r < 0)
    return r;
  const size_t block = p->ops->block;
  const unsigned char *s = buf;
  while (len > 0)
    {
      struct kn_cpipe_job *job = cpipe_slot (p, p->seq_fill);
      size_t n = block - job->in_len;
      if (n > len)
        n = len;
      memcpy (job->in + job->in_len, s, n);
      job->in_len += n;
      s += n;
      len -= n;
      if (job->in_len == block && (r = cpipe_submit (p, 0, err)) < 0)
        return r;
    }
  return 0;
}

int
kn_cpipe_finish (struct kn_cpipe *p, int always_last, struct kn_error **err)
{
  if (p->closed && !p->failed)
    return 1;
  int r = cpipe_check_usable (p, err);
  if (r < 0)
    return r;
  struct kn_cpipe_job *job = cpipe_slot (p, p->seq_fill);
  if ((always_last || job->in_len > 0 || p->seq_fill == 0) && (r = cpipe_submit (p, 1, err)) < 0)
    return r;
  while ((r = cpipe_write_one (p, 1, err)) > 0)
    ;
  if (r < 0)
    return r;
  return 0;
}

void
kn_cpipe_init (struct kn_cpipe *p, const struct kn_cpipe_ops *ops, void *codec, unsigned nworkers, size_t nslots)
{
  memset (p, 0, sizeof *p);
  p->ops = ops;
  p->codec = codec;
  p->nworkers = nworkers;
  p->nslots = nslots;
  pthread_mutex_init (&p->mu, NULL);
  pthread_cond_init (&p->cv_work, NULL);
  pthread_cond_init (&p->cv_done, NULL);
  p->slots = kn_xcalloc (nslots, ops->job_size);
  cpipe_slot (p, 0)->in = kn_xmalloc (ops->block);
}

void
kn_cpipe_destroy (struct kn_cpipe *p)
{
  if (p->nstarted > 0)
    {
      pthread_mutex_lock (&p->mu);
      p->quit = 1;
      pthread_cond_broadcast (&p->cv_work);
      pthread_mutex_unlock (&p->mu);
      for (unsigned i = 0; i < p->nstarted; i++)
        pthread_join (p->threads[i], NULL);
    }
  free (p->threads);
  if (p->local != NULL)
    p->ops->ctx_free (p->local);
  for (size_t i = 0; i < p->nslots; i++)
    {
      struct kn_cpipe_job *job = cpipe_slot (p, i);
      if (p->ops->job_free != NULL)
        p->ops->job_free (job);
      free (job->in);
      free (job->out);
    }
  free (p->slots);
  pthread_mutex_destroy (&p->mu);
  pthread_cond_destroy (&p->cv_work);
  pthread_cond_destroy (&p->cv_done);
}
