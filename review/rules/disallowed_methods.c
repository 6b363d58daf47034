/* disallowed_methods.c — calls of functions and methods clippy.toml's disallowed-methods lists. */
#include "api_helpers.h"
#include "disallowed_helpers.h"
#include "rule_helpers.h"

static bool applies(const struct review_options *opts)
{
	return opts && opts->clippy.n_methods > 0;
}

static const struct disallowed_list METHODS = { false, api_path_is };

/* A path used as a value (`.map(std::env::var)`), not a callee, a prefix of a
 * longer path, an import or a macro's name. */
static bool path_as_value(TSNode n)
{
	TSNode parent = ts_node_parent(n);
	enum rust_kind k = rust_node_kind(parent);
	return k == RK_ARGUMENTS || k == RK_LET_DECLARATION || k == RK_ASSIGNMENT_EXPRESSION ||
	       k == RK_FIELD_INITIALIZER || k == RK_ARRAY_EXPRESSION;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode fn;

	(void)scope;
	if (rust_is(node, RK_CALL_EXPRESSION)) {
		fn = rust_child_by_field(node, RF_FUNCTION);
		if (rust_is(fn, RK_FIELD_EXPRESSION))
			return 0;
		return disallowed_report(ctx, &METHODS, fn, fn, rust_child_by_field(node, RF_ARGUMENTS));
	}
	if (rust_is(node, RK_SCOPED_IDENTIFIER) && path_as_value(node))
		return disallowed_report(ctx, &METHODS, node, node, node);
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "scoped_identifier", NULL };

const struct rule rule_disallowed_methods = {
	.info = {
		.id = "disallowed_methods",
		.severity = RR_SEV_WARNING,
		.summary = "call of a function or method clippy.toml's `disallowed-methods` lists",
		.explanation =
			"What: flags calls of the functions and methods that `disallowed-methods` in the "
			"repository's clippy.toml (or .clippy.toml) lists, with the reason given there "
			"(clippy::disallowed_methods). Entries are paths, `\"std::env::var\"`, or tables, "
			"`{ path = \"std::process::exit\", reason = \"return an error\" }`; clippy.toml is "
			"read from the base commit, like .rustreview.toml. A call counts when the tree "
			"shows it names the path: written out (`std::env::var(..)`, std, core and alloc "
			"being one), through the file's `use` declarations and aliases (`use std::env; "
			"env::var(..)`, `use std::env::var as get; get(..)`), a glob import, "
			"`Type::method(x, ..)` (`Vec::push(&mut v, 1)`), or the path passed as a value "
			"(`.map(std::env::var)`).\n\n"
			"Why: the team decided these calls are not to be used here (a wrapper adds "
			"logging, a safer API exists, the function is banned for determinism); the "
			"configuration is the team's, the comment only carries it to the line.\n\n"
			"How to fix: follow the reason; where the call is right after all, "
			"`#[allow(clippy::disallowed_methods, reason = \"..\")]`.\n\n"
			"Subset of clippy: without types, method-call syntax (`v.push(1)` for "
			"`std::vec::Vec::push`) is not matched, nor calls inside macro definitions or "
			"through re-exports the file does not show.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = NULL,          /* the paths come from clippy.toml */
	.applies = applies,
};
