/* test_metrics.c — the Prometheus exposition: labelled counters, gauges,
 * histograms (cumulative buckets, _sum, _count), escaping, the cap on label
 * sets, build_info, and what counts as a review posted. */
#include "testutil.h"

#include "../../bot/metrics.h"
#include "../../handlers/api.h"
#include "../../common/rr.h"
#include "../../common/version.h"

static char *render(struct metrics *m)
{
	struct rr_buf b = RR_BUF_INIT;
	struct rr_error err = { 0 };
	assert_int_equal(metrics_render(m, NULL, &b, &err), RR_OK);
	return rr_buf_detach(&b);
}

static struct metrics *fresh(void)
{
	struct metrics *m = NULL;
	struct rr_error err = { 0 };
	assert_int_equal(metrics_new(&m, &err), RR_OK);
	return m;
}

static void test_review_duration_is_a_histogram(void **state)
{
	struct metrics *m = fresh();
	char *out;
	(void)state;
	metrics_review(m, true, 3, 40);        /* 0.04 s: in le=0.05 and up */
	metrics_review(m, true, 2, 1500);      /* 1.5 s: in le=2.5 and up */
	metrics_review(m, false, 0, 400000);   /* 400 s: only +Inf */
	out = render(m);
	assert_non_null(strstr(out,
		"# HELP rustreview_review_duration_seconds Time from claiming a job to its review "
		"settled (fetch, review, publish).\n"
		"# TYPE rustreview_review_duration_seconds histogram\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.005\"} 0\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.01\"} 0\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.025\"} 0\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.05\"} 1\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.1\"} 1\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.25\"} 1\n"
		"rustreview_review_duration_seconds_bucket{le=\"0.5\"} 1\n"
		"rustreview_review_duration_seconds_bucket{le=\"1\"} 1\n"
		"rustreview_review_duration_seconds_bucket{le=\"2.5\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"5\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"10\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"30\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"60\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"120\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"300\"} 2\n"
		"rustreview_review_duration_seconds_bucket{le=\"+Inf\"} 3\n"
		"rustreview_review_duration_seconds_sum 401.54\n"
		"rustreview_review_duration_seconds_count 3\n"));
	/* The run that had nothing new to post is timed, not counted as a review. */
	assert_non_null(strstr(out, "rustreview_reviews_posted_total 2\n"));
	assert_non_null(strstr(out, "rustreview_comments_posted_total 5\n"));
	free(out);
	metrics_free(m);
}

static void test_a_value_on_a_bucket_bound_falls_in_that_bucket(void **state)
{
	struct metrics *m = fresh();
	char *out;
	(void)state;
	metrics_observe(m, METRIC_REVIEW_DURATION, NULL, 0.25);
	metrics_observe(m, METRIC_REVIEW_DURATION, NULL, 0.0);
	out = render(m);
	assert_non_null(strstr(out, "_bucket{le=\"0.005\"} 1\n"));
	assert_non_null(strstr(out, "_bucket{le=\"0.1\"} 1\n"));
	assert_non_null(strstr(out, "_bucket{le=\"0.25\"} 2\n"));
	assert_non_null(strstr(out, "rustreview_review_duration_seconds_sum 0.25\n"));
	free(out);
	metrics_free(m);
}

static void test_labelled_counters_escape_and_cap_their_label_sets(void **state)
{
	struct metrics *m = fresh();
	char *out, forge[32];
	(void)state;
	metrics_delivery(m, "github", 202, "pull_request", "queued");
	metrics_delivery(m, "github", 202, "pull_request", "queued");
	metrics_delivery(m, "a\"b\\c\nd", 401, NULL, "unauthorized");
	out = render(m);
	assert_non_null(strstr(out, "rustreview_webhook_deliveries_total{forge=\"github\",code=\"202\"} 2\n"));
	assert_non_null(strstr(out, "rustreview_webhook_deliveries_total{forge=\"a\\\"b\\\\c\\nd\",code=\"401\"} 1\n"));
	assert_null(strstr(out, "forge=\"other\""));
	free(out);
	/* Past METRICS_MAX_SERIES label sets, the rest is counted under "other". */
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(forge, sizeof(forge), "f%d", i);
		metrics_delivery(m, forge, 200, "ping", "ignored");
	}
	out = render(m);
	assert_non_null(strstr(out, "rustreview_webhook_deliveries_total{forge=\"other\",code=\"other\"} 12\n"));
	assert_non_null(strstr(out, "{forge=\"f125\",code=\"200\"} 1\n"));
	assert_null(strstr(out, "{forge=\"f126\""));
	free(out);
	metrics_free(m);
}

