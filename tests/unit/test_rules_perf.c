/* test_rules_perf.c — rules batch 2: async guards and blocking calls, allocation and
 * cloning, API shape, security. Exact spans and replacements for true positives, and
 * the tricky negatives (strings, raw strings, comments, doc comments, macro_rules!
 * bodies, shadowed names, test code). */
#include "engine_testutil.h"

static void assert_none(const char *src, const char *rule)
{
	et_expect_count("src/lib.rs", src, NULL, rule, 0);
}

/* One finding of rule with this span and replacement (NULL: none). */
static void assert_one(const char *src, const char *rule, uint32_t line, uint32_t col,
		       uint32_t end_col, const char *replacement)
{
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	const struct finding *f;
	if (et_count_rule(&l, rule) != 1)
		fail_msg("%zu %s findings, want 1, in:\n%s", et_count_rule(&l, rule), rule, src);
	f = et_nth(&l, rule, 0);
	et_assert_span(f, line, col, line, end_col);
	if (replacement)
		assert_string_equal(f->replacement, replacement);
	else
		assert_null(f->replacement);
	finding_list_free(&l);
}

/* --- await_holding_refcell_ref ---------------------------------------------- */

static void test_refcell_guard_across_await(void **state)
{
	const char *src = "async fn f(c: &RefCell<Vec<u8>>) {\n"
			  "    let mut g = c.borrow_mut();\n"
			  "    g.push(1);\n"
			  "    tick().await;\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "await_holding_refcell_ref"), 1);
	f = et_nth(&l, "await_holding_refcell_ref", 0);
	et_assert_span(f, 2, 13, 2, 14);
	assert_non_null(strstr(f->message, "`g` from `.borrow_mut()`"));
	assert_non_null(strstr(f->message, "line 4"));
	assert_int_equal(et_count_rule(&l, "await_holding_lock"), 0);
	finding_list_free(&l);
	assert_one("async fn f(c: &C) {\n    let r = c.cell.try_borrow().expect(\"free\");\n"
		   "    join!(a, b);\n}\n",
		   "await_holding_refcell_ref", 2, 9, 10, NULL);
}

static void test_refcell_negatives(void **state)
{
	(void)state;
	/* dropped before the await, scoped, temporary, sync fn, bare try_borrow Result */
	assert_none("async fn f(c: &C) { let g = c.borrow(); drop(g); tick().await; }\n",
		    "await_holding_refcell_ref");
	assert_none("async fn f(c: &C) { let n = { let g = c.borrow(); g.len() }; tick().await; }\n",
		    "await_holding_refcell_ref");
	assert_none("async fn f(c: &C) { let n = c.borrow().len(); tick().await; }\n",
		    "await_holding_refcell_ref");
	assert_none("fn f(c: &C) { let g = c.borrow(); block_on(tick()); }\n",
		    "await_holding_refcell_ref");
	assert_none("async fn f(c: &C) { let r = c.try_borrow_mut(); tick().await; }\n",
		    "await_holding_refcell_ref");
	assert_none("async fn f(c: &C) { let s = \"let g = c.borrow(); x.await\"; tick().await; }\n",
		    "await_holding_refcell_ref");
	assert_none("macro_rules! m { () => { async { let g = c.borrow(); t().await; } } }\n",
		    "await_holding_refcell_ref");
	assert_none("#[allow(clippy::await_holding_refcell_ref)]\n"
		    "async fn f(c: &C) { let g = c.borrow(); tick().await; }\n",
		    "await_holding_refcell_ref");
	/* the shared helper still drives await_holding_lock the same way */
	assert_one("async fn f(m: &M) {\n    let g = m.lock().unwrap();\n    t().await;\n}\n",
		   "await_holding_lock", 2, 9, 10, NULL);
}

/* --- blocking_in_async (batch 2 additions) ------------------------------------ */

