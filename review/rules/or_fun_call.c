/* or_fun_call.c — `.unwrap_or(f())` and friends evaluate the fallback even when unused. */
#include "rule_helpers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

/* Methods that take an eagerly evaluated fallback, and their lazy forms. */
struct eager {
	const char *name;
	const char *lazy;
	uint32_t nargs;
	bool certain;     /* the lazy form's closure takes the same arguments on every receiver */
	const char *params;   /* the closure's parameters when certain: "" or "_" */
};

static const struct eager EAGER[] = {
	{ "unwrap_or", "unwrap_or_else", 1, false, NULL },   /* Result's closure takes the error */
	{ "or", "or_else", 1, false, NULL },
	{ "map_or", "map_or_else", 2, false, NULL },
	{ "ok_or", "ok_or_else", 1, true, "" },              /* Option only */
	{ "or_insert", "or_insert_with", 1, true, "" },      /* the Entry API */
	{ "get_or_insert", "get_or_insert_with", 1, true, "" },   /* Option only */
	{ "and", "and_then", 1, true, "_" },                 /* takes the value on both */
};

/* --- what clippy calls eager --------------------------------------------------- */

static bool is_upper_ident(TSNode n, const char *src)
{
	return rust_is(n, RK_IDENTIFIER) && isupper((unsigned char)*rust_node_ptr(n, src));
}

/* `Some`, `Ok`, `Foo::Bar`, `Point`: a tuple struct or variant constructor. */
static bool is_constructor(TSNode fn, const char *src)
{
	TSNode last = rust_is(fn, RK_SCOPED_IDENTIFIER) ? rust_child_by_field(fn, RF_NAME) : fn;
	return is_upper_ident(last, src);
}

/* std associated fns that are `const fn`: with constant arguments, the call
 * is evaluated at compile time and costs nothing (clippy leaves it). */
static bool std_const_fn(const char *path)
{
	static const char *const fns[] = {
		"String::new", "Vec::new", "VecDeque::new", "BTreeMap::new", "BTreeSet::new",
		"LinkedList::new", "Duration::new", "Duration::from_secs", "Duration::from_millis",
		"Duration::from_micros", "Duration::from_nanos", "Cell::new", "RefCell::new",
		"Mutex::new", "RwLock::new", "Condvar::new", "AtomicBool::new", "AtomicUsize::new",
		"AtomicU64::new", "AtomicU32::new", "AtomicI64::new", "AtomicI32::new",
		"NonZeroUsize::new", "NonZeroU32::new", "NonZeroU64::new", "PhantomData::default",
	};
	static const char *const prims[] = { "u8", "u16", "u32", "u64", "u128", "usize", "i8",
					     "i16", "i32", "i64", "i128", "isize", "char" };
	const char *last = strrchr(path, ':'), *type;
	size_t tlen;

	if (!last || last == path)
		return false;
	/* The type is the segment before the last one. */
	for (type = last - 1; type > path && type[-1] != ':'; type--)
		;
	tlen = (size_t)(last - 1 - type);
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		size_t n = strlen(fns[i]);
		if (strlen(type) == n && memcmp(type, fns[i], n) == 0)
			return true;
	}
	/* u32::pow, i64::from_le_bytes, u8::max_value ...: const, except the From family. */
	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
		if (tlen == strlen(prims[i]) && memcmp(type, prims[i], tlen) == 0)
			return strncmp(last + 1, "from", 4) != 0 && strncmp(last + 1, "try_from", 8) != 0;
	return false;
}