static void test_job_outcomes_show_from_the_start_and_build_info_is_there(void **state)
{
	struct metrics *m = fresh();
	char *out, line[160];
	(void)state;
	metrics_job_finished(m, METRICS_JOB_RETRIED);
	metrics_job_finished(m, METRICS_JOB_OUTCOMES);      /* out of range: ignored */
	out = render(m);
	assert_non_null(strstr(out, "rustreview_jobs_finished_total{outcome=\"done\"} 0\n"
				    "rustreview_jobs_finished_total{outcome=\"retried\"} 1\n"
				    "rustreview_jobs_finished_total{outcome=\"failed\"} 0\n"));
	snprintf(line, sizeof(line), "# TYPE rustreview_build_info gauge\n"
		 "rustreview_build_info{version=\"%s\",commit=\"%s\"} 1\n", RR_VERSION, rr_build_commit);
	assert_non_null(strstr(out, line));
	/* Gauges: set, set again, labelled; numbers in Prometheus' spelling. */
	static const char *const gh[] = { "github" }, *const gl[] = { "gitlab" };
	metrics_set(m, METRIC_FORGE_ENABLED, gh, 0);
	metrics_set(m, METRIC_FORGE_ENABLED, gh, 1);
	metrics_set(m, METRIC_FORGE_ENABLED, gl, 0.5);
	free(out);
	out = render(m);
	assert_non_null(strstr(out, "# TYPE rustreview_forge_enabled gauge\n"
				    "rustreview_forge_enabled{forge=\"github\"} 1\n"
				    "rustreview_forge_enabled{forge=\"gitlab\"} 0.5\n"));
	/* A metric of the wrong kind is not updated (a counter is not observed). */
	metrics_observe(m, METRIC_REVIEWS_POSTED, NULL, 1);
	metrics_set(m, METRIC_REVIEWS_POSTED, NULL, 5);
	free(out);
	out = render(m);
	assert_non_null(strstr(out, "rustreview_reviews_posted_total 0\n"));
	free(out);
	metrics_free(m);
}

/* By forge, event and outcome; an event the forge did not vouch for is "unknown". */
static void test_deliveries_by_forge_event_and_outcome(void **state)
{
	struct metrics *m = fresh();
	char *out;
	(void)state;
	metrics_delivery(m, "github", 202, "pull_request", "queued");
	metrics_delivery(m, "github", 200, "pull_request", "duplicate");
	metrics_delivery(m, "github", 401, NULL, "unauthorized");
	metrics_delivery(m, "github", 401, "", "unauthorized");
	metrics_delivery(m, "gitlab", 200, "Note Hook", "ignored");
	out = render(m);
	assert_non_null(strstr(out,
		"# HELP rustreview_deliveries_total Webhook deliveries by forge, event (unknown until "
		"authenticated) and outcome.\n"
		"# TYPE rustreview_deliveries_total counter\n"
		"rustreview_deliveries_total{forge=\"github\",event=\"pull_request\",outcome=\"queued\"} 1\n"
		"rustreview_deliveries_total{forge=\"github\",event=\"pull_request\",outcome=\"duplicate\"} 1\n"
		"rustreview_deliveries_total{forge=\"github\",event=\"unknown\",outcome=\"unauthorized\"} 2\n"
		"rustreview_deliveries_total{forge=\"gitlab\",event=\"Note Hook\",outcome=\"ignored\"} 1\n"
		"# HELP "));
	free(out);
	metrics_free(m);
}

/* The api_client observer: calls by forge, operation and status class (no
 * answer at all is "error"), and the last rate-limit remaining a forge sent. */
