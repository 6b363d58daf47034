/* api_helpers.c — see api_helpers.h. */
#include "api_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool api_fn_has_modifier(TSNode fn, const char *modifier)
{
	TSNode mods = rust_child_of_kind(fn, RK_FUNCTION_MODIFIERS);
	return !ts_node_is_null(mods) && !ts_node_is_null(rust_child_of_type(mods, modifier));
}

/* The name of the file-level item that holds n: n itself (a fn, trait or type at
 * the top), the type of its impl, or its trait. */
static TSNode outermost_item_name(TSNode n, const struct rust_scope *scope)
{
	TSNode item = n;

	if (!ts_node_is_null(scope->impl_item)) {
		TSNode t = rust_child_by_field(scope->impl_item, RF_TYPE);
		while (rust_is(t, RK_GENERIC_TYPE) || rust_is(t, RK_REFERENCE_TYPE))
			t = rust_child_by_field(t, RF_TYPE);
		if (rust_is(t, RK_SCOPED_TYPE_IDENTIFIER))
			t = rust_child_by_field(t, RF_NAME);
		return t;
	}
	if (scope->in_trait) {
		TSNode list = ts_node_parent(n);
		item = rust_is(list, RK_DECLARATION_LIST) ? ts_node_parent(list) : (TSNode){ 0 };
	}
	return rust_child_by_field(item, RF_NAME);
}

bool api_item_exported(const struct rule_ctx *ctx, TSNode item, const struct rust_scope *scope)
{
	const struct review_module_info *m = ctx->opts ? ctx->opts->module : NULL;
	TSNode name;

	if (!m || !m->private_module || m->exported_all)
		return true;
	name = outermost_item_name(item, scope);
	for (size_t i = 0; !ts_node_is_null(name) && i < m->n_exported; i++)
		if (rust_node_text_eq(name, ctx->src, m->exported[i]))
			return true;
	return false;
}

bool api_fn_is_public(const struct rule_ctx *ctx, TSNode fn, const struct rust_scope *scope)
{
	TSNode vis;

	if (ctx->pathinfo.binary || scope->test || scope->private_path || scope->trait_impl ||
	    !api_item_exported(ctx, fn, scope))
		return false;
	if (scope->in_trait)
		return true;     /* trait methods are as public as the trait (private_path) */
	vis = rust_child_of_kind(fn, RK_VISIBILITY_MODIFIER);
	return !ts_node_is_null(vis) && rust_node_text_eq(vis, ctx->src, "pub");
}

bool api_type_is(TSNode t, const char *src, const char *name)
{
	if (rust_is(t, RK_GENERIC_TYPE))
		t = rust_child_by_field(t, RF_TYPE);
	if (rust_is(t, RK_SCOPED_TYPE_IDENTIFIER))
		t = rust_child_by_field(t, RF_NAME);
	return rust_is(t, RK_TYPE_IDENTIFIER) && rust_node_text_eq(t, src, name);
}

TSNode api_type_arg(TSNode t, uint32_t i)
{
	TSNode args = rust_child_by_field(t, RF_TYPE_ARGUMENTS);
	uint32_t count, k = 0;

	if (!rust_is(t, RK_GENERIC_TYPE) || ts_node_is_null(args))
		return (TSNode){ 0 };
	count = ts_node_named_child_count(args);
	for (uint32_t j = 0; j < count; j++) {
		TSNode a = ts_node_named_child(args, j);
		const char *type = ts_node_type(a);
		if (strcmp(type, "line_comment") == 0 || strcmp(type, "block_comment") == 0 ||
		    strcmp(type, "lifetime") == 0)
			continue;
		if (k++ == i)
			return a;
	}
	return (TSNode){ 0 };
}

/* --- what a path names: the file's `use` declarations and modules ---------- */

/* What resolve_binding looks for, and what it found. */
struct binding_query {
	const char *src;
	const char *name;        /* the first segment of the path being resolved */
	size_t nlen;
	char full[160];          /* the path `name` stands for ("std::mem"), when found */
	bool found;
	const char *glob_of;     /* also note a `use <glob_of>::*` (NULL: no) */
	bool glob_found;
};

static bool text_is(const struct binding_query *q, TSNode n)
{
	return rust_node_len(n) == q->nlen && memcmp(rust_node_ptr(n, q->src), q->name, q->nlen) == 0;
}

/* prefix + "::" + the path text of n (prefix may be empty). */
static bool join_path(char *out, size_t cap, const char *prefix, TSNode n, const char *src)
{
	char seg[128];
	int w;

	if (!rust_path_text(n, src, seg, sizeof(seg)))
		return false;
	w = snprintf(out, cap, "%s%s%s", prefix, *prefix ? "::" : "", seg);
	return w > 0 && (size_t)w < cap;
}

