/* findings.c — finding lists, fingerprints, and the text / JSON / comment renderings. */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "../common/rr.h"
#include "engine.h"

const char *rr_severity_name(enum rr_severity s)
{
	switch (s) {
	case RR_SEV_NOTE: return "note";
	case RR_SEV_WARNING: return "warning";
	case RR_SEV_ERROR: return "error";
	}
	return "warning";
}

/* --- lists ---------------------------------------------------------------- */

void finding_free(struct finding *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->old_path);
	free(f->message);
	free(f->replacement);
	free(f->suggestion_lines);
	free(f->code);
	memset(f, 0, sizeof(*f));
}

int finding_list_push(struct finding_list *l, struct finding *f)
{
	if (l->n == l->cap) {
		struct finding *items = rr_array_grow(l->items, &l->cap, sizeof(*items), 16);
		if (!items) {
			finding_free(f);
			return RR_ENOMEM;
		}
		l->items = items;
	}
	l->items[l->n++] = *f;
	memset(f, 0, sizeof(*f));
	return RR_OK;
}

void finding_list_remove(struct finding_list *l, size_t i)
{
	if (i >= l->n)
		return;
	finding_free(&l->items[i]);
	memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(l->items[0]));
	l->n--;
}

static int strcmp_null(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int c = strcmp_null(a->path, b->path);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return strcmp_null(a->rule_id, b->rule_id);
}

void finding_list_sort(struct finding_list *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(l->items[0]), finding_cmp);
}

void finding_list_free(struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		finding_free(&l->items[i]);
	free(l->items);
	free(l->notice);
	l->items = NULL;
	l->notice = NULL;
	l->n = l->cap = 0;
}

int finding_list_add_notice(struct finding_list *l, const char *markdown)
{
	struct rr_buf b = RR_BUF_INIT;
	char *joined;

	if (!markdown || !*markdown)
		return RR_OK;
	if ((l->notice && (rr_buf_puts(&b, l->notice) || rr_buf_puts(&b, "\n\n"))) ||
	    rr_buf_puts(&b, markdown) || !(joined = rr_buf_detach(&b))) {
		rr_buf_free(&b);
		return RR_ENOMEM;
	}
	free(l->notice);
	l->notice = joined;
	return RR_OK;
}

