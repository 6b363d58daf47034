/* toml.c — TOML via the tree-sitter TOML grammar: syntax tree -> value tree. */
#include "toml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_toml(void);

/* Arrays and inline tables nest by recursion: bound it so hostile input
 * cannot exhaust the C stack. */
#define TOML_MAX_NESTING 64
#define TOML_MAX_KEY_SEGMENTS 64

struct toml_parser {
	const char *src;
	size_t len;
	struct toml_value *root;
	struct rr_error *err;
};

/* --- values ---------------------------------------------------------------- */

static struct toml_value *toml_value_new(enum toml_type type, uint32_t line)
{
	struct toml_value *v = calloc(1, sizeof(*v));
	if (v) {
		v->type = type;
		v->line = line;
	}
	return v;
}

void toml_free(struct toml_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		toml_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
	free(v);
}

const char *toml_type_name(enum toml_type t)
{
	static const char *const names[] = { "string", "integer", "float", "boolean",
					     "date-time", "array", "table" };
	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "value";
}

/* Appends item (and key, for tables). On failure neither is kept by v. */
static int toml_append(struct toml_value *v, char *key, struct toml_value *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct toml_value **items = realloc(v->items, cap * sizeof(*items));
		if (!items)
			return RR_ENOMEM;
		v->items = items;
		if (v->type == TOML_TABLE) {
			char **keys = realloc(v->keys, cap * sizeof(*keys));
			if (!keys)
				return RR_ENOMEM;
			v->keys = keys;
		}
		v->cap = cap;
	}
	v->items[v->n] = item;
	if (v->type == TOML_TABLE)
		v->keys[v->n] = key;
	v->n++;
	return RR_OK;
}

const struct toml_value *toml_table_get(const struct toml_value *table, const char *key)
{
	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	for (size_t i = 0; i < table->n; i++)
		if (strcmp(table->keys[i], key) == 0)
			return table->items[i];
	return NULL;
}

const struct toml_value *toml_get_path(const struct toml_value *root, const char *dotted)
{
	const struct toml_value *v = root;
	char seg[128];

	while (v && dotted && *dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
		if (n == 0 || n >= sizeof(seg))
			return NULL;
		memcpy(seg, dotted, n);
		seg[n] = '\0';
		v = toml_table_get(v, seg);
		dotted = dot ? dot + 1 : NULL;
	}
	return v;
}

/* --- errors ---------------------------------------------------------------- */

static uint32_t node_line(TSNode n)
{
	return ts_node_start_point(n).row + 1;
}

static int toml_fail(struct toml_parser *p, TSNode at, const char *what, const char *name)
{
	return rr_error_set(p->err, RR_EINVAL, "line %u: %s%s%s%s", node_line(at), what,
			    name ? " `" : "", name ? name : "", name ? "`" : "");
}

/* The first ERROR or MISSING node in document order, if any. */
static bool toml_first_syntax_error(TSNode root, TSNode *out)
{
	TSTreeCursor c = ts_tree_cursor_new(root);
	bool found = false;

	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		if (strcmp(ts_node_type(n), "ERROR") == 0 || ts_node_is_missing(n)) {
			*out = n;
			found = true;
			break;
		}
		if (ts_node_has_error(n) && ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
	}
done:
	ts_tree_cursor_delete(&c);
	return found;
}

static int toml_syntax_error(struct toml_parser *p, TSNode root)
{
	TSNode bad = root;
	char near[40];
	size_t i, o = 0, start;

	toml_first_syntax_error(root, &bad);
	start = ts_node_start_byte(bad);
	if (ts_node_is_missing(bad))
		return rr_error_set(p->err, RR_EINVAL, "line %u: syntax error: missing `%s`",
				    node_line(bad), ts_node_type(bad));
	/* Quote a little of the source, on one line, without control bytes. */
	for (i = start; i < p->len && o + 1 < sizeof(near) && p->src[i] != '\n'; i++)
		near[o++] = (unsigned char)p->src[i] < 0x20 || p->src[i] == '`' ? ' ' : p->src[i];
	near[o] = '\0';
	return rr_error_set(p->err, RR_EINVAL, "line %u: syntax error near `%s`", node_line(bad),
			    near);
}

