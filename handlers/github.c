/* github.c — the GitHub forge; see github.h and forge.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* timegm, strptime */
#endif
#include "github.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "../common/log.h"
#include "../common/secret.h"
#include "api.h"
#include "jsonscan.h"

#define GH_DEFAULT_API        "https://api.github.com"
#define GH_API_VERSION        "X-GitHub-Api-Version: 2022-11-28"
#define GH_ACCEPT             "Accept: application/vnd.github+json"
#define GH_SIG_HEADER         "X-Hub-Signature-256"
#define GH_SHA_LEN            40
/* Refresh an installation token this long before GitHub expires it. */
#define GH_TOKEN_MARGIN_S     300
/* Real payloads nest about 6 deep; anything past this is hostile or broken. */
#define GH_MAX_NESTING        64
/* 100 pages of 100 comments: a pull request with more is not one we can dedupe sanely. */
#define GH_MAX_PAGES          100
#define GH_DEFAULT_MAX_COMMENTS 30
#define GH_SUMMARY_MARKER     "<!-- rustreview:summary -->"

/* ======================================================================== */
/* state: key, API client, installation token cache                         */
/* ======================================================================== */

struct gh_token {
	long installation_id;
	char *token;               /* secret */
	time_t refresh_at;         /* wall clock; mint a new one from here on */
};

struct gh_state {
	pthread_mutex_t lock;      /* guards tokens */
	EVP_PKEY *key;             /* App private key; NULL in token mode */
	struct api_client *api;
	struct gh_token *tokens;
	size_t ntokens, cap;
};

static const char *gh_api_base(const struct forge_config *cfg)
{
	return cfg->api_url && *cfg->api_url ? cfg->api_url : GH_DEFAULT_API;
}

/* Length of the API base without trailing slashes, for "%.*s" formatting. */
static int gh_api_base_len(const struct forge_config *cfg)
{
	const char *b = gh_api_base(cfg);
	size_t n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		n--;
	return (int)n;
}

static bool gh_app_mode(const struct forge_config *cfg)
{
	return cfg->app_id && *cfg->app_id && cfg->private_key_pem && *cfg->private_key_pem;
}

/* Never prompt on a terminal for an encrypted key: a service has nobody to ask. */
static int gh_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static int gh_parse_private_key(const char *pem, EVP_PKEY **out, struct rr_error *err)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = NULL;
	int rc = RR_OK;

	*out = NULL;
	if (!bio)
		return rr_error_set(err, RR_ENOMEM, "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE: out of memory");
	key = PEM_read_bio_PrivateKey(bio, NULL, gh_no_passphrase, NULL);
	if (!key)
		rc = rr_error_set(err, RR_ECONFIG,
				  "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE: not a PEM private key "
				  "(or encrypted with a passphrase)");
	else if (!EVP_PKEY_is_a(key, "RSA"))
		rc = rr_error_set(err, RR_ECONFIG,
				  "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE: not an RSA key "
				  "(GitHub Apps sign with RS256)");
	ERR_clear_error();
	BIO_free(bio);
	if (rc == RR_OK)
		*out = key;
	else
		EVP_PKEY_free(key);
	return rc;
}

