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
};

struct review_limits {
	size_t max_file_bytes;     /* skip larger files (0 = 4 MiB) */
	size_t max_files;          /* review at most this many files (0 = 300) */
};

/* Findings are appended to out, sorted, and fingerprinted. */
int review_run(struct review_engine *e, git_repository *repo, const git_oid *base,
	       const git_oid *head, const struct review_limits *limits,
	       struct finding_list *out, struct review_stats *stats, struct rr_error *err);

#endif
