/* test_jsonscan.c — the validating JSON scanner: RFC 8259 acceptance, path extraction, escapes. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../handlers/jsonscan.h"

static int scan_all(const char *doc, struct rr_error *err)
{
	return jsonscan_scan(doc, strlen(doc), NULL, 0, 64, err);
}

static void expect_valid(const char *doc)
{
	struct rr_error err = { 0 };
	int rc = scan_all(doc, &err);
	if (rc != RR_OK)
		fail_msg("rejected %s: %s", doc, err.msg);
}

static void expect_invalid(const char *doc, size_t len, const char *msg)
{
	struct rr_error err = { 0 };
	int rc = jsonscan_scan(doc, len, NULL, 0, 64, &err);
	if (rc != RR_EINVAL)
		fail_msg("accepted (rc %d) %.*s", rc, (int)len, doc);
	if (msg)
		assert_string_equal(err.msg, msg);
}
#define INVALID(lit, msg) expect_invalid(lit, sizeof(lit) - 1, msg)

static void test_rfc8259_valid_documents(void **state)
{
	static const char *const ok[] = {
		"{}", "[]", " \t\r\n{ } \n", "0", "-0", "1", "-1.5e+10", "0.0", "1E-2", "2e3",
		"\"\"", "true", "false", "null", "[1,2,3]", "{\"a\":{\"b\":[{}]}}",
		"123456789012345678901234567890",           /* any size is JSON (RFC 8259 §6) */
		"1e99999", "[-0.0e-0]",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
		"\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"",
		"\"\\u0000\"",                              /* U+0000 escaped is fine */
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
		"{\"a\":1,\"a\":2}",                       /* duplicates are legal JSON */
		"[\"\x7f\"]",                               /* DEL needs no escape */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		expect_valid(ok[i]);
}

static void test_structural_errors(void **state)
{
	(void)state;
	INVALID("", "not valid JSON: unexpected end of input, expected a value (line 1, column 1)");
	INVALID("   ", "not valid JSON: unexpected end of input, expected a value (line 1, column 4)");
	INVALID("[1,]", "not valid JSON: expected a value (line 1, column 4)");
	INVALID("{\"a\":1,}", "not valid JSON: expected a string key (line 1, column 8)");
	INVALID("[1 2]", "not valid JSON: expected ',' or ']' (line 1, column 4)");
	INVALID("{\"a\" 1}", "not valid JSON: expected ':' after an object key (line 1, column 6)");
	INVALID("{\"a\":1", "not valid JSON: expected ',' or '}' (line 1, column 7)");
	INVALID("{1:2}", "not valid JSON: expected a string key (line 1, column 2)");
	INVALID("{'a':1}", "not valid JSON: expected a string key (line 1, column 2)");
	INVALID("[1]]", "not valid JSON: data after the top-level value (line 1, column 4)");
	INVALID("{}\n{}", "not valid JSON: data after the top-level value (line 2, column 1)");
	INVALID("[1}", "not valid JSON: expected ',' or ']' (line 1, column 3)");
	INVALID("[,1]", NULL);
	INVALID("{\"a\":1,,\"b\":2}", NULL);
	INVALID("[tru]", "not valid JSON: invalid literal (true, false and null are the only ones) "
		"(line 1, column 2)");
	INVALID("[True]", NULL);
	INVALID("[nul", NULL);
	INVALID("[NaN]", NULL);
	INVALID("[Infinity]", NULL);
	INVALID("\xef\xbb\xbf{}", NULL);            /* RFC 8259 §8.1: no BOM */
	INVALID("[1]\0", NULL);                     /* a NUL byte after the value */
	INVALID("{\"a\":1}\x0b", NULL);             /* vertical tab is not JSON whitespace */
	INVALID("[/* c */1]", NULL);
}

static void test_number_errors(void **state)
{
	(void)state;
	INVALID("[01]", "not valid JSON: number with a leading zero (line 1, column 2)");
	INVALID("[-01]", "not valid JSON: number with a leading zero (line 1, column 2)");
	INVALID("[1.]", "not valid JSON: number without digits after '.' (line 1, column 2)");
	INVALID("[.5]", "not valid JSON: expected a value (line 1, column 2)");
	INVALID("[1e]", "not valid JSON: number without digits in its exponent (line 1, column 2)");
	INVALID("[1e+]", NULL);
	INVALID("[+1]", NULL);
	INVALID("[-]", "not valid JSON: invalid number (line 1, column 2)");
	INVALID("[0x10]", NULL);
	INVALID("[1.5.3]", NULL);
	INVALID("-", NULL);
}

