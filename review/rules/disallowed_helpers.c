/* disallowed_helpers.c — the clippy.toml path lists the disallowed_* rules
 * read (disallowed_helpers.h). */
#include "disallowed_helpers.h"
#include "api_helpers.h"

int disallowed_report(struct rule_ctx *ctx, const struct disallowed_list *list, TSNode name,
		      TSNode first, TSNode last)
{
	const struct review_clippy_conf *c = &ctx->opts->clippy;
	const struct review_disallowed *entries = list->macros ? c->macros : c->methods;
	size_t n = list->macros ? c->n_macros : c->n_methods;

	for (size_t i = 0; i < n; i++)
		if (list->names(ctx, name, entries[i].path))
			return api_report_disallowed(ctx, first, last, &entries[i],
						     list->macros ? "disallowed-macros"
								  : "disallowed-methods",
						     list->macros);
	return 0;
}
