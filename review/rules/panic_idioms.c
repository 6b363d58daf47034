/* panic_idioms.c — accepted panics (lock poisoning, invariant expects,
 * documented panics, writes into a String) and the enclosing fn's return. */
#include "panic_idioms.h"

#include <ctype.h>
#include <string.h>

#include "api_helpers.h"
#include "rule_helpers.h"

/* --- documented panics ------------------------------------------------------ */

bool idiom_panic_documented(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	TSNode fn = scope->fn_item, prev;
	uint32_t from;

	if (ts_node_is_null(fn))
		return false;
	from = ts_node_start_byte(fn);
	/* The outer doc comments and attributes are the fn's preceding siblings. */
	for (prev = ts_node_prev_sibling(fn); !ts_node_is_null(prev); prev = ts_node_prev_sibling(prev)) {
		enum rust_kind k = rust_node_kind(prev);
		if (k != RK_LINE_COMMENT && k != RK_BLOCK_COMMENT && k != RK_ATTRIBUTE_ITEM)
			break;
		from = ts_node_start_byte(prev);
	}
	return from < ts_node_start_byte(fn) &&
	       rust_doc_has_section(ctx->src, from, ts_node_start_byte(fn), "Panics");
}

bool idiom_fn_named_to_panic(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	TSNode name;
	const char *p;
	uint32_t n;

	if (ts_node_is_null(scope->fn_item))
		return false;
	name = rust_child_by_field(scope->fn_item, RF_NAME);
	if (ts_node_is_null(name))
		return false;
	p = rust_node_ptr(name, ctx->src);
	n = rust_node_len(name);
	return (n >= 5 && memcmp(p, "panic", 5) == 0) || (n >= 6 && memcmp(p, "unwrap", 6) == 0) ||
	       (n >= 6 && memcmp(p, "expect", 6) == 0) ||
	       (n >= 9 && memcmp(p + n - 9, "_or_panic", 9) == 0);
}

bool idiom_panic_accepted(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	return idiom_fn_named_to_panic(ctx, scope) || idiom_panic_documented(ctx, scope);
}

void idiom_retract(struct rule_ctx *ctx, size_t since)
{
	while (ctx->out->n > since)
		finding_list_remove(ctx->out, ctx->out->n - 1);
}

/* --- lock poisoning ---------------------------------------------------------- */

/* Does a method `name` with `nargs` arguments return a LockResult to pass on? */
static bool lock_method(TSNode name, const char *src, uint32_t nargs)
{
	if (nargs == 0)
		return rust_node_text_eq(name, src, "lock") || rust_node_text_eq(name, src, "read") ||
		       rust_node_text_eq(name, src, "write");
	/* Condvar: wait(guard), wait_while(guard, f), wait_timeout(guard, dur),
	 * wait_timeout_while(guard, dur, f). process::Child::wait() has none. */
	return (rust_node_text_eq(name, src, "wait") && nargs == 1) ||
	       (rust_node_text_eq(name, src, "wait_while") && nargs == 2) ||
	       (rust_node_text_eq(name, src, "wait_timeout") && nargs == 2) ||
	       (rust_node_text_eq(name, src, "wait_timeout_while") && nargs == 3) ||
	       (rust_node_text_eq(name, src, "wait_timeout_ms") && nargs == 2);
}

bool idiom_lock_unwrap(TSNode call, const char *src)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	TSNode name, args;

	return rust_method_call(recv, &name, &args) &&
	       lock_method(name, src, rust_named_arg_count(args));
}

bool idiom_tt_lock_unwrap(TSNode name, const char *src)
{
	TSNode dot = ts_node_prev_sibling(name);
	TSNode tt = ts_node_prev_sibling(dot);
	TSNode method = ts_node_prev_sibling(tt);

	if (!rust_is(dot, RK_DOT) || !rust_is(tt, RK_TOKEN_TREE) || !rust_is(method, RK_IDENTIFIER) ||
	    !rust_is(ts_node_prev_sibling(method), RK_DOT))
		return false;
	/* Only the count of arguments matters; inside ( ) commas separate them. */
	uint32_t inner = rust_tt_inner_count(tt), commas = 0;
	for (uint32_t i = 0; i < ts_node_child_count(tt); i++)
		commas += rust_is(ts_node_child(tt, i), RK_COMMA);
	return lock_method(method, src, inner == 0 ? 0 : commas + 1);
}

struct tt_match {
	struct rule_ctx *ctx;
	const char *method;
	uint32_t nargs;
	const char *message;
};

