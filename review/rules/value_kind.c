/* value_kind.c — Option or Result, as far as the tree shows (value_kind.h). */
#include "value_kind.h"

#include <string.h>

#include "api_helpers.h"
#include "rule_helpers.h"

/* Receiver chains and `let` hops followed at most this deep. */
#define KIND_DEPTH 6

/* Nodes a file's kind lookups visit in all (items scanned for a fn's
 * signature, statements and parents walked for a `let`): a budget against
 * hostile input, past which kinds are unknown. */
#define KIND_BUDGET 400000u
/* Enclosing nodes walked up from a variable to its `let` or parameter. */
#define KIND_LEVELS 256u

/* A std method whose name (and number of arguments, -1: any) says what it
 * yields. A name listed for both kinds with different counts (`get_mut`)
 * is told apart by the count; a name whose std owners disagree (`to_str`:
 * Path's Option, HeaderValue's Result; `strip_prefix`: str's Option, Path's
 * Result; `into_inner`, `remove`, `insert`) is not listed. */
struct method_kind {
	const char *name;
	int nargs;
	enum value_kind kind;
};

static const struct method_kind METHODS[] = {
	/* Option: maps, slices, iterators, strings, numbers, paths, Weak, Any */
	{ "ok", 0, VALUE_OPTION }, { "err", 0, VALUE_OPTION },
	{ "get", 1, VALUE_OPTION }, { "get_mut", 1, VALUE_OPTION },
	{ "get_key_value", 1, VALUE_OPTION },
	{ "first", 0, VALUE_OPTION }, { "last", 0, VALUE_OPTION },
	{ "first_mut", 0, VALUE_OPTION }, { "last_mut", 0, VALUE_OPTION },
	{ "first_key_value", 0, VALUE_OPTION }, { "last_key_value", 0, VALUE_OPTION },
	{ "split_first", 0, VALUE_OPTION }, { "split_last", 0, VALUE_OPTION },
	{ "next", 0, VALUE_OPTION }, { "next_back", 0, VALUE_OPTION },
	{ "nth", 1, VALUE_OPTION }, { "nth_back", 1, VALUE_OPTION },
	{ "peek", 0, VALUE_OPTION }, { "peek_mut", 0, VALUE_OPTION },
	{ "pop", 0, VALUE_OPTION }, { "pop_front", 0, VALUE_OPTION },
	{ "pop_back", 0, VALUE_OPTION }, { "pop_first", 0, VALUE_OPTION },
	{ "pop_last", 0, VALUE_OPTION },
	{ "find", 1, VALUE_OPTION }, { "rfind", 1, VALUE_OPTION },
	{ "find_map", 1, VALUE_OPTION }, { "position", 1, VALUE_OPTION },
	{ "rposition", 1, VALUE_OPTION },
	{ "max", 0, VALUE_OPTION }, { "min", 0, VALUE_OPTION },
	{ "max_by", 1, VALUE_OPTION }, { "min_by", 1, VALUE_OPTION },
	{ "max_by_key", 1, VALUE_OPTION }, { "min_by_key", 1, VALUE_OPTION },
	{ "reduce", 1, VALUE_OPTION },
	{ "checked_add", 1, VALUE_OPTION }, { "checked_sub", 1, VALUE_OPTION },
	{ "checked_mul", 1, VALUE_OPTION }, { "checked_div", 1, VALUE_OPTION },
	{ "checked_rem", 1, VALUE_OPTION }, { "checked_pow", 1, VALUE_OPTION },
	{ "checked_shl", 1, VALUE_OPTION }, { "checked_shr", 1, VALUE_OPTION },
	{ "checked_neg", 0, VALUE_OPTION }, { "checked_abs", 0, VALUE_OPTION },
	{ "checked_next_power_of_two", 0, VALUE_OPTION },
	{ "to_digit", 1, VALUE_OPTION },
	{ "split_once", 1, VALUE_OPTION }, { "rsplit_once", 1, VALUE_OPTION },
	{ "parent", 0, VALUE_OPTION }, { "file_name", 0, VALUE_OPTION },
	{ "file_stem", 0, VALUE_OPTION }, { "extension", 0, VALUE_OPTION },
	{ "upgrade", 0, VALUE_OPTION },
	{ "downcast_ref", 0, VALUE_OPTION }, { "downcast_mut", 0, VALUE_OPTION },
	/* Option::take, Cell<Option<T>>::take (Iterator::take and Read::take
	 * have an argument) */
	{ "take", 0, VALUE_OPTION },
	/* Result: parsing, conversions, locks, channels, io, processes, threads */
	{ "parse", 0, VALUE_RESULT }, { "try_into", 0, VALUE_RESULT },
	{ "ok_or", 1, VALUE_RESULT }, { "ok_or_else", 1, VALUE_RESULT },
	{ "map_err", 1, VALUE_RESULT },
	{ "lock", 0, VALUE_RESULT }, { "try_lock", 0, VALUE_RESULT },
	{ "read", -1, VALUE_RESULT }, { "write", -1, VALUE_RESULT },
	{ "try_read", 0, VALUE_RESULT }, { "try_write", 0, VALUE_RESULT },
	{ "get_mut", 0, VALUE_RESULT },   /* Mutex/RwLock::get_mut: a LockResult */
	{ "wait", -1, VALUE_RESULT }, { "wait_while", 2, VALUE_RESULT },
	{ "wait_timeout", -1, VALUE_RESULT }, { "wait_timeout_while", 3, VALUE_RESULT },
	{ "recv", 0, VALUE_RESULT }, { "try_recv", 0, VALUE_RESULT },
	{ "recv_timeout", 1, VALUE_RESULT }, { "send", 1, VALUE_RESULT },
	{ "try_send", 1, VALUE_RESULT },
	{ "read_to_string", 1, VALUE_RESULT }, { "read_to_end", 1, VALUE_RESULT },
	{ "read_exact", 1, VALUE_RESULT }, { "read_line", 1, VALUE_RESULT },
	{ "write_all", 1, VALUE_RESULT }, { "write_fmt", 1, VALUE_RESULT },
	{ "flush", 0, VALUE_RESULT }, { "sync_all", 0, VALUE_RESULT },
	{ "seek", 1, VALUE_RESULT },
	{ "metadata", 0, VALUE_RESULT }, { "canonicalize", 0, VALUE_RESULT },
	{ "read_dir", 0, VALUE_RESULT }, { "try_clone", 0, VALUE_RESULT },
	{ "local_addr", 0, VALUE_RESULT }, { "peer_addr", 0, VALUE_RESULT },
	{ "duration_since", 1, VALUE_RESULT }, { "elapsed", 0, VALUE_RESULT },
	{ "join", 0, VALUE_RESULT }, { "spawn", 0, VALUE_RESULT },
	{ "output", 0, VALUE_RESULT }, { "into_string", 0, VALUE_RESULT },
	{ "downcast", 0, VALUE_RESULT },
	{ "binary_search", 1, VALUE_RESULT }, { "binary_search_by", 1, VALUE_RESULT },
	{ "binary_search_by_key", 2, VALUE_RESULT },
};

