/*
 * ranges.c — item boundaries of a Rust file by a token scan, and the byte
 * ranges a review of some added lines needs parsed (ranges.h).
 *
 * The scan knows the item grammar only as far as it must to find where each
 * item starts and ends: leading comments and attributes, visibility,
 * qualifiers, the item keyword, and then balanced brackets to the `;` or the
 * `}` that ends it. It descends into the bodies of `mod`, `impl`, `trait` and
 * `extern` blocks, whose items are items too. Anything else gives up.
 */
#include "ranges.h"

#include <stdlib.h>
#include <string.h>

/* --- tokens ----------------------------------------------------------------- */

enum tok_kind { TK_EOF, TK_IDENT, TK_PUNCT, TK_LIT, TK_LIFETIME, TK_BAD };

struct token {
	enum tok_kind kind;
	size_t start, end;
};

struct lexer {
	const char *s;
	size_t n, i;
};

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Skips whitespace only. */
static void skip_ws(struct lexer *lx)
{
	while (lx->i < lx->n && is_ws((unsigned char)lx->s[lx->i]))
		lx->i++;
}

/* Skips whitespace and comments (block comments nest); false on an
 * unterminated block comment. */
static bool skip_trivia(struct lexer *lx)
{
	for (;;) {
		skip_ws(lx);
		if (lx->i + 1 >= lx->n || lx->s[lx->i] != '/')
			return true;
		if (lx->s[lx->i + 1] == '/') {
			const char *nl = memchr(lx->s + lx->i, '\n', lx->n - lx->i);
			lx->i = nl ? (size_t)(nl - lx->s) + 1 : lx->n;
		} else if (lx->s[lx->i + 1] == '*') {
			size_t depth = 1;
			lx->i += 2;
			while (depth && lx->i < lx->n) {
				if (lx->i + 1 < lx->n && lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
					depth++;
					lx->i += 2;
				} else if (lx->i + 1 < lx->n && lx->s[lx->i] == '*' &&
					   lx->s[lx->i + 1] == '/') {
					depth--;
					lx->i += 2;
				} else {
					lx->i++;
				}
			}
			if (depth)
				return false;
		} else {
			return true;
		}
	}
}

/* A "..." string from the quote at lx->i; false when unterminated. */
static bool lex_string(struct lexer *lx)
{
	for (lx->i++; lx->i < lx->n; lx->i++) {
		if (lx->s[lx->i] == '\\')
			lx->i++;
		else if (lx->s[lx->i] == '"') {
			lx->i++;
			return true;
		}
	}
	return false;
}

/* r"..." or r#"..."#: lx->i at the first '#' or '"' after the prefix. */
static bool lex_raw_string(struct lexer *lx)
{
	size_t hashes = 0;

	while (lx->i < lx->n && lx->s[lx->i] == '#') {
		hashes++;
		lx->i++;
	}
	if (lx->i >= lx->n || lx->s[lx->i] != '"')
		return false;
	for (lx->i++; lx->i < lx->n; lx->i++) {
		size_t h = 0;
		if (lx->s[lx->i] != '"')
			continue;
		while (h < hashes && lx->i + 1 + h < lx->n && lx->s[lx->i + 1 + h] == '#')
			h++;
		if (h == hashes) {
			lx->i += 1 + hashes;
			return true;
		}
	}
	return false;
}

/* Length of the UTF-8 sequence starting with byte c (1 for anything else). */
static size_t utf8_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* A char literal or a lifetime from the quote at lx->i. */
static enum tok_kind lex_quote(struct lexer *lx)
{
	size_t i = lx->i + 1;

	if (i >= lx->n)
		return TK_BAD;
	if (lx->s[i] == '\\') {              /* '\n', '\'', '\u{..}': the closing quote is near */
		for (size_t j = i + 2; j < lx->n && j < i + 12; j++)
			if (lx->s[j] == '\'') {
				lx->i = j + 1;
				return TK_LIT;
			}
		return TK_BAD;
	}
	if (lx->s[i] == '\'')
		return TK_BAD;
	size_t k = utf8_len((unsigned char)lx->s[i]);
	if (i + k < lx->n && lx->s[i + k] == '\'') {
		lx->i = i + k + 1;
		return TK_LIT;
	}
	if (!is_ident_start((unsigned char)lx->s[i]))
		return TK_BAD;
	for (lx->i = i; lx->i < lx->n && is_ident_char((unsigned char)lx->s[lx->i]); lx->i++)
		;
	return TK_LIFETIME;
}

/* An identifier, or a string/char literal with a b, c, r, br or cr prefix. */
static enum tok_kind lex_word(struct lexer *lx)
{
	size_t start = lx->i, len, i = lx->i;
	const size_t n = lx->n;
	const unsigned char *s = (const unsigned char *)lx->s;
	char next;

	/* locals, not lx->i: most of a large file's bytes pass through here */
	while (i < n && is_ident_char(s[i]))
		i++;
	lx->i = i;
	len = lx->i - start;
	next = lx->i < lx->n ? lx->s[lx->i] : '\0';
	if (len <= 2 && (next == '"' || next == '#' || next == '\'')) {
		const char *w = lx->s + start;
		bool raw = (len == 1 && w[0] == 'r') ||
			   (len == 2 && (w[0] == 'b' || w[0] == 'c') && w[1] == 'r');
		if (raw && next == '#' && lx->i + 1 < lx->n &&
		    is_ident_start((unsigned char)lx->s[lx->i + 1]) && len == 1) {
			/* r#ident: a raw identifier */
			for (lx->i++; lx->i < lx->n && is_ident_char((unsigned char)lx->s[lx->i]); lx->i++)
				;
			return TK_IDENT;
		}
		if (raw)
			return lex_raw_string(lx) ? TK_LIT : TK_BAD;
		if (len == 1 && (w[0] == 'b' || w[0] == 'c') && next == '"')
			return lex_string(lx) ? TK_LIT : TK_BAD;
		if (len == 1 && w[0] == 'b' && next == '\'')
			return lex_quote(lx) == TK_LIT ? TK_LIT : TK_BAD;
	}
	return TK_IDENT;
}

