/* blocking_in_async.c — blocking sleep, file, network, HTTP, process and stdin calls inside async code. */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

enum blocking_kind {
	BLOCK_NONE, BLOCK_SLEEP, BLOCK_FS, BLOCK_NET, BLOCK_HTTP, BLOCK_PROCESS, BLOCK_STDIN,
	BLOCK_DNS
};

/* Classifies a callee path (whitespace removed, no leading ::). */
static enum blocking_kind classify(const char *path)
{
	static const char *const net[] = { "TcpStream::connect", "TcpListener::bind",
					   "UdpSocket::bind" };
	const char *p = path;

	/* Every function and constructor of reqwest's blocking client. */
	if (strncmp(p, "reqwest::blocking::", 19) == 0)
		return BLOCK_HTTP;
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
	case BLOCK_HTTP:
		return rule_format(
			"`%s` is reqwest's blocking client inside async code. "
			"It runs its own runtime and waits for the whole HTTP exchange on this executor "
			"thread (and panics if dropped inside a tokio runtime). Use the async "
			"`reqwest::Client` and `.await` the request.",
			quoted);
	case BLOCK_PROCESS:
		return rule_format(
			"`%s` waits for a child process inside async code. "
			"The executor thread is stuck until the program exits, however long that takes. "
			"Use `tokio::process::Command` and `.await` its `output()`/`status()`/`wait()`.",
			quoted);
	case BLOCK_STDIN:
		return rule_format(
			"`%s` blocks on standard input inside async code. "
			"The executor thread waits for the user (or forever, if stdin stays open). Read "
			"stdin with `tokio::io::stdin()` and `AsyncBufReadExt`, or on a dedicated thread.",
			quoted);
	case BLOCK_DNS:
		return rule_format(
			"`%s` resolves host names with the blocking system resolver inside async code. "
			"A slow or unreachable DNS server stalls every task on this executor thread for "
			"seconds. Use `tokio::net::lookup_host(..).await`.",
			quoted);
	case BLOCK_NONE:
		break;
	}
	return NULL;
}

/* The receiver of a method call (`recv.name(..)`), or a null node. */
static TSNode receiver(TSNode call)
{
	return rust_child_by_field(rust_child_by_field(call, RF_FUNCTION), RF_VALUE);
}

/* Strips `?`, `.unwrap()` and `.expect(..)` around a value. */
static TSNode unwrapped(TSNode n, const char *src)
{
	TSNode name, args;

	for (int i = 0; i < 4; i++) {
		if (rust_is(n, RK_TRY_EXPRESSION)) {
			n = ts_node_named_child(n, 0);
			continue;
		}
		if (rust_method_call(n, &name, &args) &&
		    (rust_node_text_eq(name, src, "unwrap") || rust_node_text_eq(name, src, "expect"))) {
			n = receiver(n);
			continue;
		}
		break;
	}
	return n;
}

/* `Command::new(..)` (any path ending in `Command::new`, std's or a `use`d one)
 * followed by builder calls: `.arg(..)`, `.env(..)`, `.current_dir(..)`, ... */
