/*
 * ptr_arg.c — `&Vec<T>`, `&String`, `&PathBuf` parameters (use `&[T]`, `&str`,
 * `&Path`), their `&mut` forms when the body needs nothing the owned type
 * alone has, and `&Cow<..>`.
 */
#include "rule_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The owned type behind the reference and what to borrow instead. */
struct ptr_kind {
	const char *owned;        /* last path segment */
	const char *full;         /* the std path it may be written as */
	const char *borrowed;     /* replacement type (NULL for Vec: a slice of its argument) */
	const char *also;         /* what else callers can then pass */
	/* The methods of the borrowed type the body may call on the parameter
	 * (clippy: methods the deref target has); anything else, or a method
	 * the owned type has on its own (push, capacity, as_mut_ptr, ...), keeps
	 * the parameter as it is. */
	const char *const *shared;
	const char *const *mutating;   /* for `&mut`, besides `shared` */
	const char *renamed;      /* a method clippy rewrites along (`as_str`): no fix then */
};

static const char *const SLICE_METHODS[] = {
	"len", "is_empty", "iter", "first", "last", "get", "contains", "starts_with",
	"ends_with", "to_vec", "split_first", "split_last", "windows", "chunks", "chunks_exact",
	"rchunks", "binary_search", "binary_search_by", "binary_search_by_key", "as_ptr",
	"split_at", "is_sorted", "repeat", "is_ascii", "escape_ascii", "join", "concat",
	"partition_point", "clone", NULL
};
static const char *const SLICE_MUT_METHODS[] = {
	"iter_mut", "sort", "sort_unstable", "sort_by", "sort_by_key", "sort_unstable_by",
	"sort_unstable_by_key", "reverse", "swap", "fill", "fill_with", "rotate_left",
	"rotate_right", "get_mut", "first_mut", "last_mut", "split_at_mut", "chunks_mut",
	"copy_from_slice", "clone_from_slice", "make_ascii_uppercase", "make_ascii_lowercase",
	NULL
};
static const char *const STR_METHODS[] = {
	"len", "is_empty", "chars", "bytes", "char_indices", "lines", "split", "rsplit",
	"split_whitespace", "splitn", "rsplitn", "split_once", "rsplit_once", "split_terminator",
	"trim", "trim_start", "trim_end", "trim_matches", "trim_start_matches",
	"trim_end_matches", "starts_with", "ends_with", "contains", "find", "rfind", "matches",
	"match_indices", "replace", "replacen", "to_uppercase", "to_lowercase",
	"to_ascii_uppercase", "to_ascii_lowercase", "parse", "get", "is_char_boundary",
	"strip_prefix", "strip_suffix", "eq_ignore_ascii_case", "repeat", "as_ptr",
	"escape_debug", "escape_default", "is_ascii", "split_at", "encode_utf16", "as_str",
	"clone", NULL
};
static const char *const STR_MUT_METHODS[] = {
	"make_ascii_uppercase", "make_ascii_lowercase", "get_mut", NULL
};
static const char *const PATH_METHODS[] = {
	"exists", "try_exists", "is_file", "is_dir", "is_symlink", "file_name", "extension",
	"file_stem", "parent", "join", "display", "to_path_buf", "to_str", "to_string_lossy",
	"components", "iter", "starts_with", "ends_with", "with_extension", "with_file_name",
	"metadata", "symlink_metadata", "canonicalize", "read_dir", "read_link", "as_os_str",
	"strip_prefix", "has_root", "is_absolute", "is_relative", "ancestors", "as_path",
	"clone", NULL
};
static const char *const PATH_MUT_METHODS[] = { "as_mut_os_str", NULL };

static const struct ptr_kind KINDS[] = {
	{ "Vec", "std::vec::Vec", NULL, "arrays and sub-slices", SLICE_METHODS,
	  SLICE_MUT_METHODS, NULL },
	{ "String", "std::string::String", "str", "string literals and substrings", STR_METHODS,
	  STR_MUT_METHODS, "as_str" },
	{ "PathBuf", "std::path::PathBuf", "Path", "borrowed paths such as `Path::new(\"..\")`",
	  PATH_METHODS, PATH_MUT_METHODS, "as_path" },
};

