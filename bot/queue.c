/*
 * queue.c — the durable job queue's policy, over a backend (queue_backend.h):
 * queue_sqlite.c by default, queue_pg.c for postgres:// URLs.
 *
 * Enqueues are group-committed. A 202 promises the delivery survives a power
 * cut, so every enqueue needs a committed (fsynced) transaction; one fsync per
 * delivery capped ingest at the disk's fsync rate. Instead each caller puts its
 * request on a pending list; whichever caller finds no batch in flight becomes
 * the leader, takes the whole list, runs it in ONE transaction, fills every
 * caller's result and wakes them. Callers that arrive while a batch commits
 * form the next batch. Nobody returns before the transaction holding its row
 * has committed, so "acknowledged" still means "durable".
 *
 * An event-driven server cannot block a thread per delivery: it submits with
 * queue_enqueue_async and the queue's committer thread (started on the first
 * such submission) leads the batches instead, calling each request's done
 * function once the transaction holding it has committed. Both kinds of
 * request share the pending list, so a batch may carry both.
 *
 * Locks (never two held at once, so no ordering to get wrong):
 *   db_lock     FIFO ticket lock over the backend's connection. FIFO so a
 *               worker's claim waits at most for the operations already
 *               queued ahead of it (at most one enqueue batch, since enqueuers
 *               funnel through a single leader), never for a flood.
 *   batch_lock  the pending list, the leader flag, the committer's state and
 *               the commit counters. Done functions are called with no lock held.
 *   gen_lock    the generation that idle workers wait on.
 *
 * Leases: each claim records this process's owner (the replica) and a fresh
 * random token; only a call carrying both records the outcome. A database
 * that other processes write (PostgreSQL) wakes our idle workers through a
 * listener thread (backend->wait_for_work: LISTEN/NOTIFY).
 */
#define _POSIX_C_SOURCE 200809L
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "../common/log.h"
#include "queue_backend.h"

#define LIST_DEFAULT_LIMIT 1000
#define LISTEN_WAIT_MS 1000

/* ---- state -------------------------------------------------------------- */

/* FIFO ticket lock: waiters are served in arrival order. */
struct fifo_lock {
	pthread_mutex_t m;
	pthread_cond_t turn;
	uint64_t next_ticket;
	uint64_t serving;
};

/* One caller's request waiting for (or riding in) a group commit. */
struct enqueue_req {
	struct queue_item item;    /* request and result, as the backend sees them */
	char *json;                /* owned by the submitting caller */
	bool done;                 /* set under batch_lock once the result is final */
	pthread_cond_t *wake;      /* the submitting caller's, waited on with batch_lock;
				      NULL for an asynchronous request */
	queue_enqueue_done_fn done_fn;   /* an asynchronous request's, else NULL */
	void *done_ctx;
	struct enqueue_req *next;  /* pending list / batch link */
};

/* Which synchronisation objects exist, so a half-built queue closes cleanly. */
enum {
	SYNC_DB_MUTEX = 1 << 0,
	SYNC_DB_COND = 1 << 1,
	SYNC_BATCH_MUTEX = 1 << 2,
	SYNC_GEN_MUTEX = 1 << 3,
	SYNC_GEN_COND = 1 << 4,
	SYNC_COMMITTER_COND = 1 << 5,
};

struct queue {
	const struct queue_backend *be;
	struct queue_db *db;
	unsigned sync_ready;                 /* SYNC_* bits */
	struct fifo_lock db_lock;            /* guards db */
	char *owner;                         /* lease owner recorded by claims */
	int64_t retry_for_s;

	/* Each submitting caller waits on its own condition variable: the
	 * leader wakes exactly its batch's callers and the next leader, not
	 * every waiting thread (a thundering herd on two cores). */
	pthread_mutex_t batch_lock;          /* guards everything down to counters */
	struct enqueue_req *pending;
	struct enqueue_req **pending_tail;
	bool leader_busy;                    /* a batch is being committed */
	struct queue_commit_stats counters;
	pthread_cond_t committer_wake;       /* asynchronous requests wait to be led */
	pthread_t committer;
	bool committer_running;
	bool committer_stop;
	uint64_t pending_since_us;           /* when the pending list last became non-empty */
	size_t pending_n;                    /* requests on the pending list */
	size_t expected;                     /* requests in play around the last batch */
	unsigned commit_window_us;           /* the most a committer's batch waits for them */

