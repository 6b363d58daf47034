/* test_github.c — the GitHub forge: signatures against the published vectors,
 * every payload fixture, the App JWT (verified with OpenSSL), refspecs, config,
 * and publishing against tests/e2e/fakegithub.py on 127.0.0.1 (real RS256 checks,
 * real diff-line checks on a git repository made with the git CLI). */
#include "testutil.h"
#include "fakegithub_testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include <git2.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../../common/log.h"
#include "../../common/rr.h"
#include "../../handlers/api.h"
#include "../../handlers/forge.h"
#include "../../handlers/github.h"
#include "../../handlers/publish.h"

#define APP_ID  "4242"
#define PAT     "ghp_test_personal_access_token_0123456789"
#define OWNER   "octo"
#define REPO    "hello"
#define NUMBER  5
#define SECRET  "rustreview-test-secret"
#define HEAD_FIXTURE_SHA "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
#define BASE_FIXTURE_SHA "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"

/* These tests are about GitHub's side of publishing (pages, tokens, 422s, the
 * cap): grouping and the per-rule budget stay out of the way (test_publish.c). */
static const struct publish_settings NO_GROUPING = { 0, 0, 0 };

/* ======================================================================== */
/* fixtures and helpers                                                     */
/* ======================================================================== */

static char *fixture_path(const char *rel)
{
	const char *dir = getenv("RR_FIXTURES_DIR");
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir && *dir ? dir : "tests/fixtures", rel) < 0)
		return NULL;
	return p;
}

static char *read_fixture(const char *rel, size_t *len)
{
	struct rr_error err = { 0 };
	char *path = fixture_path(rel), *data = NULL;
	if (rr_read_file(path, 0, &data, len, &err) != RR_OK)
		fail_msg("%s", err.msg);
	free(path);
	return data;
}

static char *slurp(const char *path)
{
	struct rr_error err = { 0 };
	char *data = NULL;
	if (rr_read_file(path, 0, &data, NULL, &err) != RR_OK)
		fail_msg("%s", err.msg);
	return data;
}

/* A request as the server would hand it over. */
struct req {
	struct http_header h[4];
	struct http_request r;
};

static void req_init(struct req *q, const char *event, const char *delivery, const char *sig,
		     const char *body, size_t len)
{
	size_t n = 0;
	memset(q, 0, sizeof(*q));
	if (event)
		q->h[n++] = (struct http_header){ "X-GitHub-Event", event };
	if (delivery)
		q->h[n++] = (struct http_header){ "x-github-delivery", delivery };
	if (sig)
		q->h[n++] = (struct http_header){ "X-Hub-Signature-256", sig };
	q->r.method = "POST";
	q->r.path = "/webhooks/github";
	q->r.headers = q->h;
	q->r.nheaders = n;
	q->r.body = body;
	q->r.body_len = len;
}

/* ======================================================================== */
/* request.c and forges.c                                                   */
/* ======================================================================== */

static void test_forge_table(void **state)
{
	(void)state;
	assert_ptr_equal(forge_find("github"), &forge_github);
	assert_string_equal(forge_github.name, "github");
	assert_null(forge_find("nope"));
	assert_null(forge_find(NULL));
	assert_ptr_equal(rr_forges[0], &forge_github);
}

static void test_header_lookup_is_case_insensitive(void **state)
{
	struct req q;
	(void)state;
	req_init(&q, "ping", "abc-1", NULL, "", 0);
	assert_string_equal(http_request_header(&q.r, "x-github-event"), "ping");
	assert_string_equal(http_request_header(&q.r, "X-GITHUB-DELIVERY"), "abc-1");
	assert_null(http_request_header(&q.r, "X-Hub-Signature-256"));
	assert_null(http_request_header(NULL, "X"));
}

static void test_review_request_json_round_trip(void **state)
{
	struct review_request a = { 0 }, b = { 0 };
	struct rr_error err = { 0 };
	char *json;
	(void)state;
	a.forge = strdup("github");
	a.delivery_id = strdup("d-1");
	a.event = strdup("pull_request");
	a.action = strdup("opened");
	a.owner = strdup("Codertocat");
	a.repo = strdup("Hello-World");
	a.clone_url = strdup("https://github.com/Codertocat/Hello-World.git");
	a.api_url = NULL;                         /* optional: null in JSON */
	a.number = 2;
	a.base_ref = strdup("ma\"in");            /* escaping survives */
	a.base_sha = strdup(BASE_FIXTURE_SHA);
	a.head_sha = strdup(HEAD_FIXTURE_SHA);
	a.forge_data = strdup("{\"installation_id\":77}");
	json = review_request_to_json(&a);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"api_url\":null"));
	assert_int_equal(review_request_from_json(json, &b, &err), RR_OK);
	assert_string_equal(b.forge, "github");
	assert_string_equal(b.delivery_id, "d-1");
	assert_string_equal(b.event, "pull_request");
	assert_string_equal(b.action, "opened");
	assert_string_equal(b.owner, "Codertocat");
	assert_string_equal(b.repo, "Hello-World");
	assert_string_equal(b.clone_url, a.clone_url);
	assert_null(b.api_url);
	assert_int_equal(b.number, 2);
	assert_string_equal(b.base_ref, "ma\"in");
	assert_string_equal(b.base_sha, BASE_FIXTURE_SHA);
	assert_string_equal(b.head_sha, HEAD_FIXTURE_SHA);
	assert_string_equal(b.forge_data, "{\"installation_id\":77}");
	free(json);
	review_request_free(&a);
	review_request_free(&b);
}

