/* test_queue.c — the durable SQLite queue: dedup, supersede, claim order,
 * leases, retries, durability across close/reopen. Time is moved with a
 * test clock, so nothing sleeps. */
#include "testutil.h"
#include "../../bot/queue.h"
#include "../../common/rr.h"

#include <sqlite3.h>

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

/* A request for pull request `number` at `head`, delivered as `delivery`. */
static struct review_request req(const char *delivery, long number, const char *head)
{
	struct review_request r = {
		.forge = (char *)"github", .delivery_id = (char *)delivery,
		.event = (char *)"pull_request", .action = (char *)"opened",
		.owner = (char *)"octo", .repo = (char *)"hello",
		.clone_url = (char *)"https://example.com/octo/hello.git",
		.number = number, .base_ref = (char *)"main",
		.base_sha = (char *)"1111111111111111111111111111111111111111",
		.head_sha = (char *)head,
	};
	return r;
}

#define HEAD_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEAD_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int64_t enqueue(struct queue *q, const char *delivery, long number, const char *head,
		       bool expect_duplicate)
{
	struct review_request r = req(delivery, number, head);
	struct rr_error err = { 0 };
	int64_t id = 0;
	bool dup = !expect_duplicate;
	assert_int_equal(queue_enqueue(q, &r, &id, &dup, &err), RR_OK);
	assert_int_equal(dup, expect_duplicate);
	assert_true(id > 0);
	return id;
}

static enum job_state state_of(struct queue *q, int64_t id)
{
	struct job j;
	struct rr_error err = { 0 };
	enum job_state s;
	assert_int_equal(queue_get(q, id, &j, &err), RR_OK);
	s = j.state;
	job_free(&j);
	return s;
}

static int64_t claim(struct queue *q, unsigned lease)
{
	struct job j;
	struct rr_error err = { 0 };
	int64_t id;
	assert_int_equal(queue_claim(q, lease, &j, &err), RR_OK);
	assert_int_equal(j.state, JOB_RUNNING);
	id = j.id;
	job_free(&j);
	return id;
}

static void assert_queue_empty(struct queue *q)
{
	struct job j;
	struct rr_error err = { 0 };
	assert_int_equal(queue_claim(q, 60, &j, &err), RR_NONE);
	assert_null(j.delivery_id);
}

static void test_enqueue_dedup_and_supersede(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct queue_stats st;

	int64_t a = enqueue(f->q, "d1", 7, HEAD_A, false);
	assert_int_equal(enqueue(f->q, "d1", 7, HEAD_A, true), a);       /* same delivery */
	assert_int_equal(enqueue(f->q, "d1", 7, HEAD_B, true), a);       /* still the same */
	int64_t other_pr = enqueue(f->q, "d2", 8, HEAD_A, false);
	int64_t b = enqueue(f->q, "d3", 7, HEAD_B, false);               /* newer head of #7 */
	assert_int_equal(state_of(f->q, a), JOB_SUPERSEDED);
	assert_int_equal(state_of(f->q, other_pr), JOB_QUEUED);
	assert_int_equal(state_of(f->q, b), JOB_QUEUED);
	int64_t b2 = enqueue(f->q, "d4", 7, HEAD_B, false);              /* same head again */
	assert_int_equal(state_of(f->q, b), JOB_QUEUED);

	/* A running job is never superseded: its review is already under way. */
	assert_int_equal(claim(f->q, 600), other_pr);
	enqueue(f->q, "d5", 8, HEAD_B, false);
	assert_int_equal(state_of(f->q, other_pr), JOB_RUNNING);

	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_QUEUED], 3);
	assert_int_equal(st.by_state[JOB_RUNNING], 1);
	assert_int_equal(st.by_state[JOB_SUPERSEDED], 1);
	assert_int_equal(st.by_state[JOB_DONE], 0);
	(void)b2;

	struct job j;
	assert_int_equal(queue_get(f->q, a, &j, &err), RR_OK);
	assert_string_equal(j.last_error, "superseded by job 3");
	assert_string_equal(j.delivery_id, "d1");
	assert_string_equal(j.head_sha, HEAD_A);
	assert_int_equal(j.number, 7);
	job_free(&j);

	/* A request missing its identity is refused, not stored. */
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

	assert_queue_empty(f->q);
	int64_t first = enqueue(f->q, "d1", 1, HEAD_A, false);
	int64_t second = enqueue(f->q, "d2", 2, HEAD_A, false);
	int64_t third = enqueue(f->q, "d3", 3, HEAD_A, false);
	assert_int_equal(claim(f->q, 60), first);
	/* first goes back with a 30 s delay: the others come before it. */
	assert_int_equal(queue_retry(f->q, first, 30, "HTTP 502", NULL, &err), RR_OK);
	assert_int_equal(claim(f->q, 60), second);
	assert_int_equal(claim(f->q, 60), third);
	assert_queue_empty(f->q);
	f->now += 29;
	assert_queue_empty(f->q);
	f->now += 1;
	struct job j;
	assert_int_equal(queue_claim(f->q, 60, &j, &err), RR_OK);
	assert_int_equal(j.id, first);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.lease_until, f->now + 60);
	assert_string_equal(j.last_error, "HTTP 502");
	assert_string_equal(j.forge, "github");
	assert_string_equal(j.owner, "octo");
	assert_string_equal(j.repo, "hello");
	job_free(&j);

	assert_int_equal(queue_complete(f->q, first, &err), RR_OK);
	assert_int_equal(state_of(f->q, first), JOB_DONE);
	assert_int_equal(queue_fail(f->q, second, "head commit not found after fetch", &err), RR_OK);
	assert_int_equal(queue_get(f->q, second, &j, &err), RR_OK);
	assert_int_equal(j.state, JOB_FAILED);
	assert_string_equal(j.last_error, "head commit not found after fetch");
	job_free(&j);
	/* Only running jobs can be finished. */
	assert_int_equal(queue_complete(f->q, first, &err), RR_ENOTFOUND);
	assert_string_equal(err.msg, "job 1 is not running");
	assert_int_equal(queue_complete(f->q, 99, &err), RR_ENOTFOUND);
}

