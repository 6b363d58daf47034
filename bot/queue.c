/*
 * queue.c — the durable job queue on SQLite (WAL, synchronous=FULL, one
 * connection).
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
 * Locks (never two held at once, so no ordering to get wrong):
 *   db_lock     FIFO ticket lock over the connection and its statements. FIFO
 *               so a worker's claim waits at most for the operations already
 *               queued ahead of it (at most one enqueue batch, since enqueuers
 *               funnel through a single leader), never for a flood.
 *   batch_lock  the pending list, the leader flag and the commit counters.
 *   gen_lock    the generation that idle workers wait on.
 */
#define _POSIX_C_SOURCE 200809L
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"

#define SCHEMA_VERSION 3
#define BUSY_TIMEOUT_MS 5000
#define LIST_DEFAULT_LIMIT 1000

/* ---- prepared statements, kept for the life of the connection ------------ */

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_FIND_DELIVERY,
	ST_INSERT,
	ST_SUPERSEDE,
	ST_FIND_CLAIMABLE,
	ST_UPDATE_JOB,
	ST_MARK_RUNNING,
	ST_GET,
	ST_RUNNING_ATTEMPTS,
	ST_STATS,
	ST_LIST,
	ST_COUNT
};

#define JOB_COLUMNS "id, delivery_id, forge, owner, repo, number, head_sha, request_json, " \
	"state, attempts, not_before, COALESCE(lease_until, 0), last_error, created_at, updated_at"

/* The PR's queued jobs at another head, as two range scans of the partial
 * index jobs_pull (…, head_sha) WHERE state = 'queued' (the query repeats
 * that term, which is what lets SQLite use it). `head_sha <> ?` would walk
 * every queued job of the PR, including all those at the same head. */
#define OTHER_HEADS_OF_PR(cmp) \
	"SELECT id FROM jobs WHERE forge = ?3 AND owner = ?4 AND repo = ?5 AND number = ?6" \
	" AND state = 'queued' AND head_sha " cmp " ?7"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT enqueue",
	[ST_RELEASE] = "RELEASE enqueue",
	[ST_ROLLBACK_TO] = "ROLLBACK TO enqueue",
	[ST_FIND_DELIVERY] = "SELECT id FROM jobs WHERE forge = ?1 AND delivery_id = ?2",
	[ST_INSERT] =
		"INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
		" state, attempts, not_before, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?8, ?8)",
	[ST_SUPERSEDE] =
		"UPDATE jobs SET state = 'superseded', updated_at = ?1,"
		" last_error = 'superseded by job ' || ?2"
		" WHERE id IN (" OTHER_HEADS_OF_PR("<") " UNION ALL " OTHER_HEADS_OF_PR(">") ")"
		" AND id < ?2",
	[ST_FIND_CLAIMABLE] =
		"SELECT id, state = 'running', attempts FROM jobs"
		" WHERE (state = 'queued' AND not_before <= ?1)"
		" OR (state = 'running' AND lease_until <= ?1)"
		" ORDER BY id LIMIT 1",
	[ST_UPDATE_JOB] =
		"UPDATE jobs SET state = ?1, attempts = ?2, not_before = ?3,"
		" lease_until = NULLIF(?4, 0), last_error = ?5, updated_at = ?6 WHERE id = ?7",
	[ST_MARK_RUNNING] =
		"UPDATE jobs SET state = 'running', lease_until = ?1, updated_at = ?2 WHERE id = ?3",
	[ST_GET] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1",
	[ST_RUNNING_ATTEMPTS] = "SELECT attempts FROM jobs WHERE id = ?1 AND state = 'running'",
	[ST_STATS] = "SELECT state, COUNT(*) FROM jobs GROUP BY state",
	[ST_LIST] = "SELECT " JOB_COLUMNS " FROM jobs WHERE ?1 < 0 OR state = ?2"
		    " ORDER BY id DESC LIMIT ?3",
};

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
	const struct review_request *rq;
	char *json;                /* owned by the submitting caller */
	int64_t job_id;
	bool duplicate;
	int rc;
	struct rr_error err;       /* set when rc != RR_OK */
	bool done;                 /* set under batch_lock once the result is final */
	pthread_cond_t *wake;      /* the submitting caller's, waited on with batch_lock */
	struct enqueue_req *next;  /* pending list / batch link */
};

