/* test_ranges.c — ranged parsing (review/ranges.c): the scan's item
 * boundaries through every kind of literal and comment, what a plan includes,
 * when it gives up, the occurrence check, and the differential test: ranged
 * and whole-file reviews of real files (tests/corpus and the hyper and
 * ripgrep corpora in ../shared/corpora) give the same findings for random
 * sets of added lines.
 *
 * Environment: RR_CORPUS_DIR (default tests/corpus), RR_CORPORA (default
 * ../shared/corpora, then ../../shared/corpora), RR_RANGED_SETS (added-line
 * sets per corpora file; default 2, and 0 under valgrind, where the rule
 * corpus alone is compared).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ctype.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ranged_testutil.h"
#include "testutil.h"
#include "../../review/ranges.h"

/* --- helpers ------------------------------------------------------------------ */

static struct line_set lines_of(uint32_t first, uint32_t last)
{
	struct line_set s = LINE_SET_INIT;
	assert_int_equal(line_set_add_range(&s, first, last), 0);
	return s;
}

/*
 * How needle's first occurrence in src lies in the plan's ranges: true when
 * inside one range (whole) or, with whole false, when no byte of it is in any.
 */
static bool placed(const struct ranges_plan *p, const char *src, const char *needle, bool whole)
{
	const char *at = strstr(src, needle);
	uint32_t a, b;

	assert_non_null(at);
	a = (uint32_t)(at - src);
	b = a + (uint32_t)strlen(needle);
	for (size_t i = 0; i < p->n; i++) {
		const TSRange *r = &p->ranges[i];
		if (whole && r->start_byte <= a && b <= r->end_byte)
			return true;
		if (!whole && r->start_byte < b && a < r->end_byte)
			return false;
	}
	return !whole;
}

#define included(p, src, needle) placed(p, src, needle, true)
#define excluded(p, src, needle) placed(p, src, needle, false)

