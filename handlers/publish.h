/*
 * publish.h — the forge-neutral publisher: what to post is decided here, once,
 * for every forge; the forge only lists what is there and posts what it is
 * given (struct forge: list_existing, post_review, set_status).
 *
 *   list existing → plan → summary → post
 *
 * The plan (publish_plan_make) is a pure function of the findings, what is
 * already on the pull request and the settings, in this order:
 *   1. drop findings whose fingerprint is already on the pull request;
 *   2. group: more than group_after findings of one rule in one file become one
 *      comment at the first of them that names the other lines and carries
 *      every member's fingerprint (a later push repeats none of them);
 *   3. per-rule budget: at most per_rule_budget comments of one rule on the
 *      pull request, counting those already there; the rest is counted in the
 *      summary;
 *   4. overall cap: at most max_comments comments in this review;
 *   5. order: by path, line, rule (the order of the sorted findings).
 */
#ifndef RR_PUBLISH_H
#define RR_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../common/rr.h"
#include "../review/findings.h"
#include "forge.h"

#define PUBLISH_DEFAULT_MAX_COMMENTS 30
#define PUBLISH_DEFAULT_GROUP_AFTER 3
#define PUBLISH_DEFAULT_PER_RULE_BUDGET 10
#define PUBLISH_SUMMARY_MARKER "<!-- rustreview:summary -->"

struct publish_settings {
	unsigned max_comments;     /* comments per review; 0 = no cap */
	unsigned group_after;      /* group when a rule has more than this in one file; 0 = never */
	unsigned per_rule_budget;  /* comments per rule on a pull request; 0 = no budget */
};

/* ---- what is already on the pull request ---------------------------------- */

struct publish_rule_count {
	char *rule;
	size_t n;
};

struct publish_existing {
	/* in: the publisher needs summary markers (a notice to say once, or a
	 * summary per head); a forge may skip listing summaries otherwise */
	bool want_summaries;
	/* out, through the add functions */
	char (*fps)[RR_FINGERPRINT_LEN + 1];   /* sorted once listing is done */
	size_t nfps, capfps;
	struct publish_rule_count *rules;      /* the bot's comments per rule */
	size_t nrules, caprules;
	char **markers;                        /* "<!-- rustreview:... -->" in summaries */
	size_t nmarkers, capmarkers;
};
void publish_existing_free(struct publish_existing *ex);
/* A line comment's body: every fingerprint marker in it, and one comment for
 * the rule of its first marker. Bodies without a marker are ignored. */
int publish_existing_add_comment(struct publish_existing *ex, const char *body);
/* A review body or note: every rustreview marker in it. */
int publish_existing_add_summary(struct publish_existing *ex, const char *body);
/* A page of a listing (a JSON array of objects with a "body"), as api_list_all
 * hands it: each body to publish_existing_add_comment / _add_summary. data is
 * the struct publish_existing. */
int publish_existing_comment_page(const json_t *page, void *data, struct rr_error *err);
int publish_existing_summary_page(const json_t *page, void *data, struct rr_error *err);
/* Sorts the fingerprints (the publisher calls it after list_existing). */
void publish_existing_done(struct publish_existing *ex);
bool publish_existing_has_fingerprint(const struct publish_existing *ex, const char *fp);
bool publish_existing_has_marker(const struct publish_existing *ex, const char *marker);

/* ---- the plan --------------------------------------------------------------- */

struct plan_comment {
	size_t lead;               /* the finding the comment is placed at */
	size_t *also;              /* the other members of a grouped comment, by line */
	size_t nalso;
};

struct plan_dropped_rule {
	const char *rule;          /* borrowed from the findings */
	size_t n;                  /* findings not posted for the rule's budget */
};

struct publish_plan {
	struct plan_comment *comments;
	size_t n;
	size_t nnew;               /* findings not yet on the pull request */
	size_t already_posted;
	size_t grouped;            /* findings folded into another finding's comment */
	size_t over_budget;        /* findings dropped by the per-rule budget */
	size_t over_cap;           /* findings dropped by max_comments */
	struct plan_dropped_rule *dropped;   /* over_budget per rule, by rule id */
	size_t ndropped;
};

/* RR_OK or RR_ENOMEM. The plan refers to findings by index. */
int publish_plan_make(const struct finding_list *findings, const struct publish_existing *ex,
		      const struct publish_settings *s, struct publish_plan *out);
void publish_plan_free(struct publish_plan *p);

/* ---- what a forge is asked to post ---------------------------------------- */

struct publish_comment {
	const struct finding *finding;   /* the lead finding: path, line, end_line */
	char *body;                      /* markdown, with every member's marker */
};

struct publish_review {
	const char *head_sha;
	const char *summary;             /* markdown; NULL when it must not be posted again */
	struct publish_comment *comments;
	size_t n;
};

/*
 * The body of one planned comment in the forge's suggestion style (info NULL:
 * none): the lead's message, its suggestion when it spans one line, "Also at
 * lines ..." for a group, and every member's fingerprint marker. Heap or NULL.
 */
char *publish_comment_body(const struct finding_list *findings, const struct plan_comment *c,
			   const char *suggestion_info);
/* The summary markdown; head_marker adds "<!-- rustreview:head=SHA -->". Heap or NULL. */
char *publish_summary(const struct finding_list *findings, const struct publish_plan *plan,
		      const struct publish_settings *s, const char *notice,
		      const char *notice_marker, const char *head_sha);

/*
 * The whole publication for one head: lists what is there, plans, posts the
 * review through the forge, fills res. settings NULL: cfg->max_comments and
 * the default grouping and budget. RR_ETRANSIENT for failures worth retrying.
 */
int publish_run(struct forge_config *cfg, const struct review_request *rq,
		const struct finding_list *findings, const struct publish_settings *settings,
		struct publish_result *res, struct rr_error *err);

/* A listing made ahead by publish_list_existing: what is there, or why not. */
struct publish_listing {
	struct publish_existing ex;        /* when rc is RR_OK */
	int rc;
	struct rr_error err;               /* rc's reason */
};

/*
 * Lists what is already on the pull request (every page) the way publish_run
 * does, so that a caller can list ahead: on another thread while the fetch
 * and the review run (publishing a pull request is serialised per pull
 * request, so nothing of the bot's appears there meanwhile). with_summaries:
 * the summaries' markers too (a notice to say once); the forge's summary per
 * head asks for them anyway. The outcome goes into *out (out->ex is the
 * caller's: publish_existing_free, or hand *out to publish_run_listed).
 */
void publish_list_existing(struct forge_config *cfg, const struct review_request *rq,
			   bool with_summaries, struct publish_listing *out);

/*
 * publish_run with a listing made ahead by publish_list_existing (NULL: list
 * now). A failed listing fails the publication as publish_run's own would (no
 * second call to a forge that just failed). listed->ex is taken: emptied and
 * freed here whatever happens. When it lacks the summaries the findings need
 * (a notice, listed without them), the pull request is listed again here.
 */
int publish_run_listed(struct forge_config *cfg, const struct review_request *rq,
		       const struct finding_list *findings, const struct publish_settings *settings,
		       struct publish_listing *listed, struct publish_result *res,
		       struct rr_error *err);

#endif
