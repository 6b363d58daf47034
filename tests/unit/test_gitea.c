/* test_gitea.c — the Gitea forge: X-Gitea-Signature against the published
 * vectors, the real fork delivery of tests/fixtures/gitea, and publishing
 * against tests/e2e/fakegitea.py (reviews and their comments listed over
 * every page, the token's user for git, nothing off the diff). */
#include "testutil.h"
#include "fakeforge_testutil.h"

#include "../../handlers/forge.h"
#include "../../handlers/gitea.h"
#include "../../handlers/publish.h"

#define SECRET "gitea-webhook-secret"
#define TOKEN  "gitea-unit-token-0123456789abcdef"

static struct forge_config cfg_for(const char *url, const char *secret)
{
	struct forge_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_gitea;
	cfg.enabled = true;
	cfg.webhook_secret = (char *)secret;
	cfg.api_url = (char *)url;
	cfg.token = TOKEN;
	cfg.user_agent = "rustreview-test/0";
	return cfg;
}

static int verify(const char *secret, const char *body, size_t len, const char *sig)
{
	struct forge_config cfg = cfg_for("http://localhost:3000", secret);
	struct http_header h[1] = { { "X-Gitea-Signature", sig } };
	struct http_request req = { "POST", "/webhooks/gitea", h, sig ? 1 : 0, body, len };
	struct rr_error err = { 0 };
	return forge_gitea.verify(&cfg, &req, &err);
}

/* Every gitea vector of signature-vectors.json, and what must be refused. */
static void test_signature_vectors(void **state)
{
	size_t vlen, plen;
	char *vectors = forge_fixture("signature-vectors.json", &vlen);
	json_t *root = json_loads(vectors, 0, NULL), *v;
	size_t i;
	(void)state;
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "gitea"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *secret = json_string_value(json_object_get(v, "secret"));
		const char *expected = json_string_value(json_object_get(v, "expected"));
		const json_t *hdrs = json_object_get(v, "headers");
		const char *file = json_string_value(json_object_get(v, "payload_file"));
		const char *suffix = json_string_value(json_object_get(v, "payload_suffix"));
		const char *payload = json_string_value(json_object_get(v, "payload"));
		char *body = NULL;

		if (!expected && hdrs)
			expected = json_string_value(json_object_get(hdrs, "X-Gitea-Signature"));
		if (file) {
			char *raw = forge_fixture(file, &plen);
			assert_true(asprintf(&body, "%s%s", raw, suffix ? suffix : "") >= 0);
			free(raw);
		} else {
			body = strdup(payload ? payload : "");
		}
		if (!secret || !*secret) {
			/* no secret on the hook: an empty signature, refused by a bot that has one */
			assert_int_equal(verify("configured", body, strlen(body), expected), RR_EAUTH);
		} else {
			if (verify(secret, body, strlen(body), expected) != RR_OK)
				fail_msg("vector %s refused", id);
			assert_int_equal(verify(secret, body, strlen(body), NULL), RR_EAUTH);
		}
		if (suffix) {
			/* the signature of the file without the newline must not pass */
			assert_int_equal(verify(secret, body, strlen(body),
						"aac7963f14ec25b9ef8dd02ad4267fd4b63774bfc54e240e8c15c94101258928"),
					 RR_EAUTH);
		}
		free(body);
	}
	/* GitHub's prefix is not Gitea's header format */
	assert_int_equal(verify("It's a Secret to Everybody", "Hello, World!", 13,
				"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
			 RR_EAUTH);
	json_decref(root);
	free(vectors);
}

static int parse(const struct forge_config *cfg, const char *body, size_t len, const char *event,
		 const char *delivery, struct review_request *rq, struct rr_error *err)
{
	struct http_header h[2] = { { "X-Gitea-Event", event }, { "X-Gitea-Delivery", delivery } };
	struct http_request req = { "POST", "/webhooks/gitea", h, delivery ? 2 : 1, body, len };
	return forge_gitea.parse_event(cfg, &req, rq, err);
}