/* Pads src with a large function so a plan of one small item stays partial. */
static char *padded(const char *src)
{
	struct rr_buf b = RR_BUF_INIT;
	assert_int_equal(rr_buf_puts(&b, src), 0);
	assert_int_equal(rr_buf_puts(&b, "\nfn padding() {\n"), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(rr_buf_printf(&b, "    let x%d = %d;\n", i, i), 0);
	assert_int_equal(rr_buf_puts(&b, "}\n"), 0);
	return rr_buf_detach(&b);
}

static int plan_line(struct ranges_plan *p, const char *src, uint32_t first, uint32_t last)
{
	struct line_set s = lines_of(first, last);
	int rc = ranges_plan(p, src, strlen(src), &s);
	line_set_free(&s);
	return rc;
}

/* --- the scan ------------------------------------------------------------------- */

/* Braces inside literals, comments and lifetimes do not end items. */
static void test_literals_and_comments_hide_braces(void **state)
{
	char *src = padded("fn first() {\n"                          /* 1 */
			   "    let s = \"}\\\"}\";\n"                 /* 2 */
			   "    let r = r#\"}\"# ;\n"                  /* 3 */
			   "    let b = br##\"}\"#}\"##;\n"            /* 4 */
			   "    let c = '}'; let e = '\\'';\n"         /* 5 */
			   "    let u = '\\u{7d}'; let y = b'}';\n"    /* 6 */
			   "    /* } /* nested } */ still } */\n"      /* 7 */
			   "    // }\n"                                /* 8 */
			   "    let r#fn = 1;\n"                       /* 9 */
			   "}\n"                                       /* 10 */
			   "fn second<'a>(x: &'a str) -> &'a str {\n"  /* 11 */
			   "    x\n"                                   /* 12 */
			   "}\n");                                     /* 13 */
	struct ranges_plan p;
	(void)state;
	assert_int_equal(plan_line(&p, src, 12, 12), RANGES_PARTIAL);
	assert_true(included(&p, src, "fn second<'a>(x: &'a str) -> &'a str {\n    x\n}"));
	assert_true(excluded(&p, src, "fn first"));
	assert_true(excluded(&p, src, "still } */"));
	assert_true(excluded(&p, src, "fn padding"));
	ranges_plan_free(&p);
	/* and the first function is one item, ending at line 10 */
	assert_int_equal(plan_line(&p, src, 7, 7), RANGES_PARTIAL);
	assert_true(included(&p, src, "let r#fn = 1;\n}"));
	assert_true(excluded(&p, src, "fn second"));
	ranges_plan_free(&p);
	free(src);
}

/* An added line in a method: the mod and impl headers, the mod's `use`s and
 * inner attributes, the file's context; not the sibling method. */
static void test_enclosing_headers_and_context(void **state)
{
	char *src = padded("#![allow(dead_code)]\n"
			   "use std::sync::Mutex;\n"
			   "pub struct Store {\n    items: Vec<u8>,\n}\n"
			   "pub struct Unit;\n"
			   "enum Kind { A, B }\n"
			   "struct Unmentioned { c: u8 }\n"
			   "#[cfg(test)]\n"
			   "mod tests {\n"
			   "    use super::*;\n"
			   "    impl Store {\n"
			   "        fn sibling(&self) -> u8 { sibling_body() }\n"
			   "        /// Docs.\n"
			   "        #[inline]\n"
			   "        async fn touched(&self) {\n"
			   "            self.items.len(); let _k: (Kind, Unit);\n"
			   "        }\n"
			   "    }\n"
			   "}\n");
	struct ranges_plan p;
	(void)state;
	assert_int_equal(plan_line(&p, src, 17, 17), RANGES_PARTIAL);
	assert_true(included(&p, src, "#![allow(dead_code)]"));
	assert_true(included(&p, src, "use std::sync::Mutex;"));
	assert_true(included(&p, src, "pub struct Store {"));
	assert_true(excluded(&p, src, "items: Vec<u8>,"));
	assert_true(included(&p, src, "pub struct Unit;"));
	assert_true(included(&p, src, "enum Kind {"));
	assert_true(excluded(&p, src, "A, B"));
	/* a type the reviewed code never names is left out */
	assert_true(excluded(&p, src, "struct Unmentioned"));
	assert_true(included(&p, src, "#[cfg(test)]\nmod tests {"));
	assert_true(included(&p, src, "use super::*;"));
	assert_true(included(&p, src, "impl Store {"));
	/* the sibling's signature (the impl's methods, as rules read them), not its body */
	assert_true(included(&p, src, "fn sibling(&self) -> u8 {"));
	assert_true(excluded(&p, src, "sibling_body()"));
	assert_true(included(&p, src, "/// Docs.\n        #[inline]\n        async fn touched(&self) {\n"
					 "            self.items.len(); let _k: (Kind, Unit);\n        }"));
	/* the method is faithful, the headers are not */
	{
		const char *m = strstr(src, "/// Docs.");
		const char *end = strstr(m, "        }\n    }") + 9;
		const char *hdr = strstr(src, "impl Store {");
		assert_true(ranges_is_faithful(&p, (uint32_t)(m - src), (uint32_t)(end - src)));
		assert_false(ranges_is_faithful(&p, (uint32_t)(hdr - src), (uint32_t)(hdr - src) + 5));
	}
	ranges_plan_free(&p);
	/* an added line in the impl's header takes the impl whole */
	assert_int_equal(plan_line(&p, src, 12, 12), RANGES_PARTIAL);
	assert_true(included(&p, src, "sibling_body()"));
	ranges_plan_free(&p);
	free(src);
}

/* Items the scan names: each is one item an added line takes whole. */
static void test_item_kinds(void **state)
{
	static const char *const items[] = {
		"pub(crate) const fn c() -> u8 { 1 }",
		"const LIMIT: usize = { 4 * 2 };",
		"static mut COUNT: [u8; 3] = [0; 3];",
		"pub unsafe extern \"C\" fn cb(x: i32) -> i32 { x }",
		"extern \"C\" {\n    fn abs(x: i32) -> i32;\n}",
		"extern crate alloc;",
		"type Pair<T> = (T, T);",
		"union U { a: u32, b: f32 }",
		"struct T(u8, u16);",
		"pub(in crate::a) struct W<T> where T: Clone, { t: T }",
		"fn w<T>(t: T) -> T\nwhere\n    T: Clone,\n{\n    t\n}",
		"macro_rules! m {\n    ($x:expr) => { $x };\n}",
		"lazy_static::lazy_static! {\n    static ref X: u8 = 1;\n}",
		"thread_local!(static Y: u8 = 2);",
		"unsafe impl Send for W<u8> {}",
		"pub auto trait Marker {}",
		"impl<const N: usize> Tr for [u8; N] {\n    fn f(&self) {}\n}",
		"mod outer;",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		char *src = padded(items[i]);
		struct ranges_plan p;
		if (plan_line(&p, src, 1, 1) != RANGES_PARTIAL || !included(&p, src, items[i]))
			fail_msg("item not planned whole: %s", items[i]);
		ranges_plan_free(&p);
		free(src);
	}
}

/* What the scan does not know, it gives up on. */
static void test_unsure(void **state)
{
	static const char *const texts[] = {
		"fn f() {\n",                               /* unbalanced */
		"fn f() { (] }\n",                          /* mismatched */
		"fn f() { let s = \"open; }\n",             /* unterminated string */
		"fn f() { /* open }\n",                     /* unterminated comment */
		"#!/usr/bin/env run-cargo-script\nfn f() {}\n",   /* shebang */
		"impl Foo<{ N }> {\n    fn f() {}\n}\n",    /* const generic block in a header */
		"let x = 1;\n",                             /* not an item */
		"fn f() {}\n}\n",                           /* a stray closing brace */
		"#[attr] #![inner] fn f() {}\n",            /* inner attribute after an outer one */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *src = padded(texts[i]);
		struct ranges_plan p;
		int rc = plan_line(&p, src, 1, 1);
		if (rc != RANGES_UNSURE)
			fail_msg("planned (%d) though the scan cannot know: %s", rc, texts[i]);
		assert_int_equal(p.n, 0);
		ranges_plan_free(&p);
		free(src);
	}
}

/* A plan that would cover most of the file is not worth it. */
static void test_whole_when_most_is_needed(void **state)
{
	const char *src = "fn a() {\n    one();\n    two();\n    three();\n}\nfn b() {}\n";
	struct ranges_plan p;
	(void)state;
	assert_int_equal(plan_line(&p, src, 2, 2), RANGES_WHOLE);
	assert_int_equal(p.n, 0);
	ranges_plan_free(&p);
}

/* Inherent impls defining a fn, as the scan sees them (rule_helpers.c reads
 * the file's own unwrap/expect). */
static void test_inherent_fns(void **state)
{
	static const struct {
		const char *src;
		bool unwrap;
	} cases[] = {
		{ "impl Foo {\n    pub fn unwrap(self) -> u8 { 1 }\n}\n", true },
		{ "impl Tr for Foo {\n    fn unwrap(self) -> u8 { 1 }\n}\n", false },
		{ "impl<F> Foo<F> where F: for<'a> Fn(&'a u8) {\n    fn unwrap(self) {}\n}\n", true },
		{ "mod m {\n    impl X {\n        fn unwrap(&self) {}\n    }\n}\n", true },
		{ "trait T {\n    fn unwrap(self);\n}\n", false },
		{ "fn unwrap() {}\nimpl Foo {\n    fn unwrap_or(self) {}\n}\n", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *src = padded(cases[i].src);
		struct ranges_plan p;
		assert_int_equal(plan_line(&p, src, 1, 1), RANGES_PARTIAL);
		if (ranges_defines_inherent_fn(&p, "unwrap") != cases[i].unwrap)
			fail_msg("inherent unwrap %s in: %s", cases[i].unwrap ? "missed" : "invented",
				 cases[i].src);
		assert_false(ranges_defines_inherent_fn(&p, "expect"));
		ranges_plan_free(&p);
		free(src);
	}
}

/* The module-level declarations the parsed code names come as signatures:
 * a callee fn, a method of an impl whose header the code never names. */
static void test_named_signatures(void **state)
{
	char *src = padded("const fn limit() -> u8 {\n    LIMIT_BODY\n}\n"       /* 1-3 */
			   "impl Other {\n"                                       /* 4 */
			   "    fn helper(&self, v: &[u8]) -> usize {\n"         /* 5 */
			   "        HELPER_BODY\n"                               /* 6 */
			   "    }\n"                                             /* 7 */
			   "    fn unnamed(&self) {}\n"                          /* 8 */
			   "}\n"                                                 /* 9 */
			   "fn touched(o: &Other) -> u8 {\n"                     /* 10 */
			   "    o.helper(&[]); limit()\n"                        /* 11 */
			   "}\n"                                                 /* 12 */
			   "fn nested_holder() {\n    fn inner() {}\n}\n");    /* 13-15 */
	struct ranges_plan p;
	(void)state;
	assert_int_equal(plan_line(&p, src, 11, 11), RANGES_PARTIAL);
	assert_true(included(&p, src, "const fn limit() -> u8 {"));
	assert_true(excluded(&p, src, "LIMIT_BODY"));
	assert_true(included(&p, src, "impl Other {"));
	assert_true(included(&p, src, "fn helper(&self, v: &[u8]) -> usize {"));
	assert_true(excluded(&p, src, "HELPER_BODY"));
	/* `Other` is named by the parameter: its impl comes with every signature */
	assert_true(included(&p, src, "fn unnamed(&self) {}"));
	assert_true(excluded(&p, src, "fn inner"));
	/* a fn declared inside an unparsed body: the scan cannot list it */
	assert_true(ranges_fn_in_unparsed_body(&p));
	ranges_plan_free(&p);
	free(src);
}

/*
 * `.name()` without arguments names no declaration (ranges.c,
 * argless_method_call): the impls and traits that define such methods stay
 * out of the plan, while a method given an argument (ptr_arg reads the
 * callee's signature) and a plain call after `..` (a const fn) still bring
 * their signatures. The engine's findings are the whole parse's either way.
 */
static void test_argless_method_calls(void **state)
{
	char *src = padded("trait Store {\n"                                   /* 1 */
			   "    fn len(&self) -> usize;\n"                         /* 2 */
			   "    fn take(&self, v: &[u32]) -> usize;\n"             /* 3 */
			   "}\n"                                                   /* 4 */
			   "impl Store for Mem {\n"                                /* 5 */
			   "    fn len(&self) -> usize { LEN_BODY }\n"             /* 6 */
			   "    fn take(&self, v: &[u32]) -> usize { v.len() }\n"  /* 7 */
			   "}\n"                                                   /* 8 */
			   "const fn limit() -> usize { 4 }\n"                     /* 9 */
			   "fn touched(m: &dyn Stor_, seen: &Vec<u32>) -> usize {\n" /* 10 */
			   "    if seen.len() == 0 { return m.take(seen); }\n"     /* 11 */
			   "    seen.iter().count() + (0..limit()).len()\n"        /* 12 */
			   "}\n"                                                   /* 13 */
			   "fn untouched(seen: &Vec<u32>) -> bool {\n"            /* 14 */
			   "    seen.len() == 0\n"                                 /* 15 */
			   "}\n");                                                 /* 16 */
	struct review_engine *r = NULL, *w = NULL;
	struct rr_error err = { 0 };
	struct line_set s;
	struct ranges_plan p;
	char why[512];
	(void)state;
	/* line 15 calls only `.len()`: no impl or trait of the file comes along */
	assert_int_equal(plan_line(&p, src, 15, 15), RANGES_PARTIAL);
	assert_true(excluded(&p, src, "trait Store {"));
	assert_true(excluded(&p, src, "impl Store for Mem {"));
	assert_true(excluded(&p, src, "fn len(&self) -> usize;"));
	ranges_plan_free(&p);
	/* lines 11-12: `take` has an argument, `limit()` follows `..` */
	assert_int_equal(plan_line(&p, src, 11, 12), RANGES_PARTIAL);
	assert_true(included(&p, src, "fn take(&self, v: &[u32]) -> usize;"));
	assert_true(included(&p, src, "fn take(&self, v: &[u32]) -> usize {"));
	assert_true(included(&p, src, "const fn limit() -> usize {"));
	assert_true(excluded(&p, src, "fn len(&self) -> usize;"));
	assert_true(excluded(&p, src, "LEN_BODY"));
	ranges_plan_free(&p);
	/* and the findings are the whole parse's, line by line */
	assert_int_equal(review_engine_new(&r, &err), 0);
	assert_int_equal(review_engine_new(&w, &err), 0);
	review_engine_set_ranged(w, false);
	for (uint32_t line = 1; line <= 16; line++) {
		s = lines_of(line, line);
		assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why,
				       sizeof(why)));
		line_set_free(&s);
	}
	/* the trait named too (`&dyn Store`): its shell and the called method's signature */
	memcpy(strstr(src, "Stor_"), "Store", 5);
	assert_int_equal(plan_line(&p, src, 11, 12), RANGES_PARTIAL);
	assert_true(included(&p, src, "fn take(&self, v: &[u32]) -> usize;"));
	ranges_plan_free(&p);
	for (uint32_t line = 1; line <= 16; line++) {
		s = lines_of(line, line);
		assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why,
				       sizeof(why)));
		line_set_free(&s);
	}
	review_engine_free(r);
	review_engine_free(w);
	free(src);
}

