/*
 * queue_pg.c — the queue's PostgreSQL backend (libpq), for several replicas
 * on one database.
 *
 * - Claims take the oldest claimable row with FOR UPDATE SKIP LOCKED, so
 *   replicas never wait on each other's claims. At most one job of a pull
 *   request runs at a time: the claim skips pull requests with a running job,
 *   and the unique partial index rustreview_jobs_one_running is the hard
 *   guarantee when two replicas race for two jobs of one PR (the loser's
 *   UPDATE fails with unique_violation once the winner commits; it claims
 *   again).
 * - Time is the database's (rustreview_now(0) = statement_timestamp()), so
 *   replicas with skewed clocks agree on leases and retry times; tests pass
 *   their own clock instead.
 * - Enqueues: INSERT .. ON CONFLICT (forge, delivery_id) DO NOTHING, the
 *   supersede in the same statement, NOTIFY rustreview_jobs before COMMIT so
 *   idle workers of every replica wake (wait_for_work: LISTEN on a second
 *   connection).
 * - The schema is created and migrated under an advisory transaction lock, so
 *   replicas starting together do it once.
 * - A lost connection fails calls at once with RR_ETRANSIENT (the server
 *   answers 503, workers stop claiming) and is re-established with backoff.
 * The URL is never logged nor put in an error: it may carry a password.
 */
#define _POSIX_C_SOURCE 200809L
#include "queue_backend.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"

#define PG_SCHEMA_VERSION 2
#define PG_BACKOFF_MIN_MS 250
#define PG_BACKOFF_MAX_MS 8000
#define PG_CLAIM_TRIES 4
#define PG_CHANNEL "rustreview_jobs"

struct queue_db {
	char *conninfo;            /* the URL ("" = libpq's PG* environment) */
	PGconn *conn;
	uint64_t next_try_ms;      /* reconnect not before this (monotonic) */
	unsigned backoff_ms;
	bool lost_logged;
	/* The LISTEN connection: only wait_for_work touches these. */
	PGconn *listen;
	uint64_t listen_next_try_ms;
	unsigned listen_backoff_ms;
};

/* ---- schema --------------------------------------------------------------- */

static const char schema_v1[] =
	"CREATE OR REPLACE FUNCTION rustreview_now(t bigint) RETURNS bigint LANGUAGE sql STABLE"
	" AS $$ SELECT CASE WHEN t > 0 THEN t"
	"  ELSE floor(extract(epoch FROM statement_timestamp()))::bigint END $$;"
	"CREATE TABLE rustreview_jobs ("
	" id bigserial PRIMARY KEY,"
	" delivery_id text NOT NULL, forge text NOT NULL, owner text NOT NULL,"
	" repo text NOT NULL, number bigint NOT NULL, head_sha text NOT NULL,"
	" request_json text NOT NULL,"
	" state text NOT NULL CHECK (state IN"
	"  ('queued','running','done','failed','superseded')),"
	" attempts integer NOT NULL DEFAULT 0, lost_leases integer NOT NULL DEFAULT 0,"
	" not_before bigint NOT NULL, lease_until bigint, lease_owner text, lease_token bigint,"
	" last_error text, created_at bigint NOT NULL, updated_at bigint NOT NULL,"
	" retry_since bigint NOT NULL,"
	" UNIQUE (forge, delivery_id));"
	"CREATE INDEX rustreview_jobs_ready ON rustreview_jobs (not_before, id)"
	" WHERE state = 'queued';"
	"CREATE INDEX rustreview_jobs_leases ON rustreview_jobs (lease_until)"
	" WHERE state = 'running';"
	"CREATE UNIQUE INDEX rustreview_jobs_one_running ON rustreview_jobs"
	" (forge, owner, repo, number) WHERE state = 'running';"
	"CREATE INDEX rustreview_jobs_pull ON rustreview_jobs (forge, owner, repo, number, head_sha)"
	" WHERE state = 'queued';"
	"CREATE INDEX rustreview_jobs_old ON rustreview_jobs (updated_at)"
	" WHERE state IN ('done', 'superseded');"
	"CREATE TABLE rustreview_pace (key text PRIMARY KEY, minute_start bigint NOT NULL,"
	" minute_calls bigint NOT NULL, hour_start bigint NOT NULL, hour_calls bigint NOT NULL);"
	"INSERT INTO rustreview_schema (version) VALUES (1);";

/* v2: rate limits the forge announced, per token (see queue_sqlite.c v5). */
static const char schema_v2[] =
	"CREATE TABLE rustreview_pause (key text PRIMARY KEY, until bigint NOT NULL);"
	"INSERT INTO rustreview_schema (version) VALUES (2);";

#define JOB_COLUMNS "id, delivery_id, forge, owner, repo, number, head_sha, request_json, " \
	"state, attempts, not_before, COALESCE(lease_until, 0), last_error, created_at, updated_at, " \
	"lost_leases, lease_owner, COALESCE(lease_token, 0), retry_since"

/* ---- connection ------------------------------------------------------------- */

static uint64_t mono_ms(void)
{
	return rr_now_ms();
}

static void drop_conn(PGconn **c)
{
	PQfinish(*c);
	*c = NULL;
}

