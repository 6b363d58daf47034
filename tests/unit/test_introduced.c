/* test_introduced.c — new findings only (review/introduced.c): review_run over
 * real repositories where the pull request re-indents, re-wraps, moves or
 * copies code the base already had, and where it really adds some. */
#include "testutil.h"
#include "review_testutil.h"
#include "../../common/rr.h"
#include "../../review/introduced.h"
#include "../../review/rust.h"
#include "../../review/review.h"

struct fixture {
	struct review_world w;
	int n;             /* cases built so far: branch names base<n> / head<n> */
};
_Static_assert(offsetof(struct fixture, w) == 0, "review_fixture_new: the world comes first");

/* The repository: a root commit on main, every case branches from it. */
static int build_fixture(struct fixture *fx)
{
	if (gt_init(fx->w.dir) != 0 || tu_sh(GIT "commit -q --allow-empty -m root", fx->w.dir) != 0)
		return -1;
	return review_world_open(&fx->w);
}

static int setup(void **state)
{
	struct fixture *fx;

	fx = review_fixture_new(state, sizeof(*fx), "introduced", RR_LOG_WARN);
	if (!fx || build_fixture(fx) != 0) {
		review_fixture_teardown(state);
		return -1;
	}
	return 0;
}

/* Files of one side of a case: path, text pairs, NULL-terminated; a NULL text
 * deletes the file. */
static int write_files(const char *d, const char *const *files)
{
	for (size_t i = 0; files[i]; i += 2) {
		if (files[i + 1] ? gt_write_file(d, files[i], files[i + 1])
				 : tu_sh("rm -f '%s/%s'", d, files[i]))
			return -1;
	}
	return tu_sh(GIT "add -A && " GIT "commit -q --allow-empty -m side", d, d);
}

/* Reviews the latest case, branch base<n> to branch head<n>, into out. */
static void review_latest(struct fixture *fx, struct finding_list *out, struct review_stats *st)
{
	const char *d = fx->w.dir;
	struct rr_error err = { 0 };
	git_oid b, h;
	char bn[32], hn[32];

	snprintf(bn, sizeof(bn), "base%d", fx->n);
	snprintf(hn, sizeof(hn), "head%d", fx->n);
	assert_int_equal(gt_rev_parse(d, bn, &b), 0);
	assert_int_equal(gt_rev_parse(d, hn, &h), 0);
	assert_int_equal(review_run(fx->w.engine, fx->w.repo, &b, &h, NULL, out, st, &err), RR_OK);
}

/* Builds a base commit with `base` on a fresh branch from the root, then a
 * head commit with `head` on top, and reviews base..head into out. */
static void review_case(struct fixture *fx, const char *const *base, const char *const *head,
			struct finding_list *out, struct review_stats *st)
{
	const char *d = fx->w.dir;

	fx->n++;
	assert_int_equal(tu_sh(GIT "checkout -q main && " GIT "checkout -q -b base%d && "
			       GIT "rm -rqf --ignore-unmatch . ", d, d, fx->n, d),
			 0);
	assert_int_equal(write_files(d, base), 0);
	assert_int_equal(tu_sh(GIT "checkout -q -b head%d", d, fx->n), 0);
	assert_int_equal(write_files(d, head), 0);
	review_latest(fx, out, st);
}

/* fn first of src/lib.rs, its let's value and its return value given: the
 * cases change one of them, or nothing (LIB_BASE). */
#define FIRST_FN(let_value, ret)                 \
	"pub fn first(v: Option<u32>) -> u32 {\n" \
	"    let n = " let_value ";\n"              \
	"    " ret "\n"                             \
	"}\n"
#define LIB_BASE FIRST_FN("compute(v, 1).unwrap()", "n + 1")

static void test_reindented_and_rewrapped_is_not_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	/* rustfmt wrapped the call (a trailing comma), the fn moved into a mod
	 * (re-indented), and a comment went in */
	const char *head[] = { "src/lib.rs",
			       "pub mod inner {\n"
			       "    pub fn first(v: Option<u32>) -> u32 {\n"
			       "        let n = compute(\n"
			       "            v, // the input\n"
			       "            1,\n"
			       "        )\n"
			       "        .unwrap();\n"
			       "        n + 1\n"
			       "    }\n"
			       "}\n",
			       NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 0);
	assert_int_equal(st.findings_preexisting, 1);
	assert_int_equal(st.base_files_parsed, 1);
	finding_list_free(&out);
}

