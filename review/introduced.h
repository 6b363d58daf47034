/*
 * introduced.h — new findings only. A finding is the pull request's when the
 * base did not already have it: the same rule on the same normalised code is
 * not found in the base version of the file, nor (for code that moved) in the
 * base version of any other .rs file the pull request changed or deleted.
 *
 * "Normalised code" is the finding's statement-sized unit of code (see
 * introduced_code) as tokens without whitespace, comments, or the trailing
 * comma rustfmt adds when it wraps a list: re-indenting, re-wrapping, moving a
 * statement into a new block or another file, and moving it back all leave it
 * unchanged, while an edit of the statement itself makes its findings new.
 *
 * A base file is read and parsed only when a head finding needs it: a review
 * with no finding reads nothing, and a base file whose text (whitespace
 * removed) does not contain a finding's code is never parsed.
 */
#ifndef RR_INTRODUCED_H
#define RR_INTRODUCED_H

#include <stdint.h>

#include <git2.h>
#include <tree_sitter/api.h>

#include "../common/rr.h"
#include "diff.h"
#include "engine.h"

/*
 * The normalised code that a finding spanning bytes [start, end) of src
 * stands in: the smallest node that holds the span, grown through its
 * parents to the enclosing statement, match arm, field or item header (never
 * past a block, so the block around a statement does not count), and past
 * CODE_MAX bytes only while it is still shorter than CODE_MIN. An item (fn,
 * impl, mod, ...) counts up to its body. Returns a heap string (the caller
 * frees it), or NULL on allocation failure.
 */
char *introduced_code(TSNode root, const char *src, uint32_t start, uint32_t end);

/*
 * Whether text, with blanks removed and a `,` before a closing delimiter
 * dropped, holds needle (n bytes, already in that form; n > 0): the cheap
 * test of whether a base file can hold a finding's code at all.
 */
bool introduced_squeezed_contains(const char *text, size_t len, const char *needle, size_t n);

struct introduced_stats {
	size_t dropped;            /* head findings the base already had */
	size_t base_files_read;    /* base blobs read */
	size_t base_files_parsed;  /* of those, parsed and reviewed */
};

/*
 * Removes from `found` (the sorted, fingerprinted findings of one review of
 * diff, each with its code set by the engine) every finding the base already
 * had, as described above. `e` reviews the base files (all rules on, so the
 * head's settings need not be known per base file; opts, which may be NULL,
 * gives the test_paths that say which files are test code). Returns 0, or a negative
 * code for allocation or git failures (found is then unchanged).
 */
int introduced_filter(struct review_engine *e, git_repository *repo,
		      const struct diff_result *diff, const git_oid *head,
		      const struct review_options *opts, struct finding_list *found,
		      struct introduced_stats *stats, struct rr_error *err);

#endif
