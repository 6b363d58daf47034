/* large_stack_arrays.c — `[x; N]` array expressions too big for a thread's stack. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

/* clippy's historical array-size-threshold (512 000 bytes); see the explanation. */
#define THRESHOLD 512000u
#define MAX_DEPTH 8

/* Parses an integer literal (decimal/hex/octal/binary, `_` separators, a type
 * suffix) into *v; *suffix points at the suffix (or the end). */
static bool int_literal(TSNode n, const char *src, uint64_t *v, const char **suffix, size_t *slen)
{
	const char *p = rust_node_ptr(n, src), *end = p + rust_node_len(n);
	unsigned base = 10;
	uint64_t acc = 0;

	if (end - p > 2 && p[0] == '0' && strchr("xob", p[1])) {
		base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		p += 2;
	}
	for (; p < end; p++) {
		unsigned d;
		if (*p == '_')
			continue;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && strchr("abcdefABCDEF", *p))
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base || acc > (UINT64_MAX - d) / base)
			return false;
		acc = acc * base + d;
	}
	*v = acc;
	*suffix = p;
	*slen = (size_t)(end - p);
	return true;
}

/* The array length when it is a literal or literals combined with * + << ( ). */
static bool const_length(TSNode n, const char *src, uint64_t *v, int depth)
{
	const char *suffix;
	size_t slen;

	if (depth > MAX_DEPTH)
		return false;
	if (rust_is(n, RK_INTEGER_LITERAL))
		return int_literal(n, src, v, &suffix, &slen);
	if (rust_is(n, RK_PARENTHESIZED_EXPRESSION))
		return const_length(ts_node_named_child(n, 0), src, v, depth + 1);
	if (rust_is(n, RK_BINARY_EXPRESSION)) {
		TSNode op = rust_child_by_field(n, RF_OPERATOR);
		uint64_t a, b;
		if (!const_length(rust_child_by_field(n, RF_LEFT), src, &a, depth + 1) ||
		    !const_length(rust_child_by_field(n, RF_RIGHT), src, &b, depth + 1))
			return false;
		if (rust_is(op, RK_STAR) && (a == 0 || b <= UINT64_MAX / a))
			*v = a * b;
		else if (rust_is(op, RK_PLUS) && a <= UINT64_MAX - b)
			*v = a + b;
		else if (rust_is(op, RK_SHL) && b < 40 && a < ((uint64_t)1 << 23))
			*v = a << b;
		else
			return false;
		return true;
	}
	return false;
}

/* A lower bound of the element's size in bytes, from literals alone (an
 * unsuffixed integer may be inferred as u8, a float as f32); 0 if unknown. */
static uint64_t element_size(TSNode n, const char *src, int depth)
{
	static const struct { const char *suffix; uint64_t size; } ints[] = {
		{ "u8", 1 }, { "i8", 1 }, { "u16", 2 }, { "i16", 2 }, { "u32", 4 }, { "i32", 4 },
		{ "u64", 8 }, { "i64", 8 }, { "u128", 16 }, { "i128", 16 }, { "usize", 8 },
		{ "isize", 8 }, { "f32", 4 }, { "f64", 8 },
	};
	uint64_t v;
	const char *suffix;
	size_t slen;

	if (depth > MAX_DEPTH)
		return 0;
	if (rust_is(n, RK_BOOLEAN_LITERAL))
		return 1;
	if (rust_is(n, RK_CHAR_LITERAL))
		return 4;
	if (rust_is(n, RK_FLOAT_LITERAL)) {
		size_t len = rust_node_len(n);
		const char *p = rust_node_ptr(n, src);
		return len > 3 && memcmp(p + len - 3, "f64", 3) == 0 ? 8 : 4;
	}
	if (rust_is(n, RK_INTEGER_LITERAL) && int_literal(n, src, &v, &suffix, &slen)) {
		if (slen == 0)
			return 1;
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			if (strlen(ints[i].suffix) == slen && memcmp(suffix, ints[i].suffix, slen) == 0)
				return ints[i].size;
		return 0;
	}
	if (rust_is(n, RK_ARRAY_EXPRESSION)) {
		TSNode len = rust_child_by_field(n, RF_LENGTH);
		uint64_t inner = element_size(ts_node_named_child(n, 0), src, depth + 1);
		if (ts_node_is_null(len) || !inner || !const_length(len, src, &v, 0))
			return 0;
		return v <= UINT64_MAX / inner ? v * inner : UINT64_MAX;
	}
	return 0;
}

