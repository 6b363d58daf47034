/* glob.c — fnmatch(3) per segment plus `**` segments, matched without backtracking. */
#include "glob.h"

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

#define GLOB_MAX_SEGMENTS 256
#define GLOB_MAX_SEGMENT_LEN 1024

struct glob_segments {
	const char *start[GLOB_MAX_SEGMENTS];
	size_t len[GLOB_MAX_SEGMENTS];
	size_t n;
};

/* Splits s at '/' (empty segments from "a//b" are dropped). */
static bool glob_split(const char *s, struct glob_segments *out)
{
	out->n = 0;
	if (s[0] == '.' && s[1] == '/')
		s += 2;
	while (*s) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);
		if (len > 0) {
			if (out->n == GLOB_MAX_SEGMENTS || len >= GLOB_MAX_SEGMENT_LEN)
				return false;
			out->start[out->n] = s;
			out->len[out->n++] = len;
		}
		s += len;
		if (*s == '/')
			s++;
	}
	return true;
}

static bool glob_is_globstar(const struct glob_segments *p, size_t i)
{
	return p->len[i] == 2 && memcmp(p->start[i], "**", 2) == 0;
}

static bool glob_segment_match(const struct glob_segments *p, size_t i,
			       const struct glob_segments *s, size_t j)
{
	char pat[GLOB_MAX_SEGMENT_LEN], str[GLOB_MAX_SEGMENT_LEN];

	memcpy(pat, p->start[i], p->len[i]);
	pat[p->len[i]] = '\0';
	memcpy(str, s->start[j], s->len[j]);
	str[s->len[j]] = '\0';
	return fnmatch(pat, str, FNM_PATHNAME) == 0;
}

bool glob_match(const char *pattern, const char *path)
{
	static const struct glob_segments globstar = { { "**" }, { 2 }, 1 };
	struct glob_segments p, s;
	/* can[j]: pattern segments [0, i) match path segments [0, j). */
	bool can[GLOB_MAX_SEGMENTS + 1], next[GLOB_MAX_SEGMENTS + 1];
	size_t plen;

	if (!pattern || !path || !glob_split(pattern, &p) || !glob_split(path, &s))
		return false;
	plen = strlen(pattern);
	/* "dir/" means everything under dir. */
	if (plen > 0 && pattern[plen - 1] == '/') {
		if (p.n == GLOB_MAX_SEGMENTS)
			return false;
		p.start[p.n] = globstar.start[0];
		p.len[p.n++] = 2;
	}
	memset(can, 0, sizeof(can));
	can[0] = true;
	for (size_t i = 0; i < p.n; i++) {
		bool star = glob_is_globstar(&p, i);
		memset(next, 0, sizeof(next));
		for (size_t j = 0; j <= s.n; j++) {
			if (star)   /* ** absorbs zero or more segments */
				next[j] = can[j] || (j > 0 && next[j - 1]);
			else
				next[j] = j > 0 && can[j - 1] && glob_segment_match(&p, i, &s, j - 1);
		}
		memcpy(can, next, sizeof(can));
	}
	return can[s.n];
}
