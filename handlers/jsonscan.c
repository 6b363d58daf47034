/* jsonscan.c — one-pass validating JSON scanner with path extraction; see jsonscan.h. */
#include "jsonscan.h"

#include <stdio.h>
#include <string.h>

/* Keys longer than this cannot be on a wanted path (they are still validated). */
#define JS_KEY_MAX 256

/*
 * The wanted paths as a trie: node 0 is the top-level value, every other node
 * one key below its parent. A node's object can occur only once (a second
 * occurrence is a duplicate-key error), so "seen" needs no reset.
 */
struct js_node {
	const char *name;          /* this node's key, inside the caller's path string */
	size_t name_len;
	int parent;
	int field;                 /* index of the wanted field ending here, or -1 */
	int nchildren;
	bool seen;
};

/* Where decoded string bytes go: up to cap-1 bytes are kept, len counts them all. */
struct js_sink {
	char *buf;
	size_t cap;
	size_t len;
	bool has_nul;
};

struct js {
	const unsigned char *s;
	size_t len;
	size_t pos;
	int max_depth;
	struct rr_error *err;
	struct jsonscan_field *fields;
	struct js_node nodes[JSONSCAN_MAX_NODES];
	int nnodes;
	/* open containers: 1 object, 0 array */
	unsigned char kind[JSONSCAN_MAX_DEPTH];
	int depth;
	/* The outermost open containers that are on a wanted path; once a container
	 * is off every path, everything inside it is too, so these form a prefix. */
	int tracked;
	int track_node[JSONSCAN_MAX_NODES];
	size_t track_start[JSONSCAN_MAX_NODES];
};

/* ---- errors ------------------------------------------------------------ */

