/*
 * queue.h — the durable job queue (SQLite, WAL, synchronous=FULL). One
 * connection behind a FIFO lock; enqueues are group-committed: concurrent
 * callers share one transaction (one fsync), and each returns only once the
 * transaction holding its row has committed.
 *
 * Life of a job: queued → running (claimed with a lease) → done | failed, or
 * back to queued by queue_retry; a queued job is superseded when a newer head
 * of the same pull request is enqueued. A running job whose lease expired
 * (the worker died) is claimed again.
 */
#ifndef RR_QUEUE_H
#define RR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"
#include "../handlers/forge.h"

#define QUEUE_MAX_ATTEMPTS 5

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
	int64_t not_before;        /* unix seconds */
	int64_t lease_until;       /* unix seconds, 0 when not running */
	char *last_error;          /* NULL when none */
	int64_t created_at;
	int64_t updated_at;
};
void job_free(struct job *j);              /* frees the strings, zeroes *j */

struct queue_stats {
	int64_t by_state[JOB_STATE_COUNT];
};

struct queue;

/* Opens (creating the file and schema if needed) the SQLite database at path. */
int queue_open(struct queue **out, const char *path, struct rr_error *err);
void queue_close(struct queue *q);

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
 * lease expired, marks it running until now + lease_s and fills out (caller
 * frees with job_free). RR_NONE when there is nothing to do. A job whose lease
 * expired QUEUE_MAX_ATTEMPTS times is failed instead of claimed again.
 */
int queue_claim(struct queue *q, unsigned lease_s, struct job *out, struct rr_error *err);
int queue_complete(struct queue *q, int64_t id, struct rr_error *err);
/*
 * Puts a failed run back in the queue: attempts + 1, not_before = now + delay_s.
 * When attempts reaches QUEUE_MAX_ATTEMPTS the job fails for good instead and
 * *gave_up (may be NULL) is set.
 */
int queue_retry(struct queue *q, int64_t id, unsigned delay_s, const char *reason, bool *gave_up,
		struct rr_error *err);
int queue_fail(struct queue *q, int64_t id, const char *reason, struct rr_error *err);
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
