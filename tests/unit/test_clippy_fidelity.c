/* test_clippy_fidelity.c — rules that carry a clippy name behave as clippy
 * 0.1.95 does where the syntax can tell: what each rule claims (`rules
 * --format json`), std paths through aliases and the file's own items,
 * exit outside `main`, compile-time code, the `_err` and path forms. The
 * bigger side-by-side cases live in tests/corpus (checked against clippy by
 * `make accuracy`). */
#include "engine_testutil.h"

#include "../../review/config.h"

static void assert_where(const char *src, const char *rule, const char *want)
{
	et_assert_where("src/lib.rs", src, rule, NULL, want);
}

/* Every rule says which clippy lint it stands for (a real one: clippy's
 * group table knows it) and, exactly then, its scope. */
static void test_every_rule_has_a_claim(void **state)
{
	(void)state;
	for (size_t i = 0; i < rules_count(); i++) {
		const char *id = rules_get(i)->id, *lint = rules_clippy_lint(i);
		const char *scope = rules_scope(i);
		if (lint && !config_clippy_group(lint))
			fail_msg("%s claims clippy::%s, which clippy does not have", id, lint);
		if (!lint != !scope)
			fail_msg("%s: a scope exactly when there is a clippy lint", id);
		if (scope && strcmp(scope, "same") != 0 && strcmp(scope, "subset") != 0)
			fail_msg("%s: scope %s", id, scope);
		/* A subset rule's explanation names what it leaves out. */
		if (scope && strcmp(scope, "subset") == 0 &&
		    !strstr(rules_get(i)->explanation, "ubset") &&
		    !strstr(rules_get(i)->explanation, "Limits") &&
		    !strstr(rules_get(i)->explanation, "Not flagged") &&
		    !strstr(rules_get(i)->explanation, "Without types") &&
		    !strstr(rules_get(i)->explanation, "without types") &&
		    !strstr(rules_get(i)->explanation, "left alone"))
			fail_msg("%s is a subset of clippy but its explanation does not say what it "
				 "leaves out", id);
	}
	assert_string_equal(rules_clippy_lint((size_t)review_rule_index("unwrap_or_default")),
			    "unwrap_or_default");
	assert_null(rules_clippy_lint((size_t)review_rule_index("blocking_in_async")));
	assert_string_equal(rules_rustc_lint((size_t)review_rule_index("bidi_chars")),
			    "text_direction_codepoint_in_literal");
}

/* std functions reached through `use .. as ..`, lists and globs; a file's
 * own module or fn of the name is not std's. */
static void test_std_paths_through_aliases(void **state)
{
	(void)state;
	assert_where("use std::mem as m;\nfn f(s: String) { m::forget(s); }\n", "mem_forget", "2:19");
	assert_where("use std::mem::{self as memory};\nfn f(s: String) { memory::forget(s); }\n",
		     "mem_forget", "2:19");
	assert_where("use std::process::exit as quit;\npub fn f() { quit(1) }\n", "exit", "2:14");
	assert_where("use std::{mem, process::{self, exit as bye}};\n"
		     "pub fn f(s: String) { mem::forget(s); process::exit(1); bye(2) }\n",
		     "exit", "2:39 2:57");
	assert_where("use core::process::*;\npub fn f() { exit(1) }\n", "exit", "2:14");
	/* The file's own module or fn, or an alias to something else. */
	assert_where("mod mem { pub fn forget<T>(_: T) {} }\nfn f(s: String) { mem::forget(s); }\n",
		     "mem_forget", "");
	assert_where("use crate::sys as process;\npub fn f() { process::exit(1) }\n", "exit", "");
	assert_where("use std::process::*;\nfn exit(_: i32) {}\npub fn f() { exit(1) }\n", "exit",
		     "");
	assert_where("use std::process::exit as quit;\npub fn f() { exit(1) }\n", "exit", "");
}

/* clippy::exit: a free fn not named main (its closures too); not methods. */
static void test_exit_outside_main(void **state)
{
	(void)state;
	assert_where("pub fn main() { std::process::exit(1) }\n"
		     "pub fn outer() { fn main() { std::process::exit(3) } main() }\n"
		     "pub struct S;\n"
		     "impl S { pub fn m(&self) { std::process::exit(2) } }\n"
		     "pub trait T { fn t(&self) { std::process::exit(5) } }\n"
		     "pub fn clos() { let f = || std::process::exit(4); f() }\n"
		     "pub fn lib() { std::process::exit(1) }\n"
		     "impl S { pub fn n(&self) { fn inner() { std::process::exit(6) } inner() } }\n",
		     "exit", "6:28 7:16 8:41");
}