static void js_line_column(const struct js *js, size_t pos, unsigned long *line,
			   unsigned long *col)
{
	size_t i, bol = 0;
	*line = 1;
	for (i = 0; i < pos && i < js->len; i++)
		if (js->s[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	*col = (unsigned long)(pos - bol + 1);
}

/* Syntax errors name what was wrong and where, never the bytes themselves:
 * a payload may carry anything, and error messages end up in logs. */
static int js_fail(const struct js *js, size_t pos, const char *what)
{
	unsigned long line, col;
	js_line_column(js, pos, &line, &col);
	return rr_error_set(js->err, RR_EINVAL, "not valid JSON: %s (line %lu, column %lu)", what,
			    line, col);
}

/* ---- the trie of wanted paths ------------------------------------------ */

static int js_child(const struct js *js, int parent, const char *name, size_t n)
{
	for (int i = 1; i < js->nnodes; i++)
		if (js->nodes[i].parent == parent && js->nodes[i].name_len == n &&
		    memcmp(js->nodes[i].name, name, n) == 0)
			return i;
	return -1;
}

static int js_add_child(struct js *js, int parent, const char *name, size_t n, int *out)
{
	int c = js_child(js, parent, name, n);
	if (c < 0) {
		if (js->nnodes == JSONSCAN_MAX_NODES)
			return rr_error_set(js->err, RR_EINVAL, "jsonscan: more than %d path steps",
					    JSONSCAN_MAX_NODES);
		c = js->nnodes++;
		js->nodes[c] = (struct js_node){ name, n, parent, -1, 0, false };
		js->nodes[parent].nchildren++;
	}
	*out = c;
	return RR_OK;
}

static int js_add_path(struct js *js, int field)
{
	const char *p = js->fields[field].path;
	int node = 0, rc;

	if (!p)
		return rr_error_set(js->err, RR_EINVAL, "jsonscan: field %d has no path", field);
	while (*p) {
		size_t n = strcspn(p, ".");
		if (n == 0 || (p[n] == '.' && p[n + 1] == '\0'))
			return rr_error_set(js->err, RR_EINVAL, "jsonscan: path '%s' has an empty key",
					    js->fields[field].path);
		if ((rc = js_add_child(js, node, p, n, &node)))
			return rc;
		p += n + (p[n] == '.');
	}
	if (js->nodes[node].field >= 0)
		return rr_error_set(js->err, RR_EINVAL, "jsonscan: path '%s' wanted twice",
				    js->fields[field].path);
	js->nodes[node].field = field;
	return RR_OK;
}

static int js_build_trie(struct js *js, size_t nfields)
{
	int rc;
	js->nodes[0] = (struct js_node){ "", 0, -1, -1, 0, true };
	js->nnodes = 1;
	for (size_t i = 0; i < nfields; i++) {
		struct jsonscan_field *f = &js->fields[i];
		f->type = JSONSCAN_ABSENT;
		f->raw = NULL;
		f->raw_len = f->str_len = 0;
		f->truncated = f->has_nul = false;
		if (f->buf && f->buf_size)
			f->buf[0] = '\0';
		if ((rc = js_add_path(js, (int)i)))
			return rc;
	}
	return RR_OK;
}

/* ---- strings ------------------------------------------------------------ */

static void sink_put(struct js_sink *k, const void *p, size_t n)
{
	if (k && k->cap > 0 && k->len < k->cap - 1) {
		size_t room = k->cap - 1 - k->len;
		memcpy(k->buf + k->len, p, n < room ? n : room);
	}
	if (k)
		k->len += n;
}

static void sink_end(struct js_sink *k)
{
	if (k && k->cap > 0)
		k->buf[k->len < k->cap ? k->len : k->cap - 1] = '\0';
}

static void sink_codepoint(struct js_sink *k, uint32_t cp)
{
	unsigned char u[4];
	size_t n;
	if (!k)
		return;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
		if (cp == 0)
			k->has_nul = true;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sink_put(k, u, n);
}

/* 1 for bytes that stand for themselves inside a string: printable ASCII but '"' and '\'. */
static const unsigned char js_plain[256] = {
	['\x20'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1,
	['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1, ['\x7f'] = 1,
};

static bool js_cont(const struct js *js, size_t i, unsigned char lo, unsigned char hi)
{
	return i < js->len && js->s[i] >= lo && js->s[i] <= hi;
}

/* Length of the well-formed UTF-8 sequence at pos (RFC 3629: no overlongs,
 * no surrogates, nothing past U+10FFFF), or 0. */
static size_t js_utf8_len(const struct js *js, size_t pos)
{
	unsigned char c = js->s[pos];
	size_t i = pos + 1;

	if (c >= 0xC2 && c <= 0xDF)
		return js_cont(js, i, 0x80, 0xBF) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return js_cont(js, i, lo, hi) && js_cont(js, i + 1, 0x80, 0xBF) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return js_cont(js, i, lo, hi) && js_cont(js, i + 1, 0x80, 0xBF) &&
		       js_cont(js, i + 2, 0x80, 0xBF) ? 4 : 0;
	}
	return 0;
}

static int js_hex4(const struct js *js, size_t pos, uint32_t *out)
{
	uint32_t v = 0;
	if (js->len - pos < 4)
		return -1;
	for (size_t i = pos; i < pos + 4; i++) {
		unsigned char c = js->s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		      : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* \uXXXX at pos (pointing at 'u'), with a surrogate pair's second half. */
static int js_unicode_escape(struct js *js, struct js_sink *k)
{
	size_t at = js->pos - 1;
	uint32_t cp, lo;

	if (js_hex4(js, js->pos + 1, &cp))
		return js_fail(js, at, "\\u not followed by four hex digits");
	js->pos += 5;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return js_fail(js, at, "lone low surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (js->len - js->pos < 6 || js->s[js->pos] != '\\' || js->s[js->pos + 1] != 'u' ||
		    js_hex4(js, js->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
			return js_fail(js, at, "high surrogate in \\u escape without its low half");
		js->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	sink_codepoint(k, cp);
	return RR_OK;
}

static int js_escape(struct js *js, struct js_sink *k)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned char c;

	js->pos++;                                  /* the backslash */
	if (js->pos >= js->len)
		return js_fail(js, js->pos - 1, "string not terminated");
	c = js->s[js->pos];
	if (c == 'u')
		return js_unicode_escape(js, k);
	if (c == '\0' || !(hit = strchr(from, c)))
		return js_fail(js, js->pos - 1, "invalid escape in string");
	sink_put(k, &to[hit - from], 1);
	js->pos++;
	return RR_OK;
}

/*
 * Skips plain bytes eight at a time: a word is plain when none of its bytes
 * is below 0x20, '"', '\\' or non-ASCII (the classic "has zero byte" trick
 * on x, x^'"' and x^'\\'). Strings are most of a payload's bytes.
 */
static void js_skip_plain(struct js *js)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	while (js->len - js->pos >= 8) {
		uint64_t x, q, b;
		memcpy(&x, js->s + js->pos, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if (((x - ones * 0x20) | (q - ones) | (b - ones) | x) & highs)
			break;
		js->pos += 8;
	}
	while (js->pos < js->len && js_plain[js->s[js->pos]])
		js->pos++;
}

/* The string at pos (on its opening quote); decoded into k when k is not NULL. */
static int js_string(struct js *js, struct js_sink *k)
{
	size_t start = js->pos++;
	int rc;

	for (;;) {
		size_t run = js->pos;
		js_skip_plain(js);
		sink_put(k, js->s + run, js->pos - run);
		if (js->pos >= js->len)
			return js_fail(js, start, "string not terminated");
		unsigned char c = js->s[js->pos];
		if (c == '"') {
			js->pos++;
			sink_end(k);
			return RR_OK;
		}
		if (c == '\\') {
			if ((rc = js_escape(js, k)))
				return rc;
		} else if (c < 0x20) {
			return js_fail(js, js->pos, "control character in string (escape it)");
		} else {
			size_t n = js_utf8_len(js, js->pos);
			if (n == 0)
				return js_fail(js, js->pos, "invalid UTF-8 in string");
			sink_put(k, js->s + js->pos, n);
			js->pos += n;
		}
	}
}

/* ---- numbers and literals ---------------------------------------------- */

static bool js_digit_at(const struct js *js, size_t i)
{
	return i < js->len && js->s[i] >= '0' && js->s[i] <= '9';
}

static void js_digits(struct js *js)
{
	while (js_digit_at(js, js->pos))
		js->pos++;
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?  Any size. */
static int js_number(struct js *js)
{
	size_t start = js->pos;

	if (js->s[js->pos] == '-')
		js->pos++;
	if (!js_digit_at(js, js->pos))
		return js_fail(js, start, "invalid number");
	if (js->s[js->pos] == '0' && js_digit_at(js, js->pos + 1))
		return js_fail(js, start, "number with a leading zero");
	js_digits(js);
	if (js->pos < js->len && js->s[js->pos] == '.') {
		js->pos++;
		if (!js_digit_at(js, js->pos))
			return js_fail(js, start, "number without digits after '.'");
		js_digits(js);
	}
	if (js->pos < js->len && (js->s[js->pos] == 'e' || js->s[js->pos] == 'E')) {
		js->pos++;
		if (js->pos < js->len && (js->s[js->pos] == '+' || js->s[js->pos] == '-'))
			js->pos++;
		if (!js_digit_at(js, js->pos))
			return js_fail(js, start, "number without digits in its exponent");
		js_digits(js);
	}
	return RR_OK;
}

static int js_literal(struct js *js, const char *word)
{
	size_t n = strlen(word);
	if (js->len - js->pos < n || memcmp(js->s + js->pos, word, n) != 0)
		return js_fail(js, js->pos, "invalid literal (true, false and null are the only ones)");
	js->pos += n;
	return RR_OK;
}

/* ---- structure --------------------------------------------------------- */

static void js_skip_ws(struct js *js)
{
	while (js->pos < js->len) {
		unsigned char c = js->s[js->pos];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return;
		js->pos++;
	}
}

static struct jsonscan_field *js_field_of(struct js *js, int node)
{
	return node >= 0 && js->nodes[node].field >= 0 ? &js->fields[js->nodes[node].field] : NULL;
}

static void js_record(struct js *js, int node, enum jsonscan_type t, size_t start)
{
	struct jsonscan_field *f = js_field_of(js, node);
	if (!f)
		return;
	f->type = t;
	f->raw = (const char *)js->s + start;
	f->raw_len = js->pos - start;
}

/* A scalar value at pos, recorded when node is a wanted field. */
static int js_scalar(struct js *js, int node)
{
	struct jsonscan_field *f = js_field_of(js, node);
	size_t start = js->pos;
	enum jsonscan_type t;
	int rc;

	switch (js->s[js->pos]) {
	case '"': {
		struct js_sink k = { f ? f->buf : NULL, f && f->buf ? f->buf_size : 0, 0, false };
		if ((rc = js_string(js, f ? &k : NULL)))
			return rc;
		if (f) {
			f->str_len = k.len;
			f->truncated = k.buf && k.len >= k.cap;
			f->has_nul = k.has_nul;
		}
		t = JSONSCAN_STRING;
		break;
	}
	case 't': rc = js_literal(js, "true"); t = JSONSCAN_TRUE; break;
	case 'f': rc = js_literal(js, "false"); t = JSONSCAN_FALSE; break;
	case 'n': rc = js_literal(js, "null"); t = JSONSCAN_NULL; break;
	default:
		if (js->s[js->pos] != '-' && !js_digit_at(js, js->pos))
			return js_fail(js, js->pos, "expected a value");
		rc = js_number(js);
		t = JSONSCAN_NUMBER;
		break;
	}
	if (rc)
		return rc;
	js_record(js, node, t, start);
	return RR_OK;
}

static int js_open(struct js *js, int node)
{
	if (js->depth >= js->max_depth)
		return rr_error_set(js->err, RR_ETOOBIG, "nested deeper than %d levels",
				    js->max_depth);
	/* Tracked containers are a prefix of the open ones (see struct js). */
	if (node >= 0 && js->tracked == js->depth && js->tracked < JSONSCAN_MAX_NODES) {
		js->track_node[js->tracked] = node;
		js->track_start[js->tracked] = js->pos;
		js->tracked++;
	}
	js->kind[js->depth++] = js->s[js->pos] == '{';
	js->pos++;
	return RR_OK;
}

/* Closes the innermost container (pos on its closing bracket). */
static void js_close(struct js *js)
{
	bool object = js->kind[js->depth - 1];
	js->pos++;
	js->depth--;
	if (js->tracked > js->depth) {
		js->tracked--;
		js_record(js, js->track_node[js->tracked],
			  object ? JSONSCAN_OBJECT : JSONSCAN_ARRAY, js->track_start[js->tracked]);
	}
}

/* The node of the innermost container, -1 when it is on no wanted path. */
static int js_current_node(const struct js *js)
{
	return js->tracked == js->depth && js->depth > 0 ? js->track_node[js->depth - 1] : -1;
}

/* "key": at pos; *node becomes the key's wanted node or -1. */
static int js_key(struct js *js, int *node)
{
	int parent = js_current_node(js);
	size_t at;
	int rc;

	js_skip_ws(js);
	at = js->pos;
	if (js->pos >= js->len || js->s[js->pos] != '"')
		return js_fail(js, js->pos, "expected a string key");
	*node = -1;
	if (parent >= 0 && js->nodes[parent].nchildren > 0) {
		char key[JS_KEY_MAX];
		struct js_sink k = { key, sizeof(key), 0, false };
		if ((rc = js_string(js, &k)))
			return rc;
		if (k.len < sizeof(key))
			*node = js_child(js, parent, key, k.len);
	} else if ((rc = js_string(js, NULL))) {
		return rc;
	}
	if (*node >= 0) {
		if (js->nodes[*node].seen) {
			char path[512];
			size_t n = 0;
			int chain[JSONSCAN_MAX_NODES], depth = 0;
			for (int i = *node; i > 0; i = js->nodes[i].parent)
				chain[depth++] = i;
			while (depth-- > 0 && n < sizeof(path))
				n += (size_t)snprintf(path + n, sizeof(path) - n, "%s%.*s",
						      n ? "." : "", (int)js->nodes[chain[depth]].name_len,
						      js->nodes[chain[depth]].name);
			unsigned long line, col;
			js_line_column(js, at, &line, &col);
			return rr_error_set(js->err, RR_EINVAL, "duplicate key '%s' (line %lu, column %lu)",
					    path, line, col);
		}
		js->nodes[*node].seen = true;
	}
	js_skip_ws(js);
	if (js->pos >= js->len || js->s[js->pos] != ':')
		return js_fail(js, js->pos, "expected ':' after an object key");
	js->pos++;
	return RR_OK;
}

enum js_step { JS_VALUE, JS_KEY, JS_AFTER };

/* After a value: ',' or the closing brackets of however many containers end here. */
static int js_after(struct js *js, enum js_step *next)
{
	for (;;) {
		bool object;
		js_skip_ws(js);
		if (js->depth == 0) {
			if (js->pos != js->len)
				return js_fail(js, js->pos, "data after the top-level value");
			*next = JS_AFTER;
			return RR_OK;
		}
		object = js->kind[js->depth - 1];
		if (js->pos < js->len && js->s[js->pos] == ',') {
			js->pos++;
			*next = object ? JS_KEY : JS_VALUE;
			return RR_OK;
		}
		if (js->pos >= js->len || js->s[js->pos] != (object ? '}' : ']'))
			return js_fail(js, js->pos,
				       object ? "expected ',' or '}'" : "expected ',' or ']'");
		js_close(js);
	}
}

/* A value at pos: a scalar, or the opening of a container (and maybe its end). */
static int js_value(struct js *js, int node, enum js_step *next)
{
	unsigned char c;
	int rc;

	js_skip_ws(js);
	if (js->pos >= js->len)
		return js_fail(js, js->pos, "unexpected end of input, expected a value");
	c = js->s[js->pos];
	if (c != '{' && c != '[') {
		if ((rc = js_scalar(js, node)))
			return rc;
		return js_after(js, next);
	}
	if ((rc = js_open(js, node)))
		return rc;
	js_skip_ws(js);
	if (js->pos < js->len && js->s[js->pos] == (c == '{' ? '}' : ']')) {
		js_close(js);
		return js_after(js, next);
	}
	*next = c == '{' ? JS_KEY : JS_VALUE;
	return RR_OK;
}

static int js_run(struct js *js)
{
	enum js_step step = JS_VALUE;
	int node = 0, rc;

	for (;;) {
		if (step == JS_KEY && (rc = js_key(js, &node)))
			return rc;
		if ((rc = js_value(js, node, &step)))
			return rc;
		if (step == JS_AFTER)
			return RR_OK;
		/* The next value is an array element, which no path names. */
		node = -1;
	}
}

int jsonscan_scan(const char *json, size_t len, struct jsonscan_field *fields, size_t nfields,
		  int max_depth, struct rr_error *err)
{
	struct js js;
	int rc;

	if (!json && len)
		return rr_error_set(err, RR_EINVAL, "jsonscan: no input");
	if (max_depth < 1 || max_depth > JSONSCAN_MAX_DEPTH)
		return rr_error_set(err, RR_EINVAL, "jsonscan: depth limit %d outside 1..%d",
				    max_depth, JSONSCAN_MAX_DEPTH);
	if (nfields && !fields)
		return rr_error_set(err, RR_EINVAL, "jsonscan: no fields");
	js.s = (const unsigned char *)(json ? json : "");
	js.len = len;
	js.pos = 0;
	js.max_depth = max_depth;
	js.err = err;
	js.fields = fields;
	js.depth = js.tracked = 0;
	if ((rc = js_build_trie(&js, nfields)))
		return rc;
	return js_run(&js);
}

int jsonscan_decode(const struct jsonscan_field *f, char *buf, size_t buf_size,
		    struct rr_error *err)
{
	struct js js = { 0 };
	struct js_sink k = { buf, buf_size, 0, false };
	int rc;

	if (!f || f->type != JSONSCAN_STRING || !f->raw || !buf || buf_size == 0)
		return rr_error_set(err, RR_EINVAL, "jsonscan: not a string field");
	js.s = (const unsigned char *)f->raw;
	js.len = f->raw_len;
	js.err = err;
	if ((rc = js_string(&js, &k)))
		return rc;
	if (k.len >= buf_size)
		return rr_error_set(err, RR_EINVAL, "jsonscan: %zu-byte buffer too small for %zu bytes",
				    buf_size, k.len);
	return RR_OK;
}

int jsonscan_int64(const struct jsonscan_field *f, int64_t *out)
{
	const char *p, *end;
	bool neg;
	uint64_t v = 0, limit;

	if (!f || f->type != JSONSCAN_NUMBER || !f->raw || f->raw_len == 0)
		return RR_EINVAL;
	p = f->raw;
	end = f->raw + f->raw_len;
	neg = *p == '-';
	p += neg;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (p == end)
		return RR_EINVAL;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return RR_EINVAL;            /* a fraction or an exponent */
		unsigned d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10)
			return RR_EINVAL;
		v = v * 10 + d;
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return RR_OK;
}