static void test_wrapped_in_a_new_block_is_not_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs",
			       "pub fn first(v: Option<u32>, on: bool) -> u32 {\n"
			       "    if on {\n"
			       "        let n = compute(v, 1).unwrap();\n"
			       "        return n + 1;\n"
			       "    }\n"
			       "    0\n"
			       "}\n",
			       NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 0);
	finding_list_free(&out);
}

/* The statement around the finding changed (a renamed field elsewhere in
 * it): the unwrap itself did not. */
static void test_statement_touched_elsewhere_is_not_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs",
			       "pub fn send(tx: &mut Option<Tx>, val: Val) {\n"
			       "    let _ = tx.take().unwrap().send(val.map_err(|e| e.0));\n"
			       "}\n",
			       NULL };
	const char *head[] = { "src/lib.rs",
			       "pub fn send(tx: &mut Option<Tx>, val: Val) {\n"
			       "    let _ = tx.take().unwrap().send(val.map_err(|e| e.error));\n"
			       "}\n",
			       NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 0);
	finding_list_free(&out);
}

/* A second copy next to the original is new once; the original is not. */
static void test_copied_within_the_file_is_new_once(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs",
			       LIB_BASE
			       "pub fn second(v: Option<u32>) -> u32 {\n"
			       "    let n = compute(v, 1).unwrap();\n"
			       "    n + 2\n"
			       "}\n",
			       NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.items[0].path, "src/lib.rs");
	assert_int_equal(out.items[0].line, 6);
	assert_string_equal(out.items[0].rule_id, "unwrap_used");
	finding_list_free(&out);
}

/* Moved into another file, the old one deleted: not new. */
static void test_moved_to_another_file_is_not_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/old.rs", LIB_BASE, "src/keep.rs", "pub fn k() {}\n", NULL };
	const char *head[] = { "src/old.rs", NULL, "src/keep.rs", "pub fn k() {}\n" LIB_BASE, NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 0);
	assert_int_equal(st.findings_preexisting, 1);
	finding_list_free(&out);
}

/* Copied to another changed file while the original stays: new. */
static void test_copied_to_another_file_is_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs", FIRST_FN("compute(v, 1).unwrap()", "n + 10"),
			       "src/copy.rs", LIB_BASE, NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.items[0].path, "src/copy.rs");
	assert_int_equal(out.items[0].line, 2);
	finding_list_free(&out);
}

/* Test code the base exempted, moved into production code: the base had no
 * finding there, so the finding is the pull request's. */
static void test_from_test_code_into_production_is_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs",
			       "#[cfg(test)]\n"
			       "mod tests {\n"
			       "    fn helper(v: Option<u32>) -> u32 {\n"
			       "        let n = compute(v, 1).unwrap();\n"
			       "        n\n"
			       "    }\n"
			       "}\n",
			       NULL };
	const char *head[] = { "src/lib.rs",
			       "fn helper(v: Option<u32>) -> u32 {\n"
			       "    let n = compute(v, 1).unwrap();\n"
			       "    n\n"
			       "}\n",
			       NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.items[0].line, 2);
	finding_list_free(&out);
}

/* A different call on the same receiver is new code. */
static void test_changed_call_is_new(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs", FIRST_FN("compute(v, 2).unwrap()", "n + 1"), NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.items[0].line, 2);
	finding_list_free(&out);
}

/* No finding in the head: no base file is read at all. */
static void test_nothing_found_reads_no_base(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs", FIRST_FN("compute(v, 1).unwrap_or(0)", "n + 1"), NULL };

	review_case(fx, base, head, &out, &st);
	assert_int_equal(out.n, 0);
	assert_int_equal(st.findings_preexisting, 0);
	assert_int_equal(st.base_files_parsed, 0);
	finding_list_free(&out);
}

/* A change made and then reverted inside the pull request adds nothing. */
static void test_reverted_inside_the_pull_request(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_stats st;
	const char *base[] = { "src/lib.rs", LIB_BASE, NULL };
	const char *head[] = { "src/lib.rs", FIRST_FN("compute(v, 1).expect(\"later\")", "n + 1"), NULL };

	review_case(fx, base, head, &out, &st);
	finding_list_free(&out);
	assert_int_equal(tu_sh(GIT "revert --no-edit HEAD >/dev/null", fx->w.dir), 0);
	review_latest(fx, &out, &st);
	assert_int_equal(out.n, 0);
	finding_list_free(&out);
}

