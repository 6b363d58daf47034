/* test_lint_levels.c — clippy's lint-level attributes in the code: allow,
 * expect, warn, deny and forbid switch rules off and on (default-off ones
 * included), innermost and then latest wins, parameters count, clippy groups
 * and cfg_attr; deny/forbid make a finding an error. Every expectation below
 * is what clippy 0.1.95 reports on the same source (see the README's rules
 * section). */
#include "engine_testutil.h"
#include "review_testutil.h"

#include "../../review/config.h"

static void assert_where_opts(const char *src, const char *rule, const struct review_options *o,
			      const char *want)
{
	et_assert_where("src/lib.rs", src, rule, o, want);
}

static void assert_where(const char *src, const char *rule, const char *want)
{
	assert_where_opts(src, rule, NULL, want);
}

/* The severity of the only finding of rule in src. */
static enum rr_severity severity_of(const char *src, const char *rule)
{
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	enum rr_severity s;
	assert_int_equal(et_count_rule(&l, rule), 1);
	s = et_nth(&l, rule, 0)->severity;
	finding_list_free(&l);
	return s;
}

/* The file allows ptr_arg; the module below is clippy's answer line by line. */
static void test_warn_enables_innermost_and_latest_wins(void **state)
{
	static const char src[] =
		"#![allow(clippy::ptr_arg)]\n"                                          /* 1 */
		"pub fn a(v: &Vec<u8>) -> usize { v.len() }\n"
		"#[warn(clippy::ptr_arg)]\n"
		"pub fn b(v: &Vec<u8>) -> usize { v.len() }\n"                           /* 4 */
		"#[warn(clippy::ptr_arg)]\n"
		"pub mod m {\n"
		"    pub fn c(v: &Vec<u8>) -> usize { v.len() }\n"                       /* 7 */
		"    #[allow(clippy::ptr_arg)]\n"
		"    pub fn d(v: &Vec<u8>) -> usize { v.len() }\n"
		"    pub fn e(#[allow(clippy::ptr_arg)] v: &Vec<u8>, w: &String) -> usize { v.len() + w.len() }\n"
		"    #[allow(clippy::style)]\n"
		"    pub fn f(v: &Vec<u8>) -> usize { v.len() }\n"
		"    #[allow(clippy::all)]\n"
		"    #[warn(clippy::ptr_arg)]\n"
		"    pub fn g(v: &Vec<u8>) -> usize { v.len() }\n"                       /* 15 */
		"    #[warn(clippy::ptr_arg)]\n"
		"    #[allow(clippy::all)]\n"
		"    pub fn h(v: &Vec<u8>) -> usize { v.len() }\n"
		"    #[allow(clippy::ptr_arg, clippy::pedantic)]\n"
		"    #[deny(clippy::ptr_arg)]\n"
		"    pub fn i(v: &Vec<u8>) -> usize { v.len() }\n"                       /* 21 */
		"    #[expect(clippy::ptr_arg)]\n"
		"    pub fn j(v: &Vec<u8>) -> usize { v.len() }\n"
		"}\n"
		"pub fn q(v: &Vec<u8>) -> usize {\n"
		"    #[warn(clippy::ptr_arg)] fn inner(v: &Vec<u8>) -> usize { v.len() }\n" /* 26 */
		"    inner(v)\n"
		"}\n";
	(void)state;
	assert_where(src, "ptr_arg", "4:13 7:17 10:56 15:17 21:17 26:42");
}

static void test_deny_is_an_error_and_warn_a_warning(void **state)
{
	(void)state;
	/* or_fun_call's own severity is note; clippy says warning or error. */
	assert_int_equal(severity_of("fn f(o: Option<String>, s: &str) -> String { o.unwrap_or(s.to_string()) }\n"
				     "#[warn(clippy::or_fun_call)]\nmod m {}\n", "or_fun_call"),
			 RR_SEV_NOTE);
	assert_int_equal(severity_of("#![warn(clippy::or_fun_call)]\n"
				     "fn f(o: Option<String>, s: &str) -> String { o.unwrap_or(s.to_string()) }\n",
				     "or_fun_call"),
			 RR_SEV_WARNING);
	assert_int_equal(severity_of("#[deny(clippy::nursery)]\n"
				     "fn f(o: Option<String>, s: &str) -> String { o.unwrap_or(s.to_string()) }\n",
				     "or_fun_call"),
			 RR_SEV_ERROR);
	assert_int_equal(severity_of("#[forbid(clippy::unwrap_used)]\n"
				     "fn f(o: Option<u8>) -> u8 { o.unwrap() }\n", "unwrap_used"),
			 RR_SEV_ERROR);
}

