/*
 * fuzz_jsonscan.c — libFuzzer target: the JSON scanner cross-checked against jansson.
 *
 * Input: arbitrary bytes, scanned as a JSON document. The scanner's verdict
 * must equal jansson's (json_loadb, flags 0) except where they legitimately
 * differ, and every value the scanner extracts must equal what jansson's tree
 * holds at the same path. Legitimate differences, each checked rather than
 * ignored:
 *   - jansson (flags 0) wants an object or array at the top; RFC 8259 allows any
 *     value. Then jansson must fail with "'[' or '{' expected", and agree once
 *     given JSON_DECODE_ANY.
 *   - jansson refuses \u0000 unless JSON_ALLOW_NUL; RFC 8259 allows it. Then
 *     jansson must fail with json_error_null_character, and agree with the flag.
 *   - jansson refuses integers outside long long and reals outside double
 *     (json_error_numeric_overflow); RFC 8259 sets no limit. The scanner then
 *     must have accepted, and the input must contain such a number.
 *   - jansson skips a NUL byte right after a number or literal ("[55\0]" loads);
 *     that is not JSON. Then the input without those bytes must scan.
 *   - jansson cannot hold U+0000 in an object key even with JSON_ALLOW_NUL
 *     (json_error_null_byte_in_key). Then the input must contain "\u0000".
 *   - A wanted path whose key repeats is refused by the scanner; jansson (flags
 *     0) keeps the last. Then jansson with JSON_REJECT_DUPLICATES must refuse too.
 * Any other disagreement aborts.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../common/rr.h"
#include "../../handlers/jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Short keys, so that random inputs hit them; and the ones GitHub parsing uses. */
static const char *const paths[] = {
	"", "a", "b", "a.a", "a.b", "ab", "a.b.c", "b.a", "\xc3\xa9", "action",
	"pull_request", "pull_request.head.sha", "pull_request.number", "installation.id",
};
#define NPATHS (sizeof(paths) / sizeof(*paths))

static const json_t *walk(const json_t *root, const char *path)
{
	char key[64];
	const json_t *cur = root;
	const char *p = path;

	while (cur && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(key) || !json_is_object(cur))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n + (p[n] == '.');
	}
	return cur;
}

static json_t *jansson_load(const uint8_t *data, size_t size, size_t flags, json_error_t *e)
{
	return json_loadb((const char *)data, size, flags, e);
}

static void check_string(const struct jsonscan_field *f, const json_t *v)
{
	size_t n = json_string_length(v);
	char *full;
	if (f->str_len != n)
		abort();
	if (f->has_nul != (memchr(json_string_value(v), '\0', n) != NULL))
		abort();
	/* the in-scan buffer holds a prefix */
	if (strncmp(f->buf, json_string_value(v), f->buf_size - 1) != 0 && !f->has_nul)
		abort();
	if (f->truncated != (n >= f->buf_size))
		abort();
	if (!(full = malloc(f->raw_len)))
		abort();
	if (jsonscan_decode(f, full, f->raw_len, NULL) != RR_OK || memcmp(full, json_string_value(v), n) != 0)
		abort();
	free(full);
}

static void check_number(const struct jsonscan_field *f, const json_t *v)
{
	int64_t i;
	char buf[512];
	if (json_is_integer(v)) {
		if (jsonscan_int64(f, &i) != RR_OK || i != json_integer_value(v))
			abort();
		return;
	}
	if (!json_is_real(v) || jsonscan_int64(f, &i) == RR_OK)
		abort();                /* jansson reads integer syntax as an integer */
	if (f->raw_len < sizeof(buf)) {
		memcpy(buf, f->raw, f->raw_len);
		buf[f->raw_len] = '\0';
		if (strtod(buf, NULL) != json_real_value(v))
			abort();
	}
}

static void check_field(const struct jsonscan_field *f, const json_t *v)
{
	switch (f->type) {
	case JSONSCAN_ABSENT: if (v) abort(); break;
	case JSONSCAN_NULL: if (!json_is_null(v)) abort(); break;
	case JSONSCAN_TRUE: if (!json_is_true(v)) abort(); break;
	case JSONSCAN_FALSE: if (!json_is_false(v)) abort(); break;
	case JSONSCAN_OBJECT: if (!json_is_object(v)) abort(); break;
	case JSONSCAN_ARRAY: if (!json_is_array(v)) abort(); break;
	case JSONSCAN_STRING: if (!json_is_string(v)) abort(); check_string(f, v); break;
	case JSONSCAN_NUMBER: if (!json_is_number(v)) abort(); check_number(f, v); break;
	default: abort();
	}
}

