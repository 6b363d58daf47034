/* exit.c — `std::process::exit(..)` in library code. */
#include "api_helpers.h"
#include "rule_helpers.h"

/*
 * Where clippy::exit looks: the innermost fn around the call (closures
 * included) is a free fn, not named `main`. clippy checks the item that owns
 * the call, so methods of impls and traits are never reported, nor code
 * outside any fn.
 */
static bool in_checked_fn(TSNode fn, const char *src)
{
	TSNode list, owner;

	if (ts_node_is_null(fn) || rust_node_text_eq(rust_child_by_field(fn, RF_NAME), src, "main"))
		return false;
	list = ts_node_parent(fn);
	owner = rust_is(list, RK_DECLARATION_LIST) ? ts_node_parent(list) : (TSNode){ 0 };
	return !rust_is(owner, RK_IMPL_ITEM) && !rust_is(owner, RK_TRAIT_ITEM);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode callee;
	char quoted[64];

	/* A program may decide when it ends: main.rs, src/bin/ and the modules
	 * of a package's binaries (pathinfo.binary, review.c's crate targets). */
	if (ctx->pathinfo.binary || !rust_is(node, RK_CALL_EXPRESSION) ||
	    !in_checked_fn(scope->fn_item, ctx->src) ||
	    !api_call_is_std(ctx, node, "process", "exit", &callee))
		return 0;
	rule_quote(callee, ctx->src, quoted, sizeof(quoted));
	return rule_emitf_nodes(ctx, node, node, NULL,
				"`%s` in library code ends the whole process without unwinding: no "
				"destructors run, buffered output and open files are not flushed, and the "
				"application that called the library gets no say. Return an error and let "
				"the binary's `main` decide the exit code.",
				quoted);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "exit", NULL };

const struct rule rule_exit = {
	.info = {
		.id = "exit",
		.severity = RR_SEV_WARNING,
		.summary = "`std::process::exit` in library code",
		.explanation =
			"What: flags `std::process::exit(code)` (also `process::exit`, a plain "
			"`exit(code)` imported from `std::process`, and aliases such as `use "
			"std::process::exit as quit;`) in library code (clippy::exit): like clippy, in a "
			"free fn not named `main` and the closures inside it. Clippy looks at the fn "
			"item that owns the call, so exits in methods of impls and traits are not "
			"reported.\n\n"
			"Why: `exit` stops the process on the spot. Destructors do not run, so "
			"`BufWriter`s are not flushed, temp files are not removed, database transactions "
			"are not rolled back cleanly. In a library it also takes the decision away from "
			"the application: a server embedding the library dies because one request hit "
			"an error path.\n\n"
			"How to fix: return an error (or an exit-code enum) up to `main`, and exit there, "
			"ideally by returning `ExitCode` or `Result` from `main`.\n\n"
			"Bad:\n    if cfg.is_err() { eprintln!(\"bad config\"); std::process::exit(2); }\n"
			"Good:\n    let cfg = load_config()?;   // main maps the error to an exit code\n\n"
			"Context: programs are skipped: ending the program is their job (clippy reports "
			"their helper fns too; this rule leaves a program's exit policy to the program). A "
			"program's file is main.rs, a file under src/bin/, or a module of a program as the "
			"package's Cargo.toml shows it: a package without a library target (no [lib], no "
			"src/lib.rs) whose binaries live beside the file (a [[bin]] `path` such as "
			"`crates/core/main.rs`, or src/), or a module that only main.rs declares. Test "
			"code, examples, benches and build.rs are exempt.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
