/* unwrap_used.c — `.unwrap()` on Option/Result in production code. */
#include "panic_idioms.h"
#include "rule_helpers.h"

/* No `?` here: where the fn returns Result/Option, unwrap_in_result (which
 * supersedes this rule) gives that advice; what reaches this rule is code
 * where `?` would not compile (a fn returning something else, a closure, an
 * Option unwrapped in a Result fn). */
static const char MESSAGE[] =
	"`.unwrap()` panics when the value is `None` or `Err`, taking the thread or task down with "
	"a message that says nothing about what went wrong. Handle the `None`/`Err` case (`match`, "
	"`if let`, `unwrap_or_else`, or return an error), or, if it truly cannot happen, say why "
	"with `.expect(\"..\")` stating the invariant.";

static const char MESSAGE_ERR[] =
	"`.unwrap_err()` panics when the value is `Ok`, taking the thread or task down with it. "
	"Match on the `Result` and handle the `Ok` case explicitly.";

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	size_t before = ctx->out->n;
	TSNode name, args;
	int rc;

	/* clippy's allow-unwrap-in-consts (default true): a panic in code evaluated
	 * at compile time is a build error, not a crash. */
	if (scope->in_const &&
	    rule_toggle(ctx->opts ? ctx->opts->clippy.allow_unwrap_in_consts : REVIEW_UNSET, true))
		return 0;
	if (rust_is(node, RK_TOKEN_TREE))
		rc = idiom_tt_method_calls(ctx, node, "unwrap", 0, MESSAGE);
	else if (rust_method_call(node, &name, &args) && rust_node_text_eq(name, ctx->src, "unwrap"))
		rc = idiom_unwrap_accepted(ctx, node, scope)
			     ? RR_OK : rule_method_calls(ctx, node, scope, "unwrap", 0, MESSAGE);
	else
		rc = rule_path_method_calls(ctx, node, "unwrap", 0, MESSAGE);
	/* unwrap_err: none of the accepted idioms is about it. */
	if (rc == RR_OK)
		rc = rule_method_calls(ctx, node, scope, "unwrap_err", 0, MESSAGE_ERR);
	if (rc == RR_OK)
		rc = rule_path_method_calls(ctx, node, "unwrap_err", 0, MESSAGE_ERR);
	/* Asked only once something was reported: it looks at the fn's docs. */
	if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
		idiom_retract(ctx, before);
	return rc;
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
			"How to fix: return the error (with `?` where the fn returns a Result whose "
			"error the receiver's converts into: unwrap_in_result says so there), match on "
			"the value, or use `unwrap_or`, `unwrap_or_default`, `unwrap_or_else` when there "
			"is a sensible default. When the value truly cannot be `None`, say why with "
			"`expect(\"..\")`: an expect whose message states the invariant is accepted "
			"(see expect_used).\n\n"
			"Bad:\n    let port: u16 = env::var(\"PORT\").unwrap().parse().unwrap();\n"
			"Good:\n    let port: u16 = env::var(\"PORT\")\n"
			"        .context(\"PORT is not set\")?\n"
			"        .parse()\n        .context(\"PORT is not a number\")?;\n\n"
			"Accepted idioms, left alone: the LockResult of `.lock()`, `.read()`, "
			"`.write()` and of a Condvar's `.wait*(..)` (a poisoned lock means another "
			"thread panicked holding it; passing the panic on is what std's own examples "
			"do, and `?` would not compile for most error types); `write!`/`writeln!` into "
			"a `String` the fn made (fmt::Write for String never fails); any unwrap in a fn "
			"whose docs have a `# Panics` section (the panic is its documented contract) or "
			"whose name says it panics (`panic_if_poisoned`, `unwrap_literal`); a "
			"checked precondition: an unwrap in a branch of an `if` or `match` whose "
			"condition tests the value the receiver starts from (`if q.len() == 1 { "
			"q.pop().unwrap() }`, `if e.is_io() { e.into_io().unwrap() }`). clippy's "
			"unnecessary_unwrap would suggest `if let` for the is_some/is_ok form; this "
			"rule, about panics, stays quiet there. Also: an unwrap of a literal parsed "
			"or compiled (`\"none\".parse().unwrap()`, `Regex::new(r\"^a$\").unwrap()`: a "
			"constant that the first test run would catch; `File::open(\"x\")` reads the "
			"disk and is still reported), `.checked_add(..).unwrap()` and the other "
			"`checked_*` (an overflow assertion), and an unwrap with a comment just above "
			"or at the end of its line that says why it cannot fail (\"OK because both "
			"sequences are finite\", \"cannot fail: ..\", \"invariant: ..\"), as an "
			"invariant expect message would.\n\n"
			"Context: test code (#[test] and #[tokio::test] fns, #[cfg(test)] modules, tests/, "
			"benches/, examples/, build.rs) is exempt, like clippy's allow-unwrap-in-tests: a "
			"panic there is a test failure, which is what you want. Where the tree shows the "
			"receiver is a type of this file with its own inherent `unwrap` method "
			"(`Opt::new().unwrap()`, `Opt(1).unwrap()`, `mem::replace(x, Opt::new()).unwrap()`, "
			"a parameter `o: Opt`, `let o: Opt`, "
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
