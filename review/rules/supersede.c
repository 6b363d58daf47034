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

static bool rule_supersedes(const char *winner, const char *loser)
{
	const struct rule *r = rule_by_id(winner);

	if (!r || !r->supersedes)
		return false;
	for (const char *const *s = r->supersedes; *s; s++)
		if (strcmp(*s, loser) == 0)
			return true;
	return false;
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

static bool is_superseded(const struct finding_list *l, size_t i)
{
	const struct finding *f = &l->items[i];

	/* Sorted by path and line: the candidates are the neighbours on f's line. */
	for (size_t j = i; j-- > 0 && l->items[j].line == f->line;)
		if (spans_overlap(&l->items[j], f) && rule_supersedes(l->items[j].rule_id, f->rule_id))
			return true;
	for (size_t j = i + 1; j < l->n && l->items[j].line == f->line; j++)
		if (spans_overlap(&l->items[j], f) && rule_supersedes(l->items[j].rule_id, f->rule_id))
			return true;
	return false;
}

int rules_drop_superseded(struct finding_list *l)
{
	bool *drop;

	if (l->n < 2)
		return RR_OK;
	/* Decide with every finding present, then remove: the result of a chain
	 * (a supersedes b supersedes c) must not depend on the list order. */
	if (!(drop = calloc(l->n, sizeof(*drop))))
		return RR_ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		drop[i] = is_superseded(l, i);
	for (size_t i = l->n; i-- > 0;)
		if (drop[i])
			finding_list_remove(l, i);
	free(drop);
	return RR_OK;
}
