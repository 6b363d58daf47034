/* test_repo.c — mirrors: creation, name validation, locking, fetch from a path
 * and over real smart HTTP (tests/e2e/githttp.py) with and without credentials. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../common/log.h"
#include "../../review/repo.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define GIT "git -c user.name=Test -c user.email=test@example.com -c init.defaultBranch=main " \
	    "-c commit.gpgsign=false -C '%s' "

#define TOKEN_GOOD "tok-GOOD-5f3a9c"
#define TOKEN_BAD  "tok-BAD-77e1d0"

struct fixture {
	char *tmp;           /* everything lives under here */
	char *work;          /* working repository used to make commits */
	char *origin;        /* bare repository: <tmp>/root/acme/widgets.git */
	char *data;          /* data dir for mirrors */
	char *token_file;
	char *server_log;
	char *main_sha;
	char *pr_sha;
	pid_t server;
	int port;
};

static const char *const REFSPECS[] = {
	"+refs/heads/main:refs/rustreview/heads/main",
	"+refs/pull/1/head:refs/rustreview/pull/1/head",
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *githttp_script(void)
{
	const char *env = getenv("RR_GITHTTP");
	return env && *env ? env : "tests/e2e/githttp.py";   /* tests run from the project root */
}

/* Starts githttp.py with a token file and waits for its port. */
static int start_server(struct fixture *fx)
{
	char *port_file = fmt("%s/git.port", fx->tmp);
	char *root = fmt("%s/root", fx->tmp);
	int rc = -1;

	if (!port_file || !root)
		goto cleanup;
	fx->server = fork();
	if (fx->server < 0)
		goto cleanup;
	if (fx->server == 0) {
		int fd = open(fx->server_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("python3", "python3", githttp_script(), "--root", root, "--port-file", port_file,
		       "--token-file", fx->token_file, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {   /* up to 10 s */
		char *text = NULL;
		struct rr_error err;
		if (rr_read_file(port_file, 64, &text, NULL, &err) == RR_OK) {
			fx->port = atoi(text);
			free(text);
			if (fx->port > 0) {
				rc = 0;
				break;
			}
		}
		sleep_ms(50);
	}
cleanup:
	free(port_file);
	free(root);
	return rc;
}

static void stop_server(struct fixture *fx)
{
	int status;
	if (fx->server <= 0)
		return;
	kill(fx->server, SIGTERM);
	for (int i = 0; i < 100; i++) {   /* up to 5 s, then kill hard */
		if (waitpid(fx->server, &status, WNOHANG) == fx->server) {
			fx->server = 0;
			return;
		}
		sleep_ms(50);
	}
	kill(fx->server, SIGKILL);
	waitpid(fx->server, &status, 0);
	fx->server = 0;
}

/* main with two commits, a feature branch with one more, published as refs/pull/1/head. */
static int build_origin(struct fixture *fx)
{
	const char *w = fx->work;

	if (tu_sh("git -c init.defaultBranch=main init -q --bare '%s' && "
		  "git -c init.defaultBranch=main init -q '%s'", fx->origin, w) != 0)
		return -1;
	if (tu_sh("echo 'fn main() {}' > '%s/main.rs' && " GIT "add -A && " GIT "commit -qm one && "
		  "echo 'fn two() {}' >> '%s/main.rs' && " GIT "commit -qam two && "
		  GIT "checkout -qb feature && echo 'fn pr() {}' > '%s/pr.rs' && " GIT "add -A && "
		  GIT "commit -qm pr", w, w, w, w, w, w, w, w, w) != 0)
		return -1;
	if (tu_sh(GIT "push -q '%s' main feature", w, fx->origin) != 0 ||
	    tu_sh("git -C '%s' update-ref refs/pull/1/head refs/heads/feature", fx->origin) != 0)
		return -1;
	fx->main_sha = tu_sh_out(GIT "rev-parse main", w);
	fx->pr_sha = tu_sh_out(GIT "rev-parse feature", w);
	return fx->main_sha && fx->pr_sha && strlen(fx->pr_sha) == 40 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	stop_server(fx);
	repo_global_shutdown();
	tu_rmrf(fx->tmp);
	free(fx->tmp);
	free(fx->work);
	free(fx->origin);
	free(fx->data);
	free(fx->token_file);
	free(fx->server_log);
	free(fx->main_sha);
	free(fx->pr_sha);
	free(fx);
	*state = NULL;
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct rr_error err = { 0 };

	*state = fx;
	if (!fx || repo_global_init(&err) != RR_OK)
		return -1;
	rr_log_set_level(RR_LOG_WARN);   /* keep "mirror.created" lines out of the test output */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	fx->tmp = tu_mkdtemp("repo");
	if (!fx->tmp)
		goto fail;
	fx->work = fmt("%s/work", fx->tmp);
	fx->origin = fmt("%s/root/acme/widgets.git", fx->tmp);
	fx->data = fmt("%s/data", fx->tmp);
	fx->token_file = fmt("%s/tokens", fx->tmp);
	fx->server_log = fmt("%s/githttp.log", fx->tmp);
	if (!fx->work || !fx->origin || !fx->data || !fx->token_file || !fx->server_log)
		goto fail;
	/* Several tokens, one per line: the server accepts any of them. */
	if (write_text(fx->token_file, "tok-other-1\n" TOKEN_GOOD "\n") != 0 || build_origin(fx) != 0 ||
	    start_server(fx) != 0)
		goto fail;
	return 0;
fail:
	teardown(state);
	return -1;
}

static char *http_url(const struct fixture *fx)
{
	return fmt("http://127.0.0.1:%d/acme/widgets.git", fx->port);
}

static void set_creds(struct git_credentials *c, const char *token)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->username, sizeof(c->username), "x-access-token");
	c->password = strdup(token);
	assert_non_null(c->password);
}

static void test_fetch_from_path_creates_bare_mirror(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	git_oid oid;
	git_reference *ref = NULL;

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "path-mirror", &err), RR_OK);
	assert_true(git_repository_is_bare(repo_mirror_borrow(m)));
	assert_int_equal(repo_mirror_has_commit(m, fx->pr_sha, &oid), RR_ENOTFOUND);
	assert_int_equal(repo_mirror_fetch(m, fx->origin, REFSPECS, 2, NULL, &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->main_sha, &oid), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->pr_sha, &oid), RR_OK);
	{
		char hex[GIT_OID_HEXSZ + 1];
		assert_int_equal(git_reference_lookup(&ref, repo_mirror_borrow(m),
						      "refs/rustreview/pull/1/head"), 0);
		git_oid_tostr(hex, sizeof(hex), git_reference_target(ref));
		assert_string_equal(hex, fx->pr_sha);
		git_reference_free(ref);
	}
	/* Only the refspecs' refs: no branches or tags mirrored as such. */
	assert_int_equal(git_reference_lookup(&ref, repo_mirror_borrow(m), "refs/heads/feature"),
			 GIT_ENOTFOUND);
	repo_mirror_close(m);
	assert_int_equal(tu_sh("test -f '%s/mirrors/github/acme/path-mirror.git/HEAD'", fx->data), 0);
	assert_int_equal(tu_sh("test -f '%s/mirrors/github/acme/path-mirror.git.lock'", fx->data), 0);
	assert_int_not_equal(tu_sh("grep -q remote '%s/mirrors/github/acme/path-mirror.git/config'",
				   fx->data), 0);
	/* libgit2 may leave an empty FETCH_HEAD; it must not record the URL. */
	assert_int_equal(tu_sh("test ! -s '%s/mirrors/github/acme/path-mirror.git/FETCH_HEAD'",
			       fx->data), 0);
}

