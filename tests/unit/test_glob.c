/* test_glob.c — path globs for .rustreview.toml `exclude`: fnmatch per segment plus `**`. */
#include "testutil.h"
#include "../../review/glob.h"

static void test_star_stays_in_one_segment(void **state)
{
	(void)state;
	assert_true(glob_match("*.rs", "lib.rs"));
	assert_false(glob_match("*.rs", "src/lib.rs"));
	assert_true(glob_match("src/*.rs", "src/lib.rs"));
	assert_false(glob_match("src/*.rs", "src/a/lib.rs"));
	assert_true(glob_match("src/?ib.rs", "src/lib.rs"));
	assert_true(glob_match("src/[lm]ib.rs", "src/mib.rs"));
	assert_false(glob_match("src/[!lm]ib.rs", "src/mib.rs"));
}

static void test_globstar_any_depth(void **state)
{
	(void)state;
	assert_true(glob_match("generated/**", "generated/a.rs"));
	assert_true(glob_match("generated/**", "generated/x/y/z.rs"));
	assert_false(glob_match("generated/**", "src/generated/a.rs"));
	assert_false(glob_match("generated/**", "generated_code/a.rs"));
	assert_true(glob_match("**/*_pb.rs", "proto_pb.rs"));
	assert_true(glob_match("**/*_pb.rs", "a/b/proto_pb.rs"));
	assert_false(glob_match("**/*_pb.rs", "a/b/proto_pb.rs.bak"));
	assert_true(glob_match("src/**/mod.rs", "src/mod.rs"));
	assert_true(glob_match("src/**/mod.rs", "src/a/b/mod.rs"));
	assert_false(glob_match("src/**/mod.rs", "lib/a/mod.rs"));
	assert_true(glob_match("**", "anything/at/all.rs"));
	assert_true(glob_match("a/**/b/**/c.rs", "a/x/b/y/z/c.rs"));
	assert_false(glob_match("a/**/b/**/c.rs", "a/x/y/z/c.rs"));
}

static void test_trailing_slash_and_dot_slash(void **state)
{
	(void)state;
	assert_true(glob_match("vendor/", "vendor/x/lib.rs"));
	assert_false(glob_match("vendor/", "src/vendor.rs"));
	assert_true(glob_match("./src/*.rs", "src/lib.rs"));
	assert_true(glob_match("src/*.rs", "./src/lib.rs"));
	assert_true(glob_match("src//lib.rs", "src/lib.rs"));
}

static void test_degenerate_inputs(void **state)
{
	char long_seg[2000];
	(void)state;
	assert_false(glob_match(NULL, "a.rs"));
	assert_false(glob_match("*.rs", NULL));
	assert_false(glob_match("", "a.rs"));
	assert_true(glob_match("", ""));
	memset(long_seg, 'a', sizeof(long_seg) - 1);
	long_seg[sizeof(long_seg) - 1] = '\0';
	assert_false(glob_match("*", long_seg));
	/* Many globstars: linear, no exponential backtracking. */
	assert_false(glob_match("**/**/**/**/**/**/**/**/**/**/**/**/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_stays_in_one_segment),
		cmocka_unit_test(test_globstar_any_depth),
		cmocka_unit_test(test_trailing_slash_and_dot_slash),
		cmocka_unit_test(test_degenerate_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