void finding_notice_marker(const char *notice, char out[FINDING_NOTICE_MARKER_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!notice || EVP_Digest(notice, strlen(notice), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 < RR_FINGERPRINT_LEN) {
		/* A marker that never equals a real one: the notice is posted again. */
		snprintf(out, FINDING_NOTICE_MARKER_SIZE, "<!-- rustreview:notice=none -->");
		return;
	}
	rr_hex(md, mdlen, hex);
	snprintf(out, FINDING_NOTICE_MARKER_SIZE, "<!-- rustreview:notice=%.*s -->",
		 RR_FINGERPRINT_LEN, hex);
}

/* --- fingerprints --------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Start offsets of every line, so each finding's line is found in O(1). */
struct line_table {
	size_t *starts;   /* starts[i] = offset of line i+1; starts[n] = len + 1 */
	size_t n;
};

/* memchr, not a byte loop: the file is read twice at memory speed (a byte
 * loop was 13 instructions a byte, 10 M for an 800 KB file, twice a check). */
static int line_table_build(struct line_table *t, const char *src, size_t len)
{
	size_t n = 1, k = 0;
	const char *at, *end = src + len;

	for (at = src; at < end && (at = memchr(at, '\n', (size_t)(end - at))); at++)
		n++;
	t->starts = malloc((n + 1) * sizeof(*t->starts));
	if (!t->starts)
		return RR_ENOMEM;
	t->starts[k++] = 0;
	for (at = src; at < end && (at = memchr(at, '\n', (size_t)(end - at))); at++)
		t->starts[k++] = (size_t)(at - src) + 1;
	t->starts[n] = len + 1;
	t->n = n;
	return RR_OK;
}

/* The 1-based line's text: [*start, *end), empty past the end of src. */
static void line_table_bounds(const struct line_table *t, size_t len, uint32_t line,
			      size_t *start, size_t *end)
{
	if (line == 0 || line > t->n) {
		*start = *end = len;
		return;
	}
	*start = t->starts[line - 1];
	*end = t->starts[line] - 1;    /* drop the '\n' (or the len+1 sentinel) */
}

/*
 * Whitespace-normalised reading of one line: leading and trailing whitespace
 * dropped, inner runs read as one space, so re-indenting code keeps its
 * fingerprint. Yields bytes, then -1 at the end.
 */
struct norm_reader {
	const char *s;
	size_t i, end;
	bool started;
};

static int norm_next(struct norm_reader *r)
{
	bool skipped = false;
	while (r->i < r->end && is_space(r->s[r->i])) {
		r->i++;
		skipped = true;
	}
	if (r->i >= r->end)
		return -1;
	if (skipped && r->started)
		return ' ';     /* the next call returns the byte after the run */
	r->started = true;
	return (unsigned char)r->s[r->i++];
}

static void hash_normalised_line(EVP_MD_CTX *md, const char *src, size_t start, size_t end)
{
	struct norm_reader r = { src, start, end, false };
	unsigned char chunk[256];
	size_t n = 0;
	int c;

	while ((c = norm_next(&r)) >= 0) {
		chunk[n++] = (unsigned char)c;
		if (n == sizeof(chunk)) {
			EVP_DigestUpdate(md, chunk, n);
			n = 0;
		}
	}
	if (n)
		EVP_DigestUpdate(md, chunk, n);
}

/* Per-finding work area: which finding, the digest of its normalised line
 * (to group identical lines cheaply) and its occurrence index. */
struct fp_item {
	struct finding *f;
	size_t index;
	size_t start, end;
	unsigned char key[32];
	unsigned occurrence;
};

static int sha256_parts(const char *rule, const char *path, const char *src, size_t start,
			size_t end, const char *occ, unsigned char out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int dlen = 0;
	int ok;

	if (!md)
		return RR_ENOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	/* Fields are NUL-separated so "a"+"bc" never hashes like "ab"+"c". */
	if (ok && rule) {
		EVP_DigestUpdate(md, rule, strlen(rule) + 1);
		EVP_DigestUpdate(md, path, strlen(path) + 1);
	}
	if (ok) {
		hash_normalised_line(md, src, start, end);
		if (occ) {
			EVP_DigestUpdate(md, "", 1);
			EVP_DigestUpdate(md, occ, strlen(occ));
		}
		ok = EVP_DigestFinal_ex(md, out, &dlen);
	}
	EVP_MD_CTX_free(md);
	return ok && dlen == 32 ? RR_OK : RR_ERR;
}

/* Groups by rule and line text, then orders by position in the file. */
static int fp_item_cmp(const void *pa, const void *pb)
{
	const struct fp_item *a = pa, *b = pb;
	int c = strcmp(a->f->rule_id, b->f->rule_id);
	if (c)
		return c;
	if ((c = memcmp(a->key, b->key, sizeof(a->key))) != 0)
		return c;
	if (a->f->line != b->f->line)
		return a->f->line < b->f->line ? -1 : 1;
	if (a->f->column != b->f->column)
		return a->f->column < b->f->column ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void fp_assign_occurrences(struct fp_item *items, size_t m)
{
	qsort(items, m, sizeof(items[0]), fp_item_cmp);
	for (size_t i = 0; i < m; i++) {
		bool same = i > 0 && strcmp(items[i].f->rule_id, items[i - 1].f->rule_id) == 0 &&
			    memcmp(items[i].key, items[i - 1].key, sizeof(items[i].key)) == 0;
		items[i].occurrence = same ? items[i - 1].occurrence + 1 : 0;
	}
}

static int fp_item_line_cmp(const void *pa, const void *pb)
{
	const struct fp_item *a = pa, *b = pb;
	if (a->f->line != b->f->line)
		return a->f->line < b->f->line ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Digest of each item's normalised line, computed once per distinct line
 * (many findings on one long line must not rehash it each time). */
static void fp_line_keys(struct fp_item *items, size_t m, const char *src)
{
	qsort(items, m, sizeof(items[0]), fp_item_line_cmp);
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && items[i].f->line == items[i - 1].f->line) {
			memcpy(items[i].key, items[i - 1].key, sizeof(items[i].key));
			items[i].occurrence = items[i - 1].occurrence;   /* carries "key valid" */
			continue;
		}
		items[i].occurrence = sha256_parts(NULL, NULL, src, items[i].start, items[i].end, NULL,
						   items[i].key) == RR_OK;
	}
}

/*
 * Fingerprints of one group of items with the same rule and line text
 * (items[from..to)): SHA-256(rule \0 path \0 normalised line \0 occurrence),
 * the line hashed once and the digest state copied for each occurrence.
 */
static void fp_finish_group(struct fp_item *items, size_t from, size_t to, const char *path,
			    const char *src)
{
	EVP_MD_CTX *base = EVP_MD_CTX_new(), *md = EVP_MD_CTX_new();
	const char *rule = items[from].f->rule_id;

	if (!base || !md || !EVP_DigestInit_ex(base, EVP_sha256(), NULL))
		goto cleanup;
	EVP_DigestUpdate(base, rule, strlen(rule) + 1);
	EVP_DigestUpdate(base, path, strlen(path) + 1);
	hash_normalised_line(base, src, items[from].start, items[from].end);
	for (size_t i = from; i < to; i++) {
		unsigned char digest[32];
		unsigned int dlen = 0;
		char occ[24];
		snprintf(occ, sizeof(occ), "%u", items[i].occurrence);
		if (!EVP_MD_CTX_copy_ex(md, base))
			break;
		EVP_DigestUpdate(md, "", 1);
		EVP_DigestUpdate(md, occ, strlen(occ));
		if (EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 32)
			rr_hex(digest, RR_FINGERPRINT_LEN / 2, items[i].f->fingerprint);
	}
cleanup:
	EVP_MD_CTX_free(md);
	EVP_MD_CTX_free(base);
}

void findings_fingerprint_file(struct finding_list *l, const char *path, const char *src,
			       size_t len)
{
	struct line_table lines = { NULL, 0 };
	struct fp_item *items = NULL;
	size_t m = 0, valid = 0;

	if (!l || !path || l->n == 0)
		return;
	if (!src) {
		src = "";
		len = 0;
	}
	items = calloc(l->n, sizeof(*items));
	if (!items || line_table_build(&lines, src, len) != RR_OK)
		goto cleanup;    /* out of memory: fingerprints stay as they were */
	for (size_t i = 0; i < l->n; i++) {
		struct finding *f = &l->items[i];
		struct fp_item *it = &items[m];
		if (!f->path || !f->rule_id || strcmp(f->path, path) != 0)
			continue;
		it->f = f;
		it->index = i;
		line_table_bounds(&lines, len, f->line, &it->start, &it->end);
		m++;
	}
	fp_line_keys(items, m, src);
	for (size_t i = 0; i < m; i++)          /* keep the items whose line hashed */
		if (items[i].occurrence)
			items[valid++] = items[i];
	fp_assign_occurrences(items, valid);
	for (size_t from = 0, to; from < valid; from = to) {
		for (to = from + 1; to < valid &&
		     strcmp(items[to].f->rule_id, items[from].f->rule_id) == 0 &&
		     memcmp(items[to].key, items[from].key, sizeof(items[to].key)) == 0; to++)
			;
		fp_finish_group(items, from, to, path, src);
	}
cleanup:
	free(lines.starts);
	free(items);
}

/* --- rendering ------------------------------------------------------------ */

/* Length of the first sentence: up to and including the first '.', '!' or '?'
 * followed by whitespace or the end, ignoring anything inside `code`. */
static size_t first_sentence_len(const char *msg)
{
	bool in_code = false;
	size_t i;

	for (i = 0; msg[i]; i++) {
		char c = msg[i];
		if (c == '`')
			in_code = !in_code;
		else if (c == '\n' && !in_code)
			return i;
		else if (!in_code && (c == '.' || c == '!' || c == '?') &&
			 (msg[i + 1] == '\0' || msg[i + 1] == ' ' || msg[i + 1] == '\n'))
			return i + 1;
	}
	return i;
}

int findings_write_text(const struct finding_list *l, FILE *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		const char *msg = f->message ? f->message : "";
		if (fprintf(out, "%s:%u:%u: %s[%s]: %.*s\n", f->path ? f->path : "", f->line,
			    f->column, rr_severity_name(f->severity), f->rule_id ? f->rule_id : "",
			    (int)first_sentence_len(msg), msg) < 0)
			return RR_ERR;
	}
	return fflush(out) == 0 ? RR_OK : RR_ERR;
}

