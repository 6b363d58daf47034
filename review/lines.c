/* lines.c — sorted disjoint line ranges with binary search. */
#include "lines.h"
#include "../common/rr.h"

#include <stdlib.h>
#include <string.h>

/* Index of the first range whose end >= line (n if none). */
static size_t lower_bound(const struct line_set *s, uint32_t line)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ranges[mid].end < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int line_set_add(struct line_set *s, uint32_t line)
{
	size_t i;

	if (line == 0)
		return RR_EINVAL;
	/* Fast path: diffs add lines in increasing order. */
	if (s->n && s->ranges[s->n - 1].end + 1 == line) {
		s->ranges[s->n - 1].end = line;
		return RR_OK;
	}
	i = lower_bound(s, line);
	if (i < s->n && s->ranges[i].start <= line)
		return RR_OK;                              /* already present */
	if (i > 0 && s->ranges[i - 1].end + 1 == line) {
		s->ranges[i - 1].end = line;
		if (i < s->n && s->ranges[i].start == line + 1) {  /* bridge two ranges */
			s->ranges[i - 1].end = s->ranges[i].end;
			memmove(&s->ranges[i], &s->ranges[i + 1], (s->n - i - 1) * sizeof(*s->ranges));
			s->n--;
		}
		return RR_OK;
	}
	if (i < s->n && s->ranges[i].start == line + 1) {
		s->ranges[i].start = line;
		return RR_OK;
	}
	if (s->n == s->cap) {
		struct line_range *r = rr_array_grow(s->ranges, &s->cap, sizeof(*r), 8);
		if (!r)
			return RR_ENOMEM;
		s->ranges = r;
	}
	memmove(&s->ranges[i + 1], &s->ranges[i], (s->n - i) * sizeof(*s->ranges));
	s->ranges[i].start = s->ranges[i].end = line;
	s->n++;
	return RR_OK;
}

int line_set_add_range(struct line_set *s, uint32_t first, uint32_t last)
{
	size_t lo, hi;

	if (first == 0 || first > last)
		return RR_EINVAL;
	/* Ranges [lo, hi) overlap first..last or touch it: they merge into one. */
	lo = lower_bound(s, first - 1);
	hi = lo;
	while (hi < s->n && (last == UINT32_MAX || s->ranges[hi].start <= last + 1))
		hi++;
	if (lo == hi) {
		if (s->n == s->cap) {
			struct line_range *r = rr_array_grow(s->ranges, &s->cap, sizeof(*r), 8);
			if (!r)
				return RR_ENOMEM;
			s->ranges = r;
		}
		memmove(&s->ranges[lo + 1], &s->ranges[lo], (s->n - lo) * sizeof(*s->ranges));
		s->ranges[lo] = (struct line_range){ first, last };
		s->n++;
		return RR_OK;
	}
	if (s->ranges[lo].start < first)
		first = s->ranges[lo].start;
	if (s->ranges[hi - 1].end > last)
		last = s->ranges[hi - 1].end;
	s->ranges[lo] = (struct line_range){ first, last };
	memmove(&s->ranges[lo + 1], &s->ranges[hi], (s->n - hi) * sizeof(*s->ranges));
	s->n -= hi - lo - 1;
	return RR_OK;
}

bool line_set_contains(const struct line_set *s, uint32_t line)
{
	size_t i = lower_bound(s, line);
	return i < s->n && s->ranges[i].start <= line;
}

bool line_set_contains_span(const struct line_set *s, uint32_t first, uint32_t last)
{
	size_t i = lower_bound(s, first);
	return first <= last && i < s->n && s->ranges[i].start <= first && s->ranges[i].end >= last;
}

size_t line_set_count(const struct line_set *s)
{
	size_t i, total = 0;
	for (i = 0; i < s->n; i++)
		total += (size_t)(s->ranges[i].end - s->ranges[i].start) + 1;
	return total;
}

void line_set_free(struct line_set *s)
{
	free(s->ranges);
	s->ranges = NULL;
	s->n = s->cap = 0;
}
