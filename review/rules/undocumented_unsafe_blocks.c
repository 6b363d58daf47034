/* undocumented_unsafe_blocks.c — `unsafe { }` without a `// SAFETY:` comment. */
#include "rules.h"

#include <string.h>
#include <stdint.h>
#include <strings.h>

static const char MESSAGE[] =
	"This `unsafe` block has no `// SAFETY:` comment. "
	"Unsafe code is where memory-safety bugs live, and reviewers and future editors need to know "
	"which invariants make it sound. Add a `// SAFETY: ...` comment just above the block that "
	"explains why every requirement of the unsafe operations is met.";

/* Case-insensitive "SAFETY:" in [p, p+n), as clippy accepts "Safety:" too. */
static bool mentions_safety(const char *p, size_t n)
{
	static const char word[] = "safety:";
	size_t wlen = sizeof(word) - 1;
	for (size_t i = 0; i + wlen <= n; i++)
		if (strncasecmp(p + i, word, wlen) == 0)
			return true;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Classifies the line [s, e): 'b'lank, 'c'omment, 'a'ttribute or code ('x'). */
static char line_kind(const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e)
		return 'b';
	if (*s == '/' && e - s >= 2 && (s[1] == '/' || s[1] == '*'))
		return 'c';
	/* The middle or end of a block comment. */
	if (*s == '*' || (e - s >= 2 && e[-2] == '*' && e[-1] == '/'))
		return 'c';
	if (*s == '#' && e - s >= 2 && (s[1] == '[' || s[1] == '!'))
		return 'a';
	return 'x';
}

/* How far up a SAFETY comment may be, and how long a line we scan back over:
 * bounds the work on pathological input (a comment further away than this
 * documents something else). */
#define MAX_LINES_UP 64
#define MAX_LINE_SCAN 4096

/* Start of the line containing pos, or SIZE_MAX when the line is too long. */
static size_t line_start_of(const char *src, size_t pos)
{
	size_t start = pos;
	while (start > 0 && src[start - 1] != '\n') {
		if (pos - start >= MAX_LINE_SCAN)
			return SIZE_MAX;
		start--;
	}
	return start;
}

/*
 * Walks up from the line above the one holding byte `pos`, over comments,
 * attributes and blank lines (clippy accepts all three between the comment
 * and the block), and reports whether one of the comments says SAFETY:.
 */
static bool safety_comment_above(const struct rule_ctx *ctx, size_t pos)
{
	size_t end = line_start_of(ctx->src, pos);

	for (int lines = 0; end != SIZE_MAX && end > 0 && lines < MAX_LINES_UP; lines++) {
		size_t line_end = end - 1;      /* the '\n' ending the previous line */
		size_t start = line_start_of(ctx->src, line_end);
		char kind;
		if (start == SIZE_MAX)
			return false;
		kind = line_kind(ctx->src + start, ctx->src + line_end);
		if (kind == 'x')
			return false;
		if (kind == 'c' && mentions_safety(ctx->src + start, line_end - start))
			return true;
		end = start;
	}
	return false;
}

/* `unsafe { // SAFETY: ...` — a comment opening the block counts too. */
static bool safety_comment_inside(const struct rule_ctx *ctx, TSNode unsafe_block)
{
	TSNode block = rust_child_of_type(unsafe_block, "block");
	uint32_t count;

	if (ts_node_is_null(block))
		return false;
	count = ts_node_named_child_count(block);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(block, i);
		const char *t = ts_node_type(c);
		if (strcmp(t, "line_comment") != 0 && strcmp(t, "block_comment") != 0)
			return false;
		if (mentions_safety(rust_node_ptr(c, ctx->src), rust_node_len(c)))
			return true;
	}
	return false;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	uint32_t start;

	if (!rust_node_is(node, "unsafe_block"))
		return 0;
	start = ts_node_start_byte(node);
	if (safety_comment_above(ctx, start) || safety_comment_inside(ctx, node))
		return 0;
	/* A comment above `let x =\n unsafe { .. }` documents the block too
	 * (clippy's accept-comment-above-statement). */
	if (scope->statement_start < start && safety_comment_above(ctx, scope->statement_start))
		return 0;
	/* The span is the `unsafe` keyword: a comment anchors on the block's first line. */
	return rule_emit_nodes(ctx, ts_node_child(node, 0), ts_node_child(node, 0), MESSAGE, NULL);
}

const struct rule rule_undocumented_unsafe_blocks = {
	.info = {
		.id = "undocumented_unsafe_blocks",
		.severity = RR_SEV_WARNING,
		.summary = "`unsafe` block without a `// SAFETY:` comment",
		.explanation =
			"What: flags `unsafe { .. }` blocks with no `// SAFETY:` comment "
			"(clippy::undocumented_unsafe_blocks). Like clippy, the comment may sit on the "
			"lines just above the block (blank lines and attributes in between are fine), "
			"above the statement that contains it (`let x =` on the line before), or open "
			"the block itself. \"Safety:\" in any case is accepted.\n\n"
			"Why: the compiler stops checking inside `unsafe`; the programmer promises that "
			"the operation's preconditions hold (pointer valid and aligned, no aliasing "
			"`&mut`, length in bounds, ...). If that promise is not written down, nobody can "
			"review it, and the next edit breaks it silently. Memory-safety bugs are the worst "
			"production bugs: undefined behaviour, data corruption, security holes.\n\n"
			"How to fix: write, right above the block, why each precondition holds.\n\n"
			"Bad:\n    let v = unsafe { *ptr };\n"
			"Good:\n    // SAFETY: `ptr` comes from `Box::into_raw` above and is freed only in Drop,\n"
			"    // so it is non-null, aligned and valid for reads here.\n"
			"    let v = unsafe { *ptr };\n\n"
			"Context: applies everywhere, test code included: an unsound test can corrupt "
			"memory and make unrelated tests fail.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
};
