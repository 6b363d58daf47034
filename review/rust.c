/* rust.c — tree-sitter Rust: path classification, the context walk, node helpers. */
#include "rust.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/rr.h"
#include "attrs.h"

/* --- paths ---------------------------------------------------------------- */

/* True when `path` has a directory component equal to `dir`. */
static bool path_has_dir(const char *path, const char *dir)
{
	size_t dlen = strlen(dir);
	const char *p = path;

	while (p && *p) {
		const char *slash = strchr(p, '/');
		if (!slash)
			return false;     /* the last component is the file name */
		if ((size_t)(slash - p) == dlen && memcmp(p, dir, dlen) == 0)
			return true;
		p = slash + 1;
	}
	return false;
}

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

void rust_path_classify(const char *path, struct rust_path_info *out)
{
	const char *base;

	out->test = false;
	out->binary = false;
	out->bench = false;
	if (!path)
		return;
	base = path_basename(path);
	/* Cargo's conventional non-production targets, plus `tests.rs`, the usual
	 * file behind `#[cfg(test)] mod tests;` (loom's model tests too); trybuild
	 * compile-fail fixtures (`tests/fail/`, `tests/ui/` are under tests/
	 * already; tokio keeps its own in `tests-build/`); test-support crates
	 * and modules; cargo-fuzz targets. */
	out->test = path_has_dir(path, "tests") || path_has_dir(path, "benches") ||
		    path_has_dir(path, "examples") || path_has_dir(path, "tests-build") ||
		    path_has_dir(path, "test-util") || path_has_dir(path, "test-utils") ||
		    path_has_dir(path, "test_util") || path_has_dir(path, "test_utils") ||
		    path_has_dir(path, "test-support") || path_has_dir(path, "test_support") ||
		    path_has_dir(path, "fuzz") || strcmp(base, "build.rs") == 0 ||
		    strcmp(base, "tests.rs") == 0 || strcmp(base, "test_util.rs") == 0 ||
		    strcmp(base, "test_utils.rs") == 0 || strcmp(base, "test_support.rs") == 0;
	out->bench = path_has_dir(path, "benches");
	/* A program owns its stdout; a library does not. */
	out->binary = strcmp(base, "main.rs") == 0 || strstr(path, "src/bin/") == path ||
		      strstr(path, "/src/bin/") != NULL;
}

/* --- node kinds by symbol -------------------------------------------------- */

static const char *const kind_names[RK_COUNT] = {
	[RK_NONE] = "",
#define RUST_KIND_NAME(id, name) [RK_##id] = name,
	RUST_KINDS(RUST_KIND_NAME)
#undef RUST_KIND_NAME
};

static const char *const field_names[RF_COUNT] = {
	[RF_NONE] = "",
#define RUST_FIELD_NAME(id, name) [RF_##id] = name,
	RUST_FIELDS(RUST_FIELD_NAME)
#undef RUST_FIELD_NAME
};

/*
 * symbol -> kind for every symbol of the grammar, and field name -> id. Built
 * once per process (pthread_once) and read-only afterwards, so engines on
 * several threads share it. The grammar has ~330 symbols; a grammar with more
 * than RUST_MAX_SYMBOLS would fall back to comparing names (correct, slower).
 */
#define RUST_MAX_SYMBOLS 2048
static unsigned char kind_by_symbol[RUST_MAX_SYMBOLS];
static uint32_t n_symbols;
static TSFieldId field_ids[RF_COUNT];
static pthread_once_t kinds_once = PTHREAD_ONCE_INIT;

enum rust_kind rust_kind_for_name(const char *type)
{
	for (int k = RK_NONE + 1; type && k < RK_COUNT; k++)
		if (strcmp(kind_names[k], type) == 0)
			return (enum rust_kind)k;
	return RK_NONE;
}

const char *rust_kind_name(enum rust_kind k)
{
	return k > RK_NONE && k < RK_COUNT ? kind_names[k] : "";
}

