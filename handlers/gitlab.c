/* gitlab.c — the GitLab forge; see gitlab.h and forge.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gitlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "../common/log.h"
#include "../common/secret.h"
#include "api.h"
#include "jsonscan.h"
#include "publish.h"
#include "webhook.h"

#define GL "gitlab"
#define GL_DEFAULT_URL "https://gitlab.com"
#define GL_MAX_PAGES   100
/* diff_refs is filled asynchronously after a push: this many reads, waiting
 * GL_DIFF_REFS_WAIT_MS, doubling, between them (0.5+1+2+4 s at most). */
#define GL_DIFF_REFS_READS   5
#define GL_DIFF_REFS_WAIT_MS 500

static const struct forge_setting gl_settings[] = {
	{ "URL", FORGE_SLOT_URL, FORGE_SETTING_URL, GL_DEFAULT_URL,
	  "instance base URL (REST at <URL>/api/v4, git under it)" },
	{ "TOKEN", FORGE_SLOT_TOKEN, FORGE_SETTING_SECRET, NULL,
	  "access token with the api scope (Developer role or more)" },
	{ "CA_BUNDLE", FORGE_SLOT_CA_BUNDLE, 0, NULL, "CA file for TLS to GitLab (API and git)" },
	{ NULL, FORGE_SLOT_COUNT, 0, NULL, NULL },
};

struct gl_state {
	struct api_client *api;
};

static const char *gl_base(const struct forge_config *cfg)
{
	return cfg->api_url && *cfg->api_url ? cfg->api_url : GL_DEFAULT_URL;
}

static int gl_init(struct forge_config *cfg, struct rr_error *err)
{
	struct api_client_options opt = { 0 };
	struct gl_state *st;
	int rc;

	cfg->state = NULL;
	if (!cfg->token || !*cfg->token)
		return rr_error_set(err, RR_ECONFIG, "gitlab: set RUSTREVIEW_GITLAB_TOKEN (an access "
				    "token with the api scope)");
	if (!(st = calloc(1, sizeof(*st))))
		return rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	opt = forge_api_options(cfg, GL);
	opt.ratelimit_remaining_header = "RateLimit-Remaining";
	opt.ratelimit_reset_header = "RateLimit-Reset";
	opt.next_page_header = "X-Next-Page";
	if ((rc = api_client_new(&st->api, &opt, err))) {
		free(st);
		return rr_error_wrap(err, "gitlab");
	}
	cfg->state = st;
	return RR_OK;
}

static void gl_cleanup(struct forge_config *cfg)
{
	struct gl_state *st = cfg->state;
	if (st)
		api_client_free(st->api);
	free(st);
	cfg->state = NULL;
}

static int gl_verify(const struct forge_config *cfg, const struct http_request *req,
		     struct rr_error *err)
{
	return webhook_verify_token(GL, cfg->webhook_secret, req, "X-Gitlab-Token", err);
}

/* ======================================================================== */
/* Merge Request Hook                                                       */
/* ======================================================================== */

enum gl_field {
	LF_ROOT, LF_KIND, LF_ACTION, LF_IID, LF_OLDREV, LF_DRAFT, LF_WIP, LF_TARGET_BRANCH,
	LF_HEAD_SHA, LF_TARGET_PROJECT_ID, LF_TARGET_URL, LF_TARGET_PATH, LF_COUNT
};
static const char *const gl_paths[LF_COUNT] = {
	[LF_ROOT] = "", [LF_KIND] = "object_kind", [LF_ACTION] = "object_attributes.action",
	[LF_IID] = "object_attributes.iid", [LF_OLDREV] = "object_attributes.oldrev",
	[LF_DRAFT] = "object_attributes.draft", [LF_WIP] = "object_attributes.work_in_progress",
	[LF_TARGET_BRANCH] = "object_attributes.target_branch",
	[LF_HEAD_SHA] = "object_attributes.last_commit.id",
	[LF_TARGET_PROJECT_ID] = "object_attributes.target_project_id",
	[LF_TARGET_URL] = "object_attributes.target.git_http_url",
	[LF_TARGET_PATH] = "object_attributes.target.path_with_namespace",
};

