/* engine.c — parse one file, run the rule table over its tree, keep what touches added lines. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "config.h"
#include "glob.h"
#include "introduced.h"
#include "macro_body.h"
#include "ranges.h"
#include "rules/rules.h"
#include "rust.h"

/* The clippy groups level attributes may name (`#![warn(clippy::pedantic)]`). */
static const char *const engine_groups[] = { "all", "correctness", "suspicious", "style",
					     "complexity", "perf", "pedantic", "restriction",
					     "nursery", "cargo" };
#define ENGINE_N_GROUPS (sizeof(engine_groups) / sizeof(engine_groups[0]))
/* Each rule by its id and its clippy name, the groups, and `warnings`. */
#define ENGINE_MAX_LINT_NAMES (2 * REVIEW_MAX_RULES + ENGINE_N_GROUPS + 1)

struct review_engine {
	TSParser *parser;
	struct rust_lint_name lint_names[ENGINE_MAX_LINT_NAMES];   /* for rust_walk */
	size_t n_lints;
	uint64_t by_kind[RK_COUNT];   /* per node kind: the rules whose check inspects it */
	uint64_t every_kind;          /* rules that declare no kinds: called for every node */
	uint64_t production_only;     /* rules exempt in test code */
	struct review_engine *helpers[REVIEW_MAX_THREADS - 1];   /* created on demand */
	unsigned threads;             /* for review_run; 0: its default */
	bool whole_files;             /* ranged parsing off (review_engine_set_ranged) */
	struct review_engine_stats stats;   /* this engine's own files */
};

static void engine_add_lint_name(struct review_engine *e, const char *tool, const char *name,
				 uint64_t rules)
{
	if (e->n_lints < ENGINE_MAX_LINT_NAMES && name && rules)
		e->lint_names[e->n_lints++] = (struct rust_lint_name){ tool, name, rules };
}

/*
 * The names level attributes may use: `clippy::<id>` for every rule (what
 * `#[allow]` always accepted), `clippy::<lint>` or the rustc lint where the
 * rule corresponds to one under another name, each clippy group with the
 * rules whose lint it contains, and rustc's `warnings` (every rule).
 */
static void engine_map_lint_names(struct review_engine *e)
{
	uint64_t all = 0;

	for (size_t i = 0; i < rule_table_len; i++) {
		const char *id = rule_table[i]->info.id, *lint = rules_clippy_lint(i);
		uint64_t bit = (uint64_t)1 << i;
		all |= bit;
		engine_add_lint_name(e, "clippy", id, bit);
		if (lint && strcmp(lint, id) != 0)
			engine_add_lint_name(e, "clippy", lint, bit);
		if (rules_rustc_lint(i))
			engine_add_lint_name(e, NULL, rules_rustc_lint(i), bit);
	}
	for (size_t g = 0; g < ENGINE_N_GROUPS; g++) {
		uint64_t members = 0;
		for (size_t i = 0; i < rule_table_len; i++)
			if (rules_clippy_lint(i) && config_group_has(engine_groups[g], rules_clippy_lint(i)))
				members |= (uint64_t)1 << i;
		engine_add_lint_name(e, "clippy", engine_groups[g], members);
	}
	engine_add_lint_name(e, NULL, "warnings", all);
}

/* The dispatch table: which rules to call for a node of each kind. */
static int engine_map_kinds(struct review_engine *e, struct rr_error *err)
{
	for (size_t i = 0; i < rule_table_len; i++) {
		const struct rule *r = rule_table[i];
		uint64_t bit = (uint64_t)1 << i;
		if (r->info.production_only)
			e->production_only |= bit;
		if (!r->kinds) {
			e->every_kind |= bit;
			continue;
		}
		for (const char *const *k = r->kinds; *k; k++) {
			enum rust_kind kind = rust_kind_for_name(*k);
			/* A kind missing from enum rust_kind would silently never match. */
			if (kind == RK_NONE)
				return rr_error_set(err, RR_ERR,
						    "engine: rule %s inspects node kind '%s', which "
						    "review/rust.h does not list",
						    r->info.id, *k);
			e->by_kind[kind] |= bit;
		}
	}
	return RR_OK;
}

int review_engine_new(struct review_engine **out, struct rr_error *err)
{
	struct review_engine *e;
	int rc;

	*out = NULL;
	if (rule_table_len > 64)
		return rr_error_set(err, RR_ERR, "engine: %zu rules exceed the 64 allow bits",
				    rule_table_len);
	e = calloc(1, sizeof(*e));
	if (!e)
		return rr_error_set(err, RR_ENOMEM, "engine: out of memory");
	e->parser = ts_parser_new();
	if (!e->parser) {
		free(e);
		return rr_error_set(err, RR_ENOMEM, "engine: cannot create a tree-sitter parser");
	}
	if (!ts_parser_set_language(e->parser, tree_sitter_rust())) {
		ts_parser_delete(e->parser);
		free(e);
		return rr_error_set(err, RR_ECONFIG,
				    "engine: tree-sitter runtime (ABI %d) cannot load the Rust grammar "
				    "(ABI %u)",
				    TREE_SITTER_LANGUAGE_VERSION,
				    ts_language_version(tree_sitter_rust()));
	}
	engine_map_lint_names(e);
	if ((rc = engine_map_kinds(e, err)) != RR_OK) {
		review_engine_free(e);
		return rc;
	}
	*out = e;
	return RR_OK;
}

void review_engine_free(struct review_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < sizeof(e->helpers) / sizeof(e->helpers[0]); i++)
		review_engine_free(e->helpers[i]);
	ts_parser_delete(e->parser);
	free(e);
}

void review_engine_set_threads(struct review_engine *e, unsigned threads)
{
	if (e)
		e->threads = threads > REVIEW_MAX_THREADS ? REVIEW_MAX_THREADS : threads;
}

unsigned review_engine_threads(const struct review_engine *e)
{
	return e ? e->threads : 0;
}

