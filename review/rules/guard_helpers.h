/*
 * guard_helpers.h — shared by the "guard held across .await" rules
 * (await_holding_lock, await_holding_refcell_ref): find `let` bindings of a
 * guard in an async block and report the ones still alive at an await point.
 * Internal to review/rules/.
 */
#ifndef RR_GUARD_HELPERS_H
#define RR_GUARD_HELPERS_H

#include "rules.h"

/* A guard bound by `let name = <value>;`; method is the call that made it. */
struct guard {
	TSNode name;
	TSNode method;
};

/* Decides whether a let's initialiser yields a guard; sets *method when it does. */
typedef bool (*guard_value_fn)(TSNode value, const char *src, TSNode *method);
/*
 * Reports one guard still held at an await point: name is the guard's
 * binding (the span to report), name_text and method_text its quoted text
 * (rule_quote) and await_line the 1-based line of the await. Returns 0 or RR_ENOMEM.
 */
typedef int (*guard_report_fn)(struct rule_ctx *ctx, TSNode name, const char *name_text,
			       const char *method_text, unsigned await_line);

/*
 * Strips `?` and one `.unwrap()` / `.expect(..)` / `.unwrap_or_else(..)` from
 * value, then returns the zero-argument method call left (its name in *name),
 * or false when value is not such a call.
 */
bool guard_unwrapped_call(TSNode value, const char *src, TSNode *name);

/* The first await point (`.await`, select!/join!) in n's subtree that suspends
 * n's own code (closures, async blocks and nested fns are skipped), or null. */
TSNode guard_first_await(TSNode n, const char *src);

/*
 * The check of both rules. For a `block` in async code (any other node: 0):
 * tracks guards bound by `let` (per is_guard), forgets those released by
 * `drop(g)`, and calls report once per guard at the first later statement
 * that awaits. Returns 0 or the first report error.
 */
int guard_check_block(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope,
		      guard_value_fn is_guard, guard_report_fn report);

#endif
