/*
 * review.h — one whole review of base..head in a repository: diff, read each
 * changed .rs file's new blob, run the engine, keep findings on added lines.
 * Shared by the worker (after a fetch) and `rustreview check`.
 */
#ifndef RR_REVIEW_H
#define RR_REVIEW_H

#include <git2.h>

#include "../common/rr.h"
#include "diff.h"
#include "engine.h"

struct review_stats {
	size_t files_changed;      /* .rs files in the diff */
	size_t files_reviewed;
	size_t lines_added;
	uint64_t elapsed_ms;
	size_t files_skipped;      /* over max_file_bytes or beyond max_files */
	size_t files_excluded;     /* matched an exclude glob of .rustreview.toml */
	size_t findings_preexisting;   /* dropped: the base already had them (introduced.h) */
	size_t base_files_parsed;      /* base versions parsed to find those */
	uint64_t diff_us;          /* of elapsed: merge base, tree diff and added lines */
};

struct review_limits {
	size_t max_file_bytes;     /* skip larger files (0 = 4 MiB) */
	size_t max_files;          /* review at most this many files (0 = 300) */
};

/*
 * Files are reviewed in parallel on review_engine_threads(e) threads (0:
 * review_default_threads()). Each extra thread uses its own engine
 * (review_engine_helper of the caller's engine); the findings are merged in
 * diff order and sorted, so the output is byte-identical to a one-thread review.
 */
/*
 * RUSTREVIEW_REVIEW_THREADS when set (1-64), else the number of online CPUs,
 * at most 8. An invalid RUSTREVIEW_REVIEW_THREADS is RR_ECONFIG with a message.
 */
int review_default_threads(unsigned *out, struct rr_error *err);

/* Findings are appended to out, sorted, and fingerprinted. */
int review_run(struct review_engine *e, git_repository *repo, const git_oid *base,
	       const git_oid *head, const struct review_limits *limits,
	       struct finding_list *out, struct review_stats *stats, struct rr_error *err);

/*
 * review_run with the repository's settings (opts may be NULL: defaults):
 * files matching opts->exclude are skipped (counted in files_excluded), and
 * per file the Cargo.toml lints of the HEAD commit (the nearest Cargo.toml
 * above the file, and [workspace.lints] when it says `[lints] workspace =
 * true`) are merged under opts' rule levels (review/config.h). A Cargo.toml
 * that cannot be parsed does not fail the review: it is logged and explained
 * in out->notice.
 */
int review_run_opts(struct review_engine *e, git_repository *repo, const git_oid *base,
		    const git_oid *head, const struct review_limits *limits,
		    const struct review_options *opts, struct finding_list *out,
		    struct review_stats *stats, struct rr_error *err);

/*
 * Reads .rustreview.toml from the root of `commit` (the pull request's base:
 * a pull request cannot change its own review) into opts, which the caller
 * has initialised. RR_OK when the file is absent (opts untouched) or valid;
 * RR_ECONFIG with ".rustreview.toml: line N: ..." when it is not (opts
 * untouched); other negative codes for git failures.
 */
int review_load_repo_config(git_repository *repo, const git_oid *commit,
			    struct review_options *opts, struct rr_error *err);

#endif