static void test_forbid_is_not_lowered(void **state)
{
	(void)state;
	assert_where("#![forbid(clippy::unwrap_used)]\n"
		     "#[allow(clippy::unwrap_used)]\n"
		     "fn f(o: Option<u8>) -> u8 { o.unwrap() }\n"
		     "#[warn(clippy::restriction)]\n"
		     "fn g(o: Option<u8>) -> u8 { o.unwrap() }\n",
		     "unwrap_used", "3:31 5:31");
	assert_int_equal(severity_of("#![forbid(clippy::unwrap_used)]\n#[warn(clippy::unwrap_used)]\n"
				     "fn f(o: Option<u8>) -> u8 { o.unwrap() }\n", "unwrap_used"),
			 RR_SEV_ERROR);
}

/* A group switches on the default-off rules it holds, and a lint inside wins. */
static void test_groups_enable_and_lints_override(void **state)
{
	(void)state;
	assert_where("#[warn(clippy::pedantic)]\n"
		     "pub mod p {\n"
		     "    pub fn k(o: Option<u8>) -> u8 { o.unwrap() }\n"
		     "    #[allow(clippy::missing_panics_doc)]\n"
		     "    pub fn l(o: Option<u8>) -> u8 { o.unwrap() }\n"
		     "}\n"
		     "pub fn m(o: Option<u8>) -> u8 { o.unwrap() }\n"
		     "#[deny(clippy::missing_panics_doc)]\n"
		     "pub fn n(o: Option<u8>) -> u8 { o.unwrap() }\n",
		     "missing_panics_doc", "3:5 9:1");
	/* restriction is on by default here; allow(clippy::restriction) silences it. */
	assert_where("#[allow(clippy::restriction)]\nfn f(o: Option<u8>) -> u8 { o.unwrap() }\n",
		     "unwrap_used", "");
}

static void test_allow_warnings_and_rustc_names(void **state)
{
	(void)state;
	assert_where("#![allow(warnings)]\nfn f(o: Option<u8>) -> u8 { o.unwrap() }\n",
		     "unwrap_used", "");
	/* deny(warnings) raises what is on; it does not switch a default-off rule on. */
	assert_where("#![deny(warnings)]\npub fn f() -> Result<(), ()> { Ok(()) }\n",
		     "missing_errors_doc", "");
	assert_where("#[allow(static_mut_refs)]\nstatic mut X: u8 = 0;\n", "static_mut_refs", "");
}

/* cfg_attr applies its attributes when the predicate holds for a clippy run
 * without --test; one that may not hold only silences. */
static void test_cfg_attr(void **state)
{
	(void)state;
	assert_where("#![allow(clippy::ptr_arg)]\n"
		     "#[cfg_attr(not(test), warn(clippy::ptr_arg))]\n"
		     "pub fn a(v: &Vec<u8>) -> usize { v.len() }\n"
		     "#[cfg_attr(test, warn(clippy::ptr_arg))]\n"
		     "pub fn b(v: &Vec<u8>) -> usize { v.len() }\n"
		     "#[cfg_attr(feature = \"strict\", warn(clippy::ptr_arg))]\n"
		     "pub fn c(v: &Vec<u8>) -> usize { v.len() }\n"
		     "#[cfg_attr(all(clippy, not(doc)), deny(clippy::ptr_arg), allow(dead_code))]\n"
		     "pub fn d(v: &Vec<u8>) -> usize { v.len() }\n",
		     "ptr_arg", "3:13 9:13");
	assert_where("#[cfg_attr(feature = \"x\", allow(clippy::unwrap_used))]\n"
		     "fn a(o: Option<u8>) -> u8 { o.unwrap() }\n"
		     "#[cfg_attr(any(test, doc), allow(clippy::unwrap_used))]\n"
		     "fn b(o: Option<u8>) -> u8 { o.unwrap() }\n",
		     "unwrap_used", "4:31");
}

