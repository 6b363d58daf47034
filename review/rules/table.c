/* table.c — the rule table and the catalogue behind `rustreview rules` / `explain`. */
#include "rules.h"

#include <string.h>

const struct rule *const rule_table[] = {
	&rule_unwrap_used,
	&rule_expect_used,
	&rule_panic,
	&rule_todo,
	&rule_unimplemented,
	&rule_dbg_macro,
	&rule_print_stdout,
	&rule_undocumented_unsafe_blocks,
	&rule_ptr_arg,
	&rule_len_zero,
	&rule_await_holding_lock,
	&rule_blocking_in_async,
	&rule_await_holding_refcell_ref,
	&rule_box_collection,
	&rule_rc_buffer,
	&rule_large_stack_arrays,
	&rule_bidi_chars,
	&rule_hardcoded_credentials,
	&rule_format_push_string,
	&rule_or_fun_call,
	&rule_needless_collect,
	&rule_redundant_clone,
	&rule_useless_format,
	&rule_unwrap_in_result,
	&rule_missing_panics_doc,
	&rule_missing_errors_doc,
	&rule_missing_safety_doc,
	&rule_mem_forget,
	&rule_transmute_without_safety,
	&rule_static_mut_refs,
	&rule_exit,
	&rule_box_dyn_error_in_public_api,
	&rule_print_stderr,
	&rule_let_underscore_must_use,
	&rule_unwrap_or_default,
	&rule_disallowed_methods,
	&rule_disallowed_macros,
};
const size_t rule_table_len = sizeof(rule_table) / sizeof(rule_table[0]);

size_t rules_count(void)
{
	return rule_table_len;
}

const struct rule_info *rules_get(size_t i)
{
	return i < rule_table_len ? &rule_table[i]->info : NULL;
}

/* --- what each rule claims about clippy ---------------------------------- */

enum claim_scope { SCOPE_NONE, SCOPE_SAME, SCOPE_SUBSET };

struct rule_claim {
	const char *id;
	const char *clippy;          /* the clippy lint, or NULL */
	const char *rustc;           /* the rustc lint, or NULL */
	enum claim_scope scope;      /* SCOPE_NONE exactly when clippy is NULL */
};

/*
 * "same": in the code the rule applies to (its production/all-code context,
 * library code for the library-only rules), it aims to report what the
 * clippy lint reports, and `make accuracy` holds it to that. "subset": it
 * reports what the syntax tree proves and its explanation names what it
 * leaves out. tests/unit/test_rule_context.c checks every rule has a claim.
 */
static const struct rule_claim claims[] = {
	{ "unwrap_used", "unwrap_used", NULL, SCOPE_SUBSET },
	{ "expect_used", "expect_used", NULL, SCOPE_SUBSET },
	{ "panic", "panic", NULL, SCOPE_SUBSET },
	{ "todo", "todo", NULL, SCOPE_SAME },
	{ "unimplemented", "unimplemented", NULL, SCOPE_SAME },
	{ "dbg_macro", "dbg_macro", NULL, SCOPE_SAME },
	{ "print_stdout", "print_stdout", NULL, SCOPE_SAME },
	{ "undocumented_unsafe_blocks", "undocumented_unsafe_blocks", NULL, SCOPE_SAME },
	{ "ptr_arg", "ptr_arg", NULL, SCOPE_SUBSET },
	{ "len_zero", "len_zero", NULL, SCOPE_SUBSET },
	{ "await_holding_lock", "await_holding_lock", NULL, SCOPE_SUBSET },
	{ "blocking_in_async", NULL, NULL, SCOPE_NONE },
	{ "await_holding_refcell_ref", "await_holding_refcell_ref", NULL, SCOPE_SUBSET },
	{ "box_collection", "box_collection", NULL, SCOPE_SAME },
	{ "rc_buffer", "rc_buffer", NULL, SCOPE_SAME },
	{ "large_stack_arrays", "large_stack_arrays", NULL, SCOPE_SUBSET },
	{ "bidi_chars", NULL, "text_direction_codepoint_in_literal", SCOPE_NONE },
	{ "hardcoded_credentials", NULL, NULL, SCOPE_NONE },
	{ "format_push_string", "format_push_string", NULL, SCOPE_SAME },
	{ "or_fun_call", "or_fun_call", NULL, SCOPE_SUBSET },
	{ "needless_collect", "needless_collect", NULL, SCOPE_SUBSET },
	{ "redundant_clone", "redundant_clone", NULL, SCOPE_SUBSET },
	{ "useless_format", "useless_format", NULL, SCOPE_SUBSET },
	{ "unwrap_in_result", "unwrap_in_result", NULL, SCOPE_SUBSET },
	{ "missing_panics_doc", "missing_panics_doc", NULL, SCOPE_SAME },
	{ "missing_errors_doc", "missing_errors_doc", NULL, SCOPE_SAME },
	{ "missing_safety_doc", "missing_safety_doc", NULL, SCOPE_SAME },
	{ "mem_forget", "mem_forget", NULL, SCOPE_SUBSET },
	{ "transmute_without_safety", NULL, NULL, SCOPE_NONE },
	{ "static_mut_refs", NULL, "static_mut_refs", SCOPE_NONE },
	{ "exit", "exit", NULL, SCOPE_SAME },
	{ "box_dyn_error_in_public_api", NULL, NULL, SCOPE_NONE },
	{ "print_stderr", "print_stderr", NULL, SCOPE_SAME },
	{ "let_underscore_must_use", "let_underscore_must_use", NULL, SCOPE_SUBSET },
	{ "unwrap_or_default", "unwrap_or_default", NULL, SCOPE_SUBSET },
	{ "disallowed_methods", "disallowed_methods", NULL, SCOPE_SUBSET },
	{ "disallowed_macros", "disallowed_macros", NULL, SCOPE_SUBSET },
};