	pthread_mutex_t gen_lock;            /* guards generation */
	pthread_cond_t wake;                 /* signalled when generation changes */
	uint64_t generation;

	pthread_t listener;                  /* wakes workers on other processes' enqueues */
	bool listening;
	atomic_bool closing;

	int64_t (*now)(void *ctx);           /* NULL: the backend's clock */
	void *now_ctx;
};

static const char *const state_names[JOB_STATE_COUNT] = {
	"queued", "running", "done", "failed", "superseded"
};

const char *job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_STATE_COUNT ? state_names[s] : "unknown";
}

int job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return RR_OK;
		}
	}
	return RR_EINVAL;
}

int job_read_state(const char *name, int64_t id, enum job_state *out, struct rr_error *err)
{
	if (!name || job_state_parse(name, out) != RR_OK)
		return rr_error_set(err, RR_ERR, "job %lld has an unknown state", (long long)id);
	return RR_OK;
}

void job_free(struct job *j)
{
	free(j->delivery_id);
	free(j->forge);
	free(j->owner);
	free(j->repo);
	free(j->head_sha);
	free(j->request_json);
	free(j->last_error);
	free(j->lease_owner);
	memset(j, 0, sizeof(*j));
}

/* The test clock's time, or 0: the backend's own clock. */
static int64_t queue_now(const struct queue *q)
{
	return q->now ? q->now(q->now_ctx) : 0;
}

/* ---- the FIFO lock -------------------------------------------------------- */

static void fifo_lock_acquire(struct fifo_lock *l)
{
	uint64_t ticket;

	pthread_mutex_lock(&l->m);
	ticket = l->next_ticket++;
	while (l->serving != ticket)
		pthread_cond_wait(&l->turn, &l->m);
	pthread_mutex_unlock(&l->m);
}

static void fifo_lock_release(struct fifo_lock *l)
{
	pthread_mutex_lock(&l->m);
	l->serving++;
	/* Every waiter re-checks its ticket; there are only a handful (one
	 * enqueue leader, the workers, the odd reader). */
	pthread_cond_broadcast(&l->turn);
	pthread_mutex_unlock(&l->m);
}

/* ---- open / close ------------------------------------------------------- */

static void committer_stop(struct queue *q);

static int sync_init_mutex(struct queue *q, pthread_mutex_t *m, unsigned bit)
{
	if (pthread_mutex_init(m, NULL) != 0)
		return -1;
	q->sync_ready |= bit;
	return 0;
}

static int sync_init_cond(struct queue *q, pthread_cond_t *c, const pthread_condattr_t *attr,
			  unsigned bit)
{
	if (pthread_cond_init(c, attr) != 0)
		return -1;
	q->sync_ready |= bit;
	return 0;
}

static int queue_init_sync(struct queue *q, struct rr_error *err)
{
	pthread_condattr_t mono;
	int bad;

	if (pthread_condattr_init(&mono) != 0)
		return rr_error_set(err, RR_ERR, "queue: cannot create a condition variable");
	/* Timed waits on the monotonic clock: wall-clock jumps must not stall workers. */
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	bad = sync_init_mutex(q, &q->db_lock.m, SYNC_DB_MUTEX) ||
	      sync_init_cond(q, &q->db_lock.turn, NULL, SYNC_DB_COND) ||
	      sync_init_mutex(q, &q->batch_lock, SYNC_BATCH_MUTEX) ||
	      sync_init_mutex(q, &q->gen_lock, SYNC_GEN_MUTEX) ||
	      sync_init_cond(q, &q->wake, &mono, SYNC_GEN_COND) ||
	      sync_init_cond(q, &q->committer_wake, &mono, SYNC_COMMITTER_COND);
	pthread_condattr_destroy(&mono);
	if (bad)
		return rr_error_set(err, RR_ERR, "queue: cannot create its locks");
	q->pending_tail = &q->pending;
	return RR_OK;
}

