/* gitea.c — the Gitea (and Forgejo) forge; see gitea.h and forge.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gitea.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../common/log.h"
#include "../common/secret.h"
#include "api.h"
#include "jsonscan.h"
#include "publish.h"
#include "webhook.h"

#define GT "gitea"
#define GT_MAX_PAGES 100

static const struct forge_setting gt_settings[] = {
	{ "URL", FORGE_SLOT_URL, FORGE_SETTING_URL, NULL,
	  "instance base URL (REST at <URL>/api/v1, git under it); required" },
	{ "TOKEN", FORGE_SLOT_TOKEN, FORGE_SETTING_SECRET, NULL,
	  "access token of the bot's user (repository and issue: read and write)" },
	{ "CA_BUNDLE", FORGE_SLOT_CA_BUNDLE, 0, NULL, "CA file for TLS to Gitea (API and git)" },
	{ NULL, FORGE_SLOT_COUNT, 0, NULL, NULL },
};

struct gt_state {
	struct api_client *api;
	pthread_mutex_t lock;      /* guards login */
	char *login;               /* the token's user, asked once (GET /user) */
};

static int gt_init(struct forge_config *cfg, struct rr_error *err)
{
	struct api_client_options opt = { 0 };
	struct gt_state *st;
	int rc;

	cfg->state = NULL;
	if (!cfg->api_url || !*cfg->api_url)
		return rr_error_set(err, RR_ECONFIG, "gitea: set RUSTREVIEW_GITEA_URL (the instance's "
				    "base URL)");
	if (!cfg->token || !*cfg->token)
		return rr_error_set(err, RR_ECONFIG, "gitea: set RUSTREVIEW_GITEA_TOKEN (an access "
				    "token of the bot's user)");
	if (!(st = calloc(1, sizeof(*st))))
		return rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
	pthread_mutex_init(&st->lock, NULL);
	opt = forge_api_options(cfg, GT);
	/* Gitea sends no rate-limit headers; a 429 still carries Retry-After. */
	if ((rc = api_client_new(&st->api, &opt, err))) {
		pthread_mutex_destroy(&st->lock);
		free(st);
		return rr_error_wrap(err, "gitea");
	}
	cfg->state = st;
	return RR_OK;
}

static void gt_cleanup(struct forge_config *cfg)
{
	struct gt_state *st = cfg->state;
	if (st) {
		api_client_free(st->api);
		pthread_mutex_destroy(&st->lock);
		free(st->login);
		free(st);
	}
	cfg->state = NULL;
}

static int gt_verify(const struct forge_config *cfg, const struct http_request *req,
		     struct rr_error *err)
{
	return webhook_verify_hmac(GT, cfg->webhook_secret, req, "X-Gitea-Signature", "", err);
}

/* ======================================================================== */
/* pull_request events                                                      */
/* ======================================================================== */

enum gt_field {
	TF_ROOT, TF_ACTION, TF_PULL_REQUEST, TF_TITLE, TF_OWNER, TF_NAME, TF_CLONE_URL, TF_NUMBER,
	TF_BASE_REF, TF_BASE_SHA, TF_HEAD_SHA, TF_COUNT
};
static const char *const gt_paths[TF_COUNT] = {
	[TF_ROOT] = "", [TF_ACTION] = "action", [TF_PULL_REQUEST] = "pull_request",
	[TF_TITLE] = "pull_request.title", [TF_OWNER] = "repository.owner.login",
	[TF_NAME] = "repository.name", [TF_CLONE_URL] = "repository.clone_url",
	[TF_NUMBER] = "pull_request.number", [TF_BASE_REF] = "pull_request.base.ref",
	[TF_BASE_SHA] = "pull_request.base.sha", [TF_HEAD_SHA] = "pull_request.head.sha",
};

struct gt_payload {
	struct jsonscan_field f[TF_COUNT];
	char action[40], title[16];
};

