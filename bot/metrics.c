/* metrics.c — counters, gauges and histograms behind one mutex, rendered in
 * Prometheus text format (version 0.0.4). */
#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/version.h"
#include "../handlers/api.h"

enum family_type { FAMILY_COUNTER, FAMILY_GAUGE, FAMILY_HISTOGRAM };

struct family_def {
	const char *name;          /* counters end in _total; histograms get _bucket/_sum/_count */
	const char *help;
	enum family_type type;
	const char *labels[METRICS_MAX_LABELS + 1];   /* label names, NULL-terminated */
	const double *buckets;     /* histogram upper bounds, ascending (+Inf is implicit) */
	size_t nbuckets;
};

/* Durations from a few milliseconds (a cached review of a small change) to
 * minutes (a first fetch of a big repository). */
static const double seconds_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
					  1,     2.5,  5,     10,   30,  60,   120, 300 };
#define SECONDS_BUCKETS seconds_buckets, sizeof(seconds_buckets) / sizeof(seconds_buckets[0])

/* Waits from a second (a short Retry-After) to an hour (an hourly rate-limit reset). */
static const double wait_buckets[] = { 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600 };
#define WAIT_BUCKETS wait_buckets, sizeof(wait_buckets) / sizeof(wait_buckets[0])

/* One line per family, indexed by enum metrics_id. */
static const struct family_def families[METRIC_COUNT] = {
	[METRIC_WEBHOOK_DELIVERIES] = { "rustreview_webhook_deliveries_total",
		"Webhook deliveries by forge and HTTP status.", FAMILY_COUNTER,
		{ "forge", "code" }, NULL, 0 },
	[METRIC_JOBS_FINISHED] = { "rustreview_jobs_finished_total", "Job runs by outcome.",
		FAMILY_COUNTER, { "outcome" }, NULL, 0 },
	[METRIC_REVIEWS_POSTED] = { "rustreview_reviews_posted_total",
		"Reviews published on a forge (a run with nothing new to post is not one).",
		FAMILY_COUNTER, { NULL }, NULL, 0 },
	[METRIC_COMMENTS_POSTED] = { "rustreview_comments_posted_total", "Line comments posted.",
		FAMILY_COUNTER, { NULL }, NULL, 0 },
	[METRIC_REVIEW_DURATION] = { "rustreview_review_duration_seconds",
		"Time from claiming a job to its review settled (fetch, review, publish).",
		FAMILY_HISTOGRAM, { NULL }, SECONDS_BUCKETS },
	[METRIC_FORGE_ENABLED] = { "rustreview_forge_enabled",
		"1 for each forge whose webhook secret is set, 0 for the others.", FAMILY_GAUGE,
		{ "forge" }, NULL, 0 },
	[METRIC_DELIVERIES] = { "rustreview_deliveries_total",
		"Webhook deliveries by forge, event (unknown until authenticated) and outcome.",
		FAMILY_COUNTER, { "forge", "event", "outcome" }, NULL, 0 },
	[METRIC_FORGE_API_CALLS] = { "rustreview_forge_api_calls_total",
		"Forge REST API calls by forge, operation and HTTP status class (error: no answer).",
		FAMILY_COUNTER, { "forge", "operation", "code_class" }, NULL, 0 },
	[METRIC_FORGE_RATE_REMAINING] = { "rustreview_forge_rate_limit_remaining",
		"API requests left in the forge's rate-limit window, from its last answer that said.",
		FAMILY_GAUGE, { "forge" }, NULL, 0 },
	[METRIC_RATE_LIMIT_WAIT] = { "rustreview_rate_limit_wait_seconds",
		"How long jobs were put off: cause forge (Retry-After, rate-limit reset) or pacing "
		"(the token's budget of content-creating calls).",
		FAMILY_HISTOGRAM, { "forge", "cause" }, WAIT_BUCKETS },
	[METRIC_JOB_DURATION] = { "rustreview_job_duration_seconds",
		"One run of a job, claim to outcome, by forge and outcome.", FAMILY_HISTOGRAM,
		{ "forge", "outcome" }, SECONDS_BUCKETS },
	[METRIC_GIT_FETCH_DURATION] = { "rustreview_git_fetch_duration_seconds",
		"One git fetch of a pull request's base and head into the mirror, failed ones too.",
		FAMILY_HISTOGRAM, { "forge" }, SECONDS_BUCKETS },
};

