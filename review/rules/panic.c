/* panic.c — explicit `panic!` in production code. */
#include "panic_idioms.h"
#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

/*
 * True when the token tree tt is an argument list of a macro this file
 * defines with `macro_rules!`: a panic! handed to it runs where, and whether,
 * that macro's own code puts it (petgraph's `try_control!(e, panic!(..))`
 * places it in one arm of its own `if`). Clippy sees the expansion and
 * reports such a panic only in some shapes; the tree cannot tell which.
 */
static bool in_local_macro_args(const struct rule_ctx *ctx, TSNode tt)
{
	TSNode inv = tt, name;
	char def[80];
	int n;

	while (rust_is(inv, RK_TOKEN_TREE))
		inv = ts_node_parent(inv);
	if (!rust_is(inv, RK_MACRO_INVOCATION))
		return false;
	name = rust_child_by_field(inv, RF_MACRO);
	if (!rust_is(name, RK_IDENTIFIER) ||
	    (n = snprintf(def, sizeof(def), "macro_rules! %.*s", (int)rust_node_len(name),
			  rust_node_ptr(name, ctx->src))) <= 0 || (size_t)n >= sizeof(def))
		return false;
	for (const char *p = memmem(ctx->src, ctx->len, def, (size_t)n); p;
	     p = memmem(p + 1, ctx->len - (size_t)(p + 1 - ctx->src), def, (size_t)n))
		if (p + n == ctx->src + ctx->len || !(isalnum((unsigned char)p[n]) || p[n] == '_'))
			return true;
	return false;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	static const char *const names[] = { "panic" };
	size_t before = ctx->out->n;
	int rc;

	/* Like clippy: a panic while evaluating a const or static is a compile
	 * error, not a crash (a `const fn` body runs at run time too: reported). */
	if (scope->in_const || (rust_is(node, RK_TOKEN_TREE) && in_local_macro_args(ctx, node)))
		return 0;
	rc = rule_each_macro_call(ctx, node, names, 1, emit);

	if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
		idiom_retract(ctx, before);
	/* A panic that says why its branch is never taken (panic_idioms.h). */
	if (rc == RR_OK && ctx->out->n > before && rust_is(node, RK_MACRO_INVOCATION) &&
	    idiom_panic_explained(ctx, node, node, scope))
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
			"section or says when it panics (the panic is part of its documented contract, "
			"which is what missing_panics_doc asks for) or whose name says it panics "
			"(`panic_if_poisoned`, `unwrap_literal`, `expect_*`, `*_or_panic`). A panic "
			"that says its branch is never taken, in its message or in a comment just above "
			"or at the end of its line (\"bug\", \"unreachable\", \"impossible\", \"should "
			"never happen\", \"internal error\", \"invariant\", \"OK because ..\"): that is "
			"what `unreachable!(\"..\")` would say, and the rule's only advice left would be "
			"the macro's name. A panic that is an arm of a `match` on `self` (`match "
			"self.kind { Kind::Literal => panic!(..), .. }`, not a `None` or `Err(..)` arm) in "
			"a fn only this crate can call (not plain `pub`, not a trait's): the method was "
			"called on the wrong kind of value, a bug in the crate's own code, like "
			"`Option::unwrap` on `None`; a `pub` fn still gets the comment, since its "
			"callers cannot see the precondition.\n\n"
			"Not reported either: a `panic!` handed as an argument to a macro this file "
			"defines with `macro_rules!` (`try_control!(visit(e), panic!(\"..\"))`). That "
			"macro's own code decides where, and whether, it runs; clippy, which sees the "
			"expansion, reports such a panic in some shapes (the whole expansion) and not in "
			"others (one arm of the macro's own `if`), and the tree cannot tell them "
			"apart.\n\n"
			"Context: test code is exempt (clippy's allow-panic-in-tests): panicking is how a "
			"test fails.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
