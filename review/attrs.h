/*
 * attrs.h — what lint-level attributes do to the scope they apply to, read the
 * way rustc and clippy read them:
 *
 *   #[allow(clippy::x)] / #[expect(clippy::x)]   the rules x names are off
 *   #[warn(clippy::x)]                           on, as a warning
 *   #[deny(clippy::x)] / #[forbid(clippy::x)]    on, as an error (forbid: an
 *                                                inner allow/warn cannot lower it)
 *   #![..] of the same forms                     the same, for the enclosing
 *                                                module, file, fn or block
 *   #[cfg_attr(<pred>, <attrs>)]                 <attrs> when <pred> holds for a
 *                                                clippy run without --test
 *   #[doc(hidden)]                               rust_scope.doc_hidden
 *   #[clippy::msrv = "1.56"]                     rust_scope.msrv
 *
 * x is a lint the caller's table names (a rule's clippy lint, or a clippy
 * group such as clippy::pedantic); `allow(warnings)` turns every rule off.
 * Attributes are applied in the order they are written, so the later of two
 * attributes on one item wins, and an item's attributes override its
 * enclosing scope's: innermost wins, as in rustc.
 */
#ifndef RR_ATTRS_H
#define RR_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rust.h"

/*
 * Applies one attribute_item or inner_attribute_item to *s (its lints,
 * doc_hidden and msrv; other attributes change nothing). names maps lint
 * names to rules (rust_walk's table).
 */
void attrs_apply(TSNode attribute_item, const char *src, const struct rust_lint_name *names,
		 size_t n_names, struct rust_scope *s);

/*
 * "1.56", "1.56.1" or "1" as RUST_VERSION(major, minor, patch); 0 when the
 * text is not a version. len is the text's length.
 */
uint32_t attrs_parse_version(const char *text, size_t len);
#define RUST_VERSION(major, minor, patch) \
	((uint32_t)(major) * 1000000u + (uint32_t)(minor) * 1000u + (uint32_t)(patch))

#endif
