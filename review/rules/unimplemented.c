/* unimplemented.c — `unimplemented!()` in production code. */
#include "rules.h"

static const char MESSAGE[] =
	"`unimplemented!()` panics whenever this path runs. "
	"A caller that reaches it crashes instead of getting an error it can handle. Implement the "
	"path, or return an error that says the operation is not supported.";

static int emit(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name)
{
	(void)name;
	return rule_emit_nodes(ctx, first, last, MESSAGE, NULL);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "unimplemented" };
	(void)scope;
	return rule_each_macro_call(ctx, node, names, 1, emit);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unimplemented", NULL };

const struct rule rule_unimplemented = {
	.info = {
		.id = "unimplemented",
		.severity = RR_SEV_WARNING,
		.summary = "`unimplemented!()` in production code",
		.explanation =
			"What: flags `unimplemented!()` (clippy::unimplemented).\n\n"
			"Why: it panics when reached. In production code it usually sits in a trait method "
			"someone did not need yet; the day a caller does need it, the process crashes "
			"instead of reporting \"not supported\".\n\n"
			"How to fix: implement the method, return an error value, or, if the trait allows "
			"it, split the trait so types only implement what they support.\n\n"
			"Bad:\n    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> { unimplemented!() }\n"
			"Good:\n    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {\n"
			"        Err(io::Error::new(io::ErrorKind::Unsupported, \"stream is not seekable\"))\n"
			"    }\n\n"
			"Context: test code is exempt. Test doubles routinely implement only the trait "
			"methods a test exercises and mark the rest `unimplemented!()`, and a test that "
			"reaches one fails loudly, which is the point. (`todo!` stays on in tests: it marks "
			"unfinished work, not a deliberate stub.)",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