struct series {
	const char *labels[METRICS_MAX_LABELS];   /* heap copies (static "other" for overflow) */
	uint64_t count;            /* counter value, or histogram observations */
	double value;              /* gauge value, or histogram sum */
	uint64_t *buckets;         /* histogram: observations per bucket (not cumulative) */
};

struct family {
	struct series *series;
	size_t n, cap;
	struct series overflow;    /* labels all "other": takes updates once the table is full */
	bool overflow_used;
};

struct metrics {
	pthread_mutex_t lock;
	struct family fam[METRIC_COUNT];
};

static const char OTHER[] = "other";

static size_t label_count(const struct family_def *d)
{
	size_t n = 0;
	while (n < METRICS_MAX_LABELS && d->labels[n])
		n++;
	return n;
}

static void series_clear(struct series *s, size_t nlabels)
{
	for (size_t i = 0; i < nlabels; i++)
		if (s->labels[i] != OTHER)
			free((char *)s->labels[i]);
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}

/* A new series with copies of the label values; false when out of memory. */
static bool series_init(struct series *s, const struct family_def *d, const char *const *labels)
{
	size_t nl = label_count(d);

	memset(s, 0, sizeof(*s));
	if (d->type == FAMILY_HISTOGRAM && !(s->buckets = calloc(d->nbuckets + 1, sizeof(uint64_t))))
		return false;
	for (size_t i = 0; i < nl; i++) {
		if (!(s->labels[i] = rr_strdup(labels && labels[i] ? labels[i] : ""))) {
			series_clear(s, nl);
			return false;
		}
	}
	return true;
}

static bool labels_equal(const struct series *s, size_t nl, const char *const *labels)
{
	for (size_t i = 0; i < nl; i++)
		if (strcmp(s->labels[i], labels && labels[i] ? labels[i] : "") != 0)
			return false;
	return true;
}

/* The series of these label values, created when new. Caller holds the lock.
 * Never NULL: a full table or a failed allocation yields the overflow series. */
static struct series *series_get(struct metrics *m, enum metrics_id id, const char *const *labels)
{
	const struct family_def *d = &families[id];
	struct family *f = &m->fam[id];
	size_t nl = label_count(d);

	for (size_t i = 0; i < f->n; i++)
		if (labels_equal(&f->series[i], nl, labels))
			return &f->series[i];
	if (f->n < METRICS_MAX_SERIES) {
		if (f->n == f->cap) {
			struct series *p = rr_array_grow(f->series, &f->cap, sizeof(*p), 8);
			if (p)
				f->series = p;
		}
		if (f->n < f->cap && series_init(&f->series[f->n], d, labels))
			return &f->series[f->n++];
	}
	f->overflow_used = true;
	return &f->overflow;
}