/* --- strings --------------------------------------------------------------- */

static int utf8_put(struct rr_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return rr_buf_append(b, u, n);
}

/* \uXXXX or \UXXXXXXXX at s (after the backslash); returns digits consumed or 0. */
static size_t unicode_escape(const char *s, size_t n, unsigned long *cp)
{
	size_t want = s[0] == 'u' ? 4 : 8;
	unsigned long v = 0;

	if (n < want + 1)
		return 0;
	for (size_t i = 1; i <= want; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return 0;
		v = v * 16 + (unsigned long)d;
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return want;
}

/* Decodes the body of a basic string ("..." or """..."""). */
static int decode_basic(const char *s, size_t n, bool multiline, struct rr_buf *b, bool *bad)
{
	static const char simple_from[] = "btnfr\"\\e";
	static const char simple_to[] = "\b\t\n\f\r\"\\\x1b";
	int rc = RR_OK;

	for (size_t i = 0; i < n && rc == RR_OK; i++) {
		const char *k;
		unsigned long cp;
		size_t used;
		if (s[i] != '\\') {
			rc = rr_buf_append(b, s + i, 1);
			continue;
		}
		if (++i >= n)
			return *bad = true, RR_OK;
		if ((k = strchr(simple_from, s[i])) && s[i]) {
			rc = rr_buf_append(b, simple_to + (k - simple_from), 1);
		} else if ((s[i] == 'u' || s[i] == 'U') && (used = unicode_escape(s + i, n - i, &cp))) {
			rc = utf8_put(b, cp);
			i += used;
		} else if (multiline && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
			/* A line-ending backslash eats the newline and the indentation after it. */
			size_t j = i;
			while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
				j++;
			if (j >= n || s[j] != '\n')
				return *bad = true, RR_OK;
			while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
				j++;
			i = j - 1;
		} else {
			return *bad = true, RR_OK;
		}
	}
	return rc;
}

static int toml_string(struct toml_parser *p, TSNode node, struct toml_value *v)
{
	const char *s = p->src + ts_node_start_byte(node);
	size_t n = ts_node_end_byte(node) - ts_node_start_byte(node);
	struct rr_buf b = RR_BUF_INIT;
	bool literal = n > 0 && s[0] == '\'', bad = false;
	size_t q = n >= 6 && (memcmp(s, "\"\"\"", 3) == 0 || memcmp(s, "'''", 3) == 0) ? 3 : 1;
	int rc;

	if (n < 2 * q)
		return toml_fail(p, node, "unterminated string", NULL);
	s += q;
	n -= 2 * q;
	/* A newline right after the opening delimiter of a multi-line string is trimmed. */
	if (q == 3 && n > 0 && s[0] == '\n') {
		s++;
		n--;
	} else if (q == 3 && n > 1 && s[0] == '\r' && s[1] == '\n') {
		s += 2;
		n -= 2;
	}
	rc = literal ? rr_buf_append(&b, s, n) : decode_basic(s, n, q == 3, &b, &bad);
	if (rc == RR_OK && !bad && !b.data)
		rc = rr_buf_puts(&b, "");
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return rr_error_set(p->err, RR_ENOMEM, "out of memory");
	}
	if (bad) {
		rr_buf_free(&b);
		return toml_fail(p, node, "invalid escape sequence in string", NULL);
	}
	v->text_len = b.len;
	v->text = rr_buf_detach(&b);
	return RR_OK;
}

/* --- scalars --------------------------------------------------------------- */

/* Copies text without underscores (which TOML allows between digits). */
static bool strip_underscores(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return true;
}

