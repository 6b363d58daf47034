/* test_api.c — the REST client: Link parsing, retry hints, status classification,
 * keep-alive, limits. Network cases run against tests/e2e/fakegithub.py on 127.0.0.1
 * (its /_fake/inject endpoint plays the failing server). */
#include "testutil.h"
#include "fakegithub_testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include <curl/curl.h>

#include "../../common/rr.h"
#include "../../handlers/api.h"

#define PAT "ghp_test_personal_access_token_0123456789"

struct fake {
	pid_t pid;
	char *dir;
	char base[64];
};
static struct fake fake;

static int fake_start(void **state)
{
	char *pub = NULL;
	int rc = -1;
	(void)state;
	fake.dir = tu_mkdtemp("api");
	if (!fake.dir ||
	    tu_sh("openssl genrsa -out '%s/app.pem' 2048 2>/dev/null && "
		  "openssl rsa -in '%s/app.pem' -pubout -out '%s/app.pub.pem' 2>/dev/null",
		  fake.dir, fake.dir, fake.dir) != 0 ||
	    asprintf(&pub, "%s/app.pub.pem", fake.dir) < 0)
		return -1;
	const char *args[] = { "--app-id", "4242", "--public-key", pub, "--pat", PAT,
			       "--max-per-page", "2", NULL };
	rc = fake_github_start(fake.dir, args, &fake.pid, fake.base, sizeof(fake.base));
	free(pub);
	return rc;
}

static int fake_stop(void **state)
{
	(void)state;
	fake_github_stop(fake.pid);
	tu_rmrf(fake.dir);
	free(fake.dir);
	return 0;
}

static struct api_client *client_with(long timeout_ms, size_t max_bytes)
{
	struct api_client_options opt = { 0 };
	struct api_client *c = NULL;
	struct rr_error err = { 0 };
	opt.user_agent = "rustreview-test";
	opt.timeout_ms = timeout_ms;
	opt.max_response_bytes = max_bytes;
	opt.ratelimit_remaining_header = "X-RateLimit-Remaining";   /* the fake speaks GitHub's */
	opt.ratelimit_reset_header = "X-RateLimit-Reset";
	assert_int_equal(api_client_new(&c, &opt, &err), RR_OK);
	return c;
}

static char *url_of(const char *path)
{
	char *u = NULL;
	assert_true(asprintf(&u, "%s%s", fake.base, path) > 0);
	return u;
}

/* POSTs a control request to the fake (no auth) and expects 2xx. */
static void fake_post(struct api_client *c, const char *path, json_t *body)
{
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of(path);
	int rc = api_request(c, "POST", u, NULL, body, &r, &err);
	if (rc)
		fail_msg("%s: %s", path, err.msg);
	api_response_free(&r);
	json_decref(body);
	free(u);
}

static void inject(struct api_client *c, const char *method, const char *path, json_t *spec)
{
	json_object_set_new(spec, "method", json_string(method));
	json_object_set_new(spec, "path", json_string(path));
	fake_post(c, "/_fake/inject", spec);
}

/* ---- pure functions ----------------------------------------------------------- */

static void test_link_next_parsing(void **state)
{
	char *u;
	(void)state;
	u = api_link_next("<https://api.github.com/repositories/1/pulls/2/comments?per_page=100&page=2>; "
			  "rel=\"next\", <https://api.github.com/repositories/1/pulls/2/comments?per_page=100&page=5>; "
			  "rel=\"last\"");
	assert_string_equal(u, "https://api.github.com/repositories/1/pulls/2/comments?per_page=100&page=2");
	free(u);
	/* next after prev, extra spaces */
	u = api_link_next("<https://h/x?page=1>; rel=\"prev\" ,  <https://h/x?page=3> ; rel=\"next\"");
	assert_string_equal(u, "https://h/x?page=3");
	free(u);
	/* a comma and "next" inside a quoted parameter do not confuse it */
	u = api_link_next("<https://h/a>; title=\"rel=next, really\"; rel=\"last\", <https://h/b>; rel=next");
	assert_string_equal(u, "https://h/b");
	free(u);
	/* rel lists several relations; case-insensitive */
	u = api_link_next("<https://h/c>; rel=\"last NEXT\"");
	assert_string_equal(u, "https://h/c");
	free(u);
	assert_null(api_link_next("<https://h/x?page=1>; rel=\"first\", <https://h/x?page=4>; rel=\"last\""));
	assert_null(api_link_next(""));
	assert_null(api_link_next(NULL));
	assert_null(api_link_next("garbage; rel=\"next\""));
	assert_null(api_link_next("<https://h/unterminated; rel=\"next\""));
}

