/* bidi_chars.c — Unicode bidirectional control characters (Trojan Source, CVE-2021-42574). */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

struct bidi {
	unsigned char bytes[3];
	size_t len;
	const char *code;     /* hex code point */
	const char *name;
};

/* The explicit embedding/override/isolate controls and the invisible marks. */
static const struct bidi BIDI[] = {
	{ { 0xE2, 0x80, 0xAA }, 3, "202A", "LEFT-TO-RIGHT EMBEDDING" },
	{ { 0xE2, 0x80, 0xAB }, 3, "202B", "RIGHT-TO-LEFT EMBEDDING" },
	{ { 0xE2, 0x80, 0xAC }, 3, "202C", "POP DIRECTIONAL FORMATTING" },
	{ { 0xE2, 0x80, 0xAD }, 3, "202D", "LEFT-TO-RIGHT OVERRIDE" },
	{ { 0xE2, 0x80, 0xAE }, 3, "202E", "RIGHT-TO-LEFT OVERRIDE" },
	{ { 0xE2, 0x81, 0xA6 }, 3, "2066", "LEFT-TO-RIGHT ISOLATE" },
	{ { 0xE2, 0x81, 0xA7 }, 3, "2067", "RIGHT-TO-LEFT ISOLATE" },
	{ { 0xE2, 0x81, 0xA8 }, 3, "2068", "FIRST STRONG ISOLATE" },
	{ { 0xE2, 0x81, 0xA9 }, 3, "2069", "POP DIRECTIONAL ISOLATE" },
	{ { 0xE2, 0x80, 0x8E }, 3, "200E", "LEFT-TO-RIGHT MARK" },
	{ { 0xE2, 0x80, 0x8F }, 3, "200F", "RIGHT-TO-LEFT MARK" },
	{ { 0xD8, 0x9C, 0 }, 2, "061C", "ARABIC LETTER MARK" },
};

static const struct bidi *bidi_at(const unsigned char *p, size_t left)
{
	for (size_t i = 0; i < sizeof(BIDI) / sizeof(BIDI[0]); i++)
		if (left >= BIDI[i].len && memcmp(p, BIDI[i].bytes, BIDI[i].len) == 0)
			return &BIDI[i];
	return NULL;
}

enum place { IN_CODE, IN_COMMENT, IN_STRING, IN_RAW_STRING, IN_CHAR };

/* What the character sits in, from the smallest node covering it. */
static enum place place_of(TSNode root, uint32_t byte)
{
	TSNode n = ts_node_descendant_for_byte_range(root, byte, byte + 1);

	for (int i = 0; i < 3 && !ts_node_is_null(n); i++, n = ts_node_parent(n)) {
		const char *t = ts_node_type(n);
		if (strcmp(t, "line_comment") == 0 || strcmp(t, "block_comment") == 0)
			return IN_COMMENT;
		if (strcmp(t, "string_literal") == 0)
			return IN_STRING;
		if (strcmp(t, "raw_string_literal") == 0)
			return IN_RAW_STRING;
		if (strcmp(t, "char_literal") == 0)
			return IN_CHAR;
	}
	return IN_CODE;
}

