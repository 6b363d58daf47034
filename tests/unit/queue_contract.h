/* queue_contract.h — one suite, both queue backends (test_queue_sqlite.c and
 * test_queue_pg.c each run all of it): every test runs
 * against SQLite (a file) and against a real PostgreSQL 15 server this test
 * starts itself (tests/e2e/pgserver.py: a temporary cluster on 127.0.0.1, run
 * as nobody when we are root). Dedup, supersede, claim order, leases with an
 * owner and a token, renewal, a restarted replica taking back its jobs, one
 * running job per pull request (also with two "replicas" racing), the retry
 * window, requeue and the forge's Redeliver, pruning, pacing, durability
 * across reopen. Time is moved with a test clock, so nothing sleeps. */
#ifndef RR_QUEUE_CONTRACT_H
#define RR_QUEUE_CONTRACT_H
#include "testutil.h"
#include "queue_testutil.h"
#include "../../bot/queue.h"
#include "../../common/rr.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/stat.h>

static char *pg_dir;       /* the test cluster, started once */
static char *pg_url;

struct fixture {
	char *dir;
	char *url;             /* what queue_open takes */
	bool pg;
	struct queue *q;
	int64_t now;
};

static int64_t test_clock(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

/* ---- the database behind the queue, read directly ------------------------- */

/* The single integer a query returns; JOBS in sql names the jobs table. */
static int64_t sql_int(struct fixture *f, const char *sql_in)
{
	char sql[1024];
	const char *p = strstr(sql_in, "JOBS");
	int64_t v = -1;

	assert_non_null(p);
	snprintf(sql, sizeof(sql), "%.*s%s%s", (int)(p - sql_in), sql_in,
		 f->pg ? "rustreview_jobs" : "jobs", p + 4);
	if (f->pg) {
		PGconn *c = PQconnectdb(f->url);
		PGresult *r;
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *c = NULL;
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_open_v2(f->url, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(c);
	}
	return v;
}

static void pg_reset(void)
{
	PGconn *c = PQconnectdb(pg_url);
	PGresult *r;
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SET client_min_messages = warning;"
		      "DROP TABLE IF EXISTS rustreview_jobs, rustreview_pace, rustreview_pause,"
		      " rustreview_schema;"
		      "DROP FUNCTION IF EXISTS rustreview_now(bigint)");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("resetting the test database: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static int pg_group_setup(void **state)
{
	(void)state;
	pg_dir = tu_mkdtemp("pg");
	/* The server runs as nobody when we are root: it must reach its directory. */
	if (!pg_dir || chmod(pg_dir, 0755) != 0)
		return -1;
	pg_url = tu_sh_out("python3 tests/e2e/pgserver.py start '%s/cluster'", pg_dir);
	if (!pg_url || strncmp(pg_url, "postgresql://", 13) != 0) {
		fprintf(stderr, "cannot start the test PostgreSQL server (%s)\n",
			pg_url ? pg_url : "no output");
		return -1;
	}
	return 0;
}

static int pg_group_teardown(void **state)
{
	(void)state;
	if (pg_dir) {
		tu_sh("python3 tests/e2e/pgserver.py cleanup '%s/cluster' >/dev/null 2>&1", pg_dir);
		tu_rmrf(pg_dir);
	}
	free(pg_dir);
	free(pg_url);
	return 0;
}

static struct queue *open_queue(struct fixture *f, const char *owner)
{
	struct rr_error err = { 0 };
	struct queue *q = NULL;
	if (queue_open(&q, f->url, &err) != RR_OK)
		fail_msg("queue_open: %s", err.msg);
	queue_set_clock(q, test_clock, f);
	assert_int_equal(queue_set_owner(q, owner, &err), RR_OK);
	return q;
}

static int setup_common(void **state, bool pg)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->pg = pg;
	f->now = 1000;
	if (pg) {
		pg_reset();
		f->url = rr_strdup(pg_url);
	} else {
		f->dir = tu_mkdtemp("queue");
		assert_non_null(f->dir);
		assert_true(asprintf(&f->url, "%s/jobs.db", f->dir) > 0);
	}
	f->q = open_queue(f, "replica-a");
	*state = f;
	return 0;
}

static int setup_sqlite(void **state)
{
	return setup_common(state, false);
}

static int setup_pg(void **state)
{
	return setup_common(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	queue_close(f->q);
	if (f->dir)
		tu_rmrf(f->dir);
	free(f->url);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

/* Claims the next job (which must exist) and keeps it in *j. */
static int64_t claim_job(struct queue *q, unsigned lease, struct job *j)
{
	struct rr_error err = { 0 };
	if (queue_claim(q, lease, j, &err) != RR_OK)
		fail_msg("claim: %s", err.msg[0] ? err.msg : "nothing to claim");
	assert_int_equal(j->state, JOB_RUNNING);
	return j->id;
}

static void assert_nothing_to_claim(struct queue *q)
{
	struct job j;
	struct rr_error err = { 0 };
	assert_int_equal(queue_claim(q, 60, &j, &err), RR_NONE);
	assert_null(j.delivery_id);
}

static void complete(struct queue *q, struct job *j)
{
	struct rr_error err = { 0 };
	if (queue_complete(q, j, &err) != RR_OK)
		fail_msg("complete %lld: %s", (long long)j->id, err.msg);
	job_free(j);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_enqueue_dedup_and_supersede(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue_stats st;
	struct job running, j;

	int64_t a = enqueue(f->q, "d1", 7, HEAD_A, false);
	assert_int_equal(enqueue(f->q, "d1", 7, HEAD_A, true), a);       /* same delivery */
	assert_int_equal(enqueue(f->q, "d1", 7, HEAD_B, true), a);       /* still the same */
	int64_t other_pr = enqueue(f->q, "d2", 8, HEAD_A, false);
	int64_t b = enqueue(f->q, "d3", 7, HEAD_B, false);               /* newer head of #7 */
	assert_int_equal(state_of(f->q, a), JOB_SUPERSEDED);
	assert_int_equal(state_of(f->q, other_pr), JOB_QUEUED);
	assert_int_equal(state_of(f->q, b), JOB_QUEUED);
	enqueue(f->q, "d4", 7, HEAD_B, false);                           /* same head again */
	assert_int_equal(state_of(f->q, b), JOB_QUEUED);

	/* A running job is never superseded: its review is already under way. */
	assert_int_equal(claim_job(f->q, 600, &running), other_pr);
	enqueue(f->q, "d5", 8, HEAD_B, false);
	assert_int_equal(state_of(f->q, other_pr), JOB_RUNNING);
	job_free(&running);

	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_QUEUED], 3);
	assert_int_equal(st.by_state[JOB_RUNNING], 1);
	assert_int_equal(st.by_state[JOB_SUPERSEDED], 1);

	j = get(f->q, a);
	char why[64];
	/* Ids need not be dense (PostgreSQL's sequence moves on a conflict too). */
	snprintf(why, sizeof(why), "superseded by job %lld", (long long)b);
	assert_string_equal(j.last_error, why);
	assert_string_equal(j.delivery_id, "d1");
	assert_string_equal(j.head_sha, HEAD_A);
	assert_int_equal(j.number, 7);
	job_free(&j);

	struct review_request bad = req("d9", 1, NULL);
	int64_t id = 0;
	bool dup = true;
	assert_int_equal(queue_enqueue(f->q, &bad, &id, &dup, &err), RR_EINVAL);
	assert_false(dup);
	assert_int_equal(id, 0);
}

static void test_claim_order_and_not_before(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job j1, j2, j3, j;

	assert_nothing_to_claim(f->q);
	int64_t first = enqueue(f->q, "d1", 1, HEAD_A, false);
	int64_t second = enqueue(f->q, "d2", 2, HEAD_A, false);
	int64_t third = enqueue(f->q, "d3", 3, HEAD_A, false);
	assert_int_equal(claim_job(f->q, 60, &j1), first);
	assert_string_equal(j1.lease_owner, "replica-a");
	assert_true(j1.lease_token != 0);
	/* first goes back with a 30 s delay: the others come before it. */
	assert_int_equal(queue_retry(f->q, &j1, 30, "HTTP 502", NULL, &err), RR_OK);
	job_free(&j1);
	assert_int_equal(claim_job(f->q, 60, &j2), second);
	assert_int_equal(claim_job(f->q, 60, &j3), third);
	assert_nothing_to_claim(f->q);
	f->now += 29;
	assert_nothing_to_claim(f->q);
	f->now += 1;
	assert_int_equal(claim_job(f->q, 60, &j), first);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.lease_until, f->now + 60);
	assert_string_equal(j.last_error, "HTTP 502");
	assert_string_equal(j.forge, "github");
	assert_string_equal(j.owner, "octo");
	assert_string_equal(j.repo, "hello");

	assert_int_equal(queue_complete(f->q, &j, &err), RR_OK);
	assert_int_equal(state_of(f->q, first), JOB_DONE);
	assert_int_equal(queue_fail(f->q, &j2, "head commit not found after fetch", &err), RR_OK);
	job_free(&j2);
	j2 = get(f->q, second);
	assert_int_equal(j2.state, JOB_FAILED);
	assert_string_equal(j2.last_error, "head commit not found after fetch");
	assert_null(j2.lease_owner);
	job_free(&j2);
	/* Only the running lease can finish a job. */
	assert_int_equal(queue_complete(f->q, &j, &err), RR_ENOTFOUND);
	assert_string_equal(err.msg, "job 1 is not running under this lease (it was lost)");
	job_free(&j);
	complete(f->q, &j3);
}

/* A worker whose lease ran out (a slow fetch) cannot mark done the job
 * another replica took over; only the new lease can. */
static void test_only_the_lease_finishes(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue *b = open_queue(f, "replica-b");
	struct job mine, theirs, j;
	bool gave_up = true;

	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	assert_int_equal(claim_job(f->q, 30, &mine), id);
	assert_nothing_to_claim(b);               /* the lease holds */
	f->now += 30;
	assert_int_equal(claim_job(b, 30, &theirs), id);
	assert_string_equal(theirs.lease_owner, "replica-b");
	assert_int_equal(theirs.lost_leases, 1);
	assert_string_equal(theirs.last_error, "lease expired: the worker was lost");
	assert_int_equal(queue_complete(f->q, &mine, &err), RR_ENOTFOUND);
	assert_int_equal(queue_retry(f->q, &mine, 5, "late", &gave_up, &err), RR_ENOTFOUND);
	assert_false(gave_up);
	assert_int_equal(queue_fail(f->q, &mine, "late", &err), RR_ENOTFOUND);
	assert_int_equal(queue_renew(f->q, &mine, 30, &err), RR_ENOTFOUND);
	/* The same owner with an older claim's token is refused too. */
	mine.lease_token = theirs.lease_token + 1;
	assert_int_equal(queue_complete(b, &mine, &err), RR_ENOTFOUND);
	assert_int_equal(state_of(f->q, id), JOB_RUNNING);
	complete(b, &theirs);
	j = get(f->q, id);
	assert_int_equal(j.state, JOB_DONE);
	assert_null(j.last_error);
	job_free(&j);
	job_free(&mine);
	queue_close(b);
}

/* Short leases, renewed while the job runs: a long job is never taken twice. */
static void test_renewed_lease_is_kept(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue *b = open_queue(f, "replica-b");
	struct job j;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	claim_job(f->q, 30, &j);
	for (int i = 0; i < 10; i++) {            /* 250 s of work, 25 s at a time */
		f->now += 25;
		assert_int_equal(queue_renew(f->q, &j, 30, &err), RR_OK);
		assert_nothing_to_claim(b);
	}
	assert_int_equal(j.lease_until, 1030);
	struct job now = get(f->q, j.id);
	assert_int_equal(now.lease_until, f->now + 30);
	job_free(&now);
	complete(f->q, &j);
	queue_close(b);
}

static void test_expired_leases_fail_a_crash_loop(void **state)
{
	struct fixture *f = *state;
	struct job j;

	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	for (int i = 0; i < QUEUE_MAX_LOST_LEASES; i++) {
		assert_int_equal(claim_job(f->q, 60, &j), id);
		assert_int_equal(j.lost_leases, i);
		job_free(&j);
		f->now += 60;
	}
	assert_nothing_to_claim(f->q);
	j = get(f->q, id);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.lost_leases, QUEUE_MAX_LOST_LEASES);
	assert_int_equal(j.attempts, 0);
	assert_string_equal(j.last_error, "lease expired 5 times: the worker was lost");
	job_free(&j);
}

/* A restarted replica takes back its own running jobs at once, not after
 * their leases run out; other replicas' jobs are left alone. */
static void test_restart_takes_back_own_jobs(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue *b = open_queue(f, "replica-b");
	struct job a1, b1, j;
	size_t n = 99;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	enqueue(f->q, "d2", 2, HEAD_A, false);
	claim_job(f->q, 30, &a1);
	claim_job(b, 30, &b1);
	queue_close(f->q);                        /* replica-a "crashes" */
	f->q = open_queue(f, "replica-a");
	assert_int_equal(queue_release_own(f->q, &n, &err), RR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(claim_job(f->q, 30, &j), a1.id);
	assert_int_equal(j.lost_leases, 1);
	assert_string_equal(j.last_error, "the process running it stopped (1 times)");
	assert_int_equal(state_of(f->q, b1.id), JOB_RUNNING);
	assert_int_equal(queue_release_own(f->q, &n, &err), RR_OK);
	assert_int_equal(n, 1);                   /* j itself: we are "restarting" again */
	assert_int_equal(queue_complete(f->q, &j, &err), RR_ENOTFOUND);
	job_free(&j);
	job_free(&a1);
	complete(b, &b1);
	queue_close(b);
}

/* At most one job of a pull request runs at a time: the claim skips PRs
 * with a running job, and the database refuses a second one. */
static void test_one_running_job_per_pull_request(void **state)
{
	struct fixture *f = *state;
	struct queue *b = open_queue(f, "replica-b");
	struct job j1, j2, j3;

	int64_t first = enqueue(f->q, "d1", 7, HEAD_A, false);
	int64_t again = enqueue(f->q, "d2", 7, HEAD_A, false);   /* same head, new delivery */
	int64_t other = enqueue(f->q, "d3", 8, HEAD_A, false);
	assert_int_equal(claim_job(f->q, 60, &j1), first);
	assert_int_equal(claim_job(b, 60, &j2), other);           /* skips d2 */
	assert_nothing_to_claim(b);
	assert_nothing_to_claim(f->q);
	complete(f->q, &j1);
	assert_int_equal(claim_job(b, 60, &j3), again);
	complete(b, &j3);
	complete(b, &j2);
	/* An expired running job of the PR is taken over before its queued sibling. */
	int64_t x = enqueue(f->q, "d4", 9, HEAD_A, false);
	int64_t y = enqueue(f->q, "d5", 9, HEAD_A, false);
	assert_int_equal(claim_job(f->q, 60, &j1), x);
	f->now += 60;
	assert_int_equal(claim_job(b, 60, &j2), x);
	assert_nothing_to_claim(f->q);
	complete(b, &j2);
	assert_int_equal(claim_job(f->q, 60, &j3), y);
	complete(f->q, &j3);
	job_free(&j1);
	assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM JOBS WHERE state = 'done'"), 5);
	queue_close(b);
}

/* Transient failures are retried for the retry window from retry_since,
 * then the job fails with the last error. */
static void test_retry_window(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	bool gave_up = true;
	struct job j;
	int tries = 0;

	queue_set_retry_for(f->q, 3600);
	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	for (;;) {
		claim_job(f->q, 60, &j);
		tries++;
		assert_int_equal(queue_retry(f->q, &j, 600, "HTTP 502 from the forge", &gave_up,
					     &err), RR_OK);
		job_free(&j);
		if (gave_up)
			break;
		j = get(f->q, id);
		assert_int_equal(j.state, JOB_QUEUED);
		assert_int_equal(j.not_before, f->now + 600);
		assert_int_equal(j.attempts, tries);
		job_free(&j);
		f->now += 600;
	}
	/* Retried at 1000, 1600, ..., 4000 (due by 4600 = the window's end, still
	 * inside); the 7th, at 4600, would come at 5200: past it. */
	assert_int_equal(tries, 7);
	j = get(f->q, id);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, 7);
	assert_string_equal(j.last_error, "HTTP 502 from the forge");
	job_free(&j);
	f->now += 100000;
	assert_nothing_to_claim(f->q);
}

/* A failed job comes back: by the forge's Redeliver (same delivery id) and
 * by hand (requeue ID / every failed one). */
static void test_requeue_and_redeliver(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue_enqueue_result res;
	struct review_request r = req("d1", 1, HEAD_A);
	const struct review_request *rp = &r;
	struct job j;
	size_t n = 0;

	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	claim_job(f->q, 60, &j);
	assert_int_equal(queue_fail(f->q, &j, "HTTP 404", &err), RR_OK);
	job_free(&j);
	f->now += 10;
	assert_int_equal(queue_enqueue_many(f->q, &rp, 1, &res, &err), RR_OK);
	assert_true(res.requeued);
	assert_false(res.duplicate);
	assert_int_equal(res.job_id, id);
	j = get(f->q, id);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 0);
	assert_int_equal(j.retry_since, 1010);
	job_free(&j);
	/* Queued now: the same delivery again is only a duplicate. */
	enqueue(f->q, "d1", 1, HEAD_A, true);

	claim_job(f->q, 60, &j);
	assert_int_equal(queue_fail(f->q, &j, "HTTP 422", &err), RR_OK);
	job_free(&j);
	int64_t other = enqueue(f->q, "d2", 2, HEAD_A, false);
	claim_job(f->q, 60, &j);
	assert_int_equal(queue_fail(f->q, &j, "HTTP 401", &err), RR_OK);
	job_free(&j);
	assert_int_equal(queue_requeue(f->q, other, &n, &err), RR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(f->q, other), JOB_QUEUED);
	assert_int_equal(queue_requeue(f->q, other, &n, &err), RR_ENOTFOUND);
	assert_int_equal(queue_requeue(f->q, 0, &n, &err), RR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(f->q, id), JOB_QUEUED);
	assert_int_equal(queue_requeue(f->q, 0, &n, &err), RR_OK);
	assert_int_equal(n, 0);
}

