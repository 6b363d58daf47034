/* worker.c — review worker threads: claim a job, fetch, review, publish. */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "../common/log.h"
#include "../handlers/publish.h"
#include "../review/config.h"
#include "../review/repo.h"
#include "../review/review.h"

#define IDLE_WAIT_MS 1000
#define PRUNE_EVERY_S 3600

/* One worker's job, as the keeper sees it (guarded by the pool's lock). */
struct worker {
	struct worker_pool *pool;
	struct review_engine *engine;
	pthread_t thread;
	bool started;
	bool done;                 /* the thread has returned */
	unsigned index;
	bool busy;                 /* running `job` */
	struct job job;            /* id and lease of the running job (no strings) */
};

struct worker_pool {
	const struct rr_config *cfg;
	struct queue *q;
	struct metrics *m;
	atomic_bool stopping;
	struct worker *workers;
	size_t n;
	pthread_mutex_t lock;      /* guards busy, job, done of every worker, keeper_stop */
	pthread_cond_t changed;    /* a worker finished a job or ended */
	pthread_t keeper;          /* renews leases, prunes old jobs */
	bool keeper_started;
	bool keeper_stop;
};

/* 2^attempts capped at cap, or the forge's wait when longer. */
static unsigned backoff_capped(int attempts, long retry_after, unsigned cap)
{
	unsigned long delay = attempts >= 20 ? cap : 1ul << (attempts < 0 ? 0 : attempts);
	if (delay > cap)
		delay = cap;
	/* The forge said when: never earlier, however long. */
	if (retry_after > 0 && (unsigned long)retry_after > delay)
		delay = (unsigned long)retry_after;
	return delay > UINT32_MAX / 2 ? UINT32_MAX / 2 : (unsigned)delay;
}

unsigned worker_backoff_s(int attempts, long retry_after)
{
	return backoff_capped(attempts, retry_after, WORKER_MAX_BACKOFF_S);
}

/* Adds up to a quarter of base at random (never less than base). */
static unsigned add_jitter(unsigned base)
{
	unsigned r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned)rr_now_ms();
	return base + r % (base / 4 + 1);
}

unsigned worker_backoff_jitter_s(int attempts, long retry_after)
{
	return add_jitter(worker_backoff_s(attempts, retry_after));
}

/* ---- one job ------------------------------------------------------------ */

/*
 * What is already on the pull request, listed on a helper thread while the
 * fetch and the review run (publish_list_existing): the forge's answer to
 * that listing no longer adds to the job's time. A failed listing fails the
 * publication as the publisher's own would; a listing without the summaries
 * a notice needs is made again by the publisher. A run that is paced or
 * fails before publishing has spent one listing for nothing.
 */
struct prelist {
	pthread_t thread;
	bool started;                      /* the thread runs or ran and is not joined */
	bool joined;                       /* it ran: listing holds its outcome */
	struct forge_config *fc;
	const struct review_request *rq;   /* the job's, not written while the thread runs */
	const struct rr_log_field *ids;    /* the job's log context, for the thread's lines */
	size_t nids;
	struct publish_listing listing;    /* what is there, or why not */
	uint64_t us;                       /* how long the listing took */
};

/* Everything one job holds; released in one place whatever happens. */
struct job_run {
	struct review_request rq;
	struct forge_config *fc;
	struct git_credentials creds;
	char **refspecs;
	size_t nrefspecs;
	struct repo_mirror *mirror;
	struct finding_list findings;
	struct review_stats stats;
	struct publish_result published;
	struct review_options opts;    /* .rustreview.toml of the base commit */
	/* Phase timings for the log (review.phases): fetch, review (with the
	 * diff), pacing (the budget's transaction), publish (list what is there,
	 * post the review), status (the head commit's). */
	uint64_t fetch_us, review_us, pace_us, publish_us, status_us;
	struct metrics *m;
	bool paced;                    /* RR_SKIP came from the pacing budget, not the forge */
	bool fetched;                  /* the git server was asked (not skipped) */
	struct prelist prelist;
	const struct rr_log_field *log_ids;    /* the thread's log context (job_ids) */
	size_t nlog_ids;
};

static void *prelist_main(void *arg)
{
	struct prelist *p = arg;
	uint64_t t0 = rr_now_us();

	rr_log_context_set(p->ids, p->nids);
	publish_list_existing(p->fc, p->rq, false, &p->listing);
	p->us = rr_now_us() - t0;
	rr_log_context_clear();
	return NULL;
}

/* Starts listing the pull request's comments beside the fetch and review.
 * Best effort: without a thread the publisher lists them itself. */
static void prelist_start(struct job_run *r)
{
	struct prelist *p = &r->prelist;

	if (!r->fc->forge->list_existing)
		return;
	p->fc = r->fc;
	p->rq = &r->rq;
	p->ids = r->log_ids;
	p->nids = r->nlog_ids;
	p->started = pthread_create(&p->thread, NULL, prelist_main, p) == 0;
}