/* Objects in the mirror, loose and packed, as git count-objects reports them. */
static long object_count(const char *mirror)
{
	char *out = tu_sh_out("git -C '%s' count-objects -v | awk '/^count:|^in-pack:/ { n += $2 } "
			      "END { print n }'", mirror);
	long n = out ? atol(out) : -1;
	free(out);
	return n;
}

static void test_second_fetch_is_incremental(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	char *mirror = fmt("%s/mirrors/github/acme/incremental.git", fx->data);
	char *new_sha;
	long before, after;
	git_oid oid;

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "incremental", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, fx->origin, REFSPECS, 2, NULL, &err), RR_OK);
	repo_mirror_close(m);
	before = object_count(mirror);
	assert_true(before > 0);

	/* One new commit on main touching one file at the root: commit + tree + blob. */
	assert_int_equal(tu_sh(GIT "checkout -q main && echo 'fn three() {}' >> '%s/main.rs' && "
			       GIT "commit -qam three && " GIT "push -q '%s' main && " GIT "checkout -q feature",
			       fx->work, fx->work, fx->work, fx->work, fx->origin, fx->work), 0);
	new_sha = tu_sh_out(GIT "rev-parse main", fx->work);
	assert_non_null(new_sha);

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "incremental", &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, new_sha, &oid), RR_ENOTFOUND);
	assert_int_equal(repo_mirror_fetch(m, fx->origin, REFSPECS, 2, NULL, &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, new_sha, &oid), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->pr_sha, &oid), RR_OK);
	repo_mirror_close(m);
	after = object_count(mirror);
	/* Only the three new objects came over, not the whole history again. */
	assert_int_equal(after - before, 3);
	free(new_sha);
	free(mirror);
}

