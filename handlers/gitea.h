/*
 * gitea.h — the Gitea forge, and Forgejo (which sends the same X-Gitea-*
 * headers and speaks the same API): X-Gitea-Signature (bare lowercase hex
 * HMAC-SHA256 of the body), pull_request events, one review per head with its
 * line comments, a commit status.
 *
 * Configuration (bot/config.c, from this forge's settings table):
 *   RUSTREVIEW_GITEA_WEBHOOK_SECRET  the webhook's secret (enables Gitea)
 *   RUSTREVIEW_GITEA_URL             instance base URL (REST at <URL>/api/v1; the only
 *                                    place a payload's clone_url may point); required
 *   RUSTREVIEW_GITEA_TOKEN           access token of the bot's user (repository
 *                                    read/write, issue read/write)
 *   RUSTREVIEW_GITEA_CA_BUNDLE       CA file for a private CA
 */
#ifndef RR_GITEA_H
#define RR_GITEA_H

#include "forge.h"

extern const struct forge forge_gitea;

#endif
