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
