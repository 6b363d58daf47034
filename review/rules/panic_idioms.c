/* panic_idioms.c — accepted panics (lock poisoning, invariant expects,
 * documented panics, writes into a String) and the enclosing fn's return. */
#include "panic_idioms.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api_helpers.h"
#include "rule_helpers.h"
#include "value_kind.h"

/* --- documented panics ------------------------------------------------------ */

/* Where the fn's outer doc comments and attributes begin (its start when none). */
static uint32_t fn_doc_start(TSNode fn)
{
	uint32_t from = ts_node_start_byte(fn);

	/* The outer doc comments and attributes are the fn's preceding siblings. */
	for (TSNode prev = rust_prev_sibling(fn); !ts_node_is_null(prev);
	     prev = rust_prev_sibling(prev)) {
		enum rust_kind k = rust_node_kind(prev);
		if (k != RK_LINE_COMMENT && k != RK_BLOCK_COMMENT && k != RK_ATTRIBUTE_ITEM)
			break;
		from = ts_node_start_byte(prev);
	}
	return from;
}

/* The text of the `///` doc lines in [from, to), lowercased (or, compact,
 * with blanks removed and case kept), into buf. */
static void doc_text(const char *src, uint32_t from, uint32_t to, bool compact, char *buf,
		     size_t cap)
{
	size_t o = 0;

	for (uint32_t i = from; i + 2 < to; i++) {
		if (src[i] != '/' || src[i + 1] != '/' || src[i + 2] != '/' ||
		    (i > 0 && src[i - 1] == '/'))
			continue;
		if (!compact && o + 1 < cap)
			buf[o++] = ' ';
		for (i += 3; i < to && src[i] != '\n' && o + 1 < cap; i++)
			if (!compact)
				buf[o++] = (char)tolower((unsigned char)src[i]);
			else if (!isspace((unsigned char)src[i]))
				buf[o++] = src[i];
	}
	buf[o] = '\0';
}

static bool has_word(const char *t, const char *w);

/* Doc prose that says when the fn panics ("Panics if the list is empty"),
 * not that it never does. */
static bool doc_says_it_panics(const char *t)
{
	static const char *const yes[] = { "panics if", "panics when", "panics unless",
					   "panics on", "will panic", "panic if", "panic when" };
	static const char *const no[] = { "never panic", "never panics", "not panic",
					  "n't panic", "without panicking", "no panic" };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strstr(t, no[i]))
			return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (has_word(t, yes[i]))
			return true;
	return false;
}

bool idiom_panic_documented(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	TSNode fn = scope->fn_item;
	uint32_t from;
	char text[2048];

	if (ts_node_is_null(fn))
		return false;
	from = fn_doc_start(fn);
	if (from >= ts_node_start_byte(fn))
		return false;
	if (rust_doc_has_section(ctx->src, from, ts_node_start_byte(fn), "Panics"))
		return true;
	doc_text(ctx->src, from, ts_node_start_byte(fn), false, text, sizeof(text));
	return doc_says_it_panics(text);
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
	TSNode dot = rust_prev_sibling(name);
	TSNode tt = rust_prev_sibling(dot);
	TSNode method = rust_prev_sibling(tt);

	if (!rust_is(dot, RK_DOT) || !rust_is(tt, RK_TOKEN_TREE) || !rust_is(method, RK_IDENTIFIER) ||
	    !rust_is(rust_prev_sibling(method), RK_DOT))
		return false;
	/* Only the count of arguments matters; inside ( ) commas separate them. */
	uint32_t inner = rust_tt_inner_count(tt), commas = 0;
	for (uint32_t i = 0; i < ts_node_child_count(tt); i++)
		commas += rust_is(ts_node_child(tt, i), RK_COMMA);
	return lock_method(method, src, inner == 0 ? 0 : commas + 1);
}

static bool tt_future_state(struct rule_ctx *ctx, TSNode name, const struct rust_scope *scope);

struct tt_match {
	struct rule_ctx *ctx;
	const struct rust_scope *scope;
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
	    (m->nargs == 1 && idiom_expect_states_invariant(args, m->ctx->src)) ||
	    (m->nargs == 0 && tt_future_state(m->ctx, name, m->scope)))
		return 0;
	return rule_emit_nodes(m->ctx, name, args, m->message, NULL);
}

int idiom_tt_method_calls(struct rule_ctx *ctx, TSNode tt, const struct rust_scope *scope,
			  const char *method, uint32_t nargs, const char *message)
{
	struct tt_match m = { ctx, scope, method, nargs, message };
	return rust_tt_method_calls(tt, tt_report, &m);
}

/* --- checked preconditions ------------------------------------------------- */

/* Nodes and statements one file's guard lookups may visit (earlier
 * statements, let bindings behind a condition), so that many unwraps in one
 * huge fn stay linear; past it, calls are reported. A call looks back over at
 * most GUARD_STATEMENTS statements. */
#define GUARD_SEARCH_BUDGET 200000u
#define GUARD_STATEMENTS 64

/* The values a call depends on: the variable or `self.field` its receiver
 * chain starts from, or, for a receiver made by a path call
 * (`u8::try_from(ch)`), those of the call's arguments. */
#define MAX_ROOTS 4
struct roots {
	char v[MAX_ROOTS][128];
	int n;
};

/* Down a receiver chain (method calls, `?`, parentheses, `*`, `&`) to its base. */
static TSNode chain_base(TSNode n)
{
	for (int guard = 0; guard < 32 && !ts_node_is_null(n); guard++) {
		TSNode name, args;
		if (rust_method_call(n, &name, &args))
			n = rust_child_by_field(rust_child_by_field(n, RF_FUNCTION), RF_VALUE);
		else if (rust_is(n, RK_PARENTHESIZED_EXPRESSION) || rust_is(n, RK_TRY_EXPRESSION) ||
			 rust_node_is(n, "unary_expression") ||
			 rust_is(n, RK_REFERENCE_EXPRESSION))
			n = ts_node_named_child(n, ts_node_named_child_count(n) - 1);
		else
			break;
	}
	return n;
}

/* The variable or `self.field` that n (a chain base) names, into buf:
 * `queries` -> "queries", `self.cfg.x` -> "self.cfg", `x.a.b` -> "x". */
