/* test_diff.c — diff_rust_changes on a real repository built with the git CLI. */
#include "testutil.h"
#include "git_testutil.h"
#include "../../common/rr.h"
#include "../../review/diff.h"

#include <sys/stat.h>

struct fixture {
	char *dir;             /* working repository */
	git_repository *repo;
	git_oid fork_point;    /* C0: where the PR branched off main */
	git_oid head;          /* C1: the PR branch */
	git_oid base;          /* C2: main after it moved on */
	git_oid orphan;        /* a commit with no common history */
};

/* Writes a fixture file; a failure fails the test. */
#define WRITE(dir, rel, text) assert_int_equal(gt_write_file(dir, rel, text), 0)

static const char OLD_NAME_RS[] =
	"pub struct Config {\n"
	"    pub name: String,\n"
	"    pub port: u16,\n"
	"}\n"
	"pub fn load() -> Config {\n"
	"    Config { name: String::new(), port: 80 }\n"
	"}\n"
	"pub fn describe(c: &Config) -> String {\n"
	"    format!(\"{}:{}\", c.name, c.port)\n"
	"}\n";

static const char RENAMED_RS[] =       /* line 5 edited, the rest identical */
	"pub struct Config {\n"
	"    pub name: String,\n"
	"    pub port: u16,\n"
	"}\n"
	"pub fn load_config() -> Config {\n"
	"    Config { name: String::new(), port: 80 }\n"
	"}\n"
	"pub fn describe(c: &Config) -> String {\n"
	"    format!(\"{}:{}\", c.name, c.port)\n"
	"}\n";

static int build_fixture(struct fixture *fx)
{
	const char *d;

	fx->dir = tu_mkdtemp("diff");
	if (!fx->dir)
		return -1;
	d = fx->dir;
	if (gt_init(d) != 0 || tu_sh("mkdir -p '%s/src'", d) != 0)
		return -1;

	/* C0 on main */
	WRITE(d, "src/lib.rs", "line1\nline2\nline3\nline4\nline5\nline6\nline7\nline8\nline9\nline10\n");
	WRITE(d, "src/old_name.rs", OLD_NAME_RS);
	WRITE(d, "src/gone.rs", "fn gone() {}\n");
	WRITE(d, "src/keep.rs", "fn keep() {}\n");
	WRITE(d, "README.md", "# demo\n");
	if (tu_sh(GIT "add -A && " GIT "commit -qm c0", d, d) != 0)
		return -1;

	/* C1 on the PR branch */
	if (tu_sh(GIT "checkout -qb pr", d) != 0)
		return -1;
	WRITE(d, "src/lib.rs", "line1\nchanged2\nline3\nline4\nline5\nline6\nline7\nnew_a\nnew_b\n"
	      "line8\nline9\nline10\n");
	WRITE(d, "src/new.rs", "fn a() {}\nfn b() {}\nfn c() {}\n");
	assert_int_equal(gt_write_bytes(d, "src/blob.rs", "\0\1\2binary\0data\n", 16), 0);
	WRITE(d, "README.md", "# demo\nmore\n");
	WRITE(d, "notes.txt", "fn not_rust() {}\n");
	if (tu_sh(GIT "mv src/old_name.rs src/renamed.rs && " GIT "rm -q src/gone.rs", d, d) != 0)
		return -1;
	WRITE(d, "src/renamed.rs", RENAMED_RS);
	if (tu_sh(GIT "add -A && " GIT "commit -qm c1", d, d) != 0)
		return -1;

	/* C2: main moves on after the fork, touching a file the PR also touched */
	if (tu_sh(GIT "checkout -q main", d) != 0)
		return -1;
	WRITE(d, "src/keep.rs", "fn keep() {}\nfn main_only() {}\n");
	WRITE(d, "src/lib.rs", "line1\nline2\nline3\nline4\nline5\nline6\nline7\nline8\nline9\nmain10\n");
	WRITE(d, "src/main_new.rs", "fn main_new() {}\n");
	if (tu_sh(GIT "add -A && " GIT "commit -qm c2", d, d) != 0)
		return -1;

	/* An unrelated history */
	if (tu_sh(GIT "checkout -q --orphan other && " GIT "rm -rqf . && echo 'fn x() {}' > '%s/x.rs' && "
		  GIT "add -A && " GIT "commit -qm orphan", d, d, d, d, d) != 0)
		return -1;

	assert_int_equal(gt_rev_parse(d, "main~1", &fx->fork_point), 0);
	assert_int_equal(gt_rev_parse(d, "pr", &fx->head), 0);
	assert_int_equal(gt_rev_parse(d, "main", &fx->base), 0);
	assert_int_equal(gt_rev_parse(d, "other", &fx->orphan), 0);
	return git_repository_open(&fx->repo, d) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	gt_end(fx->dir, fx->repo);
	free(fx);
	*state = NULL;
	return 0;
}

/* On failure everything built so far is removed (cmocka skips teardown then). */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	*state = fx;
	if (!fx)
		return -1;
	gt_begin();
	if (build_fixture(fx) != 0) {
		teardown(state);
		return -1;
	}
	return 0;
}

static const struct diff_file *find_file(const struct diff_result *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

/* Asserts the added set is exactly the given 0-terminated list of lines. */
static void assert_added(const struct diff_file *f, const uint32_t *lines)
{
	size_t n = 0;
	assert_non_null(f);
	for (; lines[n]; n++)
		assert_true(line_set_contains(&f->added, lines[n]));
	assert_int_equal(line_set_count(&f->added), n);
}

static void test_only_changed_rust_files_listed(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };

	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &fx->head, &r, &err), RR_OK);
	/* lib.rs, new.rs, renamed.rs; not gone.rs (deleted), blob.rs (binary),
	 * README.md / notes.txt (not .rs), keep.rs / main_new.rs (changed on main only). */
	assert_int_equal(r.n, 3);
	assert_string_equal(r.files[0].path, "src/lib.rs");
	assert_string_equal(r.files[1].path, "src/new.rs");
	assert_string_equal(r.files[2].path, "src/renamed.rs");
	assert_null(find_file(&r, "src/gone.rs"));
	assert_null(find_file(&r, "src/blob.rs"));
	assert_null(find_file(&r, "notes.txt"));
	assert_true(git_oid_equal(&r.merge_base, &fx->fork_point));
	diff_result_free(&r);
}

