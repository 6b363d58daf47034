/* test_diagnostics.c — `check`'s text output in rustc's shape: header, arrow,
 * gutter, carets under the span (single and multi-line, tabs, UTF-8), the
 * note / help footers, the closing count, colours only when asked. */
#include "testutil.h"

#include "../../common/rr.h"
#include "../../review/findings.h"

static const char *SRC =
	"fn main() {\n"                          /* 1 */
	"    let v = x.unwrap();\n"              /* 2 */
	"\tif v.len() == 0 {}\n"                 /* 3: a tab */
	"    let s = \"\xc3\xa9t\xc3\xa9\"; y.unwrap();\n"  /* 4: UTF-8 before the span */
	"    let g = foo(\n"                     /* 5 */
	"        1,\n"                           /* 6 */
	"    );\n"                               /* 7 */
	"}\n";

static const char *source_of(void *ctx, const char *path, size_t *len)
{
	int *calls = ctx;
	(*calls)++;
	if (strcmp(path, "src/main.rs") != 0)
		return NULL;
	*len = strlen(SRC);
	return SRC;
}

static struct finding make(const char *path, uint32_t line, uint32_t col, uint32_t end_line,
			   uint32_t end_col, const char *rule, enum rr_severity sev, const char *msg)
{
	struct finding f;
	memset(&f, 0, sizeof(f));
	f.path = strdup(path);
	f.line = line;
	f.column = col;
	f.end_line = end_line;
	f.end_column = end_col;
	f.rule_id = rule;
	f.severity = sev;
	f.message = strdup(msg);
	return f;
}

static void push(struct finding_list *l, struct finding f)
{
	assert_int_equal(finding_list_push(l, &f), RR_OK);
}

static char *render(const struct finding_list *l, bool color, int *calls)
{
	struct findings_diag_options o = { color, source_of, calls };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(findings_write_diagnostics(l, f, &o), RR_OK);
	fclose(f);
	return text;
}

static void test_single_line_span_with_note_and_help(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct finding f = make("src/main.rs", 3, 5, 3, 17, "len_zero", RR_SEV_WARNING,
				"`v.len() == 0` asks for emptiness. Use `is_empty()`.");
	int calls = 0;
	char *out;
	(void)state;
	f.replacement = strdup("v.is_empty()");
	push(&l, f);
	push(&l, make("src/main.rs", 2, 15, 2, 23, "unwrap_used", RR_SEV_ERROR, "Panics."));
	finding_list_sort(&l);
	out = render(&l, false, &calls);
	assert_string_equal(out,
		"error[unwrap_used]: Panics.\n"
		" --> src/main.rs:2:15\n"
		"  |\n"
		"2 |     let v = x.unwrap();\n"
		"  |               ^^^^^^^^\n"
		"  |\n"
		"  = help: for further information run `rustreview explain unwrap_used`\n"
		"\n"
		"warning[len_zero]: `v.len() == 0` asks for emptiness.\n"
		" --> src/main.rs:3:5\n"
		"  |\n"
		"3 |     if v.len() == 0 {}\n"       /* the tab shows as 4 spaces ... */
		"  |        ^^^^^^^^^^^^\n"          /* ... and the carets follow it */
		"  |\n"
		"  = note: Use `is_empty()`.\n"
		"  = help: try `v.is_empty()`\n"
		"  = help: for further information run `rustreview explain len_zero`\n"
		"\n"
		"error: 1 error, 1 warning emitted\n");
	assert_int_equal(calls, 1);     /* one file read once */
	free(out);
	finding_list_free(&l);
}