static void test_prune_old_jobs(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job j;
	size_t n = 0;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	enqueue(f->q, "d2", 2, HEAD_A, false);
	enqueue(f->q, "d3", 2, HEAD_B, false);            /* supersedes d2 */
	enqueue(f->q, "d4", 4, HEAD_A, false);
	claim_job(f->q, 60, &j);
	complete(f->q, &j);                               /* d1 done at 1000 */
	f->now += 14 * 86400;
	assert_int_equal(queue_prune(f->q, 14 * 86400, &n, &err), RR_OK);
	assert_int_equal(n, 0);                           /* exactly 14 days: kept */
	f->now += 1;
	assert_int_equal(queue_prune(f->q, 14 * 86400, &n, &err), RR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM JOBS WHERE state = 'queued'"), 2);
	/* Dedup forgets pruned deliveries, which is why only old ones go. */
	assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM JOBS"), 2);
}

static void test_pacing_budget(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue *b = open_queue(f, "replica-b");
	unsigned wait = 0;

	for (int i = 0; i < 40; i++) {
		assert_int_equal(queue_pace(i % 2 ? b : f->q, "github:octo", 2, 80, 500, &wait, &err),
				 RR_OK);
		assert_int_equal(wait, 0);
		f->now += i % 3 == 0;                     /* 14 s pass */
	}
	assert_int_equal(queue_pace(f->q, "github:octo", 2, 80, 500, &wait, &err), RR_OK);
	assert_int_equal(wait, 60 - 14);
	/* Another token has its own budget. */
	assert_int_equal(queue_pace(b, "github:other", 2, 80, 500, &wait, &err), RR_OK);
	assert_int_equal(wait, 0);
	f->now += 46;
	assert_int_equal(queue_pace(b, "github:octo", 2, 80, 500, &wait, &err), RR_OK);
	assert_int_equal(wait, 0);
	/* The hour's budget: 500 - 82 left. */
	for (int i = 0; i < 5; i++) {
		f->now += 60;
		assert_int_equal(queue_pace(f->q, "github:octo", 80, 80, 500, &wait, &err), RR_OK);
		assert_int_equal(wait, 0);
	}
	f->now += 60;
	assert_int_equal(queue_pace(f->q, "github:octo", 80, 80, 500, &wait, &err), RR_OK);
	assert_int_equal(wait, 3600 - 14 - 46 - 360);
	queue_close(b);
}

/* A rate limit on one replica pauses the token on every replica, until the
 * wait is over (whole seconds, rounded up: never early); a shorter pause
 * later does not shorten it; other tokens go on. */
static void test_rate_limit_pause_is_shared(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue *b = open_queue(f, "replica-b");
	unsigned wait = 99;

	assert_int_equal(queue_paused(b, "tok:a", &wait, &err), RR_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(queue_pause(f->q, "tok:a", 30, &err), RR_OK);
	assert_int_equal(queue_paused(b, "tok:a", &wait, &err), RR_OK);
	assert_int_equal(wait, 31);
	assert_int_equal(queue_paused(b, "tok:b", &wait, &err), RR_OK);
	assert_int_equal(wait, 0);
	f->now += 10;
	assert_int_equal(queue_pause(b, "tok:a", 5, &err), RR_OK);     /* shorter: kept */
	assert_int_equal(queue_paused(f->q, "tok:a", &wait, &err), RR_OK);
	assert_int_equal(wait, 21);
	f->now += 21;
	assert_int_equal(queue_paused(f->q, "tok:a", &wait, &err), RR_OK);
	assert_int_equal(wait, 0);
	assert_int_equal(queue_pause(b, "tok:a", 60, &err), RR_OK);    /* a new one */
	assert_int_equal(queue_paused(f->q, "tok:a", &wait, &err), RR_OK);
	assert_int_equal(wait, 61);
	queue_close(b);
}

static void test_durable_across_reopen(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct review_request back = { 0 };
	struct queue_stats st;
	struct job j;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	int64_t second = enqueue(f->q, "d2", 2, HEAD_B, false);
	claim_job(f->q, 60, &j);
	complete(f->q, &j);
	queue_close(f->q);
	f->q = open_queue(f, "replica-a");
	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_DONE], 1);
	assert_int_equal(st.by_state[JOB_QUEUED], 1);
	assert_int_equal(enqueue(f->q, "d1", 1, HEAD_A, true), 1);
	assert_int_equal(claim_job(f->q, 60, &j), second);
	assert_int_equal(review_request_from_json(j.request_json, &back, &err), RR_OK);
	assert_string_equal(back.delivery_id, "d2");
	assert_string_equal(back.head_sha, HEAD_B);
	assert_string_equal(back.clone_url, "https://example.com/octo/hello.git");
	review_request_free(&back);
	job_free(&j);
}

