/* test_worker.c — one job end to end with real parts: a git repository made
 * with the git CLI (fetched by libgit2 through a local path), the real review
 * engine, the SQLite queue, and a fake forge that records what it is asked to
 * publish. Then the thread pool picks up a job by itself. */
#include "testutil.h"
#include "../../bot/config.h"
#include "../../bot/metrics.h"
#include "../../bot/queue.h"
#include "../../bot/worker.h"
#include "../../handlers/publish.h"
#include "../../common/log.h"
#include "../../common/rr.h"
#include "../../review/repo.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/file.h>

/* ---- the fake forge ----------------------------------------------------- */

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static int publish_calls;
static int publish_rc;               /* what the next publish returns */
static long publish_retry_after;
static char published[16][96];       /* "path:line:rule" of each finding */
static size_t npublished;
static bool mirror_locked_during_publish;
static char *mirror_lock_path;
static bool creds_asked;
static char published_notice[512];   /* the notice of the last publish, "" if none */

static int fake_credentials(struct forge_config *cfg, const struct review_request *rq,
			    struct git_credentials *out, struct rr_error *err)
{
	(void)cfg;
	(void)rq;
	(void)err;
	memset(out, 0, sizeof(*out));      /* anonymous: a local repository */
	creds_asked = true;
	return RR_OK;
}

static int fake_refspecs(const struct review_request *rq, char ***out, size_t *n,
			 struct rr_error *err)
{
	char **specs = calloc(2, sizeof(*specs));
	if (!specs ||
	    asprintf(&specs[0], "+refs/heads/%s:refs/rustreview/base/%s", rq->base_ref,
		     rq->base_ref) < 0 ||
	    asprintf(&specs[1], "+refs/pull/%ld/head:refs/rustreview/pull/%ld/head", rq->number,
		     rq->number) < 0) {
		free(specs);
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	}
	*out = specs;
	*n = 2;
	return RR_OK;
}

static bool lock_is_free(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool free_now;
	if (fd < 0)
		return true;
	free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (free_now)
		flock(fd, LOCK_UN);
	close(fd);
	return free_now;
}

/* The real publisher runs; the fake forge lists nothing and records what it is asked to post. */
static int fake_list_existing(struct forge_config *cfg, const struct review_request *rq,
			      struct publish_existing *ex, struct rr_error *err)
{
	(void)cfg;
	(void)rq;
	(void)ex;
	(void)err;
	return RR_OK;
}

static int fake_post_review(struct forge_config *cfg, const struct review_request *rq,
			    const struct publish_review *review, struct publish_result *res,
			    struct rr_error *err)
{
	const char *notice_end;
	int rc;
	(void)cfg;
	(void)rq;
	pthread_mutex_lock(&fake_lock);
	publish_calls++;
	mirror_locked_during_publish = mirror_lock_path && !lock_is_free(mirror_lock_path);
	npublished = 0;
	/* The notice is the summary's paragraph before its notice marker. */
	published_notice[0] = '\0';
	notice_end = review->summary ? strstr(review->summary, "\n<!-- rustreview:notice=") : NULL;
	if (notice_end) {
		const char *start = notice_end;
		while (start > review->summary && !(start[-1] == '\n' && start[-2] == '\n'))
			start--;
		snprintf(published_notice, sizeof(published_notice), "%.*s",
			 (int)(notice_end - start), start);
	}
	for (size_t i = 0; i < review->n && i < 16; i++, npublished++)
		snprintf(published[i], sizeof(published[i]), "%s:%u:%s",
			 review->comments[i].finding->path, review->comments[i].finding->line,
			 review->comments[i].finding->rule_id);
	rc = publish_rc;
	if (rc == RR_OK) {
		res->posted = review->n;
		res->review_created = true;
	} else {
		rr_error_set(err, rc, "HTTP 503 from the fake API");
		err->retry_after = publish_retry_after;
	}
	pthread_mutex_unlock(&fake_lock);
	return rc;
}

static char status_seen[160];        /* "failing|description" of the last status */

static int fake_set_status(struct forge_config *cfg, const struct review_request *rq, bool failing,
			   const char *description, struct rr_error *err)
{
	(void)cfg;
	(void)rq;
	(void)err;
	pthread_mutex_lock(&fake_lock);
	snprintf(status_seen, sizeof(status_seen), "%s|%s", failing ? "failing" : "passing",
		 description);
	pthread_mutex_unlock(&fake_lock);
	return RR_OK;
}