/* Methods Option and Result both have that return the same kind as their
 * receiver (on other types they return nothing `.unwrap()` applies to). */
static const char *const KEEPS_KIND[] = {
	"as_ref", "as_mut", "as_deref", "as_deref_mut", "as_pin_ref", "as_pin_mut", "cloned",
	"copied", "map", "and_then", "or", "or_else", "and", "inspect", "clone",
};

/* A std function by the last two segments of its path (type or module, then
 * name; "" as the first: any type, as in `u8::try_from`). */
struct path_kind {
	const char *owner;
	const char *name;
	enum value_kind kind;
};

static const struct path_kind PATHS[] = {
	{ "char", "from_u32", VALUE_OPTION }, { "char", "from_digit", VALUE_OPTION },
	{ "env", "var_os", VALUE_OPTION },
	{ "str", "from_utf8", VALUE_RESULT }, { "str", "from_utf8_mut", VALUE_RESULT },
	{ "String", "from_utf8", VALUE_RESULT }, { "String", "from_utf16", VALUE_RESULT },
	{ "", "from_str_radix", VALUE_RESULT }, { "", "from_str", VALUE_RESULT },
	{ "", "try_from", VALUE_RESULT },
	{ "File", "open", VALUE_RESULT }, { "File", "create", VALUE_RESULT },
	{ "fs", "", VALUE_RESULT },       /* every std::fs function is io::Result */
	{ "env", "var", VALUE_RESULT }, { "env", "current_dir", VALUE_RESULT },
	{ "env", "current_exe", VALUE_RESULT },
	{ "TcpListener", "bind", VALUE_RESULT }, { "TcpStream", "connect", VALUE_RESULT },
	{ "UdpSocket", "bind", VALUE_RESULT }, { "UnixListener", "bind", VALUE_RESULT },
	{ "UnixStream", "connect", VALUE_RESULT }, { "CString", "new", VALUE_RESULT },
	/* the regex crate's constructors: a pattern that does not compile */
	{ "Regex", "new", VALUE_RESULT }, { "RegexSet", "new", VALUE_RESULT },
};

