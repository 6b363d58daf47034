/* test_gitlab.c — the GitLab forge: the hook token, the real payloads of
 * tests/fixtures/gitlab, and publishing against tests/e2e/fakegitlab.py
 * (diff_refs null on the first read, GitLab's 400 for a position outside the
 * diff: logged and skipped, the rest posted; one summary note per head). */
#include "testutil.h"
#include "fakeforge_testutil.h"

#include <fcntl.h>

#include "../../common/log.h"
#include "../../handlers/forge.h"
#include "../../handlers/gitlab.h"
#include "../../handlers/publish.h"

#define SECRET "gitlab-unit-secret"
#define TOKEN  "glpat-unit-token-0123456789"

static struct forge_config cfg_for(const char *url)
{
	struct forge_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_gitlab;
	cfg.enabled = true;
	cfg.webhook_secret = SECRET;
	cfg.api_url = (char *)url;
	cfg.token = TOKEN;
	cfg.user_agent = "rustreview-test/0";
	return cfg;
}

static int parse(const struct forge_config *cfg, const char *body, size_t len, const char *event,
		 const char *idem, const char *uuid, struct review_request *rq, struct rr_error *err)
{
	struct http_header h[4];
	size_t n = 0;
	struct http_request req = { "POST", "/webhooks/gitlab", h, 0, body, len };
	if (event)
		h[n++] = (struct http_header){ "X-Gitlab-Event", event };
	if (idem)
		h[n++] = (struct http_header){ "Idempotency-Key", idem };
	if (uuid)
		h[n++] = (struct http_header){ "X-Gitlab-Event-UUID", uuid };
	req.nheaders = n;
	return forge_gitlab.parse_event(cfg, &req, rq, err);
}

static void test_token_in_constant_time(void **state)
{
	struct forge_config cfg = cfg_for("https://gitlab.example.com");
	struct http_header h[1] = { { "X-Gitlab-Token", SECRET } };
	struct http_request req = { "POST", "/webhooks/gitlab", h, 1, "{}", 2 };
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(forge_gitlab.verify(&cfg, &req, &err), RR_OK);
	h[0].value = SECRET "x";
	assert_int_equal(forge_gitlab.verify(&cfg, &req, &err), RR_EAUTH);
	assert_string_equal(err.msg, "gitlab webhook: X-Gitlab-Token does not match the webhook secret");
	h[0].value = "";
	assert_int_equal(forge_gitlab.verify(&cfg, &req, &err), RR_EAUTH);
	req.nheaders = 0;
	assert_int_equal(forge_gitlab.verify(&cfg, &req, &err), RR_EAUTH);
	assert_string_equal(err.msg, "gitlab webhook: X-Gitlab-Token header missing");
	h[0].value = SECRET;
	req.nheaders = 1;
	cfg.webhook_secret = NULL;
	assert_int_equal(forge_gitlab.verify(&cfg, &req, &err), RR_EAUTH);
	assert_string_equal(err.msg, "gitlab webhook: no webhook secret configured");
}

static void test_open_fixture(void **state)
{
	struct forge_config cfg = cfg_for("http://example.com");
	struct review_request rq;
	struct rr_error err = { 0 };
	size_t len;
	char *body = forge_fixture("gitlab/merge_request.open.json", &len);
	(void)state;
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", "idem-1", "uuid-1", &rq, &err),
			 RR_OK);
	assert_string_equal(rq.forge, "gitlab");
	assert_string_equal(rq.delivery_id, "idem-1");     /* Idempotency-Key first */
	assert_string_equal(rq.action, "open");
	assert_string_equal(rq.owner, "awesome_space");
	assert_string_equal(rq.repo, "awesome_project");
	assert_string_equal(rq.clone_url, "http://example.com/awesome_space/awesome_project.git");
	assert_int_equal(rq.number, 1);
	assert_string_equal(rq.base_ref, "master");
	assert_string_equal(rq.head_sha, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
	assert_null(rq.base_sha);                            /* from diff_refs, later */
	assert_string_equal(rq.forge_data, "{\"project_id\":14}");
	review_request_free(&rq);
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", NULL, "uuid-1", &rq, &err),
			 RR_OK);
	assert_string_equal(rq.delivery_id, "uuid-1");
	review_request_free(&rq);
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", NULL, NULL, &rq, &err),
			 RR_EINVAL);
	assert_int_equal(parse(&cfg, body, len, "Note Hook", "i", NULL, &rq, &err), RR_SKIP);
	assert_string_equal(err.msg, "event 'Note Hook' is not reviewed");
	/* the instance is another one: the clone URL is not ours */
	cfg.api_url = "https://gitlab.example.com";
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", "i", NULL, &rq, &err),
			 RR_EINVAL);
	assert_string_equal(err.msg, "gitlab payload: field 'object_attributes.target.git_http_url' "
			    "is not on the configured git host (RUSTREVIEW_GITLAB_URL): it names "
			    "http://example.com");
	free(body);
}

