/* expect_used.c — `.expect("..")` on Option/Result in production code, unless
 * its message states the invariant that makes it safe. */
#include "panic_idioms.h"
#include "rule_helpers.h"

/* A message that says what failed ("x is None", "failed to read")... */
static const char MESSAGE_FAILED[] =
	"`.expect(..)` panics when the value is `None` or `Err`, and this message says what failed "
	"rather than why it cannot fail. If the value is always there, make the message state that "
	"invariant (`.expect(\"set by new() before the first poll\")`); if it can be missing, handle "
	"the `None`/`Err` case instead of taking the thread or task down.";

/* ... and any other: a label naming the value, or text the tree cannot read. */
static const char MESSAGE[] =
	"`.expect(..)` panics when the value is `None` or `Err`, and this message does not say why "
	"that cannot happen here. If the value is always there, make the message state that "
	"invariant (`.expect(\"set by new() before the first poll\")`); if it can be missing, handle "
	"the `None`/`Err` case instead of taking the thread or task down.";

static const char MESSAGE_ERR[] =
	"`.expect_err(..)` panics when the value is `Ok`, taking the thread or task down with it. "
	"Match on the `Result` and handle the `Ok` case explicitly.";

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	size_t before = ctx->out->n;
	TSNode name, args;
	int rc;

	/* clippy's allow-expect-in-consts (default true). */
	if (scope->in_const &&
	    rule_toggle(ctx->opts ? ctx->opts->clippy.allow_expect_in_consts : REVIEW_UNSET, true))
		return 0;
	/* Option/Result::expect takes exactly one argument, the message. */
	if (rust_is(node, RK_TOKEN_TREE))
		rc = idiom_tt_method_calls(ctx, node, scope, "expect", 1, MESSAGE);
	else if (rust_method_call(node, &name, &args) && rust_node_text_eq(name, ctx->src, "expect"))
		rc = idiom_expect_states_invariant(args, ctx->src) ||
				     idiom_unwrap_accepted(ctx, node, scope)
			     ? RR_OK
			     : rule_method_calls(ctx, node, scope, "expect", 1,
						 idiom_expect_says_what_failed(args, ctx->src)
							 ? MESSAGE_FAILED : MESSAGE);
	else
		rc = rule_path_method_calls(ctx, node, "expect", 1, MESSAGE);
	if (rc == RR_OK)
		rc = rule_method_calls(ctx, node, scope, "expect_err", 1, MESSAGE_ERR);
	if (rc == RR_OK)
		rc = rule_path_method_calls(ctx, node, "expect_err", 1, MESSAGE_ERR);
	/* Asked only once something was reported: it looks at the fn's docs. */
	if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
		idiom_retract(ctx, before);
	return rc;
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
			"How to fix: where the value can be missing, return an error (with anyhow, "
			"`.context(\"reading config\")?`; or a variant of your error enum). Where it "
			"cannot, make the message state why, as std's docs recommend for expect "
			"messages (\"env variable `HOME` should be set by the login shell\").\n\n"
			"Accepted, left alone: an expect whose message is a string literal that gives "
			"the reason the value is there: a precondition or a check already made "
			"(should, must, always, never, only, checked, validated, guaranteed, invariant, "
			"infallible, already, above, before/after, polled, twice, initialized, inserted, "
			"known, fits, fewer/less than, at most/least, valid, because, since, ...), unless "
			"it describes the failure (starts with failed/unable/could not/error/no/missing/"
			"invalid, or says `is None`, `not found`, `not set`, `should never happen`, "
			"`impossible`: a claim without a reason). So `.expect(\"checked is_some above\")` "
			"and `.expect(\"Future polled after completion\")` pass, while "
			"`.expect(\"failed to read config\")`, `.expect(\"x is None\")` and a one-word "
			"`.expect(\"config\")` are reported; a message that is not a literal cannot be "
			"read and is reported. Also left alone: the LockResult of `.lock()`/`.read()`/"
			"`.write()`/Condvar `.wait*(..)` (poison propagation), an expect on a value the "
			"fn checked before it (a branch of an `if`/`match` testing it, an earlier exit "
			"or assertion on it, a `Some(..)` just stored: the forms unwrap_used lists), a "
			"conversion whose operand the syntax bounds (`u8::try_from(n % 10)`), "
			"`.checked_*(..)` arithmetic (an overflow assertion), an expect whose reason is "
			"in a comment just above (or heading a run of parallel statements), and any "
			"expect in a fn whose docs have a `# Panics` section, say when it panics or show "
			"the call, or whose name says it panics. An expect on a Future's state or on a "
			"constant keeps its message judged: the message is the part to review there.\n\n"
			"Bad:\n    let cfg = fs::read_to_string(path).expect(\"config\");\n"
			"Good:\n    let cfg = fs::read_to_string(path)\n"
			"        .with_context(|| format!(\"reading {}\", path.display()))?;\n\n"
			"Context: test code (#[test] fns, #[cfg(test)] modules, tests/, benches/, "
			"examples/, build.rs) is exempt, like clippy's allow-expect-in-tests. Method names "
			"are matched without types, so a parser's own `expect(token)` method is reported "
			"too (unless the tree shows its receiver is a type of this file with its own "
			"`expect`); silence it with `#[allow(clippy::expect_used)]`.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
