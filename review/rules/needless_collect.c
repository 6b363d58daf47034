/* needless_collect.c — collecting into a Vec only to count it or test emptiness. */
#include "rule_helpers.h"

#include <stdlib.h>
#include <string.h>

/* What the collected Vec is used for, and what to call on the iterator instead. */
struct use {
	const char *method;
	uint32_t args;
	const char *instead;
};

static const struct use USES[] = {
	{ "len", 0, "count()" },
	{ "is_empty", 0, "next().is_none()" },
	{ "contains", 1, "any(|x| x == ..)" },
};

static const struct use *use_of(TSNode name, TSNode args, const char *src)
{
	for (size_t i = 0; i < sizeof(USES) / sizeof(USES[0]); i++)
		if (rust_node_text_eq(name, src, USES[i].method) &&
		    rust_named_arg_count(args) == USES[i].args)
			return &USES[i];
	return NULL;
}

/* A Vec or VecDeque type (len equals the number of items; a set's does not). */
static bool is_vec_type(TSNode type, const char *src)
{
	TSNode base;
	char buf[48];

	if (!rust_is(type, RK_GENERIC_TYPE))
		return false;
	base = rust_child_by_field(type, RF_TYPE);
	if (ts_node_is_null(base) ||
	    !rust_path_text(base, src, buf, sizeof(buf)))
		return false;
	return strcmp(buf, "Vec") == 0 || strcmp(buf, "VecDeque") == 0 ||
	       strcmp(buf, "std::vec::Vec") == 0 || strcmp(buf, "std::collections::VecDeque") == 0;
}

/* Methods whose result is certainly an iterator (std's adapters and sources):
 * `collect` on it is Iterator::collect, not a type's own `collect` method. */
static bool iterator_method(TSNode name, const char *src)
{
	static const char *const names[] = {
		"iter", "iter_mut", "into_iter", "chars", "char_indices", "bytes", "lines",
		"split", "rsplit", "splitn", "rsplitn", "split_whitespace", "split_terminator",
		"split_inclusive", "matches", "match_indices", "map", "filter", "filter_map",
		"flat_map", "flatten", "enumerate", "zip", "chain", "skip", "take", "skip_while",
		"take_while", "map_while", "step_by", "rev", "cloned", "copied", "inspect",
		"peekable", "scan", "fuse", "keys", "values", "values_mut", "into_keys",
		"into_values", "drain", "windows", "chunks", "chunks_exact", "encode_utf16",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rust_node_text_eq(name, src, names[i]))
			return true;
	return false;
}

/* The receiver of the `collect` call is an iterator the tree can see. */
static bool collects_an_iterator(TSNode collect_name, const char *src)
{
	TSNode field = ts_node_parent(collect_name);
	TSNode recv = rust_child_by_field(field, RF_VALUE), name, args;
	return rust_method_call(recv, &name, &args) && iterator_method(name, src);
}

