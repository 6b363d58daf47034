/*
 * queue_sqlite.c — the queue's SQLite backend (the default): one file in the
 * data dir, WAL, synchronous=FULL, one connection whose prepared statements
 * live as long as it does. queue.c serialises every call.
 *
 * Writers are serialised by SQLite itself (BEGIN IMMEDIATE), so a claim's
 * filter ("no other job of this pull request is running") cannot race; the
 * unique partial index jobs_one_running still makes it a property of the
 * file, whatever writes to it.
 */
#define _POSIX_C_SOURCE 200809L
#include "queue_backend.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 5
#define BUSY_TIMEOUT_MS 5000

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
	ST_REQUEUE,
	ST_FIND_CLAIMABLE,
	ST_FAIL_LOST,
	ST_MARK_RUNNING,
	ST_FINISH,
	ST_RENEW,
	ST_RELEASE_OWNER,
	ST_PRUNE,
	ST_PACE_GET,
	ST_PACE_PUT,
	ST_PAUSE_PUT,
	ST_PAUSE_GET,
	ST_GET,
	ST_STATS,
	ST_LIST,
	ST_QUEUED_AGES,
	ST_COUNT
};

#define JOB_COLUMNS "id, delivery_id, forge, owner, repo, number, head_sha, request_json, " \
	"state, attempts, not_before, COALESCE(lease_until, 0), last_error, created_at, updated_at, " \
	"lost_leases, lease_owner, COALESCE(lease_token, 0), retry_since"

/* The PR's queued jobs at another head, as two range scans of the partial
 * index jobs_pull (…, head_sha) WHERE state = 'queued' (the query repeats
 * that term, which is what lets SQLite use it). `head_sha <> ?` would walk
 * every queued job of the PR, including all those at the same head. */
