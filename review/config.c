/* config.c — .rustreview.toml and Cargo.toml [lints] into review options. */
#include "config.h"
#include "cargo_sections.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "toml.h"

#define CONFIG_MAX_COMMENTS_LIMIT 1000
#define CONFIG_MAX_EXCLUDES 256

static int config_fail(struct rr_error *err, const struct toml_value *at, const char *fmt,
		       const char *a, const char *b)
{
	return rr_error_set(err, RR_ECONFIG, "line %u: %s%s%s", at ? at->line : 1, fmt,
			    a ? a : "", b ? b : "");
}

/* A TOML document, or RR_ECONFIG ("line N: ...") / RR_ENOMEM: the error a
 * configuration file's caller reports. */
static int config_toml(const char *src, size_t len, struct toml_value **doc, struct rr_error *err)
{
	int rc = toml_parse(src, len, doc, err);

	if (rc && rc != RR_ENOMEM)
		rc = RR_ECONFIG;
	if (rc && err)
		err->code = rc;
	return rc;
}

/* --- clippy groups --------------------------------------------------------- */

static const char *const clippy_groups[] = { "all", "correctness", "suspicious", "style",
					     "complexity", "perf", "pedantic", "restriction",
					     "nursery", "cargo" };

bool config_is_clippy_group(const char *name)
{
	for (size_t i = 0; name && i < sizeof(clippy_groups) / sizeof(clippy_groups[0]); i++)
		if (strcmp(name, clippy_groups[i]) == 0)
			return true;
	return false;
}

bool config_group_has(const char *group, const char *lint)
{
	const char *g = config_clippy_group(lint);

	if (!g || !group)
		return false;
	if (strcmp(group, "all") == 0)   /* clippy::all is the warn-by-default set */
		return strcmp(g, "correctness") == 0 || strcmp(g, "suspicious") == 0 ||
		       strcmp(g, "style") == 0 || strcmp(g, "complexity") == 0 ||
		       strcmp(g, "perf") == 0;
	return strcmp(g, group) == 0;
}

/* --- .rustreview.toml ------------------------------------------------------ */

static bool config_level_parse(const char *s, enum review_level *out)
{
	static const struct {
		const char *name;
		enum review_level level;
	} names[] = { { "off", REVIEW_LEVEL_OFF }, { "note", REVIEW_LEVEL_NOTE },
		      { "warning", REVIEW_LEVEL_WARNING }, { "error", REVIEW_LEVEL_ERROR } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return true;
		}
	return false;
}

static int config_repo_rules(const struct toml_value *rules, struct review_options *o,
			     struct rr_error *err)
{
	if (rules->type != TOML_TABLE)
		return config_fail(err, rules, "`rules` must be a table, not a ",
				   toml_type_name(rules->type), NULL);
	for (size_t i = 0; i < rules->n; i++) {
		const struct toml_value *v = rules->items[i];
		int idx = review_rule_index(rules->keys[i]);
		enum review_level level;
		if (idx < 0)
			return config_fail(err, v, "unknown rule `", rules->keys[i],
					   "` in [rules] (`rustreview rules` lists them)");
		if (v->type != TOML_STRING || !config_level_parse(v->text, &level))
			return config_fail(err, v, "rules.", rules->keys[i],
					   " must be \"off\", \"note\", \"warning\" or \"error\"");
		o->level[idx] = level;
		if (level == REVIEW_LEVEL_OFF && idx < 64)
			o->repo_off |= (uint64_t)1 << idx;
	}
	return RR_OK;
}

