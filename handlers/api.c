/* api.c — REST calls over libcurl with pooled connections; see api.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* strcasestr */
#endif
#include "api.h"
#include "../common/log.h"
#include "../common/secret.h"
#include "../common/url.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#define API_DEFAULT_CONNECT_MS 10000L
#define API_DEFAULT_TIMEOUT_MS 30000L
#define API_DEFAULT_MAX_BYTES  ((size_t)8 << 20)
/* GitHub: "if no retry-after or reset header, wait at least one minute". */
#define API_DEFAULT_RATE_LIMIT_WAIT 60L
/* A retry hint further away than this is treated as this (a clock or server bug). */
#define API_MAX_RETRY_AFTER 3600L

/* Rate-limit state per key, in a fixed table of stripes (keys hashed into
 * it; two keys sharing a stripe only wait for each other more than needed). */
#define API_GATE_STRIPES 64
struct api_gate_stripe {
	pthread_rwlock_t calls;     /* content-creating calls exclusive, others shared */
	pthread_mutex_t m;          /* guards paused_until_ms */
	uint64_t paused_until_ms;   /* monotonic (rr_now_ms); 0: not paused */
};

struct api_client {
	CURLSH *share;
	struct api_gate_stripe *stripes;   /* API_GATE_STRIPES of them */
	const struct api_gate *gate;       /* borrowed, may be NULL */
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	bool locks_ready;
	bool curl_ready;
	char *ca_bundle;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response_bytes;
	char *ratelimit_remaining_header;
	char *ratelimit_reset_header;
	char *next_page_header;
	api_observe_fn observe;
	void *observe_ctx;
	const char *name;          /* borrowed, like observe_ctx */
};

/* ---- share-handle locking ------------------------------------------------ */

static void api_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *user)
{
	struct api_client *c = user;
	(void)h;
	(void)access;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&c->locks[data]);
}

static void api_unlock(CURL *h, curl_lock_data data, void *user)
{
	struct api_client *c = user;
	(void)h;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&c->locks[data]);
}

/* ---- client lifetime ------------------------------------------------------ */

static int api_share_setup(struct api_client *c, struct rr_error *err)
{
	c->share = curl_share_init();
	if (!c->share)
		return rr_error_set(err, RR_ENOMEM, "api client: curl_share_init failed");
	if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, api_lock) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, api_unlock) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
		return rr_error_set(err, RR_ERR, "api client: configuring the curl share handle failed");
	return RR_OK;
}

