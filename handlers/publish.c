/* publish.c — the forge-neutral publisher; see publish.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"

#define MARKER_OPEN "<!-- rustreview:"
#define FP_MARKER   "<!-- rustreview:fingerprint="
/* A marker longer than this is not one of ours. */
#define MARKER_MAX  160

/* ======================================================================== */
/* what is already there                                                    */
/* ======================================================================== */

void publish_existing_free(struct publish_existing *ex)
{
	if (!ex)
		return;
	free(ex->fps);
	for (size_t i = 0; i < ex->nrules; i++)
		free(ex->rules[i].rule);
	free(ex->rules);
	for (size_t i = 0; i < ex->nmarkers; i++)
		free(ex->markers[i]);
	free(ex->markers);
	memset(ex, 0, sizeof(*ex));
}

static int add_fingerprint(struct publish_existing *ex, const char *fp)
{
	if (ex->nfps == ex->capfps) {
		void *p = rr_array_grow(ex->fps, &ex->capfps, sizeof(*ex->fps), 64);
		if (!p)
			return RR_ENOMEM;
		ex->fps = p;
	}
	memcpy(ex->fps[ex->nfps], fp, RR_FINGERPRINT_LEN);
	ex->fps[ex->nfps++][RR_FINGERPRINT_LEN] = '\0';
	return RR_OK;
}

static int count_rule(struct publish_existing *ex, const char *rule, size_t len)
{
	for (size_t i = 0; i < ex->nrules; i++)
		if (strlen(ex->rules[i].rule) == len && strncmp(ex->rules[i].rule, rule, len) == 0) {
			ex->rules[i].n++;
			return RR_OK;
		}
	if (ex->nrules == ex->caprules) {
		void *p = rr_array_grow(ex->rules, &ex->caprules, sizeof(*ex->rules), 8);
		if (!p)
			return RR_ENOMEM;
		ex->rules = p;
	}
	if (!(ex->rules[ex->nrules].rule = rr_strndup(rule, len)))
		return RR_ENOMEM;
	ex->rules[ex->nrules++].n = 1;
	return RR_OK;
}