/* `&Cow<..>`: a reference to a clone-on-write value. */
static const struct ptr_kind COW = { "Cow", "std::borrow::Cow", NULL, NULL, NULL, NULL, NULL };

static bool in_list(const char *const *list, TSNode name, const char *src)
{
	for (; list && *list; list++)
		if (rust_node_text_eq(name, src, *list))
			return true;
	return false;
}

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
static bool shadowed_locally(TSNode root, const char *src, const char *name, const char *std_path)
{
	/* A cursor, not ts_node_named_child(root, i): that walks the children
	 * from the first each time, quadratic in a file's items (45 M
	 * instructions of a ripgrep check). */
	TSTreeCursor c = ts_tree_cursor_new(root);
	bool found = false;

	for (bool more = ts_tree_cursor_goto_first_child(&c); more && !found;
	     more = ts_tree_cursor_goto_next_sibling(&c)) {
		TSNode item = ts_tree_cursor_current_node(&c);
		if (!ts_node_is_named(item))
			continue;
		if (rust_is(item, RK_STRUCT_ITEM) || rust_is(item, RK_ENUM_ITEM) ||
		    rust_is(item, RK_UNION_ITEM) || rust_is(item, RK_TYPE_ITEM) ||
		    rust_is(item, RK_TRAIT_ITEM)) {
			TSNode id = rust_child_by_field(item, RF_NAME);
			found = !ts_node_is_null(id) && rust_node_text_eq(id, src, name);
		} else if (rust_is(item, RK_USE_DECLARATION)) {
			TSNode arg = rust_child_by_field(item, RF_ARGUMENT);
			found = !ts_node_is_null(arg) && use_imports_other(arg, src, "", name, std_path);
		}
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* --- the parameter's type ------------------------------------------------------ */

/* The type argument of `Name<A>` (after lifetimes, which Cow has), or null. */
static TSNode only_type_arg(TSNode type)
{
	TSNode args = rust_child_by_field(type, RF_TYPE_ARGUMENTS), found = { 0 };
	uint32_t n = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);

	for (uint32_t i = 0; i < n; i++) {
		TSNode a = ts_node_named_child(args, i);
		if (rust_is(a, RK_LIFETIME) || rust_is(a, RK_LINE_COMMENT) ||
		    rust_is(a, RK_BLOCK_COMMENT))
			continue;
		if (!ts_node_is_null(found))
			return (TSNode){ 0 };    /* Vec<T, A>: no slice equivalent to suggest */
		found = a;
	}
	return found;
}

/* Which kind `type` (the referenced type) is, or NULL. *elem is Vec's item
 * type or Cow's borrowed type. */
static const struct ptr_kind *classify(TSNode type, const char *src, TSNode *elem)
{
	TSNode name = type;
	char path[64];
	bool generic = rust_is(type, RK_GENERIC_TYPE);

	if (generic) {
		name = rust_child_by_field(type, RF_TYPE);
		if (ts_node_is_null(*elem = only_type_arg(type)))
			return NULL;
	}
	if (ts_node_is_null(name) || !rust_path_text(name, src, path, sizeof(path)))
		return NULL;
	if (generic && (strcmp(path, COW.owned) == 0 || strcmp(path, COW.full) == 0))
		return &COW;
	for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++) {
		if (generic != (KINDS[i].borrowed == NULL))
			continue;
		if (strcmp(path, KINDS[i].owned) == 0 || strcmp(path, KINDS[i].full) == 0)
			return &KINDS[i];
	}
	return NULL;
}

