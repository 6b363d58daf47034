/* test_guards.c — hostile input: a signed payload must not steer the bot to
 * another host (clone and API URLs pinned to the configured forge), names that
 * become paths or refs are validated, forge URLs and connection limits in the
 * configuration are checked, and tokens are only handed out for the git host. */
#include "testutil.h"

#include <jansson.h>

#include "../../bot/config.h"
#include "../../common/log.h"
#include "../../common/rr.h"
#include "../../handlers/forge.h"
#include "../../handlers/github.h"

#define SECRET "guards-test-secret"
#define PAT    "ghp_guards_personal_access_token_0123456789"

extern char **environ;

/* ---- helpers ------------------------------------------------------------ */

static json_t *opened_fixture(void)
{
	const char *dir = getenv("RR_FIXTURES_DIR");
	char *path = NULL;
	json_error_t jerr;
	json_t *root;

	if (asprintf(&path, "%s/github/pull_request.opened.json",
		     dir && *dir ? dir : "tests/fixtures") < 0)
		fail_msg("out of memory");
	root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("%s: %s", path, jerr.text);
	free(path);
	return root;
}

static void set_repo_field(json_t *root, const char *key, const char *value)
{
	json_object_set_new(json_object_get(root, "repository"), key, json_string(value));
}

/* Parses the opened fixture after pointing its URLs (NULL = keep the fixture's). */
static int parse_opened(const struct forge_config *cfg, const char *clone_url, const char *api_url,
			struct review_request *rq, struct rr_error *err)
{
	json_t *root = opened_fixture();
	struct http_header h[2] = { { "X-GitHub-Event", "pull_request" },
				    { "X-GitHub-Delivery", "guard-1" } };
	struct http_request req = { "POST", "/webhooks/github", h, 2, NULL, 0 };
	char *body;
	int rc;

	if (clone_url)
		set_repo_field(root, "clone_url", clone_url);
	if (api_url)
		set_repo_field(root, "url", api_url);
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	req.body = body;
	req.body_len = strlen(body);
	rc = forge_github.parse_event(cfg, &req, rq, err);
	free(body);
	return rc;
}

static struct forge_config gh_cfg(const char *api_url, const char *git_url)
{
	struct forge_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_github;
	cfg.webhook_secret = (char *)SECRET;
	cfg.api_url = (char *)api_url;
	cfg.git_url = (char *)git_url;
	return cfg;
}

static void expect_clone_ok(const struct forge_config *cfg, const char *clone_url,
			    const char *api_url)
{
	struct review_request rq;
	struct rr_error err = { 0 };
	int rc = parse_opened(cfg, clone_url, api_url, &rq, &err);
	if (rc != RR_OK)
		fail_msg("%s: expected OK, got %d: %s", clone_url, rc, err.msg);
	assert_string_equal(rq.clone_url, clone_url);
	review_request_free(&rq);
}

static void expect_refused(const struct forge_config *cfg, const char *clone_url,
			   const char *api_url, const char *msg)
{
	struct review_request rq;
	struct rr_error err = { 0 };
	int rc = parse_opened(cfg, clone_url, api_url, &rq, &err);
	if (rc != RR_EINVAL)
		fail_msg("%s: expected RR_EINVAL, got %d (%s)", clone_url ? clone_url : api_url, rc,
			 err.msg);
	assert_string_equal(err.msg, msg);
	assert_null(rq.forge);     /* nothing half-filled left behind */
	assert_null(rq.clone_url);
}

/* The refusal names the origin the URL pointed at: what an operator needs to see. */
#define NOT_GIT_HOST(origin) "github payload: field 'repository.clone_url' is not on the " \
			     "configured git host (RUSTREVIEW_GITHUB_GIT_URL): it names " origin
#define ODD_CHARS "github payload: field 'repository.clone_url' has characters a clone URL " \
		  "does not need"
#define NOT_HTTP "github payload: field 'repository.clone_url' is not an http(s) URL"
#define NOT_API_HOST "github payload: field 'repository.url' is not on the configured API host " \
		     "(RUSTREVIEW_GITHUB_API_URL)"

/* ---- clone URL pinned to the forge (SSRF) ------------------------------- */