static int toml_integer(struct toml_parser *p, TSNode node, struct toml_value *v)
{
	char buf[96], *end = NULL, *digits = buf;
	int base = 10;
	long long x;

	if (!strip_underscores(p->src + ts_node_start_byte(node),
			       ts_node_end_byte(node) - ts_node_start_byte(node), buf, sizeof(buf)))
		return toml_fail(p, node, "integer too long", NULL);
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'o' || buf[1] == 'b')) {
		base = buf[1] == 'x' ? 16 : buf[1] == 'o' ? 8 : 2;
		digits = buf + 2;
	}
	errno = 0;
	x = strtoll(digits, &end, base);
	if (errno == ERANGE || !end || *end || end == digits)
		return toml_fail(p, node, "integer out of range or malformed", NULL);
	v->integer = (int64_t)x;
	return RR_OK;
}

static int toml_float(struct toml_parser *p, TSNode node, struct toml_value *v)
{
	char buf[128], *end = NULL;

	if (!strip_underscores(p->src + ts_node_start_byte(node),
			       ts_node_end_byte(node) - ts_node_start_byte(node), buf, sizeof(buf)))
		return toml_fail(p, node, "float too long", NULL);
	if (!(v->text = rr_strdup(buf)))
		return rr_error_set(p->err, RR_ENOMEM, "out of memory");
	v->text_len = strlen(buf);
	/* inf and nan are spelled the C way after an optional sign. */
	v->number = strtod(buf, &end);
	return RR_OK;
}

static int toml_raw_text(struct toml_parser *p, TSNode node, struct toml_value *v)
{
	size_t n = ts_node_end_byte(node) - ts_node_start_byte(node);
	struct rr_buf b = RR_BUF_INIT;

	if (rr_buf_append(&b, p->src + ts_node_start_byte(node), n) != RR_OK || rr_buf_puts(&b, ""))
		return rr_buf_free(&b), rr_error_set(p->err, RR_ENOMEM, "out of memory");
	v->text_len = b.len;
	v->text = rr_buf_detach(&b);
	return RR_OK;
}

/* --- keys ------------------------------------------------------------------ */

struct toml_key {
	char *seg[TOML_MAX_KEY_SEGMENTS];
	TSNode node[TOML_MAX_KEY_SEGMENTS];
	size_t n;
};

static void toml_key_free(struct toml_key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->seg[i]);
	k->n = 0;
}

/* One bare or quoted key segment, decoded. */
static int toml_key_segment(struct toml_parser *p, TSNode node, char **out)
{
	struct toml_value tmp;
	int rc;

	*out = NULL;
	if (strcmp(ts_node_type(node), "quoted_key") == 0) {
		memset(&tmp, 0, sizeof(tmp));
		if ((rc = toml_string(p, node, &tmp)))
			return rc;
		*out = tmp.text;
		return RR_OK;
	}
	{
		size_t n = ts_node_end_byte(node) - ts_node_start_byte(node);
		struct rr_buf b = RR_BUF_INIT;
		if (rr_buf_append(&b, p->src + ts_node_start_byte(node), n) || rr_buf_puts(&b, ""))
			return rr_buf_free(&b), rr_error_set(p->err, RR_ENOMEM, "out of memory");
		*out = rr_buf_detach(&b);
	}
	return RR_OK;
}

/* Flattens a (left-nested) dotted_key into its segments, without recursion. */
static int toml_key_read(struct toml_parser *p, TSNode key, struct toml_key *k)
{
	TSNode rights[TOML_MAX_KEY_SEGMENTS];
	size_t nr = 0;
	int rc;

	k->n = 0;
	while (strcmp(ts_node_type(key), "dotted_key") == 0) {
		uint32_t nc = ts_node_named_child_count(key);
		if (nc < 2 || nr + 1 >= TOML_MAX_KEY_SEGMENTS)
			return toml_fail(p, key, "key has too many parts", NULL);
		rights[nr++] = ts_node_named_child(key, nc - 1);
		key = ts_node_named_child(key, 0);
	}
	rights[nr++] = key;
	while (nr > 0) {
		TSNode seg = rights[--nr];
		if ((rc = toml_key_segment(p, seg, &k->seg[k->n]))) {
			toml_key_free(k);
			return rc;
		}
		k->node[k->n++] = seg;
	}
	return RR_OK;
}

static struct toml_value *table_find(struct toml_value *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0)
			return t->items[i];
	return NULL;
}

