/* transmute_without_safety.c — `mem::transmute` in unsafe code with no `// SAFETY:` comment. */
#include "api_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_transmute(struct rule_ctx *ctx, TSNode call, TSNode *callee)
{
	return api_call_is_std(ctx, call, "mem", "transmute", callee) ||
	       api_call_is_std(ctx, call, "mem", "transmute_copy", callee);
}

/* The first transmute call in the block, in source order. Nested fns and
 * nested unsafe blocks are skipped: they are judged on their own. */
static TSNode first_transmute(struct rule_ctx *ctx, TSNode block)
{
	TSTreeCursor c = ts_tree_cursor_new(block);
	TSNode found = { 0 }, callee;

	if (!ts_tree_cursor_goto_first_child(&c))
		goto out;
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		const char *t = ts_node_type(cur);
		bool descend = strcmp(t, "function_item") != 0 && strcmp(t, "unsafe_block") != 0 &&
			       strcmp(t, "macro_definition") != 0 && strcmp(t, "token_tree") != 0;
		if (strcmp(t, "call_expression") == 0 && is_transmute(ctx, cur, &callee)) {
			found = cur;
			break;
		}
		if (!rust_cursor_next(&c, descend))
			break;
	}
out:
	ts_tree_cursor_delete(&c);
	return found;
}

/* Same placements as undocumented_unsafe_blocks accepts. */
static bool block_documented(const struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	uint32_t start = ts_node_start_byte(node);
	return rust_safety_comment_above(ctx->src, start) ||
	       rust_safety_comment_opens(ctx->src, rust_child_of_kind(node, RK_BLOCK)) ||
	       (scope->statement_start < start &&
		rust_safety_comment_above(ctx->src, scope->statement_start));
}

/* at is where the comment goes (the block's `unsafe`, or the call itself). */
static int report(struct rule_ctx *ctx, TSNode at, TSNode call)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION);
	uint32_t line = ts_node_start_point(call).row + 1;
	char quoted[80], where[32] = "";
	char *msg;
	int rc;

	rule_quote(fn, ctx->src, quoted, sizeof(quoted));
	if (line != ts_node_start_point(at).row + 1)
		snprintf(where, sizeof(where), " on line %u", line);
	msg = rule_format("`%s`%s reinterprets bits with no `// SAFETY:` comment saying why "
			  "that is sound. A transmute between types of different size, alignment, "
			  "validity or lifetime is undefined behaviour that tests rarely catch. "
			  "Prefer a safe conversion (`from_ne_bytes`, `as`, `bytemuck`, pointer "
			  "`cast`); if transmute stays, write a `// SAFETY:` comment above it that "
			  "names both types and why every bit pattern is valid.",
			  quoted, where);
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, at, at, msg, NULL);
	free(msg);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode callee, call;

	if (rust_is(node, RK_UNSAFE_BLOCK)) {
		/* Reported on the block's `unsafe` keyword: the same span as
		 * undocumented_unsafe_blocks, which this rule supersedes. */
		if (block_documented(ctx, node, scope))
			return 0;
		call = first_transmute(ctx, node);
		return ts_node_is_null(call) ? 0 : report(ctx, ts_node_child(node, 0), call);
	}
	/* Edition 2021 allows unsafe operations directly in an unsafe fn's body. */
	if (scope->unsafe_fn_body && rust_is(node, RK_CALL_EXPRESSION) &&
	    is_transmute(ctx, node, &callee) &&
	    !rust_safety_comment_above(ctx->src, scope->statement_start) &&
	    !rust_safety_comment_above(ctx->src, ts_node_start_byte(node)))
		return report(ctx, node, node);
	return 0;
}

static const char *const SUPERSEDES[] = { "undocumented_unsafe_blocks", NULL };

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "unsafe_block", "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unsafe", "transmute", NULL };

const struct rule rule_transmute_without_safety = {
	.info = {
		.id = "transmute_without_safety",
		.severity = RR_SEV_WARNING,
		.summary = "`mem::transmute` without a `// SAFETY:` comment",
		.explanation =
			"What: flags an `unsafe` block that calls `std::mem::transmute` or "
			"`transmute_copy` (`mem::transmute`, `transmute::<A, B>`, or plain `transmute` "
			"imported from `std::mem`) and has no `// SAFETY:` comment, and such a call "
			"directly in an `unsafe fn` body with no `// SAFETY:` comment above its "
			"statement. No clippy lint matches; the id is ours. The comment sits on the "
			"block's `unsafe` keyword and names the transmute's line.\n\n"
			"Why: transmute is the most dangerous operation in unsafe Rust: it reinterprets "
			"bits with no check of size (beyond equal sizes), alignment, validity (a `bool` "
			"that is 2, an enum with no such variant, a null reference) or lifetime "
			"(extending `&'a T` to `&'static T`). The result is undefined behaviour that "
			"optimisers exploit and tests rarely reach.\n\n"
			"How to fix: most transmutes have a safe replacement: `u32::from_ne_bytes`, "
			"`f32::to_bits`/`from_bits`, `as` casts, pointer `.cast()`, `bytemuck::cast` "
			"with `Pod` types, or `zerocopy`. When transmute stays, write above the block why "
			"it is sound: both types, their layout (`#[repr(C)]`/`transparent`) and why every "
			"input bit pattern is a valid output.\n\n"
			"Bad:\n    let f = unsafe { std::mem::transmute::<u32, f32>(bits) };\n"
			"Good:\n    let f = f32::from_bits(bits);\n\n"
			"One comment per block: when the block has no SAFETY comment this rule's "
			"comment replaces undocumented_unsafe_blocks' (struct rule.supersedes), since "
			"it says more. The `# Safety` doc section of an `unsafe fn` is the caller's "
			"contract and does not count as a SAFETY comment for a transmute inside it. "
			"Applies to test code too.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
	.supersedes = SUPERSEDES,
};