static int tt_report(void *data, TSNode name, TSNode args)
{
	const struct tt_match *m = data;

	if (!rust_node_text_eq(name, m->ctx->src, m->method) ||
	    (rust_tt_inner_count(args) == 0) != (m->nargs == 0) ||
	    idiom_tt_lock_unwrap(name, m->ctx->src) ||
	    (m->nargs == 1 && idiom_expect_states_invariant(args, m->ctx->src)))
		return 0;
	return rule_emit_nodes(m->ctx, name, args, m->message, NULL);
}

int idiom_tt_method_calls(struct rule_ctx *ctx, TSNode tt, const char *method, uint32_t nargs,
			  const char *message)
{
	struct tt_match m = { ctx, method, nargs, message };
	return rust_tt_method_calls(tt, tt_report, &m);
}

/* --- checked preconditions ------------------------------------------------- */

/* The variable or `self.field` a receiver chain starts from, into buf:
 * `queries.pop()` -> "queries", `(*self.cfg.x).as_ref()` -> "self.cfg". */
static bool receiver_root(TSNode n, const char *src, char *buf, size_t cap)
{
	char path[128];
	char *dot;

	for (int guard = 0; guard < 32; guard++) {
		TSNode name, args;
		if (rust_method_call(n, &name, &args))
			n = rust_child_by_field(rust_child_by_field(n, RF_FUNCTION), RF_VALUE);
		else if (rust_is(n, RK_PARENTHESIZED_EXPRESSION) ||
			 rust_node_is(n, "unary_expression") ||
			 rust_is(n, RK_REFERENCE_EXPRESSION))
			n = ts_node_named_child(n, ts_node_named_child_count(n) - 1);
		else
			break;
	}
	if (!(rust_is(n, RK_IDENTIFIER) || rust_is(n, RK_FIELD_EXPRESSION) ||
	      rust_node_is(n, "self")) ||
	    !rust_path_text(n, src, path, sizeof(path)))
		return false;
	/* x.a.b -> x; self.a.b -> self.a */
	dot = strchr(path, '.');
	if (dot && strncmp(path, "self.", 5) == 0)
		dot = strchr(dot + 1, '.');
	if (dot)
		*dot = '\0';
	if (strcmp(path, "self") == 0 || strlen(path) >= cap)
		return false;
	strcpy(buf, path);
	return true;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does the condition (text without blanks) test root: `root.`-something or `root` alone? */
static bool mentions_root(TSNode cond, const char *src, const char *root)
{
	char text[512];
	size_t n = strlen(root);

	if (!rust_path_text(cond, src, text, sizeof(text)))
		return false;
	for (const char *p = strstr(text, root); p; p = strstr(p + 1, root)) {
		bool before = p == text || (!ident_char(p[-1]) && p[-1] != '.');
		bool after = !ident_char(p[n]);
		if (before && after)
			return true;
	}
	return false;
}

bool idiom_checked_before(TSNode call, const char *src)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	char root[128];
	TSNode n = call;

	if (ts_node_is_null(recv) || !receiver_root(recv, src, root, sizeof(root)))
		return false;
	for (int depth = 0; depth < 24; depth++) {
		TSNode parent = ts_node_parent(n);
		const char *t;
		/* Null at the root (a macro body is a tree of its own): ts_node_type
		 * must not see it. */
		if (ts_node_is_null(parent) || rust_is(parent, RK_FUNCTION_ITEM) ||
		    rust_is(parent, RK_CLOSURE_EXPRESSION))
			return false;
		t = ts_node_type(parent);
		/* In a branch of an `if` or `match` whose condition tests the same value. */
		if (strcmp(t, "if_expression") == 0 &&
		    !ts_node_eq(rust_child_by_field(parent, RF_CONDITION), n) &&
		    mentions_root(rust_child_by_field(parent, RF_CONDITION), src, root))
			return true;
		if (strcmp(t, "match_expression") == 0 &&
		    !ts_node_eq(rust_child_by_field(parent, RF_VALUE), n) &&
		    mentions_root(rust_child_by_field(parent, RF_VALUE), src, root))
			return true;
		n = parent;
	}
	return false;
}

/* --- constant inputs, overflow checks, reasons in comments ------------------ */

static bool is_literal_kind(TSNode n)
{
	enum rust_kind k = rust_node_kind(n);
	return k == RK_STRING_LITERAL || k == RK_RAW_STRING_LITERAL || k == RK_CHAR_LITERAL ||
	       k == RK_INTEGER_LITERAL || k == RK_FLOAT_LITERAL || k == RK_BOOLEAN_LITERAL;
}

