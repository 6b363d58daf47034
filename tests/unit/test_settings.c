/*
 * test_settings.c — the table of known settings (bot/config.c) against what
 * the program reads and what README documents, and the configuration mistakes
 * said out loud: unknown RUSTREVIEW_ variables (with a "did you mean"), an
 * empty secret that is set, a git URL with a path where an origin belongs.
 */
#include "testutil.h"

#include <dirent.h>
#include <ctype.h>

#include "../../bot/config.h"
#include "../../common/rr.h"

#include "../../handlers/github.h"

static const struct forge *const github_only[] = { &forge_github, NULL };

static int clear_env(void **state)
{
	(void)state;
	tu_clear_rustreview_env();
	return 0;
}

static char *source_file(const char *rel)
{
	const char *root = getenv("RR_SOURCE_DIR");
	char path[1024];
	char *data = NULL;
	size_t len = 0;
	struct rr_error err = { 0 };

	snprintf(path, sizeof(path), "%s/%s", root && *root ? root : ".", rel);
	if (rr_read_file(path, 0, &data, &len, &err) != RR_OK)
		fail_msg("cannot read %s: %s", path, err.msg);
	return data;
}

/* name occurs in text as a whole word (not as the start of a longer name). */
static bool has_name(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; (p = strstr(p, name)) != NULL; p += n) {
		char after = p[n];
		if (!(isupper((unsigned char)after) || isdigit((unsigned char)after) || after == '_'))
			return true;
	}
	return false;
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

static void test_every_setting_is_documented_in_readme(void **state)
{
	char *readme = source_file("README.md");
	size_t missing = 0;
	(void)state;
	assert_true(config_settings_count() >= 15);
	for (size_t i = 0; i < config_settings_count(); i++) {
		const struct config_setting *st = config_setting_get(i);
		char a[160], b[176];
		bool found;
		if (st->flags & CONFIG_SETTING_PER_FORGE) {
			/* RUSTREVIEW_<FORGE>_X documents it for every forge; else each forge by name. */
			snprintf(a, sizeof(a), "RUSTREVIEW_<FORGE>_%s", st->name);
			found = has_name(readme, a);
			if (!found) {
				snprintf(b, sizeof(b), "RUSTREVIEW_<FORGE>_%s_FILE", st->name);
				found = (st->flags & CONFIG_SETTING_SECRET) && has_name(readme, b);
			}
			for (size_t f = 0; !found && rr_forges[f]; f++) {
				bool each = true;
				for (size_t g = 0; rr_forges[g]; g++) {
					snprintf(a, sizeof(a), "RUSTREVIEW_%s_%s", rr_forges[g]->name, st->name);
					upper(a);
					snprintf(b, sizeof(b), "%s_FILE", a);
					each &= has_name(readme, a) ||
						((st->flags & CONFIG_SETTING_SECRET) && has_name(readme, b));
				}
				found = each;
			}
		} else {
			snprintf(a, sizeof(a), "RUSTREVIEW_%s", st->name);
			snprintf(b, sizeof(b), "RUSTREVIEW_%s_FILE", st->name);
			found = has_name(readme, a) ||
				((st->flags & CONFIG_SETTING_SECRET) && has_name(readme, b));
		}
		if (!found) {
			print_error("README.md does not document the setting %s%s (bot/config.c)\n",
				    st->flags & CONFIG_SETTING_PER_FORGE ? "RUSTREVIEW_<FORGE>_"
									 : "RUSTREVIEW_", st->name);
			missing++;
		}
	}
	/* Each forge's own settings, by their full names. */
	for (size_t f = 0; rr_forges[f]; f++)
		for (const struct forge_setting *fs = rr_forges[f]->settings; fs && fs->suffix; fs++) {
			char a[160], b[176];
			snprintf(a, sizeof(a), "RUSTREVIEW_%s_%s", rr_forges[f]->name, fs->suffix);
			upper(a);
			snprintf(b, sizeof(b), "%s_FILE", a);
			if (has_name(readme, a) || ((fs->flags & FORGE_SETTING_SECRET) && has_name(readme, b)))
				continue;
			print_error("README.md does not document the setting %s (handlers/%s.c)\n", a,
				    rr_forges[f]->name);
			missing++;
		}
	free(readme);
	assert_int_equal(missing, 0);
}