static bool path_root(TSNode n, const char *src, char *buf, size_t cap)
{
	char path[128];
	char *dot;

	if (!(rust_is(n, RK_IDENTIFIER) || rust_is(n, RK_FIELD_EXPRESSION) ||
	      rust_node_is(n, "self")) ||
	    !rust_path_text(n, src, path, sizeof(path)))
		return false;
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

static void roots_add(struct roots *r, TSNode n, const char *src)
{
	if (r->n < MAX_ROOTS && path_root(n, src, r->v[r->n], sizeof(r->v[0])))
		r->n++;
}

static void receiver_roots(TSNode recv, const char *src, struct roots *r)
{
	TSNode base = chain_base(recv), fn, args;

	r->n = 0;
	if (ts_node_is_null(base))
		return;
	roots_add(r, base, src);
	if (r->n || !rust_is(base, RK_CALL_EXPRESSION))
		return;
	fn = rust_child_by_field(base, RF_FUNCTION);
	if (rust_is(fn, RK_GENERIC_FUNCTION))
		fn = rust_child_by_field(fn, RF_FUNCTION);
	if (!rust_is(fn, RK_SCOPED_IDENTIFIER) && !rust_is(fn, RK_IDENTIFIER))
		return;
	args = rust_child_by_field(base, RF_ARGUMENTS);
	for (uint32_t i = 0; i < ts_node_named_child_count(args); i++)
		roots_add(r, chain_base(ts_node_named_child(args, i)), src);
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does text (blanks removed) name root: `root.`-something or `root` alone? */
static bool text_mentions(const char *text, const char *root)
{
	size_t n = strlen(root);

	for (const char *p = strstr(text, root); p; p = strstr(p + 1, root)) {
		bool before = p == text || (!ident_char(p[-1]) && p[-1] != '.');
		bool after = !ident_char(p[n]);
		if (before && after)
			return true;
	}
	return false;
}

/* The node's text without blanks into buf (cut at cap: a prefix). */
static void compact_text(TSNode n, const char *src, char *buf, size_t cap)
{
	const char *p = rust_node_ptr(n, src);
	uint32_t len = rust_node_len(n);
	size_t o = 0;

	for (uint32_t i = 0; i < len && o + 1 < cap; i++)
		if (!isspace((unsigned char)p[i]))
			buf[o++] = p[i];
	buf[o] = '\0';
}

static bool mentions_any(TSNode n, const char *src, const struct roots *r)
{
	char text[1024];

	if (ts_node_is_null(n))
		return false;
	compact_text(n, src, text, sizeof(text));
	for (int i = 0; i < r->n; i++)
		if (text_mentions(text, r->v[i]))
			return true;
	return false;
}

/* What guard lookups share: the file (for the budget), the enclosing fn,
 * the roots, and the receiver's own text (blanks removed). */
struct guard_ctx {
	struct rule_ctx *ctx;
	TSNode fn;
	const struct roots *roots;
	const char *recv_text;
};

/* The value of the last `let name = value` in fn before `before`, or null. */
static TSNode let_value(struct guard_ctx *g, TSNode name, uint32_t before)
{
	TSTreeCursor c = ts_tree_cursor_new(g->fn);
	TSNode found = { 0 };

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (ts_node_start_byte(cur) >= before || g->ctx->guard_visits >= GUARD_SEARCH_BUDGET)
			break;
		g->ctx->guard_visits++;
		if (rust_is(cur, RK_LET_DECLARATION)) {
			TSNode pat = rust_child_by_field(cur, RF_PATTERN);
			if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, name, g->ctx->src))
				found = rust_child_by_field(cur, RF_VALUE);
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* Does cond test one of the roots, directly or through a local bound from
 * it (`let min = self.p.min_len(); match (min, ..)`)? */
static bool tests_roots(struct guard_ctx *g, TSNode cond)
{
	TSTreeCursor c;
	uint32_t checked = 0;
	bool found = false;

	if (ts_node_is_null(cond))
		return false;
	if (mentions_any(cond, g->ctx->src, g->roots))
		return true;
	c = ts_tree_cursor_new(cond);
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (rust_is(cur, RK_IDENTIFIER) && checked++ < 8) {
			TSNode v = let_value(g, cur, ts_node_start_byte(cond));
			if (!ts_node_is_null(v) && mentions_any(v, g->ctx->src, g->roots)) {
				found = true;
				break;
			}
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* +1 when cond is exactly `root.is_some()` / `root.is_ok()` (or `!` of
 * is_none/is_err): the value is there; -1 for the opposite tests; 0 for
 * anything else (any other test of the value counts as a check). */
static int presence_of(const char *text, const char *value)
{
	static const char *const present[] = { ".is_some()", ".is_ok()" };
	static const char *const absent[] = { ".is_none()", ".is_err()" };
	size_t n = strlen(value);
	bool neg = text[0] == '!';
	const char *t = text + neg;

	if (!n || strncmp(t, value, n) != 0)
		return 0;
	for (size_t k = 0; k < 2; k++) {
		if (strcmp(t + n, present[k]) == 0)
			return neg ? -1 : 1;
		if (strcmp(t + n, absent[k]) == 0)
			return neg ? 1 : -1;
	}
	return 0;
}

/* The same test of the receiver itself (`self.current().is_some()` before
 * `self.current().unwrap()`): +1 / -1 as presence_test, 0 when it is not one. */
static int receiver_test(struct guard_ctx *g, TSNode cond)
{
	char text[256];

	if (!g->recv_text || ts_node_is_null(cond))
		return 0;
	compact_text(cond, g->ctx->src, text, sizeof(text));
	return presence_of(text, g->recv_text);
}

static int presence_test(TSNode cond, const char *src, const struct roots *r)
{
	char text[256];

	compact_text(cond, src, text, sizeof(text));
	for (int i = 0; i < r->n; i++) {
		int p = presence_of(text, r->v[i]);
		if (p)
			return p;
	}
	return 0;
}

/* The last segment of a macro invocation's name (`std::panic` -> "panic"). */
static bool macro_name_is(TSNode mac, const char *src, const char *const *names, size_t n)
{
	char path[64];
	const char *last;

	if (!rust_is(mac, RK_MACRO_INVOCATION) ||
	    !rust_path_text(rust_child_by_field(mac, RF_MACRO), src, path, sizeof(path)))
		return false;
	last = strrchr(path, ':');
	last = last ? last + 1 : path;
	for (size_t i = 0; i < n; i++)
		if (strcmp(last, names[i]) == 0)
			return true;
	return false;
}

/* Does evaluating n never reach its end: `return`, `continue`, `break`, a
 * panicking macro, or a block that ends in one of these? */
static bool diverges(TSNode n, const char *src)
{
	static const char *const macros[] = { "panic", "unreachable", "unimplemented", "todo",
					      "bail" };

	for (int depth = 0; depth < 8 && !ts_node_is_null(n); depth++) {
		const char *t = ts_node_type(n);   /* n is not null here */
		if (rust_is(n, RK_BLOCK) || strcmp(t, "else_clause") == 0) {
			TSNode last = { 0 };
			for (uint32_t i = ts_node_named_child_count(n); i > 0; i--) {
				TSNode c = ts_node_named_child(n, i - 1);
				if (!rust_is(c, RK_LINE_COMMENT) && !rust_is(c, RK_BLOCK_COMMENT)) {
					last = c;
					break;
				}
			}
			n = last;
		} else if (rust_is(n, RK_EXPRESSION_STATEMENT)) {
			n = ts_node_named_child(n, 0);
		} else {
			return strcmp(t, "return_expression") == 0 ||
			       strcmp(t, "continue_expression") == 0 ||
			       strcmp(t, "break_expression") == 0 ||
			       macro_name_is(n, src, macros, sizeof(macros) / sizeof(macros[0]));
		}
	}
	return false;
}

/* A match on the value with an arm that leaves (`None => return None`). */
static bool match_exits(struct guard_ctx *g, TSNode m)
{
	TSNode body = ts_node_child_by_field_name(m, "body", 4);

	if (!tests_roots(g, rust_child_by_field(m, RF_VALUE)))
		return false;
	for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
		TSNode arm = ts_node_named_child(body, i);
		if (rust_node_is(arm, "match_arm") &&
		    diverges(rust_child_by_field(arm, RF_VALUE), g->ctx->src))
			return true;
	}
	return false;
}

/* `Some(..)` / `Ok(..)`. */
static bool wraps_a_value(TSNode v, const char *src)
{
	TSNode fn;

	if (!rust_is(v, RK_CALL_EXPRESSION))    /* also `let x;`: no value at all */
		return false;
	fn = rust_child_by_field(v, RF_FUNCTION);
	return rust_node_text_eq(fn, src, "Some") || rust_node_text_eq(fn, src, "Ok");
}

/* Methods that look at an Option in place (no arguments): `.as_mut()`, ... */
static bool is_adapter(TSNode name, const char *src)
{
	static const char *const adapters[] = { "as_ref", "as_mut", "take", "as_deref",
						"as_deref_mut", "as_pin_mut" };
	for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++)
		if (rust_node_text_eq(name, src, adapters[i]))
			return true;
	return false;
}

/* Down `.as_mut()`, `.as_ref()`, `.take()`, ... to the value they adapt. */
static TSNode strip_adapters(TSNode recv, const char *src)
{
	TSNode name, args;

	for (int guard = 0; guard < 4 && rust_method_call(recv, &name, &args) &&
			    is_adapter(name, src) && rust_named_arg_count(args) == 0;
	     guard++)
		recv = rust_child_by_field(rust_child_by_field(recv, RF_FUNCTION), RF_VALUE);
	return recv;
}

/* Is recv the root itself, seen through `.as_ref()`, `.as_mut()`, `.take()`? */
static bool plain_receiver(TSNode recv, const char *src, const char *root)
{
	char text[128];

	return rust_path_text(strip_adapters(recv, src), src, text, sizeof(text)) &&
	       strcmp(text, root) == 0;
}

enum guard { GUARD_NONE, GUARD_YES, GUARD_STOP };

/* Does the statement (all of it, blanks removed) take a root's value away:
 * `x.take()`, `x = None`? Unknown (no memory) counts as yes: report. */
static bool takes_a_root(TSNode stmt, const char *src, const struct roots *r)
{
	uint32_t len = rust_node_len(stmt);
	char *text = malloc((size_t)len + 1);
	bool takes = false;

	if (!text)
		return true;
	compact_text(stmt, src, text, (size_t)len + 1);
	for (int i = 0; i < r->n && !takes; i++) {
		char take[160], none[160];
		snprintf(take, sizeof(take), "%s.take()", r->v[i]);
		snprintf(none, sizeof(none), "%s=None", r->v[i]);
		takes = strstr(text, take) || strstr(text, none);
	}
	free(text);
	return takes;
}

/* What an earlier statement of an enclosing block says about the roots:
 * an exit when they fail a test (`if x.is_none() { return; }`, `let Some(..)
 * = x else { .. }`, a match with an exiting arm, `x.check()?`), an
 * assertion (`assert!(x.len() == 1)`), a `Some(..)` just stored in the value
 * the call takes as is; GUARD_STOP when it takes the value away again. */
static enum guard statement_guard(struct guard_ctx *g, TSNode stmt, TSNode recv)
{
	static const char *const asserts[] = { "assert", "assert_eq", "assert_ne",
					       "debug_assert", "debug_assert_eq",
					       "debug_assert_ne" };
	const char *src = g->ctx->src;
	TSNode e = rust_is(stmt, RK_EXPRESSION_STATEMENT) ? ts_node_named_child(stmt, 0) : stmt;
	const char *t = ts_node_is_null(e) ? "" : ts_node_type(e);
	char text[512];

	if (rust_is(e, RK_LINE_COMMENT) || rust_is(e, RK_BLOCK_COMMENT))
		return GUARD_NONE;
	if (takes_a_root(e, src, g->roots))
		return GUARD_STOP;
	if (strcmp(t, "if_expression") == 0) {
		TSNode cond = rust_child_by_field(e, RF_CONDITION);
		int presence = receiver_test(g, cond);
		if (!diverges(ts_node_child_by_field_name(e, "consequence", 11), src))
			return GUARD_NONE;
		if (presence)
			return presence == -1 ? GUARD_YES : GUARD_NONE;
		return presence_test(cond, src, g->roots) != 1 && tests_roots(g, cond) ? GUARD_YES
											: GUARD_NONE;
	}
	if (strcmp(t, "match_expression") == 0)
		return match_exits(g, e) ? GUARD_YES : GUARD_NONE;
	if (rust_is(e, RK_MACRO_INVOCATION))
		return macro_name_is(e, src, asserts, sizeof(asserts) / sizeof(asserts[0])) &&
		       tests_roots(g, rust_child_of_kind(e, RK_TOKEN_TREE)) ? GUARD_YES : GUARD_NONE;
	if (rust_is(e, RK_TRY_EXPRESSION))
		return tests_roots(g, e) ? GUARD_YES : GUARD_NONE;
	if (rust_is(e, RK_ASSIGNMENT_EXPRESSION)) {
		TSNode left = rust_child_by_field(e, RF_LEFT);
		for (int i = 0; i < g->roots->n; i++)
			if (rust_path_text(left, src, text, sizeof(text)) &&
			    strcmp(text, g->roots->v[i]) == 0 &&
			    wraps_a_value(rust_child_by_field(e, RF_RIGHT), src) &&
			    plain_receiver(recv, src, g->roots->v[i]))
				return GUARD_YES;
		return GUARD_NONE;
	}
	if (rust_is(e, RK_LET_DECLARATION)) {
		TSNode pat = rust_child_by_field(e, RF_PATTERN);
		TSNode value = rust_child_by_field(e, RF_VALUE);
		if (!ts_node_is_null(ts_node_child_by_field_name(e, "alternative", 11)) &&
		    tests_roots(g, value))
			return GUARD_YES;        /* let-else */
		if (rust_node_is(value, "match_expression") && match_exits(g, value))
			return GUARD_YES;
		if (rust_is(value, RK_TRY_EXPRESSION) && tests_roots(g, value))
			return GUARD_YES;
		for (int i = 0; i < g->roots->n; i++)
			if (rust_is(pat, RK_IDENTIFIER) && rust_node_text_eq(pat, src, g->roots->v[i]) &&
			    wraps_a_value(value, src) && plain_receiver(recv, src, g->roots->v[i]))
				return GUARD_YES;
	}
	return GUARD_NONE;
}

/* In a branch of an `if` or `match` that tests the roots: in the `if`'s
 * consequence unless the test says the value is absent, in its `else`
 * unless it says the value is there. */
static bool branch_tests(struct guard_ctx *g, TSNode parent, TSNode child)
{
	const char *t = ts_node_is_null(parent) ? "" : ts_node_type(parent);

	if (strcmp(t, "if_expression") == 0) {
		TSNode cond = rust_child_by_field(parent, RF_CONDITION);
		bool then = ts_node_eq(ts_node_child_by_field_name(parent, "consequence", 11), child);
		int presence = receiver_test(g, cond);
		if (ts_node_eq(cond, child))
			return false;
		if (presence)
			return then ? presence == 1 : presence == -1;
		if (!tests_roots(g, cond))
			return false;
		presence = presence_test(cond, g->ctx->src, g->roots);
		return then ? presence != -1 : presence != 1;
	}
	/* `x.is_some() && x.unwrap() > 1`, `x.is_none() || x.unwrap() > 1`: the
	 * right operand runs only when the left one let it. */
	if (rust_is(parent, RK_BINARY_EXPRESSION) &&
	    ts_node_eq(rust_child_by_field(parent, RF_RIGHT), child)) {
		TSNode op = rust_child_by_field(parent, RF_OPERATOR), left;
		bool and = rust_node_text_eq(op, g->ctx->src, "&&");
		int presence;
		if (!and && !rust_node_text_eq(op, g->ctx->src, "||"))
			return false;
		left = rust_child_by_field(parent, RF_LEFT);
		if ((presence = receiver_test(g, left)))
			return and ? presence == 1 : presence == -1;
		if (!tests_roots(g, left))
			return false;
		presence = presence_test(left, g->ctx->src, g->roots);
		return and ? presence != -1 : presence != 1;
	}
	return strcmp(t, "match_expression") == 0 &&
	       !ts_node_eq(rust_child_by_field(parent, RF_VALUE), child) &&
	       tests_roots(g, rust_child_by_field(parent, RF_VALUE));
}

/* The named children of block before child, the last GUARD_STATEMENTS of
 * them, into ring (oldest first); their count, or -1 past the budget. Walked
 * forward with a cursor: tree-sitter 0.20 finds a previous sibling by
 * walking from the first. */
static int statements_before(struct rule_ctx *ctx, TSNode block, TSNode child, TSNode *ring)
{
	TSTreeCursor c = ts_tree_cursor_new(block);
	size_t count = 0;
	int n = 0;

	if (ts_tree_cursor_goto_first_child(&c))
		do {
			TSNode cur = ts_tree_cursor_current_node(&c);
			if (ts_node_eq(cur, child))
				break;
			if (++ctx->guard_visits > GUARD_SEARCH_BUDGET) {
				ts_tree_cursor_delete(&c);
				return -1;
			}
			if (ts_node_is_named(cur))
				ring[count++ % GUARD_STATEMENTS] = cur;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	ts_tree_cursor_delete(&c);
	/* Oldest first: rotate the ring into order. */
	if (count > GUARD_STATEMENTS) {
		TSNode tmp[GUARD_STATEMENTS];
		for (size_t i = 0; i < GUARD_STATEMENTS; i++)
			tmp[i] = ring[(count + i) % GUARD_STATEMENTS];
		memcpy(ring, tmp, sizeof(tmp));
		n = GUARD_STATEMENTS;
	} else {
		n = (int)count;
	}
	return n;
}

bool idiom_checked_before(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	struct roots roots;
	char recv_text[256];
	struct guard_ctx g = { ctx, scope->fn_item, &roots, recv_text };
	TSNode n = call, ring[GUARD_STATEMENTS];

	if (ts_node_is_null(recv) || ts_node_is_null(scope->fn_item))
		return false;
	receiver_roots(recv, ctx->src, &roots);
	compact_text(recv, ctx->src, recv_text, sizeof(recv_text));
	if (roots.n == 0 && !strchr(recv_text, '('))
		return false;       /* no value to follow, and no call to test as is */
	for (int depth = 0; depth < 48; depth++) {
		TSNode parent = ts_node_parent(n);
		if (ts_node_is_null(parent) || rust_is(parent, RK_FUNCTION_ITEM) ||
		    rust_is(parent, RK_CLOSURE_EXPRESSION) || ctx->guard_visits >= GUARD_SEARCH_BUDGET)
			return false;
		if (branch_tests(&g, parent, n))
			return true;
		/* Statements of an enclosing block that run before the call, nearest first. */
		if (rust_is(parent, RK_BLOCK)) {
			int k = statements_before(ctx, parent, n, ring);
			if (k < 0)
				return false;
			while (k-- > 0) {
				enum guard s = statement_guard(&g, ring[k], recv);
				if (s == GUARD_YES)
					return true;
				if (s == GUARD_STOP)
					return false;
			}
		}
		n = parent;
	}
	return false;
}

/* --- a Future's state, kept in an Option until it completes ----------------- */

/* `poll` / `poll_*` taking `self: Pin<&mut Self>`: Future, Stream, AsyncRead, ... */
static bool poll_method(TSNode fn, const char *src)
{
	TSNode name = rust_child_by_field(fn, RF_NAME);
	char params[256];

	if (!rust_node_text_eq(name, src, "poll") &&
	    !(rust_node_len(name) > 5 && memcmp(rust_node_ptr(name, src), "poll_", 5) == 0))
		return false;
	compact_text(rust_child_by_field(fn, RF_PARAMETERS), src, params, sizeof(params));
	return strstr(params, "self:Pin<&mutSelf>") != NULL;
}

/* Text without a leading `&`, `&mut`, `*`. */
static const char *deref_text(const char *t)
{
	for (;;) {
		if (strncmp(t, "&mut", 4) == 0 && !ident_char(t[4]))
			t += 4;
		else if (*t == '&' || *t == '*')
			t++;
		else
			return t;
	}
}

/* The innermost closure around call (below the fn), or a null node; *poll_fn
 * tells whether it is an argument of `poll_fn(..)`. */
static TSNode enclosing_closure(TSNode call, const char *src, bool *poll_fn)
{
	TSNode n = call;

	*poll_fn = false;
	for (int depth = 0; depth < 48; depth++) {
		TSNode parent = ts_node_parent(n);
		if (ts_node_is_null(parent) || rust_is(parent, RK_FUNCTION_ITEM))
			break;
		if (rust_is(parent, RK_CLOSURE_EXPRESSION)) {
			TSNode args = ts_node_parent(parent), callee;
			char path[128];
			size_t len;
			if (!rust_is(args, RK_ARGUMENTS))
				return parent;
			callee = rust_child_by_field(ts_node_parent(args), RF_FUNCTION);
			if (rust_is(callee, RK_GENERIC_FUNCTION))
				callee = rust_child_by_field(callee, RF_FUNCTION);
			if (rust_path_text(callee, src, path, sizeof(path)) &&
			    (len = strlen(path)) >= 7 && strcmp(path + len - 7, "poll_fn") == 0 &&
			    (len == 7 || path[len - 8] == ':'))
				*poll_fn = true;
			return parent;
		}
		n = parent;
	}
	return (TSNode){ 0 };
}

/* In a poll method: is name bound by the pattern of a match arm around anchor
 * whose match is on the state itself (`match self.state { Idle(ref mut buf)
 * => buf.take().unwrap() }`)? */
static bool bound_from_self_state(const char *src, TSNode name, TSNode anchor)
{
	char text[256];
	TSNode n = anchor;

	for (int depth = 0; depth < 48; depth++) {
		TSNode parent = ts_node_parent(n);
		if (ts_node_is_null(parent) || rust_is(parent, RK_FUNCTION_ITEM))
			return false;
		if (rust_node_is(parent, "match_arm")) {
			TSNode m = ts_node_parent(ts_node_parent(parent));
			if (rule_ident_mentions(rust_child_by_field(parent, RF_PATTERN), src, name, NULL) &&
			    rust_node_is(m, "match_expression")) {
				compact_text(rust_child_by_field(m, RF_VALUE), src, text, sizeof(text));
				return strncmp(deref_text(text), "self", 4) == 0 &&
				       !ident_char(deref_text(text)[4]) && !strchr(text, '(');
			}
		}
		n = parent;
	}
	return false;
}

/*
 * Is `text` (a variable or field path, blanks removed; base its first
 * identifier or a null node) the state a Future (or Stream, or a `poll_fn`
 * closure) keeps in an Option until it completes: `self.inner` (or a field of
 * `let this = self.project()`) in a poll method, or, in `poll_fn(move |cx|
 * ..)`, a variable the fn set to `Some(..)` before the closure? anchor: the
 * call (or its token) being judged.
 */
static bool future_state_of(struct rule_ctx *ctx, const struct rust_scope *scope, const char *text,
			    TSNode base, TSNode anchor, bool took)
{
	struct roots r = { .n = 0 };
	struct guard_ctx g = { ctx, scope->fn_item, &r, NULL };
	TSNode closure, v;
	char value[256];
	bool poll_fn;

	if (ts_node_is_null(scope->fn_item))
		return false;
	if (poll_method(scope->fn_item, ctx->src) && !scope->in_closure) {
		if (strncmp(text, "self.", 5) == 0)
			return true;
		if (!rust_is(base, RK_IDENTIFIER))
			return false;
		if (ts_node_is_null(v = let_value(&g, base, ts_node_start_byte(anchor))))
			return bound_from_self_state(ctx->src, base, anchor);
		compact_text(v, ctx->src, value, sizeof(value));
		return strncmp(deref_text(value), "self", 4) == 0 && !ident_char(deref_text(value)[4]);
	}
	/* poll_fn(|cx| ..) over a `Some(..)`; or any closure that takes a value
	 * set to `Some(..)` before it: an FnOnce called through an FnMut, the
	 * take-once idiom (a second call is the contract violation). */
	closure = enclosing_closure(anchor, ctx->src, &poll_fn);
	if (ts_node_is_null(closure) || (!poll_fn && !took) || !rust_is(base, RK_IDENTIFIER) ||
	    strchr(text, '.'))
		return false;
	v = let_value(&g, base, ts_node_start_byte(closure));
	return !ts_node_is_null(v) && wraps_a_value(v, ctx->src);
}

/* `.unwrap()` of `<state>.as_mut()`, `.take()`, `.as_ref()`, ...: see future_state_of.
 * Polling again after completion is a contract violation that std's Future
 * docs allow to panic. */
static bool future_state(struct rule_ctx *ctx, TSNode call, TSNode recv,
			 const struct rust_scope *scope)
{
	TSNode state = strip_adapters(recv, ctx->src), base;
	char text[256];

	if (ts_node_eq(state, recv) ||
	    !(rust_is(state, RK_IDENTIFIER) || rust_is(state, RK_FIELD_EXPRESSION)))
		return false;          /* no adapter: not an Option kept in place */
	compact_text(state, ctx->src, text, sizeof(text));
	for (base = state; rust_is(base, RK_FIELD_EXPRESSION);)
		base = rust_child_by_field(base, RF_VALUE);
	{
		TSNode name, args;
		bool took = rust_method_call(recv, &name, &args) &&
			    rust_node_text_eq(name, ctx->src, "take");
		return future_state_of(ctx, scope, text, base, call, took);
	}
}

static bool tt_is(TSNode n, const char *src, const char *text)
{
	return !ts_node_is_null(n) && rust_node_text_eq(n, src, text);
}

/* The same inside a macro's arguments (`ready!(self.inner.as_mut().unwrap()
 * .poll(cx))`): the tokens `<path> . <adapter> ( ) . unwrap ( )`, where name
 * is the `unwrap` token. */
static bool tt_future_state(struct rule_ctx *ctx, TSNode name, const struct rust_scope *scope)
{
	const char *src = ctx->src;
	TSNode dot = rust_prev_sibling(name), args = rust_prev_sibling(dot);
	TSNode adapter = rust_prev_sibling(args), dot2 = rust_prev_sibling(adapter), t, first;
	char text[256];
	size_t o = sizeof(text) - 1;

	if (!tt_is(dot, src, ".") || !rust_is(args, RK_TOKEN_TREE) || rust_tt_inner_count(args) ||
	    !rust_is(adapter, RK_IDENTIFIER) || !is_adapter(adapter, src) || !tt_is(dot2, src, "."))
		return false;
	/* The path before it, read backwards: ident (. ident)* */
	text[o] = '\0';
	t = rust_prev_sibling(dot2);
	first = t;
	for (int parts = 0; parts < 6; parts++) {
		uint32_t n = rust_node_len(t);
		if (!(rust_is(t, RK_IDENTIFIER) || tt_is(t, src, "self")) || n + 1 > o)
			return false;
		o -= n;
		memcpy(text + o, rust_node_ptr(t, src), n);
		first = t;
		if (!tt_is(rust_prev_sibling(t), src, "."))
			break;
		text[--o] = '.';
		t = rust_prev_sibling(rust_prev_sibling(t));
	}
	return future_state_of(ctx, scope, text + o, first, name,
			       rust_node_text_eq(adapter, src, "take"));
}

/* --- conversions the syntax proves cannot fail ------------------------------ */

static bool parse_int_literal(TSNode lit, const char *src, unsigned long long *out)
{
	char digits[64];
	size_t n = 0;
	const char *p = rust_node_ptr(lit, src), *end = p + rust_node_len(lit);
	int base = 10;

	if (!rust_is(lit, RK_INTEGER_LITERAL))
		return false;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
		base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		p += 2;
	}
	for (; p < end && n + 1 < sizeof(digits); p++) {
		if (*p == '_')
			continue;
		if (!isxdigit((unsigned char)*p) || (base != 16 && !isdigit((unsigned char)*p)))
			break;          /* a suffix: u8, usize, ... */
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (n == 0 || n > 19)
		return false;
	*out = strtoull(digits, NULL, base);
	return true;
}

/* The largest value of an integer type named by text, or 0 when it is not one. */
static unsigned long long int_type_max(const char *t, bool *is_unsigned)
{
	static const struct { const char *name; unsigned long long max; bool u; } types[] = {
		{ "u8", 0xffULL, true }, { "u16", 0xffffULL, true }, { "u32", 0xffffffffULL, true },
		{ "u64", ~0ULL, true }, { "u128", ~0ULL, true }, { "usize", 0xffffffffULL, true },
		{ "i8", 0x7fULL, false }, { "i16", 0x7fffULL, false },
		{ "i32", 0x7fffffffULL, false }, { "i64", 0x7fffffffffffffffULL, false },
		{ "i128", 0x7fffffffffffffffULL, false }, { "isize", 0x7fffffffULL, false },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i].name) == 0) {
			if (is_unsigned)
				*is_unsigned = types[i].u;
			return types[i].max;
		}
	return 0;
}

/* Is the expression visibly of an unsigned integer type: a cast `as u64`, or
 * a parameter or `let` declared with one? */
static bool unsigned_operand(struct guard_ctx *g, TSNode e, uint32_t before)
{
	const char *src = g->ctx->src;
	char text[32];
	bool u = false;

	if (rust_node_is(e, "type_cast_expression"))
		return rust_path_text(rust_child_by_field(e, RF_TYPE), src, text, sizeof(text)) &&
		       int_type_max(text, &u) && u;
	if (!rust_is(e, RK_IDENTIFIER))
		return false;
	{
		TSNode params = rust_child_by_field(g->fn, RF_PARAMETERS);
		for (uint32_t i = 0; i < ts_node_named_child_count(params); i++) {
			TSNode p = ts_node_named_child(params, i);
			if (rust_is(p, RK_PARAMETER) &&
			    rule_same_text(rust_child_by_field(p, RF_PATTERN), e, src))
				return rust_path_text(rust_child_by_field(p, RF_TYPE), src, text,
						      sizeof(text)) &&
				       int_type_max(text, &u) && u;
		}
	}
	{
		TSNode v = let_value(g, e, before), decl;
		if (ts_node_is_null(v))
			return false;
		decl = ts_node_parent(v);
		return rust_path_text(rust_child_by_field(decl, RF_TYPE), src, text, sizeof(text)) &&
		       int_type_max(text, &u) && u;
	}
}

/*
 * `u8::try_from(x & 0xff)`, `u8::try_from(n % 10)` with n of an unsigned type
 * (a parameter, a typed `let`, a cast): the operand's range fits the target,
 * so the conversion cannot fail and the unwrap states what the code proves.
 */
static bool bounded_conversion(struct rule_ctx *ctx, TSNode recv, const struct rust_scope *scope)
{
	TSNode fn = rust_child_by_field(recv, RF_FUNCTION), args, arg, op;
	struct roots r = { .n = 0 };
	struct guard_ctx g = { ctx, scope->fn_item, &r, NULL };
	char path[64], *sep;
	unsigned long long target, lit;

	if (!rust_is(recv, RK_CALL_EXPRESSION) || !rust_is(fn, RK_SCOPED_IDENTIFIER) ||
	    ts_node_is_null(scope->fn_item) || !rust_path_text(fn, ctx->src, path, sizeof(path)) ||
	    !(sep = strstr(path, "::try_from")) || strcmp(sep, "::try_from") != 0)
		return false;
	*sep = '\0';
	if (!(target = int_type_max(path, NULL)))
		return false;
	args = rust_child_by_field(recv, RF_ARGUMENTS);
	if (rust_named_arg_count(args) != 1)
		return false;
	arg = ts_node_named_child(args, 0);
	while (rust_is(arg, RK_PARENTHESIZED_EXPRESSION))
		arg = ts_node_named_child(arg, 0);
	if (!rust_is(arg, RK_BINARY_EXPRESSION) ||
	    !parse_int_literal(rust_child_by_field(arg, RF_RIGHT), ctx->src, &lit))
		return false;
	op = rust_child_by_field(arg, RF_OPERATOR);
	if (rust_node_text_eq(op, ctx->src, "&"))
		return lit <= target;
	if (rust_node_text_eq(op, ctx->src, "%")) {
		TSNode left = rust_child_by_field(arg, RF_LEFT);
		while (rust_is(left, RK_PARENTHESIZED_EXPRESSION))
			left = ts_node_named_child(left, 0);
		return lit >= 1 && lit - 1 <= target &&
		       unsigned_operand(&g, left, ts_node_start_byte(recv));
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
					     "try_into", "from_bytes", "build" };
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

/* Does the line [p, le) hold `same` (blanks ignored)? */
static bool line_holds(const char *p, const char *le, const char *same)
{
	char line[512];
	size_t o = 0;

	for (; p < le && o + 1 < sizeof(line); p++)
		if (!isspace((unsigned char)*p))
			line[o++] = *p;
	line[o] = '\0';
	return strstr(line, same) != NULL;
}

/* The lowercase text of the comments about `pos`'s line, into buf: at the
 * end of the line, and the comment block just above it (at most 4 lines) or
 * above a run of parallel statements it heads: when `same` is given, at most
 * 3 lines of code in between that each hold `same` too, no blank line
 * ("// OK because both are finite" over `let a = x.len().unwrap();` and `let
 * b = y.len().unwrap();` covers both). */
static void nearby_comments(const char *src, size_t len, uint32_t pos, const char *same,
			    char *buf, size_t cap)
{
	size_t o = 0, start = pos, end = pos;
	int code_lines = 0, comment_lines = 0;

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
	/* Comment lines above, over the code lines of the same paragraph. */
	while (start > 0 && comment_lines < 4) {
		size_t le = start - 1, ls = le, p;
		while (ls > 0 && src[ls - 1] != '\n')
			ls--;
		for (p = ls; p < le && (src[p] == ' ' || src[p] == '\t'); p++)
			;
		if (p == le)
			break;                  /* a blank line ends the paragraph */
		if (le - p < 2 || src[p] != '/' || src[p + 1] != '/') {
			if (comment_lines > 0 || !same || ++code_lines > 3 ||
			    !line_holds(src + p, src + le, same))
				break;
			start = ls;
			continue;
		}
		comment_lines++;
		if (o + 1 < cap)
			buf[o++] = ' ';
		for (size_t k = p + 2; k < le && o + 1 < cap; k++)
			buf[o++] = (char)tolower((unsigned char)src[k]);
		start = ls;
	}
	buf[o] = '\0';
}


/* One of a few explicit phrases that say why a call cannot fail ("OK
 * because ...", "cannot fail: ..."), since any prose mentions "never" or "only". */
static bool reason_phrase(const char *text)
{
	static const char *const reasons[] = {
		"ok because", "okay because", "safe because", "fine because", "cannot fail",
		"can't fail", "never fails", "won't fail", "will not fail", "can never fail",
		"infallible", "invariant", "guaranteed", "unwrap is fine", "unwrap is ok",
		"checked above", "always some", "always ok", "never none", "only none if",
		"only none when", "only err if", "only fails if", "cannot be none", "can't be none",
		"never be none", "is never none",
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (has_word(text, reasons[i]))
			return true;
	return false;
}

/* A comment next to the call says why it cannot fail ("OK because ...",
 * "cannot fail: ..."), the way an invariant expect message would: one of a
 * few explicit phrases, since any prose mentions "never" or "only". */
/* The call from its receiver's last method on, blanks removed, into buf:
 * `len().unwrap()` of `seq.len().unwrap()` (the whole call when the receiver
 * is no method call). */
static void call_suffix(const char *src, TSNode call, char *buf, size_t cap)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	TSNode name, args;
	uint32_t from = rust_method_call(recv, &name, &args) ? ts_node_start_byte(name)
							     : ts_node_start_byte(recv);
	size_t o = 0;

	for (uint32_t i = from; i < ts_node_end_byte(call) && o + 1 < cap; i++)
		if (!isspace((unsigned char)src[i]))
			buf[o++] = src[i];
	buf[o] = '\0';
}

/* The fn's docs show the call itself ("equivalent to `get(0).unwrap()`"):
 * its panic is part of what the docs tell the caller. */
static bool doc_shows_call(const struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope)
{
	char doc[2048], code[128];
	uint32_t from;

	if (ts_node_is_null(scope->fn_item) ||
	    (from = fn_doc_start(scope->fn_item)) >= ts_node_start_byte(scope->fn_item))
		return false;
	call_suffix(ctx->src, call, code, sizeof(code));
	doc_text(ctx->src, from, ts_node_start_byte(scope->fn_item), true, doc, sizeof(doc));
	return strlen(code) > 8 && strstr(doc, code) != NULL;
}

/* A comment next to the call says why it cannot fail ("OK because ...",
 * "cannot fail: ..."), the way an invariant expect message would. */
static bool reason_in_comment(const struct rule_ctx *ctx, TSNode call)
{
	char text[1024], same[128];

	/* What a parallel statement repeats: `len().unwrap()` of `x.len().unwrap()`. */
	call_suffix(ctx->src, call, same, sizeof(same));
	nearby_comments(ctx->src, ctx->len, ts_node_start_byte(rust_child_by_field(
		rust_child_by_field(call, RF_FUNCTION), RF_FIELD)), same, text, sizeof(text));
	if (!text[0] || has_word(text, "todo") || has_word(text, "fixme"))
		return false;
	return reason_phrase(text);
}

bool idiom_unwrap_accepted(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);

	TSNode name = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_FIELD);
	/* An expect on a constant still has a message to judge (expect_used). */
	bool unwrap = rust_node_text_eq(name, ctx->src, "unwrap");

	return idiom_lock_unwrap(call, ctx->src) || idiom_write_to_string(call, ctx->src, scope) ||
	       idiom_checked_before(ctx, call, scope) || (unwrap && parses_a_literal(recv, ctx->src)) ||
	       checked_arithmetic(recv, ctx->src) || reason_in_comment(ctx, call) ||
	       (unwrap && future_state(ctx, call, recv, scope)) || bounded_conversion(ctx, recv, scope) ||
	       doc_shows_call(ctx, call, scope);
}