static bool gt_action_reviewed(const char *a)
{
	return strcmp(a, "opened") == 0 || strcmp(a, "reopened") == 0 ||
	       strcmp(a, "synchronized") == 0;
}

/* Gitea has no draft flag: a title with a work-in-progress prefix (the
 * defaults of [repository.pull-request] WORK_IN_PROGRESS_PREFIXES) is one. */
static bool gt_work_in_progress(const struct gt_payload *pl)
{
	return pl->f[TF_TITLE].type == JSONSCAN_STRING &&
	       (strncasecmp(pl->title, "WIP:", 4) == 0 || strncasecmp(pl->title, "[WIP]", 5) == 0);
}

static int gt_fill(const struct forge_config *cfg, const struct gt_payload *pl,
		   struct review_request *out, struct rr_error *err)
{
	int rc;

	if ((rc = webhook_take_string(GT, &pl->f[TF_OWNER], &out->owner, err)) ||
	    (rc = webhook_take_string(GT, &pl->f[TF_NAME], &out->repo, err)) ||
	    (rc = webhook_take_string(GT, &pl->f[TF_CLONE_URL], &out->clone_url, err)) ||
	    (rc = webhook_take_positive(GT, &pl->f[TF_NUMBER], true, &out->number, err)) ||
	    (rc = webhook_take_string(GT, &pl->f[TF_BASE_REF], &out->base_ref, err)) ||
	    (rc = webhook_take_sha(GT, &pl->f[TF_BASE_SHA], &out->base_sha, err)) ||
	    (rc = webhook_take_sha(GT, &pl->f[TF_HEAD_SHA], &out->head_sha, err)))
		return rc;
	/* Gitea owners (users, organisations) have no '/'. */
	if (!webhook_path_ok(out->owner, false))
		return rr_error_set(err, RR_EINVAL,
				    "gitea payload: field 'repository.owner.login' is not a valid owner");
	if ((rc = webhook_check_names(GT, "repository.owner.login", out->owner, "repository.name",
				      out->repo, err)))
		return rc;
	if (!webhook_branch_ok(out->base_ref))
		return rr_error_set(err, RR_EINVAL, "gitea payload: field 'pull_request.base.ref' is "
				    "not a valid branch name");
	/* The head ref of a fork's pull request is in the base repository too. */
	return webhook_check_clone_url(GT, "repository.clone_url", "RUSTREVIEW_GITEA_URL",
				       cfg->api_url, out->clone_url, out->owner, out->repo, err);
}

static int gt_parse_event(const struct forge_config *cfg, const struct http_request *req,
			  struct review_request *out, struct rr_error *err)
{
	const char *event = http_request_header(req, "X-Gitea-Event");
	const char *delivery = http_request_header(req, "X-Gitea-Delivery");
	struct gt_payload pl;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!event)
		return rr_error_set(err, RR_EINVAL, "gitea webhook: X-Gitea-Event header missing");
	if (!webhook_word_ok(event, 64, NULL))
		return rr_error_set(err, RR_EINVAL, "gitea webhook: X-Gitea-Event is not an event name");
	if (strcmp(event, "pull_request") != 0)
		return rr_error_set(err, RR_SKIP, "event '%s' is not reviewed", event);
	memset(&pl, 0, sizeof(pl));
	for (size_t i = 0; i < TF_COUNT; i++)
		pl.f[i].path = gt_paths[i];
	pl.f[TF_ACTION].buf = pl.action;
	pl.f[TF_ACTION].buf_size = sizeof(pl.action);
	pl.f[TF_TITLE].buf = pl.title;
	pl.f[TF_TITLE].buf_size = sizeof(pl.title);
	if ((rc = webhook_scan(GT, req, pl.f, TF_COUNT, err)))
		return rc;
	if (pl.f[TF_ACTION].type != JSONSCAN_STRING || pl.f[TF_ACTION].truncated ||
	    pl.f[TF_ACTION].has_nul || !webhook_word_ok(pl.action, 38, NULL))
		return rr_error_set(err, RR_EINVAL, "gitea payload: field 'action' missing or not an "
				    "action name");
	if (!gt_action_reviewed(pl.action))
		return rr_error_set(err, RR_SKIP, "pull_request action '%s' needs no review", pl.action);
	if (pl.f[TF_PULL_REQUEST].type != JSONSCAN_OBJECT)
		return rr_error_set(err, RR_EINVAL,
				    "gitea payload: field 'pull_request' missing or not an object");
	if (gt_work_in_progress(&pl) && !cfg->review_drafts)
		return rr_error_set(err, RR_SKIP, "work-in-progress pull request skipped");
	if (!delivery || !webhook_delivery_ok(delivery))
		return rr_error_set(err, RR_EINVAL, "gitea webhook: X-Gitea-Delivery header %s",
				    delivery ? "is not a delivery id" : "missing");
	if (!(out->forge = rr_strdup(GT)) || !(out->delivery_id = rr_strdup(delivery)) ||
	    !(out->event = rr_strdup(event)) || !(out->action = rr_strdup(pl.action)))
		rc = rr_error_set(err, RR_ENOMEM, "gitea payload: out of memory");
	else
		rc = gt_fill(cfg, &pl, out, err);
	if (rc != RR_OK)
		review_request_free(out);
	return rc;
}

