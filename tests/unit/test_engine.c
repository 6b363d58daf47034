/* test_engine.c — the review engine: every rule's positives with exact spans,
 * the tricky negatives, test-code exemptions, fixes, added-line filtering and
 * robustness on hostile input. */
#include "engine_testutil.h"

/* Asserts the file yields no finding of `rule`. */
static void assert_none(const char *path, const char *src, const char *rule)
{
	struct finding_list l = et_review(path, src, NULL, NULL);
	if (et_count_rule(&l, rule) != 0)
		fail_msg("%s: unexpected %s at %u:%u in:\n%s", path, rule,
			 et_nth(&l, rule, 0)->line, et_nth(&l, rule, 0)->column, src);
	finding_list_free(&l);
}

/* --- unwrap_used / expect_used --------------------------------------------- */

static void test_unwrap_positive_exact_span(void **state)
{
	const char *src = "fn main() {\n"
			  "    let v = read().unwrap();\n"
			  "    let w = read()\n"
			  "        .unwrap();\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 2);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 2, 20, 2, 28);
	/* A chain split over lines reports the line holding `.unwrap()`. */
	et_assert_span(et_nth(&l, "unwrap_used", 1), 4, 10, 4, 18);
	assert_int_equal(et_nth(&l, "unwrap_used", 0)->severity, RR_SEV_WARNING);
	assert_null(et_nth(&l, "unwrap_used", 0)->replacement);
	assert_int_equal(strlen(et_nth(&l, "unwrap_used", 0)->fingerprint), RR_FINGERPRINT_LEN);
	finding_list_free(&l);
}

