/* test_suppress.c — what silences a finding: #[allow]/#[expect] with clippy
 * lint and group names on items, impls, modules and files, `// rustreview:
 * allow(..)` comments, and the review options (off, severity, exclude). */
#include "engine_testutil.h"

/* "line:col" of every finding of rule, space-separated, e.g. "3:7 9:7". */
static char *where(const char *src, const char *rule, const struct review_options *o)
{
	struct finding_list l = et_review("src/lib.rs", src, NULL, o);
	struct rr_buf b = RR_BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.items[i].rule_id, rule) == 0)
			assert_int_equal(rr_buf_printf(&b, "%s%u:%u", b.len ? " " : "",
						       l.items[i].line, l.items[i].column), 0);
	finding_list_free(&l);
	return rr_buf_detach(&b);
}

static void assert_where(const char *src, const char *rule, const char *want)
{
	char *got = where(src, rule, NULL);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\" in:\n%s", rule, got, want, src);
	free(got);
}

/* --- attributes ------------------------------------------------------------- */

static void test_allow_on_fn_only_covers_that_fn(void **state)
{
	(void)state;
	assert_where("#[allow(clippy::unwrap_used)]\n"
		     "fn a(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"
		     "fn b(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n",
		     "unwrap_used", "6:7");
	/* several lints in one attribute, with a reason */
	assert_where("#[allow(clippy::expect_used, clippy::unwrap_used, reason = \"checked\")]\n"
		     "fn a(x: Option<u8>) -> u8 {\n    x.unwrap() + x.expect(\"y\")\n}\n",
		     "unwrap_used", "");
}

static void test_expect_on_impl_and_allow_on_module(void **state)
{
	(void)state;
	assert_where("struct S;\n#[expect(clippy::unwrap_used)]\nimpl S {\n"
		     "    fn a(&self, x: Option<u8>) -> u8 { x.unwrap() }\n}\n"
		     "impl Drop for S {\n    fn drop(&mut self) { None::<u8>.unwrap(); }\n}\n",
		     "unwrap_used", "7:37");
	assert_where("#[allow(clippy::unwrap_used)]\nmod m {\n"
		     "    fn a(x: Option<u8>) -> u8 { x.unwrap() }\n}\n"
		     "fn b(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "5:31");
}

static void test_inner_attributes(void **state)
{
	(void)state;
	/* a file-wide #![allow] */
	assert_where("#![allow(clippy::unwrap_used)]\n"
		     "fn a(x: Option<u8>) -> u8 { x.unwrap() }\n"
		     "mod m { fn b(x: Option<u8>) -> u8 { x.unwrap() } }\n",
		     "unwrap_used", "");
	/* #![allow] inside a module covers that module only */
	assert_where("mod m {\n    #![allow(clippy::unwrap_used)]\n"
		     "    fn a(x: Option<u8>) -> u8 { x.unwrap() }\n}\n"
		     "fn b(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "5:31");
	/* and inside a function body, that body */
	assert_where("fn a(x: Option<u8>) -> u8 {\n    #![allow(clippy::unwrap_used)]\n    x.unwrap()\n}\n"
		     "fn b(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "5:31");
}

static void test_clippy_groups(void **state)
{
	const char *body = "fn a(x: Option<u8>, v: &[u8]) -> bool {\n    x.unwrap();\n    v.len() == 0\n}\n";
	char *src = NULL;
	(void)state;
	/* restriction holds unwrap_used; all (the default set) holds len_zero but not unwrap_used */
	assert_true(asprintf(&src, "#[allow(clippy::restriction)]\n%s", body) > 0);
	assert_where(src, "unwrap_used", "");
	assert_where(src, "len_zero", "4:5");
	free(src);
	assert_true(asprintf(&src, "#[allow(clippy::all)]\n%s", body) > 0);
	assert_where(src, "unwrap_used", "3:7");
	assert_where(src, "len_zero", "");
	free(src);
	assert_true(asprintf(&src, "#[allow(clippy::style)]\n%s", body) > 0);
	assert_where(src, "len_zero", "");
	free(src);
	assert_true(asprintf(&src, "#[allow(clippy::pedantic)]\n%s", body) > 0);
	assert_where(src, "unwrap_used", "3:7");
	assert_where(src, "len_zero", "4:5");
	free(src);
}

static void test_attributes_that_do_not_allow(void **state)
{
	(void)state;
	/* deny/warn do not silence; an unknown lint or another tool's does not either */
	assert_where("#[deny(clippy::unwrap_used)]\nfn a(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "2:31");
	assert_where("#[allow(clippy::unwrap_or_default)]\nfn a(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "2:31");
	assert_where("#[allow(rustdoc::unwrap_used)]\nfn a(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "2:31");
	/* an attribute in a string is text */
	assert_where("const S: &str = \"#[allow(clippy::unwrap_used)]\";\n"
		     "fn a(x: Option<u8>) -> u8 { x.unwrap() }\n",
		     "unwrap_used", "2:31");
}

/* --- comments ---------------------------------------------------------------- */

static void test_comment_on_line_or_line_above(void **state)
{
	(void)state;
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    x.unwrap() // rustreview: allow(unwrap_used)\n"
		     "}\n",
		     "unwrap_used", "");
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    // rustreview: allow(unwrap_used)\n"
		     "    x.unwrap()\n"
		     "}\n",
		     "unwrap_used", "");
	/* two lines above is too far */
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    // rustreview: allow(unwrap_used)\n\n"
		     "    x.unwrap()\n"
		     "}\n",
		     "unwrap_used", "4:7");
	/* the other rule is not covered */
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    x.unwrap() + x.expect(\"e\") // rustreview: allow(expect_used)\n"
		     "}\n",
		     "unwrap_used", "2:7");
	/* a comment at the end of a line covers that line only, not the next */
	assert_where("fn a(x: Option<u8>) {\n"
		     "    x.unwrap(); // rustreview: allow(unwrap_used)\n"
		     "    x.unwrap();\n"
		     "}\n",
		     "unwrap_used", "3:7");
}

static void test_comment_lists_all_and_forms(void **state)
{
	const char *src = "fn a(x: Option<u8>) -> u8 {\n"
			  "    // rustreview: allow(expect_used, unwrap_used)\n"
			  "    x.unwrap() + x.expect(\"e\")\n"
			  "}\n";
	(void)state;
	assert_where(src, "unwrap_used", "");
	assert_where(src, "expect_used", "");
	assert_where("fn a(x: Option<u8>) -> u8 {\n    x.unwrap() // rustreview: allow(all)\n}\n",
		     "unwrap_used", "");
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    x.unwrap() /* rustreview:allow(clippy::unwrap_used) */\n}\n",
		     "unwrap_used", "");
	/* a comment inside a macro's arguments counts too */
	assert_where("fn a(x: Option<u8>) {\n    println!(\"{}\",\n"
		     "        // rustreview: allow(unwrap_used)\n        x.unwrap());\n}\n",
		     "unwrap_used", "");
}

static void test_comment_lookalikes_do_not_count(void **state)
{
	(void)state;
	/* in a string literal, or a raw string: not a comment */
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    let _s = \"// rustreview: allow(unwrap_used)\"; x.unwrap()\n}\n",
		     "unwrap_used", "2:53");
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    let _s = r#\"// rustreview: allow(unwrap_used)\"#; x.unwrap()\n}\n",
		     "unwrap_used", "2:56");
	/* prose that mentions the phrase, an unclosed list, a misspelled tool */
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    // never write rustreview: allow(unwrap_used) here\n    x.unwrap()\n}\n",
		     "unwrap_used", "3:7");
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    x.unwrap() // rustreview: allow(unwrap_used\n}\n",
		     "unwrap_used", "2:7");
	assert_where("fn a(x: Option<u8>) -> u8 {\n"
		     "    x.unwrap() // rustreveiw: allow(unwrap_used)\n}\n",
		     "unwrap_used", "2:7");
}