static bool command_chain(TSNode n, const char *src)
{
	TSNode name, args, fn;
	char path[64];
	size_t len;

	for (int i = 0; i < 64 && rust_method_call(n, &name, &args); i++)
		n = receiver(n);
	if (!rust_is(n, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(n, RF_FUNCTION);
	if (!rust_path_text(fn, src, path, sizeof(path)))
		return false;
	len = strlen(path);
	return len >= 12 && strcmp(path + len - 12, "Command::new") == 0 &&
	       (len == 12 || path[len - 13] == ':');
}

/* `stdin()`, `io::stdin()` or `std::io::stdin()`, optionally `.lock()`ed. */
static bool stdin_call(TSNode n, const char *src)
{
	TSNode name, args, fn;
	char path[32];

	if (rust_method_call(n, &name, &args) && rust_node_text_eq(name, src, "lock"))
		n = receiver(n);
	if (!rust_is(n, RK_CALL_EXPRESSION))
		return false;
	fn = rust_child_by_field(n, RF_FUNCTION);
	return rust_path_text(fn, src, path, sizeof(path)) &&
	       (strcmp(path, "stdin") == 0 || strcmp(path, "io::stdin") == 0 ||
		strcmp(path, "std::io::stdin") == 0);
}

/* Blocking method calls: a std Command run to completion, reads from stdin,
 * ToSocketAddrs resolution. */
static enum blocking_kind classify_method(TSNode call, const char *src)
{
	TSNode name, args, recv;
	uint32_t n;

	if (!rust_method_call(call, &name, &args))
		return BLOCK_NONE;
	n = rust_named_arg_count(args);
	recv = receiver(call);
	if (n == 0 && (rust_node_text_eq(name, src, "output") || rust_node_text_eq(name, src, "status")))
		return command_chain(recv, src) ? BLOCK_PROCESS : BLOCK_NONE;
	if (n == 0 && (rust_node_text_eq(name, src, "wait") ||
		       rust_node_text_eq(name, src, "wait_with_output"))) {
		TSNode spawned = unwrapped(recv, src), sname, sargs;
		return rust_method_call(spawned, &sname, &sargs) &&
			       rust_node_text_eq(sname, src, "spawn") &&
			       command_chain(receiver(spawned), src)
			       ? BLOCK_PROCESS : BLOCK_NONE;
	}
	if ((n == 1 && (rust_node_text_eq(name, src, "read_line") ||
			rust_node_text_eq(name, src, "read_to_string"))) ||
	    (n == 0 && rust_node_text_eq(name, src, "lines")))
		return stdin_call(recv, src) ? BLOCK_STDIN : BLOCK_NONE;
	if (n == 0 && rust_node_text_eq(name, src, "to_socket_addrs"))
		return BLOCK_DNS;
	return BLOCK_NONE;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode fn, name, args;
	char path[96], quoted[96];
	enum blocking_kind kind = BLOCK_NONE;
	char *msg;
	int rc;

	/* Only async bodies; closures given to spawn_blocking etc. are OFFLOADED. */
	if (scope->exec != RUST_EXEC_ASYNC || !rust_is(node, RK_CALL_EXPRESSION))
		return 0;
	fn = rust_child_by_field(node, RF_FUNCTION);
	if (rust_is(fn, RK_SCOPED_IDENTIFIER) && rust_path_text(fn, ctx->src, path, sizeof(path)))
		kind = classify(path);
	else if (rust_is(fn, RK_FIELD_EXPRESSION))
		kind = classify_method(node, ctx->src);
	if (kind == BLOCK_NONE || is_awaited(ctx, node))
		return 0;
	/* A method call is reported at `name(..)`: the receiver chain may span
	 * lines, and the comment belongs on the line that blocks. */
	if (rust_method_call(node, &name, &args)) {
		char m[48];
		rule_quote(name, ctx->src, m, sizeof(m));
		snprintf(quoted, sizeof(quoted), ".%s()", m);
	} else {
		rule_quote(fn, ctx->src, quoted, sizeof(quoted));
		name = args = node;
	}
	if (!(msg = message_for(kind, quoted)))
		return RR_ENOMEM;
	rc = rule_emit_nodes(ctx, name, args, msg, NULL);
	free(msg);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "reqwest", "sleep", "fs", "File", "connect", "bind",
					"output", "status", "wait", "read_line", "read_to_string",
					"lines", "to_socket_addrs", "stdin", "lock", NULL };

const struct rule rule_blocking_in_async = {
	.info = {
		.id = "blocking_in_async",
		.severity = RR_SEV_WARNING,
		.summary = "blocking sleep, file, network, HTTP, process or stdin call inside async code",
		.explanation =
			"What: flags `std::thread::sleep`, `std::fs::*` functions (and "
			"`File::open`/`File::create`), and blocking `std::net` calls "
			"(`TcpStream::connect`, `TcpListener::bind`, `UdpSocket::bind`), anything under "
			"`reqwest::blocking::`, a `Command::new(..)` chain run with `.output()`, "
			"`.status()` or `.spawn()?.wait()`, `stdin().read_line(..)` / `.lines()` / "
			"`.read_to_string(..)`, and `.to_socket_addrs()` (blocking DNS) inside an `async "
			"fn` body or an `async` block. Calls inside a closure handed to "
			"`spawn_blocking`, `block_in_place` or `std::thread::spawn` are fine, and so is "
			"anything that is `.await`ed (that is the async API of the same name). No clippy "
			"lint covers this; the id is ours.\n\n"
			"Why: an async runtime runs many tasks on a few threads and switches only at "
			"`.await`. A blocking call holds the thread: every task queued on it waits, "
			"timers fire late, and under load the service stops answering. It passes every "
			"test with a fast local disk and fails in production on network storage.\n\n"
			"How to fix: use the async equivalent (`tokio::time::sleep(d).await`, "
			"`tokio::fs::read(p).await`, `tokio::net::TcpStream::connect(a).await`, "
			"`reqwest::Client`, `tokio::process::Command`, `tokio::io::stdin()`, "
			"`tokio::net::lookup_host`) or run the "
			"blocking work with `tokio::task::spawn_blocking(move || ...).await`.\n\n"
			"Bad:\n    async fn load(p: &Path) -> io::Result<String> { std::fs::read_to_string(p) }\n"
			"Good:\n    async fn load(p: &Path) -> io::Result<String> { tokio::fs::read_to_string(p).await }\n\n"
			"Limits: the process rule follows one `Command::new(..)` builder chain; a command "
			"built in a variable and run later is not recognised. `tokio::process::Command` "
			"shares the name and is recognised by its `.await`.\n\n"
			"Context: test code is exempt: a #[tokio::test] writing a fixture file with "
			"`std::fs::write` blocks only itself.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
