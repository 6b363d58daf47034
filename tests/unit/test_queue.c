/* test_queue.c — what is particular to the SQLite queue (the behaviour both
 * backends share is queue_contract.h, run by test_queue_sqlite.c and
 * test_queue_pg.c): schema versions and upgrades, and group commit under
 * concurrency (real threads, a real database file, failures made real with
 * SQLite triggers installed from a second connection). Time is moved with a
 * test clock, so nothing sleeps. */
#include "testutil.h"
#include "queue_testutil.h"
#include "../../bot/queue.h"
#include "../../common/rr.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

struct fixture {
	char *dir;
	char *db;
	struct queue *q;
	int64_t now;
};

static int64_t test_clock(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rr_error err = { 0 };
	assert_non_null(f);
	f->dir = tu_mkdtemp("queue");
	assert_non_null(f->dir);
	assert_true(asprintf(&f->db, "%s/jobs.db", f->dir) > 0);
	assert_int_equal(queue_open(&f->q, f->db, &err), RR_OK);
	f->now = 1000;
	queue_set_clock(f->q, test_clock, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	queue_close(f->q);
	tu_rmrf(f->dir);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

static void test_wait_wakes_on_enqueue(void **state)
{
	struct fixture *f = *state;
	uint64_t g = queue_generation(f->q);
	uint64_t t0 = rr_now_ms();

	queue_wait(f->q, g, 50);                 /* nothing happens: times out */
	assert_true(rr_now_ms() - t0 >= 50);
	enqueue(f->q, "d1", 1, HEAD_A, false);
	assert_true(queue_generation(f->q) != g);
	t0 = rr_now_ms();
	queue_wait(f->q, g, 5000);               /* already changed: returns at once */
	assert_true(rr_now_ms() - t0 < 1000);
	g = queue_generation(f->q);
	enqueue(f->q, "d1", 1, HEAD_A, true);    /* a duplicate wakes nobody */
	assert_true(queue_generation(f->q) == g);
}

static void test_newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	sqlite3 *db = NULL;
	struct queue *q = NULL;

	queue_close(f->q);
	f->q = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(queue_open(&q, f->db, &err), RR_ECONFIG);
	assert_null(q);
	assert_non_null(strstr(err.msg, "schema version 99 is newer"));
	/* A directory that does not exist names the path. */
	assert_int_equal(queue_open(&q, "/nonexistent-dir/x/jobs.db", &err), RR_ERR);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x/jobs.db"));
}


/* ---- group commit ----------------------------------------------------------- */

/* Runs one SQL script on a second connection to the queue's file, the way an
 * operator or another process would. */
static void sql_exec(const char *db, const char *sql)
{
	sqlite3 *c = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
	sqlite3_busy_timeout(c, 5000);
	if (sqlite3_exec(c, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(c);
}

/* The single integer a query returns, read on a second connection. */
static int64_t sql_int(const char *db, const char *sql)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;
	assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(c);
	return v;
}

#define FLOOD_THREADS 8
#define FLOOD_EACH 200

struct flooder {
	struct fixture *f;
	int index;
	int64_t ids[FLOOD_EACH];
	int failures;          /* cmocka asserts only on the main thread: count here */
	char first_failure[600];
};

static void flooder_fail(struct flooder *a, const char *what)
{
	if (a->failures++ == 0)
		snprintf(a->first_failure, sizeof(a->first_failure), "thread %d: %s", a->index, what);
}

/* Enqueues FLOOD_EACH distinct deliveries (each its own PR, so nothing is
 * superseded) and checks, on its own read connection, that each row is
 * committed by the time queue_enqueue returns: acknowledged == durable. */
static void *flood_distinct(void *p)
{
	struct flooder *a = p;
	sqlite3 *reader = NULL;
	sqlite3_stmt *st = NULL;
	char delivery[32];

	if (sqlite3_open_v2(a->f->db, &reader, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(reader, "SELECT delivery_id FROM jobs WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		flooder_fail(a, "cannot open a reader");
		goto done;
	}
	for (int i = 0; i < FLOOD_EACH; i++) {
		struct review_request r;
		struct rr_error err = { 0 };
		bool dup = true;
		snprintf(delivery, sizeof(delivery), "flood-%d-%d", a->index, i);
		r = req(delivery, 1000L * a->index + i, HEAD_A);
		if (queue_enqueue(a->f->q, &r, &a->ids[i], &dup, &err) != RR_OK || dup) {
			flooder_fail(a, err.msg[0] ? err.msg : "reported a duplicate");
			continue;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, a->ids[i]);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(st, 0), delivery) != 0)
			flooder_fail(a, "a returned job is not committed (or is another delivery)");
	}
done:
	sqlite3_finalize(st);
	sqlite3_close(reader);
	return NULL;
}

static void run_flooders(struct fixture *f, void *(*fn)(void *), struct flooder *a, int n)
{
	pthread_t th[FLOOD_THREADS];
	for (int i = 0; i < n; i++) {
		a[i].f = f;
		a[i].index = i;
		assert_int_equal(pthread_create(&th[i], NULL, fn, &a[i]), 0);
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < n; i++)
		if (a[i].failures)
			fail_msg("%d failures, first: %s", a[i].failures, a[i].first_failure);
}

static int cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static void test_concurrent_enqueues_are_durable_and_distinct(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	static struct flooder a[FLOOD_THREADS];
	static int64_t all[FLOOD_THREADS * FLOOD_EACH];
	struct queue_commit_stats cs;
	struct queue_stats st;
	size_t n = 0;

	memset(a, 0, sizeof(a));
	run_flooders(f, flood_distinct, a, FLOOD_THREADS);
	for (int t = 0; t < FLOOD_THREADS; t++)
		for (int i = 0; i < FLOOD_EACH; i++)
			all[n++] = a[t].ids[i];
	qsort(all, n, sizeof(all[0]), cmp_id);
	for (size_t i = 1; i < n; i++)
		assert_true(all[i] != all[i - 1]);        /* every caller got its own job */

	/* Several callers shared transactions: fewer commits than requests. */
	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.requests, FLOOD_THREADS * FLOOD_EACH);
	assert_true(cs.batches < cs.requests);
	assert_true(cs.largest_batch >= 2);
	assert_int_equal(cs.fallbacks, 0);

	queue_close(f->q);
	f->q = NULL;
	assert_int_equal(queue_open(&f->q, f->db, &err), RR_OK);
	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_QUEUED], FLOOD_THREADS * FLOOD_EACH);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(DISTINCT delivery_id) FROM jobs"),
			 FLOOD_THREADS * FLOOD_EACH);
	assert_int_equal(sql_int(f->db, "SELECT MIN(id) FROM jobs"), all[0]);
	assert_int_equal(sql_int(f->db, "SELECT MAX(id) FROM jobs"), all[n - 1]);
	/* Dedup still holds after the restart. */
	assert_int_equal(enqueue(f->q, "flood-3-17", 3017, HEAD_A, true), a[3].ids[17]);
}

