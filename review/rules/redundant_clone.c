/* redundant_clone.c — clones that are certainly unnecessary: `f(&x.clone())` and a last-use clone. */
#include "rule_helpers.h"

#include <stdlib.h>
#include <string.h>

/* `recv.clone()` with no arguments: fills the receiver and the `.` token. */
static bool clone_call(TSNode call, const char *src, TSNode *recv, TSNode *dot)
{
	TSNode name, args, fn;

	if (!rust_method_call(call, &name, &args) || !rust_node_text_eq(name, src, "clone") ||
	    rust_named_arg_count(args) != 0)
		return false;
	fn = rust_child_by_field(call, RF_FUNCTION);
	*recv = rust_child_by_field(fn, RF_VALUE);
	*dot = rust_child_of_kind(fn, RK_DOT);
	return !ts_node_is_null(*recv) && !ts_node_is_null(*dot);
}

/* Emits with the span `.clone()` and the replacement "" (drop it). */
static int report(struct rule_ctx *ctx, TSNode dot, TSNode call, TSNode recv, const char *why)
{
	char quoted[64], *msg;
	int rc;

	rule_quote(recv, ctx->src, quoted, sizeof(quoted));
	msg = rule_format("`%s.clone()` copies the value although %s. The clone is a wasted "
			  "allocation and copy (a deep one for strings, vectors and maps). Use "
			  "`%s` itself.",
			  quoted, why, quoted);
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, dot, call, msg, "");
	free(msg);
	return rc;
}

/* `f(&x.clone())`: the clone is only borrowed, then dropped. */
static int check_borrowed(struct rule_ctx *ctx, TSNode ref)
{
	TSNode call, recv, dot;

	if (!rust_is(ts_node_parent(ref), RK_ARGUMENTS) ||
	    !ts_node_is_null(rust_child_of_kind(ref, RK_MUTABLE_SPECIFIER)))
		return 0;
	call = rust_child_by_field(ref, RF_VALUE);
	/* A local or parameter (clippy's MIR lint tracks locals; `a.b.clone()`
	 * through a reference is left alone like there). */
	if (!clone_call(call, ctx->src, &recv, &dot) || !rust_is(recv, RK_IDENTIFIER))
		return 0;
	return report(ctx, dot, call, recv, "the call only borrows it and it is dropped right after");
}

/* Mentions of `name` other than as the receiver of `.clone()` (which borrows
 * only for the call). */
static uint32_t lasting_mentions(TSNode n, const char *src, TSNode name)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	uint32_t count = 0;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c), recv, dot;
		/* `name.clone()`: skip the subtree, its receiver borrows only for the
		 * call and it has no arguments. */
		bool borrowed = clone_call(cur, src, &recv, &dot) && rust_is(recv, RK_IDENTIFIER) &&
				rule_same_text(recv, name, src);
		if (!borrowed)
			count += rust_is(cur, RK_IDENTIFIER) && rule_same_text(cur, name, src);
		if (!rust_cursor_next(&c, !borrowed))
			break;
	}
	ts_tree_cursor_delete(&c);
	return count;
}

/* Index of the last named child that is not a comment (the tail position). */
static uint32_t last_code_child(TSNode block)
{
	uint32_t i = ts_node_named_child_count(block);
	while (i > 0) {
		TSNode c = ts_node_named_child(block, i - 1);
		if (!rust_is(c, RK_LINE_COMMENT) && !rust_is(c, RK_BLOCK_COMMENT))
			break;
		i--;
	}
	return i ? i - 1 : 0;
}