/* Waits for the listing; true when one was made (it may have failed: the
 * publisher reports that failure as its own). */
static bool prelist_finish(struct prelist *p)
{
	bool ran = p->started || p->joined;

	if (p->started) {
		pthread_join(p->thread, NULL);
		p->started = false;
		p->joined = true;
	}
	return ran;
}

static void job_run_release(struct job_run *r)
{
	prelist_finish(&r->prelist);
	publish_existing_free(&r->prelist.listing.ex);
	git_credentials_clear(&r->creds);
	for (size_t i = 0; i < r->nrefspecs; i++)
		free(r->refspecs[i]);
	free(r->refspecs);
	repo_mirror_close(r->mirror);
	finding_list_free(&r->findings);
	review_options_free(&r->opts);
	review_request_free(&r->rq);
	memset(r, 0, sizeof(*r));
}

static int find_forge(const struct rr_config *cfg, struct job_run *r, struct rr_error *err)
{
	r->fc = r->rq.forge ? config_forge(cfg, r->rq.forge) : NULL;
	if (!r->fc || !r->fc->enabled)
		return rr_error_set(err, RR_ECONFIG, "forge '%s' is not configured",
				    r->rq.forge ? r->rq.forge : "(none)");
	if (!r->fc->forge->fetch_refspecs || !r->fc->forge->post_review)
		return rr_error_set(err, RR_ECONFIG, "forge '%s' cannot fetch or publish",
				    r->fc->forge->name);
	return RR_OK;
}

/*
 * Whether the mirror holds a commit the webhook names. With both the head
 * and the base commit there, the fetch is skipped: the review uses exactly
 * those two commits (never a ref's tip), a commit in the mirror comes with
 * its whole history (fetches are never shallow), and the mirror's lock, held
 * until the review ends, keeps a repack from dropping them meanwhile: a fetch
 * would add nothing the review reads. A retried run, a redelivery, a reopened
 * or ready-for-review pull request, or one head in several pull requests
 * then costs no round trip to the git server.
 */
static bool mirror_has(struct job_run *r, const char *sha)
{
	return sha && repo_mirror_has_commit(r->mirror, sha, NULL) == RR_OK;
}

/*
 * The forge's refspecs the review needs (at most max, borrowed from
 * r->refspecs): all of them, less the base branch's (its destination under
 * refs/rustreview/base/, where resolve_base looks) when the base commit the
 * webhook names is in the mirror already. The review reads that commit, not
 * the branch's tip, and a base branch that moved on since would otherwise
 * bring commits no review of this head reads.
 */
static size_t needed_refspecs(struct job_run *r, bool have_base, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nrefspecs && n < max; i++) {
		const char *dst = strchr(r->refspecs[i], ':');
		if (have_base && dst && strncmp(dst + 1, "refs/rustreview/base/", 21) == 0)
			continue;
		out[n++] = r->refspecs[i];
	}
	return n;
}

/* Fetches the PR into the mirror; credentials live only as long as the fetch. */
static int fetch_pull_request(const struct rr_config *cfg, struct job_run *r, struct rr_error *err)
{
	const struct forge *forge = r->fc->forge;
	const char *specs[8];
	size_t nspecs;
	bool have_base;
	uint64_t t0;
	int rc;

	/* Some forges know the diff's base only from their API (the payload lacks it). */
	if (forge->prepare && (rc = forge->prepare(r->fc, &r->rq, err)))
		return rc;
	/* First, as before any fetch: the forge checks the request's clone URL
	 * (a tampered queue gets no token, nor any API call); a cached token
	 * costs nothing when no fetch follows. */
	if (forge->git_credentials && (rc = forge->git_credentials(r->fc, &r->rq, &r->creds, err)))
		return rr_error_wrap(err, "git credentials");
	/* The request is complete and read-only from here on. */
	prelist_start(r);
	if ((rc = forge->fetch_refspecs(&r->rq, &r->refspecs, &r->nrefspecs, err)))
		return rc;
	if (r->nrefspecs > sizeof(specs) / sizeof(specs[0]))
		return rr_error_set(err, RR_ECONFIG, "forge '%s' asks for %zu refspecs (at most %zu)",
				    forge->name, r->nrefspecs, sizeof(specs) / sizeof(specs[0]));
	if ((rc = repo_mirror_open(&r->mirror, cfg->data_dir, forge->name, r->rq.owner, r->rq.repo,
				   err)))
		return rc;
	t0 = rr_now_ms();
	have_base = mirror_has(r, r->rq.base_sha);
	if (have_base && mirror_has(r, r->rq.head_sha)) {
		git_credentials_clear(&r->creds);
		rr_log_kv(RR_LOG_INFO, "job.fetched", RR_KV_UINT("refspecs", 0),
			  RR_KV_BOOL("skipped", true), RR_KV_UINT("ms", rr_now_ms() - t0));
		return RR_OK;
	}
	nspecs = needed_refspecs(r, have_base, specs, sizeof(specs) / sizeof(specs[0]));
	t0 = rr_now_ms();
	r->fetched = true;
	rc = repo_mirror_fetch(r->mirror, r->rq.clone_url, specs, nspecs,
			       r->creds.password ? &r->creds : NULL, err);
	git_credentials_clear(&r->creds);
	metrics_git_fetch(r->m, forge->name, (double)(rr_now_ms() - t0) / 1000.0);
	if (rc == RR_OK)
		rr_log_kv(RR_LOG_INFO, "job.fetched", RR_KV_UINT("refspecs", nspecs),
			  RR_KV_BOOL("skipped", false), RR_KV_UINT("ms", rr_now_ms() - t0));
	return rc;
}

