/*
 * rr.h — error reporting and growable buffers shared by every module.
 *
 * Conventions (see ARCHITECTURE.md): functions return 0 (RR_OK) on success and a
 * negative RR_E* code on failure, filling a caller-owned struct rr_error with a
 * message that says what failed and on what.  Positive values are reserved for
 * "nothing to do" outcomes that are not errors (RR_SKIP, RR_NONE).
 */
#ifndef RR_H
#define RR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RR_OK         0
#define RR_SKIP       1   /* not an error: the input needs no work (reason in err) */
#define RR_NONE       2   /* not an error: nothing available (e.g. empty queue) */
#define RR_ERR       -1   /* generic failure */
#define RR_ENOMEM    -2   /* allocation failed */
#define RR_EINVAL    -3   /* bad input (malformed payload, bad argument) */
#define RR_EAUTH     -4   /* authentication / signature failure */
#define RR_ETRANSIENT -5  /* worth retrying later (network, 5xx, rate limit) */
#define RR_ENOTFOUND -6   /* a named thing does not exist */
#define RR_ETOOBIG   -7   /* input over a configured limit */
#define RR_ECONFIG   -8   /* configuration is wrong */

struct rr_error {
	int code;
	long retry_after;   /* seconds, when the failure says when to retry; 0 otherwise */
	char msg[512];
};

/* Sets code and message; returns code so callers can `return rr_error_set(...)`.
 * err may be NULL. */
int rr_error_set(struct rr_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the existing message with more context ("fetching x: <old msg>"). */
int rr_error_wrap(struct rr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rr_error_clear(struct rr_error *err);
const char *rr_strcode(int code);

/*
 * Room for more elements in a growable array: items (n == *cap of them, each
 * elem bytes) reallocated to twice the capacity, or to first when empty.
 * Returns the new array and updates *cap, or NULL (items untouched, *cap kept)
 * when out of memory or the size would overflow. Use:
 *   if (v->n == v->cap && !(p = rr_array_grow(v->items, &v->cap, sizeof(*p), 8)))
 *           return RR_ENOMEM;
 */
void *rr_array_grow(void *items, size_t *cap, size_t elem, size_t first);

/* A growable byte buffer, always NUL-terminated when len > 0 or data != NULL.
 * max == 0 means unlimited; otherwise appends that would exceed max fail with
 * RR_ETOOBIG and leave the buffer as it was. */
struct rr_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};
#define RR_BUF_INIT { NULL, 0, 0, 0 }

int rr_buf_append(struct rr_buf *b, const void *data, size_t len);
int rr_buf_puts(struct rr_buf *b, const char *s);
int rr_buf_printf(struct rr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (who frees it) and resets the buffer. Never NULL
 * unless allocation fails: an empty buffer detaches as "". */
char *rr_buf_detach(struct rr_buf *b);
void rr_buf_free(struct rr_buf *b);

/* Small string helpers. */
char *rr_strdup(const char *s);                 /* NULL in, NULL out */
char *rr_strndup(const char *s, size_t n);
/* Overwrites then frees a secret. NULL is fine. */
void rr_secret_free(char *s);
/* Constant-time comparison of two byte strings (length leaks, content does not). */
bool rr_consttime_eq(const void *a, size_t alen, const void *b, size_t blen);
/* Reads a whole file (up to max bytes; 0 = 64 MiB) into a NUL-terminated buffer. */
int rr_read_file(const char *path, size_t max, char **out, size_t *out_len, struct rr_error *err);
/* mkdir -p with mode 0700 for each created directory. */
int rr_mkdirs(const char *path, struct rr_error *err);
/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void rr_hex(const unsigned char *in, size_t len, char *out);
/* Monotonic milliseconds. */
uint64_t rr_now_ms(void);
/* A monotonic clock in microseconds (phase timings). */
uint64_t rr_now_us(void);

#endif