static void test_blocking_new_kinds(void **state)
{
	const char *src =
		"async fn f() {\n"
		"    let b = reqwest::blocking::get(u)?;\n"                        /* 2 */
		"    let o = Command::new(\"git\").arg(\"x\").output()?;\n"     /* 3 */
		"    let s = std::process::Command::new(\"a\")\n"
		"        .status()?;\n"                                          /* 5 */
		"    let w = Command::new(\"a\").spawn().unwrap().wait();\n"    /* 6 */
		"    std::io::stdin().read_line(&mut line)?;\n"                  /* 7 */
		"    for l in io::stdin().lock().lines() {}\n"                   /* 8 */
		"    let a = (h, 1).to_socket_addrs();\n"                        /* 9 */
		"}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "blocking_in_async"), 7);
	et_assert_span(et_nth(&l, "blocking_in_async", 0), 2, 13, 2, 38);
	assert_non_null(strstr(et_nth(&l, "blocking_in_async", 0)->message, "`reqwest::blocking::get`"));
	et_assert_span(et_nth(&l, "blocking_in_async", 1), 3, 42, 3, 50);
	assert_non_null(strstr(et_nth(&l, "blocking_in_async", 1)->message, "`.output()` waits"));
	et_assert_span(et_nth(&l, "blocking_in_async", 2), 5, 10, 5, 18);
	et_assert_span(et_nth(&l, "blocking_in_async", 3), 6, 48, 6, 54);
	et_assert_span(et_nth(&l, "blocking_in_async", 4), 7, 22, 7, 42);
	et_assert_span(et_nth(&l, "blocking_in_async", 5), 8, 33, 8, 40);
	et_assert_span(et_nth(&l, "blocking_in_async", 6), 9, 20, 9, 37);
	assert_non_null(strstr(et_nth(&l, "blocking_in_async", 6)->message, "lookup_host"));
	finding_list_free(&l);
}

static void test_blocking_new_negatives(void **state)
{
	(void)state;
	assert_none("async fn f() { let o = tokio::process::Command::new(\"g\").output().await; }\n",
		    "blocking_in_async");
	assert_none("async fn f() { let c = Command::new(\"d\").spawn()?; }\n", "blocking_in_async");
	assert_none("async fn f() { let o = builder.output(); let s = cmd.status(); }\n",
		    "blocking_in_async");
	assert_none("async fn f() { let r = reqwest::get(u).await; }\n", "blocking_in_async");
	assert_none("fn f() { let o = Command::new(\"g\").output(); }\n", "blocking_in_async");
	assert_none("async fn f() { spawn_blocking(|| Command::new(\"g\").output()).await; }\n",
		    "blocking_in_async");
	assert_none("async fn f() { let s = \"Command::new(x).output()\"; }\n", "blocking_in_async");
	assert_none("async fn f() { reader.lines(); file.read_line(&mut s); }\n", "blocking_in_async");
	et_expect_count("tests/it.rs", "async fn f() { Command::new(\"g\").output(); }\n", NULL,
			"blocking_in_async", 0);
}

/* --- redundant_clone --------------------------------------------------------- */

static void test_redundant_clone_positives(void **state)
{
	(void)state;
	assert_one("fn f(s: String) {\n    takes(&s.clone());\n    takes(&s);\n}\n",
		   "redundant_clone", 2, 13, 21, "");
	assert_one("fn f() -> String {\n    let k = String::from(\"k\");\n    let c = k.clone();\n"
		   "    c\n}\n",
		   "redundant_clone", 3, 14, 22, "");
	assert_one("fn f(o: Option<String>) -> usize {\n    let n = o.clone().map_or(0, |s| s.len());\n"
		   "    n\n}\n",
		   "redundant_clone", 2, 14, 22, "");
	assert_one("fn f(s: String) -> String {\n    s.clone() // last\n}\n", "redundant_clone", 2, 6,
		   14, "");
}