/* A fetch killed mid-way leaves git's ref lock files; the next open clears them. */
static void test_stale_ref_locks_cleared_on_open(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	char *mirror = fmt("%s/mirrors/github/acme/crashed.git", fx->data);
	const char *const pull2[] = { "+refs/pull/2/head:refs/rustreview/pull/2/head" };
	git_oid oid;

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "crashed", &err), RR_OK);
	repo_mirror_close(m);
	/* The locks a crash in the middle of updating refs/rustreview/pull/2/head leaves. */
	assert_int_equal(tu_sh("mkdir -p '%s/refs/rustreview/pull/2' && "
			       "touch '%s/refs/rustreview/pull/2/head.lock' '%s/packed-refs.lock'",
			       mirror, mirror, mirror), 0);
	assert_int_equal(tu_sh("git -C '%s' update-ref refs/pull/2/head refs/heads/main", fx->origin), 0);

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "crashed", &err), RR_OK);
	assert_int_equal(tu_sh("test -e '%s/refs/rustreview/pull/2/head.lock'", mirror), 1);
	assert_int_equal(tu_sh("test -e '%s/packed-refs.lock'", mirror), 1);
	assert_int_equal(repo_mirror_fetch(m, fx->origin, pull2, 1, NULL, &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->main_sha, &oid), RR_OK);
	repo_mirror_close(m);
	free(mirror);
}

/* Number of lines in the server's log that record a 401. */
static int count_401(const struct fixture *fx)
{
	char *out = tu_sh_out("grep -c ' 401$' '%s' || true", fx->server_log);
	int n = out ? atoi(out) : -1;
	free(out);
	return n;
}

static void test_http_fetch_with_token(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *url = http_url(fx);
	git_oid oid;

	set_creds(&creds, TOKEN_GOOD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "widgets", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->pr_sha, &oid), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->main_sha, &oid), RR_OK);
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	assert_null(creds.password);
	assert_string_equal(creds.username, "");

	/* The token is nowhere in the data dir (config, refs, logs, packs) nor the server log. */
	assert_int_equal(tu_sh("grep -rqa '%s' '%s'", TOKEN_GOOD, fx->data), 1);
	assert_int_equal(tu_sh("grep -qa '%s' '%s'", TOKEN_GOOD, fx->server_log), 1);
	/* Nor the URL: the remote was anonymous. */
	assert_int_equal(tu_sh("grep -rqa '127.0.0.1' '%s'", fx->data), 1);
	free(url);
}

static void test_http_wrong_token_fails_fast(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *url = http_url(fx);
	int before = count_401(fx);
	uint64_t t0;

	set_creds(&creds, TOKEN_BAD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "wrong-token", &err), RR_OK);
	t0 = rr_now_ms();
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err), RR_EAUTH);
	assert_true(rr_now_ms() - t0 < 5000);
	print_message("wrong token: %s\n", err.msg);
	/* Unauthenticated probe + one try with the token: no retry loop. */
	assert_true(before >= 0);
	assert_in_range(count_401(fx) - before, 1, 2);
	assert_null(strstr(err.msg, TOKEN_BAD));
	assert_non_null(strstr(err.msg, "fetching http://127.0.0.1:"));
	assert_non_null(strstr(err.msg, "/acme/widgets.git"));
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	assert_int_equal(tu_sh("grep -rqa '%s' '%s'", TOKEN_BAD, fx->data), 1);
	assert_int_equal(tu_sh("grep -qa '%s' '%s'", TOKEN_BAD, fx->server_log), 1);
	free(url);
}