/* The base commit, or when the payload's base is not in the mirror (force
 * pushed base branch), the tip of the base branch just fetched. */
static int resolve_base(struct job_run *r, git_oid *base, struct rr_error *err)
{
	char ref[512];

	if (r->rq.base_sha && repo_mirror_has_commit(r->mirror, r->rq.base_sha, base) == RR_OK)
		return RR_OK;
	if (!r->rq.base_ref)
		return rr_error_set(err, RR_EINVAL, "base commit not found after fetch");
	snprintf(ref, sizeof(ref), "refs/rustreview/base/%s", r->rq.base_ref);
	if (git_reference_name_to_id(base, repo_mirror_borrow(r->mirror), ref) != 0)
		return rr_error_set(err, RR_EINVAL, "base commit not found after fetch (nor %s)", ref);
	return RR_OK;
}

/*
 * The repository's settings from the base commit. A bad file must not stop the
 * review nor pass silently: the review runs with defaults and the pull request
 * is told why (findings.notice).
 */
static int load_repo_settings(struct job_run *r, const git_oid *base, struct rr_error *err)
{
	struct rr_error cerr = { 0 };
	char *notice;
	int rc;

	review_options_init(&r->opts);
	rc = review_load_repo_config(repo_mirror_borrow(r->mirror), base, &r->opts, &cerr);
	if (rc == RR_OK)
		return RR_OK;
	if (rc != RR_ECONFIG && rc != RR_EINVAL) {
		rr_error_set(err, rc, "%s", cerr.msg);
		return rr_error_wrap(err, "reading %s", CONFIG_REPO_FILE);
	}
	rr_log_kv(RR_LOG_WARN, "review.config_invalid", RR_KV_STR("file", CONFIG_REPO_FILE),
		  RR_KV_STR("error", cerr.msg));
	if (!(notice = config_notice(CONFIG_REPO_FILE, "base", cerr.msg)) ||
	    finding_list_add_notice(&r->findings, notice) != RR_OK)
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
	else
		rc = RR_OK;
	free(notice);
	return rc;
}

/* Files the per-PR limits left out are said on the PR, not silently dropped. */
static int note_skipped_files(struct job_run *r, const struct review_limits *limits,
			      struct rr_error *err)
{
	char *text = NULL;
	int rc = RR_OK;

	if (!r->stats.files_skipped)
		return RR_OK;
	if (asprintf(&text, "**rustreview did not review %zu changed Rust file%s**: over the "
		     "per-pull-request limits (at most %zu files, each at most %zu bytes; "
		     "`RUSTREVIEW_MAX_FILES`, `RUSTREVIEW_MAX_FILE_BYTES`).",
		     r->stats.files_skipped, r->stats.files_skipped == 1 ? "" : "s",
		     limits->max_files, limits->max_file_bytes) < 0)
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	if (finding_list_add_notice(&r->findings, text) != RR_OK)
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
	free(text);
	return rc;
}

static int review_pull_request(struct review_engine *e, const struct rr_config *cfg,
			       struct job_run *r, struct rr_error *err)
{
	const struct review_limits limits = { cfg->max_file_bytes, cfg->max_files };
	uint64_t t0 = rr_now_ms();
	git_oid base, head;
	int rc;

	if (!r->rq.head_sha || repo_mirror_has_commit(r->mirror, r->rq.head_sha, &head) != RR_OK)
		return rr_error_set(err, RR_EINVAL, "head commit not found after fetch");
	if ((rc = resolve_base(r, &base, err)) || (rc = load_repo_settings(r, &base, err)))
		return rc;
	rc = review_run_opts(e, repo_mirror_borrow(r->mirror), &base, &head, &limits, &r->opts,
			     &r->findings, &r->stats, err);
	if (rc == RR_OK)
		rc = note_skipped_files(r, &limits, err);
	if (rc == RR_OK)
		rr_log_kv(RR_LOG_INFO, "job.reviewed", RR_KV_UINT("files", r->stats.files_reviewed),
			  RR_KV_UINT("files_skipped", r->stats.files_skipped),
			  RR_KV_UINT("files_excluded", r->stats.files_excluded),
			  RR_KV_UINT("lines_added", r->stats.lines_added),
			  RR_KV_UINT("findings", r->findings.n),
			  RR_KV_UINT("preexisting", r->stats.findings_preexisting),
			  RR_KV_UINT("ms", rr_now_ms() - t0));
	/* Release the mirror lock before talking to the forge: publishing can be
	 * slow and other jobs of the same repository can fetch meanwhile. */
	repo_mirror_close(r->mirror);
	r->mirror = NULL;
	return rc;
}