/* libpq's message without the trailing newline. */
static const char *pg_message(const PGconn *c, const PGresult *r)
{
	static _Thread_local char msg[400];
	const char *m = r ? PQresultErrorMessage(r) : NULL;
	size_t n;

	if (!m || !*m)
		m = c ? PQerrorMessage(c) : "no connection";
	snprintf(msg, sizeof(msg), "%s", m);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	return msg;
}

static PGconn *pg_connect(const char *conninfo)
{
	/* The URL comes last so its own settings win (expand_dbname). */
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "5", "rustreview", conninfo, NULL };
	return PQconnectdbParams(keys, vals, conninfo[0] ? 1 : 0);
}

static bool conn_ok(const PGconn *c)
{
	return c && PQstatus(c) == CONNECTION_OK;
}

static void backoff_grow(unsigned *backoff_ms, uint64_t *next_try_ms)
{
	*backoff_ms = *backoff_ms ? *backoff_ms * 2 : PG_BACKOFF_MIN_MS;
	if (*backoff_ms > PG_BACKOFF_MAX_MS)
		*backoff_ms = PG_BACKOFF_MAX_MS;
	*next_try_ms = mono_ms() + *backoff_ms;
}

/*
 * A working connection, or RR_ETRANSIENT at once: while the database is away
 * a call must not wait (a delivery gets its 503 quickly), and reconnecting
 * is tried at most once per backoff step.
 */
static int pg_ready(struct queue_db *d, struct rr_error *err)
{
	if (conn_ok(d->conn))
		return RR_OK;
	if (mono_ms() < d->next_try_ms)
		return rr_error_set(err, RR_ETRANSIENT, "queue: the database is unavailable "
				    "(reconnecting)");
	if (d->conn)
		PQreset(d->conn);
	else
		d->conn = pg_connect(d->conninfo);
	if (!conn_ok(d->conn)) {
		rr_error_set(err, RR_ETRANSIENT, "queue: cannot reach the database: %s",
			     pg_message(d->conn, NULL));
		backoff_grow(&d->backoff_ms, &d->next_try_ms);
		return err->code;
	}
	if (d->lost_logged)
		rr_log(RR_LOG_INFO, "queue.reconnected", NULL);
	d->backoff_ms = 0;
	d->lost_logged = false;
	return RR_OK;
}

/* The class of a failed result: connection gone, serialisation and deadlock
 * failures and the server shutting down are worth retrying. */
static int classify(struct queue_db *d, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (!conn_ok(d->conn)) {
		if (!d->lost_logged) {
			rr_log(RR_LOG_WARN, "queue.connection_lost", "error",
			       pg_message(d->conn, r), NULL);
			d->lost_logged = true;
		}
		/* The first reconnect is tried on the next call; backoff after. */
		d->backoff_ms = 0;
		d->next_try_ms = mono_ms();
		return RR_ETRANSIENT;
	}
	if (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
		      strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0 || strcmp(state, "53300") == 0))
		return RR_ETRANSIENT;
	return RR_ERR;
}

static bool is_unique_violation(const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return state && strcmp(state, "23505") == 0;
}

/*
 * Runs sql with text parameters. Returns the result (caller PQclear) when
 * its status is a success, else NULL with err set; *failed (may be NULL)
 * receives the failed result's copy of the unique-violation check.
 */