static void test_fork_delivery(void **state)
{
	struct forge_config cfg = cfg_for("http://localhost:3000", SECRET);
	struct review_request rq;
	struct rr_error err = { 0 };
	size_t len;
	char *body = forge_fixture("gitea/pull_request.opened.fork.json", &len), *p;
	(void)state;
	assert_int_equal(parse(&cfg, body, len, "pull_request", "d-1", &rq, &err), RR_OK);
	/* the base repository, whose refs/pull/2/head holds the fork's commits */
	assert_string_equal(rq.owner, "example");
	assert_string_equal(rq.repo, "example");
	assert_string_equal(rq.clone_url, "http://localhost:3000/example/example.git");
	assert_int_equal(rq.number, 2);
	assert_string_equal(rq.base_ref, "master");
	assert_string_equal(rq.base_sha, "67b56589a45103f891bdee7c0546e5d40bc02001");
	assert_string_equal(rq.head_sha, "48e773f892a831faa47c0a160d1b7f0cd369ae2a");
	assert_null(rq.forge_data);
	review_request_free(&rq);
	assert_int_equal(parse(&cfg, body, len, "pull_request", NULL, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "gitea webhook: X-Gitea-Delivery header missing");
	assert_int_equal(parse(&cfg, body, len, "push", "d-2", &rq, &err), RR_SKIP);
	/* GitHub's spelling is not Gitea's */
	p = strstr(body, "\"opened\"");
	memcpy(p, "\"closed\"", 8);
	assert_int_equal(parse(&cfg, body, len, "pull_request", "d-3", &rq, &err), RR_SKIP);
	assert_string_equal(err.msg, "pull_request action 'closed' needs no review");
	free(body);
	/* another instance: not our clone URL */
	body = forge_fixture("gitea/pull_request.opened.fork.json", &len);
	cfg.api_url = "https://gitea.example.com";
	assert_int_equal(parse(&cfg, body, len, "pull_request", "d-4", &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "gitea payload: field 'repository.clone_url' is not on the "
			    "configured git host (RUSTREVIEW_GITEA_URL): it names "
			    "http://localhost:3000");
	free(body);
}

static void test_init_needs_url_and_token(void **state)
{
	struct forge_config cfg = cfg_for(NULL, SECRET);
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(forge_gitea.init(&cfg, &err), RR_ECONFIG);
	assert_non_null(strstr(err.msg, "RUSTREVIEW_GITEA_URL"));
	cfg.api_url = "https://gitea.example.com";
	cfg.token = NULL;
	assert_int_equal(forge_gitea.init(&cfg, &err), RR_ECONFIG);
	assert_non_null(strstr(err.msg, "RUSTREVIEW_GITEA_TOKEN"));
	assert_null(cfg.state);
}

/* ---- against fakegitea.py --------------------------------------------------- */

static struct fake_forge_world fk;

static int group_setup(void **state)
{
	static const char *const args[] = { "--token", TOKEN, "--login", "bot-user",
					    "--max-per-page", "1", NULL };
	(void)state;
	if (fake_forge_world_start(&fk, "fakegitea.py", "o", "r", args) != 0)
		return -1;
	json_decref(fake_forge_call(fk.base, "POST", "/_fake/pulls",
				    json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "owner", "o", "repo", "r",
					      "number", 3, "git_dir", fk.git_dir, "base_sha",
					      fk.base_sha, "head_sha", fk.head_sha)));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fake_forge_world_stop(&fk);
	return 0;
}

static void rq_for(struct review_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->forge = "gitea";
	rq->owner = "o";
	rq->repo = "r";
	rq->number = 3;
	rq->base_ref = "main";
	rq->base_sha = fk.base_sha;
	rq->head_sha = fk.head_sha;
}

static void test_git_user_is_the_tokens_user(void **state)
{
	struct forge_config cfg = cfg_for(fk.base, SECRET);
	struct review_request rq;
	struct git_credentials c;
	struct rr_error err = { 0 };
	char url[128];
	(void)state;
	rq_for(&rq);
	snprintf(url, sizeof(url), "%s/o/r.git", fk.base);
	rq.clone_url = url;
	assert_int_equal(forge_gitea.init(&cfg, &err), RR_OK);
	assert_int_equal(forge_gitea.git_credentials(&cfg, &rq, &c, &err), RR_OK);
	assert_string_equal(c.username, "bot-user");
	assert_string_equal(c.password, TOKEN);
	git_credentials_clear(&c);
	snprintf(url, sizeof(url), "%s/o/other.git", fk.base);
	assert_int_equal(forge_gitea.git_credentials(&cfg, &rq, &c, &err), RR_EINVAL);
	assert_null(c.password);
	forge_gitea.cleanup(&cfg);
}

static void test_publish_lists_every_review_and_posts_once(void **state)
{
	static const uint32_t lines[] = { 10, 11, 12, 13, 20 };
	struct forge_config cfg = cfg_for(fk.base, SECRET);
	const struct publish_settings s = { 30, 3, 10 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_result res;
	struct review_request rq;
	struct rr_error err = { 0 };
	json_t *r, *revs, *comments;
	(void)state;
	rq_for(&rq);
	for (size_t i = 0; i < 5; i++) {
		struct finding f;
		memset(&f, 0, sizeof(f));
		f.path = strdup("src/lib.rs");
		f.line = f.end_line = lines[i];
		f.column = 1;
		f.rule_id = i < 4 ? "unwrap_used" : "todo";
		f.message = strdup("Avoid it.");
		f.suggestion_lines = strdup("fn fixed() {}");
		snprintf(f.fingerprint, sizeof(f.fingerprint), "%016x", 0x900u + (unsigned)i);
		assert_int_equal(finding_list_push(&l, &f), RR_OK);
	}
	/* a human's review first, so the listing has two pages */
	json_decref(fake_forge_call(fk.base, "POST", "/_fake/reviews",
				    json_pack("{s:s,s:s,s:i,s:s}", "owner", "o", "repo", "r", "number",
					      3, "body", "LGTM")));
	assert_int_equal(forge_gitea.init(&cfg, &err), RR_OK);
	assert_int_equal(publish_run(&cfg, &rq, &l, &s, &res, &err), RR_OK);
	assert_int_equal(res.posted, 2);              /* 4 unwrap_used grouped, 1 todo */
	assert_int_equal(res.grouped, 3);
	assert_int_equal(publish_run(&cfg, &rq, &l, &s, &res, &err), RR_OK);
	assert_false(res.review_created);
	assert_int_equal(res.already_posted, 5);
	r = fake_forge_call(fk.base, "GET", "/_fake/reviews?owner=o&repo=r&number=3", NULL);
	revs = json_object_get(r, "reviews");
	assert_int_equal(json_array_size(revs), 2);
	comments = json_object_get(json_array_get(revs, 1), "comments");
	assert_int_equal(json_array_size(comments), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *c = json_array_get(comments, i);
		assert_false(json_is_true(json_object_get(c, "off_diff")));
		assert_null(strstr(json_string_value(json_object_get(c, "body")), "```"));
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(comments, 0), "body")),
			    "Avoid it.\n\nAlso at lines 11, 12, 13.\n\n"
			    "<!-- rustreview:fingerprint=0000000000000900 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000901 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000902 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000903 rule=unwrap_used -->");
	json_decref(r);
	forge_gitea.cleanup(&cfg);
	finding_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vectors),
		cmocka_unit_test(test_fork_delivery),
		cmocka_unit_test(test_init_needs_url_and_token),
		cmocka_unit_test(test_git_user_is_the_tokens_user),
		cmocka_unit_test(test_publish_lists_every_review_and_posts_once),
	};
	return cmocka_run_group_tests_name("gitea", tests, group_setup, group_teardown);
}