static const struct forge fake_forge = { .name = "fake", .git_credentials = fake_credentials,
					 .fetch_refspecs = fake_refspecs,
					 .git_user = "fake", .list_existing = fake_list_existing,
					 .post_review = fake_post_review,
					 .set_status = fake_set_status };
static const struct forge *const test_forges[] = { &fake_forge, NULL };

/* ---- world: a repository with a pull request ---------------------------- */

static const char BASE_LIB[] = "pub fn a(v: &[u8]) -> usize {\n    v.len()\n}\n";
static const char HEAD_LIB[] =
	"pub fn a(v: &[u8]) -> usize {\n    v.len()\n}\n\n"
	"pub fn b(s: Option<u8>) -> u8 {\n    s.unwrap()\n}\n";

struct world {
	char *dir;
	char *bare;
	char *base_sha;
	char *head_sha;
	struct rr_config cfg;
	struct queue *q;
	struct metrics *m;
	struct review_engine *engine;
	int64_t now;
};
static struct world W;

static int64_t test_clock(void *ctx)
{
	(void)ctx;
	return W.now;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define GIT "git -c user.name=Dev -c user.email=dev@example.com -c init.defaultBranch=main "

static void build_repository(void)
{
	char path[1024];
	assert_int_equal(tu_sh("cd '%s' && " GIT "init -q --bare hello.git && " GIT "init -q work",
			       W.dir), 0);
	assert_int_equal(tu_sh("mkdir -p '%s/work/src'", W.dir), 0);
	snprintf(path, sizeof(path), "%s/work/src/lib.rs", W.dir);
	write_file(path, BASE_LIB);
	assert_int_equal(tu_sh("cd '%s/work' && " GIT "checkout -q -b main && " GIT "add -A && "
			       GIT "commit -q -m base", W.dir), 0);
	W.base_sha = tu_sh_out("cd '%s/work' && git rev-parse HEAD", W.dir);
	write_file(path, HEAD_LIB);
	assert_int_equal(tu_sh("cd '%s/work' && " GIT "commit -q -am feature", W.dir), 0);
	W.head_sha = tu_sh_out("cd '%s/work' && git rev-parse HEAD", W.dir);
	assert_int_equal(tu_sh("cd '%s/work' && " GIT "push -q ../hello.git %s:refs/heads/main "
			       "%s:refs/pull/7/head", W.dir, W.base_sha, W.head_sha), 0);
	assert_true(asprintf(&W.bare, "%s/hello.git", W.dir) > 0);
}

static int world_up(void **state)
{
	struct rr_error err = { 0 };
	char path[1024];
	(void)state;
	rr_log_set_level(RR_LOG_ERROR);    /* keep the test output readable */
	W.dir = tu_mkdtemp("worker");
	assert_non_null(W.dir);
	build_repository();
	snprintf(path, sizeof(path), "%s/data", W.dir);
	setenv("RUSTREVIEW_DATA_DIR", path, 1);
	setenv("RUSTREVIEW_WORKERS", "2", 1);
	setenv("RUSTREVIEW_FAKE_WEBHOOK_SECRET", "x", 1);
	assert_int_equal(config_load(&W.cfg, test_forges, &err), RR_OK);
	assert_int_equal(rr_mkdirs(W.cfg.data_dir, &err), RR_OK);
	assert_int_equal(repo_global_init(&err), RR_OK);
	assert_int_equal(queue_open(&W.q, W.cfg.database_path, &err), RR_OK);
	assert_int_equal(metrics_new(&W.m, &err), RR_OK);
	assert_int_equal(review_engine_new(&W.engine, &err), RR_OK);
	assert_true(asprintf(&mirror_lock_path, "%s/mirrors/fake/octo/hello.git.lock",
			     W.cfg.data_dir) > 0);
	W.now = 1000000;
	queue_set_clock(W.q, test_clock, NULL);
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	review_engine_free(W.engine);
	metrics_free(W.m);
	queue_close(W.q);
	config_free(&W.cfg);
	repo_global_shutdown();
	tu_rmrf(W.dir);
	free(mirror_lock_path);
	free(W.bare);
	free(W.base_sha);
	free(W.head_sha);
	free(W.dir);
	return 0;
}

static int64_t enqueue(const char *delivery, const char *base_sha, const char *head_sha)
{
	struct review_request rq = {
		.forge = (char *)"fake", .delivery_id = (char *)delivery,
		.event = (char *)"pull_request", .action = (char *)"opened",
		.owner = (char *)"octo", .repo = (char *)"hello", .clone_url = W.bare,
		.number = 7, .base_ref = (char *)"main", .base_sha = (char *)base_sha,
		.head_sha = (char *)head_sha,
	};
	struct rr_error err = { 0 };
	int64_t id = 0;
	bool dup = false;
	assert_int_equal(queue_enqueue(W.q, &rq, &id, &dup, &err), RR_OK);
	assert_false(dup);
	return id;
}

/* Claims the next job and runs it in this thread. */
static int run_next(int64_t expect_id)
{
	struct rr_error err = { 0 };
	struct job job;
	int rc;
	assert_int_equal(queue_claim(W.q, WORKER_LEASE_S, &job, &err), RR_OK);
	assert_int_equal(job.id, expect_id);
	rc = worker_run_job(W.engine, &W.cfg, W.q, W.m, &job);
	job_free(&job);
	return rc;
}

static struct job get_job(int64_t id)
{
	struct rr_error err = { 0 };
	struct job j;
	assert_int_equal(queue_get(W.q, id, &j, &err), RR_OK);
	return j;
}

/* ---- tests -------------------------------------------------------------- */

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(worker_backoff_s(0, 0), 1);
	assert_int_equal(worker_backoff_s(3, 0), 8);
	assert_int_equal(worker_backoff_s(3, 60), 60);
	assert_int_equal(worker_backoff_s(9, 0), 512);
	assert_int_equal(worker_backoff_s(10, 0), 600);
	assert_int_equal(worker_backoff_s(40, 0), 600);
	/* The forge's own wait is honoured however long; only ours is capped. */
	assert_int_equal(worker_backoff_s(1, 3600), 3600);
	for (int i = 0; i < 50; i++) {
		unsigned d = worker_backoff_jitter_s(3, 60);
		assert_true(d >= 60 && d <= 75);
	}
}

