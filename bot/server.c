/* server.c — webhook intake, health and metrics over libmicrohttpd. */
#define _POSIX_C_SOURCE 200809L
#include "server.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/version.h"
#include "conntrack.h"

#define WEBHOOK_PREFIX "/webhooks/"
/*
 * Two ways to wait for a delivery's group commit (RUSTREVIEW_HTTP_THREADS):
 *
 * 0 (default): a thread per connection. The handler blocks in
 * queue_enqueue_many until the commit holding its delivery is on disk;
 * every connection waiting meanwhile has a thread of its own, so all of them
 * join the next batch. The threads mostly sleep on that fsync;
 * RUSTREVIEW_MAX_CONNECTIONS bounds how many there are.
 *
 * N: N epoll threads serve every connection and none waits for a disk. A
 * verified, parsed delivery goes to the queue's committer
 * (queue_enqueue_async) and its connection is suspended
 * (MHD_suspend_connection); when the commit is on disk the committer resumes
 * it (MHD_resume_connection wakes the epoll thread through its inter-thread
 * channel) and the 202 goes out. The committer's batch waits up to
 * COMMIT_WINDOW_US for as many deliveries as were in play around the last
 * one (queue_set_commit_window). A suspended connection does not time out and
 * counts against the connection limits.
 *
 * Measured side by side (README, Performance): the event-driven server spends
 * less CPU per delivery, but on a machine whose cores other processes keep
 * busy, a thread per connection gets a larger share of them (the scheduler
 * shares by thread) and answered more deliveries per second; so it stays
 * the default.
 */
#define CONNECTION_STACK_BYTES (512u * 1024u)
#define COMMIT_WINDOW_US 2000u
/*
 * libmicrohttpd refuses a connection past its limit before we see it. It is
 * given a few more than RUSTREVIEW_MAX_CONNECTIONS so a new connection is
 * still accepted when slow clients fill the configured number, and the
 * request watchdog (conntrack.c) evicts the slowest of them to make room.
 */
#define CONNECTION_HEADROOM_MIN 16u

struct server {
	struct MHD_Daemon *daemon;
	const struct rr_config *cfg;
	struct queue *q;
	struct metrics *m;
	struct conntrack *ct;      /* request deadlines */
	unsigned port;
	atomic_bool draining;      /* SIGTERM seen: not ready, still accepting */
	atomic_uint unanswered;    /* event-driven: deliveries handed to the committer whose
				      request has not completed (its answer not sent) */
	bool event_driven;         /* RUSTREVIEW_HTTP_THREADS > 0 */
};

/* Per-request state, from the first call of the access handler to completion. */
struct request_ctx {
	uint64_t start_ms;
	struct conntrack_conn *conn;   /* the connection's deadline record (may be NULL) */
	bool webhook;              /* a POST /webhooks/<forge> being received */
	const char *forge_label;   /* forge name for logs and metrics, NULL when not a webhook path */
	struct forge_config *fc;
	struct server *server;
	struct MHD_Connection *connection;
	struct review_request rq;  /* the parsed delivery; the queue reads it until committed */
	bool enqueued;             /* handed to the committer, connection suspended */
	atomic_bool committed;     /* the committer's result is in enq */
	struct queue_enqueue_result enq;
	struct rr_buf body;        /* capped at the configured maximum */
	bool too_big;
	bool responded;
	unsigned status;
	char *method;
	char *path;
	char *delivery;            /* for the log line */
	char *event;
	char *action;
	/* What became of a webhook, for its log line and /metrics. */
	const char *outcome;       /* a fixed word (queued, duplicate, refused, ...), or NULL */
	char *reason;              /* why it was refused or ignored, or NULL */
	bool verified;             /* the forge authenticated it: its event name is trusted */
	char *repository;          /* "owner/repo" of the payload, or NULL */
	long number;               /* 0: not known */
	char *head;
	int64_t job;               /* the job it is (or duplicates), 0: none */
};

static void request_ctx_free(struct request_ctx *ctx)
{
	rr_buf_free(&ctx->body);
	review_request_free(&ctx->rq);
	free(ctx->method);
	free(ctx->path);
	free(ctx->delivery);
	free(ctx->event);
	free(ctx->action);
	free(ctx->reason);
	free(ctx->repository);
	free(ctx->head);
	free(ctx);
}

