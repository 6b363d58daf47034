/* test_publish.c — the forge-neutral publisher's plan (a pure function of the
 * findings, what is already on the pull request and the settings): dedupe,
 * grouping of repeats, per-rule budget, cap, order; the bodies and summary it
 * writes; and reading back what a forge lists. */
#include "testutil.h"

#include "../../handlers/publish.h"

struct spec {
	const char *path;
	uint32_t line;
	const char *rule;
};

/* Findings in the order given (callers give them sorted, as the review does);
 * fingerprint i+1+base in hex. */
static void make(struct finding_list *l, const struct spec *s, size_t n, unsigned base)
{
	for (size_t i = 0; i < n; i++) {
		struct finding f;
		memset(&f, 0, sizeof(f));
		f.path = strdup(s[i].path);
		f.line = f.end_line = s[i].line;
		f.column = 1;
		f.rule_id = s[i].rule;
		f.severity = RR_SEV_WARNING;
		assert_true(asprintf(&f.message, "Message of %s.", s[i].rule) > 0);
		snprintf(f.fingerprint, sizeof(f.fingerprint), "%016x", base + (unsigned)i + 1);
		assert_int_equal(finding_list_push(l, &f), RR_OK);
	}
}

static const struct publish_settings DEFAULTS = { 30, 3, 10 };

static void plan(const struct finding_list *l, const struct publish_existing *ex,
		 const struct publish_settings *s, struct publish_plan *p)
{
	assert_int_equal(publish_plan_make(l, ex, s, p), RR_OK);
}

/* The plan for a pull request that carries nothing yet. */
static void plan_fresh(const struct finding_list *l, const struct publish_settings *s,
		       struct publish_plan *p)
{
	struct publish_existing ex;

	memset(&ex, 0, sizeof(ex));
	plan(l, &ex, s, p);
}

/* The pull request already carries f's own comment (finding_comment_body). */
static void add_posted(struct publish_existing *ex, const struct finding *f)
{
	char *body = finding_comment_body(f, NULL);

	assert_int_equal(publish_existing_add_comment(ex, body), RR_OK);
	free(body);
}

/* "path:line:rule+also-count" of each planned comment. */
static void assert_comments(const struct finding_list *l, const struct publish_plan *p,
			    const char *const *want, size_t n)
{
	assert_int_equal(p->n, n);
	for (size_t i = 0; i < n; i++) {
		char got[128];
		const struct finding *f = &l->items[p->comments[i].lead];
		snprintf(got, sizeof(got), "%s:%u:%s+%zu", f->path, f->line, f->rule_id,
			 p->comments[i].nalso);
		assert_string_equal(got, want[i]);
	}
}

static void test_no_existing_each_finding_its_comment(void **state)
{
	static const struct spec s[] = { { "a.rs", 3, "todo" }, { "a.rs", 9, "unwrap_used" },
					  { "b.rs", 1, "todo" } };
	static const char *const want[] = { "a.rs:3:todo+0", "a.rs:9:unwrap_used+0",
					    "b.rs:1:todo+0" };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_plan p;
	(void)state;
	make(&l, s, 3, 0);
	plan_fresh(&l, &DEFAULTS, &p);
	assert_comments(&l, &p, want, 3);
	assert_int_equal(p.nnew, 3);
	assert_int_equal(p.already_posted + p.grouped + p.over_budget + p.over_cap, 0);
	publish_plan_free(&p);
	finding_list_free(&l);
}

static void test_already_posted_fingerprints_are_dropped_first(void **state)
{
	static const struct spec s[] = { { "a.rs", 3, "todo" }, { "a.rs", 9, "todo" },
					  { "a.rs", 12, "todo" }, { "a.rs", 20, "todo" },
					  { "a.rs", 30, "todo" } };
	static const char *const want[] = { "a.rs:9:todo+0", "a.rs:30:todo+0" };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_existing ex;
	struct publish_plan p;
	(void)state;
	memset(&ex, 0, sizeof(ex));
	make(&l, s, 5, 0);
	/* three of five are there: the two left are not "more than 3", so not grouped */
	for (size_t i = 0; i < 5; i++)
		if (i != 1 && i != 4)
			add_posted(&ex, &l.items[i]);
	assert_int_equal(publish_existing_add_comment(&ex, "LGTM, no marker here"), RR_OK);
	publish_existing_done(&ex);
	plan(&l, &ex, &DEFAULTS, &p);
	assert_comments(&l, &p, want, 2);
	assert_int_equal(p.already_posted, 3);
	assert_int_equal(p.nnew, 2);
	publish_plan_free(&p);
	publish_existing_free(&ex);
	finding_list_free(&l);
}