static void test_update_fixture_needs_oldrev(void **state)
{
	struct forge_config cfg = cfg_for("http://10.40.8.5:3200");
	struct review_request rq;
	struct rr_error err = { 0 };
	size_t len;
	char *body = forge_fixture("gitlab/merge_request.update.json", &len), *p;
	(void)state;
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", "i-2", NULL, &rq, &err), RR_OK);
	assert_string_equal(rq.owner, "test");
	assert_string_equal(rq.repo, "woodpecker");
	assert_string_equal(rq.action, "update");
	assert_int_equal(rq.number, 2);
	review_request_free(&rq);
	/* the same update without oldrev: metadata only */
	p = strstr(body, "\"oldrev\"");
	assert_non_null(p);
	memcpy(p, "\"oldrex\"", 8);
	assert_int_equal(parse(&cfg, body, len, "Merge Request Hook", "i-3", NULL, &rq, &err),
			 RR_SKIP);
	assert_string_equal(err.msg, "merge request update without new commits needs no review");
	free(body);
}

/* ---- publishing against fakegitlab.py ------------------------------------ */

static struct fake_forge_world fk;

/* base: 5 lines; head: lines 6..30 added */
static int group_setup(void **state)
{
	static const char *const args[] = { "--token", TOKEN, "--max-per-page", "2", NULL };
	(void)state;
	return fake_forge_world_start(&fk, "fakegitlab.py", "g", "p", args);
}

static int group_teardown(void **state)
{
	(void)state;
	fake_forge_world_stop(&fk);
	return 0;
}

static void register_mr(long iid)
{
	json_decref(fake_forge_call(fk.base, "POST", "/_fake/mrs",
				    json_pack("{s:i,s:I,s:s,s:s,s:s}", "project_id", 7, "iid",
					      (json_int_t)iid, "git_dir", fk.git_dir, "base_sha",
					      fk.base_sha, "head_sha", fk.head_sha)));
}

static json_t *discussions(long iid)
{
	char path[96];
	json_t *r, *d;
	snprintf(path, sizeof(path), "/_fake/discussions?project_id=7&iid=%ld", iid);
	r = fake_forge_call(fk.base, "GET", path, NULL);
	d = json_incref(json_object_get(r, "discussions"));
	json_decref(r);
	return d;
}

static void add_findings(struct finding_list *l, const uint32_t *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct finding f;
		memset(&f, 0, sizeof(f));
		f.path = strdup("src/lib.rs");
		f.line = f.end_line = lines[i];
		f.column = 1;
		f.rule_id = i % 2 ? "todo" : "unwrap_used";
		f.severity = RR_SEV_WARNING;
		assert_true(asprintf(&f.message, "Finding at %u.", lines[i]) > 0);
		snprintf(f.fingerprint, sizeof(f.fingerprint), "%016x", 0x700u + lines[i]);
		assert_int_equal(finding_list_push(l, &f), RR_OK);
	}
}

static void rq_for(struct review_request *rq, long iid, char *data)
{
	memset(rq, 0, sizeof(*rq));
	rq->forge = "gitlab";
	rq->owner = "g";
	rq->repo = "p";
	rq->number = iid;
	rq->base_ref = "main";
	rq->head_sha = strdup(fk.head_sha);
	rq->forge_data = data;
}