#define OTHER_HEADS_OF_PR(cmp) \
	"SELECT id FROM jobs WHERE forge = ?3 AND owner = ?4 AND repo = ?5 AND number = ?6" \
	" AND state = 'queued' AND head_sha " cmp " ?7"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT enqueue",
	[ST_RELEASE] = "RELEASE enqueue",
	[ST_ROLLBACK_TO] = "ROLLBACK TO enqueue",
	[ST_FIND_DELIVERY] = "SELECT id, state FROM jobs WHERE forge = ?1 AND delivery_id = ?2",
	[ST_INSERT] =
		"INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
		" state, attempts, not_before, created_at, updated_at, retry_since)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?8, ?8, ?8)",
	[ST_SUPERSEDE] =
		"UPDATE jobs SET state = 'superseded', updated_at = ?1,"
		" last_error = 'superseded by job ' || ?2"
		" WHERE id IN (" OTHER_HEADS_OF_PR("<") " UNION ALL " OTHER_HEADS_OF_PR(">") ")"
		" AND id < ?2",
	[ST_REQUEUE] =
		"UPDATE jobs SET state = 'queued', attempts = 0, lost_leases = 0, not_before = ?1,"
		" retry_since = ?1, updated_at = ?1 WHERE state = 'failed' AND (?2 = 0 OR id = ?2)",
	/* Claimable, and no other job of its pull request running (whose
	 * lease may have expired: that one is claimable itself, and older). */
	[ST_FIND_CLAIMABLE] =
		"SELECT id, state = 'running', lost_leases FROM jobs j"
		" WHERE ((state = 'queued' AND not_before <= ?1)"
		"  OR (state = 'running' AND lease_until <= ?1))"
		" AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running'"
		"  AND r.forge = j.forge AND r.owner = j.owner AND r.repo = j.repo"
		"  AND r.number = j.number AND r.id <> j.id)"
		" ORDER BY id LIMIT 1",
	[ST_FAIL_LOST] =
		"UPDATE jobs SET state = 'failed', lost_leases = lost_leases + 1, lease_until = NULL,"
		" lease_owner = NULL, lease_token = NULL, updated_at = ?1,"
		" last_error = 'lease expired ' || (lost_leases + 1) || ' times: the worker was lost'"
		" WHERE id = ?2",
	[ST_MARK_RUNNING] =
		"UPDATE jobs SET state = 'running', lease_until = ?1 + ?2, lease_owner = ?3,"
		" lease_token = ?4, updated_at = ?1, lost_leases = lost_leases + ?6,"
		" last_error = CASE WHEN ?6 THEN 'lease expired: the worker was lost'"
		"  ELSE last_error END"
		" WHERE id = ?5",
	[ST_FINISH] =
		"UPDATE jobs SET"
		" state = CASE ?1 WHEN 0 THEN 'done' WHEN 1 THEN 'failed'"
		"  WHEN 2 THEN CASE WHEN ?2 + ?3 > retry_since + ?4 THEN 'failed' ELSE 'queued' END"
		"  ELSE 'queued' END,"
		" attempts = attempts + (?1 = 2), not_before = ?2 + ?3,"
		" lease_until = NULL, lease_owner = NULL, lease_token = NULL,"
		" last_error = CASE WHEN ?1 = 3 THEN COALESCE(?5, last_error) ELSE ?5 END,"
		" updated_at = ?2"
		" WHERE id = ?6 AND state = 'running' AND lease_owner = ?7 AND lease_token = ?8"
		" RETURNING state",
	[ST_RENEW] =
		"UPDATE jobs SET lease_until = ?1 + ?2"
		" WHERE id = ?3 AND state = 'running' AND lease_owner = ?4 AND lease_token = ?5",
	[ST_RELEASE_OWNER] =
		"UPDATE jobs SET"
		" state = CASE WHEN lost_leases + 1 >= " STR(QUEUE_MAX_LOST_LEASES)
		"  THEN 'failed' ELSE 'queued' END,"
		" lost_leases = lost_leases + 1, not_before = ?1, lease_until = NULL,"
		" lease_owner = NULL, lease_token = NULL, updated_at = ?1,"
		" last_error = 'the process running it stopped (' || (lost_leases + 1) || ' times)'"
		" WHERE state = 'running' AND lease_owner = ?2",
	[ST_PRUNE] =
		"DELETE FROM jobs WHERE state IN ('done', 'superseded') AND updated_at < ?1",
	[ST_PACE_GET] =
		"SELECT minute_start, minute_calls, hour_start, hour_calls FROM pace WHERE key = ?1",
	[ST_PACE_PUT] =
		"INSERT OR REPLACE INTO pace (key, minute_start, minute_calls, hour_start, hour_calls)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_PAUSE_PUT] =
		"INSERT INTO pause (key, until) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET until = MAX(until, excluded.until)",
	[ST_PAUSE_GET] = "SELECT until FROM pause WHERE key = ?1",
	[ST_GET] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1",
	[ST_STATS] = "SELECT state, COUNT(*) FROM jobs GROUP BY state",
	[ST_LIST] = "SELECT " JOB_COLUMNS " FROM jobs WHERE ?1 < 0 OR state = ?2"
		    " ORDER BY id DESC LIMIT ?3",
	/* Through jobs_ready (state, not_before, id): queued rows only. */
	[ST_QUEUED_AGES] = "SELECT COALESCE(?1 - MIN(retry_since), 0),"
			   " COALESCE(?1 - MIN(CASE WHEN not_before <= ?1 THEN not_before END), 0)"
			   " FROM jobs WHERE state = 'queued'",
};

struct queue_db {
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	char *path;
};

static int64_t clock_or(int64_t now)
{
	return now ? now : (int64_t)time(NULL);
}

/* ---- small SQLite helpers ------------------------------------------------- */