static void kinds_init(void)
{
	const TSLanguage *lang = tree_sitter_rust();
	uint32_t count = ts_language_symbol_count(lang);

	/* Every symbol by its name, which is what ts_node_type() returns: a kind
	 * then matches the same nodes a strcmp on the type did (aliases and the
	 * named/anonymous twins of a name included). */
	for (uint32_t s = 0; s < count && s < RUST_MAX_SYMBOLS; s++)
		kind_by_symbol[s] = (unsigned char)rust_kind_for_name(
			ts_language_symbol_name(lang, (TSSymbol)s));
	n_symbols = count <= RUST_MAX_SYMBOLS ? count : 0;
	for (int f = RF_NONE + 1; f < RF_COUNT; f++)
		field_ids[f] = ts_language_field_id_for_name(lang, field_names[f],
							     (uint32_t)strlen(field_names[f]));
}

static void kinds_ready(void)
{
	pthread_once(&kinds_once, kinds_init);
}

enum rust_kind rust_node_kind(TSNode n)
{
	TSSymbol sym;

	if (ts_node_is_null(n))
		return RK_NONE;
	kinds_ready();
	sym = ts_node_symbol(n);
	if (sym < n_symbols)
		return (enum rust_kind)kind_by_symbol[sym];
	return rust_kind_for_name(ts_node_type(n));     /* ERROR nodes, or an oversized grammar */
}

TSNode rust_child_by_field(TSNode n, enum rust_field f)
{
	kinds_ready();
	/* A null node has no children; tree-sitter would read through its NULL
	 * tree (an absent `let` value, a missing return type, ...). */
	if (f <= RF_NONE || f >= RF_COUNT || ts_node_is_null(n))
		return (TSNode){ 0 };
	return ts_node_child_by_field_id(n, field_ids[f]);
}

TSNode rust_child_of_kind(TSNode n, enum rust_kind k)
{
	uint32_t count = ts_node_is_null(n) ? 0 : ts_node_child_count(n);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_child(n, i);
		if (rust_node_kind(c) == k)
			return c;
	}
	return (TSNode){ 0 };
}

/* --- node helpers --------------------------------------------------------- */

bool rust_node_is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

bool rust_node_text_eq(TSNode n, const char *src, const char *text)
{
	size_t len = strlen(text);
	return !ts_node_is_null(n) && rust_node_len(n) == len &&
	       memcmp(rust_node_ptr(n, src), text, len) == 0;
}

char *rust_node_text_dup(TSNode n, const char *src)
{
	size_t len = rust_node_len(n);
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, rust_node_ptr(n, src), len);
	s[len] = '\0';
	return s;
}

bool rust_path_text(TSNode n, const char *src, char *buf, size_t cap)
{
	const char *p;
	uint32_t len;
	size_t o = 0;

	/* A path the parser could not finish (`std::env%::var`) may lack the
	 * field the caller asked for: no text, rather than a null node's bytes. */
	if (cap == 0 || ts_node_is_null(n))
		return false;
	p = rust_node_ptr(n, src);
	len = rust_node_len(n);
	for (uint32_t i = 0; i < len; i++) {
		char ch = p[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (o + 1 >= cap)
			return false;
		buf[o++] = ch;
	}
	buf[o] = '\0';
	if (o >= 2 && buf[0] == ':' && buf[1] == ':')
		memmove(buf, buf + 2, o - 1);
	return true;
}

TSNode rust_child_of_type(TSNode n, const char *type)
{
	uint32_t count = ts_node_child_count(n);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_child(n, i);
		if (strcmp(ts_node_type(c), type) == 0)
			return c;
	}
	return (TSNode){ 0 };
}

