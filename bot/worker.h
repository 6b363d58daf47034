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

/* How long a claimed job is ours before another replica may take it over.
 * Short, because a lease outlives a crashed replica by this much; the pool's
 * keeper thread renews the leases of running jobs every WORKER_RENEW_S, so a
 * long fetch keeps its job. */
#define WORKER_LEASE_S 30
#define WORKER_RENEW_S 5
#define WORKER_MAX_BACKOFF_S 600
/* The largest forge's secondary limits on content-creating requests, per token. */
#define WORKER_PACE_PER_MINUTE 80
#define WORKER_PACE_PER_HOUR 500

struct worker_pool;

/* cfg, q and m are borrowed and must outlive the pool. */
int worker_pool_start(struct worker_pool **out, const struct rr_config *cfg, struct queue *q,
		      struct metrics *m, struct rr_error *err);
/* Lets running jobs finish, stops every thread, frees. NULL is fine. */
void worker_pool_stop(struct worker_pool *p);
/*
 * Shutdown with a deadline: workers claim nothing more; running jobs get
 * until grace_ms to finish. Returns true when every thread ended (then call
 * worker_pool_stop to free). Otherwise the leases of the jobs still running
 * were given back (queued again for another replica or the next start) and
 * the pool must be left as it is: the process exits.
 */
bool worker_pool_drain(struct worker_pool *p, unsigned grace_ms);
/* The steps of worker_pool_drain: stop claiming (returns at once); wait up to
 * ms for every thread to end (true when they have); give back the leases of
 * the jobs still running. */
void worker_pool_begin_stop(struct worker_pool *p);
bool worker_pool_wait(struct worker_pool *p, unsigned ms);
void worker_pool_release_running(struct worker_pool *p);

/*
 * Runs one claimed job and records its outcome in the queue (done, retried
 * with backoff, or failed). Returns the outcome of the review itself (0, or
 * the error that failed or postponed it). Exposed for tests.
 */
int worker_run_job(struct review_engine *e, const struct rr_config *cfg, struct queue *q,
		   struct metrics *m, const struct job *job);

/* Seconds before retry number attempts+1: max(retry_after, 2^attempts), the
 * exponential part at most 10 min (the forge's own wait is always honoured). */
unsigned worker_backoff_s(int attempts, long retry_after);
/* worker_backoff_s plus up to a quarter more at random, so jobs failed by one
 * outage do not all come back in the same second; never below retry_after. */
unsigned worker_backoff_jitter_s(int attempts, long retry_after);

#endif
