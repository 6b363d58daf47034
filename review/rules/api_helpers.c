/* api_helpers.c — see api_helpers.h. */
#include "api_helpers.h"

#include <stdio.h>
#include <string.h>

bool api_fn_has_modifier(TSNode fn, const char *modifier)
{
	TSNode mods = rust_child_of_kind(fn, RK_FUNCTION_MODIFIERS);
	return !ts_node_is_null(mods) && !ts_node_is_null(rust_child_of_type(mods, modifier));
}

bool api_fn_is_public(const struct rule_ctx *ctx, TSNode fn, const struct rust_scope *scope)
{
	TSNode vis;

	if (ctx->pathinfo.binary || scope->test || scope->private_path || scope->trait_impl)
		return false;
	if (scope->in_trait)
		return true;     /* trait methods are as public as the trait (private_path) */
	vis = rust_child_of_kind(fn, RK_VISIBILITY_MODIFIER);
	return !ts_node_is_null(vis) && rust_node_text_eq(vis, ctx->src, "pub");
}

bool api_type_is(TSNode t, const char *src, const char *name)
{
	if (rust_is(t, RK_GENERIC_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (rust_is(t, RK_SCOPED_TYPE_IDENTIFIER))
		t = rust_child_by_field(t, RF_NAME);
	return rust_is(t, RK_TYPE_IDENTIFIER) && rust_node_text_eq(t, src, name);
}

TSNode api_type_arg(TSNode t, uint32_t i)
{
	TSNode args = rust_child_by_field(t, RF_TYPE_ARGUMENTS);
	uint32_t count, k = 0;

	if (!rust_is(t, RK_GENERIC_TYPE) || ts_node_is_null(args))
		return (TSNode){ 0 };
	count = ts_node_named_child_count(args);
	for (uint32_t j = 0; j < count; j++) {
		TSNode a = ts_node_named_child(args, j);
		const char *type = ts_node_type(a);
		if (strcmp(type, "line_comment") == 0 || strcmp(type, "block_comment") == 0 ||
		    strcmp(type, "lifetime") == 0)
			continue;
		if (k++ == i)
			return a;
	}
	return (TSNode){ 0 };
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* `name` as a whole word in [p, p+n). */
static bool has_word(const char *p, size_t n, const char *name)
{
	size_t w = strlen(name);

	for (size_t i = 0; i + w <= n; i++)
		if (memcmp(p + i, name, w) == 0 && (i == 0 || !ident_char(p[i - 1])) &&
		    (i + w == n || !ident_char(p[i + w])))
			return true;
	return false;
}

/*
 * Does the use tree text (whitespace removed) bring std|core::module::name
 * into scope? Accepts `std::module::name`, `std::module::{a, name}`,
 * `std::module::*` and `std::{module::name, ..}` is left out (rare).
 */
static bool use_text_imports(const char *text, const char *module, const char *name)
{
	static const char *const crates[] = { "std::", "core::" };
	char prefix[64];

	for (size_t c = 0; c < 2; c++) {
		const char *p, *rest;
		size_t plen;
		if ((size_t)snprintf(prefix, sizeof(prefix), "%s%s::", crates[c], module) >=
		    sizeof(prefix))
			return false;
		plen = strlen(prefix);
		if (!(p = strstr(text, prefix)) || (p > text && p[-1] != ':' && ident_char(p[-1])))
			continue;
		rest = p + plen;
		if (*rest == '*')
			return true;
		if (*rest == '{') {
			const char *close = strchr(rest, '}');
			if (close && (has_word(rest + 1, (size_t)(close - rest - 1), name) ||
				      memchr(rest, '*', (size_t)(close - rest))))
				return true;
			continue;
		}
		/* `name;` or `name as other;` — the latter renames it, so it does not count. */
		if (strncmp(rest, name, strlen(name)) == 0 && !ident_char(rest[strlen(name)]) &&
		    strncmp(rest + strlen(name), "as", 2) != 0)
			return true;
	}
	return false;
}

/* The use declaration's argument (`std::mem::forget`, `std::mem::{a, b}`)
 * without whitespace. */
static bool compact_text(TSNode use, const char *src, char *buf, size_t cap)
{
	TSNode arg = rust_child_by_field(use, RF_ARGUMENT);
	return !ts_node_is_null(arg) && rust_path_text(arg, src, buf, cap);
}

/*
 * Scans the whole file once for `use` declarations importing the name and
 * for a fn of that name (which would shadow or replace the import). Only
 * called for a plain `name(..)` call, which is rare for these names.
 */
static bool file_imports(const struct rule_ctx *ctx, TSNode any, const char *module,
			 const char *name)
{
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(any.tree));
	bool imported = false, defined = false;
	char buf[512];

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		const char *t = ts_node_type(cur);
		bool descend = true;
		if (strcmp(t, "use_declaration") == 0) {
			if (compact_text(cur, ctx->src, buf, sizeof(buf)) &&
			    use_text_imports(buf, module, name))
				imported = true;
			descend = false;
		} else if (strcmp(t, "function_item") == 0 || strcmp(t, "function_signature_item") == 0) {
			if (rust_node_text_eq(rust_child_by_field(cur, RF_NAME), ctx->src, name))
				defined = true;
		} else if (strcmp(t, "token_tree") == 0 || strcmp(t, "string_literal") == 0 ||
			   strcmp(t, "raw_string_literal") == 0) {
			descend = false;
		}
		if (!rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
	return imported && !defined;
}

bool api_call_is_std(const struct rule_ctx *ctx, TSNode call, const char *module,
		     const char *name, TSNode *callee)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION);
	char path[96], want[64];
	const char *p = path;

	if (!rust_is(call, RK_CALL_EXPRESSION))
		return false;
	*callee = fn;
	if (rust_is(fn, RK_GENERIC_FUNCTION))      /* transmute::<A, B>(x) */
		fn = rust_child_by_field(fn, RF_FUNCTION);
	if (rust_is(fn, RK_IDENTIFIER))
		return rust_node_text_eq(fn, ctx->src, name) && file_imports(ctx, fn, module, name);
	if (!rust_is(fn, RK_SCOPED_IDENTIFIER) || !rust_path_text(fn, ctx->src, path, sizeof(path)))
		return false;
	if (strncmp(p, "std::", 5) == 0)
		p += 5;
	else if (strncmp(p, "core::", 6) == 0)
		p += 6;
	if ((size_t)snprintf(want, sizeof(want), "%s::%s", module, name) >= sizeof(want))
		return false;
	return strcmp(p, want) == 0;
}

TSNode api_item_header_end(TSNode item)
{
	TSNode name = rust_child_by_field(item, RF_NAME);
	return ts_node_is_null(name) ? ts_node_child(item, 0) : name;
}

int api_emit_item_header(struct rule_ctx *ctx, TSNode item, const char *message)
{
	return rule_emit_nodes(ctx, item, api_item_header_end(item), message, NULL);
}

bool api_item_documents(const struct rule_ctx *ctx, TSNode item, const struct rust_scope *scope,
			const char *section)
{
	uint32_t start = ts_node_start_byte(item);
	return scope->doc_start < start &&
	       rust_doc_has_section(ctx->src, scope->doc_start, start, section);
}
