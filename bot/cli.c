/* cli.c — subcommands of the rustreview binary. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/rr.h"
#include "../common/secret.h"
#include "../common/version.h"
#include "../review/config.h"
#include "../review/engine.h"
#include "../review/repo.h"
#include "../review/review.h"
#include "config.h"
#include "hardening.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "worker.h"

extern char **environ;   /* POSIX: declared by the program */

/* ---- help --------------------------------------------------------------- */

static const char usage_main[] =
	"usage: rustreview COMMAND [OPTIONS]\n"
	"\n"
	"Reviews Rust pull requests and posts line comments.\n"
	"\n"
	"commands:\n"
	"  serve                        run the webhook server and review workers\n"
	"  check [--repo DIR] [--format text|short|json|sarif] [--threads N] BASE [HEAD]\n"
	"                               review BASE...HEAD of a local repository\n"
	"  rules                        list the rules\n"
	"  explain RULE                 the long explanation of one rule\n"
	"  jobs [--state STATE]         list the job queue\n"
	"  healthcheck                  ask the running server's /healthz (exit 0 or 1)\n"
	"  help [COMMAND]               this text, or a command's\n"
	"\n"
	"options:\n"
	"  -h, --help                   show help\n"
	"  -V, --version                show the version\n"
	"\n"
	"`rustreview help serve` lists the environment variables.\n";

static const char usage_serve[] =
	"usage: rustreview serve\n"
	"\n"
	"Runs the webhook server (POST /webhooks/<forge>, GET /healthz, GET /metrics,\n"
	"GET /version) and the review workers until SIGINT or SIGTERM. Configured by the\n"
	"environment; any secret X may instead be given as X_FILE, a path to a file\n"
	"holding it (a secret set but empty is an error). A RUSTREVIEW_ variable that is\n"
	"none of these is warned about at start.\n"
	"\n"
	"  RUSTREVIEW_LISTEN              host:port (default 127.0.0.1:8080)\n"
	"  RUSTREVIEW_DATA_DIR            mirrors and database (default ./var)\n"
	"  RUSTREVIEW_DATABASE_URL        sqlite://PATH (default sqlite://$DATA_DIR/rustreview.db)\n"
	"  RUSTREVIEW_WORKERS             reviews at once, 1-64 (default 2)\n"
	"  RUSTREVIEW_REVIEW_THREADS      threads per review, 1-64 (default: CPUs, at most 8)\n"
	"  RUSTREVIEW_MAX_COMMENTS        line comments per review (default 30)\n"
	"  RUSTREVIEW_REVIEW_DRAFTS       review draft pull requests (default false)\n"
	"  RUSTREVIEW_MAX_BODY_BYTES      largest webhook body (default 26214400)\n"
	"  RUSTREVIEW_MAX_FILES           changed .rs files reviewed per PR (default 300)\n"
	"  RUSTREVIEW_MAX_FILE_BYTES      larger files are skipped (default 4194304)\n"
	"  RUSTREVIEW_MAX_CONNECTIONS     open HTTP connections (default 1000)\n"
	"  RUSTREVIEW_MAX_CONNECTIONS_PER_IP  per client address (default 0: no limit)\n"
	"  RUSTREVIEW_CONNECTION_TIMEOUT  idle connection timeout, s (default 30)\n"
	"  RUSTREVIEW_LOG_LEVEL           debug, info, warn, error (default info)\n"
	"per forge (NAME = GITHUB, ...):\n"
	"  RUSTREVIEW_<NAME>_WEBHOOK_SECRET   enables the forge (secret)\n"
	"  RUSTREVIEW_<NAME>_APP_ID           App id\n"
	"  RUSTREVIEW_<NAME>_PRIVATE_KEY_FILE App private key, PEM\n"
	"  RUSTREVIEW_<NAME>_TOKEN            token instead of an App (secret)\n"
	"  RUSTREVIEW_<NAME>_API_URL          REST API base URL\n"
	"  RUSTREVIEW_<NAME>_GIT_URL          where payload clone URLs must point\n"
	"  RUSTREVIEW_<NAME>_CA_BUNDLE        CA file for TLS to the forge (API and git)\n";

static const char usage_check[] =
	"usage: rustreview check [--repo DIR] [--format text|short|json|sarif]\n"
	"                        [--color auto|always|never] [--threads N] BASE [HEAD]\n"
	"\n"
	"Reviews what HEAD (default: HEAD) adds since its merge base with BASE in the\n"
	"repository at DIR (default: .), with the same rules as the service.\n"
	"Settings come from .rustreview.toml of BASE (as the service reads it from the\n"
	"pull request's base) and the Cargo.toml [lints] of HEAD.\n"
	"\n"
	"  --repo DIR        the repository (any directory inside it)\n"
	"  --format FORMAT   text (rustc's shape: the source line, carets under the\n"
	"                    span, help; the default), short (one line per finding,\n"
	"                    for editors and grep), json, or sarif (SARIF 2.1.0, for\n"
	"                    code scanning)\n"
	"  --color WHEN      auto (the default: on a terminal, unless NO_COLOR is set),\n"
	"                    always, or never\n"
	"  --threads N       review files on N threads, 1-64 (default:\n"
	"                    RUSTREVIEW_REVIEW_THREADS, else the CPUs, at most 8)\n"
	"\n"
	"exit status: 0 nothing that fails (fail_on, default: any finding), 1 findings\n"
	"that fail, 2 error (a bad .rustreview.toml is an error)\n";