bool rust_method_call(TSNode call, TSNode *name, TSNode *args)
{
	TSNode fn, field;

	if (!rust_is(call, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(call, RF_FUNCTION);
	if (!rust_is(fn, RK_FIELD_EXPRESSION))
		return false;
	field = rust_child_by_field(fn, RF_FIELD);
	if (!rust_is(field, RK_FIELD_IDENTIFIER))
		return false;
	*name = field;
	*args = rust_child_by_field(call, RF_ARGUMENTS);
	return !ts_node_is_null(*args);
}

static bool is_comment(TSNode n)
{
	enum rust_kind k = rust_node_kind(n);
	return k == RK_LINE_COMMENT || k == RK_BLOCK_COMMENT;
}

uint32_t rust_named_arg_count(TSNode args)
{
	uint32_t count = ts_node_named_child_count(args), n = 0;
	for (uint32_t i = 0; i < count; i++)
		if (!is_comment(ts_node_named_child(args, i)))
			n++;
	return n;
}

uint32_t rust_tt_inner_count(TSNode tt)
{
	uint32_t count = ts_node_child_count(tt);
	uint32_t n = 0;
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_child(tt, i);
		const char *t = ts_node_type(c);
		if ((i == 0 || i + 1 == count) && !ts_node_is_named(c) && strlen(t) == 1 &&
		    strchr("()[]{}", t[0]))
			continue;
		if (!is_comment(c))
			n++;
	}
	return n;
}

static bool tt_opens_with_paren(TSNode tt)
{
	return rust_is(tt, RK_TOKEN_TREE) && ts_node_child_count(tt) > 0 &&
	       rust_is(ts_node_child(tt, 0), RK_LPAREN);
}

/*
 * Slides a window of three over the direct children of a token tree and calls
 * fn on `. name (..)` (method) or `name ! <tree>` (macro) sequences.
 */
static int tt_scan(TSNode tt, bool method, rust_tt_fn fn, void *data)
{
	TSTreeCursor c;
	TSNode prev2 = { 0 }, prev1 = { 0 };
	int rc = 0;

	if (!rust_is(tt, RK_TOKEN_TREE))
		return 0;
	c = ts_tree_cursor_new(tt);
	if (!ts_tree_cursor_goto_first_child(&c))
		goto out;
	do {
		TSNode cur = ts_tree_cursor_current_node(&c);
		bool hit;
		if (is_comment(cur))
			continue;
		if (method)   /* a method call's arguments are always in ( ) */
			hit = tt_opens_with_paren(cur) && rust_is(prev2, RK_DOT) &&
			      rust_is(prev1, RK_IDENTIFIER);
		else          /* macros accept ( ), [ ] and { } */
			hit = rust_is(cur, RK_TOKEN_TREE) && rust_is(prev2, RK_IDENTIFIER) &&
			      rust_is(prev1, RK_BANG);
		if (hit && (rc = fn(data, method ? prev1 : prev2, cur)) != 0)
			goto out;
		prev2 = prev1;
		prev1 = cur;
	} while (ts_tree_cursor_goto_next_sibling(&c));
out:
	ts_tree_cursor_delete(&c);
	return rc;
}

int rust_tt_method_calls(TSNode tt, rust_tt_fn fn, void *data)
{
	return tt_scan(tt, true, fn, data);
}

int rust_tt_macro_calls(TSNode tt, rust_tt_fn fn, void *data)
{
	return tt_scan(tt, false, fn, data);
}

/* --- source text ---------------------------------------------------------- */

size_t rust_line_end(const char *src, size_t len, size_t pos)
{
	const char *nl;
	if (pos >= len)
		return len;
	nl = memchr(src + pos, '\n', len - pos);
	return nl ? (size_t)(nl - src) : len;
}

/* --- doc sections and SAFETY comments ------------------------------------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* True when [p, e) is a markdown ATX heading (`#` to `######`) whose text is
 * exactly `heading`, trailing spaces and closing #s aside. */
static bool is_heading(const char *p, const char *e, const char *heading)
{
	size_t hashes = 0, hlen = strlen(heading);

	while (p < e && is_blank(*p))
		p++;
	while (p < e && *p == '#' && hashes < 7) {
		p++;
		hashes++;
	}
	if (hashes == 0 || hashes > 6 || p == e || !is_blank(*p))
		return false;
	while (p < e && is_blank(*p))
		p++;
	while (e > p && (is_blank(e[-1]) || e[-1] == '#'))
		e--;
	return (size_t)(e - p) == hlen && memcmp(p, heading, hlen) == 0;
}

/* The markdown text of one doc line [s, e), or false when it is not doc text.
 * *in_block tracks whether a block doc comment is still open. */
static bool doc_line_text(const char *s, const char *e, bool *in_block, const char **ts,
			  const char **te)
{
	const char *close;

	while (s < e && is_blank(*s))
		s++;
	if (!*in_block && e - s >= 3 && memcmp(s, "///", 3) == 0 && (e - s == 3 || s[3] != '/')) {
		*ts = s + 3;
		*te = e;
		return true;
	}
	if (!*in_block && e - s >= 3 && memcmp(s, "/**", 3) == 0 && (e - s == 3 || s[3] != '*')) {
		*in_block = true;
		s += 3;
	} else if (!*in_block && e - s >= 5 && memcmp(s, "#[doc", 5) == 0) {
		/* #[doc = "text"]: the text between the quotes (escapes are rare in headings). */
		const char *q = memchr(s, '"', (size_t)(e - s));
		const char *r = q ? memchr(q + 1, '"', (size_t)(e - q - 1)) : NULL;
		if (!r)
			return false;
		*ts = q + 1;
		*te = r;
		return true;
	} else if (!*in_block) {
		return false;
	} else if (s < e && *s == '*' && !(e - s >= 2 && s[1] == '/')) {
		s++;     /* the usual leading " * " of a block comment's inner lines */
	}
	close = NULL;
	for (const char *p = s; p + 1 < e; p++)
		if (p[0] == '*' && p[1] == '/') {
			close = p;
			break;
		}
	if (close) {
		*in_block = false;
		e = close;
	}
	*ts = s;
	*te = e;
	return true;
}

bool rust_doc_has_section(const char *src, uint32_t from, uint32_t to, const char *heading)
{
	bool in_block = false;
	uint32_t pos = from;

	while (pos < to) {
		const char *s = src + pos;
		const char *nl = memchr(s, '\n', to - pos);
		const char *e = nl ? nl : src + to;
		const char *ts, *te;
		if (doc_line_text(s, e, &in_block, &ts, &te) && is_heading(ts, te, heading))
			return true;
		pos = (uint32_t)(e - src) + (nl ? 1 : 0);
	}
	return false;
}

/* Case-insensitive "SAFETY:" in [p, p+n), as clippy accepts "Safety:" too. */
static bool mentions_safety(const char *p, size_t n)
{
	static const char word[] = "safety:";
	size_t wlen = sizeof(word) - 1;
	for (size_t i = 0; i + wlen <= n; i++)
		if (strncasecmp(p + i, word, wlen) == 0)
			return true;
	return false;
}

/* Classifies the line [s, e): 'b'lank, 'c'omment, 'a'ttribute or code ('x'). */
static char line_kind(const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e)
		return 'b';
	if (*s == '/' && e - s >= 2 && (s[1] == '/' || s[1] == '*'))
		return 'c';
	/* The middle or end of a block comment. */
	if (*s == '*' || (e - s >= 2 && e[-2] == '*' && e[-1] == '/'))
		return 'c';
	if (*s == '#' && e - s >= 2 && (s[1] == '[' || s[1] == '!'))
		return 'a';
	return 'x';
}

