/* undocumented_unsafe_blocks.c — `unsafe { }` blocks and `unsafe impl`s without a
 * `// SAFETY:` comment. */
#include "rules.h"

static const char MESSAGE[] =
	"This `unsafe` block has no `// SAFETY:` comment. "
	"Unsafe code is where memory-safety bugs live, and reviewers and future editors need to know "
	"which invariants make it sound. Add a `// SAFETY: ...` comment just above the block that "
	"explains why every requirement of the unsafe operations is met.";

static const char IMPL_MESSAGE[] =
	"This `unsafe impl` has no `// SAFETY:` comment. "
	"Implementing an unsafe trait (`Send`, `Sync`, `GlobalAlloc`, ...) promises the compiler "
	"invariants it cannot check, and a wrong `Send`/`Sync` impl is a data race waiting to happen. "
	"Add a `// SAFETY: ...` comment above the impl that explains why the type upholds the "
	"trait's contract.";

static int check_block(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	uint32_t start = ts_node_start_byte(node);

	if (rust_safety_comment_above(ctx->src, start) ||
	    rust_safety_comment_opens(ctx->src, rust_child_of_kind(node, RK_BLOCK)))
		return 0;
	/* A comment above `let x =\n unsafe { .. }` documents the block too
	 * (clippy's accept-comment-above-statement). */
	if (scope->statement_start < start &&
	    rust_safety_comment_above(ctx->src, scope->statement_start))
		return 0;
	/* The span is the `unsafe` keyword: a comment anchors on the block's first line. */
	return rule_emit_nodes(ctx, ts_node_child(node, 0), ts_node_child(node, 0), MESSAGE, NULL);
}

/* `unsafe impl Send for T {}`: the comment goes above the impl (attributes and
 * doc comments in between are fine, as for clippy). */
static int check_impl(struct rule_ctx *ctx, TSNode node)
{
	TSNode kw = ts_node_child(node, 0);

	if (!rust_is(kw, RK_KW_UNSAFE) || rust_safety_comment_above(ctx->src, ts_node_start_byte(node)))
		return 0;
	return rule_emit_nodes(ctx, kw, kw, IMPL_MESSAGE, NULL);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	/* A benchmark harness is neither shipped nor a test whose result an
	 * unsound block could falsify: its unsafe mirrors the code it measures,
	 * which is where the SAFETY comment is asked for. */
	if (ctx->pathinfo.bench)
		return 0;
	if (rust_is(node, RK_UNSAFE_BLOCK))
		return check_block(ctx, node, scope);
	if (rust_is(node, RK_IMPL_ITEM))
		return check_impl(ctx, node);
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "unsafe_block", "impl_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unsafe", NULL };

const struct rule rule_undocumented_unsafe_blocks = {
	.info = {
		.id = "undocumented_unsafe_blocks",
		.severity = RR_SEV_WARNING,
		.summary = "`unsafe` block or `unsafe impl` without a `// SAFETY:` comment",
		.explanation =
			"What: flags `unsafe { .. }` blocks and `unsafe impl` items with no "
			"`// SAFETY:` comment (clippy::undocumented_unsafe_blocks). Like clippy, the "
			"comment may sit on the "
			"lines just above the block (blank lines and attributes in between are fine), "
			"above the statement that contains it (`let x =` on the line before), or open "
			"the block itself. \"Safety:\" in any case is accepted.\n\n"
			"Why: the compiler stops checking inside `unsafe`; the programmer promises that "
			"the operation's preconditions hold (pointer valid and aligned, no aliasing "
			"`&mut`, length in bounds, ...). If that promise is not written down, nobody can "
			"review it, and the next edit breaks it silently. Memory-safety bugs are the worst "
			"production bugs: undefined behaviour, data corruption, security holes.\n\n"
			"How to fix: write, right above the block, why each precondition holds.\n\n"
			"For `unsafe impl Send for T {}` (and `Sync`, `GlobalAlloc`, ...) the comment goes "
			"above the impl and says why the type meets the trait's contract.\n\n"
			"Bad:\n    let v = unsafe { *ptr };\n"
			"Good:\n    // SAFETY: `ptr` comes from `Box::into_raw` above and is freed only in Drop,\n"
			"    // so it is non-null, aligned and valid for reads here.\n"
			"    let v = unsafe { *ptr };\n\n"
			"Context: applies to production and test code alike: an unsound test can corrupt "
			"memory and make unrelated tests fail. Benchmark harnesses (files under "
			"benches/) are left alone: they are never shipped, their results are timings "
			"rather than verdicts, and their unsafe blocks mirror the library code they "
			"measure, where the comment is asked for (clippy reports them too; "
			"`#![warn(clippy::undocumented_unsafe_blocks)]` does not bring them back here).",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
