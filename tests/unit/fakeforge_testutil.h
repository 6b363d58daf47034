/*
 * fakeforge_testutil.h — a fake forge server of tests/e2e (fakegitlab.py,
 * fakegitea.py) for C tests: fake_server_start (fakegithub_testutil.h) starts one; this adds a helper to call its
 * control endpoints, the world test_gitea and test_gitlab publish into and
 * their payload fixtures. Found under $RR_SOURCE_DIR, else the current directory.
 */
#ifndef RR_FAKEFORGE_TESTUTIL_H
#define RR_FAKEFORGE_TESTUTIL_H

#include "fakegithub_testutil.h"

#include <jansson.h>

#include "../../common/rr.h"
#include "../../handlers/api.h"

/* tests/fixtures/<rel> (the directory is $RR_FIXTURES_DIR when set), whole; the
 * caller frees it. Fails the test when it cannot be read. Not inlined: gcc's
 * -Wdangling-pointer then takes the text for a pointer to the local `data`. */
__attribute__((noinline, unused)) static char *forge_fixture(const char *rel, size_t *len)
{
	const char *dir = getenv("RR_FIXTURES_DIR");
	struct rr_error err = { 0 };
	char *path = NULL, *data = NULL;
	assert_true(asprintf(&path, "%s/%s", dir && *dir ? dir : "tests/fixtures", rel) > 0);
	if (rr_read_file(path, 0, &data, len, &err) != RR_OK)
		fail_msg("%s", err.msg);
	free(path);
	return data;
}

/* A temporary directory with a repository pushed bare to git/<owner>/<repo>.git
 * (main: src/lib.rs with fn f1..f5; feature: fn f6..f30 added) and a fake
 * forge serving git/ at base. */
struct fake_forge_world {
	char *dir, *git_dir, *base_sha, *head_sha;
	pid_t pid;
	char base[64];
};

/* Builds the world (the directory named after script) and starts script with
 * --git-root and args (NULL-terminated, at most 16). 0 or -1;
 * fake_forge_world_stop undoes what was done either way. */
static inline int fake_forge_world_start(struct fake_forge_world *fk, const char *script,
					 const char *owner, const char *repo,
					 const char *const *args)
{
	const char *argv[20] = { "--git-root" };
	char *root = NULL;
	size_t n = 2;
	int rc;

	if (!(fk->dir = tu_mkdtemp(script)) ||
	    tu_sh("cd '%s' && export GIT_CONFIG_NOSYSTEM=1 HOME='%s' && mkdir -p git/%s && "
		  "git init -q -b main w && cd w && git config user.email t@example.com && "
		  "git config user.name T && mkdir src && "
		  "for i in 1 2 3 4 5; do echo \"fn f$i() {}\"; done > src/lib.rs && "
		  "git add -A && git commit -qm base && git checkout -qb feature && "
		  "for i in $(seq 6 30); do echo \"fn f$i() {}\"; done >> src/lib.rs && "
		  "git commit -qam head && git clone -q --bare . ../git/%s/%s.git",
		  fk->dir, fk->dir, owner, owner, repo) != 0)
		return -1;
	fk->base_sha = tu_sh_out("git -C '%s/w' rev-parse main", fk->dir);
	fk->head_sha = tu_sh_out("git -C '%s/w' rev-parse feature", fk->dir);
	if (asprintf(&fk->git_dir, "%s/git/%s/%s.git", fk->dir, owner, repo) < 0) {
		fk->git_dir = NULL;
		return -1;
	}
	if (asprintf(&root, "%s/git", fk->dir) < 0)
		return -1;
	argv[1] = root;
	for (; args && *args && n < 19; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	rc = fake_server_start(script, fk->dir, argv, &fk->pid, fk->base, sizeof(fk->base));
	free(root);
	return rc;
}

static inline void fake_forge_world_stop(struct fake_forge_world *fk)
{
	fake_github_stop(fk->pid);
	tu_rmrf(fk->dir);
	free(fk->dir);
	free(fk->git_dir);
	free(fk->base_sha);
	free(fk->head_sha);
	memset(fk, 0, sizeof(*fk));
}

/* method path (on base) with an optional JSON body (stolen); the parsed answer (caller decrefs). */
static inline json_t *fake_forge_call(const char *base, const char *method, const char *path,
				      json_t *body)
{
	struct api_client *c = NULL;
	struct api_response resp = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *url = NULL;
	json_t *out = NULL;

	if (api_client_new(&c, NULL, &err) == RR_OK && asprintf(&url, "%s%s", base, path) > 0 &&
	    api_request(c, method, url, NULL, body, &resp, &err) == RR_OK)
		out = json_incref(resp.json);
	api_response_free(&resp);
	api_client_free(c);
	free(url);
	json_decref(body);
	return out;
}

#endif