/* A step that turns a literal into a value: parsing it, converting it, or
 * compiling it as a pattern (`Regex::new(r"^a$")`, a glob). */
static bool parsing_step(TSNode fn, const char *src)
{
	static const char *const names[] = { "parse", "from_str", "from_str_radix", "try_from",
					     "try_into", "from_bytes" };
	char path[128];
	TSNode name = rust_is(fn, RK_FIELD_EXPRESSION) ? rust_child_by_field(fn, RF_FIELD)
						       : rust_child_by_field(fn, RF_NAME);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rust_node_text_eq(name, src, names[i]))
			return true;
	return rust_is(fn, RK_SCOPED_IDENTIFIER) &&
	       rust_path_text(rust_child_by_field(fn, RF_PATH), src, path, sizeof(path)) &&
	       (strstr(path, "Regex") || strstr(path, "Glob"));
}

/* Built from literals only, through a parsing step: `"none".parse()`,
 * `u32::from_str_radix("ff", 16)`, `Regex::new(r"^a$")`. A variable anywhere
 * makes it input, and so does a call that only takes a literal (`File::open("x")`
 * reads the disk). *parsed is set when a parsing step was seen. */
static bool constant_expr(TSNode n, const char *src, int depth, bool *parsed, bool *literal)
{
	TSNode fn, args;

	if (depth > 16 || ts_node_is_null(n))
		return false;
	if (is_literal_kind(n)) {
		*literal = true;
		return true;
	}
	if (rust_is(n, RK_REFERENCE_EXPRESSION))
		return constant_expr(ts_node_named_child(n, ts_node_named_child_count(n) - 1), src,
				     depth + 1, parsed, literal);
	if (!rust_is(n, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(n, RF_FUNCTION);
	if (rust_is(fn, RK_GENERIC_FUNCTION))
		fn = rust_child_by_field(fn, RF_FUNCTION);
	args = rust_child_by_field(n, RF_ARGUMENTS);
	for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
		TSNode a = ts_node_named_child(args, i);
		if (!rust_is(a, RK_LINE_COMMENT) && !rust_is(a, RK_BLOCK_COMMENT) &&
		    !constant_expr(a, src, depth + 1, parsed, literal))
			return false;
	}
	*parsed |= parsing_step(fn, src);
	if (rust_is(fn, RK_SCOPED_IDENTIFIER))
		return true;                    /* Type::f(literals) */
	if (rust_is(fn, RK_FIELD_EXPRESSION))   /* <constant>.m(literals) */
		return constant_expr(rust_child_by_field(fn, RF_VALUE), src, depth + 1, parsed,
				     literal);
	return false;
}

static bool parses_a_literal(TSNode recv, const char *src)
{
	bool parsed = false, literal = false;
	return constant_expr(recv, src, 0, &parsed, &literal) && parsed && literal;
}

/* `.checked_add(..)` and friends: unwrapping them is how Rust code asks for a
 * panic on overflow in release builds too, an assertion, not error handling. */
static bool checked_arithmetic(TSNode recv, const char *src)
{
	static const char *const ops[] = { "checked_add", "checked_sub", "checked_mul",
					   "checked_div", "checked_rem", "checked_neg",
					   "checked_shl", "checked_shr", "checked_pow" };
	TSNode name, args;

	if (!rust_method_call(recv, &name, &args))
		return false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (rust_node_text_eq(name, src, ops[i]))
			return true;
	return false;
}

/* The lowercase text of the comments on the lines just above `pos`'s line
 * (at most 4) and at the end of its own line, into buf. */
static void nearby_comments(const char *src, size_t len, uint32_t pos, char *buf, size_t cap)
{
	size_t o = 0, start = pos, end = pos;

	buf[0] = '\0';
	while (start > 0 && src[start - 1] != '\n')
		start--;
	while (end < len && src[end] != '\n')
		end++;
	/* The line's own trailing `// ...`. */
	for (size_t i = start; i + 1 < end; i++)
		if (src[i] == '/' && src[i + 1] == '/') {
			for (size_t k = i + 2; k < end && o + 1 < cap; k++)
				buf[o++] = (char)tolower((unsigned char)src[k]);
			break;
		}
	/* Comment lines directly above. */
	for (int lines = 0; lines < 4 && start > 0; lines++) {
		size_t le = start - 1, ls = le, p;
		while (ls > 0 && src[ls - 1] != '\n')
			ls--;
		for (p = ls; p < le && (src[p] == ' ' || src[p] == '\t'); p++)
			;
		if (le - p < 2 || src[p] != '/' || src[p + 1] != '/')
			break;
		if (o + 1 < cap)
			buf[o++] = ' ';
		for (size_t k = p + 2; k < le && o + 1 < cap; k++)
			buf[o++] = (char)tolower((unsigned char)src[k]);
		start = ls;
	}
	buf[o] = '\0';
}

static bool has_word(const char *t, const char *w);

/* A comment next to the call says why it cannot fail ("OK because ...",
 * "cannot fail: ..."), the way an invariant expect message would: one of a
 * few explicit phrases, since any prose mentions "never" or "only". */
static bool reason_in_comment(const struct rule_ctx *ctx, TSNode call)
{
	char text[1024];
	static const char *const reasons[] = {
		"ok because", "okay because", "safe because", "fine because", "cannot fail",
		"can't fail", "never fails", "won't fail", "will not fail", "can never fail",
		"infallible", "invariant", "guaranteed", "unwrap is fine", "unwrap is ok",
		"checked above", "always some", "always ok", "never none",
	};

	nearby_comments(ctx->src, ctx->len, ts_node_start_byte(rust_child_by_field(
		rust_child_by_field(call, RF_FUNCTION), RF_FIELD)), text, sizeof(text));
	if (!text[0] || has_word(text, "todo") || has_word(text, "fixme"))
		return false;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (has_word(text, reasons[i]))
			return true;
	return false;
}

bool idiom_unwrap_accepted(const struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);

	TSNode name = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_FIELD);
	/* An expect on a constant still has a message to judge (expect_used). */
	bool unwrap = rust_node_text_eq(name, ctx->src, "unwrap");

	return idiom_lock_unwrap(call, ctx->src) || idiom_write_to_string(call, ctx->src, scope) ||
	       idiom_checked_before(call, ctx->src) || (unwrap && parses_a_literal(recv, ctx->src)) ||
	       checked_arithmetic(recv, ctx->src) || reason_in_comment(ctx, call);
}