static void test_http_without_credentials_is_auth_error(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials empty;
	char *url = http_url(fx);

	memset(&empty, 0, sizeof(empty));
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "no-creds", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, NULL, &err), RR_EAUTH);
	print_message("no credentials: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "fetching http://127.0.0.1:"));
	rr_error_clear(&err);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &empty, &err), RR_EAUTH);
	repo_mirror_close(m);
	free(url);
}

static void test_url_with_password_refused_and_not_echoed(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	char *url = fmt("http://x-access-token:%s@127.0.0.1:%d/acme/widgets.git", TOKEN_GOOD, fx->port);
	char *clean = http_url(fx);
	char *want = fmt("fetching %s:", clean);

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "userinfo", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, NULL, &err), RR_EINVAL);
	assert_null(strstr(err.msg, TOKEN_GOOD));
	assert_null(strstr(err.msg, "x-access-token"));
	assert_non_null(strstr(err.msg, want));
	repo_mirror_close(m);
	free(url);
	free(clean);
	free(want);
}

static void test_missing_repository_is_permanent(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *url = fmt("http://127.0.0.1:%d/acme/nope.git", fx->port);

	set_creds(&creds, TOKEN_GOOD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "nope", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err), RR_ERR);
	print_message("missing repository: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "/acme/nope.git"));
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	free(url);
}

/* Runs last among the HTTP tests: stops the server, then a fetch is transient. */
static void test_server_down_is_transient(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *url = http_url(fx);

	stop_server(fx);
	set_creds(&creds, TOKEN_GOOD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "widgets", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err), RR_ETRANSIENT);
	print_message("server down: %s\n", err.msg);
	assert_null(strstr(err.msg, TOKEN_GOOD));
	assert_non_null(strstr(err.msg, "fetching http://127.0.0.1:"));
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	free(url);
}

static void test_invalid_names_rejected(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	char long_name[102];
	const char *bad[] = { "", "a//b", "..", "a..b", ".", "a\nb", "a\x01", "a\x7f", "a\\b",
			      long_name };

	memset(long_name, 'a', 101);
	long_name[101] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(repo_mirror_open(&m, fx->data, "github", bad[i], "widgets", &err),
				 RR_EINVAL);
		assert_null(m);
		assert_non_null(strstr(err.msg, "invalid owner"));
		assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", bad[i], &err),
				 RR_EINVAL);
		assert_non_null(strstr(err.msg, "invalid repository name"));
		assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "a/b", &err),
				 RR_EINVAL);
		assert_int_equal(repo_mirror_open(&m, fx->data, bad[i], "acme", "widgets", &err),
				 RR_EINVAL);
		assert_non_null(strstr(err.msg, "invalid forge"));
	}
	/* Nothing escaped the mirrors dir. */
	assert_int_equal(tu_sh("test -e '%s/mirrors/github/a'", fx->data), 1);
	/* A leading dot is fine: GitHub's ".github" repositories are real. */
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", ".github", &err), RR_OK);
	repo_mirror_close(m);
	assert_int_equal(tu_sh("test -d '%s/mirrors/github/acme/.github.git'", fx->data), 0);
	/* 100 bytes is the limit, inclusive. */
	long_name[100] = '\0';
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", long_name, &err), RR_OK);
	repo_mirror_close(m);
}

/* A namespace with subgroups is a path of directories; names that differ only in
 * case are one mirror (forges treat them alike), so the second open waits for
 * the first one's lock on the same mirror. */
static void test_namespaces_and_case_share_one_mirror(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };

	assert_int_equal(repo_mirror_open(&m, fx->data, "forge", "Group/Sub", "Proj", &err), RR_OK);
	repo_mirror_close(m);
	assert_int_equal(tu_sh("test -d '%s/mirrors/forge/group/sub/proj.git'", fx->data), 0);
	assert_int_equal(repo_mirror_open(&m, fx->data, "forge", "group/SUB", "PROJ", &err), RR_OK);
	repo_mirror_close(m);
	assert_int_equal(tu_sh("test \"$(find '%s/mirrors/forge' -name '*.git' -type d | wc -l)\" "
			       "= 1", fx->data), 0);
	assert_int_equal(repo_mirror_open(&m, fx->data, "forge", "a/../b", "p", &err), RR_EINVAL);
	assert_int_equal(repo_mirror_open(&m, fx->data, "forge", "a/", "p", &err), RR_EINVAL);
}

