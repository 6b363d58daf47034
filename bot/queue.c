/* queue.c — the durable job queue on SQLite (WAL, one connection, one mutex). */
#define _POSIX_C_SOURCE 200809L
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000
#define LIST_DEFAULT_LIMIT 1000

struct queue {
	sqlite3 *db;
	char *path;
	pthread_mutex_t lock;      /* guards db and generation */
	pthread_cond_t wake;       /* signalled when generation changes */
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

/* ---- small SQLite helpers (callers hold q->lock) ------------------------ */

static int db_error(struct queue *q, struct rr_error *err, const char *what)
{
	int code = sqlite3_errcode(q->db);
	/* A locked database is worth retrying; anything else is not. */
	int rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? RR_ETRANSIENT : RR_ERR;
	return rr_error_set(err, rc, "queue %s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

static int db_exec(struct queue *q, const char *sql, struct rr_error *err)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(q, err, sql);
	return RR_OK;
}

static int db_prepare(struct queue *q, const char *sql, sqlite3_stmt **st, struct rr_error *err)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(q, err, "preparing a statement");
	return RR_OK;
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
static int db_step_done(struct queue *q, sqlite3_stmt *st, const char *what, struct rr_error *err)
{
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		;
	return s == SQLITE_DONE ? RR_OK : db_error(q, err, what);
}

static void db_rollback(struct queue *q)
{
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
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

#define JOB_COLUMNS "id, delivery_id, forge, owner, repo, number, head_sha, request_json, " \
	"state, attempts, not_before, COALESCE(lease_until, 0), last_error, created_at, updated_at"

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

static int schema_version(struct queue *q, int *version, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q, "PRAGMA user_version", &st, err);
	if (rc)
		return rc;
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
	if (version < 1 && (rc = db_exec(q, schema_v1, err)))
		goto fail;
	return db_exec(q, "COMMIT", err);
fail:
	db_rollback(q);
	return rc;
}

static int queue_configure(struct queue *q, struct rr_error *err)
{
	int rc;

	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	/* WAL lets `rustreview jobs` and other readers run beside the service;
	 * synchronous=FULL because a 202 promises the job survives a power cut. */
	if ((rc = db_exec(q, "PRAGMA journal_mode=WAL", err)) ||
	    (rc = db_exec(q, "PRAGMA synchronous=FULL", err)) ||
	    (rc = db_exec(q, "PRAGMA foreign_keys=ON", err)))
		return rc;
	return schema_migrate(q, err);
}

static int queue_init_sync(struct queue *q, struct rr_error *err)
{
	pthread_condattr_t attr;
	int rc = RR_OK;

	if (pthread_mutex_init(&q->lock, NULL) != 0)
		return rr_error_set(err, RR_ERR, "queue: cannot create a mutex");
	if (pthread_condattr_init(&attr) != 0) {
		pthread_mutex_destroy(&q->lock);
		return rr_error_set(err, RR_ERR, "queue: cannot create a condition variable");
	}
	/* Timed waits on the monotonic clock: wall-clock jumps must not stall workers. */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&q->wake, &attr) != 0) {
		pthread_mutex_destroy(&q->lock);
		rc = rr_error_set(err, RR_ERR, "queue: cannot create a condition variable");
	}
	pthread_condattr_destroy(&attr);
	return rc;
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
	if ((rc = queue_init_sync(q, err))) {
		free(q->path);
		free(q);
		return rc;
	}
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
	sqlite3_close(q->db);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
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
	pthread_mutex_lock(&q->lock);
	g = q->generation;
	pthread_mutex_unlock(&q->lock);
	return g;
}

static void bump_generation_locked(struct queue *q)
{
	q->generation++;
	pthread_cond_broadcast(&q->wake);
}

void queue_wake_all(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	bump_generation_locked(q);
	pthread_mutex_unlock(&q->lock);
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
	pthread_mutex_lock(&q->lock);
	while (q->generation == generation)
		if (pthread_cond_timedwait(&q->wake, &q->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&q->lock);
}

/* ---- enqueue ------------------------------------------------------------ */

static int find_delivery(struct queue *q, const struct review_request *rq, int64_t *id,
			 struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q, "SELECT id FROM jobs WHERE forge = ?1 AND delivery_id = ?2", &st, err);
	int s;

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rq->delivery_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = RR_NONE;
	else
		rc = db_error(q, err, "looking up a delivery");
	sqlite3_finalize(st);
	return rc;
}

