/*
 * fuzz_config.c — libFuzzer target: the repository configuration parsers.
 *
 * Input: a selector byte, then TOML text. 0: .rustreview.toml
 * (config_repo_parse); 1: Cargo.toml [lints] (config_cargo_parse); 2: the TOML
 * parser alone, walking every value. Invariants checked, not just "no crash":
 * an error always has a message and leaves the options at their defaults;
 * success yields levels within the enum and globs that are NUL-terminated
 * strings; every TOML value has a known type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/rr.h"
#include "../../review/config.h"
#include "../../review/engine.h"
#include "../../review/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_levels(const enum review_level *l)
{
	for (size_t i = 0; i < REVIEW_MAX_RULES; i++)
		if ((unsigned)l[i] > REVIEW_LEVEL_ERROR)
			abort();
}

static void check_repo(const char *src, size_t len)
{
	struct review_options o, defaults;
	struct rr_error err = { 0 };

	review_options_init(&o);
	review_options_init(&defaults);
	if (config_repo_parse(src, len, &o, &err) != RR_OK) {
		if (!err.msg[0] || o.n_exclude != 0 || o.max_comments != defaults.max_comments ||
		    o.fail_on != defaults.fail_on || memcmp(o.level, defaults.level, sizeof(o.level)))
			abort();    /* an error names itself and leaves the defaults */
	} else {
		check_levels(o.level);
		for (size_t i = 0; i < o.n_exclude; i++)
			if (!o.exclude[i] || strlen(o.exclude[i]) > len)
				abort();
		review_options_excludes(&o, "src/lib.rs");
	}
	review_options_free(&o);
	review_options_free(&defaults);
}

static void check_cargo(const char *src, size_t len)
{
	struct cargo_lints c;
	struct rr_error err = { 0 };

	memset(&c, 0, sizeof(c));
	if (config_cargo_parse(src, len, &c, &err) != RR_OK) {
		if (!err.msg[0])
			abort();
	} else {
		check_levels(c.member);
		check_levels(c.workspace);
	}
	config_cargo_free(&c);
}

static void walk(const struct toml_value *v, int depth)
{
	if (!v || depth > 1000)
		abort();
	if (!toml_type_name(v->type) || !*toml_type_name(v->type))
		abort();
	for (size_t i = 0; i < v->n; i++)
		walk(v->items[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_value *root = NULL;
	struct rr_error err = { 0 };
	const char *src;
	size_t len;

	if (size < 1)
		return 0;
	src = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 3) {
	case 0:
		check_repo(src, len);
		break;
	case 1:
		check_cargo(src, len);
		break;
	default:
		if (toml_parse(src, len, &root, &err) == RR_OK)
			walk(root, 0);
		else if (!err.msg[0])
			abort();
		toml_free(root);
	}
	return 0;
}