/* ======================================================================== */
/* REST calls                                                               */
/* ======================================================================== */

/* Operations, as /metrics names them (rustreview_forge_api_calls_total). */
#define GT_OP_GET_USER             "get_user"
#define GT_OP_LIST_REVIEWS         "list_reviews"
#define GT_OP_LIST_REVIEW_COMMENTS "list_review_comments"
#define GT_OP_POST_REVIEW          "post_review"
#define GT_OP_SET_STATUS           "set_status"

static int gt_call(void *ctx, const char *operation, const char *method, const char *url,
		   const json_t *body, struct api_response *resp, struct rr_error *err)
{
	const struct forge_config *cfg = ctx;
	struct gt_state *st = cfg->state;

	if (!st)
		return rr_error_set(err, RR_ECONFIG, "gitea: forge not initialised");
	return api_request_auth(st->api, operation, "Authorization: token ", cfg->token, method,
				url, NULL, body, resp, err);
}

static int gt_post(struct forge_config *cfg, const char *operation, const char *url,
		   const json_t *body, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	int rc = gt_call(cfg, operation, "POST", url, body, &resp, err);
	api_response_free(&resp);
	return rc;
}

/* <URL>/api/v1/repos/<owner>/<repo><suffix>, or NULL. */
static char *gt_repo_url(const struct forge_config *cfg, const struct review_request *rq,
			 const char *fmt_suffix, long a, long b)
{
	char *url = NULL, *suffix = NULL;
	if (asprintf(&suffix, fmt_suffix, a, b) < 0)
		return NULL;
	if (asprintf(&url, "%.*s/api/v1/repos/%s/%s%s", webhook_base_len(cfg->api_url),
		     cfg->api_url, rq->owner, rq->repo, suffix) < 0)
		url = NULL;
	free(suffix);
	return url;
}

static int gt_check_request(const struct forge_config *cfg, const struct review_request *rq,
			    struct rr_error *err)
{
	if (!cfg->state)
		return rr_error_set(err, RR_ECONFIG, "gitea: forge not initialised");
	if (!webhook_path_ok(rq->owner, false) || !webhook_path_ok(rq->repo, false))
		return rr_error_set(err, RR_EINVAL, "gitea: bad owner or repository name");
	if (rq->number <= 0 || !rq->head_sha || !webhook_sha_ok(rq->head_sha))
		return rr_error_set(err, RR_EINVAL, "gitea: bad pull request number or head");
	return RR_OK;
}

/* ======================================================================== */
/* git                                                                      */
/* ======================================================================== */

