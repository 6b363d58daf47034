/*
 * rules.h — the internal rule interface (not for use outside review/).
 *
 * A rule is its public rule_info plus a check function. The engine walks the
 * tree once (rust_walk) and calls every enabled rule's check for each named
 * node of the kinds the rule declares (struct rule.kinds), with the node's scope. The engine has already filtered out rules that
 * are #[allow]ed at the node and production-only rules in test code, so a
 * check only decides "does this node break the rule" and emits.
 */
#ifndef RR_RULES_H
#define RR_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/rr.h"
#include "../engine.h"
#include "../findings.h"
#include "../rust.h"

struct rule;

/* Everything a check needs about the file being reviewed. */
struct rule_ctx {
	const char *path;
	const char *src;
	size_t len;
	struct rust_path_info pathinfo;
	const struct rule *rule;       /* the rule being run (set by the engine) */
	enum rr_severity severity;     /* its findings' severity here (set by the engine) */
	struct finding_list *out;      /* findings of this file */
	const struct review_options *opts;   /* the file's settings, or NULL: the defaults */
	TSNode root;                   /* the file's syntax tree (set by the engine) */
	/* The tree a finding's normalised code (introduced.h) is read from: root,
	 * or the parsed body of the macro invocation being reviewed (macro_body.h). */
	TSNode code_root;
	/* Per file, computed on first use: does an inherent impl of this file
	 * define `unwrap` / `expect`? 0 unknown, 1 no, 2 yes (rule_helpers.c). */
	unsigned char own_method[2];
	uint32_t binding_visits;       /* nodes those lookups walked in this file (a budget) */
	uint32_t guard_visits;         /* nodes the guard lookups of panic_idioms.c walked here */
	/* Per file, computed on first use (value_kind.c): what the fns this file
	 * declares under a name return, for the last FN_KIND_CACHE names asked;
	 * and the items those lookups visited (a budget). */
	struct {
		char name[48];
		unsigned char kind;    /* enum value_kind */
	} fn_kinds[8];
	unsigned n_fn_kinds;
	uint32_t kind_visits;
	/* Per file, computed on first use: does the text mention a std item's
	 * name at all (api_helpers.c: no scan for an alias of one it never names)? */
	struct {
		char name[32];
		bool mentioned;
	} mentions[4];
	unsigned n_mentions;
	/* Per file (per tree: the engine drops it when it parses again), the
	 * `use` declarations and the names of the fns and modules of the file,
	 * gathered by one walk (api_helpers.c: each plain call walked the whole
	 * tree for them, 60 % of some ripgrep checks). Freed by
	 * rule_ctx_release. */
	struct rule_use_index *use_index;
};
#define FN_KIND_CACHE 8

/* Frees what the rules cached in ctx for one tree. */
void rule_ctx_release(struct rule_ctx *ctx);

/* Returns 0 or RR_ENOMEM. */
typedef int (*rule_check_fn)(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope);

struct rule {
	struct rule_info info;
	rule_check_fn check;
	/*
	 * NULL, or a NULL-terminated list of rule ids this rule is a more specific
	 * form of (unwrap_in_result -> unwrap_used). When both report overlapping
	 * spans on the same line, rules_drop_superseded keeps only this rule's
	 * finding, so one problem gets one comment.
	 */
	const char *const *supersedes;
	/*
	 * NULL-terminated list of the node types (grammar names, see enum
	 * rust_kind) check() can act on; the engine calls check() only for nodes
	 * of these kinds (a dispatch table indexed by kind). NULL: every node.
	 */
	const char *const *kinds;
	/*
	 * NULL-terminated list of texts of which at least one lies inside the
	 * span of every finding the rule reports (the method or macro name, a
	 * keyword of the reported item, ...), starting a token there (a trigger
	 * that begins with a letter, digit or _ does not match inside a longer
	 * identifier: list "try_borrow" besides "borrow"; "print" still matches
	 * "println"), and so at or after the start of the
	 * finding's first line even when the rule also looks at context before it
	 * (a guard's `let`, an item's docs). The engine skips parsing a file when
	 * no enabled rule's trigger occurs from its first added line on (see
	 * review_engine_file_opts). NULL: the rule cannot say, the file is always parsed.
	 */
	const char *const *triggers;
	/*
	 * NULL, or whether the rule has anything to look for under these options
	 * (opts may be NULL: the defaults). A rule driven by configuration
	 * (disallowed_methods with no list in clippy.toml) answers false and is
	 * not run, nor does it keep a file from the no-parse fast path.
	 */
	bool (*applies)(const struct review_options *opts);
};