static void test_string_errors(void **state)
{
	(void)state;
	INVALID("[\"abc", "not valid JSON: string not terminated (line 1, column 2)");
	INVALID("[\"a\tb\"]", "not valid JSON: control character in string (escape it) (line 1, column 4)");
	INVALID("[\"a\nb\"]", NULL);
	INVALID("[\"a\0b\"]", "not valid JSON: control character in string (escape it) (line 1, column 4)");
	INVALID("[\"\\x41\"]", "not valid JSON: invalid escape in string (line 1, column 3)");
	INVALID("[\"\\'\"]", NULL);
	INVALID("[\"\\u12\"]", "not valid JSON: \\u not followed by four hex digits (line 1, column 3)");
	INVALID("[\"\\u12G4\"]", NULL);
	INVALID("[\"\\\"]", "not valid JSON: string not terminated (line 1, column 2)");
	INVALID("[\"\\", NULL);
	/* lone surrogates */
	INVALID("[\"\\ud800\"]",
		"not valid JSON: high surrogate in \\u escape without its low half (line 1, column 3)");
	INVALID("[\"\\ud800\\u0041\"]", NULL);
	INVALID("[\"\\ud800\\ud800\"]", NULL);
	INVALID("[\"\\udc00\"]", "not valid JSON: lone low surrogate in \\u escape (line 1, column 3)");
	INVALID("[\"\\ude00\\ud83d\"]", NULL);
	/* invalid UTF-8 */
	INVALID("[\"\x80\"]", "not valid JSON: invalid UTF-8 in string (line 1, column 3)");
	INVALID("[\"\xc3\"]", NULL);                 /* truncated sequence */
	INVALID("[\"\xc0\xaf\"]", NULL);             /* overlong '/' */
	INVALID("[\"\xe0\x80\xaf\"]", NULL);         /* overlong, 3 bytes */
	INVALID("[\"\xf0\x80\x80\xaf\"]", NULL);     /* overlong, 4 bytes */
	INVALID("[\"\xed\xa0\x80\"]", NULL);         /* UTF-8-encoded surrogate U+D800 */
	INVALID("[\"\xf4\x90\x80\x80\"]", NULL);     /* U+110000 */
	INVALID("[\"\xf5\x80\x80\x80\"]", NULL);
	INVALID("[\"\xff\"]", NULL);
	INVALID("[\"\xe2\x82\"]", NULL);
	/* invalid UTF-8 outside strings is just a bad token */
	INVALID("[\xc3\xa9]", NULL);
}

static void test_depth_limit(void **state)
{
	char doc[200];
	struct rr_error err = { 0 };
	size_t i;
	(void)state;
	for (i = 0; i < 64; i++)
		doc[i] = '[';
	for (i = 64; i < 128; i++)
		doc[i] = ']';
	assert_int_equal(jsonscan_scan(doc, 128, NULL, 0, 64, &err), RR_OK);
	memmove(doc + 1, doc, 128);
	doc[0] = '[';
	doc[129] = ']';
	assert_int_equal(jsonscan_scan(doc, 130, NULL, 0, 64, &err), RR_ETOOBIG);
	assert_string_equal(err.msg, "nested deeper than 64 levels");
	/* refused as soon as the limit is passed, even if the rest is garbage */
	assert_int_equal(jsonscan_scan("[[[[x", 5, NULL, 0, 3, &err), RR_ETOOBIG);
	assert_string_equal(err.msg, "nested deeper than 3 levels");
	assert_int_equal(jsonscan_scan("[]", 2, NULL, 0, 0, &err), RR_EINVAL);
	assert_int_equal(jsonscan_scan("[]", 2, NULL, 0, JSONSCAN_MAX_DEPTH + 1, &err), RR_EINVAL);
}

/* The deepest allowed document: a long run of closers must not recurse. */
static void test_max_depth_document(void **state)
{
	size_t n = JSONSCAN_MAX_DEPTH;
	char *doc = malloc(2 * n);
	struct rr_error err = { 0 };
	(void)state;
	assert_non_null(doc);
	memset(doc, '[', n);
	memset(doc + n, ']', n);
	assert_int_equal(jsonscan_scan(doc, 2 * n, NULL, 0, JSONSCAN_MAX_DEPTH, &err), RR_OK);
	free(doc);
}

