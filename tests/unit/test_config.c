/* test_config.c — settings from the environment: defaults, parsing, errors that
 * name the variable, *_FILE secrets, forges enabled by their webhook secret. */
#include "testutil.h"
#include "../../bot/config.h"
#include "../../common/rr.h"

extern char **environ;

static int fake_inits, fake_cleanups;

static int fake_init(struct forge_config *cfg, struct rr_error *err)
{
	(void)err;
	fake_inits++;
	cfg->state = &fake_inits;
	return RR_OK;
}

static void fake_cleanup(struct forge_config *cfg)
{
	assert_ptr_equal(cfg->state, &fake_inits);
	fake_cleanups++;
}

static int failing_init(struct forge_config *cfg, struct rr_error *err)
{
	(void)cfg;
	return rr_error_set(err, RR_ECONFIG, "private key is not a PEM key");
}

/* What a forge file declares: its settings beyond WEBHOOK_SECRET, with defaults. */
static const struct forge_setting full_settings[] = {
	{ "API_URL", FORGE_SLOT_URL, FORGE_SETTING_URL, "https://api.github.com", "" },
	{ "APP_ID", FORGE_SLOT_EXTRA1, 0, NULL, "" },
	{ "PRIVATE_KEY", FORGE_SLOT_EXTRA2, FORGE_SETTING_SECRET, NULL, "" },
	{ "TOKEN", FORGE_SLOT_TOKEN, FORGE_SETTING_SECRET, NULL, "" },
	{ "CA_BUNDLE", FORGE_SLOT_CA_BUNDLE, 0, NULL, "" },
	{ "GIT_URL", FORGE_SLOT_GIT_URL, FORGE_SETTING_URL, NULL, "" },
	{ NULL, FORGE_SLOT_COUNT, 0, NULL, NULL },
};
static const struct forge_setting other_settings[] = {
	{ "API_URL", FORGE_SLOT_URL, FORGE_SETTING_URL, NULL, "" },
	{ NULL, FORGE_SLOT_COUNT, 0, NULL, NULL },
};
static const struct forge fake_github = { .name = "github", .settings = full_settings,
					  .init = fake_init,
					  .cleanup = fake_cleanup };
static const struct forge fake_other = { .name = "other", .settings = other_settings,
					 .init = fake_init,
					 .cleanup = fake_cleanup };
static const struct forge fake_broken = { .name = "broken", .init = failing_init };
static const struct forge *const fake_forges[] = { &fake_github, &fake_other, NULL };
static const struct forge *const broken_forges[] = { &fake_broken, NULL };

/* Every test starts from an environment without any RUSTREVIEW_ variable. */
static int clear_env(void **state)
{
	(void)state;
	tu_clear_rustreview_env();
	fake_inits = fake_cleanups = 0;
	return 0;
}

/* Loads expecting failure; returns the message (static storage). */
static const char *load_error(int expect_code)
{
	static struct rr_error err;
	struct rr_config cfg;
	rr_error_clear(&err);
	assert_int_equal(config_load(&cfg, fake_forges, &err), expect_code);
	assert_null(cfg.forges);
	assert_null(cfg.listen);
	return err.msg;
}

static void test_defaults(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_string_equal(cfg.data_dir, "./var");
	assert_string_equal(cfg.database_url, "sqlite://./var/rustreview.db");
	assert_string_equal(cfg.database_path, "./var/rustreview.db");
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.max_comments, 30);
	assert_false(cfg.review_drafts);
	assert_int_equal(cfg.log_level, RR_LOG_INFO);
	assert_int_equal(cfg.max_body_bytes, 25u << 20);
	assert_int_equal(cfg.max_files, 300);
	assert_int_equal(cfg.max_file_bytes, 4u << 20);
	assert_int_equal(cfg.nforges, 2);
	assert_int_equal(config_enabled_forges(&cfg), 0);
	struct forge_config *gh = config_forge(&cfg, "github");
	assert_non_null(gh);
	assert_ptr_equal(gh->forge, &fake_github);
	assert_false(gh->enabled);
	assert_string_equal(gh->api_url, "https://api.github.com");
	assert_null(gh->webhook_secret);
	assert_null(gh->token);
	assert_string_equal(gh->user_agent, "rustreview/" RR_VERSION);
	assert_null(config_forge(&cfg, "other")->api_url);
	assert_null(config_forge(&cfg, "gitlab"));
	assert_int_equal(config_init_forges(&cfg, &err), RR_OK);
	assert_int_equal(fake_inits, 0);
	config_free(&cfg);
	assert_int_equal(fake_cleanups, 0);
}