struct gl_payload {
	struct jsonscan_field f[LF_COUNT];
	char kind[32], action[32];
};

/* Event header values are words and spaces ("Merge Request Hook"). */
static bool gl_event_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == ' '))
			return false;
	return true;
}

/* Idempotency-Key is the same on every retry of one event; older GitLab sends
 * only X-Gitlab-Event-UUID. */
static const char *gl_delivery(const struct http_request *req)
{
	const char *k = http_request_header(req, "Idempotency-Key");
	return k && *k ? k : http_request_header(req, "X-Gitlab-Event-UUID");
}

static int gl_scan(const struct http_request *req, struct gl_payload *pl, struct rr_error *err)
{
	memset(pl, 0, sizeof(*pl));
	for (size_t i = 0; i < LF_COUNT; i++)
		pl->f[i].path = gl_paths[i];
	pl->f[LF_KIND].buf = pl->kind;
	pl->f[LF_KIND].buf_size = sizeof(pl->kind);
	pl->f[LF_ACTION].buf = pl->action;
	pl->f[LF_ACTION].buf_size = sizeof(pl->action);
	return webhook_scan(GL, req, pl->f, LF_COUNT, err);
}

/* RR_OK when the action brings code to review; RR_SKIP with the reason otherwise. */
static int gl_check_action(const struct forge_config *cfg, const struct gl_payload *pl,
			   struct rr_error *err)
{
	const struct jsonscan_field *a = &pl->f[LF_ACTION];
	bool draft = false, wip = false;
	int rc;

	if (pl->f[LF_KIND].type != JSONSCAN_STRING || pl->f[LF_KIND].truncated ||
	    strcmp(pl->kind, "merge_request") != 0)
		return rr_error_set(err, RR_EINVAL, "gitlab payload: field 'object_kind' is not "
				    "\"merge_request\"");
	if (a->type != JSONSCAN_STRING || a->truncated || a->has_nul ||
	    !webhook_word_ok(pl->action, 30, NULL))
		return rr_error_set(err, RR_EINVAL, "gitlab payload: field 'object_attributes.action' "
				    "missing or not an action name");
	if (strcmp(pl->action, "update") == 0) {
		/* oldrev is there only when commits were pushed: a title or label
		 * change needs no review. */
		if (pl->f[LF_OLDREV].type == JSONSCAN_ABSENT || pl->f[LF_OLDREV].type == JSONSCAN_NULL)
			return rr_error_set(err, RR_SKIP, "merge request update without new commits "
					    "needs no review");
	} else if (strcmp(pl->action, "open") != 0 && strcmp(pl->action, "reopen") != 0) {
		return rr_error_set(err, RR_SKIP, "merge request action '%s' needs no review",
				    pl->action);
	}
	if ((rc = webhook_take_bool(GL, &pl->f[LF_DRAFT], &draft, err)) ||
	    (rc = webhook_take_bool(GL, &pl->f[LF_WIP], &wip, err)))
		return rc;
	if ((draft || wip) && !cfg->review_drafts)
		return rr_error_set(err, RR_SKIP, "draft merge request skipped");
	return RR_OK;
}

/* "group/sub/project" → owner "group/sub", repo "project". */
static int gl_split_path(const char *path, struct review_request *out, struct rr_error *err)
{
	const char *slash = strrchr(path, '/');

	if (!slash || !webhook_path_ok(path, true))
		return rr_error_set(err, RR_EINVAL, "gitlab payload: field "
				    "'object_attributes.target.path_with_namespace' is not a "
				    "namespace/project path");
	if (!(out->owner = rr_strndup(path, (size_t)(slash - path))) ||
	    !(out->repo = rr_strdup(slash + 1)))
		return rr_error_set(err, RR_ENOMEM, "gitlab payload: out of memory");
	return RR_OK;
}