static const char usage_rules[] =
	"usage: rustreview rules [--format text|json]\n\nLists every rule: id, default severity, whether it has a\n"
	"suggested fix, whether test code is exempt, and a summary.\n"
	"With --format json: [{\"id\", \"severity\", \"default\" (\"on\"/\"off\"), \"clippy\" (the\n"
	"clippy lint or null), \"scope\" (\"same\", \"subset\" or null)}].\n";
static const char usage_explain[] =
	"usage: rustreview explain RULE\n\nPrints the long explanation of RULE (see `rustreview rules`);\n"
	"clippy's spelling works too: clippy::unwrap_used.\n";
static const char usage_jobs[] =
	"usage: rustreview jobs [--state STATE]\n"
	"       rustreview jobs requeue ID | --failed\n"
	"\n"
	"Lists the newest jobs of the queue (RUSTREVIEW_DATABASE_URL / RUSTREVIEW_DATA_DIR).\n"
	"  --state STATE   only jobs in STATE: queued, running, done, failed, superseded\n"
	"  requeue ID      queue the failed job ID again (attempts start over)\n"
	"  requeue --failed  queue every failed job again\n";

static const char usage_healthcheck[] =
	"usage: rustreview healthcheck [--path PATH] [--timeout SECONDS]\n"
	"\n"
	"Asks the server at RUSTREVIEW_LISTEN for GET /healthz (or PATH) and exits 0\n"
	"when it answers 200, 1 otherwise (Docker's HEALTHCHECK; no curl needed).\n"
	"A wildcard listen address (0.0.0.0, ::) is asked on the loopback address.\n"
	"  --path PATH         default /healthz\n"
	"  --timeout SECONDS   give up after this long, 1-60 (default 3)\n";

struct command_help {
	const char *name;
	const char *text;
};
static const struct command_help helps[] = {
	{ "serve", usage_serve }, { "check", usage_check }, { "rules", usage_rules },
	{ "explain", usage_explain }, { "jobs", usage_jobs },
	{ "healthcheck", usage_healthcheck },
};

static const char *help_for(const char *command)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].name, command) == 0)
			return helps[i].text;
	return NULL;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int usage_error(const char *command, const char *fmt, const char *what)
{
	fprintf(stderr, "rustreview%s%s: ", command ? " " : "", command ? command : "");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n\n%s", command ? help_for(command) : usage_main);
	return CLI_EXIT_ERROR;
}

/*
 * A tiny option parser for "--name VALUE", "--name=VALUE" and "--help".
 * Returns 1 when argv[*i] is --name (value in *value, *i advanced), 0 when it
 * is not, -1 when the value is missing.
 */
static int take_option(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* ---- check -------------------------------------------------------------- */

struct check_args {
	const char *repo;
	const char *format;
	bool color;                /* from --color and the terminal */
	const char *base;
	const char *head;
	unsigned threads;          /* 0: review_default_threads() */
};

static int parse_threads(const char *text, unsigned *out)
{
	char *end = NULL;
	long n = strtol(text, &end, 10);

	if (!*text || *end || n < 1 || n > REVIEW_MAX_THREADS)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* --color: auto is on for a terminal, unless NO_COLOR is set to anything
 * (no-color.org) or TERM is dumb; always and never are what they say. */
static int use_color(const char *when, bool *out)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (strcmp(when, "always") == 0)
		*out = true;
	else if (strcmp(when, "never") == 0)
		*out = false;
	else if (strcmp(when, "auto") == 0)
		*out = isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
		       !(term && strcmp(term, "dumb") == 0);
	else
		return -1;
	return 0;
}

static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	int positional = 0, r;

	const char *color = "auto";

	a->repo = ".";
	a->format = "text";
	a->base = NULL;
	a->head = "HEAD";
	a->threads = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *threads = NULL;
		if (is_help(arg))
			return fputs(usage_check, stdout), -1;
		if ((r = take_option(argc, argv, &i, "--repo", &a->repo)) ||
		    (r = take_option(argc, argv, &i, "--format", &a->format)) ||
		    (r = take_option(argc, argv, &i, "--color", &color)) ||
		    (r = take_option(argc, argv, &i, "--threads", &threads))) {
			if (r < 0)
				return usage_error("check", "option %s needs a value", arg);
			if (threads && parse_threads(threads, &a->threads) != 0)
				return usage_error("check", "--threads '%s' is not a number from 1 to 64",
						   threads);
			continue;
		}
		if (arg[0] == '-' && strcmp(arg, "-") != 0)
			return usage_error("check", "unknown option '%s'", arg);
		if (positional == 0)
			a->base = arg;
		else if (positional == 1)
			a->head = arg;
		else
			return usage_error("check", "unexpected argument '%s'", arg);
		positional++;
	}
	if (!a->base)
		return usage_error("check", "%s", "missing BASE");
	if (strcmp(a->format, "text") != 0 && strcmp(a->format, "short") != 0 &&
	    strcmp(a->format, "json") != 0 && strcmp(a->format, "sarif") != 0)
		return usage_error("check",
				   "unknown --format '%s' (expected text, short, json or sarif)",
				   a->format);
	if (use_color(color, &a->color) != 0)
		return usage_error("check", "unknown --color '%s' (expected auto, always or never)",
				   color);
	return 0;
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

