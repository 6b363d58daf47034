/* disallowed_macros.c — invocations of macros clippy.toml's disallowed-macros lists. */
#include "api_helpers.h"
#include "disallowed_helpers.h"
#include "rule_helpers.h"

#include <string.h>

static bool applies(const struct review_options *opts)
{
	return opts && opts->clippy.n_macros > 0;
}

/* The file defines a macro_rules! called like name (it shadows the std one). */
static bool defines_macro(const struct rule_ctx *ctx, TSNode name)
{
	TSTreeCursor c = ts_tree_cursor_new(ctx->root);
	bool found = false;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool def = rust_is(cur, RK_MACRO_DEFINITION);
		if (def && rule_same_text(rust_child_by_field(cur, RF_NAME), name, ctx->src)) {
			found = true;
			break;
		}
		if (!rust_cursor_next(&c, !def && !rust_is(cur, RK_TOKEN_TREE)))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* `#[macro_use] extern crate <krate>;` in the file. */
static bool macro_use_crate(const struct rule_ctx *ctx, const char *krate, size_t klen)
{
	uint32_t n = ts_node_named_child_count(ctx->root);
	bool macro_use = false;

	for (uint32_t i = 0; i < n; i++) {
		TSNode item = ts_node_named_child(ctx->root, i);
		if (rust_is(item, RK_ATTRIBUTE_ITEM)) {
			macro_use |= memmem(rust_node_ptr(item, ctx->src), rust_node_len(item),
					    "macro_use", 9) != NULL;
			continue;
		}
		if (macro_use && rust_node_is(item, "extern_crate_declaration")) {
			TSNode name = rust_child_by_field(item, RF_NAME);
			if (rust_node_len(name) == klen &&
			    memcmp(rust_node_ptr(name, ctx->src), krate, klen) == 0)
				return true;
		}
		if (!rust_is(item, RK_LINE_COMMENT) && !rust_is(item, RK_BLOCK_COMMENT))
			macro_use = false;
	}
	return false;
}

/*
 * Does the macro name node (`println`, `log::info`) name path? As a
 * function path would (api_path_is), or, written bare, a std macro the file
 * does not redefine, or a crate's macro brought in with `#[macro_use]`.
 */
static bool names_macro(const struct rule_ctx *ctx, TSNode name, const char *path)
{
	const char *last = strrchr(path, ':'), *sep = strstr(path, "::");
	static const char *const std_crates[] = { "std::", "core::", "alloc::" };

	if (api_path_is(ctx, name, path))
		return true;
	if (!rust_is(name, RK_IDENTIFIER) || !last || !rust_node_text_eq(name, ctx->src, last + 1))
		return false;
	for (size_t i = 0; i < sizeof(std_crates) / sizeof(std_crates[0]); i++)
		if (strncmp(path, std_crates[i], strlen(std_crates[i])) == 0)
			return !defines_macro(ctx, name);
	return sep && macro_use_crate(ctx, path, (size_t)(sep - path));
}

static const struct disallowed_list MACROS = { true, names_macro };

static int tt_hit(void *data, TSNode name, TSNode args)
{
	return disallowed_report(data, &MACROS, name, name, args);
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name;

	(void)scope;
	if (rust_is(node, RK_MACRO_INVOCATION)) {
		name = rust_child_by_field(node, RF_MACRO);
		if (ts_node_is_null(name))
			return 0;
		return disallowed_report(ctx, &MACROS, name, node, node);
	}
	if (rust_is(node, RK_TOKEN_TREE))
		return rust_tt_macro_calls(node, tt_hit, ctx);
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "macro_invocation", "token_tree", NULL };

const struct rule rule_disallowed_macros = {
	.info = {
		.id = "disallowed_macros",
		.severity = RR_SEV_WARNING,
		.summary = "invocation of a macro clippy.toml's `disallowed-macros` lists",
		.explanation =
			"What: flags invocations of the macros that `disallowed-macros` in the "
			"repository's clippy.toml (or .clippy.toml) lists, with the reason given there "
			"(clippy::disallowed_macros). Entries are paths, `\"std::println\"`, or tables, "
			"`{ path = \"log::info\", reason = \"use tracing\" }`; clippy.toml is read from "
			"the base commit. An invocation counts when the tree shows it names the path: "
			"written out (`std::println!`, `log::info!`), imported (`use log::info;`, "
			"aliases, globs), a std macro by its bare name unless the file defines a "
			"`macro_rules!` of that name, or a crate's macro under `#[macro_use] extern "
			"crate`; also inside other macros' arguments.\n\n"
			"Why: the team decided these macros are not to be used here (`println!` in a "
			"service that logs structured events, `dbg!`, a deprecated logging crate); the "
			"comment carries the configuration to the line.\n\n"
			"How to fix: follow the reason; where the macro is right after all, "
			"`#[allow(clippy::disallowed_macros, reason = \"..\")]`.\n\n"
			"Subset of clippy: derive and attribute macros (`#[derive(Serialize)]`), macros "
			"used inside `macro_rules!` definitions, and macros that reach the file through "
			"`#[macro_use]` in another file are not matched.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = NULL,          /* the paths come from clippy.toml */
	.applies = applies,
};
