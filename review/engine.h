/*
 * engine.h — the review engine: parse a Rust file with tree-sitter and run the
 * rule table over it. Forge-agnostic; knows nothing about HTTP or queues.
 *
 * A review_engine holds a tree-sitter parser and compiled queries. It is not
 * thread-safe: create one per worker thread and reuse it across files and jobs.
 */
#ifndef RR_ENGINE_H
#define RR_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "findings.h"
#include "lines.h"
#include "rust.h"

struct review_engine;

int review_engine_new(struct review_engine **out, struct rr_error *err);
/* Frees e and its helper engines. */
void review_engine_free(struct review_engine *e);
/*
 * The i-th helper engine of e (i < REVIEW_MAX_THREADS - 1), created on first use and kept for the
 * next call: owned and freed by e. For the extra threads of a parallel review
 * (review_run); call it from e's own thread. NULL (err set) on failure.
 */
struct review_engine *review_engine_helper(struct review_engine *e, size_t i,
					   struct rr_error *err);
/*
 * How many threads review_run may use with this engine, 1-REVIEW_MAX_THREADS;
 * 0 (the default) means review_default_threads() (review/review.h).
 */
#define REVIEW_MAX_THREADS 64
void review_engine_set_threads(struct review_engine *e, unsigned threads);
unsigned review_engine_threads(const struct review_engine *e);

/*
 * Reviews the new text of one file. Findings whose first line is in `added`
 * (every line when added is NULL) are appended to out, already fingerprinted.
 * path decides production vs test/example/bench/build-script context and
 * library vs binary (print_stdout). Returns 0, or an error for allocation
 * failure; unparsable Rust still yields whatever the rules find in the parts
 * tree-sitter recovered (never an error for bad input).
 */
int review_engine_file(struct review_engine *e, const char *path, const char *src, size_t len,
		       const struct line_set *added, struct finding_list *out, struct rr_error *err);

/*
 * Per-repository settings (.rustreview.toml, Cargo.toml [lints]): see
 * review/config.h for where they come from. A NULL options pointer means the
 * defaults everywhere.
 */
#define REVIEW_MAX_RULES 64

enum review_level {
	REVIEW_LEVEL_DEFAULT = 0,   /* the rule's own severity */
	REVIEW_LEVEL_OFF,
	REVIEW_LEVEL_NOTE,
	REVIEW_LEVEL_WARNING,
	REVIEW_LEVEL_ERROR,
};
/* "off", "note", "warning", "error" ("default" for REVIEW_LEVEL_DEFAULT). */
const char *review_level_name(enum review_level l);

#define REVIEW_FAIL_NEVER 3         /* fail_on: no severity fails */

/* A clippy.toml boolean: not written, false, true. */
enum review_toggle { REVIEW_UNSET = 0, REVIEW_NO, REVIEW_YES };

/* One entry of clippy.toml's disallowed-methods / disallowed-macros. */
struct review_disallowed {
	char *path;                /* "std::env::var", "log::info" (owned) */
	char *reason;              /* owned; NULL when the entry gives none */
};

/*
 * What clippy.toml (or .clippy.toml) of the base commit sets for the rules
 * (review/config.h reads it). The allow-*-in-tests options only change
 * rustreview's own test-code exemption when written: `true` exempts test code
 * from that rule, `false` reviews test code with it (the default, unset,
 * keeps the rule's own "production code"/"all code" context).
 */
struct review_clippy_conf {
	enum review_toggle allow_unwrap_in_tests, allow_expect_in_tests, allow_panic_in_tests,
		allow_print_in_tests, allow_dbg_in_tests;
	enum review_toggle allow_unwrap_in_consts, allow_expect_in_consts;   /* unset: true */
	uint32_t msrv;             /* msrv (RUST_VERSION), or 0: unset */
	uint64_t array_size_threshold;   /* bytes; 0: the rule's own default */
	struct review_disallowed *methods;   /* owned */
	size_t n_methods;
	struct review_disallowed *macros;    /* owned */
	size_t n_macros;
};

struct review_options {
	enum review_level level[REVIEW_MAX_RULES];   /* indexed like rules_get(i) */
	char **exclude;            /* path globs (review/glob.h) whose files are skipped; owned */
	size_t n_exclude;
	char **test_paths;         /* path globs of test code (test_paths): production-only
	                              rules skip these files; owned */
	size_t n_test_paths;
	int fail_on;               /* lowest rr_severity that fails `check` / the status,
	                              or REVIEW_FAIL_NEVER; default RR_SEV_NOTE (any finding) */
	unsigned max_comments;     /* 0: the service's own cap */
	/* [comments] of .rustreview.toml (review/config.c); unset: the publisher's defaults */
	bool group_after_set, per_rule_budget_set;
	unsigned group_after;      /* more than this many of one rule in one file: one comment */
	unsigned per_rule_budget;  /* comments per rule on a pull request (0: no budget) */
	uint64_t repo_off;         /* bit i: .rustreview.toml sets rule i "off"; lint
	                              attributes in the code cannot switch it back on */
	/* Lint levels the file inherits from the modules that contain it (the crate
	 * root's #![..], attributes on `mod x;`), as the walk's starting scope. */
	struct rust_lint_levels inherited;
	/* The rest of what the file's module inherits (doc(hidden), privacy and
	 * re-exports), or NULL: a crate root, or not known. Borrowed. */
	const struct review_module_info *module;
	struct review_clippy_conf clippy;   /* owned (its lists) */
	uint32_t rust_version;     /* Cargo.toml `rust-version` of the file's package, or 0 */
	bool binary_target;        /* the file is a module of a program, not of a library:
	                              its package has no library target, or only main.rs
	                              declares it (review.c); rules read it as main.rs */
};
void review_options_init(struct review_options *o);
void review_options_free(struct review_options *o);
/* True when the path is excluded by one of the globs. */
bool review_options_excludes(const struct review_options *o, const char *path);
/* True when the path matches one of the test_paths globs. */
bool review_options_test_path(const struct review_options *o, const char *path);
/* True when a finding of severity s fails under o (NULL: any finding fails). */
bool review_options_fails(const struct review_options *o, enum rr_severity s);