/* "&'a [T]", "&mut str", "&Path", "&T" for &Cow<T>: keeps the lifetime and `mut`. */
static char *replacement_for(const struct ptr_kind *k, TSNode ref, TSNode elem, bool mut,
			     const char *src)
{
	TSNode lifetime = rust_child_of_kind(ref, RK_LIFETIME);
	char *lt = ts_node_is_null(lifetime) ? NULL : rust_node_text_dup(lifetime, src);
	char *el = k->borrowed ? NULL : rust_node_text_dup(elem, src);
	char *out = NULL;

	if ((!ts_node_is_null(lifetime) && !lt) || (!k->borrowed && !el))
		goto cleanup;
	out = rule_format(k == &COW || k->borrowed ? "&%s%s%s%s" : "&%s%s%s[%s]", lt ? lt : "",
			  lt ? " " : "", mut ? "mut " : "", k->borrowed ? k->borrowed : el);
cleanup:
	free(lt);
	free(el);
	return out;
}

/* --- how the body uses the parameter ------------------------------------------- */

struct usage {
	const char *src;
	const char *name;
	size_t nlen;
	const struct ptr_kind *kind;
	bool mut;
	TSNode root;
	bool keep;        /* a use the borrowed type cannot serve: leave the parameter alone */
	bool no_fix;      /* a use clippy rewrites along (`clone`, `as_str`): report, no fix */
};

static bool is_name(const struct usage *u, TSNode n)
{
	return rust_is(n, RK_IDENTIFIER) && rust_node_len(n) == u->nlen &&
	       memcmp(rust_node_ptr(n, u->src), u->name, u->nlen) == 0;
}

/* `.method(..)` called on the parameter: fine when the borrowed type has it. */
static void method_use(struct usage *u, TSNode method)
{
	if (in_list(u->kind->shared, method, u->src) ||
	    (u->mut && in_list(u->kind->mutating, method, u->src))) {
		if (rust_node_text_eq(method, u->src, "clone") ||
		    (u->kind->renamed && rust_node_text_eq(method, u->src, u->kind->renamed)))
			u->no_fix = true;
		return;
	}
	u->keep = true;
}

/* True when the parameter type node `t` is what a borrowed argument coerces
 * to: `&[T]`, `&str`, `&Path` (`&mut` ones for a `&mut` parameter too). */
static bool takes_borrowed(const struct usage *u, TSNode t)
{
	TSNode inner;
	char path[48];

	if (!rust_is(t, RK_REFERENCE_TYPE))
		return false;
	if (!ts_node_is_null(rust_child_of_kind(t, RK_MUTABLE_SPECIFIER)) && !u->mut)
		return false;
	inner = rust_child_by_field(t, RF_TYPE);
	if (!u->kind->borrowed)          /* `[T]`: the grammar's array type without a length */
		return rust_is(inner, RK_ARRAY_TYPE) &&
		       ts_node_is_null(rust_child_by_field(inner, RF_LENGTH));
	if (!rust_path_text(inner, u->src, path, sizeof(path)))
		return false;
	return strcmp(path, u->kind->borrowed) == 0 ||
	       (strcmp(u->kind->borrowed, "Path") == 0 && strcmp(path, "std::path::Path") == 0);
}

/* The one fn of this file named like callee whose parameter `index` (named
 * children of its parameter list, self included) takes the borrowed type. */
static bool file_fn_takes_borrowed(const struct usage *u, TSNode callee, uint32_t index,
				   bool method)
{
	TSTreeCursor c = ts_tree_cursor_new(u->root);
	uint32_t found = 0;
	bool ok = false;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool fn = rust_is(cur, RK_FUNCTION_ITEM) || rust_is(cur, RK_FUNCTION_SIGNATURE_ITEM);
		if (fn && rule_same_text(rust_child_by_field(cur, RF_NAME), callee, u->src)) {
			TSNode params = rust_child_by_field(cur, RF_PARAMETERS), p;
			bool has_self = !ts_node_is_null(params) && ts_node_named_child_count(params) &&
					rust_node_is(ts_node_named_child(params, 0), "self_parameter");
			uint32_t at = index + (method ? 1 : 0);
			found++;
			p = !ts_node_is_null(params) && at < ts_node_named_child_count(params)
				    ? ts_node_named_child(params, at) : (TSNode){ 0 };
			ok = method == has_self && rust_is(p, RK_PARAMETER) &&
			     takes_borrowed(u, rust_child_by_field(p, RF_TYPE));
		}
		if (found > 1 || !rust_cursor_next(&c, !fn && !rust_is(cur, RK_TOKEN_TREE)))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found == 1 && ok;
}

