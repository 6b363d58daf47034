/* test_common.c — common/: errors, buffers, helpers, JSON log lines. */
#include "testutil.h"
#include "../../common/log.h"
#include "../../common/rr.h"

#include <fcntl.h>
#include <sys/stat.h>

static void test_error_set_and_wrap(void **state)
{
	struct rr_error err;
	(void)state;
	assert_int_equal(rr_error_set(&err, RR_EINVAL, "field %s", "head.sha"), RR_EINVAL);
	assert_string_equal(err.msg, "field head.sha");
	assert_int_equal(rr_error_wrap(&err, "parsing %s", "payload"), RR_EINVAL);
	assert_string_equal(err.msg, "parsing payload: field head.sha");
	rr_error_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(rr_error_set(NULL, RR_ERR, "ignored"), RR_ERR);
	assert_string_equal(rr_strcode(RR_EAUTH), "authentication failed");
}

static void test_error_wrap_truncates_safely(void **state)
{
	struct rr_error err;
	char big[600];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rr_error_set(&err, RR_ERR, "%s", big);
	rr_error_wrap(&err, "%s", big);
	assert_true(strlen(err.msg) < sizeof(err.msg));
}

static void test_buf_append_printf_detach(void **state)
{
	struct rr_buf b = RR_BUF_INIT;
	char *s;
	(void)state;
	assert_int_equal(rr_buf_puts(&b, "abc"), 0);
	assert_int_equal(rr_buf_printf(&b, "-%d-", 42), 0);
	assert_int_equal(rr_buf_append(&b, "\0z", 2), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "abc-42-\0z", 9);
	s = rr_buf_detach(&b);
	assert_null(b.data);
	assert_string_equal(s, "abc-42-");
	free(s);
	s = rr_buf_detach(&b);          /* empty detaches as "" */
	assert_string_equal(s, "");
	free(s);
}

static void test_buf_max_is_enforced(void **state)
{
	struct rr_buf b = RR_BUF_INIT;
	(void)state;
	b.max = 4;
	assert_int_equal(rr_buf_puts(&b, "1234"), 0);
	assert_int_equal(rr_buf_puts(&b, "5"), RR_ETOOBIG);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "1234");
	rr_buf_free(&b);
}

static void test_consttime_eq(void **state)
{
	(void)state;
	assert_true(rr_consttime_eq("abc", 3, "abc", 3));
	assert_false(rr_consttime_eq("abc", 3, "abd", 3));
	assert_false(rr_consttime_eq("abc", 3, "abcd", 4));
	assert_true(rr_consttime_eq("", 0, "", 0));
}

static void test_read_file_and_mkdirs(void **state)
{
	struct rr_error err;
	char *dir = tu_mkdtemp("common"), *path = NULL, *data = NULL;
	size_t len = 0;
	struct stat st;
	(void)state;
	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/a/b/c", dir) > 0);
	assert_int_equal(rr_mkdirs(path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(rr_mkdirs(path, &err), 0);           /* idempotent */
	assert_int_equal(tu_sh("printf 'hello\\n' > '%s/f'", path), 0);
	free(path);
	assert_true(asprintf(&path, "%s/a/b/c/f", dir) > 0);
	assert_int_equal(rr_read_file(path, 0, &data, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "hello\n");
	free(data);
	assert_int_equal(rr_read_file(path, 3, &data, &len, &err), RR_ETOOBIG);
	assert_non_null(strstr(err.msg, "larger than 3 bytes"));
	free(path);
	assert_true(asprintf(&path, "%s/missing", dir) > 0);
	assert_int_equal(rr_read_file(path, 0, &data, &len, &err), RR_ENOTFOUND);
	assert_non_null(strstr(err.msg, "missing"));
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static void test_hex_and_secret_free(void **state)
{
	const unsigned char in[] = { 0x00, 0x7f, 0xab, 0xff };
	char out[9];
	(void)state;
	rr_hex(in, sizeof(in), out);
	assert_string_equal(out, "007fabff");
	rr_secret_free(rr_strdup("s3cret"));
	rr_secret_free(NULL);
	assert_null(rr_strdup(NULL));
}

static void test_log_writes_one_escaped_json_line(void **state)
{
	char *dir = tu_mkdtemp("log"), *path = NULL, *data = NULL;
	struct rr_error err;
	size_t len;
	int fd;
	(void)state;
	assert_true(asprintf(&path, "%s/log", dir) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	rr_log_set_fd(fd);
	rr_log_set_level(RR_LOG_INFO);
	rr_log(RR_LOG_DEBUG, "hidden", "k", "v", NULL);
	rr_log(RR_LOG_WARN, "webhook.rejected", "reason", "bad \"sig\"\n\x01", "delivery", NULL, NULL);
	rr_log_set_fd(2);
	close(fd);
	assert_int_equal(rr_read_file(path, 0, &data, &len, &err), 0);
	assert_null(strstr(data, "hidden"));
	assert_non_null(strstr(data, "\"level\":\"warn\",\"event\":\"webhook.rejected\","
				     "\"reason\":\"bad \\\"sig\\\"\\n\\u0001\",\"delivery\":null}\n"));
	assert_int_equal(data[len - 1], '\n');
	assert_ptr_equal(strchr(data, '\n'), data + len - 1);   /* exactly one line */
	free(data);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static void test_array_grow(void **state)
{
	size_t cap = 0;
	int *v = NULL, *p;
	(void)state;

	p = rr_array_grow(v, &cap, sizeof(*v), 4);      /* empty: to first */
	assert_non_null(p);
	assert_int_equal(cap, 4);
	v = p;
	for (int i = 0; i < 4; i++)
		v[i] = i;
	p = rr_array_grow(v, &cap, sizeof(*v), 4);      /* full: doubled, contents kept */
	assert_non_null(p);
	assert_int_equal(cap, 8);
	v = p;
	assert_int_equal(v[3], 3);
	/* A size that would overflow: NULL, and the array and capacity stay. */
	size_t huge = SIZE_MAX / 2 + 1;
	assert_null(rr_array_grow(v, &huge, sizeof(*v), 4));
	assert_int_equal(huge, SIZE_MAX / 2 + 1);
	assert_int_equal(v[0], 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_set_and_wrap),
		cmocka_unit_test(test_error_wrap_truncates_safely),
		cmocka_unit_test(test_buf_append_printf_detach),
		cmocka_unit_test(test_buf_max_is_enforced),
		cmocka_unit_test(test_consttime_eq),
		cmocka_unit_test(test_read_file_and_mkdirs),
		cmocka_unit_test(test_hex_and_secret_free),
		cmocka_unit_test(test_log_writes_one_escaped_json_line),
		cmocka_unit_test(test_array_grow),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