/* --- explicit panics that say why they cannot happen ------------------------ */

/* Phrases that mark a branch the author says is never taken: the reason an
 * `unreachable!("..")` would give, written on a `panic!`. */
static bool says_unreachable(const char *t)
{
	static const char *const phrases[] = {
		"bug", "unreachable", "impossible", "should never happen", "should not happen",
		"shouldn't happen", "cannot happen", "can't happen", "never happens",
		"internal error", "invariant", "not reachable", "never reached",
	};
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (has_word(t, phrases[i]))
			return true;
	return false;
}

/* The lowercase text of the first string literal token of a macro's arguments. */
static void macro_message(TSNode tt, const char *src, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < ts_node_named_child_count(tt); i++) {
		TSNode c = ts_node_named_child(tt, i);
		if (rust_is(c, RK_STRING_LITERAL) || rust_is(c, RK_RAW_STRING_LITERAL)) {
			const char *p = rust_node_ptr(c, src);
			for (uint32_t k = 0; k < rust_node_len(c) && o + 1 < cap; k++)
				buf[o++] = (char)tolower((unsigned char)p[k]);
			break;
		}
	}
	buf[o] = '\0';
}

/* Is fn reachable only from this crate: not plain `pub`, not a method of a
 * trait (its impls are as public as the trait)? */