/* An array of path globs (`exclude`, `test_paths`) into *globs / *n. */
static int config_repo_globs(const char *name, const struct toml_value *ex, char ***globs,
			     size_t *n, struct rr_error *err)
{
	if (ex->type != TOML_ARRAY)
		return config_fail(err, ex, "`", name, "` must be an array of path globs");
	if (ex->n > CONFIG_MAX_EXCLUDES)
		return config_fail(err, ex, "`", name, "` has too many globs (at most 256)");
	if (*globs)
		return config_fail(err, ex, "`", name, "` is set twice");
	if (ex->n && !(*globs = calloc(ex->n, sizeof(**globs))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	for (size_t i = 0; i < ex->n; i++) {
		const struct toml_value *g = ex->items[i];
		if (g->type != TOML_STRING || g->text_len == 0 || strlen(g->text) != g->text_len)
			return config_fail(err, g, "`", name, "` entries must be non-empty strings");
		if (!((*globs)[*n] = rr_strdup(g->text)))
			return rr_error_set(err, RR_ENOMEM, "out of memory");
		(*n)++;
	}
	return RR_OK;
}

static int config_repo_exclude(const struct toml_value *ex, struct review_options *o,
			       struct rr_error *err)
{
	return config_repo_globs("exclude", ex, &o->exclude, &o->n_exclude, err);
}

static int config_repo_fail_on(const struct toml_value *v, struct review_options *o,
			       struct rr_error *err)
{
	enum review_level level;

	if (v->type == TOML_STRING && strcmp(v->text, "never") == 0) {
		o->fail_on = REVIEW_FAIL_NEVER;
		return RR_OK;
	}
	if (v->type != TOML_STRING || !config_level_parse(v->text, &level) ||
	    level == REVIEW_LEVEL_OFF)
		return config_fail(err, v,
				   "`fail_on` must be \"note\", \"warning\", \"error\" or \"never\"",
				   NULL, NULL);
	o->fail_on = level == REVIEW_LEVEL_NOTE ? RR_SEV_NOTE
		     : level == REVIEW_LEVEL_WARNING ? RR_SEV_WARNING : RR_SEV_ERROR;
	return RR_OK;
}

/* [comments] group_after = N (0: never group), per_rule_budget = N (0: no budget). */
static int config_repo_comments(const struct toml_value *t, struct review_options *o,
				struct rr_error *err)
{
	if (t->type != TOML_TABLE)
		return config_fail(err, t, "`comments` must be a table", NULL, NULL);
	for (size_t i = 0; i < t->n; i++) {
		const struct toml_value *v = t->items[i];
		bool group = strcmp(t->keys[i], "group_after") == 0;
		if (!group && strcmp(t->keys[i], "per_rule_budget") != 0)
			return config_fail(err, v, "unknown setting `comments.", t->keys[i],
					   "` (expected group_after, per_rule_budget)");
		if (v->type != TOML_INTEGER || v->integer < 0 ||
		    v->integer > CONFIG_MAX_COMMENTS_LIMIT)
			return config_fail(err, v, group ? "`comments.group_after`"
						       : "`comments.per_rule_budget`",
					   " must be an integer from 0 to 1000", NULL);
		if (group) {
			o->group_after = (unsigned)v->integer;
			o->group_after_set = true;
		} else {
			o->per_rule_budget = (unsigned)v->integer;
			o->per_rule_budget_set = true;
		}
	}
	return RR_OK;
}

static int config_repo_setting(const char *key, const struct toml_value *v,
			       struct review_options *o, struct rr_error *err)
{
	if (strcmp(key, "rules") == 0)
		return config_repo_rules(v, o, err);
	if (strcmp(key, "exclude") == 0)
		return config_repo_exclude(v, o, err);
	/* Files that are test code wherever they live (test-support crates,
	 * fixtures): production-only rules skip them. */
	if (strcmp(key, "test_paths") == 0)
		return config_repo_globs("test_paths", v, &o->test_paths, &o->n_test_paths, err);
	if (strcmp(key, "fail_on") == 0)
		return config_repo_fail_on(v, o, err);
	if (strcmp(key, "comments") == 0)
		return config_repo_comments(v, o, err);
	if (strcmp(key, "max_comments") == 0) {
		if (v->type != TOML_INTEGER || v->integer < 1 ||
		    v->integer > CONFIG_MAX_COMMENTS_LIMIT)
			return config_fail(err, v, "`max_comments` must be an integer from 1 to 1000",
					   NULL, NULL);
		o->max_comments = (unsigned)v->integer;
		return RR_OK;
	}
	return config_fail(err, v, "unknown setting `", key,
			   "` (expected rules, exclude, test_paths, max_comments, fail_on, comments)");
}

int config_repo_parse(const char *src, size_t len, struct review_options *opts,
		      struct rr_error *err)
{
	struct toml_value *doc = NULL;
	struct review_options o;
	int rc;

	review_options_init(&o);
	if ((rc = config_toml(src, len, &doc, err)))
		goto cleanup;
	for (size_t i = 0; i < doc->n; i++)
		if ((rc = config_repo_setting(doc->keys[i], doc->items[i], &o, err)))
			goto cleanup;
	review_options_free(opts);
	*opts = o;
	review_options_init(&o);
cleanup:
	review_options_free(&o);
	toml_free(doc);
	return rc;
}

/* --- clippy.toml -------------------------------------------------------------- */

#define CLIPPY_MAX_DISALLOWED 1024

void config_clippy_free(struct review_clippy_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_methods; i++) {
		free(c->methods[i].path);
		free(c->methods[i].reason);
	}
	for (size_t i = 0; i < c->n_macros; i++) {
		free(c->macros[i].path);
		free(c->macros[i].reason);
	}
	free(c->methods);
	free(c->macros);
	memset(c, 0, sizeof(*c));
}

/* A version as clippy's msrv accepts it: "1.70", "1.70.1", or the number 1.70. */
static int clippy_msrv(const struct toml_value *v, const char *key, uint32_t *out,
		       struct rr_error *err)
{
	const char *text = v->type == TOML_STRING || v->type == TOML_FLOAT ? v->text : NULL;
	uint32_t ver = text ? attrs_parse_version(text, strlen(text)) : 0;

	if (!ver)
		return config_fail(err, v, "`", key, "` must be a Rust version such as \"1.70\"");
	*out = ver;
	return RR_OK;
}

/* One entry of disallowed-methods / disallowed-macros into *d (owned strings). */
static int clippy_disallowed_entry(const struct toml_value *e, const char *key,
				   struct review_disallowed *d, struct rr_error *err)
{
	const struct toml_value *path = e, *reason = NULL;

	if (e->type == TOML_TABLE) {
		path = toml_table_get(e, "path");
		reason = toml_table_get(e, "reason");
		if (!path)
			return config_fail(err, e, "`", key, "` entries need a `path`");
	}
	if (path->type != TOML_STRING || !path->text_len || strlen(path->text) != path->text_len ||
	    (reason && (reason->type != TOML_STRING || strlen(reason->text) != reason->text_len)))
		return config_fail(err, path, "`", key,
				   "` entries are \"path\" strings or { path = \"..\", reason = \"..\" }");
	if (!(d->path = rr_strdup(path->text)) ||
	    (reason && reason->text_len && !(d->reason = rr_strdup(reason->text)))) {
		free(d->path);
		d->path = NULL;
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	}
	return RR_OK;
}

static int clippy_disallowed(const struct toml_value *v, const char *key,
			     struct review_disallowed **out, size_t *n, struct rr_error *err)
{
	int rc;

	if (v->type != TOML_ARRAY)
		return config_fail(err, v, "`", key, "` must be an array");
	if (v->n > CLIPPY_MAX_DISALLOWED)
		return config_fail(err, v, "`", key, "` has more than 1024 entries");
	if (v->n && !(*out = calloc(v->n, sizeof(**out))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		const struct toml_value *e = v->items[i];
		if (e->type == TOML_STRING && strcmp(e->text, "..") == 0)
			continue;            /* clippy's defaults for these lists are empty */
		if ((rc = clippy_disallowed_entry(e, key, &(*out)[*n], err)))
			return rc;
		(*n)++;
	}
	return RR_OK;
}

static int clippy_toggle(const struct toml_value *v, const char *key, enum review_toggle *out,
			 struct rr_error *err)
{
	if (v->type != TOML_BOOLEAN)
		return config_fail(err, v, "`", key, "` must be true or false");
	*out = v->boolean ? REVIEW_YES : REVIEW_NO;
	return RR_OK;
}

static int clippy_setting(const char *key, const struct toml_value *v,
			  struct review_clippy_conf *c, struct rr_error *err)
{
	static const struct {
		const char *key;
		size_t offset;
	} toggles[] = {
		{ "allow-unwrap-in-tests", offsetof(struct review_clippy_conf, allow_unwrap_in_tests) },
		{ "allow-expect-in-tests", offsetof(struct review_clippy_conf, allow_expect_in_tests) },
		{ "allow-panic-in-tests", offsetof(struct review_clippy_conf, allow_panic_in_tests) },
		{ "allow-print-in-tests", offsetof(struct review_clippy_conf, allow_print_in_tests) },
		{ "allow-dbg-in-tests", offsetof(struct review_clippy_conf, allow_dbg_in_tests) },
		{ "allow-unwrap-in-consts", offsetof(struct review_clippy_conf, allow_unwrap_in_consts) },
		{ "allow-expect-in-consts", offsetof(struct review_clippy_conf, allow_expect_in_consts) },
	};

	for (size_t i = 0; i < sizeof(toggles) / sizeof(toggles[0]); i++)
		if (strcmp(key, toggles[i].key) == 0)
			return clippy_toggle(v, key,
					     (enum review_toggle *)((char *)c + toggles[i].offset), err);
	if (strcmp(key, "msrv") == 0)
		return clippy_msrv(v, key, &c->msrv, err);
	if (strcmp(key, "array-size-threshold") == 0) {
		if (v->type != TOML_INTEGER || v->integer < 0)
			return config_fail(err, v, "`array-size-threshold` must be a number of bytes",
					   NULL, NULL);
		c->array_size_threshold = (uint64_t)v->integer;
		return RR_OK;
	}
	if (strcmp(key, "disallowed-methods") == 0)
		return clippy_disallowed(v, key, &c->methods, &c->n_methods, err);
	if (strcmp(key, "disallowed-macros") == 0)
		return clippy_disallowed(v, key, &c->macros, &c->n_macros, err);
	return RR_OK;                    /* clippy's other options: not ours to read */
}

int config_clippy_parse(const char *src, size_t len, struct review_clippy_conf *out,
			struct rr_error *err)
{
	struct toml_value *doc = NULL;
	struct review_clippy_conf c;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = config_toml(src, len, &doc, err)))
		return rc;
	for (size_t i = 0; i < doc->n && rc == RR_OK; i++)
		rc = clippy_setting(doc->keys[i], doc->items[i], &c, err);
	if (rc == RR_OK) {
		config_clippy_free(out);
		*out = c;
	} else {
		config_clippy_free(&c);
	}
	toml_free(doc);
	return rc;
}

