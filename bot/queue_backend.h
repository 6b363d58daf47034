/*
 * queue_backend.h — what a database must do for the queue (bot/queue.c).
 *
 * queue.c keeps the policy: group commit, the FIFO lock over the one
 * connection, wake-ups, lease owner and renewal, the retry window. A backend
 * is one file that speaks one database's dialect: queue_sqlite.c (the
 * default, one file in the data dir) and queue_pg.c (libpq, several
 * replicas). Every call but wait_for_work is made with the queue's lock held,
 * one at a time; each is one transaction.
 *
 * Time: `now` is unix seconds from the queue's test clock, or 0 for the
 * backend's own clock (SQLite: this machine's; PostgreSQL: the database's,
 * so replicas with skewed clocks still agree on leases).
 *
 * Invariants every backend keeps (tests/unit/test_queue_contract.c):
 *   - one job per (forge, delivery id);
 *   - at most one running job per pull request (forge, owner, repo, number),
 *     enforced by the database itself (a unique partial index), not only by
 *     the claim's filter, so two replicas racing cannot both run one PR;
 *   - a job's outcome is recorded only by the lease that runs it (lease
 *     owner and token), so a worker whose lease was taken over cannot mark
 *     done a job another worker runs.
 */
#ifndef RR_QUEUE_BACKEND_H
#define RR_QUEUE_BACKEND_H

#include "queue.h"

struct queue_db;          /* a backend's connection and statements */

/* One request of a group commit. */
struct queue_item {
	const struct review_request *rq;
	const char *json;          /* rq serialised */
	int64_t job_id;            /* out */
	bool duplicate;            /* out: the delivery was already stored */
	bool requeued;             /* out: ... as a failed job, now queued again */
	int rc;                    /* out: RR_OK or this request's own error */
	struct rr_error err;       /* out */
};

/* A claim: the lease it takes. */
struct queue_claim_args {
	int64_t now;
	unsigned lease_s;
	const char *owner;
	int64_t token;
	int max_lost;              /* a job whose lease was lost this often fails */
};

enum queue_finish_kind {
	QUEUE_FINISH_DONE,
	QUEUE_FINISH_FAIL,
	QUEUE_FINISH_RETRY,        /* attempts + 1; failed once past the retry window */
	QUEUE_FINISH_RELEASE,      /* shutdown: back to queued, attempts unchanged */
};

struct queue_finish_args {
	int64_t now;
	int64_t id;
	const char *owner;
	int64_t token;
	enum queue_finish_kind kind;
	unsigned delay_s;          /* RETRY, RELEASE: not before now + delay_s */
	int64_t retry_for_s;       /* RETRY: fail instead once now + delay is past retry_since + this */
	const char *reason;        /* NULL keeps last_error */
};

struct queue_backend {
	const char *name;
	/* target: the URL as given (each backend knows its own forms). */
	int (*open)(struct queue_db **out, const char *target, struct rr_error *err);
	void (*close)(struct queue_db *db);
	/*
	 * Runs items in one transaction, each in a savepoint so one request's
	 * failure leaves the others. Returns non-zero (nothing committed) when
	 * the transaction as a whole failed; the policy then retries items one
	 * per call. Sets *notify when a new job became claimable.
	 */
	int (*enqueue_batch)(struct queue_db *db, struct queue_item *items, size_t n, int64_t now,
			     bool *notify, struct rr_error *err);
	/* RR_NONE when nothing is claimable. */
	int (*claim)(struct queue_db *db, const struct queue_claim_args *a, struct job *out,
		     struct rr_error *err);
	/* RR_ENOTFOUND when the job is not running under that lease. *state_out:
	 * the state it was left in. */
	int (*finish)(struct queue_db *db, const struct queue_finish_args *a,
		      enum job_state *state_out, struct rr_error *err);
	/* Extends a lease still held; RR_ENOTFOUND when it was lost. */
	int (*renew)(struct queue_db *db, int64_t id, const char *owner, int64_t token, int64_t now,
		     unsigned lease_s, struct rr_error *err);
	/* Running jobs of owner go back to queued (a restarted process, or one
	 * that shuts down): counted as a lost lease. */
	int (*release_owner)(struct queue_db *db, const char *owner, int64_t now, size_t *n,
			     struct rr_error *err);
	/* A failed job (id > 0) or every failed job (id == 0) queued again. */
	int (*requeue)(struct queue_db *db, int64_t id, int64_t now, size_t *n,
		       struct rr_error *err);
	/* Deletes done and superseded jobs last updated before `before`. */
	int (*prune)(struct queue_db *db, int64_t before, size_t *n, struct rr_error *err);
	/*
	 * Content-creating calls under a budget per key: reserves `calls` in
	 * the current minute and hour windows, or sets *wait_s to when there
	 * is room (nothing reserved).
	 */
	int (*pace)(struct queue_db *db, const char *key, unsigned calls, unsigned per_minute,
		    unsigned per_hour, int64_t now, unsigned *wait_s, struct rr_error *err);
	/*
	 * The forge rate-limited key (a token): its calls wait until now +
	 * seconds (a later pause wins; an earlier one never shortens it).
	 * paused: how long key still waits (0: not paused).
	 */
	int (*pause)(struct queue_db *db, const char *key, unsigned seconds, int64_t now,
		     struct rr_error *err);
	int (*paused)(struct queue_db *db, const char *key, int64_t now, unsigned *wait_s,
		      struct rr_error *err);
	int (*get)(struct queue_db *db, int64_t id, struct job *out, struct rr_error *err);
	int (*list)(struct queue_db *db, int state, unsigned limit, struct job **out, size_t *n,
		    struct rr_error *err);
	/* Jobs by state, and the ages of the oldest queued jobs at now. */
	int (*stats)(struct queue_db *db, int64_t now, struct queue_stats *out,
		     struct rr_error *err);
	/* The database answers (reconnecting if it was lost). */
	int (*ping)(struct queue_db *db, struct rr_error *err);
	/*
	 * Optional, for databases other processes write: blocks up to
	 * timeout_ms for another process's enqueue (LISTEN/NOTIFY). Called
	 * WITHOUT the queue's lock, from one thread; uses its own connection.
	 * Returns 1 when woken by a notification, 0 otherwise.
	 */
	int (*wait_for_work)(struct queue_db *db, unsigned timeout_ms);
};

extern const struct queue_backend queue_sqlite_backend;
extern const struct queue_backend queue_pg_backend;

/* Shared by the backends. */
struct queue_pace_row {
	int64_t minute_start, hour_start;
	int64_t minute_calls, hour_calls;
};
/* Fixed windows that start with their first call: true when `calls` fit
 * (r updated, to be stored), else false with *wait_s until they would. */
bool queue_pace_decide(struct queue_pace_row *r, unsigned calls, unsigned per_minute,
		       unsigned per_hour, int64_t now, unsigned *wait_s);
int job_read_state(const char *name, int64_t id, enum job_state *out, struct rr_error *err);

#endif