static int db_error(struct queue_db *q, struct rr_error *err, const char *what)
{
	int code = sqlite3_errcode(q->db);
	/* A locked database is worth retrying; anything else is not. */
	int rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? RR_ETRANSIENT : RR_ERR;
	return rr_error_set(err, rc, "queue %s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/* The cached statement, reset and unbound, ready for new bindings. */
static sqlite3_stmt *db_stmt(struct queue_db *q, enum stmt_id id)
{
	sqlite3_stmt *st = q->stmts[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Steps a statement that returns no rows (or whose rows are ignored), then
 * resets it so it holds no lock or snapshot between uses. */
static int db_step_done(struct queue_db *q, sqlite3_stmt *st, const char *what,
			struct rr_error *err)
{
	int s, rc = RR_OK;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (s != SQLITE_DONE)
		rc = db_error(q, err, what);
	sqlite3_reset(st);
	return rc;
}

static int db_run(struct queue_db *q, enum stmt_id id, const char *what, struct rr_error *err)
{
	return db_step_done(q, db_stmt(q, id), what, err);
}

static void db_rollback(struct queue_db *q)
{
	/* Fails harmlessly when SQLite already rolled the transaction back. */
	sqlite3_stmt *st = db_stmt(q, ST_ROLLBACK);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* Ends the transaction: COMMIT when rc is a success (RR_OK, RR_NONE...),
 * ROLLBACK otherwise. Returns rc, or COMMIT's error. */
static int db_end(struct queue_db *q, int rc, struct rr_error *err)
{
	if (rc >= 0) {
		int crc = db_run(q, ST_COMMIT, "committing", err);
		if (crc == RR_OK)
			return rc;
		rc = crc;
	}
	db_rollback(q);
	return rc;
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
	int rc;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	j->number = (long)sqlite3_column_int64(st, 5);
	if ((rc = job_read_state((const char *)sqlite3_column_text(st, 8), j->id, &j->state, err)))
		return rc;
	j->attempts = sqlite3_column_int(st, 9);
	j->not_before = sqlite3_column_int64(st, 10);
	j->lease_until = sqlite3_column_int64(st, 11);
	j->created_at = sqlite3_column_int64(st, 13);
	j->updated_at = sqlite3_column_int64(st, 14);
	j->lost_leases = sqlite3_column_int(st, 15);
	j->lease_token = sqlite3_column_int64(st, 17);
	j->retry_since = sqlite3_column_int64(st, 18);
	if (dup_column(st, 1, &j->delivery_id) || dup_column(st, 2, &j->forge) ||
	    dup_column(st, 3, &j->owner) || dup_column(st, 4, &j->repo) ||
	    dup_column(st, 6, &j->head_sha) || dup_column(st, 7, &j->request_json) ||
	    dup_column(st, 12, &j->last_error) || dup_column(st, 16, &j->lease_owner)) {
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

/* v4: the lease owner and the claim's token (only the claim that runs a job
 * records its outcome), lost leases counted apart from failed runs (a crash
 * loop fails after QUEUE_MAX_LOST_LEASES, a forge outage is retried for the
 * retry window from retry_since), at most one running job per pull request
 * (jobs_one_running; older files may hold two, the newer goes back to
 * queued), and the pacing budgets of content-creating calls. */
static const char schema_v4[] =
	"ALTER TABLE jobs ADD COLUMN lease_owner TEXT;"
	"ALTER TABLE jobs ADD COLUMN lease_token INTEGER;"
	"ALTER TABLE jobs ADD COLUMN lost_leases INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN retry_since INTEGER NOT NULL DEFAULT 0;"
	"UPDATE jobs SET retry_since = created_at;"
	"UPDATE jobs SET state = 'queued', lease_until = NULL WHERE state = 'running' AND id NOT IN"
	" (SELECT MIN(id) FROM jobs WHERE state = 'running' GROUP BY forge, owner, repo, number);"
	"CREATE UNIQUE INDEX jobs_one_running ON jobs (forge, owner, repo, number)"
	" WHERE state = 'running';"
	"CREATE TABLE pace (key TEXT PRIMARY KEY, minute_start INTEGER NOT NULL,"
	" minute_calls INTEGER NOT NULL, hour_start INTEGER NOT NULL,"
	" hour_calls INTEGER NOT NULL);"
	"PRAGMA user_version = 4;";

/* v5: rate limits the forge announced, per token: every replica's calls of
 * the token wait until `until` (unix seconds). */
static const char schema_v5[] =
	"CREATE TABLE pause (key TEXT PRIMARY KEY, until INTEGER NOT NULL);"
	"PRAGMA user_version = 5;";

static int db_exec(struct queue_db *q, const char *sql, struct rr_error *err)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(q, err, sql);
	return RR_OK;
}

static int schema_version(struct queue_db *q, int *version, struct rr_error *err)
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

/* Creates or upgrades the schema inside one transaction (IMMEDIATE: a second
 * process opening the file at the same moment waits, then sees it done). */
static int schema_migrate(struct queue_db *q, struct rr_error *err)
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
	    (version < 3 && (rc = db_exec(q, schema_v3, err))) ||
	    (version < 4 && (rc = db_exec(q, schema_v4, err))) ||
	    (version < 5 && (rc = db_exec(q, schema_v5, err))))
		goto fail;
	return db_exec(q, "COMMIT", err);
fail:
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int stmts_prepare(struct queue_db *q, struct rr_error *err)
{
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &q->stmts[i], NULL) != SQLITE_OK)
			return db_error(q, err, stmt_sql[i]);
	}
	return RR_OK;
}

static void stmts_finalize(struct queue_db *q)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(q->stmts[i]);
		q->stmts[i] = NULL;
	}
}