/* The next token after trivia. */
static struct token next_token(struct lexer *lx)
{
	struct token t = { TK_EOF, 0, 0 };
	unsigned char c;

	if (!skip_trivia(lx)) {
		t.kind = TK_BAD;
		return t;
	}
	t.start = lx->i;
	if (lx->i >= lx->n) {
		t.start = t.end = lx->n;
		return t;
	}
	c = (unsigned char)lx->s[lx->i];
	if (is_ident_start(c)) {
		t.kind = lex_word(lx);
	} else if (c >= '0' && c <= '9') {
		while (lx->i < lx->n && (is_ident_char((unsigned char)lx->s[lx->i]) ||
					 (lx->s[lx->i] == '.' && lx->i + 1 < lx->n &&
					  lx->s[lx->i + 1] >= '0' && lx->s[lx->i + 1] <= '9')))
			lx->i++;
		t.kind = TK_LIT;
	} else if (c == '"') {
		t.kind = lex_string(lx) ? TK_LIT : TK_BAD;
	} else if (c == '\'') {
		t.kind = lex_quote(lx);
	} else {
		lx->i++;
		t.kind = TK_PUNCT;
	}
	t.end = lx->i;
	return t;
}

static struct token peek_token(struct lexer *lx)
{
	size_t at = lx->i;
	struct token t = next_token(lx);
	lx->i = at;
	return t;
}

static bool tok_is(const struct lexer *lx, struct token t, const char *word)
{
	size_t n = strlen(word);
	return (t.kind == TK_IDENT || t.kind == TK_PUNCT) && t.end - t.start == n &&
	       memcmp(lx->s + t.start, word, n) == 0;
}

static bool tok_punct(const struct lexer *lx, struct token t, char c)
{
	return t.kind == TK_PUNCT && lx->s[t.start] == c;
}

/* --- items -------------------------------------------------------------------- */

enum item_kind {
	IK_OTHER,        /* fn, const, static, macro invocation, macro_rules!: whole when touched */
	IK_CONTAINER,    /* mod/impl/trait/extern block with a body: children scanned */
	IK_TYPE,         /* struct, enum, union, type alias: the file's own type names */
	IK_USE,          /* use, extern crate: context */
	IK_INNER_ATTR,   /* #![..]: context */
	IK_TRIVIA,       /* comments after a container's last item */
};

struct ranges_item {
	uint32_t start, end;           /* [start, end) */
	uint32_t name_start, name_end;    /* IK_TYPE and traits: the name */
	uint32_t body_open, body_close;   /* `{` and `}` of a body, when has_body */
	uint32_t subtree_end;          /* index after this item's descendants */
	enum item_kind kind;
	bool has_body;
	bool is_trait;
	bool trait_impl;               /* impl Trait for Type */
	bool is_mod;                   /* mod name { .. } */
	bool is_impl;
	bool is_fn;                    /* a fn (name_start/end: its name) */
};

struct scan {
	struct lexer lx;
	struct ranges_item *v;
	size_t n, cap;
	int depth;                     /* of nested containers */
	bool nomem;
};

#define RANGES_MAX_NESTING 64

static struct ranges_item *scan_push(struct scan *sc)
{
	if (sc->n == sc->cap) {
		struct ranges_item *v = rr_array_grow(sc->v, &sc->cap, sizeof(*v), 64);
		if (!v) {
			sc->nomem = true;
			return NULL;
		}
		sc->v = v;
	}
	memset(&sc->v[sc->n], 0, sizeof(sc->v[0]));
	return &sc->v[sc->n++];
}

/*
 * Balanced brackets from the current position to the item's end: the first
 * `;` outside brackets, or (when brace_ends) the `}` that closes a brace
 * opened here. Sets *open_brace to the first `{` opened at depth 0 (or
 * SIZE_MAX). Returns the end offset (past the `;` or `}`), or 0 when unsure.
 * Item bodies are most of a file: this reads bytes, not tokens.
 */
static size_t skip_to_item_end(struct lexer *lx, bool brace_ends, size_t *open_brace)
{
	char stack[256];
	size_t depth = 0;
	unsigned char prev = 0;        /* the last significant byte */
	const char *s = lx->s;

	*open_brace = SIZE_MAX;
	while (lx->i < lx->n) {
		unsigned char c = (unsigned char)s[lx->i];
		switch (c) {
		case ' ': case '\t': case '\n': case '\r':
			lx->i++;
			continue;
		case '/':
			if (lx->i + 1 < lx->n && (s[lx->i + 1] == '/' || s[lx->i + 1] == '*')) {
				if (!skip_trivia(lx))
					return 0;
				continue;
			}
			break;
		case '"':
			if (!lex_string(lx))
				return 0;
			prev = '"';
			continue;
		case '\'':
			if (lex_quote(lx) == TK_BAD)
				return 0;
			prev = '\'';
			continue;
		case '(': case '[': case '{':
			if (depth == sizeof(stack))
				return 0;
			/* `{` right after `<` at the top: a const generic argument,
			 * not a body. (After `,` it may be either: `where T: X, {`
			 * opens the body, and a misread `Foo<A, {N}>` ends the item
			 * at `}` and leaves a `>` no item starts with: unsure.) */
			if (c == '{' && depth == 0) {
				if (prev == '<')
					return 0;
				if (*open_brace == SIZE_MAX)
					*open_brace = lx->i;
			}
			stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
			break;
		case ')': case ']': case '}':
			if (depth == 0 || stack[depth - 1] != (char)c)
				return 0;
			depth--;
			if (c == '}' && depth == 0 && brace_ends)
				return ++lx->i;
			break;
		case ';':
			if (depth == 0)
				return ++lx->i;
			break;
		default:
			if (is_ident_start(c)) {
				if (lex_word(lx) == TK_BAD)
					return 0;
				prev = 'a';
				continue;
			}
			if (c >= '0' && c <= '9') {
				next_token(lx);          /* a number: no quote or bracket inside */
				prev = '0';
				continue;
			}
			break;
		}
		lx->i++;
		prev = c;
	}
	return 0;
}

