/* await_holding_lock.c — a sync Mutex/RwLock guard still alive at an `.await`. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

/* Guards tracked per block; more than this in one block is not real code. */
#define MAX_GUARDS 16

struct guard {
	TSNode name;      /* the let's identifier pattern */
	TSNode lock;      /* the lock()/read()/write() method name */
};

/* Strips `?`, `.unwrap()`, `.expect(..)`, `.unwrap_or_else(..)` (poison
 * handling) and reports whether what remains is a `.lock()`, `.read()` or
 * `.write()` call with no arguments: a std or parking_lot guard. An awaited
 * lock (`m.lock().await`, tokio) never gets here: its value is an await. */
static bool guard_value(TSNode value, const char *src, TSNode *lock)
{
	TSNode name, args;

	if (rust_node_is(value, "try_expression"))
		value = ts_node_named_child(value, 0);
	if (rust_method_call(value, &name, &args)) {
		uint32_t n = rust_named_arg_count(args);
		if ((rust_node_text_eq(name, src, "unwrap") && n == 0) ||
		    (rust_node_text_eq(name, src, "expect") && n == 1) ||
		    (rust_node_text_eq(name, src, "unwrap_or_else") && n == 1))
			value = ts_node_child_by_field_name(
				ts_node_child_by_field_name(value, "function", 8), "value", 5);
	}
	if (!rust_method_call(value, &name, &args) || rust_named_arg_count(args) != 0)
		return false;
	if (!rust_node_text_eq(name, src, "lock") && !rust_node_text_eq(name, src, "read") &&
	    !rust_node_text_eq(name, src, "write"))
		return false;
	*lock = name;
	return true;
}

/* `drop(g);` or `std::mem::drop(g);` releasing the guard called `name`. */
static bool drops(TSNode stmt, const char *src, TSNode name)
{
	TSNode call, fn, args, arg;
	char path[32];

	if (!rust_node_is(stmt, "expression_statement"))
		return false;
	call = ts_node_named_child(stmt, 0);
	if (!rust_node_is(call, "call_expression"))
		return false;
	fn = ts_node_child_by_field_name(call, "function", 8);
	args = ts_node_child_by_field_name(call, "arguments", 9);
	if (ts_node_is_null(args) || rust_named_arg_count(args) != 1 ||
	    !rust_path_text(fn, src, path, sizeof(path)))
		return false;
	if (strcmp(path, "drop") != 0 && strcmp(path, "mem::drop") != 0 &&
	    strcmp(path, "std::mem::drop") != 0 && strcmp(path, "core::mem::drop") != 0)
		return false;
	arg = ts_node_named_child(args, 0);
	return rust_node_is(arg, "identifier") && rust_node_len(arg) == rust_node_len(name) &&
	       memcmp(rust_node_ptr(arg, src), rust_node_ptr(name, src), rust_node_len(name)) == 0;
}

/* Macros that await their operands without writing `.await`. */
static bool awaiting_macro(TSNode n, const char *src)
{
	TSNode path = ts_node_child_by_field_name(n, "macro", 5);
	char buf[48];
	const char *last;

	if (ts_node_is_null(path) || !rust_path_text(path, src, buf, sizeof(buf)))
		return false;
	last = strrchr(buf, ':');
	last = last ? last + 1 : buf;
	return strcmp(last, "select") == 0 || strcmp(last, "join") == 0 ||
	       strcmp(last, "try_join") == 0;
}

/* `. await` written inside a macro's token tree. */
static bool tt_has_await(TSNode tt)
{
	uint32_t count = ts_node_child_count(tt);
	for (uint32_t i = 0; i + 1 < count; i++)
		if (rust_node_is(ts_node_child(tt, i), ".") &&
		    rust_node_is(ts_node_child(tt, i + 1), "await"))
			return true;
	return false;
}

/*
 * The first await point in n's subtree, or a null node. Nested closures,
 * async blocks and items are skipped: their awaits do not suspend this code.
 */
static TSNode first_await(TSNode n, const char *src)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	TSNode found = { 0 };
	bool descend = true;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		const char *t = ts_node_type(cur);
		if (strcmp(t, "await_expression") == 0 ||
		    (strcmp(t, "macro_invocation") == 0 && awaiting_macro(cur, src)) ||
		    (strcmp(t, "token_tree") == 0 && tt_has_await(cur))) {
			found = cur;
			break;
		}
		descend = strcmp(t, "closure_expression") != 0 && strcmp(t, "async_block") != 0 &&
			  strcmp(t, "function_item") != 0;
		if (descend && ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto out;
	}
out:
	ts_tree_cursor_delete(&c);
	return found;
}

static int report(struct rule_ctx *ctx, const struct guard *g, TSNode await_point)
{
	char name[64], lock[16];
	char *msg;
	int rc;

	rule_quote(g->name, ctx->src, name, sizeof(name));
	rule_quote(g->lock, ctx->src, lock, sizeof(lock));
	msg = rule_format("The lock guard `%s` from `.%s()` is still held at the await point on "
			  "line %u. A `std::sync` or `parking_lot` guard held across `.await` blocks "
			  "the executor thread when another task wants the lock and can deadlock "
			  "the runtime. Drop the guard first (end its scope or call `drop(%s)`), or "
			  "use an async lock such as `tokio::sync::Mutex`.",
			  name, lock, ts_node_start_point(await_point).row + 1, name);
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, g->name, g->name, msg, NULL);
	free(msg);
	return rc;
}

/* Adds the guard a `let g = m.lock()...;` binds, if it is one. */
static void track_guard(TSNode stmt, const char *src, struct guard *guards, size_t *n)
{
	TSNode pattern, value, lock;

	if (!rust_node_is(stmt, "let_declaration") || *n == MAX_GUARDS)
		return;
	pattern = ts_node_child_by_field_name(stmt, "pattern", 7);
	value = ts_node_child_by_field_name(stmt, "value", 5);
	/* `let _ = m.lock()` drops at once; only a named binding keeps the guard. */
	if (!rust_node_is(pattern, "identifier") || ts_node_is_null(value) ||
	    !ts_node_is_null(rust_child_of_type(stmt, "else")) || !guard_value(value, src, &lock))
		return;
	guards[(*n)++] = (struct guard){ pattern, lock };
}

static void untrack_dropped(TSNode stmt, const char *src, struct guard *guards, size_t *n)
{
	for (size_t i = 0; i < *n;) {
		if (drops(stmt, src, guards[i].name)) {
			guards[i] = guards[--*n];
			continue;
		}
		i++;
	}
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	struct guard guards[MAX_GUARDS];
	size_t n = 0;
	uint32_t count;

	if (!rust_node_is(node, "block") || scope->exec != RUST_EXEC_ASYNC)
		return 0;
	count = ts_node_named_child_count(node);
	for (uint32_t i = 0; i < count; i++) {
		TSNode stmt = ts_node_named_child(node, i);
		if (n > 0) {
			TSNode await_point;
			untrack_dropped(stmt, ctx->src, guards, &n);
			await_point = n > 0 ? first_await(stmt, ctx->src) : (TSNode){ 0 };
			if (!ts_node_is_null(await_point)) {
				for (size_t g = 0; g < n; g++) {
					int rc = report(ctx, &guards[g], await_point);
					if (rc)
						return rc;
				}
				n = 0;    /* each guard is reported once, at its first await */
			}
		}
		track_guard(stmt, ctx->src, guards, &n);
	}
	return 0;
}

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
};