static int insert_job(struct queue *q, const struct review_request *rq, const char *json,
		      int64_t now, int64_t *id, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q,
		"INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
		" state, attempts, not_before, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?8, ?8)", &st, err);
	if (rc)
		return rc;
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
	sqlite3_finalize(st);
	return rc;
}

/* A newer head makes queued reviews of older heads of the same PR pointless. */
static int supersede_older(struct queue *q, const struct review_request *rq, int64_t id,
			   int64_t now, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q,
		"UPDATE jobs SET state = 'superseded', updated_at = ?1,"
		" last_error = 'superseded by job ' || ?2"
		" WHERE forge = ?3 AND owner = ?4 AND repo = ?5 AND number = ?6"
		" AND head_sha <> ?7 AND state = 'queued' AND id < ?2", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rq->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rq->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, rq->number);
	sqlite3_bind_text(st, 7, rq->head_sha, -1, SQLITE_STATIC);
	rc = db_step_done(q, st, "superseding older jobs", err);
	sqlite3_finalize(st);
	return rc;
}

static int validate_request(const struct review_request *rq, struct rr_error *err)
{
	if (!rq->forge || !rq->delivery_id || !rq->owner || !rq->repo || !rq->head_sha)
		return rr_error_set(err, RR_EINVAL,
				    "enqueue: the request lacks forge, delivery id, owner, repo or head");
	return RR_OK;
}

static int enqueue_locked(struct queue *q, const struct review_request *rq, const char *json,
			  int64_t *job_id, bool *duplicate, struct rr_error *err)
{
	int64_t now = queue_now(q);
	int rc;

	if ((rc = db_exec(q, "BEGIN IMMEDIATE", err)))
		return rc;
	rc = find_delivery(q, rq, job_id, err);
	if (rc == RR_OK) {
		*duplicate = true;
		return db_exec(q, "COMMIT", err);
	}
	if (rc != RR_NONE)
		goto fail;
	if ((rc = insert_job(q, rq, json, now, job_id, err)) ||
	    (rc = supersede_older(q, rq, *job_id, now, err)) ||
	    (rc = db_exec(q, "COMMIT", err)))
		goto fail;
	return RR_OK;
fail:
	db_rollback(q);
	return rc;
}

int queue_enqueue(struct queue *q, const struct review_request *rq, int64_t *job_id,
		  bool *duplicate, struct rr_error *err)
{
	char *json;
	int rc;

	*duplicate = false;
	*job_id = 0;
	if ((rc = validate_request(rq, err)))
		return rc;
	if (!(json = review_request_to_json(rq)))
		return rr_error_set(err, RR_ENOMEM, "enqueue: cannot serialise the request");
	pthread_mutex_lock(&q->lock);
	rc = enqueue_locked(q, rq, json, job_id, duplicate, err);
	if (rc == RR_OK && !*duplicate)
		bump_generation_locked(q);
	pthread_mutex_unlock(&q->lock);
	free(json);
	return rc;
}

/* ---- claim -------------------------------------------------------------- */

static int find_claimable(struct queue *q, int64_t now, int64_t *id, bool *expired,
			  int *attempts, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q,
		"SELECT id, state = 'running', attempts FROM jobs"
		" WHERE (state = 'queued' AND not_before <= ?1)"
		" OR (state = 'running' AND lease_until <= ?1)"
		" ORDER BY id LIMIT 1", &st, err);
	int s;

	if (rc)
		return rc;
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
	sqlite3_finalize(st);
	return rc;
}

/* Sets state, attempts, lease and last_error of one job. */
static int update_job(struct queue *q, int64_t id, const char *state, int attempts,
		      int64_t not_before, int64_t lease_until, const char *last_error,
		      struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q,
		"UPDATE jobs SET state = ?1, attempts = ?2, not_before = ?3,"
		" lease_until = NULLIF(?4, 0), last_error = ?5, updated_at = ?6 WHERE id = ?7",
		&st, err);
	if (rc)
		return rc;
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
	rc = db_step_done(q, st, "updating a job", err);
	sqlite3_finalize(st);
	return rc;
}