static int gl_fill(const struct forge_config *cfg, const struct gl_payload *pl,
		   struct review_request *out, struct rr_error *err)
{
	char *path = NULL;
	long project = 0;
	int rc;

	if ((rc = webhook_take_positive(GL, &pl->f[LF_IID], true, &out->number, err)) ||
	    (rc = webhook_take_positive(GL, &pl->f[LF_TARGET_PROJECT_ID], true, &project, err)) ||
	    (rc = webhook_take_string(GL, &pl->f[LF_TARGET_BRANCH], &out->base_ref, err)) ||
	    (rc = webhook_take_sha(GL, &pl->f[LF_HEAD_SHA], &out->head_sha, err)) ||
	    (rc = webhook_take_string(GL, &pl->f[LF_TARGET_URL], &out->clone_url, err)) ||
	    (rc = webhook_take_string(GL, &pl->f[LF_TARGET_PATH], &path, err)) ||
	    (rc = gl_split_path(path, out, err)))
		goto done;
	if (!webhook_branch_ok(out->base_ref)) {
		rc = rr_error_set(err, RR_EINVAL, "gitlab payload: field "
				  "'object_attributes.target_branch' is not a valid branch name");
		goto done;
	}
	/* Fork merge requests too: the MR and its head ref live in the target project. */
	if ((rc = webhook_check_clone_url(GL, "object_attributes.target.git_http_url",
					  "RUSTREVIEW_GITLAB_URL", gl_base(cfg), out->clone_url,
					  out->owner, out->repo, err)))
		goto done;
	if (asprintf(&out->forge_data, "{\"project_id\":%ld}", project) < 0) {
		out->forge_data = NULL;
		rc = rr_error_set(err, RR_ENOMEM, "gitlab payload: out of memory");
	}
done:
	free(path);
	return rc;
}

static int gl_parse_event(const struct forge_config *cfg, const struct http_request *req,
			  struct review_request *out, struct rr_error *err)
{
	const char *event = http_request_header(req, "X-Gitlab-Event");
	const char *delivery = gl_delivery(req);
	struct gl_payload pl;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!event)
		return rr_error_set(err, RR_EINVAL, "gitlab webhook: X-Gitlab-Event header missing");
	if (!gl_event_ok(event))
		return rr_error_set(err, RR_EINVAL, "gitlab webhook: X-Gitlab-Event is not an event name");
	if (strcmp(event, "Merge Request Hook") != 0)
		return rr_error_set(err, RR_SKIP, "event '%s' is not reviewed", event);
	if ((rc = gl_scan(req, &pl, err)) || (rc = gl_check_action(cfg, &pl, err)))
		return rc;
	if (!delivery || !webhook_delivery_ok(delivery))
		return rr_error_set(err, RR_EINVAL, "gitlab webhook: Idempotency-Key or "
				    "X-Gitlab-Event-UUID header %s",
				    delivery ? "is not a delivery id" : "missing");
	if (!(out->forge = rr_strdup(GL)) || !(out->delivery_id = rr_strdup(delivery)) ||
	    !(out->event = rr_strdup("merge_request")) || !(out->action = rr_strdup(pl.action)))
		rc = rr_error_set(err, RR_ENOMEM, "gitlab payload: out of memory");
	else
		rc = gl_fill(cfg, &pl, out, err);
	if (rc != RR_OK)
		review_request_free(out);
	return rc;
}

/* ======================================================================== */
/* REST calls                                                               */
/* ======================================================================== */

static long gl_project(const struct review_request *rq)
{
	return review_request_forge_long(rq, "project_id");
}

/* Operations, as /metrics names them (rustreview_forge_api_calls_total). */
#define GL_OP_GET_MERGE_REQUEST "get_merge_request"
#define GL_OP_LIST_DISCUSSIONS  "list_discussions"
#define GL_OP_POST_DISCUSSION   "post_discussion"
#define GL_OP_POST_NOTE         "post_note"
#define GL_OP_SET_STATUS        "set_status"

