/* or_fun_call.c — `.unwrap_or(f())` and friends evaluate the fallback even when unused. */
#include "rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4

/* Methods that take an eagerly evaluated fallback, and their lazy forms. */
struct eager {
	const char *name;
	const char *lazy;
	bool certain;     /* the lazy form's closure takes no argument on every receiver */
};

static const struct eager EAGER[] = {
	{ "unwrap_or", "unwrap_or_else", false },   /* Result's closure takes the error */
	{ "or", "or_else", false },
	{ "map_or", "map_or_else", false },
	{ "ok_or", "ok_or_else", true },            /* Option only */
	{ "or_insert", "or_insert_with", true },    /* the Entry API */
};

/* `Type::new()` constructors that are const fns (cheap, and clippy exempts them). */
static bool const_constructor(const char *path)
{
	static const char *const types[] = { "String", "Vec", "VecDeque", "BTreeMap", "BTreeSet",
					     "LinkedList", "Duration", "Cell", "RefCell", "Mutex",
					     "RwLock", "PhantomData", "Wrapping" };
	const char *sep = strstr(path, "::"), *last = strrchr(path, ':');
	char type[24];
	size_t tlen;

	if (!sep || !last)
		return false;
	/* The type is the segment before the last one. */
	{
		const char *end = last - 1, *start = end;
		while (start > path && start[-1] != ':')
			start--;
		tlen = (size_t)(end - start);
		if (tlen == 0 || tlen >= sizeof(type))
			return false;
		memcpy(type, start, tlen);
		type[tlen] = '\0';
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return strcmp(last + 1, "new") == 0 || strncmp(last + 1, "from_", 5) == 0;
	/* u32::max_value(), usize::pow(..), f64::from_bits(..): primitive helpers are const. */
	return ((type[0] == 'u' || type[0] == 'i' || type[0] == 'f') && tlen <= 5 &&
		(isdigit((unsigned char)type[1]) || strcmp(type + 1, "size") == 0));
}

/* Methods whose result allocates or copies data: never free. */
static bool costly_method(TSNode name, const char *src)
{
	static const char *const names[] = { "clone", "to_string", "to_owned", "to_vec", "collect",
					     "to_uppercase", "to_lowercase", "join", "concat",
					     "repeat", "into_owned", "to_string_lossy" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rust_node_text_eq(name, src, names[i]))
			return true;
	return false;
}

/* `Some(..)`, `Ok(..)`, `Foo::Bar(..)`, `Point(..)`: a constructor, not a call. */
static bool is_constructor(TSNode fn, const char *src)
{
	TSNode last = fn;
	if (rust_is(fn, RK_SCOPED_IDENTIFIER))
		last = rust_child_by_field(fn, RF_NAME);
	return rust_is(last, RK_IDENTIFIER) && isupper((unsigned char)*rust_node_ptr(last, src));
}

/* True when evaluating arg runs a call that is not known to be trivial. */
static bool calls_something(TSNode arg, const char *src, int depth)
{
	TSNode name, args, fn;
	char path[96];

	if (depth > MAX_DEPTH)
		return false;
	if (rust_is(arg, RK_MACRO_INVOCATION)) {
		TSNode mac = rust_child_by_field(arg, RF_MACRO);
		return rust_node_text_eq(mac, src, "format");
	}
	if (!rust_is(arg, RK_CALL_EXPRESSION))
		return false;
	if (rust_method_call(arg, &name, &args))
		return costly_method(name, src);
	fn = rust_child_by_field(arg, RF_FUNCTION);
	args = rust_child_by_field(arg, RF_ARGUMENTS);
	if (ts_node_is_null(args))
		return false;
	if (is_constructor(fn, src)) {
		uint32_t n = ts_node_named_child_count(args);
		for (uint32_t i = 0; i < n; i++)
			if (calls_something(ts_node_named_child(args, i), src, depth + 1))
				return true;
		return false;
	}
	if (!rust_is(fn, RK_IDENTIFIER) && !rust_is(fn, RK_SCOPED_IDENTIFIER))
		return false;
	return rust_path_text(fn, src, path, sizeof(path)) && !const_constructor(path);
}

/* `String::new()`, `Vec::new()`, `HashMap::new()`, `Default::default()`,
 * `T::default()`: the fallback is the type's default value. */
static bool is_default_value(TSNode arg, const char *src)
{
	static const char *const types[] = { "String", "Vec", "VecDeque", "HashMap", "HashSet",
					     "BTreeMap", "BTreeSet" };
	TSNode fn = rust_child_by_field(arg, RF_FUNCTION);
	TSNode args = rust_child_by_field(arg, RF_ARGUMENTS);
	char path[64];
	const char *last;

	if (!rust_is(arg, RK_CALL_EXPRESSION) || ts_node_is_null(args) ||
	    rust_named_arg_count(args) != 0 || !rust_is(fn, RK_SCOPED_IDENTIFIER) ||
	    !rust_path_text(fn, src, path, sizeof(path)))
		return false;
	last = strrchr(path, ':') + 1;
	if (strcmp(last, "default") == 0)
		return true;
	if (strcmp(last, "new") != 0)
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i]);
		/* `String::new` or `std::collections::HashMap::new`. */
		if ((size_t)(last - path) >= n + 2 && memcmp(last - n - 2, types[i], n) == 0 &&
		    (last - n - 2 == path || last[-n - 3] == ':'))
			return true;
	}
	return false;
}

