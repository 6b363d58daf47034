/* test_rules_errors.c — rules batch 1 (error handling, panics, unsafe, process
 * control): exact spans, messages and replacements for the positives, and the
 * tricky negatives (strings, comments, doc comments, macro_rules!, shadowing,
 * visibility, test code, binaries). */
#include "engine_testutil.h"

/* The doc rules are default-off (like clippy's pedantic group): every test
 * here reviews with the opt-in rules switched on at their own severity. */
static struct review_options opt_in;

static int setup(void **state)
{
	review_options_init(&opt_in);
	et_enable_opt_in_rules(&opt_in);
	return et_setup(state);
}

static int teardown(void **state)
{
	review_options_free(&opt_in);
	return et_teardown(state);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, haystack ? haystack : "(null)");
}

static void expect_none(const char *path, const char *src, const char *rule)
{
	et_expect_count(path, src, &opt_in, rule, 0);
}

/* --- unwrap_in_result ------------------------------------------------------ */

static void test_unwrap_in_result_result_fn(void **state)
{
	const char *src = "fn port(s: &str) -> Result<u16, E> {\n"
			  "    let v = s.parse::<u16>().unwrap();\n"
			  "    let w = load().expect(\"loaded\");\n"
			  "    let c = s.chars().next().unwrap();\n"
			  "    let u = other().unwrap();\n"
			  "    Ok(v)\n"
			  "}\n"
			  "fn load() -> io::Result<u8> { Ok(1) }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	/* A Result by its std method (2) and by this file's fn `load` (3); an
	 * Option (4) and a value of unknown kind (5) are unwrap_used's. */
	assert_int_equal(et_count_rule(&l, "unwrap_in_result"), 2);
	f = et_nth(&l, "unwrap_in_result", 0);
	et_assert_span(f, 2, 29, 2, 38);          /* `.unwrap()` */
	assert_int_equal(f->severity, RR_SEV_WARNING);
	assert_string_equal(f->message,
			    "`.unwrap()` panics here, but this function returns `Result` and the "
			    "receiver is a `Result`: the error can be returned to the caller instead "
			    "of taking down the thread or task. Return it: `?` when its error "
			    "converts into this function's error type (`From`), `.map_err(..)?` when "
			    "it does not.");
	assert_null(f->replacement);           /* `?` needs From<E>: not certain */
	et_assert_span(et_nth(&l, "unwrap_in_result", 1), 3, 19, 3, 36);
	/* One comment per call: the general rules are superseded there. */
	assert_int_equal(et_count_rule(&l, "expect_used"), 0);
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 2);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 4, 30, 4, 38);
	et_assert_span(et_nth(&l, "unwrap_used", 1), 5, 21, 5, 29);
	finding_list_free(&l);
}

static void test_unwrap_in_result_option_fn_suggests_question_mark(void **state)
{
	const char *src = "fn first(v: &[u8]) -> Option<u8> {\n"
			  "    let x = *v.first().unwrap();\n"
			  "    let y = make().unwrap();\n"
			  "    Some(x + y)\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "unwrap_in_result"), 1);
	f = et_nth(&l, "unwrap_in_result", 0);
	et_assert_span(f, 2, 23, 2, 32);
	assert_string_equal(f->replacement, "?");
	assert_string_equal(f->suggestion_lines, "    let x = *v.first()?;");
	assert_contains(f->message, "returns `Option` and the receiver is an `Option`");
	/* Receiver of unknown kind: unwrap_used's general comment. */
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 1);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 3, 20, 3, 28);
	finding_list_free(&l);
}

/* The receiver's kind from what the tree shows (value_kind.h): one line per
 * source, reported (R) or left to unwrap_used (U). */
