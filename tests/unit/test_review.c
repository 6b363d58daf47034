/* test_review.c — review_run end to end over a real repository: diff, blobs,
 * engine, limits. Links the whole library (engine and rules included). */
#include "testutil.h"
#include "review_testutil.h"
#include "../../common/rr.h"
#include "../../common/log.h"
#include "../../review/review.h"

struct fixture {
	struct review_world w;
	git_oid base;      /* main, moved on after the fork */
	git_oid head;      /* the PR */
	git_oid orphan;    /* unrelated history */
};
_Static_assert(offsetof(struct fixture, w) == 0, "review_fixture_new: the world comes first");

/* src/big.rs: an unwrap on line 1, then enough padding to pass 300 bytes. */
static const char BIG_RS[] =
	"pub fn big(v: Option<u8>) -> u8 { v.unwrap() }\n"
	"// padding padding padding padding padding padding padding padding padding\n"
	"// padding padding padding padding padding padding padding padding padding\n"
	"// padding padding padding padding padding padding padding padding padding\n"
	"// padding padding padding padding padding padding padding padding padding\n";

static int build_fixture(struct fixture *fx)
{
	const char *d = fx->w.dir;

	if (gt_init(d) != 0)
		return -1;
	/* main: an unwrap that predates the PR and must not be reported */
	if (gt_write_file(d, "src/lib.rs", "pub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm base", d, d) != 0)
		return -1;
	/* the PR: one more unwrap in lib.rs (line 5), a new file, a big file, a README */
	if (tu_sh(GIT "checkout -qb pr", d) != 0 ||
	    gt_write_file(d, "src/lib.rs", "pub fn a(x: Option<u32>) -> u32 {\n    x.unwrap()\n}\n"
		       "pub fn b(y: Option<u32>) -> u32 {\n    y.unwrap()\n}\n") ||
	    gt_write_file(d, "src/new.rs", "pub fn c(z: Option<u8>) -> u8 {\n    z.unwrap()\n}\n") ||
	    gt_write_file(d, "src/big.rs", BIG_RS) ||
	    gt_write_file(d, "README.md", "call x.unwrap() freely\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm pr", d, d) != 0)
		return -1;
	/* main moves on with its own unwrap: not the PR's */
	if (tu_sh(GIT "checkout -q main", d) != 0 ||
	    gt_write_file(d, "src/main_only.rs", "pub fn m(v: Option<u8>) -> u8 {\n    v.unwrap()\n}\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm moved", d, d) != 0)
		return -1;
	if (tu_sh(GIT "checkout -q --orphan other && " GIT "rm -rqf . && " GIT "commit -q --allow-empty "
		  "-m orphan", d, d, d) != 0)
		return -1;
	if (gt_rev_parse(d, "main", &fx->base) || gt_rev_parse(d, "pr", &fx->head) ||
	    gt_rev_parse(d, "other", &fx->orphan))
		return -1;
	return review_world_open(&fx->w);
}

static int setup(void **state)
{
	struct fixture *fx;

	fx = review_fixture_new(state, sizeof(*fx), "review", RR_LOG_WARN);
	if (!fx || build_fixture(fx) != 0) {
		review_fixture_teardown(state);
		return -1;
	}
	return 0;
}

static void assert_finding(const struct finding *f, const char *path, uint32_t line, const char *rule)
{
	assert_string_equal(f->path, path);
	assert_int_equal(f->line, line);
	assert_string_equal(f->rule_id, rule);
	assert_true(strlen(f->fingerprint) == RR_FINGERPRINT_LEN);
}

static void test_only_added_lines_reported_sorted(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	struct review_limits lim = { 300, 0 };   /* big.rs (>300 bytes) is skipped */
	struct rr_error err = { 0 };

	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->base, &fx->head, &lim, &out, &st, &err),
			 RR_OK);
	/* lib.rs:2 predates the PR, main_only.rs is main's, README is not Rust,
	 * big.rs is over the limit: what is left is lib.rs:5 and new.rs:2, in order. */
	assert_int_equal(out.n, 2);
	assert_finding(&out.items[0], "src/lib.rs", 5, "unwrap_used");
	assert_finding(&out.items[1], "src/new.rs", 2, "unwrap_used");
	assert_int_equal(st.files_changed, 3);
	assert_int_equal(st.files_reviewed, 2);
	assert_int_equal(st.files_skipped, 1);
	assert_int_equal(st.lines_added, 3 + 3 + 5);
	finding_list_free(&out);
}

