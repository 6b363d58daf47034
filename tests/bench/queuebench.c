/*
 * queuebench.c — what one durable enqueue costs, without HTTP: N threads call
 * queue_enqueue() (the real bot/queue.c, SQLite WAL, synchronous=FULL) as fast
 * as they can with distinct deliveries spread over 64 pull requests x 4 heads,
 * like the ingest benchmark sends. Prints one JSON line:
 *   {"threads":T,"enqueues":N,"seconds":S,"per_s":R,"batches":B,"per_batch":A,
 *    "largest_batch":L,"fallbacks":F}
 * This is the ceiling the HTTP server can reach. Enqueues are group-committed,
 * so concurrent callers share a transaction (and its fsync): per_batch is how
 * many deliveries one commit carried on average.
 *
 *   queuebench DB_PATH THREADS SECONDS
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bot/queue.h"

struct shared {
	struct queue *q;
	double until;
	atomic_long done;
	atomic_int failed;
};

struct thread_arg {
	struct shared *s;
	int index;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *enqueue_loop(void *p)
{
	struct thread_arg *a = p;
	char delivery[64], head[41], forge[] = "github", owner[] = "Codertocat", repo[] = "Hello-World";
	char event[] = "pull_request", action[] = "opened", url[] = "http://127.0.0.1:1/o/r.git";
	char base_ref[] = "main", base[] = "0123456789abcdef0123456789abcdef01234567";
	char fdata[] = "{\"installation_id\":1}";
	struct review_request rq = {
		.forge = forge, .delivery_id = delivery, .event = event, .action = action,
		.owner = owner, .repo = repo, .clone_url = url, .api_url = url,
		.base_ref = base_ref, .base_sha = base, .head_sha = head,
		.forge_data = fdata,
	};

	for (long i = 0; now_s() < a->s->until; i++) {
		struct rr_error err = { 0 };
		int64_t id;
		bool dup;
		long j = i * 16 + a->index;

		snprintf(delivery, sizeof(delivery), "qb-%d-%ld", a->index, i);
		snprintf(head, sizeof(head), "%040lx", 0xbe0c4L + (j / 64) % 4);
		rq.number = 1 + j % 64;
		if (queue_enqueue(a->s->q, &rq, &id, &dup, &err) != RR_OK) {
			fprintf(stderr, "queuebench: %s\n", err.msg);
			atomic_store(&a->s->failed, 1);
			break;
		}
		atomic_fetch_add(&a->s->done, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct shared s = { 0 };
	struct thread_arg args[64];
	pthread_t th[64];
	struct rr_error err = { 0 };
	struct queue_commit_stats cs;
	int n, started = 0;
	double secs, t0;

	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > 64 || (secs = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: queuebench DB_PATH THREADS(1-64) SECONDS\n");
		return 2;
	}
	if (queue_open(&s.q, argv[1], &err) != RR_OK) {
		fprintf(stderr, "queuebench: %s\n", err.msg);
		return 1;
	}
	t0 = now_s();
	s.until = t0 + secs;
	for (int i = 0; i < n; i++) {
		args[i].s = &s;
		args[i].index = i;
		if (pthread_create(&th[i], NULL, enqueue_loop, &args[i]) != 0)
			break;
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	secs = now_s() - t0;
	queue_commit_stats(s.q, &cs);
	printf("{\"threads\":%d,\"enqueues\":%ld,\"seconds\":%.3f,\"per_s\":%.0f,"
	       "\"batches\":%llu,\"per_batch\":%.2f,\"largest_batch\":%llu,\"fallbacks\":%llu}\n",
	       started, atomic_load(&s.done), secs, (double)atomic_load(&s.done) / secs,
	       (unsigned long long)cs.batches,
	       cs.batches ? (double)cs.requests / (double)cs.batches : 0.0,
	       (unsigned long long)cs.largest_batch, (unsigned long long)cs.fallbacks);
	queue_close(s.q);
	return atomic_load(&s.failed) || started != n;
}