/* Position of arg among the arguments' named children (comments skipped). */
static uint32_t arg_index(TSNode args, TSNode arg)
{
	uint32_t n = ts_node_named_child_count(args), k = 0;
	for (uint32_t i = 0; i < n; i++) {
		TSNode a = ts_node_named_child(args, i);
		if (ts_node_eq(a, arg))
			return k;
		if (!rust_is(a, RK_LINE_COMMENT) && !rust_is(a, RK_BLOCK_COMMENT))
			k++;
	}
	return k;
}

/* The parameter passed on as it is: fine when the callee, a fn of this file,
 * takes the borrowed type there (deref coercion), else kept as clippy does
 * for a callee that wants the owned type or is generic. */
static void argument_use(struct usage *u, TSNode mention, TSNode args)
{
	TSNode call = ts_node_parent(args), fn = rust_child_by_field(call, RF_FUNCTION), name;
	uint32_t k = arg_index(args, mention);
	bool method = false;

	if (rust_is(fn, RK_FIELD_EXPRESSION)) {
		name = rust_child_by_field(fn, RF_FIELD);
		method = true;
	} else if (rust_is(fn, RK_SCOPED_IDENTIFIER)) {
		name = rust_child_by_field(fn, RF_NAME);
	} else {
		name = fn;
	}
	if (!rust_is(call, RK_CALL_EXPRESSION) || ts_node_is_null(name) ||
	    !file_fn_takes_borrowed(u, name, k, method))
		u->keep = true;
}

/* A mention in a macro's token tree: `p.method(..)` and `p[..]` read through
 * the borrow; the bare name is handed to the macro (often as `&p`): kept. */
static void token_use(struct usage *u, TSNode mention)
{
	TSNode next = rust_next_sibling(mention), method, call;

	if (rust_is(next, RK_TOKEN_TREE) && rust_is(ts_node_child(next, 0), RK_LBRACKET))
		return;
	if (rust_is(next, RK_DOT) && rust_is(method = rust_next_sibling(next), RK_IDENTIFIER) &&
	    rust_is(call = rust_next_sibling(method), RK_TOKEN_TREE) &&
	    rust_is(ts_node_child(call, 0), RK_LPAREN)) {
		method_use(u, method);
		return;
	}
	u->keep = true;
}

/* `{name}` or `{name:` in a string literal: an inline format argument. */
static bool inline_format_arg(const struct usage *u, TSNode lit)
{
	const char *p = rust_node_ptr(lit, u->src), *end = p + rust_node_len(lit);
	for (; p + u->nlen + 2 <= end; p++)
		if (p[0] == '{' && memcmp(p + 1, u->name, u->nlen) == 0 &&
		    (p[u->nlen + 1] == '}' || p[u->nlen + 1] == ':'))
			return true;
	return false;
}

/* One mention of the parameter's name in the body. */
static void mention_use(struct usage *u, TSNode n)
{
	TSNode parent = ts_node_parent(n), up;

	if (rust_is(parent, RK_TOKEN_TREE)) {
		token_use(u, n);
		return;
	}
	if (rust_is(parent, RK_FIELD_EXPRESSION) &&
	    ts_node_eq(rust_child_by_field(parent, RF_VALUE), n)) {
		up = ts_node_parent(parent);
		if (rust_is(up, RK_GENERIC_FUNCTION))        /* p.parse::<T>() */
			up = ts_node_parent(up);
		if (rust_is(up, RK_CALL_EXPRESSION))
			method_use(u, rust_child_by_field(parent, RF_FIELD));
		else
			u->keep = true;
		return;
	}
	if (rust_node_is(parent, "index_expression") &&
	    ts_node_eq(ts_node_named_child(parent, 0), n))
		return;
	if (rust_is(parent, RK_ARGUMENTS)) {
		argument_use(u, n, parent);
		return;
	}
	u->keep = true;
}

