/*
 * queue.h — the durable job queue: policy (group commit, leases with an
 * owner, retries, wake-ups) over a backend: SQLite (default; WAL,
 * synchronous=FULL) or PostgreSQL (several replicas). One connection behind a
 * FIFO lock; enqueues are group-committed: concurrent callers share one
 * transaction (one fsync), and each returns only once the transaction holding
 * its row has committed.
 *
 * Life of a job: queued → running (claimed with a lease) → done | failed, or
 * back to queued by queue_retry / queue_release; a queued job is superseded
 * when a newer head of the same pull request is enqueued. A lease belongs to
 * one owner (the replica) and one claim (a token): only that claim records
 * the outcome. Leases are short and renewed while the job runs; a running job
 * whose lease expired (its replica died) is claimed again, and a replica that
 * restarts takes back its own running jobs at once (queue_release_own). At
 * most one job of a pull request runs at a time, on every replica.
 */
#ifndef RR_QUEUE_H
#define RR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"
#include "../handlers/api.h"
#include "../handlers/forge.h"

/* A job whose lease was lost this often (its process died each time it ran
 * it) fails instead of crashing the next one. */
#define QUEUE_MAX_LOST_LEASES 5
#define QUEUE_DEFAULT_RETRY_FOR_S (6 * 3600)

enum job_state {
	JOB_QUEUED = 0,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
	JOB_SUPERSEDED,
	JOB_STATE_COUNT
};
const char *job_state_name(enum job_state s);
/* RR_EINVAL for an unknown name. */
int job_state_parse(const char *name, enum job_state *out);

struct job {
	int64_t id;
	char *delivery_id;
	char *forge;
	char *owner;
	char *repo;
	long number;
	char *head_sha;
	char *request_json;        /* the review_request, as enqueued */
	enum job_state state;
	int attempts;              /* failed runs so far */
	int lost_leases;           /* runs whose worker was lost */
	int64_t not_before;        /* unix seconds */
	int64_t lease_until;       /* unix seconds, 0 when not running */
	char *lease_owner;         /* the replica running it, NULL when not running */
	int64_t lease_token;       /* the claim that runs it */
	int64_t retry_since;       /* the retry window starts here (enqueue or requeue) */
	char *last_error;          /* NULL when none */
	int64_t created_at;
	int64_t updated_at;
};
void job_free(struct job *j);              /* frees the strings, zeroes *j */

struct queue_stats {
	int64_t by_state[JOB_STATE_COUNT];
	/* Queued jobs, in seconds by the queue's clock (0 when there are none):
	 * how long ago the oldest was queued (its retry window began: enqueue or
	 * requeue), and how long the oldest a worker could claim now has been
	 * claimable (since its not_before; a job waiting for a retry or for the
	 * pacing budget is not claimable yet). */
	int64_t oldest_queued_s;
	int64_t oldest_claimable_s;
};

struct queue;

/*
 * Opens the queue url names, creating or migrating the schema (safe when two
 * replicas start at once): postgres:// or postgresql:// (libpq; "postgres:"
 * alone takes libpq's PG* environment), sqlite://PATH or a plain PATH.
 */
int queue_open(struct queue **out, const char *url, struct rr_error *err);
void queue_close(struct queue *q);
/* "sqlite" or "postgresql". */
const char *queue_backend_name(const struct queue *q);
/* The lease owner this process records (default: the host name). Set before
 * claiming; distinct replicas need distinct owners. */
int queue_set_owner(struct queue *q, const char *owner, struct rr_error *err);
const char *queue_owner(const struct queue *q);
/* How long transient failures are retried (default QUEUE_DEFAULT_RETRY_FOR_S). */
void queue_set_retry_for(struct queue *q, int64_t seconds);

/*
 * Commits rq as a new queued job and wakes one waiting worker. A delivery
 * already seen (same forge and delivery id) is not inserted again: *duplicate
 * is set and *job_id is the existing job. In the same transaction, queued jobs
 * of the same pull request with another head are marked superseded.
 */
int queue_enqueue(struct queue *q, const struct review_request *rq, int64_t *job_id,
		  bool *duplicate, struct rr_error *err);

/* One request's outcome in queue_enqueue_many. */
struct queue_enqueue_result {
	int64_t job_id;
	bool duplicate;
	bool requeued;             /* the delivery's job had failed: it is queued again
				      (the forge's "Redeliver"); duplicate is false */
	int rc;                    /* RR_OK, or this request's own error */
	struct rr_error err;       /* meaningful when rc != RR_OK */
};
/*
 * Enqueues rqs[0..n) in order, all in the same group commit, each as
 * queue_enqueue would (a later request with an earlier one's delivery id is
 * its duplicate). One request's failure does not fail the others: results[i]
 * says what happened to rqs[i]. Returns RR_OK when all succeeded, else the
 * first failing request's code with its message in err.
 */
int queue_enqueue_many(struct queue *q, const struct review_request *const *rqs, size_t n,
		       struct queue_enqueue_result *results, struct rr_error *err);

/*
 * For an event-driven caller that must not block on the commit: rq is
 * validated and serialised now and rides in the next group commit, led by the
 * queue's committer thread (started on first use); done(ctx, result) is called
 * on that thread, with no queue lock held, once the transaction holding it
 * has committed (result->rc == RR_OK: durable) or failed. rq (whose fields the
 * database columns take) must stay valid until then. An error return means
 * the request was not submitted and done will not be called. queue_close
 * commits what is pending, calling every done function, before it returns.
 */