/*
 * Publishes through the neutral publisher with the repository's settings: its
 * comment cap when lower than the service's (the operator's cap is an upper
 * bound), its grouping and per-rule budget ([comments] in .rustreview.toml).
 */
static int publish_review(struct job_run *r, struct rr_error *err)
{
	struct publish_settings s = { r->fc->max_comments, PUBLISH_DEFAULT_GROUP_AFTER,
				      PUBLISH_DEFAULT_PER_RULE_BUDGET };

	if (r->opts.max_comments && (s.max_comments == 0 || r->opts.max_comments < s.max_comments))
		s.max_comments = r->opts.max_comments;
	if (r->opts.group_after_set)
		s.group_after = r->opts.group_after;
	if (r->opts.per_rule_budget_set)
		s.per_rule_budget = r->opts.per_rule_budget;
	return publish_run_listed(r->fc, &r->rq, &r->findings, &s,
				  prelist_finish(&r->prelist) ? &r->prelist.listing : NULL, &r->published,
				  err);
}

/*
 * The head commit's status: failing when any finding of this head (posted now
 * or before) reaches the repository's fail_on (.rustreview.toml; default: any
 * finding). Best effort: the review is already on the pull request. Only a
 * token the forge paused (RR_SKIP) puts the job back in the queue: its next
 * run finds the review posted and sets the status.
 */
static int report_status(struct job_run *r, struct rr_error *run_err)
{
	struct rr_error err = { 0 };
	size_t failing = 0;
	char text[140];
	int rc;

	if (!r->fc->forge->set_status)
		return RR_OK;
	for (size_t i = 0; i < r->findings.n; i++)
		failing += review_options_fails(&r->opts, r->findings.items[i].severity);
	if (failing)
		snprintf(text, sizeof(text), "%zu finding%s at or above the failing severity",
			 failing, failing == 1 ? "" : "s");
	else if (r->findings.n)
		snprintf(text, sizeof(text), "%zu finding%s, none failing", r->findings.n,
			 r->findings.n == 1 ? "" : "s");
	else
		snprintf(text, sizeof(text), "no findings");
	if ((rc = r->fc->forge->set_status(r->fc, &r->rq, failing > 0, text, &err)) == RR_SKIP) {
		*run_err = err;
		return RR_SKIP;
	}
	if (rc != RR_OK)
		rr_log_kv(RR_LOG_WARN, "status.failed", RR_KV_BOOL("failing", failing > 0),
			  RR_KV_STR("error", err.msg));
	else
		rr_log_kv(RR_LOG_INFO, "status.set", RR_KV_BOOL("failing", failing > 0),
			  RR_KV_STR("description", text));
	return RR_OK;
}

/*
 * A forge's secondary limits (80 content-creating requests a minute, 500 an
 * hour, per token) are kept by waiting in the queue, not by bouncing off them
 * nor sleeping in a worker: the calls this publish may make are reserved in
 * the database, shared by every replica; without room the job is postponed
 * (RR_SKIP with err->retry_after). Keyed by the token: the forge's single
 * token, or the account an App installation is for.
 */
static int pace_publish(const struct rr_config *cfg, struct queue *q, struct job_run *r,
			struct rr_error *err)
{
	unsigned calls = (r->findings.n ? 1u : 0u) + (r->fc->forge->set_status ? 1u : 0u);
	unsigned wait = 0;
	char key[300];
	int rc;

	if (!q || calls == 0)
		return RR_OK;
	snprintf(key, sizeof(key), "%s:%s", r->fc->forge->name,
		 r->fc->token && *r->fc->token ? "token" : r->rq.owner);
	if ((rc = queue_pace(q, key, calls, cfg->pace_per_minute ? cfg->pace_per_minute
								: WORKER_PACE_PER_MINUTE,
			     cfg->pace_per_hour ? cfg->pace_per_hour : WORKER_PACE_PER_HOUR, &wait,
			     err)))
		return rc;
	if (wait == 0)
		return RR_OK;
	rr_error_set(err, RR_SKIP, "paced: %u content-creating calls for %s would pass the "
		     "forge's secondary limits; waiting %u s", calls, key, wait);
	err->retry_after = (long)wait;
	return RR_SKIP;
}

/* Seconds the job waited for a worker since it was due (0 when it was not). */
static int64_t waited_s(const struct job *job)
{
	int64_t w = (int64_t)time(NULL) - job->not_before;
	return w > 0 ? w : 0;
}