static PGresult *pg_exec(struct queue_db *d, const char *what, const char *sql, int n,
			 const char *const *params, bool *unique_violation, struct rr_error *err)
{
	PGresult *r = PQexecParams(d->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (unique_violation)
		*unique_violation = false;
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	if (unique_violation)
		*unique_violation = is_unique_violation(r);
	rr_error_set(err, classify(d, r), "queue: %s: %s", what, pg_message(d->conn, r));
	PQclear(r);
	return NULL;
}

/* Runs a statement whose rows do not matter. */
static int pg_run(struct queue_db *d, const char *what, const char *sql, int n,
		  const char *const *params, struct rr_error *err)
{
	PGresult *r = pg_exec(d, what, sql, n, params, NULL, err);
	if (!r)
		return err->code;
	PQclear(r);
	return RR_OK;
}

/* A script of several statements (the schema): PQexec, no parameters. */
static int pg_run_script(struct queue_db *d, const char *what, const char *sql,
			 struct rr_error *err)
{
	PGresult *r = PQexec(d->conn, sql);
	int rc = RR_OK;
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = rr_error_set(err, classify(d, r), "queue: %s: %s", what, pg_message(d->conn, r));
	PQclear(r);
	return rc;
}

static void pg_rollback(struct queue_db *d)
{
	if (conn_ok(d->conn) && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		PQclear(PQexec(d->conn, "ROLLBACK"));
}

static int pg_begin(struct queue_db *d, struct rr_error *err)
{
	int rc;
	if ((rc = pg_ready(d, err)))
		return rc;
	return pg_run(d, "starting a transaction", "BEGIN", 0, NULL, err);
}

/* COMMIT when rc is a success, ROLLBACK otherwise; returns rc or COMMIT's error. */
static int pg_end(struct queue_db *d, int rc, struct rr_error *err)
{
	if (rc >= 0) {
		int crc = pg_run(d, "committing", "COMMIT", 0, NULL, err);
		if (crc == RR_OK)
			return rc;
		rc = crc;
	}
	pg_rollback(d);
	return rc;
}

static long long cell_ll(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int cell_dup(const PGresult *r, int row, int col, char **out)
{
	*out = NULL;
	if (PQgetisnull(r, row, col))
		return RR_OK;
	*out = rr_strdup(PQgetvalue(r, row, col));
	return *out ? RR_OK : RR_ENOMEM;
}

static int read_job(const PGresult *r, int row, struct job *j, struct rr_error *err)
{
	int rc;

	memset(j, 0, sizeof(*j));
	j->id = cell_ll(r, row, 0);
	j->number = (long)cell_ll(r, row, 5);
	if ((rc = job_read_state(PQgetvalue(r, row, 8), j->id, &j->state, err)))
		return rc;
	j->attempts = (int)cell_ll(r, row, 9);
	j->not_before = cell_ll(r, row, 10);
	j->lease_until = cell_ll(r, row, 11);
	j->created_at = cell_ll(r, row, 13);
	j->updated_at = cell_ll(r, row, 14);
	j->lost_leases = (int)cell_ll(r, row, 15);
	j->lease_token = cell_ll(r, row, 17);
	j->retry_since = cell_ll(r, row, 18);
	if (cell_dup(r, row, 1, &j->delivery_id) || cell_dup(r, row, 2, &j->forge) ||
	    cell_dup(r, row, 3, &j->owner) || cell_dup(r, row, 4, &j->repo) ||
	    cell_dup(r, row, 6, &j->head_sha) || cell_dup(r, row, 7, &j->request_json) ||
	    cell_dup(r, row, 12, &j->last_error) || cell_dup(r, row, 16, &j->lease_owner)) {
		job_free(j);
		return rr_error_set(err, RR_ENOMEM, "reading job: out of memory");
	}
	return RR_OK;
}

/* Creates the schema once, whoever gets the advisory lock first. */
static int pg_migrate(struct queue_db *d, struct rr_error *err)
{
	PGresult *r;
	int rc, version = 0;

	if ((rc = pg_begin(d, err)) ||
	    (rc = pg_run(d, "locking the schema", "SELECT pg_advisory_xact_lock("
			 "7277001)", 0, NULL, err)) ||
	    (rc = pg_run(d, "creating the schema table", "CREATE TABLE IF NOT EXISTS "
			 "rustreview_schema (version integer NOT NULL)", 0, NULL, err)))
		return pg_end(d, rc, err);
	if (!(r = pg_exec(d, "reading the schema version",
			  "SELECT COALESCE(MAX(version), 0) FROM rustreview_schema", 0, NULL, NULL,
			  err)))
		return pg_end(d, err->code, err);
	version = (int)cell_ll(r, 0, 0);
	PQclear(r);
	if (version > PG_SCHEMA_VERSION)
		rc = rr_error_set(err, RR_ECONFIG,
				  "queue: schema version %d is newer than this build knows (%d)",
				  version, PG_SCHEMA_VERSION);
	if (rc == RR_OK && version < 1)
		rc = pg_run_script(d, "creating the schema", schema_v1, err);
	if (rc == RR_OK && version < 2)
		rc = pg_run_script(d, "adding rate-limit pauses", schema_v2, err);
	return pg_end(d, rc, err);
}

static void pg_close(struct queue_db *d)
{
	if (!d)
		return;
	PQfinish(d->conn);
	PQfinish(d->listen);
	free(d->conninfo);
	free(d);
}

static int pg_open(struct queue_db **out, const char *target, struct rr_error *err)
{
	struct queue_db *d = calloc(1, sizeof(*d));
	int rc;

	*out = NULL;
	if (!d || !(d->conninfo = rr_strdup(target))) {
		free(d);
		return rr_error_set(err, RR_ENOMEM, "opening the queue: out of memory");
	}
	d->conn = pg_connect(d->conninfo);
	if (!conn_ok(d->conn)) {
		rc = rr_error_set(err, RR_ERR, "queue: cannot connect to PostgreSQL: %s",
				  pg_message(d->conn, NULL));
		goto fail;
	}
	/* Plain SQL from here on: no extension, no search_path surprises. */
	PQclear(PQexec(d->conn, "SET client_min_messages = warning"));
	if ((rc = pg_migrate(d, err)))
		goto fail;
	*out = d;
	return RR_OK;
fail:
	pg_close(d);
	return rc;
}

/* ---- enqueue ------------------------------------------------------------ */

/* Inserts unless the delivery is known; supersedes queued jobs of the PR at
 * other heads in the same statement. No row: a duplicate. */
static const char sql_insert[] =
	"WITH ins AS (INSERT INTO rustreview_jobs (delivery_id, forge, owner, repo, number,"
	"  head_sha, request_json, state, attempts, not_before, created_at, updated_at,"
	"  retry_since)"
	" SELECT $1, $2, $3, $4, $5::bigint, $6, $7, 'queued', 0, t.now, t.now, t.now, t.now"
	" FROM (SELECT rustreview_now($8::bigint) AS now) t"
	" ON CONFLICT (forge, delivery_id) DO NOTHING RETURNING id, updated_at),"
	" sup AS (UPDATE rustreview_jobs j SET state = 'superseded', updated_at = ins.updated_at,"
	"  last_error = 'superseded by job ' || ins.id FROM ins"
	"  WHERE j.forge = $2 AND j.owner = $3 AND j.repo = $4 AND j.number = $5::bigint"
	"  AND j.state = 'queued' AND j.head_sha <> $6 AND j.id < ins.id)"
	" SELECT id FROM ins";

static const char sql_requeue[] =
	"UPDATE rustreview_jobs SET state = 'queued', attempts = 0, lost_leases = 0,"
	" not_before = rustreview_now($1::bigint), retry_since = rustreview_now($1::bigint),"
	" updated_at = rustreview_now($1::bigint)"
	" WHERE state = 'failed' AND ($2::bigint = 0 OR id = $2::bigint)";

static int requeue_failed(struct queue_db *d, int64_t id, int64_t now, size_t *n,
			  struct rr_error *err)
{
	char now_s[24], id_s[24];
	const char *p[] = { now_s, id_s };
	PGresult *r;

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	if (!(r = pg_exec(d, "requeueing failed jobs", sql_requeue, 2, p, NULL, err)))
		return err->code;
	*n = (size_t)strtoul(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return RR_OK;
}

static int enqueue_one(struct queue_db *d, struct queue_item *it, int64_t now, bool *notify)
{
	const struct review_request *rq = it->rq;
	char number[24], now_s[24];
	const char *p[8] = { rq->delivery_id, rq->forge, rq->owner, rq->repo, number,
			     rq->head_sha, it->json, now_s };
	const char *dp[2] = { rq->forge, rq->delivery_id };
	PGresult *r;
	size_t n = 0;
	int rc = RR_OK;

	snprintf(number, sizeof(number), "%ld", rq->number);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	if (!(r = pg_exec(d, "inserting a job", sql_insert, 8, p, NULL, &it->err)))
		return it->err.code;
	if (PQntuples(r) == 1) {
		it->job_id = cell_ll(r, 0, 0);
		*notify = true;
		PQclear(r);
		return RR_OK;
	}
	PQclear(r);
	if (!(r = pg_exec(d, "looking up a delivery", "SELECT id, state FROM rustreview_jobs"
			  " WHERE forge = $1 AND delivery_id = $2", 2, dp, NULL, &it->err)))
		return it->err.code;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return rr_error_set(&it->err, RR_ETRANSIENT, "queue: delivery %s vanished while "
				    "being stored", rq->delivery_id);
	}
	it->job_id = cell_ll(r, 0, 0);
	if (strcmp(PQgetvalue(r, 0, 1), "failed") == 0) {
		/* The forge's Redeliver of a delivery whose review failed. */
		if ((rc = requeue_failed(d, it->job_id, now, &n, &it->err)) == RR_OK)
			it->requeued = *notify = true;
	} else {
		it->duplicate = true;
	}
	PQclear(r);
	return rc;
}

static int enqueue_in_savepoint(struct queue_db *d, struct queue_item *it, int64_t now,
				bool *notify, struct rr_error *err)
{
	bool mine = false;
	int rc;

	if ((rc = pg_run(d, "opening a savepoint", "SAVEPOINT enqueue", 0, NULL, err)))
		return rc;
	it->rc = enqueue_one(d, it, now, &mine);
	if (it->rc == RR_OK) {
		*notify |= mine;
		return pg_run(d, "releasing a savepoint", "RELEASE SAVEPOINT enqueue", 0, NULL, err);
	}
	it->job_id = 0;
	it->duplicate = it->requeued = false;
	if (it->rc == RR_ETRANSIENT && !conn_ok(d->conn)) {
		*err = it->err;
		return RR_ETRANSIENT;
	}
	if ((rc = pg_run(d, "rolling back a savepoint", "ROLLBACK TO SAVEPOINT enqueue", 0, NULL,
			 err)))
		return rc;
	return pg_run(d, "releasing a savepoint", "RELEASE SAVEPOINT enqueue", 0, NULL, err);
}

/*
 * Takes a transaction-scoped advisory lock per pull request of the batch, in
 * one order (sorted by key) for every batch. Without it, two replicas' batches
 * superseding queued jobs of the same pull requests lock those rows in
 * arrival order and deadlock (PostgreSQL breaks it after deadlock_timeout: a
 * second lost, and a 503); and a batch that commits later than another's, but
 * inserted first, would leave both heads queued. With it, a batch inserts
 * only after every earlier batch touching its pull requests has committed.
 */
static int lock_pull_requests(struct queue_db *d, const struct queue_item *items, size_t n,
			      struct rr_error *err)
{
	struct rr_buf keys = RR_BUF_INIT;
	const char *p[1];
	int rc = RR_OK;

	for (size_t i = 0; i < n && rc == RR_OK; i++)
		rc = rr_buf_printf(&keys, "%s%s/%s/%s#%ld", i ? "\n" : "", items[i].rq->forge,
				   items[i].rq->owner, items[i].rq->repo, items[i].rq->number);
	if (rc != RR_OK) {
		rr_buf_free(&keys);
		return rr_error_set(err, RR_ENOMEM, "queue: out of memory");
	}
	p[0] = keys.data;
	rc = pg_run(d, "locking the batch's pull requests",
		    "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) h"
		    " FROM unnest(string_to_array($1, E'\\n')) k ORDER BY h) s", 1, p, err);
	rr_buf_free(&keys);
	return rc;
}

static int pg_enqueue_batch(struct queue_db *d, struct queue_item *items, size_t n, int64_t now,
			    bool *notify, struct rr_error *err)
{
	bool any = false;
	int rc;

	if ((rc = pg_begin(d, err)))
		return rc;
	if ((rc = lock_pull_requests(d, items, n, err)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (n == 1) {
			if ((items[i].rc = enqueue_one(d, &items[i], now, &any))) {
				*err = items[i].err;
				rc = items[i].rc;
				goto fail;
			}
		} else if ((rc = enqueue_in_savepoint(d, &items[i], now, &any, err))) {
			goto fail;
		}
	}
	/* Delivered at COMMIT, to every replica's listener. */
	if (any && (rc = pg_run(d, "notifying", "NOTIFY " PG_CHANNEL, 0, NULL, err)))
		goto fail;
	if ((rc = pg_run(d, n == 1 ? "committing a job" : "committing a batch", "COMMIT", 0, NULL,
			 err)))
		goto fail;
	*notify |= any;
	return RR_OK;
fail:
	pg_rollback(d);
	for (size_t i = 0; i < n; i++) {
		items[i].job_id = 0;
		items[i].duplicate = items[i].requeued = false;
	}
	return rc;
}

/* ---- claim -------------------------------------------------------------- */

static const char sql_find_claimable[] =
	"SELECT id, state = 'running', lost_leases FROM rustreview_jobs j"
	" WHERE ((state = 'queued' AND not_before <= rustreview_now($1::bigint))"
	"  OR (state = 'running' AND lease_until <= rustreview_now($1::bigint)))"
	" AND NOT EXISTS (SELECT 1 FROM rustreview_jobs r WHERE r.state = 'running'"
	"  AND r.forge = j.forge AND r.owner = j.owner AND r.repo = j.repo"
	"  AND r.number = j.number AND r.id <> j.id)"
	" ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";

static const char sql_fail_lost[] =
	"UPDATE rustreview_jobs SET state = 'failed', lost_leases = lost_leases + 1,"
	" lease_until = NULL, lease_owner = NULL, lease_token = NULL,"
	" updated_at = rustreview_now($1::bigint),"
	" last_error = 'lease expired ' || (lost_leases + 1) || ' times: the worker was lost'"
	" WHERE id = $2::bigint";

static const char sql_mark_running[] =
	"UPDATE rustreview_jobs SET state = 'running',"
	" lease_until = rustreview_now($1::bigint) + $2::bigint, lease_owner = $3,"
	" lease_token = $4::bigint, updated_at = rustreview_now($1::bigint),"
	" lost_leases = lost_leases + $6::int,"
	" last_error = CASE WHEN $6::int = 1 THEN 'lease expired: the worker was lost'"
	"  ELSE last_error END"
	" WHERE id = $5::bigint RETURNING " JOB_COLUMNS;

/* One claim transaction: RR_OK, RR_NONE, or *again when another replica
 * started a job of the same pull request first. */
static int claim_once(struct queue_db *d, const struct queue_claim_args *a, struct job *out,
		      bool *again, struct rr_error *err)
{
	char now_s[24], lease[24], token[24], id_s[24], expired_s[4];
	const char *pf[] = { now_s };
	const char *pl[] = { now_s, id_s };
	const char *pm[] = { now_s, lease, a->owner, token, id_s, expired_s };
	bool unique = false;
	PGresult *r;
	int rc;

	*again = false;
	snprintf(now_s, sizeof(now_s), "%lld", (long long)a->now);
	snprintf(lease, sizeof(lease), "%u", a->lease_s);
	snprintf(token, sizeof(token), "%lld", (long long)a->token);
	if ((rc = pg_begin(d, err)))
		return rc;
	for (;;) {
		bool expired;
		int lost;
		if (!(r = pg_exec(d, "finding a job to claim", sql_find_claimable, 1, pf, NULL, err)))
			return pg_end(d, err->code, err);
		if (PQntuples(r) == 0) {
			PQclear(r);
			return pg_end(d, RR_NONE, err);
		}
		snprintf(id_s, sizeof(id_s), "%s", PQgetvalue(r, 0, 0));
		expired = PQgetvalue(r, 0, 1)[0] == 't';
		lost = (int)cell_ll(r, 0, 2);
		PQclear(r);
		if (expired && lost + 1 >= a->max_lost) {
			if ((rc = pg_run(d, "failing a job whose worker was lost", sql_fail_lost, 2,
					 pl, err)))
				return pg_end(d, rc, err);
			continue;
		}
		snprintf(expired_s, sizeof(expired_s), "%d", expired ? 1 : 0);
		if (!(r = pg_exec(d, "claiming a job", sql_mark_running, 6, pm, &unique, err))) {
			*again = unique;
			return pg_end(d, unique ? RR_NONE : err->code, err);
		}
		rc = PQntuples(r) == 1 ? read_job(r, 0, out, err)
				       : rr_error_set(err, RR_ERR, "claiming job %s: no row", id_s);
		PQclear(r);
		return pg_end(d, rc, err);
	}
}

static int pg_claim(struct queue_db *d, const struct queue_claim_args *a, struct job *out,
		    struct rr_error *err)
{
	int rc = RR_NONE;
	bool again = true;

	for (int i = 0; i < PG_CLAIM_TRIES && again; i++) {
		rc = claim_once(d, a, out, &again, err);
		if (rc != RR_OK && out->delivery_id)
			job_free(out);
	}
	return rc;
}

/* ---- finishing, leases ---------------------------------------------------- */

static const char sql_finish[] =
	"UPDATE rustreview_jobs SET"
	" state = CASE $1::int WHEN 0 THEN 'done' WHEN 1 THEN 'failed'"
	"  WHEN 2 THEN CASE WHEN rustreview_now($2::bigint) + $3::bigint > retry_since + $4::bigint"
	"   THEN 'failed' ELSE 'queued' END"
	"  ELSE 'queued' END,"
	" attempts = attempts + CASE WHEN $1::int = 2 THEN 1 ELSE 0 END,"
	" not_before = rustreview_now($2::bigint) + $3::bigint,"
	" lease_until = NULL, lease_owner = NULL, lease_token = NULL,"
	" last_error = CASE WHEN $1::int = 3 THEN COALESCE($5, last_error) ELSE $5 END,"
	" updated_at = rustreview_now($2::bigint)"
	" WHERE id = $6::bigint AND state = 'running' AND lease_owner = $7"
	" AND lease_token = $8::bigint RETURNING state";

static int pg_finish(struct queue_db *d, const struct queue_finish_args *a,
		     enum job_state *state_out, struct rr_error *err)
{
	char kind[8], now_s[24], delay[24], window[24], id_s[24], token[24];
	const char *p[] = { kind, now_s, delay, window, a->reason, id_s, a->owner, token };
	PGresult *r;
	int rc;

	snprintf(kind, sizeof(kind), "%d", (int)a->kind);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)a->now);
	snprintf(delay, sizeof(delay), "%u", a->delay_s);
	snprintf(window, sizeof(window), "%lld", (long long)a->retry_for_s);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)a->id);
	snprintf(token, sizeof(token), "%lld", (long long)a->token);
	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, "recording a job's outcome", sql_finish, 8, p, NULL, err)))
		return err->code;
	if (PQntuples(r) == 1)
		rc = job_read_state(PQgetvalue(r, 0, 0), a->id, state_out, err);
	else
		rc = rr_error_set(err, RR_ENOTFOUND,
				  "job %lld is not running under this lease (it was lost)",
				  (long long)a->id);
	PQclear(r);
	return rc;
}

