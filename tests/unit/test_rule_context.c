/* test_rule_context.c — rules that must tell the std item from a local one
 * "where the tree shows it": a file's own Vec / String, an imported one. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../review/engine.h"

static struct review_engine *engine;

static size_t count(const char *path, const char *src, const char *rule)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	size_t n = 0;
	if (review_engine_file(engine, path, src, strlen(src), NULL, &l, &err) != 0)
		fail_msg("review_engine_file: %s", err.msg);
	for (size_t i = 0; i < l.n; i++)
		n += strcmp(l.items[i].rule_id, rule) == 0;
	finding_list_free(&l);
	return n;
}

static void test_ptr_arg_local_types_are_not_std(void **state)
{
	(void)state;
	/* The file's own Vec / String, or one imported from elsewhere, is not std's. */
	assert_int_equal(count("src/lib.rs", "struct Vec<T>(T);\nfn f(v: &Vec<u8>) {}\n", "ptr_arg"), 0);
	assert_int_equal(count("src/lib.rs", "type String = Box<str>;\nfn f(s: &String) {}\n", "ptr_arg"), 0);
	assert_int_equal(count("src/lib.rs", "use heapless::Vec;\nfn f(v: &Vec<u8>) {}\n", "ptr_arg"), 0);
	assert_int_equal(count("src/lib.rs", "use smol::{io, Vec as Vec};\nfn f(v: &Vec<u8>) {}\n",
			       "ptr_arg"), 0);
	assert_int_equal(count("src/lib.rs", "use arrayvec::{ArrayVec as Vec};\nfn f(v: &Vec<u8>) {}\n",
			       "ptr_arg"), 0);
	/* std's own, however it is imported, still fires; so does a qualified std path. */
	assert_int_equal(count("src/lib.rs", "use std::vec::Vec;\nfn f(v: &Vec<u8>) {}\n", "ptr_arg"), 1);
	assert_int_equal(count("src/lib.rs",
			       "use alloc::{string::String, vec::Vec};\nfn f(v: &Vec<u8>, s: &String) {}\n",
			       "ptr_arg"), 2);
	assert_int_equal(count("src/lib.rs", "struct Vec;\nfn f(v: &std::vec::Vec<u8>) {}\n", "ptr_arg"), 1);
	assert_int_equal(count("src/lib.rs", "struct Other;\nfn f(v: &Vec<u8>) {}\n", "ptr_arg"), 1);
}

static void test_unwrap_on_a_local_type_with_its_own_method(void **state)
{
	static const char OPT[] =
		"pub struct Opt(u8);\n"
		"impl Opt {\n"
		"    pub fn new() -> Opt { Opt(1) }\n"
		"    pub fn unwrap(self) -> u8 { self.0 }\n"
		"    pub fn expect(self, _m: &str) -> u8 { self.0 }\n"
		"    pub fn twice(self) -> u8 { self.unwrap() * 2 }\n"
		"}\n";
	char src[2048];
	(void)state;
	/* The tree shows the receiver is Opt, which has its own unwrap/expect. */
	snprintf(src, sizeof(src), "%s%s", OPT,
		 "pub fn a() -> u8 { Opt::new().unwrap() }\n"
		 "pub fn b(o: Opt) -> u8 { o.unwrap() }\n"
		 "pub fn c(o: &Opt) -> u8 { o.clone().expect(\"x\") }\n"
		 "pub fn d() -> u8 { let o = Opt(3); o.unwrap() }\n"
		 "pub fn e() -> u8 { let o: Opt = Opt::new(); o.expect(\"x\") }\n");
	assert_int_equal(count("src/lib.rs", src, "unwrap_used"), 0);
	/* `o.clone()` hides the type: still reported (1); so is a real Option. */
	assert_int_equal(count("src/lib.rs", src, "expect_used"), 1);
	snprintf(src, sizeof(src), "%s%s", OPT,
		 "pub fn f(o: Option<u8>) -> u8 { o.unwrap() }\n"
		 "pub fn g(v: u8) -> u8 { let o = Some(v).filter(|x| *x > 1); o.unwrap() }\n"
		 "pub fn h() -> u8 { Other::new().unwrap() }\n");
	assert_int_equal(count("src/lib.rs", src, "unwrap_used"), 3);
	/* A trait impl's unwrap does not make the type's calls safe to skip. */
	assert_int_equal(count("src/lib.rs",
			       "struct W;\nimpl Tr for W { fn unwrap(self) -> u8 { 0 } }\n"
			       "fn f() -> u8 { W::new().unwrap() }\n", "unwrap_used"), 1);
}

/* A file that defines its own unwrap makes every call worth a look: the look
 * must stay bounded on hostile shapes (deep nesting, one huge function). */
static void test_own_method_lookup_is_bounded(void **state)
{
	static const char HEAD[] = "struct O;\nimpl O { fn unwrap(self) -> u8 { 0 } }\nfn f() { ";
	const size_t calls = 20000, depth = 100000;
	size_t cap = sizeof(HEAD) + calls * 12 + 2 * depth + 64, n;
	char *src = malloc(cap);
	(void)state;
	assert_non_null(src);
	n = (size_t)snprintf(src, cap, "%s", HEAD);
	for (size_t i = 0; i < calls; i++)
		n += (size_t)snprintf(src + n, cap - n, "x.unwrap();");
	n += (size_t)snprintf(src + n, cap - n, " }\n");
	assert_int_equal(count("src/lib.rs", src, "unwrap_used"), calls);
	n = (size_t)snprintf(src, cap, "%s", HEAD);
	memset(src + n, '(', depth);
	n += depth;
	n += (size_t)snprintf(src + n, cap - n, "O.unwrap()");
	memset(src + n, ')', depth);
	n += depth;
	snprintf(src + n, cap - n, " }\n");
	count("src/lib.rs", src, "unwrap_used");      /* finishes; tree-sitter may give up on depth */
	free(src);
}

static int setup(void **state)
{
	struct rr_error err = { 0 };
	(void)state;
	return review_engine_new(&engine, &err);
}

static int teardown(void **state)
{
	(void)state;
	review_engine_free(engine);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_arg_local_types_are_not_std),
		cmocka_unit_test(test_unwrap_on_a_local_type_with_its_own_method),
		cmocka_unit_test(test_own_method_lookup_is_bounded),
	};
	return cmocka_run_group_tests_name("rule_context", tests, setup, teardown);
}