static const struct rule_claim *claim_of(size_t i)
{
	if (i >= rule_table_len)
		return NULL;
	for (size_t k = 0; k < sizeof(claims) / sizeof(claims[0]); k++)
		if (strcmp(claims[k].id, rule_table[i]->info.id) == 0)
			return &claims[k];
	return NULL;
}

const char *rules_clippy_lint(size_t i)
{
	const struct rule_claim *c = claim_of(i);
	return c ? c->clippy : NULL;
}

const char *rules_rustc_lint(size_t i)
{
	const struct rule_claim *c = claim_of(i);
	return c ? c->rustc : NULL;
}

const char *rules_scope(size_t i)
{
	const struct rule_claim *c = claim_of(i);
	if (!c || !c->clippy)
		return NULL;
	return c->scope == SCOPE_SAME ? "same" : "subset";
}

const struct rule_info *rules_find(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < rule_table_len; i++)
		if (strcmp(rule_table[i]->info.id, id) == 0)
			return &rule_table[i]->info;
	return NULL;
}

/* --- helpers shared by the macro rules ------------------------------------ */

/* The macro's name when `path!` names it: `name`, `std::name` or `core::name`
 * (a crate's own `mycrate::panic!` is not the standard macro). */
static bool macro_path_matches(TSNode path, const char *src, const char *name)
{
	static const char *const crates[] = { "std::", "core::", "alloc::" };
	char buf[64];

	if (!rust_path_text(path, src, buf, sizeof(buf)))
		return false;
	if (strcmp(buf, name) == 0)
		return true;
	for (size_t i = 0; i < sizeof(crates) / sizeof(crates[0]); i++) {
		size_t n = strlen(crates[i]);
		if (strncmp(buf, crates[i], n) == 0 && strcmp(buf + n, name) == 0)
			return true;
	}
	return false;
}

struct tt_macro_data {
	struct rule_ctx *ctx;
	const char *const *names;
	size_t n_names;
	int (*fn)(struct rule_ctx *, TSNode, TSNode, const char *);
};

static int tt_macro_hit(void *data, TSNode name, TSNode args)
{
	struct tt_macro_data *d = data;
	for (size_t i = 0; i < d->n_names; i++)
		if (rust_node_text_eq(name, d->ctx->src, d->names[i]))
			return d->fn(d->ctx, name, args, d->names[i]);
	return 0;
}

int rule_each_macro_call(struct rule_ctx *ctx, TSNode node, const char *const *names,
			 size_t n_names,
			 int (*fn)(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name))
{
	if (rust_is(node, RK_MACRO_INVOCATION)) {
		TSNode path = rust_child_by_field(node, RF_MACRO);
		if (ts_node_is_null(path))
			return 0;
		for (size_t i = 0; i < n_names; i++)
			if (macro_path_matches(path, ctx->src, names[i]))
				return fn(ctx, node, node, names[i]);
		return 0;
	}
	if (rust_is(node, RK_TOKEN_TREE)) {
		struct tt_macro_data d = { ctx, names, n_names, fn };
		return rust_tt_macro_calls(node, tt_macro_hit, &d);
	}
	return 0;
}
