/* test_clippy_conf.c — clippy.toml / .clippy.toml: parsing (options the rules
 * read, errors with lines, other keys ignored), what each option does to the
 * rules (tests, consts, msrv, array-size-threshold), disallowed-methods and
 * disallowed-macros, Cargo.toml rust-version, and reading the file from the
 * base commit of a real repository. */
#include "engine_testutil.h"
#include "review_testutil.h"

#include "../../review/attrs.h"
#include "../../review/config.h"

static void parse_ok(const char *toml, struct review_options *o)
{
	struct rr_error err = { 0 };
	review_options_init(o);
	if (config_clippy_parse(toml, strlen(toml), &o->clippy, &err) != RR_OK)
		fail_msg("config_clippy_parse: %s", err.msg);
}

static void assert_where(const char *path, const char *src, const char *rule,
			 const struct review_options *o, const char *want)
{
	et_assert_where(path, src, rule, o, want);
}

static void test_parse_every_option(void **state)
{
	struct review_options o;
	(void)state;
	parse_ok("# clippy's own options, kebab-case\n"
		 "allow-unwrap-in-tests = true\nallow-expect-in-tests = false\n"
		 "allow-panic-in-tests = true\nallow-print-in-tests = true\nallow-dbg-in-tests = false\n"
		 "allow-unwrap-in-consts = false\nallow-expect-in-consts = true\n"
		 "msrv = \"1.56.1\"\narray-size-threshold = 4096\n"
		 "too-many-arguments-threshold = 9\navoid-breaking-exported-api = false\n"
		 "disallowed-methods = [\"std::env::var\", { path = \"std::process::exit\", "
		 "reason = \"return an error\" }, \"..\"]\n"
		 "disallowed-macros = [{ path = \"log::info\" }]\n", &o);
	assert_int_equal(o.clippy.allow_unwrap_in_tests, REVIEW_YES);
	assert_int_equal(o.clippy.allow_expect_in_tests, REVIEW_NO);
	assert_int_equal(o.clippy.allow_panic_in_tests, REVIEW_YES);
	assert_int_equal(o.clippy.allow_print_in_tests, REVIEW_YES);
	assert_int_equal(o.clippy.allow_dbg_in_tests, REVIEW_NO);
	assert_int_equal(o.clippy.allow_unwrap_in_consts, REVIEW_NO);
	assert_int_equal(o.clippy.allow_expect_in_consts, REVIEW_YES);
	assert_int_equal(o.clippy.msrv, RUST_VERSION(1, 56, 1));
	assert_int_equal(o.clippy.array_size_threshold, 4096);
	assert_int_equal(o.clippy.n_methods, 2);
	assert_string_equal(o.clippy.methods[0].path, "std::env::var");
	assert_null(o.clippy.methods[0].reason);
	assert_string_equal(o.clippy.methods[1].path, "std::process::exit");
	assert_string_equal(o.clippy.methods[1].reason, "return an error");
	assert_int_equal(o.clippy.n_macros, 1);
	assert_string_equal(o.clippy.macros[0].path, "log::info");
	review_options_free(&o);

	/* An empty file sets nothing. */
	parse_ok("", &o);
	assert_int_equal(o.clippy.allow_unwrap_in_consts, REVIEW_UNSET);
	assert_int_equal(o.clippy.msrv, 0);
	review_options_free(&o);
}