/* --- Cargo.toml [lints] ---------------------------------------------------- */

struct cargo_entry {
	const char *name;
	enum review_level level;
	int64_t priority;
	bool group;
};

static int cargo_level(const struct toml_value *v, const char *name, enum review_level *level,
		       int64_t *priority, struct rr_error *err)
{
	const struct toml_value *lv = v;
	const char *s;

	*priority = 0;
	if (v->type == TOML_TABLE) {
		const struct toml_value *p = toml_table_get(v, "priority");
		lv = toml_table_get(v, "level");
		if (p && p->type != TOML_INTEGER)
			return config_fail(err, p, "lint `", name, "`: priority must be an integer");
		*priority = p ? p->integer : 0;
		if (!lv)
			return config_fail(err, v, "lint `", name, "` has no level");
	}
	if (lv->type != TOML_STRING)
		return config_fail(err, lv, "lint `", name, "`: level must be a string");
	s = lv->text;
	if (strcmp(s, "allow") == 0 || strcmp(s, "expect") == 0)
		*level = REVIEW_LEVEL_OFF;
	else if (strcmp(s, "warn") == 0)
		*level = REVIEW_LEVEL_WARNING;
	else if (strcmp(s, "deny") == 0 || strcmp(s, "forbid") == 0)
		*level = REVIEW_LEVEL_ERROR;
	else
		return config_fail(err, lv, "lint `", name,
				   "`: level must be allow, warn, deny or forbid");
	return RR_OK;
}