/*
 * A referenced `Vec` in the context only (a named fn's `-> &mut Vec<u8>`)
 * does not force a whole parse, though an unparsed body declares a fn:
 * ptr_arg looks up callees from a parameter's use in a body, and only the
 * items parsed whole have bodies. In the touched item it still does.
 */
static void test_reference_in_context_only(void **state)
{
	char *src = padded("fn buf(b: &mut Holder) -> &mut Vec<u8> {\n"     /* 1 */
			   "    fn nested(v: &[u8]) -> usize { v.len() }\n"    /* 2 */
			   "    &mut b.v\n"                                    /* 3 */
			   "}\n"                                              /* 4 */
			   "fn touched(h: &mut Holder) {\n"                   /* 5 */
			   "    buf(h).push(1);\n"                             /* 6 */
			   "}\n"                                              /* 7 */
			   "fn passes(v: &Vec<u8>) -> usize {\n"               /* 8 */
			   "    nested(v)\n"                                   /* 9 */
			   "}\n");                                            /* 10 */
	struct review_engine *r = NULL, *w = NULL;
	struct review_engine_stats st;
	struct rr_error err = { 0 };
	struct line_set s;
	char why[512];
	(void)state;
	assert_int_equal(review_engine_new(&r, &err), 0);
	assert_int_equal(review_engine_new(&w, &err), 0);
	review_engine_set_ranged(w, false);
	s = lines_of(6, 6);
	assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why, sizeof(why)));
	line_set_free(&s);
	review_engine_stats(r, &st);
	assert_int_equal(st.ranged, 1);
	assert_int_equal(st.whole, 0);
	/* `&Vec<u8>` in the touched fn, `fn nested` in an unparsed body: whole */
	s = lines_of(9, 9);
	assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why, sizeof(why)));
	line_set_free(&s);
	review_engine_stats(r, &st);
	assert_int_equal(st.ranged, 1);
	assert_int_equal(st.whole, 1);
	review_engine_free(r);
	review_engine_free(w);
	free(src);
}

