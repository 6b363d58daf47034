/*
 * floor.c — the floor `make bench` holds `rustreview check` against (README,
 * Performance): a C program that only initialises libgit2 and opens the
 * repository (bench.py builds the empty C program beside it).
 *
 *   floor REPO
 */
#include <git2.h>

int main(int argc, char **argv)
{
	git_repository *repo = NULL;
	int rc;

	if (argc != 2)
		return 2;
	git_libgit2_init();
	rc = git_repository_open_ext(&repo, argv[1], 0, NULL);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc != 0;
}
