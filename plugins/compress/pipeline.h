/* The parallel block pipeline shared by the gzip and zstd compressor plugins
 * (compiled into each module, or once into the builtin set).
 *
 * The caller's writes fill fixed-size input blocks ("jobs") in a ring of
 * NSLOTS slots; a full block is handed to a pool of worker threads (or, with
 * no workers, compressed on the caller's thread) and the finished jobs are
 * emitted to the codec strictly in order, so the output depends only on the
 * data, never on the number of threads or on scheduling.  Workers are started
 * lazily: a stream that fits in one block is compressed on the caller's
 * thread.  The codec supplies the per-thread compressor and the per-job
 * compress and emit steps (struct kn_cpipe_ops). */
#ifndef KN_PLUGINS_COMPRESS_PIPELINE_H
#define KN_PLUGINS_COMPRESS_PIPELINE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <kaniko/error.h>

enum kn_cpipe_job_state
{
  KN_CPIPE_JOB_FREE = 0,
  KN_CPIPE_JOB_QUEUED,
  KN_CPIPE_JOB_DONE
};

/* One block; a codec's job struct starts with this (ops->job_size is its size). */
struct kn_cpipe_job
{
  unsigned char *in; /* BLOCK bytes, allocated by the pipeline */
  size_t in_len;
  unsigned char *out; /* owned by the job; the codec allocates it, the pipeline frees it */
  size_t out_len;
  int last; /* the final block of the stream */
  enum kn_cpipe_job_state state;
};

struct kn_cpipe;

struct kn_cpipe_ops
{
  const char *name; /* "gzip": prefix of the error messages */
  size_t job_size;  /* sizeof the codec's job struct */
  size_t block;     /* input bytes per job */
  /* A new per-thread compressor (never NULL; aborts on OOM). */
  void *(*ctx_new) (struct kn_cpipe *p);
  /* Free what ctx_new returned. */
  void (*ctx_free) (void *ctx);
  /* Compress JOB with CTX (any thread); record failures in the codec's job. */
  void (*compress) (struct kn_cpipe *p, void *ctx, struct kn_cpipe_job *job);
  /* Optional, on the caller's thread before JOB (number SEQ) is queued: PREV
   * is the previous (full) job, or NULL for the first one. */
  void (*prepare) (struct kn_cpipe *p, struct kn_cpipe_job *job, const struct kn_cpipe_job *prev);
  /* Send finished JOB number SEQ to the sink (caller's thread, in order);
   * returns 0 or a negative -KN_E* with ERR set (the pipeline then fails). */
  int (*emit) (struct kn_cpipe *p, struct kn_cpipe_job *job, uint64_t seq, struct kn_error **err);
  /* Optional: free the codec's own buffers in JOB (not in/out). */
  void (*job_free) (struct kn_cpipe_job *job);
};

struct kn_cpipe
{
  const struct kn_cpipe_ops *ops;
  void *codec; /* the codec's writer, for the ops */
  unsigned nworkers; /* 0 = compress on the caller's thread */
  size_t nslots;
  unsigned char *slots; /* nslots jobs of ops->job_size bytes */
  uint64_t seq_fill;    /* the job the caller is filling */
  uint64_t seq_taken;   /* the next job a worker takes (jobs < seq_fill are queued) */
  uint64_t seq_written; /* the next job whose output is emitted */
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  pthread_t *threads;
  unsigned nstarted;
  int quit;
  void *local; /* compressor for the caller's thread (lazily) */
  int closed;
  int failed; /* sticky: the code of the first error */
};

/* Set up P for CODEC with NWORKERS worker threads (0: none) and NSLOTS slots
 * (>= 1); the first block is allocated.  Release with kn_cpipe_destroy(). */
void kn_cpipe_init (struct kn_cpipe *p, const struct kn_cpipe_ops *ops, void *codec, unsigned nworkers, size_t nslots);

/* Stop and join the workers and free everything P holds (not P itself). */
void kn_cpipe_destroy (struct kn_cpipe *p);

/* Record the first failure of P (code -RET, or KN_EINTERNAL when RET >= 0); returns RET. */
int kn_cpipe_fail (struct kn_cpipe *p, int ret);

/* Append LEN bytes of BUF, compressing every block that fills up.
 * Returns 0 or a negative -KN_E* (the writer is then failed). */
int kn_cpipe_write (struct kn_cpipe *p, const void *buf, size_t len, struct kn_error **err);

/* Compress the final block and emit every job.  The final block is submitted
 * when it holds data, when it is the only one, or always when ALWAYS_LAST.
 * Returns 1 when P was already closed (nothing done), 0 when the codec may
 * write its trailer and set p->closed, or a negative -KN_E*. */
int kn_cpipe_finish (struct kn_cpipe *p, int always_last, struct kn_error **err);

#endif