static int configure(struct queue_db *q, struct rr_error *err)
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

static void sqlite_close(struct queue_db *q)
{
	if (!q)
		return;
	stmts_finalize(q);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static int sqlite_open(struct queue_db **out, const char *path, struct rr_error *err)
{
	struct queue_db *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!*path) {
		free(q);
		return rr_error_set(err, RR_ECONFIG, "the SQLite path is empty");
	}
	if (!q || !(q->path = rr_strdup(path))) {
		free(q);
		return rr_error_set(err, RR_ENOMEM, "opening queue %s: out of memory", path);
	}
	if (sqlite3_open_v2(path, &q->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = rr_error_set(err, RR_ERR, "opening queue %s: %s", path,
				  q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	if ((rc = configure(q, err)))
		goto fail;
	*out = q;
	return RR_OK;
fail:
	sqlite_close(q);
	return rc;
}

/* ---- enqueue ------------------------------------------------------------ */

static int find_delivery(struct queue_db *q, const struct review_request *rq, int64_t *id,
			 bool *failed, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FIND_DELIVERY);
	int s, rc = RR_OK;

	sqlite3_bind_text(st, 1, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rq->delivery_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const unsigned char *state = sqlite3_column_text(st, 1);
		*id = sqlite3_column_int64(st, 0);
		*failed = state && strcmp((const char *)state, "failed") == 0;
	} else if (s == SQLITE_DONE) {
		rc = RR_NONE;
	} else {
		rc = db_error(q, err, "looking up a delivery");
	}
	sqlite3_reset(st);
	return rc;
}

static int insert_job(struct queue_db *q, const struct queue_item *it, int64_t now, int64_t *id,
		      struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_INSERT);
	const struct review_request *rq = it->rq;
	int rc;

	sqlite3_bind_text(st, 1, rq->delivery_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rq->forge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rq->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rq->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, rq->number);
	sqlite3_bind_text(st, 6, rq->head_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, it->json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	rc = db_step_done(q, st, "inserting a job", err);
	if (rc == RR_OK)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

/* A newer head makes queued reviews of older heads of the same PR pointless. */
static int supersede_older(struct queue_db *q, const struct review_request *rq, int64_t id,
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

static int requeue_failed(struct queue_db *q, int64_t id, int64_t now, size_t *n,
			  struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_REQUEUE);
	int rc;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	rc = db_step_done(q, st, "requeueing failed jobs", err);
	*n = rc == RR_OK ? (size_t)sqlite3_changes(q->db) : 0;
	return rc;
}

/* Dedup (a failed job's delivery comes back: requeued), insert, supersede. */
static int enqueue_one(struct queue_db *q, struct queue_item *it, int64_t now, bool *notify)
{
	bool failed = false;
	size_t n = 0;
	int rc = find_delivery(q, it->rq, &it->job_id, &failed, &it->err);

	if (rc == RR_OK && failed) {
		if ((rc = requeue_failed(q, it->job_id, now, &n, &it->err)) == RR_OK)
			it->requeued = *notify = true;
		return rc;
	}
	if (rc == RR_OK) {
		it->duplicate = true;
		return RR_OK;
	}
	if (rc == RR_NONE && (rc = insert_job(q, it, now, &it->job_id, &it->err)) == RR_OK &&
	    (rc = supersede_older(q, it->rq, it->job_id, now, &it->err)) == RR_OK)
		*notify = true;
	return rc;
}

/*
 * Runs the item inside a savepoint of the batch transaction, so that its
 * failure (a constraint, say) undoes only its own statements and the batch
 * goes on. Returns non-zero only when the batch transaction itself can no
 * longer be used.
 */
static int enqueue_in_savepoint(struct queue_db *q, struct queue_item *it, int64_t now,
				bool *notify, struct rr_error *err)
{
	bool mine = false;
	int rc;

	if ((rc = db_run(q, ST_SAVEPOINT, "opening a savepoint", err)))
		return rc;
	it->rc = enqueue_one(q, it, now, &mine);
	if (it->rc == RR_OK) {
		*notify |= mine;
		return db_run(q, ST_RELEASE, "releasing a savepoint", err);
	}
	it->job_id = 0;
	it->duplicate = it->requeued = false;
	/* Some errors (I/O, full disk, no memory) make SQLite roll back the
	 * whole transaction: the requests before it are gone too. */
	if (sqlite3_get_autocommit(q->db))
		return rr_error_set(err, RR_ERR, "the batch transaction was rolled back: %s",
				    it->err.msg);
	if ((rc = db_run(q, ST_ROLLBACK_TO, "rolling back a savepoint", err)))
		return rc;
	return db_run(q, ST_RELEASE, "releasing a savepoint", err);
}

static int sqlite_enqueue_batch(struct queue_db *q, struct queue_item *items, size_t n,
				int64_t now, bool *notify, struct rr_error *err)
{
	bool any = false;
	int rc;

	now = clock_or(now);
	if ((rc = db_run(q, ST_BEGIN, n == 1 ? "starting a transaction" : "starting a batch", err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (n == 1) {
			/* Alone: its error is the transaction's. */
			if ((items[i].rc = enqueue_one(q, &items[i], now, &any))) {
				*err = items[i].err;
				rc = items[i].rc;
				goto fail;
			}
		} else if ((rc = enqueue_in_savepoint(q, &items[i], now, &any, err))) {
			goto fail;
		}
	}
	if ((rc = db_run(q, ST_COMMIT, n == 1 ? "committing a job" : "committing a batch", err)))
		goto fail;
	*notify |= any;
	return RR_OK;
fail:
	db_rollback(q);
	for (size_t i = 0; i < n; i++) {
		items[i].job_id = 0;
		items[i].duplicate = items[i].requeued = false;
	}
	return rc;
}

/* ---- claim -------------------------------------------------------------- */

static int find_claimable(struct queue_db *q, int64_t now, int64_t *id, bool *expired,
			  int *lost, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FIND_CLAIMABLE);
	int s, rc = RR_OK;

	sqlite3_bind_int64(st, 1, now);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*expired = sqlite3_column_int(st, 1) != 0;
		*lost = sqlite3_column_int(st, 2);
	} else if (s == SQLITE_DONE) {
		rc = RR_NONE;
	} else {
		rc = db_error(q, err, "finding a job to claim");
	}
	sqlite3_reset(st);
	return rc;
}

static int fail_lost(struct queue_db *q, int64_t id, int64_t now, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FAIL_LOST);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(q, st, "failing a job whose worker was lost", err);
}

static int mark_running(struct queue_db *q, int64_t id, const struct queue_claim_args *a,
			int64_t now, bool expired, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_MARK_RUNNING);

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, a->lease_s);
	sqlite3_bind_text(st, 3, a->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->token);
	sqlite3_bind_int64(st, 5, id);
	sqlite3_bind_int(st, 6, expired);
	return db_step_done(q, st, "claiming a job", err);
}