static void queue_destroy_sync(struct queue *q)
{
	if (q->sync_ready & SYNC_DB_COND)
		pthread_cond_destroy(&q->db_lock.turn);
	if (q->sync_ready & SYNC_DB_MUTEX)
		pthread_mutex_destroy(&q->db_lock.m);
	if (q->sync_ready & SYNC_BATCH_MUTEX)
		pthread_mutex_destroy(&q->batch_lock);
	if (q->sync_ready & SYNC_GEN_COND)
		pthread_cond_destroy(&q->wake);
	if (q->sync_ready & SYNC_GEN_MUTEX)
		pthread_mutex_destroy(&q->gen_lock);
	if (q->sync_ready & SYNC_COMMITTER_COND)
		pthread_cond_destroy(&q->committer_wake);
	q->sync_ready = 0;
}

/* postgres://, postgresql:// and "postgres:" (libpq's PG* environment) go
 * to PostgreSQL; everything else is a SQLite path, with or without sqlite://. */
static const struct queue_backend *backend_for(const char *url, const char **target)
{
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		*target = url;
		return &queue_pg_backend;
	}
	if (strcmp(url, "postgres:") == 0) {
		*target = "";
		return &queue_pg_backend;
	}
	*target = strncmp(url, "sqlite://", 9) == 0 ? url + 9 : url;
	return &queue_sqlite_backend;
}

static void *listener_main(void *arg)
{
	struct queue *q = arg;
	while (!atomic_load(&q->closing))
		if (q->be->wait_for_work(q->db, LISTEN_WAIT_MS) > 0)
			queue_wake_all(q);
	return NULL;
}

static char *default_owner(void)
{
	char host[256];
	if (gethostname(host, sizeof(host)) != 0 || !host[0])
		snprintf(host, sizeof(host), "pid-%ld", (long)getpid());
	host[sizeof(host) - 1] = '\0';
	return rr_strdup(host);
}

int queue_open(struct queue **out, const char *url, struct rr_error *err)
{
	struct queue *q = calloc(1, sizeof(*q));
	const char *target;
	int rc;

	*out = NULL;
	if (!q || !(q->owner = default_owner())) {
		free(q);
		return rr_error_set(err, RR_ENOMEM, "opening the queue: out of memory");
	}
	q->be = backend_for(url, &target);
	q->retry_for_s = QUEUE_DEFAULT_RETRY_FOR_S;
	atomic_init(&q->closing, false);
	if ((rc = queue_init_sync(q, err)) || (rc = q->be->open(&q->db, target, err)))
		goto fail;
	if (q->be->wait_for_work) {
		if (pthread_create(&q->listener, NULL, listener_main, q) != 0) {
			rc = rr_error_set(err, RR_ERR, "queue: cannot start the listener thread");
			goto fail;
		}
		q->listening = true;
	}
	*out = q;
	return RR_OK;
fail:
	queue_close(q);
	return rc;
}

void queue_close(struct queue *q)
{
	if (!q)
		return;
	committer_stop(q);
	atomic_store(&q->closing, true);
	if (q->listening)
		pthread_join(q->listener, NULL);
	if (q->db)
		q->be->close(q->db);
	queue_destroy_sync(q);
	free(q->owner);
	free(q);
}

const char *queue_backend_name(const struct queue *q)
{
	return q->be->name;
}

int queue_set_owner(struct queue *q, const char *owner, struct rr_error *err)
{
	char *copy;
	if (!owner || !*owner)
		return rr_error_set(err, RR_EINVAL, "the lease owner is empty");
	if (!(copy = rr_strdup(owner)))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	free(q->owner);
	q->owner = copy;
	return RR_OK;
}

const char *queue_owner(const struct queue *q)
{
	return q->owner;
}

void queue_set_retry_for(struct queue *q, int64_t seconds)
{
	q->retry_for_s = seconds > 0 ? seconds : QUEUE_DEFAULT_RETRY_FOR_S;
}

void queue_set_clock(struct queue *q, int64_t (*now)(void *ctx), void *ctx)
{
	q->now = now;
	q->now_ctx = ctx;
}

/* ---- waiting ------------------------------------------------------------ */

uint64_t queue_generation(struct queue *q)
{
	uint64_t g;
	pthread_mutex_lock(&q->gen_lock);
	g = q->generation;
	pthread_mutex_unlock(&q->gen_lock);
	return g;
}

void queue_wake_all(struct queue *q)
{
	pthread_mutex_lock(&q->gen_lock);
	q->generation++;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->gen_lock);
}