/* A delimited group starting at the current `(`, `[` or `{`, brackets balanced. */
static bool skip_group(struct lexer *lx)
{
	char stack[256];
	size_t depth = 0;
	struct token first = peek_token(lx);

	if (!tok_punct(lx, first, '(') && !tok_punct(lx, first, '[') && !tok_punct(lx, first, '{'))
		return false;
	do {
		struct token t = next_token(lx);
		char c;
		if (t.kind == TK_EOF || t.kind == TK_BAD)
			return false;
		if (t.kind != TK_PUNCT)
			continue;
		c = lx->s[t.start];
		if (c == '(' || c == '[' || c == '{') {
			if (depth == sizeof(stack))
				return false;
			stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
		} else if (c == ')' || c == ']' || c == '}') {
			if (depth == 0 || stack[depth - 1] != c)
				return false;
			depth--;
		} else if (depth == 0) {
			return false;                /* the group must start with a bracket */
		}
	} while (depth);
	return true;
}

static bool scan_container_body(struct scan *sc, bool top);

/*
 * A container's header up to its `{` (impl, trait, mod, extern block); then
 * its items, then the `}`. `;` first (`mod m;`): an ordinary item.
 */
static bool scan_container(struct scan *sc, size_t index)
{
	struct lexer *lx = &sc->lx;
	struct token prev = { TK_EOF, 0, 0 };
	size_t depth = 0;

	for (;;) {
		struct token t = next_token(lx);
		if (t.kind == TK_EOF || t.kind == TK_BAD)
			return false;
		/* `impl X for Y`; `for<'a>` is a higher-ranked bound, not a trait impl */
		if (depth == 0 && tok_is(lx, t, "for") && !tok_punct(lx, peek_token(lx), '<'))
			sc->v[index].trait_impl = true;
		if (tok_punct(lx, t, '(') || tok_punct(lx, t, '[')) {
			depth++;
		} else if (tok_punct(lx, t, ')') || tok_punct(lx, t, ']')) {
			if (depth == 0)
				return false;
			depth--;
		} else if (depth == 0 && tok_punct(lx, t, ';')) {
			sc->v[index].kind = IK_OTHER;
			sc->v[index].end = (uint32_t)t.end;
			return true;
		} else if (tok_punct(lx, t, '{')) {
			if (depth || tok_punct(lx, prev, '<'))
				return false;
			sc->v[index].body_open = (uint32_t)t.start;
			break;
		} else if (tok_punct(lx, t, '}')) {
			return false;
		}
		prev = t;
	}
	if (++sc->depth > RANGES_MAX_NESTING || !scan_container_body(sc, false))
		return false;
	sc->depth--;
	/* scan_container_body stopped at the `}` */
	sc->v[index].body_close = (uint32_t)lx->i;
	sc->v[index].has_body = true;
	lx->i++;
	sc->v[index].end = (uint32_t)lx->i;
	return true;
}

/* Outer attributes `#[..]`; true with *inner set at `#![..]`. */
static bool scan_attributes(struct lexer *lx, bool *inner, bool *any)
{
	*inner = false;
	*any = false;
	for (;;) {
		struct token t = peek_token(lx), bang;
		if (!tok_punct(lx, t, '#'))
			return true;
		next_token(lx);
		bang = peek_token(lx);
		if (tok_punct(lx, bang, '!')) {
			if (*any)
				return false;       /* an inner attribute after outer ones */
			next_token(lx);
			*inner = true;
			return skip_group(lx);
		}
		if (!tok_punct(lx, bang, '['))
			return false;
		*any = true;
		if (!skip_group(lx))
			return false;
	}
}

/* `pub`, `pub(crate)`, `pub(in path)`. */
static bool scan_visibility(struct lexer *lx)
{
	struct token t = peek_token(lx);

	if (!tok_is(lx, t, "pub"))
		return true;
	next_token(lx);
	if (tok_punct(lx, peek_token(lx), '('))
		return skip_group(lx);
	return true;
}

/* After `name!`: the invocation's group, then `;` unless it was braced. */
static size_t scan_macro_call(struct lexer *lx)
{
	struct token t = peek_token(lx), after;

	if (!tok_punct(lx, t, '(') && !tok_punct(lx, t, '[') && !tok_punct(lx, t, '{'))
		return 0;
	if (!skip_group(lx))
		return 0;
	if (tok_punct(lx, t, '{')) {
		after = peek_token(lx);
		if (tok_punct(lx, after, ';'))
			return next_token(lx).end;
		return lx->i;
	}
	after = next_token(lx);
	return tok_punct(lx, after, ';') ? after.end : 0;
}

/* The item's name: the identifier after its keyword. */
static void note_name(struct lexer *lx, struct ranges_item *it)
{
	struct token t = peek_token(lx);
	if (t.kind == TK_IDENT) {
		it->name_start = (uint32_t)t.start;
		it->name_end = (uint32_t)t.end;
	}
}