static void test_unwrap_in_result_receiver_kinds(void **state)
{
	static const struct {
		const char *src;
		const char *where;     /* unwrap_in_result's line:col, "" for none */
	} cases[] = {
		/* parameters and lets: declared types, values bound */
		{ "fn f(x: Option<u8>) -> Option<u8> { Some(x.unwrap()) }\n", "1:43" },
		{ "fn f(x: &Option<u8>) -> Option<u8> { Some(*x.as_ref().unwrap()) }\n", "1:54" },
		{ "fn f(x: Option<u8>) -> Result<u8, E> { Ok(x.unwrap()) }\n", "" },
		{ "fn f() -> Result<u8, E> { let r: Result<u8, E> = g(); Ok(r.unwrap()) }\n", "1:59" },
		{ "fn f(s: &str) -> Result<u8, E> { let n = s.parse(); Ok(n.unwrap()) }\n", "1:57" },
		/* a pattern in between may rebind the name: unknown */
		{ "fn f(x: Result<u8, E>) -> Result<u8, E> {\n"
		  "    match g() { Some(x) => Ok(x.unwrap()), None => Ok(0) }\n}\n", "" },
		{ "fn f(x: Result<u8, E>) -> Result<u8, E> {\n"
		  "    if let Some(x) = g() { return Ok(x.unwrap()); }\n    Ok(0)\n}\n", "" },
		{ "fn f(p: Result<(u8, u8), E>) -> Result<u8, E> {\n"
		  "    let (a, b) = p.unwrap();\n    Ok(a.unwrap() + b)\n}\n", "2:19" },
		/* std functions by path, and a bare one through its `use` */
		{ "fn f(n: u8) -> Option<NonZeroU8> { Some(NonZeroU8::new(n).unwrap()) }\n", "1:58" },
		{ "fn f(b: &[u8]) -> Result<u8, E> { Ok(u8::try_from(b.len()).unwrap()) }\n",
		  "1:59" },
		{ "use std::str::from_utf8;\n"
		  "fn f(b: &[u8]) -> fmt::Result { w(from_utf8(b).unwrap()) }\n", "2:47" },
		{ "fn f(b: &[u8]) -> fmt::Result { w(from_utf8(b).unwrap()) }\n", "" },
		/* this file's fns: their signatures; two that disagree say nothing */
		{ "fn f(&self) -> Option<u8> { Some(self.peek_up().unwrap()) }\n"
		  "fn peek_up(&self) -> Option<u8> { None }\n", "1:48" },
		{ "fn f(&self) -> Option<u8> { Some(self.peek_up().unwrap()) }\n"
		  "fn peek_up(&self) -> Option<u8> { None }\n"
		  "impl B { fn peek_up(&self) -> Result<u8, E> { Ok(1) } }\n", "" },
		/* a std method on a variable of a std type stays std's, whatever
		 * this file calls its own fns */
		{ "fn f(m: &HashMap<u8, u8>) -> Option<u8> { Some(*m.get(&1).unwrap()) }\n"
		  "impl S { fn get(&self) -> Result<u8, E> { Ok(1) } }\n", "1:58" },
		{ "fn f(s: &S) -> Option<u8> { Some(*s.get(&1).unwrap()) }\n"
		  "impl S { fn get(&self, k: &u8) -> Result<u8, E> { Ok(1) } }\n", "" },
		/* names std owners disagree on: Path::strip_prefix is a Result */
		{ "fn f(p: &Path) -> Option<&Path> { Some(p.strip_prefix(q).unwrap()) }\n", "" },
		/* macro arguments: a variable, a method call */
		{ "fn f(x: Option<u8>) -> Option<String> { Some(format!(\"{}\", x.unwrap())) }\n",
		  "1:61" },
		{ "fn f(v: &[u8]) -> Option<String> { Some(format!(\"{}\", v.first().unwrap())) }\n",
		  "1:64" },
		{ "fn f(v: &[u8]) -> Result<String, E> { Ok(format!(\"{}\", v.first().unwrap())) }\n",
		  "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		et_assert_where("src/lib.rs", cases[i].src, "unwrap_in_result", &opt_in,
				cases[i].where);
}

/* Where clippy 1.95 looks: not trait default methods nor async fns; trait
 * impls' methods yes. */
static void test_unwrap_in_result_fn_scope(void **state)
{
	static const char SRC[] =
		"trait T {\n"
		"    fn d(&self, x: Option<u8>) -> Option<u8> { Some(x.unwrap()) }\n"
		"}\n"
		"impl T for S {\n"
		"    fn d(&self, x: Option<u8>) -> Option<u8> { Some(x.unwrap()) }\n"  /* 5 */
		"}\n"
		"async fn a(x: Result<u8, E>) -> Result<u8, E> { Ok(x.unwrap()) }\n"
		"fn e(x: Result<u8, u8>) -> Result<u8, u8> { Ok(x.unwrap_err()) }\n";
	(void)state;
	et_assert_where("src/lib.rs", SRC, "unwrap_in_result", &opt_in, "5:54");
	et_assert_where("src/lib.rs", SRC, "unwrap_used", &opt_in, "2:55 7:54 8:50");
}

static void test_unwrap_in_result_mismatch_closure_const(void **state)
{
	(void)state;
	/* An Option (by its std method) in a Result fn: `?` alone would not
	 * compile; clippy is silent and unwrap_used keeps the call. */
	const char *mismatch = "fn f(m: &M) -> Result<u8, E> { Ok(*m.get(\"k\").unwrap()) }\n";
	expect_none("src/lib.rs", mismatch, "unwrap_in_result");
	et_expect_count("src/lib.rs", mismatch, &opt_in, "unwrap_used", 1);
	expect_none("src/lib.rs",
		    "fn f() -> Option<u8> { let s: &str = \"1\"; Some(s.parse().unwrap()) }\n",
		    "unwrap_in_result");
	/* `?` in a closure or async block leaves it, not the fn. */
	expect_none("src/lib.rs",
		    "fn f(v: &[Option<u8>]) -> Result<u8, E> { Ok(v.iter().map(|x| x.unwrap()).sum()) }\n",
		    "unwrap_in_result");
	expect_none("src/lib.rs",
		    "fn f() -> Result<(), E> { let t = async { x.unwrap() }; Ok(()) }\n",
		    "unwrap_in_result");
	expect_none("src/lib.rs", "const fn f(x: Option<u8>) -> Option<u8> { Some(x.unwrap()) }\n",
		    "unwrap_in_result");
	/* Not a Result/Option fn; a nested fn has its own return type. */
	expect_none("src/lib.rs", "fn f(x: Option<u8>) -> u8 { x.unwrap() }\n", "unwrap_in_result");
	expect_none("src/lib.rs",
		    "fn f() -> Result<(), E> {\n    fn g(x: Option<u8>) -> u8 { x.unwrap() }\n    Ok(())\n}\n",
		    "unwrap_in_result");
	/* Strings, comments, macro_rules!, unwrap_or. */
	expect_none("src/lib.rs",
		    "fn f() -> Result<(), E> {\n    let s = \"x.unwrap()\";\n    // y.unwrap()\n"
		    "    let z = r#\"z.unwrap()\"#;\n    a.unwrap_or(1);\n    Ok(())\n}\n"
		    "macro_rules! m { ($e:expr) => { fn g() -> Option<u8> { $e.unwrap() } }; }\n",
		    "unwrap_in_result");
	/* Test code is exempt. */
	expect_none("src/lib.rs",
		    "#[cfg(test)]\nmod tests {\n    fn h() -> Result<(), E> { x.unwrap(); Ok(()) }\n}\n",
		    "unwrap_in_result");
	expect_none("tests/it.rs", "fn h() -> Result<(), E> { x.unwrap(); Ok(()) }\n",
		    "unwrap_in_result");
}

static void test_unwrap_in_result_macro_args_and_allow(void **state)
{
	const char *src = "fn f(x: io::Result<u8>) -> io::Result<()> {\n"
			  "    println!(\"{}\", x.unwrap());\n"
			  "    Ok(())\n"
			  "}\n";
	const char *allowed = "#[allow(clippy::unwrap_in_result)]\n"
			      "fn f(x: io::Result<u8>) -> io::Result<()> { x.unwrap(); Ok(()) }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "unwrap_in_result"), 1);
	et_assert_span(et_nth(&l, "unwrap_in_result", 0), 2, 21, 2, 30);
	assert_null(et_nth(&l, "unwrap_in_result", 0)->replacement);
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 0);
	finding_list_free(&l);
	/* Silencing the specific rule brings the general comment back. */
	l = et_review("src/lib.rs", allowed, NULL, &opt_in);
	assert_int_equal(et_count_rule(&l, "unwrap_in_result"), 0);
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 1);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 2, 47, 2, 55);
	finding_list_free(&l);
}