/* How far up a SAFETY comment may be, and how long a line we scan back over:
 * bounds the work on pathological input (a comment further away than this
 * documents something else). */
#define SAFETY_MAX_LINES_UP 64
#define SAFETY_MAX_LINE_SCAN 4096

/* Start of the line containing pos, or SIZE_MAX when the line is too long. */
static size_t line_start_of(const char *src, size_t pos)
{
	size_t start = pos;
	while (start > 0 && src[start - 1] != '\n') {
		if (pos - start >= SAFETY_MAX_LINE_SCAN)
			return SIZE_MAX;
		start--;
	}
	return start;
}

bool rust_safety_comment_above(const char *src, size_t pos)
{
	size_t end = line_start_of(src, pos);

	/* Walks up over comments, attributes and blank lines (clippy accepts all
	 * three between the comment and the code). */
	for (int lines = 0; end != SIZE_MAX && end > 0 && lines < SAFETY_MAX_LINES_UP; lines++) {
		size_t line_end = end - 1;      /* the '\n' ending the previous line */
		size_t start = line_start_of(src, line_end);
		char kind;
		if (start == SIZE_MAX)
			return false;
		kind = line_kind(src + start, src + line_end);
		if (kind == 'x')
			return false;
		if (kind == 'c' && mentions_safety(src + start, line_end - start))
			return true;
		end = start;
	}
	return false;
}

