/* test_server.c — the HTTP server on 127.0.0.1 (port 0) with a fake forge and
 * a temporary SQLite queue, driven by libcurl (and a raw socket where the
 * point is what the server does *before* the body arrives). */
#include "testutil.h"
#include "../../bot/config.h"
#include "../../bot/metrics.h"
#include "../../bot/queue.h"
#include "../../bot/server.h"
#include "../../common/log.h"
#include "../../common/rr.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>

#define SECRET "fake-secret-91c3"

/* ---- a fake forge: signature = the secret itself, JSON body ------------- */

static int fake_verify(const struct forge_config *cfg, const struct http_request *req,
		       struct rr_error *err)
{
	const char *sig = http_request_header(req, "X-Fake-Signature");
	if (!sig || !rr_consttime_eq(sig, strlen(sig), cfg->webhook_secret,
				     strlen(cfg->webhook_secret)))
		return rr_error_set(err, RR_EAUTH, "signature does not match");
	return RR_OK;
}

static char *json_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? rr_strdup(v) : NULL;
}

static int fake_parse(const struct forge_config *cfg, const struct http_request *req,
		      struct review_request *out, struct rr_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(req->body, req->body_len, 0, &jerr);
	(void)cfg;
	if (!doc)
		return rr_error_set(err, RR_EINVAL, "malformed JSON: %s", jerr.text);
	const char *action = json_string_value(json_object_get(doc, "action"));
	if (action && strcmp(action, "closed") == 0) {
		json_decref(doc);
		return rr_error_set(err, RR_SKIP, "action closed needs no review");
	}
	out->forge = rr_strdup("fake");
	out->delivery_id = rr_strdup(http_request_header(req, "X-Fake-Delivery"));
	out->event = rr_strdup("pull_request");
	out->action = json_str(doc, "action");
	out->owner = rr_strdup("octo");
	out->repo = rr_strdup("hello");
	out->clone_url = rr_strdup("https://example.invalid/octo/hello.git");
	out->number = (long)json_integer_value(json_object_get(doc, "number"));
	out->head_sha = json_str(doc, "head");
	out->base_sha = rr_strdup("1111111111111111111111111111111111111111");
	json_decref(doc);
	return RR_OK;
}

static const struct forge fake_forge = { .name = "fake", .verify = fake_verify,
					 .parse_event = fake_parse };
static const struct forge off_forge = { .name = "off", .verify = fake_verify,
					.parse_event = fake_parse };
static const struct forge *const test_forges[] = { &fake_forge, &off_forge, NULL };

/* ---- fixture ------------------------------------------------------------ */

struct world {
	char *dir;
	char *log_path;
	int log_fd;
	struct rr_config cfg;
	struct queue *q;
	struct metrics *m;
	struct server *srv;
	unsigned port;
};

static struct world W;

