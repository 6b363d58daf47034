/*
 * engine_testutil.h — helpers shared by the review-engine unit tests
 * (test_engine, test_rules_errors, test_rules_perf, test_suppress): one engine
 * per test group (et_setup/et_teardown), reviewing a source string, and
 * picking findings out of the result with exact assertions.
 * Include after testutil.h, once per test program.
 */
#ifndef RR_ENGINE_TESTUTIL_H
#define RR_ENGINE_TESTUTIL_H

#include "testutil.h"
#include "../../common/rr.h"
#include "../../review/engine.h"

static struct review_engine *et_engine;

/* cmocka group setup/teardown: the engine every helper below reviews with. */
static inline int et_setup(void **state)
{
	struct rr_error err = { 0 };
	(void)state;
	return review_engine_new(&et_engine, &err);
}

static inline int et_teardown(void **state)
{
	(void)state;
	review_engine_free(et_engine);
	return 0;
}

/* Reviews src as path under opts (NULL: the defaults); every line counts as
 * added unless `added` is given. An engine error fails the test. */
static inline struct finding_list et_review(const char *path, const char *src,
					    const struct line_set *added,
					    const struct review_options *opts)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	if (review_engine_file_opts(et_engine, path, src, strlen(src), added, opts, &l, &err) != 0)
		fail_msg("review_engine_file: %s", err.msg);
	return l;
}

/* Switches every default-off rule (clippy pedantic) on at its own severity,
 * as `missing_panics_doc = "note"` in .rustreview.toml does. */
static inline void et_enable_opt_in_rules(struct review_options *opts)
{
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++)
		if (rules_get(i)->default_off)
			opts->level[i] = REVIEW_LEVEL_NOTE + (enum review_level)rules_get(i)->severity;
}

static inline size_t et_count_rule(const struct finding_list *l, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += strcmp(l->items[i].rule_id, rule) == 0;
	return n;
}

/* The k-th finding of `rule` (0-based), failing the test if absent. */
static inline const struct finding *et_nth(const struct finding_list *l, const char *rule,
					   size_t k)
{
	for (size_t i = 0, seen = 0; i < l->n; i++)
		if (strcmp(l->items[i].rule_id, rule) == 0 && seen++ == k)
			return &l->items[i];
	fail_msg("no finding #%zu for %s", k, rule);
	return NULL;
}

static inline void et_assert_span(const struct finding *f, uint32_t line, uint32_t col,
				  uint32_t end_line, uint32_t end_col)
{
	if (f->line != line || f->column != col || f->end_line != end_line ||
	    f->end_column != end_col)
		fail_msg("%s: span %u:%u-%u:%u, want %u:%u-%u:%u", f->rule_id, f->line, f->column,
			 f->end_line, f->end_column, line, col, end_line, end_col);
}

/* Exactly n findings of rule in src (as path, every line added, under opts). */
static inline void et_expect_count(const char *path, const char *src,
				   const struct review_options *opts, const char *rule, size_t n)
{
	struct finding_list l = et_review(path, src, NULL, opts);
	if (et_count_rule(&l, rule) != n)
		fail_msg("%s: %zu findings of %s, want %zu, in:\n%s", path, et_count_rule(&l, rule),
			 rule, n, src);
	finding_list_free(&l);
}

/* "line:col" of every finding of rule in src (as path, under opts, every line
 * added unless `added` is given), space-separated, e.g. "3:7 9:7". Heap string. */
static inline char *et_where(const char *path, const char *src, const char *rule,
			     const struct review_options *opts, const struct line_set *added)
{
	struct finding_list l = et_review(path, src, added, opts);
	struct rr_buf b = RR_BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.items[i].rule_id, rule) == 0 &&
		    rr_buf_printf(&b, "%s%u:%u", b.len ? " " : "", l.items[i].line,
				  l.items[i].column) != 0)
			fail_msg("out of memory");
	finding_list_free(&l);
	return b.data ? rr_buf_detach(&b) : strdup("");
}

/* Fails unless et_where gives exactly want. */
static inline void et_assert_where(const char *path, const char *src, const char *rule,
				   const struct review_options *opts, const char *want)
{
	char *got = et_where(path, src, rule, opts, NULL);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\" in:\n%s", rule, got, want, src);
	free(got);
}

#endif