static bool crate_private_fn(TSNode fn, const char *src)
{
	TSNode vis = rust_child_of_kind(fn, RK_VISIBILITY_MODIFIER);
	TSNode list = ts_node_parent(fn), owner = ts_node_parent(list);

	if (!ts_node_is_null(vis) && rust_node_text_eq(vis, src, "pub"))
		return false;
	if (rust_is(owner, RK_TRAIT_ITEM))
		return false;
	return !(rust_is(owner, RK_IMPL_ITEM) && !ts_node_is_null(rust_child_by_field(owner, RF_TRAIT)));
}

/*
 * `match self { Kind::A(x) => x, Kind::B => panic!("..") }` in a fn only this
 * crate can call: the method was called on the wrong kind of value, a bug of
 * the crate's own code (like Option::unwrap on None), not input to handle.
 * Not a `None` / `Err(..)` arm: that is an unhandled missing value.
 */
static bool panics_on_own_variant(const struct rule_ctx *ctx, TSNode mac,
				  const struct rust_scope *scope)
{
	TSNode n = mac, arm = { 0 }, m;
	char text[256];

	if (ts_node_is_null(scope->fn_item) || scope->in_closure ||
	    !crate_private_fn(scope->fn_item, ctx->src))
		return false;
	for (int depth = 0; depth < 4; depth++) {
		TSNode parent = ts_node_parent(n);
		if (rust_node_is(parent, "match_arm")) {
			arm = parent;
			break;
		}
		if (!rust_is(parent, RK_BLOCK) && !rust_is(parent, RK_EXPRESSION_STATEMENT))
			return false;
		n = parent;
	}
	if (ts_node_is_null(arm))
		return false;
	compact_text(rust_child_by_field(arm, RF_PATTERN), ctx->src, text, sizeof(text));
	if (strncmp(text, "None", 4) == 0 || strncmp(text, "Err(", 4) == 0)
		return false;
	m = ts_node_parent(ts_node_parent(arm));
	if (!rust_node_is(m, "match_expression"))
		return false;
	compact_text(rust_child_by_field(m, RF_VALUE), ctx->src, text, sizeof(text));
	/* `self`, `*self`, `self.kind`, `&mut self.0`: the value itself, not a
	 * call's result (`self.rx.read(..)` is input to handle). */
	return (strcmp(deref_text(text), "self") == 0 || strncmp(deref_text(text), "self.", 5) == 0) &&
	       !strchr(text, '(');
}