static void test_redundant_clone_negatives(void **state)
{
	(void)state;
	/* used again, a reference parameter, in a loop, in a closure, used in a macro,
	 * borrowed by a let in between, mutated afterwards, a field behind a reference */
	assert_none("fn f() -> (String, String) { let k = String::new(); let c = k.clone(); (c, k) }\n",
		    "redundant_clone");
	assert_none("fn f(s: &String) -> String { let c = s.clone(); c }\n", "redundant_clone");
	assert_none("fn f(s: String) { for _ in 0..2 { g(s.clone()); } }\n", "redundant_clone");
	assert_none("fn f(s: String) { let h = move || s.clone(); h(); }\n", "redundant_clone");
	assert_none("fn f() -> String { let k = format!(\"a\"); let c = k.clone(); format!(\"{c}{}\", k) }\n",
		    "redundant_clone");
	assert_none("fn f() { let k = vec![1]; let r = &k; let c = k.clone(); use_it(r, c); }\n",
		    "redundant_clone");
	assert_none("fn f() { let k = vec![1]; let mut c = k.clone(); c.push(2); }\n",
		    "redundant_clone");
	assert_none("fn f(c: &Config) { takes(&c.label.clone()); }\n", "redundant_clone");
	assert_none("fn f() { let s = \"takes(&x.clone())\"; // takes(&y.clone())\n }\n",
		    "redundant_clone");
	assert_none("macro_rules! m { ($x:ident) => { takes(&$x.clone()) } }\n", "redundant_clone");
	assert_none("fn f() { let k = get(); let c = k.clone(); c }\n", "redundant_clone");
}

/* --- or_fun_call -------------------------------------------------------------- */

static void test_or_fun_call_positives(void **state)
{
	struct finding_list l;
	(void)state;
	/* Default values are clippy's separate unwrap_or_default (below). */
	assert_none("fn f() {\n    let a = o.unwrap_or(String::new());\n}\n", "or_fun_call");
	assert_one("fn f() { let a = o.ok_or(format!(\"no {}\", k)); }\n", "or_fun_call", 1, 20, 46,
		   "ok_or_else(|| format!(\"no {}\", k))");
	assert_one("fn f() { m.entry(k).or_insert(Vec::with_capacity(8)); }\n", "or_fun_call", 1, 21,
		   53, "or_insert_with(|| Vec::with_capacity(8))");
	assert_one("fn f() { let a = o.unwrap_or(make()); }\n", "or_fun_call", 1, 20, 37, NULL);
	l = et_review("src/lib.rs", "fn f() { let a = r.or(Some(x.to_string())); }\n", NULL, NULL);
	assert_int_equal(et_count_rule(&l, "or_fun_call"), 1);
	assert_non_null(strstr(et_nth(&l, "or_fun_call", 0)->message, "`.or_else(|| (or `|_|`"));
	finding_list_free(&l);
	assert_one("fn f() { let a = o.map_or(d.clone(), |x| x); }\n", "or_fun_call", 1, 20, 44, NULL);
	/* Work anywhere inside the fallback, and lookups by reference (clippy 0.1.95). */
	assert_one("fn f() { o.unwrap_or(Instant::now() + d); }\n", "or_fun_call", 1, 12, 41, NULL);
	assert_one("fn f() { o.unwrap_or(m[&k]); }\n", "or_fun_call", 1, 12, 28, NULL);
	assert_one("fn f() { o.unwrap_or(x.unwrap_or(0)); }\n", "or_fun_call", 1, 12, 37, NULL);
	assert_one("fn f() { o.get_or_insert(make()); }\n", "or_fun_call", 1, 12, 33,
		   "get_or_insert_with(make)");
	assert_one("fn f() { o.and(Some(make())); }\n", "or_fun_call", 1, 12, 29,
		   "and_then(|_| Some(make()))");
	assert_one("fn f() { o.unwrap_or({ Duration::from_secs(n) }); }\n", "or_fun_call", 1, 12,
		   49, NULL);
}

