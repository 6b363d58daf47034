/* missing_safety_doc.c — a public `unsafe fn` / `unsafe trait` without a `# Safety` doc section. */
#include "api_helpers.h"

#include <stdlib.h>

static int report(struct rule_ctx *ctx, TSNode item, bool trait)
{
	TSNode name = rust_child_by_field(item, RF_NAME);
	char quoted[64];
	char *msg;
	int rc;

	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	if (trait)
		msg = rule_format(
			"The public `unsafe trait %s` has no `# Safety` section in its docs. Whoever "
			"implements it promises invariants the compiler cannot check, and without the "
			"list nobody can write a sound impl or review one. Add a `# Safety` section "
			"stating what an implementation must guarantee.",
			quoted);
	else
		msg = rule_format(
			"The public `unsafe fn %s` has no `# Safety` section in its docs. Every caller "
			"must uphold its preconditions by hand, and without the list nobody can call it "
			"soundly or review a call. Add a `# Safety` section stating exactly what the "
			"caller must guarantee (valid pointers, lengths, aliasing, threads).",
			quoted);
	if (!msg)
		return RR_ENOMEM;
	rc = api_emit_item_header(ctx, item, msg);
	free(msg);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	if (scope->doc_hidden)      /* like clippy: no rendered docs to complete */
		return 0;
	if (rust_is(node, RK_FUNCTION_ITEM) || rust_is(node, RK_FUNCTION_SIGNATURE_ITEM)) {
		if (!api_fn_has_modifier(node, "unsafe") || !api_fn_is_public(ctx, node, scope) ||
		    api_item_documents(ctx, node, scope, "Safety"))
			return 0;
		return report(ctx, node, false);
	}
	if (rust_is(node, RK_TRAIT_ITEM)) {
		TSNode vis = rust_child_of_kind(node, RK_VISIBILITY_MODIFIER);
		if (ts_node_is_null(rust_child_of_kind(node, RK_KW_UNSAFE)) || ctx->pathinfo.binary ||
		    scope->private_path || !rust_node_text_eq(vis, ctx->src, "pub") ||
		    !api_item_exported(ctx, node, scope) ||
		    api_item_documents(ctx, node, scope, "Safety"))
			return 0;
		return report(ctx, node, true);
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "function_item", "function_signature_item", "trait_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "fn", "trait", NULL };

const struct rule rule_missing_safety_doc = {
	.info = {
		.id = "missing_safety_doc",
		.severity = RR_SEV_WARNING,
		.summary = "public `unsafe fn` or `unsafe trait` without a `# Safety` doc section",
		.explanation =
			"What: flags a public `unsafe fn` (free fn, inherent method, or a method of a "
			"`pub trait`) and a public `unsafe trait` whose doc comment has no `# Safety` "
			"heading (clippy::missing_safety_doc).\n\n"
			"Why: `unsafe fn` moves the proof of soundness to the caller. If the "
			"preconditions are not written down, every call site is a guess, and a wrong "
			"guess is undefined behaviour: memory corruption, security holes, heisenbugs. "
			"The `// SAFETY:` comments at call sites (undocumented_unsafe_blocks) can only "
			"point at a contract that exists.\n\n"
			"How to fix: list what the caller (or implementor) must guarantee.\n\n"
			"Bad:\n    pub unsafe fn from_raw(p: *mut Node) -> Box<Node>\n"
			"Good:\n    /// # Safety\n    ///\n"
			"    /// `p` must come from `Node::into_raw` and must not be used afterwards.\n"
			"    pub unsafe fn from_raw(p: *mut Node) -> Box<Node>\n\n"
			"Context: public means public in this file (see missing_panics_doc); binaries, "
			"test code and `#[doc(hidden)]` items (also in hidden modules and impls, as in "
			"clippy) are skipped.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
