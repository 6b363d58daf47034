/* cargo_sections.c — the sections of a Cargo.toml the review reads (cargo_sections.h). */
#include "cargo_sections.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Where a line scan stands at the end of a line. */
struct cut_state {
	int depth;          /* open [ and { of values */
	int ml;             /* 0, or '"' / '\'' inside a multi-line string */
	bool bad;           /* a closing bracket without an opening one */
};

static bool starts_with(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* Updates st over one line of a value (or a key = value line). */
static void scan_line(const char *p, const char *end, struct cut_state *st)
{
	while (p < end) {
		if (st->ml) {
			const char *close = st->ml == '"' ? "\"\"\"" : "'''";
			if (st->ml == '"' && *p == '\\') {
				p += 2;
				continue;
			}
			if (starts_with(p, end, close)) {
				st->ml = 0;
				p += 3;
				continue;
			}
			p++;
			continue;
		}
		if (*p == '#')
			return;                      /* a comment to the end of the line */
		if (starts_with(p, end, "\"\"\"") || starts_with(p, end, "'''")) {
			st->ml = *p;
			p += 3;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (p < end && *p != q) {
				if (q == '"' && *p == '\\')
					p++;
				p++;
			}
			p++;
			continue;
		}
		if (*p == '[' || *p == '{')
			st->depth++;
		else if (*p == ']' || *p == '}') {
			if (--st->depth < 0)
				st->bad = true;
		}
		p++;
	}
}

/* Whether a header line's table (first key) is one the review reads. A header
 * that does not read plainly is kept: the parser will say what is wrong. */
static bool header_kept(const char *p, const char *end)
{
	static const char *const kept[] = { "package", "lints", "workspace", "lib", "bin" };

	while (p < end && *p == '[')
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '"' || *p == '\''))
		return true;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		size_t n = strlen(kept[i]);
		if ((size_t)(end - p) >= n && memcmp(p, kept[i], n) == 0) {
			const char *q = p + n;
			if (q == end || *q == '.' || *q == ']' || *q == ' ' || *q == '\t')
				return true;
		}
	}
	for (; p < end; p++)
		if (*p == ']')
			return false;
	return true;
}

char *cargo_sections_keep(const char *src, size_t len, size_t *out_len)
{
	struct cut_state st = { 0, 0, false };
	const char *p = src, *end = src + len;
	bool keep = true, cut = false;
	char *out, *o;

	if (!src || !len || !(out = malloc(len + 1)))
		return NULL;
	o = out;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *q = p;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (!st.ml && st.depth == 0 && q < eol && *q == '[')
			keep = header_kept(q, eol);
		else
			scan_line(p, eol, &st);
		if (st.bad)
			break;
		if (keep) {
			memcpy(o, p, (size_t)(eol - p));
			o += eol - p;
		} else {
			cut = true;
		}
		if (nl)
			*o++ = '\n';
		p = nl ? nl + 1 : end;
	}
	if (st.bad || st.ml || st.depth != 0 || !cut) {
		free(out);
		return NULL;
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}