/* Claims a queued job; last_error stays, so a retried job shows why it was retried. */
static int mark_running(struct queue *q, int64_t id, int64_t lease_until, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q,
		"UPDATE jobs SET state = 'running', lease_until = ?1, updated_at = ?2 WHERE id = ?3",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, lease_until);
	sqlite3_bind_int64(st, 2, queue_now(q));
	sqlite3_bind_int64(st, 3, id);
	rc = db_step_done(q, st, "claiming a job", err);
	sqlite3_finalize(st);
	return rc;
}

static int get_locked(struct queue *q, int64_t id, struct job *out, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1", &st, err);
	int s;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = read_job(st, out, err);
	else if (s == SQLITE_DONE)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld does not exist", (long long)id);
	else
		rc = db_error(q, err, "reading a job");
	sqlite3_finalize(st);
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

	if ((rc = db_exec(q, "BEGIN IMMEDIATE", err)))
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
		int crc = db_exec(q, "COMMIT", err);
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
	pthread_mutex_lock(&q->lock);
	rc = claim_locked(q, lease_s, out, err);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* ---- finishing ---------------------------------------------------------- */

/* Reads attempts of a running job; RR_ENOTFOUND when it is not running. */
static int running_attempts(struct queue *q, int64_t id, int *attempts, struct rr_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(q, "SELECT attempts FROM jobs WHERE id = ?1 AND state = 'running'",
			    &st, err);
	int s;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*attempts = sqlite3_column_int(st, 0);
	else if (s == SQLITE_DONE)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld is not running", (long long)id);
	else
		rc = db_error(q, err, "reading a job");
	sqlite3_finalize(st);
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

	if ((rc = db_exec(q, "BEGIN IMMEDIATE", err)))
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
	    (rc = db_exec(q, "COMMIT", err)))
		goto fail;
	return RR_OK;
fail:
	db_rollback(q);
	return rc;
}

static int finish(struct queue *q, int64_t id, const struct job_outcome *o, struct rr_error *err)
{
	int rc;
	pthread_mutex_lock(&q->lock);
	rc = finish_locked(q, id, o, err);
	/* A retried job may be claimable later: let waiting workers re-check. */
	if (rc == RR_OK && o->state == NULL)
		bump_generation_locked(q);
	pthread_mutex_unlock(&q->lock);
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
	sqlite3_stmt *st = NULL;
	enum job_state s;
	int rc = db_prepare(q, "SELECT state, COUNT(*) FROM jobs GROUP BY state", &st, err);
	int step;

	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		if (name && job_state_parse((const char *)name, &s) == RR_OK)
			out->by_state[s] = sqlite3_column_int64(st, 1);
	}
	if (step != SQLITE_DONE)
		rc = db_error(q, err, "counting jobs");
	sqlite3_finalize(st);
	return rc;
}

int queue_stats(struct queue *q, struct queue_stats *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	rc = stats_locked(q, out, err);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int queue_get(struct queue *q, int64_t id, struct job *out, struct rr_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	rc = get_locked(q, id, out, err);
	pthread_mutex_unlock(&q->lock);
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
	sqlite3_stmt *st = NULL;
	struct job *jobs;
	int rc, step;

	jobs = calloc(limit, sizeof(*jobs));
	if (!jobs)
		return rr_error_set(err, RR_ENOMEM, "listing jobs: out of memory");
	if ((rc = db_prepare(q, "SELECT " JOB_COLUMNS " FROM jobs WHERE ?1 < 0 OR state = ?2"
			     " ORDER BY id DESC LIMIT ?3", &st, err)))
		goto fail;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_text(st, 2, state >= 0 ? job_state_name((enum job_state)state) : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
		if ((rc = read_job(st, &jobs[*n], err)))
			goto fail;
		(*n)++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		rc = db_error(q, err, "listing jobs");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = jobs;
	return RR_OK;
fail:
	sqlite3_finalize(st);
	queue_list_free(jobs, *n);
	*n = 0;
	return rc;
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
	pthread_mutex_lock(&q->lock);
	rc = list_locked(q, state, limit, out, n, err);
	pthread_mutex_unlock(&q->lock);
	return rc;
}