/* The webhook's outcome for its log line; reason (may be NULL) is copied. */
static void note_outcome(struct request_ctx *ctx, const char *outcome, const char *reason)
{
	ctx->outcome = outcome;
	free(ctx->reason);
	ctx->reason = reason && *reason ? rr_strdup(reason) : NULL;
}

/* ---- responses ---------------------------------------------------------- */

/* Queues a response owning text (heap, freed by MHD). */
static enum MHD_Result respond_text(struct MHD_Connection *c, struct request_ctx *ctx,
				    unsigned status, char *text, const char *content_type,
				    const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (!text)
		return MHD_NO;     /* out of memory: MHD closes the connection */
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	if (ok == MHD_YES) {
		ctx->responded = true;
		ctx->status = status;
	}
	return ok;
}

/* Queues a JSON response; takes the reference to obj. */
static enum MHD_Result respond_json(struct MHD_Connection *c, struct request_ctx *ctx,
				    unsigned status, json_t *obj, const char *allow)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return respond_text(c, ctx, status, text, "application/json", allow);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, struct request_ctx *ctx,
				     unsigned status, const char *message)
{
	return respond_json(c, ctx, status, json_pack("{s:s}", "error", message), NULL);
}

static enum MHD_Result respond_method_not_allowed(struct MHD_Connection *c,
						  struct request_ctx *ctx, const char *allow)
{
	return respond_json(c, ctx, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s}", "error", "method not allowed"), allow);
}

static enum MHD_Result respond_too_big(struct server *s, struct MHD_Connection *c,
				       struct request_ctx *ctx)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "request body larger than %zu bytes", s->cfg->max_body_bytes);
	return respond_error(c, ctx, MHD_HTTP_CONTENT_TOO_LARGE, msg);
}

/* ---- simple routes ------------------------------------------------------ */

static bool is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static enum MHD_Result serve_metrics(struct server *s, struct MHD_Connection *c,
				     struct request_ctx *ctx)
{
	struct rr_buf b = RR_BUF_INIT;
	struct rr_error err = { 0 };

	if (metrics_render(s->m, s->q, &b, &err) != RR_OK) {
		rr_buf_free(&b);
		rr_log_kv(RR_LOG_ERROR, "metrics.failed", RR_KV_STR("error", err.msg));
		return respond_error(c, ctx, MHD_HTTP_SERVICE_UNAVAILABLE, "metrics unavailable");
	}
	return respond_text(c, ctx, MHD_HTTP_OK, rr_buf_detach(&b),
			    "text/plain; version=0.0.4; charset=utf-8", NULL);
}

/* Ready: not draining, and the queue's database answers (a PostgreSQL queue
 * reconnects here after losing its server). */
static enum MHD_Result serve_readyz(struct server *s, struct MHD_Connection *c,
				    struct request_ctx *ctx)
{
	struct rr_error err = { 0 };

	if (atomic_load(&s->draining))
		return respond_json(c, ctx, MHD_HTTP_SERVICE_UNAVAILABLE,
				    json_pack("{s:s}", "status", "draining"), NULL);
	if (queue_ping(s->q, &err) != RR_OK)
		return respond_json(c, ctx, MHD_HTTP_SERVICE_UNAVAILABLE,
				    json_pack("{s:s,s:s}", "status", "database unavailable",
					      "error", err.msg), NULL);
	return respond_json(c, ctx, MHD_HTTP_OK, json_pack("{s:s}", "status", "ready"), NULL);
}

/* ---- webhooks ----------------------------------------------------------- */

