/* log.c — one JSON object per line on stderr, written with a single write(2). */
#define _POSIX_C_SOURCE 200809L
#include "log.h"
#include "rr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once before threads start; read-only afterwards. */
static enum rr_log_level min_level = RR_LOG_INFO;
static int log_fd = 2;

/* Each thread's own: set and read only by that thread (log.h). */
static _Thread_local const struct rr_log_field *context_fields;
static _Thread_local size_t context_n;

void rr_log_context_set(const struct rr_log_field *fields, size_t n)
{
	context_fields = n ? fields : NULL;
	context_n = fields ? n : 0;
}

void rr_log_context_clear(void)
{
	rr_log_context_set(NULL, 0);
}

void rr_log_set_level(enum rr_log_level level) { min_level = level; }
void rr_log_set_fd(int fd) { log_fd = fd; }
bool rr_log_enabled(enum rr_log_level level) { return level >= min_level; }

static void put_json_string(struct rr_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	rr_buf_puts(b, "\"");
	for (; *p; p++) {
		switch (*p) {
		case '"': rr_buf_puts(b, "\\\""); break;
		case '\\': rr_buf_puts(b, "\\\\"); break;
		case '\n': rr_buf_puts(b, "\\n"); break;
		case '\r': rr_buf_puts(b, "\\r"); break;
		case '\t': rr_buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				rr_buf_printf(b, "\\u%04x", *p);
			else
				rr_buf_append(b, p, 1);
		}
	}
	rr_buf_puts(b, "\"");
}

/* {"ts":"...","level":"...","event":"..." — the fields follow, then line_end. */
static void line_begin(struct rr_buf *b, enum rr_log_level level, const char *event)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	struct timespec ts;
	struct tm tm;
	char when[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	rr_buf_printf(b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":", when,
		      ts.tv_nsec / 1000000, names[level]);
	put_json_string(b, event);
}

static void put_key(struct rr_buf *b, const char *key)
{
	rr_buf_puts(b, ",");
	put_json_string(b, key);
	rr_buf_puts(b, ":");
}

static void put_field(struct rr_buf *b, const struct rr_log_field *f)
{
	put_key(b, f->key);
	switch (f->type) {
	case RR_LOG_TYPE_STR:
		if (f->v.s)
			put_json_string(b, f->v.s);
		else
			rr_buf_puts(b, "null");
		break;
	case RR_LOG_TYPE_INT: rr_buf_printf(b, "%lld", f->v.i); break;
	case RR_LOG_TYPE_UINT: rr_buf_printf(b, "%llu", f->v.u); break;
	case RR_LOG_TYPE_BOOL: rr_buf_puts(b, f->v.b ? "true" : "false"); break;
	case RR_LOG_TYPE_NULL: rr_buf_puts(b, "null"); break;
	case RR_LOG_TYPE_DOUBLE:
		/* JSON has no NaN or infinity. */
		if (isfinite(f->v.d))
			rr_buf_printf(b, "%.17g", f->v.d);
		else
			rr_buf_puts(b, "null");
		break;
	}
}

static bool has_key(const struct rr_log_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return true;
	return false;
}

/* The thread's context, less the keys the line sets itself. */
static void put_context(struct rr_buf *b, const struct rr_log_field *own, size_t nown)
{
	for (size_t i = 0; i < context_n; i++)
		if (!has_key(own, nown, context_fields[i].key))
			put_field(b, &context_fields[i]);
}

/* Closes the object and writes the line with one write(2) (retried if short). */
static void line_end(struct rr_buf *b)
{
	rr_buf_puts(b, "}\n");
	if (b->data) {
		ssize_t off = 0, n;
		while ((size_t)off < b->len && (n = write(log_fd, b->data + off, b->len - (size_t)off)) > 0)
			off += n;
	}
	rr_buf_free(b);
}

/* More pairs than any call site passes; the rest would be dropped. */
#define RR_LOG_MAX_PAIRS 32

void rr_log(enum rr_log_level level, const char *event, ...)
{
	struct rr_log_field fields[RR_LOG_MAX_PAIRS];
	const char *k;
	size_t n = 0;
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (n < RR_LOG_MAX_PAIRS)
			fields[n++] = RR_KV_STR(k, v);
	}
	va_end(ap);
	rr_log_fields(level, event, fields, n);
}

void rr_log_fields(enum rr_log_level level, const char *event, const struct rr_log_field *fields,
		   size_t n)
{
	struct rr_buf b = RR_BUF_INIT;

	if (level < min_level)
		return;
	line_begin(&b, level, event);
	put_context(&b, fields, n);
	for (size_t i = 0; i < n; i++)
		put_field(&b, &fields[i]);
	line_end(&b);
}
