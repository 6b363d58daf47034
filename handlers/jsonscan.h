/*
 * jsonscan.h — a validating, non-allocating JSON scanner that extracts a few
 * values by path.
 *
 * A webhook payload is ~25 KB of JSON of which a handler needs a dozen
 * fields. Building a tree of it (jansson) costs far more than the rest of the
 * request; this scanner makes one pass over the bytes instead, checks that
 * the whole document is well-formed RFC 8259 JSON (strings and all their
 * escapes, UTF-8, numbers, literals, a nesting limit) and records where each
 * wanted value is. It never allocates: all its state is on the stack and
 * strings are decoded into buffers the caller provides.
 *
 * Paths are object keys joined by '.', e.g. "pull_request.head.sha"; the
 * empty path "" is the top-level value. Keys are compared after unescaping,
 * so "\u0061ction" is "action". Array elements cannot be addressed.
 *
 * A wanted value must be unambiguous: when a key on the way to a wanted path
 * (or the wanted key itself) occurs twice in the same object, the scan fails.
 * Duplicate keys anywhere else are allowed, as RFC 8259 allows them.
 *
 * Forge-agnostic: nothing here knows about any forge.
 */
#ifndef RR_JSONSCAN_H
#define RR_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"

/* The deepest nesting any caller may allow (jansson's own limit). */
#define JSONSCAN_MAX_DEPTH 2048
/* At most this many distinct path prefixes over all wanted paths of one scan. */
#define JSONSCAN_MAX_NODES 64

enum jsonscan_type {
	JSONSCAN_ABSENT = 0,       /* the path is not in the document */
	JSONSCAN_NULL,
	JSONSCAN_FALSE,
	JSONSCAN_TRUE,
	JSONSCAN_NUMBER,
	JSONSCAN_STRING,
	JSONSCAN_OBJECT,
	JSONSCAN_ARRAY,
};

/* One wanted value: the caller fills the inputs, the scan the outputs. */
struct jsonscan_field {
	/* in */
	const char *path;          /* "a.b.c"; "" for the top-level value */
	char *buf;                 /* optional: a string value is decoded here, NUL-terminated */
	size_t buf_size;
	/* out */
	enum jsonscan_type type;
	const char *raw;           /* the value's bytes in the input (strings with their quotes) */
	size_t raw_len;
	size_t str_len;            /* decoded length of a string (even when it did not fit) */
	bool truncated;            /* buf was too small for the decoded string (+ NUL) */
	bool has_nul;              /* the decoded string contains U+0000 */
};

/*
 * Scans json[0..len) and fills fields[0..nfields). max_depth (1..JSONSCAN_MAX_DEPTH)
 * limits how many objects/arrays may be open at once.
 * Returns RR_OK; RR_EINVAL when the document is not JSON ("not valid JSON: <why>
 * (line L, column C)"), when a key on a wanted path occurs twice ("duplicate key
 * '<path>' (line L, column C)") or when the arguments are unusable; RR_ETOOBIG
 * when the document nests deeper than max_depth ("nested deeper than N levels").
 * Messages never quote the document's bytes.
 */
int jsonscan_scan(const char *json, size_t len, struct jsonscan_field *fields, size_t nfields,
		  int max_depth, struct rr_error *err);

/*
 * Decodes a string field found by jsonscan_scan (from its raw span) into buf,
 * NUL-terminated. buf_size >= f->raw_len always suffices. Returns RR_OK, or
 * RR_EINVAL when f is not a string or buf is too small.
 */
int jsonscan_decode(const struct jsonscan_field *f, char *buf, size_t buf_size,
		    struct rr_error *err);

/*
 * The value of a number field written as an integer (no fraction, no exponent)
 * that fits in int64_t. RR_EINVAL otherwise (not a number, 2.0, 1e3, overflow).
 */
int jsonscan_int64(const struct jsonscan_field *f, int64_t *out);

#endif