struct header_vec {
	struct http_header *items;
	size_t n, cap;
	bool failed;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct header_vec *v = cls;
	(void)kind;
	if (v->n == v->cap) {
		struct http_header *p = rr_array_grow(v->items, &v->cap, sizeof(*p), 16);
		if (!p) {
			v->failed = true;
			return MHD_NO;
		}
		v->items = p;
	}
	v->items[v->n].name = key;
	v->items[v->n].value = value ? value : "";
	v->n++;
	return MHD_YES;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * Before a payload is parsed (or when it is refused) the log still wants the
 * delivery id and event. Forges name these headers "<Vendor>-Delivery" and
 * "<Vendor>-Event" — matched by suffix so no forge is named here.
 */
static enum MHD_Result note_delivery_header(void *cls, enum MHD_ValueKind kind, const char *key,
					    const char *value)
{
	struct request_ctx *ctx = cls;
	(void)kind;
	if (!value)
		return MHD_YES;
	if (!ctx->delivery && ends_with_ci(key, "-delivery"))
		ctx->delivery = rr_strdup(value);
	else if (!ctx->event && ends_with_ci(key, "-event"))
		ctx->event = rr_strdup(value);
	return MHD_YES;
}

/* The parsed request knows best: replace the header guesses. */
static void note_request(struct request_ctx *ctx, const struct review_request *rq)
{
	if (rq->delivery_id) {
		free(ctx->delivery);
		ctx->delivery = rr_strdup(rq->delivery_id);
	}
	if (rq->event) {
		free(ctx->event);
		ctx->event = rr_strdup(rq->event);
	}
	if (rq->action) {
		free(ctx->action);
		ctx->action = rr_strdup(rq->action);
	}
	if (rq->owner && rq->repo) {
		free(ctx->repository);
		if (asprintf(&ctx->repository, "%s/%s", rq->owner, rq->repo) < 0)
			ctx->repository = NULL;
	}
	if (rq->head_sha) {
		free(ctx->head);
		ctx->head = rr_strdup(rq->head_sha);
	}
	ctx->number = rq->number;
}

/* {"status":"<status>","job":<id>} as a heap string; status is a fixed word. */
static char *job_status_json(const char *status, int64_t id)
{
	char *text = NULL;
	if (asprintf(&text, "{\"status\":\"%s\",\"job\":%lld}", status, (long long)id) < 0)
		return NULL;
	return text;
}

/* After the commit: 202 (or 200 for a duplicate), or 503 while the database is away. */
static enum MHD_Result answer_committed(struct MHD_Connection *c, struct request_ctx *ctx)
{
	const struct queue_enqueue_result *res = &ctx->enq;

	if (res->rc != RR_OK) {
		/* The forge records a failure (503) instead of a false 202. */
		rr_log_kv(RR_LOG_ERROR, "queue.enqueue_failed", RR_KV_STR("delivery", ctx->delivery),
			  RR_KV_STR("forge", ctx->forge_label), RR_KV_STR("error", res->err.msg));
		note_outcome(ctx, "unavailable", res->err.msg);
		return respond_error(c, ctx, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "the queue is unavailable; retry later");
	}
	ctx->job = res->job_id;
	note_outcome(ctx, res->duplicate ? "duplicate" : res->requeued ? "requeued" : "queued", NULL);
	/* The hot path: a fixed shape, so no JSON tree for it. A failed job's
	 * delivery sent again (the forge's Redeliver) is queued again. */
	return respond_text(c, ctx, res->duplicate ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED,
			    job_status_json(res->duplicate ? "duplicate"
					    : res->requeued ? "requeued" : "queued", res->job_id),
			    "application/json", NULL);
}

/* The committer's thread: the delivery's transaction committed (or failed). */
static void on_committed(void *arg, const struct queue_enqueue_result *res)
{
	struct request_ctx *ctx = arg;

	ctx->enq = *res;
	atomic_store(&ctx->committed, true);
	/* From here the epoll thread may answer and free ctx. */
	MHD_resume_connection(ctx->connection);
}

/*
 * Not acknowledged unless committed: the handler waits for the group commit
 * holding its delivery, or (event-driven) the connection waits for it,
 * suspended, and answer_committed answers it once resumed.
 */
static enum MHD_Result answer_enqueue(struct server *s, struct MHD_Connection *c,
				      struct request_ctx *ctx)
{
	struct rr_error err = { 0 };

