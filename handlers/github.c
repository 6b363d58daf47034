/* github.c — the GitHub forge; see github.h and forge.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* timegm, strptime */
#endif
#include "github.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../common/log.h"
#include "../common/secret.h"
#include "api.h"
#include "jsonscan.h"
#include "publish.h"
#include "tokens.h"
#include "webhook.h"

#define GH "github"
#define GH_DEFAULT_API        "https://api.github.com"
#define GH_API_VERSION        "X-GitHub-Api-Version: 2022-11-28"
#define GH_ACCEPT             "Accept: application/vnd.github+json"
#define GH_SIG_HEADER         "X-Hub-Signature-256"
/* Refresh an installation token this long before GitHub expires it. */
#define GH_TOKEN_MARGIN_S     300
/* 100 pages of 100 comments: a pull request with more is not one we can dedupe sanely. */
#define GH_MAX_PAGES          100
#define gh_app_id(cfg)        ((cfg)->extra[0])
#define gh_private_key(cfg)   ((cfg)->extra[1])

static const struct forge_setting gh_settings[] = {
	{ "API_URL", FORGE_SLOT_URL, FORGE_SETTING_URL, GH_DEFAULT_API,
	  "REST API (Enterprise Server: https://HOST/api/v3)" },
	{ "APP_ID", FORGE_SLOT_EXTRA1, 0, NULL, "GitHub App id (or client id)" },
	{ "PRIVATE_KEY", FORGE_SLOT_EXTRA2, FORGE_SETTING_SECRET, NULL, "GitHub App private key (PEM)" },
	{ "TOKEN", FORGE_SLOT_TOKEN, FORGE_SETTING_SECRET, NULL, "a token instead of an App" },
	{ "CA_BUNDLE", FORGE_SLOT_CA_BUNDLE, 0, NULL, "CA file for TLS to GitHub (API and git)" },
	{ "GIT_URL", FORGE_SLOT_GIT_URL, FORGE_SETTING_URL | FORGE_SETTING_ORIGIN, NULL,
	  "where git is served (default: derived from the API URL)" },
	{ NULL, FORGE_SLOT_COUNT, 0, NULL, NULL },
};

/* ======================================================================== */
/* state: key, API client, installation token cache                         */
/* ======================================================================== */

struct gh_state {
	EVP_PKEY *key;             /* App private key; NULL in token mode */
	struct api_client *api;
	struct token_cache *tokens;   /* installation id → token */
};

static const char *gh_api_base(const struct forge_config *cfg)
{
	return cfg->api_url && *cfg->api_url ? cfg->api_url : GH_DEFAULT_API;
}

static int gh_api_base_len(const struct forge_config *cfg)
{
	return webhook_base_len(gh_api_base(cfg));
}

static bool gh_app_mode(const struct forge_config *cfg)
{
	return gh_app_id(cfg) && *gh_app_id(cfg) && gh_private_key(cfg) && *gh_private_key(cfg);
}

/* The installation of a request, from the forge-private data ({"installation_id": N}). */
static long gh_installation(const struct review_request *rq)
{
	return review_request_forge_long(rq, "installation_id");
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
	if (!st)
		return;
	token_cache_free(st->tokens);
	api_client_free(st->api);
	EVP_PKEY_free(st->key);
	free(st);
}