/* Runs one UPDATE; *n = rows it changed. */
static int pg_update(struct queue_db *d, const char *what, const char *sql, int np,
		     const char *const *p, size_t *n, struct rr_error *err)
{
	PGresult *r;
	int rc;

	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, what, sql, np, p, NULL, err)))
		return err->code;
	*n = (size_t)strtoul(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return RR_OK;
}

static int pg_renew(struct queue_db *d, int64_t id, const char *owner, int64_t token,
		    int64_t now, unsigned lease_s, struct rr_error *err)
{
	char now_s[24], lease[24], id_s[24], token_s[24];
	const char *p[] = { now_s, lease, id_s, owner, token_s };
	size_t n = 0;
	int rc;

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	snprintf(lease, sizeof(lease), "%u", lease_s);
	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	snprintf(token_s, sizeof(token_s), "%lld", (long long)token);
	rc = pg_update(d, "renewing a lease",
		       "UPDATE rustreview_jobs SET lease_until = rustreview_now($1::bigint) + $2::bigint"
		       " WHERE id = $3::bigint AND state = 'running' AND lease_owner = $4"
		       " AND lease_token = $5::bigint", 5, p, &n, err);
	if (rc == RR_OK && n == 0)
		rc = rr_error_set(err, RR_ENOTFOUND, "job %lld: the lease was lost", (long long)id);
	return rc;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static int pg_release_owner(struct queue_db *d, const char *owner, int64_t now, size_t *n,
			    struct rr_error *err)
{
	char now_s[24];
	const char *p[] = { now_s, owner };

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	return pg_update(d, "releasing the jobs of a previous run",
		"UPDATE rustreview_jobs SET"
		" state = CASE WHEN lost_leases + 1 >= " STR(QUEUE_MAX_LOST_LEASES)
		"  THEN 'failed' ELSE 'queued' END,"
		" lost_leases = lost_leases + 1, not_before = rustreview_now($1::bigint),"
		" lease_until = NULL, lease_owner = NULL, lease_token = NULL,"
		" updated_at = rustreview_now($1::bigint),"
		" last_error = 'the process running it stopped (' || (lost_leases + 1) || ' times)'"
		" WHERE state = 'running' AND lease_owner = $2", 2, p, n, err);
}

static int pg_requeue(struct queue_db *d, int64_t id, int64_t now, size_t *n,
		      struct rr_error *err)
{
	int rc;
	if ((rc = pg_ready(d, err)))
		return rc;
	return requeue_failed(d, id, now, n, err);
}

static int pg_prune(struct queue_db *d, int64_t before, size_t *n, struct rr_error *err)
{
	char before_s[24];
	const char *p[] = { before_s };

	snprintf(before_s, sizeof(before_s), "%lld", (long long)before);
	return pg_update(d, "pruning old jobs",
			 "DELETE FROM rustreview_jobs WHERE state IN ('done', 'superseded')"
			 " AND updated_at < $1::bigint", 1, p, n, err);
}

static int pg_pace(struct queue_db *d, const char *key, unsigned calls, unsigned per_minute,
		   unsigned per_hour, int64_t now, unsigned *wait_s, struct rr_error *err)
{
	struct queue_pace_row row;
	char now_s[24], v[4][24];
	const char *pk[] = { key, now_s };
	const char *pu[] = { key, v[0], v[1], v[2], v[3] };
	PGresult *r;
	int rc;

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	if ((rc = pg_begin(d, err)))
		return rc;
	if ((rc = pg_run(d, "creating a pacing budget", "INSERT INTO rustreview_pace VALUES"
			 " ($1, 0, 0, 0, 0) ON CONFLICT (key) DO NOTHING", 1, pk, err)))
		return pg_end(d, rc, err);
	if (!(r = pg_exec(d, "reading a pacing budget",
			  "SELECT minute_start, minute_calls, hour_start, hour_calls,"
			  " rustreview_now($2::bigint) FROM rustreview_pace WHERE key = $1 FOR UPDATE",
			  2, pk, NULL, err)))
		return pg_end(d, err->code, err);
	row.minute_start = cell_ll(r, 0, 0);
	row.minute_calls = cell_ll(r, 0, 1);
	row.hour_start = cell_ll(r, 0, 2);
	row.hour_calls = cell_ll(r, 0, 3);
	now = cell_ll(r, 0, 4);
	PQclear(r);
	if (queue_pace_decide(&row, calls, per_minute, per_hour, now, wait_s)) {
		snprintf(v[0], sizeof(v[0]), "%lld", (long long)row.minute_start);
		snprintf(v[1], sizeof(v[1]), "%lld", (long long)row.minute_calls);
		snprintf(v[2], sizeof(v[2]), "%lld", (long long)row.hour_start);
		snprintf(v[3], sizeof(v[3]), "%lld", (long long)row.hour_calls);
		rc = pg_run(d, "recording a pacing budget",
			    "UPDATE rustreview_pace SET minute_start = $2::bigint,"
			    " minute_calls = $3::bigint, hour_start = $4::bigint,"
			    " hour_calls = $5::bigint WHERE key = $1", 5, pu, err);
	}
	return pg_end(d, rc, err);
}

/* The database's clock; `until` rounds up (see queue_sqlite.c). */
static int pg_pause(struct queue_db *d, const char *key, unsigned seconds, int64_t now,
		    struct rr_error *err)
{
	char now_s[24], secs[24];
	const char *p[] = { key, now_s, secs };
	int rc;

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	snprintf(secs, sizeof(secs), "%u", seconds);
	if ((rc = pg_ready(d, err)))
		return rc;
	return pg_run(d, "recording a rate limit",
		      "INSERT INTO rustreview_pause (key, until) VALUES"
		      " ($1, rustreview_now($2::bigint) + $3::bigint + 1) ON CONFLICT (key) DO UPDATE"
		      " SET until = GREATEST(rustreview_pause.until, excluded.until)", 3, p, err);
}

static int pg_paused(struct queue_db *d, const char *key, int64_t now, unsigned *wait_s,
		     struct rr_error *err)
{
	char now_s[24];
	const char *p[] = { key, now_s };
	PGresult *r;
	int rc;

	*wait_s = 0;
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, "reading a rate limit",
			  "SELECT GREATEST(until - rustreview_now($2::bigint), 0) FROM rustreview_pause"
			  " WHERE key = $1", 2, p, NULL, err)))
		return err->code;
	if (PQntuples(r) == 1)
		*wait_s = (unsigned)cell_ll(r, 0, 0);
	PQclear(r);
	return RR_OK;
}

