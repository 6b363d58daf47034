/* await_holding_lock.c — a sync Mutex/RwLock guard still alive at an `.await`. */
#include "guard_helpers.h"
#include "rule_helpers.h"

/* A `.lock()`, `.read()` or `.write()` call with no arguments, optionally
 * through `?`, `.unwrap()`, `.expect(..)` or `.unwrap_or_else(..)` (poison
 * handling): a std or parking_lot guard. An awaited lock (`m.lock().await`,
 * tokio) never matches: its value is an await expression. */
static bool guard_value(TSNode value, const char *src, TSNode *lock)
{
	if (!guard_unwrapped_call(value, src, lock))
		return false;
	return rust_node_text_eq(*lock, src, "lock") || rust_node_text_eq(*lock, src, "read") ||
	       rust_node_text_eq(*lock, src, "write");
}

static int report(struct rule_ctx *ctx, TSNode name, const char *name_text, const char *lock,
		  unsigned await_line)
{
	return rule_emitf_nodes(ctx, name, name, NULL,
				"The lock guard `%s` from `.%s()` is still held at the await point on "
				"line %u. A `std::sync` or `parking_lot` guard held across `.await` blocks "
				"the executor thread when another task wants the lock and can deadlock "
				"the runtime. Drop the guard first (end its scope or call `drop(%s)`), or "
				"use an async lock such as `tokio::sync::Mutex`.",
				name_text, lock, await_line, name_text);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	return guard_check_block(ctx, node, scope, guard_value, report);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "block", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "lock", "read", "write", NULL };

const struct rule rule_await_holding_lock = {
	.info = {
		.id = "await_holding_lock",
		.severity = RR_SEV_WARNING,
		.summary = "sync Mutex/RwLock guard held across an `.await`",
		.explanation =
			"What: flags a guard from `.lock()`, `.read()` or `.write()` (optionally through "
			"`.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)` or `?`) bound with `let` in an "
			"async fn or async block and still alive at a later `.await` (or a "
			"`select!`/`join!`) in the same block (clippy::await_holding_lock). A guard "
			"released with `drop(guard)` before the await is fine.\n\n"
			"Why: `std::sync::Mutex` and `parking_lot` locks block the OS thread. While this "
			"task is suspended holding the guard, any other task that calls `.lock()` blocks "
			"its executor thread; with a few of those the runtime has no threads left and "
			"deadlocks. The future also stops being `Send` with a std guard inside, which is "
			"why `tokio::spawn` rejects it.\n\n"
			"How to fix: keep the critical section synchronous and short: copy what you need "
			"out of the guard, drop it (end the block or `drop(guard)`), then await. If the "
			"lock really must be held across the await, use `tokio::sync::Mutex` (its `lock()` "
			"is awaited, and this rule does not flag it).\n\n"
			"Bad:\n    let mut cache = self.cache.lock().unwrap();\n"
			"    let v = fetch(key).await?;\n    cache.insert(key, v);\n"
			"Good:\n    let v = fetch(key).await?;\n"
			"    self.cache.lock().unwrap().insert(key, v);\n\n"
			"Limits: the tree has no types, so the lock kind is recognised by the method "
			"name and by the result not being awaited. Applies everywhere, tests included: a "
			"deadlocked #[tokio::test] hangs CI.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