static int report(struct rule_ctx *ctx, TSNode root, uint32_t byte, TSPoint at,
		  const struct bidi *b)
{
	static const char *const where[] = { "source code", "a comment", "a string literal",
					     "a raw string literal", "a char literal" };
	enum place place = place_of(root, byte);
	TSPoint end = { at.row, at.column + (uint32_t)b->len };
	char *msg = NULL, *escape = rule_format("\\u{%s}", b->code);
	const char *repl = NULL;
	int rc = RR_ENOMEM;

	if (!escape)
		return RR_ENOMEM;
	/* In a normal string or char literal the escape keeps the value and shows
	 * the character; in a comment it carries no meaning and can go. */
	if (place == IN_STRING || place == IN_CHAR)
		repl = escape;
	else if (place == IN_COMMENT)
		repl = "";
	msg = rule_format("Invisible Unicode control character U+%s (%s) in %s. Bidirectional "
			  "controls make editors and review tools display the code in a different "
			  "order than the compiler reads it (Trojan Source, CVE-2021-42574), so what "
			  "reviewers approve is not what runs. Remove it, or write it as the escape "
			  "`%s` if the text really needs it.",
			  b->code, b->name, where[place], escape);
	if (msg)
		rc = rule_emit(ctx, at, byte, end, byte + (uint32_t)b->len, msg, repl);
	free(msg);
	free(escape);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	const unsigned char *s = (const unsigned char *)ctx->src;
	TSPoint at = { 0, 0 };

	(void)scope;
	/* One pass over the raw text at the root: comments, attributes and
	 * macro_rules! bodies are not visited by the walk, and these characters
	 * are dangerous wherever they are. */
	if (!rust_is(node, RK_SOURCE_FILE))
		return 0;
	/* Every one starts with byte 0xE2 or 0xD8: memchr finds those at memory
	 * speed, and rows are counted only up to a hit (a byte loop over the whole
	 * file was 9 M instructions for 800 KB, most of a one-line check's rules). */
	const unsigned char *next_e2 = NULL, *next_d8 = NULL, *end = s + ctx->len;
	size_t counted = 0, line_start = 0;
	for (size_t i = 0; i < ctx->len;) {
		const unsigned char *hit;
		const struct bidi *b;
		if (!next_e2 || next_e2 < s + i)
			next_e2 = memchr(s + i, 0xE2, ctx->len - i);
		if (!next_d8 || next_d8 < s + i)
			next_d8 = memchr(s + i, 0xD8, ctx->len - i);
		if (!next_e2)
			next_e2 = end;
		if (!next_d8)
			next_d8 = end;
		hit = next_e2 < next_d8 ? next_e2 : next_d8;
		if (hit == end)
			break;
		i = (size_t)(hit - s);
		if (!(b = bidi_at(hit, ctx->len - i))) {
			i++;
			continue;
		}
		for (const unsigned char *nl; counted < i &&
		     (nl = memchr(s + counted, '\n', i - counted)); counted = (size_t)(nl - s) + 1) {
			at.row++;
			line_start = (size_t)(nl - s) + 1;
		}
		counted = i;
		at.column = (uint32_t)(i - line_start);
		int rc = report(ctx, node, (uint32_t)i, at, b);
		if (rc)
			return rc;
		i += b->len;
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "source_file", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "\xE2\x80", "\xE2\x81", "\xD8\x9C", NULL };

const struct rule rule_bidi_chars = {
	.info = {
		.id = "bidi_chars",
		.severity = RR_SEV_ERROR,
		.summary = "Unicode bidirectional control character (Trojan Source)",
		.explanation =
			"What: flags every Unicode bidirectional control character in the file: the "
			"embeddings and overrides U+202A..U+202E, the isolates U+2066..U+2069, and the "
			"invisible marks U+200E, U+200F and U+061C, in string and char literals, "
			"comments (doc comments included), attributes and macro bodies. Each occurrence "
			"is reported at its exact column. rustc denies most of these in literals and "
			"comments (text_direction_codepoint_in_literal / _in_comment), but only when "
			"the code is compiled with those lints on; a review catches them in the diff, "
			"where they are invisible.\n\n"
			"Why: these characters reorder how text is displayed. An attacker can put a "
			"right-to-left override inside a string or comment so that the closing quote "
			"or the end of the comment is displayed elsewhere: code that looks commented out "
			"runs, or a check that looks present is part of a string "
			"(Trojan Source, CVE-2021-42574). Reviewers approve what they see, not what "
			"runs. Legitimate uses in source code are vanishingly rare.\n\n"
			"How to fix: delete the character. If a string really must contain it (say, "
			"text-rendering tests), write it as an escape such as `\\u{202E}`: the value is "
			"the same and the control is visible. The suggested change does exactly that "
			"in normal string and char literals, and deletes it from comments.\n\n"
			"Bad:\n    let marker = \"<U+202E written as the raw character>\";\n"
			"Good:\n    let marker = \"\\u{202E}\";\n\n"
			"Applies everywhere, tests included; severity error.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
