/* guard_helpers.c — guards bound by `let` and still alive at an `.await` (shared by two rules). */
#include "guard_helpers.h"
#include "rule_helpers.h"

#include <string.h>

/* Guards tracked per block; more than this in one block is not real code. */
#define MAX_GUARDS 16

bool guard_unwrapped_call(TSNode value, const char *src, TSNode *name)
{
	TSNode args;

	if (rust_is(value, RK_TRY_EXPRESSION))
		value = ts_node_named_child(value, 0);
	if (rust_method_call(value, name, &args)) {
		uint32_t n = rust_named_arg_count(args);
		if ((rust_node_text_eq(*name, src, "unwrap") && n == 0) ||
		    (rust_node_text_eq(*name, src, "expect") && n == 1) ||
		    (rust_node_text_eq(*name, src, "unwrap_or_else") && n == 1))
			value = rust_child_by_field(rust_child_by_field(value, RF_FUNCTION), RF_VALUE);
	}
	return rust_method_call(value, name, &args) && rust_named_arg_count(args) == 0;
}

/* `drop(g);` or `std::mem::drop(g);` releasing the guard called `name`. */
static bool drops(TSNode stmt, const char *src, TSNode name)
{
	TSNode call, fn, args, arg;
	char path[32];

	if (!rust_is(stmt, RK_EXPRESSION_STATEMENT))
		return false;
	call = ts_node_named_child(stmt, 0);
	if (!rust_is(call, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(call, RF_FUNCTION);
	args = rust_child_by_field(call, RF_ARGUMENTS);
	if (ts_node_is_null(args) || rust_named_arg_count(args) != 1 ||
	    !rust_path_text(fn, src, path, sizeof(path)))
		return false;
	if (strcmp(path, "drop") != 0 && strcmp(path, "mem::drop") != 0 &&
	    strcmp(path, "std::mem::drop") != 0 && strcmp(path, "core::mem::drop") != 0)
		return false;
	arg = ts_node_named_child(args, 0);
	return rust_is(arg, RK_IDENTIFIER) && rule_same_text(arg, name, src);
}

/* Macros that await their operands without writing `.await`. */
static bool awaiting_macro(TSNode n, const char *src)
{
	TSNode path = rust_child_by_field(n, RF_MACRO);
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
		if (rust_is(ts_node_child(tt, i), RK_DOT) &&
		    rust_is(ts_node_child(tt, i + 1), RK_KW_AWAIT))
			return true;
	return false;
}

TSNode guard_first_await(TSNode n, const char *src)
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
		if (!rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* Adds the guard a `let g = <guard>;` binds, if it is one. */
static void track_guard(TSNode stmt, const char *src, guard_value_fn is_guard,
			struct guard *guards, size_t *n)
{
	TSNode pattern, value, method;

	if (!rust_is(stmt, RK_LET_DECLARATION) || *n == MAX_GUARDS)
		return;
	pattern = rust_child_by_field(stmt, RF_PATTERN);
	value = rust_child_by_field(stmt, RF_VALUE);
	/* `let _ = m.lock()` drops at once; only a named binding keeps the guard. */
	if (!rust_is(pattern, RK_IDENTIFIER) || ts_node_is_null(value) ||
	    !ts_node_is_null(rust_child_of_kind(stmt, RK_KW_ELSE)) || !is_guard(value, src, &method))
		return;
	guards[(*n)++] = (struct guard){ pattern, method };
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

/* Quotes the guard for report (the longest guard method, try_borrow_mut,
 * fits method_text unshortened). */
static int report_guard(struct rule_ctx *ctx, const struct guard *g, TSNode await_point,
			guard_report_fn report)
{
	char name_text[64], method_text[24];

	rule_quote(g->name, ctx->src, name_text, sizeof(name_text));
	rule_quote(g->method, ctx->src, method_text, sizeof(method_text));
	return report(ctx, g->name, name_text, method_text, ts_node_start_point(await_point).row + 1);
}

int guard_check_block(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope,
		      guard_value_fn is_guard, guard_report_fn report)
{
	struct guard guards[MAX_GUARDS];
	size_t n = 0;
	uint32_t count;

	if (!rust_is(node, RK_BLOCK) || scope->exec != RUST_EXEC_ASYNC)
		return 0;
	count = ts_node_named_child_count(node);
	for (uint32_t i = 0; i < count; i++) {
		TSNode stmt = ts_node_named_child(node, i);
		if (n > 0) {
			TSNode await_point;
			untrack_dropped(stmt, ctx->src, guards, &n);
			await_point = n > 0 ? guard_first_await(stmt, ctx->src) : (TSNode){ 0 };
			if (!ts_node_is_null(await_point)) {
				for (size_t g = 0; g < n; g++) {
					int rc = report_guard(ctx, &guards[g], await_point, report);
					if (rc)
						return rc;
				}
				n = 0;    /* each guard is reported once, at its first await */
			}
		}
		track_guard(stmt, ctx->src, is_guard, guards, &n);
	}
	return 0;
}