/* A new empty table under key in t (key is copied). */
static int table_add_table(struct toml_parser *p, struct toml_value *t, const char *key,
			   TSNode at, struct toml_value **out)
{
	struct toml_value *child = toml_value_new(TOML_TABLE, node_line(at));
	char *k = rr_strdup(key);

	if (!child || !k || toml_append(t, k, child) != RR_OK) {
		free(k);
		toml_free(child);
		return rr_error_set(p->err, RR_ENOMEM, "out of memory");
	}
	*out = child;
	return RR_OK;
}

/*
 * Walks the key's segments [0, upto) from t, creating implicit tables, and
 * returns the table reached. Passing through the last table of an array of
 * tables is allowed (that is how [a.b] extends the last [[a]]).
 */
static int walk_tables(struct toml_parser *p, struct toml_value *t, const struct toml_key *k,
		       size_t upto, bool dotted_pair, struct toml_value **out)
{
	int rc;

	for (size_t i = 0; i < upto; i++) {
		struct toml_value *next = table_find(t, k->seg[i]);
		if (!next) {
			if ((rc = table_add_table(p, t, k->seg[i], k->node[i], &next)))
				return rc;
		} else if (next->type == TOML_ARRAY && next->table_array && next->n > 0 &&
			   !dotted_pair) {
			next = next->items[next->n - 1];
		} else if (next->type != TOML_TABLE) {
			return toml_fail(p, k->node[i], "key is already a value, not a table:",
					 k->seg[i]);
		} else if (next->is_inline) {
			return toml_fail(p, k->node[i], "inline table cannot be extended:", k->seg[i]);
		} else if (dotted_pair && next->header_defined) {
			/* TOML: dotted keys may not reopen a table defined by a header. */
			return toml_fail(p, k->node[i], "table already defined by a header:",
					 k->seg[i]);
		}
		t = next;
	}
	*out = t;
	return RR_OK;
}

/* --- values and pairs ------------------------------------------------------ */

static int toml_value_of(struct toml_parser *p, TSNode node, int depth, struct toml_value **out);
static int toml_add_pair(struct toml_parser *p, struct toml_value *table, TSNode pair, int depth);

static int toml_array(struct toml_parser *p, TSNode node, struct toml_value *v, int depth)
{
	uint32_t nc = ts_node_named_child_count(node);
	int rc;

	v->is_inline = true;
	for (uint32_t i = 0; i < nc; i++) {
		TSNode c = ts_node_named_child(node, i);
		struct toml_value *item = NULL;
		if (strcmp(ts_node_type(c), "comment") == 0)
			continue;
		if ((rc = toml_value_of(p, c, depth + 1, &item)))
			return rc;
		if (toml_append(v, NULL, item) != RR_OK) {
			toml_free(item);
			return rr_error_set(p->err, RR_ENOMEM, "out of memory");
		}
	}
	return RR_OK;
}

static int toml_inline_table(struct toml_parser *p, TSNode node, struct toml_value *v, int depth)
{
	uint32_t nc = ts_node_named_child_count(node);
	int rc;

	for (uint32_t i = 0; i < nc; i++) {
		TSNode c = ts_node_named_child(node, i);
		if (strcmp(ts_node_type(c), "pair") == 0 && (rc = toml_add_pair(p, v, c, depth + 1)))
			return rc;
	}
	/* Closed only now: its own dotted keys could still extend it. */
	v->is_inline = true;
	return RR_OK;
}