/* "HEX rule=ID -->" after FP_MARKER: the fingerprint and the rule's span. */
static bool parse_fp_marker(const char *p, const char **rule, size_t *rule_len)
{
	for (size_t i = 0; i < RR_FINGERPRINT_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	*rule = NULL;
	*rule_len = 0;
	if (strncmp(p + RR_FINGERPRINT_LEN, " rule=", 6) == 0) {
		const char *r = p + RR_FINGERPRINT_LEN + 6;
		size_t n = strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (n && n <= 64) {
			*rule = r;
			*rule_len = n;
		}
		return true;
	}
	return p[RR_FINGERPRINT_LEN] == ' ' || p[RR_FINGERPRINT_LEN] == '-';
}

int publish_existing_add_comment(struct publish_existing *ex, const char *body)
{
	const char *p = body, *first_rule = NULL;
	size_t first_len = 0;
	bool any = false;

	while (p && (p = strstr(p, FP_MARKER)) != NULL) {
		const char *rule;
		size_t len;
		p += strlen(FP_MARKER);
		if (!parse_fp_marker(p, &rule, &len))
			continue;
		if (add_fingerprint(ex, p) != RR_OK)
			return RR_ENOMEM;
		if (!any) {
			first_rule = rule;
			first_len = len;
		}
		any = true;
	}
	if (any && first_rule)
		return count_rule(ex, first_rule, first_len);
	return RR_OK;
}

int publish_existing_add_summary(struct publish_existing *ex, const char *body)
{
	const char *p = body;

	while (p && (p = strstr(p, MARKER_OPEN)) != NULL) {
		const char *end = strstr(p, "-->");
		char *m;
		if (!end || end - p > MARKER_MAX) {
			p += strlen(MARKER_OPEN);
			continue;
		}
		if (ex->nmarkers == ex->capmarkers) {
			void *np = rr_array_grow(ex->markers, &ex->capmarkers, sizeof(*ex->markers), 8);
			if (!np)
				return RR_ENOMEM;
			ex->markers = np;
		}
		if (!(m = rr_strndup(p, (size_t)(end + 3 - p))))
			return RR_ENOMEM;
		ex->markers[ex->nmarkers++] = m;
		p = end + 3;
	}
	return RR_OK;
}

static int body_page(const json_t *page, struct publish_existing *ex, bool summaries,
		     struct rr_error *err)
{
	const json_t *c;
	size_t i;

	json_array_foreach(page, i, c) {
		const json_t *body = json_object_get(c, "body");
		if (!json_is_string(body))
			continue;
		if ((summaries ? publish_existing_add_summary(ex, json_string_value(body))
			       : publish_existing_add_comment(ex, json_string_value(body))) != RR_OK)
			return rr_error_set(err, RR_ENOMEM, "listing %s: out of memory",
					    summaries ? "reviews" : "review comments");
	}
	return RR_OK;
}

int publish_existing_comment_page(const json_t *page, void *data, struct rr_error *err)
{
	return body_page(page, data, false, err);
}

int publish_existing_summary_page(const json_t *page, void *data, struct rr_error *err)
{
	return body_page(page, data, true, err);
}

static int fp_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void publish_existing_done(struct publish_existing *ex)
{
	if (ex->nfps)
		qsort(ex->fps, ex->nfps, sizeof(*ex->fps), fp_cmp);
}

bool publish_existing_has_fingerprint(const struct publish_existing *ex, const char *fp)
{
	return ex && ex->nfps && fp[0] &&
	       bsearch(fp, ex->fps, ex->nfps, sizeof(*ex->fps), fp_cmp) != NULL;
}

bool publish_existing_has_marker(const struct publish_existing *ex, const char *marker)
{
	for (size_t i = 0; ex && i < ex->nmarkers; i++)
		if (strcmp(ex->markers[i], marker) == 0)
			return true;
	return false;
}

static size_t existing_rule_count(const struct publish_existing *ex, const char *rule)
{
	for (size_t i = 0; ex && i < ex->nrules; i++)
		if (strcmp(ex->rules[i].rule, rule) == 0)
			return ex->rules[i].n;
	return 0;
}

/* ======================================================================== */
/* the plan                                                                 */
/* ======================================================================== */

static bool postable(const struct finding *f)
{
	return f->path && *f->path && f->line >= 1;
}

static const char *rule_of(const struct finding *f)
{
	return f->rule_id ? f->rule_id : "unknown";
}

static bool same_group(const struct finding *a, const struct finding *b)
{
	return strcmp(a->path, b->path) == 0 && strcmp(rule_of(a), rule_of(b)) == 0;
}

void publish_plan_free(struct publish_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->comments[i].also);
	free(p->comments);
	free(p->dropped);
	memset(p, 0, sizeof(*p));
}

/* Step 1: indices of the postable findings not yet on the pull request. */
static size_t plan_new_findings(const struct finding_list *l, const struct publish_existing *ex,
				size_t *out, size_t *already)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		if (!postable(f))
			continue;
		if (publish_existing_has_fingerprint(ex, f->fingerprint))
			(*already)++;
		else
			out[n++] = i;
	}
	return n;
}

/* Step 2: one comment per new finding, or one per (file, rule) that has more
 * than group_after of them. taken[] marks findings already in a comment. */
static int plan_group(const struct finding_list *l, const size_t *fresh, size_t nfresh,
		      unsigned group_after, struct publish_plan *p)
{
	bool *taken = calloc(nfresh ? nfresh : 1, sizeof(*taken));
	int rc = RR_OK;

	if (!taken)
		return RR_ENOMEM;
	for (size_t i = 0; i < nfresh && rc == RR_OK; i++) {
		const struct finding *f = &l->items[fresh[i]];
		struct plan_comment *c = &p->comments[p->n];
		size_t members = 0, lead = i;

		if (taken[i])
			continue;
		for (size_t j = i; j < nfresh; j++)
			if (!taken[j] && same_group(f, &l->items[fresh[j]])) {
				members++;
				if (l->items[fresh[j]].line < l->items[fresh[lead]].line)
					lead = j;
			}
		memset(c, 0, sizeof(*c));
		if (group_after == 0 || members <= group_after) {
			taken[i] = true;
			c->lead = fresh[i];
			p->n++;
			continue;
		}
		c->lead = fresh[lead];
		if (!(c->also = calloc(members - 1, sizeof(*c->also)))) {
			rc = RR_ENOMEM;
			break;
		}
		for (size_t j = i; j < nfresh; j++)
			if (!taken[j] && same_group(f, &l->items[fresh[j]])) {
				taken[j] = true;
				if (j != lead)
					c->also[c->nalso++] = fresh[j];
			}
		p->grouped += c->nalso;
		p->n++;
	}
	free(taken);
	return rc;
}

