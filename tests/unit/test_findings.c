/* test_findings.c — finding lists, fingerprints, comment bodies, text and JSON output. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../review/findings.h"

/* A finding with heap strings, as the engine makes them. */
static struct finding make(const char *path, uint32_t line, uint32_t col, const char *rule,
			   const char *message)
{
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.path = strdup(path);
	f.line = f.end_line = line;
	f.column = col;
	f.end_column = col + 8;
	f.rule_id = rule;
	f.severity = RR_SEV_WARNING;
	f.message = strdup(message);
	return f;
}

static void push(struct finding_list *l, struct finding f)
{
	assert_int_equal(finding_list_push(l, &f), 0);
	assert_null(f.path);   /* moved */
}

/* Runs a writer into memory and returns what it wrote. */
static char *capture(int (*write)(const struct finding_list *, FILE *), const struct finding_list *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(write(l, f), 0);
	fclose(f);
	return buf;
}

static void test_fingerprint_stable_when_line_moves(void **state)
{
	const char *before = "fn f() {\n    let x = a.unwrap();\n}\n";
	const char *after = "// new header\n\nfn f() {\n    call();\n\n        let   x = a.unwrap();\n}\n";
	struct finding_list a = FINDING_LIST_INIT, b = FINDING_LIST_INIT;
	(void)state;
	push(&a, make("src/lib.rs", 2, 15, "unwrap_used", "m"));
	push(&b, make("src/lib.rs", 6, 21, "unwrap_used", "m"));
	findings_fingerprint_file(&a, "src/lib.rs", before, strlen(before));
	findings_fingerprint_file(&b, "src/lib.rs", after, strlen(after));
	assert_int_equal(strlen(a.items[0].fingerprint), RR_FINGERPRINT_LEN);
	/* Moved down four lines and re-indented: same fingerprint. */
	assert_string_equal(a.items[0].fingerprint, b.items[0].fingerprint);
	finding_list_free(&a);
	finding_list_free(&b);
}

static void test_fingerprint_differs_for_identical_lines(void **state)
{
	const char *src = "fn f() {\n    a.unwrap();\n    a.unwrap();\n    b.unwrap();\n}\n";
	struct finding_list l = FINDING_LIST_INIT;
	(void)state;
	/* Pushed out of order: occurrence follows position in the file, not list order. */
	push(&l, make("src/lib.rs", 3, 7, "unwrap_used", "m"));
	push(&l, make("src/lib.rs", 2, 7, "unwrap_used", "m"));
	push(&l, make("src/lib.rs", 4, 7, "unwrap_used", "m"));
	push(&l, make("src/lib.rs", 2, 7, "expect_used", "m"));
	push(&l, make("src/other.rs", 2, 7, "unwrap_used", "m"));
	findings_fingerprint_file(&l, "src/lib.rs", src, strlen(src));
	assert_string_not_equal(l.items[0].fingerprint, l.items[1].fingerprint);
	assert_string_not_equal(l.items[1].fingerprint, l.items[2].fingerprint);
	/* Same line, other rule: different. */
	assert_string_not_equal(l.items[1].fingerprint, l.items[3].fingerprint);
	/* Other path: untouched. */
	assert_string_equal(l.items[4].fingerprint, "");

	/* The first of two identical lines keeps the fingerprint it had alone. */
	const char *one = "fn f() {\n    a.unwrap();\n}\n";
	struct finding_list solo = FINDING_LIST_INIT;
	push(&solo, make("src/lib.rs", 2, 7, "unwrap_used", "m"));
	findings_fingerprint_file(&solo, "src/lib.rs", one, strlen(one));
	assert_string_equal(solo.items[0].fingerprint, l.items[1].fingerprint);
	/* The same line in another file fingerprints differently. */
	findings_fingerprint_file(&l, "src/other.rs", one, strlen(one));
	assert_string_not_equal(l.items[4].fingerprint, solo.items[0].fingerprint);
	finding_list_free(&solo);
	finding_list_free(&l);
}

