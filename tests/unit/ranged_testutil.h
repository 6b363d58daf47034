/*
 * ranged_testutil.h — the differential check of ranged parsing, shared by
 * test_ranges (make test) and tests/fuzz/fuzz_ranged.c (make fuzz): one file,
 * one set of added lines, reviewed by an engine that parses in ranges and by
 * one that parses every file whole; the findings must be the same, field by
 * field, in the same order.
 */
#ifndef RR_RANGED_TESTUTIL_H
#define RR_RANGED_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../review/engine.h"
#include "../../review/lines.h"

static int rt_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* NULL when equal, else a static description of the first difference. */
static const char *rt_diff_lists(const struct finding_list *a, const struct finding_list *b,
				 char *why, size_t cap)
{
	if (a->n != b->n) {
		snprintf(why, cap, "%zu findings ranged, %zu whole (first: %s:%u %s / %s:%u %s)",
			 a->n, b->n, a->n ? a->items[0].path : "-", a->n ? a->items[0].line : 0,
			 a->n ? a->items[0].rule_id : "-", b->n ? b->items[0].path : "-",
			 b->n ? b->items[0].line : 0, b->n ? b->items[0].rule_id : "-");
		return why;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct finding *x = &a->items[i], *y = &b->items[i];
		if (!rt_streq(x->path, y->path) || x->line != y->line || x->column != y->column ||
		    x->end_line != y->end_line || x->end_column != y->end_column ||
		    !rt_streq(x->rule_id, y->rule_id) || x->severity != y->severity ||
		    !rt_streq(x->message, y->message) || !rt_streq(x->replacement, y->replacement) ||
		    !rt_streq(x->suggestion_lines, y->suggestion_lines) ||
		    strcmp(x->fingerprint, y->fingerprint) != 0) {
			snprintf(why, cap, "finding %zu differs: ranged %s:%u:%u %s [%s] / whole %s:%u:%u %s [%s]",
				 i, x->path, x->line, x->column, x->rule_id, x->fingerprint, y->path,
				 y->line, y->column, y->rule_id, y->fingerprint);
			return why;
		}
	}
	return NULL;
}

/*
 * Reviews src both ways. Returns NULL when the findings are equal (or both
 * runs failed the same way), else a description in why.
 */
static const char *rt_compare(struct review_engine *ranged, struct review_engine *whole,
			      const char *path, const char *src, size_t len,
			      const struct line_set *added, const struct review_options *opts,
			      char *why, size_t cap)
{
	struct finding_list a = FINDING_LIST_INIT, b = FINDING_LIST_INIT;
	struct rr_error ea = { 0 }, eb = { 0 };
	const char *diff = NULL;
	int ra = review_engine_file_opts(ranged, path, src, len, added, opts, &a, &ea);
	int rb = review_engine_file_opts(whole, path, src, len, added, opts, &b, &eb);

	if (ra != rb) {
		snprintf(why, cap, "ranged returned %d (%.200s), whole %d (%.200s)", ra, ea.msg, rb, eb.msg);
		diff = why;
	} else {
		diff = rt_diff_lists(&a, &b, why, cap);
	}
	finding_list_free(&a);
	finding_list_free(&b);
	return diff;
}

/* Every rule on, the opt-in ones too, at their own severity. */
static void rt_all_rules(struct review_options *o)
{
	review_options_init(o);
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++)
		if (rules_get(i)->default_off)
			o->level[i] = REVIEW_LEVEL_WARNING;
}

/* A small deterministic generator (xorshift64*). */
static uint64_t rt_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* 1 + the number of newlines. */
static uint32_t rt_lines(const char *src, size_t len)
{
	uint32_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += src[i] == '\n';
	return n;
}

/*
 * A random set of added lines of a file with `lines` lines, in the shapes a
 * pull request has: one line, one run (a new function), or a few runs.
 */
static int rt_random_added(struct line_set *s, uint32_t lines, uint64_t *seed)
{
	unsigned shape = (unsigned)(rt_next(seed) % 3);
	unsigned runs = shape == 2 ? 1 + (unsigned)(rt_next(seed) % 4) : 1;

	for (unsigned r = 0; r < runs; r++) {
		uint32_t first = 1 + (uint32_t)(rt_next(seed) % lines);
		uint32_t len = shape == 0 ? 1 : 1 + (uint32_t)(rt_next(seed) % 30);
		uint32_t last = first + len - 1 > lines ? lines : first + len - 1;
		int rc = line_set_add_range(s, first, last);
		if (rc)
			return rc;
	}
	return 0;
}

#endif
