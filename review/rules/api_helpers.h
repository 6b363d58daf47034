/*
 * api_helpers.h — shared by the error-handling, panic and unsafe rules
 * (missing_*_doc, unwrap_in_result, box_dyn_error_in_public_api, mem_forget,
 * transmute_without_safety, exit): public-API and std-path questions the
 * tree can answer without types. Internal to review/rules/.
 */
#ifndef RR_API_HELPERS_H
#define RR_API_HELPERS_H

#include "rules.h"

/*
 * True when fn (a function_item or function_signature_item, visited with its
 * own scope) is public API as far as the tree shows: library code (not a
 * binary, not test code), every enclosing module plain `pub` (in the file, and
 * on the way from the crate root unless re-exported: api_item_exported), and
 * the fn either plain `pub` (free fn or inherent method) or a method of a
 * `pub trait`. Methods of `impl Trait for T` are not: the trait documents them.
 */
bool api_fn_is_public(const struct rule_ctx *ctx, TSNode fn, const struct rust_scope *scope);

/*
 * False when the file's module is private (a `mod` between it and the crate
 * root is not plain `pub`, review_options.module) and the file-level item that
 * holds item (item itself, its impl's type, its trait) is not among the names
 * a `pub use` re-exports from there: then nothing outside the crate can name it.
 */
bool api_item_exported(const struct rule_ctx *ctx, TSNode item, const struct rust_scope *scope);

/* `async fn` / `unsafe fn` (function_modifiers). */
bool api_fn_has_modifier(TSNode fn, const char *modifier);

/*
 * True when type t is `name` or `name<..>` by its last path segment:
 * api_type_is(t, src, "Result") accepts `Result<T, E>`, `io::Result<T>`,
 * `std::result::Result<T, E>` and `fmt::Result`.
 */
bool api_type_is(TSNode t, const char *src, const char *name);
/* The i-th type argument of a generic type (`Result<T, E>`: 0 is T), or a null node. */
TSNode api_type_arg(TSNode t, uint32_t i);

/*
 * True when call (a call_expression) calls the std function `module::name`:
 * written `std::module::name` (or through core/alloc), with turbofish or
 * not; `m::name` or `alias(..)` when the file's `use` declarations bind `m`
 * to `std::module` (`use std::mem as m;`, `use std::{mem, ..}`) or `alias` to
 * the function (`use std::process::exit as quit;`); plain `name(..)` under
 * `use std::module::*`; `module::name` when the file neither binds `module`
 * to something else nor declares a `mod module` or `fn module` of its own.
 * A file's own `fn name` shadows a glob import. *callee is set to the callee.
 */
bool api_call_is_std(const struct rule_ctx *ctx, TSNode call, const char *module,
		     const char *name, TSNode *callee);

/*
 * True when the path node n (identifier, scoped_identifier or generic_function)
 * names the item `want`, a full path ("std::env::var", "regex::Regex::new"),
 * by the same rules as api_call_is_std: written out (std, core and alloc are
 * one), through the file's `use` bindings and aliases, through a glob import
 * of want's parent, or, for a path of two or more segments the file does not
 * bind, as a tail of want (`Vec::push`, `env::var`). Generic arguments are
 * ignored (`Vec::<u8>::new`).
 */
bool api_path_is(const struct rule_ctx *ctx, TSNode n, const char *want);

/*
 * Reports [first, last] as disallowed by clippy.toml's option (the
 * entry's path, `!` for a macro, and its reason when it gives one).
 */
int api_report_disallowed(struct rule_ctx *ctx, TSNode first, TSNode last,
			  const struct review_disallowed *d, const char *option, bool macro);

/*
 * Reports an item (fn, trait) at its header, from its first token (`pub`)
 * to the end of its name: the line a reviewer looks at, and where clippy
 * puts its missing_*_doc warnings.
 */
int api_emit_item_header(struct rule_ctx *ctx, TSNode item, const char *message);
/* The last node of that header: the item's name, or its first token when it has none. */
TSNode api_item_header_end(TSNode item);

/* True when the item's outer docs (scope->doc_start up to the item) have the
 * markdown heading `# <section>` (any level). */
bool api_item_documents(const struct rule_ctx *ctx, TSNode item, const struct rust_scope *scope,
			const char *section);

#endif
