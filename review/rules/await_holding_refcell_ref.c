/* await_holding_refcell_ref.c — a RefCell `Ref`/`RefMut` still alive at an `.await`. */
#include "guard_helpers.h"
#include "rule_helpers.h"

/* True when value is `<call>?`, `<call>.unwrap()` or `<call>.expect(..)`. */
static bool is_unwrapped(TSNode value, const char *src)
{
	TSNode name, args;

	if (rust_is(value, RK_TRY_EXPRESSION))
		return true;
	return rust_method_call(value, &name, &args) &&
	       (rust_node_text_eq(name, src, "unwrap") || rust_node_text_eq(name, src, "expect"));
}

/* `.borrow()` / `.borrow_mut()`, or an unwrapped `.try_borrow()` /
 * `.try_borrow_mut()`, with no arguments: the RefCell guards. */
static bool borrow_value(TSNode value, const char *src, TSNode *method)
{
	if (!guard_unwrapped_call(value, src, method))
		return false;
	if (rust_node_text_eq(*method, src, "try_borrow") ||
	    rust_node_text_eq(*method, src, "try_borrow_mut"))
		return is_unwrapped(value, src);    /* a bare try_borrow() is a Result */
	return rust_node_text_eq(*method, src, "borrow") ||
	       rust_node_text_eq(*method, src, "borrow_mut");
}

static int report(struct rule_ctx *ctx, TSNode name, const char *name_text, const char *method,
		  unsigned await_line)
{
	return rule_emitf_nodes(ctx, name, name, NULL,
				"The `RefCell` borrow `%s` from `.%s()` is still alive at the await point "
				"on line %u. Any other code that borrows the same cell while this task is "
				"suspended panics with `BorrowMutError` (or `BorrowError`) at runtime. "
				"Copy what you need and drop the borrow before awaiting (end its scope or "
				"call `drop(%s)`).",
				name_text, method, await_line, name_text);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	return guard_check_block(ctx, node, scope, borrow_value, report);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "block", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "borrow", "try_borrow", NULL };

const struct rule rule_await_holding_refcell_ref = {
	.info = {
		.id = "await_holding_refcell_ref",
		.severity = RR_SEV_WARNING,
		.summary = "RefCell `Ref`/`RefMut` held across an `.await`",
		.explanation =
			"What: flags a guard from `.borrow()` or `.borrow_mut()` (or an unwrapped "
			"`.try_borrow()`/`.try_borrow_mut()`) bound with `let` in an async fn or async "
			"block and still alive at a later `.await` (or `select!`/`join!`) in the same "
			"block (clippy::await_holding_refcell_ref). A borrow released with "
			"`drop(guard)` before the await is fine.\n\n"
			"Why: a `RefCell` checks borrows at runtime. While the task is suspended it "
			"still holds the `Ref`/`RefMut`; whatever else runs on the thread meanwhile (other "
			"tasks on a `LocalSet`, callbacks, the same task re-entered through a shared "
			"`Rc`) and borrows the cell mutably panics with `already borrowed: "
			"BorrowMutError`. The panic depends on scheduling, so it shows up under load, "
			"not in tests.\n\n"
			"How to fix: keep the borrow short: copy or clone the data out, drop the guard "
			"(end the block or `drop(guard)`), then await; write back with a fresh "
			"`borrow_mut()` after the await. If the state really is shared across awaits, "
			"use `tokio::sync::Mutex` (or `RwLock`), whose lock is awaited.\n\n"
			"Bad:\n    let mut cache = self.cache.borrow_mut();\n"
			"    let v = fetch(key).await?;\n    cache.insert(key, v);\n"
			"Good:\n    let v = fetch(key).await?;\n"
			"    self.cache.borrow_mut().insert(key, v);\n\n"
			"Limits: the tree has no types, so the guard is recognised by the method name; "
			"`Borrow::borrow()` on a non-RefCell value bound by `let` and held across an "
			"await would be reported too (it is rare in async code, and "
			"`#[allow(clippy::await_holding_refcell_ref)]` silences it). Applies everywhere, "
			"tests included: a test that panics only under some schedules is flaky.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
