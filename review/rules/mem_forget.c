/* mem_forget.c — `std::mem::forget(x)`: a value whose destructor never runs. */
#include "api_helpers.h"
#include "rule_helpers.h"

#include <string.h>

/* A literal has no destructor: forgetting it is pointless but leaks nothing
 * (rustc's forgetting_copy_types covers it; clippy's mem_forget does not fire). */
static bool is_literal(TSNode n)
{
	const char *t = ts_node_type(n);
	size_t len = strlen(t);
	return len > 8 && strcmp(t + len - 8, "_literal") == 0;
}

/* The last segment of a type path (`m::Guard<T>` -> "Guard") into buf. */
static bool last_segment(TSNode t, const char *src, char *buf, size_t cap)
{
	char path[128];
	const char *last;

	while (rust_is(t, RK_GENERIC_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (ts_node_is_null(t) || !rust_path_text(t, src, path, sizeof(path)))
		return false;
	last = strrchr(path, ':');
	last = last ? last + 1 : path;
	if (!*last || strlen(last) >= cap)
		return false;
	strcpy(buf, last);
	return true;
}

/* Does the file (top level or a module, a few levels deep) have `impl Drop for <type>`? */
static bool implements_drop(TSNode n, const char *src, const char *type, int depth)
{
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
		TSNode item = ts_node_named_child(n, i), body;
		char name[128];
		if (rust_is(item, RK_MOD_ITEM) && depth < 8 &&
		    !ts_node_is_null(body = rust_child_by_field(item, RF_BODY)) &&
		    implements_drop(body, src, type, depth + 1))
			return true;
		if (rust_is(item, RK_IMPL_ITEM) &&
		    last_segment(rust_child_by_field(item, RF_TRAIT), src, name, sizeof(name)) &&
		    strcmp(name, "Drop") == 0 &&
		    last_segment(rust_child_by_field(item, RF_TYPE), src, name, sizeof(name)) &&
		    strcmp(name, type) == 0)
			return true;
	}
	return false;
}

/* The type a `let` value visibly constructs: `T { .. }`, `T::new(..)` (any
 * associated fn), a tuple struct `T(..)` or a unit struct `T`. */
static bool constructed(TSNode v, const char *src, char *buf, size_t cap)
{
	TSNode fn;

	if (rust_is(v, RK_STRUCT_EXPRESSION))
		return last_segment(rust_child_by_field(v, RF_NAME), src, buf, cap);
	if (rust_is(v, RK_IDENTIFIER) && rust_node_len(v) < cap &&     /* a unit struct */
	    *rust_node_ptr(v, src) >= 'A' && *rust_node_ptr(v, src) <= 'Z') {
		memcpy(buf, rust_node_ptr(v, src), rust_node_len(v));
		buf[rust_node_len(v)] = '\0';
		return true;
	}
	if (!rust_is(v, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(v, RF_FUNCTION);
	if (rust_is(fn, RK_SCOPED_IDENTIFIER))
		return last_segment(rust_child_by_field(fn, RF_PATH), src, buf, cap);
	if (rust_is(fn, RK_IDENTIFIER) && rust_node_len(fn) < cap &&
	    *rust_node_ptr(fn, src) >= 'A' && *rust_node_ptr(fn, src) <= 'Z') {
		memcpy(buf, rust_node_ptr(fn, src), rust_node_len(fn));
		buf[rust_node_len(fn)] = '\0';
		return true;
	}
	return false;
}

/* The type of the value forgotten, when the tree shows it: `self` in
 * `impl T`, or a local bound earlier in the fn to a constructed T. */
static bool forgotten_type(struct rule_ctx *ctx, const struct rust_scope *scope, TSNode arg,
			   char *buf, size_t cap)
{
	TSTreeCursor c;
	bool found = false;

	if (rust_node_text_eq(arg, ctx->src, "self"))
		return !ts_node_is_null(scope->impl_item) &&
		       last_segment(rust_child_by_field(scope->impl_item, RF_TYPE), ctx->src, buf, cap);
	if (!rust_is(arg, RK_IDENTIFIER) || ts_node_is_null(scope->fn_item))
		return false;
	c = ts_tree_cursor_new(scope->fn_item);
	for (uint32_t visits = 0; visits < 20000; visits++) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (ts_node_start_byte(cur) >= ts_node_start_byte(arg))
			break;
		if (rust_is(cur, RK_LET_DECLARATION)) {
			TSNode pat = rust_child_by_field(cur, RF_PATTERN);
			if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, arg, ctx->src))
				found = constructed(rust_child_by_field(cur, RF_VALUE), ctx->src, buf, cap);
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/*
 * Disarming a drop guard: forgetting a value of a type whose `Drop` this file
 * implements (a scope guard, an abort-on-drop bomb) is how the guard is
 * switched off once the work it protects has succeeded. A lock guard, or any
 * value whose type the tree does not show, is still reported.
 */
static bool disarms_own_guard(struct rule_ctx *ctx, const struct rust_scope *scope, TSNode arg)
{
	char type[128];

	return forgotten_type(ctx, scope, arg, type, sizeof(type)) &&
	       implements_drop(ctx->root, ctx->src, type, 0);
}

/* A type without drop glue as written: a primitive, a reference or raw
 * pointer, and arrays and tuples of those. */
static bool plain_type(TSNode t, int depth)
{
	uint32_t n;

	if (depth > 4 || ts_node_is_null(t))
		return false;
	if (rust_is(t, RK_PRIMITIVE_TYPE) || rust_is(t, RK_REFERENCE_TYPE) ||
	    rust_is(t, RK_POINTER_TYPE))
		return true;
	if (rust_is(t, RK_ARRAY_TYPE))
		return plain_type(rust_child_by_field(t, RF_ELEMENT), depth + 1);
	if (!rust_node_is(t, "tuple_type"))
		return false;
	n = ts_node_named_child_count(t);
	for (uint32_t i = 0; i < n; i++)
		if (!plain_type(ts_node_named_child(t, i), depth + 1))
			return false;
	return true;
}

/* The declared type of variable `var` where the enclosing fn shows it: a
 * parameter, or the last annotated `let var: T` before `at`. */
static TSNode declared_type(TSNode fn, TSNode var, uint32_t at, const char *src)
{
	TSNode params = rust_child_by_field(fn, RF_PARAMETERS), found = { 0 };
	TSTreeCursor c;

	for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
		TSNode p = ts_node_named_child(params, i);
		if (rust_is(p, RK_PARAMETER) && rule_same_text(rust_child_by_field(p, RF_PATTERN), var, src))
			found = rust_child_by_field(p, RF_TYPE);
	}
	c = ts_tree_cursor_new(fn);
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (ts_node_start_byte(cur) >= at)
			break;
		if (rust_is(cur, RK_LET_DECLARATION) &&
		    rule_same_text(rust_child_by_field(cur, RF_PATTERN), var, src))
			found = rust_child_by_field(cur, RF_TYPE);    /* null when not annotated */
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/*
 * True when the tree shows the value has no destructor, so forgetting it
 * leaks nothing (clippy's mem_forget only fires on types with drop glue; the
 * rest is rustc's forgetting_copy_types / forgetting_references): a literal, a
 * reference `&x`, a cast `x as T`, `()`, or a variable whose declared type is
 * a primitive, a reference or a raw pointer.
 */
static bool visibly_without_drop(const struct rule_ctx *ctx, const struct rust_scope *scope,
				 TSNode arg, TSNode call)
{
	if (is_literal(arg) || rust_is(arg, RK_REFERENCE_EXPRESSION) ||
	    rust_node_is(arg, "type_cast_expression") || rust_node_is(arg, "unit_expression"))
		return true;
	if (!rust_is(arg, RK_IDENTIFIER) || ts_node_is_null(scope->fn_item))
		return false;
	return plain_type(declared_type(scope->fn_item, arg, ts_node_start_byte(call), ctx->src), 0);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode callee, args;
	char quoted[64];

	if (!rust_is(node, RK_CALL_EXPRESSION) ||
	    !api_call_is_std(ctx, node, "mem", "forget", &callee))
		return 0;
	args = rust_child_by_field(node, RF_ARGUMENTS);
	if (ts_node_is_null(args) || rust_named_arg_count(args) != 1 ||
	    visibly_without_drop(ctx, scope, ts_node_named_child(args, 0), node) ||
	    disarms_own_guard(ctx, scope, ts_node_named_child(args, 0)))
		return 0;
	rule_quote(callee, ctx->src, quoted, sizeof(quoted));
	return rule_emitf_nodes(ctx, node, node, NULL,
				"`%s` skips the value's destructor: the memory, file descriptors, locks "
				"or sockets it owns are never released. Leaked resources pile up in a "
				"long-running service until it runs out. If the goal is to hand ownership "
				"to C or to a raw pointer, use `ManuallyDrop::new` or `Box::into_raw`/"
				"`into_raw_fd`, which say so and can be undone; otherwise let the value drop.",
				quoted);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "forget", NULL };

const struct rule rule_mem_forget = {
	.info = {
		.id = "mem_forget",
		.severity = RR_SEV_WARNING,
		.summary = "`mem::forget` leaks the value's resources",
		.explanation =
			"What: flags calls to `std::mem::forget(x)` / `core::mem::forget(x)` / "
			"`mem::forget(x)`, and a plain `forget(x)` when the file imports it from "
			"`std::mem` (clippy::mem_forget). A literal argument is not reported (it has no "
			"destructor).\n\n"
			"Why: `forget` takes ownership and never runs `Drop`. Whatever the value owns "
			"(heap memory, a file descriptor, a lock guard, a socket, a temp file) is leaked; "
			"forgetting a guard can also leave a lock held forever. It is safe Rust, so the "
			"compiler will not stop it, and the leak grows with traffic.\n\n"
			"How to fix: let the value drop. When ownership really moves elsewhere (to C, or "
			"to a raw pointer you free later) use the API that says so: `Box::into_raw`, "
			"`Vec::into_raw_parts`, `IntoRawFd::into_raw_fd`, or `ManuallyDrop::new(x)`, "
			"which keeps the value usable and documents the intent.\n\n"
			"Bad:\n    let fd = file.as_raw_fd();\n    std::mem::forget(file);\n"
			"Good:\n    let fd = file.into_raw_fd();\n\n"
			"Accepted, left alone: disarming a drop guard. When the value forgotten is "
			"`self` inside `impl T`, or a local the fn bound to a constructed `T` (`T { .. }`, "
			"`T::new(..)`, `T(..)`, `T`), and this file has `impl Drop for T`, forgetting it is "
			"the usual way to switch the guard off once the work it protects has succeeded "
			"(a scope guard, an abort-on-drop bomb). A lock guard (`m.lock()`), or a value "
			"whose type the tree does not show, is still reported.\n\n"
			"Like clippy, which reports only values with drop glue, a value the tree shows "
			"has no destructor is left alone: a literal, `&x`, `x as T`, `()`, or a "
			"variable declared (parameter or annotated `let`) as a primitive, a reference or "
			"a raw pointer. Applies to test code too: a leak in a test is still a leak, and "
			"forgetting a guard can deadlock the suite.\n\n"
			"Limit: without types, a variable of another `Copy` type (a struct of the crate "
			"deriving `Copy`) is reported, though forgetting it is only pointless (rustc's "
			"forgetting_copy_types says so).",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
