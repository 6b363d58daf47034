/* test_log.c — log lines are JSON objects with real types: numbers and
 * booleans from rr_log_kv, strings and null from both APIs; one line each. */
#include "testutil.h"

#include <jansson.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>

#include "../../common/log.h"
#include "../../common/rr.h"

static char *capture_dir, *capture_path;
static int capture_fd = -1;

static int log_to_file(void **state)
{
	(void)state;
	capture_dir = tu_mkdtemp("log");
	assert_non_null(capture_dir);
	assert_true(asprintf(&capture_path, "%s/log", capture_dir) > 0);
	capture_fd = open(capture_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(capture_fd >= 0);
	rr_log_set_fd(capture_fd);
	rr_log_set_level(RR_LOG_DEBUG);
	return 0;
}

static int log_to_stderr(void **state)
{
	(void)state;
	rr_log_set_fd(2);
	close(capture_fd);
	tu_rmrf(capture_dir);
	free(capture_path);
	free(capture_dir);
	capture_path = capture_dir = NULL;
	return 0;
}

static char *read_log(void)
{
	char *data = NULL;
	size_t len = 0;
	struct rr_error err = { 0 };
	assert_int_equal(rr_read_file(capture_path, 0, &data, &len, &err), RR_OK);
	return data;
}

static void test_typed_fields_are_json_numbers_and_booleans(void **state)
{
	json_error_t jerr;
	json_t *o;
	char *text;
	(void)state;
	rr_log_kv(RR_LOG_INFO, "webhook", RR_KV_STR("forge", "github"), RR_KV_INT("status", 202),
		  RR_KV_INT("delta", -3), RR_KV_UINT("ms", 4294967296ULL),
		  RR_KV_BOOL("completed", 1), RR_KV_BOOL("retried", 0),
		  RR_KV_DOUBLE("ratio", 0.25), RR_KV_DOUBLE("nan", NAN), RR_KV_STR("error", NULL),
		  RR_KV_STR("quote", "a\"b\n"));
	text = read_log();
	assert_non_null(strstr(text, "\"event\":\"webhook\",\"forge\":\"github\",\"status\":202,"
				     "\"delta\":-3,\"ms\":4294967296,\"completed\":true,"
				     "\"retried\":false,\"ratio\":0.25,\"nan\":null,\"error\":null,"
				     "\"quote\":\"a\\\"b\\n\"}\n"));
	/* one object on one line, and a JSON parser agrees on every type */
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
	o = json_loads(text, 0, &jerr);
	assert_non_null(o);
	assert_true(json_is_integer(json_object_get(o, "status")));
	assert_int_equal(json_integer_value(json_object_get(o, "delta")), -3);
	assert_true(json_is_true(json_object_get(o, "completed")));
	assert_true(json_is_false(json_object_get(o, "retried")));
	assert_true(json_is_real(json_object_get(o, "ratio")));
	assert_true(json_is_null(json_object_get(o, "error")));
	assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
	json_decref(o);
	free(text);
}

static void test_levels_below_the_threshold_are_dropped(void **state)
{
	char *text;
	(void)state;
	rr_log_set_level(RR_LOG_WARN);
	assert_false(rr_log_enabled(RR_LOG_INFO));
	assert_true(rr_log_enabled(RR_LOG_ERROR));
	rr_log_kv(RR_LOG_INFO, "quiet", RR_KV_INT("n", 1));
	rr_log(RR_LOG_DEBUG, "quieter", "k", "v", NULL);
	rr_log(RR_LOG_WARN, "loud", "k", "v", "none", NULL, NULL);
	text = read_log();
	assert_null(strstr(text, "quiet"));
	assert_non_null(strstr(text, "\"level\":\"warn\",\"event\":\"loud\",\"k\":\"v\",\"none\":null}\n"));
	free(text);
	rr_log_set_level(RR_LOG_INFO);
}

static void *log_from_another_thread(void *arg)
{
	(void)arg;
	rr_log_kv(RR_LOG_INFO, "elsewhere", RR_KV_INT("n", 2));
	return NULL;
}

/* A thread's context: on every line of that thread (both APIs), right after
 * "event"; a line's own key wins; other threads and cleared contexts do not
 * carry it; a null stays null. */
static void test_context_ids_go_on_every_line_of_the_thread(void **state)
{
	const struct rr_log_field ids[] = { RR_KV_STR("delivery", "d-7"), RR_KV_STR("forge", "fx"),
					    RR_KV_INT("number", 12), RR_KV_INT("attempt", 1),
					    RR_KV_NULL("job") };
	pthread_t t;
	char *text;
	(void)state;
	rr_log_context_set(ids, 5);
	rr_log_kv(RR_LOG_INFO, "job.fetched", RR_KV_UINT("ms", 40));
	rr_log(RR_LOG_INFO, "old.api", "path", "src/lib.rs", NULL);
	rr_log_kv(RR_LOG_INFO, "own.attempt", RR_KV_INT("attempt", 3), RR_KV_BOOL("x", 1));
	assert_int_equal(pthread_create(&t, NULL, log_from_another_thread, NULL), 0);
	pthread_join(t, NULL);
	rr_log_context_clear();
	rr_log_kv(RR_LOG_INFO, "after", RR_KV_INT("n", 3));
	text = read_log();
	assert_non_null(strstr(text, "\"event\":\"job.fetched\",\"delivery\":\"d-7\",\"forge\":\"fx\","
				     "\"number\":12,\"attempt\":1,\"job\":null,\"ms\":40}\n"));
	assert_non_null(strstr(text, "\"event\":\"old.api\",\"delivery\":\"d-7\",\"forge\":\"fx\","
				     "\"number\":12,\"attempt\":1,\"job\":null,\"path\":\"src/lib.rs\"}\n"));
	assert_non_null(strstr(text, "\"event\":\"own.attempt\",\"delivery\":\"d-7\",\"forge\":\"fx\","
				     "\"number\":12,\"job\":null,\"attempt\":3,\"x\":true}\n"));
	assert_non_null(strstr(text, "\"event\":\"elsewhere\",\"n\":2}\n"));
	assert_non_null(strstr(text, "\"event\":\"after\",\"n\":3}\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_typed_fields_are_json_numbers_and_booleans,
						log_to_file, log_to_stderr),
		cmocka_unit_test_setup_teardown(test_levels_below_the_threshold_are_dropped,
						log_to_file, log_to_stderr),
		cmocka_unit_test_setup_teardown(test_context_ids_go_on_every_line_of_the_thread,
						log_to_file, log_to_stderr),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
