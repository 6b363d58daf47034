/*
 * forge.h — the seam between the forge-agnostic core and each forge.
 *
 * Everything forge-specific (webhook signatures, payload shapes, REST API,
 * auth, settings) lives behind struct forge, one file per forge in handlers/.
 * Nothing outside handlers/ names a forge (tests/check_forge_names.sh keeps
 * that true). A forge translates; it does not decide: what to post is decided
 * once, for every forge, by the publisher (publish.h). Adding a forge is one
 * file and one line in forges.c.
 */
#ifndef RR_FORGE_H
#define RR_FORGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "api.h"
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

/*
 * What a worker needs to review one pull (merge) request. Serialised to JSON in
 * the queue (request.c; jobs queued by older builds still load).
 */
struct review_request {
	char *forge;               /* the forge's name */
	char *delivery_id;         /* the forge's delivery id (dedup key) */
	char *event;               /* e.g. "pull_request" */
	char *action;              /* e.g. "opened" */
	char *owner;               /* namespace; may hold '/' (subgroups): "group/sub" */
	char *repo;                /* repository name (last path segment) */
	char *clone_url;           /* base repository's clone URL */
	char *api_url;             /* repository API URL from the payload (informational) */
	long number;               /* pull request number (merge request iid) */
	char *base_ref;            /* base (target) branch name */
	char *base_sha;            /* base commit; NULL until the forge's prepare fills it */
	char *head_sha;
	char *start_sha;           /* where the forge's diff starts (merge base), or NULL */
	char *forge_data;          /* forge-private JSON object text, opaque to the core, or NULL */
};
void review_request_free(struct review_request *r);
/* JSON round trip for the queue. to_json returns a heap string or NULL. */
char *review_request_to_json(const struct review_request *r);
int review_request_from_json(const char *json, struct review_request *out, struct rr_error *err);
/* An integer of forge_data ({"key": N}), or 0 when absent. */
long review_request_forge_long(const struct review_request *rq, const char *key);

/* Where a setting lands in struct forge_config. */
enum forge_slot {
	FORGE_SLOT_WEBHOOK_SECRET,  /* setting it enables the forge */
	FORGE_SLOT_URL,             /* the forge's base (API) URL */
	FORGE_SLOT_TOKEN,
	FORGE_SLOT_CA_BUNDLE,
	FORGE_SLOT_GIT_URL,
	FORGE_SLOT_EXTRA1,          /* forge-specific, see the forge's settings table */
	FORGE_SLOT_EXTRA2,
	FORGE_SLOT_COUNT
};
#define FORGE_SETTING_SECRET 1u     /* also read from <VAR>_FILE; wiped when freed; never logged */
#define FORGE_SETTING_URL    2u     /* http(s) without user or password; trailing '/' dropped */
#define FORGE_SETTING_ORIGIN 4u     /* an origin: no path, query or fragment (with _URL) */

/* One environment setting of a forge: RUSTREVIEW_<NAME>_<suffix>. */
struct forge_setting {
	const char *suffix;         /* "WEBHOOK_SECRET", "URL", "TOKEN", ... */
	enum forge_slot slot;
	unsigned flags;             /* FORGE_SETTING_* */
	const char *dflt;           /* default value, or NULL */
	const char *help;           /* one line for README and `help serve` */
};

struct api_call_report;        /* api.h */

/* Per-forge configuration, filled from the environment by bot/config.c from
 * the forge's settings table (each setting names the field it fills). */
struct forge_config {
	const struct forge *forge;
	bool enabled;              /* true when the webhook secret is set */
	char *webhook_secret;      /* FORGE_SLOT_WEBHOOK_SECRET; never logged */
	char *api_url;             /* FORGE_SLOT_URL: the forge's base URL, no trailing slash */
	char *token;               /* FORGE_SLOT_TOKEN; secret */
	char *ca_bundle;           /* FORGE_SLOT_CA_BUNDLE: CA file for TLS to the forge */
	/* FORGE_SLOT_GIT_URL: where the forge serves git (scheme://host[:port][/path]).
	 * Clone URLs from payloads must be under it. NULL: derived from api_url. */
	char *git_url;
	char *extra[2];            /* FORGE_SLOT_EXTRA1/2: what the forge's table says */
	bool review_drafts;        /* default false */
	unsigned max_comments;     /* per review, default 30 */
	char *user_agent;          /* "rustreview/<version>" */
	void *state;               /* forge-private (API client, token cache), from init */
	/* Told of every REST call of this forge (api.h's api_observe_fn; bot/ sets
	 * it to count calls in metrics before init), or NULL. */
	void (*observe_api)(void *ctx, const char *forge, const struct api_call_report *r);
	void *observe_ctx;
	/* Rate limits shared by every replica: the service fills it in before the
	 * workers start; the forge's API client reads it at each call. */
	struct api_gate gate;
};
/* The field a slot fills (NULL for an unknown slot). */
char **forge_config_slot(struct forge_config *cfg, enum forge_slot slot);