/* --- rustc-style diagnostics ------------------------------------------------- */

/*
 * The shape of rustc's and clippy's output:
 *
 *   warning[len_zero]: `.len() == 0` is a roundabout way to ask whether `v` is empty.
 *     --> src/lib.rs:10:5
 *      |
 *   10 |     v.len() == 0
 *      |     ^^^^^^^^^^^^
 *      |
 *      = note: the rest of the message
 *      = help: try `v.is_empty()`
 *      = help: for further information run `rustreview explain len_zero`
 *
 * Columns are bytes in findings; here they are turned into display columns
 * (a tab shows as 4 spaces, as rustc prints it; a UTF-8 sequence as one).
 */

/* ANSI styles, rustc's palette; empty strings when colour is off. */
struct diag_style {
	const char *reset, *bold, *gutter, *sev[3];
};

static struct diag_style diag_style(bool color)
{
	struct diag_style st = { "", "", "", { "", "", "" } };
	if (color) {
		st.reset = "\033[0m";
		st.bold = "\033[1m";
		st.gutter = "\033[1;34m";        /* line numbers, |, -->, = */
		st.sev[RR_SEV_NOTE] = "\033[1;32m";
		st.sev[RR_SEV_WARNING] = "\033[1;33m";
		st.sev[RR_SEV_ERROR] = "\033[1;31m";
	}
	return st;
}