static int gh_check_auth_config(const struct forge_config *cfg, struct rr_error *err)
{
	bool has_id = gh_app_id(cfg) && *gh_app_id(cfg);
	bool has_key = gh_private_key(cfg) && *gh_private_key(cfg);
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
	if (!(st = calloc(1, sizeof(*st))) || token_cache_new(&st->tokens) != RR_OK) {
		gh_state_free(st);
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	}
	if (gh_app_mode(cfg) && (rc = gh_parse_private_key(gh_private_key(cfg), &st->key, err)))
		goto fail;
	opt = forge_api_options(cfg, GH);
	opt.ratelimit_remaining_header = "X-RateLimit-Remaining";
	opt.ratelimit_reset_header = "X-RateLimit-Reset";
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

static const char *gh_auth_mode(const struct forge_config *cfg)
{
	return gh_app_mode(cfg) ? "app" : "token";
}

static void gh_cleanup(struct forge_config *cfg)
{
	gh_state_free(cfg->state);
	cfg->state = NULL;
}

static int gh_verify(const struct forge_config *cfg, const struct http_request *req,
		     struct rr_error *err)
{
	return webhook_verify_hmac(GH, cfg->webhook_secret, req, GH_SIG_HEADER, "sha256=", err);
}

/* ======================================================================== */
/* pull_request events                                                      */
/* ======================================================================== */

/*
 * The payload fields parse_event reads. A 25 KB delivery is scanned once,
 * without building a tree; the scanner still validates the whole document and
 * refuses a repeated key on any of these paths.
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
/* Action names are at most 64 bytes; one more shows a longer one. */
#define GH_ACTION_BUF 66

struct gh_payload {
	struct jsonscan_field f[GF_COUNT];
	char action[GH_ACTION_BUF];
};

static bool gh_action_reviewed(const char *a)
{
	return strcmp(a, "opened") == 0 || strcmp(a, "reopened") == 0 ||
	       strcmp(a, "synchronize") == 0 || strcmp(a, "ready_for_review") == 0;
}

static int gh_scan_payload(const struct http_request *req, struct gh_payload *pl,
			   struct rr_error *err)
{
	memset(pl, 0, sizeof(*pl));
	for (size_t i = 0; i < GF_COUNT; i++)
		pl->f[i].path = gh_field_paths[i];
	pl->f[GF_ACTION].buf = pl->action;
	pl->f[GF_ACTION].buf_size = sizeof(pl->action);
	return webhook_scan(GH, req, pl->f, GF_COUNT, err);
}

/* RR_SKIP for drafts unless configured; RR_EINVAL when "draft" is not a boolean. */
static int gh_check_draft(const struct forge_config *cfg, const struct gh_payload *pl,
			  struct rr_error *err)
{
	bool draft;
	int rc = webhook_take_bool(GH, &pl->f[GF_DRAFT], &draft, err);
	if (rc == RR_OK && draft && !cfg->review_drafts)
		return rr_error_set(err, RR_SKIP, "draft pull request skipped");
	return rc;
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

/* The clone URL must be the request's own repository on the configured git host. */
static int gh_check_clone_url(const struct forge_config *cfg, const char *url, const char *owner,
			      const char *repo, struct rr_error *err)
{
	char *origin = gh_git_origin(cfg);
	int rc;

	if (!origin)
		return rr_error_set(err, RR_ECONFIG, "github: RUSTREVIEW_GITHUB_GIT_URL (or the API "
				    "URL it is derived from) is not a URL");
	rc = webhook_check_clone_url(GH, "repository.clone_url", "RUSTREVIEW_GITHUB_GIT_URL",
				     origin, url, owner, repo, err);
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
	rr_log_kv(RR_LOG_WARN, "github.api_url.refused", RR_KV_STR("allowed", gh_api_base(cfg)));
	return rr_error_set(err, RR_EINVAL, "github payload: field 'repository.url' is not on the "
			    "configured API host (RUSTREVIEW_GITHUB_API_URL)");
}

static int gh_fill_request(const struct forge_config *cfg, const struct gh_payload *pl,
			   struct review_request *out, struct rr_error *err)
{
	long installation = 0;
	int rc;

	if ((rc = webhook_take_string(GH, &pl->f[GF_OWNER], &out->owner, err)) ||
	    (rc = webhook_take_string(GH, &pl->f[GF_NAME], &out->repo, err)) ||
	    (rc = webhook_take_string(GH, &pl->f[GF_CLONE_URL], &out->clone_url, err)) ||
	    (rc = webhook_take_string(GH, &pl->f[GF_URL], &out->api_url, err)) ||
	    (rc = webhook_take_positive(GH, &pl->f[GF_NUMBER], true, &out->number, err)) ||
	    (rc = webhook_take_string(GH, &pl->f[GF_BASE_REF], &out->base_ref, err)) ||
	    (rc = webhook_take_sha(GH, &pl->f[GF_BASE_SHA], &out->base_sha, err)) ||
	    (rc = webhook_take_sha(GH, &pl->f[GF_HEAD_SHA], &out->head_sha, err)) ||
	    (rc = webhook_take_positive(GH, &pl->f[GF_INSTALLATION_ID], false, &installation, err)))
		return rc;
	/* GitHub owners have no '/': one segment, like the repository name. */
	if (!webhook_path_ok(out->owner, false))
		return rr_error_set(err, RR_EINVAL,
				    "github payload: field 'repository.owner.login' is not a valid owner");
	if ((rc = webhook_check_names(GH, "repository.owner.login", out->owner, "repository.name",
				      out->repo, err)) ||
	    (rc = gh_check_clone_url(cfg, out->clone_url, out->owner, out->repo, err)) ||
	    (rc = gh_check_api_url(cfg, out->api_url, err)))
		return rc;
	if (!webhook_branch_ok(out->base_ref))
		return rr_error_set(err, RR_EINVAL, "github payload: field 'pull_request.base.ref' is "
				    "not a valid branch name");
	if (installation > 0 &&
	    asprintf(&out->forge_data, "{\"installation_id\":%ld}", installation) < 0) {
		out->forge_data = NULL;
		return rr_error_set(err, RR_ENOMEM, "github payload: out of memory");
	}
	return RR_OK;
}

/* The action as a C string, or NULL when it is not a plausible action name. */
static const char *gh_action(const struct gh_payload *pl)
{
	const struct jsonscan_field *f = &pl->f[GF_ACTION];
	if (f->truncated || f->has_nul || !webhook_word_ok(pl->action, 64, NULL))
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
	if (!webhook_word_ok(event, 64, NULL))
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
	if (!delivery || !webhook_delivery_ok(delivery))
		return rr_error_set(err, RR_EINVAL, "github webhook: X-GitHub-Delivery header %s",
				    delivery ? "is not a delivery id" : "missing");
	if (!(out->forge = rr_strdup(GH)) || !(out->delivery_id = rr_strdup(delivery)) ||
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

/* Every call sends these, and the token as "Authorization: Bearer <token>". */
static const char *const gh_headers[] = { GH_ACCEPT, GH_API_VERSION, NULL };
#define GH_AUTH "Authorization: Bearer "

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
	char *jwt = NULL, *url = NULL;
	int rc;

	*token = NULL;
	if ((rc = gh_jwt_sign(st->key, gh_app_id(cfg), time(NULL), &jwt, err)))
		goto done;
	if (asprintf(&url, "%.*s/app/installations/%ld/access_tokens", gh_api_base_len(cfg),
		     gh_api_base(cfg), installation) < 0) {
		url = NULL;
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
		goto done;
	}
	/* The App's own limits (its JWT changes every mint): one key for the App. */
	if ((rc = api_request_keyed(st->api, "create_token", "github:app", GH_AUTH, jwt, "POST", url,
				    gh_headers, NULL, &resp, err)))
		goto done;
	rc = gh_read_token_response(&resp, token, expires, err);
done:
	if (rc)
		rr_error_wrap(err, "installation %ld access token", installation);
	api_response_free(&resp);
	rr_secret_free(jwt);
	free(url);
	return rc;
}

/*
 * The installation token, from the cache or freshly minted. The lock is held
 * while minting on purpose: concurrent jobs of one installation then wait for
 * one token instead of each asking GitHub for its own.
 */
static int gh_installation_token(const struct forge_config *cfg, struct gh_state *st,
				 long installation, char **out, bool *cached, struct rr_error *err)
{
	time_t expires = (time_t)-1;
	char *fresh = NULL;
	int rc = RR_OK;

	*out = NULL;
	*cached = false;
	if (installation <= 0)
		return rr_error_set(err, RR_EINVAL, "github: the request has no installation id "
				    "(GitHub App mode needs the delivery's installation.id)");
	token_cache_lock(st->tokens);
	if (token_cache_get_locked(st->tokens, installation, time(NULL), out) != RR_OK) {
		rc = rr_error_set(err, RR_ENOMEM, "github: out of memory");
		goto done;
	}
	if (*out) {
		*cached = true;
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
	else if (token_cache_put_locked(st->tokens, installation, fresh,
					expires - GH_TOKEN_MARGIN_S) != RR_OK)
		rr_log_kv(RR_LOG_WARN, "github.token.cache_full",
			  RR_KV_INT("installation", installation));   /* still usable now */
	rr_log_kv(RR_LOG_INFO, "github.token.minted", RR_KV_INT("installation", installation),
		  RR_KV_BOOL("cached", expires != (time_t)-1));
done:
	token_cache_unlock(st->tokens);
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
		return gh_installation_token(cfg, st, gh_installation(rq), out, cached, err);
	if (!(*out = rr_secret_dup(cfg->token)))
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	return RR_OK;
}

/* ======================================================================== */
/* authenticated REST calls                                                 */
/* ======================================================================== */

struct gh_call_ctx {
	const struct forge_config *cfg;
	const struct review_request *rq;
};

/* Operations, as /metrics names them (rustreview_forge_api_calls_total). */
#define GH_OP_LIST_COMMENTS "list_comments"
#define GH_OP_LIST_REVIEWS  "list_reviews"
#define GH_OP_POST_REVIEW   "post_review"
#define GH_OP_SET_STATUS    "set_status"

/* What GitHub's limits are kept by: an App's installation (each replica mints
 * its own tokens for it), else NULL: the token. */
static const char *gh_rate_key(const struct forge_config *cfg, const struct review_request *rq,
			       char key[40])
{
	if (!gh_app_mode(cfg))
		return NULL;
	snprintf(key, 40, "github:installation:%ld", gh_installation(rq));
	return key;
}

/*
 * One API call with the request's credentials. A 401 with a cached App token
 * means the token was revoked early: drop it, mint a new one, try once more.
 */
static int gh_call(const struct forge_config *cfg, const struct review_request *rq,
		   const char *operation, const char *method, const char *url, const json_t *body,
		   struct api_response *resp, struct rr_error *err)
{
	struct gh_state *st = cfg->state;
	int attempt, rc = RR_ERR;
	char key[40];

	for (attempt = 0; attempt < 2; attempt++) {
		char *token = NULL;
		bool cached = false;

		api_response_free(resp);
		if ((rc = gh_token_for(cfg, rq, &token, &cached, err)))
			return rc;
		rc = api_request_keyed(st->api, operation, gh_rate_key(cfg, rq, key), GH_AUTH, token,
				       method, url, gh_headers, body, resp, err);
		if (rc == RR_EAUTH && cached && attempt == 0) {
			token_cache_drop(st->tokens, gh_installation(rq), token);
			rr_secret_free(token);
			rr_log_kv(RR_LOG_INFO, "github.token.rejected", RR_KV_STR("action", "refresh"));
			continue;
		}
		rr_secret_free(token);
		break;
	}
	return rc;
}

static int gh_call_cb(void *ctx, const char *operation, const char *method, const char *url,
		      const json_t *body, struct api_response *resp, struct rr_error *err)
{
	const struct gh_call_ctx *c = ctx;
	return gh_call(c->cfg, c->rq, operation, method, url, body, resp, err);
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
	if (rq->clone_url && (rc = gh_check_clone_url(cfg, rq->clone_url, rq->owner ? rq->owner : "",
						      rq->repo ? rq->repo : "", err)))
		return rr_error_wrap(err, "github: git credentials for %s/%s",
				     rq->owner ? rq->owner : "?", rq->repo ? rq->repo : "?");
	if ((rc = gh_token_for(cfg, rq, &out->password, &cached, err)))
		return rr_error_wrap(err, "github: git credentials for %s/%s", rq->owner ? rq->owner : "?",
				     rq->repo ? rq->repo : "?");
	snprintf(out->username, sizeof(out->username), "%s", forge_github.git_user);
	return RR_OK;
}

static int gh_fetch_refspecs(const struct review_request *rq, char ***out, size_t *n,
			     struct rr_error *err)
{
	return webhook_refspecs(GH, rq->base_ref, "refs/pull/%ld/head", rq->number, out, n, err);
}

/* ======================================================================== */
/* publish: list what is there, post one review                             */
/* ======================================================================== */

static int gh_check_publishable(const struct forge_config *cfg, const struct review_request *rq,
				struct rr_error *err)
{
	if (!cfg->state)
		return rr_error_set(err, RR_ECONFIG, "github: forge not initialised");
	if (!webhook_path_ok(rq->owner, false) || !webhook_path_ok(rq->repo, false))
		return rr_error_set(err, RR_EINVAL, "github publish: bad owner or repository name");
	if (rq->number <= 0)
		return rr_error_set(err, RR_EINVAL, "github publish: bad pull request number");
	if (!rq->head_sha || !webhook_sha_ok(rq->head_sha))
		return rr_error_set(err, RR_EINVAL, "github publish: head_sha is not a 40-digit hex SHA");
	return RR_OK;
}

static char *gh_pull_url(const struct forge_config *cfg, const struct review_request *rq,
			 const char *suffix)
{
	char *url = NULL;
	if (asprintf(&url, "%.*s/repos/%s/%s/pulls/%ld%s", gh_api_base_len(cfg), gh_api_base(cfg),
		     rq->owner, rq->repo, rq->number, suffix) < 0)
		return NULL;
	return url;
}

/* Every review comment (all pages); review bodies only when the publisher asks. */
static int gh_list_existing(struct forge_config *cfg, const struct review_request *rq,
			    struct publish_existing *ex, struct rr_error *err)
{
	struct gh_call_ctx ctx = { cfg, rq };
	char *url = NULL;
	int rc;

	if ((rc = gh_check_publishable(cfg, rq, err)))
		return rc;
	if (!(url = gh_pull_url(cfg, rq, "/comments?per_page=100")))
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	rc = api_list_all(gh_call_cb, &ctx, GH_OP_LIST_COMMENTS, url, gh_api_base(cfg),
			  "review comments", GH_MAX_PAGES, publish_existing_comment_page, ex, err);
	free(url);
	if (rc != RR_OK || !ex->want_summaries)
		return rc;
	if (!(url = gh_pull_url(cfg, rq, "/reviews?per_page=100")))
		return rr_error_set(err, RR_ENOMEM, "github: out of memory");
	rc = api_list_all(gh_call_cb, &ctx, GH_OP_LIST_REVIEWS, url, gh_api_base(cfg), "reviews",
			  GH_MAX_PAGES, publish_existing_summary_page, ex, err);
	free(url);
	return rc;
}

/* {"commit_id","event":"COMMENT","body","comments":[{path,line,side,body}]} */
static json_t *gh_review_json(const struct publish_review *review)
{
	json_t *comments = json_array();

	if (!comments)
		return NULL;
	for (size_t i = 0; i < review->n; i++) {
		const struct publish_comment *c = &review->comments[i];
		json_t *o = json_pack("{s:s,s:I,s:s,s:s}", "path", c->finding->path, "line",
				      (json_int_t)c->finding->line, "side", "RIGHT", "body", c->body);
		if (!o || json_array_append_new(comments, o) != 0) {
			json_decref(comments);
			return NULL;
		}
	}
	return json_pack("{s:s,s:s,s:s,s:o}", "commit_id", review->head_sha, "event", "COMMENT",
			 "body", review->summary ? review->summary : "", "comments", comments);
}

static int gh_post_review(struct forge_config *cfg, const struct review_request *rq,
			  const struct publish_review *review, struct publish_result *res,
			  struct rr_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	json_t *body = gh_review_json(review);
	char *url = gh_pull_url(cfg, rq, "/reviews");
	int rc;

	if (!body || !url) {
		rc = rr_error_set(err, RR_ENOMEM, "github: building the review: out of memory");
		goto done;
	}
	/* A 422 (a line outside the diff, a stale commit) is permanent for this payload:
	 * the api layer classifies it RR_EINVAL and nothing here retries it. */
	if ((rc = gh_call(cfg, rq, GH_OP_POST_REVIEW, "POST", url, body, &resp, err))) {
		rr_error_wrap(err, "posting the review");
		goto done;
	}
	res->posted = review->n;
	res->review_created = true;
done:
	api_response_free(&resp);
	json_decref(body);
	free(url);
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
	rc = gh_call(cfg, rq, GH_OP_SET_STATUS, "POST", url, body, &resp, err);
	if (rc)
		rr_error_wrap(err, "github: setting the commit status of %s/%s@%.12s", rq->owner,
			      rq->repo, rq->head_sha);
	api_response_free(&resp);
	json_decref(body);
	free(url);
	return rc;
}

const struct forge forge_github = {
	.name = GH,
	.settings = gh_settings,
	.git_user = "x-access-token",
	.suggestion_info = "suggestion",
	.summary_per_head = false,
	.init = gh_init,
	.auth_mode = gh_auth_mode,
	.cleanup = gh_cleanup,
	.verify = gh_verify,
	.parse_event = gh_parse_event,
	.git_credentials = gh_git_credentials,
	.fetch_refspecs = gh_fetch_refspecs,
	.list_existing = gh_list_existing,
	.post_review = gh_post_review,
	.set_status = gh_set_status,
};