/* One item from its first token (after leading trivia, at `start`). */
static bool scan_item(struct scan *sc, size_t start)
{
	struct lexer *lx = &sc->lx;
	bool inner, any_attr;
	size_t index, end = 0, brace;
	struct token t;
	struct ranges_item *it;

	if (!(it = scan_push(sc)))
		return false;
	index = sc->n - 1;
	it->start = (uint32_t)start;
	it->kind = IK_OTHER;
	if (!scan_attributes(lx, &inner, &any_attr))
		return false;
	if (inner) {
		sc->v[index].kind = IK_INNER_ATTR;
		sc->v[index].end = (uint32_t)lx->i;
		sc->v[index].subtree_end = (uint32_t)sc->n;
		return true;
	}
	if (!scan_visibility(lx))
		return false;
	/* qualifiers, then the keyword */
	for (;;) {
		t = next_token(lx);
		if (t.kind != TK_IDENT)
			break;
		if (tok_is(lx, t, "unsafe") || tok_is(lx, t, "async") || tok_is(lx, t, "default") ||
		    tok_is(lx, t, "safe") || tok_is(lx, t, "auto"))
			continue;
		if (tok_is(lx, t, "const")) {
			struct token n = peek_token(lx);
			if (tok_is(lx, n, "fn") || tok_is(lx, n, "unsafe") || tok_is(lx, n, "async") ||
			    tok_is(lx, n, "extern"))
				continue;
			end = skip_to_item_end(lx, false, &brace);
			break;
		}
		if (tok_is(lx, t, "extern")) {
			struct token n = peek_token(lx);
			if (n.kind == TK_LIT) {
				next_token(lx);
				n = peek_token(lx);
			}
			if (tok_is(lx, n, "crate")) {
				sc->v[index].kind = IK_USE;
				end = skip_to_item_end(lx, false, &brace);
				break;
			}
			if (tok_punct(lx, n, '{')) {
				sc->v[index].kind = IK_CONTAINER;
				if (!scan_container(sc, index))
					return false;
				end = sc->v[index].end;
				break;
			}
			continue;                   /* extern "C" fn */
		}
		if (tok_is(lx, t, "fn") || tok_is(lx, t, "static")) {
			if ((sc->v[index].is_fn = tok_is(lx, t, "fn")))
				note_name(lx, &sc->v[index]);
			end = skip_to_item_end(lx, tok_is(lx, t, "fn"), &brace);
			if (sc->v[index].is_fn && end && brace != SIZE_MAX && lx->s[end - 1] == '}') {
				sc->v[index].has_body = true;
				sc->v[index].body_open = (uint32_t)brace;
				sc->v[index].body_close = (uint32_t)(end - 1);
			}
		} else if (tok_is(lx, t, "struct") || tok_is(lx, t, "enum") ||
			   (tok_is(lx, t, "union") && peek_token(lx).kind == TK_IDENT)) {
			sc->v[index].kind = IK_TYPE;
			note_name(lx, &sc->v[index]);
			end = skip_to_item_end(lx, true, &brace);
			if (end && brace != SIZE_MAX && lx->s[end - 1] == '}') {
				sc->v[index].has_body = true;
				sc->v[index].body_open = (uint32_t)brace;
				sc->v[index].body_close = (uint32_t)(end - 1);
			}
		} else if (tok_is(lx, t, "type")) {
			sc->v[index].kind = IK_TYPE;
			note_name(lx, &sc->v[index]);
			end = skip_to_item_end(lx, false, &brace);
		} else if (tok_is(lx, t, "use")) {
			sc->v[index].kind = IK_USE;
			end = skip_to_item_end(lx, false, &brace);
		} else if (tok_is(lx, t, "impl") || tok_is(lx, t, "trait") || tok_is(lx, t, "mod")) {
			sc->v[index].kind = IK_CONTAINER;
			sc->v[index].is_trait = tok_is(lx, t, "trait");
			sc->v[index].is_mod = tok_is(lx, t, "mod");
			sc->v[index].is_impl = tok_is(lx, t, "impl");
			if (sc->v[index].is_trait)
				note_name(lx, &sc->v[index]);
			if (!scan_container(sc, index))
				return false;
			end = sc->v[index].end;
		} else if (tok_is(lx, t, "macro_rules")) {
			struct token bang = next_token(lx), name = next_token(lx);
			if (!tok_punct(lx, bang, '!') || name.kind != TK_IDENT)
				return false;
			end = scan_macro_call(lx);
		} else {
			/* a macro invocation: path::to::name! (...) */
			for (;;) {
				struct token n = next_token(lx);
				if (tok_punct(lx, n, '!'))
					break;
				if (!tok_punct(lx, n, ':') && n.kind != TK_IDENT)
					return false;
			}
			end = scan_macro_call(lx);
		}
		break;
	}
	if (!end)
		return false;
	sc->v[index].end = (uint32_t)end;
	sc->v[index].subtree_end = (uint32_t)sc->n;
	lx->i = end;
	return true;
}

/*
 * Items up to the end of the file (top) or up to the `}` closing the
 * container, where lx->i is left.
 */
static bool scan_container_body(struct scan *sc, bool top)
{
	struct lexer *lx = &sc->lx;

	for (;;) {
		size_t start;
		struct token t;
		skip_ws(lx);
		start = lx->i;
		t = peek_token(lx);
		if (t.kind == TK_BAD)
			return false;
		if (t.kind == TK_EOF || tok_punct(lx, t, '}')) {
			if ((t.kind == TK_EOF) != top)
				return false;
			if (t.start > start) {       /* comments after the last item */
				struct ranges_item *it = scan_push(sc);
				if (!it)
					return false;
				it->start = (uint32_t)start;
				it->end = (uint32_t)t.start;
				it->kind = IK_TRIVIA;
				it->subtree_end = (uint32_t)sc->n;
			}
			lx->i = t.start;
			return true;
		}
		if (tok_punct(lx, t, ';')) {         /* a stray `;` after an item */
			lx->i = t.end;
			continue;
		}
		if (!scan_item(sc, start))
			return false;
	}
}