static void test_unwrap_or_default(void **state)
{
	(void)state;
	assert_one("fn f() {\n    let a = o.unwrap_or(String::new());\n}\n", "unwrap_or_default",
		   2, 15, 39, "unwrap_or_default()");
	assert_one("fn f() { let a = o.unwrap_or(Default::default()); }\n", "unwrap_or_default", 1,
		   20, 49, "unwrap_or_default()");
	assert_one("fn f() { m.entry(k).or_insert(Vec::new()); }\n", "unwrap_or_default", 1, 21, 42,
		   "or_default()");
	assert_one("fn f() { m.entry(k).or_insert_with(Vec::new); }\n", "unwrap_or_default", 1, 21,
		   45, "or_default()");
	assert_one("fn f() { o.unwrap_or_else(Default::default); }\n", "unwrap_or_default", 1, 12,
		   44, "unwrap_or_default()");
	assert_one("fn f() { o.unwrap_or(u32::default()); }\n", "unwrap_or_default", 1, 12, 37,
		   "unwrap_or_default()");
	assert_one("fn f() { o.unwrap_or_else(|| \"\".to_string()); }\n", "unwrap_or_default", 1,
		   12, 45, "unwrap_or_default()");
	/* A type of this file with a Default impl: its new() is its default. */
	assert_one("#[derive(Debug, Default)]\nstruct K;\nfn f() { o.unwrap_or(K::new()); }\n",
		   "unwrap_or_default", 3, 12, 31, "unwrap_or_default()");
	/* Like clippy: literals, vec![] and closures calling a constructor are not. */
	assert_none("fn f() { o.unwrap_or(0); o.unwrap_or(false); o.unwrap_or(\"\"); }\n",
		    "unwrap_or_default");
	assert_none("fn f() { o.unwrap_or(vec![]); o.unwrap_or_else(|| String::new()); }\n",
		    "unwrap_or_default");
	assert_none("fn f() { o.unwrap_or(String::from(\"\")); o.unwrap_or(K::new()); }\n",
		    "unwrap_or_default");
	/* K::new() of a type not known to be Default is or_fun_call's. */
	assert_one("fn f() { o.unwrap_or(K::new()); }\n", "or_fun_call", 1, 12, 31, NULL);
}

static void test_or_fun_call_negatives(void **state)
{
	(void)state;
	assert_none("fn f() { o.unwrap_or(v.len()); o.unwrap_or(0); o.or(None); o.or(Some(1)); }\n",
		    "or_fun_call");
	assert_none("fn f() { o.map_or(String::new(), |s| s); o.unwrap_or(usize::pow(2, 3)); }\n",
		    "or_fun_call");
	assert_none("fn f() { d.unwrap_or(Duration::from_secs(1)); o.unwrap_or_else(make); }\n",
		    "or_fun_call");
	assert_none("fn f() { o.unwrap_or(vec![]); let s = \"o.unwrap_or(make())\"; }\n",
		    "or_fun_call");
	assert_none("fn f() {\n    // o.unwrap_or(make())\n    /// o.unwrap_or(make())\n    let x = 1;\n}\n",
		    "or_fun_call");
	assert_none("macro_rules! m { () => { o.unwrap_or(make()) } }\n", "or_fun_call");
}

/* --- format_push_string / useless_format ---------------------------------------- */

static void test_format_push_string(void **state)
{
	(void)state;
	assert_one("fn f() {\n    s.push_str(&format!(\"{}\", 1));\n}\n", "format_push_string", 2, 5,
		   34, NULL);
	assert_one("fn f() {\n    s += &format!(\"{x}\");\n}\n", "format_push_string", 2, 5, 25, NULL);
	assert_none("fn f() { s.push_str(\"format!\"); s.push_str(&t); s += &x; }\n",
		    "format_push_string");
	assert_none("fn f() { s.push_str(&my::format!(\"x\")); let _ = write!(s, \"{}\", 1); }\n",
		    "format_push_string");
}