static void test_every_variable_parsed(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	setenv("RUSTREVIEW_LISTEN", "[::1]:0", 1);
	setenv("RUSTREVIEW_DATA_DIR", "/srv/rr", 1);
	setenv("RUSTREVIEW_DATABASE_URL", "sqlite:///tmp/q.db", 1);
	setenv("RUSTREVIEW_WORKERS", "64", 1);
	setenv("RUSTREVIEW_MAX_COMMENTS", "0", 1);
	setenv("RUSTREVIEW_REVIEW_DRAFTS", "TRUE", 1);
	setenv("RUSTREVIEW_LOG_LEVEL", "warn", 1);
	setenv("RUSTREVIEW_MAX_BODY_BYTES", "1024", 1);
	setenv("RUSTREVIEW_MAX_FILES", "7", 1);
	setenv("RUSTREVIEW_MAX_FILE_BYTES", "2048", 1);
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET", "s3cret", 1);
	setenv("RUSTREVIEW_GITHUB_API_URL", "https://ghe.example.com/api/v3//", 1);
	setenv("RUSTREVIEW_GITHUB_APP_ID", "12345", 1);
	setenv("RUSTREVIEW_GITHUB_TOKEN", "ghp_token", 1);
	setenv("RUSTREVIEW_GITHUB_CA_BUNDLE", "/etc/ca.pem", 1);
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	assert_string_equal(cfg.listen_host, "::1");
	assert_int_equal(cfg.listen_port, 0);
	assert_string_equal(cfg.data_dir, "/srv/rr");
	assert_string_equal(cfg.database_path, "/tmp/q.db");
	assert_int_equal(cfg.workers, 64);
	assert_int_equal(cfg.max_comments, 0);
	assert_true(cfg.review_drafts);
	assert_int_equal(cfg.log_level, RR_LOG_WARN);
	assert_int_equal(cfg.max_body_bytes, 1024);
	assert_int_equal(cfg.max_files, 7);
	assert_int_equal(cfg.max_file_bytes, 2048);
	struct forge_config *gh = config_forge(&cfg, "github");
	assert_true(gh->enabled);
	assert_string_equal(gh->webhook_secret, "s3cret");
	assert_string_equal(gh->api_url, "https://ghe.example.com/api/v3");
	assert_string_equal(gh->extra[0], "12345");
	assert_string_equal(gh->token, "ghp_token");
	assert_string_equal(gh->ca_bundle, "/etc/ca.pem");
	assert_true(gh->review_drafts);
	assert_int_equal(gh->max_comments, 0);
	config_free(&cfg);

	setenv("RUSTREVIEW_DATABASE_URL", "relative/jobs.db", 1);
	setenv("RUSTREVIEW_LISTEN", "0.0.0.0:65535", 1);
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	assert_string_equal(cfg.database_path, "relative/jobs.db");
	assert_string_equal(cfg.listen_host, "0.0.0.0");
	assert_int_equal(cfg.listen_port, 65535);
	config_free(&cfg);
}