static void test_duplicates_inside_one_batch(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct review_request r1 = req("d1", 1, HEAD_A), r2 = req("d2", 2, HEAD_A);
	struct review_request r1_again = req("d1", 1, HEAD_B), bad = req("d3", 3, NULL);
	const struct review_request *rqs[] = { &r1, &r2, &r1_again, &bad };
	struct queue_enqueue_result res[4];
	struct queue_commit_stats cs;
	struct queue_stats st;

	assert_int_equal(queue_enqueue_many(f->q, rqs, 4, res, &err), RR_EINVAL);
	assert_string_equal(err.msg,
			    "enqueue: the request lacks forge, delivery id, owner, repo or head");
	assert_int_equal(res[0].rc, RR_OK);
	assert_false(res[0].duplicate);
	assert_int_equal(res[0].job_id, 1);
	assert_int_equal(res[1].rc, RR_OK);
	assert_false(res[1].duplicate);
	assert_int_equal(res[1].job_id, 2);
	/* The same delivery later in the same transaction is its duplicate, and
	 * its other head supersedes nothing: it was never inserted. */
	assert_int_equal(res[2].rc, RR_OK);
	assert_true(res[2].duplicate);
	assert_int_equal(res[2].job_id, 1);
	assert_int_equal(res[3].rc, RR_EINVAL);
	assert_int_equal(res[3].job_id, 0);
	assert_int_equal(state_of(f->q, 1), JOB_QUEUED);

	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.batches, 1);              /* the bad one never reached SQLite */
	assert_int_equal(cs.requests, 3);
	assert_int_equal(cs.largest_batch, 3);
	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_QUEUED], 2);
}