static void test_useless_format(void **state)
{
	(void)state;
	assert_one("fn f() {\n    let a = format!(\"plain\");\n}\n", "useless_format", 2, 13, 29,
		   "\"plain\".to_string()");
	assert_one("fn f(name: &str) -> String {\n    format!(\"{}\", name)\n}\n", "useless_format",
		   2, 5, 24, "name.to_string()");
	assert_one("fn f(n: u32) -> String { format!(\"{}\", n.to_string()) }\n", "useless_format",
		   1, 26, 54, "n.to_string()");
	assert_none("fn f(n: u32) -> String { format!(\"{}\", n) }\n", "useless_format");
	assert_none("fn f(name: &str) -> String { let name = name.len(); format!(\"{}\", name) }\n",
		    "useless_format");
	assert_none("fn f() -> String { format!(\"{{}}\") + &format!(\"a\\n\") + &format!(\"{x}\") }\n",
		    "useless_format");
	assert_none("fn f() -> String { let s = \"format!(\\\"x\\\")\"; s.into() }\n", "useless_format");
}

/* --- needless_collect ---------------------------------------------------------- */

static void test_needless_collect(void **state)
{
	(void)state;
	assert_one("fn f() {\n    let n = it.iter().collect::<Vec<_>>().len();\n}\n", "needless_collect", 2,
		   23, 48, "count()");
	assert_one("fn f() { let e = s.chars().collect::<Vec<char>>().is_empty(); }\n",
		   "needless_collect", 1, 28, 61, "next().is_none()");
	assert_one("fn f() -> usize {\n    let v: Vec<u32> = it.map(g).collect();\n    v.len()\n}\n",
		   "needless_collect", 2, 33, 40, NULL);
	/* Only on what the tree shows is an iterator: a type's own collect is not Iterator's. */
	assert_none("fn f() { let n = bag.collect::<Vec<u8>>().len(); }\n", "needless_collect");
	/* A closure of the chain shares state with what follows: collecting first matters. */
	assert_none("fn f() -> usize {\n    let v: Vec<u8> = it.iter().inspect(|_| n += 1).collect();\n"
		    "    v.len() + n\n}\n", "needless_collect");
	assert_one("fn f() -> usize {\n    let v: Vec<u8> = it.iter().filter(|x| x > 1).collect();\n"
		   "    v.len() + x\n}\n", "needless_collect", 2, 50, 57, NULL);
	assert_none("fn f() { let n = it.iter().collect::<HashSet<_>>().len(); }\n", "needless_collect");
	assert_none("fn f() { let v: Vec<u32> = it.iter().collect(); for x in v {} }\n", "needless_collect");
	assert_none("fn f() { let v: Vec<u32> = it.iter().collect(); g(v.len(), &v); }\n",
		    "needless_collect");
	assert_none("fn f() { let v = it.iter().collect::<Vec<_>>(); let w = v.into_iter(); }\n",
		    "needless_collect");
}

/* --- box_collection / rc_buffer ------------------------------------------------ */

static void test_box_collection_and_rc_buffer(void **state)
{
	const char *src = "struct S {\n"
			  "    a: Box<Vec<u8>>,\n"
			  "    b: Arc<Vec<Item>>,\n"
			  "    c: Rc<String>,\n"
			  "    d: Option<Box<HashMap<K, V>>>,\n"
			  "}\n";
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "box_collection"), 2);
	assert_int_equal(et_count_rule(&l, "rc_buffer"), 2);
	et_assert_span(et_nth(&l, "box_collection", 0), 2, 8, 2, 20);
	assert_string_equal(et_nth(&l, "box_collection", 0)->replacement, "Vec<u8>");
	et_assert_span(et_nth(&l, "box_collection", 1), 5, 15, 5, 33);
	assert_string_equal(et_nth(&l, "box_collection", 1)->replacement, "HashMap<K, V>");
	assert_string_equal(et_nth(&l, "rc_buffer", 0)->replacement, "Arc<[Item]>");
	assert_string_equal(et_nth(&l, "rc_buffer", 1)->replacement, "Rc<str>");
	assert_string_equal(et_nth(&l, "rc_buffer", 1)->suggestion_lines, "    c: Rc<str>,");
	finding_list_free(&l);
	assert_one("fn f(v: Box<String>) -> usize { 0 }\n", "box_collection", 1, 9, 20, "String");
	assert_one("trait T { fn f(&self) -> Rc<PathBuf>; }\n", "rc_buffer", 1, 26, 37, "Rc<Path>");
}

