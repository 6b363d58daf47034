/*
 * cargo_sections.h — the parts of a Cargo.toml that the review reads, cut out
 * before the TOML parse.
 *
 * config_cargo_parse reads the root keys, [package] (its `workspace` key),
 * [lints.*], [workspace.*], [lib] and [[bin]] (the targets); a real Cargo.toml is mostly dependencies,
 * features and targets, and parsing all of it with the tree-sitter TOML
 * grammar was 40 % of a `check` of a small change in hyper (whose Cargo.toml is
 * 10 KB). Parsing only those sections costs a fraction.
 */
#ifndef RR_CARGO_SECTIONS_H
#define RR_CARGO_SECTIONS_H

#include <stddef.h>

/*
 * A copy of src where every line of a table other than the root, [package],
 * [lints...], [workspace...], [lib] and [[bin]] is emptied (its newline kept, so line numbers
 * in TOML errors stay the file's). NULL when there is nothing to cut, when
 * the text is not plain enough to cut safely (a multi-line string or array
 * left open, a closing bracket without an opening one), or on allocation
 * failure: the caller parses src as it is. The caller frees the copy;
 * *out_len is its length.
 */
char *cargo_sections_keep(const char *src, size_t len, size_t *out_len);

#endif