/* Does the input hold a number that jansson's long long / double cannot? */
static bool has_overflowing_number(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size;) {
		size_t j = i;
		char buf[1024];
		if (!(data[i] == '-' || (data[i] >= '0' && data[i] <= '9'))) {
			i++;
			continue;
		}
		while (j < size && (strchr("0123456789+-.eE", data[j]) && data[j]))
			j++;
		if (j - i < sizeof(buf)) {
			memcpy(buf, data + i, j - i);
			buf[j - i] = '\0';
			errno = 0;
			if (strpbrk(buf, ".eE")) {
				double d = strtod(buf, NULL);
				if (errno == ERANGE && isinf(d))
					return true;
			} else {
				(void)strtoll(buf, NULL, 10);
				if (errno == ERANGE)
					return true;
			}
		} else {
			return true;
		}
		i = j;
	}
	return false;
}

/* jansson refused a document for a limit of its own, not a JSON error. */
static bool jansson_cannot_hold(const json_error_t *e, const uint8_t *data, size_t size)
{
	if (json_error_code(e) == json_error_numeric_overflow)
		return has_overflowing_number(data, size);
	if (json_error_code(e) == json_error_null_byte_in_key)
		return memmem(data, size, "\\u0000", 6) != NULL;
	return false;
}

/* jansson's quirk: a NUL byte right after a number or literal is skipped. Is
 * the input JSON once every such byte is removed? */
static bool nul_after_token_only(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	size_t n = 0;
	bool ok;

	if (!copy)
		abort();
	for (size_t i = 0; i < size; i++) {
		bool after_token = i > 0 && ((data[i - 1] >= '0' && data[i - 1] <= '9') ||
					     (data[i - 1] >= 'a' && data[i - 1] <= 'z'));
		if (data[i] != '\0' || !after_token)
			copy[n++] = data[i];
	}
	ok = n < size && jsonscan_scan((const char *)copy, n, NULL, 0, JSONSCAN_MAX_DEPTH, NULL) == RR_OK;
	free(copy);
	return ok;
}

/* The scanner accepted; jansson must too, up to the documented differences.
 * Returns jansson's tree (flags chosen to match), or NULL when a numeric limit
 * of jansson's explains its refusal. */
static json_t *jansson_agreeing(const uint8_t *data, size_t size, bool scalar_root)
{
	json_error_t e;
	size_t flags = 0;
	json_t *root;

	for (;;) {
		root = jansson_load(data, size, flags, &e);
		if (root)
			return root;
		if (json_error_code(&e) == json_error_invalid_syntax && scalar_root &&
		    strncmp(e.text, "'[' or '{' expected", 19) == 0 && !(flags & JSON_DECODE_ANY))
			flags |= JSON_DECODE_ANY;
		else if (json_error_code(&e) == json_error_null_character && !(flags & JSON_ALLOW_NUL))
			flags |= JSON_ALLOW_NUL;
		else if (jansson_cannot_hold(&e, data, size))
			return NULL;
		else
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonscan_field f[NPATHS];
	char bufs[NPATHS][8];
	struct rr_error err = { 0 };
	json_error_t e;
	json_t *root;
	int rc;

	/* 1. verdict on the whole document, no paths wanted */
	rc = jsonscan_scan((const char *)data, size, NULL, 0, JSONSCAN_MAX_DEPTH, &err);
	if (rc != RR_OK) {
		root = jansson_load(data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (root && !nul_after_token_only(data, size))
			abort();        /* jansson, even at its most lenient, took what we refused */
		json_decref(root);
		return 0;
	}

	/* 2. with paths: values must match jansson's tree */
	memset(f, 0, sizeof(f));
	for (size_t i = 0; i < NPATHS; i++) {
		f[i].path = paths[i];
		f[i].buf = bufs[i];
		f[i].buf_size = sizeof(bufs[i]);
	}
	rc = jsonscan_scan((const char *)data, size, f, NPATHS, JSONSCAN_MAX_DEPTH, &err);
	if (rc != RR_OK) {
		if (rc != RR_EINVAL || strncmp(err.msg, "duplicate key '", 15) != 0)
			abort();
		root = jansson_load(data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
		if (root || (json_error_code(&e) != json_error_duplicate_key &&
			     !jansson_cannot_hold(&e, data, size)))
			abort();
		return 0;
	}
	if (f[0].type == JSONSCAN_ABSENT)
		abort();                /* an accepted document has a top-level value */
	root = jansson_agreeing(data, size, f[0].type != JSONSCAN_OBJECT && f[0].type != JSONSCAN_ARRAY);
	if (!root)
		return 0;
	for (size_t i = 0; i < NPATHS; i++)
		check_field(&f[i], walk(root, paths[i]));
	json_decref(root);
	return 0;
}
