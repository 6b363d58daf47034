/* macro_body.c — macro invocation bodies parsed as Rust (see macro_body.h). */
#include "macro_body.h"

#include <string.h>

#include "rust.h"

static TSNode body_tree(TSNode invocation)
{
	return rust_child_of_kind(invocation, RK_TOKEN_TREE);
}

static bool is_braced(TSNode tt)
{
	return rust_is(tt, RK_TOKEN_TREE) && ts_node_child_count(tt) >= 2 &&
	       rust_is(ts_node_child(tt, 0), RK_LBRACE);
}

bool macro_body_is_braced(TSNode invocation)
{
	return rust_is(invocation, RK_MACRO_INVOCATION) && is_braced(body_tree(invocation));
}

/* `if #[..] { .. } else if #[..] { .. } else { .. }`: only keywords, attributes
 * and braced groups between the outer braces. */
static bool cfg_if_shaped(TSNode tt, const char *src)
{
	uint32_t n = ts_node_child_count(tt);
	bool groups = false;

	for (uint32_t i = 1; i + 1 < n; i++) {
		TSNode c = ts_node_child(tt, i);
		const char *t = ts_node_type(c);
		if (is_braced(c))
			groups = true;
		else if (!(rust_node_text_eq(c, src, "if") || rust_node_text_eq(c, src, "else") ||
			   strcmp(t, "#") == 0 ||
			   rust_is(c, RK_LINE_COMMENT) || rust_is(c, RK_BLOCK_COMMENT) ||
			   (rust_is(c, RK_TOKEN_TREE) && rust_is(ts_node_child(c, 0), RK_LBRACKET))))
			return false;
	}
	return groups;
}

/* Parses the bytes between tt's braces; NULL when tree-sitter fails, and a
 * tree with errors is deleted and reported as *clean false. */
static TSTree *parse_inside(TSParser *parser, const char *src, uint32_t len, TSNode tt,
			    bool *clean)
{
	TSNode open = ts_node_child(tt, 0);
	TSNode close = ts_node_child(tt, ts_node_child_count(tt) - 1);
	TSRange r = {
		.start_point = ts_node_end_point(open),
		.end_point = ts_node_start_point(close),
		.start_byte = ts_node_end_byte(open),
		.end_byte = ts_node_start_byte(close),
	};
	TSTree *t;

	*clean = false;
	if (r.end_byte <= r.start_byte || !ts_parser_set_included_ranges(parser, &r, 1))
		return NULL;
	t = ts_parser_parse_string(parser, NULL, src, len);
	ts_parser_set_included_ranges(parser, NULL, 0);
	if (!t) {
		ts_parser_reset(parser);
		return NULL;
	}
	if (ts_node_has_error(ts_tree_root_node(t))) {
		ts_tree_delete(t);
		return NULL;
	}
	*clean = true;
	return t;
}

int macro_body_parse(TSParser *parser, const char *src, uint32_t len, TSNode invocation,
		     struct macro_body *out)
{
	TSNode tt = body_tree(invocation);
	bool clean;
	TSTree *t;

	memset(out, 0, sizeof(*out));
	if (!is_braced(tt))
		return 0;
	if ((t = parse_inside(parser, src, len, tt, &clean))) {
		out->trees[out->n++] = t;
		return 0;
	}
	/* cfg_if!-like: `if #[cfg(..)] { items } else { items }` is not Rust, but
	 * each braced group inside is. Only that shape: any other token outside
	 * the groups (a `select!` branch's future, say) would go unreviewed. */
	if (!cfg_if_shaped(tt, src))
		return 0;
	for (uint32_t i = 1; i + 1 < ts_node_child_count(tt); i++) {
		TSNode part = ts_node_child(tt, i);
		if (!is_braced(part))
			continue;
		if (out->n == MACRO_BODY_MAX_PARTS ||
		    !(t = parse_inside(parser, src, len, part, &clean))) {
			macro_body_free(out);     /* all or nothing: no token left unreviewed */
			return 0;
		}
		out->trees[out->n++] = t;
	}
	return 0;
}

void macro_body_free(struct macro_body *b)
{
	for (unsigned i = 0; i < b->n; i++)
		ts_tree_delete(b->trees[i]);
	b->n = 0;
}