/* --- lines ---------------------------------------------------------------------- */

/* The byte where each line starts (memchr: the file is read twice at memory speed). */
static int build_lines(struct ranges_plan *p)
{
	size_t cap = 1;
	const char *at, *end = p->src + p->len;

	for (at = p->src; at < end && (at = memchr(at, '\n', (size_t)(end - at))); at++)
		cap++;
	if (!(p->line_starts = malloc((cap + 1) * sizeof(*p->line_starts))))
		return RR_ENOMEM;
	p->n_lines = 0;
	p->line_starts[p->n_lines++] = 0;
	for (at = p->src; at < end && (at = memchr(at, '\n', (size_t)(end - at))); at++)
		p->line_starts[p->n_lines++] = (uint32_t)(at - p->src + 1);
	p->line_starts[p->n_lines] = (uint32_t)p->len + 1;    /* sentinel */
	return RR_OK;
}

/* The row (0-based) holding byte b. */
static uint32_t row_of(const struct ranges_plan *p, uint32_t b)
{
	uint32_t lo = 0, hi = p->n_lines;     /* line_starts[lo] <= b < line_starts[hi] */

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (p->line_starts[mid] <= b)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static TSPoint point_of(const struct ranges_plan *p, uint32_t b)
{
	uint32_t row = row_of(p, b);
	return (TSPoint){ row, b - p->line_starts[row] };
}

/* --- the plan -------------------------------------------------------------------- */

struct spans {
	struct ranges_span *v;
	size_t n, cap;
};

static int spans_add(struct spans *s, uint32_t start, uint32_t end)
{
	if (start >= end)
		return RR_OK;
	if (s->n == s->cap) {
		struct ranges_span *v = rr_array_grow(s->v, &s->cap, sizeof(*v), 16);
		if (!v)
			return RR_ENOMEM;
		s->v = v;
	}
	s->v[s->n++] = (struct ranges_span){ start, end };
	return RR_OK;
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct ranges_span *a = pa, *b = pb;
	return a->start != b->start ? (a->start < b->start ? -1 : 1)
				    : (a->end < b->end ? -1 : a->end > b->end);
}

/* Sorts and merges overlapping or touching spans. */
static void spans_merge(struct spans *s)
{
	size_t o = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), span_cmp);
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].start <= s->v[o].end) {
			if (s->v[i].end > s->v[o].end)
				s->v[o].end = s->v[i].end;
		} else {
			s->v[++o] = s->v[i];
		}
	}
	s->n = o + 1;
}

/* A set of 64-bit hashes (open addressing; 0 is the empty slot). */
struct hash_set {
	uint64_t *slot;
	size_t mask;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h ? h : 1;
}

static int hash_set_init(struct hash_set *h, size_t expect)
{
	size_t cap = 64;
	while (cap < expect * 2)
		cap *= 2;
	h->mask = cap - 1;
	return (h->slot = calloc(cap, sizeof(*h->slot))) ? RR_OK : RR_ENOMEM;
}

static void hash_set_add(struct hash_set *h, uint64_t k)
{
	size_t i = (size_t)k & h->mask;
	while (h->slot[i] && h->slot[i] != k)
		i = (i + 1) & h->mask;
	h->slot[i] = k;
}

static bool hash_set_has(const struct hash_set *h, uint64_t k)
{
	size_t i = (size_t)k & h->mask;
	for (; h->slot[i]; i = (i + 1) & h->mask)
		if (h->slot[i] == k)
			return true;
	return false;
}

struct planner {
	const struct scan *sc;
	struct spans include, faithful;
	struct hash_set names;     /* identifiers in the faithful spans */
};

/*
 * `.name()`: a method called without arguments. No lookup of the file reads a
 * declaration by such a name: a type or trait is not called this way, a plain
 * call (`f()`, `T::f()`: const fns) has no `.`, and a callee's signature is
 * read only for what is passed to it (ptr_arg). So it names nothing, and the
 * many `len`, `iter`, `clone` methods of a large file stay out of the plan.
 * lx is just past the `.` and the name; it is not moved.
 */
static bool argless_method_call(const struct lexer *lx)
{
	struct lexer la = *lx;
	struct token open = next_token(&la), close = next_token(&la);

	return tok_punct(&la, open, '(') && tok_punct(&la, close, ')');
}

/* The identifiers of what is included so far (the touched items, their
 * enclosing headers and `use`s): the type names the reviewed code can mean. */
static int collect_names(struct planner *pl, const char *src)
{
	size_t idents = 0;
	int rc;

	spans_merge(&pl->include);
	for (size_t i = 0; i < pl->include.n; i++)
		idents += (pl->include.v[i].end - pl->include.v[i].start) / 4 + 1;
	if ((rc = hash_set_init(&pl->names, idents)))
		return rc;
	for (size_t i = 0; i < pl->include.n; i++) {
		struct lexer lx = { src, pl->include.v[i].end, pl->include.v[i].start };
		bool after_dot = false, dot = false;     /* `.` alone, not in `..` */
		for (;;) {
			struct token t = next_token(&lx);
			if (t.kind == TK_EOF || t.kind == TK_BAD)
				break;
			if (t.kind == TK_IDENT && !(after_dot && argless_method_call(&lx)))
				hash_set_add(&pl->names, fnv(src + t.start, t.end - t.start));
			after_dot = tok_punct(&lx, t, '.') && !dot &&
				    !(t.end < lx.n && src[t.end] == '.');
			dot = tok_punct(&lx, t, '.');
		}
	}
	return RR_OK;
}

static bool named(const struct planner *pl, const char *src, uint32_t start, uint32_t end)
{
	return end > start && hash_set_has(&pl->names, fnv(src + start, end - start));
}