static void test_retry_after_seconds(void **state)
{
	time_t now = time(NULL);
	char date[64], reset[32];
	struct tm tm;
	(void)state;
	assert_int_equal(api_retry_after_seconds("120", NULL, now), 120);
	assert_int_equal(api_retry_after_seconds("0", NULL, now), 0);
	gmtime_r(&(time_t){ now + 30 }, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(api_retry_after_seconds(date, NULL, now), 30);
	snprintf(reset, sizeof(reset), "%lld", (long long)now + 45);
	assert_int_equal(api_retry_after_seconds(NULL, reset, now), 45);
	/* Retry-After wins over the reset time */
	assert_int_equal(api_retry_after_seconds("5", reset, now), 5);
	snprintf(reset, sizeof(reset), "%lld", (long long)now - 100);
	assert_int_equal(api_retry_after_seconds(NULL, reset, now), 0);
	assert_int_equal(api_retry_after_seconds(NULL, NULL, now), 0);
	assert_int_equal(api_retry_after_seconds("soon", NULL, now), 0);
	assert_int_equal(api_retry_after_seconds("-5", NULL, now), 0);
	/* absurd hints are capped at an hour */
	assert_int_equal(api_retry_after_seconds("999999999", NULL, now), 3600);
}

static void test_same_origin(void **state)
{
	(void)state;
	assert_true(api_same_origin("https://api.github.com", "https://api.github.com:443/repos/a/b"));
	assert_true(api_same_origin("http://127.0.0.1:8080/x?page=2", "http://127.0.0.1:8080"));
	assert_true(api_same_origin("HTTPS://API.GITHUB.COM/a", "https://api.github.com"));
	assert_false(api_same_origin("http://api.github.com/a", "https://api.github.com"));
	assert_false(api_same_origin("http://127.0.0.1:8081/x", "http://127.0.0.1:8080"));
	assert_false(api_same_origin("https://evil.example/a", "https://api.github.com"));
	assert_false(api_same_origin("https://api.github.com.evil.example/a", "https://api.github.com"));
	assert_false(api_same_origin("ftp://api.github.com/a", "ftp://api.github.com"));
	assert_false(api_same_origin("not a url", "https://api.github.com"));
	assert_false(api_same_origin(NULL, "https://api.github.com"));
}

static void test_classify_statuses_without_network(void **state)
{
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	(void)state;
	r.status = 201;
	assert_int_equal(api_classify(&r, "POST /x", &err), RR_OK);
	r.status = 503;
	assert_int_equal(api_classify(&r, "GET /x", &err), RR_ETRANSIENT);
	assert_string_equal(err.msg, "GET /x: HTTP 503");
	assert_int_equal(err.retry_after, 0);
	r.status = 401;
	assert_int_equal(api_classify(&r, "GET /x", &err), RR_EAUTH);
	r.status = 302;      /* redirects are not followed: a token must not travel */
	assert_int_equal(api_classify(&r, "GET /x", &err), RR_ERR);
	r.status = 404;
	r.json = json_pack("{s:s}", "message", "Not Found\nreally");
	assert_int_equal(api_classify(&r, "GET /x", &err), RR_EINVAL);
	assert_string_equal(err.msg, "GET /x: HTTP 404: Not Found really");
	api_response_free(&r);
}

/* ---- against the fake ----------------------------------------------------------- */

static const char *const pat_headers[] = { "Authorization: token " PAT,
					   "Accept: application/vnd.github+json", NULL };

static void seed_comments(struct api_client *c, int n)
{
	fake_post(c, "/_fake/reset", NULL);
	for (int i = 0; i < n; i++)
		fake_post(c, "/_fake/comments",
			  json_pack("{s:s,s:s,s:i,s:s,s:i,s:s}", "owner", "o", "repo", "r", "number", 7,
				    "path", "src/lib.rs", "line", i + 1, "body", "seeded"));
}

static void test_get_json_and_connection_reuse(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/repos/o/r/pulls/7/comments?per_page=100");
	(void)state;
	seed_comments(c, 1);
	assert_int_equal(api_request(c, "GET", u, pat_headers, NULL, &r, &err), RR_OK);
	assert_int_equal(r.status, 200);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r.json, 0), "path")),
			    "src/lib.rs");
	assert_null(r.next_url);
	api_response_free(&r);
	/* A second call from a new easy handle rides the pooled keep-alive connection. */
	assert_int_equal(api_request(c, "GET", u, pat_headers, NULL, &r, &err), RR_OK);
	assert_int_equal(r.new_connections, 0);
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_pagination_link_is_exposed(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/repos/o/r/pulls/7/comments?per_page=100"), *want = NULL;
	(void)state;
	seed_comments(c, 3);      /* the fake pages by 2 */
	assert_int_equal(api_request(c, "GET", u, pat_headers, NULL, &r, &err), RR_OK);
	assert_int_equal(json_array_size(r.json), 2);
	assert_true(asprintf(&want, "%s/repos/o/r/pulls/7/comments?per_page=2&page=2", fake.base) > 0);
	assert_string_equal(r.next_url, want);
	free(u);
	u = r.next_url;
	r.next_url = NULL;
	api_response_free(&r);
	assert_int_equal(api_request(c, "GET", u, pat_headers, NULL, &r, &err), RR_OK);
	assert_int_equal(json_array_size(r.json), 1);
	assert_null(r.next_url);
	api_response_free(&r);
	free(u);
	free(want);
	api_client_free(c);
}