/* A `const fn` of this file (free, or in an impl or module) named `name`. */
static bool file_const_fn(TSNode list, TSNode name, const char *src, int depth)
{
	uint32_t n = ts_node_named_child_count(list);

	for (uint32_t i = 0; i < n && depth < 4; i++) {
		TSNode item = ts_node_named_child(list, i), body;
		if (rust_is(item, RK_FUNCTION_ITEM)) {
			TSNode mods = rust_child_of_kind(item, RK_FUNCTION_MODIFIERS);
			if (rule_same_text(rust_child_by_field(item, RF_NAME), name, src) &&
			    !ts_node_is_null(rust_child_of_kind(mods, RK_KW_CONST)))
				return true;
		} else if ((rust_is(item, RK_IMPL_ITEM) || rust_is(item, RK_MOD_ITEM)) &&
			   !ts_node_is_null(body = rust_child_by_field(item, RF_BODY)) &&
			   file_const_fn(body, name, src, depth + 1)) {
			return true;
		}
	}
	return false;
}

static bool const_evaluatable(const struct rule_ctx *ctx, TSNode n, int depth);

/* A call of a const fn whose arguments are all constants. */
static bool const_call(const struct rule_ctx *ctx, TSNode call, int depth)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION), args = rust_child_by_field(call, RF_ARGUMENTS);
	TSNode last = rust_is(fn, RK_SCOPED_IDENTIFIER) ? rust_child_by_field(fn, RF_NAME) : fn;
	char path[96];
	uint32_t n;

	if (rust_is(fn, RK_GENERIC_FUNCTION))
		return false;
	if (ts_node_is_null(args) || !(rust_is(fn, RK_IDENTIFIER) || rust_is(fn, RK_SCOPED_IDENTIFIER)) ||
	    !rust_path_text(fn, ctx->src, path, sizeof(path)))
		return false;
	if (!std_const_fn(path) && !file_const_fn(ctx->root, last, ctx->src, 0))
		return false;
	n = ts_node_named_child_count(args);
	for (uint32_t i = 0; i < n; i++)
		if (!const_evaluatable(ctx, ts_node_named_child(args, i), depth + 1))
			return false;
	return true;
}

/* Literals, constants (`MAX`, `u32::MAX`), and operators and const calls over them. */
static bool const_evaluatable(const struct rule_ctx *ctx, TSNode n, int depth)
{
	enum rust_kind k = rust_node_kind(n);

	if (depth > MAX_DEPTH)
		return false;
	switch (k) {
	case RK_INTEGER_LITERAL: case RK_FLOAT_LITERAL: case RK_BOOLEAN_LITERAL:
	case RK_CHAR_LITERAL: case RK_STRING_LITERAL: case RK_RAW_STRING_LITERAL:
	case RK_LINE_COMMENT: case RK_BLOCK_COMMENT:
		return true;
	case RK_IDENTIFIER:
		return is_upper_ident(n, ctx->src);       /* SCREAMING_CASE constant */
	case RK_SCOPED_IDENTIFIER:
		return is_upper_ident(rust_child_by_field(n, RF_NAME), ctx->src);
	case RK_CALL_EXPRESSION:
		return const_call(ctx, n, depth);
	case RK_BINARY_EXPRESSION: case RK_PARENTHESIZED_EXPRESSION: case RK_REFERENCE_EXPRESSION: {
		uint32_t c = ts_node_named_child_count(n);
		for (uint32_t i = 0; i < c; i++)
			if (!const_evaluatable(ctx, ts_node_named_child(n, i), depth + 1))
				return false;
		return true;
	}
	default:
		return rust_node_is(n, "unary_expression") &&
		       const_evaluatable(ctx, ts_node_named_child(n, 0), depth + 1);
	}
}

/* A method clippy considers cheap: `len`, `is_empty`, `as_*` (its Eager
 * or NoChange); every other method call may be work. */
static bool cheap_method(TSNode name, const char *src)
{
	return rust_node_text_eq(name, src, "len") || rust_node_text_eq(name, src, "is_empty") ||
	       (rust_node_len(name) > 3 && memcmp(rust_node_ptr(name, src), "as_", 3) == 0);
}

