/*
 * fuzz_diff.c — libFuzzer target: diff → added lines (review/diff.c).
 *
 * Input: byte 0 is flags, the rest is "<old file>\0<new file>" (no NUL: the
 * whole rest is the new file of an added file). An in-memory repository
 * (libgit2 mempack, no disk) gets a base commit with the old file and a head
 * commit on top with the new one; diff_rust_changes must then report only .rs
 * files and only added lines that exist in the new blob.
 *   flags bit 0: the old file lives at src/old.rs (a rename or delete + add)
 *   flags bit 1: a non-Rust file changes too (it must be ignored)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <git2/sys/mempack.h>

#include "../../common/log.h"
#include "../../review/diff.h"
#include "../../review/lines.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static git_repository *repo;
static git_odb_backend *mempack;
static git_signature *sig;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	git_odb *odb = NULL;
	(void)argc;
	(void)argv;
	rr_log_set_level(RR_LOG_ERROR);
	if (git_libgit2_init() < 0 || git_odb_new(&odb) || git_mempack_new(&mempack) ||
	    git_odb_add_backend(odb, mempack, 999) || git_repository_wrap_odb(&repo, odb) ||
	    git_signature_new(&sig, "fuzz", "fuzz@example.com", 1700000000, 0))
		abort();
	git_odb_free(odb);      /* the repository holds its own reference */
	return 0;
}

/* The tree {src/<name> = blob (when not NULL), src/keep.rs = keep, notes.md = md}. */
static int make_tree(git_oid *out, const char *name, const git_oid *blob, const git_oid *keep,
		     const git_oid *md)
{
	git_treebuilder *src = NULL, *root = NULL;
	git_oid src_oid;
	int rc = -1;

	if (git_treebuilder_new(&src, repo, NULL) || git_treebuilder_new(&root, repo, NULL))
		goto done;
	if (blob && git_treebuilder_insert(NULL, src, name, blob, GIT_FILEMODE_BLOB))
		goto done;
	if (git_treebuilder_insert(NULL, src, "keep.rs", keep, GIT_FILEMODE_BLOB) ||
	    git_treebuilder_write(&src_oid, src) ||
	    git_treebuilder_insert(NULL, root, "src", &src_oid, GIT_FILEMODE_TREE) ||
	    git_treebuilder_insert(NULL, root, "notes.md", md, GIT_FILEMODE_BLOB) ||
	    git_treebuilder_write(out, root))
		goto done;
	rc = 0;
done:
	git_treebuilder_free(src);
	git_treebuilder_free(root);
	return rc;
}

static int make_commit(git_oid *out, const git_oid *tree_oid, const git_commit *parent)
{
	git_tree *tree = NULL;
	const git_commit *parents[1] = { parent };
	int rc;
	if (git_tree_lookup(&tree, repo, tree_oid))
		return -1;
	rc = git_commit_create(out, repo, NULL, sig, sig, NULL, "fuzz", tree, parent ? 1 : 0,
			       parents);
	git_tree_free(tree);
	return rc;
}

static uint32_t count_lines(const char *s, size_t n)
{
	uint32_t lines = n && s[n - 1] != '\n' ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

static void check_result(const struct diff_result *r, uint32_t new_lines)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct diff_file *f = &r->files[i];
		size_t len = f->path ? strlen(f->path) : 0;
		if (len < 3 || strcmp(f->path + len - 3, ".rs") != 0)
			abort();
		for (size_t j = 0; j < f->added.n; j++)
			if (f->added.ranges[j].start < 1 ||
			    f->added.ranges[j].end < f->added.ranges[j].start ||
			    (strcmp(f->path, "src/lib.rs") == 0 && f->added.ranges[j].end > new_lines))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rest = (const char *)data + 1, *nul;
	size_t rest_len = size ? size - 1 : 0, old_len = 0, new_len;
	git_oid old_blob, new_blob, keep, md_old, md_new, t_base, t_head, c_base, c_head;
	git_commit *base = NULL;
	struct diff_result res;
	struct rr_error err = { 0 };
	bool has_old;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	nul = memchr(rest, '\0', rest_len);
	has_old = nul != NULL;
	old_len = has_old ? (size_t)(nul - rest) : 0;
	new_len = has_old ? rest_len - old_len - 1 : rest_len;
	if (git_blob_create_from_buffer(&old_blob, repo, rest, old_len) ||
	    git_blob_create_from_buffer(&new_blob, repo, has_old ? nul + 1 : rest, new_len) ||
	    git_blob_create_from_buffer(&keep, repo, "fn keep() {}\n", 13) ||
	    git_blob_create_from_buffer(&md_old, repo, "a\n", 2) ||
	    git_blob_create_from_buffer(&md_new, repo, "a\nb\n", 4) ||
	    make_tree(&t_base, flags & 1 ? "old.rs" : "lib.rs", has_old ? &old_blob : NULL, &keep,
		      &md_old) ||
	    make_tree(&t_head, "lib.rs", &new_blob, &keep, flags & 2 ? &md_new : &md_old) ||
	    make_commit(&c_base, &t_base, NULL) || git_commit_lookup(&base, repo, &c_base) ||
	    make_commit(&c_head, &t_head, base))
		abort();
	memset(&res, 0, sizeof(res));
	if (diff_rust_changes(repo, &c_base, &c_head, &res, &err) == RR_OK) {
		check_result(&res, count_lines(has_old ? nul + 1 : rest, new_len));
		diff_result_free(&res);
	}
	git_commit_free(base);
	git_mempack_reset(mempack);
	return 0;
}
