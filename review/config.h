/*
 * config.h — where a review's settings come from, besides the source itself.
 *
 * .rustreview.toml (read from the pull request's BASE commit, so a pull
 * request cannot switch off its own review):
 *
 *     max_comments = 20                  # line comments per review (cap)
 *     fail_on = "error"                  # note | warning | error | never
 *     exclude = [...]                    # path globs, see review/glob.h
 *     [rules]
 *     unwrap_used = "off"                # off | note | warning | error
 *     [comments]
 *     group_after = 3                    # more of one rule in one file: one comment (0: never)
 *     per_rule_budget = 10               # comments per rule on a pull request (0: no limit)
 *
 * Cargo.toml lints (read from the HEAD commit, the nearest Cargo.toml above
 * each file, as cargo clippy would on that commit):
 *
 *     [lints.clippy]                     # or [lints.rust] for rustc lint names
 *     unwrap_used = "allow"              # allow -> off, warn -> warning,
 *     all = { level = "deny", priority = -1 }   # deny / forbid -> error
 *     [lints]
 *     workspace = true                   # use [workspace.lints] of the workspace root
 *
 * Entries apply in ascending priority (groups before single lints at the same
 * priority). Precedence, lowest to highest: the rule's default severity,
 * Cargo.toml, .rustreview.toml; suppressions written in the code
 * (#[allow]/#[expect], `// rustreview: allow(..)`) always silence.
 */
#ifndef RR_REVIEW_CONFIG_H
#define RR_REVIEW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "engine.h"

#define CONFIG_REPO_FILE ".rustreview.toml"
/* clippy's configuration, also read from the BASE commit's root (clippy's own
 * names, first found wins). */
#define CONFIG_CLIPPY_FILE ".clippy.toml"
#define CONFIG_CLIPPY_FILE2 "clippy.toml"

/*
 * Parses .rustreview.toml text into opts (initialised by the caller with
 * review_options_init). Unknown keys, unknown rules and wrong types are
 * errors: RR_ECONFIG with "line N: ..." in err, opts left at the defaults.
 */
int config_repo_parse(const char *src, size_t len, struct review_options *opts,
		      struct rr_error *err);

/*
 * Parses clippy.toml text into *out (zeroed by the caller; on error it is left
 * as it was). The options the rules use are read (kebab-case, as clippy
 * spells them): allow-{unwrap,expect,panic,print,dbg}-in-tests and
 * allow-{unwrap,expect}-in-consts (booleans), msrv ("1.70" or "1.70.1"),
 * array-size-threshold (bytes), disallowed-methods and disallowed-macros
 * (arrays of "path" strings or { path = "..", reason = ".." } tables; ".."
 * entries, which stand for clippy's empty defaults, are skipped). Other keys
 * are clippy's business and ignored. Wrong types: RR_ECONFIG "line N: ...".
 */
int config_clippy_parse(const char *src, size_t len, struct review_clippy_conf *out,
			struct rr_error *err);
/* Frees the lists of c and zeroes it. */
void config_clippy_free(struct review_clippy_conf *c);

/* The lint levels one Cargo.toml sets. */
struct cargo_lints {
	enum review_level member[REVIEW_MAX_RULES];     /* [lints.clippy] / [lints.rust] */
	enum review_level workspace[REVIEW_MAX_RULES];  /* [workspace.lints.*] */
	bool inherits_workspace;   /* [lints] workspace = true */
	bool is_workspace_root;    /* has a [workspace] table */
	char *workspace_path;      /* package.workspace = "..." (owned), or NULL */
	uint32_t rust_version;     /* package.rust-version (RUST_VERSION), or 0 */
	bool rust_version_inherited;    /* rust-version.workspace = true */
	uint32_t workspace_rust_version;   /* [workspace.package] rust-version, or 0 */
	/* The package's targets, as far as the file says: a [lib] table, and the
	 * `path` of each [[bin]] (owned; relative to the package). */
	bool has_lib;
	char **bin_paths;
	size_t n_bin_paths;
};
/* Parses Cargo.toml text. RR_ECONFIG with "line N: ..." for bad TOML or bad levels. */
int config_cargo_parse(const char *src, size_t len, struct cargo_lints *out,
		       struct rr_error *err);
void config_cargo_free(struct cargo_lints *c);

/*
 * The effective levels for one file: the repository config over the Cargo
 * levels (either may be NULL) into out (the rest of out is left untouched).
 */
void config_merge_levels(enum review_level out[REVIEW_MAX_RULES],
			 const enum review_level *cargo, const enum review_level *repo);

/* The clippy group of a clippy lint ("style", "restriction", ...) or NULL
 * (clippy_groups.c, generated from the installed clippy). */
const char *config_clippy_group(const char *lint);
/* True when `group` (as written after clippy::, e.g. "all", "pedantic")
 * includes the clippy lint named like the rule. "all" is clippy's default set:
 * correctness, suspicious, style, complexity and perf. */
bool config_group_has(const char *group, const char *lint);
/* True when name is a clippy group name. */
bool config_is_clippy_group(const char *name);

/*
 * The markdown notice for a pull request when a config could not be used:
 * names the file and the commit role ("base"/"head"), quotes the error, says
 * the review ran with defaults. An error that starts with the name of
 * another configuration file it is about (".clippy.toml: line 3: ..." when
 * file is .rustreview.toml) names that file instead. Heap string or NULL on
 * allocation failure.
 */
char *config_notice(const char *file, const char *role, const char *error);

#endif