/* Whether an identifier of bytes [start, end) (an impl's header) is named. */
static bool mentions_name(const struct planner *pl, const char *src, uint32_t start, uint32_t end)
{
	struct lexer lx = { src, end, start };
	for (;;) {
		struct token t = next_token(&lx);
		if (t.kind == TK_EOF || t.kind == TK_BAD)
			return false;
		if (t.kind == TK_IDENT && named(pl, src, (uint32_t)t.start, (uint32_t)t.end))
			return true;
	}
}

/* `header {` + `}` of an item with a body: the item without its contents. */
static int add_shell(struct planner *pl, const struct ranges_item *it)
{
	int rc = spans_add(&pl->include, it->start, it->body_open + 1);
	return rc ? rc : spans_add(&pl->include, it->body_close, it->end);
}

/*
 * The context of a container's item list (not top): inner attributes and use
 * declarations.
 */
static int add_context(struct planner *pl, size_t from, size_t to)
{
	const struct ranges_item *v = pl->sc->v;
	int rc = RR_OK;

	for (size_t i = from; i < to && rc == RR_OK; i = v[i].subtree_end)
		if (v[i].kind == IK_INNER_ATTR || v[i].kind == IK_USE)
			rc = spans_add(&pl->include, v[i].start, v[i].end);
	return rc;
}

/* An item without its contents: a fn's signature (`fn f(..) -> T {` + `}`),
 * or one without a body whole. */
static int add_signature(struct planner *pl, const struct ranges_item *it)
{
	return it->has_body ? add_shell(pl, it) : spans_add(&pl->include, it->start, it->end);
}

/* An impl with its items' signatures: what the file says a type's methods are. */
static int add_impl_signatures(struct planner *pl, size_t i)
{
	const struct ranges_item *v = pl->sc->v;
	int rc = add_shell(pl, &v[i]);

	for (size_t j = i + 1; rc == RR_OK && j < v[i].subtree_end; j = v[j].subtree_end)
		if (v[j].kind != IK_TRIVIA)
			rc = add_signature(pl, &v[j]);
	return rc;
}

/*
 * The methods of impl or trait v[i] the code names (callees): their
 * signatures, in the container's shell (added once: *shell says whether it is).
 */
static int add_named_methods(struct planner *pl, size_t i, bool *shell)
{
	const struct ranges_item *v = pl->sc->v;
	const char *src = pl->sc->lx.s;
	int rc = RR_OK;

	for (size_t j = i + 1; rc == RR_OK && j < v[i].subtree_end; j = v[j].subtree_end) {
		if (!v[j].is_fn || !named(pl, src, v[j].name_start, v[j].name_end))
			continue;
		if (!*shell && (rc = add_shell(pl, &v[i])) == RR_OK)
			*shell = true;
		if (rc == RR_OK)
			rc = add_signature(pl, &v[j]);
	}
	return rc;
}

/*
 * The file's module-level context (the top level and, through them, inline
 * modules): at the top, inner attributes and `use`s; at every module level,
 * the declarations the parsed code names — its types (`struct S {` + `}`:
 * the name without the fields; a body-less one whole), its fns (their
 * signatures) and the impls whose header names one, with their items'
 * signatures (`impl Default for S {` ... `}`) — with the headers of the
 * modules they are in. A rule asks whether a name it reads there, `Vec`,
 * `ParseResult`, a callee, is the file's own, and what its signature is; a
 * declaration the code never names cannot matter. *added: whether anything
 * was included.
 */
static int add_module_context(struct planner *pl, size_t from, size_t to, bool top, int depth,
			      bool *added)
{
	const struct ranges_item *v = pl->sc->v;
	const char *src = pl->sc->lx.s;
	int rc = RR_OK;

	*added = false;
	for (size_t i = from; i < to && rc == RR_OK; i = v[i].subtree_end) {
		const struct ranges_item *it = &v[i];
		bool type = it->kind == IK_TYPE || (it->kind == IK_CONTAINER && it->is_trait);
		if (top && (it->kind == IK_INNER_ATTR || it->kind == IK_USE)) {
			rc = spans_add(&pl->include, it->start, it->end);
		} else if ((type || it->is_fn) && named(pl, src, it->name_start, it->name_end)) {
			bool shell = true;
			rc = add_signature(pl, it);
			/* a named trait: its shell, and the methods the code names as below */
			if (rc == RR_OK && it->is_trait && it->has_body)
				rc = add_named_methods(pl, i, &shell);
			*added = true;
		} else if (it->kind == IK_CONTAINER && it->is_impl && it->has_body &&
			   mentions_name(pl, src, it->start, it->body_open)) {
			rc = add_impl_signatures(pl, i);
			*added = true;
		} else if (it->kind == IK_CONTAINER && (it->is_impl || it->is_trait) && it->has_body) {
			bool shell = false;
			rc = add_named_methods(pl, i, &shell);
			*added |= shell;
		} else if (it->kind == IK_CONTAINER && it->is_mod && it->has_body &&
			   depth < RANGES_MAX_NESTING) {
			bool inner = false;
			rc = add_module_context(pl, i + 1, it->subtree_end, false, depth + 1, &inner);
			if (rc == RR_OK && inner) {
				rc = add_shell(pl, it);
				*added = true;
			}
		}
	}
	return rc;
}

/*
 * The items of one list (v[from..to)) that bytes [a, b) touch: whole, or for a
 * container touched only inside its body, its header and `}` plus whatever the
 * body's items need.
 */