/* The token's own user name: GET /api/v1/user once, then from the state. */
static int gt_login(struct forge_config *cfg, char *out, size_t size, struct rr_error *err)
{
	struct gt_state *st = cfg->state;
	struct api_response resp = API_RESPONSE_INIT;
	char *url = NULL;
	int rc = RR_OK;

	pthread_mutex_lock(&st->lock);
	if (!st->login) {
		const json_t *login;
		if (asprintf(&url, "%.*s/api/v1/user", webhook_base_len(cfg->api_url),
			     cfg->api_url) < 0) {
			url = NULL;
			rc = rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
			goto done;
		}
		if ((rc = gt_call(cfg, GT_OP_GET_USER, "GET", url, NULL, &resp, err))) {
			rr_error_wrap(err, "gitea: the token's user");
			goto done;
		}
		login = json_object_get(resp.json, "login");
		if (!json_is_string(login) || !webhook_path_ok(json_string_value(login), false)) {
			rc = rr_error_set(err, RR_ETRANSIENT, "gitea: GET /user has no usable login");
			goto done;
		}
		if (!(st->login = rr_strdup(json_string_value(login)))) {
			rc = rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
			goto done;
		}
	}
	snprintf(out, size, "%s", st->login);
done:
	pthread_mutex_unlock(&st->lock);
	api_response_free(&resp);
	free(url);
	return rc;
}

static int gt_git_credentials(struct forge_config *cfg, const struct review_request *rq,
			      struct git_credentials *out, struct rr_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = gt_check_request(cfg, rq, err)) ||
	    (rc = webhook_check_clone_url(GT, "clone_url", "RUSTREVIEW_GITEA_URL", cfg->api_url,
					  rq->clone_url ? rq->clone_url : "", rq->owner, rq->repo,
					  err)))
		return rr_error_wrap(err, "gitea: git credentials");
	if ((rc = gt_login(cfg, out->username, sizeof(out->username), err)))
		return rc;
	if (!(out->password = rr_secret_dup(cfg->token)))
		return rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
	return RR_OK;
}

static int gt_fetch_refspecs(const struct review_request *rq, char ***out, size_t *n,
			     struct rr_error *err)
{
	return webhook_refspecs(GT, rq->base_ref, "refs/pull/%ld/head", rq->number, out, n, err);
}

/* ======================================================================== */
/* publish                                                                  */
/* ======================================================================== */

struct gt_listing {
	struct forge_config *cfg;
	const struct review_request *rq;
	struct publish_existing *ex;
};

/* Each review's body (a summary) and, when it has any, its comments. */
static int gt_reviews_page(const json_t *page, void *data, struct rr_error *err)
{
	struct gt_listing *ls = data;
	const json_t *r;
	size_t i;

	json_array_foreach(page, i, r) {
		const json_t *body = json_object_get(r, "body"), *id = json_object_get(r, "id");
		const json_t *count = json_object_get(r, "comments_count");
		char *url;
		int rc;

		if (json_is_string(body) && ls->ex->want_summaries &&
		    publish_existing_add_summary(ls->ex, json_string_value(body)) != RR_OK)
			return rr_error_set(err, RR_ENOMEM, "listing reviews: out of memory");
		if (!json_is_integer(id) || (json_is_integer(count) && json_integer_value(count) == 0))
			continue;
		if (!(url = gt_repo_url(ls->cfg, ls->rq, "/pulls/%ld/reviews/%ld/comments",
					ls->rq->number, (long)json_integer_value(id))))
			return rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
		rc = api_list_all(gt_call, ls->cfg, GT_OP_LIST_REVIEW_COMMENTS, url,
				  ls->cfg->api_url, "review comments",
				  GT_MAX_PAGES, publish_existing_comment_page, ls->ex, err);
		free(url);
		if (rc)
			return rc;
	}
	return RR_OK;
}

/* No single list of a pull request's comments in Gitea 1.22: every review
 * (all pages), then each review's comments. */
static int gt_list_existing(struct forge_config *cfg, const struct review_request *rq,
			    struct publish_existing *ex, struct rr_error *err)
{
	struct gt_listing ls = { cfg, rq, ex };
	char *url;
	int rc;