static void test_box_collection_negatives(void **state)
{
	(void)state;
	/* exported API, trait impls, let annotations, aliases, Box<[T]>, a crate's own Box */
	assert_none("pub fn f(v: Box<Vec<u8>>) {}\npub struct P { pub a: Box<String> }\n",
		    "box_collection");
	assert_none("impl T for S { fn f(&self, v: Box<String>) {} }\n", "box_collection");
	assert_none("fn f() { let v: Box<Vec<u8>> = Box::new(Vec::new()); }\ntype A = Box<Vec<u8>>;\n",
		    "box_collection");
	assert_none("struct S { a: Box<[u8]>, b: mybox::Box<Vec<u8>>, c: Rc<str> }\n",
		    "box_collection");
	assert_none("struct S { a: Arc<str>, b: Arc<[u8]>, c: Rc<Vec<u8>, A> }\n", "rc_buffer");
	assert_none("// struct S { a: Box<Vec<u8>> }\nconst S: &str = \"Box<Vec<u8>>\";\n",
		    "box_collection");
}

/* --- large_stack_arrays ---------------------------------------------------------- */

static void test_large_stack_arrays(void **state)
{
	struct finding_list l;
	(void)state;
	assert_one("fn f() {\n    let b = [0u8; 600_000];\n}\n", "large_stack_arrays", 2, 13, 27, NULL);
	assert_one("fn f() { let m = [[0u32; 512]; 512]; }\n", "large_stack_arrays", 1, 18, 36, NULL);
	assert_one("fn f() { let m = [0u64; 1 << 17]; }\n", "large_stack_arrays", 1, 18, 33, NULL);
	l = et_review("src/lib.rs", "fn f() { let m = [0u64; 1 << 17]; }\n", NULL, NULL);
	assert_non_null(strstr(et_nth(&l, "large_stack_arrays", 0)->message, "at least 1024 KiB"));
	finding_list_free(&l);
	/* exactly at the threshold, small, heap, static, const, unknown element size */
	assert_none("fn f() { let a = [0u8; 512000]; let b = [0u8; 4096]; let c = vec![0u8; 1 << 30]; }\n",
		    "large_stack_arrays");
	assert_none("static T: [u8; 1 << 20] = [0; 1 << 20];\nconst C: [u8; 1 << 20] = [0; 1 << 20];\n",
		    "large_stack_arrays");
	assert_none("fn f() { let a = [x; 1 << 20]; let b = [0u8; N]; }\n", "large_stack_arrays");
}

/* --- bidi_chars ------------------------------------------------------------------ */

