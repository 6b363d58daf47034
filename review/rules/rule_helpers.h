/*
 * rule_helpers.h — small pieces several rules had copied: reporting a
 * printf-formatted message, reporting `.method(..)` calls in code and in macro
 * arguments, and counting mentions of an identifier. Internal to review/rules/.
 */
#ifndef RR_RULE_HELPERS_H
#define RR_RULE_HELPERS_H

#include "rules.h"

/*
 * Formats the message (printf) and reports it on [first, last] with
 * replacement (NULL: none), as rule_emit_nodes: the format/emit/free every
 * rule with a quoted name in its message did by hand. Returns 0 or RR_ENOMEM.
 */
int rule_emitf_nodes(struct rule_ctx *ctx, TSNode first, TSNode last, const char *replacement,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Reports message on each `.method(..)` call at node with nargs arguments,
 * from the method name to the end of the argument list: a call_expression,
 * or the calls written in a macro's token tree (where only an empty argument
 * list can be told from a non-empty one). A call whose receiver the tree shows
 * to be a type of this file with its own inherent `method` (`Opt::new().unwrap()`
 * with `impl Opt { fn unwrap(..) }`) is not reported. Returns 0 or RR_ENOMEM.
 */
int rule_method_calls(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope,
		      const char *method, uint32_t nargs, const char *message);

/*
 * Reports message on `Option::method(x, ..)` / `Result::method(x, ..)` at
 * node (a call_expression), the path form of a method call: the type written
 * `Option`, `std::option::Option` (core too), `Option::<T>` or `<Option<T>>`,
 * with nargs arguments besides the receiver. Returns 0 or RR_ENOMEM.
 */
int rule_path_method_calls(struct rule_ctx *ctx, TSNode node, const char *method,
			   uint32_t nargs, const char *message);

/* True when clippy.toml's toggle t is on, dflt when it is not written. */
static inline bool rule_toggle(enum review_toggle t, bool dflt)
{
	return t == REVIEW_UNSET ? dflt : t == REVIEW_YES;
}

/*
 * What clippy's unwrap_or_default takes for "the default value": with
 * call_form, a call without arguments to `Default::default`, `T::default`,
 * `<T as Default>::default`, or `X::new` where X is a std collection, `String`,
 * `PathBuf`, `OsString`, or a type this file derives or implements Default
 * for; without call_form, the same paths uncalled (`unwrap_or_else(Vec::new)`)
 * or the closure `|| "".to_string()`. n is the argument, blocks `{ .. }` peeled.
 */
bool rule_is_default_value(const struct rule_ctx *ctx, TSNode n, bool call_form);

/* n without the `{ }` of single-expression blocks around it. */
TSNode rule_peel_blocks(TSNode n);

/* True when nodes a and b have the same source text. */
bool rule_same_text(TSNode a, TSNode b, const char *src);

/* Mentions of the identifier `name` in n's subtree (token trees included, and
 * inline format arguments `{name}` in macro arguments' string literals);
 * *last (when last is not NULL) is set to the last one in source order. */
uint32_t rule_ident_mentions(TSNode n, const char *src, TSNode name, TSNode *last);

#endif