/* `iter.collect::<Vec<_>>()`: fills the `collect` name node. */
static bool turbofish_collect(TSNode call, const char *src, TSNode *collect)
{
	TSNode fn, inner, targs;

	if (!rust_is(call, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(call, RF_FUNCTION);
	if (!rust_is(fn, RK_GENERIC_FUNCTION))
		return false;
	inner = rust_child_by_field(fn, RF_FUNCTION);
	targs = rust_child_by_field(fn, RF_TYPE_ARGUMENTS);
	if (!rust_is(inner, RK_FIELD_EXPRESSION) || ts_node_is_null(targs) ||
	    rust_named_arg_count(targs) != 1 || !is_vec_type(ts_node_named_child(targs, 0), src))
		return false;
	*collect = rust_child_by_field(inner, RF_FIELD);
	return rust_node_text_eq(*collect, src, "collect") &&
	       rust_named_arg_count(rust_child_by_field(call, RF_ARGUMENTS)) == 0 &&
	       collects_an_iterator(*collect, src);
}

/* `iter.collect()` with no turbofish (the let's annotation names the type). */
static bool plain_collect(TSNode call, const char *src, TSNode *collect)
{
	TSNode args;
	return rust_method_call(call, collect, &args) && rust_node_text_eq(*collect, src, "collect") &&
	       rust_named_arg_count(args) == 0 && collects_an_iterator(*collect, src);
}

static char *message(const struct use *u)
{
	return rule_format("This collects every item into a `Vec` only to call `.%s()` on it. The "
			   "allocation and copies are wasted work proportional to the input. Call "
			   "`.%s` on the iterator instead.",
			   u->method, u->instead);
}

/* `iter.collect::<Vec<_>>().len()` and friends, chained directly. */
static int check_chained(struct rule_ctx *ctx, TSNode node)
{
	TSNode name, args, recv, collect;
	const struct use *u;
	const char *repl = NULL;
	char *msg;
	int rc;

	if (!rust_method_call(node, &name, &args) || !(u = use_of(name, args, ctx->src)))
		return 0;
	recv = rust_child_by_field(rust_child_by_field(node, RF_FUNCTION), RF_VALUE);
	if (!turbofish_collect(recv, ctx->src, &collect))
		return 0;
	if (!(msg = message(u)))
		return RR_ENOMEM;
	/* len and is_empty have exact iterator equivalents; contains needs a closure. */
	if (u->args == 0)
		repl = u->instead;
	rc = rule_emit_nodes(ctx, collect, node, msg, repl);
	free(msg);
	return rc;
}

/*
 * True when a closure in the chain names a variable the statements after
 * the let mention: collecting first runs those closures (and their side
 * effects on it, `inspect(|_| n += 1)`) before the rest of the block; clippy
 * then leaves the collect alone.
 */
static bool closures_share_state(TSNode chain, TSNode block, uint32_t after, const char *src)
{
	TSTreeCursor c = ts_tree_cursor_new(chain);
	uint32_t count = ts_node_named_child_count(block);
	bool shared = false;

	while (!shared) {
		TSNode cur = ts_tree_cursor_current_node(&c), closure = { 0 };
		for (TSNode p = cur; rust_is(cur, RK_IDENTIFIER) && !ts_node_is_null(p) &&
				     !ts_node_eq(p, chain); p = ts_node_parent(p))
			if (rust_is(p, RK_CLOSURE_EXPRESSION)) {
				closure = p;
				break;
			}
		/* A variable from outside the closure (not one of its parameters). */
		if (!ts_node_is_null(closure) &&
		    rule_ident_mentions(rust_child_by_field(closure, RF_PARAMETERS), src, cur, NULL) == 0)
			for (uint32_t i = after; i < count && !shared; i++)
				shared = rule_ident_mentions(ts_node_named_child(block, i), src, cur, NULL) > 0;
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return shared;
}

/* `let v: Vec<_> = iter.collect();` whose only later use in the block is
 * `v.len()`, `v.is_empty()` or `v.contains(x)`. */
static int check_let(struct rule_ctx *ctx, TSNode block, uint32_t index)
{
	TSNode stmt = ts_node_named_child(block, index);
	TSNode pattern = rust_child_by_field(stmt, RF_PATTERN);
	TSNode type = rust_child_by_field(stmt, RF_TYPE);
	TSNode value = rust_child_by_field(stmt, RF_VALUE);
	TSNode collect, use = { 0 }, name, args, call, parent;
	uint32_t count = ts_node_named_child_count(block), mentions = 0;
	const struct use *u;
	char *msg;
	int rc;

	if (!rust_is(pattern, RK_IDENTIFIER) || ts_node_is_null(value) ||
	    !ts_node_is_null(rust_child_of_kind(stmt, RK_KW_ELSE)))
		return 0;
	if (!turbofish_collect(value, ctx->src, &collect) &&
	    !(is_vec_type(type, ctx->src) && plain_collect(value, ctx->src, &collect)))
		return 0;
	if (closures_share_state(value, block, index + 1, ctx->src))
		return 0;
	for (uint32_t i = index + 1; i < count && mentions <= 1; i++)
		mentions += rule_ident_mentions(ts_node_named_child(block, i), ctx->src, pattern, &use);
	if (mentions != 1)
		return 0;
	/* The one mention must be the receiver of `.len()` / `.is_empty()` / `.contains(..)`. */
	parent = ts_node_parent(use);
	call = ts_node_parent(parent);
	if (!rust_is(parent, RK_FIELD_EXPRESSION) ||
	    !ts_node_eq(rust_child_by_field(parent, RF_VALUE), use) ||
	    !rust_method_call(call, &name, &args) || !(u = use_of(name, args, ctx->src)))
		return 0;
	if (!(msg = message(u)))
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, collect, collect, msg, NULL);
	free(msg);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	(void)scope;
	if (rust_is(node, RK_CALL_EXPRESSION))
		return check_chained(ctx, node);
	if (rust_is(node, RK_BLOCK)) {
		uint32_t count = ts_node_named_child_count(node);
		for (uint32_t i = 0; i < count; i++) {
			int rc;
			if (rust_is(ts_node_named_child(node, i), RK_LET_DECLARATION) &&
			    (rc = check_let(ctx, node, i)) != 0)
				return rc;
		}
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "block", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "collect", NULL };

const struct rule rule_needless_collect = {
	.info = {
		.id = "needless_collect",
		.severity = RR_SEV_WARNING,
		.summary = "collecting into a Vec only to call `len`, `is_empty` or `contains`",
		.explanation =
			"What: flags `iter.collect::<Vec<_>>()` (or `VecDeque`) followed directly by "
			"`.len()`, `.is_empty()` or `.contains(..)`, and `let v: Vec<_> = "
			"iter.collect();` when the only later use of `v` in the block is one of those "
			"calls (clippy::needless_collect). The chained `len`/`is_empty` forms get the "
			"suggested change `count()` / `next().is_none()`.\n\n"
			"Why: the `Vec` allocates and copies every item only to be measured and "
			"dropped. `count()` walks the iterator without storing anything, "
			"`next().is_none()` and `any(..)` stop at the first item.\n\n"
			"How to fix: call the iterator method instead: `iter.count()`, "
			"`iter.next().is_none()`, `iter.any(|x| x == needle)`.\n\n"
			"Bad:\n    let n = lines.iter().filter(|l| l.is_empty()).collect::<Vec<_>>().len();\n"
			"Good:\n    let n = lines.iter().filter(|l| l.is_empty()).count();\n\n"
			"Not flagged, like clippy: collecting into a set or map (its `len` counts "
			"distinct keys), collect-then-iterate (`for x in v`, `.into_iter()`), and a "
			"`let` whose iterator's closures touch variables used afterwards "
			"(`inspect(|_| n += 1)`), because collecting first ends borrows and runs side "
			"effects of the first pass before the second: removing it can change behaviour "
			"or stop compiling.\n\n"
			"Subset of clippy: without types, `collect` counts only on a chain the tree shows "
			"is an iterator (`.iter()`, `.map(..)`, `.filter(..)`, `.chars()`, ... right "
			"before it): a type's own `collect` method is not Iterator's, and collecting a "
			"user iterator (`It.collect()`, a variable of an iterator type) is not reported.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