static void gh_state_free(struct gh_state *st)
{
	size_t i;
	if (!st)
		return;
	for (i = 0; i < st->ntokens; i++)
		rr_secret_free(st->tokens[i].token);
	free(st->tokens);
	api_client_free(st->api);
	EVP_PKEY_free(st->key);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static int gh_check_auth_config(const struct forge_config *cfg, struct rr_error *err)
{
	bool has_id = cfg->app_id && *cfg->app_id;
	bool has_key = cfg->private_key_pem && *cfg->private_key_pem;
	bool has_token = cfg->token && *cfg->token;

	if ((has_id && has_key) || has_token)
		return RR_OK;
	if (has_id)
		return rr_error_set(err, RR_ECONFIG, "github: RUSTREVIEW_GITHUB_APP_ID is set but "
				    "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE is not");
	if (has_key)
		return rr_error_set(err, RR_ECONFIG, "github: RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE is "
				    "set but RUSTREVIEW_GITHUB_APP_ID is not");
	return rr_error_set(err, RR_ECONFIG, "github: set RUSTREVIEW_GITHUB_APP_ID and "
			    "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE (GitHub App) or "
			    "RUSTREVIEW_GITHUB_TOKEN (personal access token)");
}

static int gh_init(struct forge_config *cfg, struct rr_error *err)
{
	struct api_client_options opt = { 0 };
	struct gh_state *st = NULL;
	int rc;

	cfg->state = NULL;
	if ((rc = gh_check_auth_config(cfg, err)))
		return rc;
	if (!(st = calloc(1, sizeof(*st))))
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	pthread_mutex_init(&st->lock, NULL);
	if (gh_app_mode(cfg) && (rc = gh_parse_private_key(cfg->private_key_pem, &st->key, err)))
		goto fail;
	opt.ca_bundle = cfg->ca_bundle;
	opt.user_agent = cfg->user_agent && *cfg->user_agent ? cfg->user_agent
							     : "rustreview/" RR_VERSION;
	if ((rc = api_client_new(&st->api, &opt, err))) {
		rr_error_wrap(err, "github");
		goto fail;
	}
	cfg->state = st;
	return RR_OK;
fail:
	gh_state_free(st);
	return rc;
}

static void gh_cleanup(struct forge_config *cfg)
{
	gh_state_free(cfg->state);
	cfg->state = NULL;
}

/* ======================================================================== */
/* webhook signature                                                        */
/* ======================================================================== */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly 2*n hex digits (and nothing more) into out. */
static bool hex_decode(const char *hex, unsigned char *out, size_t n)
{
	size_t i;
	if (strlen(hex) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static int gh_verify(const struct forge_config *cfg, const struct http_request *req,
		     struct rr_error *err)
{
	const char *sig = http_request_header(req, GH_SIG_HEADER);
	unsigned char want[32], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;
	const char *body = req->body ? req->body : "";
	int rc = RR_OK;

	if (!cfg->webhook_secret || !*cfg->webhook_secret)
		return rr_error_set(err, RR_EAUTH, "github webhook: no webhook secret configured");
	if (!sig)
		return rr_error_set(err, RR_EAUTH, "github webhook: " GH_SIG_HEADER " header missing");
	if (!req->body && req->body_len)
		return rr_error_set(err, RR_EAUTH, "github webhook: no body");
	if (strncmp(sig, "sha256=", 7) != 0 || !hex_decode(sig + 7, want, sizeof(want)))
		return rr_error_set(err, RR_EAUTH,
				    "github webhook: " GH_SIG_HEADER " is not sha256=<64 hex digits>");
	if (!HMAC(EVP_sha256(), cfg->webhook_secret, (int)strlen(cfg->webhook_secret),
		  (const unsigned char *)body, req->body_len, got, &got_len) ||
	    got_len != sizeof(want)) {
		ERR_clear_error();
		rc = rr_error_set(err, RR_EAUTH, "github webhook: computing HMAC-SHA256 failed");
	} else if (CRYPTO_memcmp(got, want, sizeof(want)) != 0) {
		rc = rr_error_set(err, RR_EAUTH,
				  "github webhook: " GH_SIG_HEADER " does not match the body");
	}
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}

/* ======================================================================== */
/* pull_request events                                                      */
/* ======================================================================== */

/*
 * The payload fields parse_event reads. A 25 KB delivery is scanned once,
 * without building a tree (jansson's tree cost ~350 µs per delivery and
 * dominated ingest); the scanner still validates the whole document and
 * refuses a repeated key on any of these paths, the ambiguity
 * JSON_REJECT_DUPLICATES used to guard against.
 */
enum gh_field {
	GF_ROOT, GF_ACTION, GF_PULL_REQUEST, GF_DRAFT, GF_OWNER, GF_NAME, GF_CLONE_URL, GF_URL,
	GF_NUMBER, GF_BASE_REF, GF_BASE_SHA, GF_HEAD_SHA, GF_INSTALLATION_ID, GF_COUNT
};
static const char *const gh_field_paths[GF_COUNT] = {
	[GF_ROOT] = "", [GF_ACTION] = "action", [GF_PULL_REQUEST] = "pull_request",
	[GF_DRAFT] = "pull_request.draft", [GF_OWNER] = "repository.owner.login",
	[GF_NAME] = "repository.name", [GF_CLONE_URL] = "repository.clone_url",
	[GF_URL] = "repository.url", [GF_NUMBER] = "pull_request.number",
	[GF_BASE_REF] = "pull_request.base.ref", [GF_BASE_SHA] = "pull_request.base.sha",
	[GF_HEAD_SHA] = "pull_request.head.sha", [GF_INSTALLATION_ID] = "installation.id",
};
/* Action names are at most 64 bytes (gh_word_ok); one more shows a longer one. */
#define GH_ACTION_BUF 66

struct gh_payload {
	struct jsonscan_field f[GF_COUNT];
	char action[GH_ACTION_BUF];
};

static int take_string(const struct gh_payload *pl, enum gh_field i, char **out,
		       struct rr_error *err)
{
	const struct jsonscan_field *f = &pl->f[i];
	const char *path = gh_field_paths[i];

	if (f->type == JSONSCAN_ABSENT)
		return rr_error_set(err, RR_EINVAL, "github payload: field '%s' missing", path);
	if (f->type != JSONSCAN_STRING)
		return rr_error_set(err, RR_EINVAL, "github payload: field '%s' is not a string", path);
	/* A NUL would silently cut the C string every later check looks at. */
	if (f->has_nul)
		return rr_error_set(err, RR_EINVAL, "github payload: field '%s' contains a NUL character",
				    path);
	/* The decoded string is never longer than its quoted source. */
	if (!(*out = malloc(f->raw_len)))
		return rr_error_set(err, RR_ENOMEM, "github payload: out of memory");
	if (jsonscan_decode(f, *out, f->raw_len, err) != RR_OK)
		return rr_error_wrap(err, "github payload: field '%s'", path);
	return RR_OK;
}

static bool is_sha(const char *s)
{
	size_t i;
	for (i = 0; i < GH_SHA_LEN; i++)
		if (hex_value(s[i]) < 0)
			return false;
	return s[GH_SHA_LEN] == '\0';
}

static int take_sha(const struct gh_payload *pl, enum gh_field i, char **out,
		    struct rr_error *err)
{
	const char *path = gh_field_paths[i];
	int rc = take_string(pl, i, out, err);
	if (rc)
		return rc;
	if (!is_sha(*out))
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field '%s' is not a 40-digit hex SHA", path);
	for (char *p = *out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return RR_OK;
}

static int take_positive(const struct gh_payload *pl, enum gh_field i, bool required, long *out,
			 struct rr_error *err)
{
	const struct jsonscan_field *f = &pl->f[i];
	const char *path = gh_field_paths[i];
	int64_t v = 0;

	*out = 0;
	if (f->type == JSONSCAN_ABSENT)
		return required ? rr_error_set(err, RR_EINVAL, "github payload: field '%s' missing",
					       path)
				: RR_OK;
	if (jsonscan_int64(f, &v) != RR_OK || v <= 0 || v > LONG_MAX)
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field '%s' is not a positive integer", path);
	*out = (long)v;
	return RR_OK;
}

/* Owners and repository names become URL path segments and directory names. */
static bool gh_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 100 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Event names and actions are snake_case words; anything else is not GitHub. */
static bool gh_word_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool gh_delivery_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 100)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static bool gh_action_reviewed(const char *a)
{
	return strcmp(a, "opened") == 0 || strcmp(a, "reopened") == 0 ||
	       strcmp(a, "synchronize") == 0 || strcmp(a, "ready_for_review") == 0;
}

static int gh_scan_payload(const struct http_request *req, struct gh_payload *pl,
			   struct rr_error *err)
{
	int rc;

	memset(pl, 0, sizeof(*pl));
	for (size_t i = 0; i < GF_COUNT; i++)
		pl->f[i].path = gh_field_paths[i];
	pl->f[GF_ACTION].buf = pl->action;
	pl->f[GF_ACTION].buf_size = sizeof(pl->action);
	if (!req->body || req->body_len == 0)
		return rr_error_set(err, RR_EINVAL, "github payload: empty body");
	rc = jsonscan_scan(req->body, req->body_len, pl->f, GF_COUNT, GH_MAX_NESTING, err);
	if (rc == RR_ETOOBIG)
		return rr_error_set(err, RR_EINVAL, "github payload: nested deeper than %d levels",
				    GH_MAX_NESTING);
	if (rc != RR_OK)
		return rr_error_wrap(err, "github payload");
	if (pl->f[GF_ROOT].type != JSONSCAN_OBJECT)
		return rr_error_set(err, RR_EINVAL, "github payload: not a JSON object");
	return RR_OK;
}

/* RR_SKIP for drafts unless configured; RR_EINVAL when "draft" is not a boolean. */
static int gh_check_draft(const struct forge_config *cfg, const struct gh_payload *pl,
			  struct rr_error *err)
{
	enum jsonscan_type t = pl->f[GF_DRAFT].type;
	if (t == JSONSCAN_ABSENT || t == JSONSCAN_NULL)
		return RR_OK;
	if (t != JSONSCAN_TRUE && t != JSONSCAN_FALSE)
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'pull_request.draft' is not a boolean");
	if (t == JSONSCAN_TRUE && !cfg->review_drafts)
		return rr_error_set(err, RR_SKIP, "draft pull request skipped");
	return RR_OK;
}

/*
 * Where git lives for this configuration (scheme://host[:port], no path), as a
 * heap string: RUSTREVIEW_GITHUB_GIT_URL when set; otherwise derived from the
 * API URL — https://api.github.com → https://github.com, Enterprise Server's
 * https://HOST/api/v3 → https://HOST — and for any other API URL (a test
 * double, a proxy) the API's own origin. NULL when the URL does not parse.
 */
static char *gh_git_origin(const struct forge_config *cfg)
{
	const char *src = cfg->git_url && *cfg->git_url ? cfg->git_url : gh_api_base(cfg);
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	const char *web = NULL;
	CURLU *u = curl_url();

	if (!u || curl_url_set(u, CURLUPART_URL, src, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;       /* the scheme's default port */
	if (src != cfg->git_url && strcasecmp(host, "api.github.com") == 0)
		web = "github.com";   /* the one public API host that differs from git's */
	if (asprintf(&out, "%s://%s%s%s", scheme, web ? web : host, port ? ":" : "",
		     port ? port : "") < 0)
		out = NULL;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/*
 * Only "scheme://authority/path" made of unreserved characters: no userinfo,
 * query, fragment, backslash, percent-escape or whitespace that libgit2 and
 * libcurl might read differently (a parser differential is how SSRF guards fall).
 */
static bool gh_url_plain(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p || p == url)
		return false;
	for (; *url; url++)
		if (!isalnum((unsigned char)*url) && !strchr("-._~/:", *url))
			return false;
	return true;
}

/* The clone URL of a payload must be plain http(s) on the configured git origin:
 * anything else would make the bot fetch (and offer its token to) another host. */
static int gh_check_clone_url(const struct forge_config *cfg, const char *url,
			      struct rr_error *err)
{
	char *origin = NULL;
	int rc = RR_OK;

	/* libgit2 must only speak HTTP(S) to the forge: no file://, ssh or local paths. */
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'repository.clone_url' is not an http(s) URL");
	if (strlen(url) > 2048 || !gh_url_plain(url))
		return rr_error_set(err, RR_EINVAL, "github payload: field 'repository.clone_url' "
				    "has characters a clone URL does not need");
	if (!(origin = gh_git_origin(cfg)))
		return rr_error_set(err, RR_ECONFIG, "github: RUSTREVIEW_GITHUB_GIT_URL (or the API "
				    "URL it is derived from) is not a URL");
	if (!api_same_origin(url, origin)) {
		rr_log(RR_LOG_WARN, "github.clone_url.refused", "allowed", origin, NULL);
		rc = rr_error_set(err, RR_EINVAL, "github payload: field 'repository.clone_url' is "
				  "not on the configured git host (RUSTREVIEW_GITHUB_GIT_URL)");
	}
	free(origin);
	return rc;
}

/* The payload's repository API URL is only informational, but a payload that
 * names another API host is not one of ours either. */
static int gh_check_api_url(const struct forge_config *cfg, const char *url,
			    struct rr_error *err)
{
	if (api_same_origin(url, gh_api_base(cfg)))
		return RR_OK;
	rr_log(RR_LOG_WARN, "github.api_url.refused", "allowed", gh_api_base(cfg), NULL);
	return rr_error_set(err, RR_EINVAL, "github payload: field 'repository.url' is not on the "
			    "configured API host (RUSTREVIEW_GITHUB_API_URL)");
}

/* A base branch becomes part of a refspec and a ref name in the mirror. */
static int gh_check_base_ref(const char *base_ref, struct rr_error *err)
{
	char ref[300];
	int valid = 0;

	if (strlen(base_ref) > 255 ||
	    snprintf(ref, sizeof(ref), "refs/heads/%s", base_ref) >= (int)sizeof(ref) ||
	    git_reference_name_is_valid(&valid, ref) != 0 || !valid)
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'pull_request.base.ref' is not a valid branch name");
	return RR_OK;
}

static int gh_fill_request(const struct forge_config *cfg, const struct gh_payload *pl,
			   struct review_request *out, struct rr_error *err)
{
	int rc;

	if ((rc = take_string(pl, GF_OWNER, &out->owner, err)) ||
	    (rc = take_string(pl, GF_NAME, &out->repo, err)) ||
	    (rc = take_string(pl, GF_CLONE_URL, &out->clone_url, err)) ||
	    (rc = take_string(pl, GF_URL, &out->api_url, err)) ||
	    (rc = take_positive(pl, GF_NUMBER, true, &out->number, err)) ||
	    (rc = take_string(pl, GF_BASE_REF, &out->base_ref, err)) ||
	    (rc = take_sha(pl, GF_BASE_SHA, &out->base_sha, err)) ||
	    (rc = take_sha(pl, GF_HEAD_SHA, &out->head_sha, err)) ||
	    (rc = take_positive(pl, GF_INSTALLATION_ID, false, &out->installation_id, err)))
		return rc;
	if (!gh_name_ok(out->owner))
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'repository.owner.login' is not a valid owner");
	if (!gh_name_ok(out->repo))
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'repository.name' is not a valid repository name");
	if ((rc = gh_check_clone_url(cfg, out->clone_url, err)) ||
	    (rc = gh_check_api_url(cfg, out->api_url, err)))
		return rc;
	return gh_check_base_ref(out->base_ref, err);
}

/* The action as a C string, or NULL when it is not a plausible action name. */
static const char *gh_action(const struct gh_payload *pl)
{
	const struct jsonscan_field *f = &pl->f[GF_ACTION];
	if (f->truncated || f->has_nul || !gh_word_ok(pl->action, 64))
		return NULL;
	return pl->action;
}

static int gh_parse_event(const struct forge_config *cfg, const struct http_request *req,
			  struct review_request *out, struct rr_error *err)
{
	const char *event = http_request_header(req, "X-GitHub-Event");
	const char *delivery = http_request_header(req, "X-GitHub-Delivery");
	const char *action;
	struct gh_payload pl;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!event)
		return rr_error_set(err, RR_EINVAL, "github webhook: X-GitHub-Event header missing");
	if (!gh_word_ok(event, 64))
		return rr_error_set(err, RR_EINVAL, "github webhook: X-GitHub-Event is not an event name");
	if (strcmp(event, "ping") == 0)
		return rr_error_set(err, RR_SKIP, "pong");
	if (strcmp(event, "pull_request") != 0)
		return rr_error_set(err, RR_SKIP, "event '%s' is not reviewed", event);
	if ((rc = gh_scan_payload(req, &pl, err)))
		return rc;
	if (pl.f[GF_ACTION].type != JSONSCAN_STRING)
		return rr_error_set(err, RR_EINVAL, "github payload: field 'action' missing or not a string");
	if (!(action = gh_action(&pl)))
		return rr_error_set(err, RR_EINVAL, "github payload: field 'action' is not an action name");
	if (!gh_action_reviewed(action))
		return rr_error_set(err, RR_SKIP, "pull_request action '%s' needs no review", action);
	if (pl.f[GF_PULL_REQUEST].type != JSONSCAN_OBJECT)
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'pull_request' missing or not an object");
	if ((rc = gh_check_draft(cfg, &pl, err)))
		return rc;
	if (!delivery || !gh_delivery_ok(delivery))
		return rr_error_set(err, RR_EINVAL, "github webhook: X-GitHub-Delivery header %s",
				    delivery ? "is not a delivery id" : "missing");
	if (!(out->forge = rr_strdup("github")) || !(out->delivery_id = rr_strdup(delivery)) ||
	    !(out->event = rr_strdup(event)) || !(out->action = rr_strdup(action)))
		rc = rr_error_set(err, RR_ENOMEM, "github payload: out of memory");
	else
		rc = gh_fill_request(cfg, &pl, out, err);
	if (rc != RR_OK)
		review_request_free(out);
	return rc;
}

/* ======================================================================== */
/* GitHub App JWT                                                           */
/* ======================================================================== */

static int b64url_append(struct rr_buf *b, const unsigned char *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	int rc = RR_OK;

	for (i = 0; i + 2 < len && rc == RR_OK; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
			      alphabet[v & 63] };
		rc = rr_buf_append(b, q, 4);
	}
	if (rc == RR_OK && len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		char q[2] = { alphabet[v >> 18], alphabet[(v >> 12) & 63] };
		rc = rr_buf_append(b, q, 2);
	} else if (rc == RR_OK && len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		char q[3] = { alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63] };
		rc = rr_buf_append(b, q, 3);
	}
	return rc;
}

static bool all_digits(const char *s)
{
	if (!*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* {"iat","exp","iss"}: iat a minute in the past against clock drift; 10-minute maximum life. */
static char *gh_jwt_claims(const char *app_id, time_t now)
{
	json_t *iss = all_digits(app_id) ? json_integer(strtoll(app_id, NULL, 10))
					 : json_string(app_id);
	json_t *claims = json_pack("{s:I,s:I,s:o}", "iat", (json_int_t)now - 60, "exp",
				   (json_int_t)now + 540, "iss", iss);
	char *out = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
	json_decref(claims);
	return out;
}

static int gh_rs256_sign(EVP_PKEY *key, const char *input, size_t len, unsigned char **sig,
			 size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = RR_ERR;

	*sig = NULL;
	if (!ctx)
		return RR_ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, sig_len, (const unsigned char *)input, len) != 1)
		goto done;
	if (!(*sig = malloc(*sig_len))) {
		rc = RR_ENOMEM;
		goto done;
	}
	if (EVP_DigestSign(ctx, *sig, sig_len, (const unsigned char *)input, len) != 1) {
		free(*sig);
		*sig = NULL;
		goto done;
	}
	rc = RR_OK;
done:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int gh_jwt_sign(EVP_PKEY *key, const char *app_id, time_t now, char **out,
		       struct rr_error *err)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct rr_buf b = RR_BUF_INIT;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char *claims = gh_jwt_claims(app_id, now);
	int rc;

	*out = NULL;
	if (!claims) {
		rc = rr_error_set(err, RR_ENOMEM, "github app JWT: out of memory");
		goto done;
	}
	if ((rc = b64url_append(&b, (const unsigned char *)header, strlen(header))) ||
	    (rc = rr_buf_puts(&b, ".")) ||
	    (rc = b64url_append(&b, (const unsigned char *)claims, strlen(claims)))) {
		rr_error_set(err, rc, "github app JWT: out of memory");
		goto done;
	}
	if ((rc = gh_rs256_sign(key, b.data, b.len, &sig, &sig_len))) {
		rr_error_set(err, rc, "github app JWT: RS256 signing failed");
		goto done;
	}
	if ((rc = rr_buf_puts(&b, ".")) || (rc = b64url_append(&b, sig, sig_len))) {
		rr_error_set(err, rc, "github app JWT: out of memory");
		goto done;
	}
	*out = rr_buf_detach(&b);
	if (!*out)
		rc = rr_error_set(err, RR_ENOMEM, "github app JWT: out of memory");
done:
	free(sig);
	free(claims);
	rr_buf_free(&b);
	return rc;
}

int github_jwt_create(const char *app_id, const char *private_key_pem, time_t now, char **out,
		      struct rr_error *err)
{
	EVP_PKEY *key = NULL;
	int rc;

	*out = NULL;
	if (!app_id || !*app_id || !private_key_pem)
		return rr_error_set(err, RR_EINVAL, "github app JWT: app id and key required");
	if ((rc = gh_parse_private_key(private_key_pem, &key, err)))
		return rc;
	rc = gh_jwt_sign(key, app_id, now, out, err);
	EVP_PKEY_free(key);
	return rc;
}

/* ======================================================================== */
/* installation tokens                                                      */
/* ======================================================================== */

/* "Name: value" header line on the heap; wiped by the caller (it may hold a secret). */
static char *gh_auth_header(const char *token)
{
	char *h = NULL;
	if (asprintf(&h, "Authorization: Bearer %s", token) < 0)
		return NULL;
	return h;
}

/* A token goes into a header line: printable ASCII without spaces only. */
static bool gh_token_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 1024)
		return false;
	for (; *t; t++)
		if (*t <= 0x20 || *t >= 0x7f)
			return false;
	return true;
}

