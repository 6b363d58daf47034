/* test_sarif.c — SARIF 2.1.0 output for GitHub code scanning, and review notices. */
#include "testutil.h"

#include <jansson.h>

#include "../../common/rr.h"
#include "../../review/engine.h"

static json_t *sarif_of(const struct finding_list *l)
{
	char *text = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *doc;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(findings_write_sarif(l, f), RR_OK);
	fclose(f);
	doc = json_loadb(text, len, 0, &jerr);
	if (!doc)
		fail_msg("not JSON: %s\n%s", jerr.text, text);
	free(text);
	return doc;
}

/* Two findings from the real engine: unwrap_used (no fix) and len_zero (a fix). */
static struct finding_list sample(void)
{
	struct review_engine *e = NULL;
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	const char *src = "fn a(x: Option<u8>, v: &[u8]) -> bool {\n    x.unwrap();\n    v.len() == 0\n}\n";

	assert_int_equal(review_engine_new(&e, &err), RR_OK);
	assert_int_equal(review_engine_file(e, "src/my lib#1.rs", src, strlen(src), NULL, &l, &err),
			 RR_OK);
	review_engine_free(e);
	for (size_t i = 0; i < l.n;)   /* only the two this test is about */
		if (strcmp(l.items[i].rule_id, "unwrap_used") && strcmp(l.items[i].rule_id, "len_zero"))
			finding_list_remove(&l, i);
		else
			i++;
	assert_int_equal(l.n, 2);
	return l;
}

static void test_sarif_log_and_driver(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	json_t *doc, *driver, *rules, *rule;
	(void)state;
	doc = sarif_of(&l);
	assert_string_equal(json_string_value(json_object_get(doc, "$schema")),
			    "https://json.schemastore.org/sarif-2.1.0.json");
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	assert_int_equal(json_array_size(json_object_get(doc, "runs")), 1);
	driver = json_object_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
						 "tool"), "driver");
	assert_string_equal(json_string_value(json_object_get(driver, "name")), "rustreview");
	assert_non_null(json_string_value(json_object_get(driver, "version")));
	assert_non_null(json_string_value(json_object_get(driver, "informationUri")));
	rules = json_object_get(driver, "rules");
	assert_int_equal(json_array_size(rules), rules_count());
	/* every rule of the catalogue, in catalogue order, with all the fields */
	for (size_t i = 0; i < rules_count(); i++) {
		const struct rule_info *r = rules_get(i);
		rule = json_array_get(rules, i);
		assert_string_equal(json_string_value(json_object_get(rule, "id")), r->id);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule,
			"shortDescription"), "text")), r->summary);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule,
			"fullDescription"), "text")), r->summary);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule, "help"),
			"text")), r->explanation);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule,
			"defaultConfiguration"), "level")), rr_severity_name(r->severity));
	}
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"),
									 0), "results")), 0);
	json_decref(doc);
}

static void test_sarif_results(void **state)
{
	struct finding_list l = sample();
	json_t *doc, *results, *r, *loc, *region, *fix, *repl;
	(void)state;
	l.items[0].severity = RR_SEV_ERROR;     /* as a config override would */
	doc = sarif_of(&l);
	results = json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results");
	assert_int_equal(json_array_size(results), 2);

	r = json_array_get(results, 0);
	assert_string_equal(json_string_value(json_object_get(r, "ruleId")), "unwrap_used");
	assert_int_equal(json_integer_value(json_object_get(r, "ruleIndex")),
			 review_rule_index("unwrap_used"));
	assert_string_equal(json_string_value(json_object_get(r, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "message"), "text")),
			    l.items[0].message);
	loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(loc,
		"artifactLocation"), "uri")), "src/my%20lib%231.rs");
	assert_string_equal(json_string_value(json_object_get(json_object_get(loc,
		"artifactLocation"), "uriBaseId")), "%SRCROOT%");
	region = json_object_get(loc, "region");
	assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 2);
	assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 7);
	assert_int_equal(json_integer_value(json_object_get(region, "endLine")), l.items[0].end_line);
	assert_int_equal(json_integer_value(json_object_get(region, "endColumn")),
			 l.items[0].end_column);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r,
		"partialFingerprints"), "rustreview/v1")), l.items[0].fingerprint);
	assert_null(json_object_get(r, "fixes"));

	r = json_array_get(results, 1);
	assert_string_equal(json_string_value(json_object_get(r, "ruleId")), "len_zero");
	assert_string_equal(json_string_value(json_object_get(r, "level")), "warning");
	fix = json_array_get(json_object_get(r, "fixes"), 0);
	assert_non_null(fix);
	assert_non_null(json_string_value(json_object_get(json_object_get(fix, "description"), "text")));
	repl = json_array_get(json_object_get(json_array_get(json_object_get(fix, "artifactChanges"), 0),
					      "replacements"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(repl,
		"insertedContent"), "text")), "v.is_empty()");
	region = json_object_get(repl, "deletedRegion");
	assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 3);
	assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 5);
	assert_int_equal(json_integer_value(json_object_get(region, "endLine")), 3);
	assert_int_equal(json_integer_value(json_object_get(region, "endColumn")), 17);
	json_decref(doc);
	finding_list_free(&l);
}

static void test_sarif_invalid_utf8_and_unknown_rule(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct finding f;
	json_t *doc, *r;
	(void)state;
	memset(&f, 0, sizeof(f));
	f.path = strdup("src/\xff.rs");
	f.message = strdup("bad \xc3 byte");
	f.rule_id = "not_a_rule";
	f.line = f.column = f.end_line = f.end_column = 1;
	assert_int_equal(finding_list_push(&l, &f), RR_OK);
	doc = sarif_of(&l);
	r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results"), 0);
	assert_null(json_object_get(r, "ruleIndex"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "message"), "text")),
			    "bad \xef\xbf\xbd byte");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(r, "locations"), 0), "physicalLocation"),
		"artifactLocation"), "uri")), "src/%FF.rs");
	json_decref(doc);
	finding_list_free(&l);
}

static void test_notice_append_and_marker(void **state)
{
	struct finding_list l = FINDING_LIST_INIT;
	char m1[FINDING_NOTICE_MARKER_SIZE], m2[FINDING_NOTICE_MARKER_SIZE];
	(void)state;
	assert_int_equal(finding_list_add_notice(&l, NULL), RR_OK);
	assert_null(l.notice);
	assert_int_equal(finding_list_add_notice(&l, "first"), RR_OK);
	assert_int_equal(finding_list_add_notice(&l, "second"), RR_OK);
	assert_string_equal(l.notice, "first\n\nsecond");
	finding_notice_marker(l.notice, m1);
	finding_notice_marker("first\n\nsecond", m2);
	assert_string_equal(m1, m2);
	assert_int_equal(strlen(m1), strlen("<!-- rustreview:notice= -->") + RR_FINGERPRINT_LEN);
	assert_int_equal(strncmp(m1, "<!-- rustreview:notice=", 23), 0);
	finding_notice_marker("first", m2);
	assert_string_not_equal(m1, m2);
	finding_list_free(&l);
	assert_null(l.notice);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sarif_log_and_driver),
		cmocka_unit_test(test_sarif_results),
		cmocka_unit_test(test_sarif_invalid_utf8_and_unknown_rule),
		cmocka_unit_test(test_notice_append_and_marker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
