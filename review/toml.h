/*
 * toml.h — TOML documents as a tree of values, parsed with the tree-sitter TOML
 * grammar (@tree-sitter-grammars/tree-sitter-toml, linked like the Rust one).
 *
 * Enough of TOML 1.0 for configuration files: basic, literal and multi-line
 * strings with escapes, integers (decimal, hex, octal, binary, underscores),
 * floats, booleans, dates (kept as text), arrays, tables, inline tables, arrays
 * of tables and dotted keys. Syntax errors, duplicate keys and redefined
 * tables are errors with the line number in the message.
 *
 * Ownership: toml_parse returns one heap tree; toml_free releases all of it.
 * Lookups return pointers borrowed from the tree.
 */
#ifndef RR_TOML_H
#define RR_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/rr.h"

enum toml_type {
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOLEAN,
	TOML_DATETIME,
	TOML_ARRAY,
	TOML_TABLE,
};

struct toml_value {
	enum toml_type type;
	uint32_t line;              /* 1-based line where the value (or its header) is */
	char *text;                 /* STRING: decoded; FLOAT, DATETIME: as written */
	size_t text_len;            /* STRING: decoded length (may hold NUL bytes) */
	int64_t integer;            /* INTEGER */
	double number;              /* FLOAT */
	bool boolean;               /* BOOLEAN */
	/* ARRAY: items[0..n); TABLE: keys[i] = items[i] in document order. */
	struct toml_value **items;
	char **keys;
	size_t n, cap;
	/* Bookkeeping that makes redefinitions errors, as TOML says. */
	bool header_defined;        /* TABLE: a [header] named it */
	bool is_inline;             /* TABLE from { }, ARRAY from [ ]: closed for extension */
	bool table_array;           /* ARRAY built by [[header]] */
};

/* Parses src. On error returns RR_EINVAL with "line N: ..." in err. */
int toml_parse(const char *src, size_t len, struct toml_value **out, struct rr_error *err);
void toml_free(struct toml_value *v);

const char *toml_type_name(enum toml_type t);
/* The value under key in a table (NULL when absent or not a table). */
const struct toml_value *toml_table_get(const struct toml_value *table, const char *key);
/* Follows "a.b.c" (bare segments) from a table; NULL when any step is missing. */
const struct toml_value *toml_get_path(const struct toml_value *root, const char *dotted);

#endif