static int world_up(void **state)
{
	struct rr_error err = { 0 };
	char db[512];
	(void)state;
	W.dir = tu_mkdtemp("server");
	assert_non_null(W.dir);
	assert_true(asprintf(&W.log_path, "%s/log.jsonl", W.dir) > 0);
	W.log_fd = open(W.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(W.log_fd >= 0);
	rr_log_set_fd(W.log_fd);
	setenv("RUSTREVIEW_LISTEN", "127.0.0.1:0", 1);
	setenv("RUSTREVIEW_MAX_BODY_BYTES", "1024", 1);
	setenv("RUSTREVIEW_FAKE_WEBHOOK_SECRET", SECRET, 1);
	unsetenv("RUSTREVIEW_OFF_WEBHOOK_SECRET");
	assert_int_equal(config_load(&W.cfg, test_forges, &err), RR_OK);
	snprintf(db, sizeof(db), "%s/jobs.db", W.dir);
	assert_int_equal(queue_open(&W.q, db, &err), RR_OK);
	assert_int_equal(metrics_new(&W.m, &err), RR_OK);
	assert_int_equal(server_start(&W.srv, &W.cfg, W.q, W.m, &err), RR_OK);
	W.port = server_port(W.srv);
	assert_true(W.port > 0);
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	server_stop(W.srv);
	metrics_free(W.m);
	queue_close(W.q);
	config_free(&W.cfg);
	rr_log_set_fd(2);
	close(W.log_fd);
	tu_rmrf(W.dir);
	free(W.log_path);
	free(W.dir);
	return 0;
}

/* ---- HTTP through libcurl ----------------------------------------------- */

struct reply {
	long status;
	char *body;
	char *content_type;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct rr_buf *b = ud;
	return rr_buf_append(b, p, size * n) == RR_OK ? size * n : 0;
}

static struct reply http(const char *method, const char *path, const char *body,
			 const char *const *headers)
{
	struct rr_buf b = RR_BUF_INIT;
	struct curl_slist *hl = NULL;
	struct reply r = { 0 };
	char url[256];
	char *ct = NULL;
	CURL *c = curl_easy_init();

	assert_non_null(c);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", W.port, path);
	for (; headers && *headers; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	r.content_type = rr_strdup(ct);
	r.body = rr_buf_detach(&b);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return r;
}

static void reply_free(struct reply *r)
{
	free(r->body);
	free(r->content_type);
}

static struct reply deliver(const char *delivery, const char *signature, const char *body)
{
	char h1[128], h2[128];
	snprintf(h1, sizeof(h1), "X-Fake-Delivery: %s", delivery);
	snprintf(h2, sizeof(h2), "X-Fake-Signature: %s", signature);
	const char *headers[] = { h1, h2, "X-Fake-Event: pull_request",
				  "Content-Type: application/json", NULL };
	return http("POST", "/webhooks/fake", body, headers);
}

static int64_t jobs_in(enum job_state s)
{
	struct queue_stats st;
	struct rr_error err = { 0 };
	assert_int_equal(queue_stats(W.q, &st, &err), RR_OK);
	return st.by_state[s];
}

static int64_t total_jobs(void)
{
	int64_t n = 0;
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		n += jobs_in((enum job_state)s);
	return n;
}

static void assert_json_reply(const struct reply *r, long status, const char *body)
{
	assert_int_equal(r->status, status);
	assert_non_null(r->content_type);
	assert_string_equal(r->content_type, "application/json");
	assert_string_equal(r->body, body);
}

#define OPENED "{\"action\":\"opened\",\"number\":5,\"head\":\"" \
	"cccccccccccccccccccccccccccccccccccccccc\"}"

/* ---- tests (they share one server and run in order) --------------------- */

static void test_bad_signature_is_401_and_stores_nothing(void **state)
{
	(void)state;
	struct reply r = deliver("d-1", "wrong", OPENED);
	assert_json_reply(&r, 401, "{\"error\":\"signature does not match\"}");
	reply_free(&r);
	const char *no_sig[] = { "X-Fake-Delivery: d-1", NULL };
	r = http("POST", "/webhooks/fake", OPENED, no_sig);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	assert_int_equal(total_jobs(), 0);
}

static void test_good_delivery_is_queued_then_duplicate(void **state)
{
	(void)state;
	struct reply r = deliver("d-1", SECRET, OPENED);
	assert_json_reply(&r, 202, "{\"status\":\"queued\",\"job\":1}");
	reply_free(&r);
	assert_int_equal(jobs_in(JOB_QUEUED), 1);

	struct job j;
	struct rr_error err = { 0 };
	assert_int_equal(queue_get(W.q, 1, &j, &err), RR_OK);
	assert_string_equal(j.forge, "fake");
	assert_string_equal(j.delivery_id, "d-1");
	assert_int_equal(j.number, 5);
	job_free(&j);

	r = deliver("d-1", SECRET, OPENED);
	assert_json_reply(&r, 200, "{\"status\":\"duplicate\",\"job\":1}");
	reply_free(&r);
	assert_int_equal(total_jobs(), 1);
}

static void test_malformed_is_400_and_skip_is_200(void **state)
{
	(void)state;
	struct reply r = deliver("d-2", SECRET, "{\"action\": ");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "{\"error\":\"malformed JSON: "));
	reply_free(&r);
	r = deliver("d-3", SECRET, "{\"action\":\"closed\"}");
	assert_json_reply(&r, 200,
			  "{\"status\":\"ignored\",\"reason\":\"action closed needs no review\"}");
	reply_free(&r);
	assert_int_equal(total_jobs(), 1);
}