bool idiom_panic_explained(const struct rule_ctx *ctx, TSNode first, TSNode last,
			   const struct rust_scope *scope)
{
	TSNode tt = rust_is(first, RK_MACRO_INVOCATION) ? rust_child_of_kind(first, RK_TOKEN_TREE)
							: last;
	char text[1024];

	macro_message(tt, ctx->src, text, sizeof(text));
	if (says_unreachable(text))
		return true;
	nearby_comments(ctx->src, ctx->len, ts_node_start_byte(first), NULL, text, sizeof(text));
	if (text[0] && !has_word(text, "todo") && !has_word(text, "fixme") &&
	    (says_unreachable(text) || reason_phrase(text)))
		return true;
	return rust_is(first, RK_MACRO_INVOCATION) && panics_on_own_variant(ctx, first, scope);
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

/* The message of an `.expect(..)` (args: its argument list), lower-cased
 * and trimmed, into text; false when it is not a string literal. */
static bool expect_text(TSNode args, const char *src, char *text, size_t cap, size_t *len)
{
	TSNode lit = { 0 };
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
	for (const char *c = p + 1; c < q - 1 && n + 1 < cap; c++)
		text[n++] = (char)tolower((unsigned char)*c);
	text[n] = '\0';
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		text[--n] = '\0';
	*len = n;
	return true;
}

bool idiom_expect_states_invariant(TSNode args, const char *src)
{
	char text[256];
	size_t n = 0;

	/* One word is a label ("literal", "config"), not a stated reason. */
	return expect_text(args, src, text, sizeof(text), &n) && n > 0 && strchr(text, ' ') &&
	       !says_what_failed(text) && gives_a_reason(text);
}

bool idiom_expect_says_what_failed(TSNode args, const char *src)
{
	char text[256];
	size_t n = 0;

	return expect_text(args, src, text, sizeof(text), &n) && n > 0 && says_what_failed(text);
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

/* --- what the message says ---------------------------------------------------- */

char *idiom_unwrap_message(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope)
{
	TSNode recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	char quoted[64];

	rule_quote(recv, ctx->src, quoted, sizeof(quoted));
	switch (value_kind_of(ctx, recv, scope)) {
	case VALUE_OPTION:
		return rule_format(
			"`.unwrap()` panics if `%s` is `None`, with a message that names neither the "
			"value nor why it was missing. Handle the `None` case (`if let`, `match`, "
			"`unwrap_or(..)`, or return an error), or, if it cannot be `None` here, say why "
			"with `.expect(\"..\")`.",
			quoted);
	case VALUE_RESULT:
		return rule_format(
			"`.unwrap()` panics if `%s` fails, with the error's Debug text and nothing "
			"about what was being done. Handle the `Err` (`match`, `unwrap_or_else(..)`, or "
			"return it), or, if it cannot fail here, say why with `.expect(\"..\")`.",
			quoted);
	default:
		return rule_format(
			"`.unwrap()` panics if `%s` is `None` or `Err`, with a message that names "
			"neither the value nor the cause. Handle that case (`match`, `if let`, "
			"`unwrap_or_else(..)`, or return an error), or, if it cannot happen here, say "
			"why with `.expect(\"..\")`.",
			quoted);
	}
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
