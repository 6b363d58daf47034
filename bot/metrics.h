/*
 * metrics.h — process metrics, rendered as Prometheus text on GET /metrics.
 * Thread-safe: the server and every worker update the same struct metrics.
 * Gauges about jobs (by state, queue depth) are read from the queue at
 * scrape time, so they are right across restarts and replicas.
 *
 * Every metric family is one line of the table in metrics.c (name, help,
 * type, label names, histogram buckets) and one value of enum metrics_id
 * here: adding a metric is those two lines and a call. Families:
 *   counter    metrics_add(m, id, labels, n)
 *   gauge      metrics_set(m, id, labels, value)
 *   histogram  metrics_observe(m, id, labels, value)  (cumulative buckets
 *              rendered as _bucket{le=".."}, plus _sum and _count)
 * labels are the label values in the order the table names them (NULL for a
 * family without labels); they are copied. A family keeps at most
 * METRICS_MAX_SERIES label sets; past that, updates go to one series whose
 * labels are all "other", so a flood of distinct values cannot grow memory.
 * rustreview_build_info{version,commit} 1 is always rendered.
 */
#ifndef RR_METRICS_H
#define RR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"
#include "queue.h"

struct metrics;

#define METRICS_MAX_SERIES 128
#define METRICS_MAX_LABELS 4

enum metrics_id {
	METRIC_WEBHOOK_DELIVERIES = 0,  /* counter {forge, code} */
	METRIC_JOBS_FINISHED,           /* counter {outcome} */
	METRIC_REVIEWS_POSTED,          /* counter: reviews published on a forge */
	METRIC_COMMENTS_POSTED,         /* counter: line comments posted */
	METRIC_REVIEW_DURATION,         /* histogram, seconds: claim to settled review */
	METRIC_FORGE_ENABLED,           /* gauge {forge}: 1 enabled, 0 not (set at start) */
	METRIC_DELIVERIES,              /* counter {forge, event, outcome} */
	METRIC_FORGE_API_CALLS,         /* counter {forge, operation, code_class} */
	METRIC_FORGE_RATE_REMAINING,    /* gauge {forge}: the last rate-limit header seen */
	METRIC_RATE_LIMIT_WAIT,         /* histogram {forge, cause}, seconds a job was put off */
	METRIC_JOB_DURATION,            /* histogram {forge, outcome}, seconds of one run */
	METRIC_GIT_FETCH_DURATION,      /* histogram {forge}, seconds of one git fetch */
	METRIC_COUNT
};

int metrics_new(struct metrics **out, struct rr_error *err);
void metrics_free(struct metrics *m);

/* Adds n to a counter. */
void metrics_add(struct metrics *m, enum metrics_id id, const char *const *labels, uint64_t n);
/* Sets a gauge. */
void metrics_set(struct metrics *m, enum metrics_id id, const char *const *labels, double value);
/* Records one observation in a histogram. */
void metrics_observe(struct metrics *m, enum metrics_id id, const char *const *labels,
		     double value);

/* One webhook delivery answered with HTTP status. event: the forge's event
 * name, NULL when it cannot be trusted (the delivery was not authenticated);
 * outcome: what became of it (queued, duplicate, requeued, ignored, refused,
 * unauthorized, too_large, unavailable, ...). */
void metrics_delivery(struct metrics *m, const char *forge, unsigned status, const char *event,
		      const char *outcome);

struct api_call_report;
/* An api_client observer (handlers/api.h): counts the call by forge,
 * operation and status class, and keeps the forge's rate-limit remaining.
 * ctx is the struct metrics. */
void metrics_api_call(void *ctx, const char *forge, const struct api_call_report *r);

/* Why a job was put off: the forge said when (Retry-After, a rate-limit
 * reset), or the token's pacing budget had no room. */
enum metrics_wait_cause { METRICS_WAIT_FORGE = 0, METRICS_WAIT_PACING, METRICS_WAIT_CAUSES };
void metrics_rate_limit_wait(struct metrics *m, const char *forge, enum metrics_wait_cause cause,
			     double seconds);
/* One run of a job, whatever its outcome ("done", "retried", "paced", "failed", "lease_lost"). */
void metrics_job_duration(struct metrics *m, const char *forge, const char *outcome,
			  double seconds);
/* One git fetch of a pull request, successful or not. */
void metrics_git_fetch(struct metrics *m, const char *forge, double seconds);

enum metrics_job_outcome { METRICS_JOB_DONE = 0, METRICS_JOB_RETRIED, METRICS_JOB_FAILED,
			   METRICS_JOB_OUTCOMES };
void metrics_job_finished(struct metrics *m, enum metrics_job_outcome outcome);
/* A review ran to the end after elapsed_ms of work: its time is observed;
 * it counts as a review posted only when review_posted (a run that found
 * nothing new to post published nothing). */
void metrics_review(struct metrics *m, bool review_posted, size_t comments_posted,
		    uint64_t elapsed_ms);

/* Appends the exposition text to out. q may be NULL (no job gauges). */
int metrics_render(struct metrics *m, struct queue *q, struct rr_buf *out, struct rr_error *err);

#endif