static void test_forge_api_calls_and_rate_limit_remaining(void **state)
{
	struct metrics *m = fresh();
	struct api_call_report r = { "post_review", 200, 0.1, 4999, false };
	char *out;
	(void)state;
	metrics_api_call(m, "github", &r);
	r.status = 201;
	r.ratelimit_remaining = 4998;
	metrics_api_call(m, "github", &r);
	r.status = 422;
	r.ratelimit_remaining = -1;               /* no header: the gauge keeps 4998 */
	metrics_api_call(m, "github", &r);
	r = (struct api_call_report){ NULL, 0, 10.0, -1, false };
	metrics_api_call(m, "github", &r);
	r = (struct api_call_report){ "list_discussions", 503, 0.2, -1, false };
	metrics_api_call(m, "gitlab", &r);
	out = render(m);
	assert_non_null(strstr(out,
		"# TYPE rustreview_forge_api_calls_total counter\n"
		"rustreview_forge_api_calls_total{forge=\"github\",operation=\"post_review\",code_class=\"2xx\"} 2\n"
		"rustreview_forge_api_calls_total{forge=\"github\",operation=\"post_review\",code_class=\"4xx\"} 1\n"
		"rustreview_forge_api_calls_total{forge=\"github\",operation=\"other\",code_class=\"error\"} 1\n"
		"rustreview_forge_api_calls_total{forge=\"gitlab\",operation=\"list_discussions\",code_class=\"5xx\"} 1\n"
		"# HELP "));
	assert_non_null(strstr(out,
		"# TYPE rustreview_forge_rate_limit_remaining gauge\n"
		"rustreview_forge_rate_limit_remaining{forge=\"github\"} 4998\n"
		"# HELP "));
	free(out);
	metrics_free(m);
}

/* Waits by cause, one run's time by outcome, a fetch's time: histograms with labels. */
static void test_waits_job_and_fetch_durations_are_labelled_histograms(void **state)
{
	struct metrics *m = fresh();
	char *out;
	(void)state;
	metrics_rate_limit_wait(m, "github", METRICS_WAIT_FORGE, 2);
	metrics_rate_limit_wait(m, "github", METRICS_WAIT_PACING, 46);
	metrics_rate_limit_wait(m, "github", METRICS_WAIT_PACING, 7200);
	metrics_rate_limit_wait(m, "github", METRICS_WAIT_CAUSES, 1);    /* ignored */
	metrics_job_duration(m, "gitea", "done", 0.3);
	metrics_job_duration(m, "gitea", "retried", 31);
	metrics_git_fetch(m, "gitea", 0.02);
	out = render(m);
	assert_non_null(strstr(out,
		"# TYPE rustreview_rate_limit_wait_seconds histogram\n"
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"forge\",le=\"1\"} 0\n"
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"forge\",le=\"5\"} 1\n"));
	assert_non_null(strstr(out,
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"pacing\",le=\"30\"} 0\n"
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"pacing\",le=\"60\"} 1\n"));
	assert_non_null(strstr(out,
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"pacing\",le=\"3600\"} 1\n"
		"rustreview_rate_limit_wait_seconds_bucket{forge=\"github\",cause=\"pacing\",le=\"+Inf\"} 2\n"
		"rustreview_rate_limit_wait_seconds_sum{forge=\"github\",cause=\"pacing\"} 7246\n"
		"rustreview_rate_limit_wait_seconds_count{forge=\"github\",cause=\"pacing\"} 2\n"));
	assert_non_null(strstr(out,
		"rustreview_job_duration_seconds_bucket{forge=\"gitea\",outcome=\"done\",le=\"0.25\"} 0\n"
		"rustreview_job_duration_seconds_bucket{forge=\"gitea\",outcome=\"done\",le=\"0.5\"} 1\n"));
	assert_non_null(strstr(out,
		"rustreview_job_duration_seconds_sum{forge=\"gitea\",outcome=\"retried\"} 31\n"
		"rustreview_job_duration_seconds_count{forge=\"gitea\",outcome=\"retried\"} 1\n"));
	assert_non_null(strstr(out,
		"rustreview_git_fetch_duration_seconds_bucket{forge=\"gitea\",le=\"0.025\"} 1\n"));
	assert_null(strstr(out, "cause=\"other\""));
	free(out);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_review_duration_is_a_histogram),
		cmocka_unit_test(test_a_value_on_a_bucket_bound_falls_in_that_bucket),
		cmocka_unit_test(test_labelled_counters_escape_and_cap_their_label_sets),
		cmocka_unit_test(test_job_outcomes_show_from_the_start_and_build_info_is_there),
		cmocka_unit_test(test_deliveries_by_forge_event_and_outcome),
		cmocka_unit_test(test_forge_api_calls_and_rate_limit_remaining),
		cmocka_unit_test(test_waits_job_and_fetch_durations_are_labelled_histograms),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
