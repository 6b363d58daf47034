/*
 * metrics.h — process counters, rendered as Prometheus text on GET /metrics.
 * Thread-safe: the server and every worker update the same struct metrics.
 * Gauges about jobs (by state, queue depth) are read from the queue at
 * scrape time, so they are right across restarts and replicas.
 */
#ifndef RR_METRICS_H
#define RR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"
#include "queue.h"

struct metrics;

int metrics_new(struct metrics **out, struct rr_error *err);
void metrics_free(struct metrics *m);

/* One webhook delivery answered with HTTP status. forge must be a string that
 * lives as long as m (a forge's name, or "unknown"). */
void metrics_delivery(struct metrics *m, const char *forge, unsigned status);

enum metrics_job_outcome { METRICS_JOB_DONE = 0, METRICS_JOB_RETRIED, METRICS_JOB_FAILED,
			   METRICS_JOB_OUTCOMES };
void metrics_job_finished(struct metrics *m, enum metrics_job_outcome outcome);
/* A review posted (or found with nothing new to post) after elapsed_ms of work. */
void metrics_review(struct metrics *m, size_t comments_posted, uint64_t elapsed_ms);

/* Appends the exposition text to out. q may be NULL (no job gauges). */
int metrics_render(struct metrics *m, struct queue *q, struct rr_buf *out, struct rr_error *err);

#endif