static int run_review(struct review_engine *e, const struct rr_config *cfg, struct queue *q,
		      const struct job *job, struct job_run *r, struct rr_error *err)
{
	int rc;

	rr_log_kv(RR_LOG_INFO, "job.claimed", RR_KV_INT("waited_s", waited_s(job)),
		  RR_KV_INT("lost_leases", job->lost_leases));
	if ((rc = review_request_from_json(job->request_json, &r->rq, err)))
		return rr_error_wrap(err, "job %lld: bad request", (long long)job->id);
	if ((rc = find_forge(cfg, r, err)))
		return rc;
	r->fetch_us = rr_now_us();
	rc = fetch_pull_request(cfg, r, err);
	r->review_us = rr_now_us();
	r->fetch_us = r->review_us - r->fetch_us;
	if (rc || (rc = review_pull_request(e, cfg, r, err)))
		return rc;
	r->pace_us = rr_now_us();
	r->review_us = r->pace_us - r->review_us;
	if ((rc = pace_publish(cfg, q, r, err))) {
		r->paced = rc == RR_SKIP;     /* the budget, not a pause the forge asked for */
		return rc;
	}
	r->publish_us = rr_now_us();
	r->pace_us = r->publish_us - r->pace_us;
	if ((rc = publish_review(r, err)))
		return rc;
	r->status_us = rr_now_us();
	r->publish_us = r->status_us - r->publish_us;
	rc = report_status(r, err);
	r->status_us = rr_now_us() - r->status_us;
	return rc;
}

/* How a run was recorded in the queue. */
struct settlement {
	const char *outcome;       /* done, retried, paced, failed, lease_lost */
	unsigned delay_s;          /* retried, paced: not before now + this */
	bool gave_up;              /* failed: retried until the retry window closed */
};

/* The run's last line: how it ended, and for a failure after how many
 * attempts and why. The job's ids come from the thread's log context. */
static void log_job(const struct rr_config *cfg, const struct job *job, const struct job_run *r,
		    const struct settlement *st, uint64_t ms, const struct rr_error *err)
{
	const char *outcome = st->outcome;
	int attempts = job->attempts + 1;
	char message[700];

	if (strcmp(outcome, "done") == 0) {
		rr_log_kv(RR_LOG_INFO, "job.done", RR_KV_UINT("files", r->stats.files_reviewed),
			  RR_KV_UINT("findings", r->findings.n), RR_KV_UINT("posted", r->published.posted),
			  RR_KV_UINT("already_posted", r->published.already_posted),
			  RR_KV_BOOL("review_created", r->published.review_created), RR_KV_UINT("ms", ms));
		/* Where the time went: fetch (negotiation and pack; 0 fetches when the
		 * mirror had both commits), diff, review (the rest of review_run:
		 * parse, rules, new-findings filter), pace (the pacing budget's
		 * transaction), publish (the forge's API calls: list what is there,
		 * post the review), status (the head commit's status call). make
		 * bench reads it. */
		rr_log_kv(RR_LOG_DEBUG, "review.phases", RR_KV_UINT("fetch_us", r->fetch_us),
			  RR_KV_BOOL("fetched", r->fetched),
			  RR_KV_UINT("diff_us", r->stats.diff_us),
			  RR_KV_UINT("review_us", r->review_us > r->stats.diff_us
							  ? r->review_us - r->stats.diff_us : 0),
			  RR_KV_UINT("pace_us", r->pace_us), RR_KV_UINT("publish_us", r->publish_us),
			  RR_KV_UINT("status_us", r->status_us),
			  RR_KV_UINT("listed_ahead_us", r->prelist.us));
	} else if (strcmp(outcome, "paced") == 0) {
		rr_log_kv(RR_LOG_INFO, "job.paced", RR_KV_UINT("retry_in_s", st->delay_s),
			  RR_KV_STR("reason", err ? err->msg : NULL), RR_KV_UINT("ms", ms));
	} else if (strcmp(outcome, "retried") == 0) {
		rr_log_kv(RR_LOG_WARN, "job.retry", RR_KV_UINT("retry_in_s", st->delay_s),
			  RR_KV_UINT("forge_wait_s", err && err->retry_after > 0 ? err->retry_after : 0),
			  RR_KV_STR("error", err ? err->msg : NULL), RR_KV_UINT("ms", ms));
	} else if (strcmp(outcome, "failed") == 0) {
		if (st->gave_up)
			snprintf(message, sizeof(message), "gave up after %d attempts: transient "
				 "failures are retried for %u s (RUSTREVIEW_RETRY_FOR); the last "
				 "error: %s", attempts, cfg->retry_for_s ? cfg->retry_for_s
						 : (unsigned)QUEUE_DEFAULT_RETRY_FOR_S, err ? err->msg : "");
		else
			snprintf(message, sizeof(message), "failed on attempt %d and not retried "
				 "(the error is not transient): %s", attempts, err ? err->msg : "");
		rr_log_kv(RR_LOG_ERROR, "job.failed", RR_KV_INT("attempts", attempts),
			  RR_KV_BOOL("gave_up", st->gave_up), RR_KV_STR("error", err ? err->msg : NULL),
			  RR_KV_STR("message", message), RR_KV_UINT("ms", ms));
	} else {
		rr_log_kv(RR_LOG_WARN, "job.lease_lost", RR_KV_STR("error", err ? err->msg : NULL),
			  RR_KV_UINT("ms", ms));
	}
}