static void test_position_outside_diff_is_skipped_and_the_rest_posted(void **state)
{
	static const uint32_t lines[] = { 2, 10, 11 };   /* line 2 is not in the diff */
	struct forge_config cfg = cfg_for(fk.base);
	struct finding_list l = FINDING_LIST_INIT;
	const struct publish_settings s = { 30, 3, 10 };
	struct publish_result res;
	struct review_request rq;
	struct rr_error err = { 0 };
	char data[] = "{\"project_id\":7}", log_path[] = "/tmp/rr-gitlab-log-XXXXXX", *logs = NULL;
	json_t *ds;
	int fd;
	(void)state;
	register_mr(1);
	rq_for(&rq, 1, data);
	assert_int_equal(forge_gitlab.init(&cfg, &err), RR_OK);
	/* diff_refs is null on the first read: prepare asks again */
	assert_int_equal(forge_gitlab.prepare(&cfg, &rq, &err), RR_OK);
	assert_string_equal(rq.base_sha, fk.base_sha);
	assert_string_equal(rq.start_sha, fk.base_sha);
	add_findings(&l, lines, 3);
	fd = mkstemp(log_path);
	assert_true(fd >= 0);
	rr_log_set_fd(fd);
	assert_int_equal(publish_run(&cfg, &rq, &l, &s, &res, &err), RR_OK);
	rr_log_set_fd(2);
	close(fd);
	assert_int_equal(rr_read_file(log_path, 0, &logs, NULL, &err), RR_OK);
	unlink(log_path);
	assert_non_null(strstr(logs, "\"event\":\"gitlab.discussion.refused\""));
	assert_non_null(strstr(logs, "\"line\":2,"));
	assert_null(strstr(logs, TOKEN));
	free(logs);
	assert_int_equal(res.posted, 2);
	assert_int_equal(res.refused, 1);
	ds = discussions(1);
	assert_int_equal(json_array_size(ds), 3);       /* two diff notes and the summary */
	{
		json_t *n0 = json_array_get(json_object_get(json_array_get(ds, 0), "notes"), 0);
		json_t *pos = json_object_get(n0, "position");
		assert_string_equal(json_string_value(json_object_get(n0, "type")), "DiffNote");
		assert_int_equal(json_integer_value(json_object_get(pos, "new_line")), 10);
		assert_string_equal(json_string_value(json_object_get(pos, "new_path")), "src/lib.rs");
		assert_string_equal(json_string_value(json_object_get(n0, "body")),
				    "Finding at 10.\n\n<!-- rustreview:fingerprint=000000000000070a "
				    "rule=todo -->");
	}
	json_decref(ds);
	/* again: the two are there, the refused one is tried again and refused again,
	 * and no second summary note for this head */
	assert_int_equal(publish_run(&cfg, &rq, &l, &s, &res, &err), RR_OK);
	assert_int_equal(res.already_posted, 2);
	assert_int_equal(res.refused, 1);
	ds = discussions(1);
	assert_int_equal(json_array_size(ds), 3);
	json_decref(ds);
	forge_gitlab.cleanup(&cfg);
	finding_list_free(&l);
	free(rq.head_sha);
	free(rq.base_sha);
	free(rq.start_sha);
}

static void test_wrong_token_is_eauth(void **state)
{
	struct forge_config cfg = cfg_for(fk.base);
	struct review_request rq;
	struct rr_error err = { 0 };
	char data[] = "{\"project_id\":7}";
	(void)state;
	register_mr(2);
	cfg.token = "glpat-wrong";
	rq_for(&rq, 2, data);
	assert_int_equal(forge_gitlab.init(&cfg, &err), RR_OK);
	assert_int_equal(forge_gitlab.prepare(&cfg, &rq, &err), RR_EAUTH);
	assert_non_null(strstr(err.msg, "HTTP 401"));
	assert_null(strstr(err.msg, "glpat-wrong"));
	forge_gitlab.cleanup(&cfg);
	free(rq.head_sha);
}

static void test_refspecs_and_credentials(void **state)
{
	struct forge_config cfg = cfg_for("https://gitlab.example.com/gitlab");
	struct review_request rq;
	struct git_credentials c;
	struct rr_error err = { 0 };
	char **specs = NULL;
	size_t n = 0;
	(void)state;
	rq_for(&rq, 9, NULL);
	rq.owner = "group/sub";
	rq.repo = "proj";
	assert_int_equal(forge_gitlab.fetch_refspecs(&rq, &specs, &n, &err), RR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(specs[0], "+refs/heads/main:refs/rustreview/base/main");
	assert_string_equal(specs[1], "+refs/merge-requests/9/head:refs/rustreview/pull/9/head");
	free(specs[0]);
	free(specs[1]);
	free(specs);
	/* under a relative URL root, the project's own path only */
	rq.clone_url = "https://gitlab.example.com/gitlab/group/sub/proj.git";
	assert_int_equal(forge_gitlab.git_credentials(&cfg, &rq, &c, &err), RR_OK);
	assert_string_equal(c.username, "oauth2");
	assert_string_equal(c.password, TOKEN);
	git_credentials_clear(&c);
	rq.clone_url = "https://gitlab.example.com/gitlab/group/other.git";
	assert_int_equal(forge_gitlab.git_credentials(&cfg, &rq, &c, &err), RR_EINVAL);
	assert_null(c.password);
	free(rq.head_sha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_in_constant_time),
		cmocka_unit_test(test_open_fixture),
		cmocka_unit_test(test_update_fixture_needs_oldrev),
		cmocka_unit_test(test_refspecs_and_credentials),
		cmocka_unit_test(test_position_outside_diff_is_skipped_and_the_rest_posted),
		cmocka_unit_test(test_wrong_token_is_eauth),
	};
	return cmocka_run_group_tests_name("gitlab", tests, group_setup, group_teardown);
}
