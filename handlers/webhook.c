/* webhook.c — intake checks shared by every forge; see webhook.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "webhook.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <git2.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../common/log.h"
#include "api.h"

#define NAME_MAX_LEN 100

/* ---- authenticity --------------------------------------------------------- */

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
	if (strlen(hex) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

int webhook_verify_hmac(const char *forge, const char *secret, const struct http_request *req,
			const char *header, const char *prefix, struct rr_error *err)
{
	const char *sig = http_request_header(req, header);
	unsigned char want[32], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;
	const char *body = req->body ? req->body : "";
	size_t plen = strlen(prefix);
	int rc = RR_OK;

	if (!secret || !*secret)
		return rr_error_set(err, RR_EAUTH, "%s webhook: no webhook secret configured", forge);
	if (!sig)
		return rr_error_set(err, RR_EAUTH, "%s webhook: %s header missing", forge, header);
	if (!req->body && req->body_len)
		return rr_error_set(err, RR_EAUTH, "%s webhook: no body", forge);
	if (strncmp(sig, prefix, plen) != 0 || !hex_decode(sig + plen, want, sizeof(want)))
		return rr_error_set(err, RR_EAUTH, "%s webhook: %s is not %s<64 hex digits>", forge,
				    header, prefix);
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body,
		  req->body_len, got, &got_len) ||
	    got_len != sizeof(want)) {
		ERR_clear_error();
		rc = rr_error_set(err, RR_EAUTH, "%s webhook: computing HMAC-SHA256 failed", forge);
	} else if (CRYPTO_memcmp(got, want, sizeof(want)) != 0) {
		rc = rr_error_set(err, RR_EAUTH, "%s webhook: %s does not match the body", forge,
				  header);
	}
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}

int webhook_verify_token(const char *forge, const char *secret, const struct http_request *req,
			 const char *header, struct rr_error *err)
{
	const char *got = http_request_header(req, header);

	if (!secret || !*secret)
		return rr_error_set(err, RR_EAUTH, "%s webhook: no webhook secret configured", forge);
	if (!got)
		return rr_error_set(err, RR_EAUTH, "%s webhook: %s header missing", forge, header);
	if (!rr_consttime_eq(got, strlen(got), secret, strlen(secret)))
		return rr_error_set(err, RR_EAUTH, "%s webhook: %s does not match the webhook secret",
				    forge, header);
	return RR_OK;
}

/* ---- payload ---------------------------------------------------------------- */

int webhook_scan(const char *forge, const struct http_request *req, struct jsonscan_field *f,
		 size_t n, struct rr_error *err)
{
	int rc;

	if (!req->body || req->body_len == 0)
		return rr_error_set(err, RR_EINVAL, "%s payload: empty body", forge);
	rc = jsonscan_scan(req->body, req->body_len, f, n, WEBHOOK_MAX_NESTING, err);
	if (rc == RR_ETOOBIG)
		return rr_error_set(err, RR_EINVAL, "%s payload: nested deeper than %d levels", forge,
				    WEBHOOK_MAX_NESTING);
	if (rc != RR_OK)
		return rr_error_wrap(err, "%s payload", forge);
	/* The caller puts the root ("") first. */
	if (n && f[0].path && !*f[0].path && f[0].type != JSONSCAN_OBJECT)
		return rr_error_set(err, RR_EINVAL, "%s payload: not a JSON object", forge);
	return RR_OK;
}

int webhook_take_string(const char *forge, const struct jsonscan_field *f, char **out,
			struct rr_error *err)
{
	*out = NULL;
	if (f->type == JSONSCAN_ABSENT)
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' missing", forge, f->path);
	if (f->type != JSONSCAN_STRING)
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not a string", forge,
				    f->path);
	/* A NUL would silently cut the C string every later check looks at. */
	if (f->has_nul)
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' contains a NUL character",
				    forge, f->path);
	/* The decoded string is never longer than its quoted source. */
	if (!(*out = malloc(f->raw_len)))
		return rr_error_set(err, RR_ENOMEM, "%s payload: out of memory", forge);
	if (jsonscan_decode(f, *out, f->raw_len, err) != RR_OK)
		return rr_error_wrap(err, "%s payload: field '%s'", forge, f->path);
	return RR_OK;
}

bool webhook_sha_ok(const char *s)
{
	size_t i;
	for (i = 0; i < WEBHOOK_SHA_LEN; i++)
		if (hex_value(s[i]) < 0)
			return false;
	return s[WEBHOOK_SHA_LEN] == '\0';
}