/* Walks the body (not nested fns, which cannot see the parameter). */
static void scan_body(struct usage *u, TSNode body)
{
	TSTreeCursor c = ts_tree_cursor_new(body);

	while (!u->keep) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool descend = !rust_is(cur, RK_FUNCTION_ITEM) && !rust_is(cur, RK_MACRO_DEFINITION);
		if (is_name(u, cur))
			mention_use(u, cur);
		else if ((rust_is(cur, RK_STRING_LITERAL) || rust_is(cur, RK_RAW_STRING_LITERAL)) &&
			 rust_is(ts_node_parent(cur), RK_TOKEN_TREE) && inline_format_arg(u, cur))
			u->keep = true;
		if (!rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
}

/* --- the check --------------------------------------------------------------- */

static int report(struct rule_ctx *ctx, const struct ptr_kind *k, TSNode ref, const char *repl,
		  bool fix)
{
	char quoted[96], *msg;
	int rc;

	rule_quote(ref, ctx->src, quoted, sizeof(quoted));
	if (k == &COW)
		msg = rule_format("Parameter type `%s` is a reference to a `Cow`: the callee can "
				  "only read through it, so whether the value is borrowed or owned "
				  "does not matter to it, and callers holding a plain reference must "
				  "wrap it first. Take `%s` instead.",
				  quoted, repl);
	else
		msg = rule_format("Parameter type `%s` makes every caller own a `%s` and adds a "
				  "needless indirection. `%s` accepts them through deref coercion and "
				  "also takes %s; the body needs nothing more. Change the parameter "
				  "type to `%s`%s.",
				  quoted, k->owned, repl, k->also, repl,
				  fix ? "" : " (and `.clone()` to `.to_owned()`, `.as_str()`/"
					     "`.as_path()` to the parameter itself)");
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, ref, ref, msg, fix ? repl : NULL);
	free(msg);
	return rc;
}

/* The fn whose parameter list holds param, or a null node (closure parameters). */
static TSNode owning_fn(TSNode param)
{
	TSNode list = ts_node_parent(param), fn = ts_node_parent(list);
	if (rust_node_is(list, "parameters") &&
	    (rust_is(fn, RK_FUNCTION_ITEM) || rust_is(fn, RK_FUNCTION_SIGNATURE_ITEM)))
		return fn;
	return (TSNode){ 0 };
}