	if (!s->event_driven) {
		/* This connection's own thread waits for the commit. */
		const struct review_request *rq = &ctx->rq;
		int rc = queue_enqueue_many(s->q, &rq, 1, &ctx->enq, &err);
		if (rc != RR_OK && ctx->enq.rc == RR_OK) {     /* failed before the request's own */
			ctx->enq.rc = rc;
			ctx->enq.err = err;
		}
		return answer_committed(c, ctx);
	}
	/* Suspended before it is submitted: the commit may finish (and resume
	 * it) before this handler returns. */
	atomic_fetch_add(&s->unanswered, 1);     /* on_completed counts it answered */
	MHD_suspend_connection(c);
	ctx->enqueued = true;
	if (queue_enqueue_async(s->q, &ctx->rq, on_committed, ctx, &err) == RR_OK)
		return MHD_YES;
	struct queue_enqueue_result failed = { .rc = err.code ? err.code : RR_ERR, .err = err };
	on_committed(ctx, &failed);
	return MHD_YES;
}

static enum MHD_Result answer_parsed(struct server *s, struct MHD_Connection *c,
				     struct request_ctx *ctx, int rc, const struct rr_error *err)
{
	switch (rc) {
	case RR_OK:
		return answer_enqueue(s, c, ctx);
	case RR_SKIP:
		note_outcome(ctx, "ignored", err->msg);
		return respond_json(c, ctx, MHD_HTTP_OK,
				    json_pack("{s:s,s:s}", "status", "ignored", "reason", err->msg),
				    NULL);
	case RR_EINVAL:
		note_outcome(ctx, "refused", err->msg);
		return respond_error(c, ctx, MHD_HTTP_BAD_REQUEST, err->msg);
	default:
		rr_log_kv(RR_LOG_ERROR, "webhook.parse_failed", RR_KV_STR("error", err->msg));
		note_outcome(ctx, "error", err->msg);
		return respond_error(c, ctx, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
	}
}

/*
 * Some forges offer form-encoded webhooks too ("application/x-www-form-
 * urlencoded"); only JSON is read here, and the sender deserves to know why.
 * An absent Content-Type is let through to the JSON parser.
 */
static bool is_json_media_type(const char *content_type)
{
	size_t n = strcspn(content_type, ";");
	while (n && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	while (n && (*content_type == ' ' || *content_type == '\t')) {
		content_type++;
		n--;
	}
	return (n == 16 && strncasecmp(content_type, "application/json", 16) == 0) ||
	       (n > 5 && strncasecmp(content_type + n - 5, "+json", 5) == 0);
}

static enum MHD_Result respond_not_json(struct MHD_Connection *c, struct request_ctx *ctx,
					const char *content_type)
{
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "the webhook's content type must be application/json (this one is %.*s); "
		 "change it in the webhook's settings",
		 (int)strcspn(content_type, ";\r\n"), content_type);
	note_outcome(ctx, "refused", msg);
	return respond_error(c, ctx, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, msg);
}

static enum MHD_Result handle_webhook(struct server *s, struct MHD_Connection *c,
				      struct request_ctx *ctx)
{
	const struct forge *forge = ctx->fc->forge;
	struct header_vec h = { 0 };
	struct rr_error err = { 0 };
	const char *content_type;
	enum MHD_Result ok;
	int rc;