/* What a module step parses of a crate root: inner attributes, `use`s and
 * `mod` declarations with their attributes, inline modules' headers. */
static void test_module_plan(void **state)
{
	char *src = padded("#![deny(clippy::unwrap_used)]\n"
			   "use std::fmt;\n"
			   "pub use self::imp::{Graph, walk};\n"
			   "#[doc(hidden)]\n"
			   "#[allow(clippy::expect_used)]\n"
			   "mod imp;\n"
			   "pub mod inline {\n"
			   "    #![warn(clippy::todo)]\n"
			   "    fn skipped_in_inline() { BODY_A }\n"
			   "    pub mod deeper;\n"
			   "}\n"
			   "impl Thing {\n"
			   "    fn method() { BODY_B }\n"
			   "}\n"
			   "struct Unread { field: u8 }\n");
	struct ranges_plan p;
	(void)state;
	assert_int_equal(ranges_plan_modules(&p, src, strlen(src)), RANGES_PARTIAL);
	assert_true(included(&p, src, "#![deny(clippy::unwrap_used)]"));
	assert_true(included(&p, src, "pub use self::imp::{Graph, walk};"));
	assert_true(included(&p, src, "#[doc(hidden)]\n#[allow(clippy::expect_used)]\nmod imp;"));
	assert_true(included(&p, src, "pub mod inline {"));
	assert_true(included(&p, src, "#![warn(clippy::todo)]"));
	assert_true(included(&p, src, "pub mod deeper;"));
	assert_true(excluded(&p, src, "fn skipped_in_inline"));
	assert_true(excluded(&p, src, "impl Thing"));
	assert_true(excluded(&p, src, "BODY_B"));
	assert_true(excluded(&p, src, "struct Unread"));
	assert_true(excluded(&p, src, "fn padding"));
	ranges_plan_free(&p);
	free(src);
}