/* The table (table.c), in `rustreview rules` order. At most 64 rules (allow bits). */
extern const struct rule *const rule_table[];
extern const size_t rule_table_len;

/*
 * Removes each finding that another finding of the same file supersedes
 * (struct rule.supersedes): same first line, overlapping columns. Run it on a
 * sorted list after every filter that can drop findings (allow, config,
 * inline suppressions) so that silencing the specific rule brings the general
 * one back. Returns 0 or RR_ENOMEM (the list is then unchanged). (supersede.c)
 */
int rules_drop_superseded(struct finding_list *l);

/*
 * Adds a finding for ctx->rule spanning [start, end) of the source.
 * message is copied; replacement (may be NULL) is copied and also applied to
 * the span's lines to build suggestion_lines. Returns 0 or RR_ENOMEM.
 */
int rule_emit(struct rule_ctx *ctx, TSPoint start, uint32_t start_byte, TSPoint end,
	      uint32_t end_byte, const char *message, const char *replacement);
/* The span from the start of `first` to the end of `last` (same node is fine). */
int rule_emit_nodes(struct rule_ctx *ctx, TSNode first, TSNode last, const char *message,
		    const char *replacement);
/* Heap printf for messages; NULL on allocation failure. */
char *rule_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies at most max bytes of the node's text for quoting in a message:
 * newlines become spaces, backticks become ', long text ends in "...". */
void rule_quote(TSNode n, const char *src, char *buf, size_t cap);

/* Rules. */
extern const struct rule rule_unwrap_used;
extern const struct rule rule_expect_used;
extern const struct rule rule_panic;
extern const struct rule rule_todo;
extern const struct rule rule_unimplemented;
extern const struct rule rule_dbg_macro;
extern const struct rule rule_print_stdout;
extern const struct rule rule_undocumented_unsafe_blocks;
extern const struct rule rule_ptr_arg;
extern const struct rule rule_len_zero;
extern const struct rule rule_await_holding_lock;
extern const struct rule rule_blocking_in_async;
extern const struct rule rule_await_holding_refcell_ref;
extern const struct rule rule_box_collection;
extern const struct rule rule_rc_buffer;
extern const struct rule rule_large_stack_arrays;
extern const struct rule rule_bidi_chars;
extern const struct rule rule_hardcoded_credentials;
extern const struct rule rule_format_push_string;
extern const struct rule rule_or_fun_call;
extern const struct rule rule_needless_collect;
extern const struct rule rule_redundant_clone;
extern const struct rule rule_useless_format;
extern const struct rule rule_unwrap_in_result;
extern const struct rule rule_missing_panics_doc;
extern const struct rule rule_missing_errors_doc;
extern const struct rule rule_missing_safety_doc;
extern const struct rule rule_mem_forget;
extern const struct rule rule_transmute_without_safety;
extern const struct rule rule_static_mut_refs;
extern const struct rule rule_exit;
extern const struct rule rule_box_dyn_error_in_public_api;
extern const struct rule rule_print_stderr;
extern const struct rule rule_let_underscore_must_use;
extern const struct rule rule_unwrap_or_default;
extern const struct rule rule_disallowed_methods;
extern const struct rule rule_disallowed_macros;

/* Shared by the macro rules (panic, todo, ...): calls fn for each invocation
 * of the named macro at node — a macro_invocation node (`std::`/`core::`
 * paths accepted) or a `name!(..)` token sequence inside a token tree. */
int rule_each_macro_call(struct rule_ctx *ctx, TSNode node, const char *const *names,
			 size_t n_names,
			 int (*fn)(struct rule_ctx *ctx, TSNode first, TSNode last, const char *name));

#endif