/* Code that cannot be moved into a closure: `?`, `return`, `break`, `.await`. */
static bool cannot_defer(TSNode n)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	bool found = false;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		if (rust_is(cur, RK_TRY_EXPRESSION) || rust_is(cur, RK_AWAIT_EXPRESSION) ||
		    rust_node_is(cur, "return_expression") || rust_node_is(cur, "break_expression") ||
		    rust_node_is(cur, "continue_expression") || rust_node_is(cur, "yield_expression")) {
			found = true;
			break;
		}
		if (!rust_cursor_next(&c, !rust_is(cur, RK_CLOSURE_EXPRESSION)))
			break;
	}
	ts_tree_cursor_delete(&c);
	return found;
}

/* `m[&k]`, `m["k"]`: indexing by a reference runs the container's lookup
 * (clippy: Lazy); `v[i]` by a copied integer does not. */
static bool lookup_index(TSNode index_expr)
{
	TSNode idx = ts_node_named_child(index_expr, 1);
	return rust_is(idx, RK_REFERENCE_EXPRESSION) || rust_is(idx, RK_STRING_LITERAL);
}

/*
 * The first node in arg (not inside closures) that does work clippy wants
 * deferred: a call that is neither a constructor nor a const fn on constants,
 * a method other than len/is_empty/as_*, `format!` or a non-empty `vec![..]`,
 * a lookup by reference. Null when there is none.
 */
static TSNode first_work(const struct rule_ctx *ctx, TSNode n, int depth)
{
	enum rust_kind k = rust_node_kind(n);
	TSNode name, args, hit;
	uint32_t count;

	if (depth > MAX_DEPTH || k == RK_CLOSURE_EXPRESSION)
		return (TSNode){ 0 };
	if (k == RK_MACRO_INVOCATION) {
		TSNode mac = rust_child_by_field(n, RF_MACRO), tt = rust_child_of_kind(n, RK_TOKEN_TREE);
		if (rust_node_text_eq(mac, ctx->src, "format") ||
		    (rust_node_text_eq(mac, ctx->src, "vec") && rust_tt_inner_count(tt) > 0))
			return n;
		return (TSNode){ 0 };
	}
	if (k == RK_CALL_EXPRESSION) {
		if (rust_method_call(n, &name, &args)) {
			if (!cheap_method(name, ctx->src))
				return n;
		} else {
			TSNode fn = rust_child_by_field(n, RF_FUNCTION);
			if (!is_constructor(fn, ctx->src) && !const_call(ctx, n, 0))
				return n;
		}
	} else if (rust_node_is(n, "index_expression") && lookup_index(n)) {
		return n;
	}
	count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++) {
		hit = first_work(ctx, ts_node_named_child(n, i), depth + 1);
		if (!ts_node_is_null(hit))
			return hit;
	}
	return (TSNode){ 0 };
}

/* --- the report ------------------------------------------------------------ */

/* `f()` of a path (the whole fallback): the lazy form can take `f` itself. */
static bool bare_path_call(TSNode n)
{
	TSNode fn = rust_child_by_field(n, RF_FUNCTION), args = rust_child_by_field(n, RF_ARGUMENTS);
	return rust_is(n, RK_CALL_EXPRESSION) && !ts_node_is_null(args) &&
	       rust_named_arg_count(args) == 0 &&
	       (rust_is(fn, RK_IDENTIFIER) || rust_is(fn, RK_SCOPED_IDENTIFIER));
}