/* An added line whose text appears earlier outside the parsed items. */
static void test_text_seen_before(void **state)
{
	char *src = padded("fn a() {\n"                 /* 1 */
			   "    x.unwrap();\n"          /* 2 */
			   "}\n"                        /* 3 */
			   "fn b() {\n"                 /* 4 */
			   "    x.unwrap();\n"          /* 5 */
			   "      x  .unwrap();\n"      /* 6: same text, other spacing */
			   "    y.unwrap();\n"          /* 7 */
			   "}\n");
	struct ranges_plan p;
	(void)state;
	assert_int_equal(plan_line(&p, src, 5, 7), RANGES_PARTIAL);
	assert_true(ranges_text_seen_before(&p, 5));     /* line 2, not parsed */
	assert_true(ranges_text_seen_before(&p, 6));
	assert_false(ranges_text_seen_before(&p, 7));
	ranges_plan_free(&p);
	/* both parsed: the parse itself numbers them */
	assert_int_equal(plan_line(&p, src, 2, 5), RANGES_PARTIAL);
	assert_false(ranges_text_seen_before(&p, 5));
	ranges_plan_free(&p);
	free(src);
}

/* The engine: a one-line change in a big file is parsed in ranges, gives the
 * whole-file findings, and falls back where it must. */
static void test_engine_parses_in_ranges(void **state)
{
	struct review_engine *r = NULL, *w = NULL;
	struct rr_error err = { 0 };
	struct review_engine_stats st;
	struct finding_list l = FINDING_LIST_INIT;
	char why[512];
	char *src = padded("fn a() {\n    x.unwrap();\n}\n"
			   "fn b() {\n    y.expect(\"b\");\n    x.unwrap();\n}\n");
	struct line_set s = lines_of(5, 6);
	(void)state;
	assert_int_equal(review_engine_new(&r, &err), 0);
	assert_int_equal(review_engine_new(&w, &err), 0);
	review_engine_set_ranged(w, false);
	assert_int_equal(review_engine_file_opts(r, "src/lib.rs", src, strlen(src), &s, NULL, &l,
						 &err), 0);
	/* line 6 repeats line 2, which a ranged parse does not see: the occurrence
	 * index decides the fingerprint, so the engine parsed the file again */
	review_engine_stats(r, &st);
	assert_int_equal(st.ranged, 1);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.whole, 1);
	assert_int_equal(l.n, 2);
	finding_list_free(&l);
	assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why, sizeof(why)));
	line_set_free(&s);
	/* (that comparison retried too) line 5 alone: ranged, no retry */
	s = lines_of(5, 5);
	assert_null(rt_compare(r, w, "src/lib.rs", src, strlen(src), &s, NULL, why, sizeof(why)));
	review_engine_stats(r, &st);
	assert_int_equal(st.ranged, 3);
	assert_int_equal(st.retried, 2);
	assert_int_equal(st.whole, 2);
	line_set_free(&s);
	free(src);
	review_engine_free(r);
	review_engine_free(w);
}