static void test_default_forge_is_github_com(void **state)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	(void)state;
	expect_clone_ok(&cfg, "https://github.com/Codertocat/Hello-World.git", NULL);
	expect_clone_ok(&cfg, "https://GitHub.COM/Codertocat/Hello-World.git", NULL);
	expect_clone_ok(&cfg, "https://github.com:443/Codertocat/Hello-World.git", NULL);
	/* the API host itself serves no git */
	expect_refused(&cfg, "https://api.github.com/Codertocat/Hello-World.git", NULL,
		       NOT_GIT_HOST("https://api.github.com"));
	expect_refused(&cfg, "https://evil.example/Codertocat/Hello-World.git", NULL,
		       NOT_GIT_HOST("https://evil.example"));
	expect_refused(&cfg, "https://github.com.evil.example/x/y.git", NULL,
		       NOT_GIT_HOST("https://github.com.evil.example"));
	expect_refused(&cfg, "https://github.com:8443/Codertocat/Hello-World.git", NULL,
		       NOT_GIT_HOST("https://github.com:8443"));
	expect_refused(&cfg, "http://github.com/Codertocat/Hello-World.git", NULL,
		       NOT_GIT_HOST("http://github.com"));
	expect_refused(&cfg, "http://127.0.0.1:9/x.git", NULL, NOT_GIT_HOST("http://127.0.0.1:9"));
	expect_refused(&cfg, "http://169.254.169.254/latest/meta-data/", NULL,
		       NOT_GIT_HOST("http://169.254.169.254"));
	expect_refused(&cfg, "file:///etc/passwd", NULL, NOT_HTTP);
	expect_refused(&cfg, "ssh://git@github.com/x/y.git", NULL, NOT_HTTP);
	expect_refused(&cfg, "/srv/git/x.git", NULL, NOT_HTTP);
}

static void test_parser_differentials_are_refused(void **state)
{
	static const char *const tricks[] = {
		"https://github.com@evil.example/x/y.git",       /* userinfo: host is evil */
		"https://evil.example#@github.com/x/y.git",      /* fragment */
		"https://evil.example?@github.com/x/y.git",      /* query */
		"https://evil.example\\@github.com/x/y.git",     /* backslash */
		"https://github.com%2eevil.example/x/y.git",     /* percent-escape */
		"https://github.com /x/y.git",                   /* whitespace */
		"https://github.com/x/y.git\r\nHost: evil",      /* header injection */
		"https://x:token@github.com/x/y.git",            /* credentials in the URL */
	};
	struct forge_config cfg = gh_cfg(NULL, NULL);
	(void)state;
	for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++)
		expect_refused(&cfg, tricks[i], NULL, ODD_CHARS);
}

static void test_absurd_clone_url_length_is_refused(void **state)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	char *url = malloc(4096);
	(void)state;
	assert_non_null(url);
	strcpy(url, "https://github.com/");
	memset(url + strlen(url), 'a', 3000);
	url[19 + 3000] = '\0';
	expect_refused(&cfg, url, NULL, ODD_CHARS);
	free(url);
}

static void test_enterprise_server_git_host_from_api_url(void **state)
{
	struct forge_config cfg = gh_cfg("https://ghe.example.com/api/v3", NULL);
	(void)state;
	expect_clone_ok(&cfg, "https://ghe.example.com/Codertocat/Hello-World.git",
			"https://ghe.example.com/api/v3/repos/octo/hello");
	expect_refused(&cfg, "https://github.com/Codertocat/Hello-World.git",
		       "https://ghe.example.com/api/v3/repos/octo/hello", NOT_GIT_HOST("https://github.com"));
	/* the fixture's repository.url is api.github.com: not this forge */
	expect_refused(&cfg, "https://ghe.example.com/Codertocat/Hello-World.git", NULL, NOT_API_HOST);
}

