/* metrics.c — counters behind one mutex, rendered in Prometheus text format. */
#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Forges × distinct status codes stays tiny; past this the rest is lumped. */
#define MAX_DELIVERY_SERIES 64

struct delivery_series {
	const char *forge;
	unsigned status;
	uint64_t count;
};

struct metrics {
	pthread_mutex_t lock;
	struct delivery_series deliveries[MAX_DELIVERY_SERIES];
	size_t ndeliveries;
	uint64_t deliveries_dropped;   /* series table full */
	uint64_t jobs_finished[METRICS_JOB_OUTCOMES];
	uint64_t reviews_posted;
	uint64_t comments_posted;
	uint64_t review_ms_sum;
	uint64_t review_count;
};

int metrics_new(struct metrics **out, struct rr_error *err)
{
	struct metrics *m = calloc(1, sizeof(*m));
	*out = NULL;
	if (!m)
		return rr_error_set(err, RR_ENOMEM, "metrics: out of memory");
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return rr_error_set(err, RR_ERR, "metrics: cannot create a mutex");
	}
	*out = m;
	return RR_OK;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_delivery(struct metrics *m, const char *forge, unsigned status)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->ndeliveries; i++)
		if (m->deliveries[i].status == status && strcmp(m->deliveries[i].forge, forge) == 0)
			break;
	if (i == m->ndeliveries && i < MAX_DELIVERY_SERIES) {
		m->deliveries[i].forge = forge;
		m->deliveries[i].status = status;
		m->ndeliveries++;
	}
	if (i < MAX_DELIVERY_SERIES)
		m->deliveries[i].count++;
	else
		m->deliveries_dropped++;
	pthread_mutex_unlock(&m->lock);
}

void metrics_job_finished(struct metrics *m, enum metrics_job_outcome outcome)
{
	if ((unsigned)outcome >= METRICS_JOB_OUTCOMES)
		return;
	pthread_mutex_lock(&m->lock);
	m->jobs_finished[outcome]++;
	pthread_mutex_unlock(&m->lock);
}

void metrics_review(struct metrics *m, size_t comments_posted, uint64_t elapsed_ms)
{
	pthread_mutex_lock(&m->lock);
	m->reviews_posted++;
	m->comments_posted += comments_posted;
	m->review_ms_sum += elapsed_ms;
	m->review_count++;
	pthread_mutex_unlock(&m->lock);
}

static int render_counters(const struct metrics *m, struct rr_buf *b)
{
	int failed = 0;
	static const char *outcomes[METRICS_JOB_OUTCOMES] = { "done", "retried", "failed" };
	size_t i;

	failed |= rr_buf_puts(b, "# HELP rustreview_webhook_deliveries_total Webhook deliveries by forge and HTTP status.\n"
		       "# TYPE rustreview_webhook_deliveries_total counter\n");
	for (i = 0; i < m->ndeliveries; i++)
		failed |= rr_buf_printf(b, "rustreview_webhook_deliveries_total{forge=\"%s\",code=\"%u\"} %llu\n",
			      m->deliveries[i].forge, m->deliveries[i].status,
			      (unsigned long long)m->deliveries[i].count);
	if (m->deliveries_dropped)
		failed |= rr_buf_printf(b, "rustreview_webhook_deliveries_total{forge=\"other\",code=\"other\"} %llu\n",
			      (unsigned long long)m->deliveries_dropped);
	failed |= rr_buf_puts(b, "# HELP rustreview_jobs_finished_total Job runs by outcome.\n"
		       "# TYPE rustreview_jobs_finished_total counter\n");
	for (i = 0; i < METRICS_JOB_OUTCOMES; i++)
		failed |= rr_buf_printf(b, "rustreview_jobs_finished_total{outcome=\"%s\"} %llu\n", outcomes[i],
			      (unsigned long long)m->jobs_finished[i]);
	failed |= rr_buf_printf(b, "# HELP rustreview_reviews_posted_total Reviews completed and published.\n"
		      "# TYPE rustreview_reviews_posted_total counter\n"
		      "rustreview_reviews_posted_total %llu\n"
		      "# HELP rustreview_comments_posted_total Line comments posted.\n"
		      "# TYPE rustreview_comments_posted_total counter\n"
		      "rustreview_comments_posted_total %llu\n"
		      "# HELP rustreview_review_duration_seconds Time from claim to published review.\n"
		      "# TYPE rustreview_review_duration_seconds summary\n"
		      "rustreview_review_duration_seconds_sum %llu.%03llu\n"
		      "rustreview_review_duration_seconds_count %llu\n",
		      (unsigned long long)m->reviews_posted, (unsigned long long)m->comments_posted,
		      (unsigned long long)(m->review_ms_sum / 1000),
		      (unsigned long long)(m->review_ms_sum % 1000),
		      (unsigned long long)m->review_count);
	return failed;
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
	failed = render_counters(m, out);
	pthread_mutex_unlock(&m->lock);
	if (q)
		failed |= render_queue(&st, &cs, out);
	if (failed)
		return rr_error_set(err, RR_ENOMEM, "rendering metrics: out of memory");
	return RR_OK;
}