static int resolve_commit(git_repository *repo, const char *spec, const char *where,
			  git_oid *out)
{
	git_object *obj = NULL, *commit = NULL;
	int rc = CLI_EXIT_OK;

	if (git_revparse_single(&obj, repo, spec) != 0 ||
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0) {
		fprintf(stderr, "rustreview check: cannot resolve '%s' in %s: %s\n", spec, where,
			git_message());
		rc = CLI_EXIT_ERROR;
	} else {
		git_oid_cpy(out, git_commit_id((git_commit *)commit));
	}
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

/* The files of the reviewed head, for the snippets of the text format: one
 * blob at a time (findings come sorted by path). */
struct head_source {
	git_repository *repo;
	git_tree *tree;
	git_blob *blob;
};

static const char *head_source_read(void *ctx, const char *path, size_t *len)
{
	struct head_source *hs = ctx;
	git_tree_entry *entry = NULL;

	git_blob_free(hs->blob);
	hs->blob = NULL;
	if (!hs->tree || git_tree_entry_bypath(&entry, hs->tree, path) != 0)
		return NULL;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&hs->blob, hs->repo, git_tree_entry_id(entry)) != 0)
		hs->blob = NULL;
	git_tree_entry_free(entry);
	if (!hs->blob)
		return NULL;
	*len = (size_t)git_blob_rawsize(hs->blob);
	return git_blob_rawcontent(hs->blob);
}

static int write_text(const struct finding_list *l, const struct check_args *a,
		      git_repository *repo, const git_oid *head)
{
	struct head_source hs = { repo, NULL, NULL };
	struct findings_diag_options o = { a->color, head_source_read, &hs };
	git_commit *commit = NULL;
	int rc;

	/* Without the tree the findings still print, without their snippets. */
	if (git_commit_lookup(&commit, repo, head) == 0)
		git_commit_tree(&hs.tree, commit);
	rc = findings_write_diagnostics(l, stdout, &o);
	git_blob_free(hs.blob);
	git_tree_free(hs.tree);
	git_commit_free(commit);
	return rc;
}

/* Exit 1 only for findings at or above fail_on. */
static int print_findings(const struct finding_list *l, const struct check_args *a,
			  git_repository *repo, const git_oid *head,
			  const struct review_options *opts)
{
	const char *format = a->format;
	int rc = strcmp(format, "json") == 0    ? findings_write_json(l, stdout)
		 : strcmp(format, "sarif") == 0 ? findings_write_sarif_at(l, stdout,
									  git_repository_workdir(repo))
		 : strcmp(format, "short") == 0 ? findings_write_text(l, stdout)
						: write_text(l, a, repo, head);
	if (rc != RR_OK || fflush(stdout) != 0) {
		fprintf(stderr, "rustreview check: writing the findings failed\n");
		return CLI_EXIT_ERROR;
	}
	if (l->notice)
		fprintf(stderr, "rustreview check: notice:\n%s\n", l->notice);
	for (size_t i = 0; i < l->n; i++)
		if (review_options_fails(opts, l->items[i].severity))
			return CLI_EXIT_FINDINGS;
	return CLI_EXIT_OK;
}

static int run_check(const struct check_args *a)
{
	struct finding_list findings = FINDING_LIST_INIT;
	struct review_engine *engine = NULL;
	struct review_options opts;
	struct rr_error err = { 0 };
	git_repository *repo = NULL;
	const char *where;
	git_oid base, head;
	int rc = CLI_EXIT_ERROR;

	review_options_init(&opts);

	if (git_repository_open_ext(&repo, a->repo, 0, NULL) != 0) {
		fprintf(stderr, "rustreview check: cannot open a repository at %s: %s\n", a->repo,
			git_message());
		goto done;
	}
	where = git_repository_workdir(repo) ? git_repository_workdir(repo)
					      : git_repository_path(repo);
	if (resolve_commit(repo, a->base, where, &base) || resolve_commit(repo, a->head, where, &head))
		goto done;
	/* Like the service: the settings of the base, so a branch cannot relax its own check. */
	if (review_load_repo_config(repo, &base, &opts, &err) != RR_OK) {
		fprintf(stderr, "rustreview check: %s at %s: %s\n", CONFIG_REPO_FILE, a->base,
			err.msg);
		goto done;
	}
	if (review_engine_new(&engine, &err) == RR_OK)
		review_engine_set_threads(engine, a->threads);
	if (!engine ||
	    review_run_opts(engine, repo, &base, &head, NULL, &opts, &findings, NULL, &err) !=
		    RR_OK) {
		fprintf(stderr, "rustreview check: reviewing %s...%s in %s: %s\n", a->base, a->head,
			where, err.msg);
		goto done;
	}
	rc = print_findings(&findings, a, repo, &head, &opts);
done:
	review_options_free(&opts);
	finding_list_free(&findings);
	review_engine_free(engine);
	git_repository_free(repo);
	return rc;
}

int cli_check(int argc, char **argv)
{
	struct check_args a;
	int rc = parse_check_args(argc, argv, &a);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	/* libgit2 directly, not repo_global_init: review/repo.c is the mirror and
	 * fetch code, and linking it would bring libcurl into `rustreview`. */
	if (git_libgit2_init() < 0) {
		fprintf(stderr, "rustreview check: initialising libgit2: %s\n", git_message());
		return CLI_EXIT_ERROR;
	}
	/* libgit2 re-hashes every object it reads to compare with its id (SHA-1
	 * with collision detection: 40 % of a one-line check of an 800 KB file,
	 * which reads the blob three times). git itself does not on a read; a
	 * local check trusts the local object store as git does (git fsck is
	 * what verifies it). */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* libgit2 caches no blob by default, and a check reads each changed
	 * file's blobs several times (the diff, the review, the new-findings
	 * filter, the diagnostics): each read inflated it again, 5 inflations of
	 * an 800 KB file where 2 do. The cache is this process's, bounded by
	 * libgit2's total (GIT_OPT_SET_CACHE_MAX_SIZE, 256 MB by default). */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_BLOB, (size_t)64 << 20);
	rc = run_check(&a);
	git_libgit2_shutdown();
	return rc;
}