/* ---- reading ------------------------------------------------------------ */

static int pg_get(struct queue_db *d, int64_t id, struct job *out, struct rr_error *err)
{
	char id_s[24];
	const char *p[] = { id_s };
	PGresult *r;
	int rc;

	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, "reading a job", "SELECT " JOB_COLUMNS " FROM rustreview_jobs"
			  " WHERE id = $1::bigint", 1, p, NULL, err)))
		return err->code;
	rc = PQntuples(r) == 1 ? read_job(r, 0, out, err)
			       : rr_error_set(err, RR_ENOTFOUND, "job %lld does not exist",
					      (long long)id);
	PQclear(r);
	return rc;
}

static int pg_list(struct queue_db *d, int state, unsigned limit, struct job **out, size_t *n,
		   struct rr_error *err)
{
	char limit_s[24];
	const char *name = state >= 0 ? job_state_name((enum job_state)state) : "";
	const char *p[] = { name, limit_s };
	struct job *jobs;
	PGresult *r;
	int rc = RR_OK, rows;

	snprintf(limit_s, sizeof(limit_s), "%u", limit);
	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, "listing jobs", "SELECT " JOB_COLUMNS " FROM rustreview_jobs"
			  " WHERE $1 = '' OR state = $1 ORDER BY id DESC LIMIT $2::bigint", 2, p,
			  NULL, err)))
		return err->code;
	rows = PQntuples(r);
	if (!(jobs = calloc(rows ? (size_t)rows : 1, sizeof(*jobs)))) {
		PQclear(r);
		return rr_error_set(err, RR_ENOMEM, "listing jobs: out of memory");
	}
	for (int i = 0; i < rows && rc == RR_OK; i++)
		if ((rc = read_job(r, i, &jobs[i], err)) == RR_OK)
			(*n)++;
	PQclear(r);
	if (rc != RR_OK) {
		queue_list_free(jobs, *n);
		*n = 0;
		return rc;
	}
	*out = jobs;
	return RR_OK;
}

