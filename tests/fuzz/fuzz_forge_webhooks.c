/*
 * fuzz_forge_webhooks.c — libFuzzer target: GitLab and Gitea webhook verify +
 * parse_event (GitHub has fuzz_github_webhook.c).
 *
 * Input: byte 0 picks the forge (bit 0) and the event header; the rest is the
 * body, authenticated as that forge wants it (GitLab: the token header; Gitea:
 * the bare-hex HMAC), so verify must accept it and parse_event then sees every
 * payload shape the fuzzer makes. Invariants checked on success: the request
 * names only validated things, and its clone URL is its own repository on the
 * configured host.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <git2.h>
#include <openssl/hmac.h>

#include "../../common/log.h"
#include "../../handlers/forge.h"
#include "../../handlers/gitea.h"
#include "../../handlers/gitlab.h"

#define SECRET "fuzz-webhook-secret"
#define HOST   "http://example.com"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	git_libgit2_init();
	rr_log_set_level(RR_LOG_ERROR);
	return 0;
}

static void check_request(const struct review_request *rq)
{
	char want[512];
	size_t n;

	if (!rq->owner || !rq->repo || !rq->clone_url || !rq->head_sha || rq->number <= 0 ||
	    strlen(rq->head_sha) != 40 || strstr(rq->owner, "..") || strstr(rq->repo, "..") ||
	    rq->owner[0] == '/' || strstr(rq->owner, "//") || strchr(rq->repo, '/'))
		abort();
	n = (size_t)snprintf(want, sizeof(want), HOST "/%s/%s", rq->owner, rq->repo);
	if (n >= sizeof(want) || strncasecmp(rq->clone_url, want, n) != 0 ||
	    (rq->clone_url[n] && strcasecmp(rq->clone_url + n, ".git") != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const gl_events[] = { "Merge Request Hook", "Merge Request Hook",
						 "Push Hook", "merge request hook" };
	static const char *const gt_events[] = { "pull_request", "pull_request", "push",
						 "Pull_Request" };
	const struct forge *forge;
	struct forge_config cfg;
	struct http_header h[3];
	struct http_request req;
	struct review_request rq;
	struct rr_error err = { 0 };
	unsigned char mac[32];
	unsigned int mac_len = 0;
	char sig[65];

	if (size < 1)
		return 0;
	forge = data[0] & 1 ? &forge_gitea : &forge_gitlab;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = forge;
	cfg.webhook_secret = (char *)SECRET;
	cfg.api_url = (char *)HOST;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.headers = h;
	req.nheaders = 3;
	req.body = (const char *)data + 1;
	req.body_len = size - 1;
	if (forge == &forge_gitlab) {
		h[0] = (struct http_header){ "X-Gitlab-Event", gl_events[(data[0] >> 1) % 4] };
		h[1] = (struct http_header){ "Idempotency-Key", "fuzz-delivery-1" };
		h[2] = (struct http_header){ "X-Gitlab-Token", SECRET };
	} else {
		HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), data + 1, size - 1, mac, &mac_len);
		rr_hex(mac, sizeof(mac), sig);
		h[0] = (struct http_header){ "X-Gitea-Event", gt_events[(data[0] >> 1) % 4] };
		h[1] = (struct http_header){ "X-Gitea-Delivery", "fuzz-delivery-1" };
		h[2] = (struct http_header){ "X-Gitea-Signature", sig };
	}
	if (forge->verify(&cfg, &req, &err) != RR_OK)
		abort();
	if (forge->parse_event(&cfg, &req, &rq, &err) == RR_OK) {
		check_request(&rq);
		review_request_free(&rq);
	} else if (rq.forge || rq.owner || rq.clone_url) {
		abort();
	}
	return 0;
}
