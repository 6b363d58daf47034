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

static json_t *sarif_rule(const struct rule_info *r)
{
	json_t *help = json_string_lossy(r->explanation ? r->explanation : "");
	if (!help)
		return NULL;
	return json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:o},s:{s:s},s:{s:[s]}}", "id", r->id,
			 "name", r->id, "shortDescription", "text", r->summary, "fullDescription",
			 "text", r->summary, "help", "text", help, "defaultConfiguration", "level",
			 rr_severity_name(r->severity), "properties", "tags",
			 r->production_only ? "production" : "correctness");
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

static json_t *sarif_log(const struct finding_list *l)
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
	return log;    /* json_pack's "o" took both arrays, even on failure */
fail:
	json_decref(rules);
	json_decref(results);
	return NULL;
}

int findings_write_sarif(const struct finding_list *l, FILE *out)
{
	json_t *log = sarif_log(l);
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