static void test_utf8_before_the_span_counts_as_one_column_each(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	int calls = 0;
	char *out;
	(void)state;
	/* `.unwrap()` is bytes 23..31: display columns 21..29 (two 2-byte é before it). */
	push(&l, make("src/main.rs", 4, 23, 4, 32, "unwrap_used", RR_SEV_WARNING, "Panics."));
	out = render(&l, false, &calls);
	assert_non_null(strstr(out, "4 |     let s = \"\xc3\xa9t\xc3\xa9\"; y.unwrap();\n"
				    "  |                     ^^^^^^^^^\n"));
	assert_non_null(strstr(out, "warning: 1 warning emitted\n"));
	free(out);
	finding_list_free(&l);
}

static void test_multi_line_span_drawn_like_rustc(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	int calls = 0;
	char *out;
	(void)state;
	/* From `foo(` on line 5 to the `)` on line 7. */
	push(&l, make("src/main.rs", 5, 13, 7, 6, "redundant_clone", RR_SEV_NOTE, "Spans lines."));
	/* From the first text of line 5: rustc's "/" form. */
	push(&l, make("src/main.rs", 5, 5, 6, 11, "panic", RR_SEV_NOTE, "Starts at the text."));
	out = render(&l, false, &calls);
	assert_string_equal(out,
		"note[redundant_clone]: Spans lines.\n"
		" --> src/main.rs:5:13\n"
		"  |\n"
		"5 |       let g = foo(\n"
		"  |  _____________^\n"
		"6 | |         1,\n"
		"7 | |     );\n"
		"  | |_____^\n"
		"  |\n"
		"  = help: for further information run `rustreview explain redundant_clone`\n"
		"\n"
		"note[panic]: Starts at the text.\n"
		" --> src/main.rs:5:5\n"
		"  |\n"
		"5 | /     let g = foo(\n"
		"6 | |         1,\n"
		"  | |__________^\n"
		"  |\n"
		"  = help: for further information run `rustreview explain panic`\n"
		"\n"
		"note: 2 notes emitted\n");
	free(out);
	finding_list_free(&l);
}

static void test_without_source_the_snippet_is_left_out(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct finding f = make("src/gone.rs", 120, 1, 120, 5, "todo", RR_SEV_WARNING, "Unfinished.");
	int calls = 0;
	char *out;
	(void)state;
	f.replacement = strdup("a\nb");
	f.suggestion_lines = strdup("    a\n    b");
	push(&l, f);
	out = render(&l, false, &calls);
	assert_string_equal(out,
		"warning[todo]: Unfinished.\n"
		"   --> src/gone.rs:120:1\n"
		"    |\n"
		"    = help: try this:\n"
		"120 |     a\n"
		"121 |     b\n"
		"    = help: for further information run `rustreview explain todo`\n"
		"\n"
		"warning: 1 warning emitted\n");
	free(out);
	finding_list_free(&l);
}

static void test_colour_only_when_asked_and_nothing_for_no_findings(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	int calls = 0;
	char *out;
	(void)state;
	out = render(&l, true, &calls);
	assert_string_equal(out, "");
	free(out);
	push(&l, make("src/main.rs", 2, 15, 2, 23, "unwrap_used", RR_SEV_WARNING, "Panics."));
	out = render(&l, true, &calls);
	assert_true(strncmp(out, "\033[1;33mwarning[unwrap_used]\033[0m\033[1m: Panics.\033[0m\n", 48) == 0);
	assert_non_null(strstr(out, "\033[1;33m^^^^^^^^\033[0m"));
	assert_non_null(strstr(out, "\033[1;34m2 |\033[0m"));
	free(out);
	out = render(&l, false, &calls);
	assert_null(strchr(out, '\033'));
	free(out);
	finding_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line_span_with_note_and_help),
		cmocka_unit_test(test_utf8_before_the_span_counts_as_one_column_each),
		cmocka_unit_test(test_multi_line_span_drawn_like_rustc),
		cmocka_unit_test(test_without_source_the_snippet_is_left_out),
		cmocka_unit_test(test_colour_only_when_asked_and_nothing_for_no_findings),
	};
	return cmocka_run_group_tests_name("diagnostics", tests, NULL, NULL);
}
