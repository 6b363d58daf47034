/* expect_used.c — `.expect("..")` on Option/Result in production code. */
#include "rule_helpers.h"

static const char MESSAGE[] =
	"`.expect(..)` panics when the value is `None` or `Err`. "
	"The message helps the post-mortem, but the thread or task still dies on what is usually a "
	"recoverable condition (bad input, I/O, a missing key). Return the error with `?` and add "
	"context instead, and keep `expect` for invariants you can prove.";

static const char MESSAGE_ERR[] =
	"`.expect_err(..)` panics when the value is `Ok`, taking the thread or task down with it. "
	"Match on the `Result` and handle the `Ok` case explicitly.";

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	int rc;

	/* clippy's allow-expect-in-consts (default true). */
	if (scope->in_const &&
	    rule_toggle(ctx->opts ? ctx->opts->clippy.allow_expect_in_consts : REVIEW_UNSET, true))
		return 0;
	/* Option/Result::expect takes exactly one argument, the message. */
	if ((rc = rule_method_calls(ctx, node, scope, "expect", 1, MESSAGE)) ||
	    (rc = rule_method_calls(ctx, node, scope, "expect_err", 1, MESSAGE_ERR)) ||
	    (rc = rule_path_method_calls(ctx, node, "expect", 1, MESSAGE)))
		return rc;
	return rule_path_method_calls(ctx, node, "expect_err", 1, MESSAGE_ERR);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "expect", "expect_err", NULL };

const struct rule rule_expect_used = {
	.info = {
		.id = "expect_used",
		.severity = RR_SEV_WARNING,
		.summary = "`.expect(..)` on an Option or Result panics on None/Err",
		.explanation =
			"What: flags calls to `.expect(msg)` and `.expect_err(msg)` (clippy::expect_used), "
			"including ones inside macro arguments and the path forms `Option::expect(x, "
			"msg)` / `Result::expect(r, msg)`. Like clippy (allow-expect-in-consts, default "
			"true), code evaluated at compile time (`const`/`static` initialisers, `const { }`, "
			"array lengths) is not reported.\n\n"
			"Why: `expect` is `unwrap` with a message. The message makes the crash easier to "
			"diagnose, but it is still a crash: the request's task or thread dies, and with "
			"`panic = \"abort\"` the whole process. Most `None`/`Err` values in production "
			"come from inputs, the network or the file system and deserve an error, not a "
			"panic.\n\n"
			"How to fix: propagate with `?` and add context (`.context(\"reading config\")?` "
			"with anyhow, or a variant of your error enum). Keep `expect` only where the value "
			"cannot fail by construction, and say so with `#[allow(clippy::expect_used)]`.\n\n"
			"Bad:\n    let cfg = fs::read_to_string(path).expect(\"config\");\n"
			"Good:\n    let cfg = fs::read_to_string(path)\n"
			"        .with_context(|| format!(\"reading {}\", path.display()))?;\n\n"
			"Context: test code (#[test] fns, #[cfg(test)] modules, tests/, benches/, "
			"examples/, build.rs) is exempt, like clippy's allow-expect-in-tests. Method names "
			"are matched without types, so a parser's own `expect(token)` method is reported "
			"too; silence it with `#[allow(clippy::expect_used)]`.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
