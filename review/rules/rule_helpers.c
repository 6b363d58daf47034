/* rule_helpers.c — formatted reports, method-call reports, identifier mentions. */
#include "rule_helpers.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rule_emitf_nodes(struct rule_ctx *ctx, TSNode first, TSNode last, const char *replacement,
		     const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)    /* msg is undefined then: nothing to free */
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, first, last, msg, replacement);
	free(msg);
	return rc;
}

/* What rule_method_calls looks for, handed through rust_tt_method_calls. */
struct method_match {
	struct rule_ctx *ctx;
	const char *method;
	uint32_t nargs;
	const char *message;
};

/* Inside a token tree the argument list is "( .. )": only whether it is
 * empty is known, so nargs 0 wants "( )" and any other nargs a non-empty one. */
static int report_tt_method_call(void *data, TSNode name, TSNode args)
{
	const struct method_match *m = data;

	if (!rust_node_text_eq(name, m->ctx->src, m->method) ||
	    (rust_tt_inner_count(args) == 0) != (m->nargs == 0))
		return 0;
	return rule_emit_nodes(m->ctx, name, args, m->message, NULL);
}

/* --- a method the file defines itself -------------------------------------- */

/* The last segment of a type or path node ("T" of `m::T<U>`) into buf. */
static bool type_name(TSNode t, const char *src, char *buf, size_t cap)
{
	char path[128];
	const char *last;

	while (rust_is(t, RK_REFERENCE_TYPE) || rust_is(t, RK_GENERIC_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (ts_node_is_null(t) || !rust_path_text(t, src, path, sizeof(path)))
		return false;
	last = strrchr(path, ':');
	last = last ? last + 1 : path;
	if (strlen(last) >= cap || !*last)
		return false;
	strcpy(buf, last);
	return true;
}

/* The type an expression visibly constructs: `T::new(..)`, `T { .. }`, the
 * tuple-struct constructor `T(..)` (a capitalised callee, by convention), and
 * `mem::replace(dst, <one of those>)`. */
static bool constructed_type(TSNode e, const char *src, char *buf, size_t cap)
{
	if (rust_is(e, RK_CALL_EXPRESSION)) {
		TSNode fn = rust_child_by_field(e, RF_FUNCTION);
		TSNode args = rust_child_by_field(e, RF_ARGUMENTS);
		char path[64];
		/* `mem::replace(dst, new)` returns a value of new's type. */
		if (rust_is(fn, RK_SCOPED_IDENTIFIER) && rust_path_text(fn, src, path, sizeof(path)) &&
		    (strcmp(path, "mem::replace") == 0 || strcmp(path, "std::mem::replace") == 0 ||
		     strcmp(path, "core::mem::replace") == 0) &&
		    rust_named_arg_count(args) == 2)
			return constructed_type(ts_node_named_child(args, 1), src, buf, cap);
		if (rust_is(fn, RK_SCOPED_IDENTIFIER))
			return type_name(rust_child_by_field(fn, RF_PATH), src, buf, cap);
		if (rust_is(fn, RK_IDENTIFIER) && isupper((unsigned char)*rust_node_ptr(fn, src)) &&
		    rust_node_len(fn) < cap) {
			memcpy(buf, rust_node_ptr(fn, src), rust_node_len(fn));
			buf[rust_node_len(fn)] = '\0';
			return true;
		}
		return false;
	}
	if (rust_is(e, RK_STRUCT_EXPRESSION))
		return type_name(rust_child_by_field(e, RF_NAME), src, buf, cap);
	return false;
}

/* Let-binding searches walk at most this many nodes per file in all: on
 * hostile input (one huge function full of calls) they give up and the calls
 * are reported as usual. Real files that define their own unwrap are small. */
#define BINDING_SEARCH_BUDGET 200000

/* The type of variable `var` as the enclosing fn shows it: a parameter's
 * type, or a `let` before `use_at` with a type or a visible constructor. */
static bool binding_type(TSNode fn, TSNode var, uint32_t use_at, const char *src, char *buf,
			 size_t cap, uint32_t *spent)
{
	TSNode params = rust_child_by_field(fn, RF_PARAMETERS);
	TSTreeCursor c;
	bool found = false;

	for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
		TSNode p = ts_node_named_child(params, i);
		if (rust_is(p, RK_PARAMETER) && rule_same_text(rust_child_by_field(p, RF_PATTERN), var, src))
			return type_name(rust_child_by_field(p, RF_TYPE), src, buf, cap);
	}
	c = ts_tree_cursor_new(fn);
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (*spent >= BINDING_SEARCH_BUDGET) {
			found = false;         /* unknown: report the call */
			break;
		}
		if (ts_node_start_byte(cur) >= use_at)
			break;
		++*spent;
		if (rust_is(cur, RK_LET_DECLARATION)) {
			TSNode pat = rust_child_by_field(cur, RF_PATTERN);
			if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, var, src)) {
				TSNode ty = rust_child_by_field(cur, RF_TYPE);
				found = ts_node_is_null(ty)
					? constructed_type(rust_child_by_field(cur, RF_VALUE), src, buf, cap)
					: type_name(ty, src, buf, cap);
			}
		}
		if (!rust_cursor_next(&c, true))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* Modules nested deeper than this are not searched for impls (bounded work
 * and stack on hostile input). */