void queue_wait(struct queue *q, uint64_t generation, unsigned timeout_ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->gen_lock);
	while (q->generation == generation)
		if (pthread_cond_timedwait(&q->wake, &q->gen_lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&q->gen_lock);
}

/* ---- enqueue: committing a batch (the leader) ----------------------------- */

static void item_reset_result(struct queue_item *it)
{
	it->job_id = 0;
	it->duplicate = false;
	it->requeued = false;
	it->rc = RR_OK;
	rr_error_clear(&it->err);
}

static size_t batch_length(const struct enqueue_req *batch)
{
	size_t n = 0;
	for (; batch; batch = batch->next)
		n++;
	return n;
}

/*
 * Commits the batch and fills each request's result. When the batch
 * transaction fails after it began (a deferred constraint at COMMIT, a
 * rolled-back transaction), nothing of it was written: every request is then
 * committed on its own so one bad request cannot fail the others — unless
 * the database is unreachable, where that would only fail each once more.
 * Returns true when it had to fall back; *notify when a job became claimable.
 */
static bool batch_commit(struct queue *q, struct enqueue_req *batch, bool *notify)
{
	struct rr_error err = { 0 };
	size_t n = batch_length(batch), i = 0;
	struct queue_item *items = calloc(n, sizeof(*items));
	int64_t now = queue_now(q);
	bool fell_back = false;
	int rc;

	for (struct enqueue_req *r = batch; r; r = r->next)
		item_reset_result(&r->item);
	if (!items) {
		for (struct enqueue_req *r = batch; r; r = r->next)
			r->item.rc = rr_error_set(&r->item.err, RR_ENOMEM, "enqueue: out of memory");
		return false;
	}
	for (struct enqueue_req *r = batch; r; r = r->next)
		items[i++] = r->item;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->enqueue_batch(q->db, items, n, now, notify, &err);
	if (rc == RR_ETRANSIENT || (rc != RR_OK && n == 1)) {
		for (i = 0; i < n; i++) {
			item_reset_result(&items[i]);
			items[i].rc = rc;
			items[i].err = err;
		}
	} else if (rc != RR_OK) {
		fell_back = true;
		for (i = 0; i < n; i++) {
			struct rr_error one = { 0 };
			item_reset_result(&items[i]);
			if ((rc = q->be->enqueue_batch(q->db, &items[i], 1, now, notify, &one)) &&
			    items[i].rc == RR_OK) {
				items[i].rc = rc;
				items[i].err = one;
			}
		}
	}
	fifo_lock_release(&q->db_lock);
	i = 0;
	for (struct enqueue_req *r = batch; r; r = r->next)
		r->item = items[i++];
	free(items);
	if (fell_back)
		rr_log_kv(RR_LOG_WARN, "queue.batch_fallback", RR_KV_UINT("requests", n),
			  RR_KV_STR("error", err.msg));
	return fell_back;
}

static void counters_add(struct queue_commit_stats *c, size_t n, bool fell_back)
{
	c->batches++;
	c->requests += n;
	if (fell_back)
		c->fallbacks++;
	if (n > c->largest_batch)
		c->largest_batch = n;
}

/* Called with batch_lock held after a batch: whoever leads the requests that
 * arrived meanwhile is woken (a synchronous caller, or the committer). */
static void wake_next_leader(struct queue *q)
{
	if (!q->pending)
		return;
	if (q->pending->wake)
		pthread_cond_signal(q->pending->wake);
	else
		pthread_cond_signal(&q->committer_wake);
}

/* An asynchronous request's result goes to its done function; then it is freed. */
static void finish_async(struct enqueue_req *r)
{
	struct queue_enqueue_result res = {
		.job_id = r->item.job_id, .duplicate = r->item.duplicate,
		.requeued = r->item.requeued, .rc = r->item.rc, .err = r->item.err,
	};
	r->done_fn(r->done_ctx, &res);
	free(r->json);
	free(r);
}

/*
 * Called with batch_lock held and no batch in flight: takes every pending
 * request, commits them outside batch_lock (so more can queue up meanwhile),
 * then publishes the results: synchronous callers are woken, asynchronous
 * requests' done functions called with no lock held. Returns with batch_lock
 * held.
 */