static void test_bidi_chars(void **state)
{
	/* U+202E in a string, U+2066 in a comment, U+200F in a raw string, U+061C in a doc comment. */
	const char *src = "fn f() {\n"
			  "    let s = \"ab\xE2\x80\xAE" "cd\";\n"
			  "    // x \xE2\x81\xA6 y\n"
			  "    let r = r\"\xE2\x80\x8F\";\n"
			  "}\n"
			  "/// doc \xD8\x9C\n"
			  "macro_rules! m { () => { \"\xE2\x80\xAE\" } }\n";
	struct finding_list l = et_review("tests/t.rs", src, NULL, NULL);
	const struct finding *f;
	(void)state;
	assert_int_equal(et_count_rule(&l, "bidi_chars"), 5);
	f = et_nth(&l, "bidi_chars", 0);
	et_assert_span(f, 2, 16, 2, 19);
	assert_int_equal(f->severity, RR_SEV_ERROR);
	assert_string_equal(f->replacement, "\\u{202E}");
	assert_string_equal(f->suggestion_lines, "    let s = \"ab\\u{202E}cd\";");
	assert_non_null(strstr(f->message, "U+202E (RIGHT-TO-LEFT OVERRIDE) in a string literal"));
	f = et_nth(&l, "bidi_chars", 1);
	et_assert_span(f, 3, 10, 3, 13);
	assert_string_equal(f->replacement, "");
	assert_non_null(strstr(f->message, "in a comment"));
	f = et_nth(&l, "bidi_chars", 2);
	et_assert_span(f, 4, 15, 4, 18);
	assert_null(f->replacement);
	assert_non_null(strstr(f->message, "in a raw string literal"));
	et_assert_span(et_nth(&l, "bidi_chars", 3), 6, 9, 6, 11);
	et_assert_span(et_nth(&l, "bidi_chars", 4), 7, 27, 7, 30);
	finding_list_free(&l);
	/* right-to-left text and escapes are fine */
	assert_none("const A: &str = \"\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7\";\n"
		    "const B: &str = \"\\u{202E}\";\n",
		    "bidi_chars");
}

/* --- hardcoded_credentials -------------------------------------------------------- */

static void test_credentials_named(void **state)
{
	struct finding_list l;
	(void)state;
	assert_one("const API_TOKEN: &str = \"9f8e7d6c5b4a3f2e1d0c\";\n", "hardcoded_credentials", 1,
		   25, 47, NULL);
	assert_one("fn f() {\n    let db_password = \"hunter2-Prod!\";\n}\n", "hardcoded_credentials",
		   2, 23, 38, NULL);
	assert_one("fn f() { C { client_secret: \"Ab12Cd34Ef\".to_string() }; }\n",
		   "hardcoded_credentials", 1, 29, 41, NULL);
	assert_one("fn f() { c.set_password(\"Wint3r!2024\"); }\n", "hardcoded_credentials", 1, 25,
		   38, NULL);
	assert_one("fn f() { self.api_key = \"k3y-0123456789\"; }\n", "hardcoded_credentials", 1, 25,
		   41, NULL);
	/* the comment never quotes the secret */
	l = et_review("src/lib.rs", "const API_TOKEN: &str = \"9f8e7d6c5b4a3f2e1d0c\";\n", NULL, NULL);
	assert_null(strstr(et_nth(&l, "hardcoded_credentials", 0)->message, "9f8e7d6c"));
	assert_non_null(strstr(et_nth(&l, "hardcoded_credentials", 0)->message, "`API_TOKEN`"));
	assert_int_equal(et_nth(&l, "hardcoded_credentials", 0)->severity, RR_SEV_ERROR);
	finding_list_free(&l);
}

static void test_credentials_shapes(void **state)
{
	struct finding_list l;
	(void)state;
	assert_one("fn f() { send(\"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"); }\n",
		   "hardcoded_credentials", 1, 15, 57, NULL);
	assert_one("fn f() { let id = \"AKIA2OGYBAH6STMMNXNN\"; }\n", "hardcoded_credentials", 1, 19,
		   41, NULL);
	assert_one("fn f() { println!(\"{}\", \"xoxb-1234567890-abcdef\"); }\n",
		   "hardcoded_credentials", 1, 25, 49, NULL);
	l = et_review("src/lib.rs", "const K: &str = \"-----BEGIN EC PRIVATE KEY-----\\nMHc\";\n", NULL, NULL);
	assert_int_equal(et_count_rule(&l, "hardcoded_credentials"), 1);
	assert_non_null(strstr(et_nth(&l, "hardcoded_credentials", 0)->message, "a private key"));
	finding_list_free(&l);
}