static int add_touched(struct planner *pl, size_t from, size_t to, uint32_t a, uint32_t b)
{
	const struct ranges_item *v = pl->sc->v;
	int rc = RR_OK;

	for (size_t i = from; i < to && rc == RR_OK; i = v[i].subtree_end) {
		const struct ranges_item *it = &v[i];
		if (it->end <= a || it->start >= b)
			continue;
		if (it->kind == IK_CONTAINER && it->has_body && a > it->body_open &&
		    b <= it->body_close && it->subtree_end > i + 1) {
			if ((rc = spans_add(&pl->include, it->start, it->body_open + 1)) ||
			    (rc = spans_add(&pl->include, it->body_close, it->end)) ||
			    (rc = add_context(pl, i + 1, it->subtree_end)))
				break;
			rc = add_touched(pl, i + 1, it->subtree_end, a, b);
			continue;
		}
		if (!(rc = spans_add(&pl->include, it->start, it->end)))
			rc = spans_add(&pl->faithful, it->start, it->end);
	}
	return rc;
}

static int plan_finish(struct ranges_plan *p, struct planner *pl)
{
	spans_merge(&pl->include);
	spans_merge(&pl->faithful);
	p->bytes = 0;
	if (pl->include.n && !(p->ranges = calloc(pl->include.n, sizeof(*p->ranges))))
		return RR_ENOMEM;
	p->cap = pl->include.n;
	for (size_t i = 0; i < pl->include.n; i++) {
		struct ranges_span s = pl->include.v[i];
		p->ranges[i] = (TSRange){ point_of(p, s.start), point_of(p, s.end), s.start, s.end };
		p->bytes += s.end - s.start;
	}
	p->n = pl->include.n;
	p->faithful = pl->faithful.v;
	p->n_faithful = pl->faithful.n;
	p->cap_faithful = pl->faithful.cap;
	pl->faithful.v = NULL;
	return RR_OK;
}

/* Plans above this share of the file parse it whole: nothing to gain. */
#define RANGES_MAX_SHARE 0.75

/* The start of every plan: p reset to src, the file's items scanned into sc
 * (which the caller frees either way), its line starts built. RR_OK,
 * RANGES_UNSURE or RR_ENOMEM. */
static int plan_scan(struct ranges_plan *p, struct scan *sc, const char *src, size_t len)
{
	memset(p, 0, sizeof(*p));
	memset(sc, 0, sizeof(*sc));
	p->src = src;
	p->len = len;
	if (!src || len >= UINT32_MAX)
		return RANGES_UNSURE;
	/* A shebang line is not Rust the scan knows; `#![` is an attribute. */
	if (len >= 2 && src[0] == '#' && src[1] == '!' && !(len >= 3 && src[2] == '['))
		return RANGES_UNSURE;
	sc->lx = (struct lexer){ src, len, 0 };
	if (!scan_container_body(sc, true))
		return sc->nomem ? RR_ENOMEM : RANGES_UNSURE;
	return build_lines(p);
}

/* A finished plan's verdict: worth parsing in part, or not. */
static int plan_verdict(const struct ranges_plan *p)
{
	return p->n && (double)p->bytes <= RANGES_MAX_SHARE * (double)p->len ? RANGES_PARTIAL
									      : RANGES_WHOLE;
}

int ranges_plan(struct ranges_plan *p, const char *src, size_t len, const struct line_set *added)
{
	struct scan sc;
	struct planner pl;
	int rc;

	memset(&pl, 0, sizeof(pl));
	if ((rc = plan_scan(p, &sc, src, len)) == RR_OK && !added)
		rc = RANGES_UNSURE;
	if (rc)
		goto done;
	pl.sc = &sc;
	for (size_t r = 0; r < added->n; r++) {
		uint32_t first = added->ranges[r].start, last = added->ranges[r].end, a, b;
		if (first < 1 || first > p->n_lines)
			continue;
		if (last > p->n_lines)
			last = p->n_lines;
		a = p->line_starts[first - 1];
		b = p->line_starts[last];           /* start of the next line (or len + 1) */
		if (b > len)
			b = (uint32_t)len;
		if ((rc = add_touched(&pl, 0, sc.n, a, b)))
			goto done;
	}
	bool any;
	if ((rc = collect_names(&pl, src)) || (rc = add_module_context(&pl, 0, sc.n, true, 0, &any)) ||
	    (rc = plan_finish(p, &pl)))
		goto done;
	rc = plan_verdict(p);
done:
	p->items = sc.v;             /* kept for ranges_defines_inherent_fn */
	p->n_items = sc.n;
	sc.v = NULL;
	free(pl.names.slot);
	free(pl.include.v);
	free(pl.faithful.v);
	if (rc != RANGES_PARTIAL) {
		const char *keep_src = p->src;
		size_t keep_len = p->len;
		ranges_plan_free(p);
		p->src = keep_src;
		p->len = keep_len;
	}
	return rc;
}

/*
 * What a module step reads (ranges_plan_modules), in list v[from..to): inner
 * attributes, `use`s and `mod` declarations whole (their outer attributes are
 * part of them), and the shells of the containers that hold any, with what
 * they hold. *added: whether anything was included.
 */
/* Where an item's first token is: its leading comments (a crate root's `//!`
 * docs, `///` docs, which cannot say doc(hidden)) are of no use to a step. */
static uint32_t code_start(const struct planner *pl, const struct ranges_item *it)
{
	struct lexer lx = { pl->sc->lx.s, it->end, it->start };
	return skip_trivia(&lx) && lx.i < it->end ? (uint32_t)lx.i : it->start;
}

static int add_module_decls(struct planner *pl, size_t from, size_t to, int depth, bool *added)
{
	const struct ranges_item *v = pl->sc->v;
	int rc = RR_OK;

	*added = false;
	for (size_t i = from; i < to && rc == RR_OK; i = v[i].subtree_end) {
		const struct ranges_item *it = &v[i];
		bool inner = false;
		if (it->kind == IK_INNER_ATTR || it->kind == IK_USE ||
		    (it->is_mod && !it->has_body)) {
			rc = spans_add(&pl->include, code_start(pl, it), it->end);
			*added = true;
		} else if (it->kind == IK_CONTAINER && it->has_body) {
			if (depth >= RANGES_MAX_NESTING)
				return RANGES_UNSURE;
			rc = add_module_decls(pl, i + 1, it->subtree_end, depth + 1, &inner);
			/* a `mod m {}` counts even when empty: it is what a step looks for */
			if (rc == RR_OK && (inner || it->is_mod) &&
			    (rc = spans_add(&pl->include, code_start(pl, it), it->body_open + 1)) == RR_OK) {
				rc = spans_add(&pl->include, it->body_close, it->end);
				*added = true;
			}
		}
	}
	return rc;
}

