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

/* --- receivers clippy knows have no `is_empty` ------------------------------ */

#define SCAN_DEPTH 6

/* The last segment of a type (`T` of `&mut m::T<U>`), or a null node. */
static TSNode type_base(TSNode t)
{
	while (rust_is(t, RK_REFERENCE_TYPE) || rust_is(t, RK_GENERIC_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (rust_is(t, RK_SCOPED_TYPE_IDENTIFIER))
		t = rust_child_by_field(t, RF_NAME);
	return rust_is(t, RK_TYPE_IDENTIFIER) ? t : (TSNode){ 0 };
}

/* Over the inherent impls of `type` in list (and nested modules): does one
 * define `len`, does one define `is_empty`? */
static void scan_impls(TSNode list, TSNode type, const char *src, bool *len, bool *is_empty,
		       int depth)
{
	uint32_t n = ts_node_named_child_count(list);

	for (uint32_t i = 0; i < n && depth < SCAN_DEPTH; i++) {
		TSNode item = ts_node_named_child(list, i), body = rust_child_by_field(item, RF_BODY);
		if (rust_is(item, RK_MOD_ITEM) && !ts_node_is_null(body)) {
			scan_impls(body, type, src, len, is_empty, depth + 1);
			continue;
		}
		if (!rust_is(item, RK_IMPL_ITEM) || ts_node_is_null(body) ||
		    !ts_node_is_null(rust_child_by_field(item, RF_TRAIT)) ||
		    !rule_same_text(type_base(rust_child_by_field(item, RF_TYPE)), type, src))
			continue;
		for (uint32_t j = 0; j < ts_node_named_child_count(body); j++) {
			TSNode fn = ts_node_named_child(body, j);
			TSNode name = rust_child_by_field(fn, RF_NAME);
			if (!rust_is(fn, RK_FUNCTION_ITEM))
				continue;
			*len |= rust_node_text_eq(name, src, "len");
			*is_empty |= rust_node_text_eq(name, src, "is_empty");
		}
	}
}

/* A type of this file with an inherent `len` and no `is_empty`. */
static bool lacks_is_empty(const struct rule_ctx *ctx, TSNode type)
{
	bool len = false, is_empty = false;

	if (ts_node_is_null(type))
		return false;
	scan_impls(ctx->root, type, ctx->src, &len, &is_empty, 0);
	return len && !is_empty;
}

/* Is `name` a type parameter of these type_parameters? */
static bool is_type_param(TSNode params, TSNode name, const char *src)
{
	uint32_t n = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);

	for (uint32_t i = 0; i < n; i++) {
		TSNode p = ts_node_named_child(params, i);
		if (rust_node_is(p, "constrained_type_parameter"))
			p = rust_child_by_field(p, RF_LEFT);
		if (rust_is(p, RK_TYPE_IDENTIFIER) && rule_same_text(p, name, src))
			return true;
	}
	return false;
}

/* The parameter of fn named like ident, or a null node. */
static TSNode parameter_named(TSNode fn, TSNode ident, const char *src)
{
	TSNode params = rust_child_by_field(fn, RF_PARAMETERS);
	uint32_t n = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);

	for (uint32_t i = 0; i < n; i++) {
		TSNode p = ts_node_named_child(params, i);
		if (rust_is(p, RK_PARAMETER) &&
		    rule_same_text(rust_child_by_field(p, RF_PATTERN), ident, src))
			return p;
	}
	return (TSNode){ 0 };
}

/* The fn's enclosing trait (for a provided method), or a null node. */
static TSNode enclosing_trait(TSNode fn)
{
	TSNode list = ts_node_parent(fn), owner = ts_node_parent(list);
	return rust_is(list, RK_DECLARATION_LIST) && rust_is(owner, RK_TRAIT_ITEM) ? owner
										     : (TSNode){ 0 };
}