/* A static or const lives in the binary's data, not on a stack. */
static bool in_static_item(TSNode n)
{
	for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
		const char *t = ts_node_type(p);
		if (strcmp(t, "static_item") == 0 || strcmp(t, "const_item") == 0)
			return true;
		if (strcmp(t, "function_item") == 0 || strcmp(t, "closure_expression") == 0)
			return false;
	}
	return false;
}

/*
 * `&[lit; N]` (not `&mut`): a constant expression behind a shared borrow is
 * promoted to a static by the compiler, so the array is in the binary's
 * data, not on the stack (it runs on a 64 KiB thread stack with N of 10 MiB).
 */
static bool promoted_to_static(TSNode n)
{
	TSNode parent = ts_node_parent(n), elem = ts_node_named_child(n, 0);
	enum rust_kind k = rust_node_kind(elem);

	if (!rust_is(parent, RK_REFERENCE_EXPRESSION) ||
	    !ts_node_is_null(rust_child_of_kind(parent, RK_MUTABLE_SPECIFIER)))
		return false;
	return k == RK_INTEGER_LITERAL || k == RK_FLOAT_LITERAL || k == RK_CHAR_LITERAL ||
	       k == RK_BOOLEAN_LITERAL;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	uint64_t size, threshold;
	char *msg;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_ARRAY_EXPRESSION) ||
	    ts_node_is_null(rust_child_by_field(node, RF_LENGTH)))
		return 0;
	size = element_size(node, ctx->src, 0);
	/* clippy.toml's array-size-threshold, when the team set one. */
	threshold = ctx->opts && ctx->opts->clippy.array_size_threshold
			    ? ctx->opts->clippy.array_size_threshold : THRESHOLD;
	if (size <= threshold || in_static_item(node) || promoted_to_static(node))
		return 0;
	msg = rule_format("This array puts at least %llu KiB on the stack. A thread's stack is "
			  "typically 2 MiB (8 MiB for `main`), so it can overflow and abort the "
			  "process, and every move of the array copies all of it. Allocate it on the "
			  "heap instead: `vec![x; N]` or `vec![x; N].into_boxed_slice()`.",
			  (unsigned long long)(size / 1024));
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, node, node, msg, NULL);
	free(msg);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "array_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "[", NULL };

const struct rule rule_large_stack_arrays = {
	.info = {
		.id = "large_stack_arrays",
		.severity = RR_SEV_WARNING,
		.summary = "`[x; N]` array expression larger than 512 000 bytes on the stack",
		.explanation =
			"What: flags a repeat array expression `[x; N]` in code (not in a `static` or "
			"`const`) whose size is provably above 512 000 bytes "
			"(clippy::large_stack_arrays). The size comes from literals only: N must be an "
			"integer literal or literals combined with `*`, `+`, `<<`, and the element a "
			"literal (an unsuffixed integer counts as one byte, since it may be a `u8`) or a "
			"nested repeat array. `vec![x; N]` is on the heap and never flagged, and "
			"neither is `&[lit; N]` behind a shared borrow: the compiler promotes that "
			"constant to a static, so it is never on the stack (clippy 1.95 still reports "
			"it; this rule does not, since the comment would be wrong).\n\n"
			"Why: threads spawned by std and by tokio get 2 MiB of stack by default; "
			"`main` gets 8 MiB. A half-megabyte local, or a few of them along a call chain, "
			"overflows it and the process aborts with `stack overflow` (no unwinding, no "
			"error handling). Even `Box::new([0u8; N])` builds the array on the stack "
			"first in debug builds.\n\n"
			"How to fix: allocate on the heap: `vec![0u8; N]`, or "
			"`vec![0u8; N].into_boxed_slice()` for a fixed-size buffer; a "
			"`Box<[u8; N]>` can be made with `vec![0u8; N].into_boxed_slice().try_into()`.\n\n"
			"Bad:\n    let mut buf = [0u8; 1 << 20];\n"
			"Good:\n    let mut buf = vec![0u8; 1 << 20];\n\n"
			"Threshold: `array-size-threshold` of clippy.toml when the repository sets it; "
			"otherwise 512 000 bytes, clippy's long-standing default and the size where "
			"stack overflows become plausible. Recent clippy releases lowered the default to "
			"16 KiB, which flags ordinary I/O buffers that are harmless in production.\n\n"
			"Subset of clippy: without a clippy.toml threshold, arrays between 16 KiB and "
			"500 KB are left alone, and so are arrays whose size is not written with "
			"literals (`[T::default(); N]` with a const N, elements of other types), and "
			"`&[lit; N]` (promoted to a static).",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