static void batch_lead(struct queue *q)
{
	struct enqueue_req *batch = q->pending, *async = NULL, **async_tail = &async, *next;
	size_t n = batch_length(batch);
	bool fell_back, notify = false;

	q->pending = NULL;
	q->pending_tail = &q->pending;
	q->pending_n = 0;
	q->leader_busy = true;
	pthread_mutex_unlock(&q->batch_lock);

	fell_back = batch_commit(q, batch, &notify);
	if (notify)
		queue_wake_all(q);

	pthread_mutex_lock(&q->batch_lock);
	for (struct enqueue_req *r = batch; r; r = next) {
		next = r->next;    /* a woken caller frees its request */
		if (r->done_fn) {
			r->next = NULL;
			*async_tail = r;
			async_tail = &r->next;
			continue;
		}
		r->done = true;
		pthread_cond_signal(r->wake);
	}
	q->counters.waiting -= n;
	counters_add(&q->counters, n, fell_back);
	q->leader_busy = false;
	/* This batch's callers, answered now, and those that arrived meanwhile:
	 * under a steady load, that many come back for the next batch. */
	q->expected = n + q->pending_n;
	/* Requests that arrived during this commit: their first caller leads next. */
	wake_next_leader(q);
	if (!async)
		return;
	pthread_mutex_unlock(&q->batch_lock);
	for (struct enqueue_req *r = async; r; r = next) {
		next = r->next;
		finish_async(r);
	}
	pthread_mutex_lock(&q->batch_lock);
}

static bool reqs_done(const struct enqueue_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!reqs[i].done)
			return false;
	return true;
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* With batch_lock held. */
static void pending_append(struct queue *q, struct enqueue_req *r)
{
	if (!q->pending)
		q->pending_since_us = monotonic_us();
	q->pending_n++;
	q->counters.waiting++;
	r->next = NULL;
	*q->pending_tail = r;
	q->pending_tail = &r->next;
}

/*
 * Puts the requests not already done (refused before reaching the database)
 * on the pending list and returns once all of them are committed. They are
 * appended together, and a leader always takes the whole list, so they ride
 * in the same batch.
 */
static int enqueue_submit(struct queue *q, struct enqueue_req *reqs, size_t n,
			  struct rr_error *err)
{
	pthread_cond_t wake;

	if (pthread_cond_init(&wake, NULL) != 0)
		return rr_error_set(err, RR_ERR, "enqueue: cannot create a condition variable");
	pthread_mutex_lock(&q->batch_lock);
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].done)
			continue;
		reqs[i].wake = &wake;
		pending_append(q, &reqs[i]);
	}
	while (!reqs_done(reqs, n)) {
		/* Ours are pending (a leader takes the whole list, and marks
		 * its batch done before giving up leadership), so with no
		 * batch in flight the list is not empty and we lead. */
		if (q->leader_busy)
			pthread_cond_wait(&wake, &q->batch_lock);
		else
			batch_lead(q);
	}
	pthread_mutex_unlock(&q->batch_lock);
	pthread_cond_destroy(&wake);
	return RR_OK;
}

static int validate_request(const struct review_request *rq, struct rr_error *err)
{
	if (!rq || !rq->forge || !rq->delivery_id || !rq->owner || !rq->repo || !rq->head_sha)
		return rr_error_set(err, RR_EINVAL,
				    "enqueue: the request lacks forge, delivery id, owner, repo or head");
	return RR_OK;
}

/* Validates and serialises; a request refused here is marked done at once. */
static void req_prepare(struct enqueue_req *r, const struct review_request *rq)
{
	memset(r, 0, sizeof(*r));
	r->item.rq = rq;
	if ((r->item.rc = validate_request(rq, &r->item.err)) == RR_OK &&
	    !(r->json = review_request_to_json(rq)))
		r->item.rc = rr_error_set(&r->item.err, RR_ENOMEM,
					  "enqueue: cannot serialise the request");
	r->item.json = r->json;
	r->done = r->item.rc != RR_OK;
}

int queue_enqueue(struct queue *q, const struct review_request *rq, int64_t *job_id,
		  bool *duplicate, struct rr_error *err)
{
	struct queue_enqueue_result res;
	int rc = queue_enqueue_many(q, &rq, 1, &res, err);
	*job_id = res.job_id;
	*duplicate = res.duplicate;
	return rc;
}