/* ---- rules / explain ---------------------------------------------------- */

/* `rules --format json`: what each rule is and claims about clippy. */
static int print_rules_json(void)
{
	json_t *arr = json_array();
	char *text = NULL;

	for (size_t i = 0; arr && i < rules_count(); i++) {
		const struct rule_info *r = rules_get(i);
		const char *lint = rules_clippy_lint(i), *scope = rules_scope(i);
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", r->id, "severity",
				      rr_severity_name(r->severity), "default",
				      r->default_off ? "off" : "on", "clippy",
				      lint ? json_string(lint) : json_null(), "scope",
				      scope ? json_string(scope) : json_null());
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr || !(text = json_dumps(arr, JSON_INDENT(1)))) {
		json_decref(arr);
		fputs("rustreview rules: out of memory\n", stderr);
		return CLI_EXIT_ERROR;
	}
	puts(text);
	free(text);
	json_decref(arr);
	return CLI_EXIT_OK;
}

int cli_rules(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--format") == 0 &&
	    (strcmp(argv[2], "json") == 0 || strcmp(argv[2], "text") == 0)) {
		if (strcmp(argv[2], "json") == 0)
			return print_rules_json();
	} else if (argc > 1) {
		return is_help(argv[1]) ? (fputs(usage_rules, stdout), CLI_EXIT_OK)
					: usage_error("rules", "unexpected argument '%s'", argv[1]);
	}
	printf("%-28s %-8s %-4s %-10s %-7s %s\n", "RULE", "SEVERITY", "FIX", "SCOPE", "DEFAULT",
	       "SUMMARY");
	for (size_t i = 0; i < rules_count(); i++) {
		const struct rule_info *r = rules_get(i);
		printf("%-28s %-8s %-4s %-10s %-7s %s\n", r->id, rr_severity_name(r->severity),
		       r->has_fix ? "yes" : "-", r->production_only ? "production" : "all code",
		       r->default_off ? "off" : "on", r->summary);
	}
	return CLI_EXIT_OK;
}

/* A rule as clippy users write it: `unwrap_used`, `clippy::unwrap_used` (as in
 * #[allow(..)]) or `clippy::unwrap-used` (as on clippy's command line). */
static const struct rule_info *find_rule_as_written(const char *name)
{
	char id[96];
	size_t i;

	if (strncmp(name, "clippy::", 8) == 0)
		name += 8;
	for (i = 0; name[i] && i + 1 < sizeof(id); i++)
		id[i] = name[i] == '-' ? '_' : name[i];
	id[i] = '\0';
	return name[i] ? NULL : rules_find(id);
}

int cli_explain(int argc, char **argv)
{
	const struct rule_info *r;

	if (argc > 1 && is_help(argv[1]))
		return fputs(usage_explain, stdout), CLI_EXIT_OK;
	if (argc != 2)
		return usage_error("explain", "%s", argc < 2 ? "missing RULE" : "too many arguments");
	if (!(r = find_rule_as_written(argv[1]))) {
		fprintf(stderr, "rustreview explain: unknown rule '%s' (see `rustreview rules`)\n",
			argv[1]);
		return CLI_EXIT_ERROR;
	}
	printf("%s (%s)%s%s%s\n\n%s\n\n%s\n", r->id, rr_severity_name(r->severity),
	       r->production_only ? ", production code only" : "",
	       r->has_fix ? ", with a suggested fix" : "",
	       r->default_off ? ", off unless enabled in .rustreview.toml or Cargo.toml [lints]" : "",
	       r->summary, r->explanation);
	return CLI_EXIT_OK;
}

/* The service's commands (jobs, serve, healthcheck) need libcurl, libmicrohttpd
 * and the queue's database libraries. The `rustreview` binary is built from this
 * file with RR_CLI_LOCAL defined and leaves them out, so that `check` loads only
 * what a local review needs; those commands then run in rustreview-service
 * (see cli_main and bot/main_local.c). */
#ifndef RR_CLI_LOCAL

/* ---- jobs --------------------------------------------------------------- */

static void print_job(const struct job *j)
{
	char when[32], repo[160];
	time_t t = (time_t)j->updated_at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(repo, sizeof(repo), "%s/%s#%ld", j->owner, j->repo, j->number);
	printf("%-6lld %-10s %-3d %-8s %-32s %-12.12s %-20s %s\n", (long long)j->id,
	       job_state_name(j->state), j->attempts, j->forge, repo, j->head_sha, when,
	       j->last_error ? j->last_error : "");
}

/* What queue_open takes: the SQLite file, or the PostgreSQL URL as given. */
static const char *queue_target(const struct rr_config *cfg)
{
	return cfg->database_path ? cfg->database_path : cfg->database_url;
}

/* A SQLite file that does not exist yet: listing must not create it. */
static bool no_database_yet(const struct rr_config *cfg)
{
	struct stat st;
	if (!cfg->database_path || stat(cfg->database_path, &st) == 0)
		return false;
	fprintf(stderr, "rustreview jobs: no database at %s yet\n", cfg->database_path);
	return true;
}