static int report(struct rule_ctx *ctx, const struct eager *e, TSNode name, TSNode args,
		  TSNode fallback)
{
	char quoted[64], *repl = NULL, *text;
	int rc = RR_ENOMEM;

	rule_quote(fallback, ctx->src, quoted, sizeof(quoted));
	if (e->certain) {
		/* map_or's second argument stays; the others have one. */
		bool bare = bare_path_call(fallback) && e->params[0] == '\0';
		TSNode what = bare ? rust_child_by_field(fallback, RF_FUNCTION) : fallback;
		if (!(text = rust_node_text_dup(what, ctx->src)))
			return RR_ENOMEM;
		repl = bare ? rule_format("%s(%s)", e->lazy, text)
			    : rule_format("%s(|%s| %s)", e->lazy, e->params, text);
		free(text);
		if (!repl)
			return RR_ENOMEM;
	}
	rc = rule_emitf_nodes(ctx, name, args, repl,
			      "`%s` is evaluated before `.%s(..)` is called, even when the fallback "
			      "is not used. On the common path that is wasted work (often an "
			      "allocation or a lookup). Use `.%s(%s ..)` so it only runs when needed.",
			      quoted, e->name, e->lazy,
			      e->certain ? (e->params[0] ? "|_|" : "||") : "|| (or `|_|` for a Result)");
	free(repl);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args, fallback;

	(void)scope;
	if (!rust_method_call(node, &name, &args))
		return 0;
	for (size_t i = 0; i < sizeof(EAGER) / sizeof(EAGER[0]); i++) {
		const struct eager *e = &EAGER[i];
		if (!rust_node_text_eq(name, ctx->src, e->name))
			continue;
		if (rust_named_arg_count(args) != e->nargs)
			return 0;
		fallback = rule_peel_blocks(ts_node_named_child(args, 0));
		/* Default values are unwrap_or_default's (clippy reports one or the other). */
		if ((strcmp(e->name, "unwrap_or") == 0 || strcmp(e->name, "or_insert") == 0) &&
		    rule_is_default_value(ctx, fallback, true))
			return 0;
		if (ts_node_is_null(first_work(ctx, fallback, 0)) || cannot_defer(fallback))
			return 0;
		return report(ctx, e, name, args, fallback);
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "or", "unwrap_or", "map_or", "ok_or", "or_insert",
					"get_or_insert", "and", NULL };

const struct rule rule_or_fun_call = {
	.info = {
		.id = "or_fun_call",
		.severity = RR_SEV_NOTE,
		.summary = "`.unwrap_or(f())`, `.or(..)`, `.map_or(..)`, `.ok_or(..)`, `.and(..)` with an eager call",
		.explanation =
			"What: flags `unwrap_or`, `or`, `map_or` (its default), `ok_or`, `and`, "
			"`get_or_insert` and `or_insert` whose argument does work before the call "
			"(clippy::or_fun_call): anywhere inside it (not in closures), a call of a "
			"function that is not a tuple-struct or variant constructor and not a `const fn` "
			"on constants (`String::new()`, `Duration::from_secs(5)` and the file's own "
			"`const fn`s are free), a method call other than `len()`, `is_empty()` and "
			"`as_*()`, `format!`, a non-empty `vec![..]`, or a map lookup by reference "
			"(`map[&key]`). So `.unwrap_or(Instant::now() + d)` and `.unwrap_or(cfg[&k])` are "
			"reported. Default values (`unwrap_or(Vec::new())`) are unwrap_or_default's.\n\n"
			"Why: arguments are evaluated before the call, so the fallback is computed on "
			"every call, including the common case where the value is there and it is thrown "
			"away. That is an allocation, a clone or a lookup per call for nothing; if the "
			"function has side effects, they happen every time.\n\n"
			"How to fix: pass a closure to the lazy form: `unwrap_or_else(|| f())` (a "
			"`Result`'s takes the error: `|_| f()`), `or_else`, `map_or_else(|| d, f)`, "
			"`ok_or_else(|| e)`, `and_then(|_| x)`, `get_or_insert_with(|| v)`, "
			"`or_insert_with(|| v)`. The change is attached where the closure's form is "
			"certain: `ok_or`, `and`, `get_or_insert`, `or_insert`.\n\n"
			"Bad:\n    let name = user.name.unwrap_or(format!(\"user-{}\", id));\n"
			"Good:\n    let name = user.name.unwrap_or_else(|| format!(\"user-{}\", id));\n\n"
			"Like clippy, a fallback holding `?`, `return`, `break` or `.await` is left alone "
			"(it cannot move into a closure). Subset of clippy: without types, operators on "
			"non-primitive values (`a + &b` on `String`s), indexing by a variable, and other "
			"macros' expansions are not reported. Limit: a `const fn` of another file or "
			"crate called with constants looks like work here (clippy knows it is free).",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