/* --- missing_panics_doc ---------------------------------------------------- */

static void test_missing_panics_doc_positive(void **state)
{
	const char *src = "/// Reads the header.\n"
			  "#[inline]\n"
			  "pub fn header(b: &[u8]) -> u8 {\n"
			  "    let n = b.len();\n"
			  "    assert!(n > 2);\n"
			  "    *b.first().unwrap()\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "missing_panics_doc"), 1);
	f = et_nth(&l, "missing_panics_doc", 0);
	et_assert_span(f, 3, 1, 3, 14);            /* `pub fn header` */
	assert_int_equal(f->severity, RR_SEV_NOTE);
	assert_contains(f->message, "`header`");
	assert_contains(f->message, "`assert!` on line 5");
	assert_contains(f->message, "`# Panics`");
	finding_list_free(&l);
}

static void test_missing_panics_doc_sources_of_panic(void **state)
{
	(void)state;
	et_expect_count("src/lib.rs", "pub fn f(x: Option<u8>) -> u8 { x.expect(\"x\") }\n",
			&opt_in, "missing_panics_doc", 1);
	et_expect_count("src/lib.rs", "pub fn f(x: u8) { std::panic!(\"no\") }\n", &opt_in,
			"missing_panics_doc", 1);
	et_expect_count("src/lib.rs", "pub fn f(a: u8, b: u8) { assert_eq!(a, b); }\n", &opt_in,
			"missing_panics_doc", 1);
	/* A closure in the body runs here: clippy counts it too. */
	et_expect_count("src/lib.rs",
			"pub fn f(x: Option<u8>) -> u8 { let g = || x.unwrap(); g() }\n", &opt_in,
			"missing_panics_doc", 1);
	/* Inside another macro's arguments. */
	et_expect_count("src/lib.rs", "pub fn f(x: Option<u8>) { println!(\"{}\", x.unwrap()); }\n",
			&opt_in, "missing_panics_doc", 1);
	/* Like clippy: debug_assert!, unreachable!, todo!, unimplemented! do not count. */
	expect_none("src/lib.rs",
		    "pub fn f(x: u8) -> u8 {\n    debug_assert!(x > 0);\n    if x == 1 { unreachable!() }\n"
		    "    if x == 2 { todo!() }\n    unimplemented!()\n}\n",
		    "missing_panics_doc");
	/* Nested fns, consts and macro_rules! are not this fn's code. */
	expect_none("src/lib.rs",
		    "pub fn f() -> u8 {\n    fn g(x: Option<u8>) -> u8 { x.unwrap() }\n"
		    "    const N: u8 = { assert!(true); 1 };\n"
		    "    macro_rules! m { () => { panic!() } }\n    g(Some(N))\n}\n",
		    "missing_panics_doc");
	/* Strings, comments, raw strings, unwrap_or. */
	expect_none("src/lib.rs",
		    "pub fn f(x: Option<u8>) -> u8 {\n    let s = \"x.unwrap() panic!()\";\n"
		    "    // x.unwrap()\n    let r = r#\"assert!(false)\"#;\n    x.unwrap_or(0)\n}\n",
		    "missing_panics_doc");
}