static int cargo_entry_cmp(const void *a, const void *b)
{
	const struct cargo_entry *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->group != y->group)
		return x->group ? -1 : 1;    /* a group first, so a single lint overrides it */
	return strcmp(x->name, y->name);
}

static void cargo_apply(const struct cargo_entry *e, bool clippy, enum review_level *levels)
{
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++) {
		const char *id = rules_get(i)->id;
		if (e->group ? clippy && config_group_has(e->name, id) : strcmp(e->name, id) == 0)
			levels[i] = e->level;
	}
}

/* One [lints.<tool>] table into levels; tool is "clippy" or "rust". */
static int cargo_tool_table(const struct toml_value *t, bool clippy, enum review_level *levels,
			    struct rr_error *err)
{
	struct cargo_entry *entries;
	int rc = RR_OK;

	if (!t)
		return RR_OK;
	if (t->type != TOML_TABLE)
		return config_fail(err, t, "lints must be a table", NULL, NULL);
	if (t->n == 0)
		return RR_OK;
	if (!(entries = calloc(t->n, sizeof(*entries))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n && rc == RR_OK; i++) {
		entries[i].name = t->keys[i];
		entries[i].group = clippy && config_is_clippy_group(t->keys[i]);
		rc = cargo_level(t->items[i], t->keys[i], &entries[i].level, &entries[i].priority,
				 err);
	}
	if (rc == RR_OK) {
		qsort(entries, t->n, sizeof(*entries), cargo_entry_cmp);
		for (size_t i = 0; i < t->n; i++)
			cargo_apply(&entries[i], clippy, levels);
	}
	free(entries);
	return rc;
}

static int cargo_lints_table(const struct toml_value *lints, enum review_level *levels,
			     struct rr_error *err)
{
	int rc;