static int list_jobs(const struct rr_config *cfg, int state)
{
	struct rr_error err = { 0 };
	struct queue *q = NULL;
	struct job *jobs = NULL;
	size_t n = 0;

	if (no_database_yet(cfg))
		return CLI_EXIT_OK;
	if (queue_open(&q, queue_target(cfg), &err) != RR_OK ||
	    queue_list(q, state, 0, &jobs, &n, &err) != RR_OK) {
		fprintf(stderr, "rustreview jobs: %s\n", err.msg);
		queue_close(q);
		return CLI_EXIT_ERROR;
	}
	printf("%-6s %-10s %-3s %-8s %-32s %-12s %-20s %s\n", "ID", "STATE", "TRY", "FORGE",
	       "PULL REQUEST", "HEAD", "UPDATED", "LAST ERROR");
	for (size_t i = 0; i < n; i++)
		print_job(&jobs[i]);
	queue_list_free(jobs, n);
	queue_close(q);
	return CLI_EXIT_OK;
}

/* `jobs requeue ID` or `jobs requeue --failed`. */
static int requeue_jobs(int argc, char **argv, const struct forge *const *forges)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	struct queue *q = NULL;
	long long id = 0;
	char *end = NULL;
	size_t n = 0;
	int rc = CLI_EXIT_OK;

	if (argc != 3)
		return usage_error("jobs", "%s takes a job id or --failed", "requeue");
	if (is_help(argv[2]))
		return fputs(usage_jobs, stdout), CLI_EXIT_OK;
	if (strcmp(argv[2], "--failed") != 0) {
		id = strtoll(argv[2], &end, 10);
		if (!end || *end || id <= 0)
			return usage_error("jobs", "not a job id: '%s'", argv[2]);
	}
	if (config_load(&cfg, forges, &err) != RR_OK) {
		fprintf(stderr, "rustreview jobs: %s\n", err.msg);
		return CLI_EXIT_ERROR;
	}
	if (no_database_yet(&cfg)) {
		config_free(&cfg);
		return CLI_EXIT_ERROR;
	}
	if (queue_open(&q, queue_target(&cfg), &err) != RR_OK ||
	    queue_requeue(q, (int64_t)id, &n, &err) != RR_OK) {
		fprintf(stderr, "rustreview jobs: %s\n", err.msg);
		rc = CLI_EXIT_ERROR;
	} else {
		printf("requeued %zu job%s\n", n, n == 1 ? "" : "s");
	}
	queue_close(q);
	config_free(&cfg);
	return rc;
}

int cli_jobs(int argc, char **argv, const struct forge *const *forges)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	enum job_state s;
	int state = -1, rc, r;

	if (argc > 1 && strcmp(argv[1], "requeue") == 0)
		return requeue_jobs(argc, argv, forges);
	for (int i = 1; i < argc; i++) {
		const char *value = NULL;
		if (is_help(argv[i]))
			return fputs(usage_jobs, stdout), CLI_EXIT_OK;
		if ((r = take_option(argc, argv, &i, "--state", &value)) <= 0)
			return usage_error("jobs", r < 0 ? "option %s needs a value"
							 : "unexpected argument '%s'", argv[i]);
		if (job_state_parse(value, &s) != RR_OK)
			return usage_error("jobs", "unknown state '%s'", value);
		state = (int)s;
	}
	if (config_load(&cfg, forges, &err) != RR_OK) {
		fprintf(stderr, "rustreview jobs: %s\n", err.msg);
		return CLI_EXIT_ERROR;
	}
	rc = list_jobs(&cfg, state);
	config_free(&cfg);
	return rc;
}

/* ---- serve -------------------------------------------------------------- */

struct service {
	struct rr_config cfg;
	struct queue *q;
	struct metrics *m;
	struct worker_pool *workers;
	struct server *http;
	bool git_ready;
};

static int ensure_dirs(const struct rr_config *cfg, struct rr_error *err)
{
	char *db_dir, *slash;
	int rc;

	if (!cfg->database_path)
		return rr_mkdirs(cfg->data_dir, err);
	if (!(db_dir = rr_strdup(cfg->database_path)))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	if ((rc = rr_mkdirs(cfg->data_dir, err)) == RR_OK && (slash = strrchr(db_dir, '/')) &&
	    slash != db_dir) {
		*slash = '\0';
		rc = rr_mkdirs(db_dir, err);
	}
	free(db_dir);
	return rc;
}

/* libgit2's TLS trust is process-wide: the CA bundle of each enabled forge is
 * added for fetches (the REST client takes it per forge). */
static int trust_forge_cas(const struct rr_config *cfg, struct rr_error *err)
{
	for (size_t i = 0; i < cfg->nforges; i++) {
		const struct forge_config *fc = &cfg->forges[i];
		int rc;
		if (!fc->enabled || !fc->ca_bundle || !*fc->ca_bundle)
			continue;
		if ((rc = repo_set_ca_bundle(fc->ca_bundle, err))) {
			char name[32];
			size_t j;
			for (j = 0; fc->forge->name[j] && j + 1 < sizeof(name); j++)
				name[j] = (char)toupper((unsigned char)fc->forge->name[j]);
			name[j] = '\0';
			return rr_error_wrap(err, "RUSTREVIEW_%s_CA_BUNDLE", name);
		}
	}
	return RR_OK;
}

/* A RUSTREVIEW_ variable no setting reads: most likely a typo, said out loud. */
static void warn_unknown_variable(const char *name, const char *did_you_mean, void *arg)
{
	char message[400];

	(void)arg;
	snprintf(message, sizeof(message), "%s is not a setting of rustreview and is ignored%s%s%s",
		 name, did_you_mean ? "; did you mean " : "", did_you_mean ? did_you_mean : "",
		 did_you_mean ? "?" : "");
	rr_log_kv(RR_LOG_WARN, "config.unknown_variable", RR_KV_STR("variable", name),
		  RR_KV_STR("did_you_mean", did_you_mean), RR_KV_STR("message", message));
}