/* An initialiser that certainly yields an owned value (not a reference). */
static bool owned_value(TSNode let, const char *src)
{
	static const char *const methods[] = { "to_string", "to_owned", "to_vec", "collect" };
	static const char *const fns[] = { "String::from", "String::new", "String::with_capacity",
					   "Vec::new", "Vec::with_capacity", "Vec::from" };
	TSNode type = rust_child_by_field(let, RF_TYPE);
	TSNode value = rust_child_by_field(let, RF_VALUE), name, args, fn;
	char path[48];

	if (ts_node_is_null(value))
		return false;
	if (!ts_node_is_null(type)) {
		TSNode base = rust_is(type, RK_GENERIC_TYPE)
				      ? rust_child_by_field(type, RF_TYPE) : type;
		return rust_node_text_eq(base, src, "String") || rust_node_text_eq(base, src, "Vec");
	}
	if (rust_is(value, RK_STRUCT_EXPRESSION))
		return true;
	if (rust_is(value, RK_MACRO_INVOCATION)) {
		TSNode mac = rust_child_by_field(value, RF_MACRO);
		return rust_node_text_eq(mac, src, "format") || rust_node_text_eq(mac, src, "vec");
	}
	if (rust_method_call(value, &name, &args)) {
		for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (rust_node_text_eq(name, src, methods[i]))
				return true;
		return false;
	}
	if (!rust_is(value, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(value, RF_FUNCTION);
	if (ts_node_is_null(fn) || !rust_path_text(fn, src, path, sizeof(path)))
		return false;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strcmp(path, fns[i]) == 0)
			return true;
	return false;
}

/* The statement index of `let <name> = <owned>;` before `before` in block, or -1. */
static int64_t owned_local(TSNode block, uint32_t before, TSNode name, const char *src)
{
	for (uint32_t i = before; i-- > 0;) {
		TSNode stmt = ts_node_named_child(block, i);
		TSNode pat = rust_child_by_field(stmt, RF_PATTERN);
		if (!rust_is(stmt, RK_LET_DECLARATION))
			continue;
		if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, name, src))
			return owned_value(stmt, src) ? (int64_t)i : -1;
		if (rule_ident_mentions(pat, src, name, NULL) > 0)
			return -1;    /* rebound by a pattern: not the simple case */
	}
	return -1;
}

/* A by-value parameter of the fn whose body is `block` (`x: String`, not `&str`). */
static bool owned_param(TSNode block, TSNode name, const char *src)
{
	TSNode fn = ts_node_parent(block), params;
	uint32_t count;

	if (!rust_is(fn, RK_FUNCTION_ITEM) ||
	    !ts_node_eq(rust_child_by_field(fn, RF_BODY), block))
		return false;
	params = rust_child_by_field(fn, RF_PARAMETERS);
	count = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);
	for (uint32_t i = 0; i < count; i++) {
		TSNode p = ts_node_named_child(params, i);
		TSNode pat = rust_child_by_field(p, RF_PATTERN);
		TSNode type = rust_child_by_field(p, RF_TYPE);
		if (rust_is(p, RK_PARAMETER) && rust_is(pat, RK_IDENTIFIER) &&
		    rule_same_text(pat, name, src))
			return !ts_node_is_null(type) && !rust_is(type, RK_REFERENCE_TYPE) &&
			       !rust_is(type, RK_POINTER_TYPE);
	}
	return false;
}

/* Runs the code between n and its statement once: no closure or loop in between. */
static bool runs_once(TSNode n, TSNode stmt)
{
	static const char *const repeat[] = { "closure_expression", "loop_expression",
					      "while_expression", "for_expression", "async_block" };
	for (TSNode p = ts_node_parent(n); !ts_node_is_null(p) && !ts_node_eq(p, stmt);
	     p = ts_node_parent(p))
		for (size_t i = 0; i < sizeof(repeat) / sizeof(repeat[0]); i++)
			if (rust_node_is(p, repeat[i]))
				return false;
	return true;
}