int queue_enqueue_many(struct queue *q, const struct review_request *const *rqs, size_t n,
		       struct queue_enqueue_result *results, struct rr_error *err)
{
	struct enqueue_req *reqs;
	int rc = RR_OK;

	if (n == 0)
		return RR_OK;
	memset(results, 0, n * sizeof(*results));
	if (!(reqs = calloc(n, sizeof(*reqs))))
		return rr_error_set(err, RR_ENOMEM, "enqueue: out of memory for %zu requests", n);
	for (size_t i = 0; i < n; i++)
		req_prepare(&reqs[i], rqs[i]);
	if ((rc = enqueue_submit(q, reqs, n, err))) {
		for (size_t i = 0; i < n; i++)
			free(reqs[i].json);
		free(reqs);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const struct queue_item *it = &reqs[i].item;
		results[i].job_id = it->job_id;
		results[i].duplicate = it->duplicate;
		results[i].requeued = it->requeued;
		results[i].rc = it->rc;
		results[i].err = it->err;
		if (it->rc != RR_OK && rc == RR_OK) {
			rc = it->rc;
			if (err)
				*err = it->err;
		}
		free(reqs[i].json);
	}
	free(reqs);
	return rc;
}

/* ---- enqueue: the committer (asynchronous requests) ------------------------ */

static void deadline_after_us(struct timespec *ts, uint64_t at_us)
{
	ts->tv_sec = (time_t)(at_us / 1000000u);
	ts->tv_nsec = (long)(at_us % 1000000u) * 1000;
}

/*
 * Leads a batch whenever requests are pending and no batch is in flight,
 * until queue_close, which it lets finish what is pending first.
 *
 * Starting the commit with the first request to arrive splits a steady load
 * in two: the callers just answered come back while a commit of one or two
 * is in flight, wait for it, and ride the next one, so each waits for up to
 * two fsyncs and each fsync carries half of them. With a commit window the
 * batch stays open until as many requests are pending as were in play around
 * the last batch (its own and those that arrived during its commit), or until
 * window_us after its first request, whichever comes first. A lone delivery
 * after a quiet spell (one was in play) is committed at once.
 */
static void *committer_main(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->batch_lock);
	for (;;) {
		if (q->pending && !q->leader_busy) {
			uint64_t close_at = q->pending_since_us + q->commit_window_us;
			if (q->commit_window_us && !q->committer_stop && q->pending_n < q->expected &&
			    monotonic_us() < close_at) {
				struct timespec ts;
				deadline_after_us(&ts, close_at);
				pthread_cond_timedwait(&q->committer_wake, &q->batch_lock, &ts);
				continue;
			}
			batch_lead(q);
			continue;
		}
		if (q->committer_stop && !q->pending && !q->leader_busy)
			break;
		pthread_cond_wait(&q->committer_wake, &q->batch_lock);
	}
	pthread_mutex_unlock(&q->batch_lock);
	return NULL;
}

/* With batch_lock held. */
static int committer_ensure(struct queue *q, struct rr_error *err)
{
	if (q->committer_running)
		return RR_OK;
	if (q->committer_stop)
		return rr_error_set(err, RR_ERR, "enqueue: the queue is closing");
	if (pthread_create(&q->committer, NULL, committer_main, q) != 0)
		return rr_error_set(err, RR_ERR, "enqueue: cannot start the committer thread");
	q->committer_running = true;
	return RR_OK;
}

/* Lets the committer commit what is pending, then joins it. */
static void committer_stop(struct queue *q)
{
	bool running;

	if (!(q->sync_ready & SYNC_BATCH_MUTEX))
		return;
	pthread_mutex_lock(&q->batch_lock);
	q->committer_stop = true;
	running = q->committer_running;
	if (running)
		pthread_cond_signal(&q->committer_wake);
	pthread_mutex_unlock(&q->batch_lock);
	if (running)
		pthread_join(q->committer, NULL);
}