/* rustreview_forge_enabled: which forges this instance serves, for dashboards;
 * and every REST call a forge makes is counted (before the forges start). */
static void note_forges(struct rr_config *cfg, struct metrics *m)
{
	for (size_t i = 0; i < cfg->nforges; i++) {
		metrics_set(m, METRIC_FORGE_ENABLED, &cfg->forges[i].forge->name,
			    cfg->forges[i].enabled ? 1 : 0);
		cfg->forges[i].observe_api = metrics_api_call;
		cfg->forges[i].observe_ctx = m;
	}
}

/* One line per enabled forge: how it authenticates, against which URLs. */
static void log_forges(const struct rr_config *cfg)
{
	for (size_t i = 0; i < cfg->nforges; i++) {
		const struct forge_config *fc = &cfg->forges[i];
		char path[64];

		if (!fc->enabled)
			continue;
		snprintf(path, sizeof(path), "/webhooks/%s", fc->forge->name);
		rr_log_kv(RR_LOG_INFO, "startup.forge", RR_KV_STR("forge", fc->forge->name),
			  RR_KV_STR("auth", fc->forge->auth_mode ? fc->forge->auth_mode(fc) : "token"),
			  RR_KV_STR("api_url", fc->api_url), RR_KV_STR("git_url", fc->git_url),
			  RR_KV_STR("webhook_path", path));
	}
	if (config_enabled_forges(cfg) == 0)
		rr_log_kv(RR_LOG_WARN, "startup.no_forge",
			  RR_KV_STR("message", "No forge is enabled: webhooks get 404; set "
				    "RUSTREVIEW_<FORGE>_WEBHOOK_SECRET (or _FILE)"));
}

/*
 * This replica's lease owner, the retry window, and the jobs a previous run
 * of this replica left running (it was killed): queued again now, not when
 * their leases run out.
 */
static int queue_take_back(struct service *svc, struct rr_error *err)
{
	size_t n = 0;
	int rc;

	if (svc->cfg.replica_id && (rc = queue_set_owner(svc->q, svc->cfg.replica_id, err)))
		return rc;
	queue_set_retry_for(svc->q, svc->cfg.retry_for_s);
	/* A forge's rate limit for a token pauses that token on every replica. */
	for (size_t i = 0; i < svc->cfg.nforges; i++)
		queue_api_gate(svc->q, &svc->cfg.forges[i].gate);
	if ((rc = queue_release_own(svc->q, &n, err)))
		return rr_error_wrap(err, "taking back the jobs of the previous run");
	if (n)
		rr_log_kv(RR_LOG_INFO, "queue.taken_back", RR_KV_UINT("jobs", n),
			  RR_KV_STR("owner", queue_owner(svc->q)));
	return RR_OK;
}

static int service_start(struct service *svc, const struct forge *const *forges,
			 struct rr_error *err)
{
	bool locked = false;
	int rc;

	/* Before the first secret is read: secrets go straight into secret memory. */
	if ((rc = rr_secret_heap_init(HARDENING_SECRET_HEAP_BYTES, &locked, err)) ||
	    (rc = config_load(&svc->cfg, forges, err)))
		return rc;
	rr_log_set_level(svc->cfg.log_level);
	/* Before hardening_apply removes the secret variables from the environment. */
	config_find_unknown(environ, forges, warn_unknown_variable, NULL);
	if ((rc = ensure_dirs(&svc->cfg, err)) || (rc = hardening_apply(&svc->cfg, err)) ||
	    (rc = repo_global_init(err)) || (rc = repo_wipe_freed_memory(err)))
		return rc;
	svc->git_ready = true;
	if ((rc = trust_forge_cas(&svc->cfg, err)))
		return rc;
	if ((rc = repo_set_fetch_timeout(svc->cfg.git_timeout_s, err)))
		return rc;
	if ((rc = queue_open(&svc->q, queue_target(&svc->cfg), err)) ||
	    (rc = queue_take_back(svc, err)) ||
	    (rc = metrics_new(&svc->m, err)))
		return rc;
	note_forges(&svc->cfg, svc->m);
	if ((rc = config_init_forges(&svc->cfg, err)))
		return rc;
	if ((rc = worker_pool_start(&svc->workers, &svc->cfg, svc->q, svc->m, err)) ||
	    (rc = server_start(&svc->http, &svc->cfg, svc->q, svc->m, err)))
		return rc;
	return RR_OK;
}

/* Order matters: stop taking deliveries, let running reviews finish, then close. */
static void service_stop(struct service *svc)
{
	server_stop(svc->http);
	worker_pool_stop(svc->workers);
	metrics_free(svc->m);
	queue_close(svc->q);
	config_free(&svc->cfg);
	if (svc->git_ready)
		repo_global_shutdown();
}

static int enabled_forge_names(const struct rr_config *cfg, struct rr_buf *b)
{
	int rc = rr_buf_puts(b, "");
	for (size_t i = 0; i < cfg->nforges && rc == RR_OK; i++)
		if (cfg->forges[i].enabled)
			rc = rr_buf_printf(b, "%s%s", b->len ? "," : "", cfg->forges[i].forge->name);
	return rc;
}