	if (!lints || lints->type != TOML_TABLE)
		return RR_OK;
	/* rustc lints first: a clippy entry of the same name is the more specific. */
	if ((rc = cargo_tool_table(toml_table_get(lints, "rust"), false, levels, err)))
		return rc;
	return cargo_tool_table(toml_table_get(lints, "clippy"), true, levels, err);
}

/* The package's targets the review asks about: whether a [lib] table is
 * there, and each [[bin]]'s `path` (a bin without one lives at Cargo's
 * default places, src/main.rs and src/bin/, which the caller knows). */
static int cargo_targets(const struct toml_value *doc, struct cargo_lints *out,
			 struct rr_error *err)
{
	const struct toml_value *lib = toml_table_get(doc, "lib");
	const struct toml_value *bins = toml_table_get(doc, "bin");

	out->has_lib = lib && lib->type == TOML_TABLE;
	if (!bins || bins->type != TOML_ARRAY || bins->n == 0)
		return RR_OK;
	if (!(out->bin_paths = calloc(bins->n, sizeof(*out->bin_paths))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	for (size_t i = 0; i < bins->n; i++) {
		const struct toml_value *path = toml_table_get(bins->items[i], "path");
		if (!path || path->type != TOML_STRING || strlen(path->text) != path->text_len)
			continue;
		if (!(out->bin_paths[out->n_bin_paths] = rr_strdup(path->text)))
			return rr_error_set(err, RR_ENOMEM, "out of memory");
		out->n_bin_paths++;
	}
	return RR_OK;
}

/* package.rust-version (or `rust-version.workspace = true`) and the
 * workspace's [workspace.package] rust-version: clippy's msrv when clippy.toml
 * sets none. A malformed version is ignored, as cargo would refuse it anyway. */
static void cargo_rust_version(const struct toml_value *doc, struct cargo_lints *out)
{
	const struct toml_value *v = toml_get_path(doc, "package.rust-version");
	const struct toml_value *w = toml_get_path(doc, "workspace.package.rust-version");

	if (v && v->type == TOML_STRING)
		out->rust_version = attrs_parse_version(v->text, strlen(v->text));
	else if (v && v->type == TOML_TABLE) {
		const struct toml_value *inherit = toml_table_get(v, "workspace");
		out->rust_version_inherited = inherit && inherit->type == TOML_BOOLEAN &&
					      inherit->boolean;
	}
	if (w && w->type == TOML_STRING)
		out->workspace_rust_version = attrs_parse_version(w->text, strlen(w->text));
}

int config_cargo_parse(const char *src, size_t len, struct cargo_lints *out,
		       struct rr_error *err)
{
	struct toml_value *doc = NULL;
	const struct toml_value *ws, *inherit, *wpath;
	size_t cut_len = 0;
	char *cut = cargo_sections_keep(src, len, &cut_len);   /* only what is read below */
	int rc;

	memset(out, 0, sizeof(*out));
	rc = config_toml(cut ? cut : src, cut ? cut_len : len, &doc, err);
	free(cut);
	if (rc)
		return rc;
	ws = toml_table_get(doc, "workspace");
	out->is_workspace_root = ws && ws->type == TOML_TABLE;
	inherit = toml_get_path(doc, "lints.workspace");
	out->inherits_workspace = inherit && inherit->type == TOML_BOOLEAN && inherit->boolean;
	cargo_rust_version(doc, out);
	wpath = toml_get_path(doc, "package.workspace");
	if (wpath && wpath->type == TOML_STRING && !(out->workspace_path = rr_strdup(wpath->text)))
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
	if (rc == RR_OK)
		rc = cargo_targets(doc, out, err);
	if (rc == RR_OK)
		rc = cargo_lints_table(toml_table_get(doc, "lints"), out->member, err);
	if (rc == RR_OK && out->is_workspace_root)
		rc = cargo_lints_table(toml_table_get(ws, "lints"), out->workspace, err);
	if (rc)
		config_cargo_free(out);
	toml_free(doc);
	return rc;
}

void config_cargo_free(struct cargo_lints *c)
{
	if (!c)
		return;
	free(c->workspace_path);
	for (size_t i = 0; i < c->n_bin_paths; i++)
		free(c->bin_paths[i]);
	free(c->bin_paths);
	memset(c, 0, sizeof(*c));
}

void config_merge_levels(enum review_level out[REVIEW_MAX_RULES],
			 const enum review_level *cargo, const enum review_level *repo)
{
	for (size_t i = 0; i < REVIEW_MAX_RULES; i++) {
		enum review_level l = REVIEW_LEVEL_DEFAULT;
		if (cargo && cargo[i] != REVIEW_LEVEL_DEFAULT)
			l = cargo[i];
		if (repo && repo[i] != REVIEW_LEVEL_DEFAULT)
			l = repo[i];
		out[i] = l;
	}
}

/* --- notices --------------------------------------------------------------- */

char *config_notice(const char *file, const char *role, const char *error)
{
	static const char *const others[] = { CONFIG_CLIPPY_FILE, CONFIG_CLIPPY_FILE2 };
	struct rr_buf b = RR_BUF_INIT;
	size_t n;
	int rc;

	/* An error about clippy's file names it. */
	for (size_t i = 0; error && i < sizeof(others) / sizeof(others[0]); i++)
		if (strncmp(error, others[i], strlen(others[i])) == 0 &&
		    error[strlen(others[i])] == ':') {
			file = others[i];
			error += strlen(others[i]) + 1;
			while (*error == ' ')
				error++;
			break;
		}
	n = error ? strlen(error) : 0;

	rc = rr_buf_printf(&b, "**rustreview could not use `%s`** from the %s commit:\n\n```\n",
			   file, role);
	/* A fence inside the message would end the code block early. */
	for (size_t i = 0; rc == RR_OK && i < n; i++)
		rc = rr_buf_append(&b, error[i] == '`' ? "'" : error + i, 1);
	if (rc == RR_OK)
		rc = rr_buf_puts(&b, "\n```\n\nThis review ran with the default settings for what "
				     "that file configures. Fix the file to apply it.\n");
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}
