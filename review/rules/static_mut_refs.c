/* static_mut_refs.c — `static mut` items, and the references this file takes to them. */
#include "api_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES_NOTED 3

struct refs {
	uint32_t lines[MAX_LINES_NOTED];
	size_t n;       /* all references found */
};

/* `&NAME`, `&mut NAME`, or `NAME.method(..)` (an implicit `&`/`&mut`
 * autoref): what rustc's static_mut_refs lint reports. */
static bool takes_reference(TSNode n, const char *src, TSNode name)
{
	TSNode operand;

	/* `&raw const X` / `&raw mut X` make raw pointers: the recommended fix. */
	if (rust_is(n, RK_REFERENCE_EXPRESSION) && ts_node_is_null(rust_child_of_kind(n, RK_KW_RAW)))
		operand = rust_child_by_field(n, RF_VALUE);
	else if (rust_is(n, RK_CALL_EXPRESSION) &&
		 rust_is(rust_child_by_field(n, RF_FUNCTION), RK_FIELD_EXPRESSION))
		operand = rust_child_by_field(rust_child_by_field(n, RF_FUNCTION), RF_VALUE);
	else
		return false;
	return rust_is(operand, RK_IDENTIFIER) && rust_node_len(operand) == rust_node_len(name) &&
	       memcmp(rust_node_ptr(operand, src), rust_node_ptr(name, src), rust_node_len(name)) == 0;
}

/* Walks the file (string and macro bodies aside) for references to name. */
static void find_refs(TSNode root, const char *src, TSNode name, struct refs *r)
{
	TSTreeCursor c = ts_tree_cursor_new(root);

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		const char *t = ts_node_type(cur);
		bool descend = strcmp(t, "macro_definition") != 0 && strcmp(t, "token_tree") != 0 &&
			       strcmp(t, "string_literal") != 0;
		if (takes_reference(cur, src, name)) {
			if (r->n < MAX_LINES_NOTED)
				r->lines[r->n] = ts_node_start_point(cur).row + 1;
			r->n++;
		}
		if (!rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
}

/* Appends " This file takes references to it on lines 4, 9, 12 and 2 more."
 * (nothing when there are none). Returns 0 or RR_ENOMEM. */
static int refs_note(const struct refs *r, struct rr_buf *b)
{
	size_t shown = r->n < MAX_LINES_NOTED ? r->n : MAX_LINES_NOTED;
	char num[48];

	if (r->n == 0)
		return RR_OK;
	if (rr_buf_puts(b, r->n > 1 ? " This file takes references to it on lines "
				    : " This file takes a reference to it on line "))
		return RR_ENOMEM;
	for (size_t i = 0; i < shown; i++) {
		snprintf(num, sizeof(num), "%s%u", i ? ", " : "", r->lines[i]);
		if (rr_buf_puts(b, num))
			return RR_ENOMEM;
	}
	if (r->n > shown) {
		snprintf(num, sizeof(num), " and %zu more", r->n - shown);
		if (rr_buf_puts(b, num))
			return RR_ENOMEM;
	}
	return rr_buf_puts(b, ".") ? RR_ENOMEM : RR_OK;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode mut, name;
	struct refs r = { { 0 }, 0 };
	struct rr_buf note = RR_BUF_INIT;
	char quoted[64];
	char *msg = NULL;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_STATIC_ITEM))
		return 0;
	mut = rust_child_of_kind(node, RK_MUTABLE_SPECIFIER);
	name = rust_child_by_field(node, RF_NAME);
	/* A static without a value is declared in an `extern` block: it is C's
	 * global, and `static mut` is the only way to name it. */
	if (ts_node_is_null(mut) || ts_node_is_null(name) ||
	    ts_node_is_null(rust_child_by_field(node, RF_VALUE)))
		return 0;
	find_refs(ts_tree_root_node(node.tree), ctx->src, name, &r);
	if ((rc = refs_note(&r, &note)) != RR_OK)
		goto cleanup;
	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	msg = rule_format("`static mut %s` is global mutable state with no synchronisation: any "
			  "access from two threads, or a reference held while another is taken, is "
			  "undefined behaviour, and Rust 2024 rejects references to it.%s Use an "
			  "atomic, a `Mutex`/`RwLock`, `OnceLock`/`LazyLock`, or a `thread_local!`.",
			  quoted, note.data ? note.data : "");
	if (!msg) {
		rc = RR_ENOMEM;
		goto cleanup;
	}
	rc = rule_emit_nodes(ctx, node, name, msg, NULL);
cleanup:
	free(msg);
	rr_buf_free(&note);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "static_item", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "static", NULL };

const struct rule rule_static_mut_refs = {
	.info = {
		.id = "static_mut_refs",
		.severity = RR_SEV_WARNING,
		.summary = "`static mut` global mutable state",
		.explanation =
			"What: flags `static mut` item declarations, and lists the lines where this file "
			"takes a reference to the static (`&X`, `&mut X`, or a method call `X.m()`, "
			"which borrows it implicitly). The id is rustc's lint `static_mut_refs` "
			"(warn in edition 2021, deny in 2024), which fires on those references; "
			"clippy has none. Reporting the declaration gives one comment with the fix "
			"instead of one per use.\n\n"
			"Why: every access to a `static mut` is `unsafe` because nothing stops two "
			"threads from touching it at once (a data race: undefined behaviour) or one "
			"`&mut` from coexisting with another reference (aliasing UB), and the compiler "
			"optimises assuming neither happens. Tests run on several threads by default, so "
			"these bugs show up as flaky failures.\n\n"
			"How to fix: `AtomicU64`/`AtomicBool` for counters and flags; `Mutex<T>`/"
			"`RwLock<T>` for data; `OnceLock`/`LazyLock` for values initialised once; "
			"`thread_local!` with `Cell`/`RefCell` for per-thread state. If a raw global is "
			"truly needed (FFI), take raw pointers with `&raw const X`/`addr_of!` and "
			"document the synchronisation.\n\n"
			"Bad:\n    static mut COUNT: u64 = 0;\n    unsafe { COUNT += 1 }\n"
			"Good:\n    static COUNT: AtomicU64 = AtomicU64::new(0);\n"
			"    COUNT.fetch_add(1, Ordering::Relaxed);\n\n"
			"Context: statics declared in `extern` blocks (C globals) are skipped. References "
			"are found by name in this file only (a shadowing local of the same name is "
			"counted too). Applies to test code too.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