static void test_missing_panics_doc_documented_and_visibility(void **state)
{
	(void)state;
	expect_none("src/lib.rs",
		    "/// Doubles.\n///\n/// # Panics\n///\n/// If x is None.\n"
		    "pub fn f(x: Option<u8>) -> u8 { x.unwrap() * 2 }\n",
		    "missing_panics_doc");
	expect_none("src/lib.rs", "/// ## Panics ##\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
		    "missing_panics_doc");
	/* Attributes and plain comments between the docs and the fn. */
	expect_none("src/lib.rs",
		    "/// # Panics\n/// When None.\n#[inline]\n// a note\npub fn f(x: Option<u8>) -> u8 "
		    "{ x.unwrap() }\n",
		    "missing_panics_doc");
	/* A plain comment, `////`, a heading in the text or of another section do not count. */
	et_expect_count("src/lib.rs", "// # Panics\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
			&opt_in, "missing_panics_doc", 1);
	et_expect_count("src/lib.rs",
			"//// # Panics\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n", &opt_in,
			"missing_panics_doc", 1);
	et_expect_count("src/lib.rs",
			"/// Panics when None.\n/// # Errors\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
			&opt_in, "missing_panics_doc", 1);
	/* The docs of the previous item do not document this one. */
	et_expect_count("src/lib.rs",
			"/// # Panics\npub struct S;\npub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
			&opt_in, "missing_panics_doc", 1);
	/* Not public API. */
	expect_none("src/lib.rs", "fn f(x: Option<u8>) -> u8 { x.unwrap() }\n", "missing_panics_doc");
	expect_none("src/lib.rs", "pub(crate) fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
		    "missing_panics_doc");
	expect_none("src/lib.rs", "mod m { pub fn f(x: Option<u8>) -> u8 { x.unwrap() } }\n",
		    "missing_panics_doc");
	expect_none("src/lib.rs",
		    "impl Tr for S { fn f(&self, x: Option<u8>) -> u8 { x.unwrap() } }\n",
		    "missing_panics_doc");
	expect_none("src/main.rs", "pub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
		    "missing_panics_doc");
	expect_none("tests/it.rs", "pub fn f(x: Option<u8>) -> u8 { x.unwrap() }\n",
		    "missing_panics_doc");
	/* Public: nested pub mods, inherent methods, pub trait default methods. */
	et_expect_count("src/lib.rs",
			"pub mod a { pub mod b { pub fn f(x: Option<u8>) -> u8 { x.unwrap() } } }\n",
			&opt_in, "missing_panics_doc", 1);
	et_expect_count("src/lib.rs", "impl S { pub fn f(&self) -> u8 { self.x.unwrap() } }\n",
			&opt_in, "missing_panics_doc", 1);
	et_expect_count("src/lib.rs", "pub trait T { fn f(&self) -> u8 { self.x().unwrap() } }\n",
			&opt_in, "missing_panics_doc", 1);
	expect_none("src/lib.rs", "trait T { fn f(&self) -> u8 { self.x().unwrap() } }\n",
		    "missing_panics_doc");
}

/* --- missing_errors_doc ---------------------------------------------------- */

static void test_missing_errors_doc(void **state)
{
	const char *src = "pub fn load(p: &Path) -> io::Result<Vec<u8>> {\n    fs::read(p)\n}\n"
			  "pub trait Source {\n    fn read(&mut self) -> Result<u8, E>;\n}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "missing_errors_doc"), 2);
	et_assert_span(et_nth(&l, "missing_errors_doc", 0), 1, 1, 1, 12);
	assert_contains(et_nth(&l, "missing_errors_doc", 0)->message, "`load`");
	assert_contains(et_nth(&l, "missing_errors_doc", 0)->message, "`# Errors`");
	et_assert_span(et_nth(&l, "missing_errors_doc", 1), 5, 5, 5, 12);
	finding_list_free(&l);

	et_expect_count("src/lib.rs", "pub async fn f() -> Result<(), E> { Ok(()) }\n", &opt_in,
			"missing_errors_doc", 1);
	et_expect_count("src/lib.rs", "pub fn f() -> fmt::Result { Ok(()) }\n", &opt_in, "missing_errors_doc", 1);
	et_expect_count("src/lib.rs", "pub fn f() -> std::result::Result<(), E> { Ok(()) }\n",
			&opt_in, "missing_errors_doc", 1);
	/* Every doc form rustdoc reads. */
	expect_none("src/lib.rs", "/// # Errors\n/// Never.\npub fn f() -> Result<(), E> { Ok(()) }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs",
		    "/**\n * Loads.\n *\n * # Errors\n */\npub fn f() -> Result<(), E> { Ok(()) }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs", "/** # Errors */\npub fn f() -> Result<(), E> { Ok(()) }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs",
		    "#[doc = \"# Errors\"]\n#[doc = \"Never.\"]\npub fn f() -> Result<(), E> { Ok(()) }\n",
		    "missing_errors_doc");
	/* Not a Result, not public, a trait impl, or test code. */
	expect_none("src/lib.rs", "pub fn f() -> Option<u8> { None }\n", "missing_errors_doc");
	expect_none("src/lib.rs", "pub fn f() -> MyResult { x }\n", "missing_errors_doc");
	expect_none("src/lib.rs", "pub(crate) fn f() -> Result<(), E> { Ok(()) }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs",
		    "impl FromStr for S { type Err = E; fn from_str(s: &str) -> Result<S, E> { x } }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs", "#[cfg(test)]\nmod t { pub fn f() -> Result<(), E> { Ok(()) } }\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs",
		    "pub fn f() {\n    pub fn inner() -> Result<(), E> { Ok(()) }\n}\n",
		    "missing_errors_doc");
	expect_none("src/lib.rs", "macro_rules! m { () => { pub fn f() -> Result<(), E> { Ok(()) } } }\n",
		    "missing_errors_doc");
}

/* --- missing_safety_doc ---------------------------------------------------- */