/* A job queued by the build before forge_data keeps its installation. */
static void test_review_request_queued_by_older_build(void **state)
{
	static const char old[] =
		"{\"action\":\"opened\",\"api_url\":null,\"base_ref\":\"main\",\"base_sha\":\""
		BASE_FIXTURE_SHA "\",\"clone_url\":\"https://github.com/o/r.git\",\"delivery_id\":"
		"\"d-9\",\"event\":\"pull_request\",\"forge\":\"github\",\"head_sha\":\""
		HEAD_FIXTURE_SHA "\",\"installation_id\":77,\"number\":4,\"owner\":\"o\","
		"\"repo\":\"r\"}";
	struct review_request b;
	struct rr_error err = { 0 };
	char *json;
	(void)state;
	assert_int_equal(review_request_from_json(old, &b, &err), RR_OK);
	assert_string_equal(b.forge_data, "{\"installation_id\":77}");
	assert_null(b.start_sha);
	json = review_request_to_json(&b);
	assert_non_null(strstr(json, "\"forge_data\":{\"installation_id\":77}"));
	free(json);
	review_request_free(&b);
}

static void test_review_request_from_bad_json(void **state)
{
	struct review_request b;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(review_request_from_json("{", &b, &err), RR_EINVAL);
	assert_int_equal(review_request_from_json("[]", &b, &err), RR_EINVAL);
	assert_string_equal(err.msg, "review request: not a JSON object");
	assert_int_equal(review_request_from_json(
				 "{\"forge\":\"github\",\"delivery_id\":\"d\",\"owner\":\"o\",\"repo\":\"r\","
				 "\"clone_url\":\"u\",\"base_sha\":\"b\",\"number\":1}", &b, &err), RR_EINVAL);
	assert_string_equal(err.msg, "review request: \"head_sha\" missing");
	assert_null(b.forge);                      /* nothing half-filled left behind */
	assert_int_equal(review_request_from_json(
				 "{\"forge\":\"github\",\"delivery_id\":\"d\",\"owner\":\"o\",\"repo\":\"r\","
				 "\"clone_url\":\"u\",\"base_sha\":\"b\",\"head_sha\":\"h\",\"number\":\"1\"}",
				 &b, &err), RR_EINVAL);
	assert_string_equal(err.msg, "review request: \"number\" is not an integer");
}

/* ======================================================================== */
/* verify                                                                   */
/* ======================================================================== */

static struct forge_config verify_cfg(const char *secret)
{
	struct forge_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_github;
	cfg.webhook_secret = (char *)secret;
	return cfg;
}

static void test_verify_signature_vectors(void **state)
{
	json_error_t jerr;
	char *path = fixture_path("signature-vectors.json");
	json_t *root = json_load_file(path, 0, &jerr), *v;
	size_t i, checked = 0;
	(void)state;
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "github"), i, v) {
		const char *file = json_string_value(json_object_get(v, "payload_file"));
		const char *expected = json_string_value(json_object_get(v, "expected"));
		struct forge_config cfg = verify_cfg(json_string_value(json_object_get(v, "secret")));
		struct rr_error err = { 0 };
		char *body;
		size_t len;
		struct req q;

		assert_string_equal(json_string_value(json_object_get(v, "header")), "X-Hub-Signature-256");
		if (file) {
			body = read_fixture(file, &len);
			assert_int_equal(len, json_integer_value(json_object_get(v, "payload_bytes")));
		} else {
			body = strdup(json_string_value(json_object_get(v, "payload")));
			len = strlen(body);
		}
		req_init(&q, "pull_request", "d", expected, body, len);
		assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_OK);
		/* one byte more is a different body */
		q.r.body_len = len - 1;
		assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
		assert_null(strstr(err.msg, cfg.webhook_secret));
		assert_null(strstr(err.msg, expected + 7));
		free(body);
		checked++;
	}
	assert_int_equal(checked, 2);
	json_decref(root);
	free(path);
}

static void test_verify_rejects_bad_signatures(void **state)
{
	static const char body[] = "Hello, World!";
	static const char good[] =
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	const char *secret = "It's a Secret to Everybody";
	struct forge_config cfg = verify_cfg(secret);
	struct rr_error err = { 0 };
	struct req q;
	(void)state;

	req_init(&q, "ping", "d", good, body, strlen(body));
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_OK);
	/* upper-case hex is the same signature */
	req_init(&q, "ping", "d",
		 "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17", body,
		 strlen(body));
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_OK);

	req_init(&q, "ping", "d", good, "Hello, World?", strlen(body));   /* tampered body */
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	assert_string_equal(err.msg, "github webhook: X-Hub-Signature-256 does not match the body");

	req_init(&q, "ping", "d", NULL, body, strlen(body));               /* absent */
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	assert_string_equal(err.msg, "github webhook: X-Hub-Signature-256 header missing");

	req_init(&q, "ping", "d", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", body, strlen(body));
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	assert_string_equal(err.msg, "github webhook: X-Hub-Signature-256 is not sha256=<64 hex digits>");

	req_init(&q, "ping", "d", "sha256=", body, strlen(body));           /* empty (unsigned) */
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	req_init(&q, "ping", "d", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e", body,
		 strlen(body));                                               /* truncated */
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	req_init(&q, "ping", "d", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1z", body,
		 strlen(body));                                               /* not hex */
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	assert_null(strstr(err.msg, secret));

	cfg = verify_cfg(NULL);                                           /* no secret: never accept */
	req_init(&q, "ping", "d", good, body, strlen(body));
	assert_int_equal(forge_github.verify(&cfg, &q.r, &err), RR_EAUTH);
	assert_string_equal(err.msg, "github webhook: no webhook secret configured");
}

/* ======================================================================== */
/* parse_event                                                              */
/* ======================================================================== */

