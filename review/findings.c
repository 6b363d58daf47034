/* findings.c — finding lists, fingerprints, and the text / JSON / comment renderings. */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "../common/rr.h"

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
	free(f->message);
	free(f->replacement);
	free(f->suggestion_lines);
	memset(f, 0, sizeof(*f));
}

int finding_list_push(struct finding_list *l, struct finding *f)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct finding *items = realloc(l->items, cap * sizeof(*items));
		if (!items) {
			finding_free(f);
			return RR_ENOMEM;
		}
		l->items = items;
		l->cap = cap;
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
	l->items = NULL;
	l->n = l->cap = 0;
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

static int line_table_build(struct line_table *t, const char *src, size_t len)
{
	size_t n = 1, k = 0;
	for (size_t i = 0; i < len; i++)
		n += src[i] == '\n';
	t->starts = malloc((n + 1) * sizeof(*t->starts));
	if (!t->starts)
		return RR_ENOMEM;
	t->starts[k++] = 0;
	for (size_t i = 0; i < len; i++)
		if (src[i] == '\n')
			t->starts[k++] = i + 1;
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

void findings_fingerprint_file(struct finding_list *l, const char *path, const char *src,
			       size_t len)
{
	struct line_table lines = { NULL, 0 };
	struct fp_item *items = NULL;
	size_t m = 0;

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
		if (sha256_parts(NULL, NULL, src, it->start, it->end, NULL, it->key) != RR_OK)
			continue;
		m++;
	}
	fp_assign_occurrences(items, m);
	for (size_t i = 0; i < m; i++) {
		unsigned char digest[32];
		char occ[24];
		snprintf(occ, sizeof(occ), "%u", items[i].occurrence);
		if (sha256_parts(items[i].f->rule_id, path, src, items[i].start, items[i].end, occ,
				 digest) == RR_OK)
			rr_hex(digest, RR_FINGERPRINT_LEN / 2, items[i].f->fingerprint);
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

char *finding_comment_body(const struct finding *f, bool allow_suggestion)
{
	struct rr_buf b = RR_BUF_INIT;
	int rc = rr_buf_puts(&b, f->message ? f->message : "");

	if (!rc && allow_suggestion && f->suggestion_lines) {
		size_t fence = longest_backtick_run(f->suggestion_lines) + 1;
		if (fence < 3)
			fence = 3;
		rc = rr_buf_puts(&b, "\n\n");
		for (size_t i = 0; !rc && i < fence; i++)
			rc = rr_buf_puts(&b, "`");
		if (!rc)
			rc = rr_buf_printf(&b, "suggestion\n%s\n", f->suggestion_lines);
		for (size_t i = 0; !rc && i < fence; i++)
			rc = rr_buf_puts(&b, "`");
	}
	if (!rc)
		rc = rr_buf_printf(&b, "\n\n" FINGERPRINT_MARKER "%s rule=%s -->", f->fingerprint,
				   f->rule_id ? f->rule_id : "");
	if (rc) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
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