bool rust_safety_comment_opens(const char *src, TSNode block)
{
	uint32_t count;

	if (!rust_is(block, RK_BLOCK))
		return false;
	count = ts_node_named_child_count(block);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(block, i);
		if (!is_comment(c))
			return false;
		if (mentions_safety(rust_node_ptr(c, src), rust_node_len(c)))
			return true;
	}
	return false;
}

/* --- attributes ----------------------------------------------------------- */

#define CFG_MAX_DEPTH 16

/* cfg names that only test builds set: `test`, loom's model checker, the
 * fuzzer's `fuzzing`, and miri's interpreter runs. */
static bool cfg_name_is_test(TSNode id, const char *src)
{
	return rust_node_text_eq(id, src, "test") || rust_node_text_eq(id, src, "loom") ||
	       rust_node_text_eq(id, src, "fuzzing") || rust_node_text_eq(id, src, "miri");
}

/* `feature = "test-util"` and the like: a feature that only tests turn on. */
static bool cfg_feature_is_test(TSNode lit, const char *src)
{
	const char *p = rust_node_ptr(lit, src);
	uint32_t n = rust_node_len(lit);
	return rust_is(lit, RK_STRING_LITERAL) &&
	       (memmem(p, n, "\"test-util", 10) || memmem(p, n, "\"test_util", 10) ||
		memmem(p, n, "\"test-support\"", 14) || memmem(p, n, "\"testing\"", 9));
}

/* True when a cfg(...) predicate mentions test code (cfg_name_is_test, or a
 * test-only feature) outside a not(...). */
static bool cfg_mentions_test(TSNode tt, const char *src, bool negated, int depth)
{
	uint32_t count;
	TSNode prev = { 0 };

	if (depth > CFG_MAX_DEPTH)
		return false;
	count = ts_node_child_count(tt);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_child(tt, i);
		if (!negated && ((rust_is(c, RK_IDENTIFIER) && cfg_name_is_test(c, src)) ||
				 cfg_feature_is_test(c, src)))
			return true;
		if (rust_is(c, RK_TOKEN_TREE)) {
			bool neg = negated != (rust_is(prev, RK_IDENTIFIER) &&
					       rust_node_text_eq(prev, src, "not"));
			if (cfg_mentions_test(c, src, neg, depth + 1))
				return true;
		}
		prev = c;
	}
	return false;
}

/* `#[test]`, `#[tokio::test]`, `#[bench]` and the common test-macro crates. */
static bool attr_path_is_test_fn(const char *path)
{
	static const char *const names[] = { "test", "bench", "rstest", "test_case",
					     "quickcheck", "proptest" };
	size_t plen = strlen(path);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(path, names[i]) == 0)
			return true;
	return plen > 6 && strcmp(path + plen - 6, "::test") == 0;
}

struct attr_effect {
	bool test;
};

static void attr_effect_of(TSNode item, const char *src, struct attr_effect *eff)
{
	TSNode attr = rust_child_of_kind(item, RK_ATTRIBUTE);
	TSNode path, args;
	char buf[128];

	eff->test = false;
	if (ts_node_is_null(attr) || ts_node_named_child_count(attr) == 0)
		return;
	path = ts_node_named_child(attr, 0);
	args = rust_child_by_field(attr, RF_ARGUMENTS);
	if (!rust_path_text(path, src, buf, sizeof(buf)))
		return;
	if (attr_path_is_test_fn(buf))
		eff->test = true;
	else if (strcmp(buf, "cfg") == 0 && rust_is(args, RK_TOKEN_TREE))
		eff->test = cfg_mentions_test(args, src, false, 0);
}

