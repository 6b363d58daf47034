/* test_metrics.c — the Prometheus exposition: labelled counters, gauges,
 * histograms (cumulative buckets, _sum, _count), escaping, the cap on label
 * sets, build_info, and what counts as a review posted. */
#include "testutil.h"

#include "../../bot/metrics.h"
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
	metrics_delivery(m, "github", 202);
	metrics_delivery(m, "github", 202);
	metrics_delivery(m, "a\"b\\c\nd", 401);
	out = render(m);
	assert_non_null(strstr(out, "rustreview_webhook_deliveries_total{forge=\"github\",code=\"202\"} 2\n"));
	assert_non_null(strstr(out, "rustreview_webhook_deliveries_total{forge=\"a\\\"b\\\\c\\nd\",code=\"401\"} 1\n"));
	assert_null(strstr(out, "forge=\"other\""));
	free(out);
	/* Past METRICS_MAX_SERIES label sets, the rest is counted under "other". */
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(forge, sizeof(forge), "f%d", i);
		metrics_delivery(m, forge, 200);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_review_duration_is_a_histogram),
		cmocka_unit_test(test_a_value_on_a_bucket_bound_falls_in_that_bucket),
		cmocka_unit_test(test_labelled_counters_escape_and_cap_their_label_sets),
		cmocka_unit_test(test_job_outcomes_show_from_the_start_and_build_info_is_there),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
