/* attrs.c — lint levels, doc(hidden) and clippy::msrv from attributes (see attrs.h). */
#include "attrs.h"

#include <string.h>

enum level { LEVEL_NONE, LEVEL_ALLOW, LEVEL_WARN, LEVEL_DENY, LEVEL_FORBID };

/* A cfg predicate's value in a clippy run without --test: MAYBE when it
 * depends on features, targets or flags the review cannot know. */
enum tri { NO, YES, MAYBE };

#define CFG_MAX_DEPTH 8

static enum level level_named(const char *path)
{
	if (strcmp(path, "allow") == 0 || strcmp(path, "expect") == 0)
		return LEVEL_ALLOW;
	if (strcmp(path, "warn") == 0)
		return LEVEL_WARN;
	if (strcmp(path, "deny") == 0)
		return LEVEL_DENY;
	if (strcmp(path, "forbid") == 0)
		return LEVEL_FORBID;
	return LEVEL_NONE;
}

static bool is_comment(TSNode n)
{
	return rust_is(n, RK_LINE_COMMENT) || rust_is(n, RK_BLOCK_COMMENT);
}

/* Sets the level of `rules`, as rustc does for one lint attribute: a forbidden
 * lint keeps its level against a later allow or warn. */
static void levels_apply(struct rust_lint_levels *st, enum level lv, uint64_t rules)
{
	if (lv == LEVEL_ALLOW || lv == LEVEL_WARN)
		rules &= ~st->forbid;
	st->set |= rules;
	if (lv == LEVEL_ALLOW)
		st->on &= ~rules;
	else
		st->on |= rules;
	if (lv >= LEVEL_DENY)
		st->deny |= rules;
	else
		st->deny &= ~rules;
	if (lv == LEVEL_FORBID)
		st->forbid |= rules;
}

/* The rules a `tool::lint` (tool: a null node for a rustc lint name) stands for. */
static uint64_t lookup(TSNode tool, TSNode lint, const char *src,
		       const struct rust_lint_name *names, size_t n)
{
	uint64_t rules = 0;

	for (size_t k = 0; k < n; k++) {
		bool rustc = names[k].tool == NULL;
		if (rustc != ts_node_is_null(tool))
			continue;
		if ((rustc || rust_node_text_eq(tool, src, names[k].tool)) &&
		    rust_node_text_eq(lint, src, names[k].name))
			rules |= names[k].rules;
	}
	return rules;
}

/*
 * The rules named in a level attribute's list, children [from, to) of tt:
 * `clippy::name` and bare rustc names; `reason = ".."` is skipped. rustc
 * names (`warnings`) only count for allow: `deny(warnings)` raises what is
 * already on, it switches nothing on.
 */
static uint64_t listed_rules(TSNode tt, uint32_t from, uint32_t to, const char *src,
			     enum level lv, const struct rust_lint_name *names, size_t n)
{
	uint64_t rules = 0;

	for (uint32_t i = from; i < to; i++) {
		TSNode c = ts_node_child(tt, i);
		TSNode next = i + 1 < to ? ts_node_child(tt, i + 1) : (TSNode){ 0 };
		TSNode lint = i + 2 < to ? ts_node_child(tt, i + 2) : (TSNode){ 0 };
		if (!rust_is(c, RK_IDENTIFIER))
			continue;
		if (rust_is(next, RK_COLON2) && rust_is(lint, RK_IDENTIFIER)) {
			rules |= lookup(c, lint, src, names, n);
			i += 2;
		} else if (lv == LEVEL_ALLOW && !rust_is(next, RK_COLON2) &&
			   !rust_node_text_eq(next, src, "=")) {
			rules |= lookup((TSNode){ 0 }, c, src, names, n);
		}
	}
	return rules;
}

/* Index of the next top-level `,` of tt at or after i, or `end`. */
static uint32_t next_comma(TSNode tt, uint32_t i, uint32_t end)
{
	while (i < end && !rust_is(ts_node_child(tt, i), RK_COMMA))
		i++;
	return i;
}

static enum tri tri_not(enum tri t)
{
	return t == MAYBE ? MAYBE : t == YES ? NO : YES;
}

static enum tri cfg_eval(TSNode tt, uint32_t from, uint32_t to, const char *src, int depth);

/* all(..) / any(..): the predicates of a token tree "( p, q, .. )". */
static enum tri cfg_list(TSNode tt, bool all, const char *src, int depth)
{
	uint32_t end = ts_node_child_count(tt), i = 1;
	enum tri acc = all ? YES : NO;

	if (end < 2)
		return MAYBE;
	end--;                          /* the closing delimiter */
	while (i < end) {
		uint32_t comma = next_comma(tt, i, end);
		enum tri t = cfg_eval(tt, i, comma, src, depth + 1);
		if (all)
			acc = (acc == NO || t == NO) ? NO : (acc == MAYBE || t == MAYBE) ? MAYBE : YES;
		else
			acc = (acc == YES || t == YES) ? YES : (acc == MAYBE || t == MAYBE) ? MAYBE : NO;
		i = comma + 1;
	}
	return acc;
}

/*
 * One predicate in children [from, to) of tt. `test` is false (clippy runs on
 * the library, not the test build), `clippy` is true, `doc`/`docsrs` false;
 * features, targets and custom cfgs are MAYBE.
 */
static enum tri cfg_eval(TSNode tt, uint32_t from, uint32_t to, const char *src, int depth)
{
	TSNode first, second;