static void test_modified_file_multiple_hunks(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };
	static const uint32_t want[] = { 2, 8, 9, 0 };
	const struct diff_file *f;
	git_oid blob;

	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &fx->head, &r, &err), RR_OK);
	f = find_file(&r, "src/lib.rs");
	/* Line 10 of main ("main10") came after the fork: not part of the PR. */
	assert_added(f, want);
	assert_int_equal(f->added.n, 2);      /* two hunks: {2} and {8,9} */
	assert_null(f->old_path);
	assert_false(f->is_new);
	{
		char *sha = tu_sh_out(GIT "rev-parse pr:src/lib.rs", fx->dir);
		assert_int_equal(git_oid_fromstr(&blob, sha), 0);
		free(sha);
	}
	assert_true(git_oid_equal(&f->blob, &blob));
	diff_result_free(&r);
}

static void test_new_file_all_lines_added(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };
	static const uint32_t want[] = { 1, 2, 3, 0 };
	const struct diff_file *f;

	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &fx->head, &r, &err), RR_OK);
	f = find_file(&r, "src/new.rs");
	assert_added(f, want);
	assert_true(f->is_new);
	assert_null(f->old_path);
	diff_result_free(&r);
}

static void test_renamed_file_only_edits_added(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };
	static const uint32_t want[] = { 5, 0 };
	const struct diff_file *f;

	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &fx->head, &r, &err), RR_OK);
	f = find_file(&r, "src/renamed.rs");
	assert_added(f, want);
	assert_non_null(f->old_path);
	assert_string_equal(f->old_path, "src/old_name.rs");
	assert_false(f->is_new);
	assert_null(find_file(&r, "src/old_name.rs"));
	diff_result_free(&r);
}

static void test_fork_point_as_base_gives_same_result(void **state)
{
	struct fixture *fx = *state;
	struct diff_result a, b;
	struct rr_error err = { 0 };

	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &fx->head, &a, &err), RR_OK);
	assert_int_equal(diff_rust_changes(fx->repo, &fx->fork_point, &fx->head, &b, &err), RR_OK);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_equal(a.files[i].path, b.files[i].path);
		assert_int_equal(line_set_count(&a.files[i].added), line_set_count(&b.files[i].added));
	}
	diff_result_free(&a);
	diff_result_free(&b);
}

static void test_unrelated_histories_rejected(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };

	assert_int_equal(diff_rust_changes(fx->repo, &fx->orphan, &fx->head, &r, &err), RR_EINVAL);
	assert_non_null(strstr(err.msg, "no common ancestor"));
	assert_int_equal(r.n, 0);
	assert_null(r.files);
}

static void test_missing_commit_not_found(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };
	git_oid missing;

	assert_int_equal(git_oid_fromstr(&missing, "0123456789abcdef0123456789abcdef01234567"), 0);
	assert_int_equal(diff_rust_changes(fx->repo, &fx->base, &missing, &r, &err), RR_ENOTFOUND);
	assert_non_null(strstr(err.msg, "head commit 0123456789abcdef0123456789abcdef01234567"));
}

/*
 * A new file's added lines are all of its lines, however it ends: without a
 * final newline the last line still counts; an empty file adds none; CRLF
 * lines are lines. (The same sets git's own patch gives.)
 */
static void test_new_file_line_counts(void **state)
{
	struct fixture *fx = *state;
	struct diff_result r;
	struct rr_error err = { 0 };
	static const uint32_t two[] = { 1, 2, 0 };
	static const uint32_t none[] = { 0 };
	const char *d = fx->dir;
	git_oid next;

	assert_int_equal(tu_sh(GIT "checkout -q pr", d), 0);
	WRITE(d, "src/no_eol.rs", "fn a() {}\nfn b() {}");
	WRITE(d, "src/empty.rs", "");
	WRITE(d, "src/crlf.rs", "fn a() {}\r\nfn b() {}\r\n");
	WRITE(d, "src/one.rs", "\n");
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm edges", d, d), 0);
	assert_int_equal(gt_rev_parse(d, "HEAD", &next), 0);
	if (diff_rust_changes(fx->repo, &fx->head, &next, &r, &err) != RR_OK)
		fail_msg("%s", err.msg);
	assert_added(find_file(&r, "src/no_eol.rs"), two);
	assert_added(find_file(&r, "src/crlf.rs"), two);
	assert_added(find_file(&r, "src/empty.rs"), none);
	static const uint32_t one[] = { 1, 0 };
	assert_added(find_file(&r, "src/one.rs"), one);
	assert_true(find_file(&r, "src/no_eol.rs")->is_new);
	diff_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_changed_rust_files_listed),
		cmocka_unit_test(test_modified_file_multiple_hunks),
		cmocka_unit_test(test_new_file_all_lines_added),
		cmocka_unit_test(test_renamed_file_only_edits_added),
		cmocka_unit_test(test_fork_point_as_base_gives_same_result),
		cmocka_unit_test(test_unrelated_histories_rejected),
		cmocka_unit_test(test_missing_commit_not_found),
		cmocka_unit_test(test_new_file_line_counts),     /* last: it commits on top of head */
	};
	return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