int ranges_plan_modules(struct ranges_plan *p, const char *src, size_t len)
{
	struct scan sc;
	struct planner pl;
	bool any;
	int rc;

	memset(&pl, 0, sizeof(pl));
	pl.sc = &sc;
	if ((rc = plan_scan(p, &sc, src, len)) || (rc = add_module_decls(&pl, 0, sc.n, 0, &any)) ||
	    (rc = plan_finish(p, &pl)))
		goto done;
	rc = plan_verdict(p);
done:
	free(sc.v);
	free(pl.names.slot);
	free(pl.include.v);
	free(pl.faithful.v);
	if (rc != RANGES_PARTIAL) {
		ranges_plan_free(p);
		p->src = src;
		p->len = len;
	}
	return rc;
}

void ranges_plan_free(struct ranges_plan *p)
{
	if (!p)
		return;
	free(p->items);
	free(p->ranges);
	free(p->faithful);
	free(p->line_starts);
	memset(p, 0, sizeof(*p));
}

bool ranges_defines_inherent_fn(const struct ranges_plan *p, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < p->n_items; i++) {
		const struct ranges_item *it = &p->items[i];
		if (it->kind != IK_CONTAINER || it->is_trait || it->trait_impl || !it->has_body)
			continue;
		for (size_t j = i + 1; j < it->subtree_end; j = p->items[j].subtree_end) {
			const struct ranges_item *f = &p->items[j];
			if (f->is_fn && f->name_end - f->name_start == n &&
			    memcmp(p->src + f->name_start, name, n) == 0)
				return true;
		}
	}
	return false;
}

bool ranges_fn_in_unparsed_body(const struct ranges_plan *p)
{
	for (size_t i = 0; i < p->n_items; i++) {
		const struct ranges_item *it = &p->items[i];
		const char *s, *end, *hit;
		if (!it->is_fn || !it->has_body || ranges_is_faithful(p, it->start, it->end))
			continue;
		s = p->src + it->body_open + 1;
		end = p->src + it->body_close;
		for (; s < end && (hit = memmem(s, (size_t)(end - s), "fn", 2)); s = hit + 2)
			if ((hit == p->src || !is_ident_char((unsigned char)hit[-1])) &&
			    (hit + 2 >= end || !is_ident_char((unsigned char)hit[2])))
				return true;
	}
	return false;
}

bool ranges_is_faithful(const struct ranges_plan *p, uint32_t start, uint32_t end)
{
	size_t lo = 0, hi = p->n_faithful;

	while (lo < hi) {                        /* the last span starting at or before start */
		size_t mid = lo + (hi - lo) / 2;
		if (p->faithful[mid].start <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && end <= p->faithful[lo - 1].end;
}

/* [start, end) of 1-based line, without the newline. */
static void line_bounds(const struct ranges_plan *p, uint32_t line, uint32_t *start,
			uint32_t *end)
{
	*start = p->line_starts[line - 1];
	*end = p->line_starts[line] - 1;
	if (*end > p->len)
		*end = (uint32_t)p->len;
}

/* True when 1-based line, whitespace around it aside, lies in a faithful span. */
static bool line_is_faithful(const struct ranges_plan *p, uint32_t line)
{
	uint32_t s, e;

	line_bounds(p, line, &s, &e);
	while (s < e && is_ws((unsigned char)p->src[s]))
		s++;
	while (e > s && is_ws((unsigned char)p->src[e - 1]))
		e--;
	return ranges_is_faithful(p, s, e);
}

/*
 * Lines with the same text but for whitespace hold every whitespace-free
 * piece of it, so an earlier line outside the faithful spans holding the
 * longest piece is the candidate (conservative: any line holding it counts).
 * memmem reads the file before the line at memory speed.
 */
bool ranges_text_seen_before(const struct ranges_plan *p, uint32_t line)
{
	uint32_t s, e, best = 0, best_len = 0, run = 0;
	const char *hit;
	size_t from = 0;

	if (!p->line_starts || line < 1 || line > p->n_lines)
		return true;
	line_bounds(p, line, &s, &e);
	for (uint32_t i = s; i <= e; i++) {
		if (i < e && !is_ws((unsigned char)p->src[i])) {
			run++;
			continue;
		}
		if (run > best_len) {
			best_len = run;
			best = i - run;
		}
		run = 0;
	}
	if (best_len == 0)
		return false;                    /* a blank line: no finding starts there */
	while (from + best_len <= s &&
	       (hit = memmem(p->src + from, s - from, p->src + best, best_len))) {
		uint32_t row = row_of(p, (uint32_t)(hit - p->src)) + 1;
		if (!line_is_faithful(p, row))
			return true;
		from = p->line_starts[row];      /* on to the line after the hit's */
	}
	return false;
}

TSTree *ranges_parse(TSParser *parser, const struct ranges_plan *plan)
{
	TSTree *tree = NULL;

	if (plan->n && plan->n <= UINT32_MAX &&
	    ts_parser_set_included_ranges(parser, plan->ranges, (uint32_t)plan->n))
		tree = ts_parser_parse_string(parser, NULL, plan->src, (uint32_t)plan->len);
	ts_parser_set_included_ranges(parser, NULL, 0);
	if (!tree)
		ts_parser_reset(parser);
	return tree;
}