static int get_job(struct queue_db *q, int64_t id, struct job *out, struct rr_error *err)
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
 * A running job whose lease expired was lost by a worker that died (or its
 * replica lost the database longer than a lease). Each loss counts, so a job
 * that crashes the process cannot loop forever.
 */
static int sqlite_claim(struct queue_db *q, const struct queue_claim_args *a, struct job *out,
			struct rr_error *err)
{
	int64_t now = clock_or(a->now), id = 0;
	bool expired = false;
	int lost = 0, rc;

	if ((rc = db_run(q, ST_BEGIN, "starting a claim", err)))
		return rc;
	for (;;) {
		if ((rc = find_claimable(q, now, &id, &expired, &lost, err)))
			break;
		if (expired && lost + 1 >= a->max_lost) {
			if ((rc = fail_lost(q, id, now, err)))
				break;
			continue;
		}
		if ((rc = mark_running(q, id, a, now, expired, err)) == RR_OK)
			rc = get_job(q, id, out, err);
		break;
	}
	rc = db_end(q, rc, err);
	if (rc != RR_OK && out->delivery_id)
		job_free(out);
	return rc;
}

/* ---- finishing, leases ---------------------------------------------------- */

static int sqlite_finish(struct queue_db *q, const struct queue_finish_args *a,
			 enum job_state *state_out, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_FINISH);
	int64_t now = clock_or(a->now);
	int s, rc;

	sqlite3_bind_int(st, 1, (int)a->kind);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, a->delay_s);
	sqlite3_bind_int64(st, 4, a->retry_for_s);
	if (a->reason)
		sqlite3_bind_text(st, 5, a->reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, a->id);
	sqlite3_bind_text(st, 7, a->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, a->token);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = job_read_state((const char *)sqlite3_column_text(st, 0), a->id, state_out, err);
	else if (s == SQLITE_DONE)
		rc = rr_error_set(err, RR_ENOTFOUND,
				  "job %lld is not running under this lease (it was lost)",
				  (long long)a->id);
	else
		rc = db_error(q, err, "recording a job's outcome");
	sqlite3_reset(st);
	return rc;
}