static int add_dropped(struct publish_plan *p, const char *rule, size_t n)
{
	for (size_t i = 0; i < p->ndropped; i++)
		if (strcmp(p->dropped[i].rule, rule) == 0) {
			p->dropped[i].n += n;
			return RR_OK;
		}
	/* at most one entry per comment: allocated with the comments */
	p->dropped[p->ndropped].rule = rule;
	p->dropped[p->ndropped++].n = n;
	return RR_OK;
}

static int dropped_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_dropped_rule *)a)->rule,
		      ((const struct plan_dropped_rule *)b)->rule);
}

/* Step 3: keep comments while their rule has budget on the pull request. */
static void plan_budget(const struct finding_list *l, const struct publish_existing *ex,
			unsigned budget, struct publish_plan *p)
{
	size_t kept = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct plan_comment *c = &p->comments[i];
		const char *rule = rule_of(&l->items[c->lead]);
		size_t used = existing_rule_count(ex, rule);

		for (size_t k = 0; k < kept; k++)
			used += strcmp(rule_of(&l->items[p->comments[k].lead]), rule) == 0;
		if (budget && used >= budget) {
			p->over_budget += 1 + c->nalso;
			add_dropped(p, rule, 1 + c->nalso);
			free(c->also);
			continue;
		}
		p->comments[kept++] = *c;
	}
	p->n = kept;
	if (p->ndropped > 1)
		qsort(p->dropped, p->ndropped, sizeof(*p->dropped), dropped_cmp);
}

/* Step 4: the first max comments; the rest counted in findings. */
static void plan_cap(unsigned max, struct publish_plan *p)
{
	if (!max || p->n <= max)
		return;
	for (size_t i = max; i < p->n; i++) {
		p->over_cap += 1 + p->comments[i].nalso;
		free(p->comments[i].also);
	}
	p->n = max;
}

int publish_plan_make(const struct finding_list *findings, const struct publish_existing *ex,
		      const struct publish_settings *s, struct publish_plan *out)
{
	size_t cap = findings->n ? findings->n : 1;
	size_t *fresh = calloc(cap, sizeof(*fresh));
	size_t nfresh;
	int rc;

	memset(out, 0, sizeof(*out));
	out->comments = calloc(cap, sizeof(*out->comments));
	out->dropped = calloc(cap, sizeof(*out->dropped));
	if (!fresh || !out->comments || !out->dropped) {
		free(fresh);
		publish_plan_free(out);
		return RR_ENOMEM;
	}
	nfresh = plan_new_findings(findings, ex, fresh, &out->already_posted);
	out->nnew = nfresh;
	rc = plan_group(findings, fresh, nfresh, s->group_after, out);
	free(fresh);
	if (rc != RR_OK) {
		publish_plan_free(out);
		return rc;
	}
	plan_budget(findings, ex, s->per_rule_budget, out);
	plan_cap(s->max_comments, out);
	/* Step 5 holds by construction: comments are made in the order of their
	 * first member in the sorted findings, and a group's lead is its lowest line. */
	return RR_OK;
}

/* ======================================================================== */
/* bodies                                                                   */
/* ======================================================================== */