static int toml_value_of(struct toml_parser *p, TSNode node, int depth, struct toml_value **out)
{
	static const struct {
		const char *type;
		enum toml_type t;
	} kinds[] = {
		{ "string", TOML_STRING }, { "integer", TOML_INTEGER }, { "float", TOML_FLOAT },
		{ "boolean", TOML_BOOLEAN }, { "offset_date_time", TOML_DATETIME },
		{ "local_date_time", TOML_DATETIME }, { "local_date", TOML_DATETIME },
		{ "local_time", TOML_DATETIME }, { "array", TOML_ARRAY },
		{ "inline_table", TOML_TABLE },
	};
	const char *type = ts_node_type(node);
	struct toml_value *v = NULL;
	size_t i;
	int rc = RR_OK;

	*out = NULL;
	if (depth > TOML_MAX_NESTING)
		return toml_fail(p, node, "values nested too deeply", NULL);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(type, kinds[i].type) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return toml_fail(p, node, "unexpected value", type);
	if (!(v = toml_value_new(kinds[i].t, node_line(node))))
		return rr_error_set(p->err, RR_ENOMEM, "out of memory");
	switch (v->type) {
	case TOML_STRING: rc = toml_string(p, node, v); break;
	case TOML_INTEGER: rc = toml_integer(p, node, v); break;
	case TOML_FLOAT: rc = toml_float(p, node, v); break;
	case TOML_BOOLEAN:
		v->boolean = *(p->src + ts_node_start_byte(node)) == 't';
		break;
	case TOML_DATETIME: rc = toml_raw_text(p, node, v); break;
	case TOML_ARRAY: rc = toml_array(p, node, v, depth); break;
	case TOML_TABLE: rc = toml_inline_table(p, node, v, depth); break;
	}
	if (rc) {
		toml_free(v);
		return rc;
	}
	*out = v;
	return RR_OK;
}

/* key = value, into table (dotted keys create the tables on the way). */
static int toml_add_pair(struct toml_parser *p, struct toml_value *table, TSNode pair, int depth)
{
	struct toml_key k;
	struct toml_value *target = NULL, *value = NULL;
	TSNode key = ts_node_named_child(pair, 0), val = ts_node_named_child(pair, 1);
	char *last = NULL;
	int rc;

	k.n = 0;
	if (ts_node_named_child_count(pair) < 2)
		return toml_fail(p, pair, "key without a value", NULL);
	if ((rc = toml_key_read(p, key, &k)))
		return rc;
	if ((rc = walk_tables(p, table, &k, k.n - 1, true, &target)))
		goto done;
	if (table_find(target, k.seg[k.n - 1])) {
		rc = toml_fail(p, k.node[k.n - 1], "duplicate key", k.seg[k.n - 1]);
		goto done;
	}
	if ((rc = toml_value_of(p, val, depth, &value)))
		goto done;
	last = k.seg[k.n - 1];
	if (toml_append(target, last, value) != RR_OK) {
		toml_free(value);
		rc = rr_error_set(p->err, RR_ENOMEM, "out of memory");
		goto done;
	}
	k.seg[k.n - 1] = NULL;    /* now owned by the table */
done:
	toml_key_free(&k);
	return rc;
}

/* --- tables ---------------------------------------------------------------- */

/* The pairs after a header, into t. */
static int toml_section_pairs(struct toml_parser *p, TSNode section, struct toml_value *t)
{
	uint32_t nc = ts_node_named_child_count(section);
	int rc;

	for (uint32_t i = 1; i < nc; i++) {
		TSNode c = ts_node_named_child(section, i);
		if (strcmp(ts_node_type(c), "pair") == 0 && (rc = toml_add_pair(p, t, c, 0)))
			return rc;
	}
	return RR_OK;
}

/* Reads the key of a [..] or [[..]] header into k and finds (making what is
 * missing) the table that holds its last segment. On failure k is freed. */
static int toml_section_parent(struct toml_parser *p, TSNode section, struct toml_key *k,
			       struct toml_value **parent)
{
	int rc;

	k->n = 0;
	if ((rc = toml_key_read(p, ts_node_named_child(section, 0), k)))
		return rc;
	if ((rc = walk_tables(p, p->root, k, k->n - 1, false, parent)))
		toml_key_free(k);
	return rc;
}

/* [a.b.c] */
static int toml_table_section(struct toml_parser *p, TSNode section)
{
	struct toml_key k;
	struct toml_value *parent = NULL, *t;
	const char *name;
	int rc;

	if ((rc = toml_section_parent(p, section, &k, &parent)))
		return rc;
	name = k.seg[k.n - 1];
	t = table_find(parent, name);
	if (!t) {
		if ((rc = table_add_table(p, parent, name, section, &t)))
			goto done;
	} else if (t->type != TOML_TABLE || t->is_inline) {
		rc = toml_fail(p, section, "key is already a value, not a table:", name);
		goto done;
	} else if (t->header_defined) {
		rc = toml_fail(p, section, "table defined twice:", name);
		goto done;
	}
	t->header_defined = true;
	t->line = node_line(section);
	rc = toml_section_pairs(p, section, t);
done:
	toml_key_free(&k);
	return rc;
}