static const char *sev_color(const struct diag_style *st, enum rr_severity s)
{
	return (unsigned)s <= RR_SEV_ERROR ? st->sev[s] : st->sev[RR_SEV_WARNING];
}

/* Display width of bytes [from, to) of a line. */
static size_t display_width(const char *line, size_t from, size_t to)
{
	size_t w = 0;
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\t')
			w += 4;
		else if ((c & 0xC0) != 0x80)
			w++;
	}
	return w;
}

static void put_repeat(FILE *out, char c, size_t n)
{
	while (n--)
		fputc(c, out);
}

/* The source line with tabs as 4 spaces (and no '\r'). */
static void put_source_line(FILE *out, const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\t')
			fputs("    ", out);
		else if (line[i] != '\r')
			fputc(line[i], out);
	}
}

struct diag_ctx {
	FILE *out;
	const struct diag_style *st;
	size_t width;              /* digits of the largest line number shown */
	const char *src;
	size_t src_len;
	struct line_table lines;
};

/* "   |" then text (already styled) and a newline. */
static void gutter_line(struct diag_ctx *d, const char *lineno_or_null)
{
	if (lineno_or_null)
		fprintf(d->out, "%s%*s |%s", d->st->gutter, (int)d->width, lineno_or_null, d->st->reset);
	else
		fprintf(d->out, "%s%*s |%s", d->st->gutter, (int)d->width, "", d->st->reset);
}

/* "N | " then guide (the multi-line span's drawing, in color; "" for none)
 * then the source line. */
static void source_row(struct diag_ctx *d, uint32_t line, const char *color, const char *guide)
{
	char num[16];
	size_t a, b;

	snprintf(num, sizeof(num), "%u", line);
	line_table_bounds(&d->lines, d->src_len, line, &a, &b);
	gutter_line(d, num);
	fputc(' ', d->out);
	if (*guide)
		fprintf(d->out, "%s%s%s", color, guide, d->st->reset);
	put_source_line(d->out, d->src + a, b - a);
	fputc('\n', d->out);
}

static bool line_known(const struct diag_ctx *d, uint32_t line)
{
	return d->src && line >= 1 && line <= d->lines.n;
}

/* Byte offset of the first non-blank byte of the line (its length when blank). */
static size_t first_text_col(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i;
}

static void span_single_line(struct diag_ctx *d, const struct finding *f, const char *color)
{
	size_t a, b, from, to, pad, carets;

	line_table_bounds(&d->lines, d->src_len, f->line, &a, &b);
	from = f->column ? f->column - 1 : 0;
	to = f->end_line == f->line && f->end_column > f->column ? f->end_column - 1 : b - a;
	if (from > b - a)
		from = b - a;
	if (to > b - a)
		to = b - a;
	pad = display_width(d->src + a, 0, from);
	carets = to > from ? display_width(d->src + a, from, to) : 1;
	source_row(d, f->line, color, "");
	gutter_line(d, NULL);
	fputc(' ', d->out);
	put_repeat(d->out, ' ', pad);
	fputs(color, d->out);
	put_repeat(d->out, '^', carets ? carets : 1);
	fprintf(d->out, "%s\n", d->st->reset);
}

/* rustc's drawing of a span over several lines: a guide in the two columns
 * left of the source, from the start (/ or ___^) down to the end (|___^). */
static void span_multi_line(struct diag_ctx *d, const struct finding *f, const char *color)
{
	size_t a, b, start, end_pad;
	uint32_t last = f->end_line;
	bool from_text;

	line_table_bounds(&d->lines, d->src_len, f->line, &a, &b);
	start = f->column ? f->column - 1 : 0;
	from_text = start <= first_text_col(d->src + a, b - a);
	for (uint32_t line = f->line; line <= last; line++) {
		/* Long spans: the first lines, an ellipsis, the last line. */
		if (last - f->line > 5 && line == f->line + 4) {
			fprintf(d->out, "%s...%s\n", d->st->gutter, d->st->reset);
			line = last - 1;
			continue;
		}
		source_row(d, line, color, line != f->line ? "| " : from_text ? "/ " : "  ");
		if (line == f->line && !from_text) {
			size_t caret = 2 + display_width(d->src + a, 0, start < b - a ? start : b - a);
			gutter_line(d, NULL);
			fprintf(d->out, " %s ", color);
			put_repeat(d->out, '_', caret > 1 ? caret - 1 : 0);
			fprintf(d->out, "^%s\n", d->st->reset);
		}
	}
	line_table_bounds(&d->lines, d->src_len, last, &a, &b);
	end_pad = f->end_column > 1 ? f->end_column - 1 : 0;     /* bytes before the end */
	if (end_pad > b - a)
		end_pad = b - a;
	end_pad = display_width(d->src + a, 0, end_pad);
	gutter_line(d, NULL);
	fprintf(d->out, " %s|", color);
	put_repeat(d->out, '_', end_pad);        /* the caret sits under the span's last byte */
	fprintf(d->out, "^%s\n", d->st->reset);
}