int webhook_take_sha(const char *forge, const struct jsonscan_field *f, char **out,
		     struct rr_error *err)
{
	int rc = webhook_take_string(forge, f, out, err);
	if (rc)
		return rc;
	if (!webhook_sha_ok(*out))
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not a 40-digit hex SHA",
				    forge, f->path);
	for (char *p = *out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return RR_OK;
}

int webhook_take_positive(const char *forge, const struct jsonscan_field *f, bool required,
			  long *out, struct rr_error *err)
{
	int64_t v = 0;

	*out = 0;
	if (f->type == JSONSCAN_ABSENT)
		return required ? rr_error_set(err, RR_EINVAL, "%s payload: field '%s' missing", forge,
					       f->path)
				: RR_OK;
	if (jsonscan_int64(f, &v) != RR_OK || v <= 0 || v > LONG_MAX)
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not a positive integer",
				    forge, f->path);
	*out = (long)v;
	return RR_OK;
}

int webhook_take_bool(const char *forge, const struct jsonscan_field *f, bool *out,
		      struct rr_error *err)
{
	*out = f->type == JSONSCAN_TRUE;
	if (f->type == JSONSCAN_ABSENT || f->type == JSONSCAN_NULL || f->type == JSONSCAN_TRUE ||
	    f->type == JSONSCAN_FALSE)
		return RR_OK;
	return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not a boolean", forge,
			    f->path);
}

bool webhook_word_ok(const char *s, size_t max, const char *also)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && *s != '_' && !(also && strchr(also, *s)))
			return false;
	return true;
}

bool webhook_delivery_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 100)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* One segment [s, s+n) of a repository path. */
static bool segment_ok(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN || (n == 1 && s[0] == '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return false;     /* "..x": a path step the mirror would refuse later */
	}
	return true;
}

bool webhook_path_ok(const char *s, bool allow_slash)
{
	size_t segments = 0;

	if (!s)
		return false;
	for (;;) {
		size_t n = strcspn(s, "/");
		if (!segment_ok(s, n) || ++segments > (allow_slash ? WEBHOOK_MAX_SEGMENTS : 1))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

bool webhook_branch_ok(const char *s)
{
	char ref[300];
	int valid = 0;

	return s && strlen(s) <= 255 &&
	       snprintf(ref, sizeof(ref), "refs/heads/%s", s) < (int)sizeof(ref) &&
	       git_reference_name_is_valid(&valid, ref) == 0 && valid;
}

int webhook_refspecs(const char *forge, const char *base_ref, const char *head_fmt, long number,
		     char ***out, size_t *n, struct rr_error *err)
{
	char **specs, *head = NULL;

	*out = NULL;
	*n = 0;
	if (!base_ref || number <= 0)
		return rr_error_set(err, RR_EINVAL, "%s refspecs: base_ref and number required", forge);
	if (!webhook_branch_ok(base_ref))
		return rr_error_set(err, RR_EINVAL, "%s refspecs: base ref '%.200s' is not a valid "
				    "branch name", forge, base_ref);
	if (!(specs = calloc(2, sizeof(*specs))))
		return rr_error_set(err, RR_ENOMEM, "%s refspecs: out of memory", forge);
	if (asprintf(&specs[0], "+refs/heads/%s:refs/rustreview/base/%s", base_ref, base_ref) < 0)
		specs[0] = NULL;
	/* head_fmt is one of the forge's constants, never input */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (asprintf(&head, head_fmt, number) < 0)
		head = NULL;
#pragma GCC diagnostic pop
	if (head && asprintf(&specs[1], "+%s:refs/rustreview/pull/%ld/head", head, number) < 0)
		specs[1] = NULL;
	free(head);
	if (!specs[0] || !specs[1]) {
		free(specs[0]);
		free(specs[1]);
		free(specs);
		return rr_error_set(err, RR_ENOMEM, "%s refspecs: out of memory", forge);
	}
	*out = specs;
	*n = 2;
	return RR_OK;
}

int webhook_check_names(const char *forge, const char *owner_field, const char *owner,
			const char *repo_field, const char *repo, struct rr_error *err)
{
	if (!webhook_path_ok(owner, true))
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not a valid owner",
				    forge, owner_field);
	if (!webhook_path_ok(repo, false))
		return rr_error_set(err, RR_EINVAL,
				    "%s payload: field '%s' is not a valid repository name", forge,
				    repo_field);
	return RR_OK;
}

/* ---- URLs --------------------------------------------------------------------- */

bool webhook_url_plain(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p || p == url)
		return false;
	for (; *url; url++)
		if (!isalnum((unsigned char)*url) && !strchr("-._~/:", *url))
			return false;
	return true;
}