/* How long the oldest queued jobs have waited, by the database's clock (or
 * the test clock): queue.h, struct queue_stats. */
static int pg_queued_ages(struct queue_db *d, int64_t now, struct queue_stats *out,
			  struct rr_error *err)
{
	char now_s[24];
	const char *p[1] = { now_s };
	PGresult *r;

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	if (!(r = pg_exec(d, "reading the oldest queued job",
			  "SELECT COALESCE(t.now - MIN(retry_since), 0),"
			  " COALESCE(t.now - MIN(not_before) FILTER (WHERE not_before <= t.now), 0)"
			  " FROM rustreview_jobs, (SELECT rustreview_now($1::bigint) AS now) t"
			  " WHERE state = 'queued' GROUP BY t.now", 1, p, NULL, err)))
		return err->code;
	if (PQntuples(r) == 1) {
		out->oldest_queued_s = cell_ll(r, 0, 0);
		out->oldest_claimable_s = cell_ll(r, 0, 1);
	}
	PQclear(r);
	return RR_OK;
}

static int pg_stats(struct queue_db *d, int64_t now, struct queue_stats *out,
		    struct rr_error *err)
{
	PGresult *r;
	enum job_state s;
	int rc;

	if ((rc = pg_ready(d, err)))
		return rc;
	if (!(r = pg_exec(d, "counting jobs", "SELECT state, COUNT(*) FROM rustreview_jobs"
			  " GROUP BY state", 0, NULL, NULL, err)))
		return err->code;
	for (int i = 0; i < PQntuples(r); i++)
		if (job_state_parse(PQgetvalue(r, i, 0), &s) == RR_OK)
			out->by_state[s] = cell_ll(r, i, 1);
	PQclear(r);
	return pg_queued_ages(d, now, out, err);
}

