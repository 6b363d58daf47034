/*
 * type_helpers.h — shared by the rules about types written in signatures
 * (box_collection, rc_buffer). Internal to review/rules/.
 */
#ifndef RR_TYPE_HELPERS_H
#define RR_TYPE_HELPERS_H

#include "rules.h"

/*
 * True when the type node sits in a declaration clippy's type lints check and
 * whose author can change it: a struct field, a fn parameter or return type
 * (not in `impl Trait for T`, whose signature is the trait's), a static or
 * const — and is not exported API (a `pub` fn, a `pub` field of a `pub`
 * struct, a method of a `pub` trait): changing those breaks callers, the
 * reason clippy's avoid-breaking-exported-api skips them. Let annotations,
 * type aliases and expressions are not checked.
 */
bool type_in_private_signature(TSNode type, const char *src);

/*
 * For `Name<Arg>` (a generic_type with exactly one type argument): copies the
 * last segment of Name into buf and returns Arg; null node otherwise. Only
 * bare names and std/alloc/core paths count (a crate's own `mylib::Box` does not).
 */
TSNode type_single_arg(TSNode type, const char *src, char *name, size_t cap);

#endif
