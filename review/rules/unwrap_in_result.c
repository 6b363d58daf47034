/* unwrap_in_result.c — `.unwrap()`/`.expect(..)` in a fn that returns Result or Option. */
#include "api_helpers.h"
#include "panic_idioms.h"

#include <stdlib.h>
#include <string.h>

enum ret_kind { RET_OTHER, RET_RESULT, RET_OPTION };

/* std methods whose value is always an Option / a Result. A receiver made by
 * one of them shows the unwrapped type without type information. */
static const char *const OPTION_METHODS[] = {
	"ok", "err", "get", "get_mut", "first", "last", "next", "next_back", "pop", "find",
	"position", "nth", "peek", "checked_add", "checked_sub", "checked_mul", "checked_div",
	"checked_rem", "strip_prefix", "strip_suffix", "split_once", "rsplit_once",
};
static const char *const RESULT_METHODS[] = {
	"parse", "ok_or", "ok_or_else", "try_into", "lock", "try_lock", "recv", "try_recv",
	"send", "read_to_string", "read_to_end", "metadata", "canonicalize", "duration_since",
	"elapsed",
};

static bool in_list(TSNode name, const char *src, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rust_node_text_eq(name, src, list[i]))
			return true;
	return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What the receiver of `.unwrap()` is, when its last method says so. */
static enum ret_kind receiver_kind(TSNode receiver, const char *src)
{
	TSNode name, args;

	if (rust_is(receiver, RK_GENERIC_FUNCTION))   /* x.parse::<u32>() */
		receiver = rust_child_by_field(receiver, RF_FUNCTION);
	if (!rust_method_call(receiver, &name, &args)) {
		TSNode fn = rust_child_by_field(receiver, RF_FUNCTION);
		if (!rust_is(receiver, RK_CALL_EXPRESSION) || !rust_is(fn, RK_GENERIC_FUNCTION))
			return RET_OTHER;
		fn = rust_child_by_field(fn, RF_FUNCTION);
		if (!rust_is(fn, RK_FIELD_EXPRESSION))
			return RET_OTHER;
		name = rust_child_by_field(fn, RF_FIELD);
	}
	if (in_list(name, src, OPTION_METHODS, COUNT(OPTION_METHODS)))
		return RET_OPTION;
	if (in_list(name, src, RESULT_METHODS, COUNT(RESULT_METHODS)))
		return RET_RESULT;
	return RET_OTHER;
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

/* call is "`.unwrap()`" or "`.expect(..)`"; recv what the receiver is known to
 * be. `?` is promised only where it compiles: an Option in an Option fn. A
 * Result's error must convert into the fn's (From), which the tree cannot
 * show, so there the advice says so. */
static char *message(const char *call, enum ret_kind ret, enum ret_kind recv)
{
	if (ret == RET_OPTION && recv == RET_OPTION)
		return rule_format(
			"%s panics here, but this function returns `Option` and the receiver is an "
			"`Option`: `?` hands the `None` to the caller instead. A panic takes down the "
			"thread or task on a condition the signature already says the caller handles. "
			"Replace %s with `?`.",
			call, call);
	if (ret == RET_OPTION)
		return rule_format(
			"%s panics here, but this function returns `Option`: the caller already handles "
			"a missing value. Return `None` instead of panicking (`?` on an `Option`, "
			"`.ok()?` on a `Result`).",
			call);
	return rule_format(
		"%s panics here, but this function returns `Result`: the failure can be returned to "
		"the caller instead of taking down the thread or task. Return it: `?` when the error "
		"converts into this function's error type, `.map_err(..)?` when it does not, and "
		"`.ok_or(..)?` / `.ok_or_else(..)?` for an `Option`.",
		call);
}

/* Reports the call from its `.` to its `)`. A replacement by `?` is offered only
 * when it is certain: an Option receiver (by its std method) in an Option fn. */
static int report(struct rule_ctx *ctx, TSNode dot, TSNode name, TSNode args, enum ret_kind ret,
		  enum ret_kind recv)
{
	char *msg;
	int rc;