typedef void (*queue_enqueue_done_fn)(void *ctx, const struct queue_enqueue_result *result);
int queue_enqueue_async(struct queue *q, const struct review_request *rq,
			queue_enqueue_done_fn done, void *ctx, struct rr_error *err);
/*
 * The committer's batches close window_us after their first request arrives
 * (default 0: as soon as no batch is in flight). A window trades that much
 * latency for more requests per fsync.
 */
void queue_set_commit_window(struct queue *q, unsigned window_us);

/* How enqueues were grouped into transactions since queue_open. */
struct queue_commit_stats {
	uint64_t batches;          /* group commits (one transaction each, unless fallen back) */
	uint64_t requests;         /* requests they carried */
	uint64_t fallbacks;        /* batches whose transaction failed and were re-run one
				      request per transaction */
	uint64_t largest_batch;
	uint64_t waiting;          /* enqueues submitted and not yet answered, now */
};
void queue_commit_stats(struct queue *q, struct queue_commit_stats *out);
/*
 * Takes the oldest queued job whose not_before has come, or a running job whose
 * lease expired, of a pull request with no other job running; marks it
 * running for this owner until now + lease_s under a new token and fills out
 * (caller frees with job_free). RR_NONE when there is nothing to do. A job
 * whose lease expired QUEUE_MAX_LOST_LEASES times is failed instead.
 */
int queue_claim(struct queue *q, unsigned lease_s, struct job *out, struct rr_error *err);
/*
 * The outcome of a claimed job, recorded only while job's lease (owner and
 * token) still holds it: RR_ENOTFOUND when it was lost (taken over after it
 * expired, or released).
 */
int queue_complete(struct queue *q, const struct job *job, struct rr_error *err);
/*
 * Puts a failed run back in the queue: attempts + 1, not_before = now + delay_s.
 * Past the retry window (queue_set_retry_for, counted from retry_since) the
 * job fails for good with reason instead and *gave_up (may be NULL) is set.
 */
int queue_retry(struct queue *q, const struct job *job, unsigned delay_s, const char *reason,
		bool *gave_up, struct rr_error *err);
int queue_fail(struct queue *q, const struct job *job, const char *reason, struct rr_error *err);
/* Gives the lease back (shutdown): queued again at once, attempts unchanged. */
int queue_release(struct queue *q, const struct job *job, struct rr_error *err);
/* Queued again not before now + delay_s, attempts unchanged (a paced job
 * waiting for its turn); reason becomes last_error. */
int queue_postpone(struct queue *q, const struct job *job, unsigned delay_s, const char *reason,
		   struct rr_error *err);
/* Extends job's lease to now + lease_s; RR_ENOTFOUND when it was lost. */
int queue_renew(struct queue *q, const struct job *job, unsigned lease_s, struct rr_error *err);
/* Running jobs of this owner, left by a previous run of this process, are
 * queued again now (each counted as a lost lease). */
int queue_release_own(struct queue *q, size_t *n, struct rr_error *err);
/* A failed job queued again (id), or every failed job (id 0): attempts and
 * the retry window start over. *n: how many. RR_ENOTFOUND for an id that is
 * not failed. */
int queue_requeue(struct queue *q, int64_t id, size_t *n, struct rr_error *err);
/* Deletes done and superseded jobs not updated for keep_s seconds. */
int queue_prune(struct queue *q, int64_t keep_s, size_t *n, struct rr_error *err);
/*
 * Reserves `calls` content-creating calls for key (a forge token) within
 * per_minute and per_hour, shared by every replica; when there is no room,
 * nothing is reserved and *wait_s says how long until there is.
 */
int queue_pace(struct queue *q, const char *key, unsigned calls, unsigned per_minute,
	       unsigned per_hour, unsigned *wait_s, struct rr_error *err);
/*
 * Rate limits the forge announced for a key (a token), shared by every
 * replica: queue_pause makes the key's calls wait `seconds` from now (never
 * shortening a longer pause); queue_paused says how long they still wait
 * (0: not paused).
 */
int queue_pause(struct queue *q, const char *key, unsigned seconds, struct rr_error *err);
int queue_paused(struct queue *q, const char *key, unsigned *wait_s, struct rr_error *err);
/* The API gate (handlers/api.h) over this queue's pauses, for every forge's
 * client: out->ctx is q, which must outlive the calls made through it. */
void queue_api_gate(struct queue *q, struct api_gate *out);
/* The database answers (a PostgreSQL queue reconnects here when it was lost). */
int queue_ping(struct queue *q, struct rr_error *err);
int queue_stats(struct queue *q, struct queue_stats *out, struct rr_error *err);
/* Jobs newest first, at most limit (0 = 1000); state < 0 means every state.
 * Caller frees with queue_list_free. */
int queue_list(struct queue *q, int state, unsigned limit, struct job **out, size_t *n,
	       struct rr_error *err);
void queue_list_free(struct job *jobs, size_t n);
/* Fetches one job by id: RR_ENOTFOUND when absent. */
int queue_get(struct queue *q, int64_t id, struct job *out, struct rr_error *err);

/*
 * Waiting for work: read the generation before claiming; when the claim finds
 * nothing, wait until an enqueue (or queue_wake_all) changes it, or timeout_ms.
 */
uint64_t queue_generation(struct queue *q);
void queue_wait(struct queue *q, uint64_t generation, unsigned timeout_ms);
void queue_wake_all(struct queue *q);

/* Tests move time: now() replaces time(NULL) for not_before and leases. */
void queue_set_clock(struct queue *q, int64_t (*now)(void *ctx), void *ctx);

#endif
