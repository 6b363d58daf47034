/* supersede.c — one comment per problem: drop a general rule's finding when a
 * more specific rule reported the same code (struct rule.supersedes). */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

static const struct rule *rule_by_id(const char *id)
{
	for (size_t i = 0; i < rule_table_len; i++)
		if (rule_table[i]->info.id == id || strcmp(rule_table[i]->info.id, id) == 0)
			return rule_table[i];
	return NULL;
}

/* Same path, same first line, and the column ranges intersect. A span that
 * runs onto later lines reaches to the end of its first line. */
static bool spans_overlap(const struct finding *a, const struct finding *b)
{
	uint32_t a_end = a->end_line > a->line ? UINT32_MAX : a->end_column;
	uint32_t b_end = b->end_line > b->line ? UINT32_MAX : b->end_column;

	if (a->line != b->line || strcmp(a->path, b->path) != 0)
		return false;
	return a->column < b_end && b->column < a_end;
}

/* The rule's list of rules it supersedes, or NULL (most rules). */
static const char *const *supersedes_of(const char *id)
{
	const struct rule *r = rule_by_id(id);
	return r ? r->supersedes : NULL;
}

/*
 * Marks in drop[] the findings of items[from..to) (one path and line) that a
 * finding of a superseding rule overlaps. Only the few findings whose rule
 * supersedes anything are compared with the rest, so a line holding thousands
 * of findings (hostile input) costs thousands of checks, not millions.
 */
static void mark_line(const struct finding_list *l, size_t from, size_t to, bool *drop)
{
	for (size_t w = from; w < to; w++) {
		const struct finding *win = &l->items[w];
		const char *const *losers = supersedes_of(win->rule_id);
		if (!losers)
			continue;
		for (size_t i = from; i < to; i++) {
			const struct finding *f = &l->items[i];
			if (i == w || drop[i] || !spans_overlap(win, f))
				continue;
			for (const char *const *s = losers; *s; s++)
				if (strcmp(*s, f->rule_id) == 0) {
					drop[i] = true;
					break;
				}
		}
	}
}

int rules_drop_superseded(struct finding_list *l)
{
	bool *drop;
	size_t kept = 0;

	if (l->n < 2)
		return RR_OK;
	/* Decide with every finding present, then remove: the result of a chain
	 * (a supersedes b supersedes c) must not depend on the list order. The
	 * list is sorted by path and line, so each line is one run. */
	if (!(drop = calloc(l->n, sizeof(*drop))))
		return RR_ENOMEM;
	for (size_t from = 0, to; from < l->n; from = to) {
		for (to = from + 1; to < l->n && l->items[to].line == l->items[from].line &&
		     strcmp(l->items[to].path, l->items[from].path) == 0; to++)
			;
		if (to - from > 1)
			mark_line(l, from, to, drop);
	}
	for (size_t i = 0; i < l->n; i++) {      /* compact in one pass */
		if (drop[i])
			finding_free(&l->items[i]);
		else
			l->items[kept++] = l->items[i];
	}
	l->n = kept;
	free(drop);
	return RR_OK;
}