/* Records the outcome of a run in the queue and in metrics. */
/*
 * The delay before a transient failure's next run: the backoff, or the
 * forge's wait when longer. The queue counts whole seconds from a clock read
 * within the second, so the forge's wait gets one more: a run never starts
 * before the wait the forge announced is over.
 */
static unsigned retry_delay_s(int attempts, long forge_wait, unsigned cap)
{
	unsigned delay = add_jitter(backoff_capped(attempts, forge_wait, cap));
	if (forge_wait > 0 && delay <= (unsigned long)forge_wait)
		delay = (unsigned)forge_wait + 1;
	return delay;
}

static void settle_job(const struct rr_config *cfg, struct queue *q, struct metrics *m,
		       const struct job *job, int rc, const struct rr_error *run_err,
		       bool by_pacing, struct settlement *st)
{
	struct rr_error err = { 0 };
	int qrc;

	memset(st, 0, sizeof(*st));
	if (rc == RR_OK) {
		qrc = queue_complete(q, job, &err);
		st->outcome = "done";
		metrics_job_finished(m, METRICS_JOB_DONE);
	} else if (rc == RR_SKIP) {
		/* Paced, or its token paused by the forge: back in the queue until
		 * there is room; not a failure. A forge's pause gets one second
		 * more: it was measured in milliseconds, the queue counts whole
		 * seconds, and a run taken a moment too early would only wait again. */
		st->delay_s = run_err->retry_after > 0 ? (unsigned)run_err->retry_after + !by_pacing : 1;
		qrc = queue_postpone(q, job, st->delay_s, run_err->msg, &err);
		st->outcome = "paced";
		metrics_job_finished(m, METRICS_JOB_RETRIED);
		metrics_rate_limit_wait(m, job->forge, by_pacing ? METRICS_WAIT_PACING
								 : METRICS_WAIT_FORGE, st->delay_s);
	} else if (rc == RR_ETRANSIENT) {
		unsigned cap = cfg->retry_max_backoff_s ? cfg->retry_max_backoff_s : WORKER_MAX_BACKOFF_S;
		st->delay_s = retry_delay_s(job->attempts, run_err->retry_after, cap);
		qrc = queue_retry(q, job, st->delay_s, run_err->msg, &st->gave_up, &err);
		st->outcome = st->gave_up ? "failed" : "retried";
		metrics_job_finished(m, st->gave_up ? METRICS_JOB_FAILED : METRICS_JOB_RETRIED);
		/* The forge said when (Retry-After, a rate-limit reset): that wait is its. */
		if (!st->gave_up && run_err->retry_after > 0)
			metrics_rate_limit_wait(m, job->forge, METRICS_WAIT_FORGE,
						(double)run_err->retry_after);
	} else {
		qrc = queue_fail(q, job, run_err->msg, &err);
		st->outcome = "failed";
		metrics_job_finished(m, METRICS_JOB_FAILED);
	}
	if (qrc == RR_ENOTFOUND) {
		/* Our lease expired and the job was taken over (or released at
		 * shutdown): its new run records the outcome. */
		st->outcome = "lease_lost";
	} else if (qrc != RR_OK) {
		/* The lease will expire and another worker retries: logged, not lost. */
		rr_log_kv(RR_LOG_ERROR, "queue.settle_failed", RR_KV_STR("outcome", st->outcome),
			  RR_KV_STR("error", err.msg));
	}
}

/*
 * The ids every line of a run carries (log.h's thread context), from the
 * webhook's line to the run's last: delivery, forge, repository, number,
 * head, job, and attempt (1 + the failed runs before this one).
 */
struct job_ids {
	char *repository;          /* "owner/repo" */
	struct rr_log_field fields[7];
};

static void job_ids_begin(struct job_ids *ids, const struct job *job)
{
	if (asprintf(&ids->repository, "%s/%s", job->owner ? job->owner : "",
		     job->repo ? job->repo : "") < 0)
		ids->repository = NULL;
	ids->fields[0] = RR_KV_STR("delivery", job->delivery_id);
	ids->fields[1] = RR_KV_STR("forge", job->forge);
	ids->fields[2] = RR_KV_STR("repository", ids->repository);
	ids->fields[3] = RR_KV_INT("number", job->number);
	ids->fields[4] = RR_KV_STR("head", job->head_sha);
	ids->fields[5] = RR_KV_INT("job", job->id);
	ids->fields[6] = RR_KV_INT("attempt", job->attempts + 1);
	rr_log_context_set(ids->fields, 7);
}