static void test_repeats_in_one_file_become_one_comment(void **state)
{
	static const struct spec s[] = {
		{ "a.rs", 12, "unwrap_used" }, { "a.rs", 15, "todo" }, { "a.rs", 40, "unwrap_used" },
		{ "a.rs", 77, "unwrap_used" }, { "a.rs", 102, "unwrap_used" },
		{ "b.rs", 5, "unwrap_used" }, { "b.rs", 6, "unwrap_used" }, { "b.rs", 7, "unwrap_used" },
	};
	static const char *const want[] = { "a.rs:12:unwrap_used+3", "a.rs:15:todo+0",
					    "b.rs:5:unwrap_used+0", "b.rs:6:unwrap_used+0",
					    "b.rs:7:unwrap_used+0" };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_plan p;
	char *body;
	(void)state;
	make(&l, s, 8, 0);
	plan_fresh(&l, &DEFAULTS, &p);
	/* four in a.rs are grouped (more than 3); three in b.rs are not */
	assert_comments(&l, &p, want, 5);
	assert_int_equal(p.grouped, 3);
	assert_int_equal(p.nnew, 8);
	body = publish_comment_body(&l, &p.comments[0], "suggestion");
	assert_string_equal(body, "Message of unwrap_used.\n\nAlso at lines 40, 77, 102.\n\n"
			    "<!-- rustreview:fingerprint=0000000000000001 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000003 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000004 rule=unwrap_used -->\n"
			    "<!-- rustreview:fingerprint=0000000000000005 rule=unwrap_used -->");
	free(body);
	publish_plan_free(&p);
	finding_list_free(&l);
}

/* The grouped comment carries every member's fingerprint: a later push repeats
 * none of them, while a genuinely new finding of the same rule and file is
 * posted alone. */
static void test_grouped_members_are_never_repeated(void **state)
{
	static const struct spec first[] = {
		{ "a.rs", 10, "unwrap_used" }, { "a.rs", 20, "unwrap_used" },
		{ "a.rs", 30, "unwrap_used" }, { "a.rs", 40, "unwrap_used" },
	};
	static const struct spec second[] = {
		{ "a.rs", 12, "unwrap_used" }, { "a.rs", 22, "unwrap_used" },
		{ "a.rs", 32, "unwrap_used" }, { "a.rs", 42, "unwrap_used" },
		{ "a.rs", 50, "unwrap_used" },
	};
	static const char *const want[] = { "a.rs:50:unwrap_used+0" };
	struct finding_list l1 = FINDING_LIST_INIT, l2 = FINDING_LIST_INIT;
	struct publish_existing ex;
	struct publish_plan p;
	char *body;
	(void)state;
	memset(&ex, 0, sizeof(ex));
	make(&l1, first, 4, 0);
	plan(&l1, &ex, &DEFAULTS, &p);
	assert_int_equal(p.n, 1);
	body = publish_comment_body(&l1, &p.comments[0], NULL);
	publish_plan_free(&p);
	assert_int_equal(publish_existing_add_comment(&ex, body), RR_OK);
	free(body);
	publish_existing_done(&ex);
	assert_int_equal(ex.nfps, 4);
	assert_int_equal(ex.nrules, 1);
	assert_int_equal(ex.rules[0].n, 1);        /* one comment of the rule, not four */
	/* the same four moved by two lines (same fingerprints) and one new: */
	make(&l2, second, 5, 0);
	plan(&l2, &ex, &DEFAULTS, &p);
	assert_comments(&l2, &p, want, 1);
	assert_int_equal(p.already_posted, 4);
	publish_plan_free(&p);
	publish_existing_free(&ex);
	finding_list_free(&l1);
	finding_list_free(&l2);
}