/* .rustreview.toml's "off" is the repository's word: code cannot undo it.
 * Cargo.toml's allow is a default that an attribute overrides, as in clippy. */
static void test_repository_off_wins_over_warn(void **state)
{
	static const char src[] = "#![warn(clippy::unwrap_used)]\n"
				  "fn f(o: Option<u8>) -> u8 { o.unwrap() }\n";
	static const char toml[] = "[rules]\nunwrap_used = \"off\"\n";
	static const char cargo[] = "[lints.clippy]\nunwrap_used = \"allow\"\n";
	struct review_options repo, merged;
	struct cargo_lints lints;
	struct rr_error err = { 0 };
	(void)state;

	review_options_init(&repo);
	assert_int_equal(config_repo_parse(toml, strlen(toml), &repo, &err), 0);
	assert_where_opts(src, "unwrap_used", &repo, "");
	assert_int_equal(config_cargo_parse(cargo, strlen(cargo), &lints, &err), 0);
	review_options_init(&merged);
	config_merge_levels(merged.level, lints.member, NULL);
	assert_where_opts(src, "unwrap_used", &merged, "2:31");
	assert_where_opts("fn f(o: Option<u8>) -> u8 { o.unwrap() }\n", "unwrap_used", &merged, "");
	config_cargo_free(&lints);
	review_options_free(&repo);
}

/* A file whose added lines only hold the trigger of a rule that is off (as
 * Cargo.toml's `allow` leaves it) is still parsed when an attribute may
 * switch the rule on. */
static void test_fast_path_sees_enabling_attributes(void **state)
{
	static const char src[] = "#![warn(clippy::missing_errors_doc)]\n"
				  "fn a() {}\n"
				  "pub fn b() -> Result<(), ()> { Ok(()) }\n";
	struct line_set added = LINE_SET_INIT;
	struct review_options all_off;
	char *got;
	(void)state;

	review_options_init(&all_off);
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++)
		all_off.level[i] = REVIEW_LEVEL_OFF;
	assert_int_equal(line_set_add(&added, 3), 0);
	got = et_where("src/lib.rs", src, "missing_errors_doc", &all_off, &added);
	assert_string_equal(got, "3:1");
	free(got);
	line_set_free(&added);
}

/* Lint levels inherited from the enclosing modules (review_options.inherited). */
static void test_inherited_levels(void **state)
{
	struct review_options o;
	int errors_doc = review_rule_index("missing_errors_doc"), unwrap = review_rule_index("unwrap_used");
	(void)state;

	review_options_init(&o);
	o.inherited.set = ((uint64_t)1 << errors_doc) | ((uint64_t)1 << unwrap);
	o.inherited.on = (uint64_t)1 << errors_doc;
	assert_where_opts("pub fn b() -> Result<(), ()> { Ok(()) }\n", "missing_errors_doc", &o, "1:1");
	assert_where_opts("fn f(o: Option<u8>) -> u8 { o.unwrap() }\n", "unwrap_used", &o, "");
	assert_where_opts("#![warn(clippy::unwrap_used)]\nfn f(o: Option<u8>) -> u8 { o.unwrap() }\n",
			  "unwrap_used", &o, "2:31");
}

/* "path:line rule" of every finding, one per line. */
static char *listing(const struct finding_list *l)
{
	struct rr_buf b = RR_BUF_INIT;
	for (size_t i = 0; i < l->n; i++)
		assert_int_equal(rr_buf_printf(&b, "%s:%u %s\n", l->items[i].path, l->items[i].line,
					       l->items[i].rule_id), 0);
	return rr_buf_detach(&b);
}

/* A file inherits the crate root's #![..] and the attributes on the `mod`
 * declarations above it, through file modules (a.rs, b/mod.rs) and inline ones. */