static void test_401_is_eauth_with_message(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	const char *const bad[] = { "Authorization: token wrong-token-value", NULL };
	char *u = url_of("/repos/o/r/pulls/7/comments"), *want = NULL;
	(void)state;
	assert_int_equal(api_request(c, "GET", u, bad, NULL, &r, &err), RR_EAUTH);
	assert_int_equal(r.status, 401);
	assert_true(asprintf(&want, "GET %s: HTTP 401: Bad credentials", u) > 0);
	assert_string_equal(err.msg, want);
	assert_null(strstr(err.msg, "wrong-token-value"));
	api_response_free(&r);
	free(want);
	free(u);
	api_client_free(c);
}

static void test_4xx_is_einval_with_forge_message_and_errors(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/repos/o/r/pulls/7/reviews");
	json_t *review = json_pack("{s:s}", "event", "COMMENT");
	(void)state;
	inject(c, "POST", "/repos/o/r/pulls/7/reviews",
	       json_pack("{s:i,s:{s:s,s:[s,{s:s,s:s}]}}", "status", 422, "body", "message",
			 "Unprocessable Entity", "errors", "line must be part of the diff",
			 "resource", "PullRequestReviewComment", "code", "invalid"));
	assert_int_equal(api_request(c, "POST", u, pat_headers, review, &r, &err), RR_EINVAL);
	assert_non_null(strstr(err.msg, ": HTTP 422: Unprocessable Entity (line must be part of the "
				       "diff; invalid)"));
	api_response_free(&r);
	json_decref(review);
	free(u);
	api_client_free(c);
}

