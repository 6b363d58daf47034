/* todo.c — `todo!()` left in code. */
#include "rules.h"

static const char MESSAGE[] =
	"`todo!()` marks unfinished code and panics when it is reached. "
	"Merged, it is a crash waiting for the first request that takes this path. Finish the "
	"implementation before merging, or return an error saying the case is not supported yet.";

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	(void)name;
	return rule_emit_nodes(ctx, first, last, MESSAGE, NULL);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "todo" };
	(void)scope;
	return rule_each_macro_call(ctx, node, names, 1, emit);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "todo", NULL };

const struct rule rule_todo = {
	.info = {
		.id = "todo",
		.severity = RR_SEV_WARNING,
		.summary = "`todo!()` left in code",
		.explanation =
			"What: flags `todo!()` (clippy::todo).\n\n"
			"Why: `todo!` says \"not written yet\" and panics when reached. It compiles, so it "
			"slips through review and ships; the first caller on that path crashes.\n\n"
			"How to fix: write the code, or return an explicit error (`Err(Error::"
			"Unsupported(..))`) and track the work in an issue.\n\n"
			"Bad:\n    fn export(&self, fmt: Format) -> Result<Vec<u8>> { todo!() }\n"
			"Good:\n    fn export(&self, fmt: Format) -> Result<Vec<u8>> {\n"
			"        Err(Error::Unsupported(format!(\"export to {fmt:?}\")))\n    }\n\n"
			"Context: production code only. In a test, a benchmark or an example, a "
			"`todo!()` that is reached fails that run on the spot, which is how unfinished "
			"test code announces itself; the crash the rule guards against is a shipped code "
			"path that panics for a user (clippy's restriction lint has no test exemption; "
			"this rule leaves test code to the test run).",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