static void test_fingerprint_known_value(void **state)
{
	/* Pins the recipe: sha256("unwrap_used\0src/lib.rs\0a.unwrap();\0" "0")[:8]. */
	const char *src = "  a.unwrap();  \n";
	struct finding_list l = FINDING_LIST_INIT;
	char *expected;
	(void)state;
	push(&l, make("src/lib.rs", 1, 5, "unwrap_used", "m"));
	findings_fingerprint_file(&l, "src/lib.rs", src, strlen(src));
	expected = tu_sh_out("printf 'unwrap_used\\000src/lib.rs\\000a.unwrap();\\0000' | "
			     "openssl dgst -sha256 -r | cut -c1-16");
	assert_non_null(expected);
	assert_string_equal(l.items[0].fingerprint, expected);
	free(expected);
	finding_list_free(&l);
}

static void test_comment_body_exact_and_round_trip(void **state)
{
	struct finding f = make("src/lib.rs", 3, 8, "len_zero", "Use `v.is_empty()`.");
	char fp[RR_FINGERPRINT_LEN + 1];
	char *body;
	(void)state;
	memcpy(f.fingerprint, "0123456789abcdef", 17);
	f.replacement = strdup("v.is_empty()");
	f.suggestion_lines = strdup("    if v.is_empty() {}");
	body = finding_comment_body(&f, "suggestion");
	assert_string_equal(body, "Use `v.is_empty()`.\n\n```suggestion\n    if v.is_empty() {}\n```"
				  "\n\n<!-- rustreview:fingerprint=0123456789abcdef rule=len_zero -->");
	assert_true(finding_fingerprint_from_body(body, fp));
	assert_string_equal(fp, "0123456789abcdef");
	free(body);
	body = finding_comment_body(&f, NULL);
	assert_string_equal(body, "Use `v.is_empty()`.\n\n"
				  "<!-- rustreview:fingerprint=0123456789abcdef rule=len_zero -->");
	free(body);
	finding_free(&f);
}

static void test_comment_body_fence_longer_than_backticks(void **state)
{
	struct finding f = make("src/lib.rs", 1, 1, "ptr_arg", "m");
	char *body;
	(void)state;
	memcpy(f.fingerprint, "00000000000000aa", 17);
	f.replacement = strdup("&str");
	f.suggestion_lines = strdup("/// ```rust\nfn f(s: &str) {}");
	body = finding_comment_body(&f, "suggestion");
	assert_non_null(strstr(body, "\n\n````suggestion\n/// ```rust\nfn f(s: &str) {}\n````\n\n"));
	free(body);
	finding_free(&f);
}

static void test_fingerprint_from_body_rejects_malformed(void **state)
{
	char fp[RR_FINGERPRINT_LEN + 1];
	(void)state;
	assert_false(finding_fingerprint_from_body("no marker here", fp));
	assert_false(finding_fingerprint_from_body("<!-- rustreview:fingerprint=0123 rule=x -->", fp));
	assert_false(finding_fingerprint_from_body(
		"<!-- rustreview:fingerprint=0123456789ABCDEF rule=x -->", fp));
	assert_false(finding_fingerprint_from_body(
		"<!-- rustreview:fingerprint=0123456789abcdefff rule=x -->", fp));
	/* A quoted older marker does not win over the comment's own (last) one. */
	assert_true(finding_fingerprint_from_body(
		"> <!-- rustreview:fingerprint=aaaaaaaaaaaaaaaa rule=x -->\n\n"
		"<!-- rustreview:fingerprint=bbbbbbbbbbbbbbbb rule=x -->", fp));
	assert_string_equal(fp, "bbbbbbbbbbbbbbbb");
}

static void test_text_output_exact(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	char *out;
	(void)state;
	push(&l, make("src/lib.rs", 4, 9, "unwrap_used",
		      "`.unwrap()` panics on `None`. It crashes the task. Use `?`."));
	push(&l, make("src/a b.rs", 10, 1, "todo", "`todo!()` is unfinished! Finish it."));
	push(&l, make("src/x.rs", 1, 2, "panic", "Ends with `x. y` inside code. Second."));
	out = capture(findings_write_text, &l);
	assert_string_equal(out, "src/lib.rs:4:9: warning[unwrap_used]: `.unwrap()` panics on `None`.\n"
				 "src/a b.rs:10:1: warning[todo]: `todo!()` is unfinished!\n"
				 "src/x.rs:1:2: warning[panic]: Ends with `x. y` inside code.\n");
	free(out);
	finding_list_free(&l);
}