/* "= label: text" under the snippet. */
static void diag_footer(struct diag_ctx *d, const char *label, const char *text, size_t len)
{
	fprintf(d->out, "%s%*s = %s%s%s:%s %.*s\n", d->st->gutter, (int)d->width, "", d->st->reset,
		d->st->bold, label, d->st->reset, (int)len, text);
}

/* The message after its first sentence, leading blanks skipped. */
static const char *message_rest(const char *msg, size_t *len)
{
	const char *p = msg + first_sentence_len(msg);
	while (*p == ' ' || *p == '\n')
		p++;
	*len = strlen(p);
	while (*len && (p[*len - 1] == ' ' || p[*len - 1] == '\n'))
		(*len)--;
	return p;
}

static void diag_help(struct diag_ctx *d, const struct finding *f)
{
	char more[160];

	if (f->replacement && !strchr(f->replacement, '\n')) {
		fprintf(d->out, "%s%*s = %s%shelp:%s try `%s`\n", d->st->gutter, (int)d->width, "",
			d->st->reset, d->st->bold, d->st->reset, f->replacement);
	} else if (f->suggestion_lines) {
		const char *p = f->suggestion_lines;
		uint32_t line = f->line;
		diag_footer(d, "help", "try this:", strlen("try this:"));
		while (p) {
			const char *nl = strchr(p, '\n');
			char num[16];
			snprintf(num, sizeof(num), "%u", line++);
			gutter_line(d, num);
			fputc(' ', d->out);
			put_source_line(d->out, p, nl ? (size_t)(nl - p) : strlen(p));
			fputc('\n', d->out);
			p = nl ? nl + 1 : NULL;
		}
	}
	snprintf(more, sizeof(more), "for further information run `rustreview explain %s`",
		 f->rule_id ? f->rule_id : "");
	diag_footer(d, "help", more, strlen(more));
}