	if (!(msg = message(rust_node_text_eq(name, ctx->src, "unwrap") ? "`.unwrap()`"
									: "`.expect(..)`",
			    ret, recv)))
		return RR_ENOMEM;
	rc = rule_emit(ctx, ts_node_start_point(dot), ts_node_start_byte(dot), ts_node_end_point(args),
		       ts_node_end_byte(args), msg,
		       ret == RET_OPTION && recv == RET_OPTION ? "?" : NULL);
	free(msg);
	return rc;
}

static bool is_unwrap_call(TSNode name, const char *src, uint32_t nargs)
{
	return (rust_node_text_eq(name, src, "unwrap") && nargs == 0) ||
	       (rust_node_text_eq(name, src, "expect") && nargs == 1);
}

struct tt_data {
	struct rule_ctx *ctx;
	enum ret_kind ret;
};

/* `. unwrap ( )` inside a macro's arguments: the receiver is not parsed, so
 * no receiver kind and no replacement. */
static int tt_hit(void *data, TSNode name, TSNode args)
{
	struct tt_data *d = data;
	TSNode dot = ts_node_prev_sibling(name);
	uint32_t n = rust_tt_inner_count(args);

	if (!is_unwrap_call(name, d->ctx->src, n > 0 ? 1 : 0) || ts_node_is_null(dot) ||
	    idiom_tt_lock_unwrap(name, d->ctx->src) ||
	    (n > 0 && idiom_expect_states_invariant(args, d->ctx->src)))
		return 0;
	return report(d->ctx, dot, name, args, d->ret, RET_OTHER);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args, field, dot, receiver;
	enum ret_kind ret, recv;

	/* `?` leaves the innermost closure or async block, not the fn; and a const
	 * fn cannot use `?` at all. */
	if (ts_node_is_null(scope->fn_item) || scope->in_closure ||
	    api_fn_has_modifier(scope->fn_item, "const"))
		return 0;
	if (!rust_is(node, RK_CALL_EXPRESSION) && !rust_is(node, RK_TOKEN_TREE))
		return 0;
	if ((ret = fn_returns(scope->fn_item, ctx->src)) == RET_OTHER)
		return 0;
	if (rust_is(node, RK_TOKEN_TREE)) {
		struct tt_data d = { ctx, ret };
		size_t before = ctx->out->n;
		int rc = rust_tt_method_calls(node, tt_hit, &d);
		if (rc == RR_OK && ctx->out->n > before && idiom_panic_accepted(ctx, scope))
			idiom_retract(ctx, before);
		return rc;
	}
	if (!rust_method_call(node, &name, &args) ||
	    !is_unwrap_call(name, ctx->src, rust_named_arg_count(args)))
		return 0;
	/* Accepted idioms (panic_idioms.h): a lock's poison passed on, a write into
	 * a String, an expect that states its invariant. */
	if (idiom_unwrap_accepted(ctx, node, scope) ||
	    (rust_node_text_eq(name, ctx->src, "expect") &&
	     idiom_expect_states_invariant(args, ctx->src)) ||
	    idiom_panic_accepted(ctx, scope))
		return 0;
	field = rust_child_by_field(node, RF_FUNCTION);
	receiver = rust_child_by_field(field, RF_VALUE);
	dot = rust_child_of_kind(field, RK_DOT);
	if (ts_node_is_null(dot))
		return 0;
	/* An Option unwrapped in a Result fn (or the reverse) needs more than `?`;
	 * clippy stays quiet there too, and unwrap_used still reports it. */
	recv = receiver_kind(receiver, ctx->src);
	if (recv != RET_OTHER && recv != ret)
		return 0;
	return report(ctx, dot, name, args, ret, recv);
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
			"What: flags `.unwrap()` and `.expect(msg)` in the body of a fn whose declared "
			"return type is `Result<..>` (also `io::Result<T>`, `fmt::Result`, aliases named "
			"`Result`) or `Option<..>` (clippy::unwrap_in_result), macro arguments "
			"included.\n\n"
			"Why: the signature already promises the caller an error value, so a panic here is "
			"a choice, not a necessity. It kills the thread or task (or the process, with "
			"`panic = \"abort\"`) on a condition one `?` away from being handled.\n\n"
			"How to fix: return the failure. `?` when the receiver's error converts into "
			"the fn's error type (`From`), `.map_err(..)?` when it does not; for an `Option` "
			"in a `Result` fn, `.ok_or(MyError::Missing)?` or `.ok_or_else(|| ..)?`; for a "
			"`Result` in an `Option` fn, `.ok()?`. Without types the rule cannot see whether "
			"the error converts, so its comment promises a plain `?` only for an `Option` "
			"receiver in an `Option` fn. When the "
			"receiver is certainly an `Option` (it comes from a std method such as `get`, "
			"`first`, `next`, `checked_add`, `strip_prefix`) and the fn returns `Option`, the "
			"comment carries the `?` as a suggested change.\n\n"
			"Bad:\n    fn port(cfg: &Config) -> Result<u16, ConfigError> {\n"
			"        Ok(cfg.get(\"port\").unwrap().parse().unwrap())\n    }\n"
			"Good:\n    fn port(cfg: &Config) -> Result<u16, ConfigError> {\n"
			"        let raw = cfg.get(\"port\").ok_or(ConfigError::Missing(\"port\"))?;\n"
			"        Ok(raw.parse()?)\n    }\n\n"
			"Scope: calls inside closures and async blocks are skipped (`?` there leaves the "
			"closure, not the fn), and so are `const fn`s (no `?` in const). Without types the "
			"receiver is known only when its last call is a std method that always yields an "
			"Option (`get`, `first`, `next`, `ok`, ...) or a Result (`parse`, `lock`, "
			"`try_into`, ...); when that kind differs from the fn's, `?` alone does not "
			"compile, so, like clippy (which needs the types to match), this rule leaves the "
			"call to unwrap_used. Otherwise the types are unknown and the rule reports: "
			"clippy 1.95 may stay silent there when they differ, but unwrap_used would have "
			"reported the same call anyway.\n\n"
			"Accepted idioms are left alone as in unwrap_used and expect_used: a lock's "
			"`.lock()`/`.read()`/`.write()`/Condvar `.wait*(..)` result (a PoisonError holds "
			"the guard, so `?` would not compile for most error types anyway), `write!` into a "
			"`String`, an expect whose message states its invariant, a call in a branch "
			"of an `if`/`match` whose condition tests the same value, and any call in a fn "
			"whose docs have a `# Panics` section or whose name says it panics.\n\n"
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