/* The last `::` segment of a path node (`exit` of `std::process::exit`). */
static TSNode last_segment(TSNode n)
{
	while (rust_is(n, RK_SCOPED_IDENTIFIER))
		n = rust_child_by_field(n, RF_NAME);
	return n;
}

/* "std::x" / "core::x" / "alloc::x" -> "x"; NULL for other paths. */
static const char *strip_std(const char *p)
{
	static const char *const crates[] = { "std::", "core::", "alloc::" };
	for (size_t i = 0; i < sizeof(crates) / sizeof(crates[0]); i++)
		if (strncmp(p, crates[i], strlen(crates[i])) == 0)
			return p + strlen(crates[i]);
	return NULL;
}

/* Two full paths naming the same item: equal, or both std's through
 * std/core/alloc (`core::mem::forget` is `std::mem::forget`). */
static bool same_item(const char *a, const char *b)
{
	const char *ra = strip_std(a), *rb = strip_std(b);
	return ra && rb ? strcmp(ra, rb) == 0 : strcmp(a, b) == 0;
}

/* One use tree under prefix: records what it binds q->name to. */
static void use_tree_binds(TSNode tree, const char *prefix, struct binding_query *q, int depth)
{
	char full[160];

	if (depth > 8 || q->found)
		return;
	if (rust_is(tree, RK_USE_AS_CLAUSE)) {
		TSNode path = rust_child_by_field(tree, RF_PATH);
		TSNode alias = rust_child_by_field(tree, RF_ALIAS);
		if (!ts_node_is_null(alias) && text_is(q, alias)) {
			if (rust_node_is(path, "self"))
				q->found = snprintf(q->full, sizeof(q->full), "%s", prefix) > 0;
			else
				q->found = join_path(q->full, sizeof(q->full), prefix, path, q->src);
		}
	} else if (rust_is(tree, RK_SCOPED_USE_LIST)) {
		TSNode path = rust_child_by_field(tree, RF_PATH);
		TSNode list = rust_child_by_field(tree, RF_LIST);
		if (ts_node_is_null(path))
			snprintf(full, sizeof(full), "%s", prefix);
		else if (!join_path(full, sizeof(full), prefix, path, q->src))
			return;
		use_tree_binds(list, full, q, depth + 1);
	} else if (rust_is(tree, RK_USE_LIST)) {
		uint32_t n = ts_node_named_child_count(tree);
		for (uint32_t i = 0; i < n && !q->found; i++)
			use_tree_binds(ts_node_named_child(tree, i), prefix, q, depth + 1);
	} else if (rust_node_is(tree, "use_wildcard")) {
		TSNode path = ts_node_named_child(tree, 0);
		if (q->glob_of && !ts_node_is_null(path) &&
		    join_path(full, sizeof(full), prefix, path, q->src) &&
		    same_item(full, q->glob_of))
			q->glob_found = true;
	} else if (rust_node_is(tree, "self")) {
		/* `use std::mem::{self}` binds the last segment of the prefix. */
		const char *last = strrchr(prefix, ':');
		last = last ? last + 1 : prefix;
		if (strlen(last) == q->nlen && memcmp(last, q->name, q->nlen) == 0)
			q->found = snprintf(q->full, sizeof(q->full), "%s", prefix) > 0;
	} else if (rust_is(tree, RK_IDENTIFIER) || rust_is(tree, RK_SCOPED_IDENTIFIER)) {
		if (text_is(q, last_segment(tree)))
			q->found = join_path(q->full, sizeof(q->full), prefix, tree, q->src);
	}
}

/* The file's `use` declarations and its fn and module names, in tree order. */
struct rule_use_index {
	TSNode *uses;
	size_t n_uses, cap_uses;
	TSNode *locals;            /* the name nodes of fns, fn signatures and mods */
	size_t n_locals, cap_locals;
};

void rule_ctx_release(struct rule_ctx *ctx)
{
	if (!ctx || !ctx->use_index)
		return;
	free(ctx->use_index->uses);
	free(ctx->use_index->locals);
	free(ctx->use_index);
	ctx->use_index = NULL;
}

static bool node_push(TSNode **v, size_t *n, size_t *cap, TSNode node)
{
	if (*n == *cap) {
		TSNode *g = rr_array_grow(*v, cap, sizeof(**v), 16);
		if (!g)
			return false;
		*v = g;
	}
	(*v)[(*n)++] = node;
	return true;
}

/*
 * The walk the lookups need: each `use` declaration and the name node of each
 * fn, fn signature and module, in tree order (not inside token trees or
 * strings). on() returns false to stop; so does walk_bindings.
 */
