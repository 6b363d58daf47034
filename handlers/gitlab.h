/*
 * gitlab.h — the GitLab forge (gitlab.com and self-managed): X-Gitlab-Token
 * compared in constant time, Merge Request Hook events, diff_refs from the API
 * (polled while GitLab computes them), one diff discussion per comment, one
 * summary note per head, and a commit status.
 *
 * Configuration (bot/config.c, from this forge's settings table):
 *   RUSTREVIEW_GITLAB_WEBHOOK_SECRET  the hook's secret token (enables GitLab)
 *   RUSTREVIEW_GITLAB_URL             instance base URL (REST at <URL>/api/v4; the
 *                                     only place a payload's git_http_url may point)
 *   RUSTREVIEW_GITLAB_TOKEN           project, group or personal token, scope api
 *   RUSTREVIEW_GITLAB_CA_BUNDLE       CA file for a private CA
 */
#ifndef RR_GITLAB_H
#define RR_GITLAB_H

#include "forge.h"

extern const struct forge forge_gitlab;

#endif
