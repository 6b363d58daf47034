/*
 * worker.h — the review workers: N threads, each with its own review engine,
 * looping claim → run → complete / retry / fail. A worker sleeps on the
 * queue's condition variable (woken by enqueue) with a 1 s timeout, so delayed
 * retries and expired leases are picked up without a wake-up.
 */
#ifndef RR_WORKER_H
#define RR_WORKER_H

#include <stdint.h>

#include "../common/rr.h"
#include "../review/engine.h"
#include "config.h"
#include "metrics.h"
#include "queue.h"

/* How long a claimed job is ours before another worker may take it over.
 * Generous: the first fetch of a large repository can take minutes. */
#define WORKER_LEASE_S 1800
#define WORKER_MAX_BACKOFF_S 600

struct worker_pool;

/* cfg, q and m are borrowed and must outlive the pool. */
int worker_pool_start(struct worker_pool **out, const struct rr_config *cfg, struct queue *q,
		      struct metrics *m, struct rr_error *err);
/* Lets running jobs finish, stops every thread, frees. NULL is fine. */
void worker_pool_stop(struct worker_pool *p);

/*
 * Runs one claimed job and records its outcome in the queue (done, retried
 * with backoff, or failed). Returns the outcome of the review itself (0, or
 * the error that failed or postponed it). Exposed for tests.
 */
int worker_run_job(struct review_engine *e, const struct rr_config *cfg, struct queue *q,
		   struct metrics *m, const struct job *job);

/* Seconds before retry number attempts+1: max(retry_after, 2^attempts), at most 10 min. */
unsigned worker_backoff_s(int attempts, long retry_after);

#endif