static int sqlite_renew(struct queue_db *q, int64_t id, const char *owner, int64_t token,
			int64_t now, unsigned lease_s, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_RENEW);
	int rc;

	sqlite3_bind_int64(st, 1, clock_or(now));
	sqlite3_bind_int64(st, 2, lease_s);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, token);
	if ((rc = db_step_done(q, st, "renewing a lease", err)))
		return rc;
	if (sqlite3_changes(q->db) == 0)
		return rr_error_set(err, RR_ENOTFOUND, "job %lld: the lease was lost", (long long)id);
	return RR_OK;
}

static int sqlite_release_owner(struct queue_db *q, const char *owner, int64_t now, size_t *n,
				struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_RELEASE_OWNER);
	int rc;

	sqlite3_bind_int64(st, 1, clock_or(now));
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	rc = db_step_done(q, st, "releasing the jobs of a previous run", err);
	*n = rc == RR_OK ? (size_t)sqlite3_changes(q->db) : 0;
	return rc;
}

static int sqlite_requeue(struct queue_db *q, int64_t id, int64_t now, size_t *n,
			  struct rr_error *err)
{
	return requeue_failed(q, id, clock_or(now), n, err);
}

static int sqlite_prune(struct queue_db *q, int64_t before, size_t *n, struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_PRUNE);
	int rc;

	sqlite3_bind_int64(st, 1, before);
	rc = db_step_done(q, st, "pruning old jobs", err);
	*n = rc == RR_OK ? (size_t)sqlite3_changes(q->db) : 0;
	return rc;
}

/* ---- pacing ------------------------------------------------------------- */