static void test_levels_from_enclosing_modules(void **state)
{
	struct review_world w;
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	git_oid base, head;
	char *got;
	(void)state;

	assert_int_equal(review_world_begin(&w, "modlevels", RR_LOG_ERROR), 0);
	assert_int_equal(gt_init(w.dir), 0);
	assert_int_equal(gt_write_file(w.dir, "README", "x\n"), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm base", w.dir, w.dir), 0);
	assert_int_equal(gt_rev_parse(w.dir, "HEAD", &base), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/Cargo.toml", "[package]\nname = \"c\"\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/lib.rs",
				       "#![warn(clippy::missing_errors_doc)]\n"
				       "#[allow(clippy::unwrap_used)]\nmod a;\npub mod b;\n"
				       "pub mod c {\n    #![allow(clippy::expect_used)]\n    pub mod d;\n}\n"
				       "mod e;\npub use e::{Exported as Public};\n#[doc(hidden)]\npub mod h;\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/e.rs",
				       "pub fn private() -> Result<(), ()> { Ok(()) }\n"
				       "pub struct Exported;\n"
				       "impl Exported { pub fn run(&self) -> Result<(), ()> { Ok(()) } }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/h.rs",
				       "pub fn hidden() -> Result<(), ()> { Ok(()) }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/a.rs",
				       "mod deep;\npub fn f(o: Option<u8>) -> u8 { o.unwrap() }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/a/deep.rs",
				       "pub fn g(o: Option<u8>) -> u8 { o.unwrap() }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/b/mod.rs",
				       "pub fn h(o: Option<u8>) -> u8 { o.unwrap() }\n"
				       "pub fn e() -> Result<(), ()> { Ok(()) }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/c/d.rs",
				       "pub fn x(o: Option<u8>) -> u8 { o.expect(\"x\") }\n"
				       "pub fn y() -> Result<(), ()> { Ok(()) }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/src/orphan.rs",
				       "pub fn z() -> Result<(), ()> { Ok(()) }\n"), 0);
	assert_int_equal(gt_write_file(w.dir, "crate/tests/it.rs",
				       "pub fn t() -> Result<(), ()> { Ok(()) }\n"), 0);
	assert_int_equal(tu_sh(GIT "add -A && " GIT "commit -qm head", w.dir, w.dir), 0);
	assert_int_equal(gt_rev_parse(w.dir, "HEAD", &head), 0);
	assert_int_equal(review_world_open(&w), 0);

	assert_int_equal(review_run_opts(w.engine, w.repo, &base, &head, NULL, NULL, &out, NULL,
					 &err), RR_OK);
	got = listing(&out);
	/* missing_errors_doc (off by default) comes on from the root's #![warn] for
	 * b, c::d and the method of the re-exported type in private e (not e's
	 * own fn, which nothing outside can name, nor h's, hidden); the
	 * unwrap/expect allows from the `mod` attributes reach a.rs, a/deep.rs and
	 * c/d.rs; orphan.rs, which no `mod` declares, and tests/ (its own crate)
	 * inherit nothing. */
	assert_string_equal(got, "crate/src/b/mod.rs:1 unwrap_used\n"
				 "crate/src/b/mod.rs:2 missing_errors_doc\n"
				 "crate/src/c/d.rs:2 missing_errors_doc\n"
				 "crate/src/e.rs:3 missing_errors_doc\n");
	free(got);
	finding_list_free(&out);
	review_world_end(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warn_enables_innermost_and_latest_wins),
		cmocka_unit_test(test_deny_is_an_error_and_warn_a_warning),
		cmocka_unit_test(test_forbid_is_not_lowered),
		cmocka_unit_test(test_groups_enable_and_lints_override),
		cmocka_unit_test(test_allow_warnings_and_rustc_names),
		cmocka_unit_test(test_cfg_attr),
		cmocka_unit_test(test_repository_off_wins_over_warn),
		cmocka_unit_test(test_fast_path_sees_enabling_attributes),
		cmocka_unit_test(test_inherited_levels),
		cmocka_unit_test(test_levels_from_enclosing_modules),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
