/* print_stdout.c — `println!`/`print!` in library code. */
#include "rule_helpers.h"

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	return rule_emitf_nodes(
		ctx, first, last, NULL,
		"`%s!` in library code writes straight to the process's stdout. "
		"A library does not own stdout: the output can corrupt a program's own output (a CLI's "
		"data, a protocol spoken over stdout) and bypasses the application's logging. Return the "
		"data to the caller, or log it with `log`/`tracing` instead.",
		name);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "println", "print" };
	(void)scope;
	/* A program (main.rs, src/bin/) owns its stdout; printing there is its job. */
	if (ctx->pathinfo.binary)
		return 0;
	return rule_each_macro_call(ctx, node, names, 2, emit);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "print", NULL };

const struct rule rule_print_stdout = {
	.info = {
		.id = "print_stdout",
		.severity = RR_SEV_WARNING,
		.summary = "`println!`/`print!` in library code",
		.explanation =
			"What: flags `println!` and `print!` (clippy::print_stdout) in library code.\n\n"
			"Why: stdout belongs to the program, not to the libraries it links. A library that "
			"prints corrupts output other tools parse (JSON on stdout, an LSP or MCP server "
			"speaking its protocol over stdout), cannot be silenced or redirected by the "
			"application, and bypasses log levels and structured logging. `println!` also "
			"panics if stdout is closed.\n\n"
			"How to fix: return the text to the caller (or take a `&mut impl Write`), or use "
			"`log`/`tracing` so the application decides where it goes.\n\n"
			"Bad:\n    pub fn sync(&self) { println!(\"synced {} items\", n); }\n"
			"Good:\n    pub fn sync(&self) { tracing::info!(items = n, \"synced\"); }\n\n"
			"Context: only library code is checked. Binaries (src/main.rs, src/bin/**, any "
			"main.rs) own stdout, and test code, examples, benches and build.rs (where "
			"`println!(\"cargo:...\")` is the protocol) are exempt.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