/* --- the walk ------------------------------------------------------------- */

struct frame {
	TSNode node;
	struct rust_scope inner;    /* what this node's children inherit */
	bool pending_test;          /* outer attributes seen on the next sibling item */
	bool pending_attrs;         /* pending holds the next sibling item's scope */
	struct rust_scope pending;  /* inner, with the attributes seen so far applied (attrs.h) */
	bool pending_doc;           /* doc comments/attributes seen on the next sibling item */
	uint32_t pending_doc_start; /* where the first of them starts */
};

struct walker {
	const char *src;
	const struct rust_lint_name *names;
	size_t n_names;
	rust_visit_fn visit;
	void *data;
	struct frame *frames;
	size_t cap;
};

static bool has_async_modifier(TSNode fn)
{
	TSNode mods = rust_child_of_kind(fn, RK_FUNCTION_MODIFIERS);
	return !ts_node_is_null(mods) && !ts_node_is_null(rust_child_of_kind(mods, RK_KW_ASYNC));
}

static bool has_unsafe_modifier(TSNode fn)
{
	TSNode mods = rust_child_of_kind(fn, RK_FUNCTION_MODIFIERS);
	return !ts_node_is_null(mods) && !ts_node_is_null(rust_child_of_kind(mods, RK_KW_UNSAFE));
}

/* `pub` without a restriction: `pub(crate)`, `pub(super)` and `pub(in ..)`
 * items are not part of the crate's public API. */
static bool is_plain_pub(TSNode item, const char *src)
{
	TSNode vis = rust_child_of_kind(item, RK_VISIBILITY_MODIFIER);
	return !ts_node_is_null(vis) && rust_node_text_eq(vis, src, "pub");
}

/* Three slashes (not four), or slash-star-star (not a third star, not the
 * empty block comment): an outer doc comment, which documents the next item. */
static bool is_outer_doc_comment(TSNode n, const char *src)
{
	const char *p = rust_node_ptr(n, src);
	uint32_t len = rust_node_len(n);

	if (len >= 3 && memcmp(p, "///", 3) == 0)
		return len == 3 || p[3] != '/';
	if (len >= 3 && memcmp(p, "/**", 3) == 0)
		return len > 4 && p[3] != '*' && p[3] != '/';
	return false;
}

static void note_doc_lead(struct frame *parent, TSNode node)
{
	if (!parent->pending_doc) {
		parent->pending_doc = true;
		parent->pending_doc_start = ts_node_start_byte(node);
	}
}

/* The callee's last path segment (or method name) of a call_expression. */
static bool callee_name(TSNode call, const char *src, char *buf, size_t cap)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION);
	if (rust_is(fn, RK_FIELD_EXPRESSION))
		fn = rust_child_by_field(fn, RF_FIELD);
	else if (rust_is(fn, RK_SCOPED_IDENTIFIER))
		fn = rust_child_by_field(fn, RF_NAME);
	else if (rust_is(fn, RK_GENERIC_FUNCTION))
		return false;
	if (ts_node_is_null(fn) || !rust_path_text(fn, src, buf, cap))
		return false;
	return true;
}

/* A closure passed straight to something that runs it off the async executor:
 * spawn_blocking, block_in_place, std::thread::spawn or a thread Builder's spawn. */
static bool closure_is_offloaded(const struct walker *w, size_t depth)
{
	TSNode args, call;
	char name[64];

	if (depth < 2)
		return false;
	args = w->frames[depth - 1].node;
	call = w->frames[depth - 2].node;
	if (!rust_is(args, RK_ARGUMENTS) || !rust_is(call, RK_CALL_EXPRESSION))
		return false;
	if (!callee_name(call, w->src, name, sizeof(name)))
		return false;
	return strcmp(name, "spawn_blocking") == 0 || strcmp(name, "block_in_place") == 0 ||
	       strcmp(name, "spawn") == 0;
}