static size_t digits(uint32_t n)
{
	size_t w = 1;
	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

static void write_diagnostic(const struct finding *f, FILE *out, const struct diag_style *st,
			     const char *src, size_t src_len, const struct line_table *lines)
{
	const char *msg = f->message ? f->message : "", *rest;
	const char *color = sev_color(st, f->severity);
	uint32_t end_line = f->end_line >= f->line ? f->end_line : f->line;
	struct diag_ctx d = { out, st, digits(end_line), src, src_len, { NULL, 0 } };
	size_t rest_len;

	if (lines)
		d.lines = *lines;
	fprintf(out, "%s%s[%s]%s%s: %.*s%s\n", color, rr_severity_name(f->severity),
		f->rule_id ? f->rule_id : "", st->reset, st->bold, (int)first_sentence_len(msg), msg,
		st->reset);
	fprintf(out, "%*s%s-->%s %s:%u:%u\n", (int)d.width, "", st->gutter, st->reset,
		f->path ? f->path : "", f->line, f->column);
	if (line_known(&d, f->line) && line_known(&d, end_line)) {
		gutter_line(&d, NULL);
		fputc('\n', out);
		if (end_line == f->line)
			span_single_line(&d, f, color);
		else
			span_multi_line(&d, f, color);
	}
	gutter_line(&d, NULL);
	fputc('\n', out);
	rest = message_rest(msg, &rest_len);
	if (rest_len)
		diag_footer(&d, "note", rest, rest_len);
	diag_help(&d, f);
	fputc('\n', out);
}

/* "warning: 3 warnings emitted", rustc's closing line, for every severity seen. */
static int write_diag_summary(const struct finding_list *l, FILE *out, const struct diag_style *st)
{
	static const char *const one[] = { "note", "warning", "error" };
	static const char *const many[] = { "notes", "warnings", "errors" };
	size_t count[3] = { 0, 0, 0 };
	int top = -1, parts = 0, rc;

	for (size_t i = 0; i < l->n; i++) {
		unsigned s = l->items[i].severity <= RR_SEV_ERROR ? l->items[i].severity : RR_SEV_WARNING;
		count[s]++;
		if ((int)s > top)
			top = (int)s;
	}
	if (top < 0)
		return 0;
	rc = fprintf(out, "%s%s%s%s: ", sev_color(st, (enum rr_severity)top), one[top], st->reset,
		     st->bold);
	for (int s = RR_SEV_ERROR; s >= RR_SEV_NOTE; s--) {
		if (!count[s])
			continue;
		rc |= fprintf(out, "%s%zu %s", parts++ ? ", " : "", count[s],
			      count[s] == 1 ? one[s] : many[s]);
	}
	rc |= fprintf(out, " emitted%s\n", st->reset);
	return rc < 0 ? -1 : 0;
}

int findings_write_diagnostics(const struct finding_list *l, FILE *out,
			       const struct findings_diag_options *opts)
{
	struct diag_style st = diag_style(opts && opts->color);
	const char *cached_path = NULL;
	struct line_table lines = { NULL, 0 };
	const char *src = NULL;
	size_t src_len = 0;
	int rc = RR_OK;

	for (size_t i = 0; i < l->n && rc == RR_OK; i++) {
		const struct finding *f = &l->items[i];
		/* Findings come sorted by path: read and index each file once. */
		if (f->path && (!cached_path || strcmp(cached_path, f->path) != 0)) {
			free(lines.starts);
			lines.starts = NULL;
			lines.n = 0;
			src = opts && opts->source ? opts->source(opts->source_ctx, f->path, &src_len)
						   : NULL;
			cached_path = f->path;
			if (src && line_table_build(&lines, src, src_len) != RR_OK)
				rc = RR_ENOMEM;
		}
		if (rc == RR_OK)
			write_diagnostic(f, out, &st, src, src_len, src ? &lines : NULL);
	}
	free(lines.starts);
	if (rc == RR_OK && write_diag_summary(l, out, &st) != 0)
		rc = RR_ERR;
	if (rc == RR_OK && (ferror(out) || fflush(out) != 0))
		rc = RR_ERR;
	return rc;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t need;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		need = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		need = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

/* A JSON string of s with invalid UTF-8 bytes replaced by U+FFFD (jansson
 * rejects invalid UTF-8, and reviewed files are arbitrary bytes). */
static json_t *json_string_lossy(const char *s)
{
	struct rr_buf b = RR_BUF_INIT;
	size_t n = strlen(s);
	json_t *j;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len((const unsigned char *)s + i, n - i);
		int rc = k ? rr_buf_append(&b, s + i, k) : rr_buf_append(&b, "\xEF\xBF\xBD", 3);
		if (rc) {
			rr_buf_free(&b);
			return NULL;
		}
		i += k ? k : 1;
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	rr_buf_free(&b);
	return j;
}

static json_t *finding_to_json(const struct finding *f)
{
	json_t *o = json_object();
	int bad = 0;

	if (!o)
		return NULL;
	bad |= json_object_set_new(o, "path", json_string_lossy(f->path ? f->path : ""));
	bad |= json_object_set_new(o, "line", json_integer(f->line));
	bad |= json_object_set_new(o, "column", json_integer(f->column));
	bad |= json_object_set_new(o, "end_line", json_integer(f->end_line));
	bad |= json_object_set_new(o, "end_column", json_integer(f->end_column));
	bad |= json_object_set_new(o, "rule", json_string_lossy(f->rule_id ? f->rule_id : ""));
	bad |= json_object_set_new(o, "severity", json_string(rr_severity_name(f->severity)));
	bad |= json_object_set_new(o, "message", json_string_lossy(f->message ? f->message : ""));
	bad |= json_object_set_new(o, "suggestion",
				   f->replacement ? json_string_lossy(f->replacement) : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int findings_write_json(const struct finding_list *l, FILE *out)
{
	json_t *root = json_object(), *arr = json_array();
	int rc = RR_ENOMEM;

	if (!root || !arr) {
		json_decref(arr);
		goto cleanup;
	}
	if (json_object_set_new(root, "findings", arr) != 0)
		goto cleanup;
	for (size_t i = 0; i < l->n; i++)
		if (json_array_append_new(arr, finding_to_json(&l->items[i])) != 0)
			goto cleanup;
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
			     fputc('\n', out) != EOF && fflush(out) == 0
		     ? RR_OK
		     : RR_ERR;
cleanup:
	json_decref(root);
	return rc;
}

/* --- SARIF ------------------------------------------------------------------ */

#ifndef RR_VERSION
#define RR_VERSION "0.0.0"
#endif
#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_INFO_URI "https://github.com/rustreview/rustreview"
#define SARIF_SRCROOT "%SRCROOT%"

/* {"text": s} with invalid UTF-8 replaced. */
static json_t *sarif_message(const char *s)
{
	json_t *text = json_string_lossy(s ? s : "");
	return text ? json_pack("{s:o}", "text", text) : NULL;
}

/* A relative URI reference for a repository path: '/' kept, everything outside
 * RFC 3986's unreserved set percent-encoded (spaces, '#', '%', non-ASCII). */
static json_t *sarif_uri(const char *path)
{
	static const char hexdig[] = "0123456789ABCDEF";
	struct rr_buf b = RR_BUF_INIT;
	json_t *j;
	int rc = rr_buf_puts(&b, "");

	for (const unsigned char *p = (const unsigned char *)(path ? path : ""); *p && !rc; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			rc = rr_buf_append(&b, p, 1);
		} else {
			char esc[3] = { '%', hexdig[*p >> 4], hexdig[*p & 15] };
			rc = rr_buf_append(&b, esc, 3);
		}
	}
	j = rc ? NULL : json_string(b.data);
	rr_buf_free(&b);
	return j;
}

static json_t *sarif_artifact(const char *path)
{
	json_t *uri = sarif_uri(path);
	return uri ? json_pack("{s:o,s:s}", "uri", uri, "uriBaseId", SARIF_SRCROOT) : NULL;
}

static json_t *sarif_region(const struct finding *f)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "startLine", (json_int_t)f->line, "startColumn",
			 (json_int_t)f->column, "endLine", (json_int_t)f->end_line, "endColumn",
			 (json_int_t)f->end_column);
}

/* A rule of the catalogue; an opt-in rule says so with enabled: false, so a
 * viewer does not take its silence for a clean result. */
static json_t *sarif_rule(const struct rule_info *r)
{
	json_t *help = json_string_lossy(r->explanation ? r->explanation : "");
	if (!help)
		return NULL;
	return json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:o},s:{s:s,s:b},s:{s:[s]}}", "id", r->id,
			 "name", r->id, "shortDescription", "text", r->summary, "fullDescription",
			 "text", r->summary, "help", "text", help, "defaultConfiguration", "level",
			 rr_severity_name(r->severity), "enabled", !r->default_off, "properties",
			 "tags", r->production_only ? "production" : "correctness");
}