static int gl_call(void *ctx, const char *operation, const char *method, const char *url,
		   const json_t *body, struct api_response *resp, struct rr_error *err)
{
	const struct forge_config *cfg = ctx;
	struct gl_state *st = cfg->state;

	if (!st)
		return rr_error_set(err, RR_ECONFIG, "gitlab: forge not initialised");
	return api_request_auth(st->api, operation, "PRIVATE-TOKEN: ", cfg->token, method, url,
				NULL, body, resp, err);
}

/* <URL>/api/v4/projects/<id>/merge_requests/<iid><suffix>, or NULL. */
static char *gl_mr_url(const struct forge_config *cfg, const struct review_request *rq,
		       const char *suffix)
{
	char *url = NULL;
	long project = gl_project(rq);

	if (project <= 0 || rq->number <= 0)
		return NULL;
	if (asprintf(&url, "%.*s/api/v4/projects/%ld/merge_requests/%ld%s",
		     webhook_base_len(gl_base(cfg)), gl_base(cfg), project, rq->number, suffix) < 0)
		return NULL;
	return url;
}

static int gl_check_request(const struct forge_config *cfg, const struct review_request *rq,
			    struct rr_error *err)
{
	if (!cfg->state)
		return rr_error_set(err, RR_ECONFIG, "gitlab: forge not initialised");
	if (gl_project(rq) <= 0 || rq->number <= 0)
		return rr_error_set(err, RR_EINVAL, "gitlab: the request has no project id or iid");
	if (!rq->head_sha || !webhook_sha_ok(rq->head_sha))
		return rr_error_set(err, RR_EINVAL, "gitlab: head_sha is not a 40-digit hex SHA");
	return RR_OK;
}

/* diff_refs {base_sha, start_sha, head_sha} for our head: RR_OK, RR_NONE when not
 * (yet) there or for another head. */
static int gl_read_diff_refs(const json_t *mr, const char *head, char **base, char **start)
{
	const json_t *refs = json_object_get(mr, "diff_refs");
	const json_t *b = json_object_get(refs, "base_sha"), *s = json_object_get(refs, "start_sha");
	const json_t *h = json_object_get(refs, "head_sha");

	if (!json_is_string(b) || !json_is_string(s) || !json_is_string(h) ||
	    !webhook_sha_ok(json_string_value(b)) || !webhook_sha_ok(json_string_value(s)) ||
	    strcasecmp(json_string_value(h), head) != 0)
		return RR_NONE;
	if (!(*base = rr_strdup(json_string_value(b))) || !(*start = rr_strdup(json_string_value(s)))) {
		free(*base);
		*base = NULL;
		return RR_ENOMEM;
	}
	return RR_OK;
}

static void gl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * The diff GitLab shows: base_sha (the merge base) and start_sha (the target
 * branch tip) from diff_refs, which GitLab fills asynchronously after a push.
 * Bounded polling; still missing then: RR_ETRANSIENT, and the queue retries.
 */
static int gl_prepare(struct forge_config *cfg, struct review_request *rq, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *url = NULL, *base = NULL, *start = NULL;
	long wait = GL_DIFF_REFS_WAIT_MS;
	int rc, got = RR_NONE;

	if ((rc = gl_check_request(cfg, rq, err)))
		return rc;
	if (!(url = gl_mr_url(cfg, rq, "")))
		return rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	for (int i = 0; i < GL_DIFF_REFS_READS && got == RR_NONE; i++) {
		if (i) {
			gl_sleep_ms(wait);
			wait *= 2;
		}
		if ((rc = gl_call(cfg, GL_OP_GET_MERGE_REQUEST, "GET", url, NULL, &resp, err))) {
			rr_error_wrap(err, "gitlab: reading merge request !%ld", rq->number);
			goto done;
		}
		got = gl_read_diff_refs(resp.json, rq->head_sha, &base, &start);
		api_response_free(&resp);
	}
	if (got == RR_ENOMEM) {
		rc = rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	} else if (got == RR_NONE) {
		rc = rr_error_set(err, RR_ETRANSIENT, "gitlab: merge request !%ld has no diff_refs "
				  "for %.12s yet", rq->number, rq->head_sha);
		err->retry_after = 30;
	} else {
		free(rq->base_sha);
		free(rq->start_sha);
		rq->base_sha = base;
		rq->start_sha = start;
	}
done:
	api_response_free(&resp);
	free(url);
	return rc;
}