static void test_has_commit_rejects_bad_hex(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	git_oid oid;

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "hex", &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, "xyz", &oid), RR_EINVAL);
	assert_int_equal(repo_mirror_has_commit(m, "0123456789abcdef0123456789abcdef0123456g", &oid),
			 RR_EINVAL);
	assert_int_equal(repo_mirror_has_commit(m, "0123456789abcdef0123456789abcdef012345678", &oid),
			 RR_EINVAL);
	assert_int_equal(repo_mirror_has_commit(m, "0123456789abcdef0123456789abcdef01234567", &oid),
			 RR_ENOTFOUND);
	repo_mirror_close(m);
}

/* Two threads, one mirror: the second open returns only after the first close. */
struct lock_race {
	const char *data;
	atomic_int a_done_opening;
	atomic_int b_started;
	atomic_int a_released;
	int b_saw_release;     /* a_released as B saw it when its open returned */
	int a_rc, b_rc;
};

static void *lock_holder(void *arg)
{
	struct lock_race *r = arg;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };

	r->a_rc = repo_mirror_open(&m, r->data, "github", "acme", "locked", &err);
	atomic_store(&r->a_done_opening, 1);
	if (r->a_rc != RR_OK) {
		atomic_store(&r->a_released, 1);
		return NULL;
	}
	while (!atomic_load(&r->b_started))
		sleep_ms(1);
	sleep_ms(150);   /* give B time to block in flock; correctness does not depend on it */
	atomic_store(&r->a_released, 1);
	repo_mirror_close(m);
	return NULL;
}

static void *lock_waiter(void *arg)
{
	struct lock_race *r = arg;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };

	atomic_store(&r->b_started, 1);
	r->b_rc = repo_mirror_open(&m, r->data, "github", "acme", "locked", &err);
	r->b_saw_release = atomic_load(&r->a_released);
	repo_mirror_close(m);
	return NULL;
}

static void test_second_open_waits_for_first_close(void **state)
{
	struct fixture *fx = *state;
	struct lock_race r;
	pthread_t a, b;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };

	memset(&r, 0, sizeof(r));
	r.data = fx->data;
	/* Create the mirror first so both threads contend for the lock only. */
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "locked", &err), RR_OK);
	repo_mirror_close(m);

	assert_int_equal(pthread_create(&a, NULL, lock_holder, &r), 0);
	while (!atomic_load(&r.a_done_opening))   /* B starts only once A holds the lock */
		sleep_ms(1);
	assert_int_equal(pthread_create(&b, NULL, lock_waiter, &r), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_int_equal(r.a_rc, RR_OK);
	assert_int_equal(r.b_rc, RR_OK);
	assert_int_equal(r.b_saw_release, 1);
}

/* Starts tests/e2e/redirector.py: a git host answering 401 until it gets
 * credentials (or not, when at_once), then 302 to redirect_host on a second
 * port that records every Authorization header it receives in *record (one
 * line each, "-" for none). */
static pid_t start_redirector(struct fixture *fx, const char *redirect_host, bool at_once, int *port,
			      char **record)
{
	char *port_file = fmt("%s/redirect-%s-%d.port", fx->tmp, redirect_host, at_once);
	pid_t pid;

	*record = fmt("%s/redirect-%s-%d.record", fx->tmp, redirect_host, at_once);
	*port = 0;
	assert_non_null(port_file);
	assert_non_null(*record);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(fx->server_log, O_WRONLY | O_APPEND | O_CREAT, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		const char *argv[] = { "python3", "tests/e2e/redirector.py", "--port-file", port_file,
				       "--record", *record, "--redirect-host", redirect_host,
				       at_once ? "--at-once" : NULL, NULL };
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && *port <= 0; i++) {   /* up to 10 s */
		char *text = NULL;
		struct rr_error err;
		if (rr_read_file(port_file, 64, &text, NULL, &err) == RR_OK) {
			*port = atoi(text);
			free(text);
		} else {
			sleep_ms(50);
		}
	}
	free(port_file);
	assert_true(*port > 0);
	return pid;
}

