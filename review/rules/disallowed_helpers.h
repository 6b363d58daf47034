/*
 * disallowed_helpers.h — shared by the rules that carry clippy.toml's path
 * lists to the line (disallowed_methods, disallowed_macros): which entry of
 * the list a node names, and the comment. Internal to review/rules/.
 */
#ifndef RR_DISALLOWED_HELPERS_H
#define RR_DISALLOWED_HELPERS_H

#include "rules.h"

/* One of clippy.toml's lists and how a node names one of its paths. */
struct disallowed_list {
	bool macros;    /* disallowed-macros (paths written with `!`), else disallowed-methods */
	/* Does the name node n name path ("std::env::var")? */
	bool (*names)(const struct rule_ctx *ctx, TSNode n, const char *path);
};

/*
 * Reports [first, last] against the first entry of list that name names (its
 * path and reason, as api_report_disallowed words it). 0 when name names
 * none; otherwise what reporting returns (RR_ENOMEM).
 */
int disallowed_report(struct rule_ctx *ctx, const struct disallowed_list *list, TSNode name,
		      TSNode first, TSNode last);

#endif
