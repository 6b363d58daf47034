/* rr.c — errors, buffers and small helpers shared by every module. */
#define _POSIX_C_SOURCE 200809L
#include "rr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rr_error_set(struct rr_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->retry_after = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int rr_error_wrap(struct rr_error *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return RR_ERR;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine: the prefix and the start of the old message matter most. */
	size_t plen = strnlen(prefix, sizeof(err->msg) - 3);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	size_t room = sizeof(err->msg) - plen - 3;
	size_t olen = strnlen(old, room);
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
	return err->code ? err->code : RR_ERR;
}

void rr_error_clear(struct rr_error *err)
{
	if (err) {
		err->code = 0;
		err->retry_after = 0;
		err->msg[0] = '\0';
	}
}

const char *rr_strcode(int code)
{
	switch (code) {
	case RR_OK: return "ok";
	case RR_SKIP: return "skip";
	case RR_NONE: return "none";
	case RR_ENOMEM: return "out of memory";
	case RR_EINVAL: return "invalid input";
	case RR_EAUTH: return "authentication failed";
	case RR_ETRANSIENT: return "transient failure";
	case RR_ENOTFOUND: return "not found";
	case RR_ETOOBIG: return "too big";
	case RR_ECONFIG: return "configuration error";
	default: return "error";
	}
}

static int buf_grow(struct rr_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return RR_ETOOBIG;
	need = b->len + extra + 1;
	if (b->max && need - 1 > b->max)
		return RR_ETOOBIG;
	if (need <= b->cap)
		return RR_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return RR_ENOMEM;
	b->data = p;
	b->cap = cap;
	return RR_OK;
}

void *rr_array_grow(void *items, size_t *cap, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *p;

	if (ncap < *cap || elem == 0 || ncap > SIZE_MAX / elem)
		return NULL;
	if (!(p = realloc(items, ncap * elem)))
		return NULL;
	*cap = ncap;
	return p;
}

int rr_buf_append(struct rr_buf *b, const void *data, size_t len)
{
	int rc = buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return RR_OK;
}

int rr_buf_puts(struct rr_buf *b, const char *s)
{
	return rr_buf_append(b, s, strlen(s));
}

int rr_buf_printf(struct rr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RR_ERR;
	if ((rc = buf_grow(b, (size_t)n)))
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return RR_OK;
}

char *rr_buf_detach(struct rr_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void rr_buf_free(struct rr_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *rr_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *rr_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

bool rr_consttime_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

int rr_read_file(const char *path, size_t max, char **out, size_t *out_len, struct rr_error *err)
{
	struct rr_buf b = RR_BUF_INIT;
	char chunk[65536];
	ssize_t n;
	int fd, rc = RR_OK;

	b.max = max ? max : (size_t)64 << 20;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rr_error_set(err, errno == ENOENT ? RR_ENOTFOUND : RR_ERR,
				    "opening %s: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = rr_error_set(err, RR_ERR, "reading %s: %s", path, strerror(errno));
			goto done;
		}
		if ((rc = rr_buf_append(&b, chunk, (size_t)n))) {
			rr_error_set(err, rc, "reading %s: larger than %zu bytes", path, b.max);
			goto done;
		}
	}
	if (out_len)
		*out_len = b.len;
	*out = rr_buf_detach(&b);
	if (!*out)
		rc = rr_error_set(err, RR_ENOMEM, "reading %s: out of memory", path);
done:
	close(fd);
	rr_buf_free(&b);
	return rc;
}

int rr_mkdirs(const char *path, struct rr_error *err)
{
	char tmp[4096];
	size_t len = strlen(path);
	char *p;

	if (len == 0 || len >= sizeof(tmp))
		return rr_error_set(err, RR_EINVAL, "creating directory: bad path length %zu", len);
	memcpy(tmp, path, len + 1);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return rr_error_set(err, RR_ERR, "creating directory %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return rr_error_set(err, RR_ERR, "creating directory %s: %s", tmp, strerror(errno));
	return RR_OK;
}

void rr_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

uint64_t rr_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t rr_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