static void test_expired_lease_is_recovered(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job j;

	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	assert_int_equal(claim(f->q, 60), id);
	f->now += 59;
	assert_queue_empty(f->q);             /* the lease still holds */
	f->now += 1;
	assert_int_equal(queue_claim(f->q, 60, &j, &err), RR_OK);
	assert_int_equal(j.id, id);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.lease_until, 1120);
	assert_string_equal(j.last_error, "lease expired: the worker was lost");
	job_free(&j);

	/* A job that keeps killing its worker fails after the maximum attempts. */
	for (int i = 2; i < QUEUE_MAX_ATTEMPTS; i++) {
		f->now += 60;
		assert_int_equal(claim(f->q, 60), id);
	}
	f->now += 60;
	assert_queue_empty(f->q);
	assert_int_equal(queue_get(f->q, id, &j, &err), RR_OK);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, QUEUE_MAX_ATTEMPTS);
	assert_string_equal(j.last_error, "lease expired 5 times: the worker was lost");
	job_free(&j);
}

static void test_retry_until_failed(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job j;
	bool gave_up = true;

	int64_t id = enqueue(f->q, "d1", 1, HEAD_A, false);
	for (int attempt = 1; attempt < QUEUE_MAX_ATTEMPTS; attempt++) {
		unsigned delay = 1u << attempt;
		assert_int_equal(claim(f->q, 60), id);
		assert_int_equal(queue_retry(f->q, id, delay, "rate limited", &gave_up, &err), RR_OK);
		assert_false(gave_up);
		assert_int_equal(queue_get(f->q, id, &j, &err), RR_OK);
		assert_int_equal(j.state, JOB_QUEUED);
		assert_int_equal(j.attempts, attempt);
		assert_int_equal(j.not_before, f->now + delay);
		assert_int_equal(j.lease_until, 0);
		job_free(&j);
		f->now += delay;
	}
	assert_int_equal(claim(f->q, 60), id);
	assert_int_equal(queue_retry(f->q, id, 32, "still rate limited", &gave_up, &err), RR_OK);
	assert_true(gave_up);
	assert_int_equal(queue_get(f->q, id, &j, &err), RR_OK);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, QUEUE_MAX_ATTEMPTS);
	assert_string_equal(j.last_error, "still rate limited");
	job_free(&j);
	f->now += 1000;
	assert_queue_empty(f->q);
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
	assert_int_equal(claim(f->q, 60), 1);
	assert_int_equal(queue_complete(f->q, 1, &err), RR_OK);
	queue_close(f->q);
	f->q = NULL;

	assert_int_equal(queue_open(&f->q, f->db, &err), RR_OK);
	queue_set_clock(f->q, test_clock, f);
	assert_int_equal(queue_stats(f->q, &st, &err), RR_OK);
	assert_int_equal(st.by_state[JOB_DONE], 1);
	assert_int_equal(st.by_state[JOB_QUEUED], 1);
	/* Dedup survives the restart too. */
	assert_int_equal(enqueue(f->q, "d1", 1, HEAD_A, true), 1);
	assert_int_equal(queue_claim(f->q, 60, &j, &err), RR_OK);
	assert_int_equal(j.id, second);
	assert_int_equal(review_request_from_json(j.request_json, &back, &err), RR_OK);
	assert_string_equal(back.delivery_id, "d2");
	assert_string_equal(back.head_sha, HEAD_B);
	assert_string_equal(back.clone_url, "https://example.com/octo/hello.git");
	assert_int_equal(back.number, 2);
	review_request_free(&back);
	job_free(&j);
}

static void test_list_and_states(void **state)
{
	struct fixture *f = *state;
	struct rr_error err = { 0 };
	struct job *jobs = NULL;
	size_t n = 0;
	enum job_state s;

	enqueue(f->q, "d1", 1, HEAD_A, false);
	enqueue(f->q, "d2", 2, HEAD_A, false);
	enqueue(f->q, "d3", 3, HEAD_A, false);
	assert_int_equal(claim(f->q, 60), 1);
	assert_int_equal(queue_list(f->q, -1, 0, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(jobs[0].id, 3);      /* newest first */
	assert_int_equal(jobs[2].id, 1);
	assert_int_equal(jobs[2].state, JOB_RUNNING);
	queue_list_free(jobs, n);
	assert_int_equal(queue_list(f->q, JOB_QUEUED, 1, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, 3);
	queue_list_free(jobs, n);
	assert_int_equal(queue_list(f->q, JOB_DONE, 0, &jobs, &n, &err), RR_OK);
	assert_int_equal(n, 0);
	queue_list_free(jobs, n);

	assert_int_equal(job_state_parse("superseded", &s), RR_OK);
	assert_int_equal(s, JOB_SUPERSEDED);
	assert_int_equal(job_state_parse("bogus", &s), RR_EINVAL);
	assert_string_equal(job_state_name(JOB_FAILED), "failed");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enqueue_dedup_and_supersede, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_order_and_not_before, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_lease_is_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_until_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durable_across_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_wakes_on_enqueue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