#define MOD_DEPTH_MAX 8

/* Does an inherent `impl <type> { fn <method>(..) }` (type NULL: any type)
 * appear under n? */
static bool defines_inherent_method(TSNode n, const char *src, const char *type, const char *method,
				    int depth)
{
	uint32_t count = ts_node_named_child_count(n);
	char name[128];

	for (uint32_t i = 0; i < count; i++) {
		TSNode item = ts_node_named_child(n, i), body;
		if (rust_is(item, RK_MOD_ITEM)) {
			body = rust_child_by_field(item, RF_BODY);
			if (depth < MOD_DEPTH_MAX && !ts_node_is_null(body) &&
			    defines_inherent_method(body, src, type, method, depth + 1))
				return true;
			continue;
		}
		if (!rust_is(item, RK_IMPL_ITEM) || !ts_node_is_null(rust_child_by_field(item, RF_TRAIT)) ||
		    !type_name(rust_child_by_field(item, RF_TYPE), src, name, sizeof(name)) ||
		    (type && strcmp(name, type) != 0) ||
		    ts_node_is_null(body = rust_child_by_field(item, RF_BODY)))
			continue;
		for (uint32_t j = 0; j < ts_node_named_child_count(body); j++) {
			TSNode f = ts_node_named_child(body, j);
			if (rust_is(f, RK_FUNCTION_ITEM) &&
			    rust_node_text_eq(rust_child_by_field(f, RF_NAME), src, method))
				return true;
		}
	}
	return false;
}

/* Whether the file has any inherent `method` at all, once per file. */
static bool file_has_own_method(struct rule_ctx *ctx, const char *method)
{
	int slot = strcmp(method, "unwrap") == 0 ? 0 : strcmp(method, "expect") == 0 ? 1 : -1;
	bool has;

	if (slot < 0 || ts_node_is_null(ctx->root))
		return false;
	if (ctx->own_method[slot] == 0) {
		has = defines_inherent_method(ctx->root, ctx->src, NULL, method, 0);
		ctx->own_method[slot] = has ? 2 : 1;
	}
	return ctx->own_method[slot] == 2;
}

/*
 * True when the tree shows the receiver of `.method()` is a type of this file
 * that defines its own inherent `method` (`Opt::new(..).unwrap()`, a
 * parameter `o: &Opt`, `let o = Opt { .. }`, `self` in `impl Opt`): then it is
 * not Option/Result's. Costs nothing unless the file defines such a method.
 */
static bool receiver_has_own_method(struct rule_ctx *ctx, const struct rust_scope *scope,
				    TSNode call, const char *method)
{
	TSNode recv;
	char type[128];
	bool known = false;

	if (!file_has_own_method(ctx, method))
		return false;
	recv = rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
	if (ts_node_is_null(recv))
		return false;
	if (constructed_type(recv, ctx->src, type, sizeof(type)))
		known = true;
	else if (rust_node_text_eq(recv, ctx->src, "self") && !ts_node_is_null(scope->impl_item))
		known = type_name(rust_child_by_field(scope->impl_item, RF_TYPE), ctx->src, type,
				  sizeof(type));
	else if (rust_is(recv, RK_IDENTIFIER) && !ts_node_is_null(scope->fn_item))
		known = binding_type(scope->fn_item, recv, ts_node_start_byte(call), ctx->src, type,
				     sizeof(type), &ctx->binding_visits);
	return known && defines_inherent_method(ctx->root, ctx->src, type, method, 0);
}

int rule_method_calls(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope,
		      const char *method, uint32_t nargs, const char *message)
{
	TSNode name, args;

	if (rust_method_call(node, &name, &args)) {
		if (rust_node_text_eq(name, ctx->src, method) && rust_named_arg_count(args) == nargs &&
		    !receiver_has_own_method(ctx, scope, node, method))
			return rule_emit_nodes(ctx, name, args, message, NULL);
		return 0;
	}
	if (rust_is(node, RK_TOKEN_TREE)) {
		struct method_match m = { ctx, method, nargs, message };
		return rust_tt_method_calls(node, report_tt_method_call, &m);
	}
	return 0;
}

