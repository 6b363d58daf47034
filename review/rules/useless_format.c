/* useless_format.c — `format!("text")` and `format!("{}", s)` of something already a string. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

static bool same_ident(TSNode a, TSNode b, const char *src)
{
	return rust_node_len(a) == rust_node_len(b) &&
	       memcmp(rust_node_ptr(a, src), rust_node_ptr(b, src), rust_node_len(a)) == 0;
}

/* `&str`, `String`, `&String`: a type whose Display is the string itself. */
static bool string_type(TSNode type, const char *src)
{
	if (rust_is(type, RK_REFERENCE_TYPE))
		type = rust_child_by_field(type, RF_TYPE);
	return (rust_is(type, RK_PRIMITIVE_TYPE) && rust_node_text_eq(type, src, "str")) ||
	       (rust_is(type, RK_TYPE_IDENTIFIER) && rust_node_text_eq(type, src, "String"));
}

/* Does any pattern in n's subtree (let, for, match, closure, if let) mention `name`? */
static bool rebinds(TSNode n, const char *src, TSNode name)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	bool found = false, in_pattern_depth = false;
	uint32_t pattern_end = 0;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		const char *field = ts_tree_cursor_current_field_name(&c);
		if (!in_pattern_depth && ((field && strcmp(field, "pattern") == 0) ||
					  rust_is(cur, RK_CLOSURE_PARAMETERS))) {
			in_pattern_depth = true;
			pattern_end = ts_node_end_byte(cur);
		} else if (in_pattern_depth && ts_node_start_byte(cur) >= pattern_end) {
			in_pattern_depth = false;
		}
		if (in_pattern_depth && rust_is(cur, RK_IDENTIFIER) && same_ident(cur, name, src)) {
			found = true;
			break;
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* `ident` is a parameter of the enclosing fn declared as a string type and
 * never rebound in its body (so the declaration is the truth). */
static bool string_param(TSNode ident, const char *src)
{
	TSNode fn = ts_node_parent(ident), params, body;
	uint32_t count;

	while (!ts_node_is_null(fn) && !rust_is(fn, RK_FUNCTION_ITEM)) {
		if (rust_is(fn, RK_CLOSURE_EXPRESSION))
			return false;
		fn = ts_node_parent(fn);
	}
	if (ts_node_is_null(fn))
		return false;
	params = rust_child_by_field(fn, RF_PARAMETERS);
	body = rust_child_by_field(fn, RF_BODY);
	if (ts_node_is_null(params) || ts_node_is_null(body))
		return false;
	count = ts_node_named_child_count(params);
	for (uint32_t i = 0; i < count; i++) {
		TSNode p = ts_node_named_child(params, i);
		TSNode pat = rust_child_by_field(p, RF_PATTERN);
		if (rust_is(p, RK_PARAMETER) && rust_is(pat, RK_IDENTIFIER) &&
		    same_ident(pat, ident, src))
			return string_type(rust_child_by_field(p, RF_TYPE), src) &&
			       !rebinds(body, src, ident);
	}
	return false;
}

static bool is_format_macro(TSNode mac, const char *src)
{
	TSNode path = rust_child_by_field(mac, RF_MACRO);
	char buf[32];
	return !ts_node_is_null(path) && rust_path_text(path, src, buf, sizeof(buf)) &&
	       (strcmp(buf, "format") == 0 || strcmp(buf, "std::format") == 0 ||
		strcmp(buf, "alloc::format") == 0);
}

/* The tokens of the macro's ( .. ) without delimiters, comments and a trailing comma. */
static uint32_t inner_tokens(TSNode tt, TSNode *out, uint32_t max)
{
	uint32_t count = ts_node_child_count(tt), n = 0;

	for (uint32_t i = 1; i + 1 < count; i++) {
		TSNode c = ts_node_child(tt, i);
		if (rust_is(c, RK_LINE_COMMENT) || rust_is(c, RK_BLOCK_COMMENT))
			continue;
		if (n == max)
			return max + 1;
		out[n++] = c;
	}
	if (n > 0 && rust_is(out[n - 1], RK_COMMA))
		n--;
	return n;
}

/* A plain "..." literal with no escapes and no braces: its value is its text. */
static bool plain_literal(TSNode lit, const char *src)
{
	const char *p = rust_node_ptr(lit, src);
	uint32_t len = rust_node_len(lit);

	if (!rust_is(lit, RK_STRING_LITERAL) || len < 2 || p[0] != '"')
		return false;
	for (uint32_t i = 1; i + 1 < len; i++)
		if (p[i] == '{' || p[i] == '}' || p[i] == '\\')
			return false;
	return true;
}

/* The replacement for format!(..) when the result is certainly a copy of a string. */
static char *replacement(TSNode mac, const char *src)
{
	TSNode tt = rust_child_of_kind(mac, RK_TOKEN_TREE), tok[8];
	uint32_t n = ts_node_is_null(tt) ? 0 : inner_tokens(tt, tok, 6);
	char *text, *out;

	if (n == 1 && plain_literal(tok[0], src)) {         /* format!("text") */
		text = rust_node_text_dup(tok[0], src);
		out = text ? rule_format("%s.to_string()", text) : NULL;
		free(text);
		return out;
	}
	if (n < 3 || !rust_node_text_eq(tok[0], src, "\"{}\"") || !rust_is(tok[1], RK_COMMA))
		return NULL;
	if (n == 3 && (plain_literal(tok[2], src) ||
		       (rust_is(tok[2], RK_IDENTIFIER) && string_param(tok[2], src))))
		text = rust_node_text_dup(tok[2], src);      /* format!("{}", "lit") / (s) */
	else if (n == 6 && rust_is(tok[2], RK_IDENTIFIER) && rust_is(tok[3], RK_DOT) &&
		 (rust_node_text_eq(tok[4], src, "to_string") ||
		  rust_node_text_eq(tok[4], src, "to_owned")) &&
		 rust_node_text_eq(tok[5], src, "()"))      /* format!("{}", x.to_string()) */
		return rule_format("%.*s.to_string()", (int)rust_node_len(tok[2]),
				   rust_node_ptr(tok[2], src));
	else
		return NULL;
	out = text ? rule_format("%s.to_string()", text) : NULL;
	free(text);
	return out;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	char *repl, *msg;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_MACRO_INVOCATION) || !is_format_macro(node, ctx->src))
		return 0;
	if (!(repl = replacement(node, ctx->src)))
		return 0;
	msg = rule_format("This `format!` only copies a string: nothing is formatted. It runs the "
			  "formatting machinery (slower, and harder to read) to produce what "
			  "`.to_string()` makes directly. Use `%s`.",
			  repl);
	rc = msg ? rule_emit_nodes(ctx, node, node, msg, repl) : RR_ENOMEM;
	free(msg);
	free(repl);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "format", NULL };

