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
	bool test;      /* tests/, benches/, examples/, tests-build/, test-support and fuzz
	                   directories, build.rs, tests.rs, test_util(s).rs */
	bool binary;    /* main.rs or under src/bin/: a program that owns stdout */
	bool bench;     /* under benches/: a benchmark harness (test too), neither shipped
	                   nor a test of the crate: rules that apply to tests may skip it */
};
void rust_path_classify(const char *path, struct rust_path_info *out);

/* Where code runs, as far as the syntax tells. */
enum rust_exec {
	RUST_EXEC_SYNC = 0,   /* a plain fn (or top level) */
	RUST_EXEC_ASYNC,      /* body of an async fn or async block */
	RUST_EXEC_OFFLOADED,  /* closure handed to spawn_blocking / block_in_place / thread::spawn */
};

/*
 * Lint levels the attributes in scope have set (review/attrs.h), over rules:
 * bit i is rule i of the name table handed to rust_walk.
 */
struct rust_lint_levels {
	uint64_t set;      /* an attribute set the level of these rules */
	uint64_t on;       /* of those: warn, deny or forbid (the others: allow, expect) */
	uint64_t deny;     /* of those: deny or forbid */
	uint64_t forbid;   /* forbidden: an inner allow or warn does not lower them */
};

/* A lint name attributes may use, `tool::name` (tool NULL: a rustc lint such
 * as `warnings`), and the rules it stands for: one rule, or a clippy group. */
struct rust_lint_name {
	const char *tool;
	const char *name;
	uint64_t rules;
};