/* A method of `impl Trait for T`: its signature is the trait's to change. */
static bool in_trait_impl(TSNode fn)
{
	TSNode list = ts_node_parent(fn), impl = ts_node_parent(list);
	return rust_is(list, RK_DECLARATION_LIST) && rust_is(impl, RK_IMPL_ITEM) &&
	       !ts_node_is_null(rust_child_by_field(impl, RF_TRAIT));
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode ref = rust_child_by_field(node, RF_TYPE), pat, type, tn, fn, body, elem = { 0 };
	const struct ptr_kind *k;
	struct usage u;
	char *repl;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_PARAMETER) || !rust_is(ref, RK_REFERENCE_TYPE))
		return 0;
	type = rust_child_by_field(ref, RF_TYPE);
	if (ts_node_is_null(type) || !(k = classify(type, ctx->src, &elem)))
		return 0;
	memset(&u, 0, sizeof(u));
	u.mut = !ts_node_is_null(rust_child_of_kind(ref, RK_MUTABLE_SPECIFIER));
	/* `&mut Cow` may turn the value into its owned form (to_mut): clippy keeps it. */
	if ((k == &COW && u.mut) || ts_node_is_null(fn = owning_fn(node)) || in_trait_impl(fn))
		return 0;
	/* An unqualified name the file redefines or imports from elsewhere is not std's. */
	tn = rust_is(type, RK_GENERIC_TYPE) ? rust_child_by_field(type, RF_TYPE) : type;
	if (rust_is(tn, RK_TYPE_IDENTIFIER) && shadowed_locally(ctx->root, ctx->src, k->owned, k->full))
		return 0;
	pat = rust_child_by_field(node, RF_PATTERN);
	body = rust_child_by_field(fn, RF_BODY);
	/* A trait's required method: no body to show a `&mut` is not grown (clippy too). */
	if (u.mut && ts_node_is_null(body))
		return 0;
	if (k != &COW) {
		/* Like clippy: `_unused` parameters are left alone, and so is one
		 * the body needs as the owned type. */
		if (!rust_is(pat, RK_IDENTIFIER) || *rust_node_ptr(pat, ctx->src) == '_')
			return 0;
		u.src = ctx->src;
		u.name = rust_node_ptr(pat, ctx->src);
		u.nlen = rust_node_len(pat);
		u.kind = k;
		u.root = ctx->root;
		if (!ts_node_is_null(body))
			scan_body(&u, body);
		if (u.keep)
			return 0;
	}
	if (!(repl = replacement_for(k, ref, elem, u.mut, ctx->src)))
		return RR_ENOMEM;
	rc = report(ctx, k, ref, repl, !u.no_fix);
	free(repl);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "parameter", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "Vec", "String", "PathBuf", "Cow", NULL };

const struct rule rule_ptr_arg = {
	.info = {
		.id = "ptr_arg",
		.severity = RR_SEV_WARNING,
		.summary = "`&Vec<T>`, `&String`, `&PathBuf` or `&Cow<..>` parameter instead of `&[T]`, `&str`, `&Path`, `&T`",
		.explanation =
			"What: flags function parameters typed `&Vec<T>`, `&String` or `&PathBuf`, "
			"their `&mut` forms, and `&Cow<'_, T>` (clippy::ptr_arg), and suggests `&[T]`, "
			"`&str`, `&Path` (`&mut [T]`, `&mut str`, `&mut Path`) or `&T` as a "
			"machine-applicable change.\n\n"
			"Why: a reference to an owned container can only use what the borrowed type "
			"offers unless it grows or shrinks it. Taking `&Vec<T>` forces callers to build a "
			"`Vec` (allocating) even when they hold an array, a slice or part of another "
			"buffer, and every access goes through two pointers. The borrowed types accept "
			"the owned ones through deref coercion, so callers keep compiling. A `&Cow` "
			"gives the callee nothing a plain reference would not.\n\n"
			"How to fix: apply the suggestion. `&PathBuf` becomes `&Path`, which may need "
			"`use std::path::Path;`.\n\n"
			"Bad:\n    fn total(items: &Vec<Item>, label: &String) -> u64\n"
			"Good:\n    fn total(items: &[Item], label: &str) -> u64\n\n"
			"Like clippy, a `Vec`/`String`/`PathBuf` parameter is left alone when the body "
			"uses it as the owned type: a method only the owned type has (`push`, "
			"`capacity`, `clear`, `as_mut_ptr`, `to_owned`, `to_string`, `into_iter`, ...), "
			"or passes it on as it is (to a fn that wants the owned type, to a generic, to "
			"a macro, by `&p`, `*p`, `p == q`, returning it). Also skipped: `_unused` "
			"parameters, `&mut Cow`, methods in `impl Trait for T` (their signature is the "
			"trait's), and an unqualified `Vec`/`String`/`PathBuf`/`Cow` when the file "
			"declares or imports its own type of that name. Where the body calls `.clone()` "
			"or `.as_str()` on the parameter the comment has no suggested change: those "
			"calls change too.\n\n"
			"Subset of clippy: without types, a parameter passed to a fn of another file, "
			"to a method, or bound to another name (`let w = p;`) is left alone, though "
			"clippy reports it when that callee takes the borrowed type.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