static void test_job_is_reviewed_and_published(void **state)
{
	(void)state;
	publish_rc = RR_OK;
	int64_t id = enqueue("w-1", W.base_sha, W.head_sha);
	assert_int_equal(run_next(id), RR_OK);
	assert_int_equal(publish_calls, 1);
	assert_true(creds_asked);
	/* Only the added line is reported; the mirror was unlocked before publishing. */
	assert_int_equal(npublished, 1);
	assert_string_equal(published[0], "src/lib.rs:6:unwrap_used");
	assert_false(mirror_locked_during_publish);
	assert_string_equal(status_seen, "failing|1 finding at or above the failing severity");
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_DONE);
	assert_null(j.last_error);
	job_free(&j);

	struct rr_buf b = RR_BUF_INIT;
	struct rr_error err = { 0 };
	assert_int_equal(metrics_render(W.m, W.q, &b, &err), RR_OK);
	assert_non_null(strstr(b.data, "rustreview_reviews_posted_total 1\n"));
	assert_non_null(strstr(b.data, "rustreview_comments_posted_total 1\n"));
	assert_non_null(strstr(b.data, "rustreview_jobs_finished_total{outcome=\"done\"} 1\n"));
	assert_non_null(strstr(b.data, "rustreview_review_duration_seconds_count 1\n"));
	rr_buf_free(&b);
}

static void test_files_over_the_limits_are_named_in_a_notice(void **state)
{
	(void)state;
	publish_rc = RR_OK;
	W.cfg.max_file_bytes = 16;          /* src/lib.rs is larger: skipped */
	int64_t id = enqueue("w-limits", W.base_sha, W.head_sha);
	assert_int_equal(run_next(id), RR_OK);
	W.cfg.max_file_bytes = CONFIG_DEFAULT_MAX_FILE_BYTES;
	assert_int_equal(npublished, 0);
	assert_string_equal(status_seen, "passing|no findings");
	assert_string_equal(published_notice,
			    "**rustreview did not review 1 changed Rust file**: over the "
			    "per-pull-request limits (at most 300 files, each at most 16 bytes; "
			    "`RUSTREVIEW_MAX_FILES`, `RUSTREVIEW_MAX_FILE_BYTES`).");
}