struct review_engine *review_engine_helper(struct review_engine *e, size_t i,
					   struct rr_error *err)
{
	if (!e || i >= sizeof(e->helpers) / sizeof(e->helpers[0])) {
		rr_error_set(err, RR_EINVAL, "engine: no helper engine %zu", i);
		return NULL;
	}
	if (!e->helpers[i] && review_engine_new(&e->helpers[i], err) != RR_OK)
		return NULL;
	e->helpers[i]->whole_files = e->whole_files;
	return e->helpers[i];
}

/* --- emitting findings ---------------------------------------------------- */

char *rule_format(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Length of the valid UTF-8 sequence at s, or 0 when the byte starts none. */
static size_t utf8_len_at(const unsigned char *s, size_t n)
{
	size_t need = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
				  : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (need == 0 || need > n || (need == 2 && s[0] < 0xC2))
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return need;
}

static bool utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len_at((const unsigned char *)s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

void rule_quote(TSNode n, const char *src, char *buf, size_t cap)
{
	const char *p = rust_node_ptr(n, src);
	size_t len = rust_node_len(n), o = 0;

	if (cap < 8)
		return;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len_at((const unsigned char *)p + i, len - i);
		if (o + (k ? k : 1) + 4 > cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (k > 1) {
			memcpy(buf + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		/* Keep a quote on one line and inside its `code` span. */
		char c = p[i++];
		buf[o++] = !k ? '?' : c == '\n' || c == '\r' || c == '\t' ? ' ' : c == '`' ? '\'' : c;
	}
	buf[o] = '\0';
}

/* The lines of the span with the replacement applied, or NULL when the result
 * would not be valid UTF-8 (a suggestion must round-trip through JSON). */
static char *suggestion_lines(const struct rule_ctx *ctx, size_t start, size_t end,
			      const char *replacement)
{
	size_t ls = start, le = rust_line_end(ctx->src, ctx->len, end);
	struct rr_buf b = RR_BUF_INIT;

	while (ls > 0 && ctx->src[ls - 1] != '\n')
		ls--;
	if (le > end && ctx->src[le - 1] == '\r')
		le--;
	if (rr_buf_append(&b, ctx->src + ls, start - ls) || rr_buf_puts(&b, replacement) ||
	    rr_buf_append(&b, ctx->src + end, le - end)) {
		rr_buf_free(&b);
		return NULL;
	}
	if (!utf8_valid(b.data, b.len) || memchr(b.data, '\0', b.len)) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}

int rule_emit(struct rule_ctx *ctx, TSPoint start, uint32_t start_byte, TSPoint end,
	      uint32_t end_byte, const char *message, const char *replacement)
{
	struct finding f;

	memset(&f, 0, sizeof(f));
	if (end_byte < start_byte || end_byte > ctx->len)
		return RR_OK;    /* a malformed span from a recovered tree: nothing sane to say */
	f.path = rr_strdup(ctx->path);
	f.message = rr_strdup(message);
	f.line = start.row + 1;
	f.column = start.column + 1;
	f.end_line = end.row + 1;
	f.end_column = end.column + 1;
	f.rule_id = ctx->rule->info.id;
	f.severity = ctx->severity;
	if (!f.path || !f.message)
		goto nomem;
	if (replacement && utf8_valid(replacement, strlen(replacement))) {
		f.suggestion_lines = suggestion_lines(ctx, start_byte, end_byte, replacement);
		if (f.suggestion_lines && !(f.replacement = rr_strdup(replacement)))
			goto nomem;
	}
	/* While the tree is here: what decides whether the base already had it. */
	if (!ts_node_is_null(ctx->code_root) &&
	    !(f.code = introduced_code(ctx->code_root, ctx->src, start_byte, end_byte)))
		goto nomem;
	return finding_list_push(ctx->out, &f);
nomem:
	finding_free(&f);
	return RR_ENOMEM;
}

int rule_emit_nodes(struct rule_ctx *ctx, TSNode first, TSNode last, const char *message,
		    const char *replacement)
{
	return rule_emit(ctx, ts_node_start_point(first), ts_node_start_byte(first),
			 ts_node_end_point(last), ts_node_end_byte(last), message, replacement);
}

/* --- options ---------------------------------------------------------------- */

const char *review_level_name(enum review_level l)
{
	switch (l) {
	case REVIEW_LEVEL_OFF: return "off";
	case REVIEW_LEVEL_NOTE: return "note";
	case REVIEW_LEVEL_WARNING: return "warning";
	case REVIEW_LEVEL_ERROR: return "error";
	case REVIEW_LEVEL_DEFAULT: break;
	}
	return "default";
}

void review_options_init(struct review_options *o)
{
	memset(o, 0, sizeof(*o));
	o->fail_on = RR_SEV_NOTE;
}

void review_options_free(struct review_options *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_exclude; i++)
		free(o->exclude[i]);
	free(o->exclude);
	for (size_t i = 0; i < o->n_test_paths; i++)
		free(o->test_paths[i]);
	free(o->test_paths);
	config_clippy_free(&o->clippy);
	review_options_init(o);
}

bool review_options_excludes(const struct review_options *o, const char *path)
{
	for (size_t i = 0; o && path && i < o->n_exclude; i++)
		if (glob_match(o->exclude[i], path))
			return true;
	return false;
}

bool review_options_test_path(const struct review_options *o, const char *path)
{
	for (size_t i = 0; o && path && i < o->n_test_paths; i++)
		if (glob_match(o->test_paths[i], path))
			return true;
	return false;
}

bool review_options_fails(const struct review_options *o, enum rr_severity s)
{
	int fail_on = o ? o->fail_on : RR_SEV_NOTE;
	return fail_on != REVIEW_FAIL_NEVER && (int)s >= fail_on;
}

int review_rule_index(const char *id)
{
	for (size_t i = 0; id && i < rule_table_len; i++)
		if (strcmp(rule_table[i]->info.id, id) == 0)
			return (int)i;
	return -1;
}

/* --- `// rustreview: allow(rule, ...)` comments ------------------------------ */

struct allow_comment {
	uint32_t line;       /* 1-based line of the comment */
	bool alone;          /* nothing but blanks before it on its line: covers the next line too */
	uint64_t rules;      /* bit i: rule_table[i] */
};

struct allow_comments {
	struct allow_comment *v;
	size_t n, cap;
};

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == ':';
}

/* Bits of the rules one name stands for: a rule id (`clippy::` prefix allowed) or "all". */
static uint64_t allow_name_bits(const char *name, size_t n)
{
	char buf[96];

	if (n > 8 && memcmp(name, "clippy::", 8) == 0) {
		name += 8;
		n -= 8;
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if (strcmp(buf, "all") == 0)
		return ~(uint64_t)0;
	int idx = review_rule_index(buf);
	return idx >= 0 && idx < 64 ? (uint64_t)1 << idx : 0;
}

/*
 * The rules a comment allows: its text, after the comment opener (and the
 * extra / ! * of doc comments) and blanks, must start with
 * "rustreview: allow(" — prose that merely mentions the phrase does not count.
 */
static uint64_t allow_comment_bits(const char *p, size_t n)
{
	static const char tag[] = "rustreview:";
	size_t i = 2;        /* past // or slash-star */
	uint64_t bits = 0;

	while (i < n && (p[i] == '/' || p[i] == '!' || p[i] == '*'))
		i++;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (n - i < sizeof(tag) - 1 || memcmp(p + i, tag, sizeof(tag) - 1) != 0)
		return 0;
	for (i += sizeof(tag) - 1; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (n - i < 6 || memcmp(p + i, "allow(", 6) != 0)
		return 0;
	for (i += 6; i < n && p[i] != ')';) {
		size_t start;
		if (p[i] == ',' || p[i] == ' ' || p[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < n && is_name_char(p[i]))
			i++;
		if (i == start)
			return 0;                /* not a list of names: ignore the comment */
		bits |= allow_name_bits(p + start, i - start);
	}
	return i < n ? bits : 0;
}

static int allow_comments_add(struct allow_comments *a, uint32_t line, bool alone,
			      uint64_t rules)
{
	if (a->n == a->cap) {
		struct allow_comment *v = rr_array_grow(a->v, &a->cap, sizeof(*v), 8);
		if (!v)
			return RR_ENOMEM;
		a->v = v;
	}
	a->v[a->n++] = (struct allow_comment){ line, alone, rules };
	return RR_OK;
}

/* True when only blanks precede byte pos on its line. */
static bool alone_on_line(const char *src, size_t pos)
{
	while (pos > 0 && (src[pos - 1] == ' ' || src[pos - 1] == '\t'))
		pos--;
	return pos == 0 || src[pos - 1] == '\n';
}

/* Every comment node of the tree (comments are extras: they can be anywhere). */
static int allow_comments_collect(TSNode root, const char *src, struct allow_comments *out)
{
	TSTreeCursor c = ts_tree_cursor_new(root);
	int rc = RR_OK;

	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		enum rust_kind kind = rust_node_kind(n);
		bool comment = kind == RK_LINE_COMMENT || kind == RK_BLOCK_COMMENT;
		if (comment) {
			uint64_t bits = allow_comment_bits(rust_node_ptr(n, src), rust_node_len(n));
			if (bits && (rc = allow_comments_add(out, ts_node_start_point(n).row + 1,
							     alone_on_line(src, ts_node_start_byte(n)),
							     bits)))
				break;
		}
		if (!rust_cursor_next(&c, !comment))
			break;
	}
	ts_tree_cursor_delete(&c);
	return rc;
}

static bool allow_comments_cover(const struct allow_comments *a, uint32_t line, int rule)
{
	for (size_t i = 0; rule >= 0 && rule < 64 && i < a->n; i++)
		if ((a->v[i].line == line || (a->v[i].alone && a->v[i].line + 1 == line)) &&
		    (a->v[i].rules & ((uint64_t)1 << rule)))
			return true;
	return false;
}

/* --- running the rules ---------------------------------------------------- */

/* One file's run. The rule context comes first: rules see &run->ctx. */
struct engine_run {
	struct rule_ctx ctx;
	const struct review_engine *e;
	TSParser *parser;            /* e's, for macro bodies */
	const struct review_options *opts;
	uint64_t enabled;            /* on where no lint attribute says otherwise */
	uint64_t runnable;           /* not switched off by .rustreview.toml: attributes
	                                in the code can switch these on and off */
	enum rr_severity severity[REVIEW_MAX_RULES];   /* where no attribute sets a level */
	uint64_t test_exempt;        /* rules that skip test code */
	unsigned macro_depth;        /* macro bodies being reviewed around this node */
};

static enum review_level engine_level(const struct review_options *o, size_t i)
{
	return o && i < REVIEW_MAX_RULES ? o->level[i] : REVIEW_LEVEL_DEFAULT;
}

/* clippy.toml's allow-X-in-tests, where written, decides whether rule id
 * skips test code; unset, the rule's own context does. */
static void engine_test_toggle(uint64_t *exempt, const char *id, enum review_toggle t)
{
	int i = review_rule_index(id);
	if (i < 0 || t == REVIEW_UNSET)
		return;
	if (t == REVIEW_YES)
		*exempt |= (uint64_t)1 << i;
	else
		*exempt &= ~((uint64_t)1 << i);
}

/* The rules on for this file before any attribute (bit i: rule_table[i]),
 * the ones attributes may still switch on, their severities, and the ones
 * test code is exempt from. */
static void engine_file_levels(struct engine_run *run, const struct review_options *opts)
{
	run->test_exempt = run->e->production_only;
	if (opts) {
		const struct review_clippy_conf *c = &opts->clippy;
		engine_test_toggle(&run->test_exempt, "unwrap_used", c->allow_unwrap_in_tests);
		engine_test_toggle(&run->test_exempt, "expect_used", c->allow_expect_in_tests);
		engine_test_toggle(&run->test_exempt, "panic", c->allow_panic_in_tests);
		engine_test_toggle(&run->test_exempt, "print_stdout", c->allow_print_in_tests);
		engine_test_toggle(&run->test_exempt, "print_stderr", c->allow_print_in_tests);
		engine_test_toggle(&run->test_exempt, "dbg_macro", c->allow_dbg_in_tests);
	}
	for (size_t i = 0; i < rule_table_len; i++) {
		enum review_level l = engine_level(opts, i);
		uint64_t bit = (uint64_t)1 << i;
		bool off = l == REVIEW_LEVEL_DEFAULT ? rule_table[i]->info.default_off
						     : l == REVIEW_LEVEL_OFF;
		run->severity[i] = l == REVIEW_LEVEL_NOTE ? RR_SEV_NOTE
				   : l == REVIEW_LEVEL_WARNING ? RR_SEV_WARNING
				   : l == REVIEW_LEVEL_ERROR ? RR_SEV_ERROR
				   : rule_table[i]->info.severity;
		if (rule_table[i]->applies && !rule_table[i]->applies(opts))
			continue;           /* nothing to look for: never runs here */
		if (!off)
			run->enabled |= bit;
		if (!(opts && (opts->repo_off & bit)))
			run->runnable |= bit;
	}
}

static int engine_visit(void *data, TSNode node, const struct rust_scope *scope);

/* Macro bodies inside macro bodies are parsed this deep, no deeper. */
#define ENGINE_MACRO_DEPTH 8

/*
 * A braced macro invocation's body, parsed as Rust (macro_body.h), reviewed
 * like the code around it: its own walk, with the invocation's scope, and the
 * findings' code read from its tree. Returns RUST_WALK_SKIP_CHILDREN when it
 * did so (the outer walk then does not scan the token tree again), 0 when the
 * body does not parse as Rust (the rules scan the token tree as before), or
 * an error.
 */
static int engine_macro_body(struct engine_run *run, TSNode node, const struct rust_scope *scope)
{
	struct rule_ctx *ctx = &run->ctx;
	struct macro_body body;
	TSNode saved = ctx->code_root;
	int rc = 0;

	if (run->macro_depth >= ENGINE_MACRO_DEPTH || !macro_body_is_braced(node) ||
	    macro_body_parse(run->parser, ctx->src, (uint32_t)ctx->len, node, &body) != 0 ||
	    body.n == 0)
		return 0;
	run->macro_depth++;
	for (unsigned i = 0; i < body.n && rc == 0; i++) {
		ctx->code_root = ts_tree_root_node(body.trees[i]);
		rc = rust_walk(ctx->code_root, ctx->src, scope, run->e->lint_names, run->e->n_lints,
			       engine_visit, run);
	}
	run->macro_depth--;
	ctx->code_root = saved;
	macro_body_free(&body);
	return rc ? rc : RUST_WALK_SKIP_CHILDREN;
}

/*
 * Calls, in table order, the rules that inspect this node's kind and are on
 * here: switched on by the innermost lint attribute that names them (review
 * options otherwise), and not production-only in test code; then reviews a
 * macro invocation's body as Rust when it is one.
 */
static int engine_visit(void *data, TSNode node, const struct rust_scope *scope)
{
	struct engine_run *run = data;
	struct rule_ctx *ctx = &run->ctx;
	const struct review_engine *e = run->e;
	const struct rust_lint_levels *lv = &scope->lints;
	uint64_t due = (e->by_kind[rust_node_kind(node)] | e->every_kind) & run->runnable;

	if (!due)
		return 0;
	due &= (lv->set & lv->on) | (~lv->set & run->enabled);
	if (scope->test)
		due &= ~run->test_exempt;
	while (due) {
		size_t i = (size_t)__builtin_ctzll(due);
		uint64_t bit = (uint64_t)1 << i;
		int rc;
		due &= due - 1;
		ctx->rule = rule_table[i];
		ctx->severity = !(lv->set & bit) ? run->severity[i]
				: (lv->deny & bit) ? RR_SEV_ERROR : RR_SEV_WARNING;
		if ((rc = rule_table[i]->check(ctx, node, scope)) != 0)
			return rc;
	}
	if (rust_is(node, RK_MACRO_INVOCATION))
		return engine_macro_body(run, node, scope);
	return 0;
}

/*
 * After fingerprinting (so suppressing one of two identical lines does not
 * shift the other's fingerprint): drops findings an allow comment covers.
 */
static void engine_settle(struct finding_list *all, const struct allow_comments *allows)
{
	for (size_t i = 0; i < all->n;) {
		struct finding *f = &all->items[i];
		if (allow_comments_cover(allows, f->line, review_rule_index(f->rule_id))) {
			finding_list_remove(all, i);
			continue;
		}
		i++;
	}
}

/* True when the file has a lint attribute that may switch a rule on. */
static bool engine_file_may_enable(const char *src, size_t len)
{
	static const char *const words[] = { "warn(", "deny(", "forbid(" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(src, len, words[i], strlen(words[i])))
			return true;
	return false;
}

/* --- the no-parse fast path ------------------------------------------------- */

/* Byte offset where 1-based line `line` starts (len when the file is shorter). */
static size_t engine_line_offset(const char *src, size_t len, uint32_t line)
{
	size_t pos = 0;

	for (uint32_t l = 1; l < line && pos < len; l++) {
		const char *nl = memchr(src + pos, '\n', len - pos);
		if (!nl)
			return len;
		pos = (size_t)(nl - src) + 1;
	}
	return pos;
}

static bool engine_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * True when trigger t occurs in src[from, len) where a token can start: a
 * trigger beginning with an identifier character must not continue an
 * identifier ("or" is not found in "for"; "print" is found in "println").
 */
static bool engine_trigger_in(const char *src, size_t from, size_t len, const char *t)
{
	size_t n = strlen(t);
	bool word = engine_ident_char(t[0]);

	while (from < len) {
		const char *hit = memmem(src + from, len - from, t, n);
		if (!hit)
			return false;
		if (!word || hit == src || !engine_ident_char(hit[-1]))
			return true;
		from = (size_t)(hit - src) + 1;
	}
	return false;
}

/*
 * False when no enabled rule can report a finding on an added line, so the
 * file need not be parsed at all. A finding kept by keep_added starts on an
 * added line and its span holds one of its rule's triggers (struct
 * rule.triggers), so some trigger occurs at or after the start of the first
 * added line; when none does, the full review would keep nothing either.
 */
static bool engine_may_report(const char *src, size_t len, const struct line_set *added,
			      uint64_t enabled)
{
	size_t from;

	if (!added)
		return true;                       /* every line counts */
	if (added->n == 0)
		return false;
	from = engine_line_offset(src, len, added->ranges[0].start);
	for (size_t i = 0; i < rule_table_len; i++) {
		const struct rule *r = rule_table[i];
		if (!(enabled & ((uint64_t)1 << i)))
			continue;
		if (!r->triggers)
			return true;
		for (const char *const *t = r->triggers; *t; t++)
			if (engine_trigger_in(src, from, len, *t))
				return true;
	}
	return false;
}

/* Moves the findings whose first line was added into out. */
static int keep_added(struct finding_list *all, const struct line_set *added,
		      struct finding_list *out)
{
	int rc = RR_OK;

	for (size_t i = 0; i < all->n; i++) {
		struct finding *f = &all->items[i];
		if (added && !line_set_contains(added, f->line)) {
			finding_free(f);
			continue;
		}
		if (rc == RR_OK)
			rc = finding_list_push(out, f);
		else
			finding_free(f);
	}
	all->n = 0;
	return rc;
}

/* --- ranged parsing (review/ranges.h) ------------------------------------------ */

void review_engine_set_ranged(struct review_engine *e, bool on)
{
	if (!e)
		return;
	e->whole_files = !on;
	for (size_t i = 0; i < sizeof(e->helpers) / sizeof(e->helpers[0]); i++)
		if (e->helpers[i])
			e->helpers[i]->whole_files = !on;
}

void review_engine_stats(const struct review_engine *e, struct review_engine_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; e && i < sizeof(e->helpers) / sizeof(e->helpers[0]) + 1; i++) {
		const struct review_engine *h = i == 0 ? e : e->helpers[i - 1];
		if (!h)
			continue;
		out->ranged += h->stats.ranged;
		out->whole += h->stats.whole;
		out->retried += h->stats.retried;
	}
}

/*
 * Rules that read past the item they report in and the context ranges.c
 * includes (module-level `use`s, the file's types and impl headers the parsed
 * code names): a node of the parsed code starts the lookup (so its text is in
 * the parsed ranges), and sometimes the lookup can only find something when
 * the file has a certain declaration. When both hold, the file is parsed
 * whole. (test_ranges and tests/fuzz/fuzz_ranged compare ranged and whole
 * reviews, and find a rule missing here.)
 */
enum engine_cond {
	EC_ALWAYS,                 /* the parsed text alone */
	EC_INHERENT_FN,            /* and an inherent impl of the file defines fn `arg` */
	EC_TEXT,                   /* and the file holds the text `arg` */
	EC_REFERENCE,              /* the parsed text as a referenced type (`&T`, `&mut T`,
				      `&'a T`), and an unparsed fn body may declare a fn */
};

static const struct {
	const char *parsed;        /* in the parsed ranges (a blank: any run of blanks) */
	enum engine_cond cond;
	const char *arg;
} engine_whole_file_readers[] = {
	/* rule_helpers.c: the file's own inherent unwrap/expect */
	{ "unwrap", EC_INHERENT_FN, "unwrap" }, { "expect", EC_INHERENT_FN, "expect" },
	/* static_mut_refs.c: every reference in the file */
	{ "static mut", EC_ALWAYS, NULL },
	/* api_helpers.c (exit, mem_forget, transmute_without_safety): every `use` and
	 * fn of that name at any depth; mem_forget.c: impl Drop */
	{ "exit", EC_ALWAYS, NULL }, { "forget", EC_ALWAYS, NULL }, { "transmute", EC_ALWAYS, NULL },
	/* ptr_arg.c: the fns of the file the parameter is passed to, at any depth (the
	 * context holds the signatures of those at module level and in impls) */
	{ "Vec", EC_REFERENCE, NULL }, { "String", EC_REFERENCE, NULL },
	{ "PathBuf", EC_REFERENCE, NULL }, { "Cow", EC_REFERENCE, NULL },
};

/* True when text occurs in s[0, n), a blank in text matching any run of blanks
 * (none included). *at: where the match starts (may be NULL). */
static bool engine_text_at(const char *s, size_t n, const char *text, const char **at)
{
	const char *blank = strchr(text, ' ');
	size_t first = blank ? (size_t)(blank - text) : strlen(text);

	for (const char *end = s + n, *hit; s < end && (hit = memmem(s, (size_t)(end - s), text,
								      first)); s = hit + 1) {
		const char *p = hit + first, *t = text + first;
		while (*t) {
			if (*t == ' ') {
				while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
					p++;
				t++;
			} else if (p < end && *p == *t) {
				p++;
				t++;
			} else {
				break;
			}
		}
		if (!*t) {
			if (at)
				*at = hit;
			return true;
		}
	}
	return false;
}

static bool engine_text_in(const char *s, size_t n, const char *text)
{
	return engine_text_at(s, n, text, NULL);
}

static bool engine_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool engine_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* True when word at s[i] is a referenced type: `&` before it, with blanks, `mut`
 * and one lifetime allowed between. */
static bool engine_referenced_at(const char *s, size_t lo, size_t i)
{
	size_t j = i;

	while (j > lo && engine_blank(s[j - 1]))
		j--;
	if (j >= lo + 3 && memcmp(s + j - 3, "mut", 3) == 0 &&
	    (j == lo + 3 || !engine_word_char(s[j - 4]))) {
		j -= 3;
		while (j > lo && engine_blank(s[j - 1]))
			j--;
	}
	if (j > lo && engine_word_char(s[j - 1])) {           /* a lifetime 'a */
		size_t k = j;
		while (k > lo && engine_word_char(s[k - 1]))
			k--;
		if (k > lo && s[k - 1] == '\'') {
			j = k - 1;
			while (j > lo && engine_blank(s[j - 1]))
				j--;
		}
	}
	return j > lo && s[j - 1] == '&';
}

/*
 * True when the parsed ranges hold text. A referenced type (`&Vec<T>`) counts
 * only in the items parsed whole: ptr_arg looks up a callee from a
 * parameter's use in its fn's body, and the signatures and shells of the
 * context have empty bodies (a `-> &mut Vec<u8>` among them cost hyper's
 * io.rs a whole parse for any one-line change).
 */
static bool engine_ranges_hold(const struct ranges_plan *plan, const char *text, bool reference)
{
	size_t count = reference ? plan->n_faithful : plan->n;

	for (size_t i = 0; i < count; i++) {
		uint32_t start = reference ? plan->faithful[i].start : plan->ranges[i].start_byte;
		uint32_t end = reference ? plan->faithful[i].end : plan->ranges[i].end_byte;
		const char *s = plan->src + start, *at;
		size_t n = end - start;
		while (engine_text_at(s, n, text, &at)) {
			if (!reference || engine_referenced_at(plan->src, start, (size_t)(at - plan->src)))
				return true;
			n -= (size_t)(at + 1 - s);
			s = at + 1;
		}
	}
	return false;
}

/*
 * True when this file can be parsed in part: only the added lines' findings
 * are kept, ranges_plan found the items they need, and no rule reads beyond
 * them. clippy.toml's disallowed methods and macros are looked up through
 * every `use` and macro definition of the file: with any, files are parsed whole.
 */
static bool engine_plan_ranges(const struct review_engine *e, const char *src, size_t len,
			       const struct line_set *added, const struct review_options *opts,
			       struct ranges_plan *plan)
{
	if (e->whole_files || !added || (opts && (opts->clippy.n_methods || opts->clippy.n_macros)) ||
	    ranges_plan(plan, src, len, added) != RANGES_PARTIAL)
		return false;
	for (size_t i = 0; i < sizeof(engine_whole_file_readers) /
				sizeof(engine_whole_file_readers[0]); i++) {
		enum engine_cond c = engine_whole_file_readers[i].cond;
		const char *arg = engine_whole_file_readers[i].arg;
		if (!engine_ranges_hold(plan, engine_whole_file_readers[i].parsed, c == EC_REFERENCE))
			continue;
		if (c == EC_ALWAYS || (c == EC_REFERENCE && ranges_fn_in_unparsed_body(plan)) ||
		    (c == EC_INHERENT_FN && ranges_defines_inherent_fn(plan, arg)) ||
		    (c == EC_TEXT && engine_text_in(src, len, arg)))
			return false;
	}
	return true;
}

/* The planned ranges, or the whole file when there is no plan or the ranged
 * tree has a syntax error (the scan misjudged, or the file is broken there:
 * either way the whole file decides). */
static TSTree *engine_parse(struct review_engine *e, const char *src, size_t len,
			    bool *ranged, const struct ranges_plan *plan)
{
	if (*ranged) {
		TSTree *tree = ranges_parse(e->parser, plan);
		if (tree && !ts_node_has_error(ts_tree_root_node(tree))) {
			e->stats.ranged++;
			return tree;
		}
		if (tree)
			ts_tree_delete(tree);
		*ranged = false;
		e->stats.retried++;
	}
	e->stats.whole++;
	return ts_parser_parse_string(e->parser, NULL, src, (uint32_t)len);
}

/* False when a finding on an added line might have another occurrence index
 * (so another fingerprint) in the full parse: its line's text also appears
 * earlier outside the items parsed whole. */
static bool engine_ranged_fingerprints_hold(const struct finding_list *all,
					    const struct line_set *added,
					    const struct ranges_plan *plan)
{
	for (size_t i = 0; i < all->n; i++)
		if (line_set_contains(added, all->items[i].line) &&
		    ranges_text_seen_before(plan, all->items[i].line))
			return false;
	return true;
}

int review_engine_file_opts(struct review_engine *e, const char *path, const char *src,
			    size_t len, const struct line_set *added,
			    const struct review_options *opts, struct finding_list *out,
			    struct rr_error *err)
{
	struct finding_list all = FINDING_LIST_INIT;
	struct allow_comments allows = { NULL, 0, 0 };
	struct rust_scope top;
	struct engine_run run;
	struct rule_ctx *ctx = &run.ctx;
	struct ranges_plan plan = RANGES_PLAN_INIT;
	bool ranged;
	TSTree *tree = NULL;
	int rc;

	if (!e || !path || !out || (!src && len))
		return rr_error_set(err, RR_EINVAL, "engine: missing argument");
	if (len > UINT32_MAX)
		return rr_error_set(err, RR_ETOOBIG, "engine: %s: %zu bytes is too big to parse",
				    path, len);
	if (review_options_excludes(opts, path))
		return RR_OK;
	memset(&run, 0, sizeof(run));
	memset(&top, 0, sizeof(top));
	run.e = e;
	run.parser = e->parser;
	run.opts = opts;
	engine_file_levels(&run, opts);
	if (opts) {
		top.lints = opts->inherited;
		top.doc_hidden = opts->module && opts->module->doc_hidden;
	}
	/* the rules on anyway first: the file's own lint attributes (three reads
	 * of the whole file) matter only when those alone could report nothing */
	if (!engine_may_report(src ? src : "", len, added,
			       run.enabled | (top.lints.set & top.lints.on)) &&
	    !(engine_file_may_enable(src ? src : "", len) &&
	      engine_may_report(src ? src : "", len, added,
				run.enabled | (top.lints.set & top.lints.on) | run.runnable)))
		return RR_OK;
	ctx->path = path;
	ctx->src = src ? src : "";
	ctx->len = len;
	ctx->out = &all;
	ctx->opts = opts;
	rust_path_classify(path, &ctx->pathinfo);
	ctx->pathinfo.test |= review_options_test_path(opts, path);
	ctx->pathinfo.binary |= opts && opts->binary_target;
	top.test = ctx->pathinfo.test;
	ranged = engine_plan_ranges(e, ctx->src, len, added, opts, &plan);
again:
	tree = engine_parse(e, ctx->src, len, &ranged, &plan);
	if (!tree) {
		ts_parser_reset(e->parser);
		rc = rr_error_set(err, RR_ERR, "engine: %s: tree-sitter returned no tree", path);
		goto cleanup;
	}
	ctx->root = ts_tree_root_node(tree);
	ctx->code_root = ctx->root;
	rc = rust_walk(ctx->root, ctx->src, &top, e->lint_names, e->n_lints, engine_visit, &run);
	if (rc == RR_OK && len >= 11 && memmem(ctx->src, len, "rustreview:", 11))
		rc = allow_comments_collect(ts_tree_root_node(tree), ctx->src, &allows);
	if (rc) {
		rr_error_set(err, rc, "engine: %s: %s while running the rules", path,
			     rr_strcode(rc));
		goto cleanup;
	}
	finding_list_sort(&all);
	/* Fingerprint over the whole file, before filtering, so the occurrence
	 * index of a line does not depend on which lines this diff added. */
	findings_fingerprint_file(&all, path, ctx->src, len);
	engine_settle(&all, &allows);
	/* One comment per problem (struct rule.supersedes): after every filter that
	 * drops findings, so silencing the specific rule brings the general one back. */
	if ((rc = rules_drop_superseded(&all)) != RR_OK) {
		rr_error_set(err, rc, "engine: %s: out of memory filtering findings", path);
		goto cleanup;
	}
	if (ranged && !engine_ranged_fingerprints_hold(&all, added, &plan)) {
		/* Once more from the whole file: the same findings, from scratch. */
		finding_list_free(&all);
		free(allows.v);
		allows = (struct allow_comments){ NULL, 0, 0 };
		ts_tree_delete(tree);
		tree = NULL;
		memset(ctx->own_method, 0, sizeof(ctx->own_method));
		ctx->binding_visits = 0;
		rule_ctx_release(ctx);          /* it indexed the ranged tree */
		ranged = false;
		e->stats.retried++;
		goto again;
	}
	if ((rc = keep_added(&all, added, out)) != RR_OK)
		rr_error_set(err, rc, "engine: %s: out of memory keeping findings", path);
cleanup:
	rule_ctx_release(ctx);
	free(allows.v);
	finding_list_free(&all);
	ranges_plan_free(&plan);
	if (tree)
		ts_tree_delete(tree);
	return rc;
}

/* --- lint levels inherited from enclosing modules ------------------------------ */

/* The inner attributes at the start of a file or module body onto s. */
static void engine_inner_attrs(const struct review_engine *e, TSNode list, const char *src,
			       struct rust_scope *s)
{
	uint32_t n = ts_node_named_child_count(list);
	for (uint32_t i = 0; i < n; i++) {
		TSNode c = ts_node_named_child(list, i);
		if (rust_is(c, RK_INNER_ATTRIBUTE_ITEM))
			attrs_apply(c, src, e->lint_names, e->n_lints, s);
	}
}

/* `mod name` among list's items, with its outer attributes applied to s. */
static TSNode engine_find_mod(const struct review_engine *e, TSNode list, const char *src,
			      const char *name, struct rust_scope *s)
{
	uint32_t n = ts_node_named_child_count(list), first_attr = 0;
	bool in_attrs = false;

	for (uint32_t i = 0; i < n; i++) {
		TSNode c = ts_node_named_child(list, i);
		if (rust_is(c, RK_ATTRIBUTE_ITEM)) {
			if (!in_attrs)
				first_attr = i;
			in_attrs = true;
			continue;
		}
		if (rust_is(c, RK_LINE_COMMENT) || rust_is(c, RK_BLOCK_COMMENT))
			continue;
		if (rust_is(c, RK_MOD_ITEM) &&
		    rust_node_text_eq(rust_child_by_field(c, RF_NAME), src, name)) {
			for (uint32_t k = first_attr; in_attrs && k < i; k++)
				if (rust_is(ts_node_named_child(list, k), RK_ATTRIBUTE_ITEM))
					attrs_apply(ts_node_named_child(list, k), src, e->lint_names,
						    e->n_lints, s);
			return c;
		}
		in_attrs = false;
	}
	return (TSNode){ 0 };
}

/* Whether the path node names module `via` as one of its segments. */
static bool engine_path_has(TSNode path, const char *src, const char *via)
{
	for (int depth = 0; !ts_node_is_null(path) && depth < 32; depth++) {
		if (rust_is(path, RK_SCOPED_IDENTIFIER)) {
			if (rust_node_text_eq(rust_child_by_field(path, RF_NAME), src, via))
				return true;
			path = rust_child_by_field(path, RF_PATH);
			continue;
		}
		return rust_node_text_eq(path, src, via);
	}
	return false;
}

/* The last segment of a path node. */
static TSNode engine_last_segment(TSNode path)
{
	while (rust_is(path, RK_SCOPED_IDENTIFIER))
		path = rust_child_by_field(path, RF_NAME);
	return path;
}

/* One `pub use` tree: through = the path so far went through the module. */
static int engine_use_exports(TSNode tree, const char *src, const char *via, bool through,
			      struct review_module_info *info, int depth)
{
	TSNode last;
	int rc = RR_OK;

	if (depth > 8)
		return RR_OK;
	if (rust_is(tree, RK_USE_LIST)) {
		uint32_t n = ts_node_named_child_count(tree);
		for (uint32_t i = 0; i < n && rc == RR_OK; i++)
			rc = engine_use_exports(ts_node_named_child(tree, i), src, via, through, info,
						depth + 1);
		return rc;
	}
	if (rust_is(tree, RK_SCOPED_USE_LIST))
		return engine_use_exports(rust_child_by_field(tree, RF_LIST), src, via,
					  through || engine_path_has(rust_child_by_field(tree, RF_PATH),
								     src, via),
					  info, depth + 1);
	if (rust_node_is(tree, "use_wildcard")) {
		if (through || engine_path_has(ts_node_named_child(tree, 0), src, via))
			info->exported_all = true;
		return RR_OK;
	}
	if (rust_is(tree, RK_USE_AS_CLAUSE))       /* the item keeps its own name in its module */
		tree = rust_child_by_field(tree, RF_PATH);
	if (!(rust_is(tree, RK_SCOPED_IDENTIFIER) || rust_is(tree, RK_IDENTIFIER)))
		return RR_OK;
	last = engine_last_segment(tree);
	if (!(through || engine_path_has(rust_child_by_field(tree, RF_PATH), src, via)))
		return RR_OK;
	{
		char **v = realloc(info->exported, (info->n_exported + 1) * sizeof(*v));
		if (!v)
			return RR_ENOMEM;
		info->exported = v;
		if (!(v[info->n_exported] = rust_node_text_dup(last, src)))
			return RR_ENOMEM;
		info->n_exported++;
	}
	return RR_OK;
}

/*
 * The `pub use` declarations of list that go through module `via`: each
 * names an item that stays exported (`pub use self::imp::{Foo, bar}`: Foo,
 * bar; `pub use imp::Foo as Bar`: Foo); a glob through it (`pub use imp::*`)
 * exports everything.
 */
static int engine_reexports(TSNode list, const char *src, const char *via,
			    struct review_module_info *info)
{
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(list.tree));
	int rc = RR_OK;

	/* Anywhere in the file: `pub mod graph { pub use crate::imp::Graph; }` too. */
	while (rc == RR_OK) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		enum rust_kind k = rust_node_kind(cur);
		if (k == RK_USE_DECLARATION &&
		    rust_node_text_eq(rust_child_of_kind(cur, RK_VISIBILITY_MODIFIER), src, "pub"))
			rc = engine_use_exports(rust_child_by_field(cur, RF_ARGUMENT), src, via, false,
						info, 0);
		if (!rust_cursor_next(&c, k == RK_SOURCE_FILE || k == RK_MOD_ITEM ||
					      k == RK_DECLARATION_LIST))
			break;
	}
	ts_tree_cursor_delete(&c);
	return rc;
}

/*
 * A parent file parsed for a module step: only its inner attributes, `use`s
 * and `mod` declarations with the headers around them (ranges_plan_modules),
 * or the whole file when the scan is unsure or the ranged tree has an error.
 * A crate root or mod.rs is read for every file below it; hyper's lib.rs and
 * mod.rs parses were an eighth of a one-line check.
 */
static TSTree *engine_parse_module_decls(struct review_engine *e, const char *src, size_t len)
{
	struct ranges_plan plan = RANGES_PLAN_INIT;
	TSTree *tree = NULL;
	int rc = e->whole_files ? RANGES_UNSURE : ranges_plan_modules(&plan, src, len);

	if (rc == RANGES_PARTIAL && (tree = ranges_parse(e->parser, &plan)) &&
	    ts_node_has_error(ts_tree_root_node(tree))) {
		ts_tree_delete(tree);
		tree = NULL;
	}
	ranges_plan_free(&plan);
	return tree ? tree : ts_parser_parse_string(e->parser, NULL, src, (uint32_t)len);
}

int review_engine_module_step(struct review_engine *e, const char *src, size_t len,
			      const char *const *segs, size_t n_segs,
			      struct review_module_info *info, size_t *consumed,
			      bool *file_module, struct rr_error *err)
{
	struct rust_scope s;
	TSTree *tree;
	TSNode list;
	int rc = RR_OK;

	*consumed = 0;
	*file_module = false;
	if (!e || (!src && len) || !info)
		return rr_error_set(err, RR_EINVAL, "engine: missing argument");
	if (len > UINT32_MAX)
		return rr_error_set(err, RR_ETOOBIG, "engine: %zu bytes is too big to parse", len);
	if (!(tree = engine_parse_module_decls(e, src ? src : "", len))) {
		ts_parser_reset(e->parser);
		return rr_error_set(err, RR_ERR, "engine: tree-sitter returned no tree");
	}
	memset(&s, 0, sizeof(s));
	s.lints = info->lints;
	list = ts_tree_root_node(tree);
	engine_inner_attrs(e, list, src, &s);
	for (size_t i = 0; i < n_segs && rc == RR_OK; i++) {
		TSNode mod, body, vis;
		s.doc_hidden = false;
		mod = engine_find_mod(e, list, src, segs[i], &s);
		if (ts_node_is_null(mod))
			break;
		++*consumed;
		info->doc_hidden |= s.doc_hidden;
		vis = rust_child_of_kind(mod, RK_VISIBILITY_MODIFIER);
		if (!info->private_module && !rust_node_text_eq(vis, src, "pub")) {
			info->private_module = true;
			rc = engine_reexports(list, src, segs[i], info);
		}
		body = rust_child_by_field(mod, RF_BODY);
		if (ts_node_is_null(body)) {
			*file_module = true;    /* `mod a;`: the rest is in a's file */
			break;
		}
		engine_inner_attrs(e, body, src, &s);
		list = body;
	}
	info->lints = s.lints;
	ts_tree_delete(tree);
	if (rc)
		rr_error_set(err, rc, "engine: out of memory reading module declarations");
	return rc;
}

int review_engine_file(struct review_engine *e, const char *path, const char *src, size_t len,
		       const struct line_set *added, struct finding_list *out, struct rr_error *err)
{
	return review_engine_file_opts(e, path, src, len, added, NULL, out, err);
}