static int line_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* "Also at lines 40, 77 and 102." (distinct lines other than the lead's). */
static int put_also_lines(struct rr_buf *b, const struct finding_list *l,
			  const struct plan_comment *c)
{
	uint32_t *lines = calloc(c->nalso ? c->nalso : 1, sizeof(*lines));
	uint32_t lead = l->items[c->lead].line;
	size_t n = 0;
	int rc = RR_OK;

	if (!lines)
		return RR_ENOMEM;
	for (size_t i = 0; i < c->nalso; i++)
		lines[n++] = l->items[c->also[i]].line;
	qsort(lines, n, sizeof(*lines), line_cmp);
	rc = rr_buf_puts(b, "\n\nAlso at line");
	{
		size_t shown = 0;
		struct rr_buf list = RR_BUF_INIT;
		for (size_t i = 0; i < n && rc == RR_OK; i++) {
			if (lines[i] == lead || (i && lines[i] == lines[i - 1]))
				continue;
			rc = rr_buf_printf(&list, "%s%u", shown ? ", " : " ", lines[i]);
			shown++;
		}
		if (rc == RR_OK)
			rc = rr_buf_printf(b, "%s%s.", shown == 1 ? "" : "s",
					   shown ? list.data : " (same line)");
		rr_buf_free(&list);
	}
	free(lines);
	return rc;
}

char *publish_comment_body(const struct finding_list *findings, const struct plan_comment *c,
			   const char *suggestion_info)
{
	const struct finding *f = &findings->items[c->lead];
	/* A suggestion replaces the commented line(s): only safe on single-line comments. */
	char *text = finding_comment_text(f, f->end_line <= f->line ? suggestion_info : NULL);
	char marker[FINDING_MARKER_SIZE];
	struct rr_buf b = RR_BUF_INIT;
	int rc;

	if (!text)
		return NULL;
	rc = rr_buf_puts(&b, text);
	free(text);
	if (rc == RR_OK && c->nalso)
		rc = put_also_lines(&b, findings, c);
	finding_marker(f, marker);
	if (rc == RR_OK)
		rc = rr_buf_printf(&b, "\n\n%s", marker);
	for (size_t i = 0; i < c->nalso && rc == RR_OK; i++) {
		finding_marker(&findings->items[c->also[i]], marker);
		rc = rr_buf_printf(&b, "\n%s", marker);
	}
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}

static int rule_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Per-rule counts of the new findings as a markdown table, rules sorted by id. */
static int summary_table(const struct finding_list *findings, const struct publish_plan *plan,
			 const struct publish_existing *ex, struct rr_buf *b)
{
	const char **ids = calloc(findings->n ? findings->n : 1, sizeof(*ids));
	size_t i, n = 0;
	int rc;

	(void)plan;
	if (!ids)
		return RR_ENOMEM;
	for (i = 0; i < findings->n; i++) {
		const struct finding *f = &findings->items[i];
		if (postable(f) && !publish_existing_has_fingerprint(ex, f->fingerprint))
			ids[n++] = rule_of(f);
	}
	qsort(ids, n, sizeof(*ids), rule_cmp);
	rc = rr_buf_puts(b, "| rule | count |\n| --- | ---: |\n");
	for (i = 0; i < n && rc == RR_OK;) {
		size_t j = i;
		while (j < n && strcmp(ids[j], ids[i]) == 0)
			j++;
		rc = rr_buf_printf(b, "| `%s` | %zu |\n", ids[i], j - i);
		i = j;
	}
	free(ids);
	return rc;
}

static char *summary_body(const struct finding_list *findings, const struct publish_plan *plan,
			  const struct publish_existing *ex, const struct publish_settings *s,
			  const char *noun, const char *notice, const char *notice_marker,
			  const char *head_sha)
{
	struct rr_buf b = RR_BUF_INIT;
	int rc;

	if (plan->n) {
		rc = rr_buf_printf(&b, "**rustreview** found %zu issue%s in this %s.\n\n",
				   plan->nnew, plan->nnew == 1 ? "" : "s", noun);
		if (rc == RR_OK)
			rc = summary_table(findings, plan, ex, &b);
	} else {
		rc = rr_buf_printf(&b, "**rustreview** has no new comments on this %s.\n", noun);
	}
	for (size_t i = 0; i < plan->ndropped && rc == RR_OK; i++)
		rc = rr_buf_printf(&b, "\n%zu more `%s` not posted: at most %u comments per rule "
				   "on a %s.\n", plan->dropped[i].n, plan->dropped[i].rule,
				   s->per_rule_budget, noun);
	if (rc == RR_OK && plan->over_cap)
		rc = rr_buf_printf(&b, "\n%zu more not posted: at most %u comments per review.\n",
				   plan->over_cap, s->max_comments);
	if (rc == RR_OK && notice)
		rc = rr_buf_printf(&b, "\n%s\n%s\n", notice, notice_marker);
	if (rc == RR_OK && head_sha)
		rc = rr_buf_printf(&b, "\n<!-- rustreview:head=%s -->", head_sha);
	if (rc == RR_OK)
		rc = rr_buf_puts(&b, "\n" PUBLISH_SUMMARY_MARKER "\n");
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}

char *publish_summary(const struct finding_list *findings, const struct publish_plan *plan,
		      const struct publish_settings *s, const char *notice,
		      const char *notice_marker, const char *head_sha)
{
	/* Without a listing, every postable finding counts as new. */
	struct publish_existing none;
	memset(&none, 0, sizeof(none));
	return summary_body(findings, plan, &none, s, "pull request", notice, notice_marker,
			    head_sha);
}

/* ======================================================================== */
/* one publication                                                          */
/* ======================================================================== */

static void settings_resolve(const struct forge_config *cfg, const struct publish_settings *in,
			     struct publish_settings *out)
{
	if (in) {
		*out = *in;
	} else {
		out->max_comments = cfg->max_comments;
		out->group_after = PUBLISH_DEFAULT_GROUP_AFTER;
		out->per_rule_budget = PUBLISH_DEFAULT_PER_RULE_BUDGET;
	}
	if (out->max_comments == 0)
		out->max_comments = cfg->max_comments ? cfg->max_comments
						      : PUBLISH_DEFAULT_MAX_COMMENTS;
}

/*
 * One line per publish: review.posted, review.nothing_new or review.failed.
 * The delivery's ids (forge, repository, number, head, job, ...) come from
 * the worker's log context; a caller without one (a test) gets the lines
 * without them.
 */
static void log_publish(const struct publish_result *res, int rc, const struct rr_error *err)
{
	if (rc == RR_OK)
		rr_log_kv(RR_LOG_INFO, res->review_created ? "review.posted" : "review.nothing_new",
			  RR_KV_UINT("posted", res->posted),
			  RR_KV_UINT("already_posted", res->already_posted),
			  RR_KV_UINT("over_cap", res->over_cap), RR_KV_UINT("grouped", res->grouped),
			  RR_KV_UINT("over_budget", res->over_budget),
			  RR_KV_UINT("refused", res->refused));
	else
		rr_log_kv(RR_LOG_WARN, "review.failed", RR_KV_STR("code", rr_strcode(rc)),
			  RR_KV_STR("error", err ? err->msg : NULL));
}

static void review_free(struct publish_review *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->comments[i].body);
	free(r->comments);
	memset(r, 0, sizeof(*r));
}