static void test_json_output_exact(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct finding f = make("src/lib.rs", 2, 8, "len_zero", "Use \"is_empty\".\n\xff");
	char *out;
	(void)state;
	f.end_column = 20;
	f.replacement = strdup("v.is_empty()");
	f.suggestion_lines = strdup("    if v.is_empty() {}");
	push(&l, f);
	push(&l, make("src/lib.rs", 3, 1, "todo", "t"));
	out = capture(findings_write_json, &l);
	assert_string_equal(out,
			    "{\n"
			    "  \"findings\": [\n"
			    "    {\n"
			    "      \"path\": \"src/lib.rs\",\n"
			    "      \"line\": 2,\n"
			    "      \"column\": 8,\n"
			    "      \"end_line\": 2,\n"
			    "      \"end_column\": 20,\n"
			    "      \"rule\": \"len_zero\",\n"
			    "      \"severity\": \"warning\",\n"
			    "      \"message\": \"Use \\\"is_empty\\\".\\n\xef\xbf\xbd\",\n"
			    "      \"suggestion\": \"v.is_empty()\"\n"
			    "    },\n"
			    "    {\n"
			    "      \"path\": \"src/lib.rs\",\n"
			    "      \"line\": 3,\n"
			    "      \"column\": 1,\n"
			    "      \"end_line\": 3,\n"
			    "      \"end_column\": 9,\n"
			    "      \"rule\": \"todo\",\n"
			    "      \"severity\": \"warning\",\n"
			    "      \"message\": \"t\",\n"
			    "      \"suggestion\": null\n"
			    "    }\n"
			    "  ]\n"
			    "}\n");
	free(out);
	finding_list_free(&l);
	out = capture(findings_write_json, &l);
	assert_string_equal(out, "{\n  \"findings\": []\n}\n");
	free(out);
}

static void test_list_sort_and_remove(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	(void)state;
	push(&l, make("src/b.rs", 1, 1, "todo", "m"));
	push(&l, make("src/a.rs", 9, 1, "todo", "m"));
	push(&l, make("src/a.rs", 2, 5, "unwrap_used", "m"));
	push(&l, make("src/a.rs", 2, 5, "expect_used", "m"));
	push(&l, make("src/a.rs", 2, 1, "panic", "m"));
	finding_list_sort(&l);
	assert_string_equal(l.items[0].rule_id, "panic");
	assert_string_equal(l.items[1].rule_id, "expect_used");
	assert_string_equal(l.items[2].rule_id, "unwrap_used");
	assert_int_equal(l.items[3].line, 9);
	assert_string_equal(l.items[4].path, "src/b.rs");
	finding_list_remove(&l, 1);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.items[1].rule_id, "unwrap_used");
	finding_list_remove(&l, 99);   /* out of range: ignored */
	assert_int_equal(l.n, 4);
	assert_string_equal(rr_severity_name(RR_SEV_NOTE), "note");
	assert_string_equal(rr_severity_name(RR_SEV_ERROR), "error");
	finding_list_free(&l);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_stable_when_line_moves),
		cmocka_unit_test(test_fingerprint_differs_for_identical_lines),
		cmocka_unit_test(test_fingerprint_known_value),
		cmocka_unit_test(test_comment_body_exact_and_round_trip),
		cmocka_unit_test(test_comment_body_fence_longer_than_backticks),
		cmocka_unit_test(test_fingerprint_from_body_rejects_malformed),
		cmocka_unit_test(test_text_output_exact),
		cmocka_unit_test(test_json_output_exact),
		cmocka_unit_test(test_list_sort_and_remove),
	};
	return cmocka_run_group_tests_name("findings", tests, NULL, NULL);
}