static int gate_stripes_new(struct api_client *c, struct rr_error *err)
{
	pthread_rwlockattr_t attr;
	int i;

	if (!(c->stripes = calloc(API_GATE_STRIPES, sizeof(*c->stripes))))
		return rr_error_set(err, RR_ENOMEM, "api client: out of memory");
	pthread_rwlockattr_init(&attr);
	/* A content-creating call must not wait for ever behind a stream of reads. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (i = 0; i < API_GATE_STRIPES; i++) {
		pthread_rwlock_init(&c->stripes[i].calls, &attr);
		pthread_mutex_init(&c->stripes[i].m, NULL);
	}
	pthread_rwlockattr_destroy(&attr);
	return RR_OK;
}

static void gate_stripes_free(struct api_client *c)
{
	if (!c->stripes)
		return;
	for (int i = 0; i < API_GATE_STRIPES; i++) {
		pthread_rwlock_destroy(&c->stripes[i].calls);
		pthread_mutex_destroy(&c->stripes[i].m);
	}
	free(c->stripes);
	c->stripes = NULL;
}

int api_client_new(struct api_client **out, const struct api_client_options *opt,
		   struct rr_error *err)
{
	struct api_client *c;
	int rc = RR_OK, i;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return rr_error_set(err, RR_ENOMEM, "api client: out of memory");
	/* Reference counted by libcurl and thread-safe since 7.84; paired in api_client_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rc = rr_error_set(err, RR_ERR, "api client: curl_global_init failed");
		goto fail;
	}
	c->curl_ready = true;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	c->locks_ready = true;
	c->connect_timeout_ms = opt && opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms
								     : API_DEFAULT_CONNECT_MS;
	c->timeout_ms = opt && opt->timeout_ms > 0 ? opt->timeout_ms : API_DEFAULT_TIMEOUT_MS;
	c->max_response_bytes = opt && opt->max_response_bytes ? opt->max_response_bytes
							       : API_DEFAULT_MAX_BYTES;
	c->user_agent = rr_strdup(opt && opt->user_agent ? opt->user_agent : "rustreview");
	c->ca_bundle = rr_strdup(opt ? opt->ca_bundle : NULL);
	if (opt) {
		c->ratelimit_remaining_header = rr_strdup(opt->ratelimit_remaining_header);
		c->ratelimit_reset_header = rr_strdup(opt->ratelimit_reset_header);
		c->next_page_header = rr_strdup(opt->next_page_header);
		c->observe = opt->observe;
		c->observe_ctx = opt->observe_ctx;
		c->name = opt->name;
	}
	if (!c->user_agent || (opt && opt->ca_bundle && !c->ca_bundle) ||
	    (opt && opt->ratelimit_remaining_header && !c->ratelimit_remaining_header) ||
	    (opt && opt->ratelimit_reset_header && !c->ratelimit_reset_header) ||
	    (opt && opt->next_page_header && !c->next_page_header)) {
		rc = rr_error_set(err, RR_ENOMEM, "api client: out of memory");
		goto fail;
	}
	if ((rc = api_share_setup(c, err)) || (rc = gate_stripes_new(c, err)))
		goto fail;
	c->gate = opt ? opt->gate : NULL;
	*out = c;
	return RR_OK;
fail:
	api_client_free(c);
	return rc;
}

void api_client_free(struct api_client *c)
{
	int i;
	if (!c)
		return;
	gate_stripes_free(c);
	if (c->share)
		curl_share_cleanup(c->share);
	if (c->locks_ready)
		for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_destroy(&c->locks[i]);
	if (c->curl_ready)
		curl_global_cleanup();
	free(c->ca_bundle);
	free(c->user_agent);
	free(c->ratelimit_remaining_header);
	free(c->ratelimit_reset_header);
	free(c->next_page_header);
	free(c);
}

void api_response_free(struct api_response *r)
{
	if (!r)
		return;
	rr_wipe_free(r->body);     /* a token response carries a token */
	json_decref(r->json);
	free(r->next_url);
	memset(r, 0, sizeof(*r));
}

/* ---- header helpers -------------------------------------------------------- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* True when the space-separated rel list [v, v+n) contains "next". */
static bool rel_list_has_next(const char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t start;
		while (i < n && v[i] == ' ')
			i++;
		start = i;
		while (i < n && v[i] != ' ')
			i++;
		if (i - start == 4 && strncasecmp(v + start, "next", 4) == 0)
			return true;
	}
	return false;
}

/*
 * Scans the parameters after one "<url>" (";"-separated, up to the next ','
 * outside quotes). Returns where the link ends and sets *is_next.
 */
static const char *link_params(const char *p, bool *is_next)
{
	*is_next = false;
	while (*p && *p != ',') {
		const char *name, *val;
		size_t nlen, vlen;
		p = skip_ws(p);
		if (!*p || *p == ',')
			break;
		if (*p != ';') {
			p++;
			continue;
		}
		p = skip_ws(p + 1);
		name = p;
		while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
			p++;
		nlen = (size_t)(p - name);
		p = skip_ws(p);
		if (*p != '=')
			continue;
		p = skip_ws(p + 1);
		if (*p == '"') {
			val = ++p;
			while (*p && *p != '"')
				p++;
			vlen = (size_t)(p - val);
			if (*p == '"')
				p++;
		} else {
			val = p;
			while (*p && *p != ';' && *p != ',' && *p != ' ')
				p++;
			vlen = (size_t)(p - val);
		}
		if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 && rel_list_has_next(val, vlen))
			*is_next = true;
	}
	return p;
}

char *api_link_next(const char *link)
{
	const char *p = link;
	if (!p)
		return NULL;
	while (*p) {
		const char *url, *end;
		bool is_next;
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '<')
			return NULL;       /* not a Link header we understand */
		url = p + 1;
		end = strchr(url, '>');
		if (!end)
			return NULL;
		p = link_params(end + 1, &is_next);
		if (is_next && end > url)
			return rr_strndup(url, (size_t)(end - url));
	}
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static long clamp_wait(long long secs)
{
	if (secs <= 0)
		return 0;
	return secs > API_MAX_RETRY_AFTER ? API_MAX_RETRY_AFTER : (long)secs;
}

