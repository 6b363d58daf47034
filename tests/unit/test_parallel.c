/*
 * test_parallel.c — the review engine's fast paths must not change a single
 * byte of the output:
 *   - review_run on several threads gives the same findings, in the same order,
 *     as on one (a real git repository holding the whole rule corpus);
 *   - skipping the parse of a file whose added lines hold no rule trigger gives
 *     what the full review gives, for every single added line (and every run
 *     of three) of every corpus file, including rules whose finding depends on
 *     context outside the added lines (a guard held across an await, docs).
 * Run from the project root (the corpus is read from tests/corpus).
 */
#include "testutil.h"
#include "review_testutil.h"
#include "../../common/rr.h"
#include "../../common/log.h"
#include "../../review/review.h"

#define CORPUS "tests/corpus"

struct fixture {
	struct review_world w;
	git_oid base;      /* an empty commit */
	git_oid head;      /* adds the whole corpus */
};
_Static_assert(offsetof(struct fixture, w) == 0, "review_fixture_new: the world comes first");

static int build_fixture(struct fixture *fx)
{
	const char *d = fx->w.dir;

	if (gt_init(d) != 0 ||
	    tu_sh(GIT "commit -q --allow-empty -m base", d) != 0 ||
	    tu_sh("cp -r '" CORPUS "/.' '%s'", d) != 0 ||
	    tu_sh(GIT "add -A && " GIT "commit -qm corpus", d, d) != 0)
		return -1;
	if (gt_rev_parse(d, "HEAD~1", &fx->base) || gt_rev_parse(d, "HEAD", &fx->head))
		return -1;
	return review_world_open(&fx->w);
}

static int setup(void **state)
{
	struct fixture *fx;

	unsetenv("RUSTREVIEW_REVIEW_THREADS");
	fx = review_fixture_new(state, sizeof(*fx), "parallel", RR_LOG_WARN);
	if (!fx || build_fixture(fx) != 0) {
		review_fixture_teardown(state);
		return -1;
	}
	return 0;
}

/* The whole review on `threads` threads, written as the JSON `check` prints. */
static char *review_json(struct fixture *fx, unsigned threads, struct review_stats *st)
{
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	review_engine_set_threads(fx->w.engine, threads);
	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, &out, st, &err),
			 RR_OK);
	assert_true(out.n > 100);   /* the corpus is full of findings */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(findings_write_json(&out, f), RR_OK);
	fclose(f);
	finding_list_free(&out);
	return text;
}

static void test_threads_give_identical_output(void **state)
{
	struct fixture *fx = *state;
	struct review_stats s1, s2, s4;
	char *one = review_json(fx, 1, &s1);
	char *two = review_json(fx, 2, &s2);
	char *four = review_json(fx, 4, &s4);
	char *again = review_json(fx, 4, &s4);     /* the helper engines are reused */

	assert_string_equal(one, two);
	assert_string_equal(one, four);
	assert_string_equal(one, again);
	assert_true(s1.files_reviewed >= 12);
	assert_int_equal(s1.files_reviewed, s2.files_reviewed);
	assert_int_equal(s1.files_reviewed, s4.files_reviewed);
	assert_int_equal(s1.lines_added, s4.lines_added);
	free(one);
	free(two);
	free(four);
	free(again);
}

static void test_threads_setting(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	unsigned n = 0;

	assert_int_equal(review_default_threads(&n, &err), RR_OK);
	assert_true(n >= 1 && n <= 8);
	setenv("RUSTREVIEW_REVIEW_THREADS", "3", 1);
	assert_int_equal(review_default_threads(&n, &err), RR_OK);
	assert_int_equal(n, 3);
	setenv("RUSTREVIEW_REVIEW_THREADS", "0", 1);
	assert_int_equal(review_default_threads(&n, &err), RR_ECONFIG);
	assert_string_equal(err.msg, "RUSTREVIEW_REVIEW_THREADS: '0' is not a number from 1 to 64");
	/* review_run reports it when the engine has no thread count of its own */
	review_engine_set_threads(fx->w.engine, 0);
	setenv("RUSTREVIEW_REVIEW_THREADS", "many", 1);
	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, &out, NULL, &err),
			 RR_ECONFIG);
	assert_string_equal(err.msg,
			    "RUSTREVIEW_REVIEW_THREADS: 'many' is not a number from 1 to 64");
	assert_int_equal(out.n, 0);
	unsetenv("RUSTREVIEW_REVIEW_THREADS");
	review_engine_set_threads(fx->w.engine, 1000);
	assert_int_equal(review_engine_threads(fx->w.engine), REVIEW_MAX_THREADS);
	finding_list_free(&out);
}

/* --- the no-parse fast path ------------------------------------------------ */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) && fread(data, 1, (size_t)n, f) == (size_t)n) {
		data[n] = '\0';
		*len = (size_t)n;
	} else {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

/* Only rule `only` on (every rule, the opt-in ones too, when only < 0): a rule
 * alone decides whether the file is parsed, so a wrong trigger list shows. */
static void rules_on(struct review_options *o, int only)
{
	review_options_init(o);
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++)
		o->level[i] = only < 0 || (size_t)only == i ? REVIEW_LEVEL_WARNING : REVIEW_LEVEL_OFF;
}

static void assert_same_finding(const struct finding *a, const struct finding *b)
{
	assert_string_equal(a->rule_id, b->rule_id);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->column, b->column);
	assert_int_equal(a->end_line, b->end_line);
	assert_int_equal(a->end_column, b->end_column);
	assert_string_equal(a->message, b->message);
	assert_string_equal(a->fingerprint, b->fingerprint);
}

