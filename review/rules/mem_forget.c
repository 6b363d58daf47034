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

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode callee, args;
	char quoted[64];

	(void)scope;
	if (!rust_is(node, RK_CALL_EXPRESSION) ||
	    !api_call_is_std(ctx, node, "mem", "forget", &callee))
		return 0;
	args = rust_child_by_field(node, RF_ARGUMENTS);
	if (ts_node_is_null(args) || rust_named_arg_count(args) != 1 ||
	    is_literal(ts_node_named_child(args, 0)))
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
			"Context: without types, the rule cannot tell a `Copy` value (where forget is a "
			"no-op) from one with a destructor, except for literals; clippy reports only "
			"types with drop glue. Applies to test code too: a leak in a test is still a "
			"leak, and forgetting a guard can deadlock the suite.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