static void test_missing_safety_doc(void **state)
{
	const char *src = "pub unsafe fn from_raw(p: *mut u8) -> Box<u8> {\n"
			  "    // SAFETY: caller.\n    unsafe { Box::from_raw(p) }\n}\n"
			  "pub unsafe trait Zeroable {}\n"
			  "pub trait Raw {\n    unsafe fn raw(&self);\n}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "missing_safety_doc"), 3);
	et_assert_span(et_nth(&l, "missing_safety_doc", 0), 1, 1, 1, 23);
	assert_contains(et_nth(&l, "missing_safety_doc", 0)->message, "`unsafe fn from_raw`");
	assert_int_equal(et_nth(&l, "missing_safety_doc", 0)->severity, RR_SEV_WARNING);
	et_assert_span(et_nth(&l, "missing_safety_doc", 1), 5, 1, 5, 26);
	assert_contains(et_nth(&l, "missing_safety_doc", 1)->message, "`unsafe trait Zeroable`");
	et_assert_span(et_nth(&l, "missing_safety_doc", 2), 7, 5, 7, 18);
	finding_list_free(&l);

	expect_none("src/lib.rs",
		    "/// Frees.\n///\n/// # Safety\n///\n/// `p` from into_raw.\n"
		    "pub unsafe fn f(p: *mut u8) {}\n",
		    "missing_safety_doc");
	expect_none("src/lib.rs", "/// # Safety\n/// Must be zeroable.\npub unsafe trait Z {}\n",
		    "missing_safety_doc");
	expect_none("src/lib.rs", "unsafe fn f(p: *mut u8) {}\n", "missing_safety_doc");
	expect_none("src/lib.rs", "pub fn f(p: *mut u8) {}\n", "missing_safety_doc");
	expect_none("src/lib.rs", "unsafe trait Z {}\n", "missing_safety_doc");
	expect_none("src/lib.rs", "unsafe impl Z for S {}\n", "missing_safety_doc");
	expect_none("src/lib.rs", "extern \"C\" { pub fn c_fn(p: *mut u8); }\n", "missing_safety_doc");
}

/* --- undocumented_unsafe_blocks: unsafe impl ------------------------------- */

static void test_unsafe_impl(void **state)
{
	const char *src = "pub struct H(*mut u8);\n"
			  "unsafe impl Send for H {}\n"
			  "// SAFETY: H is only used behind a Mutex.\n"
			  "unsafe impl Sync for H {}\n"
			  "// SAFETY: the allocator is thread-safe.\n"
			  "#[cfg(unix)]\n"
			  "/// Docs.\n"
			  "unsafe impl GlobalAlloc for A {}\n"
			  "impl Clone for H { fn clone(&self) -> H { H(self.0) } }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "undocumented_unsafe_blocks"), 1);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 0), 2, 1, 2, 7);
	assert_contains(et_nth(&l, "undocumented_unsafe_blocks", 0)->message, "`unsafe impl`");
	finding_list_free(&l);
	/* Applies in test code too. */
	et_expect_count("tests/it.rs", "unsafe impl Send for H {}\n", &opt_in, "undocumented_unsafe_blocks", 1);
}

/* --- mem_forget -------------------------------------------------------------- */

static void test_mem_forget(void **state)
{
	const char *src = "use std::mem::{self, forget};\n"
			  "fn f(s: String, v: Vec<u8>, g: Guard) {\n"
			  "    std::mem::forget(s);\n"
			  "    mem::forget(v);\n"
			  "    forget(g);\n"
			  "    core::mem::forget(1u8);\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "mem_forget"), 3);
	et_assert_span(et_nth(&l, "mem_forget", 0), 3, 5, 3, 24);
	assert_contains(et_nth(&l, "mem_forget", 0)->message, "`std::mem::forget`");
	assert_contains(et_nth(&l, "mem_forget", 0)->message, "ManuallyDrop");
	et_assert_span(et_nth(&l, "mem_forget", 1), 4, 5, 4, 19);
	et_assert_span(et_nth(&l, "mem_forget", 2), 5, 5, 5, 14);
	finding_list_free(&l);

	/* A plain `forget` needs the import, and a fn of its own shadows it. */
	expect_none("src/lib.rs", "fn f(s: S) { forget(s); }\n", "mem_forget");
	expect_none("src/lib.rs",
		    "use std::mem::forget;\nfn forget<T>(t: T) {}\nfn f(s: S) { forget(s); }\n",
		    "mem_forget");
	expect_none("src/lib.rs", "use std::mem::forget as leak;\nfn f(s: S) { forget(s); }\n",
		    "mem_forget");
	et_expect_count("src/lib.rs", "use std::mem::*;\nfn f(s: S) { forget(s); }\n", &opt_in, "mem_forget", 1);
	expect_none("src/lib.rs", "fn f(s: S) { my::mem::forget(s); x.forget(s); }\n", "mem_forget");
	expect_none("src/lib.rs", "fn f() { let s = \"std::mem::forget(x)\"; }\n", "mem_forget");
	et_expect_count("tests/it.rs", "fn f(s: S) { std::mem::forget(s); }\n", &opt_in, "mem_forget", 1);
}

/* --- transmute_without_safety ----------------------------------------------- */

static void test_transmute_without_safety(void **state)
{
	const char *src = "fn f(x: u32) -> f32 {\n"
			  "    let y = 1;\n"
			  "    unsafe {\n"
			  "        let a = y + 1;\n"
			  "        std::mem::transmute::<u32, f32>(x)\n"
			  "    }\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "transmute_without_safety"), 1);
	f = et_nth(&l, "transmute_without_safety", 0);
	et_assert_span(f, 3, 5, 3, 11);    /* the block's `unsafe` keyword */
	assert_contains(f->message, "`std::mem::transmute::<u32, f32>` on line 5");
	assert_contains(f->message, "`// SAFETY:`");
	/* One comment for the block: undocumented_unsafe_blocks is superseded. */
	assert_int_equal(et_count_rule(&l, "undocumented_unsafe_blocks"), 0);
	finding_list_free(&l);
}