static void test_group_after_zero_never_groups(void **state)
{
	static const struct spec s[] = { { "a.rs", 1, "todo" }, { "a.rs", 2, "todo" },
					  { "a.rs", 3, "todo" }, { "a.rs", 4, "todo" },
					  { "a.rs", 5, "todo" } };
	const struct publish_settings never = { 30, 0, 0 }, two = { 30, 2, 0 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_plan p;
	(void)state;
	make(&l, s, 5, 0);
	plan_fresh(&l, &never, &p);
	assert_int_equal(p.n, 5);
	assert_int_equal(p.grouped, 0);
	publish_plan_free(&p);
	plan_fresh(&l, &two, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.comments[0].nalso, 4);
	publish_plan_free(&p);
	finding_list_free(&l);
}

/* A PR-wide budget per rule counts the comments already there; the rest is
 * counted in the summary, per rule. */
static void test_per_rule_budget_counts_existing_comments(void **state)
{
	struct spec s[14];
	char paths[14][16];
	struct finding_list l = FINDING_LIST_INIT, old = FINDING_LIST_INIT;
	const struct publish_settings budget = { 30, 3, 10 };
	struct publish_existing ex;
	struct publish_plan p;
	char *summary;
	(void)state;
	memset(&ex, 0, sizeof(ex));
	for (size_t i = 0; i < 14; i++) {
		snprintf(paths[i], sizeof(paths[i]), "f%02zu.rs", i);
		s[i].path = paths[i];
		s[i].line = 1;
		s[i].rule = i < 12 ? "unwrap_used" : "todo";
	}
	make(&l, s, 14, 0);
	plan(&l, &ex, &budget, &p);
	assert_int_equal(p.n, 12);                 /* 10 unwrap_used + 2 todo */
	assert_int_equal(p.over_budget, 2);
	assert_int_equal(p.ndropped, 1);
	assert_string_equal(p.dropped[0].rule, "unwrap_used");
	summary = publish_summary(&l, &p, &budget, NULL, NULL, NULL);
	assert_string_equal(summary,
			    "**rustreview** found 14 issues in this pull request.\n\n"
			    "| rule | count |\n| --- | ---: |\n"
			    "| `todo` | 2 |\n| `unwrap_used` | 12 |\n\n"
			    "2 more `unwrap_used` not posted: at most 10 comments per rule on a "
			    "pull request.\n\n<!-- rustreview:summary -->\n");
	free(summary);
	publish_plan_free(&p);

	/* eight unwrap_used comments are already on the pull request: two more fit */
	{
		struct spec o[8];
		char op[8][16];
		for (size_t i = 0; i < 8; i++) {
			snprintf(op[i], sizeof(op[i]), "old%zu.rs", i);
			o[i].path = op[i];
			o[i].line = 1;
			o[i].rule = "unwrap_used";
		}
		make(&old, o, 8, 1000);
		for (size_t i = 0; i < 8; i++)
			add_posted(&ex, &old.items[i]);
		publish_existing_done(&ex);
	}
	plan(&l, &ex, &budget, &p);
	assert_int_equal(p.n, 4);                  /* 2 unwrap_used + 2 todo */
	assert_int_equal(p.over_budget, 10);
	publish_plan_free(&p);
	publish_existing_free(&ex);
	finding_list_free(&old);
	finding_list_free(&l);
}

/* Order of the steps: budget before the cap, the cap counted in findings, and a
 * grouped comment is one comment for both. */
static void test_cap_after_budget_and_grouping(void **state)
{
	static const struct spec s[] = {
		{ "a.rs", 1, "todo" }, { "a.rs", 2, "todo" }, { "a.rs", 3, "todo" },
		{ "a.rs", 4, "todo" }, { "a.rs", 5, "todo" },            /* one grouped comment */
		{ "b.rs", 1, "dbg_macro" }, { "c.rs", 1, "dbg_macro" }, { "d.rs", 1, "dbg_macro" },
		{ "e.rs", 1, "panic" }, { "f.rs", 1, "panic" },
	};
	static const char *const want[] = { "a.rs:1:todo+4", "b.rs:1:dbg_macro+0",
					    "e.rs:1:panic+0" };
	const struct publish_settings st = { 3, 3, 1 };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_plan p;
	char *summary;
	(void)state;
	make(&l, s, 10, 0);
	plan_fresh(&l, &st, &p);
	assert_comments(&l, &p, want, 3);
	assert_int_equal(p.grouped, 4);
	assert_int_equal(p.over_budget, 3);        /* 2 dbg_macro + 1 panic */
	assert_int_equal(p.over_cap, 0);
	summary = publish_summary(&l, &p, &st, NULL, NULL, NULL);
	assert_non_null(strstr(summary, "\n2 more `dbg_macro` not posted: at most 1 comments per "
				       "rule on a pull request.\n\n1 more `panic` not posted"));
	free(summary);
	publish_plan_free(&p);
	/* a cap of 2: the third comment (panic) is over the cap */
	{
		const struct publish_settings capped = { 2, 3, 1 };
		plan_fresh(&l, &capped, &p);
		assert_int_equal(p.n, 2);
		assert_int_equal(p.over_cap, 1);
		publish_plan_free(&p);
	}
	finding_list_free(&l);
}

static void test_findings_without_a_place_are_not_planned(void **state)
{
	static const struct spec s[] = { { "a.rs", 0, "todo" }, { "a.rs", 2, "todo" } };
	struct finding_list l = FINDING_LIST_INIT;
	struct publish_plan p;
	(void)state;
	make(&l, s, 2, 0);
	plan_fresh(&l, &DEFAULTS, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nnew, 1);
	publish_plan_free(&p);
	finding_list_free(&l);
}

static void test_summary_markers_are_read_back(void **state)
{
	struct publish_existing ex;
	(void)state;
	memset(&ex, 0, sizeof(ex));
	assert_int_equal(publish_existing_add_summary(&ex,
		"**rustreview** found 1 issue.\n\nbad config\n<!-- rustreview:notice=00112233aabbccdd -->\n"
		"<!-- rustreview:head=0123456789abcdef0123456789abcdef01234567 -->\n"
		"<!-- rustreview:summary -->\n<!-- rustreview:unterminated"), RR_OK);
	assert_int_equal(ex.nmarkers, 3);
	assert_true(publish_existing_has_marker(&ex, "<!-- rustreview:notice=00112233aabbccdd -->"));
	assert_true(publish_existing_has_marker(
		&ex, "<!-- rustreview:head=0123456789abcdef0123456789abcdef01234567 -->"));
	assert_true(publish_existing_has_marker(&ex, PUBLISH_SUMMARY_MARKER));
	assert_false(publish_existing_has_marker(&ex, "<!-- rustreview:head=00 -->"));
	publish_existing_free(&ex);
}

/* The suggestion style is the forge's: GitLab's info string, none for a forge
 * without suggestions, and never on a comment spanning several lines. */
static void test_suggestion_style_is_the_forges(void **state)
{
	static const struct spec s[] = { { "a.rs", 3, "len_zero" } };
	struct finding_list l = FINDING_LIST_INIT;
	struct plan_comment c = { 0, NULL, 0 };
	char *body;
	(void)state;
	make(&l, s, 1, 0);
	l.items[0].suggestion_lines = strdup("    if v.is_empty() {");
	body = publish_comment_body(&l, &c, "suggestion:-0+0");
	assert_string_equal(body, "Message of len_zero.\n\n```suggestion:-0+0\n    if v.is_empty() {\n"
			    "```\n\n<!-- rustreview:fingerprint=0000000000000001 rule=len_zero -->");
	free(body);
	body = publish_comment_body(&l, &c, NULL);
	assert_null(strstr(body, "```"));
	free(body);
	l.items[0].end_line = 4;
	body = publish_comment_body(&l, &c, "suggestion");
	assert_null(strstr(body, "```"));
	free(body);
	finding_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_existing_each_finding_its_comment),
		cmocka_unit_test(test_already_posted_fingerprints_are_dropped_first),
		cmocka_unit_test(test_repeats_in_one_file_become_one_comment),
		cmocka_unit_test(test_grouped_members_are_never_repeated),
		cmocka_unit_test(test_group_after_zero_never_groups),
		cmocka_unit_test(test_per_rule_budget_counts_existing_comments),
		cmocka_unit_test(test_cap_after_budget_and_grouping),
		cmocka_unit_test(test_findings_without_a_place_are_not_planned),
		cmocka_unit_test(test_summary_markers_are_read_back),
		cmocka_unit_test(test_suggestion_style_is_the_forges),
	};
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