/* Compile-time code: no panic, unwrap or expect there; a const fn's body is run time. */
static void test_compile_time_code(void **state)
{
	static const char src[] =
		"pub const A: u32 = id(Some(1)).unwrap();\n"
		"pub static B: u32 = id(Some(1)).expect(\"b\");\n"
		"pub fn c() -> u32 { const { id(Some(1)).unwrap() } }\n"
		"pub fn d() -> [u8; id(Some(3)).unwrap()] { [0; id(Some(3)).unwrap()] }\n"
		"pub enum E { A = id(Some(1)).unwrap() as isize }\n"
		"pub fn g() -> K<{ id(Some(3)).unwrap() }> { K }\n"
		"pub const fn h(x: Option<u32>) -> u32 { x.unwrap() }\n"
		"pub const P: u32 = { if 1 > 2 { panic!(\"x\") } 1 };\n"
		"pub const fn q(x: u32) -> u32 { if x > 2 { panic!(\"y\") } x }\n"
		"pub fn r() { const { if 1 > 2 { panic!(\"z\") } }; panic!(\"w\") }\n"
		"pub const S: fn() -> u32 = { fn s() -> u32 { id(Some(1)).unwrap() } s };\n";
	(void)state;
	assert_where(src, "unwrap_used", "7:43 11:58");
	assert_where(src, "expect_used", "");
	assert_where(src, "panic", "9:44 10:50");
}

/* unwrap_err/expect_err and the path forms; `map(Option::unwrap)` is not a call. */
static void test_err_and_path_forms(void **state)
{
	static const char src[] =
		"pub fn a(r: Result<u32, u32>) -> u32 { r.unwrap_err() + r.expect_err(\"x\") }\n"
		"pub fn b(o: Option<u32>) -> u32 { Option::unwrap(o) }\n"
		"pub fn c(r: Result<u32, ()>) -> u32 { Result::expect(r, \"x\") }\n"
		"pub fn d(o: Option<u32>) -> u32 { std::option::Option::unwrap(o) + <Option<u32>>::unwrap(o) }\n"
		"pub fn e(o: Option<u32>) -> u32 { Option::<u32>::unwrap(o) + Result::unwrap_err(r) }\n"
		"pub fn f(v: Vec<Option<u32>>) -> Vec<u32> { v.into_iter().map(Option::unwrap).collect() }\n"
		"pub fn g(o: Option<u32>) -> u32 { Option::unwrap_or(o, 1) + MyType::unwrap(o) }\n";
	(void)state;
	assert_where(src, "unwrap_used", "1:42 2:35 4:35 4:68 5:35 5:62");
	assert_where(src, "expect_used", "1:59 3:39");
}

/* What the tree shows a type is, as clippy's types would say it. */
static void test_type_shapes_the_tree_shows(void **state)
{
	struct review_options o;
	(void)state;
	/* A Result alias of the file is a Result (missing_errors_doc). */
	review_options_init(&o);
	o.level[review_rule_index("missing_errors_doc")] = REVIEW_LEVEL_NOTE;
	{
		char *got = et_where("src/lib.rs", "pub type ParseResult<T> = Result<T, String>;\n"
				  "pub fn parse() -> ParseResult<u8> { Ok(1) }\n"
				  "pub type Other = Option<u8>;\npub fn other() -> Other { None }\n",
				  "missing_errors_doc", &o, NULL);
		assert_string_equal(got, "2:1");
		free(got);
	}
	/* `<_>::default` leaves the type to inference: clippy wants it certain. */
	assert_where("fn f() { o.unwrap_or_else(<_>::default); o.unwrap_or_else(<u8>::default); }\n",
		     "unwrap_or_default", "1:44");
	/* A closure parameter without a type may be an iterator with only `len`. */
	assert_where("fn f(v: &[Vec<u8>]) -> bool {\n"
		     "    v.iter().any(|b| b.len() == 0) && v.iter().any(|b: &Vec<u8>| b.len() == 0)\n}\n",
		     "len_zero", "2:66");
	/* A trait's required method with `&mut Vec`: no body to show it is not grown. */
	assert_where("pub trait T {\n    fn a(&self, v: &mut Vec<u8>);\n    fn b(&self, v: &Vec<u8>);\n}\n",
		     "ptr_arg", "3:20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_has_a_claim),
		cmocka_unit_test(test_std_paths_through_aliases),
		cmocka_unit_test(test_exit_outside_main),
		cmocka_unit_test(test_compile_time_code),
		cmocka_unit_test(test_err_and_path_forms),
		cmocka_unit_test(test_type_shapes_the_tree_shows),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
