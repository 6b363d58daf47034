/* rule_helpers.c — formatted reports, method-call reports, identifier mentions. */
#include "rule_helpers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rule_emitf_nodes(struct rule_ctx *ctx, TSNode first, TSNode last, const char *replacement,
		     const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)    /* msg is undefined then: nothing to free */
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, first, last, msg, replacement);
	free(msg);
	return rc;
}

/* What rule_method_calls looks for, handed through rust_tt_method_calls. */
struct method_match {
	struct rule_ctx *ctx;
	const char *method;
	uint32_t nargs;
	const char *message;
};

/* Inside a token tree the argument list is "( .. )": only whether it is
 * empty is known, so nargs 0 wants "( )" and any other nargs a non-empty one. */
static int report_tt_method_call(void *data, TSNode name, TSNode args)
{
	const struct method_match *m = data;

	if (!rust_node_text_eq(name, m->ctx->src, m->method) ||
	    (rust_tt_inner_count(args) == 0) != (m->nargs == 0))
		return 0;
	return rule_emit_nodes(m->ctx, name, args, m->message, NULL);
}

int rule_method_calls(struct rule_ctx *ctx, TSNode node, const char *method, uint32_t nargs,
		      const char *message)
{
	TSNode name, args;

	if (rust_method_call(node, &name, &args)) {
		if (rust_node_text_eq(name, ctx->src, method) && rust_named_arg_count(args) == nargs)
			return rule_emit_nodes(ctx, name, args, message, NULL);
		return 0;
	}
	if (rust_is(node, RK_TOKEN_TREE)) {
		struct method_match m = { ctx, method, nargs, message };
		return rust_tt_method_calls(node, report_tt_method_call, &m);
	}
	return 0;
}

bool rule_same_text(TSNode a, TSNode b, const char *src)
{
	return rust_node_len(a) == rust_node_len(b) &&
	       memcmp(rust_node_ptr(a, src), rust_node_ptr(b, src), rust_node_len(a)) == 0;
}

uint32_t rule_ident_mentions(TSNode n, const char *src, TSNode name, TSNode *last)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	uint32_t count = 0;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (rust_is(cur, RK_IDENTIFIER) && rule_same_text(cur, name, src)) {
			count++;
			if (last)
				*last = cur;
		}
		if (ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto out;
	}
out:
	ts_tree_cursor_delete(&c);
	return count;
}
