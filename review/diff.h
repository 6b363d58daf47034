/*
 * diff.h — what a pull request changed: merge base of base and head, then the
 * tree-to-tree diff merge-base → head (what the forge shows under "Files
 * changed"), restricted to .rs files, renames followed, deletions dropped.
 */
#ifndef RR_DIFF_H
#define RR_DIFF_H

#include <git2.h>

#include "../common/rr.h"
#include "lines.h"

struct diff_file {
	char *path;                /* new path */
	char *old_path;            /* old path when renamed or copied, else NULL */
	bool is_new;               /* added file */
	git_oid blob;              /* the new version's blob */
	struct line_set added;     /* lines added in the new version (1-based) */
};

struct diff_result {
	struct diff_file *files;
	size_t n;
	git_oid merge_base;
};

/* base and head are commit ids present in repo. */
int diff_rust_changes(git_repository *repo, const git_oid *base, const git_oid *head,
		      struct diff_result *out, struct rr_error *err);
void diff_result_free(struct diff_result *r);

#endif