static void test_routes(void **state)
{
	(void)state;
	struct reply r = http("GET", "/healthz", NULL, NULL);
	assert_json_reply(&r, 200, "{\"status\":\"ok\"}");
	reply_free(&r);
	r = http("POST", "/webhooks/nope", OPENED, NULL);
	assert_json_reply(&r, 404, "{\"error\":\"no such forge\"}");
	reply_free(&r);
	/* Known to the table but not configured: as good as unknown. */
	r = http("POST", "/webhooks/off", OPENED, NULL);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	r = http("GET", "/webhooks/fake", NULL, NULL);
	assert_json_reply(&r, 405, "{\"error\":\"method not allowed\"}");
	reply_free(&r);
	r = http("DELETE", "/healthz", NULL, NULL);
	assert_int_equal(r.status, 405);
	reply_free(&r);
	r = http("GET", "/", NULL, NULL);
	assert_json_reply(&r, 404, "{\"error\":\"not found\"}");
	reply_free(&r);
}

/* Sends raw bytes and returns the status of the answer, waiting at most 5 s. */
static int raw_exchange(const char *head, const char *body_part, size_t body_len)
{
	struct sockaddr_in a = { 0 };
	struct timeval tv = { 5, 0 };
	char buf[512];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;

	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)W.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	if (body_part)
		assert_int_equal(send(fd, body_part, body_len, MSG_NOSIGNAL), (ssize_t)body_len);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		sscanf(buf, "HTTP/1.%*d %d", &status);
	}
	close(fd);
	return status;
}

static void test_content_length_over_cap_is_413_without_reading(void **state)
{
	(void)state;
	/* Ten megabytes announced, not one byte sent: the answer must still come. */
	int status = raw_exchange("POST /webhooks/fake HTTP/1.1\r\nHost: x\r\n"
				  "X-Fake-Signature: " SECRET "\r\n"
				  "Content-Length: 10485760\r\n\r\n", NULL, 0);
	assert_int_equal(status, 413);
	/* Through libcurl as well, with a body one byte over the cap. */
	char *big = malloc(1026);
	assert_non_null(big);
	memset(big, 'x', 1025);
	big[1025] = '\0';
	struct reply r = deliver("d-big", SECRET, big);
	assert_json_reply(&r, 413, "{\"error\":\"request body larger than 1024 bytes\"}");
	reply_free(&r);
	free(big);
	/* Exactly at the cap is fine (and then malformed, which proves it was read). */
	char *at = malloc(1025);
	assert_non_null(at);
	memset(at, ' ', 1024);
	at[1024] = '\0';
	r = deliver("d-at", SECRET, at);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	free(at);
	assert_int_equal(total_jobs(), 1);
}

static void test_chunked_over_cap_is_413_as_soon_as_it_grows(void **state)
{
	char chunk[2100];
	(void)state;
	/* One 2000-byte chunk and no terminating chunk: the server must answer
	 * without waiting for the rest of the body. */
	int n = snprintf(chunk, sizeof(chunk), "7d0\r\n");
	memset(chunk + n, 'y', 2000);
	memcpy(chunk + n + 2000, "\r\n", 2);
	int status = raw_exchange("POST /webhooks/fake HTTP/1.1\r\nHost: x\r\n"
				  "X-Fake-Signature: " SECRET "\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n", chunk, (size_t)n + 2002);
	assert_int_equal(status, 413);
	assert_int_equal(total_jobs(), 1);
}