	if ((rc = gt_check_request(cfg, rq, err)))
		return rc;
	if (!(url = gt_repo_url(cfg, rq, "/pulls/%ld/reviews?limit=50", rq->number, 0)))
		return rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
	rc = api_list_all(gt_call, cfg, GT_OP_LIST_REVIEWS, url, cfg->api_url, "reviews",
			  GT_MAX_PAGES,
			  gt_reviews_page, &ls, err);
	free(url);
	return rc;
}

/* {event: COMMENT, commit_id, body, comments: [{path, body, new_position, old_position: 0}]}.
 * Gitea stores a comment on a line outside the diff without a word and shows
 * it oddly: the findings given here are on added lines only (engine). */
static json_t *gt_review_json(const struct publish_review *review)
{
	json_t *comments = json_array();

	if (!comments)
		return NULL;
	for (size_t i = 0; i < review->n; i++) {
		const struct publish_comment *c = &review->comments[i];
		json_t *o = json_pack("{s:s,s:s,s:I,s:i}", "path", c->finding->path, "body", c->body,
				      "new_position", (json_int_t)c->finding->line, "old_position", 0);
		if (!o || json_array_append_new(comments, o) != 0) {
			json_decref(comments);
			return NULL;
		}
	}
	return json_pack("{s:s,s:s,s:s,s:o}", "event", "COMMENT", "commit_id", review->head_sha,
			 "body", review->summary ? review->summary : "", "comments", comments);
}

static int gt_post_review(struct forge_config *cfg, const struct review_request *rq,
			  const struct publish_review *review, struct publish_result *res,
			  struct rr_error *err)
{
	json_t *body = gt_review_json(review);
	char *url = gt_repo_url(cfg, rq, "/pulls/%ld/reviews", rq->number, 0);
	int rc;

	if (!body || !url)
		rc = rr_error_set(err, RR_ENOMEM, "gitea: building the review: out of memory");
	else if ((rc = gt_post(cfg, GT_OP_POST_REVIEW, url, body, err)))
		rr_error_wrap(err, "posting the review");
	else {
		res->posted = review->n;
		res->review_created = true;
	}
	json_decref(body);
	free(url);
	return rc;
}

/* POST /repos/{owner}/{repo}/statuses/{sha}, context "rustreview". */
static int gt_set_status(struct forge_config *cfg, const struct review_request *rq, bool failing,
			 const char *description, struct rr_error *err)
{
	char *url = NULL;
	json_t *body;
	int rc;

	if ((rc = gt_check_request(cfg, rq, err)))
		return rc;
	if (asprintf(&url, "%.*s/api/v1/repos/%s/%s/statuses/%s", webhook_base_len(cfg->api_url),
		     cfg->api_url, rq->owner, rq->repo, rq->head_sha) < 0)
		return rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
	body = json_pack("{s:s,s:s,s:s}", "state", failing ? "failure" : "success", "context",
			 "rustreview", "description", description);
	rc = body ? gt_post(cfg, GT_OP_SET_STATUS, url, body, err)
		  : rr_error_set(err, RR_ENOMEM, "gitea: out of memory");
	if (rc)
		rr_error_wrap(err, "gitea: setting the commit status of %s/%s@%.12s", rq->owner,
			      rq->repo, rq->head_sha);
	json_decref(body);
	free(url);
	return rc;
}

const struct forge forge_gitea = {
	.name = GT,
	.settings = gt_settings,
	.git_user = NULL,          /* the token's own user, asked from the API */
	.suggestion_info = NULL,   /* Gitea has no suggested changes */
	.summary_per_head = false,
	.init = gt_init,
	.cleanup = gt_cleanup,
	.verify = gt_verify,
	.parse_event = gt_parse_event,
	.git_credentials = gt_git_credentials,
	.fetch_refspecs = gt_fetch_refspecs,
	.list_existing = gt_list_existing,
	.post_review = gt_post_review,
	.set_status = gt_set_status,
};