static const char PAYLOAD[] =
	"{\n"
	"  \"action\": \"opened\",\n"
	"  \"number\": 42,\n"
	"  \"pull_request\": {\"number\": 42, \"draft\": false, \"title\": \"a \\\"b\\\"\",\n"
	"    \"head\": {\"sha\": \"ABCDEF0123456789abcdef0123456789ABCDEF01\", \"ref\": \"x\"},\n"
	"    \"base\": {\"ref\": \"ma\\u0069n\", \"repo\": {\"name\": \"not this\"}},\n"
	"    \"labels\": [{\"name\": \"bug\"}, {\"head\": {\"sha\": \"no\"}}]},\n"
	"  \"repository\": {\"owner\": {\"login\": \"Octo\\u00e9\"}, \"name\": \"r\", \"ids\": [1,2]},\n"
	"  \"installation\": {\"id\": 9007199254740993},\n"
	"  \"sender\": {\"login\": \"x\", \"login\": \"y\"}\n"
	"}\n";

static void test_extracts_wanted_paths(void **state)
{
	char action[16], sha[41], base_ref[16], owner[4];
	struct jsonscan_field f[] = {
		{ .path = "action", .buf = action, .buf_size = sizeof(action) },
		{ .path = "pull_request.head.sha", .buf = sha, .buf_size = sizeof(sha) },
		{ .path = "pull_request.base.ref", .buf = base_ref, .buf_size = sizeof(base_ref) },
		{ .path = "repository.owner.login", .buf = owner, .buf_size = sizeof(owner) },
		{ .path = "pull_request.number" },
		{ .path = "pull_request.draft" },
		{ .path = "installation.id" },
		{ .path = "pull_request" },
		{ .path = "repository.ids" },
		{ .path = "pull_request.missing" },
		{ .path = "action.deeper" },          /* under a string: absent */
		{ .path = "" },
	};
	struct rr_error err = { 0 };
	int64_t v = 0;
	(void)state;

	assert_int_equal(jsonscan_scan(PAYLOAD, strlen(PAYLOAD), f, 12, 64, &err), RR_OK);
	assert_int_equal(f[0].type, JSONSCAN_STRING);
	assert_string_equal(action, "opened");
	assert_int_equal(f[0].str_len, 6);
	assert_int_equal(f[0].raw_len, 8);
	assert_memory_equal(f[0].raw, "\"opened\"", 8);
	assert_string_equal(sha, "ABCDEF0123456789abcdef0123456789ABCDEF01");
	assert_false(f[1].truncated);
	assert_string_equal(base_ref, "main");            /* \u0069 decoded */
	/* "Octo\u00e9" is 6 bytes decoded: cut to 3 + NUL, flagged */
	assert_int_equal(f[3].str_len, 6);
	assert_true(f[3].truncated);
	assert_string_equal(owner, "Oct");
	assert_int_equal(f[4].type, JSONSCAN_NUMBER);
	assert_int_equal(jsonscan_int64(&f[4], &v), RR_OK);
	assert_int_equal(v, 42);
	assert_int_equal(f[5].type, JSONSCAN_FALSE);
	assert_int_equal(f[6].type, JSONSCAN_NUMBER);
	assert_int_equal(jsonscan_int64(&f[6], &v), RR_OK);
	assert_true(v == 9007199254740993LL);              /* exact, no double rounding */
	assert_int_equal(f[7].type, JSONSCAN_OBJECT);
	assert_int_equal(f[7].raw[0], '{');
	assert_int_equal(f[7].raw[f[7].raw_len - 1], '}');
	assert_int_equal(f[8].type, JSONSCAN_ARRAY);
	assert_int_equal(f[8].raw_len, 5);
	assert_int_equal(f[9].type, JSONSCAN_ABSENT);
	assert_null(f[9].raw);
	assert_int_equal(f[10].type, JSONSCAN_ABSENT);
	assert_int_equal(f[11].type, JSONSCAN_OBJECT);
	assert_int_equal(f[11].raw_len, strlen(PAYLOAD) - 1);  /* without the trailing newline */
}