static void test_explicit_git_url_wins(void **state)
{
	struct forge_config cfg = gh_cfg("http://127.0.0.1:8001", "http://127.0.0.1:9418");
	(void)state;
	expect_clone_ok(&cfg, "http://127.0.0.1:9418/Codertocat/Hello-World.git",
			"http://127.0.0.1:8001/repos/octo/hello");
	expect_refused(&cfg, "http://127.0.0.1:9419/Codertocat/Hello-World.git",
		       "http://127.0.0.1:8001/repos/octo/hello", NOT_GIT_HOST("http://127.0.0.1:9419"));
	expect_refused(&cfg, "http://127.0.0.1:8001/Codertocat/Hello-World.git",
		       "http://127.0.0.1:8001/repos/octo/hello", NOT_GIT_HOST("http://127.0.0.1:8001"));
	expect_refused(&cfg, "https://127.0.0.1:9418/Codertocat/Hello-World.git",
		       "http://127.0.0.1:8001/repos/octo/hello", NOT_GIT_HOST("https://127.0.0.1:9418"));
	/* a test double without GIT_URL: git on the API's own origin */
	cfg.git_url = NULL;
	expect_clone_ok(&cfg, "http://127.0.0.1:8001/Codertocat/Hello-World.git",
			"http://127.0.0.1:8001/repos/octo/hello");
}

static void test_api_url_of_payload_must_be_the_forge(void **state)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	(void)state;
	expect_refused(&cfg, NULL, "https://evil.example/repos/Codertocat/Hello-World", NOT_API_HOST);
	expect_refused(&cfg, NULL, "http://api.github.com/repos/Codertocat/Hello-World", NOT_API_HOST);
}

static void test_clone_url_refusal_is_logged(void **state)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	char path[] = "/tmp/rr-guards-log-XXXXXX";
	int fd = mkstemp(path);
	char *logged = NULL;
	struct rr_error err = { 0 };
	(void)state;
	assert_true(fd >= 0);
	rr_log_set_fd(fd);
	expect_refused(&cfg, "https://evil.example/x/y.git", NULL,
		       NOT_GIT_HOST("https://evil.example"));
	rr_log_set_fd(2);
	close(fd);
	assert_int_equal(rr_read_file(path, 0, &logged, NULL, &err), RR_OK);
	unlink(path);
	assert_non_null(strstr(logged, "\"event\":\"github.clone_url.refused\","
				       "\"repository\":\"Codertocat/Hello-World\","
				       "\"url\":\"https://evil.example/x/y.git\","
				       "\"url_origin\":\"https://evil.example\","
				       "\"allowed\":\"https://github.com\","
				       "\"reason\":\"not the configured git host\"}"));
	free(logged);
}

/* ---- names that become paths and refs ----------------------------------- */