/* Many threads deliver the same 40 deliveries at once: each is stored once,
 * and everyone who delivered it is told the same job. */
#define SAME_DELIVERIES 40
struct same_delivery {
	struct fixture *f;
	int index;
	int64_t ids[SAME_DELIVERIES];
	int fresh;             /* how many this thread inserted */
	int failures;
};

static void *deliver_same(void *p)
{
	struct same_delivery *a = p;
	char delivery[32];
	for (int i = 0; i < SAME_DELIVERIES; i++) {
		struct rr_error err = { 0 };
		struct review_request r;
		bool dup = false;
		snprintf(delivery, sizeof(delivery), "same-%d", i);
		r = req(delivery, 1 + i, HEAD_A);
		if (queue_enqueue(a->f->q, &r, &a->ids[i], &dup, &err) != RR_OK)
			a->failures++;
		else if (!dup)
			a->fresh++;
	}
	return NULL;
}

static void test_concurrent_duplicates_stored_once(void **state)
{
	struct fixture *f = *state;
	struct same_delivery a[FLOOD_THREADS];
	pthread_t th[FLOOD_THREADS];
	int fresh = 0;

	memset(a, 0, sizeof(a));
	for (int i = 0; i < FLOOD_THREADS; i++) {
		a[i].f = f;
		a[i].index = i;
		assert_int_equal(pthread_create(&th[i], NULL, deliver_same, &a[i]), 0);
	}
	for (int i = 0; i < FLOOD_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int t = 0; t < FLOOD_THREADS; t++) {
		assert_int_equal(a[t].failures, 0);
		fresh += a[t].fresh;
		for (int i = 0; i < SAME_DELIVERIES; i++)
			assert_int_equal(a[t].ids[i], a[0].ids[i]);
	}
	assert_int_equal(fresh, SAME_DELIVERIES);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs"), SAME_DELIVERIES);
}

/* A request that SQLite refuses inside the batch (a trigger raising on its
 * JSON, or on its supersede step) fails alone: its savepoint undoes its own
 * statements and the rest of the batch commits in the same transaction. */
static void test_failing_request_does_not_fail_its_batch(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct review_request ok1 = req("ok1", 1, HEAD_A), poison = req("poison", 2, HEAD_A);
	struct review_request frozen = req("frozen-b", 7, HEAD_B), ok2 = req("ok2", 3, HEAD_A);
	const struct review_request *rqs[] = { &ok1, &poison, &frozen, &ok2 };
	struct queue_enqueue_result res[4];
	struct queue_commit_stats cs;
	int64_t old_head = enqueue(f->q, "frozen-a", 7, HEAD_A, false);

	poison.action = (char *)"poison";
	sql_exec(f->db,
		 "CREATE TRIGGER reject_poison BEFORE INSERT ON jobs"
		 " WHEN json_extract(NEW.request_json, '$.action') = 'poison'"
		 " BEGIN SELECT RAISE(ABORT, 'poisoned request'); END;"
		 "CREATE TRIGGER freeze_pr7 BEFORE UPDATE ON jobs"
		 " WHEN NEW.state = 'superseded' AND OLD.number = 7"
		 " BEGIN SELECT RAISE(ABORT, 'PR 7 is frozen'); END;");

	assert_int_equal(queue_enqueue_many(f->q, rqs, 4, res, &err), RR_ERR);
	assert_non_null(strstr(err.msg, "inserting a job: poisoned request"));
	assert_int_equal(res[0].rc, RR_OK);
	assert_int_equal(res[1].rc, RR_ERR);
	assert_int_equal(res[1].job_id, 0);
	assert_non_null(strstr(res[1].err.msg, f->db));           /* names the queue */
	assert_non_null(strstr(res[1].err.msg, "inserting a job: poisoned request"));
	/* frozen-b was inserted, then its supersede failed: the insert is undone too. */
	assert_int_equal(res[2].rc, RR_ERR);
	assert_int_equal(res[2].job_id, 0);
	assert_non_null(strstr(res[2].err.msg, "superseding older jobs: PR 7 is frozen"));
	assert_int_equal(res[3].rc, RR_OK);
	assert_false(res[3].duplicate);

	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.batches, 2);               /* frozen-a's, then this one */
	assert_int_equal(cs.fallbacks, 0);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs"), 3);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs WHERE delivery_id IN"
				 " ('poison', 'frozen-b')"), 0);
	assert_int_equal(state_of(f->q, old_head), JOB_QUEUED);
	assert_int_equal(state_of(f->q, res[0].job_id), JOB_QUEUED);
	assert_int_equal(state_of(f->q, res[3].job_id), JOB_QUEUED);
}