/* `Option`/`Result` as the path before `::method`, std's by its name. */
static bool option_or_result(TSNode path, const char *src)
{
	static const char *const names[] = { "Option", "Result", "std::option::Option",
					     "std::result::Result", "core::option::Option",
					     "core::result::Result", "option::Option", "result::Result" };
	char buf[64];

	if (rust_node_is(path, "bracketed_type"))       /* <Option<u32>>::unwrap */
		path = ts_node_named_child(path, 0);
	if (rust_is(path, RK_GENERIC_TYPE))            /* Option::<u32>::unwrap */
		path = rust_child_by_field(path, RF_TYPE);
	if (ts_node_is_null(path) || !rust_path_text(path, src, buf, sizeof(buf)))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(buf, names[i]) == 0)
			return true;
	return false;
}

int rule_path_method_calls(struct rule_ctx *ctx, TSNode node, const char *method,
			   uint32_t nargs, const char *message)
{
	TSNode fn, args;

	if (!rust_is(node, RK_CALL_EXPRESSION))
		return 0;
	fn = rust_child_by_field(node, RF_FUNCTION);
	args = rust_child_by_field(node, RF_ARGUMENTS);
	if (!rust_is(fn, RK_SCOPED_IDENTIFIER) || ts_node_is_null(args) ||
	    !rust_node_text_eq(rust_child_by_field(fn, RF_NAME), ctx->src, method) ||
	    rust_named_arg_count(args) != nargs + 1 ||
	    !option_or_result(rust_child_by_field(fn, RF_PATH), ctx->src))
		return 0;
	return rule_emit_nodes(ctx, fn, args, message, NULL);
}

/* --- default values (unwrap_or_default, or_fun_call) ----------------------- */

TSNode rule_peel_blocks(TSNode n)
{
	for (int depth = 0; rust_is(n, RK_BLOCK) && depth < 8; depth++) {
		uint32_t count = ts_node_named_child_count(n), code = 0;
		TSNode only = { 0 };
		for (uint32_t i = 0; i < count; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (rust_is(c, RK_LINE_COMMENT) || rust_is(c, RK_BLOCK_COMMENT))
				continue;
			only = c;
			code++;
		}
		if (code != 1 || rust_is(only, RK_EXPRESSION_STATEMENT) ||
		    rust_is(only, RK_LET_DECLARATION))
			break;
		n = only;
	}
	return n;
}

/* Does the file derive or implement Default for a type named `type`? */
static bool file_has_default_for(const struct rule_ctx *ctx, const char *type, size_t tlen)
{
	uint32_t n = ts_node_named_child_count(ctx->root);
	bool derive_default = false;

	for (uint32_t i = 0; i < n; i++) {
		TSNode item = ts_node_named_child(ctx->root, i), name;
		if (rust_is(item, RK_ATTRIBUTE_ITEM)) {
			const char *p = rust_node_ptr(item, ctx->src);
			uint32_t len = rust_node_len(item);
			derive_default |= memmem(p, len, "derive", 6) && memmem(p, len, "Default", 7);
			continue;
		}
		if (rust_is(item, RK_IMPL_ITEM)) {
			TSNode trait = rust_child_by_field(item, RF_TRAIT);
			name = rust_child_by_field(item, RF_TYPE);
			if (rust_is(name, RK_GENERIC_TYPE))
				name = rust_child_by_field(name, RF_TYPE);
			if (!ts_node_is_null(trait) && rust_node_text_eq(trait, ctx->src, "Default") &&
			    rust_node_len(name) == tlen && memcmp(rust_node_ptr(name, ctx->src), type, tlen) == 0)
				return true;
		} else if (derive_default && (rust_is(item, RK_STRUCT_ITEM) || rust_is(item, RK_ENUM_ITEM))) {
			name = rust_child_by_field(item, RF_NAME);
			if (rust_node_len(name) == tlen && memcmp(rust_node_ptr(name, ctx->src), type, tlen) == 0)
				return true;
		}
		if (!rust_is(item, RK_LINE_COMMENT) && !rust_is(item, RK_BLOCK_COMMENT))
			derive_default = false;
	}
	return false;
}

/* `Default::default`, `T::default`, `<T as Default>::default`, `X::new` with X a
 * type whose `new()` is its default: the callee path of a default value. */