static int parse_with_edit(const char *obj, const char *key, const char *value,
			   struct review_request *rq, struct rr_error *err)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	json_t *root = opened_fixture();
	json_t *target = root;
	struct http_header h[2] = { { "X-GitHub-Event", "pull_request" },
				    { "X-GitHub-Delivery", "guard-2" } };
	struct http_request req = { "POST", "/webhooks/github", h, 2, NULL, 0 };
	char *body, *tok, *path = strdup(obj);
	char *save = NULL;
	int rc;

	for (tok = strtok_r(path, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		target = json_object_get(target, tok);
	assert_non_null(target);
	json_object_set_new(target, key, json_string(value));
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	free(path);
	req.body = body;
	req.body_len = strlen(body);
	rc = forge_github.parse_event(&cfg, &req, rq, err);
	free(body);
	return rc;
}

/* bad as the owner's login, then as the repository's name: each refused at
 * intake with the field named, nothing parsed. */
static void assert_owner_and_name_refused(const char *bad)
{
	struct review_request rq;
	struct rr_error err = { 0 };

	assert_int_equal(parse_with_edit("repository.owner", "login", bad, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: field 'repository.owner.login' is not "
			    "a valid owner");
	assert_int_equal(parse_with_edit("repository", "name", bad, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: field 'repository.name' is not a valid "
			    "repository name");
	assert_null(rq.forge);
}

static void test_owner_and_repo_names(void **state)
{
	static const char *const bad[] = { "", ".", "..", "../etc", "a/b", "a\\b", "a\x01",
					   "a b", "a\xc3\xa9" };
	struct review_request rq;
	struct rr_error err = { 0 };
	char longname[128];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_owner_and_name_refused(bad[i]);
	memset(longname, 'a', 101);
	longname[101] = '\0';
	assert_int_equal(parse_with_edit("repository", "name", longname, &rq, &err), RR_EINVAL);
	assert_string_equal(err.msg, "github payload: field 'repository.name' is not a valid "
			    "repository name");
	longname[100] = '\0';     /* 100 is GitHub's own maximum: the name passes, and then the
				     clone URL must be that repository's */
	assert_int_equal(parse_with_edit("repository", "name", longname, &rq, &err), RR_EINVAL);
	assert_non_null(strstr(err.msg, "is not the payload's own repository"));
}

/* Issue 14: names a path step would read differently are refused at intake (400),
 * not accepted and then failing at the mirror. */
static void test_dot_dot_and_empty_segments_refused_at_intake(void **state)
{
	static const char *const bad[] = { "..x", "x..", "a..b", "a//b", "/a", "a/", "a/../b" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_owner_and_name_refused(bad[i]);
}

/* Issue 14: a delivery for Codertocat/Hello-World whose clone URL names another
 * repository on the same host would fetch it with this installation's token. */
static void test_clone_url_must_be_the_payloads_repository(void **state)
{
	struct forge_config cfg = gh_cfg(NULL, NULL);
	static const char *const other[] = {
		"https://github.com/secret-org/private.git",
		"https://github.com/Codertocat/private.git",
		"https://github.com/Codertocat/Hello-World/other.git",
		"https://github.com/Codertocat/Hello-World.gitx",
		"https://github.com/Codertocat.git",
		"https://github.com/x/Codertocat/Hello-World.git",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		expect_refused(&cfg, other[i], NULL,
			       "github payload: field 'repository.clone_url' is not the payload's "
			       "own repository (Codertocat/Hello-World)");
	/* a dot segment is read differently by whoever normalises the path */
	expect_refused(&cfg, "https://github.com/Codertocat/Hello-World.git/../../secret-org/private.git",
		       NULL, ODD_CHARS);
	/* with or without .git, and in any case (GitHub treats names so) */
	expect_clone_ok(&cfg, "https://github.com/Codertocat/Hello-World", NULL);
	expect_clone_ok(&cfg, "https://github.com/codertocat/hello-world.git", NULL);
}

static void test_base_ref_must_be_a_branch_name(void **state)
{
	static const char *const bad[] = { "", "a..b", "a b", "a\x01", "-x/../y", "x.lock", "a~1",
					   "a^", "a:b", "/x", "x/", "@{u}", "a\\b" };
	struct review_request rq;
	struct rr_error err = { 0 };
	char longref[300];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_with_edit("pull_request.base", "ref", bad[i], &rq, &err);
		if (rc != RR_EINVAL)
			fail_msg("base ref '%s': expected RR_EINVAL, got %d", bad[i], rc);
		assert_string_equal(err.msg, "github payload: field 'pull_request.base.ref' is not a "
				    "valid branch name");
	}
	memset(longref, 'b', 256);
	longref[256] = '\0';
	assert_int_equal(parse_with_edit("pull_request.base", "ref", longref, &rq, &err), RR_EINVAL);
	assert_int_equal(parse_with_edit("pull_request.base", "ref", "release/1.x", &rq, &err), RR_OK);
	assert_string_equal(rq.base_ref, "release/1.x");
	review_request_free(&rq);
}

/* ---- tokens only for the git host --------------------------------------- */

static void test_git_credentials_refused_for_foreign_clone_url(void **state)
{
	struct forge_config cfg = gh_cfg("http://127.0.0.1:1", "http://127.0.0.1:2");
	struct review_request rq = { 0 };
	struct git_credentials cred;
	struct rr_error err = { 0 };
	(void)state;
	cfg.token = (char *)PAT;
	assert_int_equal(forge_github.init(&cfg, &err), RR_OK);
	rq.owner = (char *)"octo";
	rq.repo = (char *)"hello";
	rq.clone_url = (char *)"http://127.0.0.1:3/octo/hello.git";
	assert_int_equal(forge_github.git_credentials(&cfg, &rq, &cred, &err), RR_EINVAL);
	assert_null(cred.password);
	assert_string_equal(err.msg, "github: git credentials for octo/hello: "
			    NOT_GIT_HOST("http://127.0.0.1:3"));
	assert_null(strstr(err.msg, PAT));
	rq.clone_url = (char *)"http://127.0.0.1:2/octo/hello.git";
	assert_int_equal(forge_github.git_credentials(&cfg, &rq, &cred, &err), RR_OK);
	assert_string_equal(cred.password, PAT);
	git_credentials_clear(&cred);
	forge_github.cleanup(&cfg);
}

/* ---- configuration ------------------------------------------------------ */

static const struct forge *const gh_only[] = { &forge_github, NULL };

static int clear_env(void **state)
{
	(void)state;
	for (;;) {
		char **e, name[256];
		for (e = environ; *e && strncmp(*e, "RUSTREVIEW_", 11) != 0; e++)
			;
		if (!*e)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
		unsetenv(name);
	}
	return 0;
}

static void test_config_git_url_and_connection_limits(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	struct forge_config *gh;
	(void)state;
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET", SECRET, 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_OK);
	gh = config_forge(&cfg, "github");
	assert_null(gh->git_url);              /* derived by the forge */
	assert_int_equal(cfg.max_connections, 1000);
	assert_int_equal(cfg.max_connections_per_ip, 0);
	assert_int_equal(cfg.connection_timeout_s, 30);
	config_free(&cfg);

	setenv("RUSTREVIEW_GITHUB_GIT_URL", "https://git.example.com:8443//", 1);
	setenv("RUSTREVIEW_MAX_CONNECTIONS", "500", 1);
	setenv("RUSTREVIEW_MAX_CONNECTIONS_PER_IP", "50", 1);
	setenv("RUSTREVIEW_CONNECTION_TIMEOUT", "5", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_OK);
	gh = config_forge(&cfg, "github");
	assert_string_equal(gh->git_url, "https://git.example.com:8443");
	assert_int_equal(cfg.max_connections, 500);
	assert_int_equal(cfg.max_connections_per_ip, 50);
	assert_int_equal(cfg.connection_timeout_s, 5);
	config_free(&cfg);

	setenv("RUSTREVIEW_CONNECTION_TIMEOUT", "0", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_CONNECTION_TIMEOUT: expected a number from 1 to "
			    "3600, got '0'");
	unsetenv("RUSTREVIEW_CONNECTION_TIMEOUT");
	setenv("RUSTREVIEW_MAX_CONNECTIONS", "3", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_MAX_CONNECTIONS: expected a number from 8 to "
			    "10000, got '3'");
}

static void test_config_forge_urls_are_checked(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET", SECRET, 1);
	setenv("RUSTREVIEW_GITHUB_GIT_URL", "ssh://git@github.com", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_GITHUB_GIT_URL: expected an http:// or https:// URL");
	setenv("RUSTREVIEW_GITHUB_GIT_URL", "https://bot:hunter2@github.com", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_GITHUB_GIT_URL: expected http(s)://HOST[:PORT][/PATH] "
			    "without user or password");
	assert_null(strstr(err.msg, "hunter2"));
	unsetenv("RUSTREVIEW_GITHUB_GIT_URL");
	setenv("RUSTREVIEW_GITHUB_API_URL", "file:///etc", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_GITHUB_API_URL: expected an http:// or https:// URL");
	setenv("RUSTREVIEW_GITHUB_API_URL", "https://", 1);
	assert_int_equal(config_load(&cfg, gh_only, &err), RR_ECONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_forge_is_github_com),
		cmocka_unit_test(test_parser_differentials_are_refused),
		cmocka_unit_test(test_absurd_clone_url_length_is_refused),
		cmocka_unit_test(test_enterprise_server_git_host_from_api_url),
		cmocka_unit_test(test_explicit_git_url_wins),
		cmocka_unit_test(test_api_url_of_payload_must_be_the_forge),
		cmocka_unit_test(test_clone_url_refusal_is_logged),
		cmocka_unit_test(test_owner_and_repo_names),
		cmocka_unit_test(test_dot_dot_and_empty_segments_refused_at_intake),
		cmocka_unit_test(test_clone_url_must_be_the_payloads_repository),
		cmocka_unit_test(test_base_ref_must_be_a_branch_name),
		cmocka_unit_test(test_git_credentials_refused_for_foreign_clone_url),
		cmocka_unit_test_setup(test_config_git_url_and_connection_limits, clear_env),
		cmocka_unit_test_setup(test_config_forge_urls_are_checked, clear_env),
	};
	int rc;
	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
