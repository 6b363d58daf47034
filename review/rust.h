/*
 * rust.h — tree-sitter Rust parsing and the context the rules need: is this
 * test code, are we inside async code, which clippy lints are allowed here.
 *
 * The walk is iterative (an explicit stack, no recursion) so deeply nested
 * input cannot overflow the C stack, and it never calls ts_node_parent() per
 * node (that is O(depth) in the tree-sitter 0.20 runtime).
 */
#ifndef RR_RUST_H
#define RR_RUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_rust(void);

/* What the file's path says about it. */
struct rust_path_info {
	bool test;      /* tests/, benches/, examples/ directories, build.rs, tests.rs */
	bool binary;    /* main.rs or under src/bin/: a program that owns stdout */
};
void rust_path_classify(const char *path, struct rust_path_info *out);

/* Where code runs, as far as the syntax tells. */
enum rust_exec {
	RUST_EXEC_SYNC = 0,   /* a plain fn (or top level) */
	RUST_EXEC_ASYNC,      /* body of an async fn or async block */
	RUST_EXEC_OFFLOADED,  /* closure handed to spawn_blocking / block_in_place / thread::spawn */
};

/* The context of one node, computed top-down by rust_walk. */
struct rust_scope {
	bool test;             /* #[cfg(test)] module, #[test]-like fn, or test path */
	bool token_tree;       /* inside a macro invocation's unparsed token tree */
	bool trait_impl;       /* directly inside `impl Trait for T { .. }` */
	bool in_is_empty_fn;   /* inside `fn is_empty` (len_zero must not fire there) */
	enum rust_exec exec;
	uint32_t statement_start;  /* byte where the innermost enclosing statement/item starts */
	uint64_t allowed;      /* bit i: lint_names[i] is #[allow]ed / #[expect]ed here */
	/*
	 * Function and API context (all false/null/0 at a file's top level).
	 * fn_item: the innermost enclosing function_item, or a null node.
	 * in_closure: inside a closure or async block nested in fn_item, where
	 *   `?` and `return` leave the closure, not fn_item.
	 * private_path: inside a fn body, a module that is not plain `pub`, or a
	 *   trait that is not `pub`: items here are not the crate's public API.
	 * in_trait: directly inside a `trait` body (its method declarations).
	 * unsafe_fn_body: in the body of an `unsafe fn` outside any unsafe block
	 *   (edition 2021 allows unsafe operations there).
	 * doc_start: the node's own value (not inherited): the byte where the
	 *   outer doc comments and attributes written on it begin, or its start.
	 */
	TSNode fn_item;
	bool in_closure;
	bool private_path;
	bool in_trait;
	bool unsafe_fn_body;
	uint32_t doc_start;
};

/*
 * Called for every named node outside attributes and macro_rules! bodies,
 * parents before children, in source order. The scope is the node's own
 * context: its enclosing code plus the attributes written on it. Returning
 * non-zero stops the walk and is returned by rust_walk.
 */
typedef int (*rust_visit_fn)(void *data, TSNode node, const struct rust_scope *scope);

/*
 * Walks the tree from root. `initial` is the file-level scope (test from the
 * path). lint_names (n <= 64) maps `clippy::<name>` in allow/expect
 * attributes to bits of rust_scope.allowed. Returns 0, RR_ENOMEM, or the
 * first non-zero visitor result.
 */
int rust_walk(TSNode root, const char *src, const struct rust_scope *initial,
	      const char *const *lint_names, size_t n_lint_names,
	      rust_visit_fn visit, void *data);

/* --- node helpers -------------------------------------------------------- */

static inline uint32_t rust_node_len(TSNode n)
{
	return ts_node_end_byte(n) - ts_node_start_byte(n);
}
static inline const char *rust_node_ptr(TSNode n, const char *src)
{
	return src + ts_node_start_byte(n);
}
bool rust_node_is(TSNode n, const char *type);
bool rust_node_text_eq(TSNode n, const char *src, const char *text);
/* Heap copy of the node's text, or NULL on allocation failure. */
char *rust_node_text_dup(TSNode n, const char *src);
/*
 * The text of a path (identifier, scoped_identifier, ...) with whitespace
 * removed and a leading "::" dropped, into buf. Returns false when it does not
 * fit (callers treat that as "no match").
 */
bool rust_path_text(TSNode n, const char *src, char *buf, size_t cap);
/* The first direct child of the given type (named or anonymous), or a null node. */
TSNode rust_child_of_type(TSNode n, const char *type);
/* A direct `name ( args )` method call: call_expression whose function is a
 * field_expression. Fills the method name and argument list nodes. */
bool rust_method_call(TSNode call, TSNode *name, TSNode *args);
/* Number of named children that are not comments. */
uint32_t rust_named_arg_count(TSNode args);

/*
 * Token trees (macro arguments) are not parsed as expressions, so rules look
 * for token sequences among a token tree's direct children:
 *   method call  `. name ( ... )`   -> fn(data, name, args_tree)
 *   macro call   `name ! ( ... )`   -> fn(data, name, args_tree)
 * Only direct children are scanned; rust_walk visits nested token trees.
 */
typedef int (*rust_tt_fn)(void *data, TSNode name, TSNode args);
int rust_tt_method_calls(TSNode tt, rust_tt_fn fn, void *data);
int rust_tt_macro_calls(TSNode tt, rust_tt_fn fn, void *data);
/* Number of non-delimiter tokens inside a token tree "( ... )". */
uint32_t rust_tt_inner_count(TSNode tt);

/* --- source text helpers ------------------------------------------------- */

/* Byte offset of the '\n' (or len) ending the line that contains pos. */
size_t rust_line_end(const char *src, size_t len, size_t pos);

/*
 * True when the doc comments in [from, to) (`///` lines, block doc comments
 * and `#[doc = "..."]` attributes; plain comments are ignored) contain a markdown
 * heading whose text is exactly `heading` (`# Panics`, `## Panics`, ...), the
 * way rustdoc and clippy's missing_*_doc lints read them.
 */
bool rust_doc_has_section(const char *src, uint32_t from, uint32_t to, const char *heading);

/*
 * True when a `// SAFETY:` comment (any case, line or block comment) documents the
 * code starting at byte `pos`: on the comment, attribute and blank lines
 * directly above pos's line. Scans at most 64 lines of at most 4096 bytes.
 */
bool rust_safety_comment_above(const char *src, size_t pos);
/* True when a SAFETY comment is the first thing inside the block `{ ...`. */
bool rust_safety_comment_opens(const char *src, TSNode block);

#endif