/*
 * True when the tree shows the receiver is a type clippy finds no
 * `is_empty(self)` on: `self` of a provided trait method (its type is
 * generic), `self` in `impl T` where this file's impls of T have `len` but no
 * `is_empty`, a parameter of generic type (`x: T`, `x: &impl Trait`), or a
 * parameter of such a type of this file.
 */
/* A parameter of a closure around n named like ident, declared without a
 * type (`|buf| buf.len() == 0`): its type is whatever inference made it. */
static bool untyped_closure_param(TSNode n, TSNode ident, const char *src)
{
	for (TSNode p = ts_node_parent(n); !ts_node_is_null(p) && !rust_is(p, RK_FUNCTION_ITEM);
	     p = ts_node_parent(p)) {
		TSNode params = rust_child_by_field(p, RF_PARAMETERS);
		uint32_t k;
		if (!rust_is(p, RK_CLOSURE_EXPRESSION) || ts_node_is_null(params))
			continue;
		k = ts_node_named_child_count(params);
		for (uint32_t i = 0; i < k; i++) {
			TSNode q = ts_node_named_child(params, i);
			if (rule_same_text(q, ident, src))
				return true;          /* `|buf|` */
			if (rust_is(q, RK_PARAMETER) &&
			    rule_same_text(rust_child_by_field(q, RF_PATTERN), ident, src))
				return false;         /* `|buf: &Vec<u8>|`: typed */
		}
	}
	return false;
}

static bool receiver_without_is_empty(const struct rule_ctx *ctx, const struct rust_scope *scope,
				      TSNode recv)
{
	TSNode fn = scope->fn_item, param, type;

	if (ts_node_is_null(fn))
		return false;
	if (rust_is(recv, RK_IDENTIFIER) && untyped_closure_param(recv, recv, ctx->src))
		return true;
	if (rust_node_is(recv, "self")) {
		if (!ts_node_is_null(enclosing_trait(fn)))
			return true;
		return !ts_node_is_null(scope->impl_item) &&
		       lacks_is_empty(ctx, type_base(rust_child_by_field(scope->impl_item, RF_TYPE)));
	}
	if (!rust_is(recv, RK_IDENTIFIER) || ts_node_is_null(param = parameter_named(fn, recv, ctx->src)))
		return false;
	type = rust_child_by_field(param, RF_TYPE);
	while (rust_is(type, RK_REFERENCE_TYPE))
		type = rust_child_by_field(type, RF_TYPE);
	if (rust_node_is(type, "abstract_type"))
		return true;
	if (rust_is(type, RK_TYPE_IDENTIFIER) &&
	    (is_type_param(rust_child_by_field(fn, RF_TYPE_PARAMETERS), type, ctx->src) ||
	     (!ts_node_is_null(scope->impl_item) &&
	      is_type_param(rust_child_by_field(scope->impl_item, RF_TYPE_PARAMETERS), type, ctx->src))))
		return true;
	return lacks_is_empty(ctx, type_base(type));
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
	if (receiver_without_is_empty(ctx, scope, recv))
		return 0;
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
			"Like clippy, a receiver without an `is_empty(self)` method is left alone where "
			"the tree shows one may lack it: `self` in a provided trait method (its type is "
			"generic), a closure parameter without a type (`|it| it.len() == 0`, an iterator "
			"that may have only `len`), "
			"a parameter of generic type (`x: &T`, `x: impl Trait`), and `self` or a "
			"parameter of a type whose impls in this file have `len` but no `is_empty`. "
			"Comparisons inside a `fn is_empty` are skipped, since that is where `is_empty` "
			"is defined in terms of `len`. Applies everywhere, tests included.\n\n"
			"Subset of clippy: comparisons written inside macro arguments "
			"(`assert!(v.len() == 0)`) are not seen. Limit: without types, a type of another "
			"file or crate with `len()` but no `is_empty()` is reported although clippy "
			"leaves it alone.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