/*
 * review_engine_file with options: rules set off are not run, severities are
 * overridden, an excluded path yields nothing. Whatever the options, findings
 * are also silenced by the suppressions written in the source:
 * #[allow(clippy::X)] / #[expect(clippy::X)] (X a rule id or a clippy group:
 * all, correctness, suspicious, style, complexity, perf, pedantic, restriction,
 * nursery, cargo) on an item or #![allow(..)] inside a module / file, and
 * `// rustreview: allow(rule, ...)` comments at the end of the finding's line,
 * or alone on the line above it (`allow(all)` silences every rule there).
 */
int review_engine_file_opts(struct review_engine *e, const char *path, const char *src,
			    size_t len, const struct line_set *added,
			    const struct review_options *opts, struct finding_list *out,
			    struct rr_error *err);

/*
 * Ranged parsing (review/ranges.h), on by default: with a set of added lines,
 * a file is parsed only where those lines' items and the file-level context
 * are, and the findings on added lines are those of a whole-file parse (when
 * that cannot be made sure of, the file is parsed whole). Off: every file is
 * parsed whole. Applies to e's helper engines too.
 */
void review_engine_set_ranged(struct review_engine *e, bool on);
struct review_engine_stats {
	unsigned long ranged;      /* files parsed in ranges */
	unsigned long whole;       /* files parsed whole */
	unsigned long retried;     /* of those, ranged plans given up after parsing */
};
/* Counts since e was made, e's helpers included. */
void review_engine_stats(const struct review_engine *e, struct review_engine_stats *out);

/*
 * What a module file inherits from the files above it (the crate root, module
 * files): lint levels, #[doc(hidden)], and whether a `mod` on the way down is
 * private, with the names a `pub use` re-exports from there.
 */
struct review_module_info {
	struct rust_lint_levels lints;
	bool doc_hidden;           /* a `#[doc(hidden)] mod` on the way down */
	bool private_module;       /* a `mod` on the way down is not plain `pub` */
	bool exported_all;         /* ... but a `pub use ..::*` through it re-exports all */
	char **exported;           /* ... or these item names (owned by whoever filled it) */
	size_t n_exported;
};

/*
 * One file's part of a module chain: applies src's inner attributes (`#![..]`
 * at its top) to info->lints, then walks segs, the module path below src (`a`,
 * `b` for src/a/b.rs under src/lib.rs): the outer attributes of each `mod
 * seg` declared in src (doc(hidden) too; a `mod` that is not plain `pub` makes
 * the module private, and the `pub use` declarations of src that go through it
 * name what stays exported), and the inner attributes of inline ones (`mod a
 * { mod b; }`). *consumed is how many segments src declared; it stops after a
 * file module (`mod a;`, *file_module true), whose file the caller reads next.
 * Names added to info->exported are heap strings the caller frees. Uses e's
 * parser: not while e reviews a file. Returns 0, or an error.
 */
int review_engine_module_step(struct review_engine *e, const char *src, size_t len,
			      const char *const *segs, size_t n_segs,
			      struct review_module_info *info, size_t *consumed,
			      bool *file_module, struct rr_error *err);

/* The rule catalogue, for `rustreview rules` and `rustreview explain`. */
struct rule_info {
	const char *id;            /* clippy lint name where one corresponds */
	enum rr_severity severity;
	const char *summary;       /* one line */
	const char *explanation;   /* long text: what, why, how, examples */
	bool production_only;      /* exempt in test code, examples, benches, build.rs */
	bool has_fix;              /* may carry a machine-applicable replacement */
	bool default_off;          /* opt-in, like clippy's pedantic lints: runs only when
	                              .rustreview.toml or Cargo.toml [lints] sets a level */
};
size_t rules_count(void);
const struct rule_info *rules_get(size_t i);
const struct rule_info *rules_find(const char *id);
/* The index of the rule for rules_get and review_options.level, or -1. */
int review_rule_index(const char *id);

/*
 * What rule i claims about clippy (review/rules/table.c): the clippy lint it
 * corresponds to (NULL: none), the rustc lint (NULL: none), and its scope:
 * "same" when it aims to report what that lint reports in the code the rule
 * applies to, "subset" when it reports only what the syntax tree proves (its
 * explanation says what it leaves out), NULL when it has no clippy lint.
 */
const char *rules_clippy_lint(size_t i);
const char *rules_rustc_lint(size_t i);
const char *rules_scope(size_t i);

#endif