/* A failure that only shows at COMMIT (a deferred foreign key a trigger adds
 * for one request's JSON) fails the batch transaction as a whole: the queue
 * then commits each request on its own, and only the guilty one fails. */
static void test_failed_batch_commit_falls_back_to_one_by_one(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct review_request ok1 = req("ok1", 1, HEAD_A), poison = req("poison", 2, HEAD_A);
	struct review_request ok2 = req("ok2", 3, HEAD_A), ok1_again = req("ok1", 1, HEAD_A);
	const struct review_request *rqs[] = { &ok1, &poison, &ok2, &ok1_again };
	struct queue_enqueue_result res[4];
	struct queue_commit_stats cs;

	poison.action = (char *)"poison";
	sql_exec(f->db,
		 "CREATE TABLE audit_parent (id INTEGER PRIMARY KEY);"
		 "CREATE TABLE audit (job INTEGER REFERENCES audit_parent (id)"
		 " DEFERRABLE INITIALLY DEFERRED);"
		 "CREATE TRIGGER audit_poison AFTER INSERT ON jobs"
		 " WHEN json_extract(NEW.request_json, '$.action') = 'poison'"
		 " BEGIN INSERT INTO audit (job) VALUES (NEW.id); END;");

	assert_int_equal(queue_enqueue_many(f->q, rqs, 4, res, &err), RR_ERR);
	assert_int_equal(res[0].rc, RR_OK);
	assert_false(res[0].duplicate);
	assert_int_equal(res[1].rc, RR_ERR);
	assert_int_equal(res[1].job_id, 0);
	assert_non_null(strstr(res[1].err.msg, "committing a job: FOREIGN KEY constraint failed"));
	assert_string_equal(err.msg, res[1].err.msg);
	assert_int_equal(res[2].rc, RR_OK);
	assert_false(res[2].duplicate);
	assert_int_equal(res[3].rc, RR_OK);              /* dedup holds in the fallback too */
	assert_true(res[3].duplicate);
	assert_int_equal(res[3].job_id, res[0].job_id);

	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.batches, 1);
	assert_int_equal(cs.fallbacks, 1);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs"), 2);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs WHERE delivery_id = 'ok2'"), 1);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM audit"), 0);
}

/* Threads push new heads of the same four PRs at once. Whatever order the
 * batches commit in, no queued job may have a newer job of its PR at another
 * head, and every superseded job names such a job. */
static void *flood_heads(void *p)
{
	static const char *const heads[] = { HEAD_A, HEAD_B, "cccccccccccccccccccccccccccccccccccccccc" };
	struct flooder *a = p;
	char delivery[32];
	for (int k = 0; k < 60; k++) {
		struct review_request r;
		struct rr_error err = { 0 };
		int64_t id;
		bool dup;
		snprintf(delivery, sizeof(delivery), "head-%d-%d", a->index, k);
		r = req(delivery, 1 + k % 4, heads[(a->index + k / 4) % 3]);
		if (queue_enqueue(a->f->q, &r, &id, &dup, &err) != RR_OK || dup)
			flooder_fail(a, err.msg[0] ? err.msg : "reported a duplicate");
	}
	return NULL;
}