long api_retry_after_seconds(const char *retry_after, const char *ratelimit_reset, time_t now)
{
	if (retry_after && *retry_after) {
		if (all_digits(retry_after))
			return clamp_wait(strtoll(retry_after, NULL, 10));
		time_t when = curl_getdate(retry_after, NULL);
		if (when != (time_t)-1)
			return clamp_wait((long long)when - (long long)now);
	}
	if (all_digits(ratelimit_reset))
		return clamp_wait(strtoll(ratelimit_reset, NULL, 10) - (long long)now);
	return 0;
}

/* ---- origin comparison ----------------------------------------------------- */

bool api_same_origin(const char *a, const char *b)
{
	return rr_url_same_origin(a, b);
}

/* ---- classification ---------------------------------------------------------- */

/* Appends s to b with control characters flattened to spaces (one-line errors). */
static void put_flat(struct rr_buf *b, const char *s)
{
	for (; *s; s++) {
		char ch = (unsigned char)*s < 0x20 ? ' ' : *s;
		rr_buf_append(b, &ch, 1);
	}
}

/* The forge's "message" plus its "errors" list (strings or {message|code}). */
static void describe_forge_error(const json_t *j, struct rr_buf *b)
{
	const json_t *msg = json_is_object(j) ? json_object_get(j, "message") : NULL;
	const json_t *errs = json_is_object(j) ? json_object_get(j, "errors") : NULL;
	size_t i;
	const json_t *e;
	bool first = true;

	if (json_is_string(msg))
		put_flat(b, json_string_value(msg));
	if (!json_is_array(errs) || json_array_size(errs) == 0)
		return;
	rr_buf_puts(b, " (");
	json_array_foreach(errs, i, e) {
		const json_t *text = e;
		if (json_is_object(e)) {
			text = json_object_get(e, "message");
			if (!json_is_string(text))
				text = json_object_get(e, "code");
		}
		if (!json_is_string(text))
			continue;
		if (!first)
			rr_buf_puts(b, "; ");
		put_flat(b, json_string_value(text));
		first = false;
	}
	rr_buf_puts(b, ")");
}

static int status_code_class(const struct api_response *r)
{
	if (r->status >= 200 && r->status < 300)
		return RR_OK;
	if (r->status >= 500 || r->status == 429 || r->status == 408)
		return RR_ETRANSIENT;
	if (r->status == 403 && r->rate_limited)
		return RR_ETRANSIENT;
	if (r->status == 401)
		return RR_EAUTH;
	if (r->status >= 400)
		return RR_EINVAL;
	return RR_ERR;         /* 1xx/3xx: redirects are not followed on purpose */
}

int api_classify(const struct api_response *r, const char *what, struct rr_error *err)
{
	struct rr_buf detail = RR_BUF_INIT;
	int code = status_code_class(r);

	if (code == RR_OK)
		return RR_OK;
	describe_forge_error(r->json, &detail);
	if (r->rate_limited)
		rr_error_set(err, code, "%s: HTTP %ld: rate limited%s%s", what, r->status,
			     detail.len ? ": " : "", detail.len ? detail.data : "");
	else
		rr_error_set(err, code, "%s: HTTP %ld%s%s", what, r->status,
			     detail.len ? ": " : "", detail.len ? detail.data : "");
	if (err && code == RR_ETRANSIENT) {
		err->retry_after = r->retry_after;
		if (r->rate_limited && err->retry_after == 0)
			err->retry_after = API_DEFAULT_RATE_LIMIT_WAIT;
	}
	rr_buf_free(&detail);
	return code;
}

/* ---- one request --------------------------------------------------------------- */

struct api_sink {
	struct rr_buf buf;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];   /* libcurl's detail of a transport failure */
};

static size_t api_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct api_sink *s = user;
	size_t n = size * nmemb;
	if (rr_buf_append(&s->buf, data, n) != RR_OK) {
		s->too_big = s->buf.max && s->buf.len + n > s->buf.max;
		return 0;          /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

static const char *header_value(CURL *h, const char *name)
{
	struct curl_header *hv = NULL;
	if (!name)
		return NULL;
	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hv) != CURLHE_OK || !hv)
		return NULL;
	return hv->value;
}