/* --- the differential test over real files ----------------------------------------- */

struct rs_files {
	char **v;
	size_t n, cap;
};

static struct rs_files *walk_out;

static int collect_rs(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);
	(void)st;
	(void)ftw;
	if (type == FTW_F && n > 3 && strcmp(path + n - 3, ".rs") == 0 && !strstr(path, "/.git/")) {
		if (walk_out->n == walk_out->cap) {
			char **v = rr_array_grow(walk_out->v, &walk_out->cap, sizeof(*v), 64);
			if (!v)
				return 1;
			walk_out->v = v;
		}
		walk_out->v[walk_out->n++] = rr_strdup(path);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rs_files_under(const char *dir, struct rs_files *out)
{
	walk_out = out;
	nftw(dir, collect_rs, 16, FTW_PHYS);
	qsort(out->v, out->n, sizeof(out->v[0]), cmp_str);
}

static void rs_files_free(struct rs_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct rr_buf b = RR_BUF_INIT;
	char chunk[65536];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(rr_buf_append(&b, chunk, n), 0);
	fclose(f);
	*len = b.len;
	return b.data ? rr_buf_detach(&b) : rr_strdup("");
}

struct diff_run {
	struct review_engine *ranged, *whole;
	struct review_options all;
	size_t compared, failures;
};

/* One module step, segs of the file's own `mod` names, into a description. */
static void module_step_text(struct review_engine *e, const char *src, size_t len,
			     const char *const *segs, size_t n, char *out, size_t cap)
{
	struct review_module_info info;
	struct rr_error err = { 0 };
	size_t consumed = 0, o;
	bool file_module = false;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = review_engine_module_step(e, src, len, segs, n, &info, &consumed, &file_module, &err);
	o = (size_t)snprintf(out, cap, "rc %d consumed %zu file %d lints %llx/%llx/%llx/%llx "
			     "hidden %d private %d all %d:", rc, consumed, file_module,
			     (unsigned long long)info.lints.set, (unsigned long long)info.lints.on,
			     (unsigned long long)info.lints.deny,
			     (unsigned long long)info.lints.forbid, info.doc_hidden,
			     info.private_module, info.exported_all);
	for (size_t i = 0; i < info.n_exported; i++) {
		if (o < cap)
			o += (size_t)snprintf(out + o, cap - o, " %s", info.exported[i]);
		free(info.exported[i]);
	}
	free(info.exported);
}

/*
 * Module steps over src (ranges_plan_modules against the whole parse): for
 * each `mod name` in the file, the step to it alone and on to the next one.
 */
static void compare_module_steps(struct diff_run *d, const char *path, const char *src,
				 size_t len)
{
	char names[16][64];
	size_t n = 0;

	for (const char *p = src; n < 16 && (p = strstr(p, "mod ")); p += 4) {
		size_t k = 0;
		if (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (k < 63 && (isalnum((unsigned char)p[4 + k]) || p[4 + k] == '_'))
			k++;
		if (k == 0 || k == 63)
			continue;
		memcpy(names[n], p + 4, k);
		names[n++][k] = '\0';
	}
	for (size_t i = 0; i < n; i++) {
		const char *segs[2] = { names[i], i + 1 < n ? names[i + 1] : "none" };
		for (size_t depth = 1; depth <= 2; depth++) {
			char a[1024], b[1024];
			module_step_text(d->ranged, src, len, segs, depth, a, sizeof(a));
			module_step_text(d->whole, src, len, segs, depth, b, sizeof(b));
			d->compared++;
			if (strcmp(a, b) != 0) {
				d->failures++;
				fprintf(stderr, "module step ranged != whole: %s, mod %s%s%s:\n  %s\n  %s\n",
					path, segs[0], depth > 1 ? " then " : "",
					depth > 1 ? segs[1] : "", a, b);
			}
		}
	}
}

/* `sets` random added-line sets on each file, with the default rules and all rules. */
static void compare_files(struct diff_run *d, const struct rs_files *files, const char *root,
			  unsigned sets)
{
	for (size_t i = 0; i < files->n; i++) {
		size_t len;
		char *src = read_all(files->v[i], &len);
		const char *rel = files->v[i] + strlen(root) + 1;
		uint64_t seed = 0x9E3779B97F4A7C15ull ^ (uint64_t)(i + 1) * 0x100000001b3ull;
		uint32_t lines = rt_lines(src, len);
		compare_module_steps(d, rel, src, len);
		for (unsigned k = 0; k < sets; k++) {
			struct line_set s = LINE_SET_INIT;
			char why[600];
			const char *diff;
			assert_int_equal(rt_random_added(&s, lines, &seed), 0);
			diff = rt_compare(d->ranged, d->whole, rel, src, len, &s,
					  (k & 1) ? &d->all : NULL, why, sizeof(why));
			d->compared++;
			if (diff) {
				d->failures++;
				fprintf(stderr, "ranged != whole: %s, added lines", files->v[i]);
				for (size_t q = 0; q < s.n; q++)
					fprintf(stderr, " %u-%u", s.ranges[q].start, s.ranges[q].end);
				fprintf(stderr, " (%s rules): %s\n", (k & 1) ? "all" : "default", diff);
			}
			line_set_free(&s);
		}
		free(src);
	}
}

/* Every line of each file alone as the added line, with all rules on. */
static void compare_each_line(struct diff_run *d, const struct rs_files *files)
{
	for (size_t i = 0; i < files->n; i++) {
		size_t len;
		char *src = read_all(files->v[i], &len);
		uint32_t lines = rt_lines(src, len);
		for (uint32_t line = 1; line <= lines; line++) {
			struct line_set s = lines_of(line, line);
			char why[600];
			const char *diff = rt_compare(d->ranged, d->whole, "src/lib.rs", src, len, &s,
						      &d->all, why, sizeof(why));
			d->compared++;
			if (diff) {
				d->failures++;
				fprintf(stderr, "ranged != whole: %s, added line %u: %s\n", files->v[i],
					line, diff);
			}
			line_set_free(&s);
		}
		free(src);
	}
}

static bool under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");
	return pre && strstr(pre, "vgpreload");
}

/* ../shared/corpora (the repository's sibling), or from a worktree two deep. */
static const char *corpora_dir(void)
{
	static const char *const candidates[] = { "../shared/corpora", "../../shared/corpora" };
	const char *env = getenv("RR_CORPORA");
	if (env && *env)
		return access(env, R_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Clones bundle into dir/name with git; false (and why) when it cannot. */
static bool clone_bundle(const char *corpora, const char *name, const char *dir, char *out,
			 size_t cap)
{
	char cmd[2048];
	snprintf(out, cap, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "git clone -q '%s/%s.bundle' '%s' >/dev/null 2>&1", corpora,
		 name, out);
	return system(cmd) == 0;
}

static void test_ranged_equals_whole_on_real_files(void **state)
{
	struct diff_run d;
	struct rr_error err = { 0 };
	struct rs_files corpus = { NULL, 0, 0 };
	struct review_engine_stats st;
	const char *corpus_dir = getenv("RR_CORPUS_DIR") ? getenv("RR_CORPUS_DIR") : "tests/corpus";
	const char *corpora = corpora_dir(), *sets_env = getenv("RR_RANGED_SETS");
	unsigned sets = sets_env ? (unsigned)strtoul(sets_env, NULL, 10) : under_valgrind() ? 0 : 2;
	(void)state;

	memset(&d, 0, sizeof(d));
	assert_int_equal(review_engine_new(&d.ranged, &err), 0);
	assert_int_equal(review_engine_new(&d.whole, &err), 0);
	review_engine_set_ranged(d.whole, false);
	rt_all_rules(&d.all);

	rs_files_under(corpus_dir, &corpus);
	assert_true(corpus.n > 10);
	compare_files(&d, &corpus, corpus_dir, 24);
	if (!under_valgrind())
		compare_each_line(&d, &corpus);
	rs_files_free(&corpus);

	if (sets == 0) {
		fprintf(stderr, "test_ranges: the corpora skipped (RR_RANGED_SETS=0 or valgrind)\n");
	} else if (!corpora) {
		fprintf(stderr, "test_ranges: no ../shared/corpora here (set RR_CORPORA): "
				"only tests/corpus compared\n");
	} else {
		char tmpl[] = "/tmp/rr-ranges-XXXXXX", repo[512], cmd[600];
		const char *names[] = { "hyper", "ripgrep" };
		assert_non_null(mkdtemp(tmpl));
		for (size_t i = 0; i < 2; i++) {
			struct rs_files files = { NULL, 0, 0 };
			if (!clone_bundle(corpora, names[i], tmpl, repo, sizeof(repo))) {
				fprintf(stderr, "test_ranges: cannot clone %s/%s.bundle: skipped\n",
					corpora, names[i]);
				continue;
			}
			rs_files_under(repo, &files);
			assert_true(files.n > 20);
			compare_files(&d, &files, repo, sets);
			rs_files_free(&files);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		assert_int_equal(system(cmd), 0);
	}
	review_engine_stats(d.ranged, &st);
	fprintf(stderr, "test_ranges: %zu reviews compared; ranged engine parsed %lu files in "
			"ranges, %lu whole (%lu ranged plans given up after parsing)\n",
		d.compared, st.ranged, st.whole, st.retried);
	assert_int_equal(d.failures, 0);
	/* not vacuous: most reviews took the ranged path */
	assert_true(st.ranged * 2 > st.whole);
	review_options_free(&d.all);
	review_engine_free(d.ranged);
	review_engine_free(d.whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals_and_comments_hide_braces),
		cmocka_unit_test(test_enclosing_headers_and_context),
		cmocka_unit_test(test_item_kinds),
		cmocka_unit_test(test_unsure),
		cmocka_unit_test(test_whole_when_most_is_needed),
		cmocka_unit_test(test_text_seen_before),
		cmocka_unit_test(test_inherent_fns),
		cmocka_unit_test(test_named_signatures),
		cmocka_unit_test(test_argless_method_calls),
		cmocka_unit_test(test_reference_in_context_only),
		cmocka_unit_test(test_module_plan),
		cmocka_unit_test(test_engine_parses_in_ranges),
		cmocka_unit_test(test_ranged_equals_whole_on_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