/* [[a.b]] */
static int toml_array_section(struct toml_parser *p, TSNode section)
{
	struct toml_key k;
	struct toml_value *parent = NULL, *arr, *t = NULL;
	char *name_copy = NULL;
	const char *name;
	int rc;

	if ((rc = toml_section_parent(p, section, &k, &parent)))
		return rc;
	name = k.seg[k.n - 1];
	arr = table_find(parent, name);
	if (!arr) {
		if (!(arr = toml_value_new(TOML_ARRAY, node_line(section))) ||
		    !(name_copy = rr_strdup(name)) || toml_append(parent, name_copy, arr) != RR_OK) {
			free(name_copy);
			toml_free(arr);
			rc = rr_error_set(p->err, RR_ENOMEM, "out of memory");
			goto done;
		}
		arr->table_array = true;
	} else if (arr->type != TOML_ARRAY || !arr->table_array) {
		rc = toml_fail(p, section, "key is already a value, not an array of tables:", name);
		goto done;
	}
	if (!(t = toml_value_new(TOML_TABLE, node_line(section))) ||
	    toml_append(arr, NULL, t) != RR_OK) {
		toml_free(t);
		rc = rr_error_set(p->err, RR_ENOMEM, "out of memory");
		goto done;
	}
	t->header_defined = true;
	rc = toml_section_pairs(p, section, t);
done:
	toml_key_free(&k);
	return rc;
}

static int toml_document(struct toml_parser *p, TSNode doc)
{
	uint32_t nc = ts_node_named_child_count(doc);
	int rc = RR_OK;

	for (uint32_t i = 0; i < nc && rc == RR_OK; i++) {
		TSNode c = ts_node_named_child(doc, i);
		const char *type = ts_node_type(c);
		if (strcmp(type, "pair") == 0)
			rc = toml_add_pair(p, p->root, c, 0);
		else if (strcmp(type, "table") == 0)
			rc = toml_table_section(p, c);
		else if (strcmp(type, "table_array_element") == 0)
			rc = toml_array_section(p, c);
	}
	return rc;
}

int toml_parse(const char *src, size_t len, struct toml_value **out, struct rr_error *err)
{
	struct toml_parser p = { src ? src : "", len, NULL, err };
	TSParser *parser = NULL;
	TSTree *tree = NULL;
	TSNode root;
	int rc;

	*out = NULL;
	if (len > UINT32_MAX)
		return rr_error_set(err, RR_ETOOBIG, "%zu bytes is too big to parse", len);
	if (memchr(p.src, '\0', len))
		return rr_error_set(err, RR_EINVAL, "not a text file (NUL byte)");
	if (!(parser = ts_parser_new()) || !ts_parser_set_language(parser, tree_sitter_toml())) {
		rc = rr_error_set(err, RR_ECONFIG, "cannot load the TOML grammar (ABI %u)",
				  ts_language_version(tree_sitter_toml()));
		goto cleanup;
	}
	if (!(tree = ts_parser_parse_string(parser, NULL, p.src, (uint32_t)len))) {
		rc = rr_error_set(err, RR_ERR, "tree-sitter returned no tree");
		goto cleanup;
	}
	root = ts_tree_root_node(tree);
	if (ts_node_has_error(root)) {
		rc = toml_syntax_error(&p, root);
		goto cleanup;
	}
	if (!(p.root = toml_value_new(TOML_TABLE, 1))) {
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = toml_document(&p, root)) == RR_OK) {
		*out = p.root;
		p.root = NULL;
	}
cleanup:
	toml_free(p.root);
	if (tree)
		ts_tree_delete(tree);
	if (parser)
		ts_parser_delete(parser);
	return rc;
}