/* The forge's requests-left header as a number; -1 when absent or not one. */
static long ratelimit_remaining(const struct api_client *c, CURL *h)
{
	const char *v = header_value(h, c->ratelimit_remaining_header);
	return all_digits(v) && strlen(v) < 10 ? strtol(v, NULL, 10) : -1;
}

/* Link, retry hints and the rate-limit flag from the response headers. */
static void read_response_headers(const struct api_client *c, CURL *h, struct api_response *r)
{
	const char *remaining = header_value(h, c->ratelimit_remaining_header);
	const char *retry = header_value(h, "Retry-After");
	const char *reset = header_value(h, c->ratelimit_reset_header);
	const char *next_page = header_value(h, c->next_page_header);
	bool exhausted = remaining && strcmp(remaining, "0") == 0;
	const char *msg = NULL;

	r->next_url = api_link_next(header_value(h, "Link"));
	if (all_digits(next_page) && strlen(next_page) < 10)
		r->next_page = strtol(next_page, NULL, 10);
	if (json_is_object(r->json) && json_is_string(json_object_get(r->json, "message")))
		msg = json_string_value(json_object_get(r->json, "message"));
	/* A secondary rate limit (GitHub's) is a 403 whose message says so, often with Retry-After. */
	r->rate_limited = r->status == 429 ||
			  (r->status == 403 && (exhausted || retry ||
						(msg && strcasestr(msg, "rate limit"))));
	r->retry_after = api_retry_after_seconds(retry, exhausted ? reset : NULL, time(NULL));
}

static int api_prepare_headers(const char *const *headers, bool has_body,
			       struct curl_slist **out)
{
	struct curl_slist *l = NULL, *n;
	size_t i;
	for (i = 0; headers && headers[i]; i++) {
		if (!(n = curl_slist_append(l, headers[i])))
			goto fail;
		l = n;
	}
	if (has_body) {
		if (!(n = curl_slist_append(l, "Content-Type: application/json")))
			goto fail;
		l = n;
	}
	/* No "Expect: 100-continue" round trip for small JSON bodies. */
	if (!(n = curl_slist_append(l, "Expect:")))
		goto fail;
	*out = n;
	return RR_OK;
fail:
	curl_slist_free_all(l);
	return RR_ENOMEM;
}

/* Header lines may carry tokens: wipe them before libcurl frees them. */
static void wipe_slist(struct curl_slist *l)
{
	struct curl_slist *p;
	for (p = l; p; p = p->next) {
		volatile char *v = p->data;
		while (*v)
			*v++ = 0;
	}
	curl_slist_free_all(l);
}