static int family_init(struct metrics *m, enum metrics_id id)
{
	const struct family_def *d = &families[id];
	struct family *f = &m->fam[id];

	for (size_t i = 0; i < label_count(d); i++)
		f->overflow.labels[i] = OTHER;
	if (d->type == FAMILY_HISTOGRAM &&
	    !(f->overflow.buckets = calloc(d->nbuckets + 1, sizeof(uint64_t))))
		return RR_ENOMEM;
	/* A family without labels always shows its one series, zero included. */
	if (label_count(d) == 0 && series_get(m, id, NULL) == &f->overflow)
		return RR_ENOMEM;
	f->overflow_used = false;
	return RR_OK;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (int id = 0; id < METRIC_COUNT; id++) {
		struct family *f = &m->fam[id];
		size_t nl = label_count(&families[id]);
		for (size_t i = 0; i < f->n; i++)
			series_clear(&f->series[i], nl);
		series_clear(&f->overflow, nl);
		free(f->series);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int metrics_new(struct metrics **out, struct rr_error *err)
{
	static const char *const outcomes[METRICS_JOB_OUTCOMES] = { "done", "retried", "failed" };
	struct metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return rr_error_set(err, RR_ENOMEM, "metrics: out of memory");
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return rr_error_set(err, RR_ERR, "metrics: cannot create a mutex");
	}
	for (int id = 0; id < METRIC_COUNT; id++) {
		if (family_init(m, (enum metrics_id)id) != RR_OK) {
			metrics_free(m);
			return rr_error_set(err, RR_ENOMEM, "metrics: out of memory");
		}
	}
	/* Every outcome shows from the start, so a rate over it is never "no data". */
	for (int i = 0; i < METRICS_JOB_OUTCOMES; i++)
		series_get(m, METRIC_JOBS_FINISHED, &outcomes[i]);
	*out = m;
	return RR_OK;
}

void metrics_add(struct metrics *m, enum metrics_id id, const char *const *labels, uint64_t n)
{
	if ((unsigned)id >= METRIC_COUNT || families[id].type != FAMILY_COUNTER)
		return;
	pthread_mutex_lock(&m->lock);
	series_get(m, id, labels)->count += n;
	pthread_mutex_unlock(&m->lock);
}

void metrics_set(struct metrics *m, enum metrics_id id, const char *const *labels, double value)
{
	if ((unsigned)id >= METRIC_COUNT || families[id].type != FAMILY_GAUGE)
		return;
	pthread_mutex_lock(&m->lock);
	series_get(m, id, labels)->value = value;
	pthread_mutex_unlock(&m->lock);
}

void metrics_observe(struct metrics *m, enum metrics_id id, const char *const *labels,
		     double value)
{
	const struct family_def *d;
	struct series *s;
	size_t b = 0;

	if ((unsigned)id >= METRIC_COUNT || families[id].type != FAMILY_HISTOGRAM || isnan(value))
		return;
	d = &families[id];
	while (b < d->nbuckets && value > d->buckets[b])
		b++;                      /* b == nbuckets: only +Inf holds it */
	pthread_mutex_lock(&m->lock);
	s = series_get(m, id, labels);
	s->buckets[b]++;
	s->count++;
	s->value += value;
	pthread_mutex_unlock(&m->lock);
}

void metrics_delivery(struct metrics *m, const char *forge, unsigned status, const char *event,
		      const char *outcome)
{
	char code[16];
	const char *labels[2] = { forge, code };
	const char *by_outcome[3] = { forge, event && *event ? event : "unknown",
				      outcome ? outcome : "unknown" };

	snprintf(code, sizeof(code), "%u", status);
	metrics_add(m, METRIC_WEBHOOK_DELIVERIES, labels, 1);
	metrics_add(m, METRIC_DELIVERIES, by_outcome, 1);
}

static const char *code_class(long status)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	return status >= 100 && status < 600 ? classes[status / 100 - 1] : "error";
}

void metrics_api_call(void *ctx, const char *forge, const struct api_call_report *r)
{
	struct metrics *m = ctx;
	const char *labels[3] = { forge, r->operation ? r->operation : "other",
				  code_class(r->status) };

	metrics_add(m, METRIC_FORGE_API_CALLS, labels, 1);
	if (r->ratelimit_remaining >= 0)
		metrics_set(m, METRIC_FORGE_RATE_REMAINING, &forge, (double)r->ratelimit_remaining);
}

void metrics_rate_limit_wait(struct metrics *m, const char *forge, enum metrics_wait_cause cause,
			     double seconds)
{
	static const char *const causes[METRICS_WAIT_CAUSES] = { "forge", "pacing" };
	const char *labels[2] = { forge, NULL };

	if ((unsigned)cause >= METRICS_WAIT_CAUSES)
		return;
	labels[1] = causes[cause];
	metrics_observe(m, METRIC_RATE_LIMIT_WAIT, labels, seconds);
}

void metrics_job_duration(struct metrics *m, const char *forge, const char *outcome,
			  double seconds)
{
	const char *labels[2] = { forge, outcome };
	metrics_observe(m, METRIC_JOB_DURATION, labels, seconds);
}