static void test_unwrap_in_macro_token_tree(void **state)
{
	const char *src = "fn f() {\n"
			  "    println!(\"{}\", x.unwrap());\n"
			  "    assert!(y.unwrap() > 1);\n"
			  "    let v = vec![a.unwrap(), b.unwrap_or(0)];\n"
			  "}\n";
	struct finding_list l = et_review("src/main.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 3);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 2, 22, 2, 30);
	et_assert_span(et_nth(&l, "unwrap_used", 1), 3, 15, 3, 23);
	et_assert_span(et_nth(&l, "unwrap_used", 2), 4, 20, 4, 28);
	finding_list_free(&l);
}

static void test_unwrap_negatives(void **state)
{
	(void)state;
	assert_none("src/lib.rs", "fn f() { let s = \"x.unwrap()\"; }\n", "unwrap_used");
	assert_none("src/lib.rs", "fn f() { let s = r#\"x.unwrap()\"#; }\n", "unwrap_used");
	assert_none("src/lib.rs", "fn f() {\n    // x.unwrap()\n    /* y.unwrap() */\n}\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "/// Call `x.unwrap()`\n//! x.unwrap()\nfn f() {}\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "fn f() { println!(\"x.unwrap()\"); }\n", "unwrap_used");
	assert_none("src/lib.rs",
		    "impl Opt { pub fn unwrap(self) -> T { match self { Some(v) => v } } }\n",
		    "unwrap_used");
	assert_none("src/lib.rs",
		    "fn f() { a.unwrap_or(1); b.unwrap_or_default(); c.unwrap_or_else(g); }\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "macro_rules! m { ($e:expr) => { $e.unwrap() }; }\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "fn f() { let g = Option::unwrap; }\n", "unwrap_used");
	assert_none("src/lib.rs", "#[allow(clippy::unwrap_used)]\nfn f() { x.unwrap(); }\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "#![allow(clippy::unwrap_used)]\nfn f() { x.unwrap(); }\n",
		    "unwrap_used");
}

static void test_unwrap_exempt_in_test_code(void **state)
{
	(void)state;
	assert_none("src/lib.rs",
		    "#[cfg(test)]\nmod tests {\n    fn helper() { x.unwrap(); }\n}\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "#[test]\nfn t() { x.unwrap(); y.expect(\"y\"); }\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "#[tokio::test]\nasync fn t() { x.unwrap(); }\n",
		    "unwrap_used");
	assert_none("src/lib.rs", "mod t {\n    #![cfg(test)]\n    fn h() { x.unwrap(); }\n}\n",
		    "unwrap_used");
	assert_none("tests/it.rs", "fn h() { x.unwrap(); }\n", "unwrap_used");
	assert_none("crates/a/benches/b.rs", "fn h() { x.unwrap(); }\n", "unwrap_used");
	assert_none("examples/demo.rs", "fn main() { x.unwrap(); }\n", "unwrap_used");
	assert_none("build.rs", "fn main() { x.unwrap(); }\n", "unwrap_used");
	assert_none("tests/it.rs", "fn h() { x.expect(\"x\"); }\n", "expect_used");
}

static void test_unwrap_fires_after_test_module_and_in_cfg_not_test(void **state)
{
	const char *src = "#[cfg(test)]\n"
			  "mod tests { fn a() { x.unwrap(); } }\n"
			  "fn b() { x.unwrap(); }\n"
			  "#[cfg(not(test))]\n"
			  "fn c() { x.unwrap(); }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 2);
	assert_int_equal(et_nth(&l, "unwrap_used", 0)->line, 3);
	assert_int_equal(et_nth(&l, "unwrap_used", 1)->line, 5);
	finding_list_free(&l);
}

static void test_expect_positive_and_arity(void **state)
{
	const char *src = "fn f() {\n"
			  "    let c = load().expect(\"config\");\n"
			  "    parser.expect();\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "expect_used"), 1);
	et_assert_span(et_nth(&l, "expect_used", 0), 2, 20, 2, 36);
	/* f returns (): `?` would not compile here, so the comment must not offer it. */
	assert_null(strstr(et_nth(&l, "expect_used", 0)->message, "`?`"));
	assert_non_null(strstr(et_nth(&l, "expect_used", 0)->message, "invariant"));
	finding_list_free(&l);
}

/* --- macros ---------------------------------------------------------------- */

/* Braced macro bodies are parsed as Rust: unsafe blocks inside item macros
 * and cfg_if! branches are seen, at the outer file's lines and columns, and
 * nothing is reported twice; macro_rules! templates and DSL bodies are not
 * parsed (their unwraps are still found in the token tree). */
static void test_macro_bodies_parsed_as_rust(void **state)
{
	const char *src = "macro_rules! m {\n"
			  "    () => { unsafe { *p } };\n"
			  "}\n"
			  "cfg_windows! {\n"
			  "    pub fn raw(p: *const u8) -> u8 {\n"
			  "        let v = Some(1).unwrap();\n"
			  "        unsafe { *p }\n"
			  "    }\n"
			  "}\n"
			  "cfg_if::cfg_if! {\n"
			  "    if #[cfg(unix)] {\n"
			  "        fn a(p: *const u8) -> u8 { unsafe { *p } }\n"
			  "    } else {\n"
			  "        #[cfg(test)]\n"
			  "        mod tests { fn t() { None::<u8>.unwrap(); } }\n"
			  "    }\n"
			  "}\n"
			  "fn c() {\n"
			  "    select! { v = fut.unwrap() => { go() } }\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "undocumented_unsafe_blocks"), 2);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 0), 7, 9, 7, 15);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 1), 12, 36, 12, 42);
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 2);
	et_assert_span(et_nth(&l, "unwrap_used", 0), 6, 25, 6, 33);
	assert_int_equal(et_nth(&l, "unwrap_used", 1)->line, 19);
	finding_list_free(&l);
}

static void test_macro_rules_positive(void **state)
{
	const char *src = "fn f(x: u8) -> u8 {\n"
			  "    if x == 0 { panic!(\"zero\"); }\n"
			  "    if x == 1 { std::panic!(\"one\"); }\n"
			  "    if x == 2 { todo!() }\n"
			  "    if x == 3 { unimplemented!() }\n"
			  "    dbg!(x)\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "panic"), 2);
	et_assert_span(et_nth(&l, "panic", 0), 2, 17, 2, 31);
	et_assert_span(et_nth(&l, "panic", 1), 3, 17, 3, 35);
	assert_int_equal(et_count_rule(&l, "todo"), 1);
	et_assert_span(et_nth(&l, "todo", 0), 4, 17, 4, 24);
	assert_int_equal(et_count_rule(&l, "unimplemented"), 1);
	et_assert_span(et_nth(&l, "unimplemented", 0), 5, 17, 5, 33);
	assert_int_equal(et_count_rule(&l, "dbg_macro"), 1);
	et_assert_span(et_nth(&l, "dbg_macro", 0), 6, 5, 6, 12);
	finding_list_free(&l);
}

static void test_macro_rules_negatives_and_test_policy(void **state)
{
	const char *test_src = "#[cfg(test)]\n"
			       "mod tests {\n"
			       "    fn a() { panic!(\"x\"); }\n"
			       "    fn b() { unimplemented!() }\n"
			       "    fn c() { todo!() }\n"
			       "    fn d() { dbg!(1); }\n"
			       "}\n";
	struct finding_list l = et_review("src/lib.rs", test_src, NULL, NULL);
	(void)state;
	/* panic and unimplemented are exempt in tests; todo and dbg are not. */
	assert_int_equal(et_count_rule(&l, "panic"), 0);
	assert_int_equal(et_count_rule(&l, "unimplemented"), 0);
	assert_int_equal(et_count_rule(&l, "todo"), 1);
	assert_int_equal(et_count_rule(&l, "dbg_macro"), 1);
	finding_list_free(&l);
	assert_none("src/lib.rs", "fn f() { mycrate::panic!(\"x\"); }\n", "panic");
	assert_none("src/lib.rs", "fn f() { let s = \"panic!()\"; } // todo!()\n", "panic");
	assert_none("src/lib.rs", "fn f() { let s = \"todo!()\"; } // todo!()\n", "todo");
	assert_none("src/lib.rs", "macro_rules! t { () => { todo!() }; }\n", "todo");
	assert_none("src/lib.rs", "fn f() { unreachable!(\"never\"); }\n", "panic");
}

static void test_macro_inside_token_tree(void **state)
{
	const char *src = "fn f() { let v = vec![todo!(), dbg!(1)]; }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	et_assert_span(et_nth(&l, "todo", 0), 1, 23, 1, 30);
	et_assert_span(et_nth(&l, "dbg_macro", 0), 1, 32, 1, 39);
	finding_list_free(&l);
}

/* --- print_stdout ---------------------------------------------------------- */

static void test_print_stdout_library_only(void **state)
{
	const char *src = "pub fn f() {\n    println!(\"hi\");\n    print!(\"x\");\n    "
			  "eprintln!(\"err\");\n}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "print_stdout"), 2);
	et_assert_span(et_nth(&l, "print_stdout", 0), 2, 5, 2, 19);
	assert_non_null(strstr(et_nth(&l, "print_stdout", 0)->message, "`println!`"));
	assert_non_null(strstr(et_nth(&l, "print_stdout", 1)->message, "`print!`"));
	finding_list_free(&l);
	assert_none("src/main.rs", src, "print_stdout");
	assert_none("crates/cli/src/main.rs", src, "print_stdout");
	assert_none("src/bin/tool.rs", src, "print_stdout");
	assert_none("src/bin/tool/helpers.rs", src, "print_stdout");
	assert_none("examples/demo.rs", src, "print_stdout");
	assert_none("tests/it.rs", src, "print_stdout");
	assert_none("build.rs", "fn main() { println!(\"cargo:rerun-if-changed=x\"); }\n",
		    "print_stdout");
	assert_none("src/lib.rs", "#[test]\nfn t() { println!(\"x\"); }\n", "print_stdout");
}

/* --- undocumented_unsafe_blocks -------------------------------------------- */

static void test_unsafe_without_safety_comment(void **state)
{
	const char *src = "fn f(p: *const u8) -> u8 {\n"
			  "    // read the byte\n"
			  "    let a = unsafe { *p };\n"
			  "    a\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "undocumented_unsafe_blocks"), 1);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 0), 3, 13, 3, 19);
	finding_list_free(&l);
}

static void test_unsafe_documented_variants(void **state)
{
	(void)state;
	assert_none("src/lib.rs", "fn f() {\n    // SAFETY: p is valid\n    unsafe { g() }\n}\n",
		    "undocumented_unsafe_blocks");
	assert_none("src/lib.rs", "fn f() {\n    // Safety: fine\n\n    unsafe { g() }\n}\n",
		    "undocumented_unsafe_blocks");
	assert_none("src/lib.rs", "fn f() {\n    unsafe {\n        // SAFETY: inside\n        g()\n"
				  "    }\n}\n",
		    "undocumented_unsafe_blocks");
	assert_none("src/lib.rs", "fn f() {\n    // SAFETY: above the statement\n    let x =\n"
				  "        unsafe { g() };\n}\n",
		    "undocumented_unsafe_blocks");
	assert_none("src/lib.rs", "fn f() {\n    /* SAFETY: block comment */\n"
				  "    #[allow(unused_unsafe)]\n    unsafe { g() }\n}\n",
		    "undocumented_unsafe_blocks");
	assert_none("src/lib.rs", "fn f() {\n    foo(\n        // SAFETY: argument\n"
				  "        unsafe { g() });\n}\n",
		    "undocumented_unsafe_blocks");
}

static void test_unsafe_comment_separated_by_code(void **state)
{
	const char *src = "fn f() {\n"
			  "    // SAFETY: this documents the line below only\n"
			  "    let y = 1;\n"
			  "    unsafe { g(y) }\n"
			  "}\n"
			  "fn h() { let s = \"// SAFETY:\"; unsafe { g(1) } }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "undocumented_unsafe_blocks"), 2);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 0), 4, 5, 4, 11);
	et_assert_span(et_nth(&l, "undocumented_unsafe_blocks", 1), 6, 32, 6, 38);
	finding_list_free(&l);
}

/* --- ptr_arg ---------------------------------------------------------------- */

static void test_ptr_arg_replacements(void **state)
{
	const char *src = "pub fn f(items: &Vec<Item>, name: &String, p: &std::path::PathBuf) {}\n"
			  "fn g<'a>(v: &'a Vec<u8>, keep: &mut Vec<u8>, x: &Vec<u8, A>) {}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	const struct finding *f;
	(void)state;
	/* Like clippy, `&mut Vec` is reported when the body needs no Vec method. */
	assert_int_equal(et_count_rule(&l, "ptr_arg"), 5);
	f = et_nth(&l, "ptr_arg", 0);
	et_assert_span(f, 1, 17, 1, 27);
	assert_string_equal(f->replacement, "&[Item]");
	assert_string_equal(f->suggestion_lines,
			    "pub fn f(items: &[Item], name: &String, p: &std::path::PathBuf) {}");
	f = et_nth(&l, "ptr_arg", 1);
	assert_string_equal(f->replacement, "&str");
	et_assert_span(f, 1, 35, 1, 42);
	assert_string_equal(f->suggestion_lines,
			    "pub fn f(items: &Vec<Item>, name: &str, p: &std::path::PathBuf) {}");
	f = et_nth(&l, "ptr_arg", 2);
	assert_string_equal(f->replacement, "&Path");
	f = et_nth(&l, "ptr_arg", 3);
	et_assert_span(f, 2, 13, 2, 24);
	assert_string_equal(f->replacement, "&'a [u8]");
	assert_non_null(strstr(f->message, "`&'a [u8]`"));
	f = et_nth(&l, "ptr_arg", 4);
	et_assert_span(f, 2, 32, 2, 44);
	assert_string_equal(f->replacement, "&mut [u8]");
	finding_list_free(&l);
}

static void test_ptr_arg_negatives(void **state)
{
	(void)state;
	assert_none("src/lib.rs", "impl Show for X { fn show(&self, v: &Vec<u8>) {} }\n",
		    "ptr_arg");
	assert_none("src/lib.rs", "fn f(v: &[u8], s: &str, p: &Path, o: Vec<u8>) {}\n",
		    "ptr_arg");
	assert_none("src/lib.rs", "fn f() { let c = |v: &Vec<u8>| v.len(); }\n", "ptr_arg");
	/* Like clippy: unused parameters, and parameters handed to a macro as they are. */
	assert_none("src/lib.rs", "fn f(_s: &String) {}\n", "ptr_arg");
	assert_none("src/lib.rs", "fn f(s: &String) -> String { format!(\"{}\", s) }\n", "ptr_arg");
	assert_none("src/lib.rs", "fn f(s: &String) -> String { format!(\"{s}\") }\n", "ptr_arg");
	assert_none("src/lib.rs", "fn f(s: &String) -> String { format!(\"{s:>8}\") }\n", "ptr_arg");
}

static void test_ptr_arg_macro_method_use_still_fires(void **state)
{
	/* `s.len()` inside println! does not borrow `s` itself: clippy fires, so do we;
	 * neither does `{ss}` mentioning a longer name. */
	const char *src = "fn f(s: &String) { println!(\"{} {ss}\", s.len()); }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "ptr_arg"), 1);
	finding_list_free(&l);
}

static void test_ptr_arg_trait_declaration_fires(void **state)
{
	const char *src = "trait Show {\n    fn show(&self, v: &String);\n}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "ptr_arg"), 1);
	assert_string_equal(et_nth(&l, "ptr_arg", 0)->suggestion_lines,
			    "    fn show(&self, v: &str);");
	finding_list_free(&l);
}

/* --- len_zero --------------------------------------------------------------- */

static void test_len_zero_replacements(void **state)
{
	const char *src = "fn f(v: &[u8]) {\n"
			  "    if v.len() == 0 {}\n"
			  "    if v.len() != 0 {}\n"
			  "    if v.len() > 0 {}\n"
			  "    if 0 == self.items.len() {}\n"
			  "    if v.len() < 1 {}\n"
			  "    if v.len() >= 1 {}\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "len_zero"), 6);
	et_assert_span(et_nth(&l, "len_zero", 0), 2, 8, 2, 20);
	assert_string_equal(et_nth(&l, "len_zero", 0)->replacement, "v.is_empty()");
	assert_string_equal(et_nth(&l, "len_zero", 0)->suggestion_lines, "    if v.is_empty() {}");
	assert_string_equal(et_nth(&l, "len_zero", 1)->replacement, "!v.is_empty()");
	assert_string_equal(et_nth(&l, "len_zero", 1)->suggestion_lines, "    if !v.is_empty() {}");
	assert_string_equal(et_nth(&l, "len_zero", 2)->replacement, "!v.is_empty()");
	assert_string_equal(et_nth(&l, "len_zero", 3)->replacement, "self.items.is_empty()");
	assert_string_equal(et_nth(&l, "len_zero", 4)->replacement, "v.is_empty()");
	assert_string_equal(et_nth(&l, "len_zero", 5)->replacement, "!v.is_empty()");
	finding_list_free(&l);
}

static void test_len_zero_negatives(void **state)
{
	(void)state;
	assert_none("src/lib.rs", "fn f(v: &[u8]) -> bool { v.len() == 1 || v.len() > 2 }\n",
		    "len_zero");
	assert_none("src/lib.rs",
		    "impl S { pub fn is_empty(&self) -> bool { self.len() == 0 } }\n", "len_zero");
	assert_none("src/lib.rs", "fn f(v: &[u8]) -> bool { v.len(1) == 0 }\n", "len_zero");
	assert_none("src/lib.rs", "fn f() { let s = \"v.len() == 0\"; }\n", "len_zero");
}

static void test_len_zero_multiline_suggestion(void **state)
{
	const char *src = "fn f() {\n    let e = items\n        .len() == 0;\n}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	const struct finding *f;
	(void)state;
	f = et_nth(&l, "len_zero", 0);
	et_assert_span(f, 2, 13, 3, 20);
	assert_string_equal(f->replacement, "items.is_empty()");
	assert_string_equal(f->suggestion_lines, "    let e = items.is_empty();");
	finding_list_free(&l);
}

/* --- await_holding_lock ----------------------------------------------------- */

static void test_await_holding_lock_positive(void **state)
{
	const char *src = "async fn f(m: &Mutex<Vec<u8>>) {\n"
			  "    let mut guard = m.lock().unwrap();\n"
			  "    guard.push(1);\n"
			  "    send().await;\n"
			  "}\n"
			  "fn g() -> impl Future {\n"
			  "    async move {\n"
			  "        let r = STATE.read();\n"
			  "        if x { tick().await; }\n"
			  "    }\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "await_holding_lock"), 2);
	et_assert_span(et_nth(&l, "await_holding_lock", 0), 2, 13, 2, 18);
	assert_non_null(strstr(et_nth(&l, "await_holding_lock", 0)->message, "line 4"));
	assert_non_null(strstr(et_nth(&l, "await_holding_lock", 0)->message, "`guard`"));
	et_assert_span(et_nth(&l, "await_holding_lock", 1), 8, 13, 8, 14);
	finding_list_free(&l);
}

static void test_await_holding_lock_negatives(void **state)
{
	(void)state;
	/* Dropped before the await. */
	assert_none("src/lib.rs",
		    "async fn f(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n    let v = *g;\n"
		    "    drop(g);\n    send(v).await;\n}\n",
		    "await_holding_lock");
	/* Scope ended before the await. */
	assert_none("src/lib.rs",
		    "async fn f(m: &Mutex<u8>) {\n    let v = {\n        let g = m.lock().unwrap();\n"
		    "        *g\n    };\n    send(v).await;\n}\n",
		    "await_holding_lock");
	/* tokio's lock is awaited: holding it across an await is what it is for. */
	assert_none("src/lib.rs",
		    "async fn f(m: &tokio::sync::Mutex<u8>) {\n    let g = m.lock().await;\n"
		    "    send(*g).await;\n}\n",
		    "await_holding_lock");
	/* Not async: no await points. */
	assert_none("src/lib.rs", "fn f(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n"
				  "    block_on(send(*g));\n}\n",
		    "await_holding_lock");
	/* `let _ =` drops at once; a temporary is dropped at the end of its statement. */
	assert_none("src/lib.rs", "async fn f(m: &Mutex<u8>) {\n    let _ = m.lock().unwrap();\n"
				  "    let n = *m.lock().unwrap();\n    send(n).await;\n}\n",
		    "await_holding_lock");
	/* io::Read::read takes a buffer: not a lock. */
	assert_none("src/lib.rs", "async fn f() {\n    let n = file.read(&mut buf)?;\n"
				  "    send(n).await;\n}\n",
		    "await_holding_lock");
}

/* --- blocking_in_async ------------------------------------------------------ */

static void test_blocking_in_async_positive(void **state)
{
	const char *src = "async fn f() {\n"
			  "    std::thread::sleep(Duration::from_millis(10));\n"
			  "    let s = std::fs::read_to_string(\"a\")?;\n"
			  "    let c = TcpStream::connect(addr)?;\n"
			  "    let b = async { fs::write(\"x\", b\"y\") };\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "blocking_in_async"), 4);
	et_assert_span(et_nth(&l, "blocking_in_async", 0), 2, 5, 2, 50);
	assert_non_null(strstr(et_nth(&l, "blocking_in_async", 0)->message, "tokio::time::sleep"));
	et_assert_span(et_nth(&l, "blocking_in_async", 1), 3, 13, 3, 41);
	et_assert_span(et_nth(&l, "blocking_in_async", 2), 4, 13, 4, 37);
	et_assert_span(et_nth(&l, "blocking_in_async", 3), 5, 21, 5, 41);
	finding_list_free(&l);
}

static void test_blocking_in_async_negatives(void **state)
{
	(void)state;
	assert_none("src/lib.rs", "fn f() { std::thread::sleep(d); std::fs::read(\"a\"); }\n",
		    "blocking_in_async");
	assert_none("src/lib.rs",
		    "async fn f() {\n    tokio::task::spawn_blocking(move || std::fs::read(\"a\")).await;\n"
		    "    tokio::task::block_in_place(|| std::thread::sleep(d));\n}\n",
		    "blocking_in_async");
	assert_none("src/lib.rs",
		    "async fn f() {\n    tokio::time::sleep(d).await;\n    tokio::fs::read(\"a\").await?;\n"
		    "    fs::read(\"b\").await?;\n    File::open(p)\n        .await?;\n}\n",
		    "blocking_in_async");
	assert_none("src/lib.rs", "async fn f() {\n    fn inner() { std::thread::sleep(d); }\n}\n",
		    "blocking_in_async");
	assert_none("src/lib.rs", "#[tokio::test]\nasync fn t() { std::fs::write(\"f\", \"x\"); }\n",
		    "blocking_in_async");
	assert_none("src/lib.rs", "async fn f() { let s = \"std::thread::sleep(d)\"; }\n",
		    "blocking_in_async");
}

/* --- filtering, catalogue, robustness ---------------------------------------- */

static void test_added_lines_filter(void **state)
{
	const char *src = "fn f() {\n    a.unwrap();\n    b.unwrap();\n    c.unwrap();\n}\n";
	struct line_set added = LINE_SET_INIT;
	struct finding_list all = et_review("src/lib.rs", src, NULL, NULL), some;
	(void)state;
	line_set_add(&added, 3);
	some = et_review("src/lib.rs", src, &added, NULL);
	assert_int_equal(all.n, 3);
	assert_int_equal(some.n, 1);
	assert_int_equal(some.items[0].line, 3);
	/* Fingerprints do not depend on which lines were added. */
	assert_string_equal(some.items[0].fingerprint, all.items[1].fingerprint);
	finding_list_free(&all);
	finding_list_free(&some);
	line_set_free(&added);
}

static void test_findings_append_to_existing_list(void **state)
{
	struct finding_list l = et_review("src/a.rs", "fn f() { a.unwrap(); }\n", NULL, NULL);
	struct rr_error err = { 0 };
	const char *src = "fn g() { todo!() }\n";
	(void)state;
	assert_int_equal(review_engine_file(et_engine, "src/b.rs", src, strlen(src), NULL, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].path, "src/a.rs");
	assert_string_equal(l.items[1].path, "src/b.rs");
	finding_list_free(&l);
}

static void test_rule_catalogue(void **state)
{
	static const char *const ids[] = { "unwrap_used", "expect_used", "panic", "todo",
					   "unimplemented", "dbg_macro", "print_stdout",
					   "undocumented_unsafe_blocks", "ptr_arg", "len_zero",
					   "await_holding_lock", "blocking_in_async" };
	(void)state;
	assert_true(rules_count() >= 30);
	for (size_t i = 0; i < rules_count(); i++) {     /* every rule: unique id, real texts */
		const struct rule_info *r = rules_get(i);
		assert_ptr_equal(rules_find(r->id), r);
		assert_true(strlen(r->summary) > 10);
		assert_true(strlen(r->explanation) > 200);
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct rule_info *r = rules_find(ids[i]);
		assert_non_null(r);
		assert_string_equal(r->id, ids[i]);
		assert_true(strlen(r->summary) > 10);
		assert_true(strlen(r->explanation) > 300);
		assert_non_null(strstr(r->explanation, "Bad:"));
		assert_non_null(strstr(r->explanation, "Good:"));
	}
	assert_true(rules_find("ptr_arg")->has_fix);
	assert_true(rules_find("len_zero")->has_fix);
	assert_false(rules_find("todo")->production_only);
	assert_true(rules_find("unwrap_used")->production_only);
	assert_null(rules_find("nope"));
	assert_null(rules_get(rules_count()));
	assert_true(rules_find("missing_panics_doc")->default_off);
	assert_false(rules_find("unwrap_used")->default_off);
	assert_string_equal(rules_get(0)->id, "unwrap_used");
}

static void test_bad_arguments(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(review_engine_file(et_engine, NULL, "", 0, NULL, &l, &err), RR_EINVAL);
	assert_int_equal(review_engine_file(et_engine, "a.rs", NULL, 3, NULL, &l, &err), RR_EINVAL);
	assert_int_equal(review_engine_file(et_engine, "a.rs", NULL, 0, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
}

static void test_recovers_from_syntax_errors(void **state)
{
	const char *src = "fn broken( {\n    let x = ;\n    y.unwrap();\n}\n}}}\nfn ok() { z.unwrap(); }\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_true(et_count_rule(&l, "unwrap_used") >= 1);
	assert_int_equal(et_nth(&l, "unwrap_used", et_count_rule(&l, "unwrap_used") - 1)->line, 6);
	finding_list_free(&l);
}

static void test_hostile_input(void **state)
{
	struct rr_error err = { 0 };
	struct finding_list l = FINDING_LIST_INIT;
	size_t depth = 100000, n = 0;
	char *src = malloc(depth * 2 + 64);
	(void)state;
	assert_non_null(src);
	/* Deep nesting. */
	n += (size_t)sprintf(src, "fn f() { ");
	for (size_t i = 0; i < depth; i++)
		src[n++] = '(';
	n += (size_t)sprintf(src + n, "x.unwrap()");
	for (size_t i = 0; i < depth; i++)
		src[n++] = ')';
	n += (size_t)sprintf(src + n, " }\n");
	assert_int_equal(review_engine_file(et_engine, "src/lib.rs", src, n, NULL, &l, &err), 0);
	finding_list_free(&l);
	/* Invalid UTF-8, NUL bytes, and a huge line. */
	static const char bad[] = "fn f() { \xff\xfe\x00 x.unwrap(); \xc3\x28 unsafe { g() } }\n";
	memcpy(src, bad, sizeof(bad) - 1);
	assert_int_equal(review_engine_file(et_engine, "src/lib.rs", src, sizeof(bad) - 1, NULL, &l, &err),
			 0);
	assert_int_equal(et_count_rule(&l, "unwrap_used"), 1);
	finding_list_free(&l);
	memset(src, 'a', depth * 2);
	memcpy(src, "fn f() { let s = ", 17);
	memcpy(src + depth * 2 - 20, "; x.len() == 0; }\n", 18);
	assert_int_equal(review_engine_file(et_engine, "src/lib.rs", src, depth * 2 - 2, NULL, &l, &err),
			 0);
	finding_list_free(&l);
	/* Random bytes. */
	static const char alphabet[] = "fn{}()[];.!#'\"/*\\ \nunwrapasync.awaitunsafe\xff";
	srand(42);
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < 4096; i++)
			src[i] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		assert_int_equal(review_engine_file(et_engine, "src/lib.rs", src, 4096, NULL, &l, &err), 0);
		finding_list_free(&l);
	}
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwrap_positive_exact_span),
		cmocka_unit_test(test_unwrap_in_macro_token_tree),
		cmocka_unit_test(test_unwrap_negatives),
		cmocka_unit_test(test_unwrap_exempt_in_test_code),
		cmocka_unit_test(test_unwrap_fires_after_test_module_and_in_cfg_not_test),
		cmocka_unit_test(test_expect_positive_and_arity),
		cmocka_unit_test(test_macro_bodies_parsed_as_rust),
		cmocka_unit_test(test_macro_rules_positive),
		cmocka_unit_test(test_macro_rules_negatives_and_test_policy),
		cmocka_unit_test(test_macro_inside_token_tree),
		cmocka_unit_test(test_print_stdout_library_only),
		cmocka_unit_test(test_unsafe_without_safety_comment),
		cmocka_unit_test(test_unsafe_documented_variants),
		cmocka_unit_test(test_unsafe_comment_separated_by_code),
		cmocka_unit_test(test_ptr_arg_replacements),
		cmocka_unit_test(test_ptr_arg_negatives),
		cmocka_unit_test(test_ptr_arg_macro_method_use_still_fires),
		cmocka_unit_test(test_ptr_arg_trait_declaration_fires),
		cmocka_unit_test(test_len_zero_replacements),
		cmocka_unit_test(test_len_zero_negatives),
		cmocka_unit_test(test_len_zero_multiline_suggestion),
		cmocka_unit_test(test_await_holding_lock_positive),
		cmocka_unit_test(test_await_holding_lock_negatives),
		cmocka_unit_test(test_blocking_in_async_positive),
		cmocka_unit_test(test_blocking_in_async_negatives),
		cmocka_unit_test(test_added_lines_filter),
		cmocka_unit_test(test_findings_append_to_existing_list),
		cmocka_unit_test(test_rule_catalogue),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_recovers_from_syntax_errors),
		cmocka_unit_test(test_hostile_input),
	};
	return cmocka_run_group_tests_name("engine", tests, et_setup, et_teardown);
}
