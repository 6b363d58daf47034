/* ptr_arg.c — `&Vec<T>`, `&String`, `&PathBuf` parameters (use `&[T]`, `&str`, `&Path`). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The owned type behind the reference and what to borrow instead. */
struct ptr_kind {
	const char *owned;        /* last path segment */
	const char *full;         /* the std path it may be written as */
	const char *borrowed;     /* replacement type (for Vec: a slice of the argument) */
	const char *also;         /* what else callers can then pass */
};

static const struct ptr_kind KINDS[] = {
	{ "Vec", "std::vec::Vec", NULL, "arrays and sub-slices" },
	{ "String", "std::string::String", "str", "string literals and substrings" },
	{ "PathBuf", "std::path::PathBuf", "Path", "borrowed paths such as `Path::new(\"..\")`" },
};

/* --- a local type with the std name ------------------------------------------- */

/* `std::vec::Vec`, or the same item through `alloc::` / `core::` (no_std code). */
static bool same_std_item(const char *full, const char *std_path)
{
	static const char *const crates[] = { "alloc::", "core::" };
	if (strcmp(full, std_path) == 0)
		return true;
	for (size_t i = 0; i < sizeof(crates) / sizeof(crates[0]); i++) {
		size_t n = strlen(crates[i]);
		if (strncmp(full, crates[i], n) == 0 && strcmp(full + n, std_path + 5) == 0)
			return true;
	}
	return false;
}

/* Does `use <tree>` (prefix: the path before it) bring in something called
 * `name` that is not `std_path`? */
static bool use_imports_other(TSNode tree, const char *src, const char *prefix, const char *name,
			      const char *std_path)
{
	char path[160], full[320];

	if (rust_is(tree, RK_USE_AS_CLAUSE)) {
		TSNode alias = rust_child_by_field(tree, RF_ALIAS);
		TSNode orig = rust_child_by_field(tree, RF_PATH);
		if (ts_node_is_null(alias) || !rust_node_text_eq(alias, src, name))
			return false;
		if (ts_node_is_null(orig) || !rust_path_text(orig, src, path, sizeof(path)))
			return true;
		snprintf(full, sizeof(full), "%s%s", prefix, path);
		return !same_std_item(full, std_path);
	}
	if (rust_is(tree, RK_SCOPED_USE_LIST)) {
		TSNode base = rust_child_by_field(tree, RF_PATH);
		TSNode list = rust_child_by_field(tree, RF_LIST);
		char next[320];
		if (ts_node_is_null(list))
			return false;
		if (ts_node_is_null(base))
			snprintf(next, sizeof(next), "%s", prefix);
		else if (rust_path_text(base, src, path, sizeof(path)))
			snprintf(next, sizeof(next), "%s%s::", prefix, path);
		else
			return false;
		return use_imports_other(list, src, next, name, std_path);
	}
	if (rust_is(tree, RK_USE_LIST)) {
		uint32_t n = ts_node_named_child_count(tree);
		for (uint32_t i = 0; i < n; i++)
			if (use_imports_other(ts_node_named_child(tree, i), src, prefix, name, std_path))
				return true;
		return false;
	}
	if (!rust_path_text(tree, src, path, sizeof(path)))
		return false;
	snprintf(full, sizeof(full), "%s%s", prefix, path);
	{
		const char *last = strrchr(full, ':');
		last = last ? last + 1 : full;
		return strcmp(last, name) == 0 && !same_std_item(full, std_path);
	}
}

/*
 * True when the file's top level declares its own type called `name`
 * (struct, enum, union, type alias, trait) or imports another one: then an
 * unqualified `&Vec<T>` is not the std Vec and the fix would not fit.
 */
static bool shadowed_locally(TSNode any, const char *src, const char *name, const char *std_path)
{
	TSNode root = any, up;
	uint32_t n;

	while (!ts_node_is_null(up = ts_node_parent(root)))   /* rare: only before a finding */
		root = up;
	n = ts_node_named_child_count(root);
	for (uint32_t i = 0; i < n; i++) {
		TSNode item = ts_node_named_child(root, i);
		if (rust_is(item, RK_STRUCT_ITEM) || rust_is(item, RK_ENUM_ITEM) ||
		    rust_is(item, RK_UNION_ITEM) || rust_is(item, RK_TYPE_ITEM) ||
		    rust_is(item, RK_TRAIT_ITEM)) {
			TSNode id = rust_child_by_field(item, RF_NAME);
			if (!ts_node_is_null(id) && rust_node_text_eq(id, src, name))
				return true;
		} else if (rust_is(item, RK_USE_DECLARATION)) {
			TSNode arg = rust_child_by_field(item, RF_ARGUMENT);
			if (!ts_node_is_null(arg) && use_imports_other(arg, src, "", name, std_path))
				return true;
		}
	}
	return false;
}

/* Which kind `type` (the referenced type) is, or NULL. For Vec, *elem is its
 * single type argument. */