/* The context of one node, computed top-down by rust_walk. */
struct rust_scope {
	bool test;             /* #[cfg(test)] module, #[test]-like fn, or test path */
	bool token_tree;       /* inside a macro invocation's unparsed token tree */
	bool trait_impl;       /* directly inside `impl Trait for T { .. }` */
	bool in_is_empty_fn;   /* inside `fn is_empty` (len_zero must not fire there) */
	enum rust_exec exec;
	uint32_t statement_start;  /* byte where the innermost enclosing statement/item starts */
	struct rust_lint_levels lints;   /* set by allow/expect/warn/deny/forbid attributes */
	bool doc_hidden;       /* #[doc(hidden)] on the node or an enclosing item */
	bool in_const;         /* evaluated at compile time: a const or static initialiser,
	                          `const { }`, an array length, an enum discriminant, a const
	                          generic argument (not the body of a `const fn`) */
	uint32_t msrv;         /* #[clippy::msrv = ".."] in scope (RUST_VERSION), or 0 */
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
	TSNode impl_item;      /* the innermost enclosing impl_item, or a null node */
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
 * RUST_WALK_SKIP_CHILDREN skips the node's subtree; any other non-zero value
 * stops the walk and is returned by rust_walk.
 */
typedef int (*rust_visit_fn)(void *data, TSNode node, const struct rust_scope *scope);
/* A visitor's return value: go on, but not into this node's children (the
 * visitor reviewed them another way, e.g. a macro body parsed as Rust). */
#define RUST_WALK_SKIP_CHILDREN 2

/*
 * One step of a preorder walk with a cursor made by ts_tree_cursor_new(root):
 * into the current node's first child when descend is true and it has one,
 * else on to the node after its subtree. False once the walk has left root's
 * subtree (such a cursor cannot climb above root).
 */
bool rust_cursor_next(TSTreeCursor *c, bool descend);

/*
 * Walks the tree from root. `initial` is the file-level scope (test from the
 * path, lint levels inherited from enclosing modules). lint_names maps the
 * lint names of level attributes to rules (rust_scope.lints, attrs.h).
 * Returns 0, RR_ENOMEM, or the first non-zero visitor result.
 */
int rust_walk(TSNode root, const char *src, const struct rust_scope *initial,
	      const struct rust_lint_name *lint_names, size_t n_lint_names,
	      rust_visit_fn visit, void *data);

/* --- node kinds and fields by symbol -------------------------------------- */

/*
 * The node kinds and field names the walk and the rules test, compared by
 * tree-sitter symbol / field id instead of by name: a table built once per
 * process (symbol -> kind) makes a kind test two loads, where
 * strcmp(ts_node_type(n), "...") was the largest single cost of a review.
 * A kind matches exactly the nodes whose ts_node_type() is that name (named
 * or anonymous), so rust_is(n, RK_X) == rust_node_is(n, "x").
 */
#define RUST_KINDS(X) \
	X(SOURCE_FILE, "source_file") \
	X(BLOCK, "block") \
	X(DECLARATION_LIST, "declaration_list") \
	X(FUNCTION_ITEM, "function_item") \
	X(FUNCTION_SIGNATURE_ITEM, "function_signature_item") \
	X(FUNCTION_MODIFIERS, "function_modifiers") \
	X(CLOSURE_EXPRESSION, "closure_expression") \
	X(ASYNC_BLOCK, "async_block") \
	X(UNSAFE_BLOCK, "unsafe_block") \
	X(IMPL_ITEM, "impl_item") \
	X(TRAIT_ITEM, "trait_item") \
	X(MOD_ITEM, "mod_item") \
	X(TOKEN_TREE, "token_tree") \
	X(ATTRIBUTE_ITEM, "attribute_item") \
	X(INNER_ATTRIBUTE_ITEM, "inner_attribute_item") \
	X(ATTRIBUTE, "attribute") \
	X(MACRO_DEFINITION, "macro_definition") \
	X(MACRO_INVOCATION, "macro_invocation") \
	X(LINE_COMMENT, "line_comment") \
	X(BLOCK_COMMENT, "block_comment") \
	X(CALL_EXPRESSION, "call_expression") \
	X(FIELD_EXPRESSION, "field_expression") \
	X(FIELD_IDENTIFIER, "field_identifier") \
	X(IDENTIFIER, "identifier") \
	X(SCOPED_IDENTIFIER, "scoped_identifier") \
	X(GENERIC_FUNCTION, "generic_function") \
	X(GENERIC_TYPE, "generic_type") \
	X(TYPE_IDENTIFIER, "type_identifier") \
	X(SCOPED_TYPE_IDENTIFIER, "scoped_type_identifier") \
	X(ARGUMENTS, "arguments") \
	X(PARAMETER, "parameter") \
	X(VISIBILITY_MODIFIER, "visibility_modifier") \
	X(STRING_LITERAL, "string_literal") \
	X(RAW_STRING_LITERAL, "raw_string_literal") \
	X(CHAR_LITERAL, "char_literal") \
	X(INTEGER_LITERAL, "integer_literal") \
	X(FLOAT_LITERAL, "float_literal") \
	X(BOOLEAN_LITERAL, "boolean_literal") \
	X(STRING_CONTENT, "string_content") \
	X(STATIC_ITEM, "static_item") \
	X(CONST_ITEM, "const_item") \
	X(LET_DECLARATION, "let_declaration") \
	X(MUTABLE_SPECIFIER, "mutable_specifier") \
	X(LIFETIME, "lifetime") \
	X(REFERENCE_TYPE, "reference_type") \
	X(REFERENCE_EXPRESSION, "reference_expression") \
	X(TRY_EXPRESSION, "try_expression") \
	X(EXPRESSION_STATEMENT, "expression_statement") \
	X(BINARY_EXPRESSION, "binary_expression") \
	X(AWAIT_EXPRESSION, "await_expression") \
	X(ARRAY_EXPRESSION, "array_expression") \
	X(COMPOUND_ASSIGNMENT_EXPR, "compound_assignment_expr") \
	X(ASSIGNMENT_EXPRESSION, "assignment_expression") \
	X(USE_DECLARATION, "use_declaration") \
	X(STRUCT_ITEM, "struct_item") \
	X(ENUM_ITEM, "enum_item") \
	X(UNION_ITEM, "union_item") \
	X(TYPE_ITEM, "type_item") \
	X(USE_AS_CLAUSE, "use_as_clause") \
	X(USE_LIST, "use_list") \
	X(SCOPED_USE_LIST, "scoped_use_list") \
	X(STRUCT_EXPRESSION, "struct_expression") \
	X(PRIMITIVE_TYPE, "primitive_type") \
	X(POINTER_TYPE, "pointer_type") \
	X(PARENTHESIZED_EXPRESSION, "parenthesized_expression") \
	X(FIELD_INITIALIZER, "field_initializer") \
	X(FIELD_DECLARATION, "field_declaration") \
	X(DYNAMIC_TYPE, "dynamic_type") \
	X(CONST_BLOCK, "const_block") \
	X(CLOSURE_PARAMETERS, "closure_parameters") \
	X(BOUNDED_TYPE, "bounded_type") \
	X(ARRAY_TYPE, "array_type") \
	X(ENUM_VARIANT, "enum_variant") \
	X(TYPE_ARGUMENTS, "type_arguments") \
	X(KW_UNSAFE, "unsafe") \
	X(KW_ASYNC, "async") \
	X(KW_AWAIT, "await") \
	X(KW_ELSE, "else") \
	X(KW_RAW, "raw") \
	X(KW_CONST, "const") \
	X(KW_EXTERN, "extern") \
	X(DOT, ".") \
	X(COMMA, ",") \
	X(COLON2, "::") \
	X(PLUS_EQ, "+=") \
	X(PLUS, "+") \
	X(STAR, "*") \
	X(BANG, "!") \
	X(SHL, "<<") \
	X(UNDERSCORE, "_") \
	X(LPAREN, "(") \
	X(RPAREN, ")") \
	X(LBRACKET, "[") \
	X(RBRACKET, "]") \
	X(LBRACE, "{") \
	X(RBRACE, "}")

enum rust_kind {
	RK_NONE = 0,      /* a kind not in the list */
#define RUST_KIND_ENUM(id, name) RK_##id,
	RUST_KINDS(RUST_KIND_ENUM)
#undef RUST_KIND_ENUM
	RK_COUNT
};

#define RUST_FIELDS(X) \
	X(ALIAS, "alias") \
	X(ARGUMENT, "argument") \
	X(ARGUMENTS, "arguments") \
	X(BODY, "body") \
	X(CONDITION, "condition") \
	X(ELEMENT, "element") \
	X(FIELD, "field") \
	X(FUNCTION, "function") \
	X(LEFT, "left") \
	X(LENGTH, "length") \
	X(MACRO, "macro") \
	X(NAME, "name") \
	X(OPERATOR, "operator") \
	X(PARAMETERS, "parameters") \
	X(PATH, "path") \
	X(LIST, "list") \
	X(PATTERN, "pattern") \
	X(RETURN_TYPE, "return_type") \
	X(RIGHT, "right") \
	X(TRAIT, "trait") \
	X(TYPE, "type") \
	X(TYPE_ARGUMENTS, "type_arguments") \
	X(TYPE_PARAMETERS, "type_parameters") \
	X(VALUE, "value")

enum rust_field {
	RF_NONE = 0,
#define RUST_FIELD_ENUM(id, name) RF_##id,
	RUST_FIELDS(RUST_FIELD_ENUM)
#undef RUST_FIELD_ENUM
	RF_COUNT
};

/* The kind of n (RK_NONE for a null node or a kind not listed). */
enum rust_kind rust_node_kind(TSNode n);
static inline bool rust_is(TSNode n, enum rust_kind k)
{
	return rust_node_kind(n) == k;
}
/* The kind named `type` (a grammar node name), or RK_NONE when it is not listed. */
enum rust_kind rust_kind_for_name(const char *type);
/* The grammar name of a kind ("" for RK_NONE). */
const char *rust_kind_name(enum rust_kind k);
/* ts_node_child_by_field_name without looking the field name up on every call. */
TSNode rust_child_by_field(TSNode n, enum rust_field f);
/* rust_child_of_type by kind. */
TSNode rust_child_of_kind(TSNode n, enum rust_kind k);

/* --- node helpers -------------------------------------------------------- */

/* tree-sitter 0.20 reads through a null node's subtree in ts_node_end_byte
 * and the sibling functions; code parsed from broken input reaches them with
 * a missing field, so these helpers answer for a null node instead. */
static inline uint32_t rust_node_len(TSNode n)
{
	return ts_node_is_null(n) ? 0 : ts_node_end_byte(n) - ts_node_start_byte(n);
}
static inline TSNode rust_prev_sibling(TSNode n)
{
	return ts_node_is_null(n) ? n : ts_node_prev_sibling(n);
}
static inline TSNode rust_next_sibling(TSNode n)
{
	return ts_node_is_null(n) ? n : ts_node_next_sibling(n);
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