/* The first `x.clone()` in stmt (outside token trees, closures and loops). */
static bool find_clone(TSNode stmt, const char *src, TSNode *call, TSNode *recv, TSNode *dot)
{
	TSTreeCursor c = ts_tree_cursor_new(stmt);
	bool found = false;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (clone_call(cur, src, recv, dot) && rust_is(*recv, RK_IDENTIFIER) &&
		    runs_once(cur, stmt)) {
			*call = cur;
			found = true;
			break;
		}
		if (!rust_cursor_next(&c, !rust_is(cur, RK_CLOSURE_EXPRESSION)))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* `x.clone()` in a statement of the block where x is an owned local of this
 * block (or a by-value parameter of the fn), mentioned nowhere else in that
 * statement nor afterwards, and no binding in between may borrow it. */
static int check_last_use(struct rule_ctx *ctx, TSNode block, uint32_t index)
{
	TSNode stmt = ts_node_named_child(block, index), call, recv, dot, value;
	uint32_t count = ts_node_named_child_count(block), from;
	int64_t decl;

	if (rust_is(stmt, RK_LET_DECLARATION)) {
		/* `let mut y = x.clone()`: clippy leaves clones that are then mutated alone. */
		value = rust_child_by_field(stmt, RF_VALUE);
		if (!ts_node_is_null(rust_child_of_kind(stmt, RK_MUTABLE_SPECIFIER)) &&
		    clone_call(value, ctx->src, &recv, &dot))
			return 0;
		if (!ts_node_is_null(rust_child_of_kind(stmt, RK_KW_ELSE)))
			return 0;
	} else if (!rust_is(stmt, RK_EXPRESSION_STATEMENT) && index != last_code_child(block)) {
		return 0;    /* an item, or anything but the block's tail expression */
	}
	if (!find_clone(stmt, ctx->src, &call, &recv, &dot) ||
	    rule_ident_mentions(stmt, ctx->src, recv, NULL) != 1)
		return 0;
	if ((decl = owned_local(block, index, recv, ctx->src)) >= 0)
		from = (uint32_t)decl + 1;
	else if (owned_param(block, recv, ctx->src))
		from = 0;
	else
		return 0;
	/* A `let` in between that mentions x may hold a borrow of it (`let r = &x;`). */
	for (uint32_t i = from; i < index; i++) {
		TSNode s = ts_node_named_child(block, i);
		if (!rust_is(s, RK_EXPRESSION_STATEMENT) && lasting_mentions(s, ctx->src, recv) > 0)
			return 0;
	}
	for (uint32_t i = index + 1; i < count; i++)
		if (rule_ident_mentions(ts_node_named_child(block, i), ctx->src, recv, NULL) > 0)
			return 0;
	return report(ctx, dot, call, recv, "it is never used again: it can be moved");
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	(void)scope;
	if (rust_is(node, RK_REFERENCE_EXPRESSION))
		return check_borrowed(ctx, node);
	if (rust_is(node, RK_BLOCK)) {
		uint32_t count = ts_node_named_child_count(node);
		for (uint32_t i = 0; i < count; i++) {
			int rc;
			if ((rc = check_last_use(ctx, node, i)) != 0)
				return rc;
		}
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "reference_expression", "block", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "clone", NULL };

const struct rule rule_redundant_clone = {
	.info = {
		.id = "redundant_clone",
		.severity = RR_SEV_WARNING,
		.summary = "`.clone()` of a value that is only borrowed or never used again",
		.explanation =
			"What: flags two clones that are certainly unnecessary "
			"(clippy::redundant_clone): `&x.clone()` passed directly as an argument, `x` a "
			"plain variable (the clone is only borrowed for the call, then dropped); and a "
			"clone on the last use of `x` (in a `let`, an expression statement or the "
			"block's tail, run once: not in a loop or closure), where `x` is an owned local "
			"of the same block (built by `String::from`, `String::new`, `Vec::new`, "
			"`to_string()`, `to_owned()`, `to_vec()`, `format!`, `vec!`, `collect()`, a "
			"struct literal, or annotated `String`/`Vec<..>`) or a by-value parameter (`x: "
			"String`, not `&str`) of the fn, and nothing mentions `x` afterwards in the block "
			"(inline format arguments `{x}` count as mentions). Both get the suggested "
			"change: delete `.clone()`.\n\n"
			"Why: a clone of a `String`, `Vec` or map is an allocation plus a copy of all its "
			"contents. When the original is still there (a borrow) or about to die (a last "
			"use), the copy buys nothing; on hot paths these clones are a measurable share "
			"of allocations.\n\n"
			"How to fix: pass `&x` instead of `&x.clone()`; move `x` instead of cloning it "
			"on its last use.\n\n"
			"Bad:\n    let key = format!(\"{}:{}\", ns, id);\n    let k2 = key.clone();\n"
			"    cache.insert(k2, v);\n"
			"Good:\n    let key = format!(\"{}:{}\", ns, id);\n    cache.insert(key, v);\n\n"
			"Left alone, since a move there may not compile or may change behaviour: "
			"`let mut y = x.clone()` (clippy too), a `let .. else`, a clone when a `let` in "
			"between mentions `x` (it may hold a borrow), of a field (`a.b.clone()`), or of "
			"a value whose owner the tree cannot see.\n\n"
			"Subset of clippy: without types or the borrow checker, clippy's MIR lint finds "
			"more (clones of values built by other calls, clones later in a chain, clones "
			"whose original is only read afterwards).",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
