/* unwrap_in_result.c — `.unwrap()`/`.expect(..)` in a fn that returns Result or Option. */
#include "api_helpers.h"
#include "panic_idioms.h"
#include "value_kind.h"

#include <stdlib.h>

enum ret_kind { RET_OTHER = IDIOM_RET_OTHER, RET_RESULT = IDIOM_RET_RESULT,
		RET_OPTION = IDIOM_RET_OPTION };

static enum ret_kind as_ret(enum value_kind k)
{
	return k == VALUE_OPTION ? RET_OPTION : k == VALUE_RESULT ? RET_RESULT : RET_OTHER;
}

static enum ret_kind fn_returns(TSNode fn, const char *src)
{
	TSNode ret = rust_child_by_field(fn, RF_RETURN_TYPE);

	if (api_type_is(ret, src, "Result"))
		return RET_RESULT;
	if (api_type_is(ret, src, "Option"))
		return RET_OPTION;
	return RET_OTHER;
}

/* call is "`.unwrap()`" or "`.expect(..)`" on a value of the kind the fn
 * returns (the only calls reported). `?` is promised where it compiles: an
 * Option in an Option fn always; a Result's error must convert into the fn's
 * (From), which the tree cannot show, so there the advice names both ways. */
static char *message(const char *call, enum ret_kind ret)
{
	if (ret == RET_OPTION)
		return rule_format(
			"%s panics here, but this function returns `Option` and the receiver is an "
			"`Option`: `?` hands the `None` to the caller instead. A panic takes down the "
			"thread or task on a condition the signature already says the caller handles. "
			"Replace %s with `?`.",
			call, call);
	return rule_format(
		"%s panics here, but this function returns `Result` and the receiver is a "
		"`Result`: the error can be returned to the caller instead of taking down the "
		"thread or task. Return it: `?` when its error converts into this function's "
		"error type (`From`), `.map_err(..)?` when it does not.",
		call);
}

/* Reports the call from its `.` to its `)`; for an Option in an Option fn,
 * with `?` as the replacement. */
static int report(struct rule_ctx *ctx, TSNode dot, TSNode name, TSNode args, enum ret_kind ret)
{
	char *msg;
	int rc;

	if (!(msg = message(rust_node_text_eq(name, ctx->src, "unwrap") ? "`.unwrap()`"
									: "`.expect(..)`",
			    ret)))
		return RR_ENOMEM;
	rc = rule_emit(ctx, ts_node_start_point(dot), ts_node_start_byte(dot), ts_node_end_point(args),
		       ts_node_end_byte(args), msg, ret == RET_OPTION ? "?" : NULL);
	free(msg);
	return rc;
}

static bool is_unwrap_call(TSNode name, const char *src, uint32_t nargs)
{
	return (rust_node_text_eq(name, src, "unwrap") && nargs == 0) ||
	       (rust_node_text_eq(name, src, "expect") && nargs == 1);
}

/* Whether the receiver's kind, as value_kind.h reads it, is the fn's: clippy
 * reports an unwrap only of the kind the fn returns (an Option in a Result
 * fn needs `.ok_or(..)?`, not `?`). A receiver whose kind the tree does not
 * show is left to unwrap_used / expect_used, by measurement (make accuracy,
 * its 42 crates and 46 more from the registry): in Result fns 1 such call of
 * 10 was one clippy reports (the others unwrapped Option fields and
 * destructured values), in Option fns 2 of 3 (the third a Result of a
 * method of another file) — both far from the 0.98 precision the rule keeps. */
static bool same_kind(enum value_kind recv, enum ret_kind ret)
{
	return recv != VALUE_UNKNOWN && as_ret(recv) == ret;
}

struct tt_data {
	struct rule_ctx *ctx;
	const struct rust_scope *scope;
	enum ret_kind ret;
};

/* `. unwrap ( )` inside a macro's arguments. */
static int tt_hit(void *data, TSNode name, TSNode args)
{
	struct tt_data *d = data;
	TSNode dot = rust_prev_sibling(name);
	uint32_t n = rust_tt_inner_count(args);

	if (!is_unwrap_call(name, d->ctx->src, n > 0 ? 1 : 0) || ts_node_is_null(dot) ||
	    idiom_tt_lock_unwrap(name, d->ctx->src) ||
	    (n > 0 && idiom_expect_states_invariant(args, d->ctx->src)) ||
	    !same_kind(value_kind_in_tokens(d->ctx, dot, d->scope), d->ret))
		return 0;
	return report(d->ctx, dot, name, args, d->ret);
}

/* Where clippy 1.95 looks: a fn with a body that is not a trait's default
 * method nor `async` (its declared type is the future's output), and not in
 * a closure or async block (`?` there leaves them, not the fn). A `const fn`
 * is skipped too, unlike clippy: `?` does not compile in one. */
