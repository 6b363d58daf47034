/* box_collection.c — `Box<Vec<T>>`, `Box<String>`, `Box<HashMap<..>>` in signatures and fields. */
#include "type_helpers.h"

#include <stdlib.h>
#include <string.h>

/* Collections that already keep their contents on the heap behind one pointer. */
static bool is_collection(TSNode arg, const char *src, char *name, size_t cap)
{
	static const char *const generic[] = { "Vec", "VecDeque", "LinkedList", "HashMap", "HashSet",
					       "BTreeMap", "BTreeSet", "BinaryHeap" };
	char inner[24];

	if (rust_is(arg, RK_TYPE_IDENTIFIER)) {
		/* A bare String (or std::string::String) needs no type arguments. */
		if (!rust_path_text(arg, src, name, cap) || strcmp(name, "String") != 0)
			return false;
		return true;
	}
	if (rust_is(arg, RK_SCOPED_TYPE_IDENTIFIER))
		return rust_path_text(arg, src, name, cap) &&
		       (strcmp(name, "std::string::String") == 0 ||
			strcmp(name, "alloc::string::String") == 0);
	if (!rust_is(arg, RK_GENERIC_TYPE))
		return false;
	{
		TSNode base = rust_child_by_field(arg, RF_TYPE);
		const char *last;
		if (ts_node_is_null(base) || !rust_path_text(base, src, inner, sizeof(inner)))
			return false;
		last = strrchr(inner, ':');
		last = last ? last + 1 : inner;
		for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
			if (strcmp(last, generic[i]) == 0 && strlen(last) + 5 <= cap) {
				snprintf(name, cap, "%s<..>", last);
				return true;
			}
	}
	return false;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	char box[16], coll[40];
	char *msg, *repl;
	TSNode arg;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_GENERIC_TYPE))
		return 0;
	arg = type_single_arg(node, ctx->src, box, sizeof(box));
	if (ts_node_is_null(arg) || strcmp(box, "Box") != 0 ||
	    !is_collection(arg, ctx->src, coll, sizeof(coll)) ||
	    !type_in_private_signature(node, ctx->src))
		return 0;
	if (!(repl = rust_node_text_dup(arg, ctx->src)))
		return RR_ENOMEM;
	msg = rule_format("`Box<%s>` boxes a collection that already keeps its contents on the heap. "
			  "Every access pays a second pointer chase and an extra allocation for "
			  "nothing, since the collection itself is only a few words. Use `%s` "
			  "directly (and drop the `Box::new(..)` where it is built).",
			  coll, coll);
	rc = msg ? rule_emit_nodes(ctx, node, node, msg, repl) : RR_ENOMEM;
	free(msg);
	free(repl);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "generic_type", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "Box", NULL };

const struct rule rule_box_collection = {
	.info = {
		.id = "box_collection",
		.severity = RR_SEV_WARNING,
		.summary = "`Box<Vec<T>>`, `Box<String>`, `Box<HashMap<..>>`: a box around a heap collection",
		.explanation =
			"What: flags `Box<C>` where `C` is `Vec`, `String`, `VecDeque`, `LinkedList`, "
			"`HashMap`, `HashSet`, `BTreeMap`, `BTreeSet` or `BinaryHeap`, written in a struct "
			"field, a fn parameter or return type, or a static/const (clippy::box_collection). "
			"The suggested change replaces the type with the collection itself.\n\n"
			"Why: these collections are already a small handle (pointer, length, capacity) to "
			"heap memory. Boxing them adds an allocation and a second indirection on every "
			"access and buys nothing: the handle is cheap to move, and an empty collection "
			"does not allocate at all.\n\n"
			"How to fix: use the collection type directly and build it without "
			"`Box::new(..)`. If the goal was a fixed-size buffer, `Box<[T]>` "
			"(`vec.into_boxed_slice()`) or `Box<str>` says that without the extra "
			"pointer.\n\n"
			"Bad:\n    struct Index { entries: Box<Vec<Entry>> }\n"
			"Good:\n    struct Index { entries: Vec<Entry> }\n\n"
			"Scope: like clippy with its default avoid-breaking-exported-api, exported API "
			"(a `pub` fn, a `pub` field of a `pub` struct, a method of a `pub` trait) is not "
			"reported, nor is a method of `impl Trait for T` (its signature is the "
			"trait's). `let` annotations and type aliases are not checked either.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
