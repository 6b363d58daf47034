/* panic.c — explicit `panic!` in production code. */
#include "panic_idioms.h"
#include "rules.h"

static const char MESSAGE[] =
	"`panic!` aborts the current thread or task instead of returning an error the caller can "
	"handle. In a service this drops in-flight work, and with `panic = \"abort\"` the whole "
	"process. Return a `Result` with a descriptive error instead; if the branch truly cannot "
	"happen, say why with `unreachable!(\"...\")`.";

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	(void)name;
	return rule_emit_nodes(ctx, first, last, MESSAGE, NULL);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "panic" };
	size_t before = ctx->out->n;
	int rc;

	/* Like clippy: a panic while evaluating a const or static is a compile
	 * error, not a crash (a `const fn` body runs at run time too: reported). */
	if (scope->in_const)
		return 0;
	rc = rule_each_macro_call(ctx, node, names, 1, emit);

	if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
		idiom_retract(ctx, before);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "panic", NULL };

const struct rule rule_panic = {
	.info = {
		.id = "panic",
		.severity = RR_SEV_WARNING,
		.summary = "explicit `panic!` in production code",
		.explanation =
			"What: flags `panic!(..)` (clippy::panic), also `std::panic!`/`core::panic!` and "
			"calls inside other macros' arguments. Like clippy, not in code evaluated at "
			"compile time (`const` and `static` initialisers, `const { }`, array lengths), "
			"where a panic is a build error; in the body of a `const fn` it is reported.\n\n"
			"Why: a panic is not error handling. It unwinds (or aborts) the thread, loses the "
			"work in flight, can poison mutexes the thread held, and turns a condition the "
			"caller might have handled into an outage. Library code that panics takes that "
			"choice away from every caller.\n\n"
			"How to fix: return `Err(..)` with an error that names the bad value. If the branch "
			"is impossible by construction, use `unreachable!(\"reason\")` so the intent is "
			"explicit.\n\n"
			"Bad:\n    if len > MAX { panic!(\"frame too long\"); }\n"
			"Good:\n    if len > MAX { return Err(FrameError::TooLong { len, max: MAX }); }\n\n"
			"Accepted, left alone: a panic in a fn whose doc comment has a `# Panics` "
			"section (the panic is part of its documented contract, which is what "
			"missing_panics_doc asks for) or whose name says it panics (`panic_if_poisoned`, "
			"`unwrap_literal`, `expect_*`, `*_or_panic`).\n\n"
			"Context: test code is exempt (clippy's allow-panic-in-tests): panicking is how a "
			"test fails.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