static void test_transmute_unsafe_fn_and_negatives(void **state)
{
	const char *unsafe_fn = "use std::mem::transmute;\n"
				"/// # Safety\n/// x is 0 or 1.\n"
				"pub unsafe fn to_bool(x: u8) -> bool {\n"
				"    transmute(x)\n"
				"}\n";
	struct finding_list l = et_review("src/lib.rs", unsafe_fn, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "transmute_without_safety"), 1);
	et_assert_span(et_nth(&l, "transmute_without_safety", 0), 5, 5, 5, 17);
	/* Reported on the call's own line: no "on line N". */
	assert_contains(et_nth(&l, "transmute_without_safety", 0)->message,
			"`transmute` reinterprets bits");
	finding_list_free(&l);

	expect_none("src/lib.rs",
		    "use std::mem::transmute;\npub unsafe fn f(x: u8) -> bool {\n"
		    "    // SAFETY: x is 0 or 1.\n    transmute(x)\n}\n",
		    "transmute_without_safety");
	expect_none("src/lib.rs",
		    "fn f(x: u32) -> f32 {\n    // SAFETY: same size, all bit patterns valid.\n"
		    "    unsafe { std::mem::transmute(x) }\n}\n",
		    "transmute_without_safety");
	expect_none("src/lib.rs",
		    "fn f(x: u32) -> f32 {\n    unsafe {\n        // SAFETY: same size.\n"
		    "        core::mem::transmute(x)\n    }\n}\n",
		    "transmute_without_safety");
	/* No transmute: the general rule speaks. */
	expect_none("src/lib.rs", "fn f(p: *const u8) -> u8 { unsafe { *p } }\n",
		    "transmute_without_safety");
	et_expect_count("src/lib.rs", "fn f(p: *const u8) -> u8 { unsafe { *p } }\n", &opt_in,
			"undocumented_unsafe_blocks", 1);
	/* A plain `transmute` that is not std's, and text that only looks like one. */
	expect_none("src/lib.rs", "fn f(x: u8) -> u8 { unsafe { transmute(x) } }\n",
		    "transmute_without_safety");
	expect_none("src/lib.rs", "fn f() { let s = \"unsafe { mem::transmute(x) }\"; }\n",
		    "transmute_without_safety");
	/* Outside unsafe code it does not compile; nothing to say. */
	expect_none("src/lib.rs", "fn f(x: u8) -> bool { std::mem::transmute(x) }\n",
		    "transmute_without_safety");
}

/* --- static_mut_refs ---------------------------------------------------------- */

static void test_static_mut_refs(void **state)
{
	const char *src = "static mut COUNT: u64 = 0;\n"
			  "static LIMIT: u64 = 1;\n"
			  "extern \"C\" { static mut errno: i32; }\n"
			  "fn f() -> u64 {\n"
			  "    unsafe {\n"
			  "        COUNT += 1;\n"
			  "        let r = &COUNT;\n"
			  "        let m = &mut COUNT;\n"
			  "        let p = &raw const COUNT;\n"
			  "        let q = COUNT.pow(2) + COUNT.0;\n"
			  "        *r\n"
			  "    }\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "static_mut_refs"), 1);
	f = et_nth(&l, "static_mut_refs", 0);
	et_assert_span(f, 1, 1, 1, 17);
	assert_contains(f->message, "`static mut COUNT`");
	assert_contains(f->message, "on lines 7, 8, 10.");
	assert_contains(f->message, "atomic");
	finding_list_free(&l);

	l = et_review("src/lib.rs", "pub static mut BUF: [u8; 4] = [0; 4];\n", NULL, &opt_in);
	assert_int_equal(et_count_rule(&l, "static_mut_refs"), 1);
	et_assert_span(et_nth(&l, "static_mut_refs", 0), 1, 1, 1, 19);
	assert_null(strstr(et_nth(&l, "static_mut_refs", 0)->message, "line"));
	finding_list_free(&l);
	expect_none("src/lib.rs", "static X: AtomicU64 = AtomicU64::new(0);\n", "static_mut_refs");
	expect_none("src/lib.rs", "fn f() { let s = \"static mut X: u8 = 0;\"; }\n", "static_mut_refs");
	expect_none("src/lib.rs", "macro_rules! m { () => { static mut X: u8 = 0; } }\n",
		    "static_mut_refs");
	et_expect_count("tests/it.rs", "static mut X: u8 = 0;\n", &opt_in, "static_mut_refs", 1);
}

/* --- exit ------------------------------------------------------------------- */

static void test_exit(void **state)
{
	const char *src = "use std::process::exit;\n"
			  "pub fn die(code: i32) {\n"
			  "    std::process::exit(code);\n"
			  "    process::exit(1);\n"
			  "    exit(2);\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "exit"), 3);
	et_assert_span(et_nth(&l, "exit", 0), 3, 5, 3, 29);
	assert_contains(et_nth(&l, "exit", 0)->message, "`std::process::exit`");
	et_assert_span(et_nth(&l, "exit", 1), 4, 5, 4, 21);
	et_assert_span(et_nth(&l, "exit", 2), 5, 5, 5, 12);
	finding_list_free(&l);

	expect_none("src/main.rs", "fn main() { std::process::exit(1); }\n", "exit");
	expect_none("src/bin/tool.rs", "fn main() { std::process::exit(1); }\n", "exit");
	expect_none("crates/cli/src/main.rs", "fn run() { std::process::exit(1); }\n", "exit");
	expect_none("tests/it.rs", "fn f() { std::process::exit(1); }\n", "exit");
	expect_none("build.rs", "fn main() { std::process::exit(1); }\n", "exit");
	expect_none("examples/e.rs", "fn main() { std::process::exit(1); }\n", "exit");
	expect_none("src/lib.rs", "#[test]\nfn t() { std::process::exit(1); }\n", "exit");
	expect_none("src/lib.rs", "fn f() { exit(1); }\n", "exit");
	expect_none("src/lib.rs", "fn f(p: P) { p.exit(1); libc::exit(1); }\n", "exit");
	expect_none("src/lib.rs", "fn f() { let s = \"std::process::exit(1)\"; }\n", "exit");
	expect_none("src/lib.rs", "macro_rules! bail { () => { std::process::exit(1) } }\n", "exit");
}