static void test_suppressed_duplicate_keeps_other_fingerprint(void **state)
{
	const char *both = "fn a(x: Option<u8>) {\n    x.unwrap();\n    x.unwrap();\n}\n";
	/* the first of two identical lines is suppressed from the line above */
	const char *one = "fn a(x: Option<u8>) {\n    // rustreview: allow(unwrap_used)\n"
			  "    x.unwrap();\n    x.unwrap();\n}\n";
	struct finding_list a = et_review("src/lib.rs", both, NULL, NULL);
	struct finding_list b = et_review("src/lib.rs", one, NULL, NULL);
	(void)state;
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.items[0].line, 4);
	/* the remaining finding keeps the fingerprint it had (not the suppressed one's),
	 * so a comment already posted on it is recognised */
	assert_string_equal(b.items[0].fingerprint, a.items[1].fingerprint);
	finding_list_free(&a);
	finding_list_free(&b);
}

/* --- options ------------------------------------------------------------------- */

static void test_options_off_severity_exclude(void **state)
{
	const char *src = "fn a(x: Option<u8>, v: &[u8]) -> bool {\n    x.unwrap();\n    v.len() == 0\n}\n";
	struct review_options o;
	struct finding_list l;
	char *got;
	(void)state;
	review_options_init(&o);
	o.level[review_rule_index("unwrap_used")] = REVIEW_LEVEL_OFF;
	o.level[review_rule_index("len_zero")] = REVIEW_LEVEL_ERROR;
	got = where(src, "unwrap_used", &o);
	assert_string_equal(got, "");
	free(got);
	l = et_review("src/lib.rs", src, NULL, &o);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].rule_id, "len_zero");
	assert_int_equal(l.items[0].severity, RR_SEV_ERROR);
	finding_list_free(&l);
	/* an excluded path yields nothing at all */
	o.exclude = calloc(1, sizeof(char *));
	assert_non_null(o.exclude);
	o.exclude[0] = strdup("src/**");
	o.n_exclude = 1;
	l = et_review("src/lib.rs", src, NULL, &o);
	assert_int_equal(l.n, 0);
	l = et_review("lib.rs", src, NULL, &o);
	assert_int_equal(l.n, 1);
	finding_list_free(&l);
	review_options_free(&o);
	assert_int_equal(o.n_exclude, 0);
	assert_string_equal(review_level_name(REVIEW_LEVEL_WARNING), "warning");
	assert_int_equal(review_rule_index("no_such_rule"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_on_fn_only_covers_that_fn),
		cmocka_unit_test(test_expect_on_impl_and_allow_on_module),
		cmocka_unit_test(test_inner_attributes),
		cmocka_unit_test(test_clippy_groups),
		cmocka_unit_test(test_attributes_that_do_not_allow),
		cmocka_unit_test(test_comment_on_line_or_line_above),
		cmocka_unit_test(test_comment_lists_all_and_forms),
		cmocka_unit_test(test_comment_lookalikes_do_not_count),
		cmocka_unit_test(test_suppressed_duplicate_keeps_other_fingerprint),
		cmocka_unit_test(test_options_off_severity_exclude),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