void metrics_git_fetch(struct metrics *m, const char *forge, double seconds)
{
	metrics_observe(m, METRIC_GIT_FETCH_DURATION, &forge, seconds);
}

void metrics_job_finished(struct metrics *m, enum metrics_job_outcome outcome)
{
	static const char *const outcomes[METRICS_JOB_OUTCOMES] = { "done", "retried", "failed" };

	if ((unsigned)outcome >= METRICS_JOB_OUTCOMES)
		return;
	metrics_add(m, METRIC_JOBS_FINISHED, &outcomes[outcome], 1);
}

void metrics_review(struct metrics *m, bool review_posted, size_t comments_posted,
		    uint64_t elapsed_ms)
{
	if (review_posted) {
		metrics_add(m, METRIC_REVIEWS_POSTED, NULL, 1);
		metrics_add(m, METRIC_COMMENTS_POSTED, NULL, comments_posted);
	}
	metrics_observe(m, METRIC_REVIEW_DURATION, NULL, (double)elapsed_ms / 1000.0);
}

/* ---- rendering ------------------------------------------------------------ */

/* The shortest text that reads back as v ("0.25", "300", "+Inf"). */
static void format_double(char *buf, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {   /* "300", not "3e+02" */
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A label value: backslash, double quote and newline escaped. */
static int put_label_value(struct rr_buf *b, const char *v)
{
	int rc = rr_buf_puts(b, "\"");
	for (; *v && !rc; v++) {
		if (*v == '\\' || *v == '"')
			rc = rr_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			rc = rr_buf_puts(b, "\\n");
		else
			rc = rr_buf_append(b, v, 1);
	}
	return rc | rr_buf_puts(b, "\"");
}

/* {a="x",b="y"} — plus le="..." for a histogram bucket; nothing when empty. */
static int put_labels(struct rr_buf *b, const struct family_def *d, const struct series *s,
		      const char *le)
{
	size_t nl = label_count(d);
	int rc = 0;

	if (nl == 0 && !le)
		return 0;
	rc |= rr_buf_puts(b, "{");
	for (size_t i = 0; i < nl; i++) {
		rc |= rr_buf_printf(b, "%s%s=", i ? "," : "", d->labels[i]);
		rc |= put_label_value(b, s->labels[i]);
	}
	if (le)
		rc |= rr_buf_printf(b, "%sle=\"%s\"", nl ? "," : "", le);
	return rc | rr_buf_puts(b, "}");
}

static int render_series(struct rr_buf *b, const struct family_def *d, const struct series *s)
{
	char num[64];
	uint64_t cumulative = 0;
	int rc = 0;

	switch (d->type) {
	case FAMILY_COUNTER:
		rc |= rr_buf_puts(b, d->name) | put_labels(b, d, s, NULL);
		return rc | rr_buf_printf(b, " %llu\n", (unsigned long long)s->count);
	case FAMILY_GAUGE:
		format_double(num, sizeof(num), s->value);
		rc |= rr_buf_puts(b, d->name) | put_labels(b, d, s, NULL);
		return rc | rr_buf_printf(b, " %s\n", num);
	case FAMILY_HISTOGRAM:
		for (size_t i = 0; i <= d->nbuckets; i++) {
			cumulative += s->buckets[i];
			format_double(num, sizeof(num), i < d->nbuckets ? d->buckets[i] : INFINITY);
			rc |= rr_buf_printf(b, "%s_bucket", d->name) | put_labels(b, d, s, num);
			rc |= rr_buf_printf(b, " %llu\n", (unsigned long long)cumulative);
		}
		format_double(num, sizeof(num), s->value);
		rc |= rr_buf_printf(b, "%s_sum", d->name) | put_labels(b, d, s, NULL);
		rc |= rr_buf_printf(b, " %s\n", num);
		rc |= rr_buf_printf(b, "%s_count", d->name) | put_labels(b, d, s, NULL);
		return rc | rr_buf_printf(b, " %llu\n", (unsigned long long)s->count);
	}
	return rc;
}

static int render_families(const struct metrics *m, struct rr_buf *b)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	int rc = 0;

	for (int id = 0; id < METRIC_COUNT; id++) {
		const struct family_def *d = &families[id];
		const struct family *f = &m->fam[id];
		rc |= rr_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
				    types[d->type]);
		for (size_t i = 0; i < f->n; i++)
			rc |= render_series(b, d, &f->series[i]);
		if (f->overflow_used)
			rc |= render_series(b, d, &f->overflow);
	}
	return rc;
}

