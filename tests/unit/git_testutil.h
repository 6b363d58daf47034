/*
 * git_testutil.h — building real git repositories for the unit tests that
 * review or diff commits (test_config_repo, test_review, test_parallel,
 * test_diff): git itself makes the commits, libgit2 opens the result.
 * Include after testutil.h.
 */
#ifndef RR_GIT_TESTUTIL_H
#define RR_GIT_TESTUTIL_H

#include "testutil.h"

#include <errno.h>
#include <git2.h>
#include <sys/stat.h>

/* git with a fixed identity and no signing, run inside the directory given
 * as the next '%s' argument of tu_sh. */
#define GIT "git -c user.name=Test -c user.email=test@example.com -c init.defaultBranch=main " \
	    "-c commit.gpgsign=false -C '%s' "

/* Starts libgit2, and keeps the user's and the system's git config out of
 * both the git CLI and libgit2 so the fixtures build the same everywhere. */
static inline void gt_begin(void)
{
	git_libgit2_init();
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
}

/* Undoes a fixture: frees repo (may be NULL), shuts libgit2 down, removes
 * the directory and frees its path (may be NULL). */
static inline void gt_end(char *dir, git_repository *repo)
{
	git_repository_free(repo);
	git_libgit2_shutdown();
	tu_rmrf(dir);
	free(dir);
}

/* `git init` in dir (which exists), on branch main. Returns git's exit status. */
static inline int gt_init(const char *dir)
{
	return tu_sh(GIT "init -q", dir);
}

/* Creates the parent directories of path (a file path). Returns 0 or -1. */
static inline int gt_mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		int rc;
		*p = '\0';
		rc = mkdir(path, 0755);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* Writes len bytes of text to dir/rel, creating missing directories. Returns 0 or -1. */
static inline int gt_write_bytes(const char *dir, const char *rel, const char *text, size_t len)
{
	char *path = NULL;
	FILE *f = NULL;
	int rc = -1;

	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		return -1;
	if (gt_mkdirs(path) == 0 && (f = fopen(path, "wb")) != NULL) {
		rc = fwrite(text, 1, len, f) == len ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(path);
	return rc;
}

/* Writes the string text to dir/rel, creating missing directories. Returns 0 or -1. */
static inline int gt_write_file(const char *dir, const char *rel, const char *text)
{
	return gt_write_bytes(dir, rel, text, strlen(text));
}

/* Resolves rev (`git rev-parse`) in the repository at dir. Returns 0 or -1. */
static inline int gt_rev_parse(const char *dir, const char *rev, git_oid *out)
{
	char *sha = tu_sh_out(GIT "rev-parse %s", dir, rev);
	int rc = sha && git_oid_fromstr(out, sha) == 0 ? 0 : -1;
	free(sha);
	return rc;
}

#endif