/* ISO 8601 "2024-01-01T12:00:00Z" → epoch; -1 when it does not parse. */
static time_t gh_parse_iso8601(const char *s)
{
	struct tm tm;
	const char *end;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end != 'Z' && *end != '\0' && *end != '.'))
		return (time_t)-1;
	return timegm(&tm);
}

static int gh_read_token_response(const struct api_response *resp, char **token,
				  time_t *expires, struct rr_error *err)
{
	const json_t *t = json_object_get(resp->json, "token");
	const json_t *e = json_object_get(resp->json, "expires_at");

	if (!json_is_string(t) || !gh_token_ok(json_string_value(t)))
		return rr_error_set(err, RR_ETRANSIENT, "response has no usable \"token\"");
	*expires = json_is_string(e) ? gh_parse_iso8601(json_string_value(e)) : (time_t)-1;
	if (!(*token = rr_secret_dup(json_string_value(t))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	return RR_OK;
}

/* POST /app/installations/{id}/access_tokens with the App JWT. */
static int gh_mint_token(const struct forge_config *cfg, struct gh_state *st, long installation,
			 char **token, time_t *expires, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *jwt = NULL, *auth = NULL, *url = NULL;
	const char *headers[4];
	int rc;

	*token = NULL;
	if ((rc = gh_jwt_sign(st->key, cfg->app_id, time(NULL), &jwt, err)))
		goto done;
	if (asprintf(&url, "%.*s/app/installations/%ld/access_tokens", gh_api_base_len(cfg),
		     gh_api_base(cfg), installation) < 0)
		url = NULL;
	if (!url || !(auth = gh_auth_header(jwt))) {
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
		goto done;
	}
	headers[0] = GH_ACCEPT;
	headers[1] = GH_API_VERSION;
	headers[2] = auth;
	headers[3] = NULL;
	if ((rc = api_request(st->api, "POST", url, headers, NULL, &resp, err)))
		goto done;
	rc = gh_read_token_response(&resp, token, expires, err);
done:
	if (rc)
		rr_error_wrap(err, "installation %ld access token", installation);
	api_response_free(&resp);
	rr_secret_free(auth);
	rr_secret_free(jwt);
	free(url);
	return rc;
}

static struct gh_token *gh_cache_find(struct gh_state *st, long installation)
{
	size_t i;
	for (i = 0; i < st->ntokens; i++)
		if (st->tokens[i].installation_id == installation)
			return &st->tokens[i];
	return NULL;
}

/* Stores (taking ownership of) token for installation. Caller holds st->lock. */
static int gh_cache_store(struct gh_state *st, long installation, char *token, time_t refresh_at)
{
	struct gh_token *slot = gh_cache_find(st, installation);
	if (!slot) {
		if (st->ntokens == st->cap) {
			struct gh_token *p = rr_array_grow(st->tokens, &st->cap, sizeof(*p), 4);
			if (!p) {
				rr_secret_free(token);
				return RR_ENOMEM;
			}
			st->tokens = p;
		}
		slot = &st->tokens[st->ntokens++];
		slot->token = NULL;
	}
	rr_secret_free(slot->token);
	slot->installation_id = installation;
	slot->token = token;
	slot->refresh_at = refresh_at;
	return RR_OK;
}

/* Drops the cached token of installation if it is still `token` (a concurrent
 * refresh may already have replaced it). */
static void gh_cache_drop(struct gh_state *st, long installation, const char *token)
{
	struct gh_token *slot;
	pthread_mutex_lock(&st->lock);
	slot = gh_cache_find(st, installation);
	if (slot && slot->token && strcmp(slot->token, token) == 0) {
		rr_secret_free(slot->token);
		*slot = st->tokens[--st->ntokens];
	}
	pthread_mutex_unlock(&st->lock);
}

/*
 * The installation token, from the cache or freshly minted. The lock is held
 * while minting on purpose: concurrent jobs of one installation then wait for
 * one token instead of each asking GitHub for its own.
 */
static int gh_installation_token(const struct forge_config *cfg, struct gh_state *st,
				 long installation, char **out, bool *cached, struct rr_error *err)
{
	struct gh_token *slot;
	time_t now = time(NULL), expires = (time_t)-1;
	char *fresh = NULL, inst[24];
	int rc = RR_OK;

	*out = NULL;
	*cached = false;
	if (installation <= 0)
		return rr_error_set(err, RR_EINVAL, "github: the request has no installation id "
				    "(GitHub App mode needs the delivery's installation.id)");
	pthread_mutex_lock(&st->lock);
	slot = gh_cache_find(st, installation);
	if (slot && now < slot->refresh_at) {
		*cached = true;
		if (!(*out = rr_secret_dup(slot->token)))
			rc = rr_error_set(err, RR_ENOMEM, "github: out of memory");
		goto done;
	}
	if ((rc = gh_mint_token(cfg, st, installation, &fresh, &expires, err)))
		goto done;
	if (!(*out = rr_secret_dup(fresh))) {
		rr_secret_free(fresh);
		rc = rr_error_set(err, RR_ENOMEM, "github: out of memory");
		goto done;
	}
	/* An unreadable expiry: use the token for this call only. */
	if (expires == (time_t)-1)
		rr_secret_free(fresh);
	else if (gh_cache_store(st, installation, fresh, expires - GH_TOKEN_MARGIN_S) != RR_OK)
		rr_log(RR_LOG_WARN, "github.token.cache_full", NULL);   /* still usable now */
	snprintf(inst, sizeof(inst), "%ld", installation);
	rr_log(RR_LOG_INFO, "github.token.minted", "installation", inst,
	       "cached", expires == (time_t)-1 ? "false" : "true", NULL);
done:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int gh_token_for(const struct forge_config *cfg, const struct review_request *rq,
			char **out, bool *cached, struct rr_error *err)
{
	struct gh_state *st = cfg->state;
	*out = NULL;
	*cached = false;
	if (!st)
		return rr_error_set(err, RR_ECONFIG, "github: forge not initialised");
	if (gh_app_mode(cfg))
		return gh_installation_token(cfg, st, rq->installation_id, out, cached, err);
	if (!(*out = rr_secret_dup(cfg->token)))
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	return RR_OK;
}

/* ======================================================================== */
/* authenticated REST calls                                                 */
/* ======================================================================== */

/*
 * One API call with the request's credentials. A 401 with a cached App token
 * means the token was revoked early: drop it, mint a new one, try once more.
 */
static int gh_call(const struct forge_config *cfg, const struct review_request *rq,
		   const char *method, const char *url, const json_t *body,
		   struct api_response *resp, struct rr_error *err)
{
	struct gh_state *st = cfg->state;
	int attempt, rc = RR_ERR;

	for (attempt = 0; attempt < 2; attempt++) {
		char *token = NULL, *auth = NULL;
		const char *headers[4];
		bool cached = false;

		api_response_free(resp);
		if ((rc = gh_token_for(cfg, rq, &token, &cached, err)))
			return rc;
		if (!(auth = gh_auth_header(token))) {
			rr_secret_free(token);
			return rr_error_set(err, RR_ENOMEM, "github: out of memory");
		}
		headers[0] = GH_ACCEPT;
		headers[1] = GH_API_VERSION;
		headers[2] = auth;
		headers[3] = NULL;
		rc = api_request(st->api, method, url, headers, body, resp, err);
		rr_secret_free(auth);
		if (rc == RR_EAUTH && cached && attempt == 0) {
			gh_cache_drop(st, rq->installation_id, token);
			rr_secret_free(token);
			rr_log(RR_LOG_INFO, "github.token.rejected", "action", "refresh", NULL);
			continue;
		}
		rr_secret_free(token);
		break;
	}
	return rc;
}

/* ======================================================================== */
/* git                                                                      */
/* ======================================================================== */

static int gh_git_credentials(struct forge_config *cfg, const struct review_request *rq,
			      struct git_credentials *out, struct rr_error *err)
{
	bool cached;
	int rc;

	memset(out, 0, sizeof(*out));
	/* A job queued by an older version, or a tampered queue, gets the same check as a
	 * delivery: the token is only ever offered to the configured git host. */
	if (rq->clone_url && (rc = gh_check_clone_url(cfg, rq->clone_url, err)))
		return rr_error_wrap(err, "github: git credentials for %s/%s",
				     rq->owner ? rq->owner : "?", rq->repo ? rq->repo : "?");
	if ((rc = gh_token_for(cfg, rq, &out->password, &cached, err)))
		return rr_error_wrap(err, "github: git credentials for %s/%s", rq->owner ? rq->owner : "?",
				     rq->repo ? rq->repo : "?");
	snprintf(out->username, sizeof(out->username), "%s", "x-access-token");
	return RR_OK;
}

static int gh_fetch_refspecs(const struct review_request *rq, char ***out, size_t *n,
			     struct rr_error *err)
{
	char *ref = NULL, **specs = NULL;
	int valid = 0, rc = RR_OK;

	*out = NULL;
	*n = 0;
	if (!rq->base_ref || rq->number <= 0)
		return rr_error_set(err, RR_EINVAL, "github refspecs: base_ref and number required");
	if (asprintf(&ref, "refs/heads/%s", rq->base_ref) < 0)
		return rr_error_set(err, RR_ENOMEM, "github refspecs: out of memory");
	if (git_reference_name_is_valid(&valid, ref) != 0 || !valid) {
		rc = rr_error_set(err, RR_EINVAL, "github refspecs: base ref '%.200s' is not a valid "
				  "branch name", rq->base_ref);
		goto done;
	}
	if (!(specs = calloc(2, sizeof(*specs))) ||
	    asprintf(&specs[0], "+%s:refs/rustreview/base/%s", ref, rq->base_ref) < 0 ||
	    asprintf(&specs[1], "+refs/pull/%ld/head:refs/rustreview/pull/%ld/head", rq->number,
		     rq->number) < 0) {
		rc = rr_error_set(err, RR_ENOMEM, "github refspecs: out of memory");
		goto done;
	}
	*out = specs;
	*n = 2;
	specs = NULL;
done:
	if (specs) {
		free(specs[0]);
		free(specs[1]);
		free(specs);
	}
	free(ref);
	return rc;
}

/* ======================================================================== */
/* publish                                                                  */
/* ======================================================================== */

struct fp_set {
	char (*v)[RR_FINGERPRINT_LEN + 1];
	size_t n, cap;
};

static int fp_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int fp_set_add(struct fp_set *s, const char *fp)
{
	if (s->n == s->cap) {
		void *p = rr_array_grow(s->v, &s->cap, sizeof(*s->v), 64);
		if (!p)
			return RR_ENOMEM;
		s->v = p;
	}
	memcpy(s->v[s->n++], fp, RR_FINGERPRINT_LEN + 1);
	return RR_OK;
}

static bool fp_set_has(const struct fp_set *s, const char *fp)
{
	return s->n && bsearch(fp, s->v, s->n, sizeof(*s->v), fp_cmp) != NULL;
}

static int gh_collect_page(const json_t *page, struct fp_set *fps, struct rr_error *err)
{
	const json_t *c;
	size_t i;

	/* gh_list_all hands over arrays only. */
	json_array_foreach(page, i, c) {
		const json_t *body = json_object_get(c, "body");
		char fp[RR_FINGERPRINT_LEN + 1];
		if (json_is_string(body) && finding_fingerprint_from_body(json_string_value(body), fp) &&
		    fp_set_add(fps, fp) != RR_OK)
			return rr_error_set(err, RR_ENOMEM, "listing review comments: out of memory");
	}
	return RR_OK;
}

/* Calls page_fn on every page of a paginated GitHub listing (Link rel="next"). */
static int gh_list_all(const struct forge_config *cfg, const struct review_request *rq,
		       const char *first_url, const char *what,
		       int (*page_fn)(const json_t *page, void *data, struct rr_error *err),
		       void *data, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *url = rr_strdup(first_url);
	size_t pages = 0;
	int rc = RR_OK;

	if (!url)
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	while (url) {
		if (++pages > GH_MAX_PAGES) {
			rc = rr_error_set(err, RR_ETOOBIG, "listing %s: more than %d pages", what,
					  GH_MAX_PAGES);
			break;
		}
		if ((rc = gh_call(cfg, rq, "GET", url, NULL, &resp, err))) {
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
		free(url);
		url = resp.next_url;
		resp.next_url = NULL;
		/* The token goes with every page: only ever to the configured API host. */
		if (url && !api_same_origin(url, gh_api_base(cfg))) {
			rc = rr_error_set(err, RR_EINVAL, "listing %s: next page link leaves the API "
					  "host; not followed", what);
			break;
		}
	}
	free(url);
	api_response_free(&resp);
	return rc;
}

static int gh_collect_page_cb(const json_t *page, void *data, struct rr_error *err)
{
	return gh_collect_page(page, data, err);
}

/* Fingerprints of every review comment already on the pull request (all pages). */
static int gh_collect_fingerprints(const struct forge_config *cfg,
				   const struct review_request *rq, const char *pull_url,
				   struct fp_set *fps, struct rr_error *err)
{
	char *url = NULL;
	int rc;

	if (asprintf(&url, "%s/comments?per_page=100", pull_url) < 0)
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	rc = gh_list_all(cfg, rq, url, "review comments", gh_collect_page_cb, fps, err);
	free(url);
	if (rc == RR_OK && fps->n)
		qsort(fps->v, fps->n, sizeof(*fps->v), fp_cmp);
	return rc;
}

struct gh_marker_search {
	const char *marker;
	bool seen;
};

static int gh_marker_page_cb(const json_t *page, void *data, struct rr_error *err)
{
	struct gh_marker_search *s = data;
	const json_t *r;
	size_t i;

	(void)err;
	json_array_foreach(page, i, r) {
		const json_t *body = json_object_get(r, "body");
		if (json_is_string(body) && strstr(json_string_value(body), s->marker))
			s->seen = true;
	}
	return RR_OK;
}

/* True in *seen when a review body on the pull request already carries marker. */
static int gh_reviews_have_marker(const struct forge_config *cfg, const struct review_request *rq,
				  const char *pull_url, const char *marker, bool *seen,
				  struct rr_error *err)
{
	struct gh_marker_search s = { marker, false };
	char *url = NULL;
	int rc;

	if (asprintf(&url, "%s/reviews?per_page=100", pull_url) < 0)
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	rc = gh_list_all(cfg, rq, url, "reviews", gh_marker_page_cb, &s, err);
	free(url);
	*seen = s.seen;
	return rc;
}

struct gh_plan {
	size_t *sel;               /* indices of findings to post, in order */
	size_t nsel;
	size_t nnew;               /* findings not yet on the PR (posted + over cap) */
};

static bool gh_finding_postable(const struct finding *f)
{
	return f->path && *f->path && f->line >= 1;
}

static int gh_plan_review(const struct finding_list *findings, const struct fp_set *posted,
			  unsigned max, struct gh_plan *plan, struct publish_result *res)
{
	size_t i;

	plan->nsel = plan->nnew = 0;
	plan->sel = calloc(findings->n ? findings->n : 1, sizeof(*plan->sel));
	if (!plan->sel)
		return RR_ENOMEM;
	for (i = 0; i < findings->n; i++) {
		const struct finding *f = &findings->items[i];
		if (!gh_finding_postable(f))
			continue;
		if (f->fingerprint[0] && fp_set_has(posted, f->fingerprint)) {
			res->already_posted++;
			continue;
		}
		plan->nnew++;
		if (plan->nsel < max)
			plan->sel[plan->nsel++] = i;
		else
			res->over_cap++;
	}
	return RR_OK;
}

static int rule_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Per-rule counts of the new findings as a markdown table, rules sorted by id. */
static int gh_summary_table(const struct finding_list *findings, const struct fp_set *posted,
			    struct rr_buf *b)
{
	const char **ids = calloc(findings->n ? findings->n : 1, sizeof(*ids));
	size_t i, n = 0;
	int rc = RR_OK;

	if (!ids)
		return RR_ENOMEM;
	for (i = 0; i < findings->n; i++) {
		const struct finding *f = &findings->items[i];
		if (gh_finding_postable(f) && !(f->fingerprint[0] && fp_set_has(posted, f->fingerprint)))
			ids[n++] = f->rule_id ? f->rule_id : "unknown";
	}
	qsort(ids, n, sizeof(*ids), rule_cmp);
	rc = rr_buf_puts(b, "| rule | count |\n| --- | ---: |\n");
	for (i = 0; i < n && rc == RR_OK;) {
		size_t j = i;
		while (j < n && strcmp(ids[j], ids[i]) == 0)
			j++;
		rc = rr_buf_printf(b, "| `%s` | %zu |\n", ids[i], j - i);
		i = j;
	}
	free(ids);
	return rc;
}

/* notice/marker: a repository-configuration notice new on this pull request, or NULL. */
static char *gh_summary_body(const struct finding_list *findings, const struct fp_set *posted,
			     const struct gh_plan *plan, size_t over_cap, unsigned max,
			     const char *notice, const char *marker)
{
	struct rr_buf b = RR_BUF_INIT;
	int rc = RR_OK;

	if (plan->nsel) {
		rc = rr_buf_printf(&b, "**rustreview** found %zu issue%s in this pull request.\n\n",
				   plan->nnew, plan->nnew == 1 ? "" : "s");
		if (rc == RR_OK)
			rc = gh_summary_table(findings, posted, &b);
	} else {
		rc = rr_buf_puts(&b, "**rustreview** has no new comments on this pull request.\n");
	}
	if (rc == RR_OK && over_cap)
		rc = rr_buf_printf(&b, "\n%zu more not posted: at most %u comments per review.\n",
				   over_cap, max);
	if (rc == RR_OK && notice)
		rc = rr_buf_printf(&b, "\n%s\n%s\n", notice, marker);
	if (rc == RR_OK)
		rc = rr_buf_puts(&b, "\n" GH_SUMMARY_MARKER "\n");
	if (rc != RR_OK) {
		rr_buf_free(&b);
		return NULL;
	}
	return rr_buf_detach(&b);
}

static json_t *gh_comment_json(const struct finding *f)
{
	/* A suggestion replaces the commented line(s): only safe on single-line comments. */
	char *body = finding_comment_body(f, f->end_line <= f->line);
	json_t *c;
	if (!body)
		return NULL;
	c = json_pack("{s:s,s:I,s:s,s:s}", "path", f->path, "line", (json_int_t)f->line, "side",
		      "RIGHT", "body", body);
	free(body);
	return c;
}

/* {"commit_id","event":"COMMENT","body","comments":[...]} */
static json_t *gh_review_json(const struct review_request *rq,
			      const struct finding_list *findings, const struct gh_plan *plan,
			      const char *summary)
{
	json_t *comments = json_array(), *review = NULL;
	size_t i;

	if (!comments)
		return NULL;
	for (i = 0; i < plan->nsel; i++) {
		json_t *c = gh_comment_json(&findings->items[plan->sel[i]]);
		if (!c || json_array_append_new(comments, c) != 0) {
			json_decref(comments);
			return NULL;
		}
	}
	review = json_pack("{s:s,s:s,s:s,s:o}", "commit_id", rq->head_sha, "event", "COMMENT",
			   "body", summary, "comments", comments);
	return review;
}

static int gh_check_publishable(const struct forge_config *cfg, const struct review_request *rq,
				struct rr_error *err)
{
	if (!cfg->state)
		return rr_error_set(err, RR_ECONFIG, "github: forge not initialised");
	if (!gh_name_ok(rq->owner) || !gh_name_ok(rq->repo))
		return rr_error_set(err, RR_EINVAL, "github publish: bad owner or repository name");
	if (rq->number <= 0)
		return rr_error_set(err, RR_EINVAL, "github publish: bad pull request number");
	if (!rq->head_sha || !is_sha(rq->head_sha))
		return rr_error_set(err, RR_EINVAL, "github publish: head_sha is not a 40-digit hex SHA");
	return RR_OK;
}

static void gh_log_publish(const struct review_request *rq, const struct publish_result *res,
			   int rc, const struct rr_error *err)
{
	char num[24], posted[24], already[24], over[24];
	snprintf(num, sizeof(num), "%ld", rq->number);
	snprintf(posted, sizeof(posted), "%zu", res->posted);
	snprintf(already, sizeof(already), "%zu", res->already_posted);
	snprintf(over, sizeof(over), "%zu", res->over_cap);
	if (rc == RR_OK)
		rr_log(RR_LOG_INFO, res->review_created ? "github.review.posted" : "github.review.nothing_new",
		       "owner", rq->owner, "repo", rq->repo, "number", num, "head", rq->head_sha,
		       "posted", posted, "already_posted", already, "over_cap", over, NULL);
	else
		rr_log(RR_LOG_WARN, "github.review.failed", "owner", rq->owner, "repo", rq->repo,
		       "number", num, "head", rq->head_sha, "code", rr_strcode(rc),
		       "error", err ? err->msg : "", NULL);
}

static int gh_post_review(const struct forge_config *cfg, const struct review_request *rq,
			  const char *pull_url, const json_t *review, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *url = NULL;
	int rc;

	if (asprintf(&url, "%s/reviews", pull_url) < 0)
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	/* A 422 (a line outside the diff, a stale commit) is permanent for this payload:
	 * the api layer classifies it RR_EINVAL and nothing here retries it. */
	rc = gh_call(cfg, rq, "POST", url, review, &resp, err);
	if (rc)
		rr_error_wrap(err, "posting the review");
	api_response_free(&resp);
	free(url);
	return rc;
}

static int gh_publish(struct forge_config *cfg, const struct review_request *rq,
		      const struct finding_list *findings, struct publish_result *res,
		      struct rr_error *err)
{
	struct fp_set posted = { NULL, 0, 0 };
	struct gh_plan plan = { NULL, 0, 0 };
	unsigned max = cfg->max_comments ? cfg->max_comments : GH_DEFAULT_MAX_COMMENTS;
	char marker[FINDING_NOTICE_MARKER_SIZE] = "";
	bool notice_new = false;
	char *pull_url = NULL, *summary = NULL;
	json_t *review = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = gh_check_publishable(cfg, rq, err)))
		goto done;
	if (asprintf(&pull_url, "%.*s/repos/%s/%s/pulls/%ld", gh_api_base_len(cfg),
		     gh_api_base(cfg), rq->owner, rq->repo, rq->number) < 0) {
		pull_url = NULL;
		rc = rr_error_set(err, RR_ENOMEM, "github: out of memory");
		goto done;
	}
	if ((rc = gh_collect_fingerprints(cfg, rq, pull_url, &posted, err)))
		goto done;
	if ((rc = gh_plan_review(findings, &posted, max, &plan, res))) {
		rr_error_set(err, rc, "github: out of memory");
		goto done;
	}
	if (findings->notice) {
		bool seen = false;
		finding_notice_marker(findings->notice, marker);
		if ((rc = gh_reviews_have_marker(cfg, rq, pull_url, marker, &seen, err)))
			goto done;
		notice_new = !seen;
	}
	if (plan.nsel == 0 && !notice_new)
		goto done;         /* nothing new: no review at all */
	if (!(summary = gh_summary_body(findings, &posted, &plan, res->over_cap, max,
					notice_new ? findings->notice : NULL, marker)) ||
	    !(review = gh_review_json(rq, findings, &plan, summary))) {
		rc = rr_error_set(err, RR_ENOMEM, "github: building the review: out of memory");
		goto done;
	}
	if ((rc = gh_post_review(cfg, rq, pull_url, review, err)))
		goto done;
	res->posted = plan.nsel;
	res->review_created = true;
done:
	if (rc && pull_url)
		rr_error_wrap(err, "github: %s/%s#%ld", rq->owner, rq->repo, rq->number);
	gh_log_publish(rq, res, rc, err);
	json_decref(review);
	free(summary);
	free(plan.sel);
	free(posted.v);
	free(pull_url);
	return rc;
}

/* POST /repos/{o}/{r}/statuses/{head}: context "rustreview". Needs the App's
 * "Commit statuses: write" permission; without it GitHub answers 403 and the
 * caller logs it (the review itself is posted). */
static int gh_set_status(struct forge_config *cfg, const struct review_request *rq, bool failing,
			 const char *description, struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	char *url = NULL;
	json_t *body;
	int rc;

	if ((rc = gh_check_publishable(cfg, rq, err)))
		return rc;
	if (asprintf(&url, "%.*s/repos/%s/%s/statuses/%s", gh_api_base_len(cfg), gh_api_base(cfg),
		     rq->owner, rq->repo, rq->head_sha) < 0)
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	body = json_pack("{s:s,s:s,s:s}", "state", failing ? "failure" : "success",
			 "description", description, "context", "rustreview");
	if (!body) {
		free(url);
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	}
	rc = gh_call(cfg, rq, "POST", url, body, &resp, err);
	if (rc)
		rr_error_wrap(err, "github: setting the commit status of %s/%s@%.12s", rq->owner,
			      rq->repo, rq->head_sha);
	api_response_free(&resp);
	json_decref(body);
	free(url);
	return rc;
}

const struct forge forge_github = {
	.name = "github",
	.init = gh_init,
	.cleanup = gh_cleanup,
	.verify = gh_verify,
	.parse_event = gh_parse_event,
	.git_credentials = gh_git_credentials,
	.fetch_refspecs = gh_fetch_refspecs,
	.publish = gh_publish,
	.set_status = gh_set_status,
};
