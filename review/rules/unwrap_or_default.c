/* unwrap_or_default.c — `.unwrap_or(Default::default())` and friends: say `.unwrap_or_default()`. */
#include "rule_helpers.h"

#include <stdlib.h>
#include <string.h>

#include "../attrs.h"

/* The method, whether its argument is called (`unwrap_or(T::new())`) or a
 * path (`unwrap_or_else(T::new)`), and the method that says it. */
struct default_form {
	const char *method;
	bool call_form;
	const char *better;
};

static const struct default_form FORMS[] = {
	{ "unwrap_or", true, "unwrap_or_default" },
	{ "unwrap_or_else", false, "unwrap_or_default" },
	{ "or_insert", true, "or_default" },
	{ "or_insert_with", false, "or_default" },
};

/* Result::unwrap_or_default is stable since Rust 1.16 (clippy checks its msrv). */
static bool msrv_allows(const struct rule_ctx *ctx, const struct rust_scope *scope)
{
	uint32_t msrv = scope->msrv;

	if (!msrv && ctx->opts)
		msrv = ctx->opts->clippy.msrv ? ctx->opts->clippy.msrv : ctx->opts->rust_version;
	return !msrv || msrv >= RUST_VERSION(1, 16, 0);
}

/* The variable at the root of a method chain (`res` of `res.entry(k)`), or null. */
static TSNode chain_root(TSNode call)
{
	TSNode n = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	for (int depth = 0; depth < 32; depth++) {
		if (rust_is(n, RK_CALL_EXPRESSION))
			n = rust_child_by_field(n, RF_FUNCTION);
		else if (rust_is(n, RK_FIELD_EXPRESSION))
			n = rust_child_by_field(n, RF_VALUE);
		else
			break;
	}
	return rust_is(n, RK_IDENTIFIER) ? n : (TSNode){ 0 };
}

/*
 * clippy leaves the call alone when the receiver's type is not certain:
 * here, a chain rooted at a local bound without a type by a generic
 * constructor without type arguments (`let mut m = HashMap::new();`), whose
 * parameters inference fills in later.
 */
static bool receiver_type_uncertain(const struct rule_ctx *ctx, const struct rust_scope *scope,
				    TSNode call)
{
	static const char *const ctors[] = { "new", "default", "with_capacity" };
	TSNode root = chain_root(call), found = { 0 };
	TSTreeCursor c;

	if (ts_node_is_null(root) || ts_node_is_null(scope->fn_item))
		return false;
	c = ts_tree_cursor_new(scope->fn_item);
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c), pat;
		if (ts_node_start_byte(cur) >= ts_node_start_byte(call))
			break;
		if (rust_is(cur, RK_LET_DECLARATION) &&
		    rust_is(pat = rust_child_by_field(cur, RF_PATTERN), RK_IDENTIFIER) &&
		    rule_same_text(pat, root, ctx->src))
			found = cur;
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	if (ts_node_is_null(found) || !ts_node_is_null(rust_child_by_field(found, RF_TYPE)))
		return false;
	{
		TSNode value = rust_child_by_field(found, RF_VALUE);
		TSNode fn = rust_child_by_field(value, RF_FUNCTION);
		TSNode path = rust_child_by_field(fn, RF_PATH);
		if (!rust_is(value, RK_CALL_EXPRESSION) || !rust_is(fn, RK_SCOPED_IDENTIFIER) ||
		    rust_is(path, RK_GENERIC_TYPE))
			return false;
		for (size_t i = 0; i < sizeof(ctors) / sizeof(ctors[0]); i++)
			if (rust_node_text_eq(rust_child_by_field(fn, RF_NAME), ctx->src, ctors[i]))
				return true;
	}
	return false;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args;
	char quoted[64];

	if (!rust_method_call(node, &name, &args) || rust_named_arg_count(args) != 1)
		return 0;
	for (size_t i = 0; i < sizeof(FORMS) / sizeof(FORMS[0]); i++) {
		const struct default_form *f = &FORMS[i];
		char *repl;
		int rc;
		if (!rust_node_text_eq(name, ctx->src, f->method))
			continue;
		if (!rule_is_default_value(ctx, ts_node_named_child(args, 0), f->call_form) ||
		    !msrv_allows(ctx, scope) || receiver_type_uncertain(ctx, scope, node))
			return 0;
		rule_quote(ts_node_named_child(args, 0), ctx->src, quoted, sizeof(quoted));
		if (!(repl = rule_format("%s()", f->better)))
			return RR_ENOMEM;
		rc = rule_emitf_nodes(ctx, name, args, repl,
				      "`.%s(%s)` spells out the type's default value. "
				      "`.%s()` says the same thing, is shorter, and builds the value "
				      "only when it is needed. Replace the call with `.%s()`.",
				      f->method, quoted, repl, repl);
		free(repl);
		return rc;
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "unwrap_or", "or_insert", NULL };

const struct rule rule_unwrap_or_default = {
	.info = {
		.id = "unwrap_or_default",
		.severity = RR_SEV_NOTE,
		.summary = "`.unwrap_or(T::default())`, `.or_insert(Vec::new())`: use `unwrap_or_default()`/`or_default()`",
		.explanation =
			"What: flags `unwrap_or(x)` and `or_insert(x)` where `x` is the type's default "
			"value built by a call without arguments: `Default::default()`, `T::default()`, "
			"`String::new()`, `Vec::new()`, the other std collections' `new()`, `PathBuf::new()`, "
			"or `new()` of a type this file derives or implements `Default` for; and "
			"`unwrap_or_else(f)` / `or_insert_with(f)` with `f` one of those paths "
			"(`Vec::new`, `Default::default`) or `|| \"\".to_string()` "
			"(clippy::unwrap_or_default). The suggested change is `.unwrap_or_default()` or "
			"`.or_default()`.\n\n"
			"Why: the longer form names a value the standard library already knows how to "
			"make, and `unwrap_or(..)` builds it even when the value is there. "
			"`unwrap_or_default()` is shorter, builds the default only on the fallback "
			"path, and keeps working when the type changes.\n\n"
			"How to fix: apply the suggestion.\n\n"
			"Bad:\n    let names = cache.get(&k).cloned().unwrap_or(Vec::new());\n"
			"    map.entry(k).or_insert_with(Vec::new).push(v);\n"
			"Good:\n    let names = cache.get(&k).cloned().unwrap_or_default();\n"
			"    map.entry(k).or_default().push(v);\n\n"
			"Like clippy, literals are not default values here (`unwrap_or(0)`, "
			"`unwrap_or(false)`, `unwrap_or(\"\")` are clear as they are), nor `vec![]`, nor "
			"a closure that calls a constructor (`unwrap_or_else(|| String::new())`); the "
			"lint reads a `msrv` below 1.16 as \"no `Result::unwrap_or_default`\". Subset of "
			"clippy: without types, `T::new()` of a type from another file is not known to "
			"be its default, and is left to or_fun_call.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