	/* Lines the forge writes while it verifies and parses name the delivery. */
	const struct rr_log_field ids[] = { RR_KV_STR("delivery", ctx->delivery),
					    RR_KV_STR("forge", ctx->forge_label) };
	rr_log_context_set(ids, 2);
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &h);
	if (h.failed) {
		note_outcome(ctx, "error", "out of memory");
		ok = respond_error(c, ctx, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto done;
	}
	struct http_request req = {
		.method = ctx->method, .path = ctx->path, .headers = h.items, .nheaders = h.n,
		.body = ctx->body.data ? ctx->body.data : "", .body_len = ctx->body.len,
	};
	if (forge->verify(ctx->fc, &req, &err) != RR_OK) {
		note_outcome(ctx, "unauthorized", err.msg[0] ? err.msg : "signature verification failed");
		ok = respond_error(c, ctx, MHD_HTTP_UNAUTHORIZED,
				   err.msg[0] ? err.msg : "signature verification failed");
		goto done;
	}
	ctx->verified = true;
	/* Only an authentic sender learns what is wrong with its settings. */
	content_type = http_request_header(&req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (content_type && !is_json_media_type(content_type)) {
		ok = respond_not_json(c, ctx, content_type);
		goto done;
	}
	rr_error_clear(&err);
	rc = forge->parse_event(ctx->fc, &req, &ctx->rq, &err);
	note_request(ctx, &ctx->rq);
	/* The group commit may log for a whole batch: not this delivery's line. */
	rr_log_context_clear();
	ok = answer_parsed(s, c, ctx, rc, &err);
done:
	rr_log_context_clear();
	free(h.items);
	return ok;
}

/* The declared Content-Length; false when absent or not a plain number. */
static bool content_length(struct MHD_Connection *c, unsigned long long *n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end = NULL;

	if (!v || !*v)
		return false;
	*n = strtoull(v, &end, 10);
	return end && *end == '\0';
}

/* Never reserve more than this ahead of the bytes: a client that declares a
 * big body and then trickles it must not get memory for nothing. */
#define BODY_RESERVE_MAX (256u * 1024u)

/*
 * One allocation of the declared size instead of doubling from 64 bytes
 * (nine reallocs and copies for a 25 KB payload). The cap still holds: the
 * size was checked against it, and appends past it still fail.
 */
static void body_reserve(struct rr_buf *b, unsigned long long n)
{
	if (n == 0 || b->data)
		return;
	if (n > BODY_RESERVE_MAX)
		n = BODY_RESERVE_MAX;
	if ((b->data = malloc((size_t)n + 1))) {
		b->data[0] = '\0';
		b->cap = (size_t)n + 1;
	}
}

/*
 * A proxy and this server must agree where a request ends: two Content-Length
 * headers that disagree, or one beside Transfer-Encoding, let a lenient proxy
 * read one request where we read another (request smuggling). Refused.
 */
struct framing {
	const char *length;        /* the first Content-Length value */
	bool conflict;
	bool chunked;
};

static enum MHD_Result note_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct framing *f = cls;
	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->chunked = true;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (!value || (f->length && strcmp(f->length, value) != 0))
		f->conflict = true;
	else if (!f->length)
		f->length = value;
	return MHD_YES;
}

static const char *framing_problem(struct MHD_Connection *c)
{
	struct framing f = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, note_framing, &f);
	if (f.conflict)
		return "conflicting Content-Length headers";
	if (f.length && f.chunked)
		return "both Content-Length and Transfer-Encoding";
	return NULL;
}

/* First call for /webhooks/<name>: decide everything the headers can decide. */
static enum MHD_Result start_webhook(struct server *s, struct MHD_Connection *c,
				     struct request_ctx *ctx, const char *name)
{
	struct forge_config *fc = config_forge(s->cfg, name);
	unsigned long long declared = 0;
	bool has_length;

	if (!fc || !fc->enabled) {
		ctx->forge_label = "unknown";
		note_outcome(ctx, "not_found", "no such forge");
		return respond_error(c, ctx, MHD_HTTP_NOT_FOUND, "no such forge");
	}
	ctx->forge_label = fc->forge->name;
	MHD_get_connection_values(c, MHD_HEADER_KIND, note_delivery_header, ctx);
	if (strcmp(ctx->method, "POST") != 0) {
		note_outcome(ctx, "method_not_allowed", NULL);
		return respond_method_not_allowed(c, ctx, "POST");
	}
	/* Refuse before reading a byte of the body. */
	has_length = content_length(c, &declared);
	if (has_length && declared > s->cfg->max_body_bytes) {
		note_outcome(ctx, "too_large", "Content-Length over RUSTREVIEW_MAX_BODY_BYTES");
		return respond_too_big(s, c, ctx);
	}
	ctx->fc = fc;
	ctx->webhook = true;
	ctx->body.max = s->cfg->max_body_bytes;
	if (has_length)
		body_reserve(&ctx->body, declared);
	return MHD_YES;
}

static enum MHD_Result route_first_call(struct server *s, struct MHD_Connection *c,
					struct request_ctx *ctx, const char *url)
{
	const char *bad_framing = framing_problem(c);

