#include "config.h"

#include <pthread.h>
#include <string.h>

#include <kaniko/sys/util.h>

#include "core/build/parallel.h"

struct pool {
  const struct kn_par_ops *ops;
  size_t n;
  size_t next;
  int failed;
  int ret;
  struct kn_error *err;
  pthread_mutex_t lock;
};

static void *
worker (void *arg)
{
  struct pool *p = arg;
  void *state = NULL;
  for (;;)
    {
      pthread_mutex_lock (&p->lock);
      size_t i = p->next;
      int stop = p->failed || i >= p->n;
      if (!stop)
        p->next++;
      pthread_mutex_unlock (&p->lock);
      if (stop)
        break;
      struct kn_error *e = NULL;
      int ret = p->ops->item (i, &state, p->ops->payload, &e);
      if (ret < 0)
        {
          pthread_mutex_lock (&p->lock);
          if (!p->failed)
            {
              p->failed = 1;
              p->ret = ret;
              p->err = e;
              e = NULL;
            }
          pthread_mutex_unlock (&p->lock);
          kn_error_free (e);
          break;
        }
    }
  if (p->ops->done)
    p->ops->done (state, p->ops->payload);
  return NULL;
}

int
kn_par_run (size_t n, unsigned workers, const struct kn_par_ops *ops, struct kn_error **err)
{
  struct pool p;
  memset (&p, 0, sizeof p);
  p.ops = ops;
  p.n = n;
  pthread_mutex_init (&p.lock, NULL);
  if (workers > n)
    workers = (unsigned) n;
  if (workers <= 1)
    worker (&p);
  else
    {
      pthread_t *t = kn_xcalloc (workers, sizeof *t);
      unsigned started = 0;
      for (; started < workers; started++)
        if (pthread_create (&t[started], NULL, worker, &p) != 0)
          break;
      if (started == 0)
        worker (&p);
      for (unsigned k = 0; k < started; k++)
        pthread_join (t[k], NULL);
      free (t);
    }
  pthread_mutex_destroy (&p.lock);
  if (p.failed)
    {
      if (err && *err == NULL)
        *err = p.err;
      else
        kn_error_free (p.err);
      return p.ret;
    }
  return 0;
}