static void print_forge_setup_hint(const struct rr_config *cfg)
{
	fprintf(stderr, "\n  No forge is enabled: webhooks get 404. To enable one, set for example:\n");
	for (size_t i = 0; i < cfg->nforges; i++) {
		char name[64];
		size_t k;
		for (k = 0; cfg->forges[i].forge->name[k] && k < sizeof(name) - 1; k++)
			name[k] = (char)toupper((unsigned char)cfg->forges[i].forge->name[k]);
		name[k] = '\0';
		fprintf(stderr,
			"    RUSTREVIEW_%s_WEBHOOK_SECRET (or _FILE)   the webhook secret\n"
			"    RUSTREVIEW_%s_APP_ID and RUSTREVIEW_%s_PRIVATE_KEY_FILE   App credentials,\n"
			"      or RUSTREVIEW_%s_TOKEN (or _FILE)   a token instead of an App\n",
			name, name, name, name);
	}
	fprintf(stderr, "  `rustreview help serve` lists every setting.\n");
}

/* The SQLite path, or only "postgresql": the URL may hold a password. */
static const char *queue_db_label(const struct service *svc)
{
	return svc->cfg.database_path ? svc->cfg.database_path : queue_backend_name(svc->q);
}

static void announce(const struct service *svc)
{
	char port[16], workers[16];
	struct rr_buf forges = RR_BUF_INIT;
	const char *host = svc->cfg.listen_host;
	bool none = config_enabled_forges(&svc->cfg) == 0;

	snprintf(port, sizeof(port), "%u", server_port(svc->http));
	snprintf(workers, sizeof(workers), "%u", svc->cfg.workers);
	enabled_forge_names(&svc->cfg, &forges);
	rr_log_kv(RR_LOG_INFO, "startup", RR_KV_STR("version", RR_VERSION),
		  RR_KV_STR("commit", rr_build_commit), RR_KV_STR("host", host),
		  RR_KV_UINT("port", server_port(svc->http)), RR_KV_STR("data_dir", svc->cfg.data_dir),
		  RR_KV_STR("database", queue_db_label(svc)), RR_KV_STR("replica", queue_owner(svc->q)),
		  RR_KV_UINT("workers", svc->cfg.workers),
		  RR_KV_STR("forges", forges.data ? forges.data : ""));
	log_forges(&svc->cfg);
	if (isatty(STDERR_FILENO) || none) {
		bool v6 = strchr(host, ':') != NULL;
		fprintf(stderr,
			"\nrustreview %s listening on http://%s%s%s:%s\n"
			"  data dir   %s\n  database   %s\n  workers    %s\n  forges     %s\n",
			RR_VERSION, v6 ? "[" : "", host, v6 ? "]" : "", port, svc->cfg.data_dir,
			queue_db_label(svc), workers,
			none ? "none" : forges.data);
		for (size_t i = 0; i < svc->cfg.nforges; i++)
			if (svc->cfg.forges[i].enabled)
				fprintf(stderr, "  webhook    POST /webhooks/%s\n",
					svc->cfg.forges[i].forge->name);
		if (none)
			print_forge_setup_hint(&svc->cfg);
		fputc('\n', stderr);
	}
	rr_buf_free(&forges);
}

/* Waits for SIGINT or SIGTERM (blocked in every thread, taken here). */
static int wait_for_signal(const sigset_t *set)
{
	int sig = 0;
	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

/* Waits up to ms for a second SIGINT or SIGTERM; true when one came. */
static bool signal_within(const sigset_t *set, uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	int sig;
	do
		sig = sigtimedwait(set, NULL, &ts);
	while (sig < 0 && errno == EINTR);
	return sig > 0;
}

/*
 * The first signal starts the drain: /readyz answers 503 at once so the load
 * balancer stops sending, while the listener stays open (a delivery in that
 * moment is still queued durably, 202, for the next start or another
 * replica) until the grace period ends; workers claim nothing more, and
 * running jobs get the grace period to finish. What still runs then gives its
 * lease back. A second signal cuts the wait short. Returns false when some
 * worker is still busy (the pool must not be freed).
 */
static bool drain(struct service *svc, const sigset_t *set)
{
	uint64_t grace = (uint64_t)svc->cfg.shutdown_grace_s * 1000, start = rr_now_ms();
	bool workers_done = false, cut = false;

	server_set_draining(svc->http);
	worker_pool_begin_stop(svc->workers);
	while (!cut) {
		uint64_t spent = rr_now_ms() - start, step;
		if (spent >= grace)
			break;
		step = grace - spent < 200 ? grace - spent : 200;
		if (!workers_done)
			workers_done = worker_pool_wait(svc->workers, (unsigned)step);
		else
			cut = signal_within(set, step);
		if (!workers_done)
			cut = signal_within(set, 0);
	}
	if (!workers_done && !(workers_done = worker_pool_wait(svc->workers, 0)))
		worker_pool_release_running(svc->workers);
	return workers_done;
}

int cli_serve(int argc, char **argv, const struct forge *const *forges)
{
	struct service svc;
	struct rr_error err = { 0 };
	sigset_t set;
	int rc;

	if (argc > 1)
		return is_help(argv[1]) ? (fputs(usage_serve, stdout), CLI_EXIT_OK)
					: usage_error("serve", "unexpected argument '%s'", argv[1]);
	memset(&svc, 0, sizeof(svc));
	/* Block before any thread starts so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = service_start(&svc, forges, &err)) != RR_OK) {
		rr_log_kv(RR_LOG_ERROR, "startup.failed", RR_KV_STR("error", err.msg));
		fprintf(stderr, "rustreview serve: %s\n", err.msg);
		service_stop(&svc);
		return CLI_EXIT_ERROR;
	}
	announce(&svc);
	int sig = wait_for_signal(&set);
	rr_log_kv(RR_LOG_INFO, "shutdown", RR_KV_STR("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"),
		  RR_KV_UINT("grace_s", svc.cfg.shutdown_grace_s));
	if (!drain(&svc, &set)) {
		/* A worker is stuck (its lease is back in the queue): stop
		 * listening and leave without freeing what it still uses. */
		server_stop(svc.http);
		rr_log_kv(RR_LOG_WARN, "stopped", RR_KV_BOOL("busy_workers_abandoned", true));
		fflush(NULL);
		_exit(CLI_EXIT_OK);
	}
	service_stop(&svc);
	rr_log(RR_LOG_INFO, "stopped", NULL);
	return CLI_EXIT_OK;
}