static void test_metrics_count_everything(void **state)
{
	(void)state;
	/* A delivery is counted when libmicrohttpd reports it complete, which can
	 * come just after the client has its answer (the 413 written mid-body
	 * especially): ask again until the last one is in, for up to 5 s. */
	struct reply r = http("GET", "/metrics", NULL, NULL);
	for (int i = 0; i < 100 && r.status == 200 &&
	     !strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"413\"} 3\n"); i++) {
		reply_free(&r);
		usleep(50 * 1000);
		r = http("GET", "/metrics", NULL, NULL);
	}
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"202\"} 1\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"401\"} 2\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"200\"} 2\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"400\"} 2\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"405\"} 1\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"fake\",code=\"413\"} 3\n"));
	assert_non_null(strstr(r.body, "rustreview_webhook_deliveries_total{forge=\"unknown\",code=\"404\"} 2\n"));
	/* By outcome: an event is named only once the forge authenticated it. */
	static const char *const by_outcome[] = {
		"{forge=\"fake\",event=\"unknown\",outcome=\"unauthorized\"} 2\n",
		"{forge=\"fake\",event=\"pull_request\",outcome=\"queued\"} 1\n",
		"{forge=\"fake\",event=\"pull_request\",outcome=\"duplicate\"} 1\n",
		"{forge=\"fake\",event=\"pull_request\",outcome=\"refused\"} 2\n",
		"{forge=\"fake\",event=\"pull_request\",outcome=\"ignored\"} 1\n",
		"{forge=\"unknown\",event=\"unknown\",outcome=\"not_found\"} 2\n",
		"{forge=\"fake\",event=\"unknown\",outcome=\"method_not_allowed\"} 1\n",
		"{forge=\"fake\",event=\"unknown\",outcome=\"too_large\"} 3\n",
	};
	for (size_t i = 0; i < sizeof(by_outcome) / sizeof(by_outcome[0]); i++) {
		char line[200];
		snprintf(line, sizeof(line), "\nrustreview_deliveries_total%s", by_outcome[i]);
		if (!strstr(r.body, line))
			fail_msg("/metrics lacks %s", line + 1);
	}
	/* The queue: one job queued (d-1), claimable since it was queued. */
	assert_non_null(strstr(r.body, "# TYPE rustreview_queue_oldest_age_seconds gauge\n"));
	assert_non_null(strstr(r.body, "# TYPE rustreview_queue_oldest_claimable_seconds gauge\n"));
	assert_non_null(strstr(r.body, "rustreview_jobs{state=\"queued\"} 1\n"));
	assert_non_null(strstr(r.body, "rustreview_queue_depth 1\n"));
	/* d-1 and its duplicate: each went through a commit of its own. */
	assert_non_null(strstr(r.body, "rustreview_queue_commits_total 2\n"));
	assert_non_null(strstr(r.body, "rustreview_queue_committed_deliveries_total 2\n"));
	assert_non_null(strstr(r.body, "rustreview_reviews_posted_total 0\n"));
	assert_non_null(strstr(r.body, "rustreview_comments_posted_total 0\n"));
	assert_non_null(strstr(r.body, "rustreview_review_duration_seconds_count 0\n"));
	reply_free(&r);
}

/* The next log line from *pos of a webhook with this delivery id and outcome,
 * or NULL; *pos moves past it. */
static json_t *next_webhook_line(const char **pos, const char *delivery, const char *outcome)
{
	for (const char *p = *pos; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_error_t jerr;
		json_t *o = json_loadb(p, n, 0, &jerr);
		assert_non_null(o);        /* every line is one JSON object */
		p += n + (nl != NULL);
		const char *ev = json_string_value(json_object_get(o, "event"));
		const char *d = json_string_value(json_object_get(o, "delivery"));
		const char *out = json_string_value(json_object_get(o, "outcome"));
		if (ev && strcmp(ev, "webhook") == 0 && out && strcmp(out, outcome) == 0 &&
		    ((!d && !delivery) || (d && delivery && strcmp(d, delivery) == 0))) {
			*pos = p;
			return o;
		}
		json_decref(o);
	}
	*pos = "";
	return NULL;
}

/* The log line of a webhook with this delivery id and outcome (first one). */
static json_t *webhook_line(const char *log, const char *delivery, const char *outcome)
{
	json_t *o = next_webhook_line(&log, delivery, outcome);
	if (!o)
		fail_msg("no webhook line for %s with outcome %s", delivery ? delivery : "(none)",
			 outcome);
	return o;
}