/* unwrap_or(<default>) -> unwrap_or_default(), or_insert(<default>) -> or_default(). */
static int report_default(struct rule_ctx *ctx, TSNode name, TSNode args, bool entry)
{
	const char *method = entry ? "or_insert" : "unwrap_or";
	const char *better = entry ? "or_default()" : "unwrap_or_default()";
	char *msg = rule_format("`%s(..)` builds the default value even when it is not needed. "
				"`%s` says the same thing, is shorter, and only constructs the "
				"value on the fallback path. Replace the call with `%s`.",
				method, better, better);
	int rc;

	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, name, args, msg, better);
	free(msg);
	return rc;
}

static int report_eager(struct rule_ctx *ctx, const struct eager *e, TSNode name, TSNode args,
			TSNode fallback)
{
	char quoted[64], *repl = NULL, *msg;
	int rc = RR_ENOMEM;

	rule_quote(fallback, ctx->src, quoted, sizeof(quoted));
	if (e->certain) {
		char *text = rust_node_text_dup(fallback, ctx->src);
		if (!text)
			return RR_ENOMEM;
		repl = rule_format("%s(|| %s)", e->lazy, text);
		free(text);
		if (!repl)
			return RR_ENOMEM;
	}
	msg = rule_format("`%s` is evaluated before `.%s(..)` is called, even when the fallback "
			  "is not used. On the common path that is wasted work (often an "
			  "allocation). Use `.%s(%s ..)` so it only runs when needed.",
			  quoted, e->name, e->lazy, e->certain ? "||" : "|| (or `|_|` for a Result)");
	if (msg)
		rc = rule_emit_nodes(ctx, name, args, msg, repl);
	free(msg);
	free(repl);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, args, fallback;
	uint32_t want;

	(void)scope;
	if (!rust_method_call(node, &name, &args))
		return 0;
	for (size_t i = 0; i < sizeof(EAGER) / sizeof(EAGER[0]); i++) {
		const struct eager *e = &EAGER[i];
		if (!rust_node_text_eq(name, ctx->src, e->name))
			continue;
		want = strcmp(e->name, "map_or") == 0 ? 2 : 1;
		if (rust_named_arg_count(args) != want)
			return 0;
		fallback = ts_node_named_child(args, 0);
		if ((strcmp(e->name, "unwrap_or") == 0 || strcmp(e->name, "or_insert") == 0) &&
		    is_default_value(fallback, ctx->src))
			return report_default(ctx, name, args, strcmp(e->name, "or_insert") == 0);
		if (!calls_something(fallback, ctx->src, 0))
			return 0;
		return report_eager(ctx, e, name, args, fallback);
	}
	return 0;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "or", "unwrap_or", "map_or", "ok_or", NULL };

const struct rule rule_or_fun_call = {
	.info = {
		.id = "or_fun_call",
		.severity = RR_SEV_NOTE,
		.summary = "`.unwrap_or(f())`, `.or(..)`, `.map_or(..)`, `.ok_or(..)` with an eager call",
		.explanation =
			"What: flags `unwrap_or`, `or`, `map_or` (its default), `ok_or` and `or_insert` "
			"whose argument calls a function: a free or associated function (except const "
			"constructors such as `String::new()` and `Duration::from_secs(..)`), a method "
			"that allocates or copies (`clone`, `to_string`, `to_owned`, `to_vec`, `collect`, "
			"`join`, ...), `format!`, or an enum/struct constructor wrapping one "
			"(clippy::or_fun_call). `unwrap_or(String::new())`, `unwrap_or(Vec::new())`, "
			"`unwrap_or(Default::default())` and `unwrap_or(T::default())` get the "
			"suggested change `unwrap_or_default()`, and `or_insert(..)` of those "
			"`or_default()` (clippy::unwrap_or_default).\n\n"
			"Why: arguments are evaluated before the call, so the fallback is computed on "
			"every call, including the common case where the value is there and it is thrown "
			"away. That is an allocation, a clone or a lookup per call for nothing; if the "
			"function has side effects, they happen every time.\n\n"
			"How to fix: pass a closure to the lazy form: `unwrap_or_else(|| f())` (a "
			"`Result`'s takes the error: `|_| f()`), `or_else`, `map_or_else(|| d, f)`, "
			"`ok_or_else(|| e)`, `or_insert_with(|| v)`. The change is attached where it is "
			"certain: `ok_or` and `or_insert` (one receiver type each) and "
			"`unwrap_or_default()`.\n\n"
			"Bad:\n    let name = user.name.unwrap_or(format!(\"user-{}\", id));\n"
			"Good:\n    let name = user.name.unwrap_or_else(|| format!(\"user-{}\", id));\n\n"
			"Limits: cheap methods (`len()`, `as_str()`) and macros other than `format!` are "
			"not flagged; the tree has no types, so a user-defined `const fn` called as the "
			"fallback is reported (clippy exempts const fns).",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