static void stop_pid(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/*
 * The git host answers info/refs, with or without credentials, by a redirect
 * to another origin: the fetch must fail, and the other origin must never
 * receive the token (issue 14.1). Both another host name (libgit2's own
 * off-site check) and the same host on another port (another origin all the
 * same, which libgit2 follows) are tried.
 */
static void fetch_through_redirect(struct fixture *fx, const char *redirect_host, bool at_once)
{
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *record = NULL, *recorded = NULL, *url;
	int port;
	pid_t pid = start_redirector(fx, redirect_host, at_once, &port, &record);

	url = fmt("http://127.0.0.1:%d/acme/widgets.git", port);
	set_creds(&creds, TOKEN_GOOD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "redirected", &err), RR_OK);
	/* Permanent: retrying would only knock on the same redirect. */
	assert_int_equal(repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err), RR_ERR);
	print_message("redirect to %s%s: %s\n", redirect_host, at_once ? " at once" : "", err.msg);
	assert_non_null(strstr(err.msg, "redirect"));
	assert_null(strstr(err.msg, TOKEN_GOOD));
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	stop_pid(pid);
	assert_int_equal(rr_read_file(record, 1 << 16, &recorded, NULL, &err), RR_OK);
	/* Nothing at all, or only requests that carried no credentials. */
	for (char *line = strtok(recorded, "\n"); line; line = strtok(NULL, "\n"))
		assert_string_equal(line, "-");
	free(recorded);
	free(record);
	free(url);
}

static void test_redirect_to_another_host_gets_no_token(void **state)
{
	fetch_through_redirect(*state, "localhost", false);
	fetch_through_redirect(*state, "localhost", true);
}

static void test_redirect_to_another_port_gets_no_token(void **state)
{
	fetch_through_redirect(*state, "127.0.0.1", false);
	fetch_through_redirect(*state, "127.0.0.1", true);
}

/* .pack files in a mirror's objects/pack. */
static int pack_count(const char *mirror)
{
	char *out = tu_sh_out("ls '%s/objects/pack' | grep -c '\\.pack$'", mirror);
	int n = out ? atoi(out) : -1;
	free(out);
	return n;
}

/*
 * Every fetch adds a pack (issue 10: 817 after 2,000 deliveries). The mirror
 * grows one pack per fetch up to REPO_REPACK_PACKS; the fetch that passes it
 * repacks into one pack, and the mirror's open handle still finds every
 * commit (libgit2's pack list is reloaded), the newest and the first.
 */
static void test_fetch_past_repack_threshold_repacks(void **state)
{
	struct fixture *fx = *state;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	char *mirror = fmt("%s/mirrors/github/acme/repacked.git", fx->data);
	char *sha = NULL;
	git_oid oid;
	int before;

	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "repacked", &err), RR_OK);
	assert_int_equal(repo_mirror_fetch(m, fx->origin, REFSPECS, 2, NULL, &err), RR_OK);
	assert_int_equal(pack_count(mirror), 1);
	for (int i = 2; i <= REPO_REPACK_PACKS + 1; i++) {
		/* A new commit on main in the origin (no work tree needed). */
		free(sha);
		sha = tu_sh_out("c=$(" GIT "commit-tree 'main^{tree}' -p main -m 'commit %d') && "
				"git -C '%s' update-ref refs/heads/main $c && echo $c",
				fx->origin, i, fx->origin);
		assert_true(sha && strlen(sha) == 40);
		before = pack_count(mirror);
		assert_int_equal(repo_mirror_fetch(m, fx->origin, REFSPECS, 2, NULL, &err), RR_OK);
		if (i <= REPO_REPACK_PACKS)
			assert_int_equal(pack_count(mirror), before + 1);
		assert_int_equal(repo_mirror_has_commit(m, sha, &oid), RR_OK);
	}
	/* The fetch that made REPO_REPACK_PACKS + 1 packs folded them into one. */
	assert_int_equal(pack_count(mirror), 1);
	assert_int_equal(repo_mirror_has_commit(m, fx->pr_sha, &oid), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, sha, &oid), RR_OK);
	repo_mirror_close(m);
	/* And the next open (another job) reads the repacked mirror. */
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "repacked", &err), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, fx->main_sha, &oid), RR_OK);
	assert_int_equal(repo_mirror_has_commit(m, sha, &oid), RR_OK);
	repo_mirror_close(m);
	free(sha);
	free(mirror);
}

