/* box_dyn_error_in_public_api.c — a public library fn returning `Result<_, Box<dyn Error>>`. */
#include "api_helpers.h"
#include "rule_helpers.h"

#include <string.h>

/* `Error`, `error::Error`, `std::error::Error` or `core::error::Error`. */
static bool is_error_trait(TSNode t, const char *src)
{
	char buf[48];
	const char *p = buf;

	if (!rust_path_text(t, src, buf, sizeof(buf)))
		return false;
	if (strncmp(p, "std::", 5) == 0)
		p += 5;
	else if (strncmp(p, "core::", 6) == 0)
		p += 6;
	return strcmp(p, "Error") == 0 || strcmp(p, "error::Error") == 0;
}

/* `Box<dyn Error>`, with or without `+ Send + Sync + 'static`. */
static bool is_box_dyn_error(TSNode t, const char *src)
{
	TSNode inner, dyn;

	if (!api_type_is(t, src, "Box"))
		return false;
	inner = api_type_arg(t, 0);
	/* `dyn A + B + C` nests to the left: ((dyn A + B) + C). */
	for (int depth = 0; rust_is(inner, RK_BOUNDED_TYPE) && depth < 16; depth++)
		inner = ts_node_named_child(inner, 0);
	dyn = inner;
	return rust_is(dyn, RK_DYNAMIC_TYPE) &&
	       is_error_trait(rust_child_by_field(dyn, RF_TRAIT), src);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode ret, err_type, name;
	char quoted[64];

	if (!rust_is(node, RK_FUNCTION_ITEM) && !rust_is(node, RK_FUNCTION_SIGNATURE_ITEM))
		return 0;
	ret = rust_child_by_field(node, RF_RETURN_TYPE);
	if (!api_type_is(ret, ctx->src, "Result"))
		return 0;
	err_type = api_type_arg(ret, 1);
	if (ts_node_is_null(err_type) || !is_box_dyn_error(err_type, ctx->src) ||
	    !api_fn_is_public(ctx, node, scope))
		return 0;
	name = rust_child_by_field(node, RF_NAME);
	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	return rule_emitf_nodes(ctx, err_type, err_type, NULL,
				"The public `%s` returns `Box<dyn Error>`, so callers cannot tell its "
				"failures apart without downcasting to types you never promised. Library "
				"users need to match on what went wrong (retry a timeout, report bad "
				"input). Define an error enum for the crate, e.g. with "
				"`#[derive(thiserror::Error)]`, with one variant per failure.",
				quoted);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "function_item", "function_signature_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "dyn", NULL };

const struct rule rule_box_dyn_error_in_public_api = {
	.info = {
		.id = "box_dyn_error_in_public_api",
		.severity = RR_SEV_NOTE,
		.summary = "`Box<dyn Error>` as the error type of a public library fn",
		.explanation =
			"What: flags a public fn of library code (plain `pub` in `pub` modules, or a "
			"method of a `pub trait`) whose return type is `Result<T, Box<dyn Error>>`, with "
			"`std::error::Error`/`core::error::Error` and `+ Send + Sync + 'static` bounds "
			"accepted. No clippy lint matches; the id is ours.\n\n"
			"Why: a boxed trait object erases the error's type. Callers can print it but "
			"cannot `match` on it: telling a timeout from bad input needs `downcast_ref` "
			"against concrete types the API never promised, and a refactor that changes "
			"them breaks callers silently. It is fine inside an application; in a library's "
			"public API it makes every caller's error handling worse.\n\n"
			"How to fix: a crate error enum, usually with thiserror.\n\n"
			"Bad:\n    pub fn fetch(url: &str) -> Result<Page, Box<dyn Error>>\n"
			"Good:\n    #[derive(Debug, thiserror::Error)]\n    pub enum FetchError {\n"
			"        #[error(\"request timed out\")] Timeout,\n"
			"        #[error(\"bad response: {0}\")] Parse(#[from] serde_json::Error),\n"
			"    }\n"
			"    pub fn fetch(url: &str) -> Result<Page, FetchError>\n\n"
			"Context: binaries (main.rs, src/bin/) and test code are skipped, and so are "
			"methods of `impl Trait for T` (the trait fixed the signature) and aliases such "
			"as `type BoxError = Box<dyn Error>` (not resolved without types). `anyhow::Error` "
			"is out of scope.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
