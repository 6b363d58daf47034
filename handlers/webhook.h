/*
 * webhook.h — what every forge's intake shares: signature and token checks in
 * constant time, field takers over a scanned payload, name checks for what
 * becomes a path or a ref, and the clone-URL guard.
 *
 * Every message starts with the forge's name ("<forge> payload: field 'x' ..."),
 * never quotes a secret, and names settings rather than their values.
 */
#ifndef RR_WEBHOOK_H
#define RR_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "forge.h"
#include "jsonscan.h"

#define WEBHOOK_SHA_LEN 40
/* Real payloads nest about 6 deep; anything past this is hostile or broken. */
#define WEBHOOK_MAX_NESTING 64
/* Owner paths hold at most this many segments (GitLab allows 20 levels of groups). */
#define WEBHOOK_MAX_SEGMENTS 21

/* ---- authenticity --------------------------------------------------------- */

/*
 * HMAC-SHA256 of the raw body with secret, compared in constant time with the
 * hex digits in `value` (header `header`) after `prefix` ("sha256=" or "").
 * RR_OK or RR_EAUTH with "<forge> webhook: ..." in err.
 */
int webhook_verify_hmac(const char *forge, const char *secret, const struct http_request *req,
			const char *header, const char *prefix, struct rr_error *err);
/* The header's value equals secret (constant time for equal lengths). */
int webhook_verify_token(const char *forge, const char *secret, const struct http_request *req,
			 const char *header, struct rr_error *err);

/* ---- payload ---------------------------------------------------------------- */

/* Scans req's body for fields (paths set by the caller); the root must be an object. */
int webhook_scan(const char *forge, const struct http_request *req, struct jsonscan_field *f,
		 size_t n, struct rr_error *err);
/* A string field into a heap string: RR_EINVAL when absent, not a string or holding NUL. */
int webhook_take_string(const char *forge, const struct jsonscan_field *f, char **out,
			struct rr_error *err);
/* A 40-digit hex SHA, lowercased. */
int webhook_take_sha(const char *forge, const struct jsonscan_field *f, char **out,
		     struct rr_error *err);
/* A positive integer (0 left in *out when absent and not required). */
int webhook_take_positive(const char *forge, const struct jsonscan_field *f, bool required,
			  long *out, struct rr_error *err);
/* The field is true (RR_OK, *out set), false/null/absent (*out false), else RR_EINVAL. */
int webhook_take_bool(const char *forge, const struct jsonscan_field *f, bool *out,
		      struct rr_error *err);

bool webhook_sha_ok(const char *s);
/* Lowercase words of [a-z_] plus the characters in `also`, 1..max bytes. */
bool webhook_word_ok(const char *s, size_t max, const char *also);
/* Delivery ids: 1..100 of [A-Za-z0-9._-]. */
bool webhook_delivery_ok(const char *s);

/*
 * A repository path as forges allow it and as it becomes a directory: segments
 * of [A-Za-z0-9._-], 1..100 bytes each, none "." or containing "..", no empty
 * segment; with allow_slash up to WEBHOOK_MAX_SEGMENTS segments joined by '/',
 * else exactly one.
 */
bool webhook_path_ok(const char *s, bool allow_slash);
/* A branch name that is a valid ref under refs/heads/ (at most 255 bytes). */
bool webhook_branch_ok(const char *s);
/*
 * The two refspecs of a review: the base branch and the forge's head ref of
 * pull request `number` (head_fmt: "refs/pull/%ld/head" or the like), into
 * refs/rustreview/. Heap strings in *out (caller frees each and the array).
 */
int webhook_refspecs(const char *forge, const char *base_ref, const char *head_fmt, long number,
		     char ***out, size_t *n, struct rr_error *err);
/* Checks owner and repo with webhook_path_ok; RR_EINVAL naming the fields. */
int webhook_check_names(const char *forge, const char *owner_field, const char *owner,
			const char *repo_field, const char *repo, struct rr_error *err);

/* ---- URLs --------------------------------------------------------------------- */

/* "scheme://authority/path" of unreserved characters only (no userinfo, query,
 * fragment, percent escapes, whitespace). */
bool webhook_url_plain(const char *url);

/*
 * The clone URL of a payload must be a plain http(s) URL under `base` (the
 * configured git location, scheme://host[:port][/prefix]) whose path is exactly
 * the payload's own repository: <prefix>/<owner>/<repo>[.git], compared without
 * regard to case (forges treat names so). Anything else would make the bot
 * fetch another repository, or offer its token to another host. A refusal is
 * logged as "<forge>.clone_url.refused". field and setting name what the
 * messages say.
 */
int webhook_check_clone_url(const char *forge, const char *field, const char *setting,
			    const char *base, const char *url, const char *owner,
			    const char *repo, struct rr_error *err);

/* Length of url without trailing slashes, for "%.*s". */
int webhook_base_len(const char *url);

#endif