static int frames_reserve(struct walker *w, size_t depth)
{
	if (depth < w->cap)
		return 0;
	size_t cap = w->cap ? w->cap * 2 : 64;
	while (cap <= depth)
		cap *= 2;
	struct frame *f = realloc(w->frames, cap * sizeof(*f));
	if (!f)
		return RR_ENOMEM;
	w->frames = f;
	w->cap = cap;
	return 0;
}

/* The scope children of `node` inherit from the node's own scope. */
static void scope_for_children(const struct walker *w, size_t depth, TSNode node,
			       enum rust_kind kind, struct rust_scope *s)
{
	if (kind == RK_FUNCTION_ITEM) {
		TSNode name = rust_child_by_field(node, RF_NAME);
		s->exec = has_async_modifier(node) ? RUST_EXEC_ASYNC : RUST_EXEC_SYNC;
		s->trait_impl = false;
		s->in_is_empty_fn = rust_node_text_eq(name, w->src, "is_empty");
		s->fn_item = node;
		s->in_closure = false;
		s->in_trait = false;
		s->private_path = true;       /* items inside a body cannot be named from outside */
		s->unsafe_fn_body = has_unsafe_modifier(node);
		s->in_const = false;          /* a `const fn` runs at run time too */
	} else if (kind == RK_ASYNC_BLOCK) {
		s->exec = RUST_EXEC_ASYNC;
		s->in_closure = true;
	} else if (kind == RK_CLOSURE_EXPRESSION) {
		if (s->exec == RUST_EXEC_ASYNC && closure_is_offloaded(w, depth))
			s->exec = RUST_EXEC_OFFLOADED;
		s->in_closure = true;
	} else if (kind == RK_UNSAFE_BLOCK) {
		s->unsafe_fn_body = false;
	} else if (kind == RK_IMPL_ITEM) {
		s->trait_impl = !ts_node_is_null(rust_child_by_field(node, RF_TRAIT));
		s->in_trait = false;
		s->impl_item = node;
	} else if (kind == RK_TRAIT_ITEM || kind == RK_MOD_ITEM) {
		s->trait_impl = false;
		s->in_trait = kind == RK_TRAIT_ITEM;
		s->private_path |= !is_plain_pub(node, w->src);
	} else if (kind == RK_TOKEN_TREE) {
		s->token_tree = true;
	} else if (kind == RK_CONST_ITEM || kind == RK_STATIC_ITEM || kind == RK_CONST_BLOCK) {
		s->in_const = true;
	}
}

/*
 * True when child, a child of parent, is evaluated at compile time although
 * parent is not: an array type's or `[x; N]` expression's length, an enum
 * variant's discriminant, a `{ .. }` const generic argument.
 */
static bool starts_const_context(TSNode parent, TSNode child)
{
	switch (rust_node_kind(parent)) {
	case RK_ARRAY_TYPE:
	case RK_ARRAY_EXPRESSION:
		return ts_node_eq(rust_child_by_field(parent, RF_LENGTH), child);
	case RK_ENUM_VARIANT:
		return ts_node_eq(rust_child_by_field(parent, RF_VALUE), child);
	case RK_TYPE_ARGUMENTS:
		return rust_is(child, RK_BLOCK);
	default:
		return false;
	}
}

static bool holds_statements(TSNode n)
{
	enum rust_kind k = rust_node_kind(n);
	return k == RK_BLOCK || k == RK_DECLARATION_LIST || k == RK_SOURCE_FILE;
}

/*
 * Handles the node the cursor just entered at `depth` (its parent's frame is
 * depth-1). Returns 1 when the walk should descend into it, 0 when not, or a
 * negative/visitor error.
 */