int queue_enqueue_async(struct queue *q, const struct review_request *rq,
			queue_enqueue_done_fn done, void *ctx, struct rr_error *err)
{
	struct enqueue_req *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return rr_error_set(err, RR_ENOMEM, "enqueue: out of memory");
	req_prepare(r, rq);
	if (r->item.rc != RR_OK) {
		rc = r->item.rc;
		if (err)
			*err = r->item.err;
		free(r->json);
		free(r);
		return rc;
	}
	r->done_fn = done;
	r->done_ctx = ctx;
	pthread_mutex_lock(&q->batch_lock);
	if ((rc = committer_ensure(q, err)) != RR_OK) {
		pthread_mutex_unlock(&q->batch_lock);
		free(r->json);
		free(r);
		return rc;
	}
	pending_append(q, r);
	/* A batch in flight wakes the next leader when it is done; a batch
	 * waiting for its window closes when enough are pending. */
	if (!q->leader_busy && (q->pending_n == 1 || q->pending_n >= q->expected))
		pthread_cond_signal(&q->committer_wake);
	pthread_mutex_unlock(&q->batch_lock);
	return RR_OK;
}

void queue_set_commit_window(struct queue *q, unsigned window_us)
{
	pthread_mutex_lock(&q->batch_lock);
	q->commit_window_us = window_us;
	pthread_mutex_unlock(&q->batch_lock);
}

void queue_commit_stats(struct queue *q, struct queue_commit_stats *out)
{
	pthread_mutex_lock(&q->batch_lock);
	*out = q->counters;
	pthread_mutex_unlock(&q->batch_lock);
}

/* ---- leases ------------------------------------------------------------- */

static int64_t new_token(void)
{
	uint64_t t = 0;
	/* Random, not a counter: tokens must not repeat across restarts. */
	if (RAND_bytes((unsigned char *)&t, sizeof(t)) != 1)
		t = ((uint64_t)rr_now_ms() << 20) ^ (uint64_t)getpid();
	t &= INT64_MAX;
	return t ? (int64_t)t : 1;
}