/* ---- a rate-limited git server, over HTTP and HTTPS ------------------------ */

/* Answers every request with STATUS (and Retry-After when not "-"), over TLS
 * when given a certificate and key; writes its port to PORT_FILE. */
static const char LIMITED_SERVER_PY[] =
	"import http.server, os, ssl, sys\n"
	"port_file, status, retry = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    protocol_version = 'HTTP/1.1'\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"    def answer(self):\n"
	"        n = int(self.headers.get('Content-Length') or 0)\n"
	"        if n:\n"
	"            self.rfile.read(n)\n"
	"        body = b'{\"message\": \"You have exceeded a secondary rate limit\"}'\n"
	"        self.send_response(status)\n"
	"        if retry != '-':\n"
	"            self.send_header('Retry-After', retry)\n"
	"        self.send_header('Content-Type', 'application/json')\n"
	"        self.send_header('Content-Length', str(len(body)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(body)\n"
	"    do_GET = do_POST = answer\n"
	"srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
	"if len(sys.argv) > 5:\n"
	"    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"    ctx.load_cert_chain(sys.argv[4], sys.argv[5])\n"
	"    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n"
	"with open(port_file + '.tmp', 'w') as f:\n"
	"    f.write(str(srv.server_address[1]))\n"
	"os.rename(port_file + '.tmp', port_file)\n"
	"srv.serve_forever()\n";

struct limited {
	pid_t pid;
	int port;
};

/* A CA (ca.pem) and a certificate for 127.0.0.1 it signed (ip.pem, ip.key),
 * plus one for 127.0.0.1 signed by nobody we trust (rogue.pem, rogue.key). */
static void make_certificates(const char *dir)
{
	assert_int_equal(tu_sh("cd '%s' && "
		"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
		"-keyout ca.key -out ca.pem 2>/dev/null && "
		"openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout ip.key -out ip.csr "
		"2>/dev/null && printf 'subjectAltName=IP:127.0.0.1\\n' > ip.ext && "
		"openssl x509 -req -in ip.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
		"-extfile ip.ext -out ip.pem 2>/dev/null && "
		"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
		"-addext subjectAltName=IP:127.0.0.1 -keyout rogue.key -out rogue.pem 2>/dev/null",
		dir), 0);
}