/* ======================================================================== */
/* git                                                                      */
/* ======================================================================== */

static int gl_git_credentials(struct forge_config *cfg, const struct review_request *rq,
			      struct git_credentials *out, struct rr_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = webhook_check_clone_url(GL, "clone_url", "RUSTREVIEW_GITLAB_URL", gl_base(cfg),
					  rq->clone_url ? rq->clone_url : "",
					  rq->owner ? rq->owner : "", rq->repo ? rq->repo : "", err)))
		return rr_error_wrap(err, "gitlab: git credentials");
	if (!cfg->token || !(out->password = rr_secret_dup(cfg->token)))
		return rr_error_set(err, RR_ECONFIG, "gitlab: no token for git");
	snprintf(out->username, sizeof(out->username), "%s", forge_gitlab.git_user);
	return RR_OK;
}

static int gl_fetch_refspecs(const struct review_request *rq, char ***out, size_t *n,
			     struct rr_error *err)
{
	/* The target project's head ref, which holds a fork's commits too. */
	return webhook_refspecs(GL, rq->base_ref, "refs/merge-requests/%ld/head", rq->number, out,
				n, err);
}

/* ======================================================================== */
/* publish                                                                  */
/* ======================================================================== */

/* Diff notes are line comments; other notes may be summaries. */
static int gl_discussions_page(const json_t *page, void *data, struct rr_error *err)
{
	struct publish_existing *ex = data;
	const json_t *d, *note;
	size_t i, j;

	json_array_foreach(page, i, d) {
		json_array_foreach(json_object_get(d, "notes"), j, note) {
			const json_t *body = json_object_get(note, "body");
			const json_t *type = json_object_get(note, "type");
			int rc;
			if (!json_is_string(body))
				continue;
			if (json_is_string(type) && strcmp(json_string_value(type), "DiffNote") == 0)
				rc = publish_existing_add_comment(ex, json_string_value(body));
			else
				rc = ex->want_summaries
					     ? publish_existing_add_summary(ex, json_string_value(body))
					     : RR_OK;
			if (rc != RR_OK)
				return rr_error_set(err, RR_ENOMEM, "listing discussions: out of memory");
		}
	}
	return RR_OK;
}

static int gl_list_existing(struct forge_config *cfg, const struct review_request *rq,
			    struct publish_existing *ex, struct rr_error *err)
{
	char *url;
	int rc;

	if ((rc = gl_check_request(cfg, rq, err)))
		return rc;
	if (!(url = gl_mr_url(cfg, rq, "/discussions?per_page=100")))
		return rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	rc = api_list_all(gl_call, cfg, GL_OP_LIST_DISCUSSIONS, url, gl_base(cfg), "discussions",
			  GL_MAX_PAGES, gl_discussions_page, ex, err);
	free(url);
	return rc;
}

/* {body, position: {position_type: text, base/start/head_sha, old/new_path, new_line}}.
 * old_path is the file's path in the merge base: GitLab refuses (400) a position
 * on a renamed file that names the new path twice. */
static json_t *gl_discussion_json(const struct review_request *rq, const struct publish_comment *c)
{
	const struct finding *f = c->finding;
	return json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:I}}", "body", c->body, "position",
			 "position_type", "text", "base_sha", rq->base_sha, "start_sha",
			 rq->start_sha ? rq->start_sha : rq->base_sha, "head_sha", rq->head_sha,
			 "old_path", f->old_path ? f->old_path : f->path, "new_path", f->path,
			 "new_line", (json_int_t)f->line);
}

/* A position GitLab cannot place is our bug, not the merge request's: log it,
 * skip that comment, post the rest. */