static bool fn_in_scope(TSNode fn, const struct rust_scope *scope)
{
	TSNode body_of;

	if (ts_node_is_null(fn) || scope->in_closure || api_fn_has_modifier(fn, "const") ||
	    api_fn_has_modifier(fn, "async"))
		return false;
	body_of = ts_node_parent(ts_node_parent(fn));
	return !rust_is(body_of, RK_TRAIT_ITEM);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args, field, dot, receiver;
	enum ret_kind ret;

	if (!rust_is(node, RK_CALL_EXPRESSION) && !rust_is(node, RK_TOKEN_TREE))
		return 0;
	if (ts_node_is_null(scope->fn_item) ||
	    (ret = fn_returns(scope->fn_item, ctx->src)) == RET_OTHER ||
	    !fn_in_scope(scope->fn_item, scope))
		return 0;
	if (rust_is(node, RK_TOKEN_TREE)) {
		struct tt_data d = { ctx, scope, ret };
		size_t before = ctx->out->n;
		int rc = rust_tt_method_calls(node, tt_hit, &d);
		if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
			idiom_retract(ctx, before);
		return rc;
	}
	if (!rust_method_call(node, &name, &args) ||
	    !is_unwrap_call(name, ctx->src, rust_named_arg_count(args)))
		return 0;
	field = rust_child_by_field(node, RF_FUNCTION);
	receiver = rust_child_by_field(field, RF_VALUE);
	dot = rust_child_of_kind(field, RK_DOT);
	if (ts_node_is_null(dot) || !same_kind(value_kind_of(ctx, receiver, scope), ret))
		return 0;
	/* Accepted idioms (panic_idioms.h): a lock's poison passed on, a write into
	 * a String, an expect that states its invariant, a checked value, ... */
	if (idiom_unwrap_accepted(ctx, node, scope) ||
	    (rust_node_text_eq(name, ctx->src, "expect") &&
	     idiom_expect_states_invariant(args, ctx->src)) ||
	    idiom_panic_accepted(ctx, scope))
		return 0;
	return report(ctx, dot, name, args, ret);
}

static const char *const SUPERSEDES[] = { "unwrap_used", "expect_used", NULL };

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", "token_tree", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unwrap", "expect", NULL };

const struct rule rule_unwrap_in_result = {
	.info = {
		.id = "unwrap_in_result",
		.severity = RR_SEV_WARNING,
		.summary = "`.unwrap()`/`.expect(..)` in a function that returns `Result` or `Option`",
		.explanation =
			"What: flags `.unwrap()` and `.expect(msg)` on a `Result` in the body of a fn "
			"whose declared return type is `Result<..>` (also `io::Result<T>`, "
			"`fmt::Result`, aliases named `Result`), and on an `Option` in a fn that returns "
			"`Option<..>` (clippy::unwrap_in_result), macro arguments included.\n\n"
			"Why: the signature already promises the caller an error value, so a panic here is "
			"a choice, not a necessity. It kills the thread or task (or the process, with "
			"`panic = \"abort\"`) on a condition one `?` away from being handled.\n\n"
			"How to fix: return the failure. For an `Option` in an `Option` fn, `?` (the "
			"comment carries it as a suggested change). For a `Result` in a `Result` fn, `?` "
			"when the receiver's error converts into the fn's error type (`From`), which the "
			"tree cannot show, `.map_err(..)?` when it does not: the comment names both.\n\n"
			"Bad:\n    fn port(s: &str) -> Result<u16, ConfigError> {\n"
			"        Ok(s.parse().unwrap())\n    }\n"
			"Good:\n    fn port(s: &str) -> Result<u16, ConfigError> {\n"
			"        Ok(s.parse()?)   // with From<ParseIntError> for ConfigError\n    }\n\n"
			"Which receivers: like clippy, only an unwrap of the kind the fn returns (an "
			"`Option` in a `Result` fn needs `.ok_or(..)?`, and clippy leaves it to "
			"unwrap_used). Without types the kind is known when the tree shows it: the std "
			"method or function that made the value (`get(k)`, `first()`, `next()`, `pop()`, "
			"`take()`, `checked_add(n)`, `char::from_u32`: an Option; `parse()`, `lock()`, "
			"`try_into()`, `map_err(f)`, io calls, `str::from_utf8`, `File::open`, "
			"`u8::try_from`: a Result), an adapter that keeps it (`as_ref()`, `map(f)`, "
			"`cloned()`, ...), a fn or method of the same file whose signature says so, a "
			"parameter's or `let`'s declared type, or the value a `let` bound. Where the kind "
			"is not shown (a struct field, a destructured value, a fn of another file) the "
			"call is left to unwrap_used and expect_used: measured on the crates of make "
			"accuracy, such calls were mostly of the other kind, which clippy does not "
			"report.\n\n"
			"Scope: like clippy 1.95, the body of a fn with a body, not a trait's default "
			"method nor an `async fn` (whose declared type is its future's output), and not "
			"inside closures and async blocks (`?` there leaves them, not the fn). `const fn`s "
			"are skipped too, unlike clippy: `?` does not compile in one. `unwrap_err` / "
			"`expect_err` are not reported here (clippy neither).\n\n"
			"Accepted idioms are left alone as in unwrap_used and expect_used: a lock's "
			"`.lock()`/`.read()`/`.write()`/Condvar `.wait*(..)` result (a PoisonError holds "
			"the guard, so `?` would not compile for most error types anyway), `write!` into a "
			"`String`, an expect whose message states its invariant, a call on a value the fn "
			"checked before it (a branch of an `if`/`match` testing it, an earlier exit or "
			"assertion on it, a `Some(..)` just stored), a conversion whose operand the "
			"syntax bounds, an unwrap of a constant parsed or built, a reason in a comment "
			"next to it, and any call in a fn whose docs have a `# Panics` section, say when "
			"it panics or show the call, or whose name says it panics (unwrap_used lists "
			"each form).\n\n"
			"One comment per call: this rule supersedes unwrap_used and expect_used on the "
			"same span (struct rule.supersedes), since its message says more; "
			"`#[allow(clippy::unwrap_in_result)]` brings the general comment back. Test code "
			"is exempt (production_only), unlike clippy's restriction lint, because a panic "
			"is how a test fails and unwrap_used exempts tests too.",
		.production_only = true,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
	.supersedes = SUPERSEDES,
};