/* std functions often imported and called by their bare name
 * (`use std::str::from_utf8;`), resolved through the file's `use`s. */
static const struct {
	const char *path;
	enum value_kind kind;
} BARE[] = {
	{ "std::str::from_utf8", VALUE_RESULT }, { "std::char::from_u32", VALUE_OPTION },
	{ "std::char::from_digit", VALUE_OPTION }, { "std::env::var", VALUE_RESULT },
	{ "std::env::var_os", VALUE_OPTION }, { "std::fs::read_to_string", VALUE_RESULT },
	{ "std::fs::read", VALUE_RESULT },
};

static enum value_kind kind_of(struct rule_ctx *ctx, TSNode e, const struct rust_scope *scope,
			       int depth);
static bool declared_std(struct rule_ctx *ctx, TSNode recv, const struct rust_scope *scope);

enum value_kind value_kind_of_type(TSNode t, const char *src)
{
	while (rust_is(t, RK_REFERENCE_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (api_type_is(t, src, "Option"))
		return VALUE_OPTION;
	if (api_type_is(t, src, "Result"))
		return VALUE_RESULT;
	return VALUE_UNKNOWN;
}

/* --- the file's own fns ------------------------------------------------------ */

#define MOD_DEPTH_MAX 8

/* What the fns named name return, summed over the declarations under n. */
struct fn_scan {
	struct rule_ctx *ctx;
	const char *name;
	bool option, result;
};

static void scan_fns(struct fn_scan *s, TSNode n, int depth)
{
	uint32_t count = ts_node_named_child_count(n);

	for (uint32_t i = 0; i < count && s->ctx->kind_visits < KIND_BUDGET; i++) {
		TSNode item = ts_node_named_child(n, i), body;
		enum rust_kind k = rust_node_kind(item);
		s->ctx->kind_visits++;
		if (k == RK_FUNCTION_ITEM || k == RK_FUNCTION_SIGNATURE_ITEM) {
			if (rust_node_text_eq(rust_child_by_field(item, RF_NAME), s->ctx->src, s->name)) {
				enum value_kind v = value_kind_of_type(
					rust_child_by_field(item, RF_RETURN_TYPE), s->ctx->src);
				s->option |= v == VALUE_OPTION;
				s->result |= v == VALUE_RESULT;
			}
			continue;
		}
		if ((k == RK_MOD_ITEM && depth < MOD_DEPTH_MAX) || k == RK_IMPL_ITEM ||
		    k == RK_TRAIT_ITEM) {
			body = rust_child_by_field(item, RF_BODY);
			if (!ts_node_is_null(body))
				scan_fns(s, body, depth + 1);
		}
	}
}

/* What the fns and methods this file declares under that name return: one
 * kind when those that return an Option or a Result all agree. Cached per file. */
static enum value_kind file_fn_kind(struct rule_ctx *ctx, TSNode name)
{
	struct fn_scan s = { ctx, NULL, false, false };
	char buf[sizeof(ctx->fn_kinds[0].name)];
	uint32_t len = rust_node_len(name);
	unsigned slot;

	if (len == 0 || len >= sizeof(buf) || ts_node_is_null(ctx->root))
		return VALUE_UNKNOWN;
	memcpy(buf, rust_node_ptr(name, ctx->src), len);
	buf[len] = '\0';
	for (unsigned i = 0; i < ctx->n_fn_kinds && i < FN_KIND_CACHE; i++)
		if (strcmp(ctx->fn_kinds[i].name, buf) == 0)
			return (enum value_kind)ctx->fn_kinds[i].kind;
	s.name = buf;
	scan_fns(&s, ctx->root, 0);
	slot = ctx->n_fn_kinds++ % FN_KIND_CACHE;
	memcpy(ctx->fn_kinds[slot].name, buf, len + 1);
	ctx->fn_kinds[slot].kind = (unsigned char)(s.option == s.result ? VALUE_UNKNOWN
						   : s.option ? VALUE_OPTION : VALUE_RESULT);
	return (enum value_kind)ctx->fn_kinds[slot].kind;
}

/* --- calls ------------------------------------------------------------------- */

static bool in_list(TSNode name, const char *src, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rust_node_text_eq(name, src, list[i]))
			return true;
	return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static enum value_kind std_method_kind(TSNode name, const char *src, uint32_t nargs)
{
	for (size_t i = 0; i < COUNT(METHODS); i++)
		if ((METHODS[i].nargs < 0 || (uint32_t)METHODS[i].nargs == nargs) &&
		    rust_node_text_eq(name, src, METHODS[i].name))
			return METHODS[i].kind;
	return VALUE_UNKNOWN;
}

/* The std kind and the file's own fns of the name combined: either alone,
 * nothing when they disagree. */
static enum value_kind combine(enum value_kind std, enum value_kind own)
{
	if (std == VALUE_UNKNOWN)
		return own;
	if (own == VALUE_UNKNOWN || own == std)
		return std;
	return VALUE_UNKNOWN;
}

static enum value_kind path_call_kind(struct rule_ctx *ctx, TSNode fn)
{
	char path[160];
	const char *name, *owner;
	size_t owner_len;

	if (rust_is(fn, RK_IDENTIFIER)) {
		enum value_kind own = file_fn_kind(ctx, fn);
		if (own != VALUE_UNKNOWN)
			return own;
		for (size_t i = 0; i < COUNT(BARE); i++)
			if (rust_node_text_eq(fn, ctx->src, strrchr(BARE[i].path, ':') + 1))
				return api_path_is(ctx, fn, BARE[i].path) ? BARE[i].kind : VALUE_UNKNOWN;
		return VALUE_UNKNOWN;
	}
	if (!rust_is(fn, RK_SCOPED_IDENTIFIER) || !rust_path_text(fn, ctx->src, path, sizeof(path)))
		return VALUE_UNKNOWN;
	/* A path the parser could not finish (`std::env%::var` leaves `::var`,
	 * read as `var`) names no owner. */
	name = strrchr(path, ':');
	if (!name || name == path || name[-1] != ':')
		return VALUE_UNKNOWN;
	name++;
	owner = name - 2;
	while (owner > path && owner[-1] != ':')
		owner--;
	owner_len = (size_t)(name - 2 - owner);
	/* `NonZeroU32::new(n)`, `NonZero::<u8>::new(n)` */
	if (strcmp(name, "new") == 0 && strncmp(owner, "NonZero", 7) == 0)
		return VALUE_OPTION;
	for (size_t i = 0; i < COUNT(PATHS); i++) {
		bool owner_ok = !*PATHS[i].owner || (strlen(PATHS[i].owner) == owner_len &&
						     strncmp(owner, PATHS[i].owner, owner_len) == 0);
		if (owner_ok && (!*PATHS[i].name || strcmp(name, PATHS[i].name) == 0))
			return PATHS[i].kind;
	}
	return VALUE_UNKNOWN;
}

static enum value_kind call_kind(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope,
				 int depth)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION);
	TSNode args = rust_child_by_field(call, RF_ARGUMENTS);
	TSNode name, recv;
	uint32_t nargs = rust_named_arg_count(args);
	enum value_kind std;