static void test_decode_after_scan(void **state)
{
	struct jsonscan_field f[] = { { .path = "s" }, { .path = "n" } };
	static const char doc[] = "{\"s\":\"tab\\there \\ud83d\\ude00 \\u00e9\\/\",\"n\":1.0}";
	char buf[64], tiny[4];
	struct rr_error err = { 0 };
	int64_t v;
	(void)state;
	assert_int_equal(jsonscan_scan(doc, strlen(doc), f, 2, 8, &err), RR_OK);
	assert_int_equal(f[0].str_len, strlen("tab\there \xf0\x9f\x98\x80 \xc3\xa9/"));
	assert_false(f[0].truncated);                       /* no buffer: nothing to truncate */
	assert_int_equal(jsonscan_decode(&f[0], buf, f[0].raw_len, &err), RR_OK);
	assert_string_equal(buf, "tab\there \xf0\x9f\x98\x80 \xc3\xa9/");
	assert_int_equal(jsonscan_decode(&f[0], tiny, sizeof(tiny), &err), RR_EINVAL);
	assert_int_equal(jsonscan_decode(&f[1], buf, sizeof(buf), &err), RR_EINVAL);
	/* 1.0 is a number but not an integer */
	assert_int_equal(f[1].type, JSONSCAN_NUMBER);
	assert_int_equal(jsonscan_int64(&f[1], &v), RR_EINVAL);
}