static bool walk_bindings(TSNode root, bool (*on)(void *arg, TSNode node, bool is_use),
			  void *arg)
{
	TSTreeCursor c = ts_tree_cursor_new(root);
	bool ok = true;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		enum rust_kind k = rust_node_kind(cur);
		bool descend = true;
		if (k == RK_USE_DECLARATION) {
			ok = on(arg, cur, true);
			descend = false;
		} else if (k == RK_FUNCTION_ITEM || k == RK_FUNCTION_SIGNATURE_ITEM ||
			   k == RK_MOD_ITEM) {
			ok = on(arg, rust_child_by_field(cur, RF_NAME), false);
		} else if (k == RK_TOKEN_TREE || k == RK_STRING_LITERAL || k == RK_RAW_STRING_LITERAL) {
			descend = false;
		}
		if (!ok || !rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
	return ok;
}

static bool index_add(void *arg, TSNode node, bool is_use)
{
	struct rule_use_index *ix = arg;
	return is_use ? node_push(&ix->uses, &ix->n_uses, &ix->cap_uses, node)
		      : node_push(&ix->locals, &ix->n_locals, &ix->cap_locals, node);
}

/* One walk of the tree (the one resolve_binding made for every query). NULL
 * when out of memory: the caller walks as before. */
static struct rule_use_index *use_index_of(const struct rule_ctx *ctx)
{
	struct rule_ctx *c = (struct rule_ctx *)ctx;      /* the cache only */
	struct rule_use_index *ix;

	if (c->use_index)
		return c->use_index;
	if (!(ix = calloc(1, sizeof(*ix))))
		return NULL;
	if (!walk_bindings(ctx->root, index_add, ix)) {
		free(ix->uses);
		free(ix->locals);
		free(ix);
		return NULL;
	}
	return c->use_index = ix;
}

struct binding_walk {
	struct binding_query *q;
	bool *local;
};

static bool binding_visit(void *arg, TSNode node, bool is_use)
{
	struct binding_walk *w = arg;
	if (is_use)
		use_tree_binds(rust_child_by_field(node, RF_ARGUMENT), "", w->q, 0);
	else if (text_is(w->q, node))
		*w->local = true;
	return true;
}

/*
 * Looks through the file's `use` declarations (any depth) for what q->name
 * is bound to, and notes a glob import of q->glob_of. *local is set when
 * the file defines a fn or module of that name itself (which takes
 * precedence over a glob import and stands for no std item).
 */
static void resolve_binding(const struct rule_ctx *ctx, struct binding_query *q, bool *local)
{
	struct rule_use_index *ix = use_index_of(ctx);
	struct binding_walk w = { q, local };

	*local = false;
	if (!ix) {                                /* out of memory: walk the tree */
		walk_bindings(ctx->root, binding_visit, &w);
		return;
	}
	for (size_t i = 0; i < ix->n_uses; i++)
		binding_visit(&w, ix->uses[i], true);
	for (size_t i = 0; i < ix->n_locals && !*local; i++)
		binding_visit(&w, ix->locals[i], false);
}

/*
 * The path text of n without whitespace and generic arguments:
 * `Vec::<u8>::push` and `<Vec<u8>>::push` are "Vec::push".
 */
static bool plain_path_text(TSNode n, const char *src, char *out, size_t cap)
{
	char raw[256];
	size_t o = 0;
	int depth = 0;
	const char *p = raw;

	if (!rust_path_text(n, src, raw, sizeof(raw)))
		return false;
	if (*p == '<') {                  /* <T>::m: keep T, drop its brackets */
		p++;
		depth = -1;
	}
	for (; *p; p++) {
		if (*p == '<') {
			if (depth++ == 0 && o >= 2 && out[o - 1] == ':' && out[o - 2] == ':')
				o -= 2;           /* the `::` of a turbofish */
			continue;
		}
		if (*p == '>') {
			if (depth-- == -1)
				depth = 0;        /* the closing bracket of <T> */
			continue;
		}
		if (depth > 0)
			continue;
		if (o + 1 >= cap)
			return false;
		out[o++] = *p;
	}
	out[o] = '\0';
	return o > 0;
}

/* Whether the file's text holds name anywhere, once per file and name (the
 * context caches a few; past them it is asked again). */
static bool file_mentions(const struct rule_ctx *ctx, const char *name)
{
	struct rule_ctx *c = (struct rule_ctx *)ctx;      /* the cache only */
	size_t n = strlen(name);
	bool mentioned;

	for (unsigned i = 0; i < c->n_mentions; i++)
		if (strcmp(c->mentions[i].name, name) == 0)
			return c->mentions[i].mentioned;
	mentioned = memmem(ctx->src, ctx->len, name, n) != NULL;
	if (c->n_mentions < sizeof(c->mentions) / sizeof(c->mentions[0]) &&
	    n < sizeof(c->mentions[0].name)) {
		memcpy(c->mentions[c->n_mentions].name, name, n + 1);
		c->mentions[c->n_mentions++].mentioned = mentioned;
	}
	return mentioned;
}

bool api_path_is(const struct rule_ctx *ctx, TSNode n, const char *want)
{
	struct binding_query q;
	char path[160], resolved[256], parent[160];
	const char *sep, *want_last = strrchr(want, ':');
	size_t plen;
	bool local;

	want_last = want_last ? want_last + 1 : want;
	if (rust_is(n, RK_GENERIC_FUNCTION))      /* transmute::<A, B> */
		n = rust_child_by_field(n, RF_FUNCTION);
	if (!(rust_is(n, RK_IDENTIFIER) || rust_is(n, RK_SCOPED_IDENTIFIER)) ||
	    !plain_path_text(n, ctx->src, path, sizeof(path)))
		return false;
	if (strip_std(path))
		return same_item(path, want);
	/* Cheap refusal before the file scan: the last segment is the name,
	 * unless the whole path is one aliased identifier (`quit(1)`). */
	sep = strstr(path, "::");
	if (sep && strcmp(strrchr(path, ':') + 1, want_last) != 0)
		return false;
	/* Nor for one the file never names: an alias (`use std::process::exit as
	 * quit`) or a glob-imported bare `exit` both write the name. Without this,
	 * every plain call walked the whole tree: quadratic in the file. */
	if (!sep && !file_mentions(ctx, want_last))
		return false;
	plen = (size_t)(want_last - want) >= 2 ? (size_t)(want_last - want) - 2 : 0;
	if (plen >= sizeof(parent))
		return false;
	memcpy(parent, want, plen);
	parent[plen] = '\0';
	memset(&q, 0, sizeof(q));
	q.src = ctx->src;
	q.name = path;
	q.nlen = sep ? (size_t)(sep - path) : strlen(path);
	q.glob_of = sep || !plen ? NULL : parent;
	resolve_binding(ctx, &q, &local);
	if (local)
		return false;                   /* the file's own `fn exit` / `mod mem` */
	if (q.found) {
		/* The first segment stands for q.full: `m::forget` with `use std::mem as m`. */
		if ((size_t)snprintf(resolved, sizeof(resolved), "%s%s", q.full, sep ? sep : "") >=
		    sizeof(resolved))
			return false;
		return same_item(resolved, want);
	}
	if (!sep)                               /* a bare `exit(..)`: only through `process::*` */
		return q.glob_found && strcmp(path, want_last) == 0;
	/* `mem::forget`, `Vec::push` with no import in this file: the module the
	 * file's parent imports, or the prelude, under its own name. */
	plen = strlen(path);
	return strlen(want) > plen && strcmp(want + strlen(want) - plen, path) == 0 &&
	       want[strlen(want) - plen - 1] == ':';
}

bool api_call_is_std(const struct rule_ctx *ctx, TSNode call, const char *module,
		     const char *name, TSNode *callee)
{
	char want[96];

	if (!rust_is(call, RK_CALL_EXPRESSION))
		return false;
	*callee = rust_child_by_field(call, RF_FUNCTION);
	if ((size_t)snprintf(want, sizeof(want), "std::%s::%s", module, name) >= sizeof(want))
		return false;
	return api_path_is(ctx, *callee, want);
}

int api_report_disallowed(struct rule_ctx *ctx, TSNode first, TSNode last,
			  const struct review_disallowed *d, const char *option, bool macro)
{
	char *msg = rule_format("`%s%s` is disallowed in this repository (clippy.toml, `%s`)%s%s%s",
				d->path, macro ? "!" : "", option, d->reason ? ": " : ".",
				d->reason ? d->reason : "",
				d->reason ? "" : " Use what the team chose instead, or allow it here "
						 "with a reason.");
	int rc;

	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, first, last, msg, NULL);
	free(msg);
	return rc;
}

TSNode api_item_header_end(TSNode item)
{
	TSNode name = rust_child_by_field(item, RF_NAME);
	return ts_node_is_null(name) ? ts_node_child(item, 0) : name;
}

int api_emit_item_header(struct rule_ctx *ctx, TSNode item, const char *message)
{
	return rule_emit_nodes(ctx, item, api_item_header_end(item), message, NULL);
}

bool api_item_documents(const struct rule_ctx *ctx, TSNode item, const struct rust_scope *scope,
			const char *section)
{
	uint32_t start = ts_node_start_byte(item);
	return scope->doc_start < start &&
	       rust_doc_has_section(ctx->src, scope->doc_start, start, section);
}