static bool method_known(const char *m)
{
	static const char *const known[] = { "GET", "POST", "PATCH", "PUT", "DELETE", NULL };
	for (size_t i = 0; known[i]; i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

static int api_setup_easy(struct api_client *c, CURL *h, const char *method, const char *url,
			  struct curl_slist *hdrs, const char *payload, struct api_sink *sink)
{
	CURLcode e = CURLE_OK;
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_SHARE, c->share);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SET(CURLOPT_USERAGENT, c->user_agent);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_WRITEFUNCTION, api_write);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_ERRORBUFFER, sink->errbuf);
	if (c->ca_bundle)
		SET(CURLOPT_CAINFO, c->ca_bundle);
	if (strcmp(method, "GET") == 0)
		SET(CURLOPT_HTTPGET, 1L);
	else
		SET(CURLOPT_CUSTOMREQUEST, method);
	/*
	 * Never re-send a content-creating call blindly. On a reused keep-alive
	 * connection that the server closed, libcurl silently sends the request
	 * again when no answer byte arrived — but the forge may have stored the
	 * first one (two identical reviews, issue 10). On a fresh connection
	 * libcurl does not retry: a lost answer is an error, and the job's retry
	 * lists what the forge holds before it posts again. The connection is
	 * closed afterwards, so these few calls do not grow the pool.
	 */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (payload) {
		SET(CURLOPT_POSTFIELDS, payload);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
	} else if (strcmp(method, "POST") == 0) {
		SET(CURLOPT_POSTFIELDS, "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
#undef SET
	return e == CURLE_OK ? RR_OK : RR_ERR;
}

static int transport_error(CURLcode e, const struct api_sink *sink, const char *what,
			   size_t cap, struct rr_error *err)
{
	if (e == CURLE_WRITE_ERROR && sink->too_big)
		return rr_error_set(err, RR_ETOOBIG, "%s: response larger than %zu bytes", what, cap);
	if (e == CURLE_URL_MALFORMAT || e == CURLE_UNSUPPORTED_PROTOCOL)
		return rr_error_set(err, RR_EINVAL, "%s: %s", what, curl_easy_strerror(e));
	if (e == CURLE_SSL_CACERT_BADFILE)
		return rr_error_set(err, RR_ECONFIG, "%s: %s", what, curl_easy_strerror(e));
	/* A certificate that does not verify is a wrong CA bundle or someone in the
	 * middle: retrying does not fix either, and nothing may be sent over it. */
	if (e == CURLE_PEER_FAILED_VERIFICATION)
		return rr_error_set(err, RR_ECONFIG, "%s: TLS certificate verification failed: %s "
				    "(a forge with a private CA needs its CA bundle configured)", what,
				    sink->errbuf[0] ? sink->errbuf : curl_easy_strerror(e));
	if (e == CURLE_OUT_OF_MEMORY)
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", what);
	return rr_error_set(err, RR_ETRANSIENT, "%s: %s", what, curl_easy_strerror(e));
}

static int fill_response(const struct api_client *c, CURL *h, struct api_sink *sink, struct api_response *out,
			 const char *what, struct rr_error *err)
{
	json_error_t jerr;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &out->new_connections);
	out->body_len = sink->buf.len;
	out->body = rr_buf_detach(&sink->buf);
	if (!out->body)
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", what);
	if (out->body_len)
		out->json = json_loadb(out->body, out->body_len, 0, &jerr);
	read_response_headers(c, h, out);
	return api_classify(out, what, err);
}

static double monotonic_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Tells the observer what the call did (h NULL: it never ran). */
static void report_call(const struct api_client *c, const char *operation, CURL *h,
			const struct api_response *out, double started)
{
	struct api_call_report r = { operation, out->status, monotonic_s() - started, -1,
				     out->rate_limited };

	if (!c->observe)
		return;
	if (h && out->status)
		r.ratelimit_remaining = ratelimit_remaining(c, h);
	c->observe(c->observe_ctx, c->name ? c->name : "api", &r);
}

static int api_perform(struct api_client *c, const char *operation, const char *method,
		       const char *url, const char *const *headers, const json_t *body,
		       struct api_response *out, struct rr_error *err)
{
	struct api_sink sink = { RR_BUF_INIT, false, { 0 } };
	struct curl_slist *hdrs = NULL;
	char *payload = NULL, what[320];
	double started = monotonic_s();
	CURL *h = NULL;
	CURLcode e;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "%s %s", method ? method : "?", url ? url : "?");
	if (!c || !method || !url || !method_known(method))
		return rr_error_set(err, RR_EINVAL, "%s: bad request arguments", what);
	sink.buf.max = c->max_response_bytes;
	if (body && !(payload = json_dumps(body, JSON_COMPACT))) {
		rc = rr_error_set(err, RR_ENOMEM, "%s: serialising the JSON body failed", what);
		goto done;
	}
	if ((rc = api_prepare_headers(headers, payload != NULL, &hdrs))) {
		rr_error_set(err, rc, "%s: out of memory", what);
		goto done;
	}
	if (!(h = curl_easy_init())) {
		rc = rr_error_set(err, RR_ENOMEM, "%s: curl_easy_init failed", what);
		goto done;
	}
	if ((rc = api_setup_easy(c, h, method, url, hdrs, payload, &sink))) {
		rr_error_set(err, rc, "%s: configuring libcurl failed", what);
		goto done;
	}
	e = curl_easy_perform(h);
	if (e != CURLE_OK)
		rc = transport_error(e, &sink, what, c->max_response_bytes, err);
	else
		rc = fill_response(c, h, &sink, out, what, err);
	report_call(c, operation, h, out, started);
done:
	if (h)
		curl_easy_cleanup(h);
	wipe_slist(hdrs);
	free(payload);
	rr_buf_free(&sink.buf);
	return rc;
}

