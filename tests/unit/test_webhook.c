/* test_webhook.c — the intake checks every forge shares (handlers/webhook.c):
 * HMAC and token comparison, repository names, the clone-URL guard (origin and
 * the payload's own repository path, issue 14), and the page-URL helper the
 * listings use. */
#include "testutil.h"

#include "../../handlers/api.h"
#include "../../handlers/webhook.h"

static struct http_request req_with(struct http_header *h, size_t n, const char *body)
{
	struct http_request r = { "POST", "/webhooks/x", h, n, body, body ? strlen(body) : 0 };
	return r;
}

static void test_hmac_prefix_and_bare_hex(void **state)
{
	/* GitHub's documented vector, as sha256=<hex> and as Gitea's bare hex */
	struct http_header h[1] = { { "Sig", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" } };
	struct http_request r = req_with(h, 1, "Hello, World!");
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(webhook_verify_hmac("f", "It's a Secret to Everybody", &r, "Sig", "sha256=", &err), RR_OK);
	assert_int_equal(webhook_verify_hmac("f", "It's a Secret to Everybody", &r, "Sig", "", &err), RR_EAUTH);
	assert_string_equal(err.msg, "f webhook: Sig is not <64 hex digits>");
	h[0].value = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	assert_int_equal(webhook_verify_hmac("f", "It's a Secret to Everybody", &r, "Sig", "", &err), RR_OK);
	assert_int_equal(webhook_verify_hmac("f", "It's a Secret to Everybody!", &r, "Sig", "", &err), RR_EAUTH);
	assert_string_equal(err.msg, "f webhook: Sig does not match the body");
	assert_null(strstr(err.msg, "Secret to Everybody"));
	assert_int_equal(webhook_verify_hmac("f", "", &r, "Sig", "", &err), RR_EAUTH);
	assert_string_equal(err.msg, "f webhook: no webhook secret configured");
}

static void test_token_comparison(void **state)
{
	struct http_header h[1] = { { "Token", "s3cret" } };
	struct http_request r = req_with(h, 1, "{}");
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(webhook_verify_token("f", "s3cret", &r, "Token", &err), RR_OK);
	h[0].value = "s3cre";
	assert_int_equal(webhook_verify_token("f", "s3cret", &r, "Token", &err), RR_EAUTH);
	h[0].value = "s3cret\n";
	assert_int_equal(webhook_verify_token("f", "s3cret", &r, "Token", &err), RR_EAUTH);
	assert_null(strstr(err.msg, "s3cret"));
	r.nheaders = 0;
	assert_int_equal(webhook_verify_token("f", "s3cret", &r, "Token", &err), RR_EAUTH);
	assert_string_equal(err.msg, "f webhook: Token header missing");
}

static void test_repository_paths(void **state)
{
	static const char *const ok_one[] = { "a", "Hello-World", ".github", "a.b_c-d", "x.git" };
	static const char *const bad[] = { "", ".", "..", "..x", "x..", "a..b", "a/b", "/a", "a/",
					   "a//b", "a b", "a\\b", "a%2fb", "a\x01", "é" };
	static const char *const ok_many[] = { "group/sub", "g/s/t/u", "Group/Sub-1" };
	char longseg[128];
	(void)state;
	for (size_t i = 0; i < sizeof(ok_one) / sizeof(*ok_one); i++)
		assert_true(webhook_path_ok(ok_one[i], false));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (webhook_path_ok(bad[i], false))
			fail_msg("'%s' accepted as a name", bad[i]);
		if (strcmp(bad[i], "a/b") != 0 && webhook_path_ok(bad[i], true))
			fail_msg("'%s' accepted as a path", bad[i]);
	}
	for (size_t i = 0; i < sizeof(ok_many) / sizeof(*ok_many); i++) {
		assert_true(webhook_path_ok(ok_many[i], true));
		assert_false(webhook_path_ok(ok_many[i], false));
	}
	assert_false(webhook_path_ok("g/../s", true));
	assert_false(webhook_path_ok("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v", true));   /* 22 */
	assert_true(webhook_path_ok("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u", true));      /* 21 */
	memset(longseg, 'a', 101);
	longseg[101] = '\0';
	assert_false(webhook_path_ok(longseg, false));
	longseg[100] = '\0';
	assert_true(webhook_path_ok(longseg, false));
}

static int clone(const char *base, const char *url, const char *owner, const char *repo,
		 struct rr_error *err)
{
	return webhook_check_clone_url("f", "clone_url", "RUSTREVIEW_F_URL", base, url, owner, repo, err);
}

static void test_clone_url_is_the_payloads_repository(void **state)
{
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(clone("https://h.example", "https://h.example/octo/demo.git", "octo", "demo", &err), RR_OK);
	assert_int_equal(clone("https://h.example", "https://h.example/octo/demo", "octo", "demo", &err), RR_OK);
	assert_int_equal(clone("https://h.example", "https://H.EXAMPLE/Octo/Demo.GIT", "octo", "demo", &err), RR_OK);
	assert_int_equal(clone("https://h.example/", "https://h.example/g/s/p.git", "g/s", "p", &err), RR_OK);
	/* issue 14: another repository of the same host */
	assert_int_equal(clone("https://h.example", "https://h.example/secret-org/private.git", "octo", "demo", &err),
			 RR_EINVAL);
	assert_string_equal(err.msg, "f payload: field 'clone_url' is not the payload's own repository "
			    "(octo/demo)");
	assert_int_equal(clone("https://h.example", "https://h.example/octo/demo.git/../../x/y.git", "octo", "demo", &err),
			 RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://h.example/x/../octo/demo.git", "octo", "demo", &err),
			 RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://h.example/./octo/demo.git", "octo", "demo", &err),
			 RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://h.example/octo/demo.git.git", "octo", "demo", &err),
			 RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://h.example/octo/demo/info/refs", "octo", "demo", &err),
			 RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://h.example/g/demo.git", "g/s", "demo", &err), RR_EINVAL);
	/* under a relative URL root, only below it */
	assert_int_equal(clone("https://h.example/gitlab", "https://h.example/gitlab/g/p.git", "g", "p", &err), RR_OK);
	assert_int_equal(clone("https://h.example/gitlab", "https://h.example/g/p.git", "g", "p", &err), RR_EINVAL);
	assert_int_equal(clone("https://h.example/gitlab", "https://h.example/other/gitlab/g/p.git", "g", "p", &err),
			 RR_EINVAL);
	/* another origin, scheme or odd characters */
	assert_int_equal(clone("https://h.example", "https://evil.example/octo/demo.git", "octo", "demo", &err), RR_EINVAL);
	assert_string_equal(err.msg, "f payload: field 'clone_url' is not on the configured git host "
			    "(RUSTREVIEW_F_URL): it names https://evil.example");
	assert_int_equal(clone("https://h.example", "http://h.example/octo/demo.git", "octo", "demo", &err), RR_EINVAL);
	assert_int_equal(clone("https://h.example", "https://u:p@h.example/octo/demo.git", "octo", "demo", &err), RR_EINVAL);
	assert_int_equal(clone("https://h.example", "file:///srv/octo/demo.git", "octo", "demo", &err), RR_EINVAL);
	assert_int_equal(clone(NULL, "https://h.example/octo/demo.git", "octo", "demo", &err), RR_ECONFIG);
}

static void test_url_with_param(void **state)
{
	char *u;
	(void)state;
	u = api_url_with_param("https://h/api/x?per_page=100", "page", 2);
	assert_string_equal(u, "https://h/api/x?per_page=100&page=2");
	free(u);
	u = api_url_with_param("https://h/api/x?page=2&per_page=100", "page", 3);
	assert_string_equal(u, "https://h/api/x?per_page=100&page=3");
	free(u);
	u = api_url_with_param("https://h/api/x", "page", 4);
	assert_string_equal(u, "https://h/api/x?page=4");
	free(u);
	u = api_url_with_param("https://h/api/x?pages=1", "page", 5);
	assert_string_equal(u, "https://h/api/x?pages=1&page=5");
	free(u);
}

static void test_fields(void **state)
{
	static const char body[] = "{\"a\":true,\"b\":null,\"c\":\"x\",\"n\":7,\"z\":0,"
				   "\"sha\":\"ABCDEF0123456789abcdef0123456789ABCDEF01\"}";
	struct jsonscan_field f[7] = { { .path = "" }, { .path = "a" }, { .path = "b" },
				       { .path = "c" }, { .path = "n" }, { .path = "z" }, { .path = "sha" } };
	struct http_request r = { "POST", "/", NULL, 0, body, sizeof(body) - 1 };
	struct rr_error err = { 0 };
	bool v;
	long n;
	char *s = NULL;
	(void)state;
	assert_int_equal(webhook_scan("f", &r, f, 7, &err), RR_OK);
	assert_int_equal(webhook_take_bool("f", &f[1], &v, &err), RR_OK);
	assert_true(v);
	assert_int_equal(webhook_take_bool("f", &f[2], &v, &err), RR_OK);
	assert_false(v);
	assert_int_equal(webhook_take_bool("f", &f[3], &v, &err), RR_EINVAL);
	assert_string_equal(err.msg, "f payload: field 'c' is not a boolean");
	assert_int_equal(webhook_take_positive("f", &f[4], true, &n, &err), RR_OK);
	assert_int_equal(n, 7);
	assert_int_equal(webhook_take_positive("f", &f[5], true, &n, &err), RR_EINVAL);
	assert_int_equal(webhook_take_sha("f", &f[6], &s, &err), RR_OK);
	assert_string_equal(s, "abcdef0123456789abcdef0123456789abcdef01");
	free(s);
	assert_int_equal(webhook_take_sha("f", &f[3], &s, &err), RR_EINVAL);
	free(s);
	r.body = "[1]";
	r.body_len = 3;
	assert_int_equal(webhook_scan("f", &r, f, 1, &err), RR_EINVAL);
	assert_string_equal(err.msg, "f payload: not a JSON object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_prefix_and_bare_hex),
		cmocka_unit_test(test_token_comparison),
		cmocka_unit_test(test_repository_paths),
		cmocka_unit_test(test_clone_url_is_the_payloads_repository),
		cmocka_unit_test(test_url_with_param),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