	if (rust_is(fn, RK_GENERIC_FUNCTION))   /* x.parse::<u32>(), u8::try_from::<..> */
		fn = rust_child_by_field(fn, RF_FUNCTION);
	if (!rust_is(fn, RK_FIELD_EXPRESSION))
		return path_call_kind(ctx, fn);
	name = rust_child_by_field(fn, RF_FIELD);
	recv = rust_child_by_field(fn, RF_VALUE);
	if (in_list(name, ctx->src, KEEPS_KIND, COUNT(KEEPS_KIND)))
		return kind_of(ctx, recv, scope, depth + 1);
	std = std_method_kind(name, ctx->src, nargs);
	if (std != VALUE_UNKNOWN && declared_std(ctx, recv, scope))
		return std;
	return combine(std, file_fn_kind(ctx, name));
}

/* --- variables --------------------------------------------------------------- */

/* Does pattern (of a match arm, `if let`, closure, `for`) bind name? */
static bool binds(TSNode pattern, TSNode name, const char *src)
{
	return !ts_node_is_null(pattern) && rule_ident_mentions(pattern, src, name, NULL) > 0;
}

/* What the `let`s of a block before child say of var: LET_NONE (no `let`
 * binds it), LET_FOUND (the last one is `let var[: T] = ..`: *found), or
 * LET_HIDDEN (the last one destructures it, or the budget ran out). Walked
 * forward with a cursor: tree-sitter 0.20 finds a previous sibling by
 * walking from the first, which made a long block quadratic. */
