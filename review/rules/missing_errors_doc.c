/* missing_errors_doc.c — a public fn returning Result without an `# Errors` doc section. */
#include "api_helpers.h"
#include "rule_helpers.h"

/* `type X<..> = Result<..>;` in list (or its modules): X names a Result. */
static bool result_alias_in(TSNode list, TSNode name, const char *src, int depth)
{
	uint32_t n = ts_node_named_child_count(list);

	for (uint32_t i = 0; i < n && depth < 4; i++) {
		TSNode item = ts_node_named_child(list, i), body;
		if (rust_is(item, RK_TYPE_ITEM) &&
		    rule_same_text(rust_child_by_field(item, RF_NAME), name, src))
			return api_type_is(rust_child_by_field(item, RF_TYPE), src, "Result");
		if (rust_is(item, RK_MOD_ITEM) && !ts_node_is_null(body = rust_child_by_field(item, RF_BODY)) &&
		    result_alias_in(body, name, src, depth + 1))
			return true;
	}
	return false;
}

/* `Result<..>`, `io::Result<..>`, or an alias of one this file defines
 * (`pub type ParseResult<T> = Result<T, ParseError>;`), as clippy sees through it. */
static bool returns_result(const struct rule_ctx *ctx, TSNode ret)
{
	TSNode name = ret;

	if (api_type_is(ret, ctx->src, "Result"))
		return true;
	if (rust_is(name, RK_GENERIC_TYPE))
		name = rust_child_by_field(name, RF_TYPE);
	return rust_is(name, RK_TYPE_IDENTIFIER) && result_alias_in(ctx->root, name, ctx->src, 0);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode ret, name;
	char quoted[64];

	/* Like clippy, #[doc(hidden)] items (and items in hidden modules and impls)
	 * have no rendered docs to complete. */
	if ((!rust_is(node, RK_FUNCTION_ITEM) && !rust_is(node, RK_FUNCTION_SIGNATURE_ITEM)) ||
	    scope->doc_hidden)
		return 0;
	ret = rust_child_by_field(node, RF_RETURN_TYPE);
	if (!returns_result(ctx, ret) || !api_fn_is_public(ctx, node, scope) ||
	    api_item_documents(ctx, node, scope, "Errors"))
		return 0;
	name = rust_child_by_field(node, RF_NAME);
	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	/* On the fn's header, where clippy puts its missing_*_doc warnings. */
	return rule_emitf_nodes(ctx, node, api_item_header_end(node), NULL,
				"`%s` is public and returns `Result`, but its docs have no `# Errors` "
				"section. Callers need to know which failures to expect and which are "
				"worth retrying or showing to a user. Add an `# Errors` section listing "
				"when it returns `Err`.",
				quoted);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "function_item", "function_signature_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "fn", NULL };

const struct rule rule_missing_errors_doc = {
	.info = {
		.id = "missing_errors_doc",
		.severity = RR_SEV_NOTE,
		.summary = "public fn returning `Result` without an `# Errors` doc section",
		.explanation =
			"What: flags a public fn (plain `pub` in `pub` modules, or a method of a `pub "
			"trait`) whose return type is `Result` (`io::Result<T>`, `fmt::Result`, any alias "
			"named `Result`, and an alias of one the file defines, `type ParseResult<T> = Result<T, "
			"E>`; async fns too) and whose doc comment has no `# Errors` heading "
			"(clippy::missing_errors_doc, pedantic).\n\n"
			"Why: the error type says what can be returned, not when. A caller deciding "
			"whether to retry, to surface the error to a user or to treat it as a bug needs "
			"the conditions, and rustdoc's `# Errors` section is where Rust users look.\n\n"
			"How to fix: add the section.\n\n"
			"Bad:\n    /// Loads the config.\n    pub fn load(p: &Path) -> Result<Config, Error>\n"
			"Good:\n    /// Loads the config.\n    ///\n    /// # Errors\n    ///\n"
			"    /// Returns `Error::Io` if `p` cannot be read and `Error::Parse` if it is not\n"
			"    /// valid TOML.\n    pub fn load(p: &Path) -> Result<Config, Error>\n\n"
			"Context: methods of `impl Trait for T` are skipped (the trait documents them), and "
			"so are `#[doc(hidden)]` items and items inside hidden modules and impls, as in "
			"clippy. "
			"Public means public in this file (see missing_panics_doc). Binaries and test "
			"code are skipped.",
		.production_only = true,
		.has_fix = false,
		.default_off = true,   /* clippy pedantic: opt in via .rustreview.toml */
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