int queue_claim(struct queue *q, unsigned lease_s, struct job *out, struct rr_error *err)
{
	struct queue_claim_args a = {
		.now = queue_now(q), .lease_s = lease_s, .owner = q->owner, .token = new_token(),
		.max_lost = QUEUE_MAX_LOST_LEASES,
	};
	int rc;

	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->claim(q->db, &a, out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

static int finish(struct queue *q, const struct job *job, enum queue_finish_kind kind,
		  unsigned delay_s, const char *reason, enum job_state *state,
		  struct rr_error *err)
{
	struct queue_finish_args a = {
		.now = queue_now(q), .id = job->id, .owner = q->owner, .token = job->lease_token,
		.kind = kind, .delay_s = delay_s, .retry_for_s = q->retry_for_s, .reason = reason,
	};
	enum job_state left = JOB_DONE;
	int rc;

	fifo_lock_acquire(&q->db_lock);
	rc = q->be->finish(q->db, &a, &left, err);
	fifo_lock_release(&q->db_lock);
	if (state)
		*state = left;
	/* A job queued again may be claimable soon: let waiting workers re-check. */
	if (rc == RR_OK && left == JOB_QUEUED)
		queue_wake_all(q);
	return rc;
}

int queue_complete(struct queue *q, const struct job *job, struct rr_error *err)
{
	return finish(q, job, QUEUE_FINISH_DONE, 0, NULL, NULL, err);
}

int queue_retry(struct queue *q, const struct job *job, unsigned delay_s, const char *reason,
		bool *gave_up, struct rr_error *err)
{
	enum job_state left = JOB_QUEUED;
	int rc = finish(q, job, QUEUE_FINISH_RETRY, delay_s, reason, &left, err);
	if (gave_up)
		*gave_up = rc == RR_OK && left == JOB_FAILED;
	return rc;
}

int queue_fail(struct queue *q, const struct job *job, const char *reason, struct rr_error *err)
{
	return finish(q, job, QUEUE_FINISH_FAIL, 0, reason, NULL, err);
}

int queue_release(struct queue *q, const struct job *job, struct rr_error *err)
{
	return finish(q, job, QUEUE_FINISH_RELEASE, 0, NULL, NULL, err);
}

int queue_postpone(struct queue *q, const struct job *job, unsigned delay_s, const char *reason,
		   struct rr_error *err)
{
	return finish(q, job, QUEUE_FINISH_RELEASE, delay_s, reason, NULL, err);
}

int queue_renew(struct queue *q, const struct job *job, unsigned lease_s, struct rr_error *err)
{
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->renew(q->db, job->id, q->owner, job->lease_token, queue_now(q), lease_s, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

int queue_release_own(struct queue *q, size_t *n, struct rr_error *err)
{
	size_t count = 0;
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->release_owner(q->db, q->owner, queue_now(q), &count, err);
	fifo_lock_release(&q->db_lock);
	if (n)
		*n = count;
	if (rc == RR_OK && count)
		queue_wake_all(q);
	return rc;
}

int queue_requeue(struct queue *q, int64_t id, size_t *n, struct rr_error *err)
{
	size_t count = 0;
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->requeue(q->db, id, queue_now(q), &count, err);
	fifo_lock_release(&q->db_lock);
	if (n)
		*n = count;
	if (rc == RR_OK && id > 0 && count == 0)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld is not failed", (long long)id);
	if (rc == RR_OK && count)
		queue_wake_all(q);
	return rc;
}

int queue_prune(struct queue *q, int64_t keep_s, size_t *n, struct rr_error *err)
{
	int64_t now = queue_now(q);
	size_t count = 0;
	int rc;
	if (!now)
		now = (int64_t)time(NULL);
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->prune(q->db, now - keep_s, &count, err);
	fifo_lock_release(&q->db_lock);
	if (n)
		*n = count;
	return rc;
}

int queue_pace(struct queue *q, const char *key, unsigned calls, unsigned per_minute,
	       unsigned per_hour, unsigned *wait_s, struct rr_error *err)
{
	int rc;
	*wait_s = 0;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->pace(q->db, key, calls, per_minute, per_hour, queue_now(q), wait_s, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

int queue_pause(struct queue *q, const char *key, unsigned seconds, struct rr_error *err)
{
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->pause(q->db, key, seconds, queue_now(q), err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

int queue_paused(struct queue *q, const char *key, unsigned *wait_s, struct rr_error *err)
{
	int rc;
	*wait_s = 0;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->paused(q->db, key, queue_now(q), wait_s, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

static int gate_paused(void *ctx, const char *key, unsigned *wait_s, struct rr_error *err)
{
	return queue_paused(ctx, key, wait_s, err);
}

static int gate_pause(void *ctx, const char *key, unsigned wait_s, struct rr_error *err)
{
	return queue_pause(ctx, key, wait_s, err);
}

void queue_api_gate(struct queue *q, struct api_gate *out)
{
	out->ctx = q;
	out->paused = gate_paused;
	out->pause = gate_pause;
}

int queue_ping(struct queue *q, struct rr_error *err)
{
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->ping(q->db, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

bool queue_pace_decide(struct queue_pace_row *r, unsigned calls, unsigned per_minute,
		       unsigned per_hour, int64_t now, unsigned *wait_s)
{
	/* An empty window starts with this call (a new key, or a quiet spell). */
	if (now - r->minute_start >= 60 || r->minute_calls == 0) {
		r->minute_start = now;
		r->minute_calls = 0;
	}
	if (now - r->hour_start >= 3600 || r->hour_calls == 0) {
		r->hour_start = now;
		r->hour_calls = 0;
	}
	if (r->hour_calls + calls > per_hour) {
		*wait_s = (unsigned)(r->hour_start + 3600 - now);
		return false;
	}
	if (r->minute_calls + calls > per_minute) {
		*wait_s = (unsigned)(r->minute_start + 60 - now);
		return false;
	}
	r->minute_calls += calls;
	r->hour_calls += calls;
	return true;
}

/* ---- reading ------------------------------------------------------------ */

int queue_stats(struct queue *q, struct queue_stats *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->stats(q->db, queue_now(q), out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

int queue_get(struct queue *q, int64_t id, struct job *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->get(q->db, id, out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

void queue_list_free(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
}

int queue_list(struct queue *q, int state, unsigned limit, struct job **out, size_t *n,
	       struct rr_error *err)
{
	int rc;

	*out = NULL;
	*n = 0;
	if (state >= JOB_STATE_COUNT)
		return rr_error_set(err, RR_EINVAL, "listing jobs: unknown state %d", state);
	if (limit == 0 || limit > LIST_DEFAULT_LIMIT)
		limit = LIST_DEFAULT_LIMIT;
	fifo_lock_acquire(&q->db_lock);
	rc = q->be->list(q->db, state, limit, out, n, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}