static json_t *sarif_fix(const struct finding *f)
{
	json_t *text = json_string_lossy(f->replacement);
	if (!text)
		return NULL;
	return json_pack("{s:{s:s},s:[{s:o,s:[{s:o,s:{s:o}}]}]}", "description", "text",
			 "Apply the suggested change", "artifactChanges", "artifactLocation",
			 sarif_artifact(f->path), "replacements", "deletedRegion", sarif_region(f),
			 "insertedContent", "text", text);
}

static json_t *sarif_result(const struct finding *f)
{
	int idx = f->rule_id ? review_rule_index(f->rule_id) : -1;
	json_t *r = json_pack("{s:s,s:s,s:o,s:[{s:{s:o,s:o}}],s:{s:s}}", "ruleId",
			      f->rule_id ? f->rule_id : "", "level",
			      rr_severity_name(f->severity), "message", sarif_message(f->message),
			      "locations", "physicalLocation", "artifactLocation",
			      sarif_artifact(f->path), "region", sarif_region(f),
			      "partialFingerprints", "rustreview/v1", f->fingerprint);
	if (!r)
		return NULL;
	if ((idx >= 0 && json_object_set_new(r, "ruleIndex", json_integer(idx)) != 0) ||
	    (f->replacement && json_object_set_new(r, "fixes", json_pack("[o]", sarif_fix(f))) != 0)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/*
 * file:///abs/dir/ for a directory, percent-encoded like sarif_uri, with the
 * trailing slash SARIF requires of a base URI. NULL when dir is not absolute.
 */
static json_t *sarif_dir_uri(const char *dir)
{
	struct rr_buf b = RR_BUF_INIT;
	json_t *path, *j = NULL;
	size_t n;

	if (!dir || dir[0] != '/' || !(path = sarif_uri(dir)))
		return NULL;
	n = strlen(json_string_value(path));
	if (rr_buf_printf(&b, "file://%s%s", json_string_value(path),
			  n && json_string_value(path)[n - 1] == '/' ? "" : "/") == RR_OK)
		j = json_string(b.data);
	json_decref(path);
	rr_buf_free(&b);
	return j;
}

static json_t *sarif_log(const struct finding_list *l, const char *srcroot)
{
	json_t *rules = json_array(), *results = json_array(), *log = NULL;
	size_t i;

	if (!rules || !results)
		goto fail;
	for (i = 0; i < rules_count(); i++)
		if (json_array_append_new(rules, sarif_rule(rules_get(i))) != 0)
			goto fail;
	for (i = 0; i < l->n; i++)
		if (json_array_append_new(results, sarif_result(&l->items[i])) != 0)
			goto fail;
	log = json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:s,s:o}},s:o}]}", "$schema", SARIF_SCHEMA,
			"version", "2.1.0", "runs", "tool", "driver", "name", "rustreview",
			"version", RR_VERSION, "informationUri", SARIF_INFO_URI, "rules", rules,
			"results", results);
	/* json_pack's "o" took both arrays, even on failure. */
	if (log && srcroot) {
		/* Where %SRCROOT% is, so a viewer can open the files. */
		json_t *uri = sarif_dir_uri(srcroot);
		json_t *run = json_array_get(json_object_get(log, "runs"), 0);
		if (!uri || json_object_set_new(run, "originalUriBaseIds",
						json_pack("{s:{s:o}}", SARIF_SRCROOT, "uri", uri)) != 0) {
			json_decref(log);
			return NULL;
		}
	}
	return log;
