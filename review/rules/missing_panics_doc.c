/* missing_panics_doc.c — a public fn that can panic, without a `# Panics` doc section. */
#include "api_helpers.h"
#include "rule_helpers.h"

#include <string.h>

/* The macros clippy counts as panics: panic! and the asserts that stay in
 * release builds (debug_assert! does not; todo!/unreachable!/unimplemented!
 * are placeholders and invariants, reported by their own rules). */
static const char *const PANIC_MACROS[] = { "panic", "assert", "assert_eq", "assert_ne" };
#define N_PANIC_MACROS (sizeof(PANIC_MACROS) / sizeof(PANIC_MACROS[0]))

struct first_panic {
	const char *src;
	TSNode at;          /* the first panic found, or null */
	const char *what;   /* "`.unwrap()`", "`panic!`", ... (static) */
};

static bool macro_name_is_panic(TSNode path, const char *src, const char **what)
{
	static const char *const whats[] = { "`panic!`", "`assert!`", "`assert_eq!`",
					     "`assert_ne!`" };
	char buf[48];
	const char *p = buf;

	if (!rust_path_text(path, src, buf, sizeof(buf)))
		return false;
	if (strncmp(p, "std::", 5) == 0)
		p += 5;
	else if (strncmp(p, "core::", 6) == 0)
		p += 6;
	for (size_t i = 0; i < N_PANIC_MACROS; i++)
		if (strcmp(p, PANIC_MACROS[i]) == 0) {
			*what = whats[i];
			return true;
		}
	return false;
}

static bool method_is_panic(TSNode name, const char *src, uint32_t nargs, const char **what)
{
	if (rust_node_text_eq(name, src, "unwrap") && nargs == 0) {
		*what = "`.unwrap()`";
		return true;
	}
	if (rust_node_text_eq(name, src, "expect") && nargs == 1) {
		*what = "`.expect(..)`";
		return true;
	}
	return false;
}

static int tt_method(void *data, TSNode name, TSNode args)
{
	struct first_panic *fp = data;
	if (method_is_panic(name, fp->src, rust_tt_inner_count(args) > 0 ? 1 : 0, &fp->what)) {
		fp->at = name;
		return 1;
	}
	return 0;
}

static int tt_macro(void *data, TSNode name, TSNode args)
{
	struct first_panic *fp = data;
	(void)args;
	if (macro_name_is_panic(name, fp->src, &fp->what)) {
		fp->at = name;
		return 1;
	}
	return 0;
}

/* Does node itself panic? Sets fp->at. Token trees are scanned for both
 * method and macro sequences; nested token trees come up on their own. */
static bool node_panics(TSNode node, struct first_panic *fp)
{
	const char *t = ts_node_type(node);
	TSNode name, args;

	if (strcmp(t, "call_expression") == 0 && rust_method_call(node, &name, &args)) {
		if (method_is_panic(name, fp->src, rust_named_arg_count(args), &fp->what)) {
			fp->at = node;
			return true;
		}
	} else if (strcmp(t, "macro_invocation") == 0) {
		TSNode path = rust_child_by_field(node, RF_MACRO);
		if (!ts_node_is_null(path) && macro_name_is_panic(path, fp->src, &fp->what)) {
			fp->at = node;
			return true;
		}
	} else if (strcmp(t, "token_tree") == 0) {
		return rust_tt_method_calls(node, tt_method, fp) == 1 ||
		       rust_tt_macro_calls(node, tt_macro, fp) == 1;
	}
	return false;
}

/* Nested fns and macro_rules! are not this fn's code; const items run at
 * compile time, where a panic is a build error, not a runtime one. */
static bool skip_subtree(const char *type)
{
	return strcmp(type, "function_item") == 0 || strcmp(type, "macro_definition") == 0 ||
	       strcmp(type, "const_item") == 0 || strcmp(type, "static_item") == 0 ||
	       strcmp(type, "const_block") == 0 || strcmp(type, "attribute_item") == 0 ||
	       strcmp(type, "line_comment") == 0 || strcmp(type, "block_comment") == 0 ||
	       strcmp(type, "string_literal") == 0 || strcmp(type, "raw_string_literal") == 0;
}