static void test_429_honours_retry_after(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/limited");
	(void)state;
	inject(c, "GET", "/limited", json_pack("{s:i,s:{s:s},s:{s:s}}", "status", 429, "headers",
					       "Retry-After", "7", "body", "message", "slow down"));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_int_equal(err.retry_after, 7);
	assert_true(r.rate_limited);
	assert_non_null(strstr(err.msg, "HTTP 429: rate limited: slow down"));
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

/* A gate that records pauses and answers what it is told (the queue's, in tests). */
struct test_gate {
	char key[64];
	unsigned paused_for;       /* what paused() answers */
	unsigned recorded;         /* the wait pause() was given */
	int pauses, asked;
};

static int tg_paused(void *ctx, const char *key, unsigned *wait_s, struct rr_error *err)
{
	struct test_gate *g = ctx;
	(void)key;
	(void)err;
	g->asked++;
	*wait_s = g->paused_for;
	return RR_OK;
}

static int tg_pause(void *ctx, const char *key, unsigned wait_s, struct rr_error *err)
{
	struct test_gate *g = ctx;
	(void)err;
	snprintf(g->key, sizeof(g->key), "%s", key);
	g->recorded = wait_s;
	g->pauses++;
	return RR_OK;
}

/* Requests the fake saw with this method and path. */
static size_t fake_seen(struct api_client *c, const char *method, const char *path)
{
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/_fake/requests");
	const json_t *e;
	size_t i, n = 0;

	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_OK);
	json_array_foreach(r.json, i, e)
		n += strcmp(json_string_value(json_object_get(e, "method")), method) == 0 &&
		     strcmp(json_string_value(json_object_get(e, "path")), path) == 0;
	api_response_free(&r);
	free(u);
	return n;
}

/*
 * A 429 for a token pauses every call of that token, content-creating or not,
 * until the forge's wait is over: refused here with RR_SKIP and the seconds
 * left, without reaching the forge; the pause is handed to the gate (every
 * replica) under a key that is not the token. A gate that says the key is
 * paused (another replica's 429) refuses the call as well.
 */
static void test_rate_limit_pauses_the_token(void **state)
{
	struct test_gate g = { .paused_for = 0 };
	struct api_gate gate = { &g, tg_paused, tg_pause };
	struct api_client_options opt = { 0 };
	struct api_client *c = NULL;
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *limited = url_of("/repos/o/r/pulls/1/comments");
	char *post = url_of("/repos/o/r/pulls/2/reviews");
	(void)state;

	opt.user_agent = "rustreview-test";
	opt.gate = &gate;
	assert_int_equal(api_client_new(&c, &opt, &err), RR_OK);
	inject(c, "GET", "/repos/o/r/pulls/1/comments",
	       json_pack("{s:i,s:{s:s},s:{s:s}}", "status", 429, "headers", "Retry-After", "3",
			 "body", "message", "slow down"));
	assert_int_equal(api_request_auth(c, "test", "Authorization: token ", PAT, "GET", limited, NULL, NULL,
					  &r, &err), RR_ETRANSIENT);
	assert_int_equal(err.retry_after, 3);
	api_response_free(&r);
	assert_int_equal(g.pauses, 1);
	assert_int_equal(g.recorded, 3);
	assert_int_equal(strncmp(g.key, "t:", 2), 0);
	assert_int_equal(strlen(g.key), 18);
	assert_null(strstr(PAT, g.key + 2));

	/* Another pull request's review, and a read: refused, not sent. */
	json_t *body = json_pack("{s:s}", "event", "COMMENT");
	assert_int_equal(api_request_auth(c, "test", "Authorization: token ", PAT, "POST", post, NULL, body,
					  &r, &err), RR_SKIP);
	assert_true(err.retry_after >= 1 && err.retry_after <= 3);
	assert_non_null(strstr(err.msg, "rate-limited this token"));
	assert_int_equal(r.status, 0);
	assert_int_equal(api_request_auth(c, "test", "Authorization: token ", PAT, "GET", limited, NULL, NULL,
					  &r, &err), RR_SKIP);
	assert_int_equal(fake_seen(c, "POST", "/repos/o/r/pulls/2/reviews"), 0);
	assert_int_equal(fake_seen(c, "GET", "/repos/o/r/pulls/1/comments"), 1);
	api_client_free(c);

	/* A fresh client (another replica) whose gate says the key is paused. */
	g.paused_for = 5;
	c = NULL;
	assert_int_equal(api_client_new(&c, &opt, &err), RR_OK);
	assert_int_equal(api_request_keyed(c, "test", "github:installation:9", "Authorization: token ", PAT,
					   "POST", post, NULL, body, &r, &err), RR_SKIP);
	assert_int_equal(err.retry_after, 5);
	assert_int_equal(fake_seen(c, "POST", "/repos/o/r/pulls/2/reviews"), 0);
	/* Once the gate says the wait is over, the call goes out (to the fake's
	 * 404: no such pull request is registered). */
	g.paused_for = 0;
	assert_int_equal(api_request_keyed(c, "test", "github:installation:10", "Authorization: token ", PAT,
					   "GET", limited, NULL, NULL, &r, &err), RR_EINVAL);
	assert_int_equal(r.status, 404);
	api_response_free(&r);
	assert_int_equal(fake_seen(c, "GET", "/repos/o/r/pulls/1/comments"), 2);
	json_decref(body);
	api_client_free(c);
	free(limited);
	free(post);
}

