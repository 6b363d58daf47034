/*
 * forge.h — the seam between the forge-agnostic core and each forge.
 *
 * Everything forge-specific (webhook signatures, payload shapes, REST API,
 * auth) lives behind struct forge, one file per forge in handlers/. Nothing
 * outside handlers/ names a forge. Adding a forge is one file and one line in
 * forges.c.
 */
#ifndef RR_FORGE_H
#define RR_FORGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "../review/findings.h"
#include "../review/repo.h"

/* An incoming HTTP request as the server hands it to a forge. */
struct http_header {
	const char *name;
	const char *value;
};
struct http_request {
	const char *method;
	const char *path;
	const struct http_header *headers;
	size_t nheaders;
	const char *body;          /* raw bytes, exactly as received */
	size_t body_len;
};
/* Case-insensitive header lookup; NULL when absent. */
const char *http_request_header(const struct http_request *r, const char *name);

/* What a worker needs to review one pull request. Serialised to JSON in the queue. */
struct review_request {
	char *forge;               /* "github" */
	char *delivery_id;         /* the forge's delivery GUID (dedup key) */
	char *event;               /* e.g. "pull_request" */
	char *action;              /* e.g. "opened" */
	char *owner;               /* repository owner / namespace */
	char *repo;                /* repository name */
	char *clone_url;           /* base repository's clone URL */
	char *api_url;             /* repository API URL from the payload (informational) */
	long number;               /* pull request number */
	char *base_ref;            /* base branch name */
	char *base_sha;
	char *head_sha;
	long installation_id;      /* GitHub App installation, 0 if none */
};
void review_request_free(struct review_request *r);
/* JSON round trip for the queue. to_json returns a heap string or NULL. */
char *review_request_to_json(const struct review_request *r);
int review_request_from_json(const char *json, struct review_request *out, struct rr_error *err);

/* Per-forge configuration, filled from the environment by bot/config.c. */
struct forge_config {
	const struct forge *forge;
	bool enabled;              /* true when the webhook secret is set */
	char *webhook_secret;      /* secret; never logged */
	char *api_url;             /* REST base URL, no trailing slash */
	char *app_id;              /* GitHub App id (or client id) */
	char *private_key_pem;     /* App private key, PEM text; secret */
	char *token;               /* personal/project token mode; secret */
	char *ca_bundle;           /* optional CA file for TLS to the forge */
	bool review_drafts;        /* default false */
	unsigned max_comments;     /* per review, default 30 */
	char *user_agent;          /* "rustreview/<version>" */
	void *state;               /* forge-private (token cache, mutex), from init */
	/* Where the forge serves git (scheme://host[:port]). Clone URLs from payloads
	 * must have this origin. NULL: the forge derives it from api_url. */
	char *git_url;
};

/* What publish did, for logs, metrics and tests. */
struct publish_result {
	size_t posted;             /* comments posted */
	size_t already_posted;     /* dropped because their fingerprint was there */
	size_t over_cap;           /* not posted because of max_comments */
	bool review_created;
};

struct forge {
	const char *name;          /* "github" — also the URL path /webhooks/<name> */
	int (*init)(struct forge_config *cfg, struct rr_error *err);
	void (*cleanup)(struct forge_config *cfg);
	/* RR_OK when the request is authentic; RR_EAUTH otherwise (→ 401). */
	int (*verify)(const struct forge_config *cfg, const struct http_request *req,
		      struct rr_error *err);
	/* RR_OK: out filled, enqueue. RR_SKIP: no review needed, reason in err->msg
	 * (→ 200). RR_EINVAL: malformed (→ 400). */
	int (*parse_event)(const struct forge_config *cfg, const struct http_request *req,
			   struct review_request *out, struct rr_error *err);
	/* Credentials for fetching the request's repository, and the refspecs to fetch
	 * (heap strings; caller frees each and the array). */
	int (*git_credentials)(struct forge_config *cfg, const struct review_request *rq,
			       struct git_credentials *out, struct rr_error *err);
	int (*fetch_refspecs)(const struct review_request *rq, char ***out, size_t *n,
			      struct rr_error *err);
	/* Posts findings (already limited to added lines) as one review. Never repeats
	 * a comment whose fingerprint is already on the pull request. RR_ETRANSIENT
	 * for failures worth retrying (err->retry_after set when the forge says). */
	int (*publish)(struct forge_config *cfg, const struct review_request *rq,
		       const struct finding_list *findings, struct publish_result *res,
		       struct rr_error *err);
	/* Optional (NULL: the forge has none): the pass/fail status of the reviewed
	 * head commit. description is one short line. A failure here never fails
	 * the job: the review is already posted. */
	int (*set_status)(struct forge_config *cfg, const struct review_request *rq, bool failing,
			  const char *description, struct rr_error *err);
};

/* The table of forges (forges.c). */
extern const struct forge *const rr_forges[];
const struct forge *forge_find(const char *name);

#endif