static const struct ptr_kind *classify(TSNode type, const char *src, TSNode *elem)
{
	TSNode name = type;
	char path[64];

	if (rust_is(type, RK_GENERIC_TYPE)) {
		TSNode args = rust_child_by_field(type, RF_TYPE_ARGUMENTS);
		name = rust_child_by_field(type, RF_TYPE);
		/* Vec<T, A> (a custom allocator) has no slice equivalent to suggest. */
		if (ts_node_is_null(args) || rust_named_arg_count(args) != 1)
			return NULL;
		*elem = ts_node_named_child(args, 0);
		if (rust_is(*elem, RK_LIFETIME) || rust_is(*elem, RK_LINE_COMMENT) ||
		    rust_is(*elem, RK_BLOCK_COMMENT))
			return NULL;
	}
	if (ts_node_is_null(name) || !rust_path_text(name, src, path, sizeof(path)))
		return NULL;
	for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++) {
		bool generic = KINDS[i].borrowed == NULL;
		if (generic != rust_is(type, RK_GENERIC_TYPE))
			continue;
		if (strcmp(path, KINDS[i].owned) == 0 || strcmp(path, KINDS[i].full) == 0)
			return &KINDS[i];
	}
	return NULL;
}

/* "&'a [T]" / "&str" / "&Path": keeps the lifetime, drops the owned type. */
static char *replacement_for(const struct ptr_kind *k, TSNode ref, TSNode elem, const char *src)
{
	TSNode lifetime = rust_child_of_kind(ref, RK_LIFETIME);
	char *lt = ts_node_is_null(lifetime) ? NULL : rust_node_text_dup(lifetime, src);
	char *el = k->borrowed ? NULL : rust_node_text_dup(elem, src);
	char *out = NULL;

	if ((!ts_node_is_null(lifetime) && !lt) || (!k->borrowed && !el))
		goto cleanup;
	if (k->borrowed)
		out = rule_format("&%s%s%s", lt ? lt : "", lt ? " " : "", k->borrowed);
	else
		out = rule_format("&%s%s[%s]", lt ? lt : "", lt ? " " : "", el);
cleanup:
	free(lt);
	free(el);
	return out;
}

/* True when `{name}` or `{name:` appears in the string literal: an inline
 * format argument (`format!("{name}")`). */
static bool inline_format_arg(TSNode lit, const char *src, const char *name, size_t nlen)
{
	const char *p = rust_node_ptr(lit, src), *end = p + rust_node_len(lit);
	for (; p + nlen + 2 <= end; p++)
		if (p[0] == '{' && memcmp(p + 1, name, nlen) == 0 &&
		    (p[nlen + 1] == '}' || p[nlen + 1] == ':'))
			return true;
	return false;
}

/*
 * True when the body hands the parameter itself to a macro: as a bare
 * argument (`format!("{}", s)`, not `s.len()`) or an inline format argument.
 * The macro then borrows the parameter (`&s`), whose type the fix changes;
 * like clippy, stay quiet rather than risk a suggestion that does not fit.
 */
