/* type_helpers.c — where a type is written, and `Name<Arg>` decomposition. */
#include "type_helpers.h"

#include <string.h>

/* Type syntax a type can be nested in (Option<Box<Vec<u8>>>, &[Rc<String>], ...). */
static bool is_type_wrapper(TSNode n)
{
	static const char *const types[] = { "generic_type", "type_arguments", "reference_type",
					     "tuple_type", "array_type", "pointer_type" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (rust_node_is(n, types[i]))
			return true;
	return false;
}

/* `pub` exactly: pub(crate), pub(super) and pub(in ..) stay inside the crate. */
static bool is_exported(TSNode item, const char *src)
{
	TSNode vis = rust_child_of_kind(item, RK_VISIBILITY_MODIFIER);
	return !ts_node_is_null(vis) && rust_node_text_eq(vis, src, "pub");
}

/* A fn (item or trait method declaration) whose signature is public API. */
static bool fn_is_exported(TSNode fn, const char *src)
{
	TSNode list = ts_node_parent(fn), owner;

	if (rust_is(fn, RK_FUNCTION_ITEM) && is_exported(fn, src))
		return true;
	owner = rust_is(list, RK_DECLARATION_LIST) ? ts_node_parent(list) : (TSNode){ 0 };
	return rust_is(owner, RK_TRAIT_ITEM) && is_exported(owner, src);
}

static bool field_is_exported(TSNode field, const char *src)
{
	TSNode list = ts_node_parent(field), strukt = ts_node_parent(list);
	return is_exported(field, src) && rust_is(strukt, RK_STRUCT_ITEM) &&
	       is_exported(strukt, src);
}

/* A method of `impl Trait for T`: its signature is the trait's to change. */
static bool fn_in_trait_impl(TSNode fn)
{
	TSNode list = ts_node_parent(fn), impl = ts_node_parent(list);
	return rust_is(list, RK_DECLARATION_LIST) && rust_is(impl, RK_IMPL_ITEM) &&
	       !ts_node_is_null(rust_child_by_field(impl, RF_TRAIT));
}

static bool is_fn(TSNode n)
{
	return rust_is(n, RK_FUNCTION_ITEM) || rust_is(n, RK_FUNCTION_SIGNATURE_ITEM);
}

bool type_in_private_signature(TSNode type, const char *src)
{
	TSNode owner = ts_node_parent(type);

	while (is_type_wrapper(owner))
		owner = ts_node_parent(owner);
	if (rust_is(owner, RK_PARAMETER))
		owner = ts_node_parent(ts_node_parent(owner));   /* parameters -> fn */
	if (ts_node_is_null(owner))
		return false;
	if (rust_is(owner, RK_FIELD_DECLARATION))
		return !field_is_exported(owner, src);
	if (is_fn(owner))
		return !fn_in_trait_impl(owner) && !fn_is_exported(owner, src);
	if (rust_is(owner, RK_STATIC_ITEM) || rust_is(owner, RK_CONST_ITEM))
		return !is_exported(owner, src);
	return false;
}

TSNode type_single_arg(TSNode type, const char *src, char *name, size_t cap)
{
	static const char *const crates[] = { "std::", "alloc::", "core::" };
	TSNode args, base, arg;
	char path[96];
	const char *last;

	if (!rust_is(type, RK_GENERIC_TYPE))
		return (TSNode){ 0 };
	base = rust_child_by_field(type, RF_TYPE);
	args = rust_child_by_field(type, RF_TYPE_ARGUMENTS);
	if (ts_node_is_null(base) || ts_node_is_null(args) || rust_named_arg_count(args) != 1 ||
	    !rust_path_text(base, src, path, sizeof(path)))
		return (TSNode){ 0 };
	arg = ts_node_named_child(args, 0);
	for (uint32_t i = 0; rust_is(arg, RK_LINE_COMMENT) || rust_is(arg, RK_BLOCK_COMMENT);)
		arg = ts_node_named_child(args, ++i);
	last = strrchr(path, ':');
	if (last) {
		bool std_path = false;
		for (size_t i = 0; i < sizeof(crates) / sizeof(crates[0]); i++)
			std_path |= strncmp(path, crates[i], strlen(crates[i])) == 0;
		if (!std_path)
			return (TSNode){ 0 };
		last++;
	} else {
		last = path;
	}
	if (strlen(last) >= cap || rust_is(arg, RK_LIFETIME))
		return (TSNode){ 0 };
	memcpy(name, last, strlen(last) + 1);
	return arg;
}