int webhook_base_len(const char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return (int)n;
}

/* "/./" or "/../" (or one at the end): read differently by whoever normalises. */
static bool has_dot_segment(const char *url)
{
	size_t n = strlen(url);
	return strstr(url, "/./") || strstr(url, "/../") ||
	       (n >= 2 && strcmp(url + n - 2, "/.") == 0) || (n >= 3 && strcmp(url + n - 3, "/..") == 0);
}

/* The path of an absolute URL (curl's parse), "/" at least; heap, or NULL. */
static char *url_path(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK)
		out = rr_strdup(path);
	curl_free(path);
	curl_url_cleanup(u);
	return out;
}

/* scheme://host[:port] of an http(s) URL (heap), or NULL. The host of a
 * refused clone URL is what an operator needs to see; the path may be long. */
static char *url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		if (asprintf(&out, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "") < 0)
			out = NULL;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* A refused clone URL, in the delivery's story (the server's log context
 * names the delivery and forge): the URL (plain characters, checked above;
 * from an authenticated payload), its origin, and why. */
static void log_clone_url_refused(const char *forge, const char *url, const char *origin,
				  const char *allowed, const char *owner, const char *repo,
				  const char *reason)
{
	char event[64], repository[512];

	snprintf(event, sizeof(event), "%s.clone_url.refused", forge);
	snprintf(repository, sizeof(repository), "%s/%s", owner, repo);
	rr_log_kv(RR_LOG_WARN, event, RR_KV_STR("repository", repository), RR_KV_STR("url", url),
		  RR_KV_STR("url_origin", origin), RR_KV_STR("allowed", allowed),
		  RR_KV_STR("reason", reason));
}

/* path == <prefix>/<owner>/<repo>[.git], case-insensitively; prefix without trailing '/'. */
static bool clone_path_matches(const char *path, const char *prefix, const char *owner,
			       const char *repo)
{
	char *want = NULL;
	bool ok = false;
	size_t plen = (size_t)webhook_base_len(prefix);

	if (asprintf(&want, "%.*s/%s/%s", (int)plen, prefix, owner, repo) < 0)
		return false;
	ok = strcasecmp(path, want) == 0 ||
	     (strlen(path) == strlen(want) + 4 && strncasecmp(path, want, strlen(want)) == 0 &&
	      strcasecmp(path + strlen(want), ".git") == 0);
	free(want);
	return ok;
}

int webhook_check_clone_url(const char *forge, const char *field, const char *setting,
			    const char *base, const char *url, const char *owner,
			    const char *repo, struct rr_error *err)
{
	char *path = NULL, *prefix = NULL, *origin = NULL;
	int rc = RR_OK;

	/* libgit2 must only speak HTTP(S) to the forge: no file://, ssh or local paths. */
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not an http(s) URL",
				    forge, field);
	if (strlen(url) > 2048 || !webhook_url_plain(url) || has_dot_segment(url))
		return rr_error_set(err, RR_EINVAL, "%s payload: field '%s' has characters a clone "
				    "URL does not need", forge, field);
	if (!base || !(prefix = url_path(base)))
		return rr_error_set(err, RR_ECONFIG, "%s: %s is not a URL", forge, setting);
	origin = url_origin(url);
	if (!api_same_origin(url, base)) {
		rc = rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not on the configured "
				  "git host (%s): it names %s", forge, field, setting,
				  origin ? origin : "an unreadable origin");
		log_clone_url_refused(forge, url, origin, base, owner, repo,
				      "not the configured git host");
		goto done;
	}
	if (!(path = url_path(url)) || !clone_path_matches(path, prefix, owner, repo)) {
		log_clone_url_refused(forge, url, origin, base, owner, repo,
				      "not the payload's repository");
		rc = rr_error_set(err, RR_EINVAL, "%s payload: field '%s' is not the payload's own "
				  "repository (%s/%s)", forge, field, owner, repo);
	}
done:
	free(origin);
	free(path);
	free(prefix);
	return rc;
}
