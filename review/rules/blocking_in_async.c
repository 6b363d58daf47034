/* blocking_in_async.c — thread::sleep, std::fs and blocking std::net calls inside async code. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

enum blocking_kind { BLOCK_NONE, BLOCK_SLEEP, BLOCK_FS, BLOCK_NET };

/* Classifies a callee path (whitespace removed, no leading ::). */
static enum blocking_kind classify(const char *path)
{
	static const char *const net[] = { "TcpStream::connect", "TcpListener::bind",
					   "UdpSocket::bind" };
	const char *p = path;

	if (strncmp(p, "std::", 5) == 0)
		p += 5;
	if (strcmp(p, "thread::sleep") == 0)
		return BLOCK_SLEEP;
	/* fs::<fn> with exactly two segments, and std's File constructors. */
	if (strncmp(p, "fs::", 4) == 0 && p[4] && !strchr(p + 4, ':'))
		return BLOCK_FS;
	if (strncmp(p, "fs::", 4) == 0)
		p += 4;
	if (strcmp(p, "File::open") == 0 || strcmp(p, "File::create") == 0)
		return BLOCK_FS;
	if (strncmp(p, "net::", 5) == 0)
		p += 5;
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (strcmp(p, net[i]) == 0)
			return BLOCK_NET;
	return BLOCK_NONE;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* `call(..).await`: an awaited call is an async API (tokio::fs, async-std) that
 * merely shares the name. */
static bool is_awaited(const struct rule_ctx *ctx, TSNode call)
{
	size_t i = ts_node_end_byte(call);
	const char *s = ctx->src;

	while (i < ctx->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i >= ctx->len || s[i] != '.')
		return false;
	i++;
	while (i < ctx->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return ctx->len - i >= 5 && memcmp(s + i, "await", 5) == 0 &&
	       (ctx->len - i == 5 || !ident_char(s[i + 5]));
}

static char *message_for(enum blocking_kind kind, const char *quoted)
{
	switch (kind) {
	case BLOCK_SLEEP:
		return rule_format(
			"`%s` blocks the executor thread inside async code. "
			"While it sleeps, every other task scheduled on that thread stalls, which shows up "
			"as latency spikes and timeouts under load. Use `tokio::time::sleep(..).await` "
			"instead.",
			quoted);
	case BLOCK_FS:
		return rule_format(
			"`%s` is blocking file I/O inside async code. "
			"A slow disk or network file system stalls every task on this executor thread. "
			"Use `tokio::fs` (awaited), or move the work into `tokio::task::spawn_blocking`.",
			quoted);
	case BLOCK_NET:
		return rule_format(
			"`%s` is a blocking network call inside async code. "
			"Connecting or binding can wait for DNS or the peer for seconds, stalling every "
			"task on this executor thread. Use the `tokio::net` equivalent and `.await` it.",
			quoted);
	case BLOCK_NONE:
		break;
	}
	return NULL;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode fn;
	char path[96], quoted[96];
	enum blocking_kind kind;
	char *msg;
	int rc;

	/* Only async bodies; closures given to spawn_blocking etc. are OFFLOADED. */
	if (scope->exec != RUST_EXEC_ASYNC || !rust_node_is(node, "call_expression"))
		return 0;
	fn = ts_node_child_by_field_name(node, "function", 8);
	if (!rust_node_is(fn, "scoped_identifier") || !rust_path_text(fn, ctx->src, path, sizeof(path)))
		return 0;
	if ((kind = classify(path)) == BLOCK_NONE || is_awaited(ctx, node))
		return 0;
	rule_quote(fn, ctx->src, quoted, sizeof(quoted));
	if (!(msg = message_for(kind, quoted)))
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, node, node, msg, NULL);
	free(msg);
	return rc;
}

const struct rule rule_blocking_in_async = {
	.info = {
		.id = "blocking_in_async",
		.severity = RR_SEV_WARNING,
		.summary = "blocking sleep, file or network call inside async code",
		.explanation =
			"What: flags `std::thread::sleep`, `std::fs::*` functions (and "
			"`File::open`/`File::create`), and blocking `std::net` calls "
			"(`TcpStream::connect`, `TcpListener::bind`, `UdpSocket::bind`) inside an `async "
			"fn` body or an `async` block. Calls inside a closure handed to "
			"`spawn_blocking`, `block_in_place` or `std::thread::spawn` are fine, and so is "
			"anything that is `.await`ed (that is the async API of the same name). No clippy "
			"lint covers this; the id is ours.\n\n"
			"Why: an async runtime runs many tasks on a few threads and switches only at "
			"`.await`. A blocking call holds the thread: every task queued on it waits, "
			"timers fire late, and under load the service stops answering. It passes every "
			"test with a fast local disk and fails in production on network storage.\n\n"
			"How to fix: use the async equivalent (`tokio::time::sleep(d).await`, "
			"`tokio::fs::read(p).await`, `tokio::net::TcpStream::connect(a).await`) or run the "
			"blocking work with `tokio::task::spawn_blocking(move || ...).await`.\n\n"
			"Bad:\n    async fn load(p: &Path) -> io::Result<String> { std::fs::read_to_string(p) }\n"
			"Good:\n    async fn load(p: &Path) -> io::Result<String> { tokio::fs::read_to_string(p).await }\n\n"
			"Context: test code is exempt: a #[tokio::test] writing a fixture file with "
			"`std::fs::write` blocks only itself.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
};