static void test_bad_values_name_the_variable(void **state)
{
	(void)state;
	setenv("RUSTREVIEW_WORKERS", "abc", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_WORKERS: expected a number from 1 to 64, got 'abc'");
	setenv("RUSTREVIEW_WORKERS", "0", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_WORKERS: expected a number from 1 to 64, got '0'");
	setenv("RUSTREVIEW_WORKERS", "65", 1);
	load_error(RR_ECONFIG);
	setenv("RUSTREVIEW_WORKERS", "99999999999999999999999", 1);
	load_error(RR_ECONFIG);
	setenv("RUSTREVIEW_WORKERS", "-1", 1);
	load_error(RR_ECONFIG);
	unsetenv("RUSTREVIEW_WORKERS");

	setenv("RUSTREVIEW_MAX_COMMENTS", "3x", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_MAX_COMMENTS: expected a number from 0 to 1000, got '3x'");
	unsetenv("RUSTREVIEW_MAX_COMMENTS");
	setenv("RUSTREVIEW_MAX_BODY_BYTES", "0", 1);
	assert_non_null(strstr(load_error(RR_ECONFIG), "RUSTREVIEW_MAX_BODY_BYTES: "));
	unsetenv("RUSTREVIEW_MAX_BODY_BYTES");
	setenv("RUSTREVIEW_MAX_FILES", "0", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_MAX_FILES: expected a number from 1 to 100000, got '0'");
	unsetenv("RUSTREVIEW_MAX_FILES");
	/* A thread per connection: the cap bounds the threads too. */
	setenv("RUSTREVIEW_MAX_CONNECTIONS", "10001", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_MAX_CONNECTIONS: expected a number from 8 to 10000, got '10001'");
	unsetenv("RUSTREVIEW_MAX_CONNECTIONS");
	setenv("RUSTREVIEW_MAX_FILE_BYTES", "10", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_MAX_FILE_BYTES: expected a number from 1024 to 268435456, got '10'");
	unsetenv("RUSTREVIEW_MAX_FILE_BYTES");
	setenv("RUSTREVIEW_REVIEW_DRAFTS", "maybe", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_REVIEW_DRAFTS: expected true or false, got 'maybe'");
	unsetenv("RUSTREVIEW_REVIEW_DRAFTS");
	setenv("RUSTREVIEW_LOG_LEVEL", "loud", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_LOG_LEVEL: expected debug, info, warn or error, got 'loud'");
	unsetenv("RUSTREVIEW_LOG_LEVEL");

	setenv("RUSTREVIEW_LISTEN", "8080", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_LISTEN: expected host:port such as 127.0.0.1:8080, got '8080'");
	setenv("RUSTREVIEW_LISTEN", "localhost:99999", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_LISTEN: expected a number from 0 to 65535, got '99999'");
	setenv("RUSTREVIEW_LISTEN", ":80", 1);
	load_error(RR_ECONFIG);
	unsetenv("RUSTREVIEW_LISTEN");

	/* A PostgreSQL URL goes to the queue as it is (libpq parses it). */
	setenv("RUSTREVIEW_DATABASE_URL", "postgres://u:hunter2@db/rr", 1);
	struct rr_config pg;
	struct rr_error perr = { 0 };
	assert_int_equal(config_load(&pg, fake_forges, &perr), RR_OK);
	assert_null(pg.database_path);
	assert_string_equal(pg.database_url, "postgres://u:hunter2@db/rr");
	config_free(&pg);
	/* The URL is never echoed: it may hold a password. */
	setenv("RUSTREVIEW_RETRY_FOR", "5", 1);
	assert_null(strstr(load_error(RR_ECONFIG), "hunter2"));
	unsetenv("RUSTREVIEW_RETRY_FOR");
	setenv("RUSTREVIEW_DATABASE_URL", "mysql://x", 1);
	assert_non_null(strstr(load_error(RR_ECONFIG), "RUSTREVIEW_DATABASE_URL: unsupported scheme"));
	setenv("RUSTREVIEW_DATABASE_URL", "sqlite://", 1);
	load_error(RR_ECONFIG);
}

static void test_secret_files(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	char *dir = tu_mkdtemp("config"), path[512], pem[512];
	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/secret", dir);
	snprintf(pem, sizeof(pem), "%s/app.pem", dir);
	assert_int_equal(tu_sh("printf 'from-a-file\\n' > '%s'", path), 0);
	assert_int_equal(tu_sh("printf -- '-----BEGIN KEY-----\\nabc\\n-----END KEY-----\\n\\n' > '%s'",
			       pem), 0);
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE", path, 1);
	setenv("RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE", pem, 1);
	setenv("RUSTREVIEW_GITHUB_TOKEN_FILE", path, 1);
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	struct forge_config *gh = config_forge(&cfg, "github");
	assert_true(gh->enabled);
	assert_string_equal(gh->webhook_secret, "from-a-file");
	assert_string_equal(gh->token, "from-a-file");
	assert_string_equal(gh->extra[1], "-----BEGIN KEY-----\nabc\n-----END KEY-----");
	config_free(&cfg);

	/* Both forms at once is ambiguous. */
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET", "direct", 1);
	assert_string_equal(load_error(RR_ECONFIG),
			    "RUSTREVIEW_GITHUB_WEBHOOK_SECRET and RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE "
			    "are both set; set only one");
	unsetenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET");

	/* A missing file names the variable and the path, never any content. */
	snprintf(path, sizeof(path), "%s/missing", dir);
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE", path, 1);
	const char *msg = load_error(RR_ENOTFOUND);
	assert_int_equal(strncmp(msg, "RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE: opening ", 47), 0);
	assert_non_null(strstr(msg, "/missing"));

	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_int_equal(tu_sh("printf '\\n' > '%s'", path), 0);
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE", path, 1);
	assert_non_null(strstr(load_error(RR_ECONFIG), "is empty"));
	tu_rmrf(dir);
	free(dir);
}

static void test_forge_enabled_only_with_secret(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	/* Everything but the secret: still disabled, and not initialised. */
	setenv("RUSTREVIEW_GITHUB_APP_ID", "1", 1);
	setenv("RUSTREVIEW_GITHUB_TOKEN", "t", 1);
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	assert_int_equal(config_enabled_forges(&cfg), 0);
	assert_int_equal(config_init_forges(&cfg, &err), RR_OK);
	assert_int_equal(fake_inits, 0);
	config_free(&cfg);

	setenv("RUSTREVIEW_OTHER_WEBHOOK_SECRET", "x", 1);
	assert_int_equal(config_load(&cfg, fake_forges, &err), RR_OK);
	assert_false(config_forge(&cfg, "github")->enabled);
	assert_true(config_forge(&cfg, "other")->enabled);
	assert_int_equal(config_enabled_forges(&cfg), 1);
	assert_int_equal(config_init_forges(&cfg, &err), RR_OK);
	assert_int_equal(fake_inits, 1);
	config_free(&cfg);
	assert_int_equal(fake_cleanups, 1);
}

static void test_forge_init_failure_is_reported(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	setenv("RUSTREVIEW_BROKEN_WEBHOOK_SECRET", "x", 1);
	assert_int_equal(config_load(&cfg, broken_forges, &err), RR_OK);
	assert_int_equal(config_init_forges(&cfg, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "initialising forge broken: private key is not a PEM key");
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clear_env),
		cmocka_unit_test_setup(test_every_variable_parsed, clear_env),
		cmocka_unit_test_setup(test_bad_values_name_the_variable, clear_env),
		cmocka_unit_test_setup(test_secret_files, clear_env),
		cmocka_unit_test_setup(test_forge_enabled_only_with_secret, clear_env),
		cmocka_unit_test_setup(test_forge_init_failure_is_reported, clear_env),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