static void test_transient_publish_failure_is_retried_with_backoff(void **state)
{
	(void)state;
	publish_rc = RR_ETRANSIENT;
	publish_retry_after = 42;
	int64_t id = enqueue("w-2", W.base_sha, W.head_sha);
	assert_int_equal(run_next(id), RR_ETRANSIENT);
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 1);
	/* Retry-After beats 2^0; jitter adds at most a quarter, never less. */
	assert_true(j.not_before >= W.now + 42 && j.not_before <= W.now + 42 + 11);
	/* the publisher names the pull request */
	assert_string_equal(j.last_error, "fake: octo/hello#7: HTTP 503 from the fake API");
	W.now = j.not_before;
	job_free(&j);

	publish_retry_after = 0;
	assert_int_equal(run_next(id), RR_ETRANSIENT);
	j = get_job(id);
	assert_int_equal(j.attempts, 2);
	assert_int_equal(j.not_before, W.now + 2);      /* 2^1 */
	job_free(&j);

	/* It then succeeds. */
	publish_rc = RR_OK;
	W.now += 2;
	assert_int_equal(run_next(id), RR_OK);
	j = get_job(id);
	assert_int_equal(j.state, JOB_DONE);
	job_free(&j);
}

static void test_missing_head_fails_for_good(void **state)
{
	(void)state;
	publish_rc = RR_OK;
	int before = publish_calls;
	int64_t id = enqueue("w-3", W.base_sha, "0123456789abcdef0123456789abcdef01234567");
	assert_int_equal(run_next(id), RR_EINVAL);
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_FAILED);
	assert_string_equal(j.last_error, "head commit not found after fetch");
	job_free(&j);
	assert_int_equal(publish_calls, before);
}

static void test_unknown_base_falls_back_to_the_base_branch(void **state)
{
	(void)state;
	publish_rc = RR_OK;
	int64_t id = enqueue("w-4", "fedcba9876543210fedcba9876543210fedcba98", W.head_sha);
	assert_int_equal(run_next(id), RR_OK);
	assert_int_equal(npublished, 1);
	assert_string_equal(published[0], "src/lib.rs:6:unwrap_used");
}

static void test_bad_request_json_fails(void **state)
{
	struct rr_error err = { 0 };
	struct job job = { 0 };
	(void)state;
	/* A row whose request cannot be read: fail, do not crash or retry. */
	int64_t id = enqueue("w-5", W.base_sha, W.head_sha);
	assert_int_equal(queue_claim(W.q, 60, &job, &err), RR_OK);
	free(job.request_json);
	job.request_json = rr_strdup("{\"forge\": 12");
	assert_int_not_equal(worker_run_job(W.engine, &W.cfg, W.q, W.m, &job), RR_OK);
	job_free(&job);
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_FAILED);
	assert_non_null(strstr(j.last_error, "bad request"));
	job_free(&j);
}

/* Every line of one delivery's runs, in order (the log read back as JSON). */
static json_t *lines_of(const char *log_path, const char *delivery)
{
	json_t *out = json_array();
	char *text = NULL;
	struct rr_error err = { 0 };

	assert_int_equal(rr_read_file(log_path, 0, &text, NULL, &err), RR_OK);
	for (char *p = text, *nl; *p; p = nl + 1) {
		json_error_t jerr;
		json_t *o;
		assert_non_null(nl = strchr(p, '\n'));
		assert_non_null(o = json_loadb(p, (size_t)(nl - p), 0, &jerr));
		if (json_is_string(json_object_get(o, "delivery")) &&
		    strcmp(json_string_value(json_object_get(o, "delivery")), delivery) == 0)
			json_array_append(out, o);
		json_decref(o);
	}
	free(text);
	return out;
}

static const char *event_of(json_t *line)
{
	return json_string_value(json_object_get(line, "event"));
}

/*
 * Issue 12: a job's lines carry its ids (numbers as numbers) on every line,
 * each run says how it ended, and the run that gives up says after how many
 * attempts and why.
 */