fail:
	json_decref(rules);
	json_decref(results);
	return NULL;
}

int findings_write_sarif(const struct finding_list *l, FILE *out)
{
	return findings_write_sarif_at(l, out, NULL);
}

int findings_write_sarif_at(const struct finding_list *l, FILE *out, const char *srcroot)
{
	json_t *log = sarif_log(l, srcroot);
	int rc;

	if (!log)
		return RR_ENOMEM;
	rc = json_dumpf(log, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
			     fputc('\n', out) != EOF && fflush(out) == 0
		     ? RR_OK
		     : RR_ERR;
	json_decref(log);
	return rc;
}

/* The longest run of backticks in s: the fence must be longer to enclose it. */
static size_t longest_backtick_run(const char *s)
{
	size_t best = 0, run = 0;
	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

#define FINGERPRINT_MARKER "<!-- rustreview:fingerprint="

void finding_marker(const struct finding *f, char out[FINDING_MARKER_SIZE])
{
	snprintf(out, FINDING_MARKER_SIZE, FINGERPRINT_MARKER "%s rule=%.64s -->", f->fingerprint,
		 f->rule_id ? f->rule_id : "");
}

char *finding_comment_text(const struct finding *f, const char *suggestion_info)
{
	struct rr_buf b = RR_BUF_INIT;
	int rc = rr_buf_puts(&b, f->message ? f->message : "");

	if (!rc && suggestion_info && f->suggestion_lines) {
		size_t fence = longest_backtick_run(f->suggestion_lines) + 1;
		if (fence < 3)
			fence = 3;
		rc = rr_buf_puts(&b, "\n\n");
		for (size_t i = 0; !rc && i < fence; i++)
			rc = rr_buf_puts(&b, "`");
		if (!rc)
			rc = rr_buf_printf(&b, "%s\n%s\n", suggestion_info, f->suggestion_lines);
		for (size_t i = 0; !rc && i < fence; i++)
			rc = rr_buf_puts(&b, "`");
	}
	if (rc) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}

char *finding_comment_body(const struct finding *f, const char *suggestion_info)
{
	char marker[FINDING_MARKER_SIZE];
	char *text = finding_comment_text(f, suggestion_info), *out = NULL;

	finding_marker(f, marker);
	if (text && asprintf(&out, "%s\n\n%s", text, marker) < 0)
		out = NULL;
	free(text);
	return out;
}

bool finding_fingerprint_from_body(const char *body, char out[RR_FINGERPRINT_LEN + 1])
{
	const char *p = body;
	size_t mlen = strlen(FINGERPRINT_MARKER);

	/* Take the last marker: a quoted earlier comment must not win. */
	const char *found = NULL;
	while (p && (p = strstr(p, FINGERPRINT_MARKER)) != NULL) {
		found = p;
		p += mlen;
	}
	if (!found)
		return false;
	found += mlen;
	for (size_t i = 0; i < RR_FINGERPRINT_LEN; i++) {
		char c = found[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	if (found[RR_FINGERPRINT_LEN] != ' ' && found[RR_FINGERPRINT_LEN] != '-')
		return false;
	memcpy(out, found, RR_FINGERPRINT_LEN);
	out[RR_FINGERPRINT_LEN] = '\0';
	return true;
}
