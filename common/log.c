/* log.c — one JSON object per line on stderr, written with a single write(2). */
#define _POSIX_C_SOURCE 200809L
#include "log.h"
#include "rr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once before threads start; read-only afterwards. */
static enum rr_log_level min_level = RR_LOG_INFO;
static int log_fd = 2;

void rr_log_set_level(enum rr_log_level level) { min_level = level; }
void rr_log_set_fd(int fd) { log_fd = fd; }

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

void rr_log(enum rr_log_level level, const char *event, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	struct rr_buf b = RR_BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[64];
	const char *k, *v;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	rr_buf_printf(&b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":", when,
		      ts.tv_nsec / 1000000, names[level]);
	put_json_string(&b, event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		rr_buf_puts(&b, ",");
		put_json_string(&b, k);
		rr_buf_puts(&b, ":");
		if (v)
			put_json_string(&b, v);
		else
			rr_buf_puts(&b, "null");
	}
	va_end(ap);
	rr_buf_puts(&b, "}\n");
	if (b.data) {
		ssize_t off = 0, n;
		while ((size_t)off < b.len && (n = write(log_fd, b.data + off, b.len - (size_t)off)) > 0)
			off += n;
	}
	rr_buf_free(&b);
}
