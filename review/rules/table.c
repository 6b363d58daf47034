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
