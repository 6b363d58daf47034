/* test_cargo_sections.c — cutting a Cargo.toml down to the sections the review
 * reads (review/cargo_sections.c): what is kept and emptied, line numbers kept,
 * the texts it will not cut, and the same lints read from the cut text as from
 * the whole file (config_cargo_parse) for real Cargo.toml files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testutil.h"
#include "../../review/cargo_sections.h"
#include "../../review/config.h"
#include "../../review/toml.h"

static void test_keeps_what_the_review_reads(void **state)
{
	const char *src = "cargo-features = [\"x\"]\n"              /* 1: root */
			  "[package]\n"                             /* 2 */
			  "name = \"a\"\n"                          /* 3 */
			  "workspace = \"..\"\n"                    /* 4 */
			  "[dependencies]\n"                        /* 5 */
			  "serde = { version = \"1\", features = [\"derive\"] }\n"
			  "[lints.clippy]\n"                        /* 7 */
			  "unwrap_used = \"deny\"\n"                /* 8 */
			  "[[bench]]\n"                             /* 9 */
			  "name = \"b\"\n"                          /* 10 */
			  "[workspace.lints.rust]\n"                /* 11 */
			  "unsafe_code = \"forbid\"\n";             /* 12 */
	const char *want = "cargo-features = [\"x\"]\n"
			   "[package]\n"
			   "name = \"a\"\n"
			   "workspace = \"..\"\n"
			   "\n"
			   "\n"
			   "[lints.clippy]\n"
			   "unwrap_used = \"deny\"\n"
			   "\n"
			   "\n"
			   "[workspace.lints.rust]\n"
			   "unsafe_code = \"forbid\"\n";
	size_t n = 0;
	char *cut = cargo_sections_keep(src, strlen(src), &n);
	(void)state;
	assert_non_null(cut);
	assert_string_equal(cut, want);
	assert_int_equal(n, strlen(want));
	free(cut);
}

/* A `[` at the start of a line inside a multi-line string or array is not a header. */
static void test_strings_and_arrays_across_lines(void **state)
{
	const char *src = "[package]\n"
			  "description = \"\"\"\n"
			  "[dependencies]\n"           /* inside the string: [package] goes on */
			  "\"\"\"\n"
			  "exclude = [\n"
			  "  [\"nested\"],\n"          /* inside the array */
			  "]\n"
			  "[features]\n"
			  "default = ['''a]''']\n"     /* a bracket in a literal string */
			  "x = [ # comment ]\n"
			  "]\n"
			  "[lints.rust]\n"
			  "unsafe_code = \"deny\"\n";
	size_t n = 0;
	char *cut = cargo_sections_keep(src, strlen(src), &n);
	(void)state;
	assert_non_null(cut);
	assert_string_equal(cut, "[package]\n"
				 "description = \"\"\"\n"
				 "[dependencies]\n"
				 "\"\"\"\n"
				 "exclude = [\n"
				 "  [\"nested\"],\n"
				 "]\n"
				 "\n\n\n\n"
				 "[lints.rust]\n"
				 "unsafe_code = \"deny\"\n");
	free(cut);
}

static void test_texts_it_does_not_cut(void **state)
{
	static const char *const texts[] = {
		"[package]\nname = \"a\"\n",                       /* nothing to cut */
		"[dependencies]\nx = [\n",                        /* an array left open */
		"[dependencies]\nx = \"\"\"\nopen\n",             /* a string left open */
		"[dependencies]\nx = ]\n[lints]\n",               /* a closing bracket alone */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = 0;
		char *cut = cargo_sections_keep(texts[i], strlen(texts[i]), &n);
		if (cut)
			fail_msg("cut (%s) what it should leave whole: %s", cut, texts[i]);
	}
}

/* A broken [lints] still fails with the file's line number. */
static void test_errors_keep_their_line(void **state)
{
	const char *src = "[package]\nname = \"a\"\n[dependencies]\nx = \"1\"\ny = \"2\"\n"
			  "[lints.clippy]\nunwrap_used = \n";
	struct cargo_lints l;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_cargo_parse(src, strlen(src), &l, &err), RR_ECONFIG);
	assert_non_null(strstr(err.msg, "line 7"));
}

/* Deep equality of two TOML values (lines aside: they are the file's in both). */
static bool same_value(const struct toml_value *a, const struct toml_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->n != b->n || a->integer != b->integer ||
	    a->boolean != b->boolean || a->line != b->line || a->text_len != b->text_len ||
	    (a->text && memcmp(a->text, b->text, a->text_len) != 0))
		return false;
	for (size_t i = 0; i < a->n; i++)
		if ((a->keys && strcmp(a->keys[i], b->keys[i]) != 0) ||
		    !same_value(a->items[i], b->items[i]))
			return false;
	return true;
}

/* Real-shaped Cargo.toml files: every value the review reads is the same in
 * the cut text as in the whole file, line numbers included. */
static void test_same_values_as_the_whole_file(void **state)
{
	static const char *const files[] = {
		"[package]\nname = \"hyper\"\nversion = \"1.0.0\"\nedition = \"2021\"\n"
		"include = [\n  \"Cargo.toml\",\n  \"src/**/*\",\n]\n\n"
		"[dependencies]\nbytes = \"1.2\"\nhttp = \"1\"\n"
		"tokio = { version = \"1\", features = [\"sync\"] }\n\n"
		"[features]\ndefault = []\nfull = [\n  \"client\",\n  \"server\",\n]\n\n"
		"[lints.rust.unexpected_cfgs]\nlevel = \"warn\"\ncheck-cfg = ['cfg(hyper_unstable_tracing)']\n\n"
		"[lints.clippy]\nunwrap_used = \"deny\"\nall = { level = \"warn\", priority = -1 }\n\n"
		"[[example]]\nname = \"client\"\npath = \"examples/client.rs\"\n",
		"[package]\nname = \"rg\"\nworkspace = \"..\"\nedition.workspace = true\n"
		"[dependencies]\nanyhow = \"1\"\n[lints]\nworkspace = true\n",
		"[workspace]\nmembers = [\"a\", \"b\"]\n[workspace.lints.clippy]\npedantic = \"warn\"\n"
		"[profile.release]\ndebug = 1\n[patch.crates-io]\nx = { path = \"x\" }\n",
	};
	static const char *const read[] = { "workspace", "lints", "package" };
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct toml_value *whole = NULL, *cut_doc = NULL;
		struct rr_error e1 = { 0 }, e2 = { 0 };
		size_t n = 0;
		char *cut = cargo_sections_keep(files[i], strlen(files[i]), &n);
		assert_non_null(cut);              /* each has sections to cut */
		assert_int_equal(toml_parse(files[i], strlen(files[i]), &whole, &e1), RR_OK);
		assert_int_equal(toml_parse(cut, n, &cut_doc, &e2), RR_OK);
		for (size_t k = 0; k < sizeof(read) / sizeof(read[0]); k++)
			if (!same_value(toml_table_get(whole, read[k]), toml_table_get(cut_doc, read[k])))
				fail_msg("file %zu: [%s] differs after the cut", i, read[k]);
		assert_null(toml_table_get(cut_doc, "dependencies"));
		toml_free(whole);
		toml_free(cut_doc);
		free(cut);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_what_the_review_reads),
		cmocka_unit_test(test_strings_and_arrays_across_lines),
		cmocka_unit_test(test_texts_it_does_not_cut),
		cmocka_unit_test(test_errors_keep_their_line),
		cmocka_unit_test(test_same_values_as_the_whole_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