enum let_state { LET_NONE, LET_FOUND, LET_HIDDEN };

static enum let_state block_let(struct rule_ctx *ctx, TSNode block, TSNode child, TSNode var,
				TSNode *found)
{
	TSTreeCursor c = ts_tree_cursor_new(block);
	enum let_state state = LET_NONE;

	if (ts_tree_cursor_goto_first_child(&c))
		do {
			TSNode s = ts_tree_cursor_current_node(&c), pat;
			if (ts_node_eq(s, child))
				break;
			if (++ctx->kind_visits > KIND_BUDGET) {
				state = LET_HIDDEN;
				break;
			}
			if (!rust_is(s, RK_LET_DECLARATION))
				continue;
			pat = rust_child_by_field(s, RF_PATTERN);
			if (rust_is(pat, RK_IDENTIFIER) && rule_same_text(pat, var, ctx->src)) {
				*found = s;
				state = LET_FOUND;
			} else if (binds(pat, var, ctx->src)) {
				state = LET_HIDDEN;     /* destructured */
			}
		} while (ts_tree_cursor_goto_next_sibling(&c));
	ts_tree_cursor_delete(&c);
	return state;
}

/* The binding of the variable var in the enclosing fn: its declared type
 * (*type, may be null) and, for a `let` without one, its value (*value).
 * False when the tree does not show it: no binding found, or a pattern that
 * destructures or may rebind the name, or the file's budget spent. */
