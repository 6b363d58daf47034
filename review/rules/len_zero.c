/* len_zero.c — `x.len() == 0` instead of `x.is_empty()`. */
#include "rule_helpers.h"

#include <stdlib.h>
#include <string.h>

/* The receiver of `recv.len()` when node is exactly that call, else a null node. */
static TSNode len_receiver(TSNode node, const char *src)
{
	TSNode name, args;
	if (!rust_method_call(node, &name, &args) || !rust_node_text_eq(name, src, "len") ||
	    rust_named_arg_count(args) != 0)
		return (TSNode){ 0 };
	return rust_child_by_field(rust_child_by_field(node, RF_FUNCTION), RF_VALUE);
}

static bool is_int(TSNode n, const char *src, const char *digit)
{
	char buf[16];
	size_t dlen = strlen(digit);
	if (!rust_is(n, RK_INTEGER_LITERAL) || !rust_path_text(n, src, buf, sizeof(buf)))
		return false;
	/* 0, 0usize, 0_usize */
	return strncmp(buf, digit, dlen) == 0 &&
	       (buf[dlen] == '\0' || strcmp(buf + dlen, "usize") == 0 ||
		strcmp(buf + dlen, "_usize") == 0);
}

/*
 * Decides what the comparison means. Returns 1 for "is empty", -1 for "is not
 * empty", 0 for no match; *len_call is the `.len()` side.
 *   len == 0, 0 == len, len < 1, 1 > len          -> empty
 *   len != 0, 0 != len, len > 0, 0 < len,
 *   len >= 1, 1 <= len                            -> not empty
 */
static int classify(TSNode bin, const char *src, TSNode *len_call)
{
	TSNode left = rust_child_by_field(bin, RF_LEFT);
	TSNode right = rust_child_by_field(bin, RF_RIGHT);
	TSNode op = rust_child_by_field(bin, RF_OPERATOR);
	bool len_left = !ts_node_is_null(len_receiver(left, src));
	bool len_right = !ts_node_is_null(len_receiver(right, src));
	TSNode other = len_left ? right : left;
	char o[4];

	if (len_left == len_right || ts_node_is_null(op) || !rust_path_text(op, src, o, sizeof(o)))
		return 0;
	*len_call = len_left ? left : right;
	if (is_int(other, src, "0")) {
		if (strcmp(o, "==") == 0)
			return 1;
		if (strcmp(o, "!=") == 0 || strcmp(o, len_left ? ">" : "<") == 0)
			return -1;
	} else if (is_int(other, src, "1")) {
		if (strcmp(o, len_left ? "<" : ">") == 0)
			return 1;
		if (strcmp(o, len_left ? ">=" : "<=") == 0)
			return -1;
	}
	return 0;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode len_call, recv;
	char *recv_text = NULL, *repl = NULL;
	char quoted[96];
	int rc = RR_ENOMEM, sense;

	/* Inside `fn is_empty` the comparison is the definition, not a misuse. */
	if (!rust_is(node, RK_BINARY_EXPRESSION) || scope->in_is_empty_fn)
		return 0;
	if ((sense = classify(node, ctx->src, &len_call)) == 0)
		return 0;
	recv = len_receiver(len_call, ctx->src);
	if (!(recv_text = rust_node_text_dup(recv, ctx->src)))
		goto cleanup;
	if (!(repl = rule_format("%s%s.is_empty()", sense < 0 ? "!" : "", recv_text)))
		goto cleanup;
	rule_quote(node, ctx->src, quoted, sizeof(quoted));
	rc = rule_emitf_nodes(ctx, node, node, repl,
			      "`%s` compares the length with zero to ask whether the collection is "
			      "empty. `is_empty()` states the intent directly and is cheap on every "
			      "collection, including ones whose length is expensive to compute. Use "
			      "`%s`.",
			      quoted, repl);
cleanup:
	free(recv_text);
	free(repl);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "binary_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "len", NULL };

const struct rule rule_len_zero = {
	.info = {
		.id = "len_zero",
		.severity = RR_SEV_WARNING,
		.summary = "`.len() == 0` instead of `.is_empty()`",
		.explanation =
			"What: flags comparisons of `.len()` with zero (clippy::len_zero): `x.len() == 0`, "
			"`x.len() != 0`, `x.len() > 0`, `x.len() < 1`, `x.len() >= 1` and the mirrored "
			"forms, with a machine-applicable fix to `x.is_empty()` / `!x.is_empty()`.\n\n"
			"Why: `is_empty()` says what the code means, and for some types (linked lists, "
			"iterators adaptors, `str` char counts in wrappers) computing the length is more "
			"work than checking emptiness.\n\n"
			"How to fix: apply the suggestion.\n\n"
			"Bad:\n    if args.len() == 0 { return usage(); }\n"
			"Good:\n    if args.is_empty() { return usage(); }\n\n"
			"Notes: the tree does not know types, so a type with `len()` but no `is_empty()` "
			"would be flagged too; clippy (which knows types) is the authority there. "
			"Comparisons inside a `fn is_empty` are skipped, since that is where `is_empty` is "
			"defined in terms of `len`. Applies everywhere, tests included.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