/* The fields of one webhook line, numbers as JSON numbers, null while unknown. */
static bool webhook_line_is(json_t *o, const char *outcome, const json_t *want)
{
	assert_true(json_is_integer(json_object_get(o, "ms")));
	assert_true(json_is_true(json_object_get(o, "completed")) ||
		    strcmp(outcome, "too_large") == 0);
	json_object_del(o, "ts");
	json_object_del(o, "ms");
	json_object_del(o, "completed");
	return json_equal(o, want);
}

/*
 * Some webhook line with this delivery id and outcome is exactly expected.
 * Any of them: two requests answered one after the other may be logged in
 * either order when epoll threads serve them (the line is written when the
 * response is done, and the client may be sending the next one by then).
 */
static void assert_webhook_line(const char *log, const char *delivery, const char *outcome,
				const char *expected)
{
	json_t *o = webhook_line(log, delivery, outcome), *want;
	json_error_t jerr;
	char *first;
	bool found;

	assert_non_null((want = json_loads(expected, 0, &jerr)));
	found = webhook_line_is(o, outcome, want);
	first = json_dumps(o, JSON_SORT_KEYS);
	json_decref(o);
	for (const char *p = log; !found && (o = next_webhook_line(&p, delivery, outcome));) {
		found = webhook_line_is(o, outcome, want);
		json_decref(o);
	}
	json_decref(want);
	if (!found)
		fail_msg("webhook line of %s: %s", delivery ? delivery : "(none)", first);
	free(first);
}

static void test_log_has_one_line_per_request_and_no_secret(void **state)
{
	char *log = NULL;
	size_t len = 0;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(rr_read_file(W.log_path, 0, &log, &len, &err), RR_OK);
	assert_null(strstr(log, SECRET));
	assert_null(strstr(log, "X-Fake-Signature"));
	assert_null(strstr(log, "http.internal"));
	/* Each outcome says why; the ids are those of the job (attempt 1: the run
	 * a queued delivery waits for), null while not known. */
	assert_webhook_line(log, "d-1", "queued",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":\"d-1\",\"forge\":\"fake\","
		"\"repository\":\"octo/hello\",\"number\":5,"
		"\"head\":\"cccccccccccccccccccccccccccccccccccccccc\",\"job\":1,\"attempt\":1,"
		"\"webhook_event\":\"pull_request\",\"action\":\"opened\",\"status\":202,"
		"\"outcome\":\"queued\",\"reason\":null}");
	assert_webhook_line(log, "d-1", "duplicate",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":\"d-1\",\"forge\":\"fake\","
		"\"repository\":\"octo/hello\",\"number\":5,"
		"\"head\":\"cccccccccccccccccccccccccccccccccccccccc\",\"job\":1,\"attempt\":null,"
		"\"webhook_event\":\"pull_request\",\"action\":\"opened\",\"status\":200,"
		"\"outcome\":\"duplicate\",\"reason\":null}");
	assert_webhook_line(log, "d-1", "unauthorized",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":\"d-1\",\"forge\":\"fake\","
		"\"repository\":null,\"number\":null,\"head\":null,\"job\":null,\"attempt\":null,"
		"\"webhook_event\":\"pull_request\",\"action\":null,\"status\":401,"
		"\"outcome\":\"unauthorized\",\"reason\":\"signature does not match\"}");
	assert_webhook_line(log, "d-3", "ignored",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":\"d-3\",\"forge\":\"fake\","
		"\"repository\":null,\"number\":null,\"head\":null,\"job\":null,\"attempt\":null,"
		"\"webhook_event\":\"pull_request\",\"action\":null,\"status\":200,"
		"\"outcome\":\"ignored\",\"reason\":\"action closed needs no review\"}");
	assert_webhook_line(log, "d-big", "too_large",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":\"d-big\",\"forge\":\"fake\","
		"\"repository\":null,\"number\":null,\"head\":null,\"job\":null,\"attempt\":null,"
		"\"webhook_event\":\"pull_request\",\"action\":null,\"status\":413,"
		"\"outcome\":\"too_large\","
		"\"reason\":\"Content-Length over RUSTREVIEW_MAX_BODY_BYTES\"}");
	assert_webhook_line(log, NULL, "too_large",
		"{\"level\":\"info\",\"event\":\"webhook\",\"delivery\":null,\"forge\":\"fake\","
		"\"repository\":null,\"number\":null,\"head\":null,\"job\":null,\"attempt\":null,"
		"\"webhook_event\":null,\"action\":null,\"status\":413,"
		"\"outcome\":\"too_large\","
		"\"reason\":\"Content-Length over RUSTREVIEW_MAX_BODY_BYTES\"}");
	/* the chunked body, cut off as it passed the cap */
	assert_non_null(strstr(log, "\"outcome\":\"too_large\","
				    "\"reason\":\"body over RUSTREVIEW_MAX_BODY_BYTES\""));
	json_decref(webhook_line(log, "d-2", "refused"));
	json_decref(webhook_line(log, NULL, "not_found"));
	json_decref(webhook_line(log, NULL, "method_not_allowed"));
	size_t lines = 0;
	for (char *p = log; *p; p++)
		lines += *p == '\n';
	/* 2 + 2 + 2 deliveries, 4 routes, 3 body-size requests, 1 chunked; the
	 * /healthz and /metrics probes are logged at debug level: not counted. */
	assert_int_equal(lines, 14);
	free(log);
}