/* --- box_dyn_error_in_public_api -------------------------------------------- */

static void test_box_dyn_error(void **state)
{
	const char *src = "pub fn a() -> Result<u8, Box<dyn Error>> { Ok(1) }\n"
			  "pub fn b() -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> "
			  "{ Ok(()) }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "box_dyn_error_in_public_api"), 2);
	et_assert_span(et_nth(&l, "box_dyn_error_in_public_api", 0), 1, 26, 1, 40);
	assert_contains(et_nth(&l, "box_dyn_error_in_public_api", 0)->message, "thiserror");
	assert_int_equal(et_nth(&l, "box_dyn_error_in_public_api", 0)->severity, RR_SEV_NOTE);
	et_assert_span(et_nth(&l, "box_dyn_error_in_public_api", 1), 2, 26, 2, 76);
	finding_list_free(&l);

	et_expect_count("src/lib.rs",
			"pub trait T { fn f(&self) -> Result<(), Box<dyn Error>>; }\n", &opt_in,
			"box_dyn_error_in_public_api", 1);
	expect_none("src/lib.rs", "fn f() -> Result<(), Box<dyn Error>> { Ok(()) }\n",
		    "box_dyn_error_in_public_api");
	expect_none("src/main.rs", "pub fn f() -> Result<(), Box<dyn Error>> { Ok(()) }\n",
		    "box_dyn_error_in_public_api");
	expect_none("src/lib.rs", "pub fn f() -> Result<(), MyError> { Ok(()) }\n",
		    "box_dyn_error_in_public_api");
	expect_none("src/lib.rs", "pub fn f() -> Result<Box<dyn Error>, E> { x }\n",
		    "box_dyn_error_in_public_api");
	expect_none("src/lib.rs", "pub fn f() -> Result<(), Box<dyn Display>> { Ok(()) }\n",
		    "box_dyn_error_in_public_api");
	expect_none("src/lib.rs",
		    "impl T for S { fn f(&self) -> Result<(), Box<dyn Error>> { Ok(()) } }\n",
		    "box_dyn_error_in_public_api");
}

/* --- print_stderr ------------------------------------------------------------ */

static void test_print_stderr(void **state)
{
	const char *src = "pub fn warn(m: &str) {\n"
			  "    eprintln!(\"warn: {m}\");\n"
			  "    std::eprint!(\"!\");\n"
			  "    let s = \"eprintln!(x)\";\n"
			  "    // eprintln!(\"c\")\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	(void)state;
	assert_int_equal(et_count_rule(&l, "print_stderr"), 2);
	et_assert_span(et_nth(&l, "print_stderr", 0), 2, 5, 2, 27);
	assert_contains(et_nth(&l, "print_stderr", 0)->message, "`eprintln!`");
	et_assert_span(et_nth(&l, "print_stderr", 1), 3, 5, 3, 22);
	assert_contains(et_nth(&l, "print_stderr", 1)->message, "`eprint!`");
	finding_list_free(&l);

	expect_none("src/main.rs", "fn main() { eprintln!(\"usage\"); }\n", "print_stderr");
	expect_none("src/bin/x.rs", "fn main() { eprintln!(\"usage\"); }\n", "print_stderr");
	expect_none("build.rs", "fn main() { eprintln!(\"x\"); }\n", "print_stderr");
	expect_none("src/lib.rs", "#[cfg(test)]\nmod t { fn f() { eprintln!(\"x\"); } }\n",
		    "print_stderr");
	expect_none("src/lib.rs", "macro_rules! m { () => { eprintln!(\"x\") } }\n", "print_stderr");
	expect_none("src/lib.rs", "fn f() { log::eprintln!(\"x\"); }\n", "print_stderr");
}

/* --- let_underscore_must_use -------------------------------------------------- */

static void test_let_underscore_must_use(void **state)
{
	const char *src = "async fn f(w: &mut File, tx: Tx, conn: Conn) -> io::Result<()> {\n"
			  "    let _ = w.write_all(b\"x\");\n"
			  "    let _ = w.flush().await;\n"
			  "    let _ = std::fs::rename(\"a\", \"b\");\n"
			  "    let _ = conn.commit();\n"
			  "    Ok(())\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, &opt_in);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "let_underscore_must_use"), 4);
	f = et_nth(&l, "let_underscore_must_use", 0);
	et_assert_span(f, 2, 5, 2, 31);
	assert_contains(f->message, "`w.write_all(..)`");
	assert_contains(f->message, "never reaches");
	et_assert_span(et_nth(&l, "let_underscore_must_use", 1), 3, 5, 3, 29);
	assert_contains(et_nth(&l, "let_underscore_must_use", 1)->message, "`w.flush()`");
	assert_contains(et_nth(&l, "let_underscore_must_use", 2)->message, "`std::fs::rename(..)`");
	assert_contains(et_nth(&l, "let_underscore_must_use", 3)->message, "rolled back");
	finding_list_free(&l);

	/* Deliberate best-effort idioms and propagated errors. */
	expect_none("src/lib.rs",
		    "fn f(w: &mut W, tx: Tx, c: Child) -> io::Result<()> {\n"
		    "    let _ = w.write_all(b\"x\")?;\n"
		    "    let _ = tx.send(1);\n"
		    "    let _ = fs::remove_file(\"tmp\");\n"
		    "    let _ = c.kill();\n"
		    "    let _ = writeln!(s, \"x\");\n"
		    "    let _guard = w.flush();\n"
		    "    let _ = w.write(a, b);\n"
		    "    let _ = \"w.flush()\";\n"
		    "    Ok(())\n"
		    "}\n",
		    "let_underscore_must_use");
	et_expect_count("tests/it.rs", "fn t(w: &mut W) { let _ = w.flush(); }\n", &opt_in,
			"let_underscore_must_use", 1);
	expect_none("src/lib.rs",
		    "#[allow(clippy::let_underscore_must_use)]\nfn t(w: &mut W) { let _ = w.flush(); }\n",
		    "let_underscore_must_use");
}