/* What publish did, for logs, metrics and tests. */
struct publish_result {
	size_t posted;             /* comments posted */
	size_t already_posted;     /* dropped because their fingerprint was there */
	size_t over_cap;           /* not posted because of max_comments */
	size_t grouped;            /* folded into another comment of the same rule and file */
	size_t over_budget;        /* not posted because of the per-rule budget */
	size_t refused;            /* refused by the forge one by one (logged, skipped) */
	bool review_created;
};

struct publish_existing;       /* publish.h */
struct publish_review;         /* publish.h */

/* How a forge spells a suggested change: "```suggestion" (GitHub),
 * "```suggestion:-0+0" (GitLab), or none (NULL). */
struct forge {
	const char *name;          /* also the URL path /webhooks/<name> */
	/* RUSTREVIEW_<NAME>_WEBHOOK_SECRET (enables the forge) is every forge's;
	 * these are the rest, terminated by { NULL }. */
	const struct forge_setting *settings;
	const char *git_user;      /* user name that goes with the token over git HTTPS */
	const char *suggestion_info;   /* info string of the fence, NULL: no suggestions */
	/* What the forge calls a change under review ("merge request"); NULL: "pull request". */
	const char *change_noun;
	/* The summary carries the head it was written for and is posted once per head
	 * (a forge whose summary is not posted atomically with its comments). */
	bool summary_per_head;

	int (*init)(struct forge_config *cfg, struct rr_error *err);
	/* Optional: how this configuration authenticates to the forge, for the
	 * start-up log ("app", "token"); NULL: "token". */
	const char *(*auth_mode)(const struct forge_config *cfg);
	void (*cleanup)(struct forge_config *cfg);
	/* RR_OK when the request is authentic; RR_EAUTH otherwise (→ 401). */
	int (*verify)(const struct forge_config *cfg, const struct http_request *req,
		      struct rr_error *err);
	/* RR_OK: out filled, enqueue. RR_SKIP: no review needed, reason in err->msg
	 * (→ 200). RR_EINVAL: malformed (→ 400). */
	int (*parse_event)(const struct forge_config *cfg, const struct http_request *req,
			   struct review_request *out, struct rr_error *err);
	/* Optional: completes the request from the forge's API before the fetch
	 * (e.g. the diff's base and start commits). */
	int (*prepare)(struct forge_config *cfg, struct review_request *rq, struct rr_error *err);
	/* The token for fetching the request's repository (username comes from git_user). */
	int (*git_credentials)(struct forge_config *cfg, const struct review_request *rq,
			       struct git_credentials *out, struct rr_error *err);
	/* The refspecs to fetch (heap strings; caller frees each and the array). */
	int (*fetch_refspecs)(const struct review_request *rq, char ***out, size_t *n,
			      struct rr_error *err);
	/* Hands every comment and summary of the bot already on the pull request
	 * (every page) to publish_existing_add_*. */
	int (*list_existing)(struct forge_config *cfg, const struct review_request *rq,
			     struct publish_existing *ex, struct rr_error *err);
	/* Posts the planned review in the forge's shape. Sets res->posted, ->refused
	 * and ->review_created. RR_ETRANSIENT for failures worth retrying. */
	int (*post_review)(struct forge_config *cfg, const struct review_request *rq,
			   const struct publish_review *review, struct publish_result *res,
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

/*
 * What every forge's API client starts from: cfg's CA bundle, user agent
 * ("rustreview/<version>" when unset), rate-limit gate and observer, and the
 * forge's name (kept as given). The forge adds its own headers. Pointers
 * borrow from cfg, which outlives the client.
 */
struct api_client_options forge_api_options(const struct forge_config *cfg, const char *name);

#endif