static void test_list_and_states(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job *jobs = NULL, j;
	size_t n = 0;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	enqueue(f->q, "d2", 2, HEAD_A, false);
	enqueue(f->q, "d3", 3, HEAD_A, false);
	claim_job(f->q, 60, &j);
	assert_int_equal(queue_list(f->q, -1, 0, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(jobs[0].id, 3);
	assert_int_equal(jobs[2].id, 1);
	assert_int_equal(jobs[2].state, JOB_RUNNING);
	assert_string_equal(jobs[2].lease_owner, "replica-a");
	queue_list_free(jobs, n);
	assert_int_equal(queue_list(f->q, JOB_QUEUED, 1, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, 3);
	queue_list_free(jobs, n);
	assert_int_equal(queue_list(f->q, JOB_DONE, 0, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 0);
	queue_list_free(jobs, n);
	assert_int_equal(queue_ping(f->q, &err), RR_OK);
	job_free(&j);
}

/* ---- racing replicas ------------------------------------------------------------ */

#define RACE_PRS 4
#define RACE_JOBS 60
#define RACE_REPLICAS 3

struct race {
	struct fixture *f;
	atomic_int running[RACE_PRS];
	atomic_int overlaps;
	atomic_int done;
	atomic_int failures;
};

struct racer {
	struct race *r;
	int index;
};

/* A replica of its own (its own connection and owner) claims and completes
 * until every job is done, noting when two jobs of one PR ran at once. */
static void *race_replica(void *p)
{
	struct racer *me = p;
	struct race *r = me->r;
	struct rr_error err = { 0 };
	struct queue *q = NULL;
	char owner[32];
	uint64_t t0 = rr_now_ms();

	snprintf(owner, sizeof(owner), "racer-%d", me->index);
	if (queue_open(&q, r->f->url, &err) != RR_OK || queue_set_owner(q, owner, &err) != RR_OK) {
		atomic_fetch_add(&r->failures, 1);
		queue_close(q);
		return NULL;
	}
	queue_set_clock(q, test_clock, r->f);
	while (atomic_load(&r->done) < RACE_JOBS && rr_now_ms() - t0 < 60000) {
		struct job j;
		int rc = queue_claim(q, 600, &j, &err);
		if (rc == RR_NONE) {
			usleep(200);
			continue;
		}
		if (rc != RR_OK) {
			atomic_fetch_add(&r->failures, 1);
			continue;
		}
		int pr = (int)j.number % RACE_PRS;
		if (atomic_fetch_add(&r->running[pr], 1) != 0)
			atomic_fetch_add(&r->overlaps, 1);
		usleep(300);                          /* "publishing" */
		atomic_fetch_sub(&r->running[pr], 1);
		if (queue_complete(q, &j, &err) != RR_OK)
			atomic_fetch_add(&r->failures, 1);
		else
			atomic_fetch_add(&r->done, 1);
		job_free(&j);
	}
	queue_close(q);
	return NULL;
}

static void test_replicas_never_run_one_pull_request_twice(void **state)
{
	struct fixture *f = *state;
	static struct race r;
	struct racer who[RACE_REPLICAS];
	pthread_t th[RACE_REPLICAS];
	char delivery[32];

	memset(&r, 0, sizeof(r));
	r.f = f;
	/* Same head for every job of a PR: nothing is superseded, all must run. */
	for (int i = 0; i < RACE_JOBS; i++) {
		snprintf(delivery, sizeof(delivery), "race-%d", i);
		enqueue(f->q, delivery, i % RACE_PRS, HEAD_A, false);
	}
	for (int i = 0; i < RACE_REPLICAS; i++) {
		who[i].r = &r;
		who[i].index = i;
		assert_int_equal(pthread_create(&th[i], NULL, race_replica, &who[i]), 0);
	}
	for (int i = 0; i < RACE_REPLICAS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(atomic_load(&r.failures), 0);
	assert_int_equal(atomic_load(&r.overlaps), 0);
	assert_int_equal(atomic_load(&r.done), RACE_JOBS);
	assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM JOBS WHERE state = 'done'"), RACE_JOBS);
}

#define FLOOD_THREADS 6
#define FLOOD_EACH 60

struct flooder {
	struct fixture *f;
	int index;
	int failures;
};

static void *flood(void *p)
{
	struct flooder *a = p;
	char delivery[32];
	for (int i = 0; i < FLOOD_EACH; i++) {
		struct review_request r;
		struct rr_error err = { 0 };
		int64_t id;
		bool dup = true;
		/* Every thread delivers the same ids: each stored once. */
		snprintf(delivery, sizeof(delivery), "flood-%d", i);
		r = req(delivery, 100 + i, HEAD_A);
		if (queue_enqueue(a->f->q, &r, &id, &dup, &err) != RR_OK)
			a->failures++;
	}
	return NULL;
}

static void test_concurrent_duplicates_stored_once(void **state)
{
	struct fixture *f = *state;
	struct flooder a[FLOOD_THREADS];
	pthread_t th[FLOOD_THREADS];
	struct queue_commit_stats cs;

	for (int i = 0; i < FLOOD_THREADS; i++) {
		a[i].f = f;
		a[i].index = i;
		a[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, flood, &a[i]), 0);
	}
	for (int i = 0; i < FLOOD_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].failures, 0);
	}
	assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM JOBS"), FLOOD_EACH);
	assert_int_equal(sql_int(f, "SELECT COUNT(DISTINCT delivery_id) FROM JOBS"), FLOOD_EACH);
	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.requests, FLOOD_THREADS * FLOOD_EACH);
	assert_int_equal(cs.fallbacks, 0);
}

/* PostgreSQL: another replica's enqueue wakes our idle workers (LISTEN/NOTIFY). */
static void test_other_replica_enqueue_wakes_workers(void **state)
{
	struct fixture *f = *state;
	struct queue *b = open_queue(f, "replica-b");
	uint64_t g = queue_generation(f->q), t0;

	usleep(300 * 1000);                       /* the listener is connected */
	g = queue_generation(f->q);
	t0 = rr_now_ms();
	enqueue(b, "d1", 1, HEAD_A, false);
	queue_wait(f->q, g, 5000);
	assert_true(queue_generation(f->q) != g);
	assert_true(rr_now_ms() - t0 < 2000);
	queue_close(b);
}

/* What /metrics shows of the queue: jobs by state, and how long the oldest
 * queued job has waited: since it was queued, and since it became claimable
 * (a job waiting for its retry is queued but not claimable). */
static struct queue_stats stats_now(struct queue *q)
{
	struct queue_stats st;
	struct rr_error err = { 0 };
	if (queue_stats(q, &st, &err) != RR_OK)
		fail_msg("queue_stats: %s", err.msg);
	return st;
}

static void test_stats_by_state_and_queued_ages(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue_stats st = stats_now(f->q);
	struct job j, k;
	bool gave_up = true;

	for (int s = 0; s < JOB_STATE_COUNT; s++)
		assert_int_equal(st.by_state[s], 0);
	assert_int_equal(st.oldest_queued_s, 0);
	assert_int_equal(st.oldest_claimable_s, 0);
	int64_t first = enqueue(f->q, "d1", 1, HEAD_A, false);
	f->now = 1010;
	enqueue(f->q, "d2", 2, HEAD_A, false);
	f->now = 1030;
	st = stats_now(f->q);
	assert_int_equal(st.by_state[JOB_QUEUED], 2);
	assert_int_equal(st.oldest_queued_s, 30);
	assert_int_equal(st.oldest_claimable_s, 30);
	/* The oldest is claimed: the next oldest is 20 s old. */
	assert_int_equal(claim_job(f->q, 60, &j), first);
	st = stats_now(f->q);
	assert_int_equal(st.by_state[JOB_QUEUED], 1);
	assert_int_equal(st.by_state[JOB_RUNNING], 1);
	assert_int_equal(st.oldest_queued_s, 20);
	assert_int_equal(st.oldest_claimable_s, 20);
	/* Back in the queue until 1130: queued since 1000, not claimable. */
	assert_int_equal(queue_retry(f->q, &j, 100, "HTTP 502", &gave_up, &err), RR_OK);
	assert_false(gave_up);
	job_free(&j);
	st = stats_now(f->q);
	assert_int_equal(st.by_state[JOB_QUEUED], 2);
	assert_int_equal(st.oldest_queued_s, 30);
	assert_int_equal(st.oldest_claimable_s, 20);
	claim_job(f->q, 60, &k);
	complete(f->q, &k);
	st = stats_now(f->q);
	assert_int_equal(st.by_state[JOB_QUEUED], 1);
	assert_int_equal(st.by_state[JOB_DONE], 1);
	assert_int_equal(st.by_state[JOB_RUNNING], 0);
	assert_int_equal(st.oldest_queued_s, 30);
	assert_int_equal(st.oldest_claimable_s, 0);
	f->now = 1200;
	st = stats_now(f->q);
	assert_int_equal(st.oldest_queued_s, 200);
	assert_int_equal(st.oldest_claimable_s, 70);
}

#define CONTRACT_TESTS(setup) \
	cmocka_unit_test_setup_teardown(test_enqueue_dedup_and_supersede, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_claim_order_and_not_before, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_only_the_lease_finishes, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_renewed_lease_is_kept, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_expired_leases_fail_a_crash_loop, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_restart_takes_back_own_jobs, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_one_running_job_per_pull_request, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_retry_window, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_requeue_and_redeliver, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_prune_old_jobs, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_pacing_budget, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_rate_limit_pause_is_shared, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_durable_across_reopen, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_list_and_states, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_replicas_never_run_one_pull_request_twice, setup, \
					teardown), \
	cmocka_unit_test_setup_teardown(test_concurrent_duplicates_stored_once, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_stats_by_state_and_queued_ages, setup, teardown)

#endif