static void test_max_files_stops_early(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	struct review_limits lim = { 0, 1 };     /* default size limit, one file */
	struct rr_error err = { 0 };

	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->base, &fx->head, &lim, &out, &st, &err),
			 RR_OK);
	/* Files come in path order: src/big.rs is the one reviewed. */
	assert_int_equal(out.n, 1);
	assert_finding(&out.items[0], "src/big.rs", 1, "unwrap_used");
	assert_int_equal(st.files_changed, 3);
	assert_int_equal(st.files_reviewed, 1);
	assert_int_equal(st.files_skipped, 2);
	finding_list_free(&out);
}

static void test_default_limits_review_everything(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	struct rr_error err = { 0 };

	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, &out, &st, &err),
			 RR_OK);
	assert_int_equal(out.n, 3);
	assert_finding(&out.items[0], "src/big.rs", 1, "unwrap_used");
	assert_finding(&out.items[1], "src/lib.rs", 5, "unwrap_used");
	assert_finding(&out.items[2], "src/new.rs", 2, "unwrap_used");
	assert_int_equal(st.files_reviewed, 3);
	assert_int_equal(st.files_skipped, 0);
	finding_list_free(&out);
}

static void test_unrelated_history_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	struct rr_error err = { 0 };

	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &fx->orphan, &fx->head, NULL, &out, &st, &err),
			 RR_EINVAL);
	assert_non_null(strstr(err.msg, "no common ancestor"));
	assert_int_equal(out.n, 0);
	assert_int_equal(st.files_reviewed, 0);
}

/* A file the pull request renamed: its findings carry the merge base's path
 * (GitLab places a comment by old and new path); the others carry none. */
static void test_renamed_file_findings_carry_the_old_path(void **state)
{
	static const char LONG_RS[] =
		"//! Helpers.\n\n/// One.\npub fn one() -> u8 {\n    1\n}\n\n/// Two.\n"
		"pub fn two() -> u8 {\n    2\n}\n";
	struct fixture *fx = *state;
	const char *d = fx->w.dir;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	struct rr_error err = { 0 };
	git_oid rbase, rhead;
	char *moved = NULL;

	assert_int_equal(tu_sh(GIT "checkout -qb r-base main", d), 0);
	assert_int_equal(gt_write_file(d, "src/long.rs", LONG_RS), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm long", d, d), 0);
	assert_int_equal(tu_sh(GIT "checkout -qb r-head && " GIT "mv src/long.rs src/longer.rs", d, d), 0);
	assert_int_equal(asprintf(&moved, "%spub fn z(v: Option<u8>) -> u8 {\n    v.unwrap()\n}\n",
				  LONG_RS) > 0, 1);
	assert_int_equal(gt_write_file(d, "src/longer.rs", moved), 0);
	assert_int_equal(gt_write_file(d, "src/plain.rs",
				       "pub fn p(v: Option<u8>) -> u8 {\n    v.unwrap()\n}\n"), 0);
	free(moved);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm moved", d, d), 0);
	assert_int_equal(tu_sh(GIT "checkout -q main", d), 0);
	assert_int_equal(gt_rev_parse(d, "r-base", &rbase), 0);
	assert_int_equal(gt_rev_parse(d, "r-head", &rhead), 0);

	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &rbase, &rhead, NULL, &out, &st, &err),
			 RR_OK);
	assert_int_equal(out.n, 2);
	assert_finding(&out.items[0], "src/longer.rs", 13, "unwrap_used");
	assert_non_null(out.items[0].old_path);
	assert_string_equal(out.items[0].old_path, "src/long.rs");
	assert_finding(&out.items[1], "src/plain.rs", 2, "unwrap_used");
	assert_null(out.items[1].old_path);
	finding_list_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_added_lines_reported_sorted),
		cmocka_unit_test(test_max_files_stops_early),
		cmocka_unit_test(test_default_limits_review_everything),
		cmocka_unit_test(test_unrelated_history_is_invalid),
		cmocka_unit_test(test_renamed_file_findings_carry_the_old_path),
	};
	return cmocka_run_group_tests_name("review", tests, setup, review_fixture_teardown);
}