static int pg_ping(struct queue_db *d, struct rr_error *err)
{
	int rc;
	if ((rc = pg_ready(d, err)))
		return rc;
	return pg_run(d, "pinging the database", "SELECT 1", 0, NULL, err);
}

/* ---- waking other replicas' workers ------------------------------------- */

/* (Re)opens the LISTEN connection; true when it listens. */
static bool listen_ready(struct queue_db *d)
{
	PGresult *r;

	if (conn_ok(d->listen))
		return true;
	if (mono_ms() < d->listen_next_try_ms)
		return false;
	drop_conn(&d->listen);
	d->listen = pg_connect(d->conninfo);
	if (conn_ok(d->listen)) {
		r = PQexec(d->listen, "LISTEN " PG_CHANNEL);
		if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
			PQclear(r);
			d->listen_backoff_ms = 0;
			return true;
		}
		PQclear(r);
	}
	drop_conn(&d->listen);
	backoff_grow(&d->listen_backoff_ms, &d->listen_next_try_ms);
	return false;
}

static int pg_wait_for_work(struct queue_db *d, unsigned timeout_ms)
{
	struct pollfd pfd;
	PGnotify *n;
	int woken = 0;

	if (!listen_ready(d)) {
		struct timespec ts = { 0, 200 * 1000000L };
		nanosleep(&ts, NULL);
		return 0;
	}
	pfd.fd = PQsocket(d->listen);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)timeout_ms) <= 0)
		return 0;
	if (!PQconsumeInput(d->listen)) {
		/* Gone: notifications may have been missed, so wake everyone. */
		drop_conn(&d->listen);
		backoff_grow(&d->listen_backoff_ms, &d->listen_next_try_ms);
		return 1;
	}
	while ((n = PQnotifies(d->listen))) {
		woken = 1;
		PQfreemem(n);
	}
	return woken;
}

const struct queue_backend queue_pg_backend = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.enqueue_batch = pg_enqueue_batch,
	.claim = pg_claim,
	.finish = pg_finish,
	.renew = pg_renew,
	.release_owner = pg_release_owner,
	.requeue = pg_requeue,
	.prune = pg_prune,
	.pace = pg_pace,
	.pause = pg_pause,
	.paused = pg_paused,
	.get = pg_get,
	.list = pg_list,
	.stats = pg_stats,
	.ping = pg_ping,
	.wait_for_work = pg_wait_for_work,
};