/* Every maximal RUSTREVIEW_[A-Z0-9_]+ word of text, as "NAME=" strings. */
static size_t collect_names(const char *text, char **out, size_t cap, size_t n)
{
	for (const char *p = text; (p = strstr(p, "RUSTREVIEW_")) != NULL;) {
		size_t len = 11;
		while (isupper((unsigned char)p[len]) || isdigit((unsigned char)p[len]) || p[len] == '_')
			len++;
		/* the bare prefix ("RUSTREVIEW_%s_...", strncmp) names nothing */
		if (len > 11 && p[len] != '%' && n < cap && (p == text || p[-1] != '<'))
			assert_true(asprintf(&out[n++], "%.*s=", (int)len, p) > 0);
		p += len;
	}
	/* config.c spells them ENV_PREFIX "NAME" */
	for (const char *p = text; (p = strstr(p, "ENV_PREFIX \"")) != NULL;) {
		size_t len = 0;
		p += strlen("ENV_PREFIX \"");
		while (isupper((unsigned char)p[len]) || isdigit((unsigned char)p[len]) || p[len] == '_')
			len++;
		if (len && p[len] == '"' && strncmp(p, "RUSTREVIEW_", 11) != 0 && n < cap)
			assert_true(asprintf(&out[n++], "RUSTREVIEW_%.*s=", (int)len, p) > 0);
		p += len;
	}
	return n;
}

struct unknown_list {
	char names[64][160];
	char hints[64][160];
	size_t n;
};

static void record_unknown(const char *name, const char *did_you_mean, void *arg)
{
	struct unknown_list *u = arg;
	if (u->n < 64) {
		snprintf(u->names[u->n], sizeof(u->names[0]), "%s", name);
		snprintf(u->hints[u->n], sizeof(u->hints[0]), "%s", did_you_mean ? did_you_mean : "-");
		u->n++;
	}
}

/* Every RUSTREVIEW_ name written in the sources or in README is one the
 * settings table knows: a setting read without a line in the table would be
 * warned about as unknown, and a name in the docs that is none is a typo. */