static int review_build(const struct forge *forge, const struct finding_list *findings,
			const struct publish_plan *plan, struct publish_review *r)
{
	if (!(r->comments = calloc(plan->n ? plan->n : 1, sizeof(*r->comments))))
		return RR_ENOMEM;
	for (size_t i = 0; i < plan->n; i++) {
		r->comments[i].finding = &findings->items[plan->comments[i].lead];
		if (!(r->comments[i].body = publish_comment_body(findings, &plan->comments[i],
								 forge->suggestion_info)))
			return RR_ENOMEM;
		r->n++;
	}
	return RR_OK;
}

void publish_list_existing(struct forge_config *cfg, const struct review_request *rq,
			   bool with_summaries, struct publish_listing *out)
{
	const struct forge *forge = cfg->forge;

	memset(out, 0, sizeof(*out));
	if (!forge->list_existing) {
		out->rc = rr_error_set(&out->err, RR_ECONFIG, "%s: the forge cannot publish",
				       forge->name);
		return;
	}
	out->ex.want_summaries = with_summaries || forge->summary_per_head;
	if ((out->rc = forge->list_existing(cfg, rq, &out->ex, &out->err))) {
		publish_existing_free(&out->ex);
		return;
	}
	publish_existing_done(&out->ex);
}

int publish_run(struct forge_config *cfg, const struct review_request *rq,
		const struct finding_list *findings, const struct publish_settings *settings,
		struct publish_result *res, struct rr_error *err)
{
	return publish_run_listed(cfg, rq, findings, settings, NULL, res, err);
}