static void job_ids_end(struct job_ids *ids)
{
	rr_log_context_clear();
	free(ids->repository);
	ids->repository = NULL;
}

int worker_run_job(struct review_engine *e, const struct rr_config *cfg, struct queue *q,
		   struct metrics *m, const struct job *job)
{
	struct job_run r;
	struct job_ids ids;
	struct settlement st;
	struct rr_error err = { 0 };
	uint64_t t0 = rr_now_ms(), ms;
	int rc;

	memset(&r, 0, sizeof(r));
	r.m = m;
	job_ids_begin(&ids, job);
	r.log_ids = ids.fields;
	r.nlog_ids = sizeof(ids.fields) / sizeof(ids.fields[0]);
	rc = run_review(e, cfg, q, job, &r, &err);
	/* A run that ended before publishing still waits for its listing: the
	 * thread logs with ids that end with this run. */
	prelist_finish(&r.prelist);
	if (rc != RR_OK && err.msg[0] == '\0')
		rr_error_set(&err, rc, "%s", rr_strcode(rc));
	ms = rr_now_ms() - t0;
	settle_job(cfg, q, m, job, rc, &err, r.paced, &st);
	metrics_job_duration(m, job->forge, st.outcome, (double)ms / 1000.0);
	if (rc == RR_OK)
		metrics_review(m, r.published.review_created, r.published.posted, ms);
	log_job(cfg, job, &r, &st, ms, rc == RR_OK ? NULL : &err);
	job_ids_end(&ids);
	job_run_release(&r);
	return rc;
}

/* ---- threads ------------------------------------------------------------ */

static void log_claim_error(const struct rr_error *err)
{
	rr_log_kv(err->code == RR_ETRANSIENT ? RR_LOG_WARN : RR_LOG_ERROR, "queue.claim_failed",
		  RR_KV_STR("error", err->msg));
}

/* What the keeper renews: the id and lease of w's job, or nothing. */
static void worker_set_job(struct worker *w, const struct job *job)
{
	struct worker_pool *p = w->pool;
	pthread_mutex_lock(&p->lock);
	w->busy = job != NULL;
	memset(&w->job, 0, sizeof(w->job));
	if (job) {
		w->job.id = job->id;
		w->job.lease_token = job->lease_token;
	}
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_pool *p = w->pool;
	struct rr_error err;
	struct job job;

	for (;;) {
		/* Read the generation before looking at the flag and the queue, so a
		 * wake-up between the claim and the wait is never missed. */
		uint64_t gen = queue_generation(p->q);
		if (atomic_load(&p->stopping))
			break;
		rr_error_clear(&err);
		int rc = queue_claim(p->q, WORKER_LEASE_S, &job, &err);
		if (rc == RR_OK) {
			worker_set_job(w, &job);
			worker_run_job(w->engine, p->cfg, p->q, p->m, &job);
			worker_set_job(w, NULL);
			job_free(&job);
			continue;
		}
		if (rc != RR_NONE)
			log_claim_error(&err);
		queue_wait(p->q, gen, IDLE_WAIT_MS);
	}
	pthread_mutex_lock(&p->lock);
	w->done = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The monotonic time ms from now, for the pool's timed waits. */
static void deadline_after(struct timespec *t, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Renews the lease of every running job of this pool. */
static void renew_leases(struct worker_pool *p)
{
	struct job running[64];
	size_t n = 0;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n && n < 64; i++)
		if (p->workers[i].busy)
			running[n++] = p->workers[i].job;
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < n; i++) {
		struct rr_error err = { 0 };
		if (queue_renew(p->q, &running[i], WORKER_LEASE_S, &err) == RR_OK)
			continue;
		rr_log_kv(RR_LOG_WARN, "queue.renew_failed", RR_KV_INT("job", running[i].id),
			  RR_KV_STR("error", err.msg));
	}
}

static void prune_jobs(struct worker_pool *p)
{
	struct rr_error err = { 0 };
	size_t n = 0;

	if (queue_prune(p->q, (int64_t)p->cfg->keep_jobs_days * 86400, &n, &err) != RR_OK) {
		rr_log_kv(RR_LOG_WARN, "queue.prune_failed", RR_KV_STR("error", err.msg));
		return;
	}
	if (n)
		rr_log_kv(RR_LOG_INFO, "queue.pruned", RR_KV_UINT("jobs", n));
}