static void test_every_name_in_sources_and_docs_is_a_known_setting(void **state)
{
	static const char *const dirs[] = { "bot", "review", "review/rules", "handlers", "common" };
	char *names[4096];
	size_t n = 0;
	struct unknown_list u = { .n = 0 };
	char *readme = source_file("README.md");
	(void)state;

	n = collect_names(readme, names, 4095, n);
	free(readme);
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		const char *root = getenv("RR_SOURCE_DIR");
		char dir[1024];
		DIR *dh;
		struct dirent *e;
		snprintf(dir, sizeof(dir), "%s/%s", root && *root ? root : ".", dirs[d]);
		assert_non_null(dh = opendir(dir));
		while ((e = readdir(dh)) != NULL) {
			size_t l = strlen(e->d_name);
			char rel[512];
			if (l < 3 || (strcmp(e->d_name + l - 2, ".c") && strcmp(e->d_name + l - 2, ".h")))
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], e->d_name);
			char *text = source_file(rel);
			n = collect_names(text, names, 4095, n);
			free(text);
		}
		closedir(dh);
	}
	names[n] = NULL;
	assert_true(n > 30);
	config_find_unknown(names, rr_forges, record_unknown, &u);
	for (size_t i = 0; i < u.n; i++)
		print_error("%s is not in the settings table of bot/config.c (closest: %s)\n",
			    u.names[i], u.hints[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	assert_int_equal(u.n, 0);
}

static void test_unknown_variables_are_named_with_the_closest_setting(void **state)
{
	char *envp[] = {
		"PATH=/usr/bin",
		"RUSTREVIEW_LISTEN=127.0.0.1:1",
		"RUSTREVIEW_GITHUB_WEBHOK_SECRET=x",          /* the typo of the issue */
		"RUSTREVIEW_GITHUB_TOKEN_FILE=/run/token",    /* a secret from a file: known */
		"RUSTREVIEW_GITHUB_API_URL_FILE=/x",          /* not a secret: no _FILE form */
		"RUSTREVIEW_WORKRS=3",
		"RUSTREVIEW_COMPLETELY_DIFFERENT_THING=1",
		"RUSTREVIEW_GITLAB_TOKEN=t",                  /* a forge this build does not have */
		NULL,
	};
	struct unknown_list u = { .n = 0 };
	(void)state;
	assert_int_equal(config_find_unknown(envp, github_only, record_unknown, &u), 5);
	assert_string_equal(u.names[0], "RUSTREVIEW_GITHUB_WEBHOK_SECRET");
	assert_string_equal(u.hints[0], "RUSTREVIEW_GITHUB_WEBHOOK_SECRET");
	assert_string_equal(u.names[1], "RUSTREVIEW_GITHUB_API_URL_FILE");
	assert_string_equal(u.hints[1], "-");
	assert_string_equal(u.names[2], "RUSTREVIEW_WORKRS");
	assert_string_equal(u.hints[2], "RUSTREVIEW_WORKERS");
	assert_string_equal(u.names[3], "RUSTREVIEW_COMPLETELY_DIFFERENT_THING");
	assert_string_equal(u.hints[3], "-");
	assert_string_equal(u.names[4], "RUSTREVIEW_GITLAB_TOKEN");
	assert_string_equal(u.hints[4], "RUSTREVIEW_GITHUB_TOKEN");
}

static const char *load_error(void)
{
	static struct rr_error err;
	struct rr_config cfg;
	rr_error_clear(&err);
	assert_int_equal(config_load(&cfg, github_only, &err), RR_ECONFIG);
	assert_null(cfg.forges);
	return err.msg;
}

static void test_a_secret_set_but_empty_is_refused(void **state)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	setenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET", "", 1);
	assert_string_equal(load_error(), "RUSTREVIEW_GITHUB_WEBHOOK_SECRET is set but empty; "
					  "give it a value or unset it");
	unsetenv("RUSTREVIEW_GITHUB_WEBHOOK_SECRET");
	setenv("RUSTREVIEW_GITHUB_TOKEN_FILE", "", 1);
	assert_string_equal(load_error(), "RUSTREVIEW_GITHUB_TOKEN_FILE is set but empty; "
					  "give it a value or unset it");
	unsetenv("RUSTREVIEW_GITHUB_TOKEN_FILE");
	/* An empty plain setting still means its default (VAR= from a runtime). */
	setenv("RUSTREVIEW_WORKERS", "", 1);
	setenv("RUSTREVIEW_GITHUB_APP_ID", "", 1);
	assert_int_equal(config_load(&cfg, github_only, &err), RR_OK);
	assert_int_equal(cfg.workers, 2);
	config_free(&cfg);
}

static void test_a_git_url_with_a_path_is_refused(void **state)
{
	static const char *const bad[] = { "https://github.com/acme", "https://ghe.example.com/api/v3",
					   "http://git.example.com:3000/x/", "https://h.example?x=1" };
	struct rr_config cfg;
	struct rr_error err = { 0 };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("RUSTREVIEW_GITHUB_GIT_URL", bad[i], 1);
		assert_string_equal(load_error(), "RUSTREVIEW_GITHUB_GIT_URL: expected an origin, "
						  "http(s)://HOST[:PORT], without a path (clone URLs "
						  "are matched by origin)");
	}
	/* An origin, with or without a trailing slash, is what it takes. */
	setenv("RUSTREVIEW_GITHUB_GIT_URL", "https://git.example.com:8443/", 1);
	assert_int_equal(config_load(&cfg, github_only, &err), RR_OK);
	assert_string_equal(config_forge(&cfg, "github")->git_url, "https://git.example.com:8443");
	config_free(&cfg);
	/* The API URL keeps its path (GitHub Enterprise Server's /api/v3). */
	setenv("RUSTREVIEW_GITHUB_API_URL", "https://ghe.example.com/api/v3", 1);
	assert_int_equal(config_load(&cfg, github_only, &err), RR_OK);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting_is_documented_in_readme),
		cmocka_unit_test(test_every_name_in_sources_and_docs_is_a_known_setting),
		cmocka_unit_test(test_unknown_variables_are_named_with_the_closest_setting),
		cmocka_unit_test_setup(test_a_secret_set_but_empty_is_refused, clear_env),
		cmocka_unit_test_setup(test_a_git_url_with_a_path_is_refused, clear_env),
	};
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