static bool default_path(const struct rule_ctx *ctx, TSNode fn)
{
	static const char *const std_new[] = { "String", "Vec", "VecDeque", "LinkedList", "HashMap",
					       "BTreeMap", "HashSet", "BTreeSet", "BinaryHeap",
					       "PathBuf", "OsString" };
	TSNode name, path;
	char buf[96];
	const char *type;

	if (!rust_is(fn, RK_SCOPED_IDENTIFIER))
		return false;
	name = rust_child_by_field(fn, RF_NAME);
	path = rust_child_by_field(fn, RF_PATH);
	/* `<_>::default`: a type left to inference, which clippy wants certain. */
	if (rust_node_text_eq(name, ctx->src, "default"))
		return !ts_node_is_null(path) && !rust_node_text_eq(path, ctx->src, "<_>");
	if (!rust_node_text_eq(name, ctx->src, "new"))
		return false;
	if (rust_is(path, RK_GENERIC_TYPE))             /* Vec::<u8>::new */
		path = rust_child_by_field(path, RF_TYPE);
	if (ts_node_is_null(path) || !rust_path_text(path, ctx->src, buf, sizeof(buf)))
		return false;
	type = strrchr(buf, ':');
	type = type ? type + 1 : buf;
	for (size_t i = 0; i < sizeof(std_new) / sizeof(std_new[0]); i++)
		if (strcmp(type, std_new[i]) == 0)
			return true;
	return !strchr(buf, ':') && file_has_default_for(ctx, type, strlen(type));
}

/* `|| "".to_string()`. */
static bool closure_returns_empty_string(TSNode n, const char *src)
{
	TSNode params = rust_child_by_field(n, RF_PARAMETERS), body, name, args, recv;

	if (!rust_is(n, RK_CLOSURE_EXPRESSION) || ts_node_named_child_count(params) != 0)
		return false;
	body = rule_peel_blocks(rust_child_by_field(n, RF_BODY));
	if (!rust_method_call(body, &name, &args) || !rust_node_text_eq(name, src, "to_string") ||
	    rust_named_arg_count(args) != 0)
		return false;
	recv = rust_child_by_field(rust_child_by_field(body, RF_FUNCTION), RF_VALUE);
	return rust_node_text_eq(recv, src, "\"\"");
}

bool rule_is_default_value(const struct rule_ctx *ctx, TSNode n, bool call_form)
{
	TSNode args;

	n = rule_peel_blocks(n);
	if (!call_form)
		return default_path(ctx, n) || closure_returns_empty_string(n, ctx->src);
	args = rust_child_by_field(n, RF_ARGUMENTS);
	return rust_is(n, RK_CALL_EXPRESSION) && !ts_node_is_null(args) &&
	       rust_named_arg_count(args) == 0 &&
	       default_path(ctx, rust_child_by_field(n, RF_FUNCTION));
}

bool rule_same_text(TSNode a, TSNode b, const char *src)
{
	return rust_node_len(a) == rust_node_len(b) &&
	       memcmp(rust_node_ptr(a, src), rust_node_ptr(b, src), rust_node_len(a)) == 0;
}

/* `{name}` or `{name:..}` in a string literal of a macro's arguments: an
 * inline format argument, which uses the variable as much as `name` does. */
static bool inline_format_mention(TSNode lit, const char *src, TSNode name)
{
	const char *p = rust_node_ptr(lit, src), *end = p + rust_node_len(lit);
	const char *id = rust_node_ptr(name, src);
	uint32_t n = rust_node_len(name);

	if (!rust_is(ts_node_parent(lit), RK_TOKEN_TREE))
		return false;
	for (; p + n + 2 <= end; p++)
		if (p[0] == '{' && (p == rust_node_ptr(lit, src) || p[-1] != '{') &&
		    memcmp(p + 1, id, n) == 0 && (p[n + 1] == '}' || p[n + 1] == ':'))
			return true;
	return false;
}

uint32_t rule_ident_mentions(TSNode n, const char *src, TSNode name, TSNode *last)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	uint32_t count = 0;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool literal = rust_is(cur, RK_STRING_LITERAL) || rust_is(cur, RK_RAW_STRING_LITERAL);
		if ((rust_is(cur, RK_IDENTIFIER) && rule_same_text(cur, name, src)) ||
		    (literal && inline_format_mention(cur, src, name))) {
			count++;
			if (last)
				*last = cur;
		}
		if (!rust_cursor_next(&c, !literal))
			break;
	}
	ts_tree_cursor_delete(&c);
	return count;
}