static int sqlite_pace(struct queue_db *q, const char *key, unsigned calls, unsigned per_minute,
		       unsigned per_hour, int64_t now, unsigned *wait_s, struct rr_error *err)
{
	struct queue_pace_row r = { 0, 0, 0, 0 };
	sqlite3_stmt *st;
	int rc, s;

	now = clock_or(now);
	if ((rc = db_run(q, ST_BEGIN, "starting to pace", err)))
		return rc;
	st = db_stmt(q, ST_PACE_GET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		r.minute_start = sqlite3_column_int64(st, 0);
		r.minute_calls = sqlite3_column_int64(st, 1);
		r.hour_start = sqlite3_column_int64(st, 2);
		r.hour_calls = sqlite3_column_int64(st, 3);
	} else if (s != SQLITE_DONE) {
		rc = db_error(q, err, "reading a pacing budget");
	}
	sqlite3_reset(st);
	if (rc == RR_OK && queue_pace_decide(&r, calls, per_minute, per_hour, now, wait_s)) {
		st = db_stmt(q, ST_PACE_PUT);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, r.minute_start);
		sqlite3_bind_int64(st, 3, r.minute_calls);
		sqlite3_bind_int64(st, 4, r.hour_start);
		sqlite3_bind_int64(st, 5, r.hour_calls);
		rc = db_step_done(q, st, "recording a pacing budget", err);
	}
	return db_end(q, rc, err);
}

/* `until` rounds up: now is whole seconds, the forge's wait began within the
 * second after it, and no replica may call before the wait is over. */
static int sqlite_pause(struct queue_db *q, const char *key, unsigned seconds, int64_t now,
			struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_PAUSE_PUT);

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_or(now) + (int64_t)seconds + 1);
	return db_step_done(q, st, "recording a rate limit", err);
}

static int sqlite_paused(struct queue_db *q, const char *key, int64_t now, unsigned *wait_s,
			 struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_PAUSE_GET);
	int rc = RR_OK, s;

	*wait_s = 0;
	now = clock_or(now);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t until = sqlite3_column_int64(st, 0);
		if (until > now)
			*wait_s = (unsigned)(until - now);
	} else if (s != SQLITE_DONE) {
		rc = db_error(q, err, "reading a rate limit");
	}
	sqlite3_reset(st);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

static int sqlite_get(struct queue_db *q, int64_t id, struct job *out, struct rr_error *err)
{
	return get_job(q, id, out, err);
}

/* How long the oldest queued jobs have waited (queue.h, struct queue_stats). */
static int sqlite_queued_ages(struct queue_db *q, int64_t now, struct queue_stats *out,
			      struct rr_error *err)
{
	sqlite3_stmt *st = db_stmt(q, ST_QUEUED_AGES);
	int rc = RR_OK;

	sqlite3_bind_int64(st, 1, clock_or(now));
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->oldest_queued_s = sqlite3_column_int64(st, 0);
		out->oldest_claimable_s = sqlite3_column_int64(st, 1);
	} else {
		rc = db_error(q, err, "reading the oldest queued job");
	}
	sqlite3_reset(st);
	return rc;
}

static int sqlite_stats(struct queue_db *q, int64_t now, struct queue_stats *out,
			struct rr_error *err)
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
	return rc ? rc : sqlite_queued_ages(q, now, out, err);
}

static int sqlite_list(struct queue_db *q, int state, unsigned limit, struct job **out,
		       size_t *n, struct rr_error *err)
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

static int sqlite_ping(struct queue_db *q, struct rr_error *err)
{
	(void)q;
	(void)err;
	return RR_OK;          /* a file: there is no server to lose */
}

const struct queue_backend queue_sqlite_backend = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.enqueue_batch = sqlite_enqueue_batch,
	.claim = sqlite_claim,
	.finish = sqlite_finish,
	.renew = sqlite_renew,
	.release_owner = sqlite_release_owner,
	.requeue = sqlite_requeue,
	.prune = sqlite_prune,
	.pace = sqlite_pace,
	.pause = sqlite_pause,
	.paused = sqlite_paused,
	.get = sqlite_get,
	.list = sqlite_list,
	.stats = sqlite_stats,
	.ping = sqlite_ping,
	.wait_for_work = NULL,
};
