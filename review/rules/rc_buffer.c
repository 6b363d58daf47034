/* rc_buffer.c — `Rc<String>`, `Arc<Vec<T>>`, ...: a shared buffer that can never grow. */
#include "rule_helpers.h"
#include "type_helpers.h"

#include <stdlib.h>
#include <string.h>

/* The owned buffer types and their unsized borrowed forms. */
struct buffer_kind {
	const char *owned;
	const char *unsized;     /* NULL for Vec: a slice of its element type */
};

static const struct buffer_kind KINDS[] = {
	{ "String", "str" },
	{ "PathBuf", "Path" },
	{ "OsString", "OsStr" },
	{ "Vec", NULL },
};

/* The kind of `arg` and, for Vec<T>, its element type. */
static const struct buffer_kind *classify(TSNode arg, const char *src, TSNode *elem)
{
	char name[24];

	if (rust_is(arg, RK_GENERIC_TYPE)) {
		*elem = type_single_arg(arg, src, name, sizeof(name));
		if (!ts_node_is_null(*elem) && strcmp(name, "Vec") == 0)
			return &KINDS[3];
		return NULL;
	}
	if (!rust_is(arg, RK_TYPE_IDENTIFIER) || !rust_path_text(arg, src, name, sizeof(name)))
		return NULL;
	for (size_t i = 0; i < 3; i++)
		if (strcmp(name, KINDS[i].owned) == 0)
			return &KINDS[i];
	return NULL;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	const struct buffer_kind *k;
	char rc_name[16], *elem_text = NULL, *repl = NULL;
	TSNode arg, elem = { 0 };
	int rc = RR_ENOMEM;

	(void)scope;
	if (!rust_is(node, RK_GENERIC_TYPE))
		return 0;
	arg = type_single_arg(node, ctx->src, rc_name, sizeof(rc_name));
	if (ts_node_is_null(arg) || (strcmp(rc_name, "Rc") != 0 && strcmp(rc_name, "Arc") != 0) ||
	    !(k = classify(arg, ctx->src, &elem)) || !type_in_private_signature(node, ctx->src))
		return 0;
	if (!k->unsized && !(elem_text = rust_node_text_dup(elem, ctx->src)))
		goto cleanup;
	if (k->unsized)
		repl = rule_format("%s<%s>", rc_name, k->unsized);
	else
		repl = rule_format("%s<[%s]>", rc_name, elem_text);
	if (!repl)
		goto cleanup;
	rc = rule_emitf_nodes(ctx, node, node, repl,
			      "`%s<%s>` shares a growable buffer that nobody can grow: the contents "
			      "are immutable behind the `%s`. It costs a second allocation and a "
			      "second pointer chase on every access. Use `%s` (build it with "
			      "`%s::from(..)`), which stores the data inline with the reference counts.",
			      rc_name, k->owned, rc_name, repl, rc_name);
cleanup:
	free(elem_text);
	free(repl);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "generic_type", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "Rc", "Arc", NULL };

const struct rule rule_rc_buffer = {
	.info = {
		.id = "rc_buffer",
		.severity = RR_SEV_WARNING,
		.summary = "`Rc<String>`/`Arc<Vec<T>>`: use `Rc<str>`/`Arc<[T]>`",
		.explanation =
			"What: flags `Rc<T>` and `Arc<T>` where `T` is `String`, `Vec<_>`, `PathBuf` or "
			"`OsString`, written in a struct field, a fn parameter or return type, or a "
			"static/const (clippy::rc_buffer), and suggests `Rc<str>`, `Arc<[T]>`, "
			"`Rc<Path>` or `Rc<OsStr>`.\n\n"
			"Why: the value behind an `Rc`/`Arc` is shared and therefore immutable (short of "
			"`get_mut`/`make_mut`), so the capacity a `String` or `Vec` carries for growing "
			"is dead weight. Worse, the data lives in a second heap block: every access "
			"follows two pointers and every value costs two allocations. `Arc<str>` keeps "
			"the bytes in the same block as the reference counts.\n\n"
			"How to fix: change the type and build values with `Arc::from(s)` / `s.into()` "
			"(from a `String`, `&str`, `Vec<T>` or `&[T]`). Code that only reads through "
			"`Deref` keeps compiling. Keep `Rc<String>` only if the code really mutates via "
			"`Rc::make_mut`; then allow the lint there.\n\n"
			"Bad:\n    struct Session { user: Arc<String>, roles: Arc<Vec<Role>> }\n"
			"Good:\n    struct Session { user: Arc<str>, roles: Arc<[Role]> }\n\n"
			"Scope: like clippy with its default avoid-breaking-exported-api, exported API "
			"(a `pub` fn, a `pub` field of a `pub` struct, a method of a `pub` trait) and "
			"methods of `impl Trait for T` are not reported; `let` annotations and type "
			"aliases are not checked.",
		.production_only = false,
		.has_fix = true,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
