/* test_idioms.c — what the panic rules (unwrap_used, expect_used,
 * unwrap_in_result, panic) and the rules with a test-code scope leave alone,
 * and what they still report: each class of accepted code next to the
 * nearest code that must stay reported, with exact lines. The Rust here is
 * written for these tests. */
#include "engine_testutil.h"

/* "line:col" of every finding of rule in src reviewed as path, space-separated. */
static char *where(const char *path, const char *src, const char *rule)
{
	struct finding_list l = et_review(path, src, NULL, NULL);
	struct rr_buf b = RR_BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.items[i].rule_id, rule) == 0)
			assert_int_equal(rr_buf_printf(&b, "%s%u:%u", b.len ? " " : "",
						       l.items[i].line, l.items[i].column), 0);
	finding_list_free(&l);
	return rr_buf_detach(&b);
}

static void assert_where_at(const char *path, const char *src, const char *rule, const char *want)
{
	char *got = where(path, src, rule);
	if (strcmp(got, want) != 0)
		fail_msg("%s in %s: got \"%s\", want \"%s\" in:\n%s", rule, path, got, want, src);
	free(got);
}

static void assert_where(const char *src, const char *rule, const char *want)
{
	assert_where_at("src/lib.rs", src, rule, want);
}

/* --- scope: rules that only matter where the code ships ----------------------- */

static void test_todo_and_format_push_string_only_in_production(void **state)
{
	static const char SRC[] =
		"pub fn render(n: usize) -> String {\n"
		"    let mut s = String::new();\n"
		"    s.push_str(&format!(\"{n}\"));\n"
		"    if n > 9 { todo!(\"wide\") }\n"
		"    s\n"
		"}\n"
		"#[cfg(test)]\n"
		"mod tests {\n"
		"    fn fixture(n: usize) -> String {\n"
		"        let mut s = String::new();\n"
		"        s.push_str(&format!(\"{n}\"));\n"
		"        if n > 9 { todo!(\"wide\") }\n"
		"        s\n"
		"    }\n"
		"}\n";
	(void)state;
	assert_where(SRC, "format_push_string", "3:5");
	assert_where(SRC, "todo", "4:16");
	assert_where_at("tests/render.rs", SRC, "todo", "");
	assert_where_at("benches/render.rs", SRC, "format_push_string", "");
	assert_where_at("examples/render.rs", SRC, "todo", "");
}

static void test_unsafe_in_bench_harness_left_alone(void **state)
{
	static const char SRC[] =
		"pub fn read(p: *const u8) -> u8 {\n"
		"    unsafe { *p }\n"
		"}\n";
	(void)state;
	assert_where_at("benches/support/io.rs", SRC, "undocumented_unsafe_blocks", "");
	assert_where_at("crates/x/benches/io.rs", SRC, "undocumented_unsafe_blocks", "");
	/* Tests, examples and the library keep the rule. */
	assert_where_at("tests/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("examples/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("src/benches.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("src/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_todo_and_format_push_string_only_in_production),
		cmocka_unit_test(test_unsafe_in_bench_harness_left_alone),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
