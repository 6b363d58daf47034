/*
 * log.h — structured logs: one JSON object per line on stderr.
 *
 *   rr_log(RR_LOG_INFO, "webhook.accepted", "forge", forge->name, "delivery", id, NULL);
 *
 * Arguments after the event name are key/value string pairs ending in NULL. A NULL
 * value is written as JSON null. Each line is written with one write(2), so lines
 * from different threads never interleave. Never pass a secret.
 *
 * Fields with JSON types (numbers and booleans, not strings) go through
 * rr_log_kv, which checks each value's type at compile time:
 *
 *   rr_log_kv(RR_LOG_INFO, "webhook", RR_KV_STR("forge", name),
 *             RR_KV_INT("status", 202), RR_KV_UINT("ms", ms), RR_KV_BOOL("completed", ok));
 *
 * writes {"ts":..,"level":"info","event":"webhook","forge":"<name>","status":202,
 * "ms":3,"completed":true}. A NULL string is null; a double that is not finite is null.
 */
#ifndef RR_LOG_H
#define RR_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum rr_log_level { RR_LOG_DEBUG = 0, RR_LOG_INFO, RR_LOG_WARN, RR_LOG_ERROR };

/* Set once at start-up, before threads start (the one process-wide setting). */
void rr_log_set_level(enum rr_log_level level);
void rr_log_set_fd(int fd);
void rr_log(enum rr_log_level level, const char *event, ...) __attribute__((sentinel));

/* True when a line at this level would be written (to skip building costly fields). */
bool rr_log_enabled(enum rr_log_level level);

enum rr_log_type { RR_LOG_TYPE_STR, RR_LOG_TYPE_INT, RR_LOG_TYPE_UINT, RR_LOG_TYPE_BOOL,
		   RR_LOG_TYPE_DOUBLE, RR_LOG_TYPE_NULL };

/* One typed field of a log line; build them with the RR_KV_* macros. */
struct rr_log_field {
	const char *key;
	enum rr_log_type type;
	union {
		const char *s;
		long long i;
		unsigned long long u;
		bool b;
		double d;
	} v;
};

#define RR_KV_STR(k, val) ((struct rr_log_field){ (k), RR_LOG_TYPE_STR, { .s = (val) } })
#define RR_KV_INT(k, val) ((struct rr_log_field){ (k), RR_LOG_TYPE_INT, { .i = (long long)(val) } })
#define RR_KV_UINT(k, val) \
	((struct rr_log_field){ (k), RR_LOG_TYPE_UINT, { .u = (unsigned long long)(val) } })
#define RR_KV_BOOL(k, val) ((struct rr_log_field){ (k), RR_LOG_TYPE_BOOL, { .b = (val) != 0 } })
#define RR_KV_DOUBLE(k, val) ((struct rr_log_field){ (k), RR_LOG_TYPE_DOUBLE, { .d = (double)(val) } })
/* A key whose value is not known (yet): null, so every line of a kind has the same keys. */
#define RR_KV_NULL(k) ((struct rr_log_field){ (k), RR_LOG_TYPE_NULL, { .s = NULL } })

/* Writes one line with the n fields in order. */
void rr_log_fields(enum rr_log_level level, const char *event, const struct rr_log_field *fields,
		   size_t n);

/* rr_log_fields over a list of RR_KV_* fields (at least one). */
#define rr_log_kv(level, event, ...)                                                       \
	rr_log_fields((level), (event), (const struct rr_log_field[]){ __VA_ARGS__ },        \
		      sizeof((const struct rr_log_field[]){ __VA_ARGS__ }) /                 \
			      sizeof(struct rr_log_field))

/*
 * This thread's log context: fields every line the thread writes carries, right
 * after "event", while the context is set. A worker sets a job's ids (delivery,
 * forge, repository, number, head, job, attempt) for the job's run, so the
 * publisher, a forge and the mirror, which know nothing of jobs, still write
 * lines of that delivery's story; the server sets the delivery and forge while
 * it verifies and parses a webhook. A line's own field of the same key wins
 * over the context's (no key is written twice).
 *
 * The fields and the strings they point at are borrowed: they must stay valid
 * until the context is cleared (n == 0) or replaced. Nothing is copied, so
 * setting a context costs two stores; a line costs one comparison per pair of
 * keys more. Lines of other threads (a review's helper threads) do not see it.
 */
void rr_log_context_set(const struct rr_log_field *fields, size_t n);
void rr_log_context_clear(void);

#endif