static bool passed_to_macro(TSNode body, const char *src, const char *name)
{
	size_t nlen = strlen(name);
	TSTreeCursor c = ts_tree_cursor_new(body);
	bool found = false, down = true;

	while (!found) {
		TSNode n = ts_tree_cursor_current_node(&c);
		if (down && rust_is(n, RK_TOKEN_TREE)) {
			uint32_t count = ts_node_child_count(n);
			for (uint32_t i = 0; i < count && !found; i++) {
				TSNode t = ts_node_child(n, i), next = ts_node_next_sibling(t);
				if (rust_is(t, RK_IDENTIFIER) && rust_node_len(t) == nlen &&
				    memcmp(rust_node_ptr(t, src), name, nlen) == 0)
					found = ts_node_is_null(next) ||
						!(rust_node_text_eq(next, src, ".") ||
						  rust_node_text_eq(next, src, "(") ||
						  rust_node_text_eq(next, src, "["));
				else if (rust_is(t, RK_STRING_LITERAL) || rust_is(t, RK_RAW_STRING_LITERAL))
					found = inline_format_arg(t, src, name, nlen);
			}
		}
		if (found)
			break;
		if (down && ts_tree_cursor_goto_first_child(&c))
			continue;
		if (ts_tree_cursor_goto_next_sibling(&c)) {
			down = true;
			continue;
		}
		down = false;
		if (!ts_tree_cursor_goto_parent(&c) || ts_node_eq(ts_tree_cursor_current_node(&c), body))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* Parameters the fix should leave alone: `_unused` ones, and ones the body
 * passes to a macro as they are (see passed_to_macro). */
static bool parameter_exempt(struct rule_ctx *ctx, TSNode fn, TSNode param)
{
	TSNode pat = rust_child_by_field(param, RF_PATTERN), body;
	char name[128];

	if (!rust_is(pat, RK_IDENTIFIER) || rust_node_len(pat) >= sizeof(name))
		return false;
	memcpy(name, rust_node_ptr(pat, ctx->src), rust_node_len(pat));
	name[rust_node_len(pat)] = '\0';
	if (name[0] == '_')
		return true;
	body = rust_child_by_field(fn, RF_BODY);
	return !ts_node_is_null(body) && passed_to_macro(body, ctx->src, name);
}

static int check_parameter(struct rule_ctx *ctx, TSNode fn, TSNode param)
{
	TSNode ref = rust_child_by_field(param, RF_TYPE);
	TSNode type, elem = { 0 };
	const struct ptr_kind *k;
	char quoted[96], *repl = NULL, *msg = NULL;
	int rc = RR_ENOMEM;

	/* `&mut Vec<T>` may push or grow: only shared references are safe to narrow. */
	if (!rust_is(ref, RK_REFERENCE_TYPE) ||
	    !ts_node_is_null(rust_child_of_kind(ref, RK_MUTABLE_SPECIFIER)))
		return 0;
	type = rust_child_by_field(ref, RF_TYPE);
	if (ts_node_is_null(type) || !(k = classify(type, ctx->src, &elem)))
		return 0;
	if (parameter_exempt(ctx, fn, param))
		return 0;
	/* An unqualified name the file redefines or imports from elsewhere is not std's. */
	{
		TSNode tn = rust_is(type, RK_GENERIC_TYPE) ? rust_child_by_field(type, RF_TYPE) : type;
		if (rust_is(tn, RK_TYPE_IDENTIFIER) && shadowed_locally(fn, ctx->src, k->owned, k->full))
			return 0;
	}
	if (!(repl = replacement_for(k, ref, elem, ctx->src)))
		goto cleanup;
	rule_quote(ref, ctx->src, quoted, sizeof(quoted));
	msg = rule_format("Parameter type `%s` makes every caller own a `%s` and adds a needless "
			  "indirection. `%s` accepts them through deref coercion, and also "
			  "%s, with the same read-only API. Change the parameter type to `%s`.",
			  quoted, k->owned, repl, k->also, repl);
	if (!msg)
		goto cleanup;
	rc = rule_emit_nodes(ctx, ref, ref, msg, repl);
cleanup:
	free(repl);
	free(msg);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode params;
	uint32_t count;
	int rc;

	if (!rust_is(node, RK_FUNCTION_ITEM) && !rust_is(node, RK_FUNCTION_SIGNATURE_ITEM))
		return 0;
	/* A trait impl must repeat the trait's signature: the fix belongs on the trait. */
	if (scope->trait_impl)
		return 0;
	params = rust_child_by_field(node, RF_PARAMETERS);
	if (ts_node_is_null(params))
		return 0;
	count = ts_node_named_child_count(params);
	for (uint32_t i = 0; i < count; i++) {
		TSNode p = ts_node_named_child(params, i);
		if (rust_is(p, RK_PARAMETER) && (rc = check_parameter(ctx, node, p)) != 0)
			return rc;
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "function_item", "function_signature_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "Vec", "String", "PathBuf", NULL };

const struct rule rule_ptr_arg = {
	.info = {
		.id = "ptr_arg",
		.severity = RR_SEV_WARNING,
		.summary = "`&Vec<T>`, `&String` or `&PathBuf` parameter instead of `&[T]`, `&str`, `&Path`",
		.explanation =
			"What: flags function parameters typed `&Vec<T>`, `&String` or `&PathBuf` "
			"(clippy::ptr_arg) and suggests `&[T]`, `&str` or `&Path` as a machine-applicable "
			"change.\n\n"
			"Why: a shared reference to an owned container can only read, and everything it "
			"can read is on the borrowed type already. Taking `&Vec<T>` forces callers to "
			"build a `Vec` (allocating) even when they hold an array, a slice or part of "
			"another buffer, and every access goes through two pointers. The borrowed types "
			"accept the owned ones through deref coercion, so callers keep compiling.\n\n"
			"How to fix: apply the suggestion. `&PathBuf` becomes `&Path`, which may need "
			"`use std::path::Path;`. Methods only the owned type has for reading "
			"(`capacity()`) are the rare reason to keep it; then allow the lint there.\n\n"
			"Bad:\n    fn total(items: &Vec<Item>, label: &String) -> u64\n"
			"Good:\n    fn total(items: &[Item], label: &str) -> u64\n\n"
			"Scope: `fn` items and trait method declarations; methods in `impl Trait for T` "
			"are skipped (their signature is the trait's), and so is `&mut Vec<T>` (it may "
			"push). Like clippy, a parameter named `_unused`, or one the body hands as it is "
			"to a macro (`format!(\"{}\", s)`, `format!(\"{s}\")`), is left alone; so is an "
			"unqualified `Vec`/`String`/`PathBuf` when the file declares or imports its own "
			"type of that name. Applies everywhere, test helpers included: it is a cheap, mechanical "
			"improvement.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