/* Which synchronisation objects exist, so a half-built queue closes cleanly. */
enum {
	SYNC_DB_MUTEX = 1 << 0,
	SYNC_DB_COND = 1 << 1,
	SYNC_BATCH_MUTEX = 1 << 2,
	SYNC_GEN_MUTEX = 1 << 3,
	SYNC_GEN_COND = 1 << 4,
};

struct queue {
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	char *path;
	unsigned sync_ready;                 /* SYNC_* bits */
	struct fifo_lock db_lock;            /* guards db and stmts */

	/* Each submitting caller waits on its own condition variable: the
	 * leader wakes exactly its batch's callers and the next leader, not
	 * every waiting thread (a thundering herd on two cores). */
	pthread_mutex_t batch_lock;          /* guards everything down to counters */
	struct enqueue_req *pending;
	struct enqueue_req **pending_tail;
	bool leader_busy;                    /* a batch is being committed */
	struct queue_commit_stats counters;

	pthread_mutex_t gen_lock;            /* guards generation */
	pthread_cond_t wake;                 /* signalled when generation changes */
	uint64_t generation;

	int64_t (*now)(void *ctx);
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

void job_free(struct job *j)
{
	free(j->delivery_id);
	free(j->forge);
	free(j->owner);
	free(j->repo);
	free(j->head_sha);
	free(j->request_json);
	free(j->last_error);
	memset(j, 0, sizeof(*j));
}

static int64_t system_now(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static int64_t queue_now(const struct queue *q)
{
	return q->now(q->now_ctx);
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

/* ---- small SQLite helpers (callers hold db_lock) ------------------------ */

static int db_error(struct queue *q, struct rr_error *err, const char *what)
{
	int code = sqlite3_errcode(q->db);
	/* A locked database is worth retrying; anything else is not. */
	int rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? RR_ETRANSIENT : RR_ERR;
	return rr_error_set(err, rc, "queue %s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/* The cached statement, reset and unbound, ready for new bindings. */
static sqlite3_stmt *db_stmt(struct queue *q, enum stmt_id id)
{
	sqlite3_stmt *st = q->stmts[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Steps a statement that returns no rows (or whose rows are ignored), then
 * resets it so it holds no lock or snapshot between uses. */
static int db_step_done(struct queue *q, sqlite3_stmt *st, const char *what, struct rr_error *err)
{
	int s, rc = RR_OK;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (s != SQLITE_DONE)
		rc = db_error(q, err, what);
	sqlite3_reset(st);
	return rc;
}

/* Runs one of the parameterless statements (BEGIN, COMMIT, SAVEPOINT…). */
static int db_run(struct queue *q, enum stmt_id id, const char *what, struct rr_error *err)
{
	return db_step_done(q, db_stmt(q, id), what, err);
}

static void db_rollback(struct queue *q)
{
	/* Fails harmlessly when SQLite already rolled the transaction back. */
	sqlite3_stmt *st = db_stmt(q, ST_ROLLBACK);
	sqlite3_step(st);
	sqlite3_reset(st);
}

static int dup_column(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	*out = NULL;
	if (!t)
		return RR_OK;
	*out = rr_strdup((const char *)t);
	return *out ? RR_OK : RR_ENOMEM;
}

static int read_job(sqlite3_stmt *st, struct job *j, struct rr_error *err)
{
	const unsigned char *state;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	j->number = (long)sqlite3_column_int64(st, 5);
	state = sqlite3_column_text(st, 8);
	if (!state || job_state_parse((const char *)state, &j->state) != RR_OK)
		return rr_error_set(err, RR_ERR, "job %lld has an unknown state", (long long)j->id);
	j->attempts = sqlite3_column_int(st, 9);
	j->not_before = sqlite3_column_int64(st, 10);
	j->lease_until = sqlite3_column_int64(st, 11);
	j->created_at = sqlite3_column_int64(st, 13);
	j->updated_at = sqlite3_column_int64(st, 14);
	if (dup_column(st, 1, &j->delivery_id) || dup_column(st, 2, &j->forge) ||
	    dup_column(st, 3, &j->owner) || dup_column(st, 4, &j->repo) ||
	    dup_column(st, 6, &j->head_sha) || dup_column(st, 7, &j->request_json) ||
	    dup_column(st, 12, &j->last_error)) {
		job_free(j);
		return rr_error_set(err, RR_ENOMEM, "reading job: out of memory");
	}
	return RR_OK;
}

/* ---- schema ------------------------------------------------------------- */

static const char schema_v1[] =
	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY,"
	" delivery_id TEXT NOT NULL,"
	" forge TEXT NOT NULL,"
	" owner TEXT NOT NULL,"
	" repo TEXT NOT NULL,"
	" number INTEGER NOT NULL,"
	" head_sha TEXT NOT NULL,"
	" request_json TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN"
	"  ('queued','running','done','failed','superseded')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" not_before INTEGER NOT NULL,"
	" lease_until INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" UNIQUE (forge, delivery_id));"
	"CREATE INDEX jobs_ready ON jobs (state, not_before, id);"
	"CREATE INDEX jobs_pull ON jobs (forge, owner, repo, number, state);"
	"PRAGMA user_version = 1;";

/* v2: head_sha in jobs_pull, so superseding skips the queued jobs at the new
 * head inside the index instead of reading each of them (ST_SUPERSEDE). */
static const char schema_v2[] =
	"DROP INDEX IF EXISTS jobs_pull;"
	"CREATE INDEX jobs_pull ON jobs (forge, owner, repo, number, state, head_sha);"
	"PRAGMA user_version = 2;";

/* v3: jobs_pull holds only queued jobs (a partial index). Superseding is the
 * one query that uses it, and it asks only for queued jobs; with done and
 * superseded jobs in it, each enqueue moved an entry inside a growing cluster
 * per pull request (one more random page in every group commit). Measured with
 * tests/bench/queuebench.c, 16 threads: 11.0k -> 16.1k durable enqueues/s. */
static const char schema_v3[] =
	"DROP INDEX IF EXISTS jobs_pull;"
	"CREATE INDEX jobs_pull ON jobs (forge, owner, repo, number, head_sha)"
	" WHERE state = 'queued';"
	"PRAGMA user_version = 3;";

static int db_exec(struct queue *q, const char *sql, struct rr_error *err)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(q, err, sql);
	return RR_OK;
}

static int schema_version(struct queue *q, int *version, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = RR_OK;

	if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_error(q, err, "preparing to read the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	else
		rc = db_error(q, err, "reading the schema version");
	sqlite3_finalize(st);
	return rc;
}

/* Creates or upgrades the schema inside one transaction. */
static int schema_migrate(struct queue *q, struct rr_error *err)
{
	int version = 0, rc;

	if ((rc = db_exec(q, "BEGIN IMMEDIATE", err)))
		return rc;
	if ((rc = schema_version(q, &version, err)))
		goto fail;
	if (version > SCHEMA_VERSION) {
		rc = rr_error_set(err, RR_ECONFIG,
				  "queue %s: schema version %d is newer than this build knows (%d)",
				  q->path, version, SCHEMA_VERSION);
		goto fail;
	}
	if ((version < 1 && (rc = db_exec(q, schema_v1, err))) ||
	    (version < 2 && (rc = db_exec(q, schema_v2, err))) ||
	    (version < 3 && (rc = db_exec(q, schema_v3, err))))
		goto fail;
	return db_exec(q, "COMMIT", err);
fail:
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int stmts_prepare(struct queue *q, struct rr_error *err)
{
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &q->stmts[i], NULL) != SQLITE_OK)
			return db_error(q, err, stmt_sql[i]);
	}
	return RR_OK;
}

static void stmts_finalize(struct queue *q)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(q->stmts[i]);
		q->stmts[i] = NULL;
	}
}

static int queue_configure(struct queue *q, struct rr_error *err)
{
	int rc;

	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	/* WAL lets `rustreview jobs` and other readers run beside the service.
	 * synchronous=FULL because a 202 promises the job survives a power cut:
	 * with NORMAL, WAL commits are not fsynced and the last ones can vanish.
	 * Group commit is what makes FULL affordable. */
	if ((rc = db_exec(q, "PRAGMA journal_mode=WAL", err)) ||
	    (rc = db_exec(q, "PRAGMA synchronous=FULL", err)) ||
	    (rc = db_exec(q, "PRAGMA foreign_keys=ON", err)) ||
	    (rc = schema_migrate(q, err)))
		return rc;
	return stmts_prepare(q, err);
}

/* ---- open / close ------------------------------------------------------- */

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
	      sync_init_cond(q, &q->wake, &mono, SYNC_GEN_COND);
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
	q->sync_ready = 0;
}

int queue_open(struct queue **out, const char *path, struct rr_error *err)
{
	struct queue *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!q || !(q->path = rr_strdup(path))) {
		free(q);
		return rr_error_set(err, RR_ENOMEM, "opening queue %s: out of memory", path);
	}
	q->now = system_now;
	if ((rc = queue_init_sync(q, err)))
		goto fail;
	if (sqlite3_open_v2(path, &q->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = rr_error_set(err, RR_ERR, "opening queue %s: %s", path,
				  q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	if ((rc = queue_configure(q, err)))
		goto fail;
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
	stmts_finalize(q);
	sqlite3_close(q->db);
	queue_destroy_sync(q);
	free(q->path);
	free(q);
}

void queue_set_clock(struct queue *q, int64_t (*now)(void *ctx), void *ctx)
{
	q->now = now ? now : system_now;
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

/* ---- enqueue: one request's SQL (callers hold db_lock) ------------------- */

static int find_delivery(struct queue *q, const struct review_request *rq, int64_t *id,
			 struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FIND_DELIVERY);
	int s, rc = RR_OK;

	sqlite3_bind_text(st, 1, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rq->delivery_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = RR_NONE;
	else
		rc = db_error(q, err, "looking up a delivery");
	sqlite3_reset(st);
	return rc;
}

static int insert_job(struct queue *q, const struct review_request *rq, const char *json,
		      int64_t now, int64_t *id, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_INSERT);
	int rc;

	sqlite3_bind_text(st, 1, rq->delivery_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rq->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rq->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, rq->number);
	sqlite3_bind_text(st, 6, rq->head_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	rc = db_step_done(q, st, "inserting a job", err);
	if (rc == RR_OK)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

/* A newer head makes queued reviews of older heads of the same PR pointless. */
static int supersede_older(struct queue *q, const struct review_request *rq, int64_t id,
			   int64_t now, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_SUPERSEDE);

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rq->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rq->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, rq->number);
	sqlite3_bind_text(st, 7, rq->head_sha, -1, SQLITE_STATIC);
	return db_step_done(q, st, "superseding older jobs", err);
}

static void req_reset_result(struct enqueue_req *r)
{
	r->job_id = 0;
	r->duplicate = false;
	r->rc = RR_OK;
	rr_error_clear(&r->err);
}

/* Dedup, insert, supersede: the request's statements, inside the caller's
 * transaction. Fills r's result. */
static int enqueue_one(struct queue *q, struct enqueue_req *r, int64_t now)
{
	int rc = find_delivery(q, r->rq, &r->job_id, &r->err);

	if (rc == RR_OK) {
		r->duplicate = true;
		return RR_OK;
	}
	if (rc == RR_NONE && (rc = insert_job(q, r->rq, r->json, now, &r->job_id, &r->err)) == RR_OK)
		rc = supersede_older(q, r->rq, r->job_id, now, &r->err);
	if (rc != RR_OK)
		r->job_id = 0;
	return rc;
}

/* ---- enqueue: committing a batch (the leader, holding db_lock) ------------ */

/*
 * Runs r inside a savepoint of the batch transaction, so that its failure (a
 * constraint, say) undoes only its own statements and the batch goes on.
 * r->rc is r's own outcome; the return value is non-zero only when the batch
 * transaction itself can no longer be used.
 */
static int enqueue_in_savepoint(struct queue *q, struct enqueue_req *r, int64_t now,
				struct rr_error *err)
{
	int rc;

	if ((rc = db_run(q, ST_SAVEPOINT, "opening a savepoint", err)))
		return rc;
	r->rc = enqueue_one(q, r, now);
	if (r->rc == RR_OK)
		return db_run(q, ST_RELEASE, "releasing a savepoint", err);
	/* Some errors (I/O, full disk, no memory) make SQLite roll back the
	 * whole transaction: the requests before r are gone too. */
	if (sqlite3_get_autocommit(q->db))
		return rr_error_set(err, RR_ERR, "the batch transaction was rolled back: %s",
				    r->err.msg);
	if ((rc = db_run(q, ST_ROLLBACK_TO, "rolling back a savepoint", err)))
		return rc;
	return db_run(q, ST_RELEASE, "releasing a savepoint", err);
}

/* Runs the whole batch in the transaction batch_commit began and commits
 * it: one fsync for all of them. */
static int batch_commit_together(struct queue *q, struct enqueue_req *batch, int64_t now,
				 struct rr_error *err)
{
	int rc;

	for (struct enqueue_req *r = batch; r; r = r->next) {
		if ((rc = enqueue_in_savepoint(q, r, now, err)))
			goto fail;
	}
	if ((rc = db_run(q, ST_COMMIT, "committing a batch", err)))
		goto fail;
	return RR_OK;
fail:
	db_rollback(q);
	return rc;
}

/* One request in its own transaction, as before group commit. */
static void enqueue_alone(struct queue *q, struct enqueue_req *r, int64_t now)
{
	req_reset_result(r);
	if ((r->rc = db_run(q, ST_BEGIN, "starting a transaction", &r->err)))
		return;
	if ((r->rc = enqueue_one(q, r, now)) ||
	    (r->rc = db_run(q, ST_COMMIT, "committing a job", &r->err))) {
		r->job_id = 0;
		r->duplicate = false;
		db_rollback(q);
	}
}

static void batch_fail_all(struct enqueue_req *batch, const struct rr_error *err)
{
	for (struct enqueue_req *r = batch; r; r = r->next) {
		req_reset_result(r);
		r->rc = err->code;
		r->err = *err;
	}
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
 * committed on its own so one bad request cannot fail the others. Returns
 * true when it had to fall back.
 */
static bool batch_commit(struct queue *q, struct enqueue_req *batch)
{
	struct rr_error err = { 0 };
	int64_t now = queue_now(q);
	bool fell_back = false;
	char n[24];

	for (struct enqueue_req *r = batch; r; r = r->next)
		req_reset_result(r);
	fifo_lock_acquire(&q->db_lock);
	if (db_run(q, ST_BEGIN, "starting a transaction", &err) != RR_OK) {
		/* Nothing ran: committing one by one would only wait out the
		 * busy timeout once per request. */
		batch_fail_all(batch, &err);
	} else if (batch_commit_together(q, batch, now, &err) != RR_OK) {
		fell_back = true;
		for (struct enqueue_req *r = batch; r; r = r->next)
			enqueue_alone(q, r, now);
	}
	fifo_lock_release(&q->db_lock);
	if (fell_back) {
		snprintf(n, sizeof(n), "%zu", batch_length(batch));
		rr_log(RR_LOG_WARN, "queue.batch_fallback", "requests", n, "error", err.msg, NULL);
	}
	return fell_back;
}

static bool batch_inserted_any(const struct enqueue_req *batch)
{
	for (; batch; batch = batch->next)
		if (batch->rc == RR_OK && !batch->duplicate)
			return true;
	return false;
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

/*
 * Called with batch_lock held and no batch in flight: takes every pending
 * request, commits them outside batch_lock (so more can queue up meanwhile),
 * then publishes the results and wakes their callers. Returns with batch_lock
 * held.
 */
static void batch_lead(struct queue *q)
{
	struct enqueue_req *batch = q->pending;
	size_t n = batch_length(batch);
	bool fell_back;

	q->pending = NULL;
	q->pending_tail = &q->pending;
	q->leader_busy = true;
	pthread_mutex_unlock(&q->batch_lock);

	fell_back = batch_commit(q, batch);
	if (batch_inserted_any(batch))
		queue_wake_all(q);

	pthread_mutex_lock(&q->batch_lock);
	for (struct enqueue_req *r = batch; r; r = r->next) {
		r->done = true;
		pthread_cond_signal(r->wake);
	}
	q->counters.waiting -= n;
	counters_add(&q->counters, n, fell_back);
	q->leader_busy = false;
	/* Requests that arrived during this commit: their first caller leads next. */
	if (q->pending)
		pthread_cond_signal(q->pending->wake);
}

static bool reqs_done(const struct enqueue_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!reqs[i].done)
			return false;
	return true;
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
		q->counters.waiting++;
		reqs[i].wake = &wake;
		reqs[i].next = NULL;
		*q->pending_tail = &reqs[i];
		q->pending_tail = &reqs[i].next;
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
	r->rq = rq;
	if ((r->rc = validate_request(rq, &r->err)) == RR_OK && !(r->json = review_request_to_json(rq)))
		r->rc = rr_error_set(&r->err, RR_ENOMEM, "enqueue: cannot serialise the request");
	r->done = r->rc != RR_OK;
}

int queue_enqueue(struct queue *q, const struct review_request *rq, int64_t *job_id,
		  bool *duplicate, struct rr_error *err)
{
	struct enqueue_req r;

	req_prepare(&r, rq);
	if (!r.done && enqueue_submit(q, &r, 1, &r.err) != RR_OK)
		r.rc = r.err.code;
	free(r.json);
	*job_id = r.job_id;
	*duplicate = r.duplicate;
	if (r.rc != RR_OK && err)
		*err = r.err;
	return r.rc;
}

int queue_enqueue_many(struct queue *q, const struct review_request *const *rqs, size_t n,
		       struct queue_enqueue_result *results, struct rr_error *err)
{
	struct enqueue_req *reqs;
	int rc = RR_OK;

	if (n == 0)
		return RR_OK;
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
		results[i].job_id = reqs[i].job_id;
		results[i].duplicate = reqs[i].duplicate;
		results[i].rc = reqs[i].rc;
		results[i].err = reqs[i].err;
		if (reqs[i].rc != RR_OK && rc == RR_OK) {
			rc = reqs[i].rc;
			if (err)
				*err = reqs[i].err;
		}
		free(reqs[i].json);
	}
	free(reqs);
	return rc;
}

void queue_commit_stats(struct queue *q, struct queue_commit_stats *out)
{
	pthread_mutex_lock(&q->batch_lock);
	*out = q->counters;
	pthread_mutex_unlock(&q->batch_lock);
}

/* ---- claim -------------------------------------------------------------- */

static int find_claimable(struct queue *q, int64_t now, int64_t *id, bool *expired,
			  int *attempts, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FIND_CLAIMABLE);
	int s, rc = RR_OK;

	sqlite3_bind_int64(st, 1, now);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*expired = sqlite3_column_int(st, 1) != 0;
		*attempts = sqlite3_column_int(st, 2);
	} else if (s == SQLITE_DONE) {
		rc = RR_NONE;
	} else {
		rc = db_error(q, err, "finding a job to claim");
	}
	sqlite3_reset(st);
	return rc;
}

/* Sets state, attempts, lease and last_error of one job. */
static int update_job(struct queue *q, int64_t id, const char *state, int attempts,
		      int64_t not_before, int64_t lease_until, const char *last_error,
		      struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_UPDATE_JOB);

	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, not_before);
	sqlite3_bind_int64(st, 4, lease_until);
	if (last_error)
		sqlite3_bind_text(st, 5, last_error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, queue_now(q));
	sqlite3_bind_int64(st, 7, id);
	return db_step_done(q, st, "updating a job", err);
}