static int parse_body(const struct forge_config *cfg, const char *event, const char *body,
		      size_t len, struct review_request *out, struct rr_error *err)
{
	struct req q;
	req_init(&q, event, "72d3162e-cc78-11e3-81ab-4c9367dc0958", NULL, body, len);
	return forge_github.parse_event(cfg, &q.r, out, err);
}

static int parse_fixture(const struct forge_config *cfg, const char *event, const char *file,
			 struct review_request *out, struct rr_error *err)
{
	size_t len;
	char *body = read_fixture(file, &len);
	int rc = parse_body(cfg, event, body, len, out, err);
	free(body);
	return rc;
}

static void test_parse_reviewed_actions(void **state)
{
	static const char *const actions[] = { "opened", "synchronize", "reopened", "ready_for_review" };
	struct forge_config cfg = verify_cfg(SECRET);
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct review_request rq;
		struct rr_error err = { 0 };
		char file[128];
		snprintf(file, sizeof(file), "github/pull_request.%s.json", actions[i]);
		assert_int_equal(parse_fixture(&cfg, "pull_request", file, &rq, &err), RR_OK);
		assert_string_equal(rq.forge, "github");
		assert_string_equal(rq.delivery_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
		assert_string_equal(rq.event, "pull_request");
		assert_string_equal(rq.action, actions[i]);
		assert_string_equal(rq.owner, "Codertocat");
		assert_string_equal(rq.repo, "Hello-World");
		assert_string_equal(rq.clone_url, "https://github.com/Codertocat/Hello-World.git");
		assert_string_equal(rq.api_url, "https://api.github.com/repos/Codertocat/Hello-World");
		assert_int_equal(rq.number, 2);
		assert_string_equal(rq.base_ref, "master");
		assert_string_equal(rq.base_sha, BASE_FIXTURE_SHA);
		assert_string_equal(rq.head_sha, HEAD_FIXTURE_SHA);
		assert_string_equal(rq.forge_data, "{\"installation_id\":1}");
		review_request_free(&rq);
	}
}

static void test_parse_skips_with_reason(void **state)
{
	struct forge_config cfg = verify_cfg(SECRET);
	struct review_request rq;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(parse_fixture(&cfg, "pull_request", "github/pull_request.closed.json", &rq, &err),
			 RR_SKIP);
	assert_string_equal(err.msg, "pull_request action 'closed' needs no review");
	assert_null(rq.forge);
	assert_int_equal(parse_fixture(&cfg, "ping", "github/ping.json", &rq, &err), RR_SKIP);
	assert_string_equal(err.msg, "pong");
	assert_int_equal(parse_fixture(&cfg, "ping", "github/ping.app.json", &rq, &err), RR_SKIP);
	assert_string_equal(err.msg, "pong");
	assert_int_equal(parse_fixture(&cfg, "issue_comment", "github/issue_comment.created.json", &rq,
				       &err), RR_SKIP);
	assert_string_equal(err.msg, "event 'issue_comment' is not reviewed");
}

static char *opened_with(void (*edit)(json_t *))
{
	json_error_t jerr;
	char *path = fixture_path("github/pull_request.opened.json"), *out;
	json_t *root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	edit(root);
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	free(path);
	return out;
}

static void make_draft(json_t *r)
{
	json_object_set_new(json_object_get(r, "pull_request"), "draft", json_true());
}

static void test_parse_draft(void **state)
{
	struct forge_config cfg = verify_cfg(SECRET);
	struct review_request rq;
	struct rr_error err = { 0 };
	char *body = opened_with(make_draft);
	(void)state;
	assert_int_equal(parse_body(&cfg, "pull_request", body, strlen(body), &rq, &err), RR_SKIP);
	assert_string_equal(err.msg, "draft pull request skipped");
	cfg.review_drafts = true;
	assert_int_equal(parse_body(&cfg, "pull_request", body, strlen(body), &rq, &err), RR_OK);
	assert_string_equal(rq.head_sha, HEAD_FIXTURE_SHA);
	review_request_free(&rq);
	free(body);
}

static void drop_head_sha(json_t *r)
{
	json_object_del(json_object_get(json_object_get(r, "pull_request"), "head"), "sha");
}
static void short_base_sha(json_t *r)
{
	json_object_set_new(json_object_get(json_object_get(r, "pull_request"), "base"), "sha",
			    json_string("f95f852b"));
}
static void number_as_string(json_t *r)
{
	json_object_set_new(json_object_get(r, "pull_request"), "number", json_string("2"));
}
static void file_clone_url(json_t *r)
{
	json_object_set_new(json_object_get(r, "repository"), "clone_url", json_string("file:///etc"));
}
static void slash_in_owner(json_t *r)
{
	json_object_set_new(json_object_get(json_object_get(r, "repository"), "owner"), "login",
			    json_string("../x"));
}
static void installation_id_string(json_t *r)
{
	json_object_set_new(json_object_get(r, "installation"), "id", json_string("1"));
}
static void draft_as_string(json_t *r)
{
	json_object_set_new(json_object_get(r, "pull_request"), "draft", json_string("no"));
}

