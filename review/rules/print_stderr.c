/* print_stderr.c — `eprintln!`/`eprint!` in library code. */
#include "rule_helpers.h"

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	return rule_emitf_nodes(
		ctx, first, last, NULL,
		"`%s!` in library code writes straight to the process's stderr. "
		"The application cannot filter, structure or redirect it, and in a service it bypasses "
		"the log pipeline (levels, JSON, request ids) the operators rely on. Log it with "
		"`log`/`tracing`, or return the error to the caller.",
		name);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "eprintln", "eprint" };
	(void)scope;
	/* A program owns its stderr: usage errors and fatal messages belong there. */
	if (ctx->pathinfo.binary)
		return 0;
	return rule_each_macro_call(ctx, node, names, 2, emit);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "eprint", NULL };

const struct rule rule_print_stderr = {
	.info = {
		.id = "print_stderr",
		.severity = RR_SEV_WARNING,
		.summary = "`eprintln!`/`eprint!` in library code",
		.explanation =
			"What: flags `eprintln!` and `eprint!` (clippy::print_stderr) in library code, "
			"macro arguments included.\n\n"
			"Why: stderr is where the program's operator looks, and the program decides what "
			"goes there. A library writing to it directly cannot be silenced, leveled or "
			"structured, mixes free text into JSON log streams, and hides errors the caller "
			"should have received as values. `eprintln!` also panics if stderr is closed.\n\n"
			"How to fix: return the error, or log with `log`/`tracing` so the application "
			"chooses the destination and the level.\n\n"
			"Bad:\n    Err(e) => { eprintln!(\"cache miss: {e}\"); None }\n"
			"Good:\n    Err(e) => { tracing::warn!(error = %e, \"cache miss\"); None }\n\n"
			"Context: only library code is checked. Binaries (src/main.rs, src/bin/**, any "
			"main.rs) own stderr, so unlike clippy (which flags every crate) they are "
			"skipped; test code, examples, benches and build.rs are exempt.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
