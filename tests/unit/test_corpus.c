/*
 * test_corpus.c — reviews every .rs file under tests/corpus (all lines added) and
 * compares the text output exactly with the .expected file beside it
 * (foo.rs -> foo.expected). The path the engine sees is the file's path
 * relative to the corpus dir, so src/main.rs, tests/x.rs, build.rs ... get
 * their real contexts.
 *
 *   RR_CORPUS_DIR      corpus location (default "tests/corpus")
 *   RR_CORPUS_UPDATE=1 rewrite the .expected files from the current output
 *                      (review the diff before committing it)
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>

#include "../../common/rr.h"
#include "../../review/config.h"
#include "../../review/engine.h"

static struct review_engine *engine;
static const char *corpus_dir;
static struct review_options corpus_opts;   /* from the corpus's .rustreview.toml */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *s, const char *rel)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(rel)))
		return -1;
	s->n++;
	return 0;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Collects the .rs files under dir/rel, as paths relative to dir. */
static int collect(const char *dir, const char *rel, struct names *out)
{
	char *path = NULL;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (asprintf(&path, "%s%s%s", dir, *rel ? "/" : "", rel) < 0)
		return -1;
	d = opendir(path);
	free(path);
	if (!d)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *child = NULL, *full = NULL;
		struct stat st;
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0 ||
		    asprintf(&full, "%s/%s", dir, child) < 0) {
			free(child);
			rc = -1;
			break;
		}
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			rc = collect(dir, child, out);
		else if (len > 3 && strcmp(e->d_name + len - 3, ".rs") == 0)
			rc = names_add(out, child);
		free(child);
		free(full);
	}
	closedir(d);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *expected_path(const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%.*s.expected", corpus_dir, (int)(strlen(rel) - 3), rel) < 0)
		return NULL;
	return p;
}

/* The engine's text output for one corpus file. */
static char *review_text(const char *rel)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	char *path = NULL, *src = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", corpus_dir, rel) >= 0);
	assert_int_equal(rr_read_file(path, 0, &src, &len, &err), 0);
	if (review_engine_file_opts(engine, rel, src, len, NULL, &corpus_opts, &l, &err) != 0)
		fail_msg("%s: %s", rel, err.msg);
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	assert_int_equal(findings_write_text(&l, f), 0);
	fclose(f);
	finding_list_free(&l);
	free(src);
	free(path);
	return out;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Prints `diff -u expected actual` so a mismatch shows exactly what changed. */
static void show_diff(const char *expected_file, const char *actual)
{
	char *dir = tu_mkdtemp("corpus");
	char *actual_file = NULL;

	if (!dir || asprintf(&actual_file, "%s/actual", dir) < 0) {
		free(dir);
		return;
	}
	write_file(actual_file, actual);
	fflush(stdout);
	tu_sh("diff -u '%s' '%s' | sed 's/^/    /'", expected_file, actual_file);
	free(actual_file);
	tu_rmrf(dir);
	free(dir);
}

static void test_corpus_file(void **state)
{
	const char *rel = *state;
	char *want_path = expected_path(rel);
	char *got = review_text(rel), *want = NULL;
	size_t len = 0;
	struct rr_error err = { 0 };

	assert_non_null(want_path);
	if (getenv("RR_CORPUS_UPDATE") && strcmp(getenv("RR_CORPUS_UPDATE"), "1") == 0)
		write_file(want_path, got);
	if (rr_read_file(want_path, 0, &want, &len, &err) != 0)
		fail_msg("%s: missing %s (run with RR_CORPUS_UPDATE=1 to create it)", rel, want_path);
	if (strcmp(got, want) != 0) {
		printf("corpus mismatch for %s (- expected, + actual):\n", rel);
		show_diff(want_path, got);
		fail_msg("%s: findings differ from %s", rel, want_path);
	}
	free(want);
	free(got);
	free(want_path);
}

/* The corpus's own .rustreview.toml (it switches on the opt-in rules), parsed
 * with the same code the service uses on a repository's base commit. */
static int load_corpus_config(void)
{
	struct rr_error err = { 0 };
	char *path = NULL, *src = NULL;
	size_t len = 0;
	int rc;

	review_options_init(&corpus_opts);
	if (asprintf(&path, "%s/.rustreview.toml", corpus_dir) < 0)
		return -1;
	rc = rr_read_file(path, 0, &src, &len, &err);
	if (rc == RR_ENOTFOUND)
		rc = 0;
	else if (rc == 0 && (rc = config_repo_parse(src, len, &corpus_opts, &err)) != 0)
		fprintf(stderr, "test_corpus: %s: %s\n", path, err.msg);
	free(src);
	free(path);
	return rc;
}

static int group_setup(void **state)
{
	struct rr_error err = { 0 };
	(void)state;
	if (load_corpus_config() != 0)
		return -1;
	return review_engine_new(&engine, &err);
}

static int group_teardown(void **state)
{
	(void)state;
	review_engine_free(engine);
	review_options_free(&corpus_opts);
	return 0;
}

int main(void)
{
	struct names files = { NULL, 0, 0 };
	struct CMUnitTest *tests;
	int rc;

	corpus_dir = getenv("RR_CORPUS_DIR");
	if (!corpus_dir || !*corpus_dir)
		corpus_dir = "tests/corpus";
	if (collect(corpus_dir, "", &files) != 0 || files.n == 0) {
		fprintf(stderr, "test_corpus: no .rs files under %s (set RR_CORPUS_DIR)\n", corpus_dir);
		names_free(&files);
		return 1;
	}
	qsort(files.v, files.n, sizeof(files.v[0]), cmp_names);
	tests = calloc(files.n, sizeof(*tests));
	if (!tests) {
		names_free(&files);
		return 1;
	}
	for (size_t i = 0; i < files.n; i++) {
		tests[i].name = files.v[i];
		tests[i].test_func = test_corpus_file;
		tests[i].initial_state = files.v[i];
	}
	rc = _cmocka_run_group_tests("corpus", tests, files.n, group_setup, group_teardown);
	free(tests);
	names_free(&files);
	return rc;
}