static int render_queue(const struct queue_stats *st, const struct queue_commit_stats *cs,
			struct rr_buf *b)
{
	int failed = 0;
	failed |= rr_buf_puts(b, "# HELP rustreview_jobs Jobs in the queue database by state.\n"
		       "# TYPE rustreview_jobs gauge\n");
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		failed |= rr_buf_printf(b, "rustreview_jobs{state=\"%s\"} %lld\n",
			      job_state_name((enum job_state)s), (long long)st->by_state[s]);
	failed |= rr_buf_printf(b, "# HELP rustreview_queue_depth Jobs waiting for a worker.\n"
		      "# TYPE rustreview_queue_depth gauge\n"
		      "rustreview_queue_depth %lld\n", (long long)st->by_state[JOB_QUEUED]);
	failed |= rr_buf_printf(b, "# HELP rustreview_queue_oldest_age_seconds How long ago the "
		      "oldest queued job was queued (0: none is); it grows while a job waits for "
		      "a worker, a retry or the pacing budget.\n"
		      "# TYPE rustreview_queue_oldest_age_seconds gauge\n"
		      "rustreview_queue_oldest_age_seconds %lld\n"
		      "# HELP rustreview_queue_oldest_claimable_seconds How long the oldest job a "
		      "worker could run now has waited for one (0: none waits).\n"
		      "# TYPE rustreview_queue_oldest_claimable_seconds gauge\n"
		      "rustreview_queue_oldest_claimable_seconds %lld\n",
		      (long long)st->oldest_queued_s, (long long)st->oldest_claimable_s);
	/* Group commit: deliveries per fsync is enqueued / commits. */
	failed |= rr_buf_printf(b, "# HELP rustreview_queue_commits_total Transactions that made "
		      "deliveries durable (one fsync each).\n"
		      "# TYPE rustreview_queue_commits_total counter\n"
		      "rustreview_queue_commits_total %llu\n"
		      "# HELP rustreview_queue_committed_deliveries_total Deliveries those "
		      "transactions carried.\n"
		      "# TYPE rustreview_queue_committed_deliveries_total counter\n"
		      "rustreview_queue_committed_deliveries_total %llu\n",
		      (unsigned long long)cs->batches, (unsigned long long)cs->requests);
	return failed;
}

/* The build as a constant 1 with labels: joins onto any series in queries. */
static int render_build_info(struct rr_buf *b)
{
	int rc = rr_buf_puts(b, "# HELP rustreview_build_info The version and git commit of this "
				"build.\n# TYPE rustreview_build_info gauge\n"
				"rustreview_build_info{version=");
	rc |= put_label_value(b, RR_VERSION);
	rc |= rr_buf_puts(b, ",commit=");
	rc |= put_label_value(b, rr_build_commit);
	return rc | rr_buf_puts(b, "} 1\n");
}

int metrics_render(struct metrics *m, struct queue *q, struct rr_buf *out, struct rr_error *err)
{
	struct queue_stats st;
	struct queue_commit_stats cs;
	int rc, failed;

	/* Read the queue first: never hold our lock across a database call. */
	if (q && (rc = queue_stats(q, &st, err)))
		return rc;
	if (q)
		queue_commit_stats(q, &cs);
	pthread_mutex_lock(&m->lock);
	failed = render_families(m, out);
	pthread_mutex_unlock(&m->lock);
	if (q)
		failed |= render_queue(&st, &cs, out);
	failed |= render_build_info(out);
	if (failed)
		return rr_error_set(err, RR_ENOMEM, "rendering metrics: out of memory");
	return RR_OK;
}