	while (from < to && is_comment(ts_node_child(tt, from)))
		from++;
	if (from >= to || depth > CFG_MAX_DEPTH)
		return MAYBE;
	first = ts_node_child(tt, from);
	if (!rust_is(first, RK_IDENTIFIER))
		return MAYBE;
	if (to - from == 1) {
		if (rust_node_text_eq(first, src, "test") || rust_node_text_eq(first, src, "doc") ||
		    rust_node_text_eq(first, src, "docsrs"))
			return NO;
		return rust_node_text_eq(first, src, "clippy") ? YES : MAYBE;
	}
	second = ts_node_child(tt, from + 1);
	if (to - from == 2 && rust_is(second, RK_TOKEN_TREE)) {
		if (rust_node_text_eq(first, src, "not")) {
			uint32_t n = ts_node_child_count(second);
			return n < 2 ? MAYBE : tri_not(cfg_eval(second, 1, n - 1, src, depth + 1));
		}
		if (rust_node_text_eq(first, src, "all"))
			return cfg_list(second, true, src, depth);
		if (rust_node_text_eq(first, src, "any"))
			return cfg_list(second, false, src, depth);
	}
	return MAYBE;
}

/* `hidden` among the top-level words of doc(..). */
static bool doc_says_hidden(TSNode tt, uint32_t from, uint32_t to, const char *src)
{
	for (uint32_t i = from; i < to; i++) {
		TSNode c = ts_node_child(tt, i);
		if (rust_is(c, RK_IDENTIFIER) && rust_node_text_eq(c, src, "hidden"))
			return true;
	}
	return false;
}

uint32_t attrs_parse_version(const char *text, size_t len)
{
	uint32_t part[3] = { 0, 0, 0 };
	size_t k = 0, i = 0;

	if (len == 0)
		return 0;
	for (; i < len && k < 3; k++) {
		size_t digits = 0;
		while (i < len && text[i] >= '0' && text[i] <= '9' && digits < 6) {
			part[k] = part[k] * 10 + (uint32_t)(text[i++] - '0');
			digits++;
		}
		if (digits == 0 || part[k] > 999)
			return 0;
		if (i < len && text[i] != '.')
			return 0;
		if (i < len)
			i++;
	}
	if (i < len || part[0] == 0)
		return 0;
	return RUST_VERSION(part[0], part[1], part[2]);
}

/* `#[clippy::msrv = "1.56"]`: the version in the string literal. */
static uint32_t msrv_value(TSNode attr, const char *src)
{
	TSNode value = rust_child_by_field(attr, RF_VALUE);
	TSNode content = rust_child_of_kind(value, RK_STRING_CONTENT);

	if (!rust_is(value, RK_STRING_LITERAL) || ts_node_is_null(content))
		return 0;
	return attrs_parse_version(rust_node_ptr(content, src), rust_node_len(content));
}

/*
 * One attribute `path(args)`, its argument list being children [from, to) of
 * tt (whose own delimiters lie outside that range). `sure` is false under a
 * cfg_attr whose predicate may not hold: then only what silences applies.
 */
static void apply_one(const char *path, TSNode tt, uint32_t from, uint32_t to, const char *src,
		      bool sure, const struct rust_lint_name *names, size_t n, struct rust_scope *s)
{
	enum level lv = level_named(path);

	if (lv != LEVEL_NONE) {
		if (sure || lv == LEVEL_ALLOW)
			levels_apply(&s->lints, lv, listed_rules(tt, from, to, src, lv, names, n));
	} else if (strcmp(path, "doc") == 0 && doc_says_hidden(tt, from, to, src)) {
		s->doc_hidden = true;
	}
}

/* The attributes of cfg_attr(pred, a(..), b(..)) whose predicate may hold. */
static void apply_cfg_attr(TSNode tt, const char *src, const struct rust_lint_name *names,
			   size_t n, struct rust_scope *s)
{
	uint32_t end = ts_node_child_count(tt), i, comma;
	enum tri pred;
	char path[64];

	if (end < 2)
		return;
	end--;
	comma = next_comma(tt, 1, end);
	pred = cfg_eval(tt, 1, comma, src, 0);
	if (pred == NO)
		return;
	for (i = comma + 1; i < end; i = comma + 1) {
		TSNode name = ts_node_child(tt, i), args;
		comma = next_comma(tt, i, end);
		if (comma - i != 2 || !rust_is(name, RK_IDENTIFIER) ||
		    !rust_is(args = ts_node_child(tt, i + 1), RK_TOKEN_TREE) ||
		    !rust_path_text(name, src, path, sizeof(path)))
			continue;
		apply_one(path, args, 1, ts_node_child_count(args) - 1, src, pred == YES, names, n,
			  s);
	}
}

void attrs_apply(TSNode attribute_item, const char *src, const struct rust_lint_name *names,
		 size_t n_names, struct rust_scope *s)
{
	TSNode attr = rust_child_of_kind(attribute_item, RK_ATTRIBUTE), path, args;
	char buf[64];
	uint32_t count;

	if (ts_node_is_null(attr) || ts_node_named_child_count(attr) == 0)
		return;
	path = ts_node_named_child(attr, 0);
	if (!rust_path_text(path, src, buf, sizeof(buf)))
		return;
	if (strcmp(buf, "clippy::msrv") == 0) {
		uint32_t v = msrv_value(attr, src);
		if (v)
			s->msrv = v;
		return;
	}
	args = rust_child_by_field(attr, RF_ARGUMENTS);
	if (!rust_is(args, RK_TOKEN_TREE) || (count = ts_node_child_count(args)) < 2)
		return;
	if (strcmp(buf, "cfg_attr") == 0)
		apply_cfg_attr(args, src, names, n_names, s);
	else
		apply_one(buf, args, 1, count - 1, src, true, names, n_names, s);
}