static void expect_invalid(void (*edit)(json_t *), const char *msg)
{
	struct forge_config cfg = verify_cfg(SECRET);
	struct review_request rq;
	struct rr_error err = { 0 };
	char *body = opened_with(edit);
	assert_int_equal(parse_body(&cfg, "pull_request", body, strlen(body), &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, msg);
	assert_null(rq.forge);
	free(body);
}

static void test_parse_malformed_payloads(void **state)
{
	struct forge_config cfg = verify_cfg(SECRET);
	struct review_request rq;
	struct rr_error err = { 0 };
	static const char broken[] = "{\"action\": \"opened\", ";
	char deep[1024];
	struct req q;
	size_t i;
	(void)state;

	assert_int_equal(parse_body(&cfg, "pull_request", broken, strlen(broken), &rq, &err), RR_EINVAL);
	assert_non_null(strstr(err.msg, "github payload: not valid JSON: "));
	assert_int_equal(parse_body(&cfg, "pull_request", "[1]", 3, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: not a JSON object");
	assert_int_equal(parse_body(&cfg, "pull_request", "", 0, &rq, &err), RR_EINVAL);
	assert_int_equal(parse_body(&cfg, "pull_request", "{\"action\":\"opened\",\"action\":\"closed\"}",
				    37, &rq, &err), RR_EINVAL);     /* duplicate keys are ambiguous */
	assert_int_equal(parse_body(&cfg, "pull_request", "{\"action\":7}", 12, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: field 'action' missing or not a string");

	/* absurd nesting is refused before jansson builds anything */
	memset(deep, 0, sizeof(deep));
	strcpy(deep, "{\"action\":\"opened\",\"x\":");
	for (i = strlen(deep); i < 400; i++)
		deep[i] = '[';
	assert_int_equal(parse_body(&cfg, "pull_request", deep, strlen(deep), &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: nested deeper than 64 levels");

	expect_invalid(drop_head_sha, "github payload: field 'pull_request.head.sha' missing");
	expect_invalid(short_base_sha,
		       "github payload: field 'pull_request.base.sha' is not a 40-digit hex SHA");
	expect_invalid(number_as_string,
		       "github payload: field 'pull_request.number' is not a positive integer");
	expect_invalid(file_clone_url,
		       "github payload: field 'repository.clone_url' is not an http(s) URL");
	expect_invalid(slash_in_owner,
		       "github payload: field 'repository.owner.login' is not a valid owner");
	expect_invalid(installation_id_string,
		       "github payload: field 'installation.id' is not a positive integer");
	expect_invalid(draft_as_string, "github payload: field 'pull_request.draft' is not a boolean");

	/* headers */
	req_init(&q, NULL, "d", NULL, "{}", 2);
	assert_int_equal(forge_github.parse_event(&cfg, &q.r, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github webhook: X-GitHub-Event header missing");
	req_init(&q, "pull_request\r\nX: y", "d", NULL, "{}", 2);
	assert_int_equal(forge_github.parse_event(&cfg, &q.r, &rq, &err), RR_EINVAL);
	{
		size_t len;
		char *body = read_fixture("github/pull_request.opened.json", &len);
		req_init(&q, "pull_request", NULL, NULL, body, len);
		assert_int_equal(forge_github.parse_event(&cfg, &q.r, &rq, &err), RR_EINVAL);
		assert_string_equal(err.msg, "github webhook: X-GitHub-Delivery header missing");
		free(body);
	}
}

/* ======================================================================== */
/* refspecs, config, JWT, credentials                                       */
/* ======================================================================== */

static void test_fetch_refspecs(void **state)
{
	struct review_request rq = { 0 };
	struct rr_error err = { 0 };
	char **specs = NULL;
	size_t n = 0;
	(void)state;
	rq.number = 42;
	rq.base_ref = "release/1.x";
	assert_int_equal(forge_github.fetch_refspecs(&rq, &specs, &n, &err), RR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(specs[0], "+refs/heads/release/1.x:refs/rustreview/base/release/1.x");
	assert_string_equal(specs[1], "+refs/pull/42/head:refs/rustreview/pull/42/head");
	free(specs[0]);
	free(specs[1]);
	free(specs);
	static const char *const bad[] = { "a..b", "x:y", "foo.lock", "a b", "", "with~tilde", "new\nline",
					   "a/../../b", "x^{}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rq.base_ref = (char *)bad[i];
		assert_int_equal(forge_github.fetch_refspecs(&rq, &specs, &n, &err), RR_EINVAL);
		assert_null(specs);
		assert_int_equal(n, 0);
	}
	assert_non_null(strstr(err.msg, "is not a valid branch name"));
}

/* Temp dir with app.pem/app.pub.pem (the App key) and other.pem (a stranger's). */
static char *keys_dir;

static char *key_file(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", keys_dir, name) > 0);
	return p;
}

static void test_init_requires_credentials(void **state)
{
	struct forge_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(forge_github.init(&cfg, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "github: set RUSTREVIEW_GITHUB_APP_ID and "
			    "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE (GitHub App) or RUSTREVIEW_GITHUB_TOKEN "
			    "(personal access token)");
	assert_null(cfg.state);
	cfg.extra[0] = APP_ID;
	assert_int_equal(forge_github.init(&cfg, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "github: RUSTREVIEW_GITHUB_APP_ID is set but "
			    "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE is not");
	cfg.extra[1] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
	assert_int_equal(forge_github.init(&cfg, &err), RR_ECONFIG);
	assert_non_null(strstr(err.msg, "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE: not a PEM private key"));
	assert_null(strstr(err.msg, "bm90IGEga2V5"));
	assert_null(cfg.state);
	cfg.extra[0] = NULL;
	cfg.extra[1] = NULL;
	cfg.token = PAT;
	assert_int_equal(forge_github.init(&cfg, &err), RR_OK);
	assert_non_null(cfg.state);
	forge_github.cleanup(&cfg);
	assert_null(cfg.state);
}

static unsigned char *b64url_decode(const char *s, size_t n, size_t *out_len)
{
	size_t padded = (n + 3) / 4 * 4, pad = padded - n;
	char *tmp = calloc(1, padded + 1);
	unsigned char *out = calloc(1, padded);
	int len;
	for (size_t i = 0; i < padded; i++)
		tmp[i] = i < n ? (s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i]) : '=';
	len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)padded);
	free(tmp);
	assert_true(len >= 0);
	*out_len = (size_t)len - pad;
	return out;
}

static bool rs256_verify(const char *pub_pem_file, const char *input, size_t len,
			 const unsigned char *sig, size_t sig_len)
{
	FILE *f = fopen(pub_pem_file, "r");
	EVP_PKEY *pub = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = pub && ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
		  EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, len) == 1;
	if (f)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	return ok;
}

static void test_app_jwt_is_rs256_signed(void **state)
{
	char *pem_path = key_file("app.pem"), *pub_path = key_file("app.pub.pem");
	char *pem = slurp(pem_path), *jwt = NULL;
	struct rr_error err = { 0 };
	time_t now = 1700000000;
	size_t hl, cl, sl;
	(void)state;
	assert_int_equal(github_jwt_create(APP_ID, pem, now, &jwt, &err), RR_OK);
	char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	assert_non_null(dot2);
	assert_null(strchr(jwt, '='));          /* base64url without padding */
	unsigned char *header = b64url_decode(jwt, (size_t)(dot1 - jwt), &hl);
	unsigned char *claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &cl);
	unsigned char *sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
	assert_int_equal(hl, strlen("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"));
	assert_memory_equal(header, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", hl);
	json_t *c = json_loadb((char *)claims, cl, 0, NULL);
	assert_non_null(c);
	assert_int_equal(json_integer_value(json_object_get(c, "iat")), now - 60);
	assert_int_equal(json_integer_value(json_object_get(c, "exp")), now + 540);
	assert_true(json_is_integer(json_object_get(c, "iss")));
	assert_int_equal(json_integer_value(json_object_get(c, "iss")), 4242);
	assert_int_equal(sl, 256);              /* 2048-bit key */
	assert_true(rs256_verify(pub_path, jwt, (size_t)(dot2 - jwt), sig, sl));
	jwt[5] ^= 1;                            /* any change breaks the signature */
	assert_false(rs256_verify(pub_path, jwt, (size_t)(dot2 - jwt), sig, sl));
	json_decref(c);
	free(header);
	free(claims);
	free(sig);
	free(jwt);
	/* a client id (not digits) stays a string */
	assert_int_equal(github_jwt_create("Iv1.abc123", pem, now, &jwt, &err), RR_OK);
	dot1 = strchr(jwt, '.');
	dot2 = strchr(dot1 + 1, '.');
	claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &cl);
	c = json_loadb((char *)claims, cl, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "Iv1.abc123");
	json_decref(c);
	free(claims);
	free(jwt);
	free(pem);
	free(pem_path);
	free(pub_path);
}

static void test_git_credentials_token_mode(void **state)
{
	struct forge_config cfg;
	struct review_request rq = { 0 };
	struct git_credentials cred;
	struct rr_error err = { 0 };
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.token = PAT;
	cfg.api_url = "http://127.0.0.1:1";
	assert_int_equal(forge_github.init(&cfg, &err), RR_OK);
	assert_int_equal(forge_github.git_credentials(&cfg, &rq, &cred, &err), RR_OK);
	assert_string_equal(cred.username, "x-access-token");
	assert_string_equal(cred.password, PAT);
	rr_secret_free(cred.password);
	forge_github.cleanup(&cfg);
}

/* ======================================================================== */
/* publish against fakegithub.py                                            */
/* ======================================================================== */

static struct {
	pid_t pid;
	char *dir;             /* temp root: keys, git repo, port file, logs */
	char base[64];
	struct api_client *ctl;
	char *git_dir;
	char *base_sha, *head_sha;
} fk;

/* base: src/lib.rs with 5 lines; head: 45 lines appended (6..50 added; 3..5 context). */
static int make_git_repo(void)
{
	const char *d = fk.dir;
	if (tu_sh("cd '%s' && export GIT_CONFIG_NOSYSTEM=1 HOME='%s' && "
		  "git init -q -b main repo && cd repo && git config user.email t@example.com && "
		  "git config user.name T && mkdir src && "
		  "for i in 1 2 3 4 5; do echo \"fn f$i() {}\"; done > src/lib.rs && "
		  "git add -A && git commit -qm base && git checkout -qb feature && "
		  "for i in $(seq 6 50); do echo \"fn f$i() {}\"; done >> src/lib.rs && "
		  "git commit -qam head", d, d) != 0)
		return -1;
	fk.base_sha = tu_sh_out("git -C '%s/repo' rev-parse main", d);
	fk.head_sha = tu_sh_out("git -C '%s/repo' rev-parse feature", d);
	return asprintf(&fk.git_dir, "%s/repo/.git", d) < 0 ? -1 : 0;
}

static int make_keys(void)
{
	return tu_sh("cd '%s' && openssl genrsa -out app.pem 2048 2>/dev/null && "
		     "openssl rsa -in app.pem -pubout -out app.pub.pem 2>/dev/null && "
		     "openssl genrsa -out other.pem 2048 2>/dev/null", keys_dir);
}

static int group_setup(void **state)
{
	struct rr_error err = { 0 };
	char *pub = NULL, *tokens = NULL;
	int rc = -1;
	(void)state;
	git_libgit2_init();
	fk.dir = keys_dir = tu_mkdtemp("github");
	if (!fk.dir || make_keys() != 0 || make_git_repo() != 0 ||
	    asprintf(&pub, "%s/app.pub.pem", fk.dir) < 0 ||
	    asprintf(&tokens, "%s/tokens", fk.dir) < 0)
		goto done;
	const char *args[] = { "--app-id", APP_ID, "--public-key", pub, "--token-file", tokens,
			       "--pat", PAT, "--max-per-page", "2", NULL };
	if (fake_github_start(fk.dir, args, &fk.pid, fk.base, sizeof(fk.base)) != 0)
		goto done;
	rc = api_client_new(&fk.ctl, NULL, &err);
done:
	free(pub);
	free(tokens);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	fake_github_stop(fk.pid);
	api_client_free(fk.ctl);
	tu_rmrf(fk.dir);
	free(fk.dir);
	free(fk.git_dir);
	free(fk.base_sha);
	free(fk.head_sha);
	git_libgit2_shutdown();
	return 0;
}

/* Control call on the fake; returns the parsed JSON (caller decrefs). */
static json_t *fake_call(const char *method, const char *path, json_t *body)
{
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *url = NULL;
	json_t *out;
	assert_true(asprintf(&url, "%s%s", fk.base, path) > 0);
	if (api_request(fk.ctl, method, url, NULL, body, &r, &err) != RR_OK)
		fail_msg("%s %s: %s", method, path, err.msg);
	out = json_incref(r.json);
	api_response_free(&r);
	json_decref(body);
	free(url);
	return out;
}

/* Forgets everything and registers the pull request with its git repository. */
static void fake_fresh_pull(void)
{
	json_decref(fake_call("POST", "/_fake/reset", NULL));
	json_decref(fake_call("POST", "/_fake/pulls",
			      json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "owner", OWNER, "repo", REPO,
					"number", NUMBER, "git_dir", fk.git_dir, "base_sha", fk.base_sha,
					"head_sha", fk.head_sha)));
}

static json_t *fake_reviews(void)
{
	json_t *r = fake_call("GET", "/_fake/reviews?owner=" OWNER "&repo=" REPO "&number=5", NULL);
	json_t *list = json_incref(json_object_get(r, "reviews"));
	json_decref(r);
	return list;
}

static size_t fake_count_requests(const char *suffix, long status)
{
	json_t *reqs = fake_call("GET", "/_fake/requests", NULL), *r;
	size_t i, n = 0, sl = strlen(suffix);
	json_array_foreach(reqs, i, r) {
		const char *p = json_string_value(json_object_get(r, "path"));
		size_t pl = strlen(p);
		if (pl >= sl && strcmp(p + pl - sl, suffix) == 0 &&
		    (status == 0 || json_integer_value(json_object_get(r, "status")) == status))
			n++;
	}
	json_decref(reqs);
	return n;
}

struct app {
	struct forge_config cfg;
	char *pem;
	struct review_request rq;
};

static void app_init(struct app *a, const char *key_name)
{
	struct rr_error err = { 0 };
	char *path = key_file(key_name);
	memset(a, 0, sizeof(*a));
	a->pem = slurp(path);
	free(path);
	a->cfg.forge = &forge_github;
	a->cfg.enabled = true;
	a->cfg.webhook_secret = SECRET;
	a->cfg.api_url = fk.base;
	a->cfg.extra[0] = APP_ID;
	a->cfg.extra[1] = a->pem;
	a->cfg.user_agent = "rustreview-test/0";
	if (forge_github.init(&a->cfg, &err) != RR_OK)
		fail_msg("init: %s", err.msg);
	a->rq.forge = "github";
	a->rq.owner = OWNER;
	a->rq.repo = REPO;
	a->rq.number = NUMBER;
	a->rq.base_ref = "main";
	a->rq.base_sha = fk.base_sha;
	a->rq.head_sha = fk.head_sha;
	a->rq.forge_data = "{\"installation_id\":1}";
}

static void app_free(struct app *a)
{
	forge_github.cleanup(&a->cfg);
	rr_secret_free(a->pem);
}

/* Findings on src/lib.rs at the given lines, fingerprints 0..01, 0..02, ... by `first`. */
static void add_findings(struct finding_list *l, const uint32_t *lines, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++) {
		struct finding f;
		memset(&f, 0, sizeof(f));
		f.path = strdup("src/lib.rs");
		f.line = f.end_line = lines[i];
		f.column = 1;
		f.end_column = 5;
		f.rule_id = (first + i) % 2 ? "unwrap_used" : "todo";
		f.severity = RR_SEV_WARNING;
		assert_true(asprintf(&f.message, "Finding %u: avoid this in production code.",
				     first + (unsigned)i) > 0);
		snprintf(f.fingerprint, sizeof(f.fingerprint), "%016x", first + (unsigned)i);
		assert_int_equal(finding_list_push(l, &f), RR_OK);
	}
}

static void test_publish_posts_exact_review(void **state)
{
	static const uint32_t lines[] = { 10, 11, 20 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	json_t *revs, *rev, *comments;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	add_findings(&l, lines, 3, 1);
	/* the third spans two lines: its suggestion must not be offered */
	l.items[2].end_line = 21;
	l.items[2].suggestion_lines = strdup("fn f20() {}\nfn f21() {}");
	l.items[0].suggestion_lines = strdup("fn f10_fixed() {}");

	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_true(res.review_created);
	assert_int_equal(res.posted, 3);
	assert_int_equal(res.already_posted, 0);
	assert_int_equal(res.over_cap, 0);

	revs = fake_reviews();
	assert_int_equal(json_array_size(revs), 1);
	rev = json_array_get(revs, 0);
	assert_string_equal(json_string_value(json_object_get(rev, "commit_id")), fk.head_sha);
	assert_string_equal(json_string_value(json_object_get(rev, "event")), "COMMENT");
	assert_string_equal(json_string_value(json_object_get(rev, "body")),
			    "**rustreview** found 3 issues in this pull request.\n\n"
			    "| rule | count |\n| --- | ---: |\n"
			    "| `todo` | 1 |\n| `unwrap_used` | 2 |\n\n"
			    "<!-- rustreview:summary -->\n");
	comments = json_object_get(rev, "comments");
	assert_int_equal(json_array_size(comments), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *c = json_array_get(comments, i);
		char *want = finding_comment_body(&l.items[i], i != 2 ? "suggestion" : NULL);
		assert_string_equal(json_string_value(json_object_get(c, "path")), "src/lib.rs");
		assert_int_equal(json_integer_value(json_object_get(c, "line")), lines[i]);
		assert_string_equal(json_string_value(json_object_get(c, "side")), "RIGHT");
		assert_string_equal(json_string_value(json_object_get(c, "body")), want);
		free(want);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(comments, 0), "body")),
			    "Finding 1: avoid this in production code.\n\n"
			    "```suggestion\nfn f10_fixed() {}\n```\n\n"
			    "<!-- rustreview:fingerprint=0000000000000001 rule=unwrap_used -->");
	assert_null(strstr(json_string_value(json_object_get(json_array_get(comments, 2), "body")),
			   "```suggestion"));
	json_decref(revs);
	finding_list_free(&l);
	app_free(&a);
}

static void test_publish_again_posts_nothing_and_token_is_cached(void **state)
{
	static const uint32_t lines[] = { 6, 7 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	json_t *revs;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	add_findings(&l, lines, 2, 100);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_int_equal(res.posted, 2);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_false(res.review_created);
	assert_int_equal(res.posted, 0);
	assert_int_equal(res.already_posted, 2);
	revs = fake_reviews();
	assert_int_equal(json_array_size(revs), 1);
	json_decref(revs);
	assert_int_equal(fake_count_requests("/reviews", 0), 1);
	/* two publishes (three listing pages, one post): one installation token */
	assert_int_equal(fake_count_requests("/access_tokens", 0), 1);
	finding_list_free(&l);
	app_free(&a);
}

static void test_dedupe_sees_every_page(void **state)
{
	static const uint32_t lines[] = { 30, 31, 32, 33, 34, 35, 36 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	json_t *revs, *comments;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	add_findings(&l, lines, 7, 200);
	/* a human's comment first, then five of ours from an earlier run: pages of 2 */
	json_decref(fake_call("POST", "/_fake/comments",
			      json_pack("{s:s,s:s,s:i,s:s,s:i,s:s,s:s}", "owner", OWNER, "repo", REPO,
					"number", NUMBER, "path", "src/lib.rs", "line", 8, "body",
					"Looks good to me", "login", "octocat")));
	for (size_t i = 2; i < 7; i++) {        /* the last five findings are already there */
		char *body = finding_comment_body(&l.items[i], "suggestion");
		json_decref(fake_call("POST", "/_fake/comments",
				      json_pack("{s:s,s:s,s:i,s:s,s:i,s:s,s:s}", "owner", OWNER, "repo",
						REPO, "number", NUMBER, "path", "src/lib.rs", "line",
						(int)l.items[i].line - 3, "body", body, "login",
						"rustreview[bot]")));
		free(body);
	}
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_int_equal(res.already_posted, 5);
	assert_int_equal(res.posted, 2);
	assert_int_equal(fake_count_requests("/comments", 200), 3);   /* 6 comments, 2 a page */
	revs = fake_reviews();
	comments = json_object_get(json_array_get(revs, 0), "comments");
	assert_int_equal(json_array_size(comments), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(comments, 0), "line")), 30);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(comments, 1), "line")), 31);
	json_decref(revs);
	finding_list_free(&l);
	app_free(&a);
}

static void test_cap_posts_at_most_max_comments(void **state)
{
	uint32_t lines[35];
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	json_t *revs, *rev;
	(void)state;
	for (size_t i = 0; i < 35; i++)
		lines[i] = 6 + (uint32_t)i;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	a.cfg.max_comments = 30;
	add_findings(&l, lines, 35, 1000);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_int_equal(res.posted, 30);
	assert_int_equal(res.over_cap, 5);
	revs = fake_reviews();
	rev = json_array_get(revs, 0);
	assert_int_equal(json_array_size(json_object_get(rev, "comments")), 30);
	assert_string_equal(json_string_value(json_object_get(rev, "body")),
			    "**rustreview** found 35 issues in this pull request.\n\n"
			    "| rule | count |\n| --- | ---: |\n"
			    "| `todo` | 18 |\n| `unwrap_used` | 17 |\n\n"
			    "5 more not posted: at most 30 comments per review.\n\n"
			    "<!-- rustreview:summary -->\n");
	json_decref(revs);
	finding_list_free(&l);
	app_free(&a);
}

static void test_line_outside_diff_is_einval_and_stores_nothing(void **state)
{
	static const uint32_t lines[] = { 12, 1 };   /* line 1 is not in the diff */
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	json_t *revs;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	add_findings(&l, lines, 2, 300);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_EINVAL);
	assert_false(res.review_created);
	assert_int_equal(res.posted, 0);
	assert_non_null(strstr(err.msg, "github: octo/hello#5: posting the review: POST "));
	assert_non_null(strstr(err.msg, "HTTP 422: Unprocessable Entity (Pull request review thread "
					"line must be part of the diff"));
	assert_int_equal(err.retry_after, 0);
	revs = fake_reviews();
	assert_int_equal(json_array_size(revs), 0);
	json_decref(revs);
	assert_int_equal(fake_count_requests("/reviews", 422), 1);   /* not retried */
	finding_list_free(&l);
	app_free(&a);
}