/* ---- healthcheck ---------------------------------------------------------- */

static size_t discard_body(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/* http://HOST:PORT of the listen address; a wildcard is asked on loopback. */
static void healthcheck_url(const struct rr_config *cfg, const char *path, char *url, size_t size)
{
	const char *host = cfg->listen_host;
	bool v6;

	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	v6 = strchr(host, ':') != NULL;
	snprintf(url, size, "http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
		 cfg->listen_port, path);
}

/* 0 when GET url answers 200 within timeout_s; 1 (and why, on stderr) otherwise. */
static int healthcheck_get(const char *url, long timeout_s)
{
	CURL *curl = curl_easy_init();
	long status = 0;
	CURLcode cc;

	if (!curl) {
		fprintf(stderr, "rustreview healthcheck: cannot start libcurl\n");
		return 1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");       /* the server is local */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rustreview-healthcheck/" RR_VERSION);
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK) {
		fprintf(stderr, "rustreview healthcheck: %s: %s\n", url, curl_easy_strerror(cc));
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "rustreview healthcheck: %s answered %ld\n", url, status);
		return 1;
	}
	return 0;
}

int cli_healthcheck(int argc, char **argv)
{
	struct rr_config cfg;
	struct rr_error err = { 0 };
	const char *path = "/healthz", *timeout = "3";   /* under HEALTHCHECK --timeout=5s */
	char url[512];
	long seconds;
	int rc, r;

	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i]))
			return fputs(usage_healthcheck, stdout), CLI_EXIT_OK;
		if ((r = take_option(argc, argv, &i, "--path", &path)) ||
		    (r = take_option(argc, argv, &i, "--timeout", &timeout))) {
			if (r < 0)
				return usage_error("healthcheck", "option %s needs a value", argv[i]);
			continue;
		}
		return usage_error("healthcheck", "unexpected argument '%s'", argv[i]);
	}
	if (path[0] != '/')
		return usage_error("healthcheck", "--path '%s' must start with /", path);
	char *end = NULL;
	seconds = strtol(timeout, &end, 10);
	if (!*timeout || *end || seconds < 1 || seconds > 60)
		return usage_error("healthcheck", "--timeout '%s' is not a number from 1 to 60",
				   timeout);
	/* Only the listen address matters: no forge is configured, no secret read. */
	if (config_load(&cfg, NULL, &err) != RR_OK) {
		fprintf(stderr, "rustreview healthcheck: %s\n", err.msg);
		return 1;
	}
	healthcheck_url(&cfg, path, url, sizeof(url));
	config_free(&cfg);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "rustreview healthcheck: cannot initialise libcurl\n");
		return 1;
	}
	rc = healthcheck_get(url, seconds);
	curl_global_cleanup();
	return rc;
}

#endif /* !RR_CLI_LOCAL */

/* ---- dispatch ----------------------------------------------------------- */

static int cli_help(int argc, char **argv)
{
	const char *text;
	if (argc < 2)
		return fputs(usage_main, stdout), CLI_EXIT_OK;
	if (!(text = help_for(argv[1])))
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	fputs(text, stdout);
	return CLI_EXIT_OK;
}

int cli_main(int argc, char **argv, const struct forge *const *forges)
{
	const char *cmd;

	if (argc < 2)
		return usage_error(NULL, "%s", "missing command");
	cmd = argv[1];
	argc--;
	argv++;
	if (is_help(cmd))
		return fputs(usage_main, stdout), CLI_EXIT_OK;
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0)
		return printf("rustreview %s (commit %s)\n", RR_VERSION, rr_build_commit),
		       CLI_EXIT_OK;
	if (strcmp(cmd, "help") == 0)
		return cli_help(argc, argv);
	if (strcmp(cmd, "check") == 0)
		return cli_check(argc, argv);
	if (strcmp(cmd, "rules") == 0)
		return cli_rules(argc, argv);
	if (strcmp(cmd, "explain") == 0)
		return cli_explain(argc, argv);
#ifdef RR_CLI_LOCAL
	(void)forges;
	if (strcmp(cmd, "serve") == 0 || strcmp(cmd, "jobs") == 0 ||
	    strcmp(cmd, "healthcheck") == 0)
		return cli_exec_service(argc + 1, argv - 1);
#else
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc, argv, forges);
	if (strcmp(cmd, "jobs") == 0)
		return cli_jobs(argc, argv, forges);
	if (strcmp(cmd, "healthcheck") == 0)
		return cli_healthcheck(argc, argv);
#endif
	return usage_error(NULL, cmd[0] == '-' ? "unknown option '%s'" : "unknown command '%s'", cmd);
}