static void limited_start(struct limited *l, const char *dir, int status, const char *retry,
			  const char *cert)
{
	char *script = fmt("%s/limited.py", dir), *port_file = fmt("%s/limited.port", dir);
	char *pem = cert ? fmt("%s/%s.pem", dir, cert) : NULL;
	char *key = cert ? fmt("%s/%s.key", dir, cert) : NULL;
	char code[8];

	assert_int_equal(write_text(script, LIMITED_SERVER_PY), 0);
	unlink(port_file);
	snprintf(code, sizeof(code), "%d", status);
	l->port = 0;
	l->pid = fork();
	assert_true(l->pid >= 0);
	if (l->pid == 0) {
		execlp("python3", "python3", script, port_file, code, retry, pem, key, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && l->port <= 0; i++) {
		char *text = NULL;
		struct rr_error err;
		if (rr_read_file(port_file, 64, &text, NULL, &err) == RR_OK) {
			l->port = atoi(text);
			free(text);
		} else {
			sleep_ms(50);
		}
	}
	assert_true(l->port > 0);
	free(script);
	free(port_file);
	free(pem);
	free(key);
}

static void limited_stop(struct limited *l)
{
	int st;
	kill(l->pid, SIGTERM);
	waitpid(l->pid, &st, 0);
}

/* One fetch from a server answering status (Retry-After retry): the code and wait. */
static int fetch_limited(struct fixture *fx, const char *scheme, int status, const char *retry,
			 const char *cert, long *retry_after, char *msg, size_t msg_len)
{
	struct limited l;
	struct repo_mirror *m = NULL;
	struct rr_error err = { 0 };
	struct git_credentials creds;
	char *url;
	int rc;

	limited_start(&l, fx->tmp, status, retry, cert);
	url = fmt("%s://127.0.0.1:%d/acme/widgets.git", scheme, l.port);
	set_creds(&creds, TOKEN_GOOD);
	assert_int_equal(repo_mirror_open(&m, fx->data, "github", "acme", "limited", &err), RR_OK);
	rc = repo_mirror_fetch(m, url, REFSPECS, 2, &creds, &err);
	*retry_after = err.retry_after;
	snprintf(msg, msg_len, "%s", err.msg);
	repo_mirror_close(m);
	git_credentials_clear(&creds);
	limited_stop(&l);
	free(url);
	return rc;
}

/*
 * A git server's rate limit waits like the API's, over HTTPS as over HTTP:
 * a 429, or a 403 with Retry-After (a forge's secondary limit), is transient
 * with the server's Retry-After (libgit2 1.5 reports the status alone; the
 * answer is read from the plaintext of our own TLS stream). A 403 without
 * Retry-After is a refusal. Our TLS verifies the server: a certificate signed
 * by nobody trusted fails the fetch, and its answer is never read.
 */
static void test_git_rate_limit_over_http_and_https(void **state)
{
	struct fixture *fx = *state;
	struct rr_error err = { 0 };
	char msg[512];
	long wait = 0;
	char *ca = fmt("%s/ca.pem", fx->tmp);

	make_certificates(fx->tmp);
	assert_int_equal(repo_set_ca_bundle(ca, &err), RR_OK);
	assert_int_equal(repo_set_fetch_timeout(10, &err), RR_OK);

	assert_int_equal(fetch_limited(fx, "http", 429, "7", NULL, &wait, msg, sizeof(msg)),
			 RR_ETRANSIENT);
	assert_int_equal(wait, 7);
	assert_int_equal(fetch_limited(fx, "https", 429, "7", "ip", &wait, msg, sizeof(msg)),
			 RR_ETRANSIENT);
	assert_int_equal(wait, 7);
	assert_int_equal(fetch_limited(fx, "https", 403, "9", "ip", &wait, msg, sizeof(msg)),
			 RR_ETRANSIENT);
	assert_int_equal(wait, 9);
	assert_non_null(strstr(msg, "403"));
	assert_int_equal(fetch_limited(fx, "https", 403, "-", "ip", &wait, msg, sizeof(msg)),
			 RR_EAUTH);
	assert_int_equal(wait, 0);
	assert_int_equal(fetch_limited(fx, "https", 429, "-", "ip", &wait, msg, sizeof(msg)),
			 RR_ETRANSIENT);
	assert_int_equal(wait, 60);                  /* no Retry-After: a minute, like the API */
	/* A TLS failure is classed like the others of its kind (transient), but
	 * nothing was read: no wait from an unverified server is believed. */
	assert_int_equal(fetch_limited(fx, "https", 429, "7", "rogue", &wait, msg, sizeof(msg)),
			 RR_ETRANSIENT);
	assert_non_null(strstr(msg, "the SSL certificate of 127.0.0.1 is invalid"));
	assert_int_equal(wait, 0);
	free(ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_from_path_creates_bare_mirror),
		cmocka_unit_test(test_second_fetch_is_incremental),
		cmocka_unit_test(test_fetch_past_repack_threshold_repacks),
		cmocka_unit_test(test_git_rate_limit_over_http_and_https),
		cmocka_unit_test(test_stale_ref_locks_cleared_on_open),
		cmocka_unit_test(test_http_fetch_with_token),
		cmocka_unit_test(test_http_wrong_token_fails_fast),
		cmocka_unit_test(test_http_without_credentials_is_auth_error),
		cmocka_unit_test(test_url_with_password_refused_and_not_echoed),
		cmocka_unit_test(test_missing_repository_is_permanent),
		cmocka_unit_test(test_invalid_names_rejected),
		cmocka_unit_test(test_namespaces_and_case_share_one_mirror),
		cmocka_unit_test(test_has_commit_rejects_bad_hex),
		cmocka_unit_test(test_second_open_waits_for_first_close),
		cmocka_unit_test(test_server_down_is_transient),
		cmocka_unit_test(test_redirect_to_another_host_gets_no_token),
		cmocka_unit_test(test_redirect_to_another_port_gets_no_token),
	};
	return cmocka_run_group_tests_name("repo", tests, setup, teardown);
}
