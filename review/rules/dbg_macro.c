/* dbg_macro.c — `dbg!` debugging leftovers. */
#include "rules.h"

static const char MESSAGE[] =
	"`dbg!` is a debugging leftover: it prints the file, line and value to stderr on every call. "
	"Left in, it floods logs, bypasses the structured logger and can leak data you never meant "
	"to log. Remove it, or log the value with `tracing`/`log` at debug level.";

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	(void)name;
	return rule_emit_nodes(ctx, first, last, MESSAGE, NULL);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "dbg" };
	(void)scope;
	return rule_each_macro_call(ctx, node, names, 1, emit);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "dbg", NULL };

const struct rule rule_dbg_macro = {
	.info = {
		.id = "dbg_macro",
		.severity = RR_SEV_WARNING,
		.summary = "`dbg!` debugging leftover",
		.explanation =
			"What: flags `dbg!(..)` (clippy::dbg_macro).\n\n"
			"Why: `dbg!` exists for a quick look while developing. It writes unstructured text "
			"to stderr on every call, in release builds too, next to (and not through) the "
			"service's logger, and it prints whole values with `{:#?}`, which can include "
			"tokens, personal data or megabytes of state.\n\n"
			"How to fix: delete it, or replace it with `tracing::debug!(?value)` / "
			"`log::debug!(\"{value:?}\")` when the value is worth keeping.\n\n"
			"Bad:\n    let total = dbg!(a + b);\n"
			"Good:\n    let total = a + b;\n    tracing::debug!(total, \"computed total\");\n\n"
			"Context: applies everywhere, tests included, like clippy's default "
			"(allow-dbg-in-tests = false): a forgotten `dbg!` in a test is still noise in "
			"every CI log.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