/* ---- concurrent deliveries share a group commit ------------------------- */

#define CONCURRENT 12

struct sender {
	pthread_t t;
	int index;
	long status;
};

static void *send_one(void *p)
{
	struct sender *s = p;
	char delivery[32];
	snprintf(delivery, sizeof(delivery), "conc-%d", s->index);
	struct reply r = deliver(delivery, SECRET, OPENED);
	s->status = r.status;
	reply_free(&r);
	return NULL;
}

static uint64_t waiting_enqueues(void)
{
	struct queue_commit_stats cs;
	queue_commit_stats(W.q, &cs);
	return cs.waiting;
}

/*
 * A connection waiting for its commit is suspended, not a thread blocked on
 * it, so deliveries that arrive while the database is busy are all received,
 * all wait at once and ride in the next commit. (A server whose handler
 * blocked on the commit would receive the next delivery only after it: never
 * CONCURRENT waiting, and a commit each.) Another connection holds the write
 * lock until all CONCURRENT are waiting.
 */
static void test_concurrent_deliveries_share_one_commit(void **state)
{
	struct sender senders[CONCURRENT];
	struct queue_commit_stats before, after;
	sqlite3 *blocker = NULL;
	char db[512];
	(void)state;

	snprintf(db, sizeof(db), "%s/jobs.db", W.dir);
	assert_int_equal(sqlite3_open(db, &blocker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	queue_commit_stats(W.q, &before);
	for (int i = 0; i < CONCURRENT; i++) {
		senders[i].index = i;
		senders[i].status = 0;
		assert_int_equal(pthread_create(&senders[i].t, NULL, send_one, &senders[i]), 0);
	}
	/* The queue waits up to 5 s for a lock: release it within 3 s either way. */
	for (int i = 0; i < 300 && waiting_enqueues() < CONCURRENT; i++)
		usleep(10 * 1000);
	uint64_t waited = waiting_enqueues();
	assert_int_equal(sqlite3_exec(blocker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(blocker);
	for (int i = 0; i < CONCURRENT; i++) {
		assert_int_equal(pthread_join(senders[i].t, NULL), 0);
		assert_int_equal(senders[i].status, 202);
	}
	assert_int_equal(waited, CONCURRENT);
	queue_commit_stats(W.q, &after);
	assert_int_equal(after.requests - before.requests, CONCURRENT);
	/* The first leader's batch (taken before the others arrived), then the rest. */
	assert_true(after.batches - before.batches <= 2);
	assert_int_equal(after.waiting, 0);
	assert_int_equal(jobs_in(JOB_QUEUED), 1 + CONCURRENT);
}

/*
 * A delivery the queue refuses before it reaches the committer (here: no head
 * commit) was suspended already; its connection is resumed at once and
 * answered 503, not left hanging.
 */
static void test_unsubmittable_delivery_is_answered_503(void **state)
{
	int64_t before = total_jobs();
	(void)state;
	struct reply r = deliver("no-head-1", SECRET, "{\"action\":\"opened\",\"number\":6}");
	assert_json_reply(&r, 503, "{\"error\":\"the queue is unavailable; retry later\"}");
	reply_free(&r);
	assert_int_equal(total_jobs(), before);
	/* The server still answers on a new connection. */
	r = http("GET", "/healthz", NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

struct stopper {
	pthread_t t;
	atomic_bool done;
};

static void *stop_server(void *p)
{
	struct stopper *st = p;
	server_stop(W.srv);
	atomic_store(&st->done, true);
	return NULL;
}

/*
 * Event-driven, stopping (after SIGTERM's drain) never cuts a delivery
 * waiting for its commit: server_stop waits until its commit is done and the
 * 202 went out (libmicrohttpd must not stop with a connection suspended).
 * With a thread per connection, libmicrohttpd shuts the sockets down while
 * the handler still waits: the delivery is committed, its answer may be lost
 * (the forge retries and is told "duplicate"), as before; not tested here.
 * Restarts the server for any test after it.
 */
static void test_stop_waits_for_a_suspended_delivery(void **state)
{
	struct sender one = { .index = 100 };
	struct stopper st;
	struct rr_error err = { 0 };
	sqlite3 *blocker = NULL;
	int64_t queued = jobs_in(JOB_QUEUED);
	char db[512];
	(void)state;

	if (!getenv("RUSTREVIEW_HTTP_THREADS"))
		skip();
	atomic_init(&st.done, false);
	snprintf(db, sizeof(db), "%s/jobs.db", W.dir);
	assert_int_equal(sqlite3_open(db, &blocker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_create(&one.t, NULL, send_one, &one), 0);
	for (int i = 0; i < 300 && waiting_enqueues() < 1; i++)
		usleep(10 * 1000);
	assert_int_equal(waiting_enqueues(), 1);
	assert_int_equal(pthread_create(&st.t, NULL, stop_server, &st), 0);
	usleep(200 * 1000);
	bool stopped_early = atomic_load(&st.done);
	assert_int_equal(sqlite3_exec(blocker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(blocker);
	assert_int_equal(pthread_join(one.t, NULL), 0);
	assert_int_equal(pthread_join(st.t, NULL), 0);
	assert_false(stopped_early);
	assert_int_equal(one.status, 202);
	assert_int_equal(jobs_in(JOB_QUEUED), queued + 1);
	assert_int_equal(server_start(&W.srv, &W.cfg, W.q, W.m, &err), RR_OK);
	W.port = server_port(W.srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_signature_is_401_and_stores_nothing),
		cmocka_unit_test(test_good_delivery_is_queued_then_duplicate),
		cmocka_unit_test(test_malformed_is_400_and_skip_is_200),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_content_length_over_cap_is_413_without_reading),
		cmocka_unit_test(test_chunked_over_cap_is_413_as_soon_as_it_grows),
		cmocka_unit_test(test_metrics_count_everything),
		cmocka_unit_test(test_log_has_one_line_per_request_and_no_secret),
		cmocka_unit_test(test_concurrent_deliveries_share_one_commit),
		cmocka_unit_test(test_unsubmittable_delivery_is_answered_503),
		cmocka_unit_test(test_stop_waits_for_a_suspended_delivery),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* Both ways of waiting for the commit (RUSTREVIEW_HTTP_THREADS): a thread
	 * per connection, then two epoll threads suspending connections. */
	unsetenv("RUSTREVIEW_HTTP_THREADS");
	int rc = cmocka_run_group_tests_name("server, a thread per connection", tests, world_up,
					     world_down);
	setenv("RUSTREVIEW_HTTP_THREADS", "2", 1);
	rc |= cmocka_run_group_tests_name("server, epoll threads and suspended connections", tests,
					  world_up, world_down);
	curl_global_cleanup();
	return rc;
}