static void test_credentials_negatives(void **state)
{
	(void)state;
	/* placeholders, env var names, URLs, paths, short, one character class, other names */
	assert_none("const TOKEN_URL: &str = \"https://x.io/oauth/token\";\n"
		    "const SECRET_ENV: &str = \"APP_SECRET\";\n"
		    "const PASSWORD_FILE: &str = \"/etc/app/password\";\n",
		    "hardcoded_credentials");
	assert_none("fn f() { let password = \"changeme\"; let token = \"<token>\"; "
		    "let secret = \"your-secret-here\"; let api_key = \"\"; let pwd = \"abc\"; }\n",
		    "hardcoded_credentials");
	assert_none("fn f() { let password = \"correcthorsebattery\"; let user = \"deploy-bot-01\"; }\n",
		    "hardcoded_credentials");
	assert_none("fn f() { let token = std::env::var(\"API_TOKEN\")?; c.username(\"Adm1n-user\"); }\n",
		    "hardcoded_credentials");
	assert_none("const CERT: &str = \"-----BEGIN CERTIFICATE-----\\nMIIB\";\n",
		    "hardcoded_credentials");
	assert_none("// const API_TOKEN: &str = \"9f8e7d6c5b4a3f2e1d0c\";\n"
		    "/// ghp_abcdefghijklmnopqrstuvwxyz0123456789\nfn f() {}\n",
		    "hardcoded_credentials");
	/* test code is exempt */
	et_expect_count("src/lib.rs",
			"#[cfg(test)]\nmod tests {\n    const API_TOKEN: &str = \"9f8e7d6c5b4a3f2e1d0c\";\n}\n",
			NULL, "hardcoded_credentials", 0);
	et_expect_count("tests/api.rs",
			"const GH: &str = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\";\n", NULL,
			"hardcoded_credentials", 0);
}

/* --- catalogue ------------------------------------------------------------------- */

static void test_batch2_catalogue(void **state)
{
	static const char *const ids[] = { "await_holding_refcell_ref", "box_collection",
					   "rc_buffer", "large_stack_arrays", "bidi_chars",
					   "hardcoded_credentials", "format_push_string",
					   "or_fun_call", "needless_collect", "redundant_clone",
					   "useless_format" };
	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct rule_info *r = rules_find(ids[i]);
		if (!r)
			fail_msg("rule %s is not in the table", ids[i]);
		assert_true(strlen(r->summary) > 10);
		assert_true(strlen(r->explanation) > 400);
		assert_non_null(strstr(r->explanation, "Bad:"));
		assert_non_null(strstr(r->explanation, "Good:"));
	}
	assert_int_equal(rules_find("bidi_chars")->severity, RR_SEV_ERROR);
	assert_true(rules_find("hardcoded_credentials")->production_only);
	assert_false(rules_find("bidi_chars")->production_only);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refcell_guard_across_await),
		cmocka_unit_test(test_refcell_negatives),
		cmocka_unit_test(test_blocking_new_kinds),
		cmocka_unit_test(test_blocking_new_negatives),
		cmocka_unit_test(test_redundant_clone_positives),
		cmocka_unit_test(test_redundant_clone_negatives),
		cmocka_unit_test(test_or_fun_call_positives),
		cmocka_unit_test(test_or_fun_call_negatives),
		cmocka_unit_test(test_unwrap_or_default),
		cmocka_unit_test(test_format_push_string),
		cmocka_unit_test(test_useless_format),
		cmocka_unit_test(test_needless_collect),
		cmocka_unit_test(test_box_collection_and_rc_buffer),
		cmocka_unit_test(test_box_collection_negatives),
		cmocka_unit_test(test_large_stack_arrays),
		cmocka_unit_test(test_bidi_chars),
		cmocka_unit_test(test_credentials_named),
		cmocka_unit_test(test_credentials_shapes),
		cmocka_unit_test(test_credentials_negatives),
		cmocka_unit_test(test_batch2_catalogue),
	};
	return cmocka_run_group_tests_name("rules_perf", tests, et_setup, et_teardown);
}