static void test_int64_bounds(void **state)
{
	static const struct { const char *doc; int rc; int64_t v; } cases[] = {
		{ "{\"n\":9223372036854775807}", RR_OK, INT64_MAX },
		{ "{\"n\":-9223372036854775808}", RR_OK, INT64_MIN },
		{ "{\"n\":9223372036854775808}", RR_EINVAL, 0 },
		{ "{\"n\":-9223372036854775809}", RR_EINVAL, 0 },
		{ "{\"n\":-0}", RR_OK, 0 },
		{ "{\"n\":1e3}", RR_EINVAL, 0 },
		{ "{\"n\":\"5\"}", RR_EINVAL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct jsonscan_field f = { .path = "n" };
		struct rr_error err = { 0 };
		int64_t v = 0;
		assert_int_equal(jsonscan_scan(cases[i].doc, strlen(cases[i].doc), &f, 1, 4, &err), RR_OK);
		assert_int_equal(jsonscan_int64(&f, &v), cases[i].rc);
		if (cases[i].rc == RR_OK)
			assert_true(v == cases[i].v);
	}
}

static void test_nul_in_wanted_string(void **state)
{
	char buf[16];
	struct jsonscan_field f = { .path = "a", .buf = buf, .buf_size = sizeof(buf) };
	struct rr_error err = { 0 };
	static const char doc[] = "{\"a\":\"op\\u0000ened\"}";
	(void)state;
	assert_int_equal(jsonscan_scan(doc, strlen(doc), &f, 1, 4, &err), RR_OK);
	assert_true(f.has_nul);
	assert_int_equal(f.str_len, 7);
	assert_memory_equal(buf, "op\0ened", 8);
}

static void test_duplicate_wanted_keys_refused(void **state)
{
	static const struct { const char *doc; const char *msg; } cases[] = {
		{ "{\"action\":\"opened\",\"action\":\"closed\"}",
		  "duplicate key 'action' (line 1, column 20)" },
		/* an escaped spelling of the same key is the same key */
		{ "{\"action\":\"opened\",\"\\u0061ction\":\"closed\"}",
		  "duplicate key 'action' (line 1, column 20)" },
		/* a repeated parent would let the last one silently win in jansson */
		{ "{\"pull_request\":{\"head\":{\"sha\":\"a\"}},\n\"pull_request\":{}}",
		  "duplicate key 'pull_request' (line 2, column 1)" },
		{ "{\"pull_request\":{\"head\":{\"sha\":\"a\"},\"head\":{\"ref\":\"b\"}}}",
		  "duplicate key 'pull_request.head' (line 1, column 37)" },
		{ "{\"pull_request\":{\"head\":{\"sha\":\"a\",\"sha\":\"b\"}}}",
		  "duplicate key 'pull_request.head.sha' (line 1, column 36)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct jsonscan_field f[] = { { .path = "action" }, { .path = "pull_request.head.sha" } };
		struct rr_error err = { 0 };
		assert_int_equal(jsonscan_scan(cases[i].doc, strlen(cases[i].doc), f, 2, 8, &err),
				 RR_EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_duplicate_unwanted_keys_allowed(void **state)
{
	static const char doc[] =
		"{\"action\":\"opened\",\"sender\":{\"x\":1,\"x\":2},\"zz\":0,\"zz\":1,"
		"\"pull_request\":{\"title\":\"a\",\"title\":\"b\",\"head\":{\"sha\":\"s\",\"ref\":1,\"ref\":2}},"
		"\"list\":[{\"action\":1},{\"action\":2}]}";
	char sha[8];
	struct jsonscan_field f[] = { { .path = "action" },
				      { .path = "pull_request.head.sha", .buf = sha, .buf_size = 8 } };
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(jsonscan_scan(doc, strlen(doc), f, 2, 8, &err), RR_OK);
	assert_string_equal(sha, "s");
	assert_int_equal(f[0].type, JSONSCAN_STRING);
}

static void test_bad_paths_refused(void **state)
{
	struct rr_error err = { 0 };
	struct jsonscan_field twice[] = { { .path = "a.b" }, { .path = "a.b" } };
	struct jsonscan_field empty_key[] = { { .path = "a..b" } };
	struct jsonscan_field trailing[] = { { .path = "a." } };
	struct jsonscan_field none[] = { { .path = NULL } };
	(void)state;
	assert_int_equal(jsonscan_scan("{}", 2, twice, 2, 8, &err), RR_EINVAL);
	assert_string_equal(err.msg, "jsonscan: path 'a.b' wanted twice");
	assert_int_equal(jsonscan_scan("{}", 2, empty_key, 1, 8, &err), RR_EINVAL);
	assert_string_equal(err.msg, "jsonscan: path 'a..b' has an empty key");
	assert_int_equal(jsonscan_scan("{}", 2, trailing, 1, 8, &err), RR_EINVAL);
	assert_int_equal(jsonscan_scan("{}", 2, none, 1, 8, &err), RR_EINVAL);
	assert_int_equal(jsonscan_scan(NULL, 3, NULL, 0, 8, &err), RR_EINVAL);
}

/* A field's previous results never leak into the next scan. */
static void test_fields_reset_between_scans(void **state)
{
	char buf[8];
	struct jsonscan_field f = { .path = "a", .buf = buf, .buf_size = sizeof(buf) };
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(jsonscan_scan("{\"a\":\"x\"}", 9, &f, 1, 4, &err), RR_OK);
	assert_int_equal(f.type, JSONSCAN_STRING);
	assert_int_equal(jsonscan_scan("{\"b\":\"x\"}", 9, &f, 1, 4, &err), RR_OK);
	assert_int_equal(f.type, JSONSCAN_ABSENT);
	assert_string_equal(buf, "");
}

/* The whole fixture set scans, and its wanted values match what the fixtures say. */
static void test_real_fixture(void **state)
{
	char *path = NULL, *body = NULL, sha[41];
	size_t len = 0;
	struct jsonscan_field f[] = { { .path = "pull_request.head.sha", .buf = sha, .buf_size = 41 },
				      { .path = "installation.id" } };
	struct rr_error err = { 0 };
	int64_t id = 0;
	(void)state;
	assert_true(asprintf(&path, "%s/github/pull_request.opened.json",
			     getenv("RR_FIXTURES_DIR") ? getenv("RR_FIXTURES_DIR") : "tests/fixtures") > 0);
	if (rr_read_file(path, 0, &body, &len, &err) != RR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(jsonscan_scan(body, len, f, 2, 64, &err), RR_OK);
	assert_int_equal(strlen(sha), 40);
	assert_int_equal(jsonscan_int64(&f[1], &id), RR_OK);
	assert_int_equal(id, 1);
	free(body);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8259_valid_documents),
		cmocka_unit_test(test_structural_errors),
		cmocka_unit_test(test_number_errors),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_max_depth_document),
		cmocka_unit_test(test_extracts_wanted_paths),
		cmocka_unit_test(test_decode_after_scan),
		cmocka_unit_test(test_int64_bounds),
		cmocka_unit_test(test_nul_in_wanted_string),
		cmocka_unit_test(test_duplicate_wanted_keys_refused),
		cmocka_unit_test(test_duplicate_unwanted_keys_allowed),
		cmocka_unit_test(test_bad_paths_refused),
		cmocka_unit_test(test_fields_reset_between_scans),
		cmocka_unit_test(test_real_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
