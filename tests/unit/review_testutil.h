/*
 * review_testutil.h — what the tests that run review_run over a real
 * repository share (test_config_repo, test_review, test_parallel, test_introduced): a
 * temporary directory the test fills with git, the repository opened on it,
 * and a review engine. Each test's fixture holds a struct review_world (its
 * first member) and the commit ids its own repository has.
 */
#ifndef RR_REVIEW_TESTUTIL_H
#define RR_REVIEW_TESTUTIL_H

#include "git_testutil.h"
#include "../../common/log.h"
#include "../../review/review.h"

struct review_world {
	char *dir;                     /* the repository's working directory */
	git_repository *repo;          /* opened by the test once it has built it */
	struct review_engine *engine;
};

/* Starts libgit2, sets the log level, makes the directory (named after tag)
 * and the engine. 0, or -1 with whatever was made left for review_world_end. */
static inline int review_world_begin(struct review_world *w, const char *tag,
				     enum rr_log_level level)
{
	struct rr_error err = { 0 };

	gt_begin();
	rr_log_set_level(level);
	w->dir = tu_mkdtemp(tag);
	if (!w->dir)
		return -1;
	return review_engine_new(&w->engine, &err) == RR_OK ? 0 : -1;
}

/* Opens the repository the test built in w->dir. 0 or -1. */
static inline int review_world_open(struct review_world *w)
{
	return git_repository_open(&w->repo, w->dir) == 0 ? 0 : -1;
}

/* Frees the engine and the repository, removes the directory. */
static inline void review_world_end(struct review_world *w)
{
	review_engine_free(w->engine);
	gt_end(w->dir, w->repo);
	memset(w, 0, sizeof(*w));
}

/*
 * A test's fixture is a struct whose first member is its struct review_world
 * (then a pointer to the fixture is one to the world). review_fixture_new
 * allocates size zeroed bytes into *state and begins the world (tag, level);
 * NULL when either fails, with nothing left behind. The setup builds the
 * repository on it and, when that fails, calls review_fixture_teardown
 * (cmocka skips teardown after a failed setup).
 */
static inline int review_fixture_teardown(void **state)
{
	struct review_world *w = *state;

	if (!w)
		return 0;
	review_world_end(w);
	free(w);
	*state = NULL;
	return 0;
}

static inline void *review_fixture_new(void **state, size_t size, const char *tag,
				       enum rr_log_level level)
{
	struct review_world *w = calloc(1, size);

	*state = w;
	if (w && review_world_begin(w, tag, level) != 0) {
		review_fixture_teardown(state);
		return NULL;
	}
	return w;
}

#endif