/* Reviews path with lines first..last added; compares with the full review's findings there. */
static size_t check_added_range(struct review_engine *e, const char *path, const char *src,
				size_t len, const struct review_options *o,
				const struct finding_list *full, uint32_t first, uint32_t last)
{
	struct line_set added = LINE_SET_INIT;
	struct finding_list got = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	size_t k = 0;

	for (uint32_t l = first; l <= last; l++)
		assert_int_equal(line_set_add(&added, l), RR_OK);
	assert_int_equal(review_engine_file_opts(e, path, src, len, &added, o, &got, &err), RR_OK);
	for (size_t i = 0; i < full->n; i++) {
		if (full->items[i].line < first || full->items[i].line > last)
			continue;
		if (k >= got.n)
			fail_msg("%s: lines %u-%u: the fast path lost %s at line %u", path, first, last,
				 full->items[i].rule_id, full->items[i].line);
		assert_same_finding(&got.items[k++], &full->items[i]);
	}
	assert_int_equal(k, got.n);
	finding_list_free(&got);
	line_set_free(&added);
	return k;
}

/*
 * For each rule alone (and all together): the full review of the file, then
 * the review with only the lines around each finding added, which must give
 * exactly the full review's findings there. Lines without findings need no
 * check: skipping them cannot lose anything.
 */
static void check_corpus_file(struct review_engine *e, const char *path, size_t *compared)
{
	size_t len = 0;
	char *src = read_all(path, &len);

	assert_non_null(src);
	for (int only = -1; only < (int)rules_count(); only++) {
		struct review_options o;
		struct finding_list full = FINDING_LIST_INIT;
		struct rr_error err = { 0 };
		uint32_t last = 0;

		rules_on(&o, only);
		assert_int_equal(review_engine_file_opts(e, path, src, len, NULL, &o, &full, &err),
				 RR_OK);
		for (size_t i = 0; i < full.n; i++) {
			uint32_t l = full.items[i].line;
			if (l == last)
				continue;
			last = l;
			*compared += check_added_range(e, path, src, len, &o, &full, l, l);
			check_added_range(e, path, src, len, &o, &full, l > 1 ? l - 1 : l, l + 1);
		}
		finding_list_free(&full);
	}
	free(src);
}

static void test_skip_is_exact_on_the_corpus(void **state)
{
	struct fixture *fx = *state;
	char *list = tu_sh_out("find '" CORPUS "' -name '*.rs' | sort");
	size_t files = 0, compared = 0;

	assert_non_null(list);
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		check_corpus_file(fx->w.engine, line, &compared);
		files++;
	}
	free(list);
	assert_true(files >= 12);
	if (compared < 50)
		fail_msg("only %zu findings compared", compared);
}

static int rules_index(const char *id)
{
	int i = review_rule_index(id);
	assert_true(i >= 0);
	return i;
}

/* Findings for src with only `line` added, rule `only` on (all: -1). */
static void review_one_line(struct review_engine *e, const char *path, const char *src,
			    uint32_t line, int only, struct finding_list *out)
{
	struct review_options o;
	struct line_set added = LINE_SET_INIT;
	struct rr_error err = { 0 };

	rules_on(&o, only);
	assert_int_equal(line_set_add(&added, line), RR_OK);
	assert_int_equal(review_engine_file_opts(e, path, src, strlen(src), &added, &o, out, &err),
			 RR_OK);
	line_set_free(&added);
}

static bool has_finding(const struct finding_list *l, const char *rule, uint32_t line)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].rule_id, rule) == 0 && l->items[i].line == line)
			return true;
	return false;
}

/* Only the guard's line is added; the await that makes it a finding is not. */
static void test_context_rules_fire_on_their_line_alone(void **state)
{
	struct fixture *fx = *state;
	static const char guard[] =
		"use std::sync::Mutex;\n"
		"pub async fn bump(m: &Mutex<u32>) {\n"
		"    let mut n = m.lock()?;\n"
		"    tick().await;\n"
		"    *n += 1;\n"
		"}\n";
	static const char docs[] =
		"/// Parses a port.\n"
		"pub fn port(s: &str) -> Result<u16, std::num::ParseIntError> {\n"
		"    s.parse()\n"
		"}\n";
	static const char quiet[] =
		"pub fn sum(v: &[u32]) -> u32 {\n"
		"    v.iter().sum()\n"
		"}\n";
	struct finding_list out = FINDING_LIST_INIT;

	review_one_line(fx->w.engine, "src/a.rs", guard, 3, rules_index("await_holding_lock"), &out);
	assert_true(has_finding(&out, "await_holding_lock", 3));
	finding_list_free(&out);
	review_one_line(fx->w.engine, "src/b.rs", docs, 2, rules_index("missing_errors_doc"), &out);
	assert_true(has_finding(&out, "missing_errors_doc", 2));
	finding_list_free(&out);
	/* Nothing to find, parsed or not. */
	review_one_line(fx->w.engine, "src/c.rs", quiet, 2, -1, &out);
	assert_int_equal(out.n, 0);
	finding_list_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads_give_identical_output, setup,
						review_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_threads_setting, setup, review_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_skip_is_exact_on_the_corpus, setup,
						review_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_context_rules_fire_on_their_line_alone, setup,
						review_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
