/*
 * ranges.h — which bytes of a Rust file a review of some added lines needs
 * parsed: the items that hold the added lines, the headers of the items that
 * enclose them, and the file-level context the rules read.
 *
 * A review keeps only findings on added lines, and every rule looks at most
 * at the item a finding is in, its enclosing items' headers (impl target,
 * `mod tests`, #[cfg(test)], `async fn`) and the file's top level (inner
 * attributes, `use` declarations, the file's own type names). tree-sitter
 * parses a set of byte ranges as one document (ts_parser_set_included_ranges),
 * so a one-line change in a large file costs the parse of one item instead of
 * the file. The item boundaries come from a token scan (strings, raw strings,
 * byte strings, chars, lifetimes, nested comments) that gives up — "unsure",
 * and the caller parses the whole file — on anything it does not know:
 * unbalanced or mismatched brackets, an item it cannot name, a const generic
 * block in a header, an unterminated literal, a shebang.
 *
 * Findings inside the "faithful" spans (items parsed whole, with the same
 * enclosing headers as in the file) are the full parse's findings. What the
 * caller must still check is the one thing that depends on the rest of the
 * file: a fingerprint's occurrence index counts earlier findings of the same
 * rule on lines with the same text (review/findings.c), so a finding whose
 * line text also appears earlier outside the faithful spans needs the full
 * parse (ranges_text_seen_before).
 */
#ifndef RR_RANGES_H
#define RR_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "../common/rr.h"
#include "lines.h"

struct ranges_span {
	uint32_t start, end;       /* bytes [start, end) */
};

struct ranges_item;

struct ranges_plan {
	TSRange *ranges;           /* sorted, disjoint: for ts_parser_set_included_ranges */
	size_t n, cap;
	struct ranges_span *faithful;   /* sorted, disjoint: items parsed whole */
	size_t n_faithful, cap_faithful;
	size_t bytes;              /* bytes in ranges */
	struct ranges_item *items; /* the scan's items (ranges_defines_inherent_fn) */
	size_t n_items;
	const char *src;           /* borrowed: the text planned for */
	size_t len;
	uint32_t *line_starts;     /* byte where each line starts; [n_lines] = len + 1 */
	uint32_t n_lines;
};
#define RANGES_PLAN_INIT { 0 }

/* What ranges_plan concluded. */
#define RANGES_PARTIAL 0           /* plan->ranges cover less than the file */
#define RANGES_UNSURE  1           /* the scan gave up: parse the whole file */
#define RANGES_WHOLE   2           /* the plan would cover (nearly) all of it anyway */

/*
 * Plans the ranges a review of `added` (lines of src, 1-based) needs. Returns
 * RANGES_PARTIAL (plan filled), RANGES_UNSURE or RANGES_WHOLE (plan empty),
 * or RR_ENOMEM. plan borrows src until ranges_plan_free; free it in any case.
 */
int ranges_plan(struct ranges_plan *plan, const char *src, size_t len,
		const struct line_set *added);
void ranges_plan_free(struct ranges_plan *plan);

/*
 * Plans the ranges review_engine_module_step reads: inner attributes, `use`
 * declarations and `mod` declarations (with their outer attributes) at every
 * module level, and the headers of the `mod`, `impl` and `trait` blocks that
 * hold them. Same returns as ranges_plan; no faithful spans.
 */
int ranges_plan_modules(struct ranges_plan *plan, const char *src, size_t len);

/*
 * True when an inherent impl (`impl Type { .. }`, not `impl Trait for Type`)
 * at the file's module level (top level or inside `mod`s) may define a fn
 * called name — what a rule asking "is this `.unwrap()` the file's own?"
 * reads from the whole file. Meaningful after RANGES_PARTIAL.
 */
bool ranges_defines_inherent_fn(const struct ranges_plan *plan, const char *name);

/*
 * True when the body of a fn the plan does not parse may hold a nested fn
 * (the word `fn` in it): the context includes the signatures of the
 * module-level fns and methods the parsed code names, not fns declared
 * inside other fns' bodies. Meaningful after RANGES_PARTIAL.
 */
bool ranges_fn_in_unparsed_body(const struct ranges_plan *plan);

/* True when byte span [start, end) lies inside one faithful span. */
bool ranges_is_faithful(const struct ranges_plan *plan, uint32_t start, uint32_t end);

/*
 * True when some line before `line` (1-based), not inside the faithful spans,
 * may have the same text as `line` but for whitespace — a finding of the full
 * parse there could share the finding's fingerprint key and shift its
 * occurrence index. Conservative: such a line holds the longest
 * whitespace-free piece of `line`, and every line that does counts.
 */
bool ranges_text_seen_before(const struct ranges_plan *plan, uint32_t line);

/*
 * Parses src with the plan's ranges as one document; the parser's included
 * ranges are reset to the whole document before returning. NULL when
 * tree-sitter gives no tree.
 */
TSTree *ranges_parse(TSParser *parser, const struct ranges_plan *plan);

#endif