static bool variable_binding(struct rule_ctx *ctx, TSNode var, const struct rust_scope *scope,
			     TSNode *type, TSNode *value)
{
	TSNode child = var, p;
	unsigned levels = 0;

	*type = *value = (TSNode){ 0 };
	if (ts_node_is_null(scope->fn_item) || !rust_is(var, RK_IDENTIFIER))
		return false;
	for (p = ts_node_parent(var); !ts_node_is_null(p); child = p, p = ts_node_parent(p)) {
		enum rust_kind k = rust_node_kind(p);
		/* each ts_node_parent walks down from the root: a deep nest is costly */
		if (++levels > KIND_LEVELS || ++ctx->kind_visits > KIND_BUDGET)
			return false;
		if (k == RK_BLOCK) {
			TSNode let = { 0 };
			switch (block_let(ctx, p, child, var, &let)) {
			case LET_FOUND:
				*type = rust_child_by_field(let, RF_TYPE);
				*value = rust_child_by_field(let, RF_VALUE);
				return true;
			case LET_HIDDEN:
				return false;
			case LET_NONE:
				continue;
			}
		}
		if (k == RK_CLOSURE_EXPRESSION) {
			if (binds(rust_child_by_field(p, RF_PARAMETERS), var, ctx->src))
				return false;
			continue;
		}
		if (rust_node_is(p, "match_arm") || rust_node_is(p, "let_condition") ||
		    rust_node_is(p, "for_expression")) {
			if (binds(rust_child_by_field(p, RF_PATTERN), var, ctx->src))
				return false;
			continue;
		}
		if (rust_node_is(p, "if_expression") || rust_node_is(p, "while_expression")) {
			/* `if let Some(v) = ..` binds v in the branch; a let chain
			 * (`if let .. && let ..`) is read as a whole */
			TSNode cond = rust_child_by_field(p, RF_CONDITION);
			if (rust_node_is(cond, "let_condition"))
				cond = rust_child_by_field(cond, RF_PATTERN);
			else if (!rust_node_is(cond, "let_chain"))
				continue;
			if (!ts_node_eq(cond, child) && binds(cond, var, ctx->src))
				return false;
			continue;
		}
		if (k == RK_FUNCTION_ITEM) {
			TSNode params = rust_child_by_field(p, RF_PARAMETERS);
			for (uint32_t i = 0; i < ts_node_named_child_count(params); i++) {
				TSNode prm = ts_node_named_child(params, i);
				if (rust_is(prm, RK_PARAMETER) &&
				    rule_same_text(rust_child_by_field(prm, RF_PATTERN), var, ctx->src)) {
					*type = rust_child_by_field(prm, RF_TYPE);
					return true;
				}
			}
			return false;
		}
	}
	return false;
}

static enum value_kind variable_kind(struct rule_ctx *ctx, TSNode var,
				     const struct rust_scope *scope, int depth)
{
	TSNode type, value;

	if (!variable_binding(ctx, var, scope, &type, &value))
		return VALUE_UNKNOWN;
	if (!ts_node_is_null(type))
		return value_kind_of_type(type, ctx->src);
	return kind_of(ctx, value, scope, depth + 1);
}

/* std types whose methods are the ones METHODS lists. */
static const char *const STD_TYPES[] = {
	"HashMap", "BTreeMap", "HashSet", "BTreeSet", "Vec", "VecDeque", "BinaryHeap", "String",
	"str", "Path", "PathBuf", "OsStr", "OsString", "Option", "Result", "Mutex", "RwLock",
};

/* Is recv a variable declared with a std type (`m: &HashMap<K, V>`, `let v:
 * Vec<u8>`, a slice)? Then its methods are std's, whatever this file names
 * its own fns. */