/* Claims a queued job; last_error stays, so a retried job shows why it was retried. */
static int mark_running(struct queue *q, int64_t id, int64_t lease_until, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_MARK_RUNNING);

	sqlite3_bind_int64(st, 1, lease_until);
	sqlite3_bind_int64(st, 2, queue_now(q));
	sqlite3_bind_int64(st, 3, id);
	return db_step_done(q, st, "claiming a job", err);
}

static int get_locked(struct queue *q, int64_t id, struct job *out, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_GET);
	int s, rc;

	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = read_job(st, out, err);
	else if (s == SQLITE_DONE)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld does not exist", (long long)id);
	else
		rc = db_error(q, err, "reading a job");
	sqlite3_reset(st);
	return rc;
}

/*
 * A running job whose lease expired was lost by a worker that died. Each loss
 * counts as an attempt, so a job that crashes the process cannot loop forever.
 * Returns RR_OK when the job is claimable again, RR_SKIP when it was failed.
 */
static int recover_expired(struct queue *q, int64_t id, int attempts, int64_t now,
			   unsigned lease_s, struct rr_error *err)
{
	char reason[128];
	int rc;

	attempts++;
	if (attempts >= QUEUE_MAX_ATTEMPTS) {
		snprintf(reason, sizeof(reason), "lease expired %d times: the worker was lost",
			 attempts);
		rc = update_job(q, id, "failed", attempts, now, 0, reason, err);
		return rc ? rc : RR_SKIP;
	}
	return update_job(q, id, "running", attempts, now, now + (int64_t)lease_s,
			  "lease expired: the worker was lost", err);
}