static void test_wrong_app_key_is_eauth(void **state)
{
	static const uint32_t lines[] = { 12 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct git_credentials cred;
	struct rr_error err = { 0 };
	struct app a;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "other.pem");
	add_findings(&l, lines, 1, 400);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_EAUTH);
	assert_non_null(strstr(err.msg, "installation 1 access token"));
	assert_non_null(strstr(err.msg, "HTTP 401: A JSON web token could not be decoded"));
	assert_int_equal(forge_github.git_credentials(&a.cfg, &a.rq, &cred, &err), RR_EAUTH);
	assert_null(cred.password);
	assert_int_equal(fake_count_requests("/access_tokens", 401), 2);
	assert_int_equal(fake_count_requests("/comments", 0), 0);    /* never got that far */
	finding_list_free(&l);
	app_free(&a);
}

static void test_revoked_cached_token_is_replaced_once(void **state)
{
	static const uint32_t lines[] = { 13 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct git_credentials cred;
	struct rr_error err = { 0 };
	struct app a;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	assert_int_equal(forge_github.git_credentials(&a.cfg, &a.rq, &cred, &err), RR_OK);
	assert_string_equal(cred.username, "x-access-token");
	assert_memory_equal(cred.password, "ghs_", 4);
	rr_secret_free(cred.password);
	/* The fake forgets every token it issued: the cached one now gets 401. */
	fake_fresh_pull();
	add_findings(&l, lines, 1, 500);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_int_equal(res.posted, 1);
	assert_int_equal(fake_count_requests("/comments", 401), 1);
	assert_int_equal(fake_count_requests("/access_tokens", 201), 1);
	finding_list_free(&l);
	app_free(&a);
}

struct cred_worker {
	struct app *a;
	char *password;
	int rc;
};

static void *cred_run(void *arg)
{
	struct cred_worker *w = arg;
	struct git_credentials cred;
	struct rr_error err = { 0 };
	w->rc = forge_github.git_credentials(&w->a->cfg, &w->a->rq, &cred, &err);
	w->password = cred.password;
	return NULL;
}

/* Jobs of one installation racing for a token: GitHub is asked once. */
static void test_concurrent_jobs_share_one_token(void **state)
{
	struct cred_worker w[8];
	pthread_t t[8];
	struct app a;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	for (int i = 0; i < 8; i++) {
		w[i] = (struct cred_worker){ &a, NULL, -100 };
		assert_int_equal(pthread_create(&t[i], NULL, cred_run, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(w[i].rc, RR_OK);
		assert_string_equal(w[i].password, w[0].password);
	}
	for (int i = 0; i < 8; i++)
		rr_secret_free(w[i].password);
	assert_int_equal(fake_count_requests("/access_tokens", 0), 1);
	app_free(&a);
}

static void test_token_mode_publish_and_no_secret_in_logs(void **state)
{
	static const uint32_t lines[] = { 14 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct rr_error err = { 0 };
	struct app a;
	char *log_path = NULL, *logs;
	int fd;
	(void)state;
	fake_fresh_pull();
	app_init(&a, "app.pem");
	forge_github.cleanup(&a.cfg);
	a.cfg.extra[0] = NULL;
	a.cfg.extra[1] = NULL;
	a.cfg.token = PAT;
	assert_int_equal(forge_github.init(&a.cfg, &err), RR_OK);
	a.rq.forge_data = NULL;
	add_findings(&l, lines, 1, 600);
	assert_true(asprintf(&log_path, "%s/log.jsonl", fk.dir) > 0);
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	rr_log_set_fd(fd);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	assert_int_equal(publish_run(&a.cfg, &a.rq, &l, &NO_GROUPING, &res, &err), RR_OK);
	rr_log_set_fd(2);
	close(fd);
	logs = slurp(log_path);
	assert_non_null(strstr(logs, "\"event\":\"review.posted\",\"posted\":1,"));
	assert_non_null(strstr(logs, "\"event\":\"review.nothing_new\",\"posted\":0,"
				     "\"already_posted\":1,"));
	assert_null(strstr(logs, PAT));
	assert_null(strstr(logs, "Bearer"));
	assert_int_equal(fake_count_requests("/access_tokens", 0), 0);
	free(logs);
	free(log_path);
	finding_list_free(&l);
	a.cfg.token = NULL;
	app_free(&a);
}

int main(void)
{
	/* One group (tests/run.sh reads the last summary); the fake starts in its setup. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forge_table),
		cmocka_unit_test(test_header_lookup_is_case_insensitive),
		cmocka_unit_test(test_review_request_json_round_trip),
		cmocka_unit_test(test_review_request_queued_by_older_build),
		cmocka_unit_test(test_review_request_from_bad_json),
		cmocka_unit_test(test_verify_signature_vectors),
		cmocka_unit_test(test_verify_rejects_bad_signatures),
		cmocka_unit_test(test_parse_reviewed_actions),
		cmocka_unit_test(test_parse_skips_with_reason),
		cmocka_unit_test(test_parse_draft),
		cmocka_unit_test(test_parse_malformed_payloads),
		cmocka_unit_test(test_fetch_refspecs),
		cmocka_unit_test(test_init_requires_credentials),
		cmocka_unit_test(test_app_jwt_is_rs256_signed),
		cmocka_unit_test(test_git_credentials_token_mode),
		cmocka_unit_test(test_publish_posts_exact_review),
		cmocka_unit_test(test_publish_again_posts_nothing_and_token_is_cached),
		cmocka_unit_test(test_dedupe_sees_every_page),
		cmocka_unit_test(test_cap_posts_at_most_max_comments),
		cmocka_unit_test(test_line_outside_diff_is_einval_and_stores_nothing),
		cmocka_unit_test(test_wrong_app_key_is_eauth),
		cmocka_unit_test(test_revoked_cached_token_is_replaced_once),
		cmocka_unit_test(test_concurrent_jobs_share_one_token),
		cmocka_unit_test(test_token_mode_publish_and_no_secret_in_logs),
	};
	return cmocka_run_group_tests_name("github", tests, group_setup, group_teardown);
}