/* Waits until the keeper is stopped or ms pass; true when stopped. */
static bool keeper_sleep(struct worker_pool *p, unsigned ms)
{
	struct timespec deadline;
	bool stop;

	deadline_after(&deadline, ms);
	pthread_mutex_lock(&p->lock);
	while (!p->keeper_stop)
		if (pthread_cond_timedwait(&p->changed, &p->lock, &deadline) == ETIMEDOUT)
			break;
	stop = p->keeper_stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* Renews leases while jobs run; prunes old jobs now and then. */
static void *keeper_main(void *arg)
{
	struct worker_pool *p = arg;
	uint64_t last_prune = 0;

	for (;;) {
		uint64_t now = rr_now_ms();
		if (p->cfg->keep_jobs_days && (last_prune == 0 || now - last_prune >= PRUNE_EVERY_S * 1000ull)) {
			prune_jobs(p);
			last_prune = now ? now : 1;
		}
		if (keeper_sleep(p, WORKER_RENEW_S * 1000))
			break;
		renew_leases(p);
	}
	return NULL;
}

static void keeper_stop(struct worker_pool *p)
{
	if (!p->keeper_started)
		return;
	pthread_mutex_lock(&p->lock);
	p->keeper_stop = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->keeper, NULL);
	p->keeper_started = false;
}

static void pool_free(struct worker_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		review_engine_free(p->workers[i].engine);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}

void worker_pool_stop(struct worker_pool *p)
{
	if (!p)
		return;
	atomic_store(&p->stopping, true);
	queue_wake_all(p->q);
	for (size_t i = 0; i < p->n; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
	keeper_stop(p);
	pool_free(p);
}

static bool all_done(const struct worker_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->workers[i].started && !p->workers[i].done)
			return false;
	return true;
}

/* Gives back the leases of the jobs still running: queued again at once for
 * another replica or the next start, nothing lost. */
static void release_running(struct worker_pool *p)
{
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n; i++) {
		struct rr_error err = { 0 };
		int64_t id = p->workers[i].job.id;
		if (!p->workers[i].busy)
			continue;
		if (queue_release(p->q, &p->workers[i].job, &err) == RR_OK)
			rr_log_kv(RR_LOG_WARN, "shutdown.lease_released", RR_KV_INT("job", id));
		else
			rr_log_kv(RR_LOG_ERROR, "shutdown.release_failed", RR_KV_INT("job", id),
				  RR_KV_STR("error", err.msg));
	}
	pthread_mutex_unlock(&p->lock);
}

void worker_pool_begin_stop(struct worker_pool *p)
{
	if (!p)
		return;
	atomic_store(&p->stopping, true);
	queue_wake_all(p->q);
}

bool worker_pool_wait(struct worker_pool *p, unsigned ms)
{
	struct timespec deadline;
	bool done;

	if (!p)
		return true;
	deadline_after(&deadline, ms);
	pthread_mutex_lock(&p->lock);
	while (!(done = all_done(p)))
		if (pthread_cond_timedwait(&p->changed, &p->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&p->lock);
	return done;
}

void worker_pool_release_running(struct worker_pool *p)
{
	if (p)
		release_running(p);
}

bool worker_pool_drain(struct worker_pool *p, unsigned grace_ms)
{
	worker_pool_begin_stop(p);
	if (worker_pool_wait(p, grace_ms))
		return true;
	release_running(p);
	return false;
}

int worker_pool_start(struct worker_pool **out, const struct rr_config *cfg, struct queue *q,
		      struct metrics *m, struct rr_error *err)
{
	struct worker_pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t mono;
	size_t i;
	int rc;

	*out = NULL;
	if (!p || !(p->workers = calloc(cfg->workers, sizeof(*p->workers)))) {
		free(p);
		return rr_error_set(err, RR_ENOMEM, "starting workers: out of memory");
	}
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p->workers);
		free(p);
		pthread_condattr_destroy(&mono);
		return rr_error_set(err, RR_ERR, "starting workers: cannot create a lock");
	}
	if (pthread_cond_init(&p->changed, &mono) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p->workers);
		free(p);
		pthread_condattr_destroy(&mono);
		return rr_error_set(err, RR_ERR, "starting workers: cannot create a lock");
	}
	pthread_condattr_destroy(&mono);
	p->cfg = cfg;
	p->q = q;
	p->m = m;
	p->n = cfg->workers;
	atomic_init(&p->stopping, false);
	/* Engines first, in this thread, so a failure is reported before any runs. */
	for (i = 0; i < p->n; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = (unsigned)i;
		if ((rc = review_engine_new(&p->workers[i].engine, err))) {
			pool_free(p);
			return rr_error_wrap(err, "starting worker %zu", i);
		}
	}
	if (pthread_create(&p->keeper, NULL, keeper_main, p) != 0) {
		pool_free(p);
		return rr_error_set(err, RR_ERR, "starting workers: cannot create the lease keeper");
	}
	p->keeper_started = true;
	for (i = 0; i < p->n; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0) {
			worker_pool_stop(p);
			return rr_error_set(err, RR_ERR, "starting worker %zu: cannot create a thread", i);
		}
		p->workers[i].started = true;
	}
	*out = p;
	return RR_OK;
}