	if (bad_framing) {
		rr_log_kv(RR_LOG_INFO, "http.refused", RR_KV_STR("path", url),
			  RR_KV_STR("reason", bad_framing));
		return respond_error(c, ctx, MHD_HTTP_BAD_REQUEST, bad_framing);
	}
	if (strncmp(url, WEBHOOK_PREFIX, strlen(WEBHOOK_PREFIX)) == 0)
		return start_webhook(s, c, ctx, url + strlen(WEBHOOK_PREFIX));
	if (strcmp(url, "/healthz") == 0)
		return is_get(ctx->method)
			? respond_json(c, ctx, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"), NULL)
			: respond_method_not_allowed(c, ctx, "GET, HEAD");
	if (strcmp(url, "/readyz") == 0)
		return is_get(ctx->method) ? serve_readyz(s, c, ctx)
					   : respond_method_not_allowed(c, ctx, "GET, HEAD");
	if (strcmp(url, "/metrics") == 0)
		return is_get(ctx->method) ? serve_metrics(s, c, ctx)
					   : respond_method_not_allowed(c, ctx, "GET, HEAD");
	if (strcmp(url, "/version") == 0)
		return is_get(ctx->method)
			? respond_json(c, ctx, MHD_HTTP_OK, json_pack("{s:s,s:s}", "version", RR_VERSION,
								      "commit", rr_build_commit), NULL)
			: respond_method_not_allowed(c, ctx, "GET, HEAD");
	return respond_error(c, ctx, MHD_HTTP_NOT_FOUND, "not found");
}

/*
 * libmicrohttpd 0.9.75 only accepts a response before the body or after all
 * of it. A body that grows past the cap must not be read to its end (a client
 * could stream forever), so the 413 is written straight to the socket and the
 * connection is closed. Plain HTTP only: TLS terminates in front of us.
 */
static enum MHD_Result refuse_mid_body(struct server *s, struct MHD_Connection *c,
				       struct request_ctx *ctx)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char body[128], msg[512];
	int n;

