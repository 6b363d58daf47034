/*
 * github.h — the GitHub forge: webhook signature (X-Hub-Signature-256),
 * pull_request events, GitHub App auth (RS256 JWT -> installation token, cached
 * per installation until 5 minutes before expiry) or a personal access token,
 * and publishing findings as one pull request review of line comments.
 *
 * Configuration (struct forge_config, filled by bot/config.c):
 *   RUSTREVIEW_GITHUB_APP_ID + RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE  App mode, or
 *   RUSTREVIEW_GITHUB_TOKEN                                         token mode.
 * API calls always go to cfg->api_url (never to a URL taken from a payload).
 */
#ifndef RR_GITHUB_H
#define RR_GITHUB_H

#include <time.h>

#include "forge.h"

extern const struct forge forge_github;

/*
 * The GitHub App JWT for app_id signed with the PEM private key: RS256, claims
 * iat = now-60, exp = now+540, iss = app_id (a number when app_id is all
 * digits, else a string — a client id). Heap string in *out; exposed for tests.
 */
int github_jwt_create(const char *app_id, const char *private_key_pem, time_t now, char **out,
		      struct rr_error *err);

#endif