int publish_run_listed(struct forge_config *cfg, const struct review_request *rq,
		       const struct finding_list *findings, const struct publish_settings *settings,
		       struct publish_listing *listed, struct publish_result *res,
		       struct rr_error *err)
{
	const struct forge *forge = cfg->forge;
	struct publish_settings s;
	struct publish_existing ex;
	struct publish_plan plan;
	struct publish_review review;
	char notice_marker[FINDING_NOTICE_MARKER_SIZE] = "", head_marker[96];
	bool notice_new = false, summary_said = false;
	char *summary = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&ex, 0, sizeof(ex));
	memset(&plan, 0, sizeof(plan));
	memset(&review, 0, sizeof(review));
	if (listed) {
		ex = listed->ex;   /* taken: freed at done whatever happens */
		memset(&listed->ex, 0, sizeof(listed->ex));
	}
	settings_resolve(cfg, settings, &s);
	if (!forge->list_existing || !forge->post_review) {
		rc = rr_error_set(err, RR_ECONFIG, "%s: the forge cannot publish", forge->name);
		goto done;
	}
	if (listed && listed->rc != RR_OK) {
		rc = listed->rc;
		*err = listed->err;
		goto done;
	}
	if (!listed || (findings->notice && !ex.want_summaries)) {
		publish_existing_free(&ex);
		ex.want_summaries = findings->notice != NULL || forge->summary_per_head;
		if ((rc = forge->list_existing(cfg, rq, &ex, err)))
			goto done;
		publish_existing_done(&ex);
	}
	if ((rc = publish_plan_make(findings, &ex, &s, &plan))) {
		rr_error_set(err, rc, "planning the review: out of memory");
		goto done;
	}
	res->already_posted = plan.already_posted;
	res->over_cap = plan.over_cap;
	res->grouped = plan.grouped;
	res->over_budget = plan.over_budget;
	if (findings->notice) {
		finding_notice_marker(findings->notice, notice_marker);
		notice_new = !publish_existing_has_marker(&ex, notice_marker);
	}
	if (forge->summary_per_head) {
		snprintf(head_marker, sizeof(head_marker), "<!-- rustreview:head=%s -->",
			 rq->head_sha ? rq->head_sha : "");
		summary_said = publish_existing_has_marker(&ex, head_marker);
	}
	if (plan.n == 0 && !notice_new)
		goto done;         /* nothing new: no review at all */
	if (!summary_said &&
	    !(summary = summary_body(findings, &plan, &ex, &s,
				     forge->change_noun ? forge->change_noun : "pull request",
				     notice_new ? findings->notice : NULL, notice_marker,
				     forge->summary_per_head ? rq->head_sha : NULL))) {
		rc = rr_error_set(err, RR_ENOMEM, "building the review: out of memory");
		goto done;
	}
	if (review_build(forge, findings, &plan, &review) != RR_OK) {
		rc = rr_error_set(err, RR_ENOMEM, "building the review: out of memory");
		goto done;
	}
	review.head_sha = rq->head_sha;
	review.summary = summary;
	rc = forge->post_review(cfg, rq, &review, res, err);
done:
	if (rc != RR_OK && rc != RR_ECONFIG)
		rr_error_wrap(err, "%s: %s/%s#%ld", forge->name, rq->owner ? rq->owner : "?",
			      rq->repo ? rq->repo : "?", rq->number);
	log_publish(res, rc, err);
	review_free(&review);
	free(summary);
	publish_plan_free(&plan);
	publish_existing_free(&ex);
	return rc;
}