/* --- catalogue ------------------------------------------------------------------ */

static void test_doc_rules_are_opt_in(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	const char *src = "/// Port.\npub fn f(x: Option<u8>) -> Result<u8, ()> { Ok(x.unwrap()) }\n";
	(void)state;
	assert_int_equal(review_engine_file(et_engine, "src/lib.rs", src, strlen(src), NULL, &l, &err), 0);
	assert_int_equal(et_count_rule(&l, "missing_panics_doc"), 0);
	assert_int_equal(et_count_rule(&l, "missing_errors_doc"), 0);
	finding_list_free(&l);
	l = et_review("src/lib.rs", src, NULL, &opt_in);
	assert_int_equal(et_count_rule(&l, "missing_panics_doc"), 1);
	assert_int_equal(et_count_rule(&l, "missing_errors_doc"), 1);
	finding_list_free(&l);
}

static void test_catalogue_entries(void **state)
{
	static const struct {
		const char *id;
		enum rr_severity sev;
		bool production_only, has_fix;
	} want[] = {
		{ "unwrap_in_result", RR_SEV_WARNING, true, true },
		{ "missing_panics_doc", RR_SEV_NOTE, true, false },
		{ "missing_errors_doc", RR_SEV_NOTE, true, false },
		{ "missing_safety_doc", RR_SEV_WARNING, true, false },
		{ "mem_forget", RR_SEV_WARNING, false, false },
		{ "transmute_without_safety", RR_SEV_WARNING, false, false },
		{ "static_mut_refs", RR_SEV_WARNING, false, false },
		{ "exit", RR_SEV_WARNING, true, false },
		{ "box_dyn_error_in_public_api", RR_SEV_NOTE, true, false },
		{ "print_stderr", RR_SEV_WARNING, true, false },
		{ "let_underscore_must_use", RR_SEV_WARNING, false, false },
		{ "undocumented_unsafe_blocks", RR_SEV_WARNING, false, false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct rule_info *r = rules_find(want[i].id);
		if (!r)
			fail_msg("%s is not in the catalogue", want[i].id);
		assert_int_equal(r->severity, want[i].sev);
		assert_int_equal(r->production_only, want[i].production_only);
		assert_int_equal(r->has_fix, want[i].has_fix);
		assert_true(strlen(r->summary) > 10 && !strchr(r->summary, '\n'));
		assert_true(strlen(r->explanation) > 600);
		assert_non_null(strstr(r->explanation, "What:"));
		assert_non_null(strstr(r->explanation, "Why:"));
		assert_non_null(strstr(r->explanation, "How to fix:"));
		assert_non_null(strstr(r->explanation, "Bad:"));
		assert_non_null(strstr(r->explanation, "Good:"));
	}
}

/* --- robustness ---------------------------------------------------------------- */

static void test_broken_and_hostile_input(void **state)
{
	static const char *const inputs[] = {
		"pub fn f(x: Option<u8>) -> Result<u8, Box<dyn",
		"/// # Panics\n", "/**", "/** # Errors", "#[doc = \"# Errors",
		"pub unsafe fn", "unsafe impl", "static mut", "let _ = ;",
		"pub fn f() -> Result<",
		"fn f() -> Option<u8> { x.unwrap(",
		"use std::mem::{forget\nfn f() { forget(x) }",
		"unsafe { transmute(",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct finding_list l = et_review("src/lib.rs", inputs[i], NULL, &opt_in);
		finding_list_free(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwrap_in_result_result_fn),
		cmocka_unit_test(test_unwrap_in_result_option_fn_suggests_question_mark),
		cmocka_unit_test(test_unwrap_in_result_receiver_kinds),
		cmocka_unit_test(test_unwrap_in_result_fn_scope),
		cmocka_unit_test(test_unwrap_in_result_mismatch_closure_const),
		cmocka_unit_test(test_unwrap_in_result_macro_args_and_allow),
		cmocka_unit_test(test_missing_panics_doc_positive),
		cmocka_unit_test(test_missing_panics_doc_sources_of_panic),
		cmocka_unit_test(test_missing_panics_doc_documented_and_visibility),
		cmocka_unit_test(test_missing_errors_doc),
		cmocka_unit_test(test_missing_safety_doc),
		cmocka_unit_test(test_unsafe_impl),
		cmocka_unit_test(test_mem_forget),
		cmocka_unit_test(test_transmute_without_safety),
		cmocka_unit_test(test_transmute_unsafe_fn_and_negatives),
		cmocka_unit_test(test_static_mut_refs),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_box_dyn_error),
		cmocka_unit_test(test_print_stderr),
		cmocka_unit_test(test_let_underscore_must_use),
		cmocka_unit_test(test_doc_rules_are_opt_in),
		cmocka_unit_test(test_catalogue_entries),
		cmocka_unit_test(test_broken_and_hostile_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