/* The code a finding stands in: tokens without blanks, comments or a
 * trailing comma; an unsafe keyword grows to its block; an item stops at
 * its body. */
/* The squeeze as introduced.c defined it before: blanks out, a `,` right
 * before a closer out. The reference the matcher is held against. */
static size_t reference_squeeze(const char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if ((c == ')' || c == ']' || c == '}') && o > 0 && out[o - 1] == ',')
			o--;
		out[o++] = c;
	}
	return o;
}

/*
 * introduced_squeezed_contains (no squeezed copy of the base file) against
 * squeezing the text and memmem, over random texts of blanks, commas and
 * closers and needles cut from their squeezed form or made up.
 */
static void test_squeezed_contains_matches_squeezing(void **state)
{
	static const char alphabet[] = "ab,,)]}( \n\t";
	uint64_t seed = 0x2545F4914F6CDD1Dull;
	char text[64], sq[64], needle[16];
	size_t hits = 0;
	(void)state;
	for (int round = 0; round < 200000; round++) {
		size_t len, slen, n;
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		len = 1 + (size_t)(seed % 40);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			text[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		slen = reference_squeeze(text, len, sq);
		if (round & 1 && slen > 0) {          /* a piece of the squeezed text */
			size_t at = (size_t)(seed % slen);
			n = 1 + (size_t)((seed >> 20) % (slen - at));
			if (n > sizeof(needle))
				n = sizeof(needle);
			memcpy(needle, sq + at, n);
		} else {                              /* made up, squeezed like a code is */
			char raw[16];
			size_t rn = 1 + (size_t)((seed >> 9) % 8);
			for (size_t i = 0; i < rn; i++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				raw[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
			}
			n = reference_squeeze(raw, rn, needle);
			if (n == 0)
				continue;
		}
		bool want = slen >= n && memmem(sq, slen, needle, n) != NULL;
		assert_int_equal(introduced_squeezed_contains(text, len, needle, n), want);
		hits += want;
	}
	assert_true(hits > 50000);           /* both answers were exercised */
}

static void test_code_normalisation(void **state)
{
	static const char SRC[] =
		"fn f() {\n"
		"    let a = g(x,\n"
		"              y, /* why */ ).unwrap();\n"
		"    unsafe { p.read() }\n"
		"}\n";
	TSParser *p = ts_parser_new();
	TSTree *t;
	char *code;
	uint32_t at;

	(void)state;
	assert_true(ts_parser_set_language(p, tree_sitter_rust()));
	t = ts_parser_parse_string(p, NULL, SRC, (uint32_t)strlen(SRC));
	at = (uint32_t)(strstr(SRC, "unwrap") - SRC);
	code = introduced_code(ts_tree_root_node(t), SRC, at, at + 8);
	assert_string_equal(code, "g(x,y).unwrap()");
	free(code);
	at = (uint32_t)(strstr(SRC, "unsafe") - SRC);
	code = introduced_code(ts_tree_root_node(t), SRC, at, at + 6);
	assert_string_equal(code, "unsafe{p.read()}");
	free(code);
	code = introduced_code(ts_tree_root_node(t), SRC, 0, 6);
	assert_string_equal(code, "fnf()");
	free(code);
	ts_tree_delete(t);
	ts_parser_delete(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_normalisation),
		cmocka_unit_test(test_squeezed_contains_matches_squeezing),
		cmocka_unit_test(test_reindented_and_rewrapped_is_not_new),
		cmocka_unit_test(test_wrapped_in_a_new_block_is_not_new),
		cmocka_unit_test(test_statement_touched_elsewhere_is_not_new),
		cmocka_unit_test(test_copied_within_the_file_is_new_once),
		cmocka_unit_test(test_moved_to_another_file_is_not_new),
		cmocka_unit_test(test_copied_to_another_file_is_new),
		cmocka_unit_test(test_from_test_code_into_production_is_new),
		cmocka_unit_test(test_changed_call_is_new),
		cmocka_unit_test(test_nothing_found_reads_no_base),
		cmocka_unit_test(test_reverted_inside_the_pull_request),
	};
	return cmocka_run_group_tests(tests, setup, review_fixture_teardown);
}