static void gl_log_refused(const struct publish_comment *c, const struct rr_error *e)
{
	/* The merge request's ids come from the worker's log context. */
	rr_log_kv(RR_LOG_WARN, "gitlab.discussion.refused", RR_KV_STR("path", c->finding->path),
		  RR_KV_UINT("line", c->finding->line), RR_KV_STR("error", e->msg));
}

static int gl_post(struct forge_config *cfg, const char *operation, const char *url,
		   const json_t *body, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	int rc = gl_call(cfg, operation, "POST", url, body, &resp, err);
	api_response_free(&resp);
	return rc;
}

static int gl_post_review(struct forge_config *cfg, const struct review_request *rq,
			  const struct publish_review *review, struct publish_result *res,
			  struct rr_error *err)
{
	char *durl = gl_mr_url(cfg, rq, "/discussions"), *nurl = gl_mr_url(cfg, rq, "/notes");
	json_t *body = NULL;
	int rc = RR_OK;

	if (!durl || !nurl || !rq->base_sha) {
		rc = rr_error_set(err, durl && nurl ? RR_EINVAL : RR_ENOMEM,
				  "gitlab: cannot post (no diff_refs or out of memory)");
		goto done;
	}
	for (size_t i = 0; i < review->n; i++) {
		struct rr_error e = { 0 };
		json_decref(body);
		if (!(body = gl_discussion_json(rq, &review->comments[i]))) {
			rc = rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
			goto done;
		}
		rc = gl_post(cfg, GL_OP_POST_DISCUSSION, durl, body, &e);
		if (rc == RR_EINVAL && strstr(e.msg, "HTTP 400")) {
			gl_log_refused(&review->comments[i], &e);
			res->refused++;
			rc = RR_OK;
			continue;
		}
		if (rc != RR_OK) {
			*err = e;
			rr_error_wrap(err, "posting a discussion");
			goto done;
		}
		res->posted++;
		res->review_created = true;
	}
	if (review->summary) {
		json_decref(body);
		if (!(body = json_pack("{s:s}", "body", review->summary))) {
			rc = rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
			goto done;
		}
		if ((rc = gl_post(cfg, GL_OP_POST_NOTE, nurl, body, err))) {
			rr_error_wrap(err, "posting the summary note");
			goto done;
		}
		res->review_created = true;
	}
done:
	json_decref(body);
	free(durl);
	free(nurl);
	return rc;
}

/* POST /projects/:id/statuses/:sha, name "rustreview". */
static int gl_set_status(struct forge_config *cfg, const struct review_request *rq, bool failing,
			 const char *description, struct rr_error *err)
{
	char *url = NULL;
	json_t *body;
	int rc;

	if ((rc = gl_check_request(cfg, rq, err)))
		return rc;
	if (asprintf(&url, "%.*s/api/v4/projects/%ld/statuses/%s", webhook_base_len(gl_base(cfg)),
		     gl_base(cfg), gl_project(rq), rq->head_sha) < 0)
		return rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	body = json_pack("{s:s,s:s,s:s}", "state", failing ? "failed" : "success", "name",
			 "rustreview", "description", description);
	rc = body ? gl_post(cfg, GL_OP_SET_STATUS, url, body, err)
		  : rr_error_set(err, RR_ENOMEM, "gitlab: out of memory");
	if (rc)
		rr_error_wrap(err, "gitlab: setting the commit status of %s/%s@%.12s", rq->owner,
			      rq->repo, rq->head_sha);
	json_decref(body);
	free(url);
	return rc;
}

const struct forge forge_gitlab = {
	.name = GL,
	.settings = gl_settings,
	.git_user = "oauth2",
	.suggestion_info = "suggestion:-0+0",
	.summary_per_head = true,
	.change_noun = "merge request",
	.init = gl_init,
	.cleanup = gl_cleanup,
	.verify = gl_verify,
	.parse_event = gl_parse_event,
	.prepare = gl_prepare,
	.git_credentials = gl_git_credentials,
	.fetch_refspecs = gl_fetch_refspecs,
	.list_existing = gl_list_existing,
	.post_review = gl_post_review,
	.set_status = gl_set_status,
};