/* --- expect messages ------------------------------------------------------ */

/* True when `w` occurs in the lowercase text t as a whole word (or phrase). */
static bool has_word(const char *t, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(t, w); p; p = strstr(p + 1, w)) {
		bool before = p == t || !isalnum((unsigned char)p[-1]);
		bool after = !isalnum((unsigned char)p[n]);
		if (before && after)
			return true;
	}
	return false;
}

static bool starts_with_word(const char *t, const char *w)
{
	size_t n = strlen(w);
	return strncmp(t, w, n) == 0 && !isalnum((unsigned char)t[n]);
}

/* Messages that say what went wrong, not why it cannot. */
static bool says_what_failed(const char *t)
{
	static const char *const starts[] = { "fail", "failed", "failure", "failing", "unable",
					      "could not", "couldn't", "error", "err", "no",
					      "missing", "invalid", "bad", "oops", "todo" };
	static const char *const phrases[] = { "is none", "was none", "is null", "is err",
					       "was err", "went wrong", "not found", "not set",
					       "not present", "not valid", "not initialized",
					       "does not exist", "doesn't exist", "no such",
					       "should not happen", "shouldn't happen",
					       "should never happen", "cannot happen",
					       "can't happen", "impossible" };

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (starts_with_word(t, starts[i]))
			return true;
	if ((starts_with_word(t, "cannot") || starts_with_word(t, "can't")) &&
	    !has_word(t, "fail") && !has_word(t, "overflow") && !has_word(t, "be"))
		return true;
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (has_word(t, phrases[i]))
			return true;
	return false;
}

/* Words that give the reason a value is there: a precondition, a check
 * already made, a state the code is in, or a bound. */
