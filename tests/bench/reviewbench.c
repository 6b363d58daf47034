/*
 * reviewbench.c — in-process review throughput for `make bench`: the real
 * review_run_opts over a list of commits of a warm repository, no process
 * start, one engine reused as the service's workers reuse theirs.
 *
 *   reviewbench REPO COMMITS_FILE SECONDS THREADS
 *
 * COMMITS_FILE holds one commit id a line; each is reviewed as a pull request
 * from its first parent (settings from .rustreview.toml of the parent, as the
 * service reads them). One untimed pass warms the object cache, then passes
 * repeat until SECONDS have gone, once with ranged parsing and once with every
 * file parsed whole. Prints JSON: reviews/s and files/s each way, and the
 * findings count of one pass each way (they must be equal).
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../review/engine.h"
#include "../../review/review.h"

struct pair {
	git_oid base, head;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t load_pairs(git_repository *repo, const char *path, struct pair **out)
{
	FILE *f = fopen(path, "r");
	char line[128];
	size_t n = 0, cap = 0;
	struct pair *v = NULL;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		git_commit *c = NULL;
		git_oid id;
		line[strcspn(line, "\r\n")] = '\0';
		if (git_oid_fromstr(&id, line) != 0 || git_commit_lookup(&c, repo, &id) != 0)
			continue;
		if (git_commit_parentcount(c) > 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					exit(2);
			}
			git_oid_cpy(&v[n].base, git_commit_parent_id(c, 0));
			git_oid_cpy(&v[n].head, &id);
			n++;
		}
		git_commit_free(c);
	}
	fclose(f);
	*out = v;
	return n;
}

/* One pass over every pair: reviews done, files reviewed, findings. */
static int one_pass(struct review_engine *e, git_repository *repo, const struct pair *v, size_t n,
		    size_t *files, size_t *findings)
{
	for (size_t i = 0; i < n; i++) {
		struct review_options opts;
		struct finding_list l = FINDING_LIST_INIT;
		struct review_stats st;
		struct rr_error err = { 0 };
		review_options_init(&opts);
		if (review_load_repo_config(repo, &v[i].base, &opts, &err) != RR_OK ||
		    review_run_opts(e, repo, &v[i].base, &v[i].head, NULL, &opts, &l, &st, &err) !=
			    RR_OK) {
			fprintf(stderr, "reviewbench: %s\n", err.msg);
			review_options_free(&opts);
			finding_list_free(&l);
			return -1;
		}
		*files += st.files_reviewed;
		*findings += l.n;
		review_options_free(&opts);
		finding_list_free(&l);
	}
	return 0;
}

/* Passes until `seconds` are up; reviews/s and files/s. */
static int timed(struct review_engine *e, git_repository *repo, const struct pair *v, size_t n,
		 double seconds, double *reviews_s, double *files_s, size_t *findings)
{
	size_t reviews = 0, files = 0, found = 0;
	double t0 = now_s(), t;

	*findings = 0;
	if (one_pass(e, repo, v, n, &files, findings) != 0)     /* warm */
		return -1;
	files = 0;
	t0 = now_s();
	do {
		if (one_pass(e, repo, v, n, &files, &found) != 0)
			return -1;
		reviews += n;
		t = now_s() - t0;
	} while (t < seconds);
	*reviews_s = (double)reviews / t;
	*files_s = (double)files / t;
	return 0;
}

int main(int argc, char **argv)
{
	git_repository *repo = NULL;
	struct review_engine *e = NULL;
	struct rr_error err = { 0 };
	struct pair *pairs = NULL;
	size_t n, f_ranged, f_whole;
	double r_ranged, fs_ranged, r_whole, fs_whole;

	if (argc != 5) {
		fprintf(stderr, "usage: reviewbench REPO COMMITS_FILE SECONDS THREADS\n");
		return 2;
	}
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);    /* as `check` */
	if (git_repository_open(&repo, argv[1]) != 0 || review_engine_new(&e, &err) != RR_OK) {
		fprintf(stderr, "reviewbench: cannot open %s or make an engine\n", argv[1]);
		return 2;
	}
	review_engine_set_threads(e, (unsigned)strtoul(argv[4], NULL, 10));
	if ((n = load_pairs(repo, argv[2], &pairs)) == 0) {
		fprintf(stderr, "reviewbench: no commits from %s\n", argv[2]);
		return 2;
	}
	if (timed(e, repo, pairs, n, atof(argv[3]), &r_ranged, &fs_ranged, &f_ranged) != 0)
		return 1;
	review_engine_set_ranged(e, false);
	if (timed(e, repo, pairs, n, atof(argv[3]), &r_whole, &fs_whole, &f_whole) != 0)
		return 1;
	printf("{\"reviews\": %zu, \"ranged_reviews_s\": %.1f, \"ranged_files_s\": %.1f, "
	       "\"whole_reviews_s\": %.1f, \"whole_files_s\": %.1f, \"ranged_findings\": %zu, "
	       "\"whole_findings\": %zu}\n",
	       n, r_ranged, fs_ranged, r_whole, fs_whole, f_ranged, f_whole);
	free(pairs);
	review_engine_free(e);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return 0;
}