/* The first panic in source order in the body, closures included (a closure
 * called here panics here; clippy counts them too). */
static void find_first_panic(TSNode body, struct first_panic *fp)
{
	TSTreeCursor c = ts_tree_cursor_new(body);

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool descend = !skip_subtree(ts_node_type(cur));
		if (descend && node_panics(cur, fp))
			break;
		if (!rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	struct first_panic fp = { .src = ctx->src };
	TSNode body, name;
	char quoted[64];

	if (!rust_is(node, RK_FUNCTION_ITEM) || scope->doc_hidden ||
	    !api_fn_is_public(ctx, node, scope) ||
	    api_item_documents(ctx, node, scope, "Panics"))
		return 0;
	body = rust_child_by_field(node, RF_BODY);
	if (ts_node_is_null(body))
		return 0;
	find_first_panic(body, &fp);
	if (ts_node_is_null(fp.at))
		return 0;
	name = rust_child_by_field(node, RF_NAME);
	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	/* On the fn's header, where clippy puts its missing_*_doc warnings. */
	return rule_emitf_nodes(ctx, node, api_item_header_end(node), NULL,
				"`%s` is public and can panic (%s on line %u), but its docs have no "
				"`# Panics` section. Callers cannot see from the signature that some "
				"input crashes their thread or task, so they cannot avoid it. Add a "
				"`# Panics` section that says when it panics, or return an error instead.",
				quoted, fp.what, ts_node_start_point(fp.at).row + 1);
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "function_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "fn", NULL };

const struct rule rule_missing_panics_doc = {
	.info = {
		.id = "missing_panics_doc",
		.severity = RR_SEV_NOTE,
		.summary = "public fn that can panic without a `# Panics` doc section",
		.explanation =
			"What: flags a public fn (plain `pub` in `pub` modules, or a provided method of a "
			"`pub trait`) whose body calls `.unwrap()` / `.expect(..)` or `panic!`, `assert!`, "
			"`assert_eq!`, `assert_ne!`, and whose doc comment has no `# Panics` heading "
			"(clippy::missing_panics_doc, pedantic). Closures in the body count (they run "
			"here); nested fns, consts and `macro_rules!` do not. The comment sits on the "
			"fn's header and names the first panic.\n\n"
			"Why: a panic is part of a function's contract. Callers of a library API plan "
			"for the errors in its signature; a panic they were not told about takes down "
			"their request handler or worker thread.\n\n"
			"How to fix: document it, or remove it by returning an error.\n\n"
			"Bad:\n    /// Parses the header.\n    pub fn header(b: &[u8]) -> Header {\n"
			"        Header::parse(b).unwrap()\n    }\n"
			"Good:\n    /// Parses the header.\n    ///\n    /// # Panics\n    ///\n"
			"    /// Panics if `b` is shorter than 12 bytes.\n"
			"    pub fn header(b: &[u8]) -> Header { .. }\n\n"
			"Context: like clippy, `debug_assert!`, `todo!`, `unreachable!` and "
			"`unimplemented!` are not counted (the last three have their own rules). Without "
			"types, any `.unwrap()`/`.expect(x)` counts, also on a type of your own. Public "
			"means public in this file: a `pub fn` of a private type, or of a module made "
			"public only by a `pub use` elsewhere, is judged by the `pub` keywords the file "
			"shows. `#[doc(hidden)]` items (and those in hidden modules and impls) are skipped, "
			"as in clippy. Binaries (main.rs, src/bin/) and test code are skipped: their fns are "
			"no one's API.",
		.production_only = true,
		.has_fix = false,
		.default_off = true,   /* clippy pedantic: opt in via .rustreview.toml */
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