int api_request(struct api_client *c, const char *method, const char *url,
		const char *const *headers, const json_t *body, struct api_response *out,
		struct rr_error *err)
{
	return api_perform(c, NULL, method, url, headers, body, out, err);
}

/* ---- rate limits shared by a key (struct api_gate) -------------------------------- */

static int api_request_token(struct api_client *c, const char *operation,
			     const char *auth_prefix, const char *token, const char *method,
			     const char *url, const char *const *headers, const json_t *body,
			     struct api_response *out, struct rr_error *err);

/* "t:" and 16 hex digits of SHA-256(token): the same on every replica, and
 * no use to anyone who reads it in the database. */
static void gate_token_key(const char *token, char out[24])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1 || n < 8) {
		snprintf(out, 24, "t:unknown");
		return;
	}
	snprintf(out, 24, "t:");
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", md[i]);
}

static struct api_gate_stripe *gate_stripe(struct api_client *c, const char *key)
{
	uint64_t h = 1469598103934665603ull;      /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return &c->stripes[h % API_GATE_STRIPES];
}

static void gate_pause_locally(struct api_gate_stripe *s, unsigned wait_s)
{
	uint64_t until = rr_now_ms() + (uint64_t)wait_s * 1000u;
	pthread_mutex_lock(&s->m);
	if (until > s->paused_until_ms)
		s->paused_until_ms = until;
	pthread_mutex_unlock(&s->m);
}

/* Seconds key still waits (rounded up): this process's pause, then every
 * replica's. The gate failing (the database away) does not stop the call. */
static unsigned gate_wait(struct api_client *c, struct api_gate_stripe *s, const char *key)
{
	struct rr_error gerr = { 0 };
	uint64_t now = rr_now_ms(), until;
	unsigned shared = 0;

	pthread_mutex_lock(&s->m);
	until = s->paused_until_ms;
	pthread_mutex_unlock(&s->m);
	if (until > now)
		return (unsigned)((until - now + 999) / 1000);
	if (c->gate && c->gate->ctx && c->gate->paused &&
	    c->gate->paused(c->gate->ctx, key, &shared, &gerr) == RR_OK && shared > 0) {
		gate_pause_locally(s, shared);
		return shared;
	}
	return 0;
}

/* An answer that is a rate limit pauses key here and for every replica. */
static void gate_record(struct api_client *c, struct api_gate_stripe *s, const char *key,
			const struct api_response *r)
{
	struct rr_error gerr = { 0 };
	unsigned wait = r->retry_after > 0 ? (unsigned)r->retry_after
					   : (unsigned)API_DEFAULT_RATE_LIMIT_WAIT;

	gate_pause_locally(s, wait);
	if (c->gate && c->gate->ctx && c->gate->pause &&
	    c->gate->pause(c->gate->ctx, key, wait, &gerr) != RR_OK) {
		char w[24];
		snprintf(w, sizeof(w), "%u", wait);
		rr_log(RR_LOG_WARN, "api.pause_not_shared", "wait_s", w, "error", gerr.msg, NULL);
	}
}

int api_request_keyed(struct api_client *c, const char *operation, const char *key,
		      const char *auth_prefix, const char *token, const char *method,
		      const char *url, const char *const *headers, const json_t *body,
		      struct api_response *out, struct rr_error *err)
{
	bool writes = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	struct api_gate_stripe *s;
	char derived[24];
	unsigned wait;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!token)
		return rr_error_set(err, RR_ECONFIG, "%s %s: no token", method, url);
	if (!key) {
		gate_token_key(token, derived);
		key = derived;
	}
	s = gate_stripe(c, key);
	if (writes)
		pthread_rwlock_wrlock(&s->calls);
	else
		pthread_rwlock_rdlock(&s->calls);
	if ((wait = gate_wait(c, s, key)) > 0) {
		rc = rr_error_set(err, RR_SKIP,
				  "%s %s: paused for %u s more: the forge rate-limited this token",
				  method, url, wait);
		err->retry_after = (long)wait;
	} else {
		rc = api_request_token(c, operation, auth_prefix, token, method, url, headers, body,
				       out, err);
		if (out->rate_limited)
			gate_record(c, s, key, out);
	}
	pthread_rwlock_unlock(&s->calls);
	return rc;
}