static int walker_enter(struct walker *w, TSNode node, size_t depth)
{
	struct frame *parent = &w->frames[depth - 1];
	enum rust_kind kind = rust_node_kind(node);
	struct attr_effect eff;
	struct rust_scope s;
	int rc;

	if (kind == RK_LINE_COMMENT || kind == RK_BLOCK_COMMENT) {
		if (is_outer_doc_comment(node, w->src))
			note_doc_lead(parent, node);
		return 0;
	}
	if (!ts_node_is_named(node))
		return 0;
	if (kind == RK_ATTRIBUTE_ITEM) {
		attr_effect_of(node, w->src, &eff);
		parent->pending_test |= eff.test;
		if (!parent->pending_attrs) {
			parent->pending = parent->inner;
			parent->pending_attrs = true;
		}
		attrs_apply(node, w->src, w->names, w->n_names, &parent->pending);
		note_doc_lead(parent, node);
		return 0;
	}
	if (kind == RK_INNER_ATTRIBUTE_ITEM) {
		/* #![...] applies to the enclosing module, file or block. */
		attr_effect_of(node, w->src, &eff);
		parent->inner.test |= eff.test;
		attrs_apply(node, w->src, w->names, w->n_names, &parent->inner);
		return 0;
	}
	s = parent->pending_attrs ? parent->pending : parent->inner;
	s.test |= parent->pending_test;
	s.doc_start = parent->pending_doc ? parent->pending_doc_start : ts_node_start_byte(node);
	if (starts_const_context(parent->node, node))
		s.in_const = true;
	parent->pending_test = false;
	parent->pending_attrs = false;
	parent->pending_doc = false;
	if (holds_statements(parent->node))
		s.statement_start = ts_node_start_byte(node);
	/* macro_rules! bodies are templates, not code: nothing in them runs as written. */
	if (kind == RK_MACRO_DEFINITION)
		return 0;
	if ((rc = frames_reserve(w, depth)) != 0)
		return rc;
	if ((rc = w->visit(w->data, node, &s)) == RUST_WALK_SKIP_CHILDREN)
		return 0;              /* the visitor took care of the subtree */
	if (rc != 0)
		return rc < 0 ? rc : RR_ERR;
	w->frames[depth].node = node;
	w->frames[depth].inner = s;
	w->frames[depth].pending_test = false;
	w->frames[depth].pending_attrs = false;
	w->frames[depth].pending_doc = false;
	scope_for_children(w, depth, node, kind, &w->frames[depth].inner);
	return 1;
}

bool rust_cursor_next(TSTreeCursor *c, bool descend)
{
	if (descend && ts_tree_cursor_goto_first_child(c))
		return true;
	while (!ts_tree_cursor_goto_next_sibling(c))
		if (!ts_tree_cursor_goto_parent(c))
			return false;
	return true;
}

int rust_walk(TSNode root, const char *src, const struct rust_scope *initial,
	      const struct rust_lint_name *lint_names, size_t n_lint_names,
	      rust_visit_fn visit, void *data)
{
	struct walker w = { src, lint_names, n_lint_names, visit, data, NULL, 0 };
	TSTreeCursor c = ts_tree_cursor_new(root);
	size_t depth = 0;
	int rc, descend;

	if ((rc = frames_reserve(&w, 0)) != 0)
		goto out;
	memset(&w.frames[0], 0, sizeof(w.frames[0]));
	w.frames[0].node = root;
	w.frames[0].inner = *initial;
	if ((rc = visit(data, root, initial)) != 0)
		goto out;
	descend = 1;
	for (;;) {
		if (descend && ts_tree_cursor_goto_first_child(&c)) {
			depth++;
		} else {
			while (!ts_tree_cursor_goto_next_sibling(&c)) {
				if (depth == 0 || !ts_tree_cursor_goto_parent(&c))
					goto out;
				depth--;
			}
			if (depth == 0)
				goto out;
		}
		descend = walker_enter(&w, ts_tree_cursor_current_node(&c), depth);
		if (descend < 0) {
			rc = descend;
			goto out;
		}
	}
out:
	ts_tree_cursor_delete(&c);
	free(w.frames);
	return rc;
}