static int claim_locked(struct queue *q, unsigned lease_s, struct job *out, struct rr_error *err)
{
	int64_t now = queue_now(q), id = 0;
	int attempts = 0, rc;
	bool expired = false;

	if ((rc = db_run(q, ST_BEGIN, "starting a claim", err)))
		return rc;
	for (;;) {
		if ((rc = find_claimable(q, now, &id, &expired, &attempts, err)))
			goto finish;
		if (!expired) {
			rc = mark_running(q, id, now + (int64_t)lease_s, err);
			break;
		}
		rc = recover_expired(q, id, attempts, now, lease_s, err);
		if (rc != RR_SKIP)
			break;
	}
	if (rc == RR_OK)
		rc = get_locked(q, id, out, err);
finish:
	if (rc == RR_OK || rc == RR_NONE) {
		int crc = db_run(q, ST_COMMIT, "committing a claim", err);
		if (crc) {
			if (rc == RR_OK)
				job_free(out);
			rc = crc;
		}
	}
	if (rc < 0)
		db_rollback(q);
	return rc;
}

int queue_claim(struct queue *q, unsigned lease_s, struct job *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = claim_locked(q, lease_s, out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

/* ---- finishing ---------------------------------------------------------- */

/* Reads attempts of a running job; RR_ENOTFOUND when it is not running. */
static int running_attempts(struct queue *q, int64_t id, int *attempts, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_RUNNING_ATTEMPTS);
	int s, rc = RR_OK;

	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*attempts = sqlite3_column_int(st, 0);
	else if (s == SQLITE_DONE)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld is not running", (long long)id);
	else
		rc = db_error(q, err, "reading a job");
	sqlite3_reset(st);
	return rc;
}

/* What happens to a running job when its run ends. */
struct job_outcome {
	const char *state;         /* NULL: decided by attempts (retry) */
	unsigned delay_s;
	const char *reason;
	bool *gave_up;
};

static int finish_locked(struct queue *q, int64_t id, const struct job_outcome *o,
			 struct rr_error *err)
{
	int64_t now = queue_now(q);
	int attempts = 0, rc;
	const char *state = o->state;

	if ((rc = db_run(q, ST_BEGIN, "starting a transaction", err)))
		return rc;
	if ((rc = running_attempts(q, id, &attempts, err)))
		goto fail;
	if (!state) {
		attempts++;
		state = attempts >= QUEUE_MAX_ATTEMPTS ? "failed" : "queued";
		if (o->gave_up)
			*o->gave_up = attempts >= QUEUE_MAX_ATTEMPTS;
	}
	if ((rc = update_job(q, id, state, attempts, now + (int64_t)o->delay_s, 0, o->reason, err)) ||
	    (rc = db_run(q, ST_COMMIT, "committing a job's outcome", err)))
		goto fail;
	return RR_OK;
fail:
	db_rollback(q);
	return rc;
}

static int finish(struct queue *q, int64_t id, const struct job_outcome *o, struct rr_error *err)
{
	int rc;
	fifo_lock_acquire(&q->db_lock);
	rc = finish_locked(q, id, o, err);
	fifo_lock_release(&q->db_lock);
	/* A retried job may be claimable later: let waiting workers re-check. */
	if (rc == RR_OK && o->state == NULL)
		queue_wake_all(q);
	return rc;
}

int queue_complete(struct queue *q, int64_t id, struct rr_error *err)
{
	const struct job_outcome o = { "done", 0, NULL, NULL };
	return finish(q, id, &o, err);
}

int queue_retry(struct queue *q, int64_t id, unsigned delay_s, const char *reason, bool *gave_up,
		struct rr_error *err)
{
	const struct job_outcome o = { NULL, delay_s, reason, gave_up };
	if (gave_up)
		*gave_up = false;
	return finish(q, id, &o, err);
}

int queue_fail(struct queue *q, int64_t id, const char *reason, struct rr_error *err)
{
	const struct job_outcome o = { "failed", 0, reason, NULL };
	return finish(q, id, &o, err);
}

/* ---- reading ------------------------------------------------------------ */

static int stats_locked(struct queue *q, struct queue_stats *out, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_STATS);
	enum job_state s;
	int step, rc = RR_OK;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		if (name && job_state_parse((const char *)name, &s) == RR_OK)
			out->by_state[s] = sqlite3_column_int64(st, 1);
	}
	if (step != SQLITE_DONE)
		rc = db_error(q, err, "counting jobs");
	sqlite3_reset(st);
	return rc;
}

int queue_stats(struct queue *q, struct queue_stats *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = stats_locked(q, out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

int queue_get(struct queue *q, int64_t id, struct job *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	fifo_lock_acquire(&q->db_lock);
	rc = get_locked(q, id, out, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}

void queue_list_free(struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
}

static int list_locked(struct queue *q, int state, unsigned limit, struct job **out, size_t *n,
		       struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_LIST);
	struct job *jobs;
	int rc = RR_OK, step;

	if (!(jobs = calloc(limit, sizeof(*jobs))))
		return rr_error_set(err, RR_ENOMEM, "listing jobs: out of memory");
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_text(st, 2, state >= 0 ? job_state_name((enum job_state)state) : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
		if ((rc = read_job(st, &jobs[*n], err)))
			goto done;
		(*n)++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_error(q, err, "listing jobs");
done:
	sqlite3_reset(st);
	if (rc != RR_OK) {
		queue_list_free(jobs, *n);
		*n = 0;
		return rc;
	}
	*out = jobs;
	return RR_OK;
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
	rc = list_locked(q, state, limit, out, n, err);
	fifo_lock_release(&q->db_lock);
	return rc;
}
