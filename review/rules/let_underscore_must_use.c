/* let_underscore_must_use.c — `let _ = w.write_all(..);`: a fallible write or
 * setting whose Result is thrown away. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

struct fallible {
	const char *name;
	int nargs;
	const char *consequence;   /* what silently goes wrong when the error is dropped */
};

/* Methods of std (io::Write, File, sockets) and of database transactions whose
 * failure means lost data or a wrong state. Cleanup calls (remove_file,
 * shutdown, kill, join) and channel sends are deliberately absent: `let _ =`
 * on them is the idiomatic "best effort, nobody is listening". */
static const struct fallible METHODS[] = {
	{ "write", 1, "bytes are lost (and a short write goes unnoticed)" },
	{ "write_all", 1, "the data never reaches its destination" },
	{ "flush", 0, "buffered data may never reach its destination" },
	{ "sync_all", 0, "the data may not be on disk after a crash" },
	{ "sync_data", 0, "the data may not be on disk after a crash" },
	{ "set_len", 1, "the file keeps its old size" },
	{ "set_nonblocking", 1, "the socket may stay blocking and stall an event loop" },
	{ "set_read_timeout", 1, "reads may block forever" },
	{ "set_write_timeout", 1, "writes may block forever" },
	{ "commit", 0, "the transaction may be rolled back while the code goes on as if it "
		       "were saved" },
};
/* std::fs functions (also through `fs::`). */
static const struct fallible FS_FNS[] = {
	{ "write", 2, "the file is not written" },
	{ "rename", 2, "the file is not moved" },
	{ "copy", 2, "the file is not copied" },
	{ "create_dir", 1, "the directory does not exist afterwards" },
	{ "create_dir_all", 1, "the directory does not exist afterwards" },
	{ "set_permissions", 2, "the permissions stay as they were" },
	{ "hard_link", 2, "the link is not created" },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct fallible *lookup(const struct fallible *list, size_t n, TSNode name,
				     const char *src, uint32_t nargs)
{
	for (size_t i = 0; i < n; i++)
		if (rust_node_text_eq(name, src, list[i].name) && (uint32_t)list[i].nargs == nargs)
			return &list[i];
	return NULL;
}

/* `fs::name` or `std::fs::name`: the callee's path without the std prefix. */
static const struct fallible *fs_call(TSNode call, const char *src, uint32_t nargs)
{
	TSNode fn = rust_child_by_field(call, RF_FUNCTION);
	char path[64];
	const char *p = path;

	if (!rust_is(fn, RK_SCOPED_IDENTIFIER) || !rust_path_text(fn, src, path, sizeof(path)))
		return NULL;
	if (strncmp(p, "std::", 5) == 0)
		p += 5;
	if (strncmp(p, "fs::", 4) != 0)
		return NULL;
	p += 4;
	for (size_t i = 0; i < COUNT(FS_FNS); i++)
		if (strcmp(p, FS_FNS[i].name) == 0 && (uint32_t)FS_FNS[i].nargs == nargs)
			return &FS_FNS[i];
	return NULL;
}

/* The fallible call whose Result `value` is, or NULL. `x.await` is the same
 * Result one step later (tokio's write_all, sqlx's commit); `x?` is not
 * discarded (the error propagates), so it does not match. */
static const struct fallible *discarded_call(TSNode value, const char *src, TSNode *callee)
{
	TSNode name, args;

	if (rust_is(value, RK_AWAIT_EXPRESSION))
		value = ts_node_named_child(value, 0);
	if (!rust_is(value, RK_CALL_EXPRESSION))
		return NULL;
	args = rust_child_by_field(value, RF_ARGUMENTS);
	if (ts_node_is_null(args))
		return NULL;
	*callee = rust_child_by_field(value, RF_FUNCTION);
	if (rust_method_call(value, &name, &args))
		return lookup(METHODS, COUNT(METHODS), name, src, rust_named_arg_count(args));
	return fs_call(value, src, rust_named_arg_count(args));
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode pattern, value, callee;
	const struct fallible *f;
	char quoted[80];
	char *msg;
	int rc;

	(void)scope;
	if (!rust_is(node, RK_LET_DECLARATION))
		return 0;
	pattern = rust_child_by_field(node, RF_PATTERN);
	value = rust_child_by_field(node, RF_VALUE);
	if (!rust_is(pattern, RK_UNDERSCORE) && !rust_node_text_eq(pattern, ctx->src, "_"))
		return 0;
	if (ts_node_is_null(value) || !(f = discarded_call(value, ctx->src, &callee)))
		return 0;
	rule_quote(callee, ctx->src, quoted, sizeof(quoted));
	msg = rule_format("`let _ =` throws away the `Result` of `%s(%s)`: when it fails, %s, and "
			  "nothing reports it. Errors dropped here surface later as corrupt or "
			  "missing data that is hard to trace back. Propagate it with `?`, or handle "
			  "it (`if let Err(e) = ... { log }`) where failing is acceptable.",
			  quoted, f->nargs ? ".." : "", f->consequence);
	if (!msg)
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, node, node, msg, NULL);
	free(msg);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "let_declaration", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "let", NULL };

const struct rule rule_let_underscore_must_use = {
	.info = {
		.id = "let_underscore_must_use",
		.severity = RR_SEV_WARNING,
		.summary = "`let _ =` discards the Result of a write, sync or setting",
		.explanation =
			"What: flags `let _ = <call>;` (or `<call>.await`) where the call is one whose "
			"failure loses data or leaves a wrong state: the methods `write`, `write_all`, "
			"`flush`, `sync_all`, `sync_data`, `set_len`, `set_nonblocking`, "
			"`set_read_timeout`, `set_write_timeout`, `commit()`, and `std::fs::` `write`, "
			"`rename`, `copy`, `create_dir`, `create_dir_all`, `set_permissions`, "
			"`hard_link`.\n\n"
			"Id: clippy::let_underscore_must_use flags `let _ =` on any `#[must_use]` value "
			"(every `Result` among them); this rule is the precise subset of it a reviewer "
			"can prove from the syntax, so the clippy name carries over "
			"(`#[allow(clippy::let_underscore_must_use)]` silences both). Its recall against "
			"clippy is low by design.\n\n"
			"Why: `let _ =` is how Rust code says \"I meant to ignore this\", so it slips "
			"through review. For a write or a flush, ignoring the error means data that was "
			"never written while the program reports success; for `set_nonblocking`, a "
			"socket that blocks an event loop; for `commit()`, a transaction rolled back "
			"behind the code's back.\n\n"
			"How to fix: propagate (`w.write_all(buf)?;`), or handle it where failure is "
			"acceptable: `if let Err(e) = w.flush() { tracing::warn!(error = %e, \"flush "
			"failed\"); }`.\n\n"
			"Bad:\n    let _ = out.write_all(&frame);\n"
			"Good:\n    out.write_all(&frame)?;\n\n"
			"Not flagged, deliberately: `let _ = x?;` (the error propagates), `write!`/"
			"`writeln!` (into a `String` they cannot fail), and calls whose result is "
			"idiomatically best-effort: `remove_file`/`remove_dir_all` in cleanup, "
			"`shutdown`, `kill`, `join`, and channel `send` (an `Err` only means the "
			"receiver is gone). Applies to test code too: a test that ignores a failed "
			"write tests nothing.",
		.production_only = false,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