int api_request_auth(struct api_client *c, const char *operation, const char *auth_prefix,
		     const char *token, const char *method, const char *url,
		     const char *const *headers, const json_t *body, struct api_response *out,
		     struct rr_error *err)
{
	return api_request_keyed(c, operation, NULL, auth_prefix, token, method, url, headers, body,
				 out, err);
}

/* The request with "<auth_prefix><token>" added to its headers (built and wiped here). */
static int api_request_token(struct api_client *c, const char *operation,
			     const char *auth_prefix, const char *token, const char *method,
			     const char *url, const char *const *headers, const json_t *body,
			     struct api_response *out, struct rr_error *err)
{
	const char *all[9];
	char *auth = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	for (; headers && headers[n] && n < 7; n++)
		all[n] = headers[n];
	if (!token || asprintf(&auth, "%s%s", auth_prefix, token) < 0)
		return rr_error_set(err, token ? RR_ENOMEM : RR_ECONFIG, "%s %s: %s", method, url,
				    token ? "out of memory" : "no token");
	all[n++] = auth;
	all[n] = NULL;
	rc = api_perform(c, operation, method, url, all, body, out, err);
	rr_secret_free(auth);
	return rc;
}

/* ---- listings ------------------------------------------------------------------ */

char *api_url_with_param(const char *url, const char *name, long value)
{
	CURLU *u = curl_url();
	char *query = NULL, *out = NULL, *param = NULL;
	struct rr_buf q = RR_BUF_INIT;
	size_t nlen = strlen(name);
	int rc = RR_OK;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	/* Keep every other parameter in its place; drop the old name=... */
	for (const char *p = query; p && *p && rc == RR_OK;) {
		size_t n = strcspn(p, "&");
		if (!(n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') &&
		    !(n == nlen && strncmp(p, name, nlen) == 0) && n)
			rc = rr_buf_printf(&q, "%s%.*s", q.len ? "&" : "", (int)n, p);
		p += n + (p[n] == '&');
	}
	if (rc == RR_OK)
		rc = rr_buf_printf(&q, "%s%s=%ld", q.len ? "&" : "", name, value);
	if (rc != RR_OK || curl_url_set(u, CURLUPART_QUERY, q.data, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &param, 0) != CURLUE_OK)
		goto done;
	out = rr_strdup(param);
done:
	curl_free(param);
	curl_free(query);
	rr_buf_free(&q);
	curl_url_cleanup(u);
	return out;
}

int api_list_all(api_call_fn call, void *ctx, const char *operation, const char *first_url,
		 const char *origin, const char *what, size_t max_pages, api_page_fn page_fn,
		 void *data, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *url = rr_strdup(first_url);
	size_t pages = 0;
	int rc = RR_OK;

	if (!url)
		return rr_error_set(err, RR_ENOMEM, "listing %s: out of memory", what);
	while (url) {
		char *next;
		if (++pages > max_pages) {
			rc = rr_error_set(err, RR_ETOOBIG, "listing %s: more than %zu pages", what,
					  max_pages);
			break;
		}
		api_response_free(&resp);       /* the previous page's */
		if ((rc = call(ctx, operation, "GET", url, NULL, &resp, err))) {
			rr_error_wrap(err, "listing %s", what);
			break;
		}
		if (!json_is_array(resp.json)) {
			rc = rr_error_set(err, RR_ETRANSIENT, "listing %s: response is not a JSON array",
					  what);
			break;
		}
		if ((rc = page_fn(resp.json, data, err)))
			break;
		next = resp.next_url;
		resp.next_url = NULL;
		if (!next && resp.next_page > 0 && json_array_size(resp.json) > 0 &&
		    !(next = api_url_with_param(url, "page", resp.next_page))) {
			rc = rr_error_set(err, RR_ENOMEM, "listing %s: out of memory", what);
			break;
		}
		free(url);
		url = next;
		/* The token goes with every page: only ever to the configured API host. */
		if (url && !api_same_origin(url, origin)) {
			rc = rr_error_set(err, RR_EINVAL, "listing %s: next page link leaves the API "
					  "host; not followed", what);
			break;
		}
	}
	free(url);
	api_response_free(&resp);
	return rc;
}