static bool declared_std(struct rule_ctx *ctx, TSNode recv, const struct rust_scope *scope)
{
	TSNode type, value;

	if (!variable_binding(ctx, recv, scope, &type, &value) || ts_node_is_null(type))
		return false;
	while (rust_is(type, RK_REFERENCE_TYPE))
		type = rust_child_by_field(type, RF_TYPE);
	if (rust_is(type, RK_ARRAY_TYPE))     /* `[T; N]`, and `[T]` behind a `&` */
		return true;
	if (rust_is(type, RK_GENERIC_TYPE))
		type = rust_child_by_field(type, RF_TYPE);
	if (rust_is(type, RK_SCOPED_TYPE_IDENTIFIER))
		type = rust_child_by_field(type, RF_NAME);
	return (rust_is(type, RK_TYPE_IDENTIFIER) || rust_is(type, RK_PRIMITIVE_TYPE)) &&
	       in_list(type, ctx->src, STD_TYPES, COUNT(STD_TYPES));
}

/* --- expressions -------------------------------------------------------------- */

static enum value_kind kind_of(struct rule_ctx *ctx, TSNode e, const struct rust_scope *scope,
			       int depth)
{
	if (ts_node_is_null(e) || depth > KIND_DEPTH)
		return VALUE_UNKNOWN;
	while (rust_is(e, RK_PARENTHESIZED_EXPRESSION))
		e = ts_node_named_child(e, 0);
	switch (rust_node_kind(e)) {
	case RK_MACRO_INVOCATION: {
		/* write!/writeln! return fmt::Result or io::Result */
		TSNode mac = rust_child_by_field(e, RF_MACRO);
		return rust_node_text_eq(mac, ctx->src, "write") ||
			       rust_node_text_eq(mac, ctx->src, "writeln")
			       ? VALUE_RESULT : VALUE_UNKNOWN;
	}
	case RK_CALL_EXPRESSION:
		return call_kind(ctx, e, scope, depth);
	case RK_IDENTIFIER:
		return variable_kind(ctx, e, scope, depth);
	default:
		return VALUE_UNKNOWN;
	}
}

enum value_kind value_kind_of(struct rule_ctx *ctx, TSNode expr, const struct rust_scope *scope)
{
	return kind_of(ctx, expr, scope, 0);
}

/* --- inside macro arguments ---------------------------------------------------- */

/* Arguments in a `( .. )` token tree: 0 when empty, else commas + 1. */
static uint32_t tt_arg_count(TSNode tt)
{
	uint32_t commas = 0;

	if (rust_tt_inner_count(tt) == 0)
		return 0;
	for (uint32_t i = 0; i < ts_node_child_count(tt); i++)
		commas += rust_is(ts_node_child(tt, i), RK_COMMA);
	return commas + 1;
}

static enum value_kind tt_kind(struct rule_ctx *ctx, TSNode dot, const struct rust_scope *scope,
			       int depth)
{
	TSNode prev = rust_prev_sibling(dot), name, before;

	if (depth > KIND_DEPTH || ts_node_is_null(prev))
		return VALUE_UNKNOWN;
	if (rust_is(prev, RK_IDENTIFIER)) {
		before = rust_prev_sibling(prev);
		if (rust_is(before, RK_DOT) || rust_is(before, RK_COLON2))
			return VALUE_UNKNOWN;    /* a field, or a path */
		return variable_kind(ctx, prev, scope, depth);
	}
	if (!rust_is(prev, RK_TOKEN_TREE) || !rust_is(ts_node_child(prev, 0), RK_LPAREN))
		return VALUE_UNKNOWN;
	name = rust_prev_sibling(prev);
	before = rust_prev_sibling(name);
	if (!rust_is(name, RK_IDENTIFIER) || !rust_is(before, RK_DOT))
		return VALUE_UNKNOWN;
	if (in_list(name, ctx->src, KEEPS_KIND, COUNT(KEEPS_KIND)))
		return tt_kind(ctx, before, scope, depth + 1);
	return combine(std_method_kind(name, ctx->src, tt_arg_count(prev)), file_fn_kind(ctx, name));
}

enum value_kind value_kind_in_tokens(struct rule_ctx *ctx, TSNode dot,
				     const struct rust_scope *scope)
{
	return rust_is(dot, RK_DOT) ? tt_kind(ctx, dot, scope, 0) : VALUE_UNKNOWN;
}
