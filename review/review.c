/*
 * review.c — one review of base..head: diff the pull request, read each changed
 * .rs file's new blob, run the engine on it, keep findings on added lines.
 */
#include "review.h"
#include "../common/log.h"

#include <stdio.h>
#include <string.h>

#define REVIEW_DEFAULT_MAX_FILE_BYTES ((size_t)4 << 20)
#define REVIEW_DEFAULT_MAX_FILES      300

static const char *review_git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

static void review_log_skip(const char *path, const char *reason)
{
	rr_log(RR_LOG_INFO, "review.file_skipped", "path", path, "reason", reason, NULL);
}

/* The blob's size from the object header, so an oversized file is never loaded. */
static int review_blob_size(git_repository *repo, const git_oid *id, size_t *size,
			    struct rr_error *err)
{
	git_odb *odb = NULL;
	git_object_t type;
	int rc = RR_OK;

	if (git_repository_odb(&odb, repo) != 0)
		return rr_error_set(err, RR_ERR, "opening the object database: %s", review_git_message());
	if (git_odb_read_header(size, &type, odb, id) != 0)
		rc = rr_error_set(err, RR_ERR, "reading blob header: %s", review_git_message());
	else if (type != GIT_OBJECT_BLOB)
		rc = rr_error_set(err, RR_ERR, "expected a blob, found a %s", git_object_type2string(type));
	git_odb_free(odb);
	return rc;
}

/* Runs the engine on one file's new version. */
static int review_one_file(struct review_engine *e, git_repository *repo, const struct diff_file *f,
			   struct finding_list *out, struct rr_error *err)
{
	git_blob *blob = NULL;
	int rc;

	if (git_blob_lookup(&blob, repo, &f->blob) != 0)
		return rr_error_set(err, RR_ERR, "reading %s: %s", f->path, review_git_message());
	rc = review_engine_file(e, f->path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				&f->added, out, err);
	if (rc)
		rr_error_wrap(err, "reviewing %s", f->path);
	git_blob_free(blob);
	return rc;
}

int review_run(struct review_engine *e, git_repository *repo, const git_oid *base,
	       const git_oid *head, const struct review_limits *limits,
	       struct finding_list *out, struct review_stats *stats, struct rr_error *err)
{
	struct diff_result diff;
	struct review_stats local;
	size_t max_bytes = REVIEW_DEFAULT_MAX_FILE_BYTES, max_files = REVIEW_DEFAULT_MAX_FILES;
	uint64_t t0 = rr_now_ms();
	size_t i;
	int rc;

	memset(&diff, 0, sizeof(diff));
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (!e || !repo || !base || !head || !out)
		return rr_error_set(err, RR_EINVAL, "review: missing engine, repository, commits or output");
	if (limits && limits->max_file_bytes)
		max_bytes = limits->max_file_bytes;
	if (limits && limits->max_files)
		max_files = limits->max_files;

	if ((rc = diff_rust_changes(repo, base, head, &diff, err)))
		goto cleanup;
	stats->files_changed = diff.n;
	for (i = 0; i < diff.n; i++)
		stats->lines_added += line_set_count(&diff.files[i].added);

	for (i = 0; i < diff.n; i++) {
		const struct diff_file *f = &diff.files[i];
		size_t size = 0;

		/* A pure rename or mode change adds no line, so nothing could be reported. */
		if (line_set_count(&f->added) == 0)
			continue;
		if (stats->files_reviewed >= max_files) {
			stats->files_skipped++;
			review_log_skip(f->path, "max_files reached");
			continue;
		}
		if ((rc = review_blob_size(repo, &f->blob, &size, err))) {
			rr_error_wrap(err, "reviewing %s", f->path);
			goto cleanup;
		}
		if (size > max_bytes) {
			stats->files_skipped++;
			review_log_skip(f->path, "larger than max_file_bytes");
			continue;
		}
		if ((rc = review_one_file(e, repo, f, out, err)))
			goto cleanup;
		stats->files_reviewed++;
	}
	finding_list_sort(out);
cleanup:
	stats->elapsed_ms = rr_now_ms() - t0;
	diff_result_free(&diff);
	return rc;
}
