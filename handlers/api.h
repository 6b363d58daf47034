/*
 * api.h — a small, forge-agnostic REST client over libcurl + jansson.
 *
 * One api_client per forge configuration. It owns a libcurl share handle that
 * pools connections (keep-alive), DNS answers and TLS sessions per host, so
 * consecutive calls from any worker thread reuse the same connection. The
 * client is thread-safe: every call uses its own easy handle and the share
 * handle is guarded by one mutex per kind of shared data.
 *
 * Every call answers with an api_response (status, parsed JSON, the Link
 * rel="next" URL, retry hints) and classifies failures:
 *   network error, timeout, 5xx, 429, 403 rate limit  -> RR_ETRANSIENT (retry_after set
 *                                                        when the server says)
 *   401                                               -> RR_EAUTH
 *   other 4xx                                         -> RR_EINVAL, with the forge's
 *                                                        "message" (and "errors") in err
 *   body over the size cap                            -> RR_ETOOBIG
 * Redirects are never followed (a token must not travel to another host).
 * Header values are never logged or copied into errors.
 */
#ifndef RR_API_H
#define RR_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "../common/rr.h"

struct api_client;

/*
 * Rate limits shared beyond one call. Every authenticated call has a key: its
 * token (a digest of it, never the token) or what the forge keys its limits
 * by (api_request_keyed). An answer that is a rate limit (429, a secondary
 * limit 403, X-RateLimit-Remaining: 0) pauses the key: its calls are refused
 * with RR_SKIP (err->retry_after = seconds left) until the forge's wait is
 * over, in this process at once and, through the gate, on every replica.
 * Content-creating calls (anything but GET and HEAD) of a key never overlap
 * another call of the key in this process, so none starts before an answer
 * that pauses the key has been read (GitHub: "make requests for a single
 * user or client ID serially").
 */
struct api_gate {
	void *ctx;                   /* NULL: nothing shared beyond this process */
	/* How long key still waits, as recorded by every replica (0: not paused). */
	int (*paused)(void *ctx, const char *key, unsigned *wait_s, struct rr_error *err);
	/* The forge answered key with a rate limit: record the wait for everyone. */
	int (*pause)(void *ctx, const char *key, unsigned wait_s, struct rr_error *err);
};

/* One finished call, as the client's observer sees it (bot/ counts these). */
struct api_call_report {
	const char *operation;       /* the forge's name for the call ("post_review"); NULL: other */
	long status;                 /* HTTP status; 0 when no answer arrived */
	double seconds;              /* the whole call, connection included */
	long ratelimit_remaining;    /* the forge's requests-left header; -1 when absent */
	bool rate_limited;           /* refused for a rate limit (429, secondary-limit 403) */
};
/* Called after every request, from the calling thread; name is the client's. */
typedef void (*api_observe_fn)(void *ctx, const char *name, const struct api_call_report *r);

struct api_client_options {
	const char *ca_bundle;       /* CA file for TLS; NULL = system store */
	const char *user_agent;      /* sent on every request; NULL = "rustreview" */
	long connect_timeout_ms;     /* 0 = 10 s */
	long timeout_ms;             /* whole transfer; 0 = 30 s */
	size_t max_response_bytes;   /* 0 = 8 MiB */
	/* The forge's rate-limit headers: requests left, and the epoch when the
	 * window resets. NULL: the forge sends none. */
	const char *ratelimit_remaining_header;
	const char *ratelimit_reset_header;
	/* A header holding the next page's number, for listings without a Link
	 * rel="next" (NULL: Link only). */
	const char *next_page_header;
	/* Who hears of every call (NULL: nobody), and the name it is told
	 * (the forge's); both are kept as given, not copied. */
	api_observe_fn observe;
	void *observe_ctx;
	const char *name;
	/* Borrowed; read at each call, so its owner may fill it in after the
	 * client is made (before calls begin). NULL: pauses stay in this process. */
	const struct api_gate *gate;
};