static void test_supersede_under_concurrency(void **state)
{
	struct fixture *f = *state;
	static struct flooder a[FLOOD_THREADS];

	memset(a, 0, sizeof(a));
	run_flooders(f, flood_heads, a, FLOOD_THREADS);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs"), FLOOD_THREADS * 60);
	assert_int_equal(sql_int(f->db,
		"SELECT COUNT(*) FROM jobs j WHERE j.state = 'queued' AND EXISTS"
		" (SELECT 1 FROM jobs x WHERE x.number = j.number AND x.head_sha <> j.head_sha"
		"  AND x.id > j.id)"), 0);
	assert_int_equal(sql_int(f->db,
		"SELECT COUNT(*) FROM jobs j WHERE j.state = 'superseded' AND NOT EXISTS"
		" (SELECT 1 FROM jobs x WHERE x.number = j.number AND x.head_sha <> j.head_sha"
		"  AND x.id > j.id AND j.last_error = 'superseded by job ' || x.id)"), 0);
	assert_true(sql_int(f->db, "SELECT COUNT(*) FROM jobs WHERE state = 'superseded'") > 0);
	/* Each PR keeps its newest head queued. */
	assert_int_equal(sql_int(f->db,
		"SELECT COUNT(DISTINCT number) FROM jobs j WHERE state = 'queued' AND head_sha ="
		" (SELECT head_sha FROM jobs x WHERE x.number = j.number ORDER BY id DESC LIMIT 1)"),
		4);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs WHERE state NOT IN"
				 " ('queued', 'superseded')"), 0);
}

/* Workers' claims get the database promptly while enqueues flood in. */
struct claim_flood {
	struct fixture *f;
	atomic_bool stop;
	atomic_int failures;
	atomic_long enqueued;
};

static void *flood_until_stopped(void *p)
{
	struct claim_flood *c = p;
	static atomic_int next_thread;
	int t = atomic_fetch_add(&next_thread, 1);
	char delivery[48];
	for (long i = 0; !atomic_load(&c->stop); i++) {
		struct rr_error err = { 0 };
		struct review_request r;
		int64_t id;
		bool dup;
		snprintf(delivery, sizeof(delivery), "cf-%d-%ld", t, i);
		r = req(delivery, 1 + (long)t * 100000 + i, HEAD_A);
		if (queue_enqueue(c->f->q, &r, &id, &dup, &err) != RR_OK)
			atomic_fetch_add(&c->failures, 1);
		else
			atomic_fetch_add(&c->enqueued, 1);
	}
	return NULL;
}

#define CLAIMS 40
static void test_claims_not_starved_by_enqueues(void **state)
{
	struct fixture *f = *state;
	struct claim_flood c = { .f = f };
	struct rr_error err = { 0 };
	pthread_t th[6];
	uint64_t worst = 0, started = rr_now_ms();
	int claimed = 0;

	for (int i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, flood_until_stopped, &c), 0);
	/* Claim only once the flood is in full swing. */
	while (atomic_load(&c.enqueued) < 300 && rr_now_ms() - started < 20000)
		usleep(1000);
	while (claimed < CLAIMS && rr_now_ms() - started < 20000) {
		struct job j;
		uint64_t t0 = rr_now_ms(), took;
		int rc = queue_claim(f->q, 60, &j, &err);
		took = rr_now_ms() - t0;
		worst = took > worst ? took : worst;
		if (rc == RR_OK) {
			claimed++;
			if (queue_complete(f->q, &j, &err) != RR_OK)
				atomic_fetch_add(&c.failures, 1);
			job_free(&j);
		} else if (rc != RR_NONE) {
			atomic_fetch_add(&c.failures, 1);
		}
	}
	atomic_store(&c.stop, true);
	for (int i = 0; i < 6; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(atomic_load(&c.failures), 0);
	assert_int_equal(claimed, CLAIMS);
	/* A claim waits at most for the batch in progress (one fsync), never
	 * for the flood; the bound is loose for slow, shared CI machines. */
	assert_true(worst < 2000);
	assert_true(atomic_load(&c.enqueued) >= 300);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs WHERE state = 'done'"), CLAIMS);
}

/* A database written by the first schema is upgraded in place: its jobs stay,
 * jobs_pull gains head_sha (what lets superseding skip same-head jobs) and
 * keeps only queued jobs. */
