/*
 * glob.h — path globs for `exclude = [...]` in .rustreview.toml.
 *
 * fnmatch(3) with FNM_PATHNAME per path segment (`*`, `?` and `[...]` never
 * cross a '/'), plus `**` as a whole segment matching zero or more segments.
 * A pattern ending in '/' matches everything under that directory. Paths are
 * repository-relative and '/'-separated; a leading "./" on either is ignored.
 * Examples (line comments, since a glob can contain the block-comment opener):
 */
//   "generated/**"   everything under generated/
//   "**/*_pb.rs"     a *_pb.rs file in any directory, the top one included
//   "src/**/mod.rs"  src/mod.rs, src/a/mod.rs, src/a/b/mod.rs
#ifndef RR_GLOB_H
#define RR_GLOB_H

#include <stdbool.h>

/* True when path matches pattern. Patterns or paths with more than 256
 * segments, or segments over 1024 bytes, never match. */
bool glob_match(const char *pattern, const char *path);

#endif