struct api_response {
	long status;                 /* HTTP status; 0 when no response arrived */
	char *body;                  /* raw body, NUL-terminated ("" when empty) */
	size_t body_len;
	json_t *json;                /* parsed body; NULL when empty or not JSON */
	char *next_url;              /* Link: <...>; rel="next", or NULL */
	long next_page;              /* from the client's next_page_header; 0 if none */
	long retry_after;            /* seconds, from Retry-After or X-RateLimit-Reset; 0 if none */
	bool rate_limited;           /* X-RateLimit-Remaining: 0 or a 429 / secondary limit */
	long new_connections;        /* connections this call had to open (0 = reused) */
};
#define API_RESPONSE_INIT { 0, NULL, 0, NULL, NULL, 0, 0, false, 0 }
void api_response_free(struct api_response *r);

int api_client_new(struct api_client **out, const struct api_client_options *opt,
		   struct rr_error *err);
void api_client_free(struct api_client *c);

/*
 * Performs one request. headers is a NULL-terminated list of "Name: value"
 * lines (may be NULL); body, when not NULL, is sent as compact JSON with
 * Content-Type: application/json. Returns RR_OK for 2xx, otherwise the
 * classified error above; *out is filled in both cases (free it with
 * api_response_free either way).
 */
int api_request(struct api_client *c, const char *method, const char *url,
		const char *const *headers, const json_t *body, struct api_response *out,
		struct rr_error *err);

/*
 * api_request with one more header, "<auth_prefix><token>" (e.g. "PRIVATE-TOKEN: ",
 * "Authorization: Bearer "), built and wiped here: the token is a secret.
 * headers may be NULL; at most 7 of them. operation names the call for the
 * observer (a short snake_case word of the forge's: "post_review"); api_request
 * reports its calls as "other".
 */
int api_request_auth(struct api_client *c, const char *operation, const char *auth_prefix,
		     const char *token, const char *method, const char *url,
		     const char *const *headers, const json_t *body, struct api_response *out,
		     struct rr_error *err);

/* api_request_auth under key's rate limits (NULL key: the token's digest). */
int api_request_keyed(struct api_client *c, const char *operation, const char *key,
		      const char *auth_prefix, const char *token, const char *method,
		      const char *url, const char *const *headers, const json_t *body,
		      struct api_response *out, struct rr_error *err);

/*
 * Every page of a listing. call performs one authenticated GET for the forge
 * (ctx is its own); page_fn receives each page's JSON array. The next page is
 * Link rel="next", else (when the client has a next_page_header) the same URL
 * with page=N. A next page on another origin than `origin` is not followed (the
 * token goes with every page): RR_EINVAL. More than max_pages: RR_ETOOBIG.
 */
typedef int (*api_call_fn)(void *ctx, const char *operation, const char *method, const char *url,
			   const json_t *body, struct api_response *resp, struct rr_error *err);
typedef int (*api_page_fn)(const json_t *page, void *data, struct rr_error *err);
/* operation is handed to call for every page (api_request_auth's). */
int api_list_all(api_call_fn call, void *ctx, const char *operation, const char *first_url,
		 const char *origin, const char *what, size_t max_pages, api_page_fn page_fn,
		 void *data, struct rr_error *err);
/* url with its query parameter name set to value (added or replaced); heap or NULL. */
char *api_url_with_param(const char *url, const char *name, long value);

/* --- pieces exposed for tests and for forges ----------------------------- */

/* The URL of rel="next" in a Link header value, as a heap string; NULL if none. */
char *api_link_next(const char *link);
/*
 * Seconds to wait before retrying, from a Retry-After value (delta-seconds or
 * an HTTP date) or, failing that, an X-RateLimit-Reset epoch. Either may be
 * NULL. Never negative; 0 when neither says anything usable.
 */
long api_retry_after_seconds(const char *retry_after, const char *ratelimit_reset, time_t now);
/* True when both absolute http(s) URLs have the same scheme, host and port. */
bool api_same_origin(const char *a, const char *b);
/*
 * Classifies a finished response (status, headers already parsed into r) into
 * an RR code and fills err with "<what>: HTTP <status>: <message>". RR_OK for 2xx.
 */
int api_classify(const struct api_response *r, const char *what, struct rr_error *err);

#endif