static void test_a_job_that_gives_up_says_after_how_many_attempts_and_why(void **state)
{
	static const char *const run[] = { "job.claimed", "job.fetched", "job.reviewed",
					   "review.failed" };
	char *log_path = NULL, *head = W.head_sha;
	unsigned saved_retry_for = W.cfg.retry_for_s;
	json_t *lines;
	int fd;
	(void)state;
	assert_true(asprintf(&log_path, "%s/worker-log.jsonl", W.dir) > 0);
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	rr_log_set_fd(fd);
	rr_log_set_level(RR_LOG_INFO);
	publish_rc = RR_ETRANSIENT;
	publish_retry_after = 0;
	queue_set_retry_for(W.q, 3);
	W.cfg.retry_for_s = 3;
	int64_t id = enqueue("w-gives-up", W.base_sha, head);
	/* Retried after 1 s, then 2 s; the third run would wait 4 s: past the 3 s window. */
	assert_int_equal(run_next(id), RR_ETRANSIENT);
	W.now += 1;
	assert_int_equal(run_next(id), RR_ETRANSIENT);
	W.now += 2;
	assert_int_equal(run_next(id), RR_ETRANSIENT);
	rr_log_set_level(RR_LOG_ERROR);
	rr_log_set_fd(2);
	close(fd);
	queue_set_retry_for(W.q, QUEUE_DEFAULT_RETRY_FOR_S);
	W.cfg.retry_for_s = saved_retry_for;
	publish_rc = RR_OK;
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_FAILED);
	job_free(&j);

	lines = lines_of(log_path, "w-gives-up");
	assert_int_equal(json_array_size(lines), 15);
	for (size_t i = 0; i < 15; i++) {
		json_t *l = json_array_get(lines, i);
		int attempt = (int)(i / 5) + 1;
		const char *want = i % 5 < 4 ? run[i % 5] : attempt < 3 ? "job.retry" : "job.failed";
		assert_string_equal(event_of(l), want);
		assert_string_equal(json_string_value(json_object_get(l, "forge")), "fake");
		assert_string_equal(json_string_value(json_object_get(l, "repository")), "octo/hello");
		assert_string_equal(json_string_value(json_object_get(l, "head")), head);
		assert_true(json_is_integer(json_object_get(l, "number")));
		assert_int_equal(json_integer_value(json_object_get(l, "number")), 7);
		assert_int_equal(json_integer_value(json_object_get(l, "job")), id);
		assert_true(json_is_integer(json_object_get(l, "attempt")));
		assert_int_equal(json_integer_value(json_object_get(l, "attempt")), attempt);
	}
	json_t *retry = json_array_get(lines, 4), *failed = json_array_get(lines, 14);
	assert_string_equal(json_string_value(json_object_get(retry, "level")), "warn");
	assert_int_equal(json_integer_value(json_object_get(retry, "retry_in_s")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 9), "retry_in_s")),
			 2);
	assert_string_equal(json_string_value(json_object_get(retry, "error")),
			    "fake: octo/hello#7: HTTP 503 from the fake API");
	assert_string_equal(json_string_value(json_object_get(failed, "level")), "error");
	assert_int_equal(json_integer_value(json_object_get(failed, "attempts")), 3);
	assert_true(json_is_true(json_object_get(failed, "gave_up")));
	assert_string_equal(json_string_value(json_object_get(failed, "message")),
			    "gave up after 3 attempts: transient failures are retried for 3 s "
			    "(RUSTREVIEW_RETRY_FOR); the last error: fake: octo/hello#7: HTTP 503 "
			    "from the fake API");
	json_decref(lines);
	unlink(log_path);
	free(log_path);
}

static void test_pool_picks_up_jobs_and_stops(void **state)
{
	struct worker_pool *pool = NULL;
	struct rr_error err = { 0 };
	(void)state;
	publish_rc = RR_OK;
	queue_set_clock(W.q, NULL, NULL);          /* real time for the threads */
	assert_int_equal(worker_pool_start(&pool, &W.cfg, W.q, W.m, &err), RR_OK);
	int before = publish_calls;
	int64_t id = enqueue("w-6", W.base_sha, W.head_sha);
	for (int i = 0; i < 200; i++) {        /* at most 10 s */
		struct job j = get_job(id);
		enum job_state s = j.state;
		job_free(&j);
		if (s == JOB_DONE)
			break;
		usleep(50000);
	}
	struct job j = get_job(id);
	assert_int_equal(j.state, JOB_DONE);
	job_free(&j);
	assert_int_equal(publish_calls, before + 1);
	uint64_t t0 = rr_now_ms();
	worker_pool_stop(pool);
	assert_true(rr_now_ms() - t0 < 1500);  /* idle workers stop promptly */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_job_is_reviewed_and_published),
		cmocka_unit_test(test_files_over_the_limits_are_named_in_a_notice),
		cmocka_unit_test(test_transient_publish_failure_is_retried_with_backoff),
		cmocka_unit_test(test_missing_head_fails_for_good),
		cmocka_unit_test(test_unknown_base_falls_back_to_the_base_branch),
		cmocka_unit_test(test_bad_request_json_fails),
		cmocka_unit_test(test_a_job_that_gives_up_says_after_how_many_attempts_and_why),
		cmocka_unit_test(test_pool_picks_up_jobs_and_stops),
	};
	return cmocka_run_group_tests_name("worker", tests, world_up, world_down);
}
