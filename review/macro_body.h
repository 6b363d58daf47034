/*
 * macro_body.h — the bodies of item-like and block-like macro invocations
 * (`cfg_windows! { .. }`, `feature! { .. }`, `thread_local! { .. }`, the
 * branches of `cfg_if! { if #[cfg(..)] { .. } else { .. } }`) parsed as Rust,
 * so the rules review them like the code around them. tree-sitter leaves a
 * macro's arguments as an unparsed token tree; here the bytes inside the
 * braces are parsed again on their own (ts_parser_set_included_ranges), which
 * keeps every node's byte offset and row/column those of the whole file, so
 * findings in a body carry the outer file's lines and columns.
 *
 * `macro_rules!` is a definition, not an invocation: its body is a template
 * and never parsed. A body that does not parse cleanly as Rust (a DSL such as
 * `select!` or `quote!`) is left to the token-tree scanning the rules already
 * do.
 */
#ifndef RR_MACRO_BODY_H
#define RR_MACRO_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include <tree_sitter/api.h>

/* At most this many brace groups are parsed per invocation (cfg_if! branches). */
#define MACRO_BODY_MAX_PARTS 16

/*
 * The parsed body of one invocation: up to MACRO_BODY_MAX_PARTS trees, each
 * over one brace-delimited byte range of the file, each without syntax errors.
 */
struct macro_body {
	TSTree *trees[MACRO_BODY_MAX_PARTS];
	unsigned n;
};

/* True when the invocation's arguments are a `{ .. }` token tree. */
bool macro_body_is_braced(TSNode invocation);

/*
 * Parses invocation's body with parser (whose included ranges are reset
 * afterwards): the whole `{ .. }` when it parses without errors, else each
 * `{ .. }` group directly inside it that does (cfg_if!'s branches). Returns 0
 * with out->n trees (0: nothing parsed cleanly; the caller scans the token
 * tree as before), or -1 when tree-sitter fails (out is then empty).
 */
int macro_body_parse(TSParser *parser, const char *src, uint32_t len, TSNode invocation,
		     struct macro_body *out);

void macro_body_free(struct macro_body *b);

#endif
