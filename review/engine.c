/* engine.c — parse one file, run the rule table over its tree, keep what touches added lines. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rust.h"

struct review_engine {
	TSParser *parser;
	const char *lint_names[64];   /* rule ids, indexed like rust_scope.allowed bits */
	size_t n_lints;
};

int review_engine_new(struct review_engine **out, struct rr_error *err)
{
	struct review_engine *e;

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
	for (size_t i = 0; i < rule_table_len; i++)
		e->lint_names[i] = rule_table[i]->info.id;
	e->n_lints = rule_table_len;
	*out = e;
	return RR_OK;
}

void review_engine_free(struct review_engine *e)
{
	if (!e)
		return;
	ts_parser_delete(e->parser);
	free(e);
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
	f.severity = ctx->rule->info.severity;
	if (!f.path || !f.message)
		goto nomem;
	if (replacement && utf8_valid(replacement, strlen(replacement))) {
		f.suggestion_lines = suggestion_lines(ctx, start_byte, end_byte, replacement);
		if (f.suggestion_lines && !(f.replacement = rr_strdup(replacement)))
			goto nomem;
	}
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

/* --- running the rules ---------------------------------------------------- */

static int engine_visit(void *data, TSNode node, const struct rust_scope *scope)
{
	struct rule_ctx *ctx = data;

	for (size_t i = 0; i < rule_table_len; i++) {
		const struct rule *r = rule_table[i];
		int rc;
		if (scope->allowed & ((uint64_t)1 << i))
			continue;
		if (r->info.production_only && scope->test)
			continue;
		ctx->rule = r;
		if ((rc = r->check(ctx, node, scope)) != 0)
			return rc;
	}
	return 0;
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

int review_engine_file(struct review_engine *e, const char *path, const char *src, size_t len,
		       const struct line_set *added, struct finding_list *out, struct rr_error *err)
{
	struct finding_list all = FINDING_LIST_INIT;
	struct rust_scope top;
	struct rule_ctx ctx;
	TSTree *tree = NULL;
	int rc;

	if (!e || !path || !out || (!src && len))
		return rr_error_set(err, RR_EINVAL, "engine: missing argument");
	if (len > UINT32_MAX)
		return rr_error_set(err, RR_ETOOBIG, "engine: %s: %zu bytes is too big to parse",
				    path, len);
	memset(&ctx, 0, sizeof(ctx));
	memset(&top, 0, sizeof(top));
	ctx.path = path;
	ctx.src = src ? src : "";
	ctx.len = len;
	ctx.out = &all;
	rust_path_classify(path, &ctx.pathinfo);
	top.test = ctx.pathinfo.test;
	tree = ts_parser_parse_string(e->parser, NULL, ctx.src, (uint32_t)len);
	if (!tree) {
		ts_parser_reset(e->parser);
		rc = rr_error_set(err, RR_ERR, "engine: %s: tree-sitter returned no tree", path);
		goto cleanup;
	}
	rc = rust_walk(ts_tree_root_node(tree), ctx.src, &top, e->lint_names, e->n_lints,
		       engine_visit, &ctx);
	if (rc) {
		rr_error_set(err, rc, "engine: %s: %s while running the rules", path,
			     rr_strcode(rc));
		goto cleanup;
	}
	finding_list_sort(&all);
	/* Fingerprint over the whole file, before filtering, so the occurrence
	 * index of a line does not depend on which lines this diff added. */
	findings_fingerprint_file(&all, path, ctx.src, len);
	if ((rc = keep_added(&all, added, out)) != RR_OK)
		rr_error_set(err, rc, "engine: %s: out of memory keeping findings", path);
cleanup:
	finding_list_free(&all);
	if (tree)
		ts_tree_delete(tree);
	return rc;
}