	if (respond_too_big(s, c, ctx) == MHD_YES)
		return MHD_YES;    /* a libmicrohttpd that allows it: the normal path */
	snprintf(body, sizeof(body), "{\"error\":\"request body larger than %zu bytes\"}",
		 s->cfg->max_body_bytes);
	n = snprintf(msg, sizeof(msg),
		     "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	if (info && n > 0 && (size_t)n < sizeof(msg)) {
		/* Best effort: a peer that is gone needs no answer. */
		if (send(info->connect_fd, msg, (size_t)n, MSG_NOSIGNAL) == n)
			shutdown(info->connect_fd, SHUT_WR);
	}
	ctx->responded = true;
	ctx->status = MHD_HTTP_CONTENT_TOO_LARGE;
	return MHD_NO;         /* libmicrohttpd closes the connection */
}

/* Body bytes of a webhook: buffer up to the cap, then refuse at once. */
static enum MHD_Result receive_body(struct server *s, struct MHD_Connection *c,
				    struct request_ctx *ctx, const char *data, size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (rr_buf_append(&ctx->body, data, n) == RR_OK)
		return MHD_YES;
	ctx->too_big = true;
	note_outcome(ctx, "too_large", "body over RUSTREVIEW_MAX_BODY_BYTES");
	rr_buf_free(&ctx->body);
	return refuse_mid_body(s, c, ctx);
}

static struct request_ctx *request_ctx_new(const char *method, const char *url)
{
	struct request_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->start_ms = rr_now_ms();
	ctx->method = rr_strdup(method);
	ctx->path = rr_strdup(url);
	if (!ctx->method || !ctx->path) {
		request_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

static struct conntrack_conn *connection_record(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/* Every accepted connection is tracked until it closes (request deadlines). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = info ? conntrack_open(s->ct, info->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		/* Before libmicrohttpd closes the descriptor: the watchdog never
		 * shuts down a descriptor that has been reused. */
		conntrack_close(s->ct, *socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request_ctx *ctx = *con_cls;

	(void)version;
	if (ctx && ctx->enqueued)      /* resumed: its commit is done */
		return atomic_load(&ctx->committed) ? answer_committed(c, ctx) : MHD_YES;
	if (!ctx) {
		enum MHD_Result ok;
		if (!(ctx = request_ctx_new(method, url)))
			return MHD_NO;
		*con_cls = ctx;
		ctx->server = s;
		ctx->connection = c;
		ctx->conn = connection_record(c);
		ok = route_first_call(s, c, ctx, url);
		if (ctx->responded || !ctx->webhook)
			conntrack_received(s->ct, ctx->conn);
		return ok;
	}
	if (ctx->responded || ctx->too_big || !ctx->webhook) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return receive_body(s, c, ctx, upload_data, upload_data_size);
	conntrack_received(s->ct, ctx->conn);   /* all in: no deadline while it commits */
	return handle_webhook(s, c, ctx);
}

/*
 * A webhook's one line: the ids every later line of its job carries too
 * (delivery, forge, repository, number, head, job, attempt: null while not
 * known; attempt 1 for the job's first run, which a queued delivery waits
 * for), what became of it and why.
 */
static void log_webhook(const struct request_ctx *ctx, uint64_t ms, bool completed)
{
	bool runs = ctx->job && ctx->outcome && (strcmp(ctx->outcome, "queued") == 0 ||
						 strcmp(ctx->outcome, "requeued") == 0);

	rr_log_kv(ctx->status >= 500 ? RR_LOG_WARN : RR_LOG_INFO, "webhook",
		  RR_KV_STR("delivery", ctx->delivery), RR_KV_STR("forge", ctx->forge_label),
		  RR_KV_STR("repository", ctx->repository),
		  ctx->number > 0 ? RR_KV_INT("number", ctx->number) : RR_KV_NULL("number"),
		  RR_KV_STR("head", ctx->head),
		  ctx->job ? RR_KV_INT("job", ctx->job) : RR_KV_NULL("job"),
		  runs ? RR_KV_INT("attempt", 1) : RR_KV_NULL("attempt"),
		  RR_KV_STR("webhook_event", ctx->event), RR_KV_STR("action", ctx->action),
		  RR_KV_UINT("status", ctx->status),
		  RR_KV_STR("outcome", ctx->outcome ? ctx->outcome : "incomplete"),
		  RR_KV_STR("reason", ctx->reason), RR_KV_UINT("ms", ms),
		  RR_KV_BOOL("completed", completed));
}

/* One log line per request, then the per-request state goes. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request_ctx *ctx = *con_cls;
	uint64_t ms;

	(void)c;
	if (!ctx)
		return;
	conntrack_next_request(s->ct, ctx->conn);
	if (ctx->enqueued)
		atomic_fetch_sub(&s->unanswered, 1);
	ms = rr_now_ms() - ctx->start_ms;
	if (ctx->forge_label) {
		metrics_delivery(s->m, ctx->forge_label, ctx->status,
				 ctx->verified ? ctx->event : NULL,
				 ctx->outcome ? ctx->outcome : "incomplete");
		log_webhook(ctx, ms, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	} else {
		bool probe = strcmp(ctx->path, "/healthz") == 0 || strcmp(ctx->path, "/metrics") == 0 ||
			     strcmp(ctx->path, "/readyz") == 0;
		rr_log_kv(probe ? RR_LOG_DEBUG : RR_LOG_INFO, "http.request",
			  RR_KV_STR("method", ctx->method), RR_KV_STR("path", ctx->path),
			  RR_KV_UINT("status", ctx->status), RR_KV_UINT("ms", ms));
	}
	request_ctx_free(ctx);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* Our own refusal of an oversized body ends with this message: not news. */
	rr_log_kv(strncmp(msg, "Application reported internal error", 35) == 0 ? RR_LOG_DEBUG
										 : RR_LOG_WARN,
		  "http.internal", RR_KV_STR("message", msg));
}

/* ---- lifecycle ---------------------------------------------------------- */

static int resolve_listen(const struct rr_config *cfg, struct sockaddr_storage *addr,
			  bool *ipv6, struct rr_error *err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int gai;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	gai = getaddrinfo(cfg->listen_host, NULL, &hints, &res);
	if (gai != 0 || !res)
		return rr_error_set(err, RR_ECONFIG, "RUSTREVIEW_LISTEN: cannot resolve '%s': %s",
				    cfg->listen_host, gai_strerror(gai));
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*ipv6 = res->ai_family == AF_INET6;
	if (*ipv6)
		((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)cfg->listen_port);
	else
		((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)cfg->listen_port);
	freeaddrinfo(res);
	return RR_OK;
}

static unsigned server_connection_limit(const struct rr_config *cfg)
{
	return cfg->max_connections ? cfg->max_connections
				    : (unsigned)CONFIG_DEFAULT_MAX_CONNECTIONS;
}

static unsigned server_headroom(const struct rr_config *cfg)
{
	unsigned eighth = server_connection_limit(cfg) / 8;
	return eighth > CONNECTION_HEADROOM_MIN ? eighth : CONNECTION_HEADROOM_MIN;
}

static unsigned server_idle_timeout_s(const struct rr_config *cfg)
{
	return cfg->connection_timeout_s ? cfg->connection_timeout_s
					 : (unsigned)CONFIG_DEFAULT_CONNECTION_TIMEOUT_S;
}

static unsigned server_request_deadline_ms(const struct rr_config *cfg)
{
	return (cfg->request_timeout_s ? cfg->request_timeout_s
				       : (unsigned)CONFIG_DEFAULT_REQUEST_TIMEOUT_S) * 1000u;
}

int server_start(struct server **out, const struct rr_config *cfg, struct queue *q,
		 struct metrics *m, struct rr_error *err)
{
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct server *s;
	bool ipv6 = false;
	int rc;

	*out = NULL;
	if ((rc = resolve_listen(cfg, &addr, &ipv6, err)))
		return rc;
	if (!(s = calloc(1, sizeof(*s))))
		return rr_error_set(err, RR_ENOMEM, "starting the server: out of memory");
	s->cfg = cfg;
	s->q = q;
	s->m = m;
	atomic_init(&s->draining, false);
	atomic_init(&s->unanswered, 0);
	if ((rc = conntrack_start(&s->ct, server_request_deadline_ms(cfg),
				  server_idle_timeout_s(cfg) * 1000u, server_connection_limit(cfg), err))) {
		free(s);
		return rc;
	}
	/* Per mode: a thread per connection (its stack), or a pool of epoll
	 * threads (one is the internal polling thread itself: a pool of one is
	 * refused with a warning). */
	struct MHD_OptionItem mode[] = {
		{ MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)CONNECTION_STACK_BYTES, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	s->event_driven = cfg->http_threads > 0;
	if (s->event_driven) {
		flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
		mode[0].option = cfg->http_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END;
		mode[0].value = (intptr_t)cfg->http_threads;
		queue_set_commit_window(q, COMMIT_WINDOW_US);
	} else {
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	}
	if (ipv6)
		flags |= MHD_USE_IPv6;
	/*
	 * Idle or slow clients (slowloris) cost a socket each until the timeout
	 * closes them; the limits cap how many sockets (and threads) that can be.
	 */
	s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->listen_port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,   /* first, or MHD logs on its own */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_ARRAY, mode,
		MHD_OPTION_CONNECTION_LIMIT, server_connection_limit(cfg) + server_headroom(cfg),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, server_idle_timeout_s(cfg),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_END);
	if (!s->daemon) {
		conntrack_stop(s->ct);
		free(s);
		return rr_error_set(err, RR_ERR, "cannot listen on %s (address in use or not local?)",
				    cfg->listen);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->listen_port;
	*out = s;
	return RR_OK;
}

void server_set_draining(struct server *s)
{
	if (s)
		atomic_store(&s->draining, true);
}

unsigned server_port(const struct server *s)
{
	return s->port;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	/* Stop accepting first so a load balancer sees refusals, then drain. */
	MHD_quiesce_daemon(s->daemon);
	/* libmicrohttpd must not be stopped with a connection suspended, and a
	 * committed delivery deserves its 202: every delivery handed to the
	 * committer is answered first (the committer always reports, at worst
	 * the database's error after its timeout; a client gone meanwhile
	 * completes the request too). */
	while (atomic_load(&s->unanswered) > 0)
		usleep(1000);
	MHD_stop_daemon(s->daemon);
	conntrack_stop(s->ct);
	free(s);
}