static void test_parse_errors_name_the_line(void **state)
{
	static const struct {
		const char *toml, *want;
	} bad[] = {
		{ "msrv = \"1.56\"\nallow-unwrap-in-tests = \"yes\"\n", "line 2: `allow-unwrap-in-tests` must be true or false" },
		{ "msrv = \"latest\"\n", "line 1: `msrv` must be a Rust version" },
		{ "array-size-threshold = -1\n", "line 1: `array-size-threshold` must be a number of bytes" },
		{ "disallowed-methods = \"std::env::var\"\n", "line 1: `disallowed-methods` must be an array" },
		{ "disallowed-macros = [{ reason = \"x\" }]\n", "line 1: `disallowed-macros` entries need a `path`" },
		{ "disallowed-methods = [1]\n", "line 1: `disallowed-methods` entries are" },
		{ "msrv = \n", "line 1" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct review_clippy_conf c;
		struct rr_error err = { 0 };
		memset(&c, 0, sizeof(c));
		assert_int_equal(config_clippy_parse(bad[i].toml, strlen(bad[i].toml), &c, &err),
				 RR_ECONFIG);
		if (strncmp(err.msg, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("%s: got \"%s\", want \"%s...\"", bad[i].toml, err.msg, bad[i].want);
		assert_int_equal(c.n_methods, 0);
		config_clippy_free(&c);
	}
}

/* allow-X-in-tests, where written, decides test code; unset, the rule's own
 * context does (unwrap_used: production code; dbg_macro: all code). */
static void test_allow_in_tests(void **state)
{
	static const char src[] = "#[cfg(test)]\nmod tests {\n"
				  "    #[test]\n    fn t() { let x = f().unwrap(); dbg!(x); println!(\"{x}\"); }\n"
				  "}\n";
	struct review_options o;
	(void)state;
	assert_where("src/lib.rs", src, "unwrap_used", NULL, "");
	assert_where("src/lib.rs", src, "dbg_macro", NULL, "4:36");
	parse_ok("allow-unwrap-in-tests = false\nallow-dbg-in-tests = true\n"
		 "allow-print-in-tests = false\n", &o);
	assert_where("src/lib.rs", src, "unwrap_used", &o, "4:26");
	assert_where("src/lib.rs", src, "dbg_macro", &o, "");
	assert_where("src/lib.rs", src, "print_stdout", &o, "4:45");
	/* The same for files that are test code by their path. */
	assert_where("tests/it.rs", "fn t() { f().unwrap(); }\n", "unwrap_used", &o, "1:14");
	review_options_free(&o);
}

static void test_allow_in_consts(void **state)
{
	static const char src[] = "pub const A: u32 = id(Some(1)).unwrap();\n"
				  "pub static B: u32 = id(Some(1)).expect(\"b\");\n";
	struct review_options o;
	(void)state;
	assert_where("src/lib.rs", src, "unwrap_used", NULL, "");
	parse_ok("allow-unwrap-in-consts = false\n", &o);
	assert_where("src/lib.rs", src, "unwrap_used", &o, "1:32");
	assert_where("src/lib.rs", src, "expect_used", &o, "");
	review_options_free(&o);
	parse_ok("allow-expect-in-consts = false\n", &o);
	assert_where("src/lib.rs", src, "expect_used", &o, "2:33");
	review_options_free(&o);
}

static void test_array_size_threshold(void **state)
{
	static const char src[] = "fn f() { let a = [0u8; 20000]; let b = [0u8; 600000]; }\n";
	struct review_options o;
	(void)state;
	assert_where("src/lib.rs", src, "large_stack_arrays", NULL, "1:40");
	parse_ok("array-size-threshold = 16384\n", &o);
	assert_where("src/lib.rs", src, "large_stack_arrays", &o, "1:18 1:40");
	review_options_free(&o);
}

/* Result::unwrap_or_default needs Rust 1.16: an older msrv (clippy.toml,
 * #[clippy::msrv], or Cargo.toml rust-version) turns the rule off there. */
static void test_msrv(void **state)
{
	static const char src[] = "fn f(o: Option<String>) -> String { o.unwrap_or(String::new()) }\n";
	struct review_options o;
	(void)state;
	assert_where("src/lib.rs", src, "unwrap_or_default", NULL, "1:39");
	parse_ok("msrv = \"1.15\"\n", &o);
	assert_where("src/lib.rs", src, "unwrap_or_default", &o, "");
	review_options_free(&o);
	review_options_init(&o);
	o.rust_version = RUST_VERSION(1, 15, 0);
	assert_where("src/lib.rs", src, "unwrap_or_default", &o, "");
	/* An attribute in the code says otherwise for its item. */
	assert_where("src/lib.rs", "#[clippy::msrv = \"1.70\"]\n"
		     "fn f(o: Option<String>) -> String { o.unwrap_or(String::new()) }\n",
		     "unwrap_or_default", &o, "2:39");
	assert_where("src/lib.rs", "#[clippy::msrv = \"1.10\"]\n"
		     "fn f(o: Option<String>) -> String { o.unwrap_or(String::new()) }\n",
		     "unwrap_or_default", NULL, "");
}

static void test_disallowed_methods(void **state)
{
	static const char src[] =
		"use std::env;\nuse std::time::Instant;\nuse std::mem as m;\n"
		"pub fn a() -> Option<String> { env::var(\"X\").ok() }\n"
		"pub fn b() -> Option<String> { std::env::var(\"X\").ok() }\n"
		"pub fn c(v: &mut Vec<u8>) { v.push(1); }\n"
		"pub fn d(v: &mut Vec<u8>) { Vec::push(v, 1); }\n"
		"pub fn e() -> Instant { Instant::now() }\n"
		"pub fn f(s: String) { m::forget(s); }\n"
		"pub fn g() -> Vec<Option<String>> { [\"X\"].iter().map(std::env::var).map(Result::ok).collect() }\n"
		"fn var(_: &str) {}\npub fn h() { var(\"x\"); my::env::var(\"y\"); }\n";
	struct review_options o;
	struct finding_list l;
	(void)state;
	/* Without a list the rule has nothing to look for. */
	assert_where("src/lib.rs", src, "disallowed_methods", NULL, "");
	parse_ok("disallowed-methods = [\"std::env::var\", { path = \"std::vec::Vec::push\", reason "
		 "= \"use extend\" }, \"std::time::Instant::now\", { path = \"core::mem::forget\", "
		 "reason = \"leaks\" }]\n", &o);
	/* clippy also reports 6:31 (`v.push(1)`, method-call syntax needs types). */
	assert_where("src/lib.rs", src, "disallowed_methods", &o, "4:32 5:32 7:29 8:25 9:23 10:54");
	l = et_review("src/lib.rs", src, NULL, &o);
	assert_string_equal(et_nth(&l, "disallowed_methods", 2)->message,
			    "`std::vec::Vec::push` is disallowed in this repository (clippy.toml, "
			    "`disallowed-methods`): use extend");
	assert_non_null(strstr(et_nth(&l, "disallowed_methods", 0)->message,
			       "`std::env::var` is disallowed in this repository"));
	finding_list_free(&l);
	review_options_free(&o);
}

static void test_disallowed_macros(void **state)
{
	static const char src[] =
		"#[macro_use]\nextern crate log;\n"
		"pub fn h() { println!(\"x\"); }\n"
		"pub fn i() -> Vec<u8> { vec![1] }\n"
		"pub fn l() { std::println!(\"y\"); info!(\"z\"); }\n"
		"pub fn m() { assert!(true, \"{}\", format!(\"{}\", vec![2].len())); }\n";
	struct review_options o;
	(void)state;
	parse_ok("disallowed-macros = [\"std::println\", { path = \"std::vec\", reason = \"no vec!\" }, "
		 "\"log::info\"]\n", &o);
	assert_where("src/lib.rs", src, "disallowed_macros", &o, "3:14 4:25 5:14 5:34 6:48");
	/* The file's own macro of that name is not std's. */
	assert_where("src/lib.rs", "macro_rules! println { () => {} }\npub fn h() { println!(); }\n",
		     "disallowed_macros", &o, "");
	/* A crate's macro by its bare name needs to come from that crate. */
	assert_where("src/lib.rs", "pub fn h() { info!(\"z\"); }\n", "disallowed_macros", &o, "");
	assert_where("src/lib.rs", "use log::info;\npub fn h() { info!(\"z\"); }\n",
		     "disallowed_macros", &o, "2:14");
	review_options_free(&o);
}

static void test_cargo_rust_version(void **state)
{
	static const char member[] = "[package]\nname = \"a\"\nrust-version = \"1.70\"\n";
	static const char inherit[] = "[package]\nname = \"a\"\nrust-version.workspace = true\n";
	static const char root[] = "[workspace]\n[workspace.package]\nrust-version = \"1.65.0\"\n";
	struct cargo_lints c;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_cargo_parse(member, strlen(member), &c, &err), RR_OK);
	assert_int_equal(c.rust_version, RUST_VERSION(1, 70, 0));
	config_cargo_free(&c);
	assert_int_equal(config_cargo_parse(inherit, strlen(inherit), &c, &err), RR_OK);
	assert_true(c.rust_version_inherited);
	assert_int_equal(c.rust_version, 0);
	config_cargo_free(&c);
	assert_int_equal(config_cargo_parse(root, strlen(root), &c, &err), RR_OK);
	assert_int_equal(c.workspace_rust_version, RUST_VERSION(1, 65, 0));
	config_cargo_free(&c);
}

static void test_notice_names_clippy_file(void **state)
{
	char *n = config_notice(CONFIG_REPO_FILE, "base", ".clippy.toml: line 2: `msrv` must be a Rust version such as \"1.70\"");
	(void)state;
	assert_non_null(n);
	assert_non_null(strstr(n, "could not use `.clippy.toml`** from the base commit"));
	assert_non_null(strstr(n, "\nline 2: 'msrv' must be"));
	free(n);
}

/* The base commit's clippy.toml reaches the review; .clippy.toml comes first;
 * a broken one is an error that names it. */
static void test_loaded_from_base_commit(void **state)
{
	struct review_world w;
	struct review_options o;
	struct rr_error err = { 0 };
	git_oid base, dotted, broken;
	(void)state;

	assert_int_equal(review_world_begin(&w, "clippyconf", RR_LOG_ERROR), 0);
	assert_int_equal(gt_init(w.dir), 0);
	assert_int_equal(gt_write_file(w.dir, "clippy.toml", "msrv = \"1.60\"\n"
				       "disallowed-methods = [\"std::env::var\"]\n"), 0);
	assert_int_equal(gt_write_file(w.dir, ".rustreview.toml", "max_comments = 5\n"), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm base", w.dir, w.dir), 0);
	assert_int_equal(gt_rev_parse(w.dir, "HEAD", &base), 0);
	assert_int_equal(gt_write_file(w.dir, ".clippy.toml", "msrv = \"1.70\"\n"), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm dotted", w.dir, w.dir), 0);
	assert_int_equal(gt_rev_parse(w.dir, "HEAD", &dotted), 0);
	assert_int_equal(gt_write_file(w.dir, ".clippy.toml", "msrv = [\n"), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm broken", w.dir, w.dir), 0);
	assert_int_equal(gt_rev_parse(w.dir, "HEAD", &broken), 0);
	assert_int_equal(review_world_open(&w), 0);

	review_options_init(&o);
	assert_int_equal(review_load_repo_config(w.repo, &base, &o, &err), RR_OK);
	assert_int_equal(o.max_comments, 5);
	assert_int_equal(o.clippy.msrv, RUST_VERSION(1, 60, 0));
	assert_int_equal(o.clippy.n_methods, 1);
	review_options_free(&o);

	review_options_init(&o);
	assert_int_equal(review_load_repo_config(w.repo, &dotted, &o, &err), RR_OK);
	assert_int_equal(o.clippy.msrv, RUST_VERSION(1, 70, 0));
	assert_int_equal(o.clippy.n_methods, 0);
	review_options_free(&o);

	review_options_init(&o);
	assert_int_equal(review_load_repo_config(w.repo, &broken, &o, &err), RR_ECONFIG);
	assert_non_null(strstr(err.msg, ".clippy.toml: line 1"));
	assert_int_equal(o.max_comments, 5);        /* .rustreview.toml still applies */
	review_options_free(&o);
	review_world_end(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_option),
		cmocka_unit_test(test_parse_errors_name_the_line),
		cmocka_unit_test(test_allow_in_tests),
		cmocka_unit_test(test_allow_in_consts),
		cmocka_unit_test(test_array_size_threshold),
		cmocka_unit_test(test_msrv),
		cmocka_unit_test(test_disallowed_methods),
		cmocka_unit_test(test_disallowed_macros),
		cmocka_unit_test(test_cargo_rust_version),
		cmocka_unit_test(test_notice_names_clippy_file),
		cmocka_unit_test(test_loaded_from_base_commit),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
