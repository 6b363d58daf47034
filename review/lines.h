/*
 * lines.h — a set of 1-based line numbers kept as sorted, disjoint, inclusive
 * ranges. Used for "the lines this pull request added" in one file. Consecutive
 * added lines form one range, and a run of added lines always lies inside one
 * diff hunk, so "a..b in one range" means a multi-line suggestion is safe.
 */
#ifndef RR_LINES_H
#define RR_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct line_range {
	uint32_t start;
	uint32_t end;   /* inclusive */
};

struct line_set {
	struct line_range *ranges;
	size_t n;
	size_t cap;
};
#define LINE_SET_INIT { NULL, 0, 0 }

/* Adds one line; lines may come in any order (adjacent ranges are merged).
 * Returns 0 or RR_ENOMEM. */
int line_set_add(struct line_set *s, uint32_t line);
/* Adds lines first..last (1 <= first <= last). Returns 0, RR_EINVAL or RR_ENOMEM. */
int line_set_add_range(struct line_set *s, uint32_t first, uint32_t last);
bool line_set_contains(const struct line_set *s, uint32_t line);
/* True when every line of first..last lies in one range. */
bool line_set_contains_span(const struct line_set *s, uint32_t first, uint32_t last);
size_t line_set_count(const struct line_set *s);   /* number of lines */
void line_set_free(struct line_set *s);

#endif
