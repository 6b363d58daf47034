/* unwrap_used.c — `.unwrap()` on Option/Result in production code. */
#include "rule_helpers.h"

static const char MESSAGE[] =
	"`.unwrap()` panics when the value is `None` or `Err`, taking the thread or task down with it. "
	"In production that turns a recoverable condition into a crash whose message says nothing "
	"about what went wrong. Propagate the error with `?` (adding context), or handle the "
	"`None`/`Err` case explicitly.";

static const char MESSAGE_ERR[] =
	"`.unwrap_err()` panics when the value is `Ok`, taking the thread or task down with it. "
	"Match on the `Result` and handle the `Ok` case explicitly.";

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	int rc;

	/* clippy's allow-unwrap-in-consts (default true): a panic in code evaluated
	 * at compile time is a build error, not a crash. */
	if (scope->in_const &&
	    rule_toggle(ctx->opts ? ctx->opts->clippy.allow_unwrap_in_consts : REVIEW_UNSET, true))
		return 0;
	if ((rc = rule_method_calls(ctx, node, scope, "unwrap", 0, MESSAGE)) ||
	    (rc = rule_method_calls(ctx, node, scope, "unwrap_err", 0, MESSAGE_ERR)) ||
	    (rc = rule_path_method_calls(ctx, node, "unwrap", 0, MESSAGE)))
		return rc;
	return rule_path_method_calls(ctx, node, "unwrap_err", 0, MESSAGE_ERR);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unwrap", "unwrap_err", NULL };

const struct rule rule_unwrap_used = {
	.info = {
		.id = "unwrap_used",
		.severity = RR_SEV_WARNING,
		.summary = "`.unwrap()` on an Option or Result panics on None/Err",
		.explanation =
			"What: flags calls to `.unwrap()` and `.unwrap_err()` (clippy::unwrap_used), "
			"including ones written inside macro arguments such as `format!(\"{}\", "
			"x.unwrap())` and the path forms `Option::unwrap(x)` / `Result::unwrap_err(r)`. "
			"Like clippy (allow-unwrap-in-consts, default true), code evaluated at compile "
			"time is not reported: `const` and `static` initialisers, `const { }` blocks, "
			"array lengths, enum discriminants (the body of a `const fn` is).\n\n"
			"Why: `unwrap` panics on `None`/`Err`. In a service the panic kills the request's "
			"task or thread (or the whole process with `panic = \"abort\"`), and the panic "
			"message (`called Option::unwrap() on a None value`) says nothing about which "
			"input or which file caused it. The failure was usually recoverable.\n\n"
			"How to fix: return the error with `?` and add context, match on the value, or "
			"use `unwrap_or`, `unwrap_or_default`, `unwrap_or_else` when there is a sensible "
			"default. When the value truly cannot be `None`, prefer `expect(\"why\")` under an "
			"`#[allow(clippy::unwrap_used)]` that records the proof.\n\n"
			"Bad:\n    let port: u16 = env::var(\"PORT\").unwrap().parse().unwrap();\n"
			"Good:\n    let port: u16 = env::var(\"PORT\")\n"
			"        .context(\"PORT is not set\")?\n"
			"        .parse()\n        .context(\"PORT is not a number\")?;\n\n"
			"Context: test code (#[test] and #[tokio::test] fns, #[cfg(test)] modules, tests/, "
			"benches/, examples/, build.rs) is exempt, like clippy's allow-unwrap-in-tests: a "
			"panic there is a test failure, which is what you want. Where the tree shows the "
			"receiver is a type of this file with its own inherent `unwrap` method "
			"(`Opt::new().unwrap()`, `Opt(1).unwrap()`, a parameter `o: Opt`, `let o: Opt`, "
			"`self` inside `impl Opt`), the call is not Option's and is left alone. Elsewhere "
			"the rule goes by the method name (there are no types in a syntax tree); "
			"`#[allow(clippy::unwrap_used)]` silences a false alarm.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