const struct rule rule_useless_format = {
	.info = {
		.id = "useless_format",
		.severity = RR_SEV_NOTE,
		.summary = "`format!` of a plain literal or of a single string: use `.to_string()`",
		.explanation =
			"What: flags `format!(\"text\")` with no placeholders and no escapes, and "
			"`format!(\"{}\", s)` where `s` is a string literal, a `.to_string()`/"
			"`.to_owned()` result, or a parameter of the enclosing fn declared `&str`, "
			"`String` or `&String` and not rebound (clippy::useless_format). The suggested "
			"change is `s.to_string()`.\n\n"
			"Why: `format!` parses nothing at runtime, but it still goes through "
			"`fmt::Write` and `Display` to copy the bytes, where `to_string()` on a string "
			"is a single allocation and `memcpy`; and the reader has to check the format "
			"string to see that nothing is being formatted.\n\n"
			"How to fix: apply the suggestion, or borrow the string (`&str`) when an owned "
			"copy is not needed at all.\n\n"
			"Bad:\n    let key = format!(\"{}\", name);\n"
			"Good:\n    let key = name.to_string();\n\n"
			"Why not clippy::inefficient_to_string: its classic case (`.to_string()` on a "
			"`&&str`) is no longer slow (std specialises `ToString` through references, and "
			"clippy 1.95 does not report it), so this rule takes the certain `format!` "
			"cases instead. Types come only from what the declaration shows: "
			"`format!(\"{}\", n)` with `n` of unknown type is left alone.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