static void test_v1_database_is_upgraded(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };

	queue_close(f->q);
	f->q = NULL;
	tu_sh("rm -f '%s'", f->db);
	sql_exec(f->db,
		 "CREATE TABLE jobs ( id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL,"
		 " forge TEXT NOT NULL, owner TEXT NOT NULL, repo TEXT NOT NULL,"
		 " number INTEGER NOT NULL, head_sha TEXT NOT NULL, request_json TEXT NOT NULL,"
		 " state TEXT NOT NULL CHECK (state IN"
		 "  ('queued','running','done','failed','superseded')),"
		 " attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL,"
		 " lease_until INTEGER, last_error TEXT, created_at INTEGER NOT NULL,"
		 " updated_at INTEGER NOT NULL, UNIQUE (forge, delivery_id));"
		 "CREATE INDEX jobs_ready ON jobs (state, not_before, id);"
		 "CREATE INDEX jobs_pull ON jobs (forge, owner, repo, number, state);"
		 "INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
		 " state, not_before, created_at, updated_at) VALUES ('old', 'github', 'octo',"
		 " 'hello', 7, '" HEAD_A "', '{}', 'queued', 1, 1, 1);"
		 "PRAGMA user_version = 1;");
	assert_int_equal(queue_open(&f->q, f->db, &err), RR_OK);
	queue_set_clock(f->q, test_clock, f);
	assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 5);
	/* v5: the table of rate-limit pauses is there, empty. */
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM pause"), 0);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM pragma_index_info('jobs_pull')"
				 " WHERE name = 'head_sha'"), 1);
	/* v3: only queued jobs are in jobs_pull, and superseding uses it. */
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM pragma_index_list('jobs')"
				 " WHERE name = 'jobs_pull' AND partial = 1"), 1);
	assert_int_equal(sql_int(f->db, "SELECT COUNT(*) FROM jobs INDEXED BY jobs_pull"
				 " WHERE forge = 'github' AND owner = 'octo' AND repo = 'hello'"
				 " AND number = 7 AND state = 'queued' AND head_sha < 'z'"), 1);
	assert_int_equal(enqueue(f->q, "old", 7, HEAD_A, true), 1);
	assert_int_equal(enqueue(f->q, "new", 7, HEAD_B, false), 2);
	assert_int_equal(state_of(f->q, 1), JOB_SUPERSEDED);
}

/* ---- asynchronous enqueues (an event-driven server) --------------------- */

#define ASYNC_N 10
struct async_log {
	atomic_int calls;
	pthread_t submitter;
	bool other_thread[ASYNC_N + 1];
	struct queue_enqueue_result res[ASYNC_N + 1];
};
struct async_slot {
	struct async_log *log;
	int index;
};

static void async_done(void *ctx, const struct queue_enqueue_result *res)
{
	struct async_slot *s = ctx;
	s->log->res[s->index] = *res;
	s->log->other_thread[s->index] = !pthread_equal(pthread_self(), s->log->submitter);
	atomic_fetch_add(&s->log->calls, 1);
}

static uint64_t queue_waiting(struct queue *q)
{
	struct queue_commit_stats cs;
	queue_commit_stats(q, &cs);
	return cs.waiting;
}

static void wait_for_calls(struct async_log *log, int n)
{
	for (int i = 0; i < 500 && atomic_load(&log->calls) < n; i++)
		usleep(10 * 1000);
	assert_int_equal(atomic_load(&log->calls), n);
}

/*
 * Submissions return at once; the committer commits what piled up while the
 * database was busy in one transaction and reports each result (the same
 * delivery twice: one job, the second a duplicate) on its own thread.
 */
