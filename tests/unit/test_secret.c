/* test_secret.c — secret memory, secret files, strength estimate, origins. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../common/secret.h"
#include "../../common/url.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

static void test_secret_heap_holds_and_wipes(void **state)
{
	struct rr_error err = { 0 };
	bool locked = false;
	char *s;
	(void)state;

	/* Before the heap: the ordinary heap, still a faithful copy. */
	s = rr_secret_dup("before-the-heap");
	assert_non_null(s);
	assert_false(rr_secret_is_protected(s));
	assert_string_equal(s, "before-the-heap");
	rr_secret_free(s);

	assert_int_equal(rr_secret_heap_init((size_t)1 << 16, &locked, &err), RR_OK);
	s = rr_secret_ndup("tok-123456", 7);
	assert_non_null(s);
	assert_true(rr_secret_is_protected(s));
	assert_string_equal(s, "tok-123");
	rr_secret_free(s);
	assert_null(rr_secret_dup(NULL));
	rr_secret_free(NULL);
	/* A second init keeps the heap. */
	assert_int_equal(rr_secret_heap_init((size_t)1 << 16, &locked, &err), RR_OK);
}

static void test_wipe_realloc_keeps_content(void **state)
{
	char *p = malloc(8), *q;
	(void)state;
	assert_non_null(p);
	memcpy(p, "1234567", 8);
	q = rr_wipe_realloc(p, 4096);
	assert_non_null(q);
	assert_string_equal(q, "1234567");
	q = rr_wipe_realloc(q, 2);      /* shrinking keeps the block */
	assert_non_null(q);
	assert_int_equal(q[0], '1');
	assert_null(rr_wipe_realloc(q, 0));
	rr_wipe_free(NULL);
}

static void test_secret_read_file(void **state)
{
	char *dir = tu_mkdtemp("secret"), *path = NULL, *out = NULL;
	struct rr_error err = { 0 };
	size_t len = 0;
	(void)state;

	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/key", dir) > 0);
	assert_int_equal(tu_sh("printf 'line1\\nline2\\n' > '%s'", path), 0);
	assert_int_equal(rr_secret_read_file(path, 1024, &out, &len, &err), RR_OK);
	assert_int_equal(len, 12);
	assert_string_equal(out, "line1\nline2\n");
	rr_secret_free(out);
	assert_int_equal(rr_secret_read_file(path, 4, &out, &len, &err), RR_ERR);
	assert_non_null(strstr(err.msg, "larger than 4 bytes"));
	assert_null(out);
	assert_int_equal(rr_secret_read_file(dir, 1024, &out, &len, &err), RR_ERR);
	assert_non_null(strstr(err.msg, "not a regular file"));
	free(path);
	assert_true(asprintf(&path, "%s/absent", dir) > 0);
	assert_int_equal(rr_secret_read_file(path, 1024, &out, &len, &err), RR_ENOTFOUND);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static void test_strength_estimate(void **state)
{
	(void)state;
	/* `openssl rand -hex 32` */
	assert_int_equal(rr_secret_strength_bits(
		"9f2c4e81d07a3b5c6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"), 256);
	assert_true(rr_secret_strength_bits("0123456789abcdef0123456789abcdef") < 256);
	assert_true(rr_secret_strength_bits("x") < 8);
	assert_true(rr_secret_strength_bits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") < 8);
	assert_true(rr_secret_strength_bits("abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc") < 8);
	assert_true(rr_secret_strength_bits("hunter2") < 64);
	assert_true(rr_secret_strength_bits(
		"Zq7-pL2_xW9mRt4vBn8cKy3jHs6dFg1aQe5uIo0zXw2cVb7nMl4kJh9gFd3sAq6wEr8tYu1") >= 256);
	assert_int_equal(rr_secret_strength_bits(""), 0);
	assert_int_equal(rr_secret_strength_bits(NULL), 0);
}

static void test_same_origin(void **state)
{
	(void)state;
	assert_true(rr_url_same_origin("https://git.example.com/a/b.git", "https://GIT.example.com:443/x"));
	assert_true(rr_url_same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"));
	assert_false(rr_url_same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a"));
	assert_false(rr_url_same_origin("http://localhost:8080/a", "http://127.0.0.1:8080/a"));
	assert_false(rr_url_same_origin("https://h/a", "http://h/a"));
	assert_false(rr_url_same_origin("ftp://h/a", "ftp://h/a"));
	assert_false(rr_url_same_origin("not a url", "not a url"));
	assert_false(rr_url_same_origin(NULL, "http://h/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_heap_holds_and_wipes),
		cmocka_unit_test(test_wipe_realloc_keeps_content),
		cmocka_unit_test(test_secret_read_file),
		cmocka_unit_test(test_strength_estimate),
		cmocka_unit_test(test_same_origin),
	};
	return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