static void test_403_primary_rate_limit_uses_reset(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/limited"), reset[32];
	(void)state;
	snprintf(reset, sizeof(reset), "%lld", (long long)time(NULL) + 30);
	inject(c, "GET", "/limited",
	       json_pack("{s:i,s:{s:s,s:s},s:{s:s}}", "status", 403, "headers",
			 "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset, "body", "message",
			 "API rate limit exceeded for installation ID 1."));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_in_range(err.retry_after, 28, 30);
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_403_secondary_rate_limit_waits_a_minute(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/limited");
	(void)state;
	inject(c, "POST", "/limited",
	       json_pack("{s:i,s:{s:s}}", "status", 403, "body", "message",
			 "You have exceeded a secondary rate limit. Please wait a few minutes."));
	assert_int_equal(api_request(c, "POST", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_int_equal(err.retry_after, 60);
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_403_forbidden_is_permanent(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/forbidden");
	(void)state;
	inject(c, "GET", "/forbidden", json_pack("{s:i,s:{s:s},s:{s:s}}", "status", 403, "headers",
						 "X-RateLimit-Remaining", "4999", "body", "message",
						 "Resource not accessible by integration"));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_EINVAL);
	assert_int_equal(err.retry_after, 0);
	assert_non_null(strstr(err.msg, "HTTP 403: Resource not accessible by integration"));
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_5xx_and_dropped_connection_are_transient(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/flaky");
	(void)state;
	inject(c, "GET", "/flaky", json_pack("{s:i,s:s}", "status", 502, "raw", "<html>Bad gateway</html>"));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_int_equal(r.status, 502);
	assert_null(r.json);
	assert_string_equal(r.body, "<html>Bad gateway</html>");
	api_response_free(&r);
	inject(c, "GET", "/flaky", json_pack("{s:i,s:b,s:i}", "status", 0, "close", 1, "times", 2));
	/* times 2: libcurl retries once on a fresh connection when a reused one dies */
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_int_equal(r.status, 0);
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_refused_connection_is_transient(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	(void)state;
	/* port 1 on loopback: nothing listens there */
	assert_int_equal(api_request(c, "GET", "http://127.0.0.1:1/x", NULL, NULL, &r, &err),
			 RR_ETRANSIENT);
	assert_non_null(strstr(err.msg, "GET http://127.0.0.1:1/x: "));
	api_response_free(&r);
	api_client_free(c);
}

static void test_timeout_is_transient(void **state)
{
	struct api_client *c = client_with(300, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/slow");
	(void)state;
	inject(c, "GET", "/slow", json_pack("{s:i,s:i,s:{}}", "status", 200, "delay_ms", 1500, "body"));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETRANSIENT);
	assert_non_null(strstr(err.msg, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT)));
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_response_size_cap(void **state)
{
	struct api_client *c = client_with(0, 1024);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/big"), big[4097];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	inject(c, "GET", "/big", json_pack("{s:i,s:s}", "status", 200, "raw", big));
	assert_int_equal(api_request(c, "GET", u, NULL, NULL, &r, &err), RR_ETOOBIG);
	assert_non_null(strstr(err.msg, "response larger than 1024 bytes"));
	api_response_free(&r);
	free(u);
	api_client_free(c);
}

static void test_post_sends_json_body(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *u = url_of("/_fake/comments");
	json_t *body = json_pack("{s:s,s:s,s:i,s:s,s:i,s:s,s:s}", "owner", "o", "repo", "r", "number", 9,
				 "path", "a.rs", "line", 3, "body", "ünïcode ✓", "login", "octocat");
	(void)state;
	assert_int_equal(api_request(c, "POST", u, NULL, body, &r, &err), RR_OK);
	assert_int_equal(r.status, 201);
	assert_string_equal(json_string_value(json_object_get(r.json, "body")), "ünïcode ✓");
	assert_int_equal(json_integer_value(json_object_get(r.json, "line")), 3);
	api_response_free(&r);
	json_decref(body);
	free(u);
	api_client_free(c);
}

struct worker {
	struct api_client *c;
	const char *url;
	int ok;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 10; i++) {
		struct api_response r = API_RESPONSE_INIT;
		struct rr_error err = { 0 };
		if (api_request(w->c, "GET", w->url, pat_headers, NULL, &r, &err) == RR_OK &&
		    json_array_size(r.json) == 1)
			w->ok++;
		api_response_free(&r);
	}
	return NULL;
}

/* One client shared by worker threads: the share handle's locks keep it sound. */
static void test_one_client_many_threads(void **state)
{
	struct api_client *c = client_with(0, 0);
	char *u = url_of("/repos/o/r/pulls/7/comments");
	struct worker w[6];
	pthread_t t[6];
	(void)state;
	seed_comments(c, 1);
	for (int i = 0; i < 6; i++) {
		w[i] = (struct worker){ c, u, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 10);
	}
	free(u);
	api_client_free(c);
}

static void test_bad_arguments(void **state)
{
	struct api_client *c = client_with(0, 0);
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(api_request(c, "TRACE", "http://127.0.0.1:1/", NULL, NULL, &r, &err), RR_EINVAL);
	assert_int_equal(api_request(c, "GET", "file:///etc/passwd", NULL, NULL, &r, &err), RR_EINVAL);
	api_response_free(&r);
	api_client_free(c);
}

int main(void)
{
	/* One group (tests/run.sh counts the last summary): pure cases first, then the live ones. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_next_parsing),
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test(test_classify_statuses_without_network),
		cmocka_unit_test(test_refused_connection_is_transient),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_get_json_and_connection_reuse),
		cmocka_unit_test(test_pagination_link_is_exposed),
		cmocka_unit_test(test_401_is_eauth_with_message),
		cmocka_unit_test(test_4xx_is_einval_with_forge_message_and_errors),
		cmocka_unit_test(test_429_honours_retry_after),
		cmocka_unit_test(test_rate_limit_pauses_the_token),
		cmocka_unit_test(test_403_primary_rate_limit_uses_reset),
		cmocka_unit_test(test_403_secondary_rate_limit_waits_a_minute),
		cmocka_unit_test(test_403_forbidden_is_permanent),
		cmocka_unit_test(test_5xx_and_dropped_connection_are_transient),
		cmocka_unit_test(test_timeout_is_transient),
		cmocka_unit_test(test_response_size_cap),
		cmocka_unit_test(test_post_sends_json_body),
		cmocka_unit_test(test_one_client_many_threads),
	};
	return cmocka_run_group_tests_name("api", tests, fake_start, fake_stop);
}
