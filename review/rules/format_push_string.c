/* format_push_string.c — `s.push_str(&format!(..))` / `s += &format!(..)`: a temporary String per append. */
#include "rules.h"

#include <string.h>

static const char MESSAGE[] =
	"`format!` builds a temporary `String` only to copy it into this one and free it. In a loop "
	"or on a hot path that is an allocation per append for nothing. Write into the string "
	"directly with `write!(s, ..)` (with `use std::fmt::Write;`; writing to a `String` cannot "
	"fail, so `let _ =` or `.ok()` is fine).";

/* `&format!(..)` (or `&std::format!` / `&alloc::format!`). */
static bool is_ref_format(TSNode n, const char *src)
{
	TSNode mac, path;
	char buf[32];

	if (!rust_is(n, RK_REFERENCE_EXPRESSION) ||
	    !ts_node_is_null(rust_child_of_kind(n, RK_MUTABLE_SPECIFIER)))
		return false;
	mac = rust_child_by_field(n, RF_VALUE);
	if (!rust_is(mac, RK_MACRO_INVOCATION))
		return false;
	path = rust_child_by_field(mac, RF_MACRO);
	return !ts_node_is_null(path) && rust_path_text(path, src, buf, sizeof(buf)) &&
	       (strcmp(buf, "format") == 0 || strcmp(buf, "std::format") == 0 ||
		strcmp(buf, "alloc::format") == 0);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args;

	(void)scope;
	if (rust_method_call(node, &name, &args)) {
		if (rust_node_text_eq(name, ctx->src, "push_str") && rust_named_arg_count(args) == 1 &&
		    is_ref_format(ts_node_named_child(args, 0), ctx->src))
			return rule_emit_nodes(ctx, node, node, MESSAGE, NULL);
		return 0;
	}
	if (rust_is(node, RK_COMPOUND_ASSIGNMENT_EXPR)) {
		TSNode op = rust_child_by_field(node, RF_OPERATOR);
		TSNode right = rust_child_by_field(node, RF_RIGHT);
		if (rust_is(op, RK_PLUS_EQ) && is_ref_format(right, ctx->src))
			return rule_emit_nodes(ctx, node, node, MESSAGE, NULL);
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "compound_assignment_expr", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "format", NULL };

const struct rule rule_format_push_string = {
	.info = {
		.id = "format_push_string",
		.severity = RR_SEV_NOTE,
		.summary = "`s.push_str(&format!(..))` or `s += &format!(..)` allocates a temporary String",
		.explanation =
			"What: flags appending a `format!` result to a string with `push_str(&format!(..))` "
			"or `+= &format!(..)` (clippy::format_push_string).\n\n"
			"Why: `format!` allocates a new `String`, formats into it, and the append copies "
			"it and frees it. Building a report, a SQL statement or a log line this way in a "
			"loop allocates once per piece. `write!` formats straight into the existing "
			"buffer, which grows geometrically.\n\n"
			"How to fix: `use std::fmt::Write;` and `write!(s, \"{}: {}\", k, v)`. `fmt::Write` "
			"for `String` never returns an error, so `let _ = write!(..)` (or `.ok()`, or "
			"`?` in a fn returning `fmt::Result`) is correct. No suggested change is "
			"attached: the `use` and the result handling depend on the surrounding code.\n\n"
			"Bad:\n    for (k, v) in map { out.push_str(&format!(\"{k}={v}\\n\")); }\n"
			"Good:\n    for (k, v) in map { let _ = writeln!(out, \"{k}={v}\"); }\n\n"
			"Limits: the receiver's type is not known; `push_str` with a `&format!` argument "
			"is a String (or a String-like buffer with the same cost) in practice.\n\n"
			"Context: production code only. The cost is an allocation per append, which "
			"matters where the code runs for users; a test helper building a fixture string "
			"reads better with `push_str(&format!(..))` than with `write!` and its ignored "
			"result (clippy's lint has no test exemption).",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