static void test_async_enqueues_share_a_commit(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct async_log log = { .submitter = pthread_self() };
	struct async_slot slots[ASYNC_N + 1];
	struct review_request rqs[ASYNC_N + 1];
	char names[ASYNC_N][16];
	struct queue_commit_stats cs;
	sqlite3 *blocker = NULL;

	atomic_init(&log.calls, 0);
	assert_int_equal(sqlite3_open(f->db, &blocker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i <= ASYNC_N; i++) {
		int k = i < ASYNC_N ? i : 3;          /* the last one repeats delivery 3 */
		snprintf(names[k], sizeof(names[k]), "async-%d", k);
		rqs[i] = req(names[k], 10 + k, HEAD_A);
		slots[i] = (struct async_slot){ &log, i };
		assert_int_equal(queue_enqueue_async(f->q, &rqs[i], async_done, &slots[i], &err),
				 RR_OK);
	}
	assert_int_equal(queue_waiting(f->q), ASYNC_N + 1);
	usleep(50 * 1000);
	assert_int_equal(atomic_load(&log.calls), 0);     /* nothing before its commit */
	assert_int_equal(sqlite3_exec(blocker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(blocker);
	wait_for_calls(&log, ASYNC_N + 1);
	for (int i = 0; i < ASYNC_N; i++) {
		assert_int_equal(log.res[i].rc, RR_OK);
		assert_false(log.res[i].duplicate);
		assert_true(log.other_thread[i]);
		assert_int_equal(state_of(f->q, log.res[i].job_id), JOB_QUEUED);
	}
	assert_true(log.res[ASYNC_N].duplicate);
	assert_int_equal(log.res[ASYNC_N].job_id, log.res[3].job_id);
	queue_commit_stats(f->q, &cs);
	/* The first submission alone (taken before the others), then the rest. */
	assert_true(cs.batches <= 2);
	assert_int_equal(cs.requests, ASYNC_N + 1);
	assert_int_equal(cs.waiting, 0);
}

/* A request the queue refuses is not submitted: an error now, no call later. */
static void test_async_refused_request_is_an_error_now(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct async_log log = { .submitter = pthread_self() };
	struct async_slot slot = { &log, 0 };
	struct review_request bad = req("no-head", 1, NULL);

	atomic_init(&log.calls, 0);
	assert_int_equal(queue_enqueue_async(f->q, &bad, async_done, &slot, &err), RR_EINVAL);
	assert_string_equal(err.msg,
			    "enqueue: the request lacks forge, delivery id, owner, repo or head");
	assert_int_equal(queue_waiting(f->q), 0);
	assert_int_equal(atomic_load(&log.calls), 0);
}

/*
 * With a commit window a batch stays open until as many requests are pending
 * as were in play around the last batch (here 3, a batch of 3 with none
 * arriving meanwhile), so a steady load is not split in two; queue_close does
 * not wait out the window but commits what is pending and reports every
 * result before it returns.
 */
static void test_commit_window_collects_and_close_commits(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct async_log log = { .submitter = pthread_self() };
	struct async_slot slots[5];
	struct review_request rqs[5], r1 = req("sync-1", 30, HEAD_A), r2 = req("sync-2", 31, HEAD_A),
				       r3 = req("sync-3", 32, HEAD_A);
	const struct review_request *three[] = { &r1, &r2, &r3 };
	struct queue_enqueue_result res[3];
	char names[5][16];
	struct queue_commit_stats cs;
	uint64_t start;

	atomic_init(&log.calls, 0);
	assert_int_equal(queue_enqueue_many(f->q, three, 3, res, &err), RR_OK);
	queue_set_commit_window(f->q, 5u * 1000 * 1000);   /* 5 s, far longer than this takes */
	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "win-%d", i);
		rqs[i] = req(names[i], 20 + i, HEAD_A);
		slots[i] = (struct async_slot){ &log, i };
	}
	start = rr_now_ms();
	assert_int_equal(queue_enqueue_async(f->q, &rqs[0], async_done, &slots[0], &err), RR_OK);
	usleep(100 * 1000);
	assert_int_equal(atomic_load(&log.calls), 0);      /* 1 of 3: the batch stays open */
	for (int i = 1; i < 3; i++)
		assert_int_equal(queue_enqueue_async(f->q, &rqs[i], async_done, &slots[i], &err),
				 RR_OK);
	wait_for_calls(&log, 3);                           /* 3 of 3: it closed */
	assert_true(rr_now_ms() - start < 4000);
	queue_commit_stats(f->q, &cs);
	assert_int_equal(cs.batches, 2);
	assert_int_equal(cs.largest_batch, 3);

	queue_set_commit_window(f->q, 60u * 1000 * 1000);  /* a minute */
	for (int i = 3; i < 5; i++)
		assert_int_equal(queue_enqueue_async(f->q, &rqs[i], async_done, &slots[i], &err),
				 RR_OK);
	start = rr_now_ms();
	queue_close(f->q);
	assert_true(rr_now_ms() - start < 10 * 1000);
	assert_int_equal(atomic_load(&log.calls), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(log.res[i].rc, RR_OK);
	assert_int_equal(queue_open(&f->q, f->db, &err), RR_OK);
	assert_int_equal(state_of(f->q, log.res[4].job_id), JOB_QUEUED);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM jobs"), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wait_wakes_on_enqueue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_enqueues_are_durable_and_distinct,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_inside_one_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_duplicates_stored_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failing_request_does_not_fail_its_batch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_batch_commit_falls_back_to_one_by_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_supersede_under_concurrency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_not_starved_by_enqueues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_database_is_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_enqueues_share_a_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_refused_request_is_an_error_now, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commit_window_collects_and_close_commits, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