static bool gives_a_reason(const char *t)
{
	static const char *const words[] = {
		"should", "must", "always", "never", "only", "guaranteed", "guarantees",
		"invariant", "infallible", "checked", "verified", "validated", "ensured",
		"ensures", "known", "construction", "already", "just", "above", "earlier",
		"previously", "before", "after", "completed", "complete", "polled", "twice",
		"initialized", "initialised", "inserted", "fits", "fit", "fewer", "less",
		"least", "most", "nonempty", "non-empty", "valid", "is set", "was set",
		"is some", "present", "exists", "static", "constant", "literal", "hardcoded",
		"because", "since", "cannot fail", "can't fail", "never fails", "succeeded",
		"contains", "holds", "at most", "at least",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (has_word(t, words[i]))
			return true;
	return false;
}

bool idiom_expect_states_invariant(TSNode args, const char *src)
{
	TSNode lit = { 0 };
	char text[256];
	const char *p, *q;
	size_t n = 0;

	for (uint32_t i = 0; i < ts_node_named_child_count(args); i++) {
		TSNode c = ts_node_named_child(args, i);
		if (!rust_is(c, RK_LINE_COMMENT) && !rust_is(c, RK_BLOCK_COMMENT)) {
			lit = c;
			break;
		}
	}
	if (!rust_is(lit, RK_STRING_LITERAL) && !rust_is(lit, RK_RAW_STRING_LITERAL))
		return false;
	/* The text between the quotes (a raw string's r#" .. "# included). */
	p = memchr(rust_node_ptr(lit, src), '"', rust_node_len(lit));
	q = rust_node_ptr(lit, src) + rust_node_len(lit);
	while (q > p && q[-1] != '"')
		q--;
	if (!p || q <= p + 1)
		return false;
	for (const char *c = p + 1; c < q - 1 && n + 1 < sizeof(text); c++)
		text[n++] = (char)tolower((unsigned char)*c);
	text[n] = '\0';
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		text[--n] = '\0';
	/* One word is a label ("literal", "config"), not a stated reason. */
	return n > 0 && strchr(text, ' ') && !says_what_failed(text) && gives_a_reason(text);
}

/* --- write! into a String ------------------------------------------------- */

/* Is `name` bound in fn (before `before`) to a String the fn made? */
static bool binds_new_string(TSNode fn, const char *src, TSNode name, uint32_t before)
{
	TSTreeCursor c = ts_tree_cursor_new(fn);
	bool found = false;
	uint32_t visits = 0;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (ts_node_start_byte(cur) >= before || ++visits > 20000)
			break;
		if (rust_is(cur, RK_LET_DECLARATION)) {
			TSNode pat = rust_child_by_field(cur, RF_PATTERN);
			TSNode ty = rust_child_by_field(cur, RF_TYPE);
			TSNode val = rust_child_by_field(cur, RF_VALUE);
			TSNode fnpath = rust_child_by_field(val, RF_FUNCTION);
			char path[64];
			if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, name, src))
				found = (!ts_node_is_null(ty) && rust_node_text_eq(ty, src, "String")) ||
					(rust_is(val, RK_CALL_EXPRESSION) &&
					 rust_path_text(fnpath, src, path, sizeof(path)) &&
					 (strcmp(path, "String::new") == 0 ||
					  strcmp(path, "String::with_capacity") == 0 ||
					  strcmp(path, "String::from") == 0 ||
					  strcmp(path, "String::default") == 0));
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

bool idiom_write_to_string(TSNode call, const char *src, const struct rust_scope *scope)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	TSNode mac, tt, first;
	uint32_t i = 0;

	if (!rust_is(recv, RK_MACRO_INVOCATION) || ts_node_is_null(scope->fn_item))
		return false;
	mac = rust_child_by_field(recv, RF_MACRO);
	if (!rust_node_text_eq(mac, src, "write") && !rust_node_text_eq(mac, src, "writeln"))
		return false;
	tt = rust_child_of_kind(recv, RK_TOKEN_TREE);
	if (ts_node_child_count(tt) < 3)
		return false;
	/* `s, ..`, `&mut s, ..` */
	first = ts_node_child(tt, ++i);
	if (rust_node_text_eq(first, src, "&")) {
		first = ts_node_child(tt, ++i);
		if (rust_is(first, RK_MUTABLE_SPECIFIER) || rust_node_text_eq(first, src, "mut"))
			first = ts_node_child(tt, ++i);
	}
	return rust_is(first, RK_IDENTIFIER) &&
	       binds_new_string(scope->fn_item, src, first, ts_node_start_byte(call));
}

/* --- the enclosing fn --------------------------------------------------------- */

enum idiom_ret idiom_enclosing_return(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	TSNode ret;

	if (ts_node_is_null(scope->fn_item) || scope->in_closure ||
	    api_fn_has_modifier(scope->fn_item, "const"))
		return IDIOM_RET_OTHER;
	ret = rust_child_by_field(scope->fn_item, RF_RETURN_TYPE);
	if (api_type_is(ret, ctx->src, "Result"))
		return IDIOM_RET_RESULT;
	if (api_type_is(ret, ctx->src, "Option"))
		return IDIOM_RET_OPTION;
	return IDIOM_RET_OTHER;
}
